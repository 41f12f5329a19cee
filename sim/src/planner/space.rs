//! The search space: placements (how many nodes of each pool) and parallel
//! configurations, respecting the fields the scenario fixes and the rules the
//! validator enforces (tensor parallelism inside a node, divisibility).

use crate::mesh::{AXES, Axis, Mesh};
use crate::model::TransformerSpec;
use crate::parallelism::{ParallelConfig, Recompute, Schedule};
use crate::plan::Placement;
use crate::scenario::{Choice, Job, ParallelismSpec, Scenario};
use crate::stages::split;

/// How wide the search is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breadth {
    /// Dominated options left out: GPipe (1F1B has its time with less
    /// memory), micro-batches beyond 8, slower recompute modes once a faster
    /// one fits, and the finest node counts.
    Pruned,
    /// Every option.
    Exhaustive,
}

/// Node counts tried for a pool of `n` nodes: none, and `n` times 1, 3/4,
/// 1/2, 3/8, 1/4, 3/16 and 1/8 (whole nodes; exhaustive adds down to 1/32).
fn node_options(n: u32, breadth: Breadth) -> Vec<u32> {
    let fractions: &[(u32, u32)] = match breadth {
        Breadth::Pruned => &[(1, 1), (3, 4), (1, 2), (3, 8), (1, 4), (3, 16), (1, 8)],
        Breadth::Exhaustive => &[
            (1, 1),
            (3, 4),
            (1, 2),
            (3, 8),
            (1, 4),
            (3, 16),
            (1, 8),
            (3, 32),
            (1, 16),
            (1, 32),
        ],
    };
    let mut out = vec![0];
    out.extend(fractions.iter().map(|&(a, b)| n * a / b).filter(|&k| k > 0));
    out.sort_unstable();
    out.dedup();
    out
}

/// Every placement of the job over its pools (at least one node somewhere).
pub fn placements(s: &Scenario, job: &Job, breadth: Breadth) -> Vec<Placement> {
    let mut out = vec![Placement {
        pools: Vec::new(),
        stages: None,
    }];
    for &p in &job.pools {
        let mut next = Vec::new();
        for base in &out {
            for n in node_options(s.pools[p].nodes, breadth) {
                let mut pools = base.pools.clone();
                if n > 0 {
                    pools.push((p, n));
                }
                next.push(Placement {
                    pools,
                    stages: None,
                });
            }
        }
        out = next;
    }
    out.retain(|pl| !pl.pools.is_empty());
    out
}

/// Every mesh of one replica the file allows: each model-splitting axis
/// at its fixed degree or each of its candidates (the first axis varying
/// slowest), the data axis at 1.
fn replica_meshes(spec: &ParallelismSpec, model: &TransformerSpec, node: Option<u32>) -> Vec<Mesh> {
    let mut out = vec![Mesh::new([1; AXES])];
    for a in Axis::model_axes() {
        let candidates = a.candidates(model.into(), node).unwrap_or_else(|| vec![1]);
        let options = allowed(spec.degree(a), &candidates);
        out = out
            .iter()
            .flat_map(|m| options.iter().map(move |&d| m.with_degree(a, d)))
            .collect();
    }
    out
}

fn allowed<T: Copy + PartialEq>(choice: Choice<T>, options: &[T]) -> Vec<T> {
    match choice {
        Choice::Fixed(v) => vec![v],
        Choice::Auto => options.to_vec(),
    }
}

