//! The token-embedding kernels: `embedding.wgsl` forward (a gather plus the
//! positional rows, one element per invocation) and
//! `embedding_backward.wgsl` (one table or positional gradient element per
//! invocation, summing over the tokens in order: deterministic, no atomics;
//! the host groups the tokens by id first, see [`by_id`]).

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

/// The tokens grouped by id, keeping token order (a counting sort): the
/// first `vocab + 1` entries are offsets, and entries `offsets[v] ..
/// offsets[v + 1]` of the rest are the positions of the tokens with id `v`,
/// ascending. Ids must be below `vocab`, and `vocab + 1 + tokens.len()` must
/// fit `u32` (both checked by the caller).
fn by_id(tokens: &[u32], vocab: usize) -> Vec<u32> {
    let mut out = vec![0u32; vocab + 1 + tokens.len()];
    let (offsets, order) = out.split_at_mut(vocab + 1);
    for &id in tokens {
        offsets[id as usize + 1] += 1;
    }
    for v in 0..vocab {
        offsets[v + 1] += offsets[v];
    }
    let mut next: Vec<u32> = offsets[..vocab].to_vec();
    for (t, &id) in (0u32..).zip(tokens) {
        let slot = &mut next[id as usize];
        order[*slot as usize] = t;
        *slot += 1;
    }
    out
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
        let params = params(s)?;
        to_u32(s.vocab + 1 + s.tokens(), DIMENSION)?;
        let by_id = by_id(tokens, s.vocab);
        let [dtable, dpos] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params,
            inputs: &[bytemuck::cast_slice(&by_id), bytemuck::cast_slice(dy)],
            outputs: [table_len, pos_len],
            invocations: table_len + pos_len,
        }
        .run(gpu)?;
        Ok(EmbeddingGrads { dtable, dpos })
    }
}

#[cfg(test)]
mod tests {
    use super::by_id;

    #[test]
    fn by_id_groups_tokens_by_id_in_token_order() {
        // Ids 0..4; id 1 is unused, id 3 appears three times.
        let tokens = [3, 0, 3, 2, 3, 0];
        let out = by_id(&tokens, 4);
        assert_eq!(&out[..5], &[0, 2, 2, 3, 6]);
        assert_eq!(&out[5..], &[1, 5, 3, 0, 2, 4]);
        assert_eq!(by_id(&[], 2), vec![0, 0, 0]);
    }
}
