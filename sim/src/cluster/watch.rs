//! Watching a cluster simulation while it runs: progress reports every so
//! many events, and cancellation between events. Watching changes nothing
//! in the outcome: the watcher only reads the simulation's state, and it
//! stops the engine only when asked to cancel.

use super::{Event, Sim};
use crate::engine::{Model, Scheduler, SimTime};
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a running cluster simulation stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Simulated time of the last event handled, s.
    pub now_s: f64,
    /// Engine events handled so far.
    pub events: u64,
    /// Jobs finished so far (rejected jobs never run and are not counted).
    pub jobs_done: usize,
    /// Jobs that will run (submitted less rejected).
    pub jobs_total: usize,
    /// Jobs holding devices now.
    pub running: usize,
    /// Jobs arrived and waiting for devices now.
    pub queued: usize,
}

impl Progress {
    /// Fraction of the jobs finished, in [0, 1] (1 when there is nothing to run).
    pub fn fraction(&self) -> f64 {
        if self.jobs_total == 0 {
            1.0
        } else {
            self.jobs_done as f64 / self.jobs_total as f64
        }
    }
}

/// How a caller watches a cluster simulation.
pub struct Watch<'a> {
    /// Report (and check for cancellation) after every `every` events; 0 is
    /// taken as 1.
    pub every: u64,
    /// Called with the progress after every `every` events, and at the end
    /// of an uncancelled run (once: the last report is the final state).
    pub report: &'a mut dyn FnMut(&Progress),
    /// When set, the simulation stops at the next check and returns
    /// [`super::ClusterError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for Watch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("every", &self.every)
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
}

impl Watch<'_> {
    /// Whether the caller asked to cancel.
    pub(super) fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Jobs of `sim` that will run (counted once per run: a million-job
/// workload is not rescanned at every report).
pub(super) fn jobs_total(sim: &Sim<'_>) -> usize {
    sim.records.iter().filter(|r| r.rejected.is_none()).count()
}

/// The simulation's progress at `now`.
pub(super) fn progress(sim: &Sim<'_>, jobs_total: usize, now: SimTime, events: u64) -> Progress {
    Progress {
        now_s: now.as_secs_f64(),
        events,
        jobs_done: jobs_total - sim.remaining,
        jobs_total,
        running: sim.running_jobs,
        queued: sim.active.len() - sim.running_jobs,
    }
}

/// The simulation as the engine sees it, with the watcher between events.
pub(super) struct Watched<'s, 'a, 'w> {
    /// The simulation.
    pub sim: &'s mut Sim<'a>,
    /// The caller's watch.
    pub watch: &'s mut Watch<'w>,
    /// Events handled so far.
    pub events: u64,
    /// [`jobs_total`] of the simulation.
    pub jobs_total: usize,
    /// Set when the run stopped because the caller cancelled.
    pub cancelled: bool,
    /// The most events the run may handle ([`super::event_budget`]).
    pub budget: u64,
    /// Set when the run stopped because it went beyond its budget or the
    /// clock's range.
    pub overrun: Option<super::ClusterError>,
}

impl Model for Watched<'_, '_, '_> {
    type Event = Event;

    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<'_, Event>) {
        if now == SimTime::MAX {
            // Something is due "never" or past the clock's 584 years: a
            // time that saturated is not an answer.
            self.overrun = Some(super::ClusterError::TimeOverflow);
            sched.stop();
            return;
        }
        if self.events >= self.budget {
            self.overrun = Some(super::ClusterError::Budget {
                events: self.events,
                at_h: now.as_secs_f64() / 3600.0,
            });
            sched.stop();
            return;
        }
        self.sim.handle(now, event, sched);
        self.events += 1;
        if self.events.is_multiple_of(self.watch.every.max(1)) {
            if self.watch.is_cancelled() {
                self.cancelled = true;
                sched.stop();
                return;
            }
            let p = progress(self.sim, self.jobs_total, now, self.events);
            (self.watch.report)(&p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClusterError, Config, Policy, simulate, simulate_watched};
    use super::*;
    use crate::workload::{TraceJob, Work, Workload};

    const CLUSTER: &str = r#"
[[pool]]
name = "v100"
device = "v100-sxm2-32gb"
nodes = 2
devices_per_node = 4
mtbf_hours_per_node = 1.0
[workload]
format = "synthetic"
jobs = 1
"#;

    fn setup() -> (crate::scenario::Scenario, Workload, Config) {
        let s = crate::scenario::parse(CLUSTER, "c.toml").unwrap_or_else(|d| panic!("{d}"));
        // 40 jobs of 1–8 devices arriving every 50 s: a queue forms.
        let jobs = (0..40)
            .map(|i| TraceJob {
                id: format!("j{i}"),
                arrival_s: 50.0 * i as f64,
                devices: f64::from(1 + (i % 8) as u32),
                device_types: Vec::new(),
                work: Work::Seconds {
                    seconds: 600.0 + 37.0 * i as f64,
                    device: None,
                },
                kind: None,
                scale_factor: 1,
                priority: 1.0,
                user: None,
            })
            .collect();
        let w = Workload {
            jobs,
            ..Workload::default()
        };
        let cfg = super::super::config(&s).expect("config");
        assert_eq!(cfg.policy, Policy::Fifo);
        (s, w, cfg)
    }

    #[test]
    fn watching_changes_nothing_and_reports_monotone_progress() {
        let (s, w, cfg) = setup();
        let plain = simulate(&s, &w, &cfg).expect("runs");
        let mut seen = Vec::new();
        let mut report = |p: &Progress| seen.push(*p);
        let mut watch = Watch {
            every: 3,
            report: &mut report,
            cancel: None,
        };
        let watched = simulate_watched(&s, &w, &cfg, &mut watch).expect("runs");
        assert_eq!(plain, watched);
        assert!(seen.len() > 5, "{} reports", seen.len());
        for pair in seen.windows(2) {
            assert!(pair[1].now_s >= pair[0].now_s);
            assert!(pair[1].events > pair[0].events);
            assert!(pair[1].jobs_done >= pair[0].jobs_done);
        }
        assert!(seen.iter().any(|p| p.queued > 0), "a queue formed");
        let last = seen.last().expect("a final report");
        assert_eq!((last.jobs_done, last.jobs_total), (40, 40));
        assert_eq!(last.events, watched.events);
        assert!((last.fraction() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cancelling_stops_the_run() {
        let (s, w, cfg) = setup();
        let cancel = AtomicBool::new(false);
        let mut reports = 0;
        let mut report = |_: &Progress| {
            reports += 1;
            if reports == 2 {
                cancel.store(true, Ordering::Relaxed);
            }
        };
        let mut watch = Watch {
            every: 4,
            report: &mut report,
            cancel: Some(&cancel),
        };
        let out = simulate_watched(&s, &w, &cfg, &mut watch);
        assert!(matches!(out, Err(ClusterError::Cancelled)), "{out:?}");
        assert_eq!(reports, 2, "no report after the cancellation");
    }

    #[test]
    fn a_run_cancelled_before_it_starts_does_nothing() {
        let (s, w, cfg) = setup();
        let cancel = AtomicBool::new(true);
        let mut reports = 0;
        let mut report = |_: &Progress| reports += 1;
        let mut watch = Watch {
            every: 1,
            report: &mut report,
            cancel: Some(&cancel),
        };
        let out = simulate_watched(&s, &w, &cfg, &mut watch);
        assert!(matches!(out, Err(ClusterError::Cancelled)));
        assert_eq!(reports, 0);
    }
}
