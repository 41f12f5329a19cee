//! `cirrus sweep` and `cirrus report merge`.

use super::{cirrus, stderr, stdout};

/// 2 × 3 × 2 = 12 variants of the quickstart.
const VARY: [&str; 6] = [
    "--vary",
    "pool.a100.nodes=1,2",
    "--vary",
    "job.gpt3-1.3b.parallelism.tp=1,2,4",
    "--vary",
    "pool.a100.usd_per_device_hour=3.0,1.5",
];

fn sweep(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sweep", "scenarios/quickstart.toml"];
    args.extend(VARY);
    args.extend(extra);
    cirrus(&args)
}

#[test]
fn quickstart_grid_golden_and_the_same_on_any_thread_count() {
    let one = sweep(&["--threads", "1"]);
    assert!(one.status.success(), "{}", stderr(&one));
    let csv = stdout(&one);
    insta::assert_snapshot!("quickstart_sweep", csv);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 14);
    assert!(
        lines[0].starts_with("# cirrus-sweep v1 scenario="),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with(
        "variant,variants,pool.a100.nodes,job.gpt3-1.3b.parallelism.tp,pool.a100.usd_per_device_hour,devices,"
    ));
    assert!(lines[2].starts_with("0,12,1,1,3.0,8,"), "{}", lines[2]);
    assert!(lines[13].starts_with("11,12,2,4,1.5,16,"), "{}", lines[13]);
    for threads in ["2", "3"] {
        let many = sweep(&["--threads", threads]);
        assert!(many.status.success(), "{}", stderr(&many));
        assert_eq!(many.stdout, one.stdout, "{threads} threads differ from 1");
    }
}

#[test]
fn pareto_rows_are_not_dominated() {
    let o = sweep(&[]);
    let csv = stdout(&o);
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(csv.as_bytes());
    let h = reader.headers().expect("header").clone();
    let at = |n: &str| h.iter().position(|c| c == n).expect("a column");
    let rows: Vec<(f64, f64, bool)> = reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (
                r[at("time_h")].parse().expect("time"),
                r[at("cost_usd")].parse().expect("cost"),
                &r[at("pareto")] == "true",
            )
        })
        .collect();
    let dominated = |p: &(f64, f64, bool)| {
        rows.iter()
            .any(|q| q.0 <= p.0 && q.1 <= p.1 && (q.0 < p.0 || q.1 < p.1))
    };
    assert!(rows.iter().any(|r| r.2) && rows.iter().any(|r| !r.2));
    for r in &rows {
        assert_eq!(r.2, !dominated(r), "{r:?}");
    }
    // Halving the price halves the cost of the same configuration.
    assert!((rows[0].1 / rows[1].1 - 2.0).abs() < 1e-9, "{rows:?}");
}

