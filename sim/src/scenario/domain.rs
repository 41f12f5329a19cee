//! A validated scenario: every figure resolved from the catalogue or the
//! file, every reference checked. Later stages never re-validate.

use crate::mesh::{AXES, Axis, Mesh};
use crate::model::TransformerSpec;
use crate::parallelism::{ParallelConfig, Precision, Recompute, Schedule};
use crate::stages::StageEnds;
use crate::topology::IntraNodeShape;
use crate::units::{Bytes, BytesPerSec, FlopsPerSec};
use std::path::PathBuf;

/// A validated what-if scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Scenario name (defaults to the file stem).
    pub name: String,
    /// Seed of every random draw.
    pub seed: u64,
    /// The file it was read from, as the user named it.
    pub file: String,
    /// Directory that relative paths in the file are relative to.
    pub dir: PathBuf,
    /// Node pools.
    pub pools: Vec<Pool>,
    /// Network between nodes and pools.
    pub network: Network,
    /// Training jobs.
    pub jobs: Vec<Job>,
    /// Trace or generator workload (cluster scheduling).
    pub workload: Option<Workload>,
    /// Scheduler settings (cluster scheduling).
    pub scheduler: Option<Scheduler>,
}

impl Scenario {
    /// Devices in all pools.
    pub fn devices(&self) -> u64 {
        self.pools.iter().map(Pool::devices).sum()
    }

    /// The workload in a few words, `a synthetic workload (600 jobs),
    /// policy fifo`, or `None` without one. The trace itself is read by
    /// `simulate`, so a trace's job count is not known here.
    pub fn workload_summary(&self) -> Option<String> {
        let w = self.workload.as_ref()?;
        let article = if w.format.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        Some(format!(
            "{article} {} workload ({}), policy {}",
            w.format,
            w.jobs.map_or_else(
                || "every job of the trace".to_owned(),
                |n| format!("{n} jobs")
            ),
            self.scheduler
                .as_ref()
                .map_or("fifo", |sch| sch.policy.as_str()),
        ))
    }

    /// One line on what the scenario holds: `1 pool (16 devices), 1 job`,
    /// or with a workload its [`workload_summary`](Self::workload_summary)
    /// (what `cirrus check` prints after "ok").
    pub fn summary(&self) -> String {
        let work = self.workload_summary().unwrap_or_else(|| {
            format!(
                "{} job{}",
                self.jobs.len(),
                if self.jobs.len() == 1 { "" } else { "s" }
            )
        });
        format!(
            "{} pool{} ({} devices), {}",
            self.pools.len(),
            if self.pools.len() == 1 { "" } else { "s" },
            self.devices(),
            work
        )
    }
}

/// Figures of one device, resolved from the catalogue and inline overrides.
/// A figure the catalogue lacks and the file does not give is `None`; the
/// validator has already refused scenarios whose jobs need it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceProfile {
    /// Catalogue id, or `custom` for an inline device without `base`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Calibration family (e.g. `ampere`, `hopper`, `tpu-v5p`).
    pub generation: String,
    /// Dense peaks in TFLOP/s, indexed like [`Precision::PEAKS`].
    pub peak_tflops: [Option<f64>; 4],
    /// Memory capacity.
    pub memory: Option<Bytes>,
    /// Memory bandwidth.
    pub mem_bw: Option<BytesPerSec>,
    /// Intra-node bandwidth per device and direction, GB/s.
    pub intra_node_gbyte_s: Option<f64>,
    /// Bandwidth of one intra-node link per direction, GB/s (mesh and torus shapes).
    pub intra_link_gbyte_s: Option<f64>,
    /// Shape of the intra-node (or intra-slice) interconnect.
    pub intra_shape: Option<IntraNodeShape>,
    /// Board power, W.
    pub tdp_w: Option<f64>,
    /// Figures measured on this machine (`profile = ...` in an inline
    /// device): the simulator then times the device's work call by call.
    pub measured: Option<MeasuredDevice>,
}

/// A device measured by `cirrus calibrate`: one adapter of a profile file.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredDevice {
    /// The profile file it comes from, as resolved; pools with the same
    /// file are on the same machine and share it.
    pub profile_file: String,
    /// The adapter's measured figures.
    pub adapter: crate::profile::AdapterProfile,
    /// The host's memory copy bandwidth, GB/s (the local all-reduce).
    pub host_copy_gbyte_s: f64,
}

