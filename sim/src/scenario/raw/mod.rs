//! The scenario file as written: serde structs that mirror format 1 key for
//! key (`deny_unknown_fields`), every value with its span. Nothing here is
//! checked beyond its TOML type; `validate` turns it into domain types.
//!
//! Every field is optional at this layer so that a missing key is reported by
//! validation with the table it is missing from, alongside every other problem.
//!
//! The doc comments are the descriptions of the JSON Schema (`schema.rs`),
//! and each field's `schemars` attributes say what the validator accepts:
//! its type, bounds, default and an example. A key the validator requires
//! is declared without `Option` there.

mod fields;

use crate::mesh::{AXES, Axis};
use crate::parallelism;
use fields::{
    ArchName, BoolOrAuto, CatalogueId, CollectiveName, DegreeOrAuto, DeviceField, IntraShapeName,
    ModelField, ParallelismField, PolicyName, PositiveNumber, PrecisionName, PresetId,
    RecomputeOrAuto, ScheduleOrAuto, TopologyName, WorkloadFormatName, ZeroOrAuto,
};
use schemars::JsonSchema;
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

/// A Cirrus scenario, format 1: pools of nodes, the network between them,
/// and either training jobs (`[[job]]`) or a cluster workload
/// (`[workload]`, scheduled by `[scheduler]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Cirrus scenario, format 1")]
pub struct RawScenario {
    /// Scenario name, shown in every output. Default: the file name without
    /// its extension.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["GPT-3 175B on 1024 A100"]))]
    pub name: Opt<String>,
    /// Seed of every random draw (failures, spot revocations, synthetic
    /// jobs), 0 to 2^63 − 1 (TOML integers are signed 64-bit); `cirrus
    /// simulate --seed` overrides it.
    #[schemars(with = "Option<u64>", range(max = i64::MAX), extend("default" = 0))]
    #[schemars(extend("examples" = [42]))]
    pub seed: Opt<i64>,
    /// `[[pool]]` tables: sets of identical nodes. At least one.
    #[serde(default)]
    #[schemars(with = "Vec<RawPool>", length(min = 1))]
    pub pool: Vec<Spanned<RawPool>>,
    /// `[network]`: the fabric between nodes and pools.
    #[schemars(with = "Option<RawNetwork>")]
    pub network: Opt<RawNetwork>,
    /// `[[job]]` tables: training jobs. A scenario needs at least one job
    /// or a `[workload]`.
    #[serde(default)]
    #[schemars(with = "Vec<RawJob>")]
    pub job: Vec<Spanned<RawJob>>,
    /// `[workload]`: many jobs from a trace or a generator, for cluster
    /// scheduling.
    #[schemars(with = "Option<RawWorkload>")]
    pub workload: Opt<RawWorkload>,
    /// `[scheduler]`: how a workload's jobs are scheduled.
    #[schemars(with = "Option<RawScheduler>")]
    pub scheduler: Opt<RawScheduler>,
}

