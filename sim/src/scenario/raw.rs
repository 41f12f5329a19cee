//! The scenario file as written: serde structs that mirror format 1 key for
//! key (`deny_unknown_fields`), every value with its span. Nothing here is
//! checked beyond its TOML type; `validate` turns it into domain types.
//!
//! Every field is optional at this layer so that a missing key is reported by
//! validation with the table it is missing from, alongside every other problem.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use toml::Spanned;

/// An optional value with its span.
pub type Opt<T> = Option<Spanned<T>>;

/// A value that is either a string (a catalogue id, a preset, `"auto"`) or an
/// inline table.
#[derive(Debug, Clone)]
pub enum StrOrTable<T> {
    /// The string form.
    Str(String),
    /// The inline-table form.
    Table(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for StrOrTable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = StrOrTable<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a table")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(StrOrTable::Str(s.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(StrOrTable::Table)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A parallelism field: a number, a boolean or a string (`"auto"` or a name).
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
}

impl<'de> Deserialize<'de> for Setting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Setting;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, a boolean or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Setting, E> {
                Ok(Setting::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Setting, E> {
                i64::try_from(v)
                    .map(Setting::Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Setting, E> {
                Ok(Setting::Bool(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Setting, E> {
                Ok(Setting::Str(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario name.
    pub name: Opt<String>,
    /// Seed of every random draw.
    pub seed: Opt<u64>,
    /// `[[pool]]` tables.
    #[serde(default)]
    pub pool: Vec<Spanned<RawPool>>,
    /// `[network]`.
    pub network: Opt<RawNetwork>,
    /// `[[job]]` tables.
    #[serde(default)]
    pub job: Vec<Spanned<RawJob>>,
    /// `[workload]`.
    pub workload: Opt<RawWorkload>,
    /// `[scheduler]`.
    pub scheduler: Opt<RawScheduler>,
}

/// A `[[pool]]` table: a set of identical nodes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    /// Pool name.
    pub name: Opt<String>,
    /// Catalogue id or inline device table.
    pub device: Opt<StrOrTable<RawDevice>>,
    /// Number of nodes.
    pub nodes: Opt<i64>,
    /// Devices per node.
    pub devices_per_node: Opt<i64>,
    /// NICs per node.
    pub nics_per_node: Opt<i64>,
    /// Line rate of each NIC in Gb/s.
    pub nic_gbit_s: Opt<f64>,
    /// Price per device-hour in USD.
    pub usd_per_device_hour: Opt<f64>,
    /// Spot terms.
    pub spot: Opt<RawSpot>,
    /// Autoscaling terms.
    pub autoscale: Opt<RawAutoscale>,
    /// Mean time between failures of one node, in hours.
    pub mtbf_hours_per_node: Opt<f64>,
    /// Hours a failed node takes to come back.
    pub repair_hours: Opt<f64>,
    /// Weibull shape of the time between a node's failures (1: exponential;
    /// below 1: infant mortality; above 1: wear-out). The mean stays
    /// `mtbf_hours_per_node`.
    pub failure_weibull_shape: Opt<f64>,
    /// TPU slice shape, e.g. `[4, 4, 4]`.
    pub torus_dims: Opt<Vec<Spanned<i64>>>,
}

/// An inline `[pool.device]` table: a device not in the catalogue, or a
/// catalogue device (`base`) with some figures overridden.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDevice {
    /// Catalogue id whose figures are the defaults.
    pub base: Opt<String>,
    /// The device's id, which workload device-type constraints match
    /// (default: `base`, else `custom`).
    pub id: Opt<String>,
    /// Display name.
    pub name: Opt<String>,
    /// Dense FP32 peak, TFLOP/s.
    pub peak_tflops_fp32: Opt<f64>,
    /// Dense FP16 peak, TFLOP/s.
    pub peak_tflops_fp16: Opt<f64>,
    /// Dense BF16 peak, TFLOP/s.
    pub peak_tflops_bf16: Opt<f64>,
    /// Dense FP8 peak, TFLOP/s.
    pub peak_tflops_fp8: Opt<f64>,
    /// Memory in GiB.
    pub memory_gib: Opt<f64>,
    /// Memory bandwidth in GB/s.
    pub mem_bw_gbyte_s: Opt<f64>,
    /// Intra-node bandwidth per device and direction, GB/s.
    pub intra_node_gbyte_s: Opt<f64>,
    /// Intra-node shape: nvswitch | cube-mesh | fully-connected | pcie | torus | hypercube.
    pub intra_node_shape: Opt<String>,
    /// Devices per node.
    pub devices_per_node: Opt<i64>,
    /// NICs per node.
    pub nics_per_node: Opt<i64>,
    /// NIC line rate, Gb/s.
    pub nic_gbit_s: Opt<f64>,
    /// Board power, W.
    pub tdp_w: Opt<f64>,
    /// Price per device-hour, USD.
    pub usd_per_device_hour: Opt<f64>,
    /// A device profile from `cirrus calibrate`: `"local"` (the default
    /// location) or a path relative to the scenario file.
    pub profile: Opt<String>,
    /// Which adapter of the profile: its index, its name, or a prefix of it.
    pub adapter: Opt<String>,
}

/// `spot = { ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// Spot price per device-hour, USD.
    pub usd_per_device_hour: Opt<f64>,
    /// Revocations per device-hour.
    pub preemptions_per_device_hour: Opt<f64>,
    /// Hours until a revoked node is replaced.
    pub reacquire_hours: Opt<f64>,
}

/// `[network]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// fat-tree | rail-optimized | torus.
    pub topology: Opt<String>,
    /// Leaf downlink : uplink ratio (≥ 1).
    pub oversubscription: Opt<f64>,
    /// Bandwidth between pools, Gb/s.
    pub inter_pool_gbit_s: Opt<f64>,
    /// Nodes under one leaf switch.
    pub nodes_per_leaf: Opt<i64>,
}

/// A `[[job]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJob {
    /// Job name.
    pub name: Opt<String>,
    /// Preset id or inline model.
    pub model: Opt<StrOrTable<RawModel>>,
    /// Sequence length in tokens.
    pub seq_len: Opt<i64>,
    /// Sequences per step.
    pub global_batch: Opt<i64>,
    /// Tokens to train on.
    pub train_tokens: Opt<f64>,
    /// bf16 | fp16 | fp32 | fp8.
    pub precision: Opt<String>,
    /// Pools the job may run on.
    pub pools: Opt<Vec<Spanned<String>>>,
    /// Arrival time, seconds.
    pub arrival_s: Opt<f64>,
    /// Data-parallel all-reduce algorithm: auto | ring | tree | hierarchical.
    pub collective_algorithm: Opt<String>,
    /// Deadline for training `train_tokens`, hours (objective cost-deadline).
    pub deadline_h: Opt<f64>,
    /// Spending limit, USD per hour (objective throughput-budget).
    pub budget_usd_per_hour: Opt<f64>,
    /// `"auto"` or a table.
    pub parallelism: Opt<StrOrTable<RawParallelism>>,
}

/// An inline `[job.model]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// Preset whose figures are the defaults.
    pub base: Opt<String>,
    /// gpt | llama | bert.
    pub arch: Opt<String>,
    /// Transformer layers.
    pub layers: Opt<i64>,
    /// Hidden size.
    pub hidden: Opt<i64>,
    /// Attention heads.
    pub heads: Opt<i64>,
    /// Key/value heads (grouped-query attention).
    pub kv_heads: Opt<i64>,
    /// MLP hidden size.
    pub ffn_hidden: Opt<i64>,
    /// Vocabulary size.
    pub vocab: Opt<i64>,
}

/// `[job.parallelism]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParallelism {
    /// Tensor-parallel degree.
    pub tp: Opt<Setting>,
    /// Pipeline-parallel degree.
    pub pp: Opt<Setting>,
    /// Data-parallel degree.
    pub dp: Opt<Setting>,
    /// Sequences per micro-batch.
    pub microbatch: Opt<Setting>,
    /// Pipeline schedule.
    pub schedule: Opt<Setting>,
    /// Virtual stages per device.
    pub virtual_stages: Opt<Setting>,
    /// Recompute mode.
    pub recompute: Opt<Setting>,
    /// ZeRO stage.
    pub zero: Opt<Setting>,
    /// Sequence parallelism.
    pub sequence_parallel: Opt<Setting>,
}

/// `[workload]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Trace format or "synthetic".
    pub format: Opt<String>,
    /// Trace path, relative to the scenario file.
    pub path: Opt<String>,
    /// Gavel throughput table.
    pub throughputs: Opt<String>,
    /// Read (or generate) at most this many jobs.
    pub jobs: Opt<i64>,
    /// Synthetic: mean seconds between arrivals (Poisson).
    pub mean_interarrival_s: Opt<f64>,
    /// Synthetic: burstiness (1 = Poisson).
    pub burst_factor: Opt<f64>,
    /// Synthetic: median job duration, s (log-normal).
    pub duration_median_s: Opt<f64>,
    /// Synthetic: log-normal sigma of durations.
    pub duration_sigma: Opt<f64>,
    /// Synthetic: devices per job to draw from (equally likely unless
    /// `device_weights` says otherwise).
    pub devices: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: relative weight of each entry of `devices`.
    pub device_weights: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: device types a job may be restricted to (pool names or
    /// device ids; `"*"`: any pool).
    pub device_types: Opt<Vec<Spanned<String>>>,
    /// Synthetic: relative weight of each entry of `device_types`.
    pub device_type_weights: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: model presets the jobs train (speed per pool from the
    /// performance model).
    pub models: Opt<Vec<Spanned<String>>>,
    /// Synthetic: relative weight of each entry of `models`.
    pub model_weights: Opt<Vec<Spanned<f64>>>,
}

/// `[scheduler]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// Policy name.
    pub policy: Opt<String>,
    /// Heterogeneity-aware variant.
    pub heterogeneity_aware: Opt<bool>,
    /// Round length, seconds.
    pub round_s: Opt<f64>,
    /// Seconds of run time between a job's checkpoints.
    pub checkpoint_interval_s: Opt<f64>,
    /// Seconds a job spends restoring its checkpoint when it (re)starts after
    /// a preemption or failure.
    pub restore_s: Opt<f64>,
    /// Reproduce Gavel's simulator mechanism.
    pub gavel_compat: Opt<bool>,
    /// Cost-aware policy: each job's deadline, as a multiple of its fastest
    /// run time after its arrival.
    pub deadline_factor: Opt<f64>,
    /// Elastic policy: serial fraction of the jobs' speedup curve.
    pub elastic_serial_fraction: Opt<f64>,
    /// Elastic policy: most devices per job, as a multiple of its request.
    pub elastic_max_factor: Opt<f64>,
}

/// `autoscale = { ... }` of a pool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscale {
    /// Nodes always online.
    pub min_nodes: Opt<i64>,
    /// Minutes from asking for a node to its being usable.
    pub provision_minutes: Opt<f64>,
    /// Minutes a node stays idle before it is released.
    pub idle_minutes: Opt<f64>,
}
