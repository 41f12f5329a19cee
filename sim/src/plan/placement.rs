//! A job's placement (how many nodes of each pool, which stage runs where)
//! and the scenario it gives: what a plan fixes and what the planner searches.

use crate::parallelism::ParallelConfig;
use crate::scenario::{ParallelismSpec, Scenario, StageLayout};

/// How many nodes of each of the job's pools a candidate uses (0: unused),
/// and, when a replica's pipeline spans pools, which stage runs where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Placement {
    /// `(pool index, nodes)` for every pool with nodes > 0, in job order.
    pub pools: Vec<(usize, u32)>,
    /// Stages spread over the pools (`None`: every replica in one pool).
    pub stages: Option<StageLayout>,
}

/// The parallelism of a scenario job with every field fixed to `par`.
pub fn fixed(par: &ParallelConfig) -> ParallelismSpec {
    ParallelismSpec::of(par)
}

/// `s` with job `job` placed on `placement` (the pools' node counts cut to
/// it, the job's pool list set to it) and parallelism `par` fixed.
pub fn apply(s: &Scenario, job: usize, placement: &Placement, par: &ParallelConfig) -> Scenario {
    let mut out = s.clone();
    for &(p, n) in &placement.pools {
        out.pools[p].nodes = n;
    }
    let j = &mut out.jobs[job];
    j.pools = placement.pools.iter().map(|&(p, _)| p).collect();
    j.layout = placement.stages.clone();
    j.parallelism = fixed(par);
    out
}
