//! `cirrus simulate` on the openb replay (Alibaba GPU trace v2023) and on
//! hand-made pod lists over the same 6,212-GPU inventory: every GPU pod is
//! placed or rejected with a reason, on a pool its `gpu_spec` allows, on
//! one node, for its recorded run time, and the output is the same bytes on
//! every run.

use super::{cirrus, root, stderr};
use cirrus_sim::result::{ClusterResult, SimResult};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SCENARIO: &str = "scenarios/openb-replay.toml";

/// What the test expects of one GPU pod, read straight from the pod list.
#[derive(Debug)]
struct Pod {
    /// `creation_time`, s.
    created: f64,
    /// GPUs: `gpu_milli / 1000` for a shared one, else `num_gpu`.
    devices: f64,
    /// Allowed models (`gpu_spec`); empty: any.
    models: BTreeSet<String>,
    /// `deletion_time - scheduled_time`, or `- creation_time` when never
    /// scheduled.
    run_s: f64,
}

/// A CSV file as rows of named cells (no quoted fields in these files).
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{l}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| ((*h).to_owned(), c.to_owned()))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// The GPU pods of a pod list, by name.
fn gpu_pods(text: &str) -> BTreeMap<String, Pod> {
    rows(text)
        .into_iter()
        .filter(|r| r["num_gpu"] != "0")
        .map(|r| {
            let (n, milli) = (num(&r, "num_gpu"), num(&r, "gpu_milli"));
            let start = if r["scheduled_time"].is_empty() {
                num(&r, "creation_time")
            } else {
                num(&r, "scheduled_time")
            };
            let pod = Pod {
                created: num(&r, "creation_time"),
                devices: if n == 1.0 && milli < 1000.0 {
                    milli / 1000.0
                } else {
                    n
                },
                models: r["gpu_spec"]
                    .split('|')
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
                    .collect(),
                run_s: num(&r, "deletion_time") - start,
            };
            (r["name"].clone(), pod)
        })
        .collect()
}

