//! Which devices of which nodes are free: whole devices for gang-scheduled
//! jobs (consolidated on as few nodes as possible), thousandths of a device
//! for jobs that share one (best fit, so fragments stay usable).

use crate::scenario::Scenario;

/// Capacity of one device, in thousandths.
const WHOLE: u32 = 1000;

#[derive(Debug, Clone)]
struct PoolSlots {
    name: String,
    per_node: usize,
    /// Free thousandths of each device, node-major.
    free: Vec<u32>,
    /// Devices in use, counting fractions.
    used: f64,
}

/// Free capacity of every pool.
#[derive(Debug, Clone)]
pub(super) struct Devices {
    pools: Vec<PoolSlots>,
}

impl Devices {
    /// All devices of `s` free.
    pub fn new(s: &Scenario) -> Self {
        Self {
            pools: s
                .pools
                .iter()
                .map(|p| PoolSlots {
                    name: p.name.clone(),
                    per_node: p.devices_per_node as usize,
                    free: vec![WHOLE; usize::try_from(p.devices()).unwrap_or(0)],
                    used: 0.0,
                })
                .collect(),
        }
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

    /// Whether `devices` could ever fit on pool `p`.
    pub fn fits(&self, p: usize, devices: f64) -> bool {
        devices > 0.0 && devices <= self.pools[p].free.len() as f64
    }

    /// Devices of pool `p` not in use (fractions counted).
    pub fn free(&self, p: usize) -> f64 {
        self.pools[p].free.len() as f64 - self.pools[p].used
    }

    /// Places `devices` on pool `p`; returns `(device index, thousandths)`
    /// taken, or `None` when they do not fit now.
    pub fn place(&mut self, p: usize, devices: f64) -> Option<Vec<(usize, u32)>> {
        let pool = &mut self.pools[p];
        let taken = if devices < 1.0 {
            let need = ((devices * f64::from(WHOLE)).round() as u32).clamp(1, WHOLE);
            // Best fit: the fullest device that still has room.
            let d = (0..pool.free.len())
                .filter(|&d| pool.free[d] >= need)
                .min_by_key(|&d| (pool.free[d], d))?;
            vec![(d, need)]
        } else {
            let n = devices.ceil() as usize;
            let nodes = pool.free.len() / pool.per_node.max(1);
            let whole_free = |node: usize| {
                (node * pool.per_node..(node + 1) * pool.per_node)
                    .filter(|&d| pool.free[d] == WHOLE)
                    .count()
            };
            let counts: Vec<usize> = (0..nodes).map(whole_free).collect();
            // One node if any holds it (the fullest that does), else the
            // emptiest nodes first, so the job spans as few nodes as it can.
            let single = (0..nodes)
                .filter(|&k| counts[k] >= n)
                .min_by_key(|&k| (counts[k], k));
            let order: Vec<usize> = match single {
                Some(k) => vec![k],
                None => {
                    let mut o: Vec<usize> = (0..nodes).collect();
                    o.sort_by_key(|&k| (std::cmp::Reverse(counts[k]), k));
                    o
                }
            };
            let mut out = Vec::with_capacity(n);
            for k in order {
                for d in k * pool.per_node..(k + 1) * pool.per_node {
                    if out.len() < n && pool.free[d] == WHOLE {
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
            pool.free[d] -= q;
        }
        pool.used +=
            devices.max(f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE));
        Some(taken)
    }

    /// Takes node `node` of pool `p` out of service (its jobs already
    /// released): its devices count as used until [`Devices::bring_up`].
    pub fn take_down(&mut self, p: usize, node: usize) {
        let pool = &mut self.pools[p];
        let range = node * pool.per_node..((node + 1) * pool.per_node).min(pool.free.len());
        let n = range.len() as f64;
        for d in range {
            pool.free[d] = 0;
        }
        pool.used += n;
    }

    /// Returns node `node` of pool `p` to service, all devices free.
    pub fn bring_up(&mut self, p: usize, node: usize) {
        let pool = &mut self.pools[p];
        let range = node * pool.per_node..((node + 1) * pool.per_node).min(pool.free.len());
        let n = range.len() as f64;
        for d in range {
            pool.free[d] = WHOLE;
        }
        pool.used = (pool.used - n).max(0.0);
    }

    /// Whether every device of node `node` of pool `p` is wholly free.
    pub fn node_idle(&self, p: usize, node: usize) -> bool {
        let pool = &self.pools[p];
        let range = node * pool.per_node..((node + 1) * pool.per_node).min(pool.free.len());
        pool.free[range].iter().all(|&f| f == WHOLE)
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
            pool.free[d] = (pool.free[d] + q).min(WHOLE);
        }
        let q = f64::from(taken.iter().map(|t| t.1).sum::<u32>()) / f64::from(WHOLE);
        pool.used = (pool.used - devices.max(q)).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pools(nodes: u32, dpn: u32) -> Devices {
        let text = format!(
            "[[pool]]\nname = \"p\"\ndevice = \"a100-sxm4-80gb\"\nnodes = {nodes}\ndevices_per_node = {dpn}\n[workload]\nformat = \"synthetic\"\njobs = 1\n"
        );
        Devices::new(&crate::scenario::parse(&text, "t.toml").expect("valid"))
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
}
