//! Which devices of which nodes are free: whole devices for gang-scheduled
//! jobs (consolidated on as few nodes as possible, and a gang that spans
//! nodes kept under one leaf switch — one rack — when one has room; on
//! exactly one node when the workload's jobs are Kubernetes pods),
//! thousandths of a device for jobs that share one (best fit, so fragments
//! stay usable).
//!
//! Each pool keeps two indices beside its free vector so that placing is
//! O(log n) (gangs: O(per_node · log n) per node used) rather than a scan of
//! every device: devices ordered by free thousandths (best fit is a range
//! query), and nodes grouped by how many wholly free devices they have.

use std::collections::BTreeSet;

use crate::scenario::Scenario;

/// Capacity of one device, in thousandths.
pub(super) const WHOLE: u32 = 1000;

#[derive(Debug, Clone)]
struct PoolSlots {
    name: String,
    per_node: usize,
    /// Free thousandths of each device, node-major. Change it only through
    /// [`PoolSlots::set`], which keeps the indices below in step.
    free: Vec<u32>,
    /// Devices in use, counting fractions.
    used: f64,
    /// Whole nodes; only their devices take gangs.
    nodes: usize,
    /// Every device as `(free thousandths, device)`, so the best fit for a
    /// fraction is the first entry at or above what it needs.
    by_free: BTreeSet<(u32, usize)>,
    /// Wholly free devices of each node.
    whole: Vec<usize>,
    /// `by_whole[c]`: the nodes with exactly `c` wholly free devices.
    by_whole: Vec<BTreeSet<usize>>,
    /// Wholly free devices over all nodes (the sum of `whole`).
    whole_total: usize,
    /// Nodes under one leaf switch (the network's `nodes_per_leaf`).
    per_leaf: usize,
    /// Wholly free devices under each leaf switch.
    leaf_whole: Vec<usize>,
}

impl PoolSlots {
    /// `devices` devices, `per_node` to a node, `per_leaf` nodes to a leaf
    /// switch, all free.
    fn new(name: String, per_node: usize, devices: usize, per_leaf: usize) -> Self {
        let nodes = devices.checked_div(per_node).unwrap_or(0);
        let mut by_whole = vec![BTreeSet::new(); per_node + 1];
        by_whole[per_node] = (0..nodes).collect();
        let per_leaf = per_leaf.max(1);
        let leaf_whole = (0..nodes.div_ceil(per_leaf))
            .map(|g| (nodes.min((g + 1) * per_leaf) - g * per_leaf) * per_node)
            .collect();
        Self {
            per_leaf,
            leaf_whole,
            name,
            per_node,
            free: vec![WHOLE; devices],
            used: 0.0,
            nodes,
            by_free: (0..devices).map(|d| (WHOLE, d)).collect(),
            whole: vec![per_node; nodes],
            by_whole,
            whole_total: nodes * per_node,
        }
    }

    /// Devices of node `node` (clipped to the pool).
    fn node_devices(&self, node: usize) -> std::ops::Range<usize> {
        node * self.per_node..((node + 1) * self.per_node).min(self.free.len())
    }

    /// Sets device `d` to `to` free thousandths, updating the indices.
    fn set(&mut self, d: usize, to: u32) {
        let from = self.free[d];
        if from == to {
            return;
        }
        self.free[d] = to;
        self.by_free.remove(&(from, d));
        self.by_free.insert((to, d));
        let node = d / self.per_node.max(1);
        if node < self.nodes && (from == WHOLE) != (to == WHOLE) {
            let c = self.whole[node];
            let c2 = if to == WHOLE { c + 1 } else { c - 1 };
            self.by_whole[c].remove(&node);
            self.by_whole[c2].insert(node);
            self.whole[node] = c2;
            let leaf = node / self.per_leaf;
            if to == WHOLE {
                self.whole_total += 1;
                self.leaf_whole[leaf] += 1;
            } else {
                self.whole_total -= 1;
                self.leaf_whole[leaf] -= 1;
            }
        }
    }

