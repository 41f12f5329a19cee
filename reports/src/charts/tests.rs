use super::*;
use crate::cost::tests::{quickstart, small_cluster};

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).expect("the SVG parses as XML")
}

fn num(n: roxmltree::Node<'_, '_>, attr: &str) -> f64 {
    n.attribute(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a numeric `{attr}`"))
}

/// The points of every series polyline (stroke `colour`, width 2).
fn polylines(doc: &roxmltree::Document<'_>, colour: RGBColor) -> Vec<Vec<(f64, f64)>> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("polyline")
                && n.attribute("stroke") == Some(hex(colour).as_str())
                && n.attribute("stroke-width") == Some("2")
        })
        .map(|n| {
            n.attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect()
        })
        .collect()
}

/// Pixels `px` are `a·x + b` for data `xs` (to the pixel: plotters rounds),
/// with `a` of the given sign.
fn assert_linear(xs: &[f64], px: &[f64], increasing: bool) {
    assert_eq!(xs.len(), px.len());
    let (lo, hi) = (0..xs.len()).fold((0, 0), |(lo, hi), i| {
        (
            if xs[i] < xs[lo] { i } else { lo },
            if xs[i] > xs[hi] { i } else { hi },
        )
    });
    if xs[hi] == xs[lo] {
        assert!(px.iter().all(|&p| (p - px[0]).abs() <= 1.0), "{px:?}");
        return;
    }
    let a = (px[hi] - px[lo]) / (xs[hi] - xs[lo]);
    assert_eq!(a > 0.0, increasing, "slope {a}");
    for (x, p) in xs.iter().zip(px) {
        let want = px[lo] + a * (x - xs[lo]);
        assert!(
            (want - p).abs() <= 1.5,
            "data {x} at pixel {p}, expected {want}"
        );
    }
}

#[test]
fn pareto_chart_plots_every_point_and_the_front() {
    let pts: Vec<SweepPoint> = [
        (40.0, 100.0, true),
        (20.0, 110.0, true),
        (30.0, 150.0, false),
        (10.0, 130.0, true),
        (12.0, 200.0, false),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (t, c, p))| SweepPoint {
        variant: i,
        time_h: t,
        cost_usd: c,
        pareto: p,
    })
    .collect();
    let svg = pareto_svg(&pts).expect("drawn");
    let doc = parse(&svg);
    let circles: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| (num(n, "cx"), num(n, "cy")))
        .collect();
    assert_eq!(circles.len(), pts.len());
    let ts: Vec<f64> = pts.iter().map(|p| p.time_h).collect();
    let cs: Vec<f64> = pts.iter().map(|p| p.cost_usd).collect();
    assert_linear(&ts, &circles.iter().map(|c| c.0).collect::<Vec<_>>(), true);
    assert_linear(&cs, &circles.iter().map(|c| c.1).collect::<Vec<_>>(), false);
    // The front: the three optimal points in time order (10, 20, 40 h).
    let front = polylines(&doc, PALETTE[3]);
    assert_eq!(front.len(), 1);
    let xs: Vec<f64> = front[0].iter().map(|p| p.0).collect();
    assert_eq!(xs.len(), 3);
    assert!(xs.windows(2).all(|w| w[0] < w[1]));
    assert_linear(
        &[10.0, 20.0, 40.0, 30.0],
        &[xs[0], xs[1], xs[2], circles[2].0],
        true,
    );
}

#[test]
fn utilization_chart_has_a_line_per_pool() {
    let r = small_cluster();
    let svg = utilization_svg(&r).expect("drawn").expect("a cluster run");
    let doc = parse(&svg);
    let c = r.cluster.as_ref().expect("cluster");
    assert_eq!(c.pools.len(), 2);
    for (i, pool) in c.pools.iter().enumerate() {
        let lines = polylines(&doc, series_colour(i));
        assert_eq!(lines.len(), 1, "pool {}", pool.name);
        let held: Vec<(usize, f64)> = pool
            .hours
            .iter()
            .enumerate()
            .filter(|(_, h)| h.held_device_h > 0.0)
            .map(|(k, h)| (k, h.busy_device_h / h.held_device_h))
            .collect();
        assert_eq!(lines[0].len(), held.len());
        let hours: Vec<f64> = held.iter().map(|h| h.0 as f64).collect();
        let util: Vec<f64> = held.iter().map(|h| h.1).collect();
        assert_linear(
            &hours,
            &lines[0].iter().map(|p| p.0).collect::<Vec<_>>(),
            true,
        );
        assert_linear(
            &util,
            &lines[0].iter().map(|p| p.1).collect::<Vec<_>>(),
            false,
        );
    }
    // The legend names the pools.
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect();
    assert!(
        texts.iter().any(|t| t == "a100") && texts.iter().any(|t| t == "h100-spot"),
        "{texts:?}"
    );
}

#[test]
fn jct_cdf_follows_the_sorted_completion_times() {
    let r = small_cluster();
    let svg = jct_cdf_svg(&r).expect("drawn").expect("a cluster run");
    let doc = parse(&svg);
    let line = polylines(&doc, PALETTE[0]);
    assert_eq!(line.len(), 1);
    let mut jct: Vec<f64> = r
        .cluster
        .as_ref()
        .expect("cluster")
        .job_records
        .iter()
        .filter_map(|j| j.end_s.map(|e| (e - j.arrival_s) / 3600.0))
        .collect();
    jct.sort_by(f64::total_cmp);
    assert_eq!(jct.len(), 40);
    assert_eq!(line[0].len(), jct.len());
    let frac: Vec<f64> = (1..=jct.len())
        .map(|i| i as f64 / jct.len() as f64)
        .collect();
    assert_linear(&jct, &line[0].iter().map(|p| p.0).collect::<Vec<_>>(), true);
    assert_linear(
        &frac,
        &line[0].iter().map(|p| p.1).collect::<Vec<_>>(),
        false,
    );
}

#[test]
fn breakdown_bars_stack_the_parts() {
    let r = quickstart();
    let svg = breakdown_svg(&r).expect("drawn").expect("a job");
    let doc = parse(&svg);
    let parts = r.jobs[0].breakdown_s.labelled();
    let mut heights = Vec::new();
    let mut values = Vec::new();
    for (k, (label, v)) in parts.iter().enumerate() {
        let rects: Vec<roxmltree::Node<'_, '_>> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("rect") && n.attribute("fill") == Some(hex(PALETTE[k]).as_str())
            })
            .collect();
        assert_eq!(rects.len(), usize::from(*v > 0.0), "{label}");
        if let Some(rect) = rects.first() {
            heights.push(num(*rect, "height"));
            values.push(*v);
        }
    }
    // Heights in proportion to seconds (the largest part sets the scale).
    let big = values.iter().copied().fold(0.0, f64::max);
    let scale = heights[values.iter().position(|&v| v == big).expect("a part")] / big;
    for (h, v) in heights.iter().zip(&values) {
        assert!(
            (h - v * scale).abs() <= 1.5,
            "{v} s drawn {h} px, expected {}",
            v * scale
        );
    }
    assert!(values.len() >= 3, "{values:?}");
    assert!(svg.contains("gpt3-1.3b"), "the job's name labels its bar");
}

#[test]
fn result_svgs_by_kind() {
    let names = |r: &SimResult| -> Vec<&'static str> {
        result_svgs(r)
            .expect("drawn")
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(names(&quickstart()), ["breakdown.svg"]);
    assert_eq!(names(&small_cluster()), ["utilization.svg", "jct_cdf.svg"]);
}