/// Every parallel configuration of `job` on `placement` that the validator
/// would accept, with the scenario's fixed fields kept.
pub fn configs(
    s: &Scenario,
    job: &Job,
    spec: &ParallelismSpec,
    placement: &Placement,
    breadth: Breadth,
) -> Vec<ParallelConfig> {
    let pools: Vec<_> = placement
        .pools
        .iter()
        .map(|&(p, n)| (&s.pools[p], n))
        .collect();
    let devices: Vec<u64> = pools
        .iter()
        .map(|(p, n)| u64::from(*n) * u64::from(p.devices_per_node))
        .collect();
    let total: u64 = devices.iter().sum();
    let node_size = pools
        .iter()
        .filter(|(p, _)| !p.device.is_torus())
        .map(|(p, _)| p.devices_per_node)
        .min();
    let m = &job.model;
    let mbs: &[u32] = if breadth == Breadth::Exhaustive {
        &[1, 2, 4, 8, 16]
    } else {
        &[1, 2, 4, 8]
    };
    // Virtual stages beyond 1: the file's, else these.
    let vss = allowed(spec.virtual_stages, &[2, 3, 4, 6, 8]);
    // An even split always; an uneven one when the file asks for it, by its
    // stage ends or by fixing pp (and virtual_stages, beyond 1), so that
    // files without those keep their search.
    let stages_fit = |pp: u32, v: u32| {
        let asked = spec.stage_ends.is_set()
            || (spec.degree(Axis::Pp).fixed().is_some()
                && (v == 1 || spec.virtual_stages.fixed().is_some()));
        if spec.stage_ends.is_set() || !m.layers.is_multiple_of(pp * v) {
            asked && split(m.layers, pp, v, spec.stage_ends).is_ok()
        } else {
            true
        }
    };
    let mut out = Vec::new();
    for replica in replica_meshes(spec, m, node_size) {
        let (tp, pp) = (replica.tp(), replica.pp());
        let mp = replica.replica_devices();
        if devices.iter().any(|d| !d.is_multiple_of(mp)) || !stages_fit(pp, 1) {
            continue;
        }
        let Ok(dp) = u32::try_from(total / mp) else {
            continue;
        };
        if spec.degree(Axis::Dp).fixed().is_some_and(|d| d != dp) {
            continue;
        }
        let mesh = replica
            .with_degree(Axis::Dp, dp)
            .with_stage_ends(spec.stage_ends);
        for mb in allowed(spec.microbatch, mbs) {
            let per_step = u64::from(mb) * u64::from(dp);
            if !job.global_batch.is_multiple_of(per_step) {
                continue;
            }
            let micro = job.global_batch / per_step;
            let mut schedules = vec![(Schedule::OneFOneB, 1)];
            if pp > 1 {
                if breadth == Breadth::Exhaustive {
                    schedules.push((Schedule::GPipe, 1));
                }
                for &v in vss.iter().filter(|&&v| v > 1) {
                    if stages_fit(pp, v) && micro.is_multiple_of(u64::from(pp)) {
                        schedules.push((Schedule::Interleaved1F1B, v));
                    }
                }
            }
            for (schedule, v) in schedules {
                if spec.schedule.fixed().is_some_and(|s| s != schedule)
                    || spec.virtual_stages.fixed().is_some_and(|x| x != v)
                {
                    continue;
                }
                let zeros: &[u8] = if pp > 1 { &[0, 1] } else { &[0, 1, 2, 3] };
                for zero in allowed(spec.zero, zeros) {
                    if zero >= 2 && pp > 1 {
                        continue;
                    }
                    let sps: &[bool] = if tp > 1 { &[false, true] } else { &[false] };
                    for sequence_parallel in allowed(spec.sequence_parallel, sps) {
                        for recompute in allowed(spec.recompute, &Recompute::ALL) {
                            out.push(ParallelConfig {
                                mesh: mesh
                                    .with_zero(zero)
                                    .with_sequence_parallel(sequence_parallel),
                                microbatch: mb,
                                schedule,
                                virtual_stages: v,
                                recompute,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_options_halve() {
        assert_eq!(
            node_options(64, Breadth::Pruned),
            vec![0, 8, 12, 16, 24, 32, 48, 64]
        );
        assert_eq!(node_options(1, Breadth::Pruned), vec![0, 1]);
        assert_eq!(node_options(4, Breadth::Exhaustive), vec![0, 1, 2, 3, 4]);
    }
}
