//! Cluster scheduling: many jobs sharing the scenario's pools over time, on
//! the discrete-event engine. Policies decide (as data) which queued or
//! running jobs hold devices; the engine applies the decisions, places jobs
//! (gang, consolidated on nodes and racks, fragmentation-aware for
//! fractional devices), and counts what users pay for: completion times,
//! waiting, fairness, utilisation per pool over time, cost.
//!
//! ```text
//! Workload (trace or generator) ──► arrivals ──► policy (FIFO, SJF, SRTF, LAS, Tiresias, cost-aware;
//!        allocation.rs: Gavel's LP policies; elastic.rs: resizing) ──► Vec<Decision>
//!        ──► engine: place / preempt / resize ──► finish events ──► JobRecord per job ──► ClusterResult
//! ```
//!
//! Jobs run alone on their devices (no interference), in event-driven or
//! round-based mode (`gavel_compat`: Gavel's own mechanism). A job's speed on
//! each pool comes from its trace's throughput table, the performance model
//! for its model preset (`speed.rs`), or its recorded run time scaled by
//! dense peak. Nodes fail (exponential or Weibull MTBF, repair time; jobs
//! lose the work since their last checkpoint) and spot nodes are revoked
//! with notice (jobs that can write a checkpoint within it lose nothing,
//! the others lose the work since their last one; all resume later).
//! Autoscaled pools keep
//! `min_nodes` online, ask for more nodes when queued jobs could use them
//! (usable after the provisioning delay), release nodes idle for the idle
//! window, and are billed for the node-hours they hold (`usage.rs`).

mod allocation;
mod autoscale;
mod elastic;
mod policy;
mod schedule;
mod speed;
mod state;
mod usage;
mod waiting;
mod watch;

pub use allocation::GAVEL_RESET_S;
pub use policy::{Decision, Policy, TIRESIAS_THRESHOLD_DEVICE_S};
pub use schedule::{NodeChange, NodeEvent, Schedule, Segment, SegmentEnd, overlaps, queue_length};
pub use usage::{BUCKET_S, PoolUsage, UsageBucket};
pub use watch::{Progress, Watch};

use crate::engine::{Engine, EventId, Model, Scheduler, SimTime};
use crate::result::{ClusterResult, PoolUsageSummary};
use crate::scenario::Scenario;
use crate::workload::{TraceJob, Work, Workload};
use state::Devices;
use thiserror::Error;

/// Settings of a cluster simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Scheduling policy.
    pub policy: Policy,
    /// Prefer the device type on which a job runs fastest (else the first
    /// pool with room, in scenario order).
    pub heterogeneity_aware: bool,
    /// Re-decide every `round_s` seconds (Gavel's rounds) as well as on
    /// arrivals and completions; `None`: only on events.
    pub round_s: Option<f64>,
    /// Seconds a preempted or failed job spends restoring its checkpoint
    /// when it starts again.
    pub restore_s: f64,
    /// Seconds of run time between a job's checkpoints: a node failure
    /// loses the work since the last one (a preemption checkpoints first and
    /// loses nothing).
    pub checkpoint_s: f64,
    /// Seconds a job needs to write a checkpoint: a spot revocation with
    /// less notice loses the work since the last periodic checkpoint.
    pub checkpoint_write_s: f64,
    /// Reproduce Gavel's simulator: decide only at round boundaries (a job
    /// arriving or a device freed mid-round waits for the next round),
    /// recompute allocations at most every [`GAVEL_RESET_S`], FIFO without
    /// backfilling.
    pub gavel_compat: bool,
    /// Cost-aware policy: each job's deadline as a multiple of its fastest
    /// run time after arrival (`None`: no deadline).
    pub deadline_factor: Option<f64>,
    /// Elastic policy: serial fraction σ of every job's speedup curve.
    pub elastic_serial_fraction: f64,
    /// Elastic policy: most devices a job may get, as a multiple of its
    /// request.
    pub elastic_max_factor: f64,
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Job id.
    pub id: String,
    /// Arrival, s.
    pub arrival_s: f64,
    /// First start, s (`None`: never started).
    pub start_s: Option<f64>,
    /// Completion, s.
    pub end_s: Option<f64>,
    /// Devices it held while running.
    pub devices: f64,
    /// Device-seconds it held devices.
    pub busy_device_s: f64,
    /// Times it was preempted.
    pub preemptions: u32,
    /// Seconds spent restoring from checkpoints after preemptions.
    pub restore_s: f64,
    /// Node failures that stopped it.
    pub failures: u32,
    /// Device-seconds of work lost to failures and to revocations with too
    /// little notice to checkpoint (run since the last checkpoint).
    pub lost_device_s: f64,
    /// Why it never ran, if so.
    pub rejected: Option<String>,
    /// Pool it ran on last.
    pub pool: Option<String>,
    /// Finish-time fairness ρ (completed jobs): its completion time over
    /// the time it would take on an equal share (1/N̄, N̄ the mean number of
    /// jobs in the system while it was) of the devices it can use.
    pub ftf_rho: Option<f64>,
}

/// Everything a cluster simulation produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The SimResult `cluster` block.
    pub result: ClusterResult,
    /// One record per job, in workload order.
    pub jobs: Vec<JobRecord>,
    /// Per pool, in scenario order: usage per hour of simulated time.
    pub usage: Vec<PoolUsage>,
    /// Engine events processed.
    pub events: u64,
    /// What ran on which nodes when, and every node's changes of state.
    pub schedule: Schedule,
}

