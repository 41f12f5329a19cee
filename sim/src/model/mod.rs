//! Transformer model descriptions and their arithmetic: parameter counts,
//! FLOPs per step, activation memory and optimizer-state memory.
//!
//! A [`TransformerSpec`] comes from a named preset ([`preset`]) or from the
//! inline `[job.model]` keys ([`TransformerSpec::inline`]). The arithmetic
//! lives beside it:
//!
//! ```text
//! preset / inline ──► TransformerSpec ──► params()            (this file)
//!                                     ├─► step_flops()        (flops.rs)
//!                                     └─► activation / state  (memory.rs)
//! ```
//!
//! ```
//! use cirrus_sim::model::preset;
//! let gpt2 = preset("gpt2").expect("gpt2 is a preset");
//! assert_eq!(gpt2.params(), 124_439_808);
//! ```

mod flops;
pub mod fp8;
mod gemm;
mod memory;
mod presets;

pub use flops::StepFlops;
pub use gemm::Gemm;
pub use memory::StateBytes;
pub use presets::{preset, preset_ids, suggest_preset};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Token-type ("segment") embedding rows of BERT (Devlin et al. 2019).
const BERT_TOKEN_TYPES: u64 = 2;

/// Context length given to inline (GPT-style) models for their learned
/// position embeddings: GPT-3's 2048 (Brown et al. 2020, Section 2.1).
pub const INLINE_MAX_POSITIONS: u32 = 2048;

/// The family a transformer belongs to; it fixes the details that the sizes
/// alone do not (norm kind, biases, position encoding, extra embeddings).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Architecture {
    /// GPT-2/GPT-3 decoder: learned positions, pre-LayerNorm, GELU MLP,
    /// biases on every linear layer, final LayerNorm.
    Gpt,
    /// Llama decoder: RoPE (no position parameters), RMSNorm, SwiGLU gated
    /// MLP, no biases, untied output head.
    Llama,
    /// BERT encoder: bidirectional attention, post-LayerNorm, GELU MLP,
    /// biases, learned positions, token-type embeddings, an embedding
    /// LayerNorm and a pooler (no final norm).
    Bert,
}

impl Architecture {
    /// Whether linear layers carry biases.
    pub fn has_biases(&self) -> bool {
        !matches!(self, Architecture::Llama)
    }

    /// Whether attention is causal (decoders; BERT attends both ways), so
    /// that a fused attention kernel can skip the masked half of the scores.
    pub fn is_causal(&self) -> bool {
        !matches!(self, Architecture::Bert)
    }

    /// Parameters of one norm over `hidden` features: LayerNorm has a scale
    /// and a shift, RMSNorm a scale only.
    pub fn norm_params(&self, hidden: u64) -> u64 {
        match self {
            Architecture::Llama => hidden,
            Architecture::Gpt | Architecture::Bert => 2 * hidden,
        }
    }
}

/// A problem with a model description, found by [`TransformerSpec::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A size that must be positive is zero.
    #[error("validate model `{model}`: `{key}` must be positive")]
    Zero {
        /// The model name.
        model: String,
        /// The offending key.
        key: &'static str,
    },
    /// `hidden` is not a multiple of `heads`.
    #[error("validate model `{model}`: hidden {hidden} is not a multiple of heads {heads}")]
    HiddenNotDivisible {
        /// The model name.
        model: String,
        /// Hidden size.
        hidden: u32,
        /// Attention heads.
        heads: u32,
    },
    /// `heads` is not a multiple of `kv_heads`.
    #[error("validate model `{model}`: heads {heads} is not a multiple of kv_heads {kv_heads}")]
    HeadsNotDivisible {
        /// The model name.
        model: String,
        /// Attention (query) heads.
        heads: u32,
        /// Key/value heads.
        kv_heads: u32,
    },
}

/// The shape of a transformer, enough to count its parameters, FLOPs and
/// memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerSpec {
    /// Preset id, or `"inline"`.
    pub name: String,
    /// Family (norms, biases, positions).
    pub arch: Architecture,
    /// Transformer layers (blocks).
    pub layers: u32,
    /// Model width `h` (d_model).
    pub hidden: u32,
    /// Attention (query) heads `a`.
    pub heads: u32,
    /// Key/value heads (grouped-query attention); equal to `heads` for
    /// multi-head attention.
    pub kv_heads: u32,
    /// MLP inner width (4·h for GPT; SwiGLU width for Llama).
    pub ffn_hidden: u32,
    /// Vocabulary size `V` (rows of the token embedding).
    pub vocab: u32,
    /// Learned position embeddings (GPT/BERT); 0 for RoPE.
    pub max_positions: u32,
    /// Whether the output head reuses the token embedding.
    pub tied_embeddings: bool,
    /// Whether the MLP is gated (SwiGLU: three matrices instead of two).
    pub gated_mlp: bool,
}

