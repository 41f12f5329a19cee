//! The causal self-attention kernels: `attention.wgsl` forward (one query
//! row per invocation) and `attention_backward.wgsl` (one element of `dQ`,
//! or one element each of `dK` and `dV`, per invocation; no atomics).

use super::{Launch, pipeline, scoped, to_u32};
use crate::attention::{
    AttentionGrads, AttentionOutput, AttentionShape, check_backward, check_qkv,
};
use crate::devices::Gpu;
use crate::error::ExecError;

const NAME: &str = "attention";
const BACKWARD: &str = "attention_backward";
const DIMENSION: &str = "an attention dimension";

/// The compiled attention pipelines for one device.
#[derive(Debug)]
pub(crate) struct AttentionKernel {
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
}

impl AttentionKernel {
    /// Compiles `attention.wgsl` and `attention_backward.wgsl` on `device`.
    pub(crate) fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(AttentionKernel {
                forward: pipeline(device, NAME, include_str!("attention.wgsl")),
                backward: pipeline(device, BACKWARD, include_str!("attention_backward.wgsl")),
            })
        })
    }

    /// Attention forward on `gpu`.
    pub(crate) fn forward(
        &self,
        gpu: &Gpu,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        s: AttentionShape,
    ) -> Result<AttentionOutput, ExecError> {
        check_qkv(NAME, q, k, v, s)?;
        if s.is_empty() {
            return Ok(AttentionOutput {
                o: Vec::new(),
                lse: Vec::new(),
            });
        }
        let [o, lse] = Launch {
            kernel: NAME,
            pipeline: &self.forward,
            params: [
                to_u32(s.rows(), DIMENSION)?,
                to_u32(s.seq, DIMENSION)?,
                to_u32(s.head_dim, DIMENSION)?,
                s.scale().to_bits(),
            ],
            inputs: &[
                bytemuck::cast_slice(q),
                bytemuck::cast_slice(k),
                bytemuck::cast_slice(v),
            ],
            outputs: [s.len(), s.rows()],
            invocations: s.rows(),
        }
        .run(gpu)?;
        Ok(AttentionOutput { o, lse })
    }

    /// Attention backward on `gpu`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        gpu: &Gpu,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        o: &[f32],
        lse: &[f32],
        d_o: &[f32],
        s: AttentionShape,
    ) -> Result<AttentionGrads, ExecError> {
        check_backward(BACKWARD, q, k, v, o, lse, d_o, s)?;
        if s.is_empty() {
            return Ok(AttentionGrads {
                dq: Vec::new(),
                dk: Vec::new(),
                dv: Vec::new(),
            });
        }
        // Indices run to 3·len in `qkv` and invocations to 2·len.
        to_u32(3 * s.len(), DIMENSION)?;
        // One buffer for Q, K and V keeps the kernel within the default
        // limit of eight storage buffers per stage.
        let qkv = [q, k, v].concat();
        let [dq, dk, dv] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params: [
                to_u32(s.len(), DIMENSION)?,
                to_u32(s.seq, DIMENSION)?,
                to_u32(s.head_dim, DIMENSION)?,
                s.scale().to_bits(),
            ],
            inputs: &[
                bytemuck::cast_slice(&qkv),
                bytemuck::cast_slice(o),
                bytemuck::cast_slice(lse),
                bytemuck::cast_slice(d_o),
            ],
            outputs: [s.len(), s.len(), s.len()],
            invocations: 2 * s.len(),
        }
        .run(gpu)?;
        Ok(AttentionGrads { dq, dk, dv })
    }
}
