//! The executor's error type.

use thiserror::Error;

/// Why an executor operation failed. Messages are lowercase fragments that
/// read after "failed to".
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExecError {
    /// No compute adapter was found (no GPU and no software driver).
    #[error("find a compute adapter (wgpu found none); {hint}")]
    NoAdapter {
        /// What to install or check.
        hint: String,
    },
    /// The adapter refused to create a device.
    #[error("open a device on adapter `{adapter}`: {reason}")]
    RequestDevice {
        /// The adapter's name.
        adapter: String,
        /// wgpu's message.
        reason: String,
    },
    /// An operand's length does not match the shape it was given with.
    #[error(
        "multiply matrices: operand {operand} has {actual} elements, the shape needs {expected}"
    )]
    ShapeMismatch {
        /// Which operand (`a` or `b`).
        operand: &'static str,
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        actual: usize,
    },
    /// The problem does not fit the device's limits.
    #[error("fit {what} on the device: {needed} needed, the limit is {limit}")]
    TooLarge {
        /// What exceeded the limit (a buffer, a dispatch dimension).
        what: &'static str,
        /// The size needed.
        needed: u64,
        /// The device's limit.
        limit: u64,
    },
    /// The device reported an error while running a kernel or reading back.
    #[error("run kernel `{kernel}` on the device: {reason}")]
    Device {
        /// The kernel's name.
        kernel: &'static str,
        /// The device's message.
        reason: String,
    },
    // --- element-wise and normalisation kernels (k1) ---
    /// An input of an element-wise, normalisation or embedding kernel does
    /// not have the length its shape needs.
    #[error(
        "run kernel `{kernel}`: input {operand} has {actual} elements, the shape needs {expected}"
    )]
    LengthMismatch {
        /// The kernel's name.
        kernel: &'static str,
        /// Which input.
        operand: &'static str,
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        actual: usize,
    },
    /// A token id is not below the vocabulary size.
    #[error("embed tokens: token {index} has id {id}, the vocabulary has {vocab} rows")]
    TokenOutOfRange {
        /// The token's position in the input.
        index: usize,
        /// Its id.
        id: u32,
        /// Rows of the embedding table.
        vocab: usize,
    },
    /// A kernel's inputs are inconsistent (lengths, targets, step).
    #[error("run kernel `{kernel}`: {reason}")]
    InvalidInput {
        /// The kernel's name.
        kernel: &'static str,
        /// What is wrong with the inputs.
        reason: String,
    },
    // --- model, data-parallel run, checkpoints ---
    /// Workers could not combine their gradients (a peer stopped, MPI
    /// failed).
    #[error("combine gradients across workers: {reason}")]
    Collective {
        /// What went wrong.
        reason: String,
    },
    /// The training loss stopped being a finite number.
    #[error(
        "train: the training loss is {loss} at step {step}; the run diverged (try a smaller `--lr`)"
    )]
    NonFiniteLoss {
        /// The step (1-based) whose loss is not finite.
        step: u64,
        /// The loss.
        loss: f32,
    },
    /// A checkpoint is whole (its hash matches) but does not describe a
    /// state of this run.
    #[error("resume from checkpoint {path}: `{field}`: {reason}")]
    InvalidCheckpoint {
        /// The checkpoint file.
        path: String,
        /// The header field or tensor that is wrong.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The model or the run cannot be built as described.
    #[error("set up the run: {reason}")]
    Config {
        /// What is wrong, naming the key.
        reason: String,
    },
    /// A checkpoint could not be written or read.
    #[error("{action} checkpoint {path}: {reason}")]
    Checkpoint {
        /// `write` or `read`.
        action: &'static str,
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The hint given with [`ExecError::NoAdapter`].
pub const NO_ADAPTER_HINT: &str = "install a GPU driver with Vulkan, Metal or DX12 support, or \
     Mesa's software Vulkan driver (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers libvulkan1`), \
     and check that `WGPU_BACKEND`, if set, names an available backend";