impl From<&TransformerSpec> for crate::mesh::ModelSizes {
    fn from(m: &TransformerSpec) -> Self {
        Self {
            heads: m.heads,
            layers: m.layers,
        }
    }
}

impl TransformerSpec {
    /// An inline `[job.model]` description with GPT-style defaults: GPT
    /// architecture, multi-head attention, `ffn_hidden` = 4·`hidden` when
    /// absent, tied embeddings, [`INLINE_MAX_POSITIONS`] learned positions.
    pub fn inline(
        layers: u32,
        hidden: u32,
        heads: u32,
        ffn_hidden: Option<u32>,
        vocab: u32,
    ) -> TransformerSpec {
        TransformerSpec {
            name: "inline".to_string(),
            arch: Architecture::Gpt,
            layers,
            hidden,
            heads,
            kv_heads: heads,
            ffn_hidden: ffn_hidden.unwrap_or(hidden.saturating_mul(4)),
            vocab,
            max_positions: INLINE_MAX_POSITIONS,
            tied_embeddings: true,
            gated_mlp: false,
        }
    }

    /// Checks that the sizes are positive and the head counts divide evenly.
    pub fn validate(&self) -> Result<(), ModelError> {
        let sizes = [
            ("layers", self.layers),
            ("hidden", self.hidden),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("ffn_hidden", self.ffn_hidden),
            ("vocab", self.vocab),
        ];
        if let Some((key, _)) = sizes.iter().find(|(_, v)| *v == 0) {
            return Err(ModelError::Zero {
                model: self.name.clone(),
                key,
            });
        }
        if !self.hidden.is_multiple_of(self.heads) {
            return Err(ModelError::HiddenNotDivisible {
                model: self.name.clone(),
                hidden: self.hidden,
                heads: self.heads,
            });
        }
        if !self.heads.is_multiple_of(self.kv_heads) {
            return Err(ModelError::HeadsNotDivisible {
                model: self.name.clone(),
                heads: self.heads,
                kv_heads: self.kv_heads,
            });
        }
        Ok(())
    }

    /// Width of one attention head, `hidden / heads` (0 when `heads` is 0).
    pub fn head_dim(&self) -> u32 {
        self.hidden.checked_div(self.heads).unwrap_or(0)
    }

    /// Width of the concatenated query heads, `heads · head_dim`.
    pub(crate) fn q_dim(&self) -> u64 {
        u64::from(self.heads) * u64::from(self.head_dim())
    }

    /// Width of the concatenated key (or value) heads, `kv_heads · head_dim`.
    pub(crate) fn kv_dim(&self) -> u64 {
        u64::from(self.kv_heads) * u64::from(self.head_dim())
    }

    /// Weight-matrix parameters of one layer (the matmul operands; no
    /// biases, no norms).
    pub(crate) fn matrix_params_per_layer(&self) -> u64 {
        let h = u64::from(self.hidden);
        let f = u64::from(self.ffn_hidden);
        let (q, kv) = (self.q_dim(), self.kv_dim());
        let attention = h * (q + 2 * kv) + q * h;
        let mlp = if self.gated_mlp { 3 * h * f } else { 2 * h * f };
        attention + mlp
    }

    /// Biases of one layer split by tensor parallelism (the column-parallel
    /// QKV and MLP up-projection biases) and those replicated (the
    /// row-parallel output biases), as `(split, replicated)`.
    fn bias_params_per_layer(&self) -> (u64, u64) {
        if !self.arch.has_biases() {
            return (0, 0);
        }
        let h = u64::from(self.hidden);
        let f = u64::from(self.ffn_hidden);
        let up = if self.gated_mlp { 2 * f } else { f };
        (self.q_dim() + 2 * self.kv_dim() + up, 2 * h)
    }

    /// Norm parameters of one layer (two norms; replicated under tensor
    /// parallelism).
    fn norm_params_per_layer(&self) -> u64 {
        2 * self.arch.norm_params(u64::from(self.hidden))
    }