#[test]
fn sharded_sweep_merges_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.csv");
    let o = sweep(&["--csv", whole.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let mut shards = Vec::new();
    for k in 1..=5 {
        // 5 shards of 12 variants: the last ones get 2 rows, none is empty.
        let path = dir.path().join(format!("shard-{k}.csv"));
        let spec = format!("{k}/5");
        let o = sweep(&["--shard", &spec, "--csv", path.to_str().expect("utf-8")]);
        assert!(o.status.success(), "{}", stderr(&o));
        shards.push(path.to_str().expect("utf-8").to_owned());
    }
    let merged = dir.path().join("merged.csv");
    let mut args = vec!["report", "merge"];
    // In another order than the shards' numbers.
    args.extend(shards.iter().rev().map(String::as_str));
    args.extend(["-o", merged.to_str().expect("utf-8")]);
    let o = cirrus(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        std::fs::read(&whole).expect("whole"),
        std::fs::read(&merged).expect("merged"),
    );
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
    assert_eq!(a, b);

    // A missing shard is an error naming the missing variants.
    let o = cirrus(&[
        "report",
        "merge",
        &shards[0],
        &shards[1],
        "-o",
        merged.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!(
            "shards 3/5, 4/5, 5/5 are missing: 6 of 12 variants (2, 3, 4, 7, 8, 9) are in none of {}, {}",
            shards[0], shards[1]
        )),
        "{}",
        stderr(&o)
    );

    // A shard of another sweep (other values, another model, another
    // seed) is refused, naming the file and line.
    for (extra, field) in [
        (
            &["--vary", "pool.a100.usd_per_device_hour=3.0,2.0"][..],
            "grid",
        ),
        (&["--model", "analytic"][..], "model"),
        (&["--seed", "7"][..], "seed"),
    ] {
        let other = dir.path().join("other.csv");
        let mut a = vec![
            "sweep",
            "scenarios/quickstart.toml",
            "--shard",
            "3/5",
            "--csv",
            other.to_str().expect("utf-8"),
        ];
        // The same grid, but for the key `extra` varies otherwise.
        let mut vary = VARY.to_vec();
        if field == "grid" {
            vary.truncate(4);
        }
        a.extend(vary);
        a.extend_from_slice(extra);
        let o = cirrus(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = cirrus(&[
            "report",
            "merge",
            &shards[0],
            &shards[1],
            other.to_str().expect("utf-8"),
            &shards[3],
            &shards[4],
            "-o",
            merged.to_str().expect("utf-8"),
        ]);
        assert_eq!(o.status.code(), Some(2), "{field}");
        let want = format!(
            "{}:1: a shard of another sweep: its {field} is",
            other.display()
        );
        assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    }
}

/// One key varied twice is refused (it would mislabel rows).
#[test]
fn a_key_varied_twice_is_refused() {
    let o = cirrus(&[
        "sweep",
        "scenarios/quickstart.toml",
        "--vary",
        "pool.a100.nodes=1,2",
        "--vary",
        "pool.a100.nodes=4",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`--vary pool.a100.nodes` is given twice"),
        "{}",
        stderr(&o)
    );
}

/// `--threads` far beyond the variants is capped: the sweep finishes.
#[test]
fn a_huge_thread_count_is_capped() {
    let o = sweep(&["--threads", "100000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("on 12 threads"), "{}", stderr(&o));
}

#[test]
fn a_workload_sweep_reports_cluster_figures() {
    let o = cirrus(&[
        "sweep",
        "tests/fixtures/reports/small-cluster.toml",
        "--vary",
        "scheduler.policy=fifo,sjf",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(csv.as_bytes());
    let h = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 2);
    let at = |n: &str| h.iter().position(|c| c == n).expect("a column");
    assert_eq!(&rows[0][at("scheduler.policy")], "fifo");
    for r in &rows {
        for col in ["utilization", "avg_jct_h", "time_h", "cost_usd"] {
            assert!(
                r[at(col)].parse::<f64>().is_ok_and(|x| x > 0.0),
                "{col}: {r:?}"
            );
        }
        assert_eq!(&r[at("step_time_s")], "");
    }
    // Same as `cirrus simulate` for the fifo variant (the file's own policy).
    let sim = cirrus(&[
        "simulate",
        "tests/fixtures/reports/small-cluster.toml",
        "--json",
    ]);
    let r: cirrus_sim::result::SimResult = serde_json::from_slice(&sim.stdout).expect("SimResult");
    let c = r.cluster.expect("cluster");
    assert_eq!(
        rows[0][at("cost_usd")].parse::<f64>().expect("cost"),
        c.cost_usd
    );
    assert_eq!(
        rows[0][at("time_h")].parse::<f64>().expect("time"),
        c.makespan_s / 3600.0
    );
}

#[test]
fn bad_sweeps_name_the_problem() {
    let run = |args: &[&str]| {
        let mut all = vec!["sweep", "scenarios/quickstart.toml"];
        all.extend(args);
        let o = cirrus(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        stderr(&o)
    };
    let e = run(&["--vary", "pool.a100.nodes=2,0"]);
    assert!(
        e.contains("scenarios/quickstart.toml [variant 1: pool.a100.nodes=0]:18:9: error: `pool[0].nodes`: expected a positive integer, found 0"),
        "{e}"
    );
    let e = run(&["--vary", "job.gpt3.parallelism.tp=2"]);
    assert!(
        e.contains("`--vary job.gpt3.parallelism.tp`: no `job` named `gpt3` (the file's `job` entries: `gpt3-1.3b`)"),
        "{e}"
    );
    let e = run(&["--vary", "job.gpt3-1.3b.parallelism.tpp=2"]);
    assert!(e.contains("`job[0].parallelism.tpp`: unknown key"), "{e}");
    let e = run(&["--vary", "pool.a100.nodes"]);
    assert!(e.contains("expected KEY=V1,V2,..."), "{e}");
    let e = run(&["--vary", "pool.a100.nodes=1", "--shard", "3/2"]);
    assert!(
        e.contains("`--shard 3/2`: expected K/N with 1 ≤ K ≤ N"),
        "{e}"
    );
}
