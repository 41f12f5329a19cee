//! The order in which one pipeline stage runs its micro-batches' forward and
//! backward passes, for GPipe, 1F1B and Megatron's interleaved 1F1B.

use crate::parallelism::Schedule;

/// Forward or backward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pass {
    /// Forward pass.
    Forward,
    /// Backward pass (with any recomputation).
    Backward,
}

/// One unit of work of a stage: a pass of one micro-batch through one of the
/// stage's model chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    /// Forward or backward.
    pub pass: Pass,
    /// Micro-batch index.
    pub microbatch: u32,
    /// Model chunk on this stage (0 unless interleaved).
    pub chunk: u32,
}

impl Op {
    /// The virtual stage this op runs: chunk `c` of stage `s` out of `pp`
    /// holds the model's `c·pp + s`-th slice of layers.
    pub fn virtual_stage(&self, stage: u32, pp: u32) -> u32 {
        self.chunk * pp + stage
    }
}

fn f(microbatch: u32, chunk: u32) -> Op {
    Op {
        pass: Pass::Forward,
        microbatch,
        chunk,
    }
}

fn b(microbatch: u32, chunk: u32) -> Op {
    Op {
        pass: Pass::Backward,
        microbatch,
        chunk,
    }
}

/// The ops of `stage` (of `pp`) for `m` micro-batches and `v` chunks, in
/// execution order.
///
/// - GPipe: every forward, then every backward (last micro-batch first).
/// - 1F1B (PipeDream-Flush): `pp − stage − 1` warm-up forwards, then
///   alternate one forward and one backward, then the remaining backwards.
/// - Interleaved 1F1B (Megatron-LM `forward_backward_pipelining_with_interleaving`):
///   micro-batches go through the chunks in groups of `pp`; warm-up is
///   `(pp − stage − 1)·2 + (v − 1)·pp` forwards; backward visits the chunks in
///   reverse. Needs `m` to be a multiple of `pp` (the validator checks it).
pub fn stage_ops(schedule: Schedule, stage: u32, pp: u32, m: u32, v: u32) -> Vec<Op> {
    let v = v.max(1);
    match schedule {
        Schedule::GPipe => (0..m)
            .map(|i| f(i, 0))
            .chain((0..m).rev().map(|i| b(i, 0)))
            .collect(),
        Schedule::OneFOneB => {
            let warm = (pp - stage - 1).min(m);
            let mut ops: Vec<Op> = (0..warm).map(|i| f(i, 0)).collect();
            for i in 0..m - warm {
                ops.push(f(warm + i, 0));
                ops.push(b(i, 0));
            }
            ops.extend((m - warm..m).map(|i| b(i, 0)));
            ops
        }
        Schedule::Interleaved1F1B => {
            let total = m * v;
            let group = pp * v;
            let mb = |k: u32| (k / group) * pp + k % pp;
            let fwd = |k: u32| f(mb(k), (k / pp) % v);
            let bwd = |k: u32| b(mb(k), v - 1 - (k / pp) % v);
            // Megatron: with exactly `pp` micro-batches every forward is warm-up.
            let warm = if m == pp {
                total
            } else {
                ((pp - stage - 1) * 2 + (v - 1) * pp).min(total)
            };
            let mut ops: Vec<Op> = (0..warm).map(fwd).collect();
            for k in 0..total - warm {
                ops.push(fwd(warm + k));
                ops.push(bwd(k));
            }
            ops.extend((total - warm..total).map(bwd));
            ops
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_schedule_runs_each_pass_once_and_backward_after_forward() {
        for schedule in Schedule::ALL {
            for (pp, m, v) in [(1, 4, 1), (4, 8, 1), (4, 8, 2), (8, 16, 3), (2, 2, 1)] {
                let v = if schedule == Schedule::Interleaved1F1B {
                    v
                } else {
                    1
                };
                for stage in 0..pp {
                    let ops = stage_ops(schedule, stage, pp, m, v);
                    assert_eq!(ops.len() as u32, 2 * m * v);
                    let unique: HashSet<_> = ops.iter().collect();
                    assert_eq!(unique.len(), ops.len());
                    for (i, op) in ops.iter().enumerate() {
                        if op.pass == Pass::Backward {
                            let fwd = ops.iter().position(|o| *o == f(op.microbatch, op.chunk));
                            assert!(fwd.is_some_and(|p| p < i), "{schedule:?} {stage} {op:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn one_f_one_b_keeps_at_most_pp_in_flight() {
        let (pp, m) = (4, 12);
        for stage in 0..pp {
            let mut in_flight: i32 = 0;
            let mut peak = 0;
            for op in stage_ops(Schedule::OneFOneB, stage, pp, m, 1) {
                in_flight += if op.pass == Pass::Forward { 1 } else { -1 };
                peak = peak.max(in_flight);
            }
            assert_eq!(peak, (pp - stage) as i32);
        }
    }

    #[test]
    fn interleaved_order_matches_megatron() {
        // pp = 2, v = 2, m = 4: forward k → (micro-batch, chunk):
        // 0:(0,0) 1:(1,0) 2:(0,1) 3:(1,1) 4:(2,0) 5:(3,0) 6:(2,1) 7:(3,1).
        let ops = stage_ops(Schedule::Interleaved1F1B, 1, 2, 4, 2);
        let fwds: Vec<(u32, u32)> = ops
            .iter()
            .filter(|o| o.pass == Pass::Forward)
            .map(|o| (o.microbatch, o.chunk))
            .collect();
        assert_eq!(
            fwds,
            [
                (0, 0),
                (1, 0),
                (0, 1),
                (1, 1),
                (2, 0),
                (3, 0),
                (2, 1),
                (3, 1)
            ]
        );
        // Stage 1 of 2 warms up with (2−1−1)·2 + (2−1)·2 = 2 forwards.
        assert_eq!(ops[2].pass, Pass::Forward);
        assert_eq!(ops[3], b(0, 1));
    }
}
