//! The What-if tab's knobs and its comparison. Knobs are keys of the
//! scenario file (dotted paths, as `cirrus sweep --vary` takes them) with a
//! value the user steps through; a what-if run writes them into the file's
//! own text, validates it like any scenario and simulates it, and the tab
//! compares its figures with the baseline's.

use crate::sim_output::SimOutput;
use cirrus_sim::cluster::Policy;
use cirrus_sim::mesh::Axis;
use cirrus_sim::scenario::{Choice, Scenario};

/// The largest value a count knob reaches: the most devices a scenario may
/// hold, so doubling never overflows. A pool's nodes stop sooner, where
/// the scenario's devices would pass that limit.
pub const MAX_COUNT: u64 = cirrus_sim::scenario::MAX_DEVICES;

/// How far a scale knob (a failure or revocation rate) moves from the
/// scenario's value, either way: 2^10 times.
pub const SCALE_RANGE: f64 = 1024.0;

/// How a knob's value moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A whole number from 1 to this maximum, doubled and halved (node
    /// counts, parallel degrees).
    Count(u64),
    /// A positive number, doubled and halved (failure and revocation rates).
    Scale,
    /// One of these words, in turn.
    Choice(Vec<String>),
}

/// One editable key of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob {
    /// Its dotted path in the scenario file (`pool.a100.nodes`).
    pub key: String,
    /// What it is, for people.
    pub label: String,
    /// The scenario's own value.
    pub base: String,
    /// The value to try.
    pub value: String,
    /// How it moves.
    pub step: Step,
}

impl Knob {
    fn new(key: String, label: String, value: String, step: Step) -> Self {
        Knob {
            key,
            label,
            base: value.clone(),
            value,
            step,
        }
    }

    /// Whether the value differs from the scenario's.
    pub fn changed(&self) -> bool {
        self.value != self.base
    }

    /// Moves the value one step up (`up`) or down, within its range: a
    /// count stays in 1..=[`MAX_COUNT`], a scale within [`SCALE_RANGE`]
    /// times the scenario's value either way.
    pub fn nudge(&mut self, up: bool) {
        self.value = match &self.step {
            Step::Count(max) => {
                let n: u64 = self.value.parse().unwrap_or(1);
                let n = if up {
                    n.saturating_mul(2).min((*max).clamp(1, MAX_COUNT))
                } else {
                    (n / 2).max(1)
                };
                n.to_string()
            }
            Step::Scale => {
                let x: f64 = self.value.parse().unwrap_or(1.0);
                let base: f64 = self.base.parse().unwrap_or(1.0);
                let x = if up { x * 2.0 } else { x / 2.0 };
                format_number(x.clamp(base / SCALE_RANGE, base * SCALE_RANGE))
            }
            Step::Choice(options) => {
                let i = options.iter().position(|o| *o == self.value).unwrap_or(0);
                let n = options.len().max(1);
                let j = if up { (i + 1) % n } else { (i + n - 1) % n };
                options.get(j).cloned().unwrap_or_default()
            }
        };
    }
}

/// A number as short as it reads exactly enough (`0.25`, `48`, `1.5e-5`).
fn format_number(x: f64) -> String {
    let s = format!("{x}");
    if s.len() > 10 { format!("{x:.4e}") } else { s }
}

/// The knobs a scenario offers: per pool its node count, device (catalogue
/// devices only), failure rate and spot revocation rate (when it models
/// them); the scheduling policy (with a workload); per job with a fixed
/// configuration its tensor, pipeline and data-parallel degrees.
pub fn knobs(s: &Scenario) -> Vec<Knob> {
    let mut out = Vec::new();
    let devices: Vec<String> = cirrus_sim::catalogue::ids().map(str::to_owned).collect();
    let all_devices: u64 = s.pools.iter().map(|p| p.devices()).sum();
    for p in &s.pools {
        let key = |k: &str| format!("pool.{}.{k}", p.name);
        // The other pools' devices stay; this pool's nodes may fill the rest.
        let room = MAX_COUNT.saturating_sub(all_devices - p.devices());
        let max_nodes = (room / u64::from(p.devices_per_node.max(1))).max(u64::from(p.nodes));
        out.push(Knob::new(
            key("nodes"),
            format!("{}: nodes", p.name),
            p.nodes.to_string(),
            Step::Count(max_nodes),
        ));
        if p.device.measured.is_none() && cirrus_sim::catalogue::lookup(&p.device.id).is_some() {
            out.push(Knob::new(
                key("device"),
                format!("{}: device", p.name),
                p.device.id.clone(),
                Step::Choice(devices.clone()),
            ));
        }
        if let Some(h) = p.mtbf_hours_per_node {
            out.push(Knob::new(
                key("mtbf_hours_per_node"),
                format!("{}: MTBF, h per node", p.name),
                format_number(h),
                Step::Scale,
            ));
        }
        if let Some(spot) = &p.spot {
            out.push(Knob::new(
                key("spot.preemptions_per_device_hour"),
                format!("{}: spot revocations per dev-h", p.name),
                format_number(spot.preemptions_per_device_hour),
                Step::Scale,
            ));
        }
    }
    if s.workload.is_some() {
        let policy = s
            .scheduler
            .as_ref()
            .map_or("fifo".to_owned(), |sch| sch.policy.clone());
        out.push(Knob::new(
            "scheduler.policy".to_owned(),
            "scheduling policy".to_owned(),
            policy,
            Step::Choice(Policy::NAMES.iter().map(|n| (*n).to_owned()).collect()),
        ));
    }
    for j in &s.jobs {
        let par = &j.parallelism;
        for a in Axis::ALL {
            if let Choice::Fixed(v) = par.degree(a) {
                out.push(Knob::new(
                    format!("job.{}.parallelism.{}", j.name, a.key()),
                    format!("{}: {}", j.name, a.what()),
                    v.to_string(),
                    Step::Count(MAX_COUNT),
                ));
            }
        }
    }
    out
}

