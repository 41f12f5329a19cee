//! What 8-bit training adds to a transformer layer, as Transformer Engine
//! runs it (`fp8_autocast` around Megatron-LM's TE layers): the linear
//! layers' inputs and gradients are cast to FP8 before each multiply, the
//! weights keep FP8 copies beside their 16-bit ones, and the inputs the
//! backward pass needs are saved in FP8. Attention's core and the output
//! head stay in 16 bits (TE's default recipe; Megatron's output layer is not
//! a TE module).

use super::TransformerSpec;
use crate::parallelism::{Precision, Recompute};
use crate::units::Bytes;

/// Bytes one element costs to cast from 16 bits to FP8, per tensor cast.
///
/// - Per-tensor current scaling (`fp8`): one pass reads the tensor for its
///   maximum (2 bytes), the fused cast-transpose reads it again (2) and
///   writes the FP8 copy and its transpose, which Hopper's FP8 multiply
///   needs for the other gradient (1 + 1): 6.
/// - Block scaling (`fp8-mx`): the scale of each 32-element block comes
///   from the block itself, in the same pass: read (2), write the
///   row-wise and column-wise copies with one 1-byte scale per 32
///   elements each (2 × (1 + 1/32)): 4.0625.
///
/// 0 for other precisions.
pub fn cast_bytes_per_element(p: Precision) -> f64 {
    match p {
        Precision::Fp8 => 6.0,
        Precision::Fp8Mx => 2.0 + 2.0 * (1.0 + 1.0 / 32.0),
        _ => 0.0,
    }
}

/// Bytes per linear-layer weight of its FP8 copies (row-wise and
/// column-wise; block scaling adds a scale byte per 32 elements each),
/// kept beside the 16-bit weight for the whole step. 0 for other
/// precisions.
pub fn copy_bytes_per_weight(p: Precision) -> f64 {
    match p {
        Precision::Fp8 => 2.0,
        Precision::Fp8Mx => 2.0 * (1.0 + 1.0 / 32.0),
        _ => 0.0,
    }
}

/// Amax all-reductions per layer over the tensor-parallel group under
/// per-tensor current scaling with sequence parallelism, as (forward,
/// backward): the inputs of the QKV and MLP up-projections are gathered in
/// FP8, so their scale must agree across the group; so must those of the
/// gradients the output and down-projections gather in the backward.
/// Block scaling needs none (each block's scale is local).
pub fn amax_reductions_per_layer(p: Precision, tp: u32, sequence_parallel: bool) -> (f64, f64) {
    if p == Precision::Fp8 && tp > 1 && sequence_parallel {
        (2.0, 2.0)
    } else {
        (0.0, 0.0)
    }
}

impl TransformerSpec {
    /// Elements one tensor-parallel rank casts to FP8 in one layer, as
    /// (forward, backward), for a micro-batch of `tokens` tokens: forward,
    /// the inputs of the four linear layers (the QKV and up-projection
    /// inputs before their sequence-parallel gather, so `1/t` of them);
    /// backward, the gradients of their outputs (those of the output and
    /// down-projections likewise before the gather).
    pub fn fp8_cast_elements_per_layer(
        &self,
        tokens: f64,
        tp: u32,
        sequence_parallel: bool,
    ) -> (f64, f64) {
        let t = f64::from(tp.max(1));
        let h = f64::from(self.hidden);
        let f = f64::from(self.ffn_hidden);
        let (q, kv) = (self.q_dim() as f64, self.kv_dim() as f64);
        let up = if self.gated_mlp { 2.0 * f } else { f };
        let whole = if sequence_parallel { h / t } else { h };
        let forward = tokens * (2.0 * whole + q / t + f / t);
        let backward = tokens * ((q + 2.0 * kv) / t + up / t + 2.0 * whole);
        (forward, backward)
    }

    /// Activation bytes FP8 training saves per layer and micro-batch against
    /// [`TransformerSpec::activation_bytes_per_layer`]: the inputs of the
    /// four linear layers kept for the backward in FP8 (1 byte) instead of
    /// 16 bits: the QKV and up-projection inputs (`2·s·b·h`, `1/t` of it with
    /// sequence parallelism), the output projection's (`q·s·b/t`) and the
    /// down-projection's (`ffn·s·b/t`). Full recompute keeps only each
    /// layer's 16-bit input, so saves nothing.
    pub fn fp8_activation_savings_per_layer(
        &self,
        precision: Precision,
        tokens: f64,
        tp: u32,
        sequence_parallel: bool,
        recompute: Recompute,
    ) -> Bytes {
        if !precision.is_fp8() || recompute == Recompute::Full {
            return Bytes::ZERO;
        }
        let t = f64::from(tp.max(1));
        let h = f64::from(self.hidden);
        let whole = if sequence_parallel {
            2.0 * h / t
        } else {
            2.0 * h
        };
        Bytes(tokens * (whole + (self.q_dim() as f64 + f64::from(self.ffn_hidden)) / t))
    }

