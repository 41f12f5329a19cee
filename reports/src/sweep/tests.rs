use super::*;

#[test]
fn pareto_by_hand() {
    let p = |t: f64, c: f64| Some((t, c));
    let points = [
        p(1.0, 10.0), // fastest: optimal
        p(2.0, 5.0),  // optimal
        p(2.0, 6.0),  // same time, dearer: dominated
        p(3.0, 5.0),  // same cost, slower: dominated
        p(4.0, 1.0),  // cheapest: optimal
        None,         // no figures
        p(2.0, 5.0),  // equal to an optimal point: optimal too
        p(5.0, 2.0),  // slower and dearer than (4, 1)
    ];
    assert_eq!(
        pareto(&points),
        [true, true, false, false, true, false, true, false]
    );
    assert!(pareto(&[]).is_empty());
}

fn keys() -> Vec<String> {
    vec!["pool.a.nodes".to_owned()]
}

/// A row with only the key, fits_memory, time and cost cells filled.
fn cells(
    variant: usize,
    variants: usize,
    nodes: &str,
    fits: &str,
    time: &str,
    cost: &str,
) -> Vec<String> {
    let h = header(&keys());
    let mut r = vec![String::new(); h.len()];
    let at = |name: &str| h.iter().position(|c| c == name).expect("a column");
    r[0] = variant.to_string();
    r[1] = variants.to_string();
    r[2] = nodes.to_owned();
    r[at("fits_memory")] = fits.to_owned();
    r[at("time_h")] = time.to_owned();
    r[at("cost_usd")] = cost.to_owned();
    r
}

fn grid() -> Vec<Vec<String>> {
    vec![
        cells(0, 5, "1", "true", "40", "100"),
        cells(1, 5, "2", "true", "20", "110"),
        cells(2, 5, "4", "true", "10", "130"),
        cells(3, 5, "8, \"x\"", "false", "1", "1"),
        cells(4, 5, "16", "true", "12", "200"),
    ]
}

#[test]
fn finish_sorts_and_flags() {
    let mut rows = grid();
    rows.reverse();
    let csv = finish(&header(&keys()), rows).expect("in memory");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "variant,variants,pool.a.nodes,devices,step_time_s,tokens_per_s,mfu,memory_gib_per_device,fits_memory,energy_kwh,usd_per_million_tokens,utilization,avg_jct_h,p99_jct_h,time_h,cost_usd,pareto"
    );
    let flags: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.rsplit(',').next().unwrap_or(""))
        .collect();
    // Out of memory is never optimal, however good its figures.
    assert_eq!(flags, ["true", "true", "true", "false", "false"]);
    assert!(
        lines[4].starts_with("3,5,\"8, \"\"x\"\"\","),
        "{}",
        lines[4]
    );
}

#[test]
fn merged_shards_equal_the_whole() {
    let h = header(&keys());
    let id = Identity::new("scenario", &[], "event", None);
    let whole = format!(
        "{}\n{}",
        id.line(None),
        finish(&h, grid()).expect("in memory")
    );
    // Shards 1/2 and 2/2 (variants 0, 2, 4 and 1, 3), flags within each.
    let shard = |k: usize| {
        let rows: Vec<Vec<String>> = grid().into_iter().skip(k).step_by(2).collect();
        format!(
            "{}\n{}",
            id.line(Some((k + 1, 2))),
            finish(&h, rows).expect("in memory")
        )
    };
    let (a, b) = (shard(0), shard(1));
    assert_ne!(a, whole);
    let merged = merge(&[
        ("b.csv".to_owned(), b.clone()),
        ("a.csv".to_owned(), a.clone()),
    ])
    .expect("a full grid");
    assert_eq!(merged, whole);

    let e = merge(&[("a.csv".to_owned(), a.clone())])
        .expect_err("half")
        .to_string();
    assert_eq!(
        e,
        "shard 2/2 is missing: 2 of 5 variants (1, 3) are in none of a.csv"
    );
    let e = merge(&[
        ("a.csv".to_owned(), a.clone()),
        ("a2.csv".to_owned(), a.clone()),
        ("b.csv".to_owned(), b.clone()),
    ])
    .expect_err("twice")
    .to_string();
    assert_eq!(
        e,
        "a2.csv:3: variant 0 is also at a.csv:3: a shard given twice?"
    );
    let other = a.replacen("pool.a.nodes", "pool.b.nodes", 1);
    let e = merge(&[("a.csv".to_owned(), other), ("b.csv".to_owned(), b.clone())])
        .expect_err("other keys")
        .to_string();
    assert!(
        e.starts_with("b.csv:2: its header differs from a.csv's"),
        "{e}"
    );
    let e = merge(&[("x.csv".to_owned(), "a,b\n1,2\n".to_owned())])
        .expect_err("not a sweep")
        .to_string();
    assert!(
        e.starts_with("x.csv:1: expected the sweep's identity line"),
        "{e}"
    );
    let e = merge(&[("x.csv".to_owned(), format!("{}\na,b\n1,2\n", id.line(None)))])
        .expect_err("not a sweep")
        .to_string();
    assert!(e.starts_with("x.csv:2: expected a sweep CSV"), "{e}");
    let foreign = Identity::new("another scenario", &[], "event", None);
    let e = merge(&[
        ("a.csv".to_owned(), a.clone()),
        (
            "f.csv".to_owned(),
            b.replacen(&id.line(None), &foreign.line(None), 1),
        ),
    ])
    .expect_err("another scenario")
    .to_string();
    assert!(
        e.starts_with("f.csv:1: a shard of another sweep: its scenario is"),
        "{e}"
    );
    let bad = a.replacen("\n0,5,", "\nzero,5,", 1);
    let e = merge(&[("a.csv".to_owned(), bad)])
        .expect_err("bad index")
        .to_string();
    assert_eq!(e, "a.csv:3: expected the variant index as a whole number");
}

#[test]
fn points_read_the_axes_and_flags() {
    let csv = finish(&header(&keys()), grid()).expect("in memory");
    let pts = points("s.csv", &csv).expect("a sweep");
    assert_eq!(pts.len(), 5);
    assert_eq!(
        (pts[1].time_h, pts[1].cost_usd, pts[1].pareto),
        (20.0, 110.0, true)
    );
    assert!(!pts[3].pareto);
}