    /// Whole devices for a gang of `n`: one node if any holds it (the
    /// fullest that does), else (unless `one_node`) the emptiest nodes
    /// first, so the job spans as few nodes as it can — within the leaf
    /// switch (rack) with the fewest wholly free devices that still holds
    /// it, if one does; wholly free devices in index order within a node.
    /// `None` when fewer than `n` are wholly free, or with `one_node` when
    /// no node has `n`.
    fn pick_whole(&self, n: usize, one_node: bool) -> Option<Vec<(usize, u32)>> {
        if n > self.whole_total {
            return None;
        }
        let single = (n..=self.per_node).find_map(|c| self.by_whole[c].first().copied());
        let mut out = Vec::with_capacity(n);
        let mut take = |node: usize| {
            for d in self.node_devices(node) {
                if out.len() < n && self.free[d] == WHOLE {
                    out.push((d, WHOLE));
                }
            }
            out.len() == n
        };
        match single {
            Some(node) => {
                take(node);
            }
            None if one_node => return None,
            None => {
                let leaf = (0..self.leaf_whole.len())
                    .filter(|&g| self.leaf_whole[g] >= n)
                    .min_by_key(|&g| (self.leaf_whole[g], g));
                if let Some(g) = leaf.filter(|_| self.leaf_whole.len() > 1) {
                    let mut nodes: Vec<usize> =
                        (g * self.per_leaf..((g + 1) * self.per_leaf).min(self.nodes)).collect();
                    nodes.sort_by_key(|&k| (std::cmp::Reverse(self.whole[k]), k));
                    for node in nodes {
                        if take(node) {
                            break;
                        }
                    }
                    return Some(out);
                }
                // Enough are free in all (checked above), so this fills `out`.
                'nodes: for c in (1..=self.per_node).rev() {
                    for &node in &self.by_whole[c] {
                        if take(node) {
                            break 'nodes;
                        }
                    }
                }
            }
        }
        Some(out)
    }
}

/// Free capacity of every pool.
#[derive(Debug, Clone)]
pub(super) struct Devices {
    pools: Vec<PoolSlots>,
    /// Every job on one node (the workload's jobs are Kubernetes pods):
    /// gangs never span nodes.
    one_node: bool,
}

impl Devices {
    /// All devices of `s` free.
    pub fn new(s: &Scenario) -> Self {
        Self {
            pools: s
                .pools
                .iter()
                .map(|p| {
                    PoolSlots::new(
                        p.name.clone(),
                        p.devices_per_node as usize,
                        usize::try_from(p.devices()).unwrap_or(0),
                        s.network
                            .nodes_per_leaf
                            .unwrap_or(crate::topology::DEFAULT_NODES_PER_LEAF)
                            as usize,
                    )
                })
                .collect(),
            one_node: s
                .workload
                .as_ref()
                .is_some_and(|w| crate::workload::one_node_per_job(&w.format)),
        }
    }

    /// Whether every job must run on one node.
    pub fn one_node(&self) -> bool {
        self.one_node
    }

    /// Devices in all pools.
    pub fn total(&self) -> usize {
        self.pools.iter().map(|p| p.free.len()).sum()
    }

    /// Pools.
    pub fn len(&self) -> usize {
        self.pools.len()
    }

    /// Name of pool `p`.
    pub fn pool_name(&self, p: usize) -> &str {
        &self.pools[p].name
    }

    /// Whether `devices` could ever fit on pool `p` (on one of its nodes,
    /// when every job must run on one).
    pub fn fits(&self, p: usize, devices: f64) -> bool {
        let pool = &self.pools[p];
        let room = if self.one_node {
            pool.per_node.min(pool.free.len())
        } else {
            pool.free.len()
        };
        devices > 0.0 && devices <= room as f64
    }

    /// Devices of pool `p` not in use (fractions counted).
    pub fn free(&self, p: usize) -> f64 {
        self.pools[p].free.len() as f64 - self.pools[p].used
    }