impl Outcome {
    /// The SimResult `cluster` block with every job's record
    /// (`job_records`), as `cirrus simulate` writes it.
    pub fn detailed_result(&self) -> ClusterResult {
        ClusterResult {
            job_records: self
                .jobs
                .iter()
                .map(|r| crate::result::ClusterJob {
                    id: r.id.clone(),
                    arrival_s: r.arrival_s,
                    start_s: r.start_s,
                    end_s: r.end_s,
                    devices: r.devices,
                    pool: r.pool.clone(),
                    busy_device_h: r.busy_device_s / 3600.0,
                })
                .collect(),
            schedule: self
                .schedule
                .segments
                .iter()
                .map(|g| crate::result::ClusterSegment {
                    job: g.job,
                    pool: self.pool_name(g.pool),
                    start_s: g.start_s,
                    end_s: g.end_s,
                    end: g.end.name().to_owned(),
                    nodes: self.schedule.shares_of(g).to_vec(),
                })
                .collect(),
            node_events: self
                .schedule
                .node_events
                .iter()
                .map(|e| crate::result::ClusterNodeEvent {
                    t_s: e.t_s,
                    pool: self.pool_name(e.pool),
                    node: e.node,
                    change: e.change.name().to_owned(),
                })
                .collect(),
            ..self.result.clone()
        }
    }

    /// The name of pool `p` (as the usage series names pools).
    fn pool_name(&self, p: u32) -> String {
        self.usage
            .get(p as usize)
            .map_or_else(|| format!("pool {p}"), |u| u.pool.clone())
    }
}

/// Why a cluster simulation could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The scenario has no pools with devices.
    #[error("the scenario has no devices to schedule on")]
    NoDevices,
    /// The policy is accepted by the scenario format but not simulated yet.
    #[error(
        "scheduler policy `{0}` is accepted by the scenario format but not simulated by this build yet (fifo, sjf, srtf, las, tiresias, max-min-fairness, finish-time-fairness, cost-aware and elastic are)"
    )]
    Policy(String),
    /// The caller cancelled the run through its [`Watch`].
    #[error("the simulation was cancelled")]
    Cancelled,
    /// The run went beyond its event budget ([`event_budget`]).
    #[error(
        "the cluster simulation stopped after {events} events at simulated hour {at_h:.1}, its budget for this workload; the scenario's failure, revocation or round rates (or job durations) make more events than it can simulate: make them less frequent, or simulate a shorter trace"
    )]
    Budget {
        /// Events handled.
        events: u64,
        /// Simulated time reached, hours.
        at_h: f64,
    },
    /// An event fell beyond the clock's range (about 584 years).
    #[error(
        "the cluster simulation reached the end of its clock (about 584 simulated years): a job's duration or arrival (`workload.duration_median_s`, a trace's times or durations) is too long to give an answer"
    )]
    TimeOverflow,
}

/// The most events one cluster simulation handles: 100 million plus 100
/// per job of the workload (a million-job trace takes about 10 per job).
pub fn event_budget(jobs: usize) -> u64 {
    100_000_000 + 100 * jobs as u64
}

/// The cluster settings a scenario's `[scheduler]` asks for (FIFO,
/// agnostic, 360 s rounds when it has none).
pub fn config(s: &Scenario) -> Result<Config, ClusterError> {
    let Some(sch) = &s.scheduler else {
        return Ok(Config {
            policy: Policy::Fifo,
            heterogeneity_aware: false,
            round_s: Some(360.0),
            restore_s: DEFAULT_RESTORE_S,
            checkpoint_s: 3600.0,
            checkpoint_write_s: 0.0,
            gavel_compat: false,
            deadline_factor: None,
            elastic_serial_fraction: crate::scenario::DEFAULT_ELASTIC_SERIAL_FRACTION,
            elastic_max_factor: crate::scenario::DEFAULT_ELASTIC_MAX_FACTOR,
        });
    };
    let policy = sch.policy.as_str();
    Ok(Config {
        policy: Policy::parse(policy).ok_or_else(|| ClusterError::Policy(policy.to_owned()))?,
        heterogeneity_aware: sch.heterogeneity_aware,
        round_s: Some(sch.round_s),
        // Gavel's simulator charges nothing to stop and resume a job.
        restore_s: if sch.gavel_compat { 0.0 } else { sch.restore_s },
        checkpoint_s: sch.checkpoint_interval_s,
        checkpoint_write_s: sch.checkpoint_write_s,
        gavel_compat: sch.gavel_compat,
        deadline_factor: sch.deadline_factor,
        elastic_serial_fraction: sch.elastic_serial_fraction,
        elastic_max_factor: sch.elastic_max_factor,
    })
}

/// Checkpoint-restore delay after a preemption: a documented modelling
/// default (Gavel's simulator charges no delay; Tiresias reports seconds to
/// tens of seconds for its models), until scenarios can set it.
pub const DEFAULT_RESTORE_S: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Arrive(usize),
    Finish(usize),
    Round,
    /// Node (pool, node) fails, if still in the life it was drawn for
    /// (the node's epoch).
    Fail(usize, usize, u32),
    /// Node (pool, node) is repaired (or, on a spot pool, replaced).
    Repair(usize, usize),
    /// Spot node (pool, node) is revoked (with notice), if
    /// still in the life it was drawn for.
    Revoke(usize, usize, u32),
    /// Autoscaled node (pool, node) has finished provisioning.
    Provisioned(usize, usize),
    /// Autoscaled node (pool, node) may have been idle for the idle window
    /// (valid in the node's epoch).
    IdleCheck(usize, usize, u32),
}

/// Life cycle of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    /// In service.
    Online,
    /// Failed or revoked, coming back after repair or reacquisition.
    Down,
    /// Autoscaled node not held.
    Released,
    /// Autoscaled node asked for, not usable yet.
    Provisioning,
}

/// A running job: (pool, start time, finish event, devices taken).
type Running = (usize, f64, EventId, Vec<(usize, u32)>);