impl DeviceProfile {
    /// Dense peak at `precision`, if known.
    pub fn peak(&self, precision: Precision) -> Option<FlopsPerSec> {
        let want = precision.peak_precision();
        let i = Precision::PEAKS.iter().position(|p| *p == want)?;
        self.peak_tflops[i].map(FlopsPerSec::from_tflops)
    }

    /// The first precision of [`Precision::DENSE_PREFERENCE`] whose peak is
    /// known.
    pub fn preferred_precision(&self) -> Option<Precision> {
        Precision::DENSE_PREFERENCE
            .into_iter()
            .find(|&pr| self.peak(pr).is_some())
    }

    /// Whether its tensor cores scale FP8 per 32-element block in hardware
    /// (MXFP8): the Blackwell generation.
    pub fn block_scaled_fp8(&self) -> bool {
        self.generation == "blackwell"
    }

    /// True for TPU-style devices whose interconnect is a torus spanning hosts.
    pub fn is_torus(&self) -> bool {
        matches!(self.intra_shape, Some(IntraNodeShape::Torus { .. }))
    }
}

/// Spot terms of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Spot {
    /// Spot price per device-hour, USD.
    pub usd_per_device_hour: f64,
    /// Revocations per device-hour.
    pub preemptions_per_device_hour: f64,
    /// Hours until a revoked node is replaced.
    pub reacquire_hours: f64,
    /// Seconds of warning before a revocation.
    pub notice_s: f64,
}

/// Autoscaling terms of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscale {
    /// Nodes always online.
    pub min_nodes: u32,
    /// Seconds from asking for a node to its being usable.
    pub provision_s: f64,
    /// Seconds a node stays idle before it is released.
    pub idle_s: f64,
}

/// A set of identical nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Pool name (unique).
    pub name: String,
    /// The device in every node.
    pub device: DeviceProfile,
    /// Number of nodes.
    pub nodes: u32,
    /// Devices per node.
    pub devices_per_node: u32,
    /// NICs per node (0 if unknown and not needed).
    pub nics_per_node: u32,
    /// NIC line rate, Gb/s (0 if unknown and not needed).
    pub nic_gbit_s: f64,
    /// On-demand price per device-hour, USD, if known.
    pub usd_per_device_hour: Option<f64>,
    /// Spot terms, if the pool is spot.
    pub spot: Option<Spot>,
    /// Autoscaling: the pool's `nodes` is its maximum.
    pub autoscale: Option<Autoscale>,
    /// Node MTBF in hours, if failures are modelled.
    pub mtbf_hours_per_node: Option<f64>,
    /// Hours a failed node takes to repair.
    pub repair_hours: f64,
    /// Weibull shape of the time between failures (1: exponential).
    pub failure_weibull_shape: f64,
    /// TPU slice shape (product = devices in the pool), for torus devices.
    pub torus_dims: Option<Vec<u32>>,
}

impl Pool {
    /// The price paid per device-hour: the spot price on a spot pool,
    /// otherwise the on-demand price (if known).
    pub fn price_per_device_hour(&self) -> Option<f64> {
        self.spot
            .as_ref()
            .map(|s| s.usd_per_device_hour)
            .or(self.usd_per_device_hour)
    }

    /// The spot price per device-hour: the pool's spot terms, else the
    /// catalogue's spot price for its device, if known.
    pub fn spot_price_per_device_hour(&self) -> Option<f64> {
        self.spot
            .as_ref()
            .map(|s| s.usd_per_device_hour)
            .or_else(|| {
                crate::catalogue::lookup(&self.device.id)
                    .and_then(|d| d.spot.as_ref())
                    .map(|p| p.usd_per_device_hour)
            })
    }

    /// The job's use of `devices` devices of this pool, with its prices
    /// and board power, as the SimResult records it.
    pub fn job_use(&self, devices: u64) -> crate::result::JobPoolUse {
        crate::result::JobPoolUse {
            pool: self.name.clone(),
            devices,
            usd_per_device_hour: self.price_per_device_hour(),
            on_demand_usd_per_device_hour: self.usd_per_device_hour,
            spot_usd_per_device_hour: self.spot_price_per_device_hour(),
            tdp_w: self.device.tdp_w,
        }
    }

    /// Devices in the pool.
    pub fn devices(&self) -> u64 {
        u64::from(self.nodes) * u64::from(self.devices_per_node)
    }
}

/// The network between nodes and between pools: the scenario's `[network]`
/// is exactly the topology's network spec.
pub type Network = crate::topology::NetworkSpec;

/// A parallelism field: given, or left to the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice<T> {
    /// Searched by the planner.
    Auto,
    /// Given in the file (or defaulted).
    Fixed(T),
}