/// A `[[pool]]` table: a set of identical nodes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    /// Pool name, unique in the scenario; jobs' `pools` and workloads'
    /// device types refer to it.
    #[schemars(with = "String")]
    #[schemars(extend("examples" = ["a100"]))]
    pub name: Opt<String>,
    /// The device: a catalogue id (`cirrus catalogue`) or an inline
    /// `[pool.device]` table.
    #[schemars(with = "DeviceField")]
    #[schemars(extend("examples" = ["a100-sxm4-80gb"]))]
    pub device: Opt<StrOrTable<RawDevice>>,
    /// Number of nodes (≥ 1).
    #[schemars(with = "u32", range(min = 1))]
    #[schemars(extend("examples" = [128]))]
    pub nodes: Opt<i64>,
    /// Devices per node (≥ 1). Default: the catalogue's typical node.
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [8]))]
    pub devices_per_node: Opt<i64>,
    /// NICs per node (≥ 0). Default: the catalogue's typical node.
    #[schemars(with = "Option<u32>", range(min = 0))]
    #[schemars(extend("examples" = [8]))]
    pub nics_per_node: Opt<i64>,
    /// Line rate of each NIC, Gb/s (> 0). Default: the catalogue's typical
    /// node.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [200]))]
    pub nic_gbit_s: Opt<f64>,
    /// Price per device-hour, USD (≥ 0). Default: the catalogue's on-demand
    /// price.
    #[schemars(with = "Option<f64>", range(min = 0))]
    #[schemars(extend("examples" = [4.1]))]
    pub usd_per_device_hour: Opt<f64>,
    /// Spot terms: the pool's nodes are spot instances, revoked at random.
    #[schemars(with = "Option<RawSpot>")]
    pub spot: Opt<RawSpot>,
    /// Autoscaling terms (workloads only): nodes are rented when jobs wait
    /// and released when idle, up to `nodes`.
    #[schemars(with = "Option<RawAutoscale>")]
    pub autoscale: Opt<RawAutoscale>,
    /// Mean time between failures of one node, hours (> 0). Default: nodes
    /// never fail.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [2000]))]
    pub mtbf_hours_per_node: Opt<f64>,
    /// Hours a failed node takes to come back (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 2.0))]
    #[schemars(extend("examples" = [4]))]
    pub repair_hours: Opt<f64>,
    /// Weibull shape of the time between a node's failures (> 0; 1:
    /// exponential; below 1: infant mortality; above 1: wear-out). The mean
    /// stays `mtbf_hours_per_node`.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    #[schemars(extend("examples" = [0.8]))]
    pub failure_weibull_shape: Opt<f64>,
    /// TPU slice shape, devices along each torus dimension (each ≥ 1);
    /// their product is the pool's devices. Default: the most balanced
    /// shape of the catalogue's dimensionality.
    #[schemars(with = "Option<Vec<u32>>", inner(range(min = 1)), length(min = 1))]
    #[schemars(extend("examples" = [[4, 4, 4]]))]
    pub torus_dims: Opt<Vec<Spanned<i64>>>,
}

/// An inline `[pool.device]` table: a device not in the catalogue, or a
/// catalogue device (`base`) with some figures overridden.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDevice {
    /// Catalogue id whose figures are the defaults.
    #[schemars(with = "Option<CatalogueId>")]
    #[schemars(extend("examples" = ["h100-sxm5-80gb"]))]
    pub base: Opt<String>,
    /// The device's id, which workload device-type constraints match; not a
    /// catalogue id other than `base`. Default: `base`, else `custom`.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["h100-derated"]))]
    pub id: Opt<String>,
    /// Display name. Default: the base device's, else `custom device`.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["H100 at 600 W cap"]))]
    pub name: Opt<String>,
    /// Dense FP32 peak, TFLOP/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [67]))]
    pub peak_tflops_fp32: Opt<f64>,
    /// Dense FP16 peak, TFLOP/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [989]))]
    pub peak_tflops_fp16: Opt<f64>,
    /// Dense BF16 peak, TFLOP/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [989]))]
    pub peak_tflops_bf16: Opt<f64>,
    /// Dense FP8 peak, TFLOP/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [1979]))]
    pub peak_tflops_fp8: Opt<f64>,
    /// Device memory, GiB (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [80]))]
    pub memory_gib: Opt<f64>,
    /// Memory bandwidth, GB/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [3350]))]
    pub mem_bw_gbyte_s: Opt<f64>,
    /// Intra-node bandwidth per device and direction, GB/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [450]))]
    pub intra_node_gbyte_s: Opt<f64>,
    /// Intra-node interconnect shape; `torus` takes the pool's `torus_dims`.
    #[schemars(with = "Option<IntraShapeName>")]
    #[schemars(extend("examples" = ["nvswitch"]))]
    pub intra_node_shape: Opt<String>,
    /// Devices per node of this device's typical node (≥ 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [8]))]
    pub devices_per_node: Opt<i64>,
    /// NICs per node of this device's typical node (≥ 0).
    #[schemars(with = "Option<u32>", range(min = 0))]
    #[schemars(extend("examples" = [8]))]
    pub nics_per_node: Opt<i64>,
    /// NIC line rate of this device's typical node, Gb/s (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [400]))]
    pub nic_gbit_s: Opt<f64>,
    /// Board power, W (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [700]))]
    pub tdp_w: Opt<f64>,
    /// Price per device-hour, USD (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [2.5]))]
    pub usd_per_device_hour: Opt<f64>,
    /// A device profile from `cirrus calibrate`: `"local"` (the default
    /// location) or a path relative to the scenario file.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["local"]))]
    pub profile: Opt<String>,
    /// Which adapter of the profile: its index, its name, or a prefix of it
    /// (needs `profile`). Default: the first adapter.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["cpu"]))]
    pub adapter: Opt<String>,
}