/// A job's state during the run.
#[derive(Debug, Clone)]
struct Live {
    /// Seconds of work left on each pool (at that pool's speed), or `None`
    /// when the job cannot run there.
    total_s: Vec<Option<f64>>,
    /// Fraction of the work done.
    done: f64,
    /// Running: where, since when, its finish event and devices.
    running: Option<Running>,
    arrived: bool,
    finished: bool,
    /// Device-seconds attained so far (for LAS).
    attained: f64,
    /// Restore delay owed at the next start.
    owed_restore: f64,
    /// Jobs-in-system × seconds integrated up to this job's arrival.
    area_at_arrival: f64,
    /// Devices it holds when running (its request unless an elastic policy
    /// resized it).
    size: f64,
    /// Its speed at `size` relative to its request's.
    speed: f64,
}

struct Sim<'a> {
    cfg: Config,
    jobs: &'a [TraceJob],
    live: Vec<Live>,
    devices: Devices,
    records: Vec<JobRecord>,
    queue_len_max: usize,
    /// Jobs arrived and not finished, by index (what policies look at).
    active: std::collections::BTreeSet<usize>,
    /// Under FIFO and SJF: the jobs waiting for devices, kept in policy
    /// order (decisions then skip the running jobs and the queue's tail).
    waiting: Option<waiting::Waiting>,
    /// Jobs not yet finished (rejected ones excluded).
    remaining: usize,
    /// Jobs holding devices now.
    running_jobs: usize,
    /// Per pool: mean seconds between failures of a node, if modelled.
    mtbf_s: Vec<Option<f64>>,
    /// Per pool: seconds to repair a node.
    repair_s: Vec<f64>,
    /// Per pool: Weibull shape of the time between failures.
    weibull_shape: Vec<f64>,
    /// Per spot pool: mean seconds between revocations of a node.
    revoke_mean_s: Vec<Option<f64>>,
    /// Per pool: seconds until a revoked node is replaced.
    reacquire_s: Vec<f64>,
    /// Per pool: seconds of warning before a revocation (infinite off spot).
    notice_s: Vec<f64>,
    /// Spot revocations so far.
    revocations: u64,
    /// Per pool and node: its failure-time stream.
    failure_rng: Vec<Vec<rand_chacha::ChaCha8Rng>>,
    /// Node failures so far.
    node_failures: u64,
    /// Per pool and node: its state.
    node_state: Vec<Vec<NodeState>>,
    /// Per pool and node: bumped whenever the node leaves service for good
    /// (released), so events drawn for an earlier life are ignored.
    epoch: Vec<Vec<u32>>,
    /// Autoscaling state of each pool (`None`: fixed size).
    scaling: Vec<Option<autoscale::PoolScaling>>,
    /// Busy, held and down device-seconds per pool over time.
    usage: usage::Tracker,
    /// Devices of each pool.
    pool_size: Vec<f64>,
    /// Allocation state of an LP policy.
    allocator: Option<allocation::Allocator>,
    /// Price per device-hour of each pool, USD (0 when unknown).
    price: Vec<f64>,
    /// Jobs-in-system × seconds since the start, up to `area_since`.
    area: f64,
    area_since: f64,
    /// Arrivals in (time, sequence number) order, each with the sequence
    /// number set aside for it: the engine holds only the next one.
    arrivals: Vec<(SimTime, u64, usize)>,
    /// The next entry of `arrivals` to schedule.
    next_arrival: usize,
    /// What ran where, and node changes, so far.
    schedule: Schedule,
}

/// Seconds of `job`'s work on `pool` of `s`, if it can run there.
fn duration_on(s: &Scenario, w: &Workload, job: &TraceJob, pool: usize) -> Option<f64> {
    let p = &s.pools[pool];
    if !job.device_types.is_empty()
        && !job
            .device_types
            .iter()
            .any(|t| t == &p.name || t == &p.device.id)
    {
        return None;
    }
    match &job.work {
        Work::Steps { steps } => {
            let kind = job.kind.as_deref()?;
            let rate = w
                .throughputs
                .as_ref()?
                .get(kind, job.scale_factor, &p.name)?;
            (rate > 0.0).then(|| steps / rate)
        }
        Work::Seconds { seconds, device } => {
            // Scale by dense peak (the best precision both devices have).
            let speed = |id: &str| {
                crate::catalogue::lookup(id).and_then(|d| {
                    crate::parallelism::Precision::DENSE_PREFERENCE
                        .into_iter()
                        .find_map(|pr| d.peak_tflops(pr).value())
                })
            };
            let ratio = match device.as_deref().and_then(speed) {
                Some(recorded) => p
                    .device
                    .preferred_precision()
                    .and_then(|pr| p.device.peak(pr))
                    .map_or(1.0, |here| recorded * 1e12 / here.get()),
                None => 1.0,
            };
            Some(seconds * ratio)
        }
    }
}

