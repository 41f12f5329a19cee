//! Known-answer and property tests for the topology module.

use super::*;
use proptest::prelude::*;

fn gpu_pool(name: &str, nodes: u32, dpn: u32, nics: u32, nic_gbit_s: f64) -> PoolSpec {
    PoolSpec {
        name: name.to_string(),
        nodes,
        devices_per_node: dpn,
        nics_per_node: nics,
        nic_gbit_s,
        intra_gbyte_s_per_direction: 450.0,
        intra_link_gbyte_s_per_direction: 25.0,
        shape: IntraNodeShape::NvSwitch,
    }
}

fn tpu_pool(dims: &[u32], chips_per_host: u32, nics: u32) -> PoolSpec {
    let devices: u32 = dims.iter().product();
    PoolSpec {
        name: "tpu".to_string(),
        nodes: devices / chips_per_host,
        devices_per_node: chips_per_host,
        nics_per_node: nics,
        nic_gbit_s: 100.0,
        intra_gbyte_s_per_direction: 270.0,
        intra_link_gbyte_s_per_direction: 45.0,
        shape: IntraNodeShape::Torus {
            dims: dims.to_vec(),
        },
    }
}

fn network(fabric: Fabric, oversubscription: f64, nodes_per_leaf: Option<u32>) -> NetworkSpec {
    NetworkSpec {
        fabric,
        oversubscription,
        nodes_per_leaf,
        inter_pool_gbit_s: None,
    }
}

fn build(pools: Vec<PoolSpec>, network: NetworkSpec) -> Topology {
    Topology::build(&TopologySpec { pools, network }).expect("valid spec")
}

fn kinds(t: &Topology, r: &Route) -> Vec<LinkKind> {
    r.links.iter().map(|&e| t.graph()[e].kind).collect()
}

fn close(a: BytesPerSec, b: BytesPerSec) -> bool {
    (a.get() - b.get()).abs() <= 1e-6 * b.get().abs().max(1.0)
}

#[test]
fn fat_tree_bisection_known_answer() {
    // 4 leaves x 4 nodes x 1 NIC of 100 Gb/s = 12.5 GB/s. NIC cut: 8 nodes x
    // 12.5 = 100 GB/s. Spine cut: 16 x 12.5 / oversubscription / 2 = 100 / os.
    for (os, expected) in [(1.0, 100.0), (2.0, 50.0)] {
        let t = build(
            vec![gpu_pool("h100", 16, 2, 1, 100.0)],
            network(Fabric::FatTree, os, Some(4)),
        );
        let b = t.bisection_bandwidth();
        assert!(
            close(b, BytesPerSec::from_gbyte_s(expected)),
            "os {os}: {b:?}"
        );
        // The analytic formula agrees with max-flow over the graph.
        assert!(close(bisection::max_flow_halves(&t), b), "os {os}");
    }
}

#[test]
fn torus_diameters_known_answer() {
    // sum floor(d_i / 2): 2+2+2, 8+8, 1+1+0, 4+4+4.
    for (dims, hosts_chips, expected) in [
        (vec![4, 4, 4], 4, 6),
        (vec![16, 16], 8, 16),
        (vec![2, 2, 1], 4, 2),
        (vec![8, 8, 8], 4, 12),
    ] {
        let t = build(
            vec![tpu_pool(&dims, hosts_chips, 1)],
            network(Fabric::Torus, 1.0, None),
        );
        assert_eq!(t.diameter_hops(), expected, "{dims:?}");
        assert_eq!(t.device_count(), dims.iter().product::<u32>() as usize);
    }
}

#[test]
fn torus_routes_use_dimension_order_ici() {
    let t = build(
        vec![tpu_pool(&[4, 4, 4], 4, 1)],
        network(Fabric::Torus, 1.0, None),
    );
    let a = t.device(0, 0, 0).expect("exists");
    // Index 63 = (3, 3, 3): one wraparound hop in each dimension.
    let b = t.device(0, 15, 3).expect("exists");
    let r = t.route(a, b);
    assert_eq!(r.hops, 3);
    assert!(kinds(&t, &r).iter().all(|&k| k == LinkKind::Ici));
    assert_eq!(r.bottleneck, BytesPerSec::from_gbyte_s(45.0));
    assert_eq!(t.hops(a, b), 3);
    // 4x4x4 torus: 64 devices x 3 dims x 2 directions / 2 = 192 ICI links.
    let ici = t
        .graph()
        .edge_weights()
        .filter(|l| l.kind == LinkKind::Ici)
        .count();
    assert_eq!(ici, 192);
}