impl<T: Copy> Choice<T> {
    /// The fixed value, if any.
    pub fn fixed(self) -> Option<T> {
        match self {
            Choice::Auto => None,
            Choice::Fixed(v) => Some(v),
        }
    }
}

/// The parallel configuration as the file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelismSpec {
    /// The mesh's degree on each axis, in [`Axis::ALL`] order.
    pub degrees: [Choice<u32>; AXES],
    /// Sequences per micro-batch.
    pub microbatch: Choice<u32>,
    /// Pipeline schedule.
    pub schedule: Choice<Schedule>,
    /// Virtual stages per device.
    pub virtual_stages: Choice<u32>,
    /// Activation recompute.
    pub recompute: Choice<Recompute>,
    /// ZeRO stage (a property of the data axis).
    pub zero: Choice<u8>,
    /// Sequence parallelism (a property of the tensor axis).
    pub sequence_parallel: Choice<bool>,
    /// The first and last pipeline stages' layers where the file sets them
    /// (a property of the pipeline axis; `auto` leaves them to the split
    /// rule of [`crate::stages`]).
    pub stage_ends: StageEnds,
}

impl ParallelismSpec {
    /// The degree of `axis` as the file gives it.
    pub fn degree(&self, axis: Axis) -> Choice<u32> {
        self.degrees[axis.index()]
    }

    /// The complete configuration when no field is `auto`.
    pub fn fixed(&self) -> Option<ParallelConfig> {
        let mut degrees = [0; AXES];
        for (d, c) in degrees.iter_mut().zip(self.degrees) {
            *d = c.fixed()?;
        }
        Some(ParallelConfig {
            mesh: Mesh::new(degrees)
                .with_zero(self.zero.fixed()?)
                .with_sequence_parallel(self.sequence_parallel.fixed()?)
                .with_stage_ends(self.stage_ends),
            microbatch: self.microbatch.fixed()?,
            schedule: self.schedule.fixed()?,
            virtual_stages: self.virtual_stages.fixed()?,
            recompute: self.recompute.fixed()?,
        })
    }

    /// Every field fixed to `par`'s.
    pub fn of(par: &ParallelConfig) -> Self {
        Self {
            degrees: par.mesh.degrees().map(Choice::Fixed),
            microbatch: Choice::Fixed(par.microbatch),
            schedule: Choice::Fixed(par.schedule),
            virtual_stages: Choice::Fixed(par.virtual_stages),
            recompute: Choice::Fixed(par.recompute),
            zero: Choice::Fixed(par.mesh.zero()),
            sequence_parallel: Choice::Fixed(par.mesh.sequence_parallel()),
            stage_ends: par.mesh.stage_ends(),
        }
    }

    /// Every field `auto`.
    pub fn all_auto() -> Self {
        Self {
            degrees: [Choice::Auto; AXES],
            microbatch: Choice::Auto,
            schedule: Choice::Auto,
            virtual_stages: Choice::Auto,
            recompute: Choice::Auto,
            zero: Choice::Auto,
            sequence_parallel: Choice::Auto,
            stage_ends: StageEnds::default(),
        }
    }
}

/// A training job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Job name.
    pub name: String,
    /// Preset id, or `custom` for an inline model.
    pub model_id: String,
    /// The model.
    pub model: TransformerSpec,
    /// Sequence length, tokens.
    pub seq_len: u32,
    /// Sequences per step.
    pub global_batch: u64,
    /// Tokens to train on, if time-to-train and cost are wanted.
    pub train_tokens: Option<f64>,
    /// Math precision.
    pub precision: Precision,
    /// Attention's core as one fused (FlashAttention-style) kernel.
    pub flash_attention: bool,
    /// Indices into [`Scenario::pools`] the job may use.
    pub pools: Vec<usize>,
    /// Arrival time, seconds.
    pub arrival_s: f64,
    /// Algorithm of the data-parallel gradient all-reduce.
    pub collective_algorithm: CollectiveAlgorithm,
    /// Deadline for training `train_tokens`, hours.
    pub deadline_h: Option<f64>,
    /// Spending limit, USD per hour.
    pub budget_usd_per_hour: Option<f64>,
    /// Pipeline stages spread over pools (set by the planner or a plan file;
    /// `None`: every replica inside one pool, layers split evenly).
    pub layout: Option<StageLayout>,
    /// Parallel configuration.
    pub parallelism: ParallelismSpec,
}