impl Sim<'_> {
    /// Running jobs with a device on node `n` of pool `p`.
    fn jobs_on(&self, p: usize, n: usize) -> Vec<usize> {
        self.active
            .iter()
            .copied()
            .filter(|&j| {
                self.live[j]
                    .running
                    .as_ref()
                    .is_some_and(|(q, _, _, taken)| {
                        *q == p && taken.iter().any(|&(d, _)| self.devices.node_of(p, d) == n)
                    })
            })
            .collect()
    }

    /// Takes node `n` of pool `p` down (failed or revoked; its jobs
    /// already stopped).
    fn take_out(&mut self, p: usize, n: usize, t: f64, change: NodeChange) {
        self.schedule.node(t, p, n, change);
        self.devices.take_down(p, n);
        self.node_state[p][n] = NodeState::Down;
        let down = self.devices.per_node(p) as f64;
        self.usage.change(
            p,
            t,
            usage::Delta {
                down,
                ..usage::Delta::default()
            },
        );
    }

    /// Adds jobs-in-system × time up to `t`.
    fn count_area(&mut self, t: f64) {
        self.area += self.active.len() as f64 * (t - self.area_since).max(0.0);
        self.area_since = self.area_since.max(t);
    }

    /// Seconds job `j` would take alone on a 1/`in_system` share of the
    /// devices of the pools it can run on, spread over them in proportion
    /// to their size (time-sliced when the share is smaller than the job).
    fn isolated_s(&self, j: usize, in_system: f64) -> Option<f64> {
        let mut devices = 0.0;
        let mut speed = 0.0;
        for (p, total) in self.live[j].total_s.iter().enumerate() {
            if let Some(total) = total.filter(|&x| x > 0.0) {
                let d = self.pool_size[p];
                devices += d;
                speed += d / total;
            }
        }
        if devices <= 0.0 || speed <= 0.0 {
            return None;
        }
        // Work per second on the share: the share's devices over the job's
        // (at most 1) times the size-weighted mean speed.
        let share = (devices / (in_system.max(1.0) * self.jobs[j].devices)).min(1.0);
        Some(1.0 / (share * speed / devices))
    }

    /// Whether node `n` of pool `p` is in service in the life `epoch`.
    fn in_service(&self, p: usize, n: usize, epoch: u32) -> bool {
        self.node_state[p][n] == NodeState::Online && self.epoch[p][n] == epoch
    }

    /// Schedules the next interruption of node `n` of pool `p` after `t`:
    /// the sooner of a failure (exponential with the pool's MTBF) and, on a
    /// spot pool, a revocation (exponential with its revocation rate).
    fn next_failure(&mut self, p: usize, n: usize, t: f64, sched: &mut Scheduler<'_, Event>) {
        use rand::RngExt;
        if self.mtbf_s[p].is_none() && self.revoke_mean_s[p].is_none() {
            return;
        }
        let Some(rng) = self.failure_rng.get_mut(p).and_then(|r| r.get_mut(n)) else {
            return;
        };
        let shape = self.weibull_shape[p];
        // Weibull with the pool's shape and the MTBF as its mean
        // (scale = mean / Γ(1 + 1/shape)); shape 1 is the exponential.
        let fail = self.mtbf_s[p].map(|mean| {
            let scale = mean / gamma(1.0 + 1.0 / shape);
            scale * (-(1.0 - rng.random::<f64>()).ln()).powf(1.0 / shape)
        });
        let revoke = self.revoke_mean_s[p].map(|mean| -mean * (1.0 - rng.random::<f64>()).ln());
        let e = self.epoch[p][n];
        match (fail, revoke) {
            (Some(f), Some(r)) if r < f => {
                sched.schedule_at(SimTime::from_secs_f64(t + r), Event::Revoke(p, n, e));
            }
            (Some(f), _) => {
                sched.schedule_at(SimTime::from_secs_f64(t + f), Event::Fail(p, n, e));
            }
            (None, Some(r)) => {
                sched.schedule_at(SimTime::from_secs_f64(t + r), Event::Revoke(p, n, e));
            }
            (None, None) => {}
        }
    }

    fn now_s(sched: &Scheduler<'_, Event>) -> f64 {
        sched.now().as_secs_f64()
    }

    /// Stops job `j` at time `t`, crediting its progress (up to its last
    /// checkpoint only after a failure, or a revocation whose notice is
    /// too short to write one).
    fn stop(&mut self, j: usize, t: f64, why: SegmentEnd, sched: &mut Scheduler<'_, Event>) {
        let Some((pool, start, ev, placement)) = self.live[j].running.take() else {
            return;
        };
        let lose = match why {
            SegmentEnd::Failed => true,
            SegmentEnd::Revoked => self.cfg.checkpoint_write_s > self.notice_s[pool],
            _ => false,
        };
        let devices = &self.devices;
        self.schedule.push(
            j,
            pool,
            (start, t),
            why,
            placement.iter().map(|&(d, q)| {
                (
                    devices.node_of(pool, d),
                    f64::from(q) / f64::from(state::WHOLE),
                )
            }),
        );
        self.running_jobs -= 1;
        sched.cancel(ev);
        let total = self.live[j].total_s[pool].unwrap_or(f64::INFINITY) / self.live[j].speed;
        let size = self.live[j].size;
        let ran = t - start;
        let restored = ran.min(self.live[j].owed_restore);
        self.records[j].restore_s += restored;
        let mut effective = (ran - restored).max(0.0);
        if lose {
            let k = self.cfg.checkpoint_s.max(1e-9);
            let kept = (effective / k).floor() * k;
            self.records[j].lost_device_s += (effective - kept) * size;
            effective = kept;
        }
        self.live[j].owed_restore = 0.0;
        self.live[j].done = (self.live[j].done + effective / total).min(1.0);
        if let Some(w) = &mut self.waiting
            && !self.live[j].finished
        {
            w.insert(j, self.jobs, &self.live);
        }
        let held = size * (t - start);
        self.live[j].attained += held;
        self.records[j].busy_device_s += held;
        self.devices.release(pool, &placement, size);
        self.usage.change(
            pool,
            t,
            usage::Delta {
                busy: -size,
                ..usage::Delta::default()
            },
        );
    }

    fn start(&mut self, j: usize, pool: usize, t: f64, sched: &mut Scheduler<'_, Event>) -> bool {
        let size = self.live[j].size;
        let Some(placement) = self.devices.place(pool, size) else {
            return false;
        };
        let total = self.live[j].total_s[pool].unwrap_or(f64::INFINITY) / self.live[j].speed;
        let left = (1.0 - self.live[j].done) * total + self.live[j].owed_restore;
        let ev = sched.schedule_at(SimTime::from_secs_f64(t + left), Event::Finish(j));
        self.live[j].running = Some((pool, t, ev, placement));
        self.running_jobs += 1;
        if let Some(w) = &mut self.waiting {
            w.remove(j, self.jobs, &self.live);
        }
        self.usage.change(
            pool,
            t,
            usage::Delta {
                busy: size,
                ..usage::Delta::default()
            },
        );
        let r = &mut self.records[j];
        r.start_s.get_or_insert(t);
        r.pool = Some(self.devices.pool_name(pool).to_owned());
        true
    }

    /// Puts the next arrival in the engine's queue.
    fn schedule_next_arrival(&mut self, sched: &mut Scheduler<'_, Event>) {
        if let Some(&(at, seq, j)) = self.arrivals.get(self.next_arrival) {
            self.next_arrival += 1;
            sched.schedule_reserved(at, seq, Event::Arrive(j));
        }
    }

    /// What a policy sees of the cluster now.
    fn view(&self) -> policy::View<'_> {
        policy::View {
            jobs: self.jobs,
            live: &self.live,
            devices: &self.devices,
            price: &self.price,
        }
    }

    /// Asks the policy and applies its decisions (`round`: at a round
    /// boundary; allocation policies and Gavel's mechanism decide only
    /// there).
    fn decide(&mut self, round: bool, sched: &mut Scheduler<'_, Event>) {
        let t = Self::now_s(sched);
        if !round && (self.cfg.gavel_compat || self.cfg.policy.by_rounds()) {
            return;
        }
        // A policy that never preempts can only start jobs, which needs a
        // free device somewhere: with none, the answer is "nothing" (this
        // skips most decisions on an overloaded cluster).
        let idle_devices = (0..self.devices.len()).any(|p| self.devices.free(p) > 1e-9);
        let decisions = if let Some(a) = self.allocator.as_mut() {
            let active: Vec<usize> = self.active.iter().copied().collect();
            a.decide(&self.cfg, t, self.jobs, &self.live, &active, &self.devices)
        } else if self.cfg.policy == Policy::Elastic {
            let active: Vec<usize> = self.active.iter().copied().collect();
            elastic::decide(self.cfg, &self.view(), &active)
        } else if let Some(w) = &self.waiting {
            if idle_devices {
                w.decide(self.cfg, self.jobs, &self.live, &self.devices)
            } else {
                Vec::new()
            }
        } else if self.cfg.policy.preemptive() || idle_devices {
            let active: Vec<usize> = self.active.iter().copied().collect();
            policy::decide(self.cfg, t, &self.view(), &active)
        } else {
            Vec::new()
        };
        for d in decisions {
            match d {
                Decision::Preempt { job } => {
                    self.stop(job, t, SegmentEnd::Preempted, sched);
                    self.live[job].owed_restore = self.cfg.restore_s;
                    self.records[job].preemptions += 1;
                }
                Decision::Start { job, pool } => {
                    let _ = self.start(job, pool, t, sched);
                }
                Decision::StartSized { job, pool, devices } => {
                    let (before, speed) = (self.live[job].size, self.live[job].speed);
                    self.live[job].size = devices;
                    self.live[job].speed = elastic::relative_speed(
                        devices,
                        self.jobs[job].devices,
                        self.cfg.elastic_serial_fraction,
                    );
                    if !self.start(job, pool, t, sched) {
                        self.live[job].size = before;
                        self.live[job].speed = speed;
                    }
                }
            }
        }
        let waiting = self.active.len() - self.running_jobs;
        self.queue_len_max = self.queue_len_max.max(waiting);
    }
}

