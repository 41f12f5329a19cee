//! The vocabulary of a training job's execution: numeric precision and the
//! parallel configuration (tensor, pipeline, data parallelism, micro-batch,
//! pipeline schedule, activation recompute, ZeRO stage, sequence parallelism).
//! Its file form is in `parallelism/file_form.rs`.

use crate::mesh::Mesh;

mod file_form;

pub use file_form::Key;

/// Every key of a parallelism table (in scenario, plan and result files),
/// in file order: the mesh's axes ([`crate::mesh::Axis::ALL`]), then the
/// micro-batch, schedule, virtual stages, the first and last stages'
/// layers, recompute, ZeRO stage and sequence parallelism.
pub const KEYS: &[&str] = &file_form::FIELDS;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Numeric precision of the matrix math (and of weights and activations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit IEEE float.
    Fp32,
    /// 16-bit IEEE half float (mixed precision with fp32 master weights).
    Fp16,
    /// bfloat16 (mixed precision with fp32 master weights).
    Bf16,
    /// 8-bit float (E4M3 forward, E5M2 gradients) for the transformer
    /// layers' linear multiplies with one scale per tensor, computed from
    /// the tensor's current maximum (Transformer Engine's
    /// `Float8CurrentScaling`); attention, the output head and everything
    /// else in bf16 (mixed precision).
    Fp8,
    /// As [`Precision::Fp8`] with one scale per 32 elements (MXFP8, the OCP
    /// microscaling format Blackwell's tensor cores apply in hardware).
    #[serde(rename = "fp8-mx")]
    Fp8Mx,
}

impl Precision {
    /// Every precision a job may name.
    pub const ALL: [Precision; 5] = [
        Precision::Fp32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Fp8Mx,
    ];

    /// The precisions the catalogue lists dense peaks for, in its order
    /// (block-scaled fp8 runs at the fp8 peak).
    pub const PEAKS: [Precision; 4] = [
        Precision::Fp32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
    ];

    /// Precisions a device is compared at when a job's own is not known,
    /// best first: its dense peak at the first of these it has.
    pub const DENSE_PREFERENCE: [Precision; 3] =
        [Precision::Bf16, Precision::Fp16, Precision::Fp32];

    /// The scenario-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Fp8Mx => "fp8-mx",
        }
    }

    /// The precision whose dense peak the linear layers' multiplies run at.
    pub fn peak_precision(self) -> Precision {
        match self {
            Precision::Fp8Mx => Precision::Fp8,
            p => p,
        }
    }

    /// Whether the linear layers' multiplies run in 8 bits.
    pub fn is_fp8(self) -> bool {
        matches!(self, Precision::Fp8 | Precision::Fp8Mx)
    }

    /// The precision of the multiplies kept in 16 bits under fp8 training
    /// (attention's core and the output head), else the precision itself.
    pub fn wide(self) -> Precision {
        if self.is_fp8() { Precision::Bf16 } else { self }
    }

    /// Parses the scenario-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Bytes of one stored weight or activation element in this precision
    /// (fp8 training keeps weights and activations in bf16).
    pub fn bytes_per_element(self) -> f64 {
        match self {
            Precision::Fp32 => 4.0,
            Precision::Fp16 | Precision::Bf16 | Precision::Fp8 | Precision::Fp8Mx => 2.0,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Pipeline-parallel schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Schedule {
    /// All forwards, then all backwards (Huang et al. 2019).
    #[serde(rename = "gpipe")]
    GPipe,
    /// One-forward-one-backward (PipeDream-Flush, Narayanan et al. 2021).
    #[serde(rename = "1f1b")]
    OneFOneB,
    /// 1F1B with `virtual_stages` model chunks per device (Megatron-LM).
    #[serde(rename = "interleaved-1f1b")]
    Interleaved1F1B,
}

impl Schedule {
    /// Every schedule.
    pub const ALL: [Schedule; 3] = [
        Schedule::GPipe,
        Schedule::OneFOneB,
        Schedule::Interleaved1F1B,
    ];

    /// The scenario-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::GPipe => "gpipe",
            Schedule::OneFOneB => "1f1b",
            Schedule::Interleaved1F1B => "interleaved-1f1b",
        }
    }

    /// Parses the scenario-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Activation recomputation (Korthikanti et al. 2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Keep every activation.
    None,
    /// Recompute only the attention core (softmax, dropout, scores).
    Selective,
    /// Keep only each layer's input; recompute the whole layer forward.
    Full,
}

impl Recompute {
    /// Every recompute mode.
    pub const ALL: [Recompute; 3] = [Recompute::None, Recompute::Selective, Recompute::Full];

    /// The scenario-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Recompute::None => "none",
            Recompute::Selective => "selective",
            Recompute::Full => "full",
        }
    }

    /// Parses the scenario-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A fully specified parallel configuration of one training job: its device
/// mesh, micro-batch, pipeline schedule and activation recompute. In files it
/// is one flat table: the mesh's degrees by axis key (`tp`, `pp`, `dp`), then
/// `microbatch`, `schedule`, `virtual_stages`, `recompute`, and the axes'
/// properties `zero` and `sequence_parallel` (see [`crate::mesh`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParallelConfig {
    /// The device mesh: a degree per parallel axis, with ZeRO and sequence
    /// parallelism as properties of its data and tensor axes.
    pub mesh: Mesh,
    /// Sequences per micro-batch.
    pub microbatch: u32,
    /// Pipeline schedule.
    pub schedule: Schedule,
    /// Model chunks per pipeline device (1 unless interleaved).
    pub virtual_stages: u32,
    /// Activation recomputation mode.
    pub recompute: Recompute,
}

impl ParallelConfig {
    /// How `layers` split over its pipeline stages and virtual chunks
    /// ([`crate::stages::split`]), or why they cannot.
    pub fn stages(&self, layers: u32) -> Result<crate::stages::StageSplit, String> {
        crate::stages::split(
            layers,
            self.mesh.pp(),
            self.virtual_stages,
            self.mesh.stage_ends(),
        )
    }

    /// Devices this configuration occupies: the product of the mesh's degrees.
    pub fn devices(&self) -> u64 {
        self.mesh.devices()
    }

    /// Micro-batches per replica per step for a global batch (in sequences).
    pub fn microbatches(&self, global_batch: u64) -> u64 {
        let per_replica = u64::from(self.microbatch) * u64::from(self.mesh.dp());
        global_batch.div_ceil(per_replica.max(1))
    }
}
