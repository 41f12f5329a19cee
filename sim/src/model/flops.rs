//! Floating-point operations of training steps.
//!
//! A multiply-add counts as 2 FLOPs. The forward pass costs 2 FLOPs per
//! weight-matrix parameter per token (the output head's `V·h` included,
//! embedding look-ups, biases, norms and softmax excluded), plus the
//! attention scores `QKᵀ` and context `AV`: `2·2·s·(a·d_head)` per layer per
//! token. Causal masking is not halved, as Megatron counts it (Narayanan et
//! al. 2021): kernels that skip the masked half do less work than counted.

use super::TransformerSpec;
use crate::parallelism::Recompute;
use crate::units::Flops;
use serde::{Deserialize, Serialize};

/// FLOPs of one training step (the whole global batch, all devices).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StepFlops {
    /// Forward pass.
    pub forward: Flops,
    /// Backward pass, twice the forward (gradients with respect to inputs
    /// and to weights).
    pub backward: Flops,
    /// Extra forward work for activation recomputation.
    pub recompute: Flops,
    /// Model FLOPs: forward + backward, no recomputation (the MFU
    /// numerator).
    pub model_total: Flops,
    /// Hardware FLOPs: model FLOPs plus recomputation (the HFU numerator).
    pub hardware_total: Flops,
}

impl TransformerSpec {
    /// Attention score and context FLOPs of one layer for one token:
    /// `2·2·s·(a·d_head)`.
    fn attention_core_flops_per_token_layer(&self, seq_len: u32) -> f64 {
        4.0 * f64::from(seq_len) * self.q_dim() as f64
    }

    /// Forward FLOPs of the transformer layers (no output head) per token.
    fn layer_flops_per_token_forward(&self, seq_len: u32) -> f64 {
        let per_layer = 2.0 * self.matrix_params_per_layer() as f64
            + self.attention_core_flops_per_token_layer(seq_len);
        f64::from(self.layers) * per_layer
    }

    /// Forward FLOPs per token at sequence length `seq_len`: twice the
    /// matmul parameters (layers and output head) plus the attention
    /// score/context term `2·2·s·h` per layer, causal mask not halved.
    pub fn flops_per_token_forward(&self, seq_len: u32) -> Flops {
        let head = 2.0 * f64::from(self.vocab) * f64::from(self.hidden);
        Flops(self.layer_flops_per_token_forward(seq_len) + head)
    }

    /// FLOPs of one training step over `global_batch` sequences of
    /// `seq_len` tokens.
    ///
    /// Recomputation (Korthikanti et al. 2022): `Full` repeats the forward
    /// of every transformer layer (not the output head, which Megatron does
    /// not checkpoint); `Selective` repeats only the attention
    /// score/softmax/context part (`2·2·s·h` per layer per token); `None`
    /// adds nothing. With `Full`, `hardware_total` equals
    /// [`TransformerSpec::megatron_flops`] for GPT shapes.
    pub fn step_flops(&self, global_batch: u64, seq_len: u32, recompute: Recompute) -> StepFlops {
        let tokens = global_batch as f64 * f64::from(seq_len);
        let forward = self.flops_per_token_forward(seq_len) * tokens;
        let backward = forward * 2.0;
        let recompute = match recompute {
            Recompute::None => Flops::ZERO,
            Recompute::Selective => Flops(
                f64::from(self.layers)
                    * self.attention_core_flops_per_token_layer(seq_len)
                    * tokens,
            ),
            Recompute::Full => Flops(self.layer_flops_per_token_forward(seq_len) * tokens),
        };
        let model_total = forward + backward;
        StepFlops {
            forward,
            backward,
            recompute,
            model_total,
            hardware_total: model_total + recompute,
        }
    }

    /// Narayanan et al. 2021 (arXiv 2104.04473) eq. 3:
    /// `96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))` FLOPs per iteration of
    /// batch `B`. It assumes a GPT layer (MHA, ffn = 4h) and counts full
    /// recomputation by construction (4 forward-equivalents per layer, 3 for
    /// the output head); `ffn_hidden`, `kv_heads` and gating are ignored.
    pub fn megatron_flops(&self, global_batch: u64, seq_len: u32) -> Flops {
        let b = global_batch as f64;
        let s = f64::from(seq_len);
        let l = f64::from(self.layers);
        let h = f64::from(self.hidden);
        let v = f64::from(self.vocab);
        Flops(96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h)))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::preset;
    use crate::parallelism::Recompute;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn megatron_175b_by_hand() {
        let m = preset("gpt3-175b").expect("preset");
        let (b, s, l, h, v) = (1536.0_f64, 2048.0_f64, 96.0_f64, 12288.0_f64, 51200.0_f64);
        let hand = 96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h));
        let got = m.megatron_flops(1536, 2048).get();
        assert!(rel(got, hand) < 1e-12);
        // About 4.5e18 FLOPs per iteration.
        assert!(rel(got, 4.5e18) < 0.02, "{got:e}");
        // Our full-recompute hardware count is the same quantity.
        let step = m.step_flops(1536, 2048, Recompute::Full);
        assert!(rel(step.hardware_total.get(), hand) < 1e-12);
    }

    #[test]
    fn model_total_near_six_p_tokens() {
        let m = preset("gpt3-175b").expect("preset");
        let tokens = 1536.0 * 2048.0;
        let step = m.step_flops(1536, 2048, Recompute::None);
        let six_pt = 6.0 * m.params() as f64 * tokens;
        assert!(rel(step.model_total.get(), six_pt) < 0.10);
        assert!(step.model_total.get() > six_pt);
        assert_eq!(step.backward, step.forward * 2.0);
        assert_eq!(step.recompute.get(), 0.0);
        assert_eq!(step.hardware_total, step.model_total);
    }

    #[test]
    fn recompute_ordering() {
        for id in crate::model::preset_ids() {
            let m = preset(id).expect("preset");
            let none = m.step_flops(8, 2048, Recompute::None);
            let sel = m.step_flops(8, 2048, Recompute::Selective);
            let full = m.step_flops(8, 2048, Recompute::Full);
            assert_eq!(none.model_total, sel.model_total);
            assert_eq!(none.model_total, full.model_total);
            assert!(
                none.recompute < sel.recompute && sel.recompute < full.recompute,
                "{id}"
            );
            assert!(full.recompute < full.forward);
        }
    }
}
