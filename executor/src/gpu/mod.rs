//! The wgpu backend: kernels written in WGSL, each beside the Rust that
//! launches it.
//!
//! The device is acquired apart from the work ([`Gpu::open`]), as in wgpu's
//! `hello_compute`; each kernel then runs on a borrowed device and queue.

mod matmul;

pub use matmul::MatmulKernel;

use crate::backend::{Backend, Matmul};
use crate::devices::Gpu;
use crate::error::ExecError;

/// Runs the kernels on one wgpu device.
#[derive(Debug)]
pub struct GpuBackend {
    gpu: Gpu,
    matmul: MatmulKernel,
}

impl GpuBackend {
    /// Opens a device on the adapter wgpu prefers and compiles the kernels.
    pub fn new() -> Result<Self, ExecError> {
        Self::on(Gpu::open_default()?)
    }

    /// Compiles the kernels on an opened device.
    pub fn on(gpu: Gpu) -> Result<Self, ExecError> {
        let matmul = MatmulKernel::new(&gpu.device)?;
        Ok(GpuBackend { gpu, matmul })
    }

    /// The device the kernels run on.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }
}

impl Backend for GpuBackend {
    fn name(&self) -> String {
        self.gpu.adapter.name.clone()
    }

    fn matmul(&self, a: &[f32], b: &[f32], shape: Matmul) -> Result<Vec<f32>, ExecError> {
        self.matmul.execute(&self.gpu, a, b, shape)
    }
}

/// Runs `work` inside a validation and an out-of-memory error scope, so a
/// device error becomes [`ExecError::Device`] instead of wgpu's default
/// handler (which panics).
fn scoped<T>(
    device: &wgpu::Device,
    kernel: &'static str,
    work: impl FnOnce() -> Result<T, ExecError>,
) -> Result<T, ExecError> {
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let out = work();
    let validation = pollster::block_on(validation.pop());
    let oom = pollster::block_on(oom.pop());
    if let Some(e) = validation.or(oom) {
        return Err(ExecError::Device {
            kernel,
            reason: e.to_string(),
        });
    }
    out
}