impl Model for Sim<'_> {
    type Event = Event;

    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<'_, Event>) {
        let t = now.as_secs_f64();
        match event {
            Event::Arrive(j) => {
                self.schedule_next_arrival(sched);
                self.count_area(t);
                self.live[j].arrived = true;
                self.live[j].area_at_arrival = self.area;
                self.active.insert(j);
                if let Some(a) = self.allocator.as_mut() {
                    a.arrived(&self.cfg, j);
                }
                if let Some(w) = &mut self.waiting {
                    w.insert(j, self.jobs, &self.live);
                }
            }
            Event::Finish(j) => {
                self.count_area(t);
                self.active.remove(&j);
                if let Some(a) = self.allocator.as_mut() {
                    a.left(j);
                }
                self.remaining -= 1;
                // Finished first, so that stopping it does not queue it again.
                self.live[j].finished = true;
                self.stop(j, t, SegmentEnd::Finished, sched);
                self.live[j].done = 1.0;
                self.records[j].end_s = Some(t);
                let arrival = self.records[j].arrival_s;
                let in_system = if t > arrival {
                    (self.area - self.live[j].area_at_arrival) / (t - arrival)
                } else {
                    1.0
                };
                self.records[j].ftf_rho =
                    self.isolated_s(j, in_system).map(|iso| (t - arrival) / iso);
                if self.remaining == 0 {
                    let draining = self.draining_devices();
                    self.usage.end_run(t, &draining);
                }
            }
            Event::Fail(p, n, e) => {
                if self.remaining == 0 || !self.in_service(p, n, e) {
                    return;
                }
                for j in self.jobs_on(p, n) {
                    self.stop(j, t, SegmentEnd::Failed, sched);
                    self.live[j].owed_restore = self.cfg.restore_s;
                    self.records[j].failures += 1;
                }
                self.take_out(p, n, t, NodeChange::Failed);
                self.node_failures += 1;
                let repair = self.repair_s[p];
                sched.schedule_at(SimTime::from_secs_f64(t + repair), Event::Repair(p, n));
            }
            Event::Revoke(p, n, e) => {
                if self.remaining == 0 || !self.in_service(p, n, e) {
                    return;
                }
                // Where the provider's notice is long enough to write a
                // checkpoint nothing is lost (otherwise the work since the
                // last one is); each job resumes later and restores.
                for j in self.jobs_on(p, n) {
                    self.stop(j, t, SegmentEnd::Revoked, sched);
                    self.live[j].owed_restore = self.cfg.restore_s;
                    self.records[j].preemptions += 1;
                }
                self.take_out(p, n, t, NodeChange::Revoked);
                self.revocations += 1;
                sched.schedule_at(
                    SimTime::from_secs_f64(t + self.reacquire_s[p]),
                    Event::Repair(p, n),
                );
            }
            Event::Repair(p, n) => {
                if self.node_state[p][n] == NodeState::Down {
                    self.devices.bring_up(p, n);
                    self.node_state[p][n] = NodeState::Online;
                    self.schedule.node(t, p, n, NodeChange::Back);
                    let down = -(self.devices.per_node(p) as f64);
                    self.usage.change(
                        p,
                        t,
                        usage::Delta {
                            down,
                            ..usage::Delta::default()
                        },
                    );
                    if self.remaining > 0 {
                        self.next_failure(p, n, t, sched);
                    }
                }
            }
            Event::Provisioned(p, n) => self.provisioned(p, n, t, sched),
            Event::IdleCheck(p, n, e) => self.idle_check(p, n, e, t),
            Event::Round => {}
        }
        let round = matches!(event, Event::Round);
        self.decide(round, sched);
        self.autoscale(t, sched);
        // Rounds continue while any job is still to finish. The next round
        // is scheduled after this one's decisions, so a job due to finish
        // exactly at the next boundary finishes before that round decides.
        if round
            && let Some(r) = self.cfg.round_s
            && (!self.active.is_empty() || self.remaining > self.active.len())
        {
            sched.schedule_in(crate::engine::SimDuration::from_secs_f64(r), Event::Round);
        }
    }
}

