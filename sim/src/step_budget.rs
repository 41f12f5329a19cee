//! The event-level step simulation's budget. Its work grows with the ops of
//! every pipeline stage (four per micro-batch and model chunk: forward,
//! backward and the two activation transfers) and, more steeply, with the
//! data-parallel gradient buckets in flight at once (one per layer when the
//! job is not pipelined: every bucket is a flow sharing the network with
//! the others). Beyond [`MAX_STEP_OPS`] or [`MAX_GRADIENT_BUCKETS`] a step
//! would take minutes and gigabytes, so it is refused before it starts —
//! by `cirrus check` with the key's line and column, and by the simulation
//! itself — with the closed-form estimate (`--model analytic`) suggested.

use crate::parallelism::ParallelConfig;

/// The most stage ops one step may simulate (about 2 s and 200 MB).
pub const MAX_STEP_OPS: u64 = 4_000_000;

/// The most gradient buckets one step may reduce (about 3 s; the cost grows
/// with the square of the count).
pub const MAX_GRADIENT_BUCKETS: u64 = 20_000;

/// What a step costs the event-level simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Stage ops (forward, backward, activation sends and receives).
    pub ops: u64,
    /// Data-parallel gradient buckets.
    pub buckets: u64,
}

impl Work {
    /// The work of a step of a `layers`-layer model under `par` with
    /// `microbatches` micro-batches per step (`global_batch / microbatch`,
    /// over all replicas: an upper bound on what the distinct replicas the
    /// simulation runs process, known from the configuration alone).
    pub fn of(layers: u32, par: &ParallelConfig, microbatches: u64) -> Work {
        Work::from_parts(layers, par.mesh.pp(), par.virtual_stages, microbatches)
    }

    /// [`Work::of`] from the parts that count.
    pub fn from_parts(layers: u32, pp: u32, virtual_stages: u32, microbatches: u64) -> Work {
        let v = u64::from(virtual_stages.max(1));
        let pipelined = pp > 1;
        let pp = u64::from(pp.max(1));
        Work {
            ops: 4u64
                .saturating_mul(pp)
                .saturating_mul(v)
                .saturating_mul(microbatches),
            buckets: if pipelined { 1 } else { u64::from(layers) },
        }
    }

    /// `None` within the budget, else the key to change and the message.
    pub fn over_budget(&self) -> Option<(&'static str, String)> {
        if self.buckets > MAX_GRADIENT_BUCKETS {
            return Some((
                "model.layers",
                format!(
                    "the event-level simulation would reduce {} gradient buckets per step (one per layer without pipeline parallelism), beyond its budget of {MAX_GRADIENT_BUCKETS}",
                    self.buckets
                ),
            ));
        }
        if self.ops > MAX_STEP_OPS {
            return Some((
                "global_batch",
                format!(
                    "the event-level simulation would run {} stage ops per step (4 × pp × virtual_stages × global_batch / microbatch), beyond its budget of {MAX_STEP_OPS}",
                    self.ops
                ),
            ));
        }
        None
    }
}

/// What to say after a refusal.
pub const HINT: &str = "`cirrus simulate --model analytic` answers with the closed-form estimate, which has no such limit; or use fewer layers or pipeline parallelism (buckets), or fewer, larger micro-batches (ops)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallelism::{ParallelConfig, Recompute, Schedule};

    fn par(pp: u32, v: u32) -> ParallelConfig {
        ParallelConfig {
            mesh: crate::mesh::Mesh::of(&[(crate::mesh::Axis::Pp, pp)]),
            microbatch: 1,
            schedule: if v > 1 {
                Schedule::Interleaved1F1B
            } else {
                Schedule::OneFOneB
            },
            virtual_stages: v,
            recompute: Recompute::None,
        }
    }

    #[test]
    fn buckets_are_layers_without_pipelining() {
        assert_eq!(Work::of(96, &par(1, 1), 8).buckets, 96);
        assert_eq!(Work::of(96, &par(8, 1), 8).buckets, 1);
        assert_eq!(Work::of(96, &par(4, 3), 8).ops, 4 * 4 * 3 * 8);
        let w = Work::of(1_000_000_000, &par(1, 1), 64);
        assert_eq!(w.over_budget().map(|(k, _)| k), Some("model.layers"));
        let w = Work::of(24, &par(8, 1), 1 << 20);
        assert_eq!(w.over_budget().map(|(k, _)| k), Some("global_batch"));
        assert_eq!(Work::of(126, &par(16, 4), 4096).over_budget(), None);
    }
}
