//! A SimResult's timeline in the Chrome trace-event format (JSON object
//! form), which Perfetto and chrome://tracing open.
//!
//! - Each training job is a process; each simulated worker (one pipeline
//!   stage of a group of identical replicas) a thread, with complete
//!   (`X`) events for its forward and backward passes (`compute`), its
//!   data-parallel reductions (`communication`), the optimizer step, and
//!   the gaps before and between its passes (`bubble`: waiting for a
//!   neighbour's pass or transfer); a counter (`C`) gives the fraction of workers computing.
//! - A cluster run has a process per pool with a thread per node: a span
//!   for every stretch a job held devices on the node (`schedule` of the
//!   SimResult), an instant event for each change of the node's state
//!   (failed, revoked, back, requested, provisioned, released), and an
//!   hourly utilisation counter. A result without the schedule (written
//!   before it was recorded) gets each job as one span from its first start
//!   to its end on the pool it ran on last, packed into lanes.
//!
//! Times are microseconds (`ts`, `dur`), from the step's start or the
//! trace's origin.

use crate::ReportError;
use cirrus_sim::result::{ClusterResult, SimResult, StepTimeline};
use serde_json::{Value, json};

/// Microseconds in a second.
const US: f64 = 1e6;

fn name_meta(kind: &str, pid: u64, tid: u64, name: &str) -> Value {
    json!({"name": kind, "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}})
}

fn job_events(out: &mut Vec<Value>, pid: u64, job: &str, t: &StepTimeline) {
    out.push(name_meta(
        "process_name",
        pid,
        0,
        &format!("job {job}: one step"),
    ));
    let mut edges: Vec<(f64, i64)> = Vec::new();
    for (w, worker) in t.workers.iter().enumerate() {
        let tid = w as u64 + 1;
        out.push(name_meta(
            "thread_name",
            pid,
            tid,
            &format!(
                "{} stage {} (group {}: {} replicas × {} devices)",
                worker.pool,
                worker.stage,
                worker.group,
                worker.replicas,
                worker.devices_per_replica
            ),
        ));
        // The step starts at 0: waiting for the first pass is fill bubble.
        let mut last_end: Option<f64> = Some(0.0);
        for s in &worker.spans {
            let compute = matches!(s.kind.as_str(), "forward" | "backward");
            if compute {
                if let Some(e) = last_end.filter(|&e| s.start_s > e) {
                    out.push(json!({
                        "name": "bubble", "cat": "bubble", "ph": "X",
                        "ts": e * US, "dur": (s.start_s - e) * US, "pid": pid, "tid": tid,
                    }));
                }
                last_end = Some(last_end.map_or(s.end_s, |e| e.max(s.end_s)));
                edges.push((s.start_s, 1));
                edges.push((s.end_s, -1));
            }
            let (name, cat) = match s.kind.as_str() {
                "forward" => (format!("F mb{} c{}", s.microbatch, s.chunk), "compute"),
                "backward" => (format!("B mb{} c{}", s.microbatch, s.chunk), "compute"),
                "dp-reduce" => (
                    format!("dp reduce bucket {}", s.microbatch),
                    "communication",
                ),
                other => (other.to_owned(), "optimizer"),
            };
            out.push(json!({
                "name": name, "cat": cat, "ph": "X",
                "ts": s.start_s * US, "dur": (s.end_s - s.start_s).max(0.0) * US,
                "pid": pid, "tid": tid,
                "args": {"kind": s.kind, "microbatch": s.microbatch, "chunk": s.chunk},
            }));
        }
    }
    // Fraction of workers computing, at every change.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = t.workers.len().max(1) as f64;
    let mut level = 0i64;
    let mut k = 0;
    while k < edges.len() {
        let at = edges[k].0;
        while k < edges.len() && edges[k].0.total_cmp(&at).is_eq() {
            level += edges[k].1;
            k += 1;
        }
        out.push(json!({
            "name": "workers computing", "ph": "C", "ts": at * US, "pid": pid, "tid": 0,
            "args": {"fraction": level as f64 / n},
        }));
    }
}

fn cluster_events(out: &mut Vec<Value>, first_pid: u64, c: &ClusterResult) {
    for (p, pool) in c.pools.iter().enumerate() {
        let pid = first_pid + p as u64;
        out.push(name_meta(
            "process_name",
            pid,
            0,
            &format!("pool {}: schedule", pool.name),
        ));
        if c.schedule.is_empty() {
            lane_events(out, pid, &pool.name, c);
        } else {
            node_events(out, pid, &pool.name, c);
        }
        for (k, h) in pool.hours.iter().enumerate() {
            let u = if h.held_device_h > 0.0 {
                h.busy_device_h / h.held_device_h
            } else {
                0.0
            };
            out.push(json!({
                "name": "utilization", "ph": "C",
                "ts": (pool.start_s + k as f64 * 3600.0) * US, "pid": pid, "tid": 0,
                "args": {"busy_over_held": u},
            }));
        }
    }
}

/// Jobs that ran on pool `name` last, by start, each in the first free
/// lane (results without a schedule).
fn lane_events(out: &mut Vec<Value>, pid: u64, name: &str, c: &ClusterResult) {
    let mut jobs: Vec<_> = c
        .job_records
        .iter()
        .filter(|j| j.pool.as_deref() == Some(name))
        .filter_map(|j| {
            j.start_s
                .map(|s| (s, j.end_s.unwrap_or(s.max(c.makespan_s)), j))
        })
        .collect();
    jobs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.id.cmp(&b.2.id)));
    let mut lanes: Vec<f64> = Vec::new();
    for (start, end, j) in jobs {
        let lane = match lanes.iter().position(|&free| free <= start) {
            Some(l) => l,
            None => {
                lanes.push(0.0);
                out.push(name_meta(
                    "thread_name",
                    pid,
                    lanes.len() as u64,
                    &format!("lane {}", lanes.len()),
                ));
                lanes.len() - 1
            }
        };
        lanes[lane] = end;
        out.push(json!({
                "name": j.id, "cat": "job", "ph": "X",
                "ts": start * US, "dur": (end - start).max(0.0) * US,
                "pid": pid, "tid": lane as u64 + 1,
                "args": {"devices": j.devices, "arrival_s": j.arrival_s, "queue_s": start - j.arrival_s},
            }));
    }
}