    /// Parameters of one transformer layer: attention and MLP weights and
    /// biases, and its two norms.
    pub fn params_per_layer(&self) -> u64 {
        let (split, replicated) = self.bias_params_per_layer();
        self.matrix_params_per_layer() + split + replicated + self.norm_params_per_layer()
    }

    /// Parameters of the input embeddings: token embedding `V·h`, learned
    /// positions, and for BERT the token-type embedding and embedding
    /// LayerNorm.
    pub fn embedding_params(&self) -> u64 {
        self.token_embedding_params() + self.replicated_embedding_params()
    }

    /// The token-embedding table, `V·h` (vocab-parallel under TP).
    fn token_embedding_params(&self) -> u64 {
        u64::from(self.vocab) * u64::from(self.hidden)
    }

    /// Embedding parameters that tensor parallelism replicates: positions,
    /// and for BERT token types and the embedding LayerNorm.
    fn replicated_embedding_params(&self) -> u64 {
        let h = u64::from(self.hidden);
        let positions = u64::from(self.max_positions) * h;
        match self.arch {
            Architecture::Bert => positions + BERT_TOKEN_TYPES * h + self.arch.norm_params(h),
            Architecture::Gpt | Architecture::Llama => positions,
        }
    }

    /// Parameters after the last layer that tensor parallelism replicates:
    /// the final norm (pre-norm decoders) or BERT's pooler (`h·h + h`; BERT
    /// is post-norm, so it has no final norm). The pooler is counted so that
    /// bert-large matches the usual 335M (Hugging Face `BertModel`); the
    /// masked-LM head transform is not.
    fn head_replicated_params(&self) -> u64 {
        let h = u64::from(self.hidden);
        match self.arch {
            Architecture::Bert => h * h + h,
            Architecture::Gpt | Architecture::Llama => self.arch.norm_params(h),
        }
    }

    /// The untied output projection `V·h`, or 0 when tied.
    fn output_head_params(&self) -> u64 {
        if self.tied_embeddings {
            0
        } else {
            self.token_embedding_params()
        }
    }

    /// Exact parameter count: embeddings, every layer, the final norm (or
    /// BERT's pooler) and an untied output head.
    pub fn params(&self) -> u64 {
        u64::from(self.layers) * self.params_per_layer()
            + self.embedding_params()
            + self.head_replicated_params()
            + self.output_head_params()
    }

    /// Parameters held by one device of pipeline stage `stage` (0-based)
    /// under `tp`-way tensor and `pp`-way pipeline parallelism.
    ///
    /// - Layers: `layers / pp` per stage, the remainder going one each to
    ///   the first stages.
    /// - Tensor parallelism (Megatron, Shoeybi et al. 2019) splits the weight
    ///   matrices and the column-parallel biases; row-parallel biases and
    ///   norms are replicated. The token embedding is split vocab-parallel;
    ///   positions (and BERT's token types, embedding norm, pooler) are
    ///   replicated. Uneven splits round up (the largest shard).
    /// - The first stage holds the embeddings; the last holds the final norm
    ///   and the output head, or, when tied and `pp > 1`, a copy of the
    ///   token embedding (as Megatron keeps one for the gradient all-reduce).
    ///
    /// `tp` and `pp` of 0 are read as 1; a `stage` past the last gives 0.
    pub fn params_per_stage(&self, tp: u32, pp: u32, stage: u32) -> u64 {
        let tp = u64::from(tp.max(1));
        let pp = pp.max(1);
        if stage >= pp {
            return 0;
        }
        let layers = self.layers / pp + u32::from(stage < self.layers % pp);
        self.params_of_stage(tp as u32, pp, stage, layers)
    }

    /// Parameters held by one device of pipeline stage `stage` of `pp` when
    /// that stage holds `layers` layers (uneven splits over mixed hardware);
    /// otherwise as [`TransformerSpec::params_per_stage`].
    pub fn params_of_stage(&self, tp: u32, pp: u32, stage: u32, layers: u32) -> u64 {
        let tp = u64::from(tp.max(1));
        let pp = pp.max(1);
        if stage >= pp {
            return 0;
        }
        let (split_bias, replicated_bias) = self.bias_params_per_layer();
        let per_layer = (self.matrix_params_per_layer() + split_bias).div_ceil(tp)
            + replicated_bias
            + self.norm_params_per_layer();
        let token_shard = self.token_embedding_params().div_ceil(tp);
        let mut total = u64::from(layers) * per_layer;
        if stage == 0 {
            total += token_shard + self.replicated_embedding_params();
        }
        if stage == pp - 1 {
            total += self.head_replicated_params();
            if !self.tied_embeddings || pp > 1 {
                total += token_shard;
            }
        }
        total
    }

