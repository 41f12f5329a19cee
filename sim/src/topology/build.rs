//! Construction of the link graph from a [`TopologySpec`].
//!
//! Per node: a `NodeSwitch` (NVSwitch, or the host PCIe switch) linked to
//! every device, plus the shape's direct device links; the node's NICs hang
//! off the `NodeSwitch` at NIC bandwidth. Per pool: nodes are grouped
//! `nodes_per_leaf` to a leaf group. A fat-tree group has one leaf taking all
//! its nodes' NICs; a rail-optimized group has one leaf per rail (NIC index).
//! Every leaf links to each of the pool's `nics_per_node` spines with
//! `leaf downlink capacity / oversubscription / spines` per link. With more
//! than one pool, each pool's spines meet at a `PoolGateway` joined to a
//! shared `Core` by an `InterPool` link (capacity `inter_pool_gbit_s`, or the
//! pool's whole leaf uplink capacity when unset).

use super::{
    CORE_UPLINK_LATENCY, DEFAULT_NODES_PER_LEAF, DeviceInfo, Fabric, HOST_PCIE_GBYTE_S,
    ICI_LATENCY, INTER_POOL_LATENCY, IntraNodeShape, LEAF_SPINE_LATENCY, Link, LinkKind,
    NIC_UPLINK_LATENCY, NVLINK_LATENCY, PCIE_LATENCY, PoolLayout, PoolSpec, Topology,
    TopologyError, TopologyGraph, TopologySpec, Vertex, torus,
};
use crate::units::{BytesPerSec, Seconds};
use petgraph::graph::NodeIndex;

/// DGX-1 (V100) hybrid cube-mesh as `(gpu, gpu, nvlinks)`, as reported by
/// `nvidia-smi topo -m` on a DGX-1V: quads 0-3 and 4-7 fully connected
/// inside, plus `i <-> i+4`. Doubled pairs (two NVLinks, modelled as one
/// edge of twice the link capacity): 0-3, 0-4, 1-2, 1-5, 2-3, 4-7, 5-6, 6-7;
/// every GPU uses exactly 6 links.
const DGX1_CUBE_MESH: [(u32, u32, u32); 16] = [
    (0, 1, 1),
    (0, 2, 1),
    (0, 3, 2),
    (0, 4, 2),
    (1, 2, 2),
    (1, 3, 1),
    (1, 5, 2),
    (2, 3, 2),
    (2, 6, 1),
    (3, 7, 1),
    (4, 5, 1),
    (4, 6, 1),
    (4, 7, 2),
    (5, 6, 2),
    (5, 7, 1),
    (6, 7, 2),
];

pub(super) fn build(spec: &TopologySpec) -> Result<Topology, TopologyError> {
    validate(spec)?;
    let mut b = Builder {
        graph: TopologyGraph::default(),
        devices: Vec::new(),
        pools: Vec::new(),
    };
    let mut spines = Vec::new();
    for (p, pool) in spec.pools.iter().enumerate() {
        spines.push(b.add_pool(p, pool, spec));
    }
    if spec.pools.len() > 1 {
        let core = b.graph.add_node(Vertex::Core);
        for (p, pool_spines) in spines.iter().enumerate() {
            if pool_spines.is_empty() {
                continue;
            }
            let gateway = b.graph.add_node(Vertex::PoolGateway { pool: p });
            let total = b.pools[p].uplink_total;
            let per_spine = total / pool_spines.len() as f64;
            for &s in pool_spines {
                b.link(
                    s,
                    gateway,
                    per_spine,
                    CORE_UPLINK_LATENCY,
                    LinkKind::CoreUplink,
                );
            }
            let inter = spec
                .network
                .inter_pool_gbit_s
                .map_or(total, BytesPerSec::from_gbit_s);
            b.link(
                gateway,
                core,
                inter,
                INTER_POOL_LATENCY,
                LinkKind::InterPool,
            );
        }
    }
    check_connected(&b, spec)?;
    Ok(Topology {
        graph: b.graph,
        spec: spec.clone(),
        devices: b.devices,
        pools: b.pools,
        latencies: std::sync::OnceLock::new(),
    })
}

