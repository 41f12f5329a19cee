//! What a simulation task produced: the payload the background tasks send
//! in their messages and the model keeps. A leaf: it names only the sim
//! library and the cluster series.

use crate::series::ClusterSeries;
use cirrus_sim::cluster;
use cirrus_sim::result::SimResult;
use cirrus_sim::stepsim::StepSimulation;

/// What a simulation produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SimOutput {
    /// Each job alone on its pools: one training step each.
    Steps {
        /// A line per job whose `"auto"` parallelism was planned first.
        notes: Vec<String>,
        /// The results (SimResult format 1).
        result: SimResult,
        /// Each job's simulated step, with every worker's timeline.
        steps: Vec<StepSimulation>,
    },
    /// A `[workload]` scheduled on the pools.
    Cluster {
        /// The policy, as the scenario names it.
        policy: String,
        /// Everything the cluster simulation produced.
        outcome: cluster::Outcome,
        /// Its heat maps, events and per-node schedules.
        series: ClusterSeries,
    },
}