/// `spot = { ... }`: the pool's nodes are spot instances.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// Spot price per device-hour, USD (≥ 0).
    #[schemars(with = "f64", range(min = 0))]
    #[schemars(extend("examples" = [1.6]))]
    pub usd_per_device_hour: Opt<f64>,
    /// Revocations per device-hour (≥ 0); a revocation takes the whole node.
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 0.0))]
    #[schemars(extend("examples" = [0.02]))]
    pub preemptions_per_device_hour: Opt<f64>,
    /// Hours until a revoked node is replaced (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    #[schemars(extend("examples" = [0.5]))]
    pub reacquire_hours: Opt<f64>,
    /// Seconds of warning before a revocation (≥ 0): AWS gives two minutes,
    /// Google Cloud and Azure 30 s. A job whose `[scheduler]`
    /// `checkpoint_write_s` fits in it checkpoints and loses nothing; one
    /// that needs longer loses the work since its last checkpoint.
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 30.0))]
    #[schemars(extend("examples" = [120]))]
    pub notice_s: Opt<f64>,
}

/// `[network]`: the fabric between nodes and pools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// Fabric topology (TPU pools use ICI torus inside a slice).
    #[schemars(with = "Option<TopologyName>", extend("default" = "fat-tree"))]
    #[schemars(extend("examples" = ["rail-optimized"]))]
    pub topology: Opt<String>,
    /// Leaf downlink : uplink ratio (≥ 1; 1 is non-blocking).
    #[schemars(with = "Option<f64>", range(min = 1), extend("default" = 1.0))]
    #[schemars(extend("examples" = [2]))]
    pub oversubscription: Opt<f64>,
    /// Bandwidth between pools, Gb/s (> 0). Default: pools share the
    /// fabric like nodes of one pool.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [1600]))]
    pub inter_pool_gbit_s: Opt<f64>,
    /// Nodes under one leaf switch (≥ 1). Default: sized by the topology.
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [16]))]
    pub nodes_per_leaf: Opt<i64>,
}

/// A `[[job]]` table: one training job.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawJob {
    /// Job name. Default: `job` and its index.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["gpt3"]))]
    pub name: Opt<String>,
    /// The model: a preset id or an inline `[job.model]` table.
    #[schemars(with = "ModelField")]
    #[schemars(extend("examples" = ["gpt3-175b"]))]
    pub model: Opt<StrOrTable<RawModel>>,
    /// Sequence length, tokens (≥ 1).
    #[schemars(with = "u32", range(min = 1))]
    #[schemars(extend("examples" = [2048]))]
    pub seq_len: Opt<i64>,
    /// Sequences per step (≥ 1).
    #[schemars(with = "u32", range(min = 1))]
    #[schemars(extend("examples" = [1536]))]
    pub global_batch: Opt<i64>,
    /// Tokens to train on (> 0); enables time to train, cost and energy.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [300e9]))]
    pub train_tokens: Opt<f64>,
    /// Numeric precision of the matrix multiplies: `fp32`, `fp16` or
    /// `bf16` (mixed precision with fp32 master weights); `fp8` runs the
    /// transformer layers' linear multiplies in FP8 with one scale per
    /// tensor (Transformer Engine's current scaling), `fp8-mx` with one per
    /// 32-element block (MXFP8, Blackwell only); under both, attention's
    /// core, the output head and everything else stay in bf16, and the
    /// casts, scale reductions and FP8 weight copies are counted.
    #[schemars(with = "Option<PrecisionName>", extend("default" = "bf16"))]
    #[schemars(extend("examples" = ["fp8"]))]
    pub precision: Opt<String>,
    /// Attention's core as one fused kernel (FlashAttention, cuDNN's fused
    /// attention: what Megatron-LM and NeMo run since 2023). The scores
    /// never reach memory, a causal mask skips half of them and the backward
    /// recomputes them. Default: false, Megatron-LM's 2021 unfused softmax
    /// (as the A100 measurements ran).
    #[schemars(with = "Option<bool>", extend("default" = false))]
    #[schemars(extend("examples" = [true]))]
    pub flash_attention: Opt<bool>,
    /// Names of the pools the job may run on. Default: all.
    #[schemars(with = "Option<Vec<String>>")]
    #[schemars(extend("examples" = [["a100"]]))]
    pub pools: Opt<Vec<Spanned<String>>>,
    /// Arrival time, seconds (≥ 0).
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 0.0))]
    #[schemars(extend("examples" = [3600]))]
    pub arrival_s: Opt<f64>,
    /// Data-parallel all-reduce algorithm.
    #[schemars(with = "Option<CollectiveName>", extend("default" = "auto"))]
    #[schemars(extend("examples" = ["ring"]))]
    pub collective_algorithm: Opt<String>,
    /// Deadline for training `train_tokens`, hours (> 0): `cirrus plan` and
    /// `cirrus simulate` then choose the cheapest plan within it (objective
    /// cost-deadline).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [720]))]
    pub deadline_h: Opt<f64>,
    /// Spending limit, USD per hour (> 0): without a deadline, the fastest
    /// plan within it (objective throughput-budget).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0))]
    #[schemars(extend("examples" = [5000]))]
    pub budget_usd_per_hour: Opt<f64>,
    /// `"auto"` (searched by the planner) or a `[job.parallelism]` table.
    /// Default: `"auto"`.
    #[schemars(with = "Option<ParallelismField>")]
    pub parallelism: Opt<StrOrTable<RawParallelism>>,
}