/// Simulates `workload` on the pools of `s`.
pub fn simulate(s: &Scenario, workload: &Workload, cfg: &Config) -> Result<Outcome, ClusterError> {
    let mut ignore = |_: &Progress| {};
    let mut watch = Watch {
        every: u64::MAX,
        report: &mut ignore,
        cancel: None,
    };
    simulate_watched(s, workload, cfg, &mut watch)
}

/// Simulates `workload` on the pools of `s` like [`simulate`], reporting
/// progress to `watch` and stopping early when it is cancelled. The outcome
/// of an uncancelled run is the same as [`simulate`]'s.
pub fn simulate_watched(
    s: &Scenario,
    workload: &Workload,
    cfg: &Config,
    watch: &mut Watch<'_>,
) -> Result<Outcome, ClusterError> {
    if watch.is_cancelled() {
        return Err(ClusterError::Cancelled);
    }
    let devices = Devices::new(s);
    if devices.total() == 0 {
        return Err(ClusterError::NoDevices);
    }
    let jobs = &workload.jobs;
    let mut records = Vec::with_capacity(jobs.len());
    let mut live = Vec::with_capacity(jobs.len());
    let mut model_speeds = speed::ModelSpeeds::default();
    for job in jobs {
        let mut total_s: Vec<Option<f64>> = (0..s.pools.len())
            .map(|p| duration_on(s, workload, job, p).filter(|_| devices.fits(p, job.devices)))
            .collect();
        // A job training a model preset: its speed per pool from the
        // performance model (its recorded time holds on its first pool).
        if let (Some(model), Work::Seconds { device: None, .. }) = (job.kind.as_deref(), &job.work)
            && crate::model::preset(model).is_some()
        {
            model_speeds.rescale(s, model, job.devices, &mut total_s);
        }
        let rejected = total_s.iter().all(Option::is_none).then(|| {
            if let (Work::Steps { .. }, Some(kind), Some(table)) = (
                &job.work,
                job.kind.as_deref(),
                workload.throughputs.as_ref(),
            ) && !table
                .table
                .contains_key(&(kind.to_owned(), job.scale_factor))
            {
                return format!(
                    "its job type `{kind}` (scale factor {}) is not in the throughput table",
                    job.scale_factor
                );
            }
            format!(
                "no pool can run it ({} devices{}{})",
                job.devices,
                if devices.one_node() && job.devices > 1.0 {
                    " on one node"
                } else {
                    ""
                },
                if job.device_types.is_empty() {
                    String::new()
                } else {
                    format!(" of type {}", job.device_types.join("|"))
                }
            )
        });
        records.push(JobRecord {
            id: job.id.clone(),
            // On the engine's nanosecond clock, like every other time here,
            // so a job started on arrival has a queueing delay of exactly 0.
            arrival_s: SimTime::from_secs_f64(job.arrival_s).as_secs_f64(),
            start_s: None,
            end_s: None,
            devices: job.devices,
            busy_device_s: 0.0,
            preemptions: 0,
            restore_s: 0.0,
            failures: 0,
            lost_device_s: 0.0,
            rejected: rejected.clone(),
            pool: None,
            ftf_rho: None,
        });
        live.push(Live {
            total_s,
            done: 0.0,
            running: None,
            arrived: false,
            finished: rejected.is_some(),
            attained: 0.0,
            owed_restore: 0.0,
            area_at_arrival: 0.0,
            size: job.devices,
            speed: 1.0,
        });
    }
    let mut sim = Sim {
        cfg: *cfg,
        jobs,
        live,
        devices,
        remaining: records.iter().filter(|r| r.rejected.is_none()).count(),
        records,
        running_jobs: 0,
        queue_len_max: 0,
        active: std::collections::BTreeSet::new(),
        waiting: None,
        mtbf_s: s
            .pools
            .iter()
            .map(|p| p.mtbf_hours_per_node.map(|h| h * 3600.0))
            .collect(),
        repair_s: s.pools.iter().map(|p| p.repair_hours * 3600.0).collect(),
        weibull_shape: s.pools.iter().map(|p| p.failure_weibull_shape).collect(),
        revoke_mean_s: s
            .pools
            .iter()
            .map(|p| {
                p.spot
                    .as_ref()
                    .filter(|sp| sp.preemptions_per_device_hour > 0.0)
                    .map(|sp| {
                        3600.0 / (sp.preemptions_per_device_hour * f64::from(p.devices_per_node))
                    })
            })
            .collect(),
        reacquire_s: s
            .pools
            .iter()
            .map(|p| {
                p.spot
                    .as_ref()
                    .map_or(0.0, |sp| sp.reacquire_hours * 3600.0)
            })
            .collect(),
        notice_s: s
            .pools
            .iter()
            .map(|p| p.spot.as_ref().map_or(f64::INFINITY, |sp| sp.notice_s))
            .collect(),
        revocations: 0,
        failure_rng: s
            .pools
            .iter()
            .map(|p| {
                let streams = crate::engine::RngStreams::new(s.seed);
                if p.mtbf_hours_per_node.is_some()
                    || p.spot
                        .as_ref()
                        .is_some_and(|sp| sp.preemptions_per_device_hour > 0.0)
                {
                    (0..p.nodes)
                        .map(|n| streams.stream(&format!("failures/{}/{n}", p.name)))
                        .collect()
                } else {
                    Vec::new()
                }
            })
            .collect(),
        node_failures: 0,
        node_state: s
            .pools
            .iter()
            .map(|p| vec![NodeState::Online; p.nodes as usize])
            .collect(),
        epoch: s.pools.iter().map(|p| vec![0; p.nodes as usize]).collect(),
        scaling: s
            .pools
            .iter()
            .map(|p| p.autoscale.clone().map(autoscale::PoolScaling::new))
            .collect(),
        usage: usage::Tracker::new(0.0, &[]),
        pool_size: s.pools.iter().map(|p| p.devices() as f64).collect(),
        price: s
            .pools
            .iter()
            .map(|p| p.price_per_device_hour().unwrap_or(0.0))
            .collect(),
        allocator: allocation_objective(cfg).map(|objective| {
            let rng = crate::engine::RngStreams::new(s.seed).stream("scheduler/pool-order");
            allocation::Allocator::new(
                objective,
                s.pools.iter().map(|p| p.devices() as f64).collect(),
                s.pools.iter().map(|p| p.name.clone()).collect(),
                rng,
            )
        }),
        area: 0.0,
        area_since: 0.0,
        arrivals: Vec::new(),
        next_arrival: 0,
        schedule: Schedule::default(),
    };
    sim.waiting = waiting::Waiting::new(*cfg, jobs, &sim.live);
    sim.release_spare_nodes();
    let t0 = run_span(&sim.records).0;
    let held0: Vec<f64> = (0..s.pools.len())
        .map(|p| {
            let nodes = sim.node_state[p]
                .iter()
                .filter(|&&st| st != NodeState::Released)
                .count();
            (nodes * sim.devices.per_node(p)) as f64
        })
        .collect();
    sim.usage = usage::Tracker::new(t0, &held0);
    sim.area_since = t0;
    let mut engine = Engine::new();
    {
        let mut sched = engine.scheduler();
        // Arrivals take the first sequence numbers, in job order (so they
        // come first among events at the same time), but enter the engine's
        // queue one at a time.
        let admitted: Vec<usize> = (0..jobs.len())
            .filter(|&j| sim.records[j].rejected.is_none())
            .collect();
        let first = sched.reserve(admitted.len() as u64);
        sim.arrivals = admitted
            .into_iter()
            .zip(first..)
            .map(|(j, seq)| (SimTime::from_secs_f64(jobs[j].arrival_s), seq, j))
            .collect();
        sim.arrivals.sort_unstable();
        sim.schedule_next_arrival(&mut sched);
        if cfg.round_s.is_some() {
            sched.schedule_at(SimTime::ZERO, Event::Round);
        }
        if sim.remaining > 0 {
            for (p, pool) in s.pools.iter().enumerate() {
                for n in 0..pool.nodes as usize {
                    if sim.node_state[p][n] == NodeState::Online {
                        sim.next_failure(p, n, 0.0, &mut sched);
                    }
                }
            }
        }
    }
    let jobs_total = watch::jobs_total(&sim);
    let mut watched = watch::Watched {
        sim: &mut sim,
        watch,
        events: 0,
        jobs_total,
        cancelled: false,
        budget: event_budget(jobs.len()),
        overrun: None,
    };
    let stats = engine.run(&mut watched);
    if watched.cancelled {
        return Err(ClusterError::Cancelled);
    }
    if let Some(e) = watched.overrun {
        return Err(e);
    }
    // The last report, unless the watcher has just made it.
    if stats.events == 0 || !stats.events.is_multiple_of(watch.every.max(1)) {
        let last = watch::progress(&sim, jobs_total, stats.end, stats.events);
        (watch.report)(&last);
    }
    let (_, end) = run_span(&sim.records);
    let names: Vec<String> = s.pools.iter().map(|p| p.name.clone()).collect();
    let usage = sim.usage.finish(end, &names);
    let mut result = summarise(s, &sim.records, &usage);
    result.failures = sim.node_failures;
    Ok(Outcome {
        result,
        jobs: sim.records,
        usage,
        events: stats.events,
        schedule: sim.schedule,
    })
}