#[test]
fn torus_bisection_known_answer() {
    // 4x4: cutting the largest dimension severs 4 rings twice: 2 * 4 links.
    let t = build(
        vec![tpu_pool(&[4, 4], 4, 0)],
        network(Fabric::Torus, 1.0, None),
    );
    let expected = BytesPerSec::from_gbyte_s(45.0) * 8.0;
    assert!(close(t.bisection_bandwidth(), expected));
    assert!(close(bisection::max_flow_halves(&t), expected));
    // Size-2 dimensions get one link, not two: 2x2x1 has 4 links.
    let t = build(
        vec![tpu_pool(&[2, 2, 1], 4, 1)],
        network(Fabric::Torus, 1.0, None),
    );
    assert_eq!(
        t.graph()
            .edge_weights()
            .filter(|l| l.kind == LinkKind::Ici)
            .count(),
        4
    );
}

#[test]
fn nvswitch_route_inside_a_node_is_two_hops() {
    let t = build(
        vec![gpu_pool("h100", 2, 8, 8, 400.0)],
        network(Fabric::FatTree, 1.0, None),
    );
    let r = t.route(t.device(0, 0, 1).expect("a"), t.device(0, 0, 6).expect("b"));
    assert_eq!(r.hops, 2);
    assert_eq!(r.bottleneck, BytesPerSec::from_gbyte_s(450.0));
    assert_eq!(kinds(&t, &r), vec![LinkKind::NvLink, LinkKind::NvLink]);
    assert_eq!(r.latency, Seconds(2e-6));
    // 1 GB at 450 GB/s plus 2 us.
    let time = r.transfer_time(Bytes::from_gb(1.0));
    assert!((time.get() - (1.0 / 450.0 + 2e-6)).abs() < 1e-12);
}

#[test]
fn cross_node_route_goes_through_nics_leaves_and_spines() {
    // 2 nodes per leaf: nodes 0 and 2 sit under different leaves.
    let t = build(
        vec![gpu_pool("h100", 4, 8, 8, 400.0)],
        network(Fabric::FatTree, 1.0, Some(2)),
    );
    let a = t.device(0, 0, 3).expect("a");
    let b = t.device(0, 2, 5).expect("b");
    let r = t.route(a, b);
    use LinkKind::*;
    assert_eq!(
        kinds(&t, &r),
        vec![
            NvLink, Pcie, NicUplink, LeafSpine, LeafSpine, NicUplink, Pcie, NvLink
        ]
    );
    assert_eq!(r.bottleneck, BytesPerSec::from_gbit_s(400.0));
    // Same leaf: no spine.
    let r = t.route(a, t.device(0, 1, 0).expect("c"));
    assert_eq!(
        kinds(&t, &r),
        vec![NvLink, Pcie, NicUplink, NicUplink, Pcie, NvLink]
    );
    // Rail affinity: device 3 leaves through NIC 3.
    let nic = t.graph().edge_endpoints(r.links[1]).expect("edge").1;
    assert_eq!(
        t.graph()[nic],
        Vertex::Nic {
            pool: 0,
            node: 0,
            index: 3
        }
    );
}

#[test]
fn rail_optimized_keeps_traffic_on_its_rail() {
    let t = build(
        vec![gpu_pool("h100", 4, 8, 8, 400.0)],
        network(Fabric::RailOptimized, 1.0, Some(2)),
    );
    let r = t.route(t.device(0, 0, 5).expect("a"), t.device(0, 3, 5).expect("b"));
    assert_eq!(r.hops, 8);
    let leaves: Vec<Vertex> = r
        .links
        .iter()
        .flat_map(|&e| {
            let (x, y) = t.graph().edge_endpoints(e).expect("edge");
            [t.graph()[x], t.graph()[y]]
        })
        .filter(|v| matches!(v, Vertex::Leaf { .. }))
        .collect();
    // Rail 5 of group 0 is leaf 5; of group 1 leaf 8 + 5.
    assert!(leaves.contains(&Vertex::Leaf { pool: 0, index: 5 }));
    assert!(leaves.contains(&Vertex::Leaf { pool: 0, index: 13 }));
}