/// Simulates `scenario` twice with `--out`; checks the runs agree byte for
/// byte and returns the result and the `jobs.csv` rows.
fn simulate_twice(scenario: &Path) -> (ClusterResult, Vec<BTreeMap<String, String>>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |name: &str| {
        let out = dir.path().join(name);
        let o = cirrus(&[
            "simulate",
            scenario.to_str().expect("utf-8 path"),
            "--json",
            "--out",
            out.to_str().expect("utf-8 path"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let read = |f: &str| std::fs::read(out.join(f)).expect("written");
        (o.stdout, read("jobs.csv"), read("usage.csv"))
    };
    let a = run("a");
    assert!(a == run("b"), "two runs differ");
    let r: SimResult = serde_json::from_slice(&a.0).expect("SimResult");
    let jobs = rows(std::str::from_utf8(&a.1).expect("utf-8"));
    (r.cluster.expect("a cluster block"), jobs)
}

/// The invariants every openb run keeps; returns the pool of each pod
/// that ran and the reason of each that was rejected.
fn check(
    scenario: &Path,
    pods: &BTreeMap<String, Pod>,
) -> (
    ClusterResult,
    BTreeMap<String, String>,
    BTreeMap<String, String>,
) {
    let s = cirrus_sim::scenario::load(scenario).expect("the scenario loads");
    let model: BTreeMap<&str, &str> = s
        .pools
        .iter()
        .map(|p| (p.name.as_str(), p.device.id.as_str()))
        .collect();
    let per_node: BTreeMap<&str, f64> = s
        .pools
        .iter()
        .map(|p| (p.name.as_str(), f64::from(p.devices_per_node)))
        .collect();
    let (c, jobs) = simulate_twice(scenario);
    assert_eq!(c.jobs_submitted as usize, pods.len(), "one job per GPU pod");
    assert_eq!(jobs.len(), pods.len());
    let first = pods
        .values()
        .map(|p| p.created)
        .fold(f64::INFINITY, f64::min);
    let (mut placed, mut rejected) = (BTreeMap::new(), BTreeMap::new());
    for j in &jobs {
        let id = &j["id"];
        let pod = pods
            .get(id)
            .unwrap_or_else(|| panic!("{id} is not a GPU pod"));
        assert_eq!(num(j, "arrival_s"), pod.created - first, "{id}");
        assert_eq!(num(j, "devices"), pod.devices, "{id}");
        if !j["rejected"].is_empty() {
            assert!(j["end_s"].is_empty() && j["pool"].is_empty(), "{id}: {j:?}");
            assert!(j["rejected"].starts_with("no pool can run it ("), "{j:?}");
            rejected.insert(id.clone(), j["rejected"].clone());
            continue;
        }
        assert!(!j["end_s"].is_empty(), "{id} neither finished nor rejected");
        let pool = j["pool"].as_str();
        let m = model[pool];
        assert!(
            pod.models.is_empty() || pod.models.contains(m) || pod.models.contains(pool),
            "{id} wants {:?}, ran on {pool} ({m})",
            pod.models
        );
        assert!(pod.devices <= per_node[pool], "{id} spans nodes on {pool}");
        let (start, end) = (num(j, "start_s"), num(j, "end_s"));
        assert!(start >= num(j, "arrival_s"), "{id}");
        // FIFO never preempts: one run of the recorded length.
        assert!((end - start - pod.run_s).abs() <= 1e-6, "{id}: {j:?}");
        assert_eq!(num(j, "preemptions"), 0.0);
        placed.insert(id.clone(), pool.to_owned());
    }
    assert_eq!(c.jobs_completed as usize, placed.len());
    for p in &c.pools {
        assert!(
            p.busy_device_h <= p.held_device_h * (1.0 + 1e-12),
            "{}: busy {} > held {}",
            p.name,
            p.busy_device_h,
            p.held_device_h
        );
    }
    assert!(c.utilization > 0.0 && c.utilization <= 1.0, "{c:?}");
    (c, placed, rejected)
}

/// The bundled replay: all 7,064 GPU pods of the default list run; the
/// trace's own times never ask for a tenth of the cluster, so none waits.
#[test]
fn openb_replay_places_every_gpu_pod_for_its_recorded_time() {
    let text =
        std::fs::read_to_string(root().join("sim/data/traces/openb/openb_pod_list_default.csv"))
            .expect("the committed pod list");
    let pods = gpu_pods(&text);
    assert_eq!(pods.len(), 7064);
    let (c, placed, rejected) = check(&root().join(SCENARIO), &pods);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(placed.len(), 7064);
    assert_eq!(c.avg_queue_s, 0.0);
    let held: f64 = c.pools.iter().map(|p| p.held_device_h).sum();
    let hours = c.makespan_s / 3600.0;
    assert!(
        (held - 6212.0 * hours).abs() <= 1e-6 * held,
        "{held} {hours}"
    );
    assert!(c.utilization < 0.1, "{c:?}");
}

/// Model constraints and multi-GPU pods on the real inventory: a pod runs
/// only where its `gpu_spec` allows and on one node (a fifth 4-GPU T4 pod
/// waits for a 4-GPU T4 node rather than spanning two 2-GPU ones), and a
/// pod no node can hold is rejected with the reason.
#[test]
fn openb_constraints_and_multi_gpu_pods_on_the_real_inventory() {
    let mut csv = String::from(
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n",
    );
    // The 17 four-GPU T4 nodes taken for 1,000 s, then one more 4-GPU pod.
    for i in 0..17 {
        csv.push_str(&format!("t4x4-{i:02},1,1,4,1000,T4,LS,Running,0,1000,0\n"));
    }
    csv.push_str("t4x4-late,1,1,4,1000,T4,LS,Running,10,110,10\n");
    for row in [
        "t4x8,1,1,8,1000,T4,LS,Running,20,30,20",
        "g1,1,1,1,1000,G1,LS,Running,20,30,20",
        "v100-pair,1,1,2,1000,V100M16|V100M32,LS,Running,30,90,31",
        "v100m16-quad,1,1,4,1000,V100M16|V100M16,LS,Running,30,90,30",
        // Shares of the two A10s: best fit packs 0.3 + 0.7 and 0.6 + 0.4
        // (spreading them would leave 0.4 waiting).
        "a10-a,1,1,1,300,A10,BE,Running,40,140,40",
        "a10-b,1,1,1,700,A10,BE,Running,40,140,40",
        "a10-c,1,1,1,600,A10|T4x,BE,Running,40,140,40",
        "a10-d,1,1,1,400,A10,BE,Running,40,140,40",
        "any-share,1,1,1,250,,BE,Running,50,60,50",
        "p100-pending,1,1,1,1000,P100,BE,Pending,60,85,",
        "cpu-only,1,1,0,0,,BE,Running,70,80,70",
    ] {
        csv.push_str(row);
        csv.push('\n');
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pods_path = dir.path().join("pods.csv");
    std::fs::write(&pods_path, &csv).expect("written");
    let scenario = std::fs::read_to_string(root().join(SCENARIO)).expect("scenario");
    let line = "path = \"../sim/data/traces/openb/openb_pod_list_default.csv\"";
    assert!(scenario.contains(line));
    let scenario = scenario.replace(
        line,
        &format!("path = {:?}", pods_path.to_str().expect("utf-8 path")),
    );
    let scenario_path = dir.path().join("openb.toml");
    std::fs::write(&scenario_path, scenario).expect("written");

    let pods = gpu_pods(&csv);
    let (_, placed, rejected) = check(&scenario_path, &pods);
    assert_eq!(
        rejected,
        BTreeMap::from([
            (
                "g1".to_owned(),
                "no pool can run it (1 devices of type G1)".to_owned()
            ),
            (
                "t4x8".to_owned(),
                "no pool can run it (8 devices on one node of type T4)".to_owned()
            ),
        ])
    );
    for i in 0..17 {
        assert_eq!(placed[&format!("t4x4-{i:02}")], "t4-4");
    }
    assert_eq!(placed["t4x4-late"], "t4-4");
    assert_eq!(placed["v100-pair"], "v100m32-8", "first allowed pool");
    assert_eq!(placed["v100m16-quad"], "v100m16-8");
    assert_eq!(placed["any-share"], "g2-8", "first pool");
    assert_eq!(placed["p100-pending"], "p100-2");
    for p in ["a10-a", "a10-b", "a10-c", "a10-d"] {
        assert_eq!(placed[p], "a10-1");
    }
    // The late pod waited for a four-GPU node (at 1,000 s) although two
    // 2-GPU T4 nodes were free from the start.
    let jobs = simulate_twice(&scenario_path).1;
    let start = |id: &str| {
        let j = jobs.iter().find(|j| j["id"] == id).expect("a row");
        num(j, "start_s")
    };
    assert_eq!(start("t4x4-late"), 1000.0);
    assert_eq!(start("a10-d"), 40.0, "shared A10s packed");
}

/// The scenario's pools are the trace's GPU node list: per (model, GPUs per
/// node), as many nodes as the list has, and nothing else.
#[test]
fn openb_replay_pools_are_the_trace_inventory() {
    let nodes = cirrus_sim::workload::openb::read_nodes(
        &root().join("sim/data/traces/openb/openb_node_list_gpu_node.csv"),
    )
    .expect("the committed node list");
    let mut listed: BTreeMap<(String, u32), u32> = BTreeMap::new();
    for n in nodes.iter().filter(|n| n.gpus > 0) {
        *listed.entry((n.model.clone(), n.gpus)).or_default() += 1;
    }
    let s = cirrus_sim::scenario::load(&root().join(SCENARIO)).expect("the scenario loads");
    let mut pools: BTreeMap<(String, u32), u32> = BTreeMap::new();
    for p in &s.pools {
        *pools
            .entry((p.device.id.clone(), p.devices_per_node))
            .or_default() += p.nodes;
    }
    assert_eq!(pools, listed);
    assert_eq!(s.pools.iter().map(|p| p.devices()).sum::<u64>(), 6212);
}