    /// The linear-layer weights (those fp8 training casts) one device of a
    /// stage with `layers` layers holds under `tp`-way tensor parallelism.
    pub fn fp8_weights_of_stage(&self, layers: u32, tp: u32) -> f64 {
        let per_layer = self
            .matrix_params_per_layer()
            .div_ceil(u64::from(tp.max(1)));
        per_layer as f64 * f64::from(layers)
    }

    /// Bytes of the FP8 weight copies one device of a stage with `layers`
    /// layers holds under `tp`-way tensor parallelism (0 unless fp8).
    pub fn fp8_weight_copy_bytes(&self, precision: Precision, layers: u32, tp: u32) -> Bytes {
        Bytes(self.fp8_weights_of_stage(layers, tp) * copy_bytes_per_weight(precision))
    }

    /// Bytes the once-per-step cast of those weights to FP8 moves (the
    /// copies serve every micro-batch of the step: Transformer Engine's
    /// `is_first_microbatch`); 0 unless fp8.
    pub fn fp8_weight_cast_bytes(&self, precision: Precision, layers: u32, tp: u32) -> Bytes {
        Bytes(self.fp8_weights_of_stage(layers, tp) * cast_bytes_per_element(precision))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::preset;

    #[test]
    fn nothing_changes_outside_fp8() {
        let m = preset("llama3-70b").expect("preset");
        for p in [Precision::Fp32, Precision::Fp16, Precision::Bf16] {
            assert_eq!(cast_bytes_per_element(p), 0.0);
            assert_eq!(m.fp8_weight_copy_bytes(p, 10, 8), Bytes::ZERO);
            let saved = m.fp8_activation_savings_per_layer(p, 8192.0, 8, true, Recompute::None);
            assert_eq!(saved, Bytes::ZERO);
            assert_eq!(amax_reductions_per_layer(p, 8, true), (0.0, 0.0));
        }
    }

    #[test]
    fn llama3_70b_by_hand() {
        // h 8192, q 8192, kv 1024, ffn 28672 (gated), t 4, s·b 8192, SP.
        let m = preset("llama3-70b").expect("preset");
        let (fwd, bwd) = m.fp8_cast_elements_per_layer(8192.0, 4, true);
        let (h, kv, f, t, tok) = (8192.0, 1024.0, 28672.0, 4.0, 8192.0);
        assert_eq!(fwd, tok * (2.0 * h / t + h / t + f / t));
        assert_eq!(bwd, tok * ((h + 2.0 * kv) / t + 2.0 * f / t + 2.0 * h / t));
        // Weights: h·(q + 2kv) + q·h + 3·h·f per layer, a quarter per rank,
        // 2 bytes of copies each.
        let w = (h * (h + 2.0 * kv) + h * h + 3.0 * h * f) / t;
        assert_eq!(
            m.fp8_weight_copy_bytes(Precision::Fp8, 10, 4).get(),
            w * 10.0 * 2.0
        );
        let saved =
            m.fp8_activation_savings_per_layer(Precision::Fp8, tok, 4, true, Recompute::Selective);
        assert_eq!(saved.get(), tok * (2.0 * h / t + (h + f) / t));
        assert_eq!(
            amax_reductions_per_layer(Precision::Fp8, 4, true),
            (2.0, 2.0)
        );
        assert_eq!(
            amax_reductions_per_layer(Precision::Fp8Mx, 4, true),
            (0.0, 0.0)
        );
    }

    #[test]
    fn savings_stay_below_the_activations() {
        let m = preset("llama3-8b").expect("preset");
        for sp in [false, true] {
            for rc in [Recompute::None, Recompute::Selective] {
                let all = m.activation_bytes_per_layer(8192, 1, 2, sp, rc);
                let saved = m.fp8_activation_savings_per_layer(Precision::Fp8Mx, 8192.0, 2, sp, rc);
                assert!(saved > Bytes::ZERO && saved < all * 0.5, "{sp} {rc:?}");
            }
        }
    }
}
