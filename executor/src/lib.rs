//! Cirrus executor: runs work for real through wgpu compute shaders, to hold
//! the simulator to what it measures.
//!
//! Devices: listing adapters and opening a device with the adapter's full
//! limits ([`devices`]). Kernels, behind the [`Backend`] trait with a
//! float32 CPU reference backend and the wgpu backend: register-blocked
//! matrix multiply (forward and both backward products), GELU, layer norm,
//! token plus positional embedding ([`layers`]), softmax cross-entropy,
//! [`AdamW`], the share-weighted gradient sum ([`training`]) and causal
//! multi-head self-attention ([`attention`]). The byte-level training data
//! ([`data`]); the GPT-style model on those kernels ([`model`]); data-parallel
//! training of a plan, one worker per plan node, combining gradients through
//! a [`collective::Collective`] (ring, parameter server, or MPI with the
//! `mpi` feature), with validation, early stopping and atomic
//! [`checkpoint`]s ([`run`]); the RunReport ([`report`]); per-kernel timing
//! ([`timed`]); and the micro-benchmarks that calibrate a device profile for
//! the simulator ([`calibrate`]).
//!
//! ```text
//! devices::list_adapters ──► AdapterSummary (name, backend, type, driver)
//! Gpu::open(adapter) ──► GpuBackend ──┐
//!                        CpuBackend ──┴─► Backend::matmul(a, b, Matmul) ──► C
//! ```
//!
//! ```
//! use cirrus_executor::{Backend, CpuBackend, Matmul};
//!
//! // [1 2; 3 4] · [5 6; 7 8]
//! let c = CpuBackend.matmul(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], Matmul::forward(2, 2, 2))?;
//! assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
//! # Ok::<(), cirrus_executor::ExecError>(())
//! ```
//!
//! On a machine without a GPU, wgpu finds Mesa's software Vulkan driver
//! (lavapipe) if it is installed; `test.sh` installs it. Without any adapter
//! the calls return [`ExecError::NoAdapter`] with a hint, never a panic.

pub mod backend;
pub mod devices;
mod error;
pub mod gpu;

#[cfg(test)]
mod kernel_tests;

pub use backend::{Backend, CpuBackend, Matmul};
pub use devices::{AdapterSummary, Gpu, list_adapters};
pub use error::{ExecError, NO_ADAPTER_HINT};
pub use gpu::GpuBackend;

// --- element-wise and normalisation kernels (k1) ---
pub mod layers;
pub use layers::{
    Embedding, EmbeddingGrads, LAYER_NORM_EPS, LayerNormGrads, LayerNormOutput, LayerNormShape,
};
// --- loss, optimiser and gradient-combination kernels (k2) ---
pub mod training;
pub use training::AdamW;
// --- attention (attn) ---
pub mod attention;
pub use attention::{AttentionGrads, AttentionOutput, AttentionShape};
// --- training data (data) ---
pub mod data;
// --- model, data-parallel runs ---
pub mod budget;
pub mod checkpoint;
pub mod collective;
pub mod model;
pub mod report;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod timed;
// --- several machines (the `mpi` feature) ---
#[cfg(feature = "mpi")]
pub mod mpi_comm;
// --- calibration (cal) ---
pub mod calibrate;
