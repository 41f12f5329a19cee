//! SVG charts (plotters' SVG backend: text is written as SVG text
//! elements, so no font files are needed): the time-to-train vs cost Pareto
//! front, utilisation over time per pool, the job-completion-time CDF, and
//! the step-time breakdown as stacked bars.
//!
//! Shapes are chosen so a reader (or a test) can find each series in the
//! SVG: scatter points are circles, lines are polylines, bars are filled
//! rectangles in the part's colour; legends use other shapes.

use crate::ReportError;
use crate::sweep::SweepPoint;
use cirrus_sim::result::SimResult;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Width and height of every chart, pixels.
pub const SIZE: (u32, u32) = (900, 540);

/// The colours, in order: the step-breakdown parts take them in
/// `Breakdown::labelled` order; series (pools) take the first six in turn.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(174, 199, 232),
];

/// Colour of series `i`.
pub fn series_colour(i: usize) -> RGBColor {
    PALETTE[i % 6]
}

fn fail<E: std::fmt::Debug>(chart: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Chart {
        chart: chart.to_owned(),
        why: format!("{e:?}"),
    }
}

/// A range from `lo` to `hi` with 5% room above, never empty.
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let span = (hi - lo).abs().max(hi.abs() * 1e-3).max(1e-9);
    lo - span * 0.05..hi + span * 0.05
}

/// The chart type every drawing here uses.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A titled chart on `root` over `x` × `y`.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    name: &str,
    caption: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, ReportError> {
    ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(fail(name))
}

/// The mesh with both axes described.
fn mesh(chart: &mut Chart<'_, '_>, name: &str, x: &str, y: &str) -> Result<(), ReportError> {
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .draw()
        .map_err(fail(name))
}

/// The series' legend, boxed, top right.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, name: &str) -> Result<(), ReportError> {
    chart
        .configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(fail(name))
}

/// Draws with `draw` on a fresh SVG of [`SIZE`] and returns its text.
fn svg(
    chart: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ReportError>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail(chart))?;
        draw(&root)?;
        root.present().map_err(fail(chart))?;
    }
    Ok(out)
}

/// Time to train (or makespan) against cost: every point a circle, the
/// Pareto-optimal ones joined by a polyline in time order.
pub fn pareto_svg(points: &[SweepPoint]) -> Result<String, ReportError> {
    const NAME: &str = "pareto.svg";
    let (t0, t1) = bounds(points.iter().map(|p| p.time_h));
    let (c0, c1) = bounds(points.iter().map(|p| p.cost_usd));
    svg(NAME, |root| {
        let caption = "Time to train vs cost (Pareto front)";
        let mut chart = frame(root, NAME, caption, padded(t0, t1), padded(c0, c1))?;
        mesh(&mut chart, NAME, "time, h", "cost, USD")?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new((p.time_h, p.cost_usd), 3, PALETTE[0].filled())),
            )
            .map_err(fail(NAME))?;
        let mut front: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.pareto)
            .map(|p| (p.time_h, p.cost_usd))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        chart
            .draw_series(LineSeries::new(front, PALETTE[3].stroke_width(2)))
            .map_err(fail(NAME))?;
        Ok(())
    })
}

/// Smallest and largest of `xs` (0..1 when there are none).
fn bounds(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = xs
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

/// Each pool's utilisation (busy over held) per hour of a cluster run, one
/// polyline per pool in pool order, a point per hour at the hour's start
/// (hours with nothing held are left out).
pub fn utilization_svg(r: &SimResult) -> Result<Option<String>, ReportError> {
    const NAME: &str = "utilization.svg";
    let Some(c) = &r.cluster else {
        return Ok(None);
    };
    let series: Vec<(String, Vec<(f64, f64)>)> = c
        .pools
        .iter()
        .map(|p| {
            let pts = p
                .hours
                .iter()
                .enumerate()
                .filter(|(_, h)| h.held_device_h > 0.0)
                .map(|(k, h)| (k as f64, h.busy_device_h / h.held_device_h))
                .collect();
            (p.name.clone(), pts)
        })
        .collect();
    let hours = c.pools.iter().map(|p| p.hours.len()).max().unwrap_or(0);
    if hours == 0 {
        return Ok(None);
    }
    svg(NAME, |root| {
        let caption = "Utilisation per pool";
        let mut chart = frame(root, NAME, caption, 0.0..hours as f64, 0.0..1.05)?;
        mesh(&mut chart, NAME, "hour of the run", "busy / held")?;
        for (i, (name, pts)) in series.into_iter().enumerate() {
            let colour = series_colour(i);
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                .map_err(fail(NAME))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 12, y + 4)], colour.filled())
                });
        }
        legend(&mut chart, NAME)?;
        Ok(())
    })
    .map(Some)
}