/// An inline `[job.model]` table: a transformer's shape.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// Preset whose figures are the defaults; without it `layers`,
    /// `hidden`, `heads` and `vocab` are required.
    #[schemars(with = "Option<PresetId>")]
    #[schemars(extend("examples" = ["llama3-70b"]))]
    pub base: Opt<String>,
    /// Architecture. Default: the base preset's, else `gpt`.
    #[schemars(with = "Option<ArchName>")]
    #[schemars(extend("examples" = ["llama"]))]
    pub arch: Opt<String>,
    /// Transformer layers (≥ 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [96]))]
    pub layers: Opt<i64>,
    /// Hidden size (≥ 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [12288]))]
    pub hidden: Opt<i64>,
    /// Attention heads (≥ 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [96]))]
    pub heads: Opt<i64>,
    /// Key/value heads, for grouped-query attention (≥ 1). Default: `heads`.
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [8]))]
    pub kv_heads: Opt<i64>,
    /// MLP hidden size (≥ 1). Default: 4 × `hidden`.
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [49152]))]
    pub ffn_hidden: Opt<i64>,
    /// Vocabulary size (≥ 1).
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [51200]))]
    pub vocab: Opt<i64>,
}

/// `[job.parallelism]`: any field may be `"auto"` (searched by the planner).
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields, transform = degree_keys)]
pub struct RawParallelism {
    /// Each axis's degree, in [`Axis::ALL`] order (keys `tp`, `pp`, `dp`,
    /// …; their schema comes from the axis table).
    #[schemars(skip)]
    pub degrees: [Opt<Setting>; AXES],
    /// Sequences per micro-batch; micro-batch × dp divides `global_batch`.
    #[schemars(with = "Option<DegreeOrAuto>", extend("default" = 1))]
    #[schemars(extend("examples" = [1]))]
    pub microbatch: Opt<Setting>,
    /// Pipeline schedule.
    #[schemars(with = "Option<ScheduleOrAuto>", extend("default" = "1f1b"))]
    #[schemars(extend("examples" = ["interleaved-1f1b"]))]
    pub schedule: Opt<Setting>,
    /// Model chunks per pipeline stage (interleaved-1f1b only).
    #[schemars(with = "Option<DegreeOrAuto>", extend("default" = 1))]
    #[schemars(extend("examples" = [2]))]
    pub virtual_stages: Opt<Setting>,
    /// Layers of the first pipeline stage (Megatron-LM's
    /// `num_layers_in_first_pipeline_stage`); the layers between the first
    /// and last stages split evenly over the others. Default: an even split,
    /// else the embedding and output layer counted as a layer each.
    #[schemars(with = "Option<DegreeOrAuto>")]
    #[schemars(extend("examples" = [7]))]
    pub first_stage_layers: Opt<Setting>,
    /// Layers of the last pipeline stage (as `first_stage_layers`).
    #[schemars(with = "Option<DegreeOrAuto>")]
    #[schemars(extend("examples" = [7]))]
    pub last_stage_layers: Opt<Setting>,
    /// Activation recompute mode.
    #[schemars(with = "Option<RecomputeOrAuto>", extend("default" = "none"))]
    #[schemars(extend("examples" = ["full"]))]
    pub recompute: Opt<Setting>,
    /// ZeRO stage, 0 to 3 (2 and 3 without pipelining).
    #[schemars(with = "Option<ZeroOrAuto>", extend("default" = 0))]
    #[schemars(extend("examples" = [1]))]
    pub zero: Opt<Setting>,
    /// Megatron sequence parallelism (needs tp > 1 to matter).
    #[schemars(with = "Option<BoolOrAuto>", extend("default" = false))]
    #[schemars(extend("examples" = [true]))]
    pub sequence_parallel: Opt<Setting>,
}

