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

pub use matmul::{MatmulKernel, MatmulVariant};

// --- loss, optimiser and gradient-combination kernels (k2) ---
mod adamw;
mod cross_entropy;
mod weighted_sum;

pub use adamw::AdamWKernel;
pub use cross_entropy::CrossEntropyKernel;
pub use weighted_sum::WeightedSumKernel;

// --- attention (attn) ---
mod attention;
// --- calibration probes (cal) ---
mod probe;
pub use probe::Probes;

use crate::backend::{Backend, Matmul};
use crate::devices::Gpu;
use crate::error::ExecError;
// --- element-wise and normalisation kernels (k1) ---
use crate::layers::{Embedding, EmbeddingGrads, LayerNormGrads, LayerNormOutput, LayerNormShape};
use embedding::EmbeddingKernel;
use gelu::GeluKernel;
use layer_norm::LayerNormKernel;
// --- loss, optimiser and gradient-combination kernels (k2) ---
use crate::training::AdamW;
// --- attention (attn) ---
use crate::attention::{AttentionGrads, AttentionOutput, AttentionShape};
use attention::AttentionKernel;
use wgpu::util::DeviceExt;

/// Runs the kernels on one wgpu device.
#[derive(Debug)]
pub struct GpuBackend {
    gpu: Gpu,
    matmul: MatmulKernel,
    // --- element-wise and normalisation kernels (k1) ---
    gelu: GeluKernel,
    layer_norm: LayerNormKernel,
    embedding: EmbeddingKernel,
    // --- loss, optimiser and gradient-combination kernels (k2) ---
    cross_entropy: CrossEntropyKernel,
    adamw: AdamWKernel,
    weighted_sum: WeightedSumKernel,
    // --- attention (attn) ---
    attention: AttentionKernel,
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
        // --- loss, optimiser and gradient-combination kernels (k2) ---
        let cross_entropy = CrossEntropyKernel::new(&gpu.device)?;
        let adamw = AdamWKernel::new(&gpu.device)?;
        let weighted_sum = WeightedSumKernel::new(&gpu.device)?;
        // --- attention (attn) ---
        let attention = AttentionKernel::new(&gpu.device)?;
        Ok(GpuBackend {
            gpu,
            matmul,
            gelu,
            layer_norm,
            embedding,
            cross_entropy,
            adamw,
            weighted_sum,
            attention,
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

    // --- loss, optimiser and gradient-combination kernels (k2) ---

    fn cross_entropy_loss(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<f32, ExecError> {
        self.cross_entropy.loss(&self.gpu, logits, targets, vocab)
    }

    fn cross_entropy_grad(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<Vec<f32>, ExecError> {
        self.cross_entropy.grad(&self.gpu, logits, targets, vocab)
    }

    fn adamw_step(
        &self,
        params: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grads: &[f32],
        hp: &AdamW,
        step: u64,
    ) -> Result<(), ExecError> {
        self.adamw.step(&self.gpu, params, m, v, grads, hp, step)
    }

    fn weighted_sum(&self, grads: &[&[f32]], weights: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.weighted_sum.execute(&self.gpu, grads, weights)
    }

    // --- attention (attn) ---

    fn attention(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionOutput, ExecError> {
        self.attention.forward(&self.gpu, q, k, v, shape)
    }

    fn attention_backward(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        o: &[f32],
        lse: &[f32],
        d_o: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionGrads, ExecError> {
        self.attention
            .backward(&self.gpu, q, k, v, o, lse, d_o, shape)
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

/// Invocations per workgroup of the one-dimensional (element-wise and
/// row-wise) kernels (`@workgroup_size(64)`).
const LINEAR_WORKGROUP: usize = 64;

/// Compiles the `main` entry point of `wgsl`, with the layout inferred from
/// the shader.
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

/// A uniform buffer holding `words` (kernel parameters; floats go in as
/// their bits).
fn uniform(device: &wgpu::Device, label: &str, words: &[u32]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(words),
        usage: wgpu::BufferUsages::UNIFORM,
    })
}

/// A storage buffer initialised with `data`, which a kernel may read or
/// update in place and which can be read back.
fn storage<T: bytemuck::Pod>(device: &wgpu::Device, label: &str, data: &[T]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(data),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
    })
}

/// An uninitialised storage buffer of `len` floats for a kernel's output.
fn output(device: &wgpu::Device, label: &str, len: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: (len * size_of::<f32>()) as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// Runs `pipeline` once and reads its results back, blocking.
///
/// `make` creates the buffers inside the error scope and returns them in
/// binding order (bound at 0, 1, …) with the outputs to read back as
/// `(buffer, floats)`; the outputs are returned one after another in that
/// order. `groups` is the dispatch's workgroups along x and y (see
/// [`check_groups`]); every output length must be non-zero.
fn run(
    gpu: &Gpu,
    kernel: &'static str,
    pipeline: &wgpu::ComputePipeline,
    groups: [u32; 2],
    make: impl FnOnce(&wgpu::Device) -> Result<BuffersAndOutputs, ExecError>,
) -> Result<Vec<f32>, ExecError> {
    let device = &gpu.device;
    let staging = scoped(device, kernel, || {
        let (buffers, outputs) = make(device)?;
        let total: usize = outputs.iter().map(|(_, len)| len).sum();
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: (total * size_of::<f32>()) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .zip(0u32..)
            .map(|(buffer, binding)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some(kernel),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], 1);
        }
        let mut offset = 0u64;
        for (buffer, len) in &outputs {
            let bytes = (len * size_of::<f32>()) as u64;
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, offset, bytes);
            offset += bytes;
        }
        gpu.queue.submit([encoder.finish()]);
        Ok(staging)
    })?;
    read_back(gpu, kernel, &staging)
}

/// The buffers of one dispatch in binding order, and the outputs to read
/// back with their lengths in floats.
type BuffersAndOutputs = (Vec<wgpu::Buffer>, Vec<(wgpu::Buffer, usize)>);

/// Checks that a storage buffer of `len` floats fits the device.
fn check_storage(gpu: &Gpu, len: usize) -> Result<(), ExecError> {
    let bytes = (len * size_of::<f32>()) as u64;
    let limits = &gpu.limits;
    let limit = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    if bytes > limit {
        return Err(ExecError::TooLarge {
            what: "a storage buffer (bytes)",
            needed: bytes,
            limit,
        });
    }
    Ok(())
}

/// Checks a dispatch dimension of `groups` workgroups against the device's
/// limit.
fn check_groups(gpu: &Gpu, groups: usize) -> Result<u32, ExecError> {
    let max_groups = gpu.limits.max_compute_workgroups_per_dimension;
    match u32::try_from(groups) {
        Ok(g) if g <= max_groups => Ok(g),
        _ => Err(ExecError::TooLarge {
            what: "workgroups per dispatch dimension",
            needed: groups as u64,
            limit: u64::from(max_groups),
        }),
    }
}

/// `x` as a `u32` kernel parameter; `what` names it in the error.
fn to_u32(x: usize, what: &'static str) -> Result<u32, ExecError> {
    u32::try_from(x).map_err(|_| ExecError::TooLarge {
        what,
        needed: x as u64,
        limit: u64::from(u32::MAX),
    })
}

/// Maps `staging`, waits for the device, and copies its floats out.
fn read_back(
    gpu: &Gpu,
    kernel: &'static str,
    staging: &wgpu::Buffer,
) -> Result<Vec<f32>, ExecError> {
    let device_error = |reason: &dyn ToString| ExecError::Device {
        kernel,
        reason: reason.to_string(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        // The receiver waits below; if it is gone there is no one to tell.
        let _ = tx.send(r);
    });
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| device_error(&e))?;
    rx.recv()
        .map_err(|e| device_error(&e))?
        .map_err(|e| device_error(&e))?;
    let out = {
        let view = staging.get_mapped_range(..).map_err(|e| device_error(&e))?;
        bytemuck::pod_collect_to_vec::<u8, f32>(&view)
    };
    staging.unmap();
    Ok(out)
}

// --- element-wise and normalisation kernels (k1) ---

/// One dispatch of a one-dimensional kernel whose workgroups are spread over
/// x and y, so it finds its index as `gid.x + gid.y * num_workgroups.x * 64`:
/// binding 0 is `params` (a uniform of four `u32`s), then one read-only
/// storage buffer per input, then one read-write float buffer per output.
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
    /// Runs the kernel on `gpu` with [`run`] and reads every output back.
    fn run(&self, gpu: &Gpu) -> Result<[Vec<f32>; N], ExecError> {
        // A binding may not be empty: an empty buffer is given one float.
        let padded = self.outputs.map(|len| len.max(1));
        for input in self.inputs {
            check_storage(gpu, input.len().div_ceil(size_of::<f32>()))?;
        }
        for &len in &padded {
            check_storage(gpu, len)?;
        }
        let groups = self.invocations.div_ceil(LINEAR_WORKGROUP).max(1);
        let max = gpu.limits.max_compute_workgroups_per_dimension as usize;
        let groups_x = groups.min(max);
        let groups_y = groups.div_ceil(groups_x);
        let groups = [check_groups(gpu, groups_x)?, check_groups(gpu, groups_y)?];
        let all = run(gpu, self.kernel, self.pipeline, groups, |device| {
            let mut buffers = vec![uniform(device, "params", &self.params)];
            for input in self.inputs {
                buffers.push(if input.is_empty() {
                    output(device, "input", 1)
                } else {
                    storage(device, "input", input)
                });
            }
            let mut outputs = Vec::with_capacity(N);
            for &len in &padded {
                let buffer = output(device, "output", len);
                outputs.push((buffer.clone(), len));
                buffers.push(buffer);
            }
            Ok((buffers, outputs))
        })?;
        let mut start = 0;
        Ok(std::array::from_fn(|k| {
            let out = all[start..start + self.outputs[k]].to_vec();
            start += padded[k];
            out
        }))
    }
}
