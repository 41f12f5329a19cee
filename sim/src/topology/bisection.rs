//! Bisection bandwidth: the per-direction capacity crossing a cut that splits
//! the devices into two equal halves.
//!
//! Analytic cases (one pool):
//!
//! * Several nodes, fat-tree or rail-optimized data-centre network:
//!   `min(NIC cut, spine cut)`, where the NIC cut is
//!   `nodes / 2 * nics_per_node * nic_bw` and the spine cut, when the pool has
//!   more than one leaf group, is half the total leaf uplink capacity
//!   (`total NIC capacity / oversubscription / 2`). Intra-node links are
//!   assumed not to limit.
//! * TPU torus pool: `torus::bisection_links(dims) * link_bw`, i.e.
//!   `2 * prod(other dims) * link_bw` across the largest dimension (one link
//!   instead of two when it has extent 2), plus the data-centre network's cut
//!   above when the pool has several hosts with NICs (both networks cross the
//!   cut in parallel).
//!
//! Otherwise (one node, or several pools) the maximum flow from the first half
//! of the devices (by [`DeviceId`](super::DeviceId)) to the second half, over
//! the whole graph, with each link carrying its capacity in each direction.

use super::{IntraNodeShape, PoolSpec, Topology};
use crate::units::BytesPerSec;
use std::collections::VecDeque;

pub(super) fn bisection_bandwidth(t: &Topology) -> BytesPerSec {
    if t.devices.len() < 2 {
        return BytesPerSec::ZERO;
    }
    if let [pool] = t.spec.pools.as_slice() {
        if let IntraNodeShape::Torus { dims } = &pool.shape {
            let ici = BytesPerSec::from_gbyte_s(pool.intra_link_gbyte_s_per_direction)
                * super::torus::bisection_links(dims) as f64;
            return ici + network_cut(t, pool);
        }
        if pool.nodes > 1 {
            return network_cut(t, pool);
        }
    }
    max_flow_halves(t)
}

/// `min(NIC cut, spine cut)` of one pool's data-centre network.
fn network_cut(t: &Topology, pool: &PoolSpec) -> BytesPerSec {
    if pool.nodes < 2 || pool.nics_per_node == 0 {
        return BytesPerSec::ZERO;
    }
    let nic_cut = BytesPerSec::from_gbit_s(pool.nic_gbit_s)
        * (f64::from(pool.nodes) / 2.0 * f64::from(pool.nics_per_node));
    if t.pools[0].groups > 1 {
        nic_cut.min(t.pools[0].uplink_total / 2.0)
    } else {
        nic_cut
    }
}

/// Dinic's maximum flow from the first half of the devices to the second.
pub(super) fn max_flow_halves(t: &Topology) -> BytesPerSec {
    let n = t.graph.node_count();
    let (source, sink) = (n, n + 1);
    let mut net = FlowNet::new(n + 2);
    for e in t.graph.raw_edges() {
        let c = e.weight.capacity.get();
        net.add_undirected(e.source().index(), e.target().index(), c);
    }
    let half = t.devices.len() / 2;
    for (i, d) in t.devices.iter().enumerate() {
        if i < half {
            net.add_directed(source, d.vertex.index(), f64::INFINITY);
        } else if i < 2 * half {
            net.add_directed(d.vertex.index(), sink, f64::INFINITY);
        }
    }
    BytesPerSec(net.max_flow(source, sink))
}

/// Residual capacities below this (bytes/s) count as saturated.
const EPSILON: f64 = 1e-3;

struct FlowNet {
    /// Per arc: head, residual capacity; arc `i ^ 1` is the reverse of `i`.
    head: Vec<usize>,
    residual: Vec<f64>,
    adjacency: Vec<Vec<usize>>,
}

impl FlowNet {
    fn new(n: usize) -> Self {
        Self {
            head: Vec::new(),
            residual: Vec::new(),
            adjacency: vec![Vec::new(); n],
        }
    }

    fn add_pair(&mut self, a: usize, b: usize, forward: f64, backward: f64) {
        self.adjacency[a].push(self.head.len());
        self.head.push(b);
        self.residual.push(forward);
        self.adjacency[b].push(self.head.len());
        self.head.push(a);
        self.residual.push(backward);
    }

    fn add_directed(&mut self, a: usize, b: usize, c: f64) {
        self.add_pair(a, b, c, 0.0);
    }

    fn add_undirected(&mut self, a: usize, b: usize, c: f64) {
        self.add_pair(a, b, c, c);
    }

    fn max_flow(&mut self, s: usize, t: usize) -> f64 {
        let n = self.adjacency.len();
        let mut total = 0.0;
        loop {
            let mut level = vec![usize::MAX; n];
            level[s] = 0;
            let mut queue = VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                for &arc in &self.adjacency[v] {
                    let u = self.head[arc];
                    if level[u] == usize::MAX && self.residual[arc] > EPSILON {
                        level[u] = level[v] + 1;
                        queue.push_back(u);
                    }
                }
            }
            if level[t] == usize::MAX {
                return total;
            }
            let mut next = vec![0; n];
            loop {
                let pushed = self.push(s, t, f64::INFINITY, &level, &mut next);
                if pushed <= EPSILON {
                    break;
                }
                total += pushed;
            }
        }
    }

    /// Sends one blocking-flow augmenting path (iterative depth-first search).
    fn push(&mut self, s: usize, t: usize, limit: f64, level: &[usize], next: &mut [usize]) -> f64 {
        let mut path: Vec<usize> = Vec::new();
        let mut v = s;
        loop {
            if v == t {
                let flow = path.iter().fold(limit, |f, &arc| f.min(self.residual[arc]));
                for &arc in &path {
                    self.residual[arc] -= flow;
                    self.residual[arc ^ 1] += flow;
                }
                return flow;
            }
            let mut advanced = false;
            while next[v] < self.adjacency[v].len() {
                let arc = self.adjacency[v][next[v]];
                let u = self.head[arc];
                if self.residual[arc] > EPSILON && level[u] == level[v] + 1 {
                    path.push(arc);
                    v = u;
                    advanced = true;
                    break;
                }
                next[v] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                let Some(arc) = path.pop() else {
                    return 0.0;
                };
                v = self.head[arc ^ 1];
                next[v] += 1;
            }
        }
    }
}
