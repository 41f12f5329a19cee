//! Deterministic routing and hop-count diameter.
//!
//! * Same device: the empty route (0 hops, infinite bottleneck).
//! * Same TPU torus pool: dimension-order routing, dimension 0 first, each
//!   ring the shorter way round (the positive direction on ties).
//! * Same node of a direct-link shape (cube-mesh, fully connected,
//!   hypercube): shortest path over that node's device links only, never
//!   through the host PCIe switch.
//! * Otherwise: shortest path over the whole graph.
//!
//! Shortest paths have the fewest hops; among those the highest bottleneck
//! capacity; then, at each step, a NIC, rail-optimized leaf or spine on the
//! rail of the source or destination device (device `d` of a node with `n`
//! NICs and `k` devices uses NIC `d * n / k` and spine `d * n / k` of its
//! pool); then the lowest vertex index.

use super::{DeviceId, Fabric, IntraNodeShape, Route, Topology, Vertex, torus};
use crate::units::{BytesPerSec, Seconds};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::VecDeque;

/// How a pair of devices is routed.
enum Scope<'a> {
    Same,
    Torus(&'a [u32]),
    Node,
    Any,
}

fn scope(t: &Topology, a: DeviceId, b: DeviceId) -> Scope<'_> {
    let (da, db) = (t.devices[a.0], t.devices[b.0]);
    if a == b {
        return Scope::Same;
    }
    if da.pool != db.pool {
        return Scope::Any;
    }
    match &t.spec.pools[da.pool].shape {
        IntraNodeShape::Torus { dims } => Scope::Torus(dims),
        IntraNodeShape::HybridCubeMesh
        | IntraNodeShape::FullyConnected
        | IntraNodeShape::Hypercube
            if da.node == db.node =>
        {
            Scope::Node
        }
        _ => Scope::Any,
    }
}

pub(super) fn route(t: &Topology, a: DeviceId, b: DeviceId) -> Route {
    match scope(t, a, b) {
        Scope::Same => Route {
            links: Vec::new(),
            hops: 0,
            bottleneck: BytesPerSec(f64::INFINITY),
            latency: Seconds::ZERO,
        },
        Scope::Torus(dims) => torus_route(t, dims, a, b),
        Scope::Node => {
            let (pool, node) = (t.devices[a.0].pool, t.devices[a.0].node);
            let allowed = |v: NodeIndex| matches!(t.graph[v], Vertex::Device { pool: p, node: n, .. } if p == pool && n == node);
            bfs_route(t, a, b, &allowed)
        }
        Scope::Any => bfs_route(t, a, b, &|_| true),
    }
}

pub(super) fn hops(t: &Topology, a: DeviceId, b: DeviceId) -> u32 {
    match scope(t, a, b) {
        Scope::Same => 0,
        Scope::Torus(dims) => {
            let first = t.pools[t.devices[a.0].pool].first_device;
            let ca = torus::coords(dims, a.0 - first);
            let cb = torus::coords(dims, b.0 - first);
            torus::distance(dims, &ca, &cb)
        }
        _ => route(t, a, b).hops,
    }
}

/// Whether vertex `v` lies on device `d`'s rail: its rail NIC (NIC
/// `local * nics / devices_per_node` of its node) or, in a rail-optimized
/// fabric, a leaf of that rail in the device's pool.
fn on_rail(t: &Topology, d: DeviceId, v: NodeIndex) -> bool {
    let info = t.devices[d.0];
    let spec = &t.spec.pools[info.pool];
    let nics = spec.nics_per_node;
    if nics == 0 {
        return false;
    }
    let rail =
        u32::try_from(u64::from(info.local) * u64::from(nics) / u64::from(spec.devices_per_node))
            .expect("rail is below nics_per_node");
    match t.graph[v] {
        Vertex::Nic { pool, node, index } => {
            pool == info.pool && node == info.node && index == rail
        }
        Vertex::Leaf { pool, index } => {
            t.spec.network.fabric == Fabric::RailOptimized
                && pool == info.pool
                && index % nics == rail
        }
        // Equal-cost paths over the spines: each rail takes its own spine
        // (a deterministic stand-in for ECMP hashing), so flows of different
        // rails spread over the spines instead of piling onto the first.
        Vertex::Spine { pool, index } => pool == info.pool && index % nics == rail,
        _ => false,
    }
}

fn torus_route(t: &Topology, dims: &[u32], a: DeviceId, b: DeviceId) -> Route {
    let first = t.pools[t.devices[a.0].pool].first_device;
    let mut cur = torus::coords(dims, a.0 - first);
    let target = torus::coords(dims, b.0 - first);
    let mut links = Vec::new();
    for (k, &d) in dims.iter().enumerate() {
        let offset = torus::ring_offset(d, cur[k], target[k]);
        for _ in 0..offset.unsigned_abs() {
            let from = t.devices[first + torus::index(dims, &cur)].vertex;
            cur[k] = if offset > 0 {
                (cur[k] + 1) % d
            } else {
                (cur[k] + d - 1) % d
            };
            let to = t.devices[first + torus::index(dims, &cur)].vertex;
            links.push(
                t.graph
                    .find_edge(from, to)
                    .expect("torus neighbours are linked"),
            );
        }
    }
    finish(t, links)
}

fn finish(t: &Topology, links: Vec<EdgeIndex>) -> Route {
    let mut bottleneck = BytesPerSec(f64::INFINITY);
    let mut latency = Seconds::ZERO;
    for &e in &links {
        let link = t.graph[e];
        bottleneck = bottleneck.min(link.capacity);
        latency += link.latency;
    }
    Route {
        hops: u32::try_from(links.len()).expect("route length fits u32"),
        links,
        bottleneck,
        latency,
    }
}