/// Threads per node of pool `name`: the stretches jobs held it, packed
/// into as many threads as jobs shared the node at once (`node N`, `node N
/// (2)`, ...), and an instant per change of its state on its first thread.
fn node_events(out: &mut Vec<Value>, pid: u64, name: &str, c: &ClusterResult) {
    let mut spans: Vec<(u32, f64, f64, f32, usize)> = Vec::new();
    for (i, seg) in c
        .schedule
        .iter()
        .enumerate()
        .filter(|(_, g)| g.pool == name)
    {
        for &(node, devices) in &seg.nodes {
            spans.push((node, seg.start_s, seg.end_s, devices, i));
        }
    }
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.4.cmp(&b.4)));
    // (node, lane) → thread id, in order of first use.
    let mut threads: std::collections::BTreeMap<(u32, usize), u64> = Default::default();
    let mut thread = |out: &mut Vec<Value>, node: u32, lane: usize| {
        let next = threads.len() as u64 + 1;
        *threads.entry((node, lane)).or_insert_with(|| {
            let label = if lane == 0 {
                format!("node {node}")
            } else {
                format!("node {node} ({})", lane + 1)
            };
            out.push(name_meta("thread_name", pid, next, &label));
            next
        })
    };
    let mut lanes: Vec<f64> = Vec::new();
    let mut current = None;
    for (node, start, end, devices, i) in spans {
        if current != Some(node) {
            current = Some(node);
            lanes.clear();
        }
        let lane = match lanes.iter().position(|&free| free <= start) {
            Some(l) => l,
            None => {
                lanes.push(0.0);
                lanes.len() - 1
            }
        };
        lanes[lane] = end;
        let tid = thread(out, node, lane);
        let seg = &c.schedule[i];
        let id = c
            .job_records
            .get(seg.job as usize)
            .map_or_else(|| format!("job {}", seg.job), |j| j.id.clone());
        out.push(json!({
            "name": id, "cat": "job", "ph": "X",
            "ts": start * US, "dur": (end - start).max(0.0) * US,
            "pid": pid, "tid": tid,
            "args": {"devices": devices, "ended": seg.end},
        }));
    }
    for e in c.node_events.iter().filter(|e| e.pool == name) {
        let tid = thread(out, e.node, 0);
        out.push(json!({
            "name": e.change, "cat": "node", "ph": "i", "s": "t",
            "ts": e.t_s * US, "pid": pid, "tid": tid,
        }));
    }
}

/// The trace of `r` as Chrome trace-event JSON (`{"traceEvents": [...]}`).
pub fn trace_json(r: &SimResult) -> Result<String, ReportError> {
    let mut events = Vec::new();
    for (i, j) in r.jobs.iter().enumerate() {
        if let Some(t) = &j.timeline {
            job_events(&mut events, i as u64 + 1, &j.name, t);
        }
    }
    if let Some(c) = &r.cluster {
        cluster_events(&mut events, r.jobs.len() as u64 + 1, c);
    }
    let doc = json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"scenario": r.scenario, "seed": r.seed, "generator": "cirrus report --trace"},
    });
    serde_json::to_string(&doc)
        .map(|s| s + "\n")
        .map_err(|e| ReportError::Io(std::io::Error::other(e)))
}

#[cfg(test)]
mod tests;
