use super::*;
use crate::cost::tests::small_cluster;
use cirrus_sim::result::TimelineSpan;

/// A pipelined job (4 stages, 1F1B, 8 micro-batches): its step has
/// bubbles.
fn pipelined() -> SimResult {
    let text = r#"
name = "pipelined"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 4
[[job]]
name = "gpt"
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 64
train_tokens = 1e9
[job.parallelism]
tp = 8
pp = 4
microbatch = 8
"#;
    let s = cirrus_sim::scenario::parse(text, "pipelined.toml").expect("valid");
    let topo = cirrus_sim::estimate::topology(&s).expect("a topology");
    let e = cirrus_sim::stepsim::estimate_job_with_timeline(
        cirrus_sim::stepsim::Method::Event,
        &s,
        &s.jobs[0],
        &topo,
    )
    .expect("simulated");
    SimResult {
        format_version: 1,
        scenario: s.name.clone(),
        seed: s.seed,
        jobs: vec![e.result],
        cluster: None,
    }
}

fn events(r: &SimResult) -> Vec<Value> {
    let text = trace_json(r).expect("a trace");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["displayTimeUnit"], "ms");
    doc["traceEvents"].as_array().expect("traceEvents").clone()
}

/// Every event is well formed for its phase.
fn assert_well_formed(evs: &[Value]) {
    assert!(!evs.is_empty());
    for e in evs {
        let ph = e["ph"].as_str().expect("ph");
        assert!(e["name"].is_string(), "{e}");
        assert!(e["pid"].is_u64() && e["tid"].is_u64(), "{e}");
        match ph {
            "M" => {
                assert!(matches!(
                    e["name"].as_str(),
                    Some("process_name" | "thread_name")
                ));
                assert!(e["args"]["name"].is_string(), "{e}");
            }
            "X" => {
                assert!(e["ts"].as_f64().is_some_and(|t| t >= 0.0), "{e}");
                assert!(e["dur"].as_f64().is_some_and(|d| d >= 0.0), "{e}");
                assert!(e["cat"].is_string(), "{e}");
            }
            "C" => {
                assert!(e["ts"].as_f64().is_some_and(|t| t >= 0.0), "{e}");
                let args = e["args"].as_object().expect("counter args");
                assert!(
                    !args.is_empty() && args.values().all(Value::is_number),
                    "{e}"
                );
            }
            "i" => {
                assert!(e["ts"].as_f64().is_some_and(|t| t >= 0.0), "{e}");
                assert!(matches!(e["s"].as_str(), Some("t" | "p" | "g")), "{e}");
            }
            other => panic!("unexpected phase {other}"),
        }
    }
}

#[test]
fn a_step_has_compute_communication_and_bubbles_per_worker() {
    let r = pipelined();
    let t = r.jobs[0].timeline.as_ref().expect("a timeline");
    assert_eq!(t.workers.len(), 4, "one worker per stage");
    let evs = events(&r);
    assert_well_formed(&evs);
    let threads: Vec<&Value> = evs.iter().filter(|e| e["name"] == "thread_name").collect();
    assert_eq!(threads.len(), 4);
    assert!(
        threads[0]["args"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("a100 stage 0"))
    );
    for (w, worker) in t.workers.iter().enumerate() {
        let tid = w as u64 + 1;
        let of = |cat: &str| -> Vec<&Value> {
            evs.iter()
                .filter(|e| e["ph"] == "X" && e["tid"] == tid && e["cat"] == cat)
                .collect()
        };
        let compute: Vec<&TimelineSpan> = worker
            .spans
            .iter()
            .filter(|s| s.kind == "forward" || s.kind == "backward")
            .collect();
        // 8 micro-batches, forward and backward each.
        assert_eq!(compute.len(), 16);
        assert_eq!(of("compute").len(), 16);
        let first = of("compute")[0];
        assert!((first["ts"].as_f64().expect("ts") - compute[0].start_s * 1e6).abs() < 1e-6);
        // Bubbles fill exactly the gaps between compute spans.
        let gaps: f64 = compute[0].start_s
            + compute
                .windows(2)
                .map(|p| (p[1].start_s - p[0].end_s).max(0.0))
                .sum::<f64>();
        let bubbles: f64 = of("bubble")
            .iter()
            .map(|e| e["dur"].as_f64().expect("dur"))
            .sum();
        assert!(
            (bubbles - gaps * 1e6).abs() < 1e-3,
            "worker {w}: {bubbles} vs {gaps}"
        );
        assert_eq!(
            of("communication").len(),
            worker
                .spans
                .iter()
                .filter(|s| s.kind == "dp-reduce")
                .count()
        );
    }
    // 1F1B over 4 stages idles the later stages at the start.
    let last_stage_bubble: f64 = evs
        .iter()
        .filter(|e| e["tid"] == 4 && e["cat"] == "bubble")
        .map(|e| e["dur"].as_f64().expect("dur"))
        .sum();
    assert!(t.workers[3].spans[0].start_s > 0.0);
    assert!(last_stage_bubble >= t.workers[3].spans[0].start_s * 1e6);
    // The counter: fraction of workers computing, between 0 and 1, ending at 0.
    let counters: Vec<f64> = evs
        .iter()
        .filter(|e| e["ph"] == "C")
        .map(|e| e["args"]["fraction"].as_f64().expect("fraction"))
        .collect();
    assert!(counters.iter().all(|&f| (0.0..=1.0).contains(&f)));
    assert!(counters.contains(&1.0));
    assert_eq!(counters.last(), Some(&0.0));
}

