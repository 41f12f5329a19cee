//! The cluster's link graph: devices, node switches, NICs, leaf and spine
//! switches and the core joining pools, as a petgraph undirected graph whose
//! edges carry per-direction capacity and latency.
//!
//! ```text
//! Device ─NvLink/Pcie─ NodeSwitch ─Pcie─ Nic ─NicUplink─ Leaf ─LeafSpine─ Spine
//!    └─ NvLink/Ici (mesh, torus, hypercube)         Spine ─CoreUplink─ PoolGateway ─InterPool─ Core
//! ```
//!
//! Routing is deterministic shortest path (fewest hops, then the highest
//! bottleneck, then rail affinity, then the lowest vertex index); inside a TPU
//! torus it is dimension-order routing. Bisection and diameter are analytic
//! where the structure allows (see [`Topology::bisection_bandwidth`] and
//! [`torus`]).

mod bisection;
mod build;
mod route;
mod spec;
#[cfg(test)]
mod tests;
pub mod torus;

pub use spec::{Fabric, IntraNodeShape, NetworkSpec, PoolSpec, TopologySpec};

use crate::units::{Bytes, BytesPerSec, Seconds};
use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};

/// Nodes per leaf group when [`NetworkSpec::nodes_per_leaf`] is `None`: 32,
/// the scalable unit of NVIDIA's DGX SuperPOD reference design.
pub const DEFAULT_NODES_PER_LEAF: u32 = 32;

/// Host PCIe bandwidth per device in GB/s per direction for shapes whose
/// devices are linked directly (mesh, torus, hypercube) and reach NICs through
/// the host: PCIe Gen5 x16 (about 64 GB/s). Modelling constant.
pub const HOST_PCIE_GBYTE_S: f64 = 64.0;

// Latencies below are order-of-magnitude modelling constants per link
// traversal, including software overhead, not measurements.

/// Latency of one NVLink / NVSwitch port / Infinity Fabric link: ~1 µs.
pub const NVLINK_LATENCY: Seconds = Seconds(1e-6);
/// Latency of one PCIe link (device to host switch, host switch to NIC): ~1 µs.
pub const PCIE_LATENCY: Seconds = Seconds(1e-6);
/// Latency of one TPU ICI hop: ~1 µs.
pub const ICI_LATENCY: Seconds = Seconds(1e-6);
/// Latency of NIC to leaf switch, including NIC processing: ~3 µs.
pub const NIC_UPLINK_LATENCY: Seconds = Seconds(3e-6);
/// Latency of one leaf-to-spine switch hop: ~2 µs.
pub const LEAF_SPINE_LATENCY: Seconds = Seconds(2e-6);
/// Latency of a spine to its pool gateway: ~2 µs.
pub const CORE_UPLINK_LATENCY: Seconds = Seconds(2e-6);
/// Latency of a pool gateway to the core joining pools: ~10 µs.
pub const INTER_POOL_LATENCY: Seconds = Seconds(10e-6);

/// A vertex of the link graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Vertex {
    /// An accelerator.
    Device {
        /// Pool index.
        pool: usize,
        /// Node within the pool.
        node: u32,
        /// Device within the node.
        local: u32,
    },
    /// The node's NVSwitch or host PCIe switch.
    NodeSwitch {
        /// Pool index.
        pool: usize,
        /// Node within the pool.
        node: u32,
    },
    /// A data-centre NIC.
    Nic {
        /// Pool index.
        pool: usize,
        /// Node within the pool.
        node: u32,
        /// NIC within the node (the rail, for rail-optimized fabrics).
        index: u32,
    },
    /// A leaf (top-of-rack or rail) switch.
    Leaf {
        /// Pool index.
        pool: usize,
        /// Leaf within the pool (`group * nics + rail` for rail-optimized).
        index: u32,
    },
    /// A spine switch.
    Spine {
        /// Pool index.
        pool: usize,
        /// Spine within the pool.
        index: u32,
    },
    /// Where a pool's spines meet before the inter-pool link.
    PoolGateway {
        /// Pool index.
        pool: usize,
    },
    /// The core switch joining all pools.
    Core,
}

/// What a link is physically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkKind {
    /// NVLink or an equivalent accelerator link (NVSwitch port, Infinity
    /// Fabric, NeuronLink).
    NvLink,
    /// PCIe (device to host switch, host switch to NIC).
    Pcie,
    /// TPU inter-chip interconnect.
    Ici,
    /// NIC to leaf switch.
    NicUplink,
    /// Leaf to spine switch.
    LeafSpine,
    /// Spine to its pool gateway.
    CoreUplink,
    /// Pool gateway to the core joining pools.
    InterPool,
}

