//! Jobs waiting for devices under a policy that never preempts and whose
//! order of waiting jobs never changes while they wait (FIFO: arrival; SJF:
//! fastest run time), kept sorted between decisions instead of re-sorted at
//! every event.
//!
//! Waiting jobs are grouped into classes that fit in exactly the same
//! places: the same devices needed and the same pools they can run on. In
//! one decision a class that does not fit never fits again (free devices
//! only shrink as jobs start), so the decision walks the classes' queues
//! merged in policy order and stops when no class fits: the cost is the
//! jobs started plus the classes, not the length of the queue. The
//! decisions are exactly those of [`super::policy::decide`], which walks
//! every waiting job in the same order (a unit test holds the two equal).

use super::policy::{self, Decision, Policy};
use super::state::Devices;
use super::{Config, Live};
use crate::workload::TraceJob;
use std::collections::{BTreeMap, BTreeSet};

/// `x` as an integer ordered as [`f64::total_cmp`] orders floats.
fn total_order(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Position of a job in the policy's order: (policy key, arrival, index),
/// the sort of [`super::policy::decide`].
type Key = (i64, i64, usize);

/// Waiting jobs that fit in the same places.
#[derive(Debug)]
struct Class {
    /// Devices each needs.
    need: f64,
    /// Pools they can run on.
    pools: Vec<usize>,
    /// The jobs waiting, in policy order.
    queue: BTreeSet<Key>,
}

impl Class {
    /// Whether a job of this class fits somewhere with `free` devices per pool.
    fn fits(&self, free: &[f64]) -> bool {
        self.pools.iter().any(|&p| free[p] + 1e-9 >= self.need)
    }
}

/// The waiting jobs of a FIFO or SJF run.
#[derive(Debug)]
pub(super) struct Waiting {
    policy: Policy,
    classes: Vec<Class>,
    /// Class of each job (`u32::MAX`: rejected, never waits).
    class_of: Vec<u32>,
}

impl Waiting {
    /// Empty, for `cfg`'s policy if its order is fixed while jobs wait
    /// (FIFO, SJF); `None` for the others, and for Gavel's FIFO
    /// (`gavel_compat`: no backfilling, decided by allocation).
    pub fn new(cfg: Config, jobs: &[TraceJob], live: &[Live]) -> Option<Self> {
        if !matches!(cfg.policy, Policy::Fifo | Policy::Sjf) || cfg.gavel_compat {
            return None;
        }
        let mut index: BTreeMap<(u64, Vec<usize>), u32> = BTreeMap::new();
        let mut classes = Vec::new();
        let mut class_of = Vec::with_capacity(jobs.len());
        for (job, l) in jobs.iter().zip(live) {
            let pools: Vec<usize> = (0..l.total_s.len())
                .filter(|&p| l.total_s[p].is_some())
                .collect();
            if pools.is_empty() {
                class_of.push(u32::MAX);
                continue;
            }
            let next = u32::try_from(classes.len()).unwrap_or(u32::MAX);
            let c = *index
                .entry((job.devices.to_bits(), pools.clone()))
                .or_insert_with(|| {
                    classes.push(Class {
                        need: job.devices,
                        pools,
                        queue: BTreeSet::new(),
                    });
                    next
                });
            class_of.push(c);
        }
        Some(Self {
            policy: cfg.policy,
            classes,
            class_of,
        })
    }

    fn key(&self, j: usize, jobs: &[TraceJob], live: &[Live]) -> Key {
        let k = match self.policy {
            Policy::Sjf => policy::fastest(&live[j]),
            _ => jobs[j].arrival_s,
        };
        (total_order(k), total_order(jobs[j].arrival_s), j)
    }

    fn class(&mut self, j: usize) -> Option<&mut Class> {
        let c = *self.class_of.get(j)?;
        self.classes.get_mut(c as usize)
    }

    /// Job `j` waits (it arrived, or stopped before finishing).
    pub fn insert(&mut self, j: usize, jobs: &[TraceJob], live: &[Live]) {
        let key = self.key(j, jobs, live);
        if let Some(c) = self.class(j) {
            c.queue.insert(key);
        }
    }

    /// Job `j` no longer waits (it started or finished).
    pub fn remove(&mut self, j: usize, jobs: &[TraceJob], live: &[Live]) {
        let key = self.key(j, jobs, live);
        if let Some(c) = self.class(j) {
            c.queue.remove(&key);
        }
    }

    /// The jobs to start now, in policy order: those
    /// [`super::policy::decide`] would start.
    pub fn decide(
        &self,
        cfg: Config,
        jobs: &[TraceJob],
        live: &[Live],
        devices: &Devices,
    ) -> Vec<Decision> {
        let mut free: Vec<f64> = (0..devices.len()).map(|p| devices.free(p)).collect();
        let mut heads: Vec<_> = self
            .classes
            .iter()
            .map(|c| c.queue.iter().peekable())
            .collect();
        let mut open: Vec<usize> = (0..self.classes.len())
            .filter(|&c| !self.classes[c].queue.is_empty())
            .collect();
        let mut out = Vec::new();
        loop {
            open.retain(|&c| self.classes[c].fits(&free));
            let Some((c, &(_, _, j))) = open
                .iter()
                .filter_map(|&c| heads[c].peek().map(|k| (c, *k)))
                .min_by_key(|(_, k)| *k)
            else {
                break;
            };
            heads[c].next();
            if heads[c].peek().is_none() {
                open.retain(|&o| o != c);
            }
            let need = jobs[j].devices;
            let room = (0..free.len()).filter(|&p| free[p] + 1e-9 >= need);
            if let Some(p) = policy::preferred_pool(cfg, &live[j], room) {
                free[p] -= need;
                out.push(Decision::Start { job: j, pool: p });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Work;
    use proptest::prelude::*;

    const POOLS: &str = r#"
[[pool]]
name = "a"
device = "v100-sxm2-32gb"
nodes = 3
devices_per_node = 4
[[pool]]
name = "b"
device = "a100-sxm4-80gb"
nodes = 2
devices_per_node = 8
[[pool]]
name = "c"
device = "h100-sxm5-80gb"
nodes = 1
devices_per_node = 2
[workload]
format = "synthetic"
jobs = 1
"#;

    /// A job: (arrival tick, devices index, allowed-pool mask, seconds).
    type Spec = (u8, usize, u8, u16);

    fn job(i: usize, &(arrival, d, _, seconds): &Spec) -> TraceJob {
        TraceJob {
            id: format!("j{i}"),
            arrival_s: f64::from(arrival),
            devices: [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0][d % 7],
            device_types: Vec::new(),
            work: Work::Seconds {
                seconds: f64::from(seconds) + 1.0,
                device: None,
            },
            kind: None,
            scale_factor: 1,
            priority: 1.0,
            user: None,
        }
    }

    fn live(&(_, _, mask, seconds): &Spec, job: &TraceJob, devices: &Devices) -> Live {
        Live {
            total_s: (0..3)
                .map(|p| {
                    (mask & (1 << p) != 0 && devices.fits(p, job.devices))
                        .then(|| (f64::from(seconds) + 1.0) * (1.0 + p as f64 / 3.0))
                })
                .collect(),
            done: 0.0,
            running: None,
            arrived: true,
            finished: false,
            attained: 0.0,
            owed_restore: 0.0,
            area_at_arrival: 0.0,
            size: job.devices,
            speed: 1.0,
        }
    }

    proptest! {
        /// The merged class queues start exactly the jobs, on exactly the
        /// pools and in exactly the order, that the policy's full sort does.
        #[test]
        fn same_decisions_as_the_full_sort(
            specs in proptest::collection::vec((0u8..20, 0usize..7, 0u8..8, 0u16..500), 1..60),
            taken in proptest::collection::vec((0usize..3, 0usize..7), 0..12),
            sjf in any::<bool>(),
            aware in any::<bool>(),
        ) {
            let s = crate::scenario::parse(POOLS, "t.toml").expect("valid");
            let mut devices = Devices::new(&s);
            for (p, d) in taken {
                let _ = devices.place(p, [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 3.0][d]);
            }
            let jobs: Vec<TraceJob> = specs.iter().enumerate().map(|(i, sp)| job(i, sp)).collect();
            let lives: Vec<Live> = specs.iter().zip(&jobs).map(|(sp, j)| live(sp, j, &devices)).collect();
            let cfg = Config {
                policy: if sjf { Policy::Sjf } else { Policy::Fifo },
                heterogeneity_aware: aware,
                round_s: None,
                restore_s: 0.0,
                checkpoint_s: 3600.0,
                checkpoint_write_s: 0.0,
                gavel_compat: false,
                deadline_factor: None,
                elastic_serial_fraction: 0.05,
                elastic_max_factor: 2.0,
            };
            let mut w = Waiting::new(cfg, &jobs, &lives).expect("fifo and sjf keep a queue");
            let active: Vec<usize> = (0..jobs.len())
                .filter(|&j| lives[j].total_s.iter().any(Option::is_some))
                .collect();
            for &j in &active {
                w.insert(j, &jobs, &lives);
            }
            // A job that leaves and comes back is where it was.
            if let Some(&j) = active.first() {
                w.remove(j, &jobs, &lives);
                w.insert(j, &jobs, &lives);
            }
            let view = policy::View {
                jobs: &jobs,
                live: &lives,
                devices: &devices,
                price: &[0.0; 3],
            };
            let want = policy::decide(cfg, 0.0, &view, &active);
            prop_assert_eq!(w.decide(cfg, &jobs, &lives, &devices), want);
        }
    }

    #[test]
    fn only_fifo_and_sjf_keep_a_queue() {
        for (p, compat, keeps) in [
            (Policy::Fifo, false, true),
            (Policy::Sjf, false, true),
            (Policy::Fifo, true, false),
            (Policy::Srtf, false, false),
            (Policy::Las, false, false),
            (Policy::Tiresias, false, false),
            (Policy::CostAware, false, false),
            (Policy::MaxMinFairness, false, false),
            (Policy::FinishTimeFairness, false, false),
            (Policy::Elastic, false, false),
        ] {
            let cfg = Config {
                policy: p,
                heterogeneity_aware: false,
                round_s: None,
                restore_s: 0.0,
                checkpoint_s: 1.0,
                checkpoint_write_s: 0.0,
                gavel_compat: compat,
                deadline_factor: None,
                elastic_serial_fraction: 0.05,
                elastic_max_factor: 2.0,
            };
            assert_eq!(Waiting::new(cfg, &[], &[]).is_some(), keeps, "{p:?}");
        }
    }

    #[test]
    fn total_order_matches_total_cmp() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -0.0,
            0.0,
            1e-300,
            1.0,
            3600.5,
            f64::INFINITY,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(
                    total_order(a).cmp(&total_order(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
    }
}