#[test]
fn a_cluster_run_has_spans_per_node_and_node_changes() {
    let r = small_cluster();
    let c = r.cluster.as_ref().expect("cluster");
    assert!(!c.schedule.is_empty());
    let evs = events(&r);
    assert_well_formed(&evs);
    let spans: Vec<&Value> = evs.iter().filter(|e| e["cat"] == "job").collect();
    // A span per stretch per node, carrying its devices: together the
    // jobs' busy device-hours.
    let stretches: usize = c.schedule.iter().map(|g| g.nodes.len()).sum();
    assert_eq!(spans.len(), stretches);
    let device_h: f64 = spans
        .iter()
        .map(|e| {
            e["dur"].as_f64().expect("dur") / 3.6e9
                * e["args"]["devices"].as_f64().expect("devices")
        })
        .sum();
    let busy: f64 = c.job_records.iter().map(|j| j.busy_device_h).sum();
    assert!(
        (device_h - busy).abs() < 1e-6 * busy.max(1.0),
        "{device_h} vs {busy}"
    );
    // Threads are nodes (more than one where jobs shared a node), and
    // spans on one thread never overlap.
    let names: Vec<&str> = evs
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("node ")), "{names:?}");
    let mut threads: std::collections::BTreeMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in &spans {
        let ts = e["ts"].as_f64().expect("ts");
        threads
            .entry((
                e["pid"].as_u64().expect("pid"),
                e["tid"].as_u64().expect("tid"),
            ))
            .or_default()
            .push((ts, ts + e["dur"].as_f64().expect("dur")));
    }
    for spans in threads.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0 + 1e-6),
            "{spans:?}"
        );
    }
    // Node changes (the fixture's failures and revocations) are instants.
    assert!(!c.node_events.is_empty());
    let instants = evs.iter().filter(|e| e["ph"] == "i").count();
    assert_eq!(instants, c.node_events.len());
}

#[test]
fn a_cluster_run_without_its_schedule_has_job_spans_in_lanes_and_utilisation_counters() {
    let mut r = small_cluster();
    if let Some(c) = r.cluster.as_mut() {
        c.schedule.clear();
        c.node_events.clear();
    }
    let c = r.cluster.as_ref().expect("cluster");
    let evs = events(&r);
    assert_well_formed(&evs);
    let jobs: Vec<&Value> = evs.iter().filter(|e| e["cat"] == "job").collect();
    let started = c.job_records.iter().filter(|j| j.start_s.is_some()).count();
    assert_eq!(jobs.len(), started);
    // Each job's span runs from its start to its end.
    for j in &c.job_records {
        let e = jobs
            .iter()
            .find(|e| e["name"] == j.id.as_str())
            .expect("the job's span");
        let start = j.start_s.expect("started");
        assert!((e["ts"].as_f64().expect("ts") - start * 1e6).abs() < 1e-3);
        let end = j.end_s.expect("finished");
        assert!((e["dur"].as_f64().expect("dur") - (end - start) * 1e6).abs() < 1e-3);
    }
    // Spans in one lane never overlap.
    let mut lanes: std::collections::BTreeMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in &jobs {
        let ts = e["ts"].as_f64().expect("ts");
        lanes
            .entry((
                e["pid"].as_u64().expect("pid"),
                e["tid"].as_u64().expect("tid"),
            ))
            .or_default()
            .push((ts, ts + e["dur"].as_f64().expect("dur")));
    }
    for spans in lanes.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0 + 1e-6),
            "{spans:?}"
        );
    }
    // An hourly utilisation counter per pool.
    for (p, pool) in c.pools.iter().enumerate() {
        let pid = p as u64 + 1;
        let n = evs
            .iter()
            .filter(|e| e["ph"] == "C" && e["pid"] == pid)
            .count();
        assert_eq!(n, pool.hours.len());
        let name = evs
            .iter()
            .find(|e| e["name"] == "process_name" && e["pid"] == pid)
            .and_then(|e| e["args"]["name"].as_str())
            .expect("a process name");
        assert_eq!(name, format!("pool {}: schedule", pool.name));
    }
}
