//! What a run will allocate, estimated from its shape before anything is
//! allocated, and refused when it is beyond the adapter's buffer limits or
//! [`MAX_RUN_BYTES`] in all: so a plan with `global_batch` 1e9 or `hidden`
//! 1e6 is an input error, not an abort on a 256 GB allocation.

use crate::ExecError;
use crate::data::{Dataset, VOCAB};
use crate::model::ModelConfig;

/// The most memory one run (every worker of this process together) may
/// need: parameters, gradients, Adam moments and their copies, activations,
/// the token batches.
pub const MAX_RUN_BYTES: u64 = 16 << 30;

/// A run's estimated memory, bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// The largest single buffer (the parameters, one worker's logits or
    /// attention scores, one layer's widest activation).
    pub largest_buffer: f64,
    /// Everything, over all `workers`.
    pub total: f64,
}

/// Bytes of one `f32` (or `u32` token).
const WORD: f64 = 4.0;

/// Parameters of the model, as [`crate::model::ParamLayout`] lays them out,
/// counted in `f64` so that no shape overflows.
pub fn param_count(cfg: &ModelConfig) -> f64 {
    let (d, f, v, s, l) = (
        cfg.hidden as f64,
        cfg.ffn_hidden as f64,
        cfg.vocab as f64,
        cfg.seq_len as f64,
        cfg.layers as f64,
    );
    let head = if cfg.tied_embeddings { 0.0 } else { d * v };
    v * d + s * d + l * (4.0 * d + 4.0 * d * d + 2.0 * d * f) + 2.0 * d + head
}

impl Footprint {
    /// The footprint of `workers` workers training `cfg` on `global_batch`
    /// rows, the largest worker holding `max_rows` of them.
    pub fn of(cfg: &ModelConfig, global_batch: usize, max_rows: usize, workers: usize) -> Self {
        let (d, f, v, s, l, h) = (
            cfg.hidden as f64,
            cfg.ffn_hidden as f64,
            cfg.vocab as f64,
            cfg.seq_len as f64,
            cfg.layers as f64,
            cfg.heads as f64,
        );
        let p = param_count(cfg);
        let rows = max_rows as f64;
        let tokens = rows * s;
        let scores = rows * h * s * s;
        let logits = tokens * v;
        let widest = tokens * (3.0 * d).max(f);
        let largest_buffer = WORD * p.max(scores).max(logits).max(widest);
        // Per worker: parameters, gradients, two moments, the reduce buffer
        // and a checkpoint's copy of the three.
        let state = 8.0 * p;
        // Per row: every layer's saved activations and attention scores
        // and probabilities, the logits and their gradient.
        let per_row = s * (l * (8.0 * d + 2.0 * f) + 2.0 * v) + 2.0 * l * h * s * s;
        let batch = global_batch as f64;
        // The training and validation token batches, inputs and targets.
        let tokens_all = 4.0 * batch * s;
        let total = WORD * (state * workers as f64 + per_row * batch + tokens_all);
        Footprint {
            largest_buffer,
            total,
        }
    }

    /// Refuses a footprint beyond `limits` (the smallest storage binding or
    /// buffer size of the adapters used; `None` for the CPU backend only)
    /// or beyond [`MAX_RUN_BYTES`].
    pub fn check(&self, limits: Option<&wgpu::Limits>) -> Result<(), ExecError> {
        let gib = |b: f64| b / f64::from(1u32 << 30);
        if let Some(l) = limits {
            let limit = l.max_storage_buffer_binding_size.min(l.max_buffer_size);
            if self.largest_buffer > limit as f64 {
                return Err(ExecError::Config {
                    reason: format!(
                        "the run needs a buffer of {:.3} GiB, beyond the adapter's limit of {:.3} GiB (max_storage_buffer_binding_size / max_buffer_size); use a smaller `global_batch`, `seq_len`, `hidden` or `vocab`",
                        gib(self.largest_buffer),
                        gib(limit as f64)
                    ),
                });
            }
        }
        if self.total > MAX_RUN_BYTES as f64 {
            return Err(ExecError::Config {
                reason: format!(
                    "the run would need about {:.1} GiB (parameters, gradients, Adam moments, activations of global_batch × seq_len), beyond the executor's budget of {} GiB; use a smaller `global_batch`, `seq_len` or model",
                    gib(self.total),
                    MAX_RUN_BYTES >> 30
                ),
            });
        }
        Ok(())
    }
}

/// Refuses a shape the executor's byte-level data cannot feed: a
/// vocabulary below the 256 byte values, or sequences longer than the
/// embedded corpus's validation part.
pub fn check_data(cfg: &ModelConfig) -> Result<(), ExecError> {
    if cfg.vocab < VOCAB {
        return Err(ExecError::Config {
            reason: format!(
                "model `vocab` is {}, but the executor's tokens are bytes: it needs at least {VOCAB}",
                cfg.vocab
            ),
        });
    }
    let longest = Dataset::embedded(0)?.valid().len().saturating_sub(1);
    if cfg.seq_len > longest {
        return Err(ExecError::Config {
            reason: format!(
                "`seq_len` is {}, but the embedded corpus's validation part holds sequences of at most {longest} tokens",
                cfg.seq_len
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn tiny() -> ModelConfig {
        ModelConfig {
            layers: 2,
            hidden: 64,
            heads: 4,
            ffn_hidden: 256,
            vocab: 256,
            seq_len: 64,
            tied_embeddings: false,
        }
    }

    #[test]
    fn param_count_matches_the_layout() {
        for tied in [false, true] {
            let cfg = ModelConfig {
                tied_embeddings: tied,
                ..tiny()
            };
            let n = Model::new(cfg).expect("model").param_count();
            assert_eq!(param_count(&cfg), n as f64);
        }
    }

    #[test]
    fn a_tiny_run_fits_and_a_billion_rows_do_not() {
        let cfg = tiny();
        assert!(Footprint::of(&cfg, 16, 8, 2).check(None).is_ok());
        let huge = Footprint::of(&cfg, 1_000_000_000, 500_000_000, 2);
        assert!(huge.check(None).is_err());
        let limits = wgpu::Limits::default();
        assert!(Footprint::of(&cfg, 16, 8, 2).check(Some(&limits)).is_ok());
    }

    #[test]
    fn byte_vocabulary_and_corpus_length_bound_the_shape() {
        assert!(check_data(&tiny()).is_ok());
        let one = ModelConfig { vocab: 1, ..tiny() };
        assert!(check_data(&one).is_err());
        let long = ModelConfig {
            seq_len: 1_000_000,
            ..tiny()
        };
        assert!(check_data(&long).is_err());
    }
}
