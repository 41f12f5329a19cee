//! The token-embedding kernels: `embedding.wgsl` forward (a gather plus the
//! positional rows, one element per invocation) and
//! `embedding_backward.wgsl` (one table or positional gradient element per
//! invocation, summing over the tokens in order: deterministic, no atomics).

use super::{Launch, pipeline, scoped, to_u32};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::layers::{Embedding, EmbeddingGrads, check_len, check_tokens};

const NAME: &str = "embedding";
const BACKWARD: &str = "embedding_backward";
const DIMENSION: &str = "an embedding dimension";

/// The compiled embedding pipelines for one device.
#[derive(Debug)]
pub(crate) struct EmbeddingKernel {
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
}

/// The shape as kernel parameters, checking that every index fits `u32`.
fn params(s: Embedding) -> Result<[u32; 4], ExecError> {
    to_u32(s.out_len(), DIMENSION)?;
    to_u32((s.vocab + s.seq) * s.d, DIMENSION)?;
    Ok([
        to_u32(s.tokens(), DIMENSION)?,
        to_u32(s.seq, DIMENSION)?,
        to_u32(s.d, DIMENSION)?,
        to_u32(s.vocab, DIMENSION)?,
    ])
}

impl EmbeddingKernel {
    /// Compiles `embedding.wgsl` and `embedding_backward.wgsl` on `device`.
    pub(crate) fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(EmbeddingKernel {
                forward: pipeline(device, NAME, include_str!("embedding.wgsl")),
                backward: pipeline(device, BACKWARD, include_str!("embedding_backward.wgsl")),
            })
        })
    }

    /// Token embedding forward on `gpu`.
    pub(crate) fn forward(
        &self,
        gpu: &Gpu,
        tokens: &[u32],
        table: &[f32],
        pos: &[f32],
        s: Embedding,
    ) -> Result<Vec<f32>, ExecError> {
        check_tokens(NAME, tokens, s)?;
        check_len(NAME, "table", table, s.vocab * s.d)?;
        check_len(NAME, "pos", pos, s.seq * s.d)?;
        if s.out_len() == 0 {
            return Ok(Vec::new());
        }
        let [y] = Launch {
            kernel: NAME,
            pipeline: &self.forward,
            params: params(s)?,
            inputs: &[
                bytemuck::cast_slice(tokens),
                bytemuck::cast_slice(table),
                bytemuck::cast_slice(pos),
            ],
            outputs: [s.out_len()],
            invocations: s.out_len(),
        }
        .run(gpu)?;
        Ok(y)
    }

    /// Token embedding backward on `gpu`.
    pub(crate) fn backward(
        &self,
        gpu: &Gpu,
        tokens: &[u32],
        dy: &[f32],
        s: Embedding,
    ) -> Result<EmbeddingGrads, ExecError> {
        check_tokens(BACKWARD, tokens, s)?;
        check_len(BACKWARD, "dy", dy, s.out_len())?;
        let (table_len, pos_len) = (s.vocab * s.d, s.seq * s.d);
        if table_len + pos_len == 0 {
            return Ok(EmbeddingGrads {
                dtable: Vec::new(),
                dpos: Vec::new(),
            });
        }
        let [dtable, dpos] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params: params(s)?,
            inputs: &[bytemuck::cast_slice(tokens), bytemuck::cast_slice(dy)],
            outputs: [table_len, pos_len],
            invocations: table_len + pos_len,
        }
        .run(gpu)?;
        Ok(EmbeddingGrads { dtable, dpos })
    }
}