/// The allocation a policy computes, if it is one that does (Gavel's FIFO
/// is one under `gavel_compat`).
fn allocation_objective(cfg: &Config) -> Option<allocation::Objective> {
    match cfg.policy {
        Policy::MaxMinFairness => Some(allocation::Objective::MaxMin),
        Policy::FinishTimeFairness => Some(allocation::Objective::FinishTime),
        Policy::Fifo if cfg.gavel_compat => Some(allocation::Objective::Fifo),
        _ => None,
    }
}

/// The gamma function for x > 0 (Lanczos approximation, g = 7, n = 9;
/// relative error below 1e-13 over the shapes used here).
fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The span of a run: from the first arrival (0 without jobs) to the last
/// completion (the start while nothing has completed).
fn run_span(records: &[JobRecord]) -> (f64, f64) {
    let first = records
        .iter()
        .map(|r| r.arrival_s)
        .fold(f64::INFINITY, f64::min);
    let start = if first.is_finite() { first } else { 0.0 };
    let last = records
        .iter()
        .filter_map(|r| r.end_s)
        .fold(f64::NEG_INFINITY, f64::max);
    (start, last.max(start))
}

/// The SimResult `cluster` block of a run: `usage[p]` holds pool `p`'s
/// busy, held (paid for, counted as available) and down device-seconds.
/// The sum of `xs`, `0.0` when empty (`Iterator::sum` of no `f64` is
/// `-0.0`, which prints as `-0`).
fn total(xs: impl Iterator<Item = f64>) -> f64 {
    xs.fold(0.0, |a, b| a + b)
}