/// How a figure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Seconds, as a duration.
    Seconds,
    /// US dollars.
    Usd,
    /// A share, as a percentage.
    Share,
    /// A plain number.
    Number,
}

/// The figures a what-if is judged by, with a label and unit each: per job
/// its step time, throughput, MFU, time and cost to train; for a cluster
/// run its makespan, mean and tail completion time, mean wait,
/// utilisation and cost.
pub fn figures(out: &SimOutput) -> Vec<(String, f64, Unit)> {
    match out {
        SimOutput::Steps { result, .. } => {
            let many = result.jobs.len() > 1;
            let mut v = Vec::new();
            for j in &result.jobs {
                let name = |what: &str| {
                    if many {
                        format!("{}: {what}", j.name)
                    } else {
                        what.to_owned()
                    }
                };
                v.push((name("step time"), j.step_time_s, Unit::Seconds));
                v.push((name("tokens/s"), j.tokens_per_s, Unit::Number));
                v.push((name("MFU"), j.mfu, Unit::Share));
                if let Some(t) = j.time_to_train_s {
                    v.push((name("time to train"), t, Unit::Seconds));
                }
                if let Some(c) = j.cost_usd {
                    v.push((name("cost to train"), c, Unit::Usd));
                }
            }
            v
        }
        SimOutput::Cluster { outcome, .. } => {
            let r = &outcome.result;
            vec![
                ("makespan".to_owned(), r.makespan_s, Unit::Seconds),
                (
                    "mean completion time".to_owned(),
                    r.avg_jct_s,
                    Unit::Seconds,
                ),
                ("p99 completion time".to_owned(), r.p99_jct_s, Unit::Seconds),
                ("mean wait".to_owned(), r.avg_queue_s, Unit::Seconds),
                ("utilisation".to_owned(), r.utilization, Unit::Share),
                ("cost".to_owned(), r.cost_usd, Unit::Usd),
                ("preemptions".to_owned(), r.preemptions as f64, Unit::Number),
            ]
        }
    }
}

/// The What-if tab's state.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// The knobs of the loaded scenario.
    pub knobs: Vec<Knob>,
    /// The highlighted knob.
    pub selected: usize,
    /// The knobs' `(key, value)` of the last what-if run.
    pub ran: Vec<(String, String)>,
    /// Its results.
    pub result: Option<std::sync::Arc<SimOutput>>,
    /// Why it failed.
    pub error: Option<String>,
    /// Its id, while it runs.
    pub running: Option<crate::message::RunId>,
}

impl WhatIf {
    /// The changed knobs as `(key, value)`.
    pub fn edits(&self) -> Vec<(String, String)> {
        self.knobs
            .iter()
            .filter(|k| k.changed())
            .map(|k| (k.key.clone(), k.value.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knob(step: Step, value: &str) -> Knob {
        Knob::new("k".into(), "k".into(), value.into(), step)
    }

    #[test]
    fn counts_double_and_halve_but_stay_whole_and_positive() {
        let mut k = knob(Step::Count(MAX_COUNT), "3");
        k.nudge(true);
        assert_eq!(k.value, "6");
        assert!(k.changed());
        for _ in 0..5 {
            k.nudge(false);
        }
        assert_eq!(k.value, "1");
    }

    #[test]
    fn scales_double_and_choices_wrap() {
        let mut k = knob(Step::Scale, "0.05");
        k.nudge(true);
        assert_eq!(k.value, "0.1");
        let mut c = knob(Step::Choice(vec!["a".into(), "b".into()]), "a");
        c.nudge(false);
        assert_eq!(c.value, "b");
        c.nudge(true);
        assert_eq!(c.value, "a");
        assert!(!c.changed());
    }

    #[test]
    fn doubling_stops_at_the_range() {
        let mut k = knob(Step::Count(MAX_COUNT), "3");
        for _ in 0..100 {
            k.nudge(true);
        }
        assert_eq!(k.value, MAX_COUNT.to_string());
        let mut k = knob(Step::Count(1000), "3");
        for _ in 0..100 {
            k.nudge(true);
        }
        assert_eq!(k.value, "1000");
        let mut s = knob(Step::Scale, "0.05");
        for _ in 0..100 {
            s.nudge(true);
        }
        assert_eq!(s.value, format_number(0.05 * SCALE_RANGE));
        for _ in 0..200 {
            s.nudge(false);
        }
        assert_eq!(s.value, format_number(0.05 / SCALE_RANGE));
    }
}
