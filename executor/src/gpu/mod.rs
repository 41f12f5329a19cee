//! The wgpu backend: kernels written in WGSL, each beside the Rust that
//! launches it.
//!
//! The device is acquired apart from the work ([`Gpu::open`]), as in wgpu's
//! `hello_compute`; each kernel then runs on a borrowed device and queue.

mod matmul;
// --- element-wise and normalisation kernels (k1) ---
mod embedding;
mod gelu;
mod layer_norm;

pub use matmul::MatmulKernel;

use crate::backend::{Backend, Matmul};
use crate::devices::Gpu;
use crate::error::ExecError;
// --- element-wise and normalisation kernels (k1) ---
use crate::layers::{Embedding, EmbeddingGrads, LayerNormGrads, LayerNormOutput, LayerNormShape};
use embedding::EmbeddingKernel;
use gelu::GeluKernel;
use layer_norm::LayerNormKernel;

/// Runs the kernels on one wgpu device.
#[derive(Debug)]
pub struct GpuBackend {
    gpu: Gpu,
    matmul: MatmulKernel,
    // --- element-wise and normalisation kernels (k1) ---
    gelu: GeluKernel,
    layer_norm: LayerNormKernel,
    embedding: EmbeddingKernel,
}

impl GpuBackend {
    /// Opens a device on the adapter wgpu prefers and compiles the kernels.
    pub fn new() -> Result<Self, ExecError> {
        Self::on(Gpu::open_default()?)
    }