    /// Places `devices` on pool `p`; returns `(device index, thousandths)`
    /// taken, or `None` when they do not fit now.
    pub fn place(&mut self, p: usize, devices: f64) -> Option<Vec<(usize, u32)>> {
        let one_node = self.one_node;
        let pool = &mut self.pools[p];
        let taken = if devices < 1.0 {
            let need = ((devices * f64::from(WHOLE)).round() as u32).clamp(1, WHOLE);
            // Best fit: the fullest device that still has room (lowest
            // index on ties).
            let &(_, d) = pool.by_free.range((need, 0)..).next()?;
            vec![(d, need)]
        } else {
            pool.pick_whole(devices.ceil() as usize, one_node)?
        };
        for &(d, q) in &taken {
            pool.set(d, pool.free[d] - q);
        }
        pool.used +=
            devices.max(f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE));
        Some(taken)
    }

    /// Takes node `node` of pool `p` out of service (its jobs already
    /// released): its devices count as used until [`Devices::bring_up`].
    pub fn take_down(&mut self, p: usize, node: usize) {
        let pool = &mut self.pools[p];
        let range = pool.node_devices(node);
        let n = range.len() as f64;
        for d in range {
            pool.set(d, 0);
        }
        pool.used += n;
    }

    /// Returns node `node` of pool `p` to service, all devices free.
    pub fn bring_up(&mut self, p: usize, node: usize) {
        let pool = &mut self.pools[p];
        let range = pool.node_devices(node);
        let n = range.len() as f64;
        for d in range {
            pool.set(d, WHOLE);
        }
        pool.used = (pool.used - n).max(0.0);
    }

    /// Whether every device of node `node` of pool `p` is wholly free.
    pub fn node_idle(&self, p: usize, node: usize) -> bool {
        let pool = &self.pools[p];
        pool.free[pool.node_devices(node)]
            .iter()
            .all(|&f| f == WHOLE)
    }

    /// Devices per node of pool `p`.
    pub fn per_node(&self, p: usize) -> usize {
        self.pools[p].per_node
    }

    /// The node of device `d` of pool `p`.
    pub fn node_of(&self, p: usize, d: usize) -> usize {
        d / self.pools[p].per_node.max(1)
    }

    /// Frees what `place` took.
    pub fn release(&mut self, p: usize, taken: &[(usize, u32)], devices: f64) {
        let pool = &mut self.pools[p];
        for &(d, q) in taken {
            pool.set(d, (pool.free[d] + q).min(WHOLE));
        }
        let q = f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE);
        pool.used = (pool.used - devices.max(q)).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The scanning bookkeeping `Devices` replaced: every call looks at
    /// every device. The oracle for the indexed one.
    struct Scan {
        per_node: usize,
        free: Vec<u32>,
        used: f64,
        one_node: bool,
        per_leaf: usize,
    }

    impl Scan {
        fn new(nodes: usize, per_node: usize, one_node: bool, per_leaf: usize) -> Self {
            Self {
                per_node,
                free: vec![WHOLE; nodes * per_node],
                used: 0.0,
                one_node,
                per_leaf,
            }
        }

        fn free(&self) -> f64 {
            self.free.len() as f64 - self.used
        }

        fn place(&mut self, devices: f64) -> Option<Vec<(usize, u32)>> {
            let taken = if devices < 1.0 {
                let need = ((devices * f64::from(WHOLE)).round() as u32).clamp(1, WHOLE);
                let d = (0..self.free.len())
                    .filter(|&d| self.free[d] >= need)
                    .min_by_key(|&d| (self.free[d], d))?;
                vec![(d, need)]
            } else {
                let n = devices.ceil() as usize;
                let nodes = self.free.len() / self.per_node.max(1);
                let whole_free = |node: usize| {
                    (node * self.per_node..(node + 1) * self.per_node)
                        .filter(|&d| self.free[d] == WHOLE)
                        .count()
                };
                let counts: Vec<usize> = (0..nodes).map(whole_free).collect();
                let single = (0..nodes)
                    .filter(|&k| counts[k] >= n)
                    .min_by_key(|&k| (counts[k], k));
                let order: Vec<usize> = match single {
                    Some(k) => vec![k],
                    None if self.one_node => return None,
                    None => {
                        // The fullest leaf (rack) that holds the gang, if
                        // there are several leaves; else every node.
                        let leaves = nodes.div_ceil(self.per_leaf);
                        let in_leaf =
                            |g: usize| g * self.per_leaf..((g + 1) * self.per_leaf).min(nodes);
                        let total = |g: usize| in_leaf(g).map(|k| counts[k]).sum::<usize>();
                        let leaf = (0..leaves)
                            .filter(|&g| total(g) >= n)
                            .min_by_key(|&g| (total(g), g))
                            .filter(|_| leaves > 1);
                        let mut o: Vec<usize> = match leaf {
                            Some(g) => in_leaf(g).collect(),
                            None => (0..nodes).collect(),
                        };
                        o.sort_by_key(|&k| (std::cmp::Reverse(counts[k]), k));
                        o
                    }
                };
                let mut out = Vec::with_capacity(n);
                for k in order {
                    for d in k * self.per_node..(k + 1) * self.per_node {
                        if out.len() < n && self.free[d] == WHOLE {
                            out.push((d, WHOLE));
                        }
                    }
                }
                if out.len() < n {
                    return None;
                }
                out
            };
            for &(d, q) in &taken {
                self.free[d] -= q;
            }
            self.used +=
                devices.max(f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE));
            Some(taken)
        }

        fn node(&self, node: usize) -> std::ops::Range<usize> {
            node * self.per_node..((node + 1) * self.per_node).min(self.free.len())
        }

        fn take_down(&mut self, node: usize) {
            let range = self.node(node);
            let n = range.len() as f64;
            for d in range {
                self.free[d] = 0;
            }
            self.used += n;
        }

        fn bring_up(&mut self, node: usize) {
            let range = self.node(node);
            let n = range.len() as f64;
            for d in range {
                self.free[d] = WHOLE;
            }
            self.used = (self.used - n).max(0.0);
        }

        fn node_idle(&self, node: usize) -> bool {
            self.free[self.node(node)].iter().all(|&f| f == WHOLE)
        }

        fn release(&mut self, taken: &[(usize, u32)], devices: f64) {
            for &(d, q) in taken {
                self.free[d] = (self.free[d] + q).min(WHOLE);
            }
            let q = f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE);
            self.used = (self.used - devices.max(q)).max(0.0);
        }
    }

    /// The indices of `pool` agree with its free vector.
    fn assert_indexed(pool: &PoolSlots) {
        let by_free: BTreeSet<(u32, usize)> =
            pool.free.iter().enumerate().map(|(d, &f)| (f, d)).collect();
        assert_eq!(pool.by_free, by_free);
        let whole: Vec<usize> = (0..pool.nodes)
            .map(|k| {
                pool.free[pool.node_devices(k)]
                    .iter()
                    .filter(|&&f| f == WHOLE)
                    .count()
            })
            .collect();
        assert_eq!(pool.whole, whole);
        assert_eq!(pool.whole_total, whole.iter().sum::<usize>());
        for (c, nodes) in pool.by_whole.iter().enumerate() {
            let want: BTreeSet<usize> = (0..pool.nodes).filter(|&k| whole[k] == c).collect();
            assert_eq!(nodes, &want, "nodes with {c} wholly free devices");
        }
    }

    fn pools(nodes: u32, dpn: u32) -> Devices {
        pools_for("synthetic", nodes, dpn)
    }

    /// One pool for a workload of `format` (openb: jobs on one node).
    fn pools_for(format: &str, nodes: u32, dpn: u32) -> Devices {
        pools_leaf(format, nodes, dpn, 32)
    }

    /// The same, with `leaf` nodes under each leaf switch.
    fn pools_leaf(format: &str, nodes: u32, dpn: u32, leaf: u32) -> Devices {
        let text = format!(
            "[[pool]]\nname = \"p\"\ndevice = \"a100-sxm4-80gb\"\nnodes = {nodes}\ndevices_per_node = {dpn}\n[network]\nnodes_per_leaf = {leaf}\n[workload]\nformat = \"{format}\"\njobs = 1\npath = \"pods.csv\"\n"
        );
        Devices::new(&crate::scenario::parse(&text, "t.toml").expect("valid"))
    }

    /// A gang that spans nodes stays under one leaf switch when one has
    /// room, the fullest such; otherwise it takes the emptiest nodes.
    #[test]
    fn gangs_stay_in_one_rack_when_they_can() {
        // Four nodes of 4, two per leaf: leaf 0 = nodes 0-1, leaf 1 = 2-3.
        let mut d = pools_leaf("synthetic", 4, 4, 2);
        d.place(0, 3.0).expect("node 0 (3 of 4)");
        d.place(0, 4.0).expect("node 1");
        d.place(0, 1.0).expect("node 0's last");
        // Now leaf 0 is full, leaf 1 empty: 6 devices go to nodes 2 and 3.
        let six = d.place(0, 6.0).expect("leaf 1");
        assert!(six.iter().all(|(x, _)| (8..16).contains(x)));
        // Node 0 with 3 free, node 1 none, nodes 2 and 3 two each: the
        // emptiest nodes first would be node 0 then node 2 (two racks);
        // leaf 1 alone holds 4, so the gang takes nodes 2 and 3.
        let mut e = pools_leaf("synthetic", 4, 4, 2);
        let ones: Vec<Vec<(usize, u32)>> = (0..16)
            .map(|_| e.place(0, 1.0).expect("one device"))
            .collect();
        for taken in ones
            .iter()
            .filter(|t| [0, 1, 2, 8, 9, 12, 13].contains(&t[0].0))
        {
            e.release(0, taken, 1.0);
        }
        let four = e.place(0, 4.0).expect("leaf 1");
        assert_eq!(
            four.iter().map(|(x, _)| x / 4).collect::<Vec<_>>(),
            vec![2, 2, 3, 3]
        );
    }

    #[test]
    fn openb_pods_stay_on_one_node() {
        let mut d = pools_for("alibaba-openb", 2, 4);
        assert!(d.one_node());
        assert!(d.fits(0, 4.0) && !d.fits(0, 5.0), "a pod fits a node");
        let a = d.place(0, 3.0).expect("node 0");
        let b = d.place(0, 3.0).expect("node 1");
        assert!(a.iter().all(|(x, _)| *x < 4) && b.iter().all(|(x, _)| *x >= 4));
        // Two devices are free, one on each node: a 2-GPU pod waits.
        assert!(d.place(0, 2.0).is_none());
        assert!(d.place(0, 1.0).is_some(), "one device still fits");
        // Other workloads' gangs may span nodes.
        let mut spread = pools(2, 4);
        assert!(!spread.one_node() && spread.fits(0, 8.0));
        spread.place(0, 3.0).expect("node 0");
        spread.place(0, 3.0).expect("node 1");
        let c = spread.place(0, 2.0).expect("spans both nodes");
        assert_eq!(c.iter().map(|(x, _)| x / 4).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn gangs_consolidate_and_fractions_best_fit() {
        let mut d = pools(2, 4);
        let a = d.place(0, 2.0).expect("fits");
        assert!(a.iter().all(|(x, _)| *x < 4), "one node: {a:?}");
        let b = d.place(0, 4.0).expect("the other node");
        assert!(b.iter().all(|(x, _)| *x >= 4));
        assert!(d.place(0, 3.0).is_none());
        let f = d.place(0, 0.5).expect("a half");
        let g = d.place(0, 0.3).expect("another piece");
        assert_eq!(f[0].0, g[0].0, "best fit reuses the shared device");
        d.release(0, &b, 4.0);
        assert!((d.free(0) - (8.0 - 2.0 - 0.8)).abs() < 1e-9);
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Place this many devices.
        Place(f64),
        /// Release the k-th live placement (modulo how many there are).
        Release(usize),
        /// Take node k down (modulo the node count).
        TakeDown(usize),
        /// Bring node k up (modulo the node count).
        BringUp(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (1u32..1000).prop_map(|t| Op::Place(f64::from(t) / 1000.0)),
            1 => (0.0f64..1.0).prop_map(Op::Place),
            3 => (1u32..=20).prop_map(|n| Op::Place(f64::from(n))),
            1 => (1.0f64..20.0).prop_map(Op::Place),
            4 => any::<usize>().prop_map(Op::Release),
            1 => any::<usize>().prop_map(Op::TakeDown),
            1 => any::<usize>().prop_map(Op::BringUp),
        ]
    }

    proptest! {
        /// Indexed placement makes exactly the scanning version's choices,
        /// and `free` stays bit-identical, on any sequence of operations.
        #[test]
        fn matches_scanning_reference(
            (nodes, per_node) in prop::sample::select(vec![(1, 1), (1, 8), (2, 3), (4, 2), (3, 4), (6, 8)]),
            leaf in prop::sample::select(vec![1u32, 2, 32]),
            one_node in any::<bool>(),
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let format = if one_node { "alibaba-openb" } else { "synthetic" };
            let mut d = pools_leaf(format, nodes, per_node, leaf);
            let mut scan = Scan::new(nodes as usize, per_node as usize, one_node, leaf as usize);
            let mut live: Vec<(Vec<(usize, u32)>, f64)> = Vec::new();
            for op in ops {
                match op {
                    Op::Place(devices) => {
                        let got = d.place(0, devices);
                        prop_assert_eq!(&got, &scan.place(devices), "place({})", devices);
                        if let Some(taken) = got {
                            live.push((taken, devices));
                        }
                    }
                    Op::Release(k) => {
                        if live.is_empty() {
                            continue;
                        }
                        let (taken, devices) = live.swap_remove(k % live.len());
                        d.release(0, &taken, devices);
                        scan.release(&taken, devices);
                    }
                    Op::TakeDown(k) => {
                        d.take_down(0, k % nodes as usize);
                        scan.take_down(k % nodes as usize);
                    }
                    Op::BringUp(k) => {
                        d.bring_up(0, k % nodes as usize);
                        scan.bring_up(k % nodes as usize);
                    }
                }
                prop_assert_eq!(&d.pools[0].free, &scan.free);
                prop_assert_eq!(d.free(0).to_bits(), scan.free().to_bits());
                for k in 0..nodes as usize {
                    prop_assert_eq!(d.node_idle(0, k), scan.node_idle(k));
                }
                assert_indexed(&d.pools[0]);
            }
        }
    }

    /// Placing on a large pool stays consistent with the scan (one long
    /// deterministic run on 280 nodes × 8).
    #[test]
    fn large_pool_matches_scanning_reference() {
        let (nodes, per_node) = (280, 8);
        let mut d = pools(nodes, per_node);
        let mut scan = Scan::new(nodes as usize, per_node as usize, false, 32);
        let mut live: Vec<(Vec<(usize, u32)>, f64)> = Vec::new();
        // A fixed LCG: the sequence only needs to be varied, not random.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 33
        };
        for _ in 0..20_000 {
            let r = next();
            if r % 3 == 0 && !live.is_empty() {
                let (taken, devices) = live.swap_remove(next() as usize % live.len());
                d.release(0, &taken, devices);
                scan.release(&taken, devices);
            } else {
                let devices = if r % 2 == 0 {
                    (next() % 999 + 1) as f64 / 1000.0
                } else {
                    [1.0, 2.0, 4.0, 8.0, 16.0, 64.0][next() as usize % 6]
                };
                let got = d.place(0, devices);
                assert_eq!(got, scan.place(devices), "place({devices})");
                if let Some(taken) = got {
                    live.push((taken, devices));
                }
            }
            assert_eq!(d.free(0).to_bits(), scan.free().to_bits());
        }
        assert_eq!(d.pools[0].free, scan.free);
        assert_indexed(&d.pools[0]);
    }
}