fn validate(spec: &TopologySpec) -> Result<(), TopologyError> {
    if spec.pools.is_empty() {
        return Err(TopologyError::NoPools);
    }
    let net = &spec.network;
    if !(net.oversubscription >= 1.0 && net.oversubscription.is_finite()) {
        return Err(TopologyError::Oversubscription(net.oversubscription));
    }
    if net.nodes_per_leaf == Some(0) {
        return Err(TopologyError::NodesPerLeaf);
    }
    if let Some(g) = net.inter_pool_gbit_s
        && !(g > 0.0 && g.is_finite())
    {
        return Err(TopologyError::InterPool(g));
    }
    for pool in &spec.pools {
        let name = || pool.name.clone();
        if pool.device_count() == 0 {
            return Err(TopologyError::EmptyPool { pool: name() });
        }
        let mut bandwidths = vec![(
            "intra_gbyte_s_per_direction",
            pool.intra_gbyte_s_per_direction,
        )];
        if pool.nics_per_node > 0 {
            bandwidths.push(("nic_gbit_s", pool.nic_gbit_s));
        }
        if !matches!(pool.shape, IntraNodeShape::NvSwitch | IntraNodeShape::Pcie) {
            bandwidths.push((
                "intra_link_gbyte_s_per_direction",
                pool.intra_link_gbyte_s_per_direction,
            ));
        }
        for (key, value) in bandwidths {
            if !(value > 0.0 && value.is_finite()) {
                return Err(TopologyError::InvalidBandwidth {
                    pool: name(),
                    key,
                    value,
                });
            }
        }
        let dpn = pool.devices_per_node;
        match &pool.shape {
            IntraNodeShape::HybridCubeMesh if dpn != 8 => {
                return Err(TopologyError::CubeMeshSize {
                    pool: name(),
                    devices_per_node: dpn,
                });
            }
            IntraNodeShape::Hypercube if !dpn.is_power_of_two() => {
                return Err(TopologyError::HypercubeSize {
                    pool: name(),
                    devices_per_node: dpn,
                });
            }
            IntraNodeShape::Torus { dims } => {
                let product: u64 = dims.iter().map(|&d| u64::from(d)).product();
                let devices = pool.device_count() as u64;
                if dims.is_empty() || product != devices {
                    return Err(TopologyError::TorusDims {
                        pool: name(),
                        product,
                        devices,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every device must reach device 0 (one undirected search).
fn check_connected(b: &Builder, spec: &TopologySpec) -> Result<(), TopologyError> {
    let start = b.devices[0].vertex;
    let mut seen = vec![false; b.graph.node_count()];
    let mut stack = vec![start];
    seen[start.index()] = true;
    while let Some(v) = stack.pop() {
        for u in b.graph.neighbors(v) {
            if !seen[u.index()] {
                seen[u.index()] = true;
                stack.push(u);
            }
        }
    }
    match b.devices.iter().find(|d| !seen[d.vertex.index()]) {
        Some(d) => Err(TopologyError::Disconnected {
            pool: spec.pools[d.pool].name.clone(),
        }),
        None => Ok(()),
    }
}

struct Builder {
    graph: TopologyGraph,
    devices: Vec<DeviceInfo>,
    pools: Vec<PoolLayout>,
}

impl Builder {
    fn link(
        &mut self,
        a: NodeIndex,
        b: NodeIndex,
        capacity: BytesPerSec,
        latency: Seconds,
        kind: LinkKind,
    ) {
        self.graph.add_edge(
            a,
            b,
            Link {
                capacity,
                latency,
                kind,
            },
        );
    }

    /// Adds one pool; returns its spine vertices.
    fn add_pool(&mut self, p: usize, pool: &PoolSpec, spec: &TopologySpec) -> Vec<NodeIndex> {
        let first_device = self.devices.len();
        let dpn = pool.devices_per_node;
        let per_device = BytesPerSec::from_gbyte_s(pool.intra_gbyte_s_per_direction);
        let per_link = BytesPerSec::from_gbyte_s(pool.intra_link_gbyte_s_per_direction);
        let nic_bw = BytesPerSec::from_gbit_s(pool.nic_gbit_s);
        let mut nics = Vec::with_capacity(pool.nodes as usize);
        for node in 0..pool.nodes {
            let devs: Vec<NodeIndex> = (0..dpn)
                .map(|local| {
                    let vertex = self.graph.add_node(Vertex::Device {
                        pool: p,
                        node,
                        local,
                    });
                    self.devices.push(DeviceInfo {
                        pool: p,
                        node,
                        local,
                        vertex,
                    });
                    vertex
                })
                .collect();
            let switch = self.graph.add_node(Vertex::NodeSwitch { pool: p, node });
            let (cap, latency, kind) = match pool.shape {
                IntraNodeShape::NvSwitch => (per_device, NVLINK_LATENCY, LinkKind::NvLink),
                IntraNodeShape::Pcie => (per_device, PCIE_LATENCY, LinkKind::Pcie),
                _ => (
                    BytesPerSec::from_gbyte_s(HOST_PCIE_GBYTE_S),
                    PCIE_LATENCY,
                    LinkKind::Pcie,
                ),
            };
            for &d in &devs {
                self.link(d, switch, cap, latency, kind);
            }
            self.add_direct_links(&pool.shape, &devs, per_link);
            let node_nics: Vec<NodeIndex> = (0..pool.nics_per_node)
                .map(|index| {
                    let nic = self.graph.add_node(Vertex::Nic {
                        pool: p,
                        node,
                        index,
                    });
                    self.link(switch, nic, nic_bw, PCIE_LATENCY, LinkKind::Pcie);
                    nic
                })
                .collect();
            nics.push(node_nics);
        }
        if let IntraNodeShape::Torus { dims } = &pool.shape {
            let verts: Vec<NodeIndex> = self.devices[first_device..]
                .iter()
                .map(|d| d.vertex)
                .collect();
            self.add_torus_links(dims, &verts, per_link);
        }
        let (groups, uplink_total, spines) = self.add_fabric(p, pool, spec, &nics, nic_bw);
        self.pools.push(PoolLayout {
            first_device,
            groups,
            uplink_total,
        });
        spines
    }

    /// Device-to-device links inside one node.
    fn add_direct_links(
        &mut self,
        shape: &IntraNodeShape,
        devs: &[NodeIndex],
        per_link: BytesPerSec,
    ) {
        match shape {
            IntraNodeShape::HybridCubeMesh => {
                for (a, b, lanes) in DGX1_CUBE_MESH {
                    let cap = per_link * f64::from(lanes);
                    self.link(
                        devs[a as usize],
                        devs[b as usize],
                        cap,
                        NVLINK_LATENCY,
                        LinkKind::NvLink,
                    );
                }
            }
            IntraNodeShape::FullyConnected => {
                for i in 0..devs.len() {
                    for j in i + 1..devs.len() {
                        self.link(devs[i], devs[j], per_link, NVLINK_LATENCY, LinkKind::NvLink);
                    }
                }
            }
            IntraNodeShape::Hypercube => {
                for i in 0..devs.len() {
                    let mut bit = 1;
                    while bit < devs.len() {
                        let j = i ^ bit;
                        if j > i {
                            self.link(devs[i], devs[j], per_link, NVLINK_LATENCY, LinkKind::NvLink);
                        }
                        bit <<= 1;
                    }
                }
            }
            IntraNodeShape::NvSwitch | IntraNodeShape::Pcie | IntraNodeShape::Torus { .. } => {}
        }
    }

    /// Pool-wide torus: each device links to its `+1` neighbour in every
    /// dimension of extent > 2 (wraparound included) and, for extent 2, only
    /// coordinate 0 links to 1 so the pair gets one link.
    fn add_torus_links(&mut self, dims: &[u32], verts: &[NodeIndex], per_link: BytesPerSec) {
        for (i, &v) in verts.iter().enumerate() {
            let c = torus::coords(dims, i);
            for (k, &d) in dims.iter().enumerate() {
                if d < 2 || (d == 2 && c[k] == 1) {
                    continue;
                }
                let mut n = c.clone();
                n[k] = (c[k] + 1) % d;
                let u = verts[torus::index(dims, &n)];
                self.link(v, u, per_link, ICI_LATENCY, LinkKind::Ici);
            }
        }
    }

    /// Leaves and spines; returns (leaf groups, total leaf uplink, spines).
    fn add_fabric(
        &mut self,
        p: usize,
        pool: &PoolSpec,
        spec: &TopologySpec,
        nics: &[Vec<NodeIndex>],
        nic_bw: BytesPerSec,
    ) -> (u32, BytesPerSec, Vec<NodeIndex>) {
        let net = &spec.network;
        let per_leaf = net.nodes_per_leaf.unwrap_or(DEFAULT_NODES_PER_LEAF);
        let groups = pool.nodes.div_ceil(per_leaf);
        let rails = pool.nics_per_node;
        if rails == 0 {
            return (groups, BytesPerSec::ZERO, Vec::new());
        }
        let spines: Vec<NodeIndex> = (0..rails)
            .map(|index| self.graph.add_node(Vertex::Spine { pool: p, index }))
            .collect();
        let rail_optimized = net.fabric == Fabric::RailOptimized;
        let mut uplink_total = BytesPerSec::ZERO;
        for g in 0..groups {
            let nodes = g * per_leaf..((g + 1) * per_leaf).min(pool.nodes);
            let node_count = f64::from(nodes.end - nodes.start);
            let leaves_here = if rail_optimized { rails } else { 1 };
            for r in 0..leaves_here {
                let index = g * leaves_here + r;
                let leaf = self.graph.add_node(Vertex::Leaf { pool: p, index });
                for node in nodes.clone() {
                    let node_nics = &nics[node as usize];
                    if rail_optimized {
                        let nic = node_nics[r as usize];
                        self.link(nic, leaf, nic_bw, NIC_UPLINK_LATENCY, LinkKind::NicUplink);
                    } else {
                        for &nic in node_nics {
                            self.link(nic, leaf, nic_bw, NIC_UPLINK_LATENCY, LinkKind::NicUplink);
                        }
                    }
                }
                let ports = if rail_optimized {
                    1.0
                } else {
                    f64::from(rails)
                };
                let down = nic_bw * (node_count * ports);
                let up = down / net.oversubscription;
                uplink_total += up;
                let per_spine = up / spines.len() as f64;
                for &s in &spines {
                    self.link(leaf, s, per_spine, LEAF_SPINE_LATENCY, LinkKind::LeafSpine);
                }
            }
        }
        (groups, uplink_total, spines)
    }
}