    /// Compiles the kernels on an opened device.
    pub fn on(gpu: Gpu) -> Result<Self, ExecError> {
        let matmul = MatmulKernel::new(&gpu.device)?;
        // --- element-wise and normalisation kernels (k1) ---
        let gelu = GeluKernel::new(&gpu.device)?;
        let layer_norm = LayerNormKernel::new(&gpu.device)?;
        let embedding = EmbeddingKernel::new(&gpu.device)?;
        Ok(GpuBackend {
            gpu,
            matmul,
            gelu,
            layer_norm,
            embedding,
        })
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

    // --- element-wise and normalisation kernels (k1) ---

    fn gelu(&self, x: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.gelu.forward(&self.gpu, x)
    }

    fn gelu_backward(&self, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.gelu.backward(&self.gpu, x, dy)
    }

    fn layer_norm(
        &self,
        x: &[f32],
        gain: &[f32],
        bias: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormOutput, ExecError> {
        self.layer_norm.forward(&self.gpu, x, gain, bias, shape)
    }

    fn layer_norm_backward(
        &self,
        x: &[f32],
        gain: &[f32],
        mean: &[f32],
        rstd: &[f32],
        dy: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormGrads, ExecError> {
        self.layer_norm
            .backward(&self.gpu, x, gain, mean, rstd, dy, shape)
    }

    fn embedding(
        &self,
        tokens: &[u32],
        table: &[f32],
        pos: &[f32],
        shape: Embedding,
    ) -> Result<Vec<f32>, ExecError> {
        self.embedding.forward(&self.gpu, tokens, table, pos, shape)
    }

    fn embedding_backward(
        &self,
        tokens: &[u32],
        dy: &[f32],
        shape: Embedding,
    ) -> Result<EmbeddingGrads, ExecError> {
        self.embedding.backward(&self.gpu, tokens, dy, shape)
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

/// Compiles the `main` entry point of `wgsl` into a compute pipeline whose
/// bind-group layout is derived from the shader.
fn pipeline(device: &wgpu::Device, label: &str, wgsl: &str) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(wgsl.into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// Binds the whole of `buffer` at `binding`.
fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// `x` as a `u32` for a kernel's parameters; `what` names it in the error.
fn to_u32(x: usize, what: &'static str) -> Result<u32, ExecError> {
    u32::try_from(x).map_err(|_| ExecError::TooLarge {
        what,
        needed: x as u64,
        limit: u64::from(u32::MAX),
    })
}

/// Checks that a storage buffer of `bytes` fits the device's limits.
fn check_storage(gpu: &Gpu, bytes: u64) -> Result<(), ExecError> {
    let limit = gpu
        .limits
        .max_storage_buffer_binding_size
        .min(gpu.limits.max_buffer_size);
    if bytes > limit {
        return Err(ExecError::TooLarge {
            what: "a storage buffer (bytes)",
            needed: bytes,
            limit,
        });
    }
    Ok(())
}

/// A device error while running `kernel`.
fn device_error(kernel: &'static str, reason: impl ToString) -> ExecError {
    ExecError::Device {
        kernel,
        reason: reason.to_string(),
    }
}

/// Maps `staging`, waits for the device, and copies its floats out.
fn read_back(
    gpu: &Gpu,
    kernel: &'static str,
    staging: &wgpu::Buffer,
) -> Result<Vec<f32>, ExecError> {
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        // The receiver waits below; if it is gone there is no one to tell.
        let _ = tx.send(r);
    });
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| device_error(kernel, e))?;
    rx.recv()
        .map_err(|e| device_error(kernel, e))?
        .map_err(|e| device_error(kernel, e))?;
    let out = {
        let view = staging
            .get_mapped_range(..)
            .map_err(|e| device_error(kernel, e))?;
        bytemuck::pod_collect_to_vec::<u8, f32>(&view)
    };
    staging.unmap();
    Ok(out)
}

// --- element-wise and normalisation kernels (k1) ---

/// Invocations per workgroup of the one-dimensional kernels
/// (`@workgroup_size(64)`); they find their index as
/// `gid.x + gid.y * num_workgroups.x * 64`.
const LINEAR_WORKGROUP: usize = 64;

/// One dispatch of a one-dimensional kernel: binding 0 is `params` (a
/// uniform of four `u32`s), then one read-only storage buffer per input, then
/// one read-write float buffer per output.
struct Launch<'a, const N: usize> {
    kernel: &'static str,
    pipeline: &'a wgpu::ComputePipeline,
    params: [u32; 4],
    /// The inputs' bytes (floats or token ids).
    inputs: &'a [&'a [u8]],
    /// Floats in each output.
    outputs: [usize; N],
    /// Invocations to run (at least the kernel's index range).
    invocations: usize,
}

impl<const N: usize> Launch<'_, N> {
    /// Runs the kernel on `gpu` and reads every output back.
    fn run(&self, gpu: &Gpu) -> Result<[Vec<f32>; N], ExecError> {
        const F32: u64 = size_of::<f32>() as u64;
        // A binding may not be empty: an empty buffer is given one float.
        let padded = |bytes: u64| bytes.max(F32);
        for input in self.inputs {
            check_storage(gpu, input.len() as u64)?;
        }
        let mut offsets = [0u64; N];
        let mut total = 0u64;
        for (&len, offset) in self.outputs.iter().zip(&mut offsets) {
            let bytes = padded(len as u64 * F32);
            check_storage(gpu, bytes)?;
            *offset = total;
            total += bytes;
        }
        let groups = self.invocations.div_ceil(LINEAR_WORKGROUP).max(1);
        let max = gpu.limits.max_compute_workgroups_per_dimension as usize;
        let groups_x = groups.min(max);
        let groups_y = groups.div_ceil(groups_x);
        if groups_y > max {
            return Err(ExecError::TooLarge {
                what: "workgroups per dispatch dimension",
                needed: groups_y as u64,
                limit: max as u64,
            });
        }
        let device = &gpu.device;
        let staging = scoped(device, self.kernel, || {
            use wgpu::util::DeviceExt;
            let storage = |label: &str, bytes: u64, usage| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: padded(bytes),
                    usage,
                    mapped_at_creation: false,
                })
            };
            let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::cast_slice(&self.params),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let mut buffers = vec![params];
            for input in self.inputs {
                buffers.push(if input.is_empty() {
                    storage("input", 0, wgpu::BufferUsages::STORAGE)
                } else {
                    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("input"),
                        contents: input,
                        usage: wgpu::BufferUsages::STORAGE,
                    })
                });
            }
            let first_output = buffers.len();
            for &len in &self.outputs {
                buffers.push(storage(
                    "output",
                    len as u64 * F32,
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                ));
            }
            let staging = storage(
                "readback",
                total,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            );
            let entries: Vec<_> = (0u32..)
                .zip(&buffers)
                .map(|(binding, buffer)| entry(binding, buffer))
                .collect();
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(self.kernel),
                layout: &self.pipeline.get_bind_group_layout(0),
                entries: &entries,
            });
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(self.kernel),
            });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(self.kernel),
                    timestamp_writes: None,
                });
                pass.set_pipeline(self.pipeline);
                pass.set_bind_group(0, &bind_group, &[]);
                // Both fit u32: checked against the dispatch limit above.
                pass.dispatch_workgroups(groups_x as u32, groups_y as u32, 1);
            }
            for (buffer, &offset) in buffers[first_output..].iter().zip(&offsets) {
                encoder.copy_buffer_to_buffer(buffer, 0, &staging, offset, buffer.size());
            }
            gpu.queue.submit([encoder.finish()]);
            Ok(staging)
        })?;
        let all = read_back(gpu, self.kernel, &staging)?;
        Ok(std::array::from_fn(|k| {
            let start = (offsets[k] / F32) as usize;
            all[start..start + self.outputs[k]].to_vec()
        }))
    }
}
