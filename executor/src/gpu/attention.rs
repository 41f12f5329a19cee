//! The causal self-attention kernels: `attention.wgsl` forward (one query
//! row per invocation, online softmax) and `attention_backward.wgsl` (one
//! row of `dQ`, or one row each of `dK` and `dV`, per invocation; no
//! atomics). Rows are held in invocation-private arrays of
//! [`MAX_HEAD_DIM`] floats, so heads are at most that wide.

use super::{Launch, pipeline, scoped, to_u32};
use crate::attention::{
    AttentionGrads, AttentionOutput, AttentionShape, check_backward, check_qkv,
};
use crate::devices::Gpu;
use crate::error::ExecError;

const NAME: &str = "attention";
const BACKWARD: &str = "attention_backward";
const DIMENSION: &str = "an attention dimension";
/// The widest head the kernels take (their private row arrays' length).
pub(crate) const MAX_HEAD_DIM: usize = 128;

/// Refuses heads wider than [`MAX_HEAD_DIM`].
fn check_head_dim(s: AttentionShape) -> Result<(), ExecError> {
    if s.head_dim > MAX_HEAD_DIM {
        return Err(ExecError::TooLarge {
            what: "an attention head (head_dim)",
            needed: s.head_dim as u64,
            limit: MAX_HEAD_DIM as u64,
        });
    }
    Ok(())
}

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
        check_head_dim(s)?;
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
        check_head_dim(s)?;
        if s.is_empty() {
            return Ok(AttentionGrads {
                dq: Vec::new(),
                dk: Vec::new(),
                dv: Vec::new(),
            });
        }
        // Indices run to 3·len in `qkv`.
        to_u32(3 * s.len(), DIMENSION)?;
        // One buffer for Q, K and V keeps the kernel within the default
        // limit of eight storage buffers per stage.
        let qkv = [q, k, v].concat();
        let [dq, dk, dv] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params: [
                to_u32(s.rows(), DIMENSION)?,
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
            invocations: 2 * s.rows(),
        }
        .run(gpu)?;
        Ok(AttentionGrads { dq, dk, dv })
    }
}

#[cfg(test)]
mod tests {
    use crate::{AttentionShape, Backend, GpuBackend};

    /// Heads wider than the kernels' private rows are a typed error, not a
    /// wrong answer.
    #[test]
    fn heads_wider_than_the_limit_are_refused() {
        let gpu = GpuBackend::new().expect("test.sh installs lavapipe");
        let s = AttentionShape {
            batch: 1,
            heads: 1,
            seq: 1,
            head_dim: super::MAX_HEAD_DIM + 1,
        };
        let x = vec![0.5f32; s.len()];
        let err = gpu.attention(&x, &x, &x, s).expect_err("too wide");
        assert!(err.to_string().contains("head_dim"), "{err}");
        let err = gpu
            .attention_backward(&x, &x, &x, &x, &[0.0], &x, s)
            .expect_err("too wide");
        assert!(err.to_string().contains("129 needed"), "{err}");
    }
}
