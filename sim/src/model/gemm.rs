//! The matrix multiplies of one transformer layer's forward pass on one
//! tensor-parallel rank, with their shapes, so that a compute model can time
//! each by its own efficiency. Their FLOPs add up to the layer term of
//! [`TransformerSpec::flops_per_token_forward`].

use super::TransformerSpec;

/// One (batched) matrix multiply `C[m×n] = A[m×k] · B[k×n]`, `count` times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gemm {
    /// What it computes.
    pub name: &'static str,
    /// Rows of the output.
    pub m: u64,
    /// Columns of the output.
    pub n: u64,
    /// Inner dimension.
    pub k: u64,
    /// Independent multiplies of this shape (attention heads × sequences).
    pub count: u64,
}

impl Gemm {
    /// FLOPs: `2·m·n·k·count`.
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64 * self.count as f64
    }

    /// The smallest of the three dimensions, which bounds how well the
    /// multiply fills a matrix unit.
    pub fn min_dim(&self) -> u64 {
        self.m.min(self.n).min(self.k)
    }
}

impl TransformerSpec {
    /// The forward multiplies of one layer on one of `tp` tensor-parallel
    /// ranks, for a micro-batch of `microbatch` sequences of `seq_len`
    /// tokens (Megatron's column/row split: QKV and up-projections split by
    /// output columns, attention heads split across ranks, output and
    /// down-projections split by input rows).
    pub fn layer_gemms(&self, seq_len: u32, microbatch: u32, tp: u32) -> Vec<Gemm> {
        let t = u64::from(tp.max(1));
        let tokens = u64::from(seq_len) * u64::from(microbatch);
        let h = u64::from(self.hidden);
        let f = u64::from(self.ffn_hidden);
        let (q, kv) = (self.q_dim(), self.kv_dim());
        let d = u64::from(self.head_dim());
        let s = u64::from(seq_len);
        let heads_per_rank = u64::from(self.heads).div_ceil(t);
        let up = if self.gated_mlp { 2 * f } else { f };
        vec![
            Gemm {
                name: "qkv",
                m: tokens,
                n: (q + 2 * kv).div_ceil(t),
                k: h,
                count: 1,
            },
            Gemm {
                name: "scores",
                m: s,
                n: s,
                k: d,
                count: heads_per_rank * u64::from(microbatch),
            },
            Gemm {
                name: "context",
                m: s,
                n: d,
                k: s,
                count: heads_per_rank * u64::from(microbatch),
            },
            Gemm {
                name: "attn-out",
                m: tokens,
                n: h,
                k: q.div_ceil(t),
                count: 1,
            },
            Gemm {
                name: "mlp-up",
                m: tokens,
                n: up.div_ceil(t),
                k: h,
                count: 1,
            },
            Gemm {
                name: "mlp-down",
                m: tokens,
                n: h,
                k: f.div_ceil(t),
                count: 1,
            },
        ]
    }

    /// The output head's multiply (logits) on one rank (vocab-parallel).
    pub fn head_gemm(&self, seq_len: u32, microbatch: u32, tp: u32) -> Gemm {
        let tokens = u64::from(seq_len) * u64::from(microbatch);
        Gemm {
            name: "logits",
            m: tokens,
            n: u64::from(self.vocab).div_ceil(u64::from(tp.max(1))),
            k: u64::from(self.hidden),
            count: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{preset, preset_ids};

    #[test]
    fn gemm_flops_add_up_to_the_layer_term() {
        for id in preset_ids() {
            let m = preset(id).expect("preset");
            let (s, b) = (512, 2);
            let per_rank: f64 = m.layer_gemms(s, b, 1).iter().map(|g| g.flops()).sum();
            let head = m.head_gemm(s, b, 1).flops();
            let tokens = f64::from(s) * f64::from(b);
            let expected = m.flops_per_token_forward(s).get() * tokens;
            let got = per_rank * f64::from(m.layers) + head;
            assert!(
                ((got - expected) / expected).abs() < 1e-9,
                "{id}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn tensor_parallel_split_divides_the_work() {
        let m = preset("gpt3-175b").expect("preset");
        let one: f64 = m.layer_gemms(2048, 1, 1).iter().map(|g| g.flops()).sum();
        let eight: f64 = m.layer_gemms(2048, 1, 8).iter().map(|g| g.flops()).sum();
        assert!((one / eight - 8.0).abs() < 1e-9);
    }
}