#[test]
fn routes_are_deterministic_and_symmetric() {
    let t = build(
        vec![gpu_pool("h100", 6, 4, 2, 200.0)],
        network(Fabric::FatTree, 2.0, Some(2)),
    );
    for i in 0..t.device_count() {
        for j in 0..t.device_count() {
            let (a, b) = (DeviceId(i), DeviceId(j));
            assert_eq!(t.route(a, b), t.route(a, b));
            assert_eq!(t.hops(a, b), t.hops(b, a));
        }
    }
}

#[test]
fn hybrid_cube_mesh_hops() {
    let mut pool = gpu_pool("v100", 1, 8, 1, 100.0);
    pool.shape = IntraNodeShape::HybridCubeMesh;
    pool.intra_gbyte_s_per_direction = 150.0;
    let t = build(vec![pool], network(Fabric::FatTree, 1.0, None));
    let d = |l| t.device(0, 0, l).expect("device");
    assert_eq!(t.hops(d(0), d(1)), 1);
    // GPU 0 and GPU 3 share two NVLinks.
    assert_eq!(
        t.route(d(0), d(3)).bottleneck,
        BytesPerSec::from_gbyte_s(50.0)
    );
    // GPU 0 and GPU 5 have no direct link: two NVLink hops, not via PCIe.
    let r = t.route(d(0), d(5));
    assert_eq!(r.hops, 2);
    assert_eq!(kinds(&t, &r), vec![LinkKind::NvLink, LinkKind::NvLink]);
    assert_eq!(t.diameter_hops(), 2);
    // Every GPU uses six NVLinks.
    for l in 0..8 {
        let lanes: f64 = t
            .graph()
            .edges(t.device_vertex(d(l)))
            .filter(|e| e.weight().kind == LinkKind::NvLink)
            .map(|e| e.weight().capacity.as_gbyte_s() / 25.0)
            .sum();
        assert_eq!(lanes, 6.0, "gpu {l}");
    }
}

#[test]
fn hypercube_and_fully_connected_shapes() {
    let mut trn = gpu_pool("trn1", 1, 16, 8, 100.0);
    trn.shape = IntraNodeShape::Hypercube;
    let t = build(vec![trn], network(Fabric::FatTree, 1.0, None));
    assert_eq!(t.hops(DeviceId(0), DeviceId(15)), 4);
    assert_eq!(t.diameter_hops(), 4);
    let mut mi = gpu_pool("mi300x", 1, 8, 8, 400.0);
    mi.shape = IntraNodeShape::FullyConnected;
    mi.intra_link_gbyte_s_per_direction = 64.0;
    let t = build(vec![mi], network(Fabric::FatTree, 1.0, None));
    assert_eq!(t.hops(DeviceId(2), DeviceId(7)), 1);
    assert_eq!(t.diameter_hops(), 1);
    // Halves of 4 GPUs: 16 links of 64 GB/s cross, plus the host switch.
    assert!(t.bisection_bandwidth().as_gbyte_s() >= 16.0 * 64.0);
}

#[test]
fn inter_pool_route_crosses_the_inter_pool_link() {
    let spec = TopologySpec {
        pools: vec![gpu_pool("h100", 2, 8, 8, 400.0), tpu_pool(&[4, 4], 4, 2)],
        network: NetworkSpec {
            inter_pool_gbit_s: Some(100.0),
            ..network(Fabric::FatTree, 1.0, None)
        },
    };
    let t = Topology::build(&spec).expect("valid");
    let r = t.route(t.device(0, 1, 2).expect("a"), t.device(1, 3, 1).expect("b"));
    assert!(kinds(&t, &r).contains(&LinkKind::InterPool));
    let inter = t.inter_pool_bandwidth().expect("limited");
    assert!(r.bottleneck <= inter);
    assert_eq!(
        t.hops(t.device(1, 3, 1).expect("b"), t.device(0, 1, 2).expect("a")),
        r.hops
    );
    // Two pools: the bisection falls back to max-flow and stays positive.
    assert!(t.bisection_bandwidth() > BytesPerSec::ZERO);
    assert!(t.diameter_hops() >= r.hops);
}

