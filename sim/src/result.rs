//! SimResult, format 1: the JSON that `cirrus simulate --json` prints and
//! that reports, the dashboard and users' scripts read. Change it only on
//! purpose, with `FORMAT_VERSION`.

use crate::parallelism::ParallelConfig;
use serde::{Deserialize, Serialize};

/// The SimResult format this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// The outcome of simulating a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// One entry per training job.
    pub jobs: Vec<JobResult>,
    /// Cluster-level figures, present when the scenario has a workload or several jobs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cluster: Option<ClusterResult>,
}

/// Step-level and end-to-end figures of one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// Job name.
    pub name: String,
    /// Devices the job occupies.
    pub devices: u64,
    /// The parallel configuration simulated.
    pub parallelism: ParallelConfig,
    /// Seconds per training step (one global batch).
    pub step_time_s: f64,
    /// Tokens per second.
    pub tokens_per_s: f64,
    /// Model FLOP/s per device in TFLOP/s (no recompute counted).
    pub model_tflops_per_device: f64,
    /// Model FLOPs utilisation: `model_tflops_per_device` over the dense peak.
    pub mfu: f64,
    /// Peak memory of the most loaded device, GiB.
    pub memory_gib_per_device: f64,
    /// Whether that fits in the device's memory.
    pub fits_memory: bool,
    /// Where a step's time goes, seconds; the parts add up to `step_time_s`.
    pub breakdown_s: Breakdown,
    /// Per node: its share of the global batch and of the learning rate.
    pub shares: Vec<NodeShare>,
    /// Seconds to train `train_tokens` (null without `train_tokens`).
    pub time_to_train_s: Option<f64>,
    /// USD to train `train_tokens` at the pools' prices (null without `train_tokens`).
    pub cost_usd: Option<f64>,
    /// kWh to train `train_tokens` at board power (null without `train_tokens`).
    pub energy_kwh: Option<f64>,
    /// The job's `train_tokens`, if set (added to format 1; readers of
    /// older files see null).
    #[serde(default)]
    pub train_tokens: Option<f64>,
    /// Per pool the job runs on, in scenario order: its devices there, their
    /// prices and board power, so a report can split device-hours, cost and
    /// energy by pool (added to format 1; older files have none).
    #[serde(default)]
    pub pools: Vec<JobPoolUse>,
    /// One simulated step, worker by worker (event-level simulation only;
    /// added to format 1, absent when not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<StepTimeline>,
}

/// A job's devices on one pool and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPoolUse {
    /// Pool name.
    pub pool: String,
    /// Devices of the job on this pool.
    pub devices: u64,
    /// The price the scenario pays per device-hour, USD: the spot price on
    /// a spot pool, else the on-demand price (null: unknown, counted as 0).
    pub usd_per_device_hour: Option<f64>,
    /// On-demand price per device-hour, USD, if known.
    pub on_demand_usd_per_device_hour: Option<f64>,
    /// Spot price per device-hour, USD: the pool's spot terms, else the
    /// catalogue's spot price for its device, if known.
    pub spot_usd_per_device_hour: Option<f64>,
    /// Board power per device, W (null: unknown, counted as 0).
    pub tdp_w: Option<f64>,
}

/// One simulated training step, worker by worker: each worker is one
/// pipeline stage of a group of identical replicas (every replica of the
/// group, and every tensor-parallel rank, runs the same timeline).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StepTimeline {
    /// The step's length, s.
    pub step_time_s: f64,
    /// Workers in simulation order (group, then stage).
    pub workers: Vec<TimelineWorker>,
}

/// One worker's timeline within a step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimelineWorker {
    /// Pool the stage runs on.
    pub pool: String,
    /// Replica group index.
    pub group: u32,
    /// Data-parallel replicas the group stands for.
    pub replicas: u64,
    /// Pipeline stage.
    pub stage: u32,
    /// Devices per replica of this stage (the tensor-parallel degree).
    pub devices_per_replica: u32,
    /// What the worker did, in start order.
    pub spans: Vec<TimelineSpan>,
}

/// One interval of a worker's step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineSpan {
    /// `forward`, `backward` (compute, with recompute and exposed
    /// tensor-parallel traffic), `dp-reduce` (a data-parallel gradient
    /// reduction, communication) or `optimizer`.
    pub kind: String,
    /// Micro-batch (gradient bucket for reductions).
    pub microbatch: u32,
    /// Model chunk (interleaved schedules).
    pub chunk: u32,
    /// Start, s from the step's start.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
}

/// Where a step's time goes, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Breakdown {
    /// Forward and backward compute.
    pub compute: f64,
    /// Activation recomputation.
    pub recompute: f64,
    /// Tensor-parallel communication not hidden behind compute.
    pub tp_comm_exposed: f64,
    /// Pipeline send/receive not hidden behind compute.
    pub pp_comm_exposed: f64,
    /// Data-parallel gradient communication not hidden behind compute.
    pub dp_comm_exposed: f64,
    /// Pipeline fill and drain.
    pub bubble: f64,
    /// Optimizer step.
    pub optimizer: f64,
}

impl Breakdown {
    /// Sum of the parts.
    pub fn total(&self) -> f64 {
        self.compute
            + self.recompute
            + self.tp_comm_exposed
            + self.pp_comm_exposed
            + self.dp_comm_exposed
            + self.bubble
            + self.optimizer
    }

