//! Scheduling policies: each orders the jobs that want devices and returns
//! decisions as data (start this job on that pool, preempt that one), which
//! the engine applies. FIFO and SJF never preempt; SRTF, LAS and Tiresias
//! reconsider running jobs at every decision point.

use super::state::Devices;
use super::{Config, Live};
use crate::workload::TraceJob;

/// A scheduling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// First come, first served (with backfilling: a job that fits may pass
    /// one that does not).
    Fifo,
    /// Shortest job first (by its fastest duration), non-preemptive.
    Sjf,
    /// Shortest remaining time first, preemptive.
    Srtf,
    /// Least attained service (device-seconds) first, preemptive.
    Las,
    /// Tiresias' discretised two-dimensional LAS (Gu et al., NSDI 2019):
    /// two priority queues split at [`TIRESIAS_THRESHOLD_DEVICE_S`] of
    /// attained device-seconds, first come first served within a queue,
    /// preemptive. Without its starvation-promotion knob (off by default in
    /// the authors' simulator).
    Tiresias,
    /// Gavel's max-min fairness (`max_min_fairness`, or `_perf` when
    /// heterogeneity-aware): an LP allocation turned into per-round
    /// assignments (see `allocation.rs`).
    MaxMinFairness,
    /// Gavel's finish-time fairness (`finish_time_fairness`, or `_perf`).
    FinishTimeFairness,
    /// First come, first served (with backfilling), each job on the pool
    /// where it costs least (price × devices × run time there) among those
    /// with room where it would meet its deadline (`deadline_factor` ×
    /// its fastest run time after arrival); the fastest when none would.
    CostAware,
    /// Elastic resizing in the manner of Pollux: each round, every job gets
    /// between one device and `elastic_max_factor` times its request, to
    /// maximise the sum of log-speedups (see `elastic.rs`).
    Elastic,
}

/// Attained service (device-seconds) at which Tiresias demotes a job to its
/// second queue: the first `queue_limit` of the authors' simulator
/// (SymbioticLab/Tiresias, `simulator/jobs.py`, `dlas-gpu`).
pub const TIRESIAS_THRESHOLD_DEVICE_S: f64 = 3250.0;

impl Policy {
    /// Every policy's scenario spelling, in the order docs/scenarios.md lists them.
    pub const NAMES: [&'static str; 9] = [
        "fifo",
        "sjf",
        "srtf",
        "las",
        "tiresias",
        "max-min-fairness",
        "finish-time-fairness",
        "cost-aware",
        "elastic",
    ];

    /// Every policy, in the order of [`Policy::NAMES`].
    pub const ALL: [Policy; 9] = [
        Policy::Fifo,
        Policy::Sjf,
        Policy::Srtf,
        Policy::Las,
        Policy::Tiresias,
        Policy::MaxMinFairness,
        Policy::FinishTimeFairness,
        Policy::CostAware,
        Policy::Elastic,
    ];

    /// The scenario spelling (`max-min-fairness`), as outputs name it too.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .position(|p| *p == self)
            .map_or("?", |i| Self::NAMES[i])
    }

    /// The policy of a scenario spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    pub(super) fn preemptive(self) -> bool {
        !matches!(self, Policy::Fifo | Policy::Sjf | Policy::CostAware)
    }

    /// Whether the policy decides once per round only (allocation and
    /// elastic policies).
    pub(super) fn by_rounds(self) -> bool {
        matches!(
            self,
            Policy::MaxMinFairness | Policy::FinishTimeFairness | Policy::Elastic
        )
    }
}

/// What the engine should do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Start (or resume) `job` on pool `pool`.
    Start {
        /// Job index.
        job: usize,
        /// Pool index.
        pool: usize,
    },
    /// Stop `job`, to resume later.
    Preempt {
        /// Job index.
        job: usize,
    },
    /// Start (or resume) `job` on pool `pool` with `devices` devices
    /// instead of what it asked for (elastic policies).
    StartSized {
        /// Job index.
        job: usize,
        /// Pool index.
        pool: usize,
        /// Devices it gets.
        devices: f64,
    },
}

/// The job's shortest run time over the pools it can run on (SJF's key).
pub(super) fn fastest(l: &Live) -> f64 {
    l.total_s
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min)
}

/// The pool `l` goes to among `pools` (those it can run on): where it runs
/// fastest when placement is heterogeneity-aware, else the first; ties to
/// the lower index.
pub(super) fn preferred_pool(
    cfg: Config,
    l: &Live,
    pools: impl Iterator<Item = usize>,
) -> Option<usize> {
    let mut runnable = pools.filter_map(|p| l.total_s[p].map(|d| (p, d)));
    let pick = if cfg.heterogeneity_aware {
        runnable.min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    } else {
        runnable.next()
    };
    pick.map(|(p, _)| p)
}

/// What a policy sees of the cluster.
pub(super) struct View<'a> {
    /// Every job of the workload.
    pub jobs: &'a [TraceJob],
    /// Their state.
    pub live: &'a [Live],
    /// Free capacity.
    pub devices: &'a Devices,
    /// Price per device-hour of each pool, USD.
    pub price: &'a [f64],
}