impl RawParallelism {
    /// The degree given for `axis`.
    pub fn degree(&self, axis: Axis) -> &Opt<Setting> {
        &self.degrees[axis.index()]
    }

    /// Where the value of `key` (one of [`parallelism::KEYS`]) goes.
    fn slot(&mut self, key: &str) -> Option<&mut Opt<Setting>> {
        if let Some(a) = Axis::ALL.into_iter().find(|a| a.key() == key) {
            return Some(&mut self.degrees[a.index()]);
        }
        Some(match key {
            "microbatch" => &mut self.microbatch,
            "schedule" => &mut self.schedule,
            "virtual_stages" => &mut self.virtual_stages,
            "first_stage_layers" => &mut self.first_stage_layers,
            "last_stage_layers" => &mut self.last_stage_layers,
            "recompute" => &mut self.recompute,
            "zero" => &mut self.zero,
            "sequence_parallel" => &mut self.sequence_parallel,
            _ => return None,
        })
    }
}

/// Adds each axis's degree key to the derived schema of [`RawParallelism`]:
/// a degree or `"auto"`, with the axis's description, default and example.
fn degree_keys(schema: &mut schemars::Schema) {
    let mut keys = serde_json::Map::new();
    for a in Axis::ALL {
        let mut s = DegreeOrAuto::json_schema(&mut schemars::SchemaGenerator::default());
        s.insert("description".into(), a.doc().into());
        if let Some(d) = a.default_degree() {
            s.insert("default".into(), d.into());
        }
        s.insert("examples".into(), serde_json::json!([a.example()]));
        keys.insert(a.key().into(), s.to_value());
    }
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.extend(keys);
    }
}

impl<'de> Deserialize<'de> for RawParallelism {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("RawParallelism", parallelism::KEYS, ParallelismVisitor)
    }
}

/// Reads a `[job.parallelism]` table key by key.
struct ParallelismVisitor;

impl<'de> Visitor<'de> for ParallelismVisitor {
    type Value = RawParallelism;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct RawParallelism")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawParallelism, A::Error> {
        let mut raw = RawParallelism::default();
        while let Some(parallelism::Key(key)) = map.next_key()? {
            let value = map.next_value()?;
            match raw.slot(key) {
                Some(slot) if slot.is_none() => *slot = Some(value),
                Some(_) => return Err(de::Error::duplicate_field(key)),
                None => return Err(de::Error::unknown_field(key, parallelism::KEYS)),
            }
        }
        Ok(raw)
    }
}

