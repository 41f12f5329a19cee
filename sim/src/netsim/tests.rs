//! Known-answer and property tests for fairness, the flow network and
//! collectives.

use super::*;
use crate::estimate::comm;
use crate::topology::{Fabric, IntraNodeShape, NetworkSpec, PoolSpec, Topology, TopologySpec};
use crate::units::{Bytes, BytesPerSec, Seconds};
use proptest::prelude::*;

const GB: f64 = 1e9;

fn pool(nodes: u32, dpn: u32, nics: u32, nic_gbit_s: f64, intra: f64) -> PoolSpec {
    PoolSpec {
        name: "gpu".to_string(),
        nodes,
        devices_per_node: dpn,
        nics_per_node: nics,
        nic_gbit_s,
        intra_gbyte_s_per_direction: intra,
        intra_link_gbyte_s_per_direction: 25.0,
        shape: IntraNodeShape::NvSwitch,
    }
}

fn topo(p: PoolSpec, oversubscription: f64, nodes_per_leaf: Option<u32>) -> Topology {
    let network = NetworkSpec {
        fabric: Fabric::FatTree,
        oversubscription,
        nodes_per_leaf,
        inter_pool_gbit_s: None,
    };
    Topology::build(&TopologySpec {
        pools: vec![p],
        network,
    })
    .expect("valid spec")
}

fn dev(t: &Topology, node: u32, local: u32) -> crate::topology::DeviceId {
    t.device(0, node, local).expect("exists")
}

const FULL: Efficiency = Efficiency {
    max: 1.0,
    half_bytes: 0.0,
};

fn coll(
    kind: CollectiveKind,
    algorithm: Algorithm,
    ranks: Vec<crate::topology::DeviceId>,
) -> Collective {
    Collective {
        kind,
        algorithm,
        ranks,
        bytes: GB,
        efficiency: FULL,
    }
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-30)
}

/// One NVSwitch node of 4 devices at 100 GB/s per direction.
fn node4() -> (Topology, Vec<crate::topology::DeviceId>) {
    let t = topo(pool(1, 4, 1, 400.0, 100.0), 1.0, None);
    let ranks = (0..4).map(|i| dev(&t, 0, i)).collect();
    (t, ranks)
}

#[test]
fn max_min_known_answer() {
    let r = max_min_rates(&[1.0, 2.0], &[vec![0, 1], vec![0], vec![1]]);
    assert_eq!(r, vec![0.5, 0.5, 1.5]);
    assert_eq!(max_min_rates(&[1.0], &[vec![]]), vec![f64::INFINITY]);
}

#[test]
fn ring_collectives_match_alpha_beta() {
    let (t, ranks) = node4();
    let alpha = t.route(ranks[0], ranks[1]).latency;
    assert_eq!(alpha, Seconds(2e-6));
    let link = comm::Link {
        bandwidth: BytesPerSec::from_gbyte_s(100.0),
        latency: alpha,
    };
    let ar = isolated_time(
        &t,
        &coll(CollectiveKind::AllReduce, Algorithm::Ring, ranks.clone()),
    )
    .expect("runs");
    let expected = comm::all_reduce(Bytes(GB), 4, link).get();
    assert!(rel_close(ar, expected, 1e-9), "{ar} vs {expected}");
    assert!(rel_close(ar, 0.015 + 6.0 * 2e-6, 1e-9));
    for kind in [CollectiveKind::ReduceScatter, CollectiveKind::AllGather] {
        let s = isolated_time(&t, &coll(kind, Algorithm::Ring, ranks.clone())).expect("runs");
        let expected = comm::all_gather(Bytes(GB), 4, link).get();
        assert!(rel_close(s, expected, 1e-9), "{kind:?}: {s} vs {expected}");
    }
}