/// An edge of the link graph. Links are full duplex: `capacity` is available
/// in each direction at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Capacity per direction (a doubled NVLink counts twice).
    pub capacity: BytesPerSec,
    /// One-way latency of traversing the link.
    pub latency: Seconds,
    /// What the link is.
    pub kind: LinkKind,
}

/// The graph type behind a [`Topology`].
pub type TopologyGraph = UnGraph<Vertex, Link>;

/// A device, numbered globally in pool, node, local order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(pub usize);

/// A path between two devices.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Edges in order from source to destination.
    pub links: Vec<EdgeIndex>,
    /// Number of links.
    pub hops: u32,
    /// Smallest capacity along the path (infinite for a device to itself).
    pub bottleneck: BytesPerSec,
    /// Sum of link latencies.
    pub latency: Seconds,
}

impl Route {
    /// Time to move `bytes` along the route alone: latency + bytes / bottleneck.
    pub fn transfer_time(&self, bytes: Bytes) -> Seconds {
        self.latency + bytes / self.bottleneck
    }
}

/// Why a [`TopologySpec`] could not be built into a [`Topology`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// The spec lists no pools.
    #[error("build a topology without pools")]
    NoPools,
    /// A pool has no devices.
    #[error("build pool `{pool}`: it has no devices")]
    EmptyPool {
        /// Pool name.
        pool: String,
    },
    /// A bandwidth is zero, negative or not finite.
    #[error("build pool `{pool}`: `{key}` must be positive and finite, got {value}")]
    InvalidBandwidth {
        /// Pool name.
        pool: String,
        /// Offending key.
        key: &'static str,
        /// Offending value.
        value: f64,
    },
    /// Torus dims do not multiply to the pool's device count.
    #[error(
        "build pool `{pool}`: torus dims multiply to {product} but the pool has {devices} devices"
    )]
    TorusDims {
        /// Pool name.
        pool: String,
        /// Product of the dims.
        product: u64,
        /// Devices in the pool.
        devices: u64,
    },
    /// Hybrid cube-mesh needs exactly 8 devices per node.
    #[error(
        "build pool `{pool}`: hybrid cube-mesh needs 8 devices per node, got {devices_per_node}"
    )]
    CubeMeshSize {
        /// Pool name.
        pool: String,
        /// Devices per node given.
        devices_per_node: u32,
    },
    /// Hypercube needs a power-of-two number of devices per node.
    #[error(
        "build pool `{pool}`: hypercube needs a power-of-two devices per node, got {devices_per_node}"
    )]
    HypercubeSize {
        /// Pool name.
        pool: String,
        /// Devices per node given.
        devices_per_node: u32,
    },
    /// Oversubscription below 1 or not finite.
    #[error("build network: oversubscription must be at least 1, got {0}")]
    Oversubscription(f64),
    /// `nodes_per_leaf` of zero.
    #[error("build network: nodes_per_leaf must be at least 1")]
    NodesPerLeaf,
    /// `inter_pool_gbit_s` not positive.
    #[error("build network: inter_pool_gbit_s must be positive and finite, got {0}")]
    InterPool(f64),
    /// Some devices cannot reach each other (e.g. a multi-node pool without NICs).
    #[error("connect devices: pool `{pool}` cannot reach every other device (no nics?)")]
    Disconnected {
        /// Name of a pool with an unreachable device.
        pool: String,
    },
}

/// Where a device sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeviceInfo {
    pool: usize,
    node: u32,
    local: u32,
    vertex: NodeIndex,
}

/// Per-pool structure kept for analytic formulas and routing.
#[derive(Debug, Clone)]
pub(crate) struct PoolLayout {
    /// First global device index of the pool.
    first_device: usize,
    /// Leaf groups (sets of nodes sharing leaves).
    groups: u32,
    /// Sum over leaves of leaf-to-spine capacity.
    uplink_total: BytesPerSec,
}

/// The link graph of a cluster, with index maps for devices.
#[derive(Debug, Clone)]
pub struct Topology {
    graph: TopologyGraph,
    spec: TopologySpec,
    devices: Vec<DeviceInfo>,
    pools: Vec<PoolLayout>,
    /// Per pool, once asked: route latency inside a node and between nodes.
    latencies: std::sync::OnceLock<Vec<(Seconds, Seconds)>>,
}

impl Topology {
    /// Route latency between the first two devices of a node of `pool` and
    /// between the first devices of its first two nodes (zero where the pool
    /// has no such pair); computed once per topology.
    pub fn pool_latencies(&self, pool: usize) -> (Seconds, Seconds) {
        let all = self.latencies.get_or_init(|| {
            (0..self.spec.pools.len())
                .map(|p| {
                    let first = self.device(p, 0, 0);
                    let lat = |b: Option<DeviceId>| match (first, b) {
                        (Some(a), Some(b)) => self.route(a, b).latency,
                        _ => Seconds::ZERO,
                    };
                    (lat(self.device(p, 0, 1)), lat(self.device(p, 1, 0)))
                })
                .collect()
        });
        all.get(pool)
            .copied()
            .unwrap_or((Seconds::ZERO, Seconds::ZERO))
    }

