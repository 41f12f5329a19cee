//! Flow-level network simulation: max-min fair sharing of links among
//! concurrent flows, and collectives built as phases of flows on top.
//!
//! A flow is a fluid: it waits its route's latency, then moves its bytes at
//! its max-min fair share of every link direction it crosses (scaled by a
//! protocol efficiency). Rates are recomputed whenever a flow starts
//! transmitting or finishes, so contention between jobs and collectives shows
//! up as longer transfers. On an idle network every collective reproduces the
//! α-β formulas of [`crate::estimate::comm`].
//!
//! ```text
//! Collective ──CollectiveRun::start──► flows ──FlowNet::start──► FlowNet
//!      ▲                                                            │
//!      └──on_flow_done (next phase / finish time)◄──advance(t)──────┘
//!                                     fairness::max_min_rates on (edge, direction)
//! ```
//!
//! ```
//! use cirrus_sim::netsim::{isolated_time, Algorithm, Collective, CollectiveKind, Efficiency};
//! use cirrus_sim::topology::{Fabric, IntraNodeShape, NetworkSpec, PoolSpec, Topology, TopologySpec};
//!
//! let pool = PoolSpec {
//!     name: "gpu".to_string(),
//!     nodes: 1,
//!     devices_per_node: 4,
//!     nics_per_node: 1,
//!     nic_gbit_s: 400.0,
//!     intra_gbyte_s_per_direction: 100.0,
//!     intra_link_gbyte_s_per_direction: 25.0,
//!     shape: IntraNodeShape::NvSwitch,
//! };
//! let network = NetworkSpec {
//!     fabric: Fabric::FatTree,
//!     oversubscription: 1.0,
//!     nodes_per_leaf: None,
//!     inter_pool_gbit_s: None,
//! };
//! let t = Topology::build(&TopologySpec { pools: vec![pool], network }).expect("valid");
//! let ranks = (0..4).map(|i| t.device(0, 0, i).expect("exists")).collect();
//! let c = Collective {
//!     kind: CollectiveKind::AllReduce,
//!     algorithm: Algorithm::Ring,
//!     ranks,
//!     bytes: 1e9,
//!     efficiency: Efficiency { max: 1.0, half_bytes: 0.0 },
//! };
//! // 2·3/4 GB at 100 GB/s, plus 6 steps of 2 µs (two NVLink hops).
//! let s = isolated_time(&t, &c).expect("runs");
//! assert!((s - (0.015 + 6.0 * 2e-6)).abs() < 1e-12);
//! ```

mod collective;
mod fairness;
mod flows;
#[cfg(test)]
mod tests;

pub use collective::{
    Algorithm, Collective, CollectiveKind, CollectiveRun, Efficiency, isolated_time,
    simulate_concurrent,
};
pub use fairness::max_min_rates;
pub use flows::{FlowId, FlowNet};

use crate::topology::DeviceId;

/// Why a flow or collective could not be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// A device id outside the topology.
    #[error("start a flow at device {device}: the topology has {count} devices")]
    UnknownDevice {
        /// The offending device index.
        device: usize,
        /// Devices in the topology.
        count: usize,
    },
    /// Two distinct devices with no usable path (no links, or a zero-capacity link).
    #[error("route a flow from device {from} to device {to}: no path with capacity")]
    NoPath {
        /// Source device index.
        from: usize,
        /// Destination device index.
        to: usize,
    },
    /// Bytes negative or not finite.
    #[error("start a flow of {0} bytes: bytes must be finite and non-negative")]
    InvalidBytes(f64),
    /// Efficiency outside (0, 1].
    #[error("start a flow with efficiency {0}: it must lie in (0, 1]")]
    InvalidEfficiency(f64),
    /// A start time before the network's clock.
    #[error("start a flow at {now} s: the network is already at {clock} s")]
    PastTime {
        /// Requested start time (s).
        now: f64,
        /// The network's current time (s).
        clock: f64,
    },
    /// Too few ranks for the collective.
    #[error("run a {kind:?} over {got} ranks: it needs at least {needed}")]
    TooFewRanks {
        /// The collective.
        kind: CollectiveKind,
        /// Ranks required.
        needed: usize,
        /// Ranks given.
        got: usize,
    },
    /// A device listed twice among a collective's ranks.
    #[error("run a collective: device {0} is listed twice among the ranks")]
    DuplicateRank(usize),
    /// The algorithm does not implement the collective.
    #[error("run a {kind:?} with the {algorithm:?} algorithm: unsupported combination")]
    Unsupported {
        /// The collective.
        kind: CollectiveKind,
        /// The algorithm asked for.
        algorithm: Algorithm,
    },
    /// Hierarchical collectives need the same number of ranks on every node.
    #[error("run a hierarchical all-reduce: nodes hold different numbers of ranks")]
    UnevenNodes,
    /// A flow that does not belong to the collective.
    #[error("finish flow {0:?}: it does not belong to this collective")]
    UnknownFlow(FlowId),
    /// No event left while a collective is still running.
    #[error("run a collective to completion: no event left but flows are pending")]
    Stalled,
}

impl NetError {
    /// The device-index check shared by flows and collectives.
    pub(crate) fn check_device(d: DeviceId, count: usize) -> Result<(), NetError> {
        if d.0 < count {
            Ok(())
        } else {
            Err(NetError::UnknownDevice { device: d.0, count })
        }
    }
}