/// The completion times of a cluster run's finished jobs, as an empirical
/// CDF: a polyline through (JCT_i in hours, (i+1)/n) in ascending order.
pub fn jct_cdf_svg(r: &SimResult) -> Result<Option<String>, ReportError> {
    const NAME: &str = "jct_cdf.svg";
    let Some(c) = &r.cluster else {
        return Ok(None);
    };
    let mut jct: Vec<f64> = c
        .job_records
        .iter()
        .filter_map(|j| j.end_s.map(|e| (e - j.arrival_s) / 3600.0))
        .collect();
    if jct.is_empty() {
        return Ok(None);
    }
    jct.sort_by(f64::total_cmp);
    let n = jct.len() as f64;
    let pts: Vec<(f64, f64)> = jct
        .iter()
        .enumerate()
        .map(|(i, &x)| (x, (i + 1) as f64 / n))
        .collect();
    let (lo, hi) = bounds(jct.iter().copied());
    svg(NAME, |root| {
        let caption = "Job completion time (CDF)";
        let mut chart = frame(root, NAME, caption, padded(lo.min(0.0), hi), 0.0..1.05)?;
        mesh(
            &mut chart,
            NAME,
            "job completion time, h",
            "fraction of jobs",
        )?;
        chart
            .draw_series(LineSeries::new(pts, PALETTE[0].stroke_width(2)))
            .map_err(fail(NAME))?;
        Ok(())
    })
    .map(Some)
}

/// Each training job's step time as a stacked bar (job `i` at x = i),
/// one rectangle per non-zero part in `Breakdown::labelled` order, bottom
/// up, coloured by [`PALETTE`].
pub fn breakdown_svg(r: &SimResult) -> Result<Option<String>, ReportError> {
    const NAME: &str = "breakdown.svg";
    if r.jobs.is_empty() {
        return Ok(None);
    }
    let top = r
        .jobs
        .iter()
        .map(|j| j.breakdown_s.total())
        .fold(0.0, f64::max)
        .max(1e-9);
    let labels: Vec<String> = r.jobs.iter().map(|j| j.name.clone()).collect();
    svg(NAME, |root| {
        let x = -0.5..r.jobs.len() as f64 - 0.5;
        let mut chart = frame(root, NAME, "Step time breakdown", x, 0.0..top * 1.3)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(r.jobs.len().max(2))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("seconds per step")
            .draw()
            .map_err(fail(NAME))?;
        let parts = r.jobs[0].breakdown_s.labelled();
        for (k, (label, _)) in parts.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let bars: Vec<Rectangle<(f64, f64)>> = r
                .jobs
                .iter()
                .enumerate()
                .filter_map(|(i, j)| {
                    let parts = j.breakdown_s.labelled();
                    let below: f64 = parts[..k].iter().map(|p| p.1).sum();
                    let v = parts[k].1;
                    (v > 0.0).then(|| {
                        let x = i as f64;
                        Rectangle::new([(x - 0.3, below), (x + 0.3, below + v)], colour.filled())
                    })
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(fail(NAME))?
                .label(*label)
                .legend(move |(x, y)| Circle::new((x + 6, y), 5, colour.filled()));
        }
        legend(&mut chart, NAME)?;
        Ok(())
    })
    .map(Some)
}

/// Every chart a SimResult has data for, as (file name, SVG): the step
/// breakdown for training jobs; utilisation and the JCT CDF for a cluster
/// run.
pub fn result_svgs(r: &SimResult) -> Result<Vec<(&'static str, String)>, ReportError> {
    let mut out = Vec::new();
    if let Some(s) = breakdown_svg(r)? {
        out.push(("breakdown.svg", s));
    }
    if let Some(s) = utilization_svg(r)? {
        out.push(("utilization.svg", s));
    }
    if let Some(s) = jct_cdf_svg(r)? {
        out.push(("jct_cdf.svg", s));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
