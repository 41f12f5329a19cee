//! `cirrus report`: cost CSVs, charts and traces from a SimResult.

use super::{cirrus, stderr};
use std::path::Path;

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn report_writes_what_simulate_out_wrote() {
    for scenario in [
        "scenarios/quickstart.toml",
        "tests/fixtures/reports/small-cluster.toml",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let o = cirrus(&["simulate", scenario, "--out", path(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let again = dir.path().join("again");
        let svg = dir.path().join("svg");
        let trace = dir.path().join("trace.json");
        let o = cirrus(&[
            "report",
            path(&out.join("result.json")),
            "--csv",
            path(&again),
            "--svg",
            path(&svg),
            "--trace",
            path(&trace),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        for name in ["cost_jobs.csv", "cost_pool_days.csv", "cost_scenario.csv"] {
            assert_eq!(
                read(&out.join(name)),
                read(&again.join(name)),
                "{scenario}: {name}"
            );
        }
        let mut svgs: Vec<String> = std::fs::read_dir(&svg)
            .expect("svg dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        svgs.sort();
        let want: &[&str] = if scenario.contains("cluster") {
            &["jct_cdf.svg", "manifest.json", "utilization.svg"]
        } else {
            &["breakdown.svg", "manifest.json"]
        };
        assert_eq!(svgs, want);
        for s in svgs.iter().filter(|s| s.ends_with(".svg")) {
            let text = read(&svg.join(s));
            let doc = roxmltree::Document::parse(&text).expect("SVG parses as XML");
            assert!(doc.root_element().has_tag_name("svg"));
        }
        let t: serde_json::Value = serde_json::from_str(&read(&trace)).expect("trace JSON");
        let events = t["traceEvents"].as_array().expect("traceEvents");
        assert!(events.iter().any(|e| e["ph"] == "X"));
        assert!(events.iter().any(|e| e["ph"] == "C"));
    }
}

#[test]
fn pareto_chart_from_a_sweep_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("sweep.csv");
    let o = cirrus(&[
        "sweep",
        "scenarios/quickstart.toml",
        "--vary",
        "pool.a100.nodes=1,2,4",
        "--csv",
        path(&csv),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = dir.path().join("charts");
    let o = cirrus(&["report", path(&csv), "--svg", path(&svg)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = read(&svg.join("pareto.svg"));
    let doc = roxmltree::Document::parse(&text).expect("XML");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count(),
        3
    );
    // A sweep has no cost reports.
    let o = cirrus(&["report", path(&csv), "--csv", path(&svg)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("only --svg (the Pareto chart) applies"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_report_input_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"format_version\": 1,\n  \"scenario\": 3\n}\n").expect("write");
    let out = dir.path().join("out");
    let o = cirrus(&["report", path(&bad), "--csv", path(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("bad.json:3:") && e.contains("expected a SimResult"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written for bad input");

    std::fs::write(&bad, "{\"format_version\": 2}").expect("write");
    let e = stderr(&cirrus(&["report", path(&bad), "--csv", path(&out)]));
    assert!(e.contains("`format_version`: expected 1"), "{e}");

    let e = stderr(&cirrus(&["report", path(&bad)]));
    assert!(e.contains("nothing to write"), "{e}");
}

#[test]
fn pareto_chart_from_plan_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json");
    // The shape of `cirrus plan --json`: its front's time to train and cost.
    std::fs::write(
        &plan,
        r#"{"objective": "cost", "pareto": [
            {"plan": "a", "time_to_train_s": 36000, "cost_usd": 900},
            {"plan": "b", "time_to_train_s": 72000, "cost_usd": 700},
            {"plan": "c", "time_to_train_s": 144000, "cost_usd": 650}]}"#,
    )
    .expect("write");
    let svg = dir.path().join("svg");
    let o = cirrus(&["report", path(&plan), "--svg", path(&svg)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = read(&svg.join("pareto.svg"));
    let doc = roxmltree::Document::parse(&text).expect("XML");
    let cx: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| n.attribute("cx").and_then(|v| v.parse().ok()).expect("cx"))
        .collect();
    assert_eq!(cx.len(), 3);
    // 10, 20 and 40 hours: equal steps in pixels from the first to the second, double to the third.
    assert!(
        ((cx[2] - cx[1]) - 2.0 * (cx[1] - cx[0])).abs() <= 2.0,
        "{cx:?}"
    );
}