#[test]
fn tree_and_direct_known_answers() {
    let (t, ranks) = node4();
    // Tree 0→{1,2}, 1→{3}: ranks 0 and 1 each send two flows and receive two,
    // so every flow gets 50 GB/s: 1 GB / 50 GB/s + 2·depth(2) · 2 µs.
    let tree = isolated_time(
        &t,
        &coll(CollectiveKind::AllReduce, Algorithm::Tree, ranks.clone()),
    )
    .expect("runs");
    assert!(rel_close(tree, 0.02 + 4.0 * 2e-6, 1e-9), "{tree}");
    // All-to-all: each device sends three flows of 0.25 GB at 100/3 GB/s.
    let a2a = isolated_time(
        &t,
        &coll(CollectiveKind::AllToAll, Algorithm::Direct, ranks.clone()),
    )
    .expect("runs");
    assert!(rel_close(a2a, 0.0075 + 2e-6, 1e-9), "{a2a}");
    let bad = coll(CollectiveKind::AllToAll, Algorithm::Ring, ranks);
    assert!(matches!(
        isolated_time(&t, &bad),
        Err(NetError::Unsupported { .. })
    ));
}

#[test]
fn hierarchical_matches_alpha_beta() {
    // 2 nodes x 4 devices, one 400 Gb/s NIC per node.
    let t = topo(pool(2, 4, 1, 400.0, 450.0), 1.0, None);
    let ranks: Vec<_> = (0..2)
        .flat_map(|n| (0..4).map(move |l| (n, l)))
        .map(|(n, l)| dev(&t, n, l))
        .collect();
    let c = coll(
        CollectiveKind::AllReduce,
        Algorithm::Hierarchical,
        ranks.clone(),
    );
    let s = isolated_time(&t, &c).expect("runs");
    let inner = comm::Link {
        bandwidth: t.intra_node_bandwidth(0),
        latency: t.route(ranks[0], ranks[1]).latency,
    };
    let outer = comm::Link {
        bandwidth: t.inter_node_bandwidth_per_device(0),
        latency: t.route(ranks[0], ranks[4]).latency,
    };
    let expected = comm::hierarchical_all_reduce(Bytes(GB), 4, inner, 2, outer).get();
    assert!(rel_close(s, expected, 1e-6), "{s} vs {expected}");
}

#[test]
fn send_recv_across_nodes_is_nic_bound() {
    let t = topo(pool(2, 4, 1, 100.0, 450.0), 1.0, None);
    let (a, b) = (dev(&t, 0, 0), dev(&t, 1, 0));
    let s = isolated_time(
        &t,
        &coll(CollectiveKind::SendRecv, Algorithm::Direct, vec![a, b]),
    )
    .expect("runs");
    let link = comm::Link {
        bandwidth: BytesPerSec::from_gbit_s(100.0),
        latency: t.route(a, b).latency,
    };
    assert!(rel_close(s, comm::send(Bytes(GB), link).get(), 1e-9));
}

#[test]
fn two_all_reduces_sharing_a_nic_get_half_each() {
    let t = topo(pool(2, 2, 1, 100.0, 450.0), 1.0, None);
    let a = coll(
        CollectiveKind::AllReduce,
        Algorithm::Ring,
        vec![dev(&t, 0, 0), dev(&t, 1, 0)],
    );
    let b = coll(
        CollectiveKind::AllReduce,
        Algorithm::Ring,
        vec![dev(&t, 0, 1), dev(&t, 1, 1)],
    );
    let alone = isolated_time(&t, &a).expect("runs");
    let lat = t.route(dev(&t, 0, 0), dev(&t, 1, 0)).latency.get();
    let bw_time = alone - 2.0 * lat;
    assert!(rel_close(
        bw_time,
        GB / BytesPerSec::from_gbit_s(100.0).get(),
        1e-9
    ));
    let both = simulate_concurrent(&t, &[a, b]).expect("runs");
    for s in both {
        assert!(rel_close(s - 2.0 * lat, 2.0 * bw_time, 1e-9), "{s}");
    }
}

#[test]
fn fat_tree_oversubscription_contention() {
    // 4 nodes, 2 per leaf, one 100 Gb/s NIC each (12.5 GB/s); oversubscription
    // 2 leaves each leaf 12.5 GB/s towards the spine. Two flows cross leaves
    // each way: each direction's uplink is shared by two, 6.25 GB/s each.
    let t = topo(pool(4, 1, 1, 100.0, 450.0), 2.0, Some(2));
    let d = |n| dev(&t, n, 0);
    let pairs = [(0, 2), (1, 3), (2, 0), (3, 1)];
    let cs: Vec<_> = pairs
        .iter()
        .map(|&(a, b)| {
            coll(
                CollectiveKind::SendRecv,
                Algorithm::Direct,
                vec![d(a), d(b)],
            )
        })
        .collect();
    let times = simulate_concurrent(&t, &cs).expect("runs");
    for (&(a, b), s) in pairs.iter().zip(times) {
        let expected = t.route(d(a), d(b)).latency.get() + GB / 6.25e9;
        assert!(rel_close(s, expected, 1e-9), "{a}->{b}: {s} vs {expected}");
    }
}

