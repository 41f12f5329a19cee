//! Memory of training: activations per layer (Korthikanti et al. 2022) and
//! weights, gradients and optimizer state per device (Rajbhandari et al.
//! 2020, ZeRO).

use super::TransformerSpec;
use crate::parallelism::{Precision, Recompute};
use crate::units::Bytes;
use serde::{Deserialize, Serialize};

/// Model-state memory of one device: weights, gradients, optimizer state.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StateBytes {
    /// Working weights (16-bit under mixed precision).
    pub weights: Bytes,
    /// Gradients.
    pub gradients: Bytes,
    /// Adam state: fp32 master weights, momentum and variance (momentum and
    /// variance only in pure fp32).
    pub optimizer: Bytes,
}

impl StateBytes {
    /// Weights + gradients + optimizer state.
    pub fn total(&self) -> Bytes {
        self.weights + self.gradients + self.optimizer
    }
}

impl TransformerSpec {
    /// Activation bytes one device keeps for one transformer layer and one
    /// micro-batch of `microbatch` sequences of `seq_len` tokens, with 16-bit
    /// activations and 1-byte dropout masks, under `tp`-way tensor
    /// parallelism (0 is read as 1).
    ///
    /// Korthikanti et al. 2022 (arXiv 2205.05198), Section 4, with
    /// `s`, `b`, `h`, `a`, `t` the sequence, micro-batch, hidden, heads, TP:
    /// - eq. 1, per layer without parallelism: `s·b·h·(34 + 5·a·s/h)`;
    /// - eq. 2, tensor parallelism: `s·b·h·(10 + 24/t + 5·a·s/(h·t))`;
    /// - eq. 3, tensor + sequence parallelism: `s·b·h/t·(34 + 5·a·s/h)`;
    /// - Section 5 and Table 2, selective recomputation drops the
    ///   `5·a·s²·b` attention-core term: `s·b·h·(10 + 24/t)`, or
    ///   `34·s·b·h/t` with sequence parallelism;
    /// - Table 2, full recomputation keeps only the layer input: `2·s·b·h`,
    ///   or `2·s·b·h/t` with sequence parallelism.
    ///
    /// The `10·s·b·h` left unsplit by TP is the two norm inputs (4), the
    /// attention and MLP inputs (2 + 2) and two dropout masks (1 + 1). The
    /// TP-split `24·s·b·h` is Q, K, V and the projection input (2 each) and
    /// the MLP's GELU input and output (8 each). For other shapes this
    /// generalises to `4·q + 4·kv` bytes per token for attention (`q`, `kv`
    /// the query and key/value widths, so GQA shrinks K and V) and
    /// `4·ffn` bytes for the MLP (pre-activation and activation), `6·ffn`
    /// when gated (gate, up, and their product), which is 16·h at ffn = 4h.
    /// The paper's dropout terms are kept for every architecture (an upper
    /// bound for Llama, trained without dropout), and the `a·s²` term
    /// assumes materialised attention scores (no FlashAttention).
    pub fn activation_bytes_per_layer(
        &self,
        seq_len: u32,
        microbatch: u32,
        tp: u32,
        sequence_parallel: bool,
        recompute: Recompute,
    ) -> Bytes {
        let s = f64::from(seq_len);
        let b = f64::from(microbatch);
        let h = f64::from(self.hidden);
        let a = f64::from(self.heads);
        let t = f64::from(tp.max(1));
        let f = f64::from(self.ffn_hidden);
        let sb = s * b;

        let unsplit = 10.0 * sb * h;
        let mlp = if self.gated_mlp { 6.0 * f } else { 4.0 * f };
        let split = sb * (4.0 * self.q_dim() as f64 + 4.0 * self.kv_dim() as f64 + mlp);
        let attention_core = 5.0 * a * s * s * b;
        let input = 2.0 * sb * h;

        // Sequence parallelism splits what tensor parallelism leaves whole.
        let unsplit_share = if sequence_parallel {
            unsplit / t
        } else {
            unsplit
        };
        let bytes = match recompute {
            Recompute::None => unsplit_share + (split + attention_core) / t,
            Recompute::Selective => unsplit_share + split / t,
            Recompute::Full if sequence_parallel => input / t,
            Recompute::Full => input,
        };
        Bytes(bytes)
    }

