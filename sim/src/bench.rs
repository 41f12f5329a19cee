//! Speed benchmarks, run by `cirrus bench`: each returns a measured figure
//! (medians of repeated wall-clock runs). Nothing here is a test: speed
//! depends on the machine, so figures are printed, never asserted.

use crate::engine::{HOLD_QUEUE_SIZE, benchmark_events_per_second};
use crate::netsim::{Algorithm, Collective, CollectiveKind, Efficiency, simulate_concurrent};
use crate::planner::{self, Breadth, Objective, Options};
use crate::scenario;
use crate::stepsim::{self, Method};
use crate::topology::{Fabric, IntraNodeShape, NetworkSpec, PoolSpec, Topology, TopologySpec};
use std::time::Instant;

/// One measured figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
    /// The goal it is held to, if any (as text).
    pub target: Option<&'static str>,
}

/// The bundled scenarios the benchmarks use (compiled in, so the benchmark
/// runs from any directory).
const SCENARIOS: [(&str, &str); 9] = [
    (
        "quickstart",
        include_str!("../../scenarios/quickstart.toml"),
    ),
    (
        "gpt3-175b-1024-a100",
        include_str!("../../scenarios/gpt3-175b-1024-a100.toml"),
    ),
    (
        "gpt3-175b-16384-a100",
        include_str!("../../scenarios/gpt3-175b-16384-a100.toml"),
    ),
    (
        "llama3-70b-256-h100",
        include_str!("../../scenarios/llama3-70b-256-h100.toml"),
    ),
    (
        "mixed-a100-h100",
        include_str!("../../scenarios/mixed-a100-h100.toml"),
    ),
    (
        "tpu-v5p-slice",
        include_str!("../../scenarios/tpu-v5p-slice.toml"),
    ),
    (
        "executor-mixed-small",
        include_str!("../../scenarios/executor-mixed-small.toml"),
    ),
    (
        "gpt3-175b-512a100-512h100 (planned)",
        include_str!("../../scenarios/gpt3-175b-512a100-512h100.toml"),
    ),
    (
        "llama3-70b-deadline (planned)",
        include_str!("../../scenarios/llama3-70b-deadline.toml"),
    ),
];

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn timed<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    median(
        (0..runs.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Runs every benchmark; `quick` uses fewer repetitions (for smoke runs).
pub fn run(quick: bool) -> Result<Vec<Figure>, String> {
    let reps = if quick { 1 } else { 5 };
    let mut out = Vec::new();
    // First, while the process is small: its peak memory is then the run's.
    out.extend(pai_scale(quick)?);
    let events = if quick { 200_000 } else { 5_000_000 };
    out.push(Figure {
        name: format!("engine hold model, {} pending events", HOLD_QUEUE_SIZE),
        value: median(
            (0..reps.min(3))
                .map(|_| benchmark_events_per_second(events))
                .collect(),
        ),
        unit: "events/s",
        target: None,
    });
    out.push(Figure {
        name: "flow network: 64 concurrent 1 GB ring all-reduces × 64 ranks, 128-node fat-tree"
            .to_owned(),
        value: 1e3
            * timed(reps.min(3), || {
                let _ = rings_on_fat_tree();
            }),
        unit: "ms",
        target: None,
    });
    let (_, gpt3) = SCENARIOS[1];
    out.push(Figure {
        name: "event-level step, GPT-3 175B on 1,024 A100 (parse + topology + simulate)".to_owned(),
        value: 1e3
            * timed(reps, || {
                let _ = step(gpt3, Method::Event);
            }),
        unit: "ms",
        target: Some("≤ 100 ms"),
    });
    let s = scenario::parse(gpt3, "gpt3.toml").map_err(|d| d.to_string())?;
    let topo = crate::estimate::topology(&s).map_err(|e| e.to_string())?;
    let per_call = 1_000;
    out.push(Figure {
        name: "analytic step estimate per configuration, GPT-3 175B on 1,024 A100 (topology built once)".to_owned(),
        value: 1e6
            * timed(reps, || {
                for _ in 0..per_call {
                    let _ = crate::estimate::estimate_job(&s, &s.jobs[0], &topo);
                }
            })
            / f64::from(per_call),
        unit: "µs",
        target: Some("≤ 50 µs"),
    });
    if !quick {
        // The planner on GPT-3 175B over 512 A100 + 512 H100: pruned search
        // against the exhaustive enumeration of the same space.
        let (_, mixed) = SCENARIOS[7];
        let s = scenario::parse(mixed, "mixed.toml").map_err(|d| d.to_string())?;
        let mut found = Vec::new();
        for (breadth, label) in [
            (Breadth::Pruned, "pruned"),
            (Breadth::Exhaustive, "exhaustive"),
        ] {
            let opts = Options {
                objective: Objective::Time,
                breadth,
                rerank: 16,
            };
            let t = Instant::now();
            let plan = planner::plan(&s, 0, &opts).map_err(|e| e.to_string())?;
            out.push(Figure {
                name: format!(
                    "planner ({label}), GPT-3 175B on 512 A100 + 512 H100, {}",
                    crate::human::count(plan.considered as u64, "candidate")
                ),
                value: t.elapsed().as_secs_f64(),
                unit: "s",
                target: Some("≤ 60 s (aim ≤ 5 s)"),
            });
            found.push(plan.best.result.tokens_per_s);
        }
        out.push(Figure {
            name: "planner: pruned plan's throughput short of the exhaustive optimum's".to_owned(),
            value: 100.0 * (found[1] - found[0]) / found[1],
            unit: "%",
            target: Some("≤ 1 %"),
        });
    }
    // Heterogeneous data parallelism on the bundled mixed cluster: replicas'
    // idle time with batch shares proportional to speed, and with equal ones.
    {
        let (_, mixed) = SCENARIOS[4];
        let s = scenario::parse(mixed, "mixed.toml").map_err(|d| d.to_string())?;
        let topo = crate::estimate::topology(&s).map_err(|e| e.to_string())?;
        for (split, label) in [
            (stepsim::Split::Proportional, "shares ∝ speed"),
            (stepsim::Split::Equal, "equal shares"),
        ] {
            let sim = stepsim::simulate_job_split(&s, &s.jobs[0], &topo, split)
                .map_err(|e| e.to_string())?;
            out.push(Figure {
                name: format!("replica idle time per step, mixed-a100-h100, {label}"),
                value: 100.0 * sim.idle_fraction(),
                unit: "% step",
                target: (split == stepsim::Split::Proportional).then_some("≤ 2 %"),
            });
        }
    }
    // Cluster scheduling: the synthetic-las shape (128 A100, one job every
    // two minutes, median one hour: overloaded) with more jobs.
    let jobs = if quick { 2_000 } else { 20_000 };
    for policy in ["fifo", "tiresias"] {
        let text = CLUSTER_SCENARIO
            .replace("jobs = 2000", &format!("jobs = {jobs}"))
            .replace("policy = \"las\"", &format!("policy = \"{policy}\""));
        let mut completed = Ok(0);
        let value = timed(reps.min(3), || completed = cluster_run(&text));
        if completed? != jobs {
            return Err(format!(
                "cluster benchmark ({policy}): not every job completed"
            ));
        }
        out.push(Figure {
            name: format!(
                "cluster: {jobs} synthetic jobs on 128 A100, {policy} (generate + schedule)"
            ),
            value,
            unit: "s",
            target: None,
        });
    }
    for (name, text) in SCENARIOS {
        // A smoke run skips the 16,384-device scenario (seconds in a debug build).
        if quick && name.contains("16384") {
            continue;
        }
        // Jobs left "auto" are planned first (fastest plan).
        let (event, analytic) = both_models(text)?;
        out.push(Figure {
            name: format!("analytic vs event-level step time, {name}"),
            value: 100.0 * (analytic - event) / event,
            unit: "%",
            target: Some("within ±10 %"),
        });
    }
    Ok(out)
}

/// The bundled overloaded-cluster scenario the cluster benchmarks scale.
const CLUSTER_SCENARIO: &str = include_str!("../../scenarios/synthetic-las.toml");

/// The bundled PAI scale scenario (a million jobs on the PAI 2020
/// inventory), which the scale benchmark runs as it is (`quick`: with
/// 20,000 of its jobs).
const PAI_SCENARIO: &str = include_str!("../../scenarios/pai-scale-1m.toml");

/// The scale benchmark: wall time of generating and scheduling the PAI
/// scale scenario (median of three runs; `quick`: one, 20,000 jobs), and
/// the process's peak resident memory over those runs where the platform
/// tells it (Linux: `VmHWM`, reset first through `/proc/self/clear_refs`).
fn pai_scale(quick: bool) -> Result<Vec<Figure>, String> {
    let full = 1_000_000;
    let jobs: u64 = if quick { 20_000 } else { full };
    let text = PAI_SCENARIO.replace(&format!("\njobs = {full}\n"), &format!("\njobs = {jobs}\n"));
    if !text.contains(&format!("\njobs = {jobs}\n")) {
        return Err("scenarios/pai-scale-1m.toml no longer says `jobs = 1000000`".to_owned());
    }
    let reset = reset_peak_memory();
    let mut completed = Ok(0);
    let value = timed(if quick { 1 } else { 3 }, || completed = cluster_run(&text));
    if completed? != jobs {
        return Err("PAI scale benchmark: not every job completed".to_owned());
    }
    let what = format!("PAI scale: {jobs} jobs on 6,742 GPUs (PAI 2020 inventory), fifo");
    let mut out = vec![Figure {
        name: format!("{what}, generate + schedule"),
        value,
        unit: "s",
        target: (!quick).then_some("≤ 60 s (aim ≤ 10 s)"),
    }];
    if let Some(peak) = reset.then(peak_memory_bytes).flatten() {
        out.push(Figure {
            name: format!("{what}, peak resident memory (VmHWM)"),
            value: peak as f64 / (1u64 << 20) as f64,
            unit: "MiB",
            target: (!quick).then_some("≤ 2 GB"),
        });
    }
    Ok(out)
}

/// Resets the process's peak resident memory to its current size (Linux);
/// whether it could.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory since the last reset, bytes (Linux
/// `VmHWM`), if the platform tells it.
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Generates and schedules a workload scenario; the jobs completed.
fn cluster_run(text: &str) -> Result<u64, String> {
    let s = scenario::parse(text, "bench.toml").map_err(|d| d.to_string())?;
    let spec = s.workload.as_ref().ok_or("no [workload]")?;
    let w = crate::workload::load(spec, s.seed, crate::workload::ImportOptions::default())
        .map_err(|e| e.to_string())?;
    let cfg = crate::cluster::config(&s).map_err(|e| e.to_string())?;
    let out = crate::cluster::simulate(&s, &w, &cfg).map_err(|e| e.to_string())?;
    Ok(out.result.jobs_completed)
}

/// Step times of a scenario's first job by the event-level and analytic
/// models (after planning it when its parallelism is left "auto").
fn both_models(text: &str) -> Result<(f64, f64), String> {
    let mut s = scenario::parse(text, "bench.toml").map_err(|d| d.to_string())?;
    if s.jobs
        .first()
        .is_some_and(|j| j.parallelism.fixed().is_none())
    {
        let opts = Options {
            objective: Objective::Time,
            breadth: Breadth::Pruned,
            rerank: 4,
        };
        s = planner::plan(&s, 0, &opts)
            .map_err(|e| e.to_string())?
            .scenario;
    }
    let event = stepsim::simulate(&s, s.seed, Method::Event).map_err(|e| e.to_string())?;
    let analytic = stepsim::simulate(&s, s.seed, Method::Analytic).map_err(|e| e.to_string())?;
    match (event.jobs.first(), analytic.jobs.first()) {
        (Some(e), Some(a)) => Ok((e.step_time_s, a.step_time_s)),
        _ => Err("no job".to_owned()),
    }
}

/// Step time of a scenario's first job by `method`.
fn step(text: &str, method: Method) -> Result<f64, String> {
    let s = scenario::parse(text, "bench.toml").map_err(|d| d.to_string())?;
    let r = stepsim::simulate(&s, s.seed, method).map_err(|e| e.to_string())?;
    r.jobs
        .first()
        .map(|j| j.step_time_s)
        .ok_or_else(|| "no job".to_owned())
}

/// 64 ring all-reduces of 64 ranks each on 128 nodes × 8 devices.
fn rings_on_fat_tree() -> Result<Vec<f64>, String> {
    let spec = TopologySpec {
        pools: vec![PoolSpec {
            name: "gpu".to_owned(),
            nodes: 128,
            devices_per_node: 8,
            nics_per_node: 8,
            nic_gbit_s: 400.0,
            intra_gbyte_s_per_direction: 450.0,
            intra_link_gbyte_s_per_direction: 25.0,
            shape: IntraNodeShape::NvSwitch,
        }],
        network: NetworkSpec {
            fabric: Fabric::FatTree,
            oversubscription: 1.0,
            nodes_per_leaf: None,
            inter_pool_gbit_s: None,
        },
    };
    let t = Topology::build(&spec).map_err(|e| e.to_string())?;
    let cs: Vec<Collective> = (0..64u32)
        .map(|r| {
            let (local, half) = (r % 8, (r / 8) % 2);
            let ranks = (0..64)
                .filter_map(|i| t.device(0, half * 64 + i, local))
                .collect();
            Collective {
                kind: CollectiveKind::AllReduce,
                algorithm: Algorithm::Ring,
                ranks,
                bytes: 1e9,
                efficiency: Efficiency {
                    max: 1.0,
                    half_bytes: 0.0,
                },
            }
        })
        .collect();
    simulate_concurrent(&t, &cs).map_err(|e| e.to_string())
}
