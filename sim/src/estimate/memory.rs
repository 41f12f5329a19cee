//! Peak memory of the most loaded device: weights, gradients and optimizer
//! state (sharded by ZeRO) plus the activations the pipeline schedule keeps
//! in flight (Korthikanti et al. 2022, Section 4.2.3).

use crate::model::TransformerSpec;
use crate::parallelism::{ParallelConfig, Precision, Recompute, Schedule};
use crate::units::Bytes;

/// Memory of one device, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Memory {
    /// Weights, gradients, optimizer state.
    pub state: Bytes,
    /// Activations in flight.
    pub activations: Bytes,
}

impl Memory {
    /// Total.
    pub fn total(&self) -> Bytes {
        self.state + self.activations
    }
}

/// What of a job its memory depends on besides the parallel configuration.
#[derive(Debug, Clone, Copy)]
pub struct Training<'a> {
    /// The model.
    pub model: &'a TransformerSpec,
    /// Sequence length, tokens.
    pub seq_len: u32,
    /// Math precision.
    pub precision: Precision,
    /// Attention's core as one fused kernel (no scores kept).
    pub flash_attention: bool,
}

impl<'a> From<&'a crate::scenario::Job> for Training<'a> {
    fn from(job: &'a crate::scenario::Job) -> Self {
        Training {
            model: &job.model,
            seq_len: job.seq_len,
            precision: job.precision,
            flash_attention: job.flash_attention,
        }
    }
}

impl Training<'_> {
    /// Activation bytes one layer keeps per micro-batch under `par` with
    /// `recompute`: [`TransformerSpec::activation_bytes_per_layer`], less the
    /// attention scores a fused kernel never keeps (what selective
    /// recompute drops), less what fp8 saves
    /// ([`TransformerSpec::fp8_activation_savings_per_layer`]).
    fn per_layer(&self, par: &ParallelConfig, recompute: Recompute) -> Bytes {
        let kept = if self.flash_attention && recompute == Recompute::None {
            Recompute::Selective
        } else {
            recompute
        };
        let (tp, sp) = (par.mesh.tp(), par.mesh.sequence_parallel());
        let all = self
            .model
            .activation_bytes_per_layer(self.seq_len, par.microbatch, tp, sp, kept);
        if !self.precision.is_fp8() {
            return all;
        }
        let tokens = f64::from(self.seq_len) * f64::from(par.microbatch);
        all - self
            .model
            .fp8_activation_savings_per_layer(self.precision, tokens, tp, sp, recompute)
    }

    /// Weights, gradients and optimizer state of one device of `stage`
    /// holding `layers` layers and `params` parameters, with fp8's weight
    /// copies (sharded with the weights under ZeRO-3).
    fn state(&self, par: &ParallelConfig, params: u64, layers: u32) -> Bytes {
        let (zero, dp) = (par.mesh.zero(), par.mesh.dp());
        let state = self
            .model
            .state_bytes_per_device(params, self.precision, zero, dp)
            .total();
        if !self.precision.is_fp8() {
            return state;
        }
        let copies = self
            .model
            .fp8_weight_copy_bytes(self.precision, layers, par.mesh.tp());
        state
            + if zero >= 3 {
                copies / f64::from(dp.max(1))
            } else {
                copies
            }
    }
}

/// Parameters of one device of pipeline stage `stage` under `par`'s split of
/// the layers ([`ParallelConfig::stages`]; a split it refuses, which
/// validation has already reported, is read as the even one).
pub(crate) fn stage_params(model: &TransformerSpec, par: &ParallelConfig, stage: u32) -> u64 {
    let (tp, pp) = (par.mesh.tp(), par.mesh.pp());
    match par.stages(model.layers) {
        Ok(split) if !split.is_even() => {
            model.params_of_stage(tp, pp, stage, split.stage_layers(stage))
        }
        _ => model.params_per_stage(tp, pp, stage),
    }
}

/// Micro-batches whose activations stage 0 holds at once: GPipe keeps all
/// `m`; 1F1B at most `pp`; interleaving adds `(pp−1)/(pp·v)` of a stage's
/// worth (Narayanan et al. 2021, Korthikanti et al. 2022 eq. 5 note).
fn in_flight(par: &ParallelConfig, microbatches: u64) -> f64 {
    let pp = f64::from(par.mesh.pp());
    let m = microbatches as f64;
    match par.schedule {
        Schedule::GPipe => m,
        Schedule::OneFOneB => m.min(pp),
        Schedule::Interleaved1F1B => {
            let v = f64::from(par.virtual_stages.max(1));
            m.min(pp) * (1.0 + (pp - 1.0) / (pp * v))
        }
    }
}