    /// Weights, gradients and Adam state of one device holding
    /// `params_on_device` parameters (after TP/PP splitting), under ZeRO
    /// stage `zero` across `dp` data-parallel replicas (Rajbhandari et al.
    /// 2020, arXiv 1910.02054, Section 3).
    ///
    /// Mixed precision (fp16, bf16, and fp8, whose weights stay 16-bit): 2
    /// bytes of weights + 2 of gradients + 12 of optimizer state (fp32
    /// master weights, momentum, variance) = 16 bytes per parameter. Pure
    /// fp32: 4 + 4 + 8. ZeRO-1 shards the optimizer state over `dp`, ZeRO-2
    /// also the gradients, ZeRO-3 also the weights; stages above 3 are read
    /// as 3 and `dp` of 0 as 1. Buffers and fragmentation are not counted.
    pub fn state_bytes_per_device(
        &self,
        params_on_device: u64,
        precision: Precision,
        zero: u8,
        dp: u32,
    ) -> StateBytes {
        let n = params_on_device as f64;
        let dp = f64::from(dp.max(1));
        let (w, g, o) = match precision {
            Precision::Fp32 => (4.0, 4.0, 8.0),
            Precision::Fp16 | Precision::Bf16 | Precision::Fp8 | Precision::Fp8Mx => {
                (2.0, 2.0, 12.0)
            }
        };
        let shard = |bytes_per_param: f64, from_stage: u8| {
            let full = n * bytes_per_param;
            Bytes(if zero >= from_stage { full / dp } else { full })
        };
        StateBytes {
            weights: shard(w, 3),
            gradients: shard(g, 2),
            optimizer: shard(o, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{TransformerSpec, preset};
    use crate::parallelism::{Precision, Recompute};
    use proptest::prelude::*;

    fn korthikanti_22b() -> TransformerSpec {
        // Korthikanti et al. 2022 Table 3: 22B, a 64, h 6144, 48 layers.
        TransformerSpec::inline(48, 6144, 64, None, 51200)
    }

    #[test]
    fn korthikanti_22b_by_hand() {
        let m = korthikanti_22b();
        let (s, b, h, t, a) = (2048.0_f64, 4.0_f64, 6144.0_f64, 8.0_f64, 64.0_f64);
        let got = |sp, rc| m.activation_bytes_per_layer(2048, 4, 8, sp, rc).get();
        assert_eq!(got(true, Recompute::Selective), 34.0 * s * b * h / t);
        assert_eq!(
            got(false, Recompute::Selective),
            s * b * h * (10.0 + 24.0 / t)
        );
        let none_tp = s * b * h * (10.0 + 24.0 / t + 5.0 * a * s / (h * t));
        assert!((got(false, Recompute::None) - none_tp).abs() < 1e-3);
        let none_sp = s * b * h / t * (34.0 + 5.0 * a * s / h);
        assert!((got(true, Recompute::None) - none_sp).abs() < 1e-3);
        assert_eq!(got(false, Recompute::Full), 2.0 * s * b * h);
        assert_eq!(got(true, Recompute::Full), 2.0 * s * b * h / t);
        // 34·s·b·h/t = 34 · 2048 · 4 · 6144 / 8 = 213,909,504 bytes (204 MiB).
        assert_eq!(got(true, Recompute::Selective), 213_909_504.0);
    }

    #[test]
    fn no_parallelism_is_eq1() {
        let m = preset("gpt3-175b").expect("preset");
        let (s, b, h, a) = (2048.0_f64, 1.0_f64, 12288.0_f64, 96.0_f64);
        let eq1 = s * b * h * (34.0 + 5.0 * a * s / h);
        for sp in [false, true] {
            let got = m
                .activation_bytes_per_layer(2048, 1, 1, sp, Recompute::None)
                .get();
            assert!((got - eq1).abs() < 1e-3);
        }
    }

    #[test]
    fn gqa_and_gating_adapt() {
        let m = preset("llama3-8b").expect("preset");
        let (s, b, h, f) = (4096.0_f64, 1.0_f64, 4096.0_f64, 14336.0_f64);
        let kv = 1024.0;
        let want = s * b * (10.0 * h + 4.0 * h + 4.0 * kv + 6.0 * f);
        let got = m
            .activation_bytes_per_layer(4096, 1, 1, false, Recompute::Selective)
            .get();
        assert_eq!(got, want);
    }

    #[test]
    fn zero_stages_bf16() {
        let m = preset("gpt3-175b").expect("preset");
        let p = m.params();
        let s0 = m.state_bytes_per_device(p, Precision::Bf16, 0, 64);
        assert_eq!(s0.total().get(), 16.0 * p as f64);
        let s1 = m.state_bytes_per_device(p, Precision::Bf16, 1, 64);
        assert_eq!(s1.optimizer.get(), 12.0 * p as f64 / 64.0);
        assert_eq!(s1.gradients, s0.gradients);
        let s3 = m.state_bytes_per_device(p, Precision::Bf16, 3, 64);
        assert_eq!(s3.total().get(), 16.0 * p as f64 / 64.0);
        let fp32 = m.state_bytes_per_device(p, Precision::Fp32, 0, 1);
        assert_eq!(fp32.total().get(), 16.0 * p as f64);
        assert_eq!(fp32.weights.get(), 4.0 * p as f64);
    }

    proptest! {
        #[test]
        fn activation_ordering(
            layers in 1u32..8,
            heads in 1u32..64,
            head_dim in 1u32..256,
            kv_div in 0usize..3,
            ffn in proptest::option::of(1u32..40_000),
            gated in any::<bool>(),
            seq in 1u32..8192,
            mb in 1u32..16,
            tp in 0u32..16,
        ) {
            let mut m = TransformerSpec::inline(layers, heads * head_dim, heads, ffn, 1000);
            m.gated_mlp = gated;
            let kv = [heads, heads.div_ceil(2), 1][kv_div];
            m.kv_heads = kv;
            let bytes = |sp, rc| m.activation_bytes_per_layer(seq, mb, tp, sp, rc);
            for sp in [false, true] {
                let none = bytes(sp, Recompute::None);
                let sel = bytes(sp, Recompute::Selective);
                let full = bytes(sp, Recompute::Full);
                prop_assert!(full <= sel && sel <= none);
                prop_assert!(full.get() > 0.0);
            }
            for rc in Recompute::ALL {
                prop_assert!(bytes(true, rc) <= bytes(false, rc));
            }
        }

        #[test]
        fn state_bytes_non_increasing_with_zero(
            params in 0u64..1_000_000_000_000,
            dp in 0u32..1024,
            prec in 0usize..5,
        ) {
            let m = TransformerSpec::inline(1, 64, 4, None, 100);
            let precision = Precision::ALL[prec];
            let mut last = f64::INFINITY;
            for zero in 0u8..=4 {
                let total = m.state_bytes_per_device(params, precision, zero, dp).total().get();
                prop_assert!(total <= last);
                last = total;
            }
            let stage0 = m.state_bytes_per_device(params, precision, 0, dp).total().get();
            prop_assert_eq!(stage0, 16.0 * params as f64);
        }
    }
}