    /// Builds the link graph; fails on inconsistent specs (torus dims that do
    /// not match the device count, non-positive bandwidths, unreachable pools).
    pub fn build(spec: &TopologySpec) -> Result<Topology, TopologyError> {
        build::build(spec)
    }

    /// Number of devices in all pools.
    pub fn device_count(&self) -> usize {
        self.devices.len()
    }

    /// Number of graph vertices (devices and switches).
    pub fn vertex_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of graph edges (links).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The device at (`pool`, `node`, `local`), if it exists.
    pub fn device(&self, pool: usize, node: u32, local: u32) -> Option<DeviceId> {
        let p = self.spec.pools.get(pool)?;
        if node >= p.nodes || local >= p.devices_per_node {
            return None;
        }
        let idx = self.pools[pool].first_device
            + node as usize * p.devices_per_node as usize
            + local as usize;
        Some(DeviceId(idx))
    }

    /// Graph vertex of a device.
    ///
    /// # Panics
    /// If `id` is not a device of this topology.
    pub fn device_vertex(&self, id: DeviceId) -> NodeIndex {
        self.devices[id.0].vertex
    }

    /// The deterministic route from `a` to `b` (see the module docs).
    ///
    /// # Panics
    /// If `a` or `b` is not a device of this topology.
    pub fn route(&self, a: DeviceId, b: DeviceId) -> Route {
        route::route(self, a, b)
    }

    /// Number of links on [`Topology::route`] from `a` to `b`.
    ///
    /// # Panics
    /// If `a` or `b` is not a device of this topology.
    pub fn hops(&self, a: DeviceId, b: DeviceId) -> u32 {
        route::hops(self, a, b)
    }

    /// Bisection bandwidth per direction: the capacity crossing a cut that
    /// splits the devices into two equal halves.
    ///
    /// * One pool of several nodes: `min(NIC cut, spine cut)` with NIC cut
    ///   `nodes / 2 * nics_per_node * nic_bw` and, when the pool has more than
    ///   one leaf group, spine cut `total NIC capacity / oversubscription / 2`.
    /// * One TPU torus pool: `2 * prod(other dims) * link_bw` across the
    ///   largest dimension (one link instead of two when its extent is 2),
    ///   plus the data-centre network cut above.
    /// * Otherwise (one node, several pools): maximum flow over the graph from
    ///   the first half of the devices by [`DeviceId`] to the second.
    pub fn bisection_bandwidth(&self) -> BytesPerSec {
        bisection::bisection_bandwidth(self)
    }

    /// Largest [`Topology::hops`] over all device pairs: `sum floor(d_i / 2)`
    /// inside a torus pool, all pairs of one node per pool, and one
    /// breadth-first search per device for pairs on different nodes or pools.
    pub fn diameter_hops(&self) -> u32 {
        route::diameter_hops(self)
    }

    /// The underlying graph.
    pub fn graph(&self) -> &TopologyGraph {
        &self.graph
    }

    /// The spec the topology was built from.
    pub fn spec(&self) -> &TopologySpec {
        &self.spec
    }

    /// Intra-node bandwidth of one device of `pool`, per direction.
    ///
    /// # Panics
    /// If `pool` is out of range.
    pub fn intra_node_bandwidth(&self, pool: usize) -> BytesPerSec {
        BytesPerSec::from_gbyte_s(self.spec.pools[pool].intra_gbyte_s_per_direction)
    }

    /// The node's NIC bandwidth divided among its devices, per direction,
    /// divided by the oversubscription when the pool spans more than one leaf
    /// group (so inter-node traffic crosses leaves).
    ///
    /// # Panics
    /// If `pool` is out of range.
    pub fn inter_node_bandwidth_per_device(&self, pool: usize) -> BytesPerSec {
        let p = &self.spec.pools[pool];
        let per_device = BytesPerSec::from_gbit_s(p.nic_gbit_s) * f64::from(p.nics_per_node)
            / f64::from(p.devices_per_node);
        if self.pools[pool].groups > 1 {
            per_device / self.spec.network.oversubscription
        } else {
            per_device
        }
    }

    /// Capacity of each pool's link to the core, if the spec limits it.
    pub fn inter_pool_bandwidth(&self) -> Option<BytesPerSec> {
        self.spec
            .network
            .inter_pool_gbit_s
            .map(BytesPerSec::from_gbit_s)
    }

    /// Pool, node and local index of a device.
    ///
    /// # Panics
    /// If `id` is not a device of this topology.
    pub fn locate(&self, id: DeviceId) -> (usize, u32, u32) {
        let d = self.devices[id.0];
        (d.pool, d.node, d.local)
    }
}