/// Peak memory over pipeline stages for `par` with `microbatches` per step.
pub fn peak_memory(job: Training<'_>, par: &ParallelConfig, microbatches: u64) -> Memory {
    let model = job.model;
    if let Ok(split) = par.stages(model.layers)
        && !split.is_even()
    {
        // Uneven stages: the most loaded one, stage by stage.
        return (0..par.mesh.pp())
            .map(|st| {
                let layers = split.stage_layers(st);
                stage_memory(job, par, microbatches, st, layers)
            })
            .fold(
                Memory::default(),
                |a, b| {
                    if b.total() > a.total() { b } else { a }
                },
            );
    }
    let layers_per_stage = f64::from(model.layers.div_ceil(par.mesh.pp()));
    let per_layer = job.per_layer(par, par.recompute);
    let mut activations = per_layer * (layers_per_stage * in_flight(par, microbatches));
    if par.recompute == Recompute::Full {
        // Recomputing a layer needs that layer's full activations once.
        activations += job.per_layer(par, Recompute::None);
    }
    let last = par.mesh.pp().saturating_sub(1);
    let state_of = |stage: u32| {
        let params = stage_params(model, par, stage);
        let layers = model.layers / par.mesh.pp().max(1)
            + u32::from(stage < model.layers % par.mesh.pp().max(1));
        job.state(par, params, layers)
    };
    // Stage 0 holds the most activations; the last stage holds the output
    // head and the fp32 logits of one micro-batch (4·s·b·V/t bytes).
    let logits = Bytes(
        4.0 * f64::from(job.seq_len) * f64::from(par.microbatch) * f64::from(model.vocab)
            / f64::from(par.mesh.tp().max(1)),
    );
    let first = Memory {
        state: state_of(0),
        activations: if par.mesh.pp() == 1 {
            activations + logits
        } else {
            activations
        },
    };
    let last_stage = Memory {
        state: state_of(last),
        activations: per_layer
            * (layers_per_stage
                * 1.0_f64.max(in_flight(par, microbatches) / f64::from(par.mesh.pp())))
            + logits,
    };
    if last_stage.total() > first.total() {
        last_stage
    } else {
        first
    }
}

/// Memory of a device of pipeline stage `stage` holding `layers` layers
/// (stages of uneven size): under 1F1B stage `s` keeps `min(m, pp − s)`
/// micro-batches in flight, GPipe all `m`, interleaving `(pp−1)/(pp·v)` of
/// that more.
pub fn stage_memory(
    job: Training<'_>,
    par: &ParallelConfig,
    microbatches: u64,
    stage: u32,
    layers: u32,
) -> Memory {
    let model = job.model;
    let per_layer = job.per_layer(par, par.recompute);
    let pp = f64::from(par.mesh.pp());
    let in_flight = match par.schedule {
        Schedule::GPipe => microbatches as f64,
        Schedule::OneFOneB => (microbatches as f64).min(pp - f64::from(stage)),
        // Interleaving keeps (pp − 1)/(pp·v) of a stage's worth more.
        Schedule::Interleaved1F1B => {
            let v = f64::from(par.virtual_stages.max(1));
            (microbatches as f64).min(pp - f64::from(stage)) * (1.0 + (pp - 1.0) / (pp * v))
        }
    };
    let mut activations = per_layer * (f64::from(layers) * in_flight);
    if par.recompute == Recompute::Full {
        activations += job.per_layer(par, Recompute::None);
    }
    if stage + 1 == par.mesh.pp() {
        activations += Bytes(
            4.0 * f64::from(job.seq_len) * f64::from(par.microbatch) * f64::from(model.vocab)
                / f64::from(par.mesh.tp().max(1)),
        );
    }
    let params = model.params_of_stage(par.mesh.tp(), par.mesh.pp(), stage, layers);
    Memory {
        state: job.state(par, params, layers),
        activations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Axis;
    use crate::model::preset;

    fn par(tp: u32, pp: u32, dp: u32, recompute: Recompute, zero: u8) -> ParallelConfig {
        ParallelConfig {
            mesh: crate::mesh::Mesh::of(&[(Axis::Tp, tp), (Axis::Pp, pp), (Axis::Dp, dp)])
                .with_zero(zero),
            microbatch: 1,
            schedule: Schedule::OneFOneB,
            virtual_stages: 1,
            recompute,
        }
    }

    fn bf16(model: &TransformerSpec) -> Training<'_> {
        Training {
            model,
            seq_len: 2048,
            precision: Precision::Bf16,
            flash_attention: false,
        }
    }

    #[test]
    fn gpt3_175b_fits_only_when_split() {
        let m = preset("gpt3-175b").expect("preset");
        let job = bf16(&m);
        let whole = peak_memory(job, &par(1, 1, 1, Recompute::Full, 0), 1);
        // 16 bytes per parameter alone is 2.8 TB.
        assert!(whole.state.as_gib() > 2500.0);
        let split = peak_memory(job, &par(8, 8, 16, Recompute::Full, 1), 96);
        assert!(split.total().as_gib() < 80.0, "{}", split.total().as_gib());
    }

    #[test]
    fn zero_and_recompute_reduce_memory() {
        let m = preset("gpt3-1.3b").expect("preset");
        let base = peak_memory(bf16(&m), &par(1, 1, 8, Recompute::None, 0), 8);
        let z1 = peak_memory(bf16(&m), &par(1, 1, 8, Recompute::None, 1), 8);
        let full = peak_memory(bf16(&m), &par(1, 1, 8, Recompute::Full, 0), 8);
        assert!(z1.state < base.state);
        assert!(full.activations < base.activations);
    }
}