#[test]
fn convenience_bandwidths() {
    // 8 x 400 Gb/s over 8 devices = 50 GB/s, halved by oversubscription 2
    // once the pool spans two leaf groups.
    let t = build(
        vec![gpu_pool("h100", 4, 8, 8, 400.0)],
        network(Fabric::FatTree, 2.0, Some(2)),
    );
    assert_eq!(t.intra_node_bandwidth(0), BytesPerSec::from_gbyte_s(450.0));
    assert_eq!(
        t.inter_node_bandwidth_per_device(0),
        BytesPerSec::from_gbyte_s(25.0)
    );
    assert_eq!(t.inter_pool_bandwidth(), None);
}

#[test]
fn invalid_specs_are_rejected_with_messages() {
    let bad_torus = TopologySpec {
        pools: vec![PoolSpec {
            shape: IntraNodeShape::Torus { dims: vec![4, 4] },
            ..tpu_pool(&[4, 2], 4, 1)
        }],
        network: network(Fabric::Torus, 1.0, None),
    };
    let err = Topology::build(&bad_torus).expect_err("dims mismatch");
    assert_eq!(
        err.to_string(),
        "build pool `tpu`: torus dims multiply to 16 but the pool has 8 devices"
    );
    let mut mesh = gpu_pool("v100", 1, 4, 1, 100.0);
    mesh.shape = IntraNodeShape::HybridCubeMesh;
    let err = Topology::build(&TopologySpec {
        pools: vec![mesh],
        network: network(Fabric::FatTree, 1.0, None),
    });
    assert!(matches!(err, Err(TopologyError::CubeMeshSize { .. })));
    let no_nics = TopologySpec {
        pools: vec![gpu_pool("a", 2, 8, 0, 0.0)],
        network: network(Fabric::FatTree, 1.0, None),
    };
    assert!(matches!(
        Topology::build(&no_nics),
        Err(TopologyError::Disconnected { .. })
    ));
    let oversub = TopologySpec {
        pools: vec![gpu_pool("a", 2, 8, 1, 100.0)],
        network: network(Fabric::FatTree, 0.5, None),
    };
    assert!(matches!(
        Topology::build(&oversub),
        Err(TopologyError::Oversubscription(_))
    ));
}

#[test]
fn a_thousand_h100s_build_with_linear_edges() {
    let t = build(
        vec![gpu_pool("h100", 128, 8, 8, 400.0)],
        network(Fabric::RailOptimized, 1.0, None),
    );
    assert_eq!(t.device_count(), 1024);
    // 1024 device links, 1024 switch-NIC, 1024 NIC-leaf, 4 groups x 8 rails x 8 spines.
    assert_eq!(t.edge_count(), 3 * 1024 + 4 * 8 * 8);
    // 1024 devices, 128 switches, 1024 NICs, 32 leaves, 8 spines.
    assert_eq!(t.vertex_count(), 1024 + 128 + 1024 + 32 + 8);
    let r = t.route(DeviceId(0), DeviceId(1023));
    assert_eq!(r.bottleneck, BytesPerSec::from_gbit_s(400.0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn small_fat_trees_route_every_pair(
        nodes in 1u32..6,
        dpn in 1u32..4,
        nics in 1u32..3,
        per_leaf in 1u32..4,
        rail in any::<bool>(),
        os in 1.0f64..3.0,
    ) {
        let fabric = if rail { Fabric::RailOptimized } else { Fabric::FatTree };
        let t = build(vec![gpu_pool("p", nodes, dpn, nics, 100.0)], network(fabric, os, Some(per_leaf)));
        let diameter = t.diameter_hops();
        let mut farthest = 0;
        for i in 0..t.device_count() {
            for j in 0..t.device_count() {
                let (a, b) = (DeviceId(i), DeviceId(j));
                let r = t.route(a, b);
                prop_assert_eq!(r.links.len() as u32, r.hops);
                prop_assert_eq!(t.hops(a, b), t.hops(b, a));
                prop_assert!(diameter >= r.hops);
                farthest = farthest.max(r.hops);
                prop_assert!(r.bottleneck > BytesPerSec::ZERO);
                // The links form a walk from a to b.
                let mut cur = t.device_vertex(a);
                for &e in &r.links {
                    let (x, y) = t.graph().edge_endpoints(e).expect("edge");
                    cur = if x == cur { y } else { prop_assert_eq!(y, cur); x };
                }
                prop_assert_eq!(cur, t.device_vertex(b));
            }
        }
        // The diameter searches from representative nodes only; it must
        // still be the farthest pair.
        prop_assert_eq!(diameter, farthest);
    }
}