/// The pool where job `j` costs least among `pools` (those with room) if it
/// would finish by its deadline there; the fastest when it would nowhere.
/// Ties go to the faster pool, then the lower index.
fn cheapest_in_time(
    cfg: Config,
    t: f64,
    view: &View<'_>,
    j: usize,
    pools: impl Iterator<Item = usize>,
) -> Option<usize> {
    let l = &view.live[j];
    let deadline = cfg
        .deadline_factor
        .map(|f| view.jobs[j].arrival_s + f * fastest(l));
    let mut options: Vec<(usize, f64, f64)> = pools
        .filter_map(|p| {
            l.total_s[p].map(|total| {
                let run = (1.0 - l.done) * total + l.owed_restore;
                let cost = view.price.get(p).copied().unwrap_or(0.0) * view.jobs[j].devices * run;
                (p, run, cost)
            })
        })
        .collect();
    options.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let in_time = options
        .iter()
        .filter(|o| deadline.is_none_or(|d| t + o.1 <= d + 1e-9))
        .min_by(|a, b| {
            a.2.total_cmp(&b.2)
                .then(a.1.total_cmp(&b.1))
                .then(a.0.cmp(&b.0))
        });
    in_time.or(options.first()).map(|o| o.0)
}

/// The decisions at time `t`.
pub(super) fn decide(cfg: Config, t: f64, view: &View<'_>, active: &[usize]) -> Vec<Decision> {
    let (jobs, live, devices) = (view.jobs, view.live, view.devices);
    let mut want: Vec<usize> = active
        .iter()
        .copied()
        .filter(|&j| cfg.policy.preemptive() || live[j].running.is_none())
        .collect();
    // Device-seconds attained up to `t`, counting the current run.
    let attained = |j: usize| -> f64 {
        live[j].attained
            + live[j]
                .running
                .as_ref()
                .map_or(0.0, |(_, start, ..)| jobs[j].devices * (t - start).max(0.0))
    };
    let key = |j: usize| -> f64 {
        match cfg.policy {
            Policy::Fifo | Policy::CostAware => jobs[j].arrival_s,
            Policy::Sjf => fastest(&live[j]),
            Policy::Srtf => (1.0 - live[j].done) * fastest(&live[j]),
            Policy::Las => attained(j),
            // Queue first; ties (same queue) fall to arrival order below.
            Policy::Tiresias => {
                if attained(j) < TIRESIAS_THRESHOLD_DEVICE_S {
                    0.0
                } else {
                    1.0
                }
            }
            // Allocation policies decide in `allocation`; arrival order here.
            Policy::MaxMinFairness | Policy::FinishTimeFairness | Policy::Elastic => {
                jobs[j].arrival_s
            }
        }
    };
    want.sort_by(|&a, &b| {
        key(a)
            .total_cmp(&key(b))
            .then(jobs[a].arrival_s.total_cmp(&jobs[b].arrival_s))
            .then(a.cmp(&b))
    });
    // Free devices per pool if every job this decision may move were stopped.
    let mut free: Vec<f64> = (0..devices.len()).map(|p| devices.free(p)).collect();
    if cfg.policy.preemptive() {
        for &j in &want {
            if let Some((p, ..)) = &live[j].running {
                free[*p] += jobs[j].devices;
            }
        }
    }
    let mut keep = std::collections::BTreeSet::new();
    let mut starts = Vec::new();
    for &j in &want {
        let need = jobs[j].devices;
        if let Some((p, ..)) = &live[j].running {
            if free[*p] + 1e-9 >= need {
                free[*p] -= need;
                keep.insert(j);
            }
            continue;
        }
        let room = (0..devices.len()).filter(|&p| free[p] + 1e-9 >= need);
        let pick = if cfg.policy == Policy::CostAware {
            cheapest_in_time(cfg, t, view, j, room)
        } else {
            preferred_pool(cfg, &live[j], room)
        };
        if let Some(p) = pick {
            free[p] -= need;
            starts.push(Decision::Start { job: j, pool: p });
        } else if cfg.gavel_compat && cfg.policy == Policy::Fifo {
            // Gavel's FIFO admits in order and stops at the first job that
            // does not fit (no backfilling).
            break;
        }
    }
    let mut out: Vec<Decision> = want
        .iter()
        .filter(|&&j| live[j].running.is_some() && !keep.contains(&j))
        .map(|&j| Decision::Preempt { job: j })
        .collect();
    out.extend(starts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_a_distinct_policy() {
        let parsed: Vec<Policy> = Policy::NAMES
            .iter()
            .map(|n| Policy::parse(n).unwrap_or_else(|| panic!("{n}")))
            .collect();
        for (i, a) in parsed.iter().enumerate() {
            assert!(parsed[i + 1..].iter().all(|b| b != a));
        }
        assert!(Policy::parse("round-robin").is_none());
    }
}