/// `[workload]`: many jobs from a trace or a generator, for cluster
/// scheduling.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Trace format, or `synthetic` for the seeded generator.
    #[schemars(with = "WorkloadFormatName")]
    #[schemars(extend("examples" = ["gavel"]))]
    pub format: Opt<String>,
    /// Trace file, relative to the scenario file (trace formats).
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["../sim/data/traces/gavel/small.trace"]))]
    pub path: Opt<String>,
    /// Gavel's measured throughput table (`format = "gavel"`), relative to
    /// the scenario file; each pool's `name` is then a worker type of it.
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["../sim/data/traces/gavel/throughputs.json"]))]
    pub throughputs: Opt<String>,
    /// Skip (and count) trace rows that cannot be read — a Philly job with
    /// no attempts, a row ending before it starts — instead of refusing the
    /// trace; the count is reported (`skipped_rows`).
    #[schemars(with = "Option<bool>", extend("default" = false))]
    #[schemars(extend("examples" = [true]))]
    pub skip_bad_rows: Opt<bool>,
    /// Refuse a trace file larger than this many bytes (≥ 1; default
    /// 268435456, 256 MiB), so a wrong path (`/dev/zero`, a huge file)
    /// fails at once instead of filling memory.
    #[schemars(with = "Option<u64>", range(min = 1), extend("default" = 268435456))]
    #[schemars(extend("examples" = [1073741824]))]
    pub max_trace_bytes: Opt<i64>,
    /// Read (or generate) at most this many jobs (≥ 1); required by
    /// `synthetic`.
    #[schemars(with = "Option<u32>", range(min = 1))]
    #[schemars(extend("examples" = [1000]))]
    pub jobs: Opt<i64>,
    /// Synthetic: mean seconds between arrivals (> 0; Poisson).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 600.0))]
    #[schemars(extend("examples" = [120]))]
    pub mean_interarrival_s: Opt<f64>,
    /// Synthetic: burstiness (> 0; 1 = Poisson, above 1 bursts).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    #[schemars(extend("examples" = [4]))]
    pub burst_factor: Opt<f64>,
    /// Synthetic: median job duration, seconds (> 0; log-normal).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 3600.0))]
    #[schemars(extend("examples" = [1800]))]
    pub duration_median_s: Opt<f64>,
    /// Synthetic: log-normal sigma of durations (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    #[schemars(extend("examples" = [1.5]))]
    pub duration_sigma: Opt<f64>,
    /// Synthetic: devices per job to draw from (each > 0; fractions share a
    /// GPU), equally likely unless `device_weights` says otherwise.
    #[schemars(with = "Option<Vec<PositiveNumber>>", extend("default" = [1.0]))]
    #[schemars(extend("examples" = [[1, 2, 4, 8]]))]
    pub devices: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: relative weight of each entry of `devices` (each ≥ 0, not
    /// all 0).
    #[schemars(with = "Option<Vec<f64>>", inner(range(min = 0)))]
    #[schemars(extend("examples" = [[4, 2, 1, 1]]))]
    pub device_weights: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: device types a job may be restricted to (pool names or
    /// device ids; `"*"`: any pool).
    #[schemars(with = "Option<Vec<String>>")]
    #[schemars(extend("examples" = [["*", "h100"]]))]
    pub device_types: Opt<Vec<Spanned<String>>>,
    /// Synthetic: relative weight of each entry of `device_types` (each ≥ 0).
    #[schemars(with = "Option<Vec<f64>>", inner(range(min = 0)))]
    #[schemars(extend("examples" = [[3, 1]]))]
    pub device_type_weights: Opt<Vec<Spanned<f64>>>,
    /// Synthetic: model presets the jobs train (speed per pool from the
    /// performance model).
    #[schemars(with = "Option<Vec<PresetId>>", length(min = 1))]
    #[schemars(extend("examples" = [["gpt3-1.3b", "llama3-8b"]]))]
    pub models: Opt<Vec<Spanned<String>>>,
    /// Synthetic: relative weight of each entry of `models` (each ≥ 0).
    #[schemars(with = "Option<Vec<f64>>", inner(range(min = 0)))]
    #[schemars(extend("examples" = [[2, 1]]))]
    pub model_weights: Opt<Vec<Spanned<f64>>>,
}

/// `[scheduler]`: how a workload's jobs are scheduled.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// Scheduling policy.
    #[schemars(with = "Option<PolicyName>", extend("default" = "fifo"))]
    #[schemars(extend("examples" = ["tiresias"]))]
    pub policy: Opt<String>,
    /// Heterogeneity-aware variant: place by each pool's speed for the job.
    #[schemars(with = "Option<bool>", extend("default" = false))]
    #[schemars(extend("examples" = [true]))]
    pub heterogeneity_aware: Opt<bool>,
    /// Round length of round-based policies, seconds (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 360.0))]
    #[schemars(extend("examples" = [360]))]
    pub round_s: Opt<f64>,
    /// Seconds of run time between a job's checkpoints (> 0).
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 3600.0))]
    #[schemars(extend("examples" = [1800]))]
    pub checkpoint_interval_s: Opt<f64>,
    /// Seconds a job needs to write a checkpoint (≥ 0): a spot revocation
    /// whose `notice_s` is shorter loses the work since the last periodic
    /// checkpoint, as a node failure does. Default 0: every revocation
    /// notice is long enough.
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 0.0))]
    #[schemars(extend("examples" = [90]))]
    pub checkpoint_write_s: Opt<f64>,
    /// Seconds a job spends restoring its checkpoint when it (re)starts
    /// after a preemption or failure (≥ 0).
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 30.0))]
    #[schemars(extend("examples" = [60]))]
    pub restore_s: Opt<f64>,
    /// Reproduce Gavel's simulator mechanism (rounds, leases).
    #[schemars(with = "Option<bool>", extend("default" = false))]
    #[schemars(extend("examples" = [true]))]
    pub gavel_compat: Opt<bool>,
    /// Cost-aware policy: each job's deadline, as a multiple of its fastest
    /// run time after its arrival (≥ 1).
    #[schemars(with = "Option<f64>", range(min = 1))]
    #[schemars(extend("examples" = [2]))]
    pub deadline_factor: Opt<f64>,
    /// Elastic policy: serial fraction of the jobs' speedup curve (≥ 0,
    /// below 1).
    #[schemars(with = "Option<f64>", range(min = 0), extend("exclusiveMaximum" = 1, "default" = 0.05))]
    #[schemars(extend("examples" = [0.1]))]
    pub elastic_serial_fraction: Opt<f64>,
    /// Elastic policy: most devices per job, as a multiple of its request
    /// (≥ 1).
    #[schemars(with = "Option<f64>", range(min = 1), extend("default" = 2.0))]
    #[schemars(extend("examples" = [4]))]
    pub elastic_max_factor: Opt<f64>,
}

