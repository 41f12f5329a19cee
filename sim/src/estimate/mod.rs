//! The analytic estimate of one training step: a compute roofline with
//! shape-dependent efficiency, α-β collectives on the scenario's topology,
//! the pipeline bubble, and memory per device; then time to train, cost and
//! energy. It is the fast path; the event-level simulation refines it.
//!
//! ```text
//! Scenario ─► Topology::build ─► per pool: link rates (intra-node, NIC, inter-pool)
//!    │                                     │
//!    └─► per job: per replica class (pool): stage times ─► batch shares ∝ speed
//!                                          │
//!        step = m·t_mb + bubble + exposed comm + optimizer ─► SimResult
//! ```

mod answerable;
pub mod calibration;
pub mod comm;
pub mod compute;
pub mod local;
pub mod memory;
mod step;

pub(crate) use answerable::answerable;
pub(crate) use step::{
    Class, assemble, classes, dp_layout, gradient_bytes_per_param, layer_time, optimizer_time,
    zero3_gather,
};
pub use step::{JobEstimate, PoolEstimate};

use crate::result::{FORMAT_VERSION, SimResult};
use crate::scenario::Scenario;
use crate::topology::{PoolSpec, Topology, TopologyError, TopologySpec};
use thiserror::Error;

/// Why a scenario could not be estimated.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EstimateError {
    /// The topology could not be built.
    #[error("failed to build the topology")]
    Topology(#[from] TopologyError),
    /// A job leaves a field to the planner.
    #[error(
        "job `{job}`: `parallelism` is \"auto\" (or has \"auto\" fields), which needs the planner; this build estimates explicit configurations only: give tp, pp (and optionally dp) in [job.parallelism]"
    )]
    NeedsPlanner {
        /// Job name.
        job: String,
    },
    /// The scenario needs the cluster scheduler.
    #[error(
        "the scenario has {what}; several jobs sharing a cluster are simulated from a `[workload]` (a trace or a generator), not from several `[[job]]` tables: simulate one job per scenario, or describe the jobs as a workload"
    )]
    NeedsScheduler {
        /// What the scenario has.
        what: String,
    },
    /// The event-level simulation of a job's step is beyond its budget
    /// ([`crate::step_budget`]).
    #[error("job `{job}`: `{key}`: {message}; {}", crate::step_budget::HINT)]
    Budget {
        /// Job name.
        job: String,
        /// The job's key to change (`model.layers`, `global_batch`).
        key: String,
        /// What the step would take.
        message: String,
    },
    /// A figure of a job's answer overflowed or is not finite.
    #[error("job `{job}`: its {what} would be {value}, which is not an answer: {why}")]
    Unanswerable {
        /// Job name.
        job: String,
        /// Which figure.
        what: String,
        /// Its value, with its unit.
        value: String,
        /// The inputs that set it.
        why: String,
    },
    /// A job's replicas cannot be laid out on its pools.
    #[error("job `{job}`: {why}")]
    Layout {
        /// Job name.
        job: String,
        /// Why.
        why: String,
    },
}

/// The topology a scenario describes.
pub fn topology(s: &Scenario) -> Result<Topology, EstimateError> {
    let pools = s
        .pools
        .iter()
        .map(|p| PoolSpec {
            name: p.name.clone(),
            nodes: p.nodes,
            devices_per_node: p.devices_per_node,
            nics_per_node: p.nics_per_node,
            nic_gbit_s: p.nic_gbit_s,
            intra_gbyte_s_per_direction: p.device.intra_node_gbyte_s.unwrap_or(0.0),
            intra_link_gbyte_s_per_direction: p
                .device
                .intra_link_gbyte_s
                .or(p.device.intra_node_gbyte_s)
                .unwrap_or(0.0),
            shape: p
                .device
                .intra_shape
                .clone()
                .unwrap_or(crate::topology::IntraNodeShape::Pcie),
        })
        .collect();
    let spec = TopologySpec {
        pools,
        network: s.network.clone(),
    };
    Ok(Topology::build(&spec)?)
}

/// Refuses scenarios this estimate cannot answer: workloads and several
/// jobs sharing a cluster need the cluster scheduler.
pub fn supported(s: &Scenario) -> Result<(), EstimateError> {
    if s.workload.is_some() {
        return Err(EstimateError::NeedsScheduler {
            what: "a [workload]".to_owned(),
        });
    }
    if s.jobs.len() > 1 {
        return Err(EstimateError::NeedsScheduler {
            what: format!("{} jobs", s.jobs.len()),
        });
    }
    Ok(())
}

/// Estimates every job of a scenario (each alone on its pools).
pub fn simulate(s: &Scenario, seed: u64) -> Result<SimResult, EstimateError> {
    supported(s)?;
    let topo = topology(s)?;
    let jobs = s
        .jobs
        .iter()
        .map(|j| estimate_job(s, j, &topo).map(|e| e.result))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SimResult {
        format_version: FORMAT_VERSION,
        scenario: s.name.clone(),
        seed,
        jobs,
        cluster: None,
    })
}

/// Estimates one job alone on its pools.
pub fn estimate_job(
    s: &Scenario,
    job: &crate::scenario::Job,
    topo: &Topology,
) -> Result<JobEstimate, EstimateError> {
    let estimate = if local::is_local(s, job) {
        local::estimate(s, job, topo, crate::split::Split::Proportional)?
    } else {
        let (par, classes, cross_latency) = classes(s, job, topo)?;
        step::finish(s, job, &par, &classes, cross_latency)
    };
    answerable(job, &estimate.result)?;
    Ok(estimate)
}