    /// The parts in report order, each with its display label.
    pub fn labelled(&self) -> [(&'static str, f64); 7] {
        [
            ("compute", self.compute),
            ("recompute", self.recompute),
            ("tp comm (exposed)", self.tp_comm_exposed),
            ("pp comm (exposed)", self.pp_comm_exposed),
            ("dp comm (exposed)", self.dp_comm_exposed),
            ("pipeline bubble", self.bubble),
            ("optimizer", self.optimizer),
        ]
    }
}

/// One node's share of the work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeShare {
    /// Pool name.
    pub pool: String,
    /// Node index within the pool.
    pub node: u32,
    /// Fraction of the global batch (Σ over nodes = 1).
    pub batch_share: f64,
    /// Weight of this node's gradients in the combined update (Σ = 1).
    pub lr_share: f64,
}

/// Cluster-scheduling figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterResult {
    /// Jobs submitted.
    pub jobs_submitted: u64,
    /// Jobs completed.
    pub jobs_completed: u64,
    /// Mean job completion time, s.
    pub avg_jct_s: f64,
    /// Median job completion time, s.
    pub p50_jct_s: f64,
    /// 95th-percentile job completion time, s (added to format 1; readers
    /// of older files see 0).
    #[serde(default)]
    pub p95_jct_s: f64,
    /// 99th-percentile job completion time, s.
    pub p99_jct_s: f64,
    /// Time from first arrival to last completion, s.
    pub makespan_s: f64,
    /// Mean time in queue, s.
    pub avg_queue_s: f64,
    /// Busy device-time over available device-time.
    pub utilization: f64,
    /// Preemptions.
    pub preemptions: u64,
    /// Failures.
    pub failures: u64,
    /// Work lost to failures and preemptions, s.
    pub lost_work_s: f64,
    /// Total cost, USD.
    pub cost_usd: f64,
    /// Total energy, kWh.
    pub energy_kwh: f64,
    /// Mean finish-time fairness ρ over completed jobs: completion time over
    /// the time the job would take on its equal share of the devices it can
    /// use (Themis; Gavel's `finish_time_fairness`). ρ ≤ 1: no worse than a
    /// private 1/N cluster.
    #[serde(default)]
    pub avg_ftf_rho: f64,
    /// Worst (largest) finish-time fairness ρ of any completed job.
    #[serde(default)]
    pub max_ftf_rho: f64,
    /// Per pool, in scenario order: device-hours held, busy and down, and
    /// utilisation (busy / held).
    #[serde(default)]
    pub pools: Vec<PoolUsageSummary>,
    /// One entry per job of the workload, in workload order (added to
    /// format 1; written by `cirrus simulate --json` and `--out`; older
    /// files have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_records: Vec<ClusterJob>,
    /// Every stretch of time a job held devices, with its nodes, in the
    /// order they ended (added to format 1 with `job_records`; older files
    /// have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ClusterSegment>,
    /// Every change of a node's state, in time order (added to format 1
    /// with `job_records`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_events: Vec<ClusterNodeEvent>,
}

/// One stretch of time a job held devices on one pool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterSegment {
    /// Index of the job in `job_records`.
    pub job: u32,
    /// Pool name.
    pub pool: String,
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
    /// How it ended: `finished`, `preempted`, `failed` or `revoked`.
    pub end: String,
    /// `[node index in the pool, devices held on it]` pairs.
    pub nodes: Vec<(u32, f32)>,
}

/// A change of one node's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterNodeEvent {
    /// When, s.
    pub t_s: f64,
    /// Pool name.
    pub pool: String,
    /// Node index in the pool.
    pub node: u32,
    /// `failed`, `revoked`, `back`, `requested`, `provisioned` or `released`.
    pub change: String,
}

/// What became of one job of a cluster simulation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterJob {
    /// Job id.
    pub id: String,
    /// Arrival, s from the trace's origin.
    pub arrival_s: f64,
    /// First start, s (null: never started).
    pub start_s: Option<f64>,
    /// Completion, s (null: never finished).
    pub end_s: Option<f64>,
    /// Devices it held while running.
    pub devices: f64,
    /// Pool it ran on last (null: never ran).
    pub pool: Option<String>,
    /// Device-hours it held devices.
    pub busy_device_h: f64,
}

/// One pool's share of a cluster simulation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PoolUsageSummary {
    /// Pool name.
    pub name: String,
    /// Device-hours the pool held (paid for).
    pub held_device_h: f64,
    /// Device-hours jobs held on it.
    pub busy_device_h: f64,
    /// Device-hours its nodes were failed or revoked.
    pub down_device_h: f64,
    /// Busy over held.
    pub utilization: f64,
    /// Held device-hours at the pool's price, USD.
    pub cost_usd: f64,
    /// The price paid per device-hour, USD (spot on a spot pool), if known
    /// (added to format 1, like the fields below; older files see null,
    /// 0 or nothing).
    #[serde(default)]
    pub usd_per_device_hour: Option<f64>,
    /// On-demand price per device-hour, USD, if known.
    #[serde(default)]
    pub on_demand_usd_per_device_hour: Option<f64>,
    /// Spot price per device-hour, USD, if known.
    #[serde(default)]
    pub spot_usd_per_device_hour: Option<f64>,
    /// Board power per device, W, if known (energy counts busy hours).
    #[serde(default)]
    pub tdp_w: Option<f64>,
    /// Start of the first hour of `hours`, s from the trace's origin.
    #[serde(default)]
    pub start_s: f64,
    /// Device-hours per hour of simulated time from `start_s` (the last
    /// hour cut at the end of the run).
    #[serde(default)]
    pub hours: Vec<HourUsage>,
}

/// One pool's device-hours in one hour of simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HourUsage {
    /// Held by running jobs.
    pub busy_device_h: f64,
    /// Held (paid for) by the pool; includes `down_device_h`.
    pub held_device_h: f64,
    /// On failed or revoked nodes.
    pub down_device_h: f64,
}