/// `autoscale = { ... }` of a pool (workloads only).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscale {
    /// Nodes always online (≥ 0, at most the pool's `nodes`).
    #[schemars(with = "Option<u32>", range(min = 0), extend("default" = 0))]
    #[schemars(extend("examples" = [2]))]
    pub min_nodes: Opt<i64>,
    /// Minutes from asking for a node to its being usable (≥ 0).
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 10.0))]
    #[schemars(extend("examples" = [5]))]
    pub provision_minutes: Opt<f64>,
    /// Minutes a node stays idle before it is released (≥ 0).
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 30.0))]
    #[schemars(extend("examples" = [20]))]
    pub idle_minutes: Opt<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parallelism_key_has_one_slot_and_a_schema_entry() {
        let mut raw = RawParallelism::default();
        for key in parallelism::KEYS {
            let slot = raw
                .slot(key)
                .unwrap_or_else(|| panic!("`{key}` has no slot"));
            *slot = Some(Spanned::new(0..1, Setting::Int(1)));
        }
        // Each key filled its own slot: none is left empty.
        for a in Axis::ALL {
            assert!(raw.degree(a).is_some(), "{a}");
        }
        assert!(raw.microbatch.is_some() && raw.schedule.is_some());
        assert!(raw.virtual_stages.is_some() && raw.recompute.is_some());
        assert!(raw.zero.is_some() && raw.sequence_parallel.is_some());
        assert!(raw.first_stage_layers.is_some() && raw.last_stage_layers.is_some());
        assert!(raw.slot("cp").is_none());
        let schema = schemars::schema_for!(RawParallelism).to_value();
        let props = schema["properties"].as_object().expect("properties");
        let mut listed: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut keys = parallelism::KEYS.to_vec();
        listed.sort_unstable();
        keys.sort_unstable();
        assert_eq!(listed, keys);
    }
}
