//! Input description of a cluster's links, filled by the scenario validator.

/// How the devices inside one node (or, for a TPU slice, one pool) are linked.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IntraNodeShape {
    /// Every device has one link of `intra_gbyte_s_per_direction` to a node
    /// switch (NVSwitch); all pairs are two hops apart.
    NvSwitch,
    /// The DGX-1 (V100) hybrid cube-mesh: 8 devices, 6 NVLinks each, some
    /// pairs joined by two links and some not at all.
    HybridCubeMesh,
    /// A direct link of `intra_link_gbyte_s_per_direction` between every pair
    /// of devices (MI300X Infinity Fabric).
    FullyConnected,
    /// Devices hang off the host PCIe switch at `intra_gbyte_s_per_direction`.
    Pcie,
    /// A TPU slice: the whole pool is one torus with wraparound links of
    /// `intra_link_gbyte_s_per_direction`, e.g. `[4, 4, 4]` or `[16, 16]`.
    Torus {
        /// Extent of each dimension; the product must equal the pool's devices.
        dims: Vec<u32>,
    },
    /// A d-dimensional hypercube inside each node (Trn1 NeuronLink, 4D for 16
    /// devices); devices per node must be a power of two.
    Hypercube,
}

/// One pool of identical nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    /// Pool name, used in error messages.
    pub name: String,
    /// Number of nodes (hosts).
    pub nodes: u32,
    /// Accelerators per node.
    pub devices_per_node: u32,
    /// Data-centre network NICs per node.
    pub nics_per_node: u32,
    /// Bandwidth of one NIC in Gb/s (per direction).
    pub nic_gbit_s: f64,
    /// Intra-node bandwidth per device in GB/s per direction.
    pub intra_gbyte_s_per_direction: f64,
    /// Bandwidth of one device-to-device link in GB/s per direction (mesh,
    /// torus and hypercube shapes).
    pub intra_link_gbyte_s_per_direction: f64,
    /// How the devices of a node (or the pool, for a torus) are linked.
    pub shape: IntraNodeShape,
}

impl PoolSpec {
    /// Devices in the pool.
    pub fn device_count(&self) -> usize {
        self.nodes as usize * self.devices_per_node as usize
    }
}

/// The data-centre network joining nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fabric {
    /// Two-level leaf/spine fat-tree; all NICs of a node share one leaf.
    FatTree,
    /// Rail-optimized leaf/spine: NIC `i` of every node in a group shares
    /// rail leaf `i`.
    RailOptimized,
    /// TPU pools use their ICI torus inside a slice; hosts reach each other and
    /// other pools through a fat-tree data-centre network (DCN).
    Torus,
}

/// The scenario's `[network]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    /// Fabric kind (`topology` key).
    pub fabric: Fabric,
    /// At least 1: a leaf's uplink capacity is its downlink capacity divided
    /// by this.
    pub oversubscription: f64,
    /// Nodes whose NICs share one leaf (per rail, for rail-optimized);
    /// `None` means [`DEFAULT_NODES_PER_LEAF`](super::DEFAULT_NODES_PER_LEAF).
    pub nodes_per_leaf: Option<u32>,
    /// Bandwidth in Gb/s of each pool's link to the core joining pools;
    /// `None` means pools share one fabric at full bandwidth.
    pub inter_pool_gbit_s: Option<f64>,
}

/// Everything [`Topology::build`](super::Topology::build) needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TopologySpec {
    /// The pools, in scenario order; a pool's index is its position here.
    pub pools: Vec<PoolSpec>,
    /// The network joining nodes and pools.
    pub network: NetworkSpec,
}