#[test]
fn flownet_events_and_link_bytes() {
    let (t, r) = node4();
    let mut net: FlowNet<&str> = FlowNet::new(&t);
    let a = net.start(0.0, r[0], r[1], GB, 1.0, "a").expect("starts");
    let b = net.start(0.0, r[0], r[2], GB, 0.5, "b").expect("starts");
    let c = net.start(0.0, r[3], r[3], GB, 1.0, "c").expect("starts");
    assert_eq!(net.next_event_time(), Some(0.0));
    assert_eq!(net.advance(0.0), vec![(c, "c")]);
    assert_eq!(net.active(), 2);
    // Both share device 0's uplink at 50 GB/s wire; b moves 25 GB/s goodput.
    let t1 = net.next_event_time().expect("event");
    assert_eq!(t1, 2e-6);
    net.advance(t1);
    let done = net.advance(1.0);
    assert_eq!(done, vec![(a, "a"), (b, "b")]);
    // a: 1 GB at 50 GB/s → 20 ms; b then alone at 100 GB/s wire.
    let total: f64 = net.link_bytes().map(|(_, _, x)| x).sum();
    // a crosses two link directions with 1 GB; b two with 2 GB of wire.
    assert!(rel_close(total, 6.0 * GB, 1e-9), "{total}");
    assert!(matches!(
        net.start(0.5, r[0], r[1], GB, 1.0, "late"),
        Err(NetError::PastTime { .. })
    ));
    assert!(matches!(
        net.start(1.0, r[0], crate::topology::DeviceId(99), GB, 1.0, "x"),
        Err(NetError::UnknownDevice { .. })
    ));
    assert!(net.start(1.0, r[0], r[1], GB, 0.0, "x").is_err());
}

/// A topology shape (nodes, devices per node) and a collective over a
/// random subset of its devices.
fn small_collective() -> impl Strategy<Value = ((u32, u32), Collective)> {
    let kinds = [
        (CollectiveKind::AllReduce, Algorithm::Ring),
        (CollectiveKind::AllReduce, Algorithm::Tree),
        (CollectiveKind::AllReduce, Algorithm::Hierarchical),
        (CollectiveKind::ReduceScatter, Algorithm::Ring),
        (CollectiveKind::AllGather, Algorithm::Ring),
        (CollectiveKind::AllToAll, Algorithm::Direct),
        (CollectiveKind::SendRecv, Algorithm::Direct),
    ];
    (1u32..4, 1u32..4)
        .prop_flat_map(move |(nodes, dpn)| {
            let all: Vec<usize> = (0..(nodes * dpn) as usize).collect();
            let total = all.len();
            (
                Just((nodes, dpn)),
                proptest::sample::subsequence(all, 1..=total),
                proptest::sample::select(kinds.to_vec()),
                1.0f64..1e9,
                0.3f64..1.0,
                0.0f64..1e6,
            )
        })
        .prop_map(
            |(shape, picked, (kind, algorithm), bytes, max, half_bytes)| {
                let ranks = picked.into_iter().map(crate::topology::DeviceId).collect();
                let efficiency = Efficiency { max, half_bytes };
                (
                    shape,
                    Collective {
                        kind,
                        algorithm,
                        ranks,
                        bytes,
                        efficiency,
                    },
                )
            },
        )
}