fn summarise(s: &Scenario, records: &[JobRecord], usage: &[PoolUsage]) -> ClusterResult {
    let pools: Vec<PoolUsageSummary> = s
        .pools
        .iter()
        .zip(usage)
        .map(|(p, u)| {
            let sum = |f: fn(&UsageBucket) -> f64| total(u.buckets.iter().map(f));
            let held = sum(|b| b.held_device_s);
            let busy = sum(|b| b.busy_device_s);
            PoolUsageSummary {
                name: p.name.clone(),
                held_device_h: held / 3600.0,
                busy_device_h: busy / 3600.0,
                down_device_h: sum(|b| b.down_device_s) / 3600.0,
                utilization: if held > 0.0 { busy / held } else { 0.0 },
                cost_usd: held / 3600.0 * p.price_per_device_hour().unwrap_or(0.0),
                usd_per_device_hour: p.price_per_device_hour(),
                on_demand_usd_per_device_hour: p.usd_per_device_hour,
                spot_usd_per_device_hour: p.spot_price_per_device_hour(),
                tdp_w: p.device.tdp_w,
                start_s: u.start_s,
                hours: u
                    .buckets
                    .iter()
                    .map(|b| crate::result::HourUsage {
                        busy_device_h: b.busy_device_s / 3600.0,
                        held_device_h: b.held_device_s / 3600.0,
                        down_device_h: b.down_device_s / 3600.0,
                    })
                    .collect(),
            }
        })
        .collect();
    let done: Vec<&JobRecord> = records.iter().filter(|r| r.end_s.is_some()).collect();
    let mut jct: Vec<f64> = done
        .iter()
        .filter_map(|r| r.end_s.map(|e| e - r.arrival_s))
        .collect();
    jct.sort_by(f64::total_cmp);
    let (start, end) = run_span(records);
    let makespan = end - start;
    let queue: Vec<f64> = records
        .iter()
        .filter_map(|r| r.start_s.map(|st| st - r.arrival_s))
        .collect();
    let busy: f64 = total(records.iter().map(|r| r.busy_device_s));
    let available: f64 = total(pools.iter().map(|p| p.held_device_h * 3600.0));
    // Held device-hours at each pool's price; energy of busy device-hours
    // at board power (idle power is not modelled).
    let cost: f64 = total(pools.iter().map(|p| p.cost_usd));
    let rho: Vec<f64> = records.iter().filter_map(|r| r.ftf_rho).collect();
    let mut energy = 0.0;
    for r in records {
        if let Some(p) = r
            .pool
            .as_ref()
            .and_then(|n| s.pools.iter().find(|p| &p.name == n))
        {
            energy += r.busy_device_s / 3.6e6 * p.device.tdp_w.unwrap_or(0.0);
        }
    }
    ClusterResult {
        jobs_submitted: records.len() as u64,
        jobs_completed: done.len() as u64,
        avg_jct_s: if jct.is_empty() {
            0.0
        } else {
            jct.iter().sum::<f64>() / jct.len() as f64
        },
        p50_jct_s: percentile(&jct, 0.5),
        p95_jct_s: percentile(&jct, 0.95),
        p99_jct_s: percentile(&jct, 0.99),
        makespan_s: makespan,
        avg_queue_s: if queue.is_empty() {
            0.0
        } else {
            queue.iter().sum::<f64>() / queue.len() as f64
        },
        utilization: if available > 0.0 {
            busy / available
        } else {
            0.0
        },
        preemptions: records.iter().map(|r| u64::from(r.preemptions)).sum(),
        failures: 0,
        lost_work_s: total(records.iter().map(|r| r.lost_device_s)),
        cost_usd: cost,
        energy_kwh: energy,
        avg_ftf_rho: if rho.is_empty() {
            0.0
        } else {
            rho.iter().sum::<f64>() / rho.len() as f64
        },
        max_ftf_rho: rho.iter().copied().fold(0.0, f64::max),
        pools,
        job_records: Vec::new(),
        schedule: Vec::new(),
        node_events: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