    /// Narayanan et al. 2021 (arXiv 2104.04473) eq. 2, the closed-form GPT
    /// parameter count `12·l·h²·(1 + 13/(12h) + (V + s)/(12·l·h))` with `s`
    /// the learned positions (it omits the final LayerNorm's `2h`).
    pub fn narayanan_params(&self) -> f64 {
        let l = f64::from(self.layers);
        let h = f64::from(self.hidden);
        let v = f64::from(self.vocab);
        let s = f64::from(self.max_positions);
        12.0 * l * h * h * (1.0 + 13.0 / (12.0 * h) + (v + s) / (12.0 * l * h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str) -> TransformerSpec {
        preset(id).expect("known preset")
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        ((a - b) / b).abs() <= rel
    }

    #[test]
    fn gpt2_params_exact() {
        assert_eq!(p("gpt2").params(), 124_439_808);
    }

    #[test]
    fn gpt3_175b_params_match_narayanan_eq2() {
        let m = p("gpt3-175b");
        let exact = m.params() as f64;
        assert!(close(exact, 174.6e9, 0.005), "{exact}");
        assert!(close(exact, m.narayanan_params(), 0.005));
        // The closed form differs only by the final LayerNorm.
        let gap = exact - m.narayanan_params();
        assert!((gap - 2.0 * f64::from(m.hidden)).abs() < 1.0, "{gap}");
    }

    #[test]
    fn llama3_params() {
        assert!(close(p("llama3-8b").params() as f64, 8.03e9, 0.01));
        assert!(close(p("llama3-70b").params() as f64, 70.6e9, 0.01));
        assert!(close(p("llama3-405b").params() as f64, 405.9e9, 0.01));
    }

    #[test]
    fn bert_large_params() {
        let n = p("bert-large").params();
        assert!(close(n as f64, 335e6, 0.02), "{n}");
        assert_eq!(n, 335_141_888);
    }

    #[test]
    fn every_preset_validates() {
        for id in preset_ids() {
            assert_eq!(p(id).validate(), Ok(()), "{id}");
        }
        let bad = TransformerSpec::inline(2, 100, 3, None, 10);
        assert!(matches!(
            bad.validate(),
            Err(ModelError::HiddenNotDivisible { .. })
        ));
        let zero = TransformerSpec::inline(0, 64, 4, None, 10);
        assert!(matches!(
            zero.validate(),
            Err(ModelError::Zero { key: "layers", .. })
        ));
    }

    #[test]
    fn spec_serde_round_trip() {
        for id in preset_ids() {
            let m = p(id);
            let json = serde_json::to_string(&m).expect("serialises");
            let back: TransformerSpec = serde_json::from_str(&json).expect("parses");
            assert_eq!(back, m);
        }
    }

    #[test]
    fn inline_defaults() {
        let m = TransformerSpec::inline(96, 12288, 96, None, 51200);
        assert_eq!(m.ffn_hidden, 4 * 12288);
        assert_eq!(m.kv_heads, 96);
        assert_eq!(m.head_dim(), 128);
        assert_eq!(m.params(), p("gpt3-175b").params());
    }

    #[test]
    fn stages_sum_to_params() {
        for id in preset_ids() {
            let m = p(id);
            let whole: u64 = m.params_per_stage(1, 1, 0);
            assert_eq!(whole, m.params(), "{id}");
            for pp in [2, 3, 8] {
                let sum: u64 = (0..pp).map(|s| m.params_per_stage(1, pp, s)).sum();
                let copy = if m.tied_embeddings {
                    m.token_embedding_params()
                } else {
                    0
                };
                assert_eq!(sum, m.params() + copy, "{id} pp={pp}");
                assert_eq!(m.params_per_stage(1, pp, pp), 0);
            }
        }
    }

    #[test]
    fn tensor_parallel_divides_matrices() {
        let m = p("gpt3-175b");
        let one = m.params_per_stage(1, 8, 3) as f64;
        let eight = m.params_per_stage(8, 8, 3) as f64;
        assert!(eight < one / 7.9 && eight > one / 8.0);
    }
}