/// Breadth-first distances from `from` over `allowed` vertices; stops once
/// `stop` is discovered. Returns the distances and the discovery order.
fn bfs(
    t: &Topology,
    from: NodeIndex,
    stop: Option<NodeIndex>,
    allowed: &dyn Fn(NodeIndex) -> bool,
) -> (Vec<u32>, Vec<NodeIndex>) {
    let mut dist = vec![u32::MAX; t.graph.node_count()];
    let mut order = vec![from];
    let mut queue = VecDeque::from([from]);
    dist[from.index()] = 0;
    while let Some(v) = queue.pop_front() {
        for u in t.graph.neighbors(v) {
            if dist[u.index()] != u32::MAX || !(allowed(u) || Some(u) == stop) {
                continue;
            }
            dist[u.index()] = dist[v.index()] + 1;
            order.push(u);
            if Some(u) == stop {
                return (dist, order);
            }
            queue.push_back(u);
        }
    }
    (dist, order)
}

fn bfs_route(t: &Topology, a: DeviceId, b: DeviceId, allowed: &dyn Fn(NodeIndex) -> bool) -> Route {
    let (va, vb) = (t.devices[a.0].vertex, t.devices[b.0].vertex);
    // Distances to the destination, so the walk from the source is greedy.
    let (dist, order) = bfs(t, vb, Some(va), allowed);
    let target = dist[va.index()];
    assert!(
        target != u32::MAX,
        "build checked that devices are connected"
    );
    // best[v]: highest bottleneck from v to b along shortest paths.
    let mut best = vec![f64::NEG_INFINITY; t.graph.node_count()];
    best[vb.index()] = f64::INFINITY;
    let step = |v: NodeIndex, best: &[f64]| -> Option<(f64, NodeIndex, EdgeIndex)> {
        let dv = dist[v.index()];
        t.graph
            .edges(v)
            .filter_map(|e| {
                let u = if e.source() == v {
                    e.target()
                } else {
                    e.source()
                };
                (dv > 0 && dist[u.index()] == dv - 1)
                    .then(|| (e.weight().capacity.get().min(best[u.index()]), u, e.id()))
            })
            .reduce(|x, y| if better(t, a, b, y, x) { y } else { x })
    };
    for &v in order.iter().skip(1) {
        if dist[v.index()] >= target {
            continue;
        }
        if let Some((value, _, _)) = step(v, &best) {
            best[v.index()] = value;
        }
    }
    let mut links = Vec::with_capacity(target as usize);
    let mut cur = va;
    while cur != vb {
        let (_, next, edge) = step(cur, &best).expect("a shortest path continues");
        links.push(edge);
        cur = next;
    }
    finish(t, links)
}

/// Whether candidate `y` beats `x`: higher bottleneck, then rail NIC, then
/// lower vertex index.
fn better(
    t: &Topology,
    a: DeviceId,
    b: DeviceId,
    y: (f64, NodeIndex, EdgeIndex),
    x: (f64, NodeIndex, EdgeIndex),
) -> bool {
    if y.0 != x.0 {
        return y.0 > x.0;
    }
    let ry = on_rail(t, a, y.1) || on_rail(t, b, y.1);
    let rx = on_rail(t, a, x.1) || on_rail(t, b, x.1);
    if ry != rx {
        return ry;
    }
    y.1.index() < x.1.index()
}

pub(super) fn diameter_hops(t: &Topology) -> u32 {
    let mut diameter = 0;
    // Pairs inside a torus pool or one node.
    for (p, pool) in t.spec.pools.iter().enumerate() {
        if let IntraNodeShape::Torus { dims } = &pool.shape {
            diameter = diameter.max(torus::diameter(dims));
            continue;
        }
        let first = t.pools[p].first_device;
        let dpn = pool.devices_per_node as usize;
        for i in 0..dpn {
            for j in i + 1..dpn {
                diameter = diameter.max(hops(t, DeviceId(first + i), DeviceId(first + j)));
            }
        }
    }
    // Pairs in different nodes or pools: one unrestricted search per device.
    let cross = |a: DeviceId, b: DeviceId| {
        let (da, db) = (t.devices[a.0], t.devices[b.0]);
        da.pool != db.pool
            || (da.node != db.node
                && !matches!(t.spec.pools[da.pool].shape, IntraNodeShape::Torus { .. }))
    };
    let any_cross = t.spec.pools.len() > 1
        || t.spec
            .pools
            .iter()
            .any(|p| p.nodes > 1 && !matches!(p.shape, IntraNodeShape::Torus { .. }));
    if !any_cross {
        return diameter;
    }
    // Nodes under one leaf are interchangeable, and so are full leaf groups:
    // searching from the first node of the first and of the last (possibly
    // partial) group of each pool reaches every distance. Torus pools, whose
    // chips attach to hosts unevenly, search from every device.
    let per_leaf = t
        .spec
        .network
        .nodes_per_leaf
        .unwrap_or(super::DEFAULT_NODES_PER_LEAF)
        .max(1);
    let is_source = |d: &super::DeviceInfo| {
        let pool = &t.spec.pools[d.pool];
        if matches!(pool.shape, IntraNodeShape::Torus { .. }) {
            return true;
        }
        let last_group_start = (pool.nodes.saturating_sub(1) / per_leaf) * per_leaf;
        d.node == 0 || d.node == last_group_start
    };
    for (i, da) in t.devices.iter().enumerate().filter(|(_, d)| is_source(d)) {
        let (dist, _) = bfs(t, da.vertex, None, &|_| true);
        for (j, db) in t.devices.iter().enumerate() {
            if cross(DeviceId(i), DeviceId(j)) {
                diameter = diameter.max(dist[db.vertex.index()]);
            }
        }
    }
    diameter
}