proptest! {
    #[test]
    fn max_min_is_feasible_optimal_and_deterministic(
        caps in proptest::collection::vec(0.1f64..100.0, 1..6),
        raw in proptest::collection::vec(proptest::collection::btree_set(0usize..6, 1..4), 1..8),
    ) {
        let flows: Vec<Vec<usize>> = raw.iter().map(|s| s.iter().copied().filter(|&r| r < caps.len()).collect()).filter(|f: &Vec<usize>| !f.is_empty()).collect();
        let rates = max_min_rates(&caps, &flows);
        prop_assert_eq!(&rates, &max_min_rates(&caps, &flows));
        let mut load = vec![0.0; caps.len()];
        for (f, &x) in flows.iter().zip(&rates) {
            for &r in f { load[r] += x; }
        }
        for (l, c) in load.iter().zip(&caps) {
            prop_assert!(*l <= c * (1.0 + 1e-9), "load {} over {}", l, c);
        }
        for (i, f) in flows.iter().enumerate() {
            let bottlenecked = f.iter().any(|&r| {
                let saturated = load[r] >= caps[r] * (1.0 - 1e-9);
                let fastest = flows.iter().zip(&rates).filter(|(g, _)| g.contains(&r)).all(|(_, &y)| y <= rates[i] * (1.0 + 1e-9));
                saturated && fastest
            });
            prop_assert!(bottlenecked, "flow {} not bottlenecked", i);
        }
    }

    #[test]
    fn random_collectives_finish_above_lower_bound(((nodes, dpn), c) in small_collective()) {
        let t = topo(pool(nodes, dpn, 1, 200.0, 100.0), 1.0, None);
        let result = isolated_time(&t, &c);
        match result {
            Err(NetError::TooFewRanks { .. }) if c.kind == CollectiveKind::SendRecv => return Ok(()),
            Err(NetError::UnevenNodes) if c.algorithm == Algorithm::Hierarchical => return Ok(()),
            _ => {}
        }
        let s = result.expect("runs");
        prop_assert_eq!(s.to_bits(), isolated_time(&t, &c).expect("runs").to_bits());
        // Lower bound: ring-style α-β over the fastest link at full efficiency.
        let n = c.ranks.len() as u64;
        let fastest = comm::Link { bandwidth: BytesPerSec::from_gbyte_s(100.0), latency: Seconds::ZERO };
        let bound = match c.kind {
            CollectiveKind::AllReduce => comm::all_reduce(Bytes(c.bytes), n, fastest).get(),
            CollectiveKind::ReduceScatter | CollectiveKind::AllGather | CollectiveKind::AllToAll =>
                comm::all_gather(Bytes(c.bytes), n, fastest).get(),
            _ => comm::send(Bytes(c.bytes), fastest).get(),
        };
        prop_assert!(s.is_finite() && s >= bound * (1.0 - 1e-9), "{} < {}", s, bound);
    }
}

/// A TPU slice: a 4×4 ICI torus with 90 GB/s per link and direction. A ring
/// all-reduce along one row uses the row's four links (wraparound included),
/// one flow each, so it runs at the link rate: 2·3/4·B / 90 GB/s plus
/// 2·3 − 1 further hop latencies after the first.
#[test]
fn ring_along_a_torus_row_runs_at_the_ici_link_rate() {
    let spec = TopologySpec {
        pools: vec![PoolSpec {
            name: "tpu".to_string(),
            nodes: 4,
            devices_per_node: 4,
            nics_per_node: 1,
            nic_gbit_s: 200.0,
            intra_gbyte_s_per_direction: 360.0,
            intra_link_gbyte_s_per_direction: 90.0,
            shape: IntraNodeShape::Torus { dims: vec![4, 4] },
        }],
        network: NetworkSpec {
            fabric: Fabric::Torus,
            oversubscription: 1.0,
            nodes_per_leaf: None,
            inter_pool_gbit_s: None,
        },
    };
    let t = Topology::build(&spec).expect("valid torus");
    // Dimension 0 varies fastest: devices 0..4 form the first row.
    let ranks: Vec<_> = (0..4).map(crate::topology::DeviceId).collect();
    let hop = t.route(ranks[0], ranks[1]);
    assert_eq!(hop.hops, 1);
    let c = coll(CollectiveKind::AllReduce, Algorithm::Ring, ranks);
    let got = isolated_time(&t, &c).expect("runs");
    let expected = 2.0 * 3.0 / 4.0 * GB / 90e9 + 6.0 * hop.latency.get();
    assert!(rel_close(got, expected, 1e-9), "{got} vs {expected}");
    // Two rows at once use disjoint links: no slowdown.
    let row2: Vec<_> = (4..8).map(crate::topology::DeviceId).collect();
    let both = simulate_concurrent(
        &t,
        &[
            c.clone(),
            coll(CollectiveKind::AllReduce, Algorithm::Ring, row2),
        ],
    )
    .expect("runs");
    assert!(
        rel_close(both[0], expected, 1e-9) && rel_close(both[1], expected, 1e-9),
        "{both:?}"
    );
}