/// Pipeline stages placed on different pools: stage `s` of every replica
/// runs on pool `pools[s]` and holds `layers[s]` layers (faster stages take
/// more), so one replica spans pools.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageLayout {
    /// Pool index of each stage.
    pub pools: Vec<usize>,
    /// Layers of each stage (they sum to the model's layers).
    pub layers: Vec<u32>,
}

impl StageLayout {
    /// Index of `stage` among the stages on its own pool (its rank block).
    pub fn local(&self, stage: usize) -> usize {
        self.pools[..stage]
            .iter()
            .filter(|&&p| p == self.pools[stage])
            .count()
    }

    /// Stages on pool `pool`.
    pub fn stages_on(&self, pool: usize) -> usize {
        self.pools.iter().filter(|&&p| p == pool).count()
    }
}

/// The algorithm of a job's data-parallel gradient all-reduce (NCCL's
/// `NCCL_ALGO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectiveAlgorithm {
    /// Hierarchical when several data-parallel ranks share a node, else ring.
    Auto,
    /// One flat ring over every rank.
    Ring,
    /// A binary tree over the ranks (reduce up, broadcast down, pipelined).
    Tree,
    /// Reduce-scatter inside nodes, all-reduce across nodes, all-gather inside.
    Hierarchical,
}

/// A cluster workload (trace or generator); replayed by the cluster scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Trace format name.
    pub format: String,
    /// Trace path, resolved against the scenario's directory.
    pub path: Option<PathBuf>,
    /// Gavel throughput table, resolved likewise.
    pub throughputs: Option<PathBuf>,
    /// The most bytes the trace file may hold (`None`: the default,
    /// [`MAX_TRACE_BYTES`](crate::fsio::MAX_TRACE_BYTES)).
    pub max_trace_bytes: Option<u64>,
    /// At most this many jobs (all for a trace; required for `synthetic`).
    pub jobs: Option<u32>,
    /// Skip (and count) unreadable trace rows instead of refusing the trace.
    pub skip_bad_rows: bool,
    /// Synthetic arrivals: mean gap, s, and burstiness (1: Poisson).
    pub arrivals: (f64, f64),
    /// Synthetic durations: log-normal median, s, and sigma.
    pub durations: (f64, f64),
    /// Synthetic device counts.
    pub devices: Vec<f64>,
    /// Relative weight of each entry of `devices` (same length; equal
    /// weights unless the scenario gives them).
    pub device_weights: Vec<f64>,
    /// Synthetic device-type restrictions and their relative weights: a job
    /// draws one and may run only on pools of that name or device id
    /// (`None`: on any pool). Empty: every job runs anywhere (and nothing is
    /// drawn).
    pub device_types: Vec<(Option<String>, f64)>,
    /// Synthetic model presets and their relative weights: a job draws one
    /// and runs on each pool at the speed the performance model estimates
    /// there (empty: no model; nothing is drawn).
    pub models: Vec<(String, f64)>,
}

/// Scheduler settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduler {
    /// Policy name.
    pub policy: String,
    /// Heterogeneity-aware variant.
    pub heterogeneity_aware: bool,
    /// Round length, seconds.
    pub round_s: f64,
    /// Seconds of run time between a job's checkpoints.
    pub checkpoint_interval_s: f64,
    /// Seconds to restore a checkpoint after a preemption or failure.
    pub restore_s: f64,
    /// Seconds to write a checkpoint (a revocation with less notice loses
    /// the work since the last one).
    pub checkpoint_write_s: f64,
    /// Reproduce Gavel's simulator: decisions only at round boundaries, no
    /// restore cost, allocations recomputed at most every 1,920 s, FIFO
    /// without backfilling.
    pub gavel_compat: bool,
    /// Cost-aware policy: a job must finish within this multiple of its
    /// fastest run time after it arrives (`None`: no deadline, cheapest).
    pub deadline_factor: Option<f64>,
    /// Elastic policy: serial fraction σ of every job's speedup curve
    /// `S(n) = n / (1 + σ (n − 1))`.
    pub elastic_serial_fraction: f64,
    /// Elastic policy: most devices a job may get, as a multiple of its
    /// request.
    pub elastic_max_factor: f64,
}

/// Default serial fraction of the elastic policy's speedup curve: an
/// assumption (5 % keeps 8 devices at 6.2× one), until per-application
/// profiles are read.
pub const DEFAULT_ELASTIC_SERIAL_FRACTION: f64 = 0.05;

/// Default growth limit of the elastic policy: twice the request.
pub const DEFAULT_ELASTIC_MAX_FACTOR: f64 = 2.0;
