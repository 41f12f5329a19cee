//! Max-min fair rates by progressive filling (water-filling).
//!
//! Every flow's rate rises at the same pace until some resource it uses is
//! full; the flows through that resource are then frozen at its fair share and
//! the rest keep rising. Equivalently: repeatedly pick the resource with the
//! smallest fair share `remaining capacity / unfrozen flows`, give that share
//! to its unfrozen flows and subtract it from every resource they use. The
//! shares picked never decrease, so each flow ends on a saturated resource on
//! which no other flow is faster (the max-min optimality condition).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Max-min fair rates of `flows` over resources of `capacities`.
///
/// `flows[i]` lists the resources (indices into `capacities`) flow `i` uses;
/// a resource listed twice by one flow counts once. A flow with no resources
/// is limited by nothing and gets `f64::INFINITY`. The result is deterministic:
/// ties between equally congested resources go to the lowest index.
///
/// # Panics
/// If a flow names a resource outside `capacities`.
///
/// ```
/// use cirrus_sim::netsim::max_min_rates;
/// // A uses both resources, B the first, C the second.
/// let r = max_min_rates(&[1.0, 2.0], &[vec![0, 1], vec![0], vec![1]]);
/// assert_eq!(r, vec![0.5, 0.5, 1.5]);
/// ```
pub fn max_min_rates(capacities: &[f64], flows: &[Vec<usize>]) -> Vec<f64> {
    let deduped: Vec<Vec<usize>> = flows
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.sort_unstable();
            f.dedup();
            f
        })
        .collect();
    let slices: Vec<&[usize]> = deduped.iter().map(Vec::as_slice).collect();
    fill(capacities, &slices)
}

/// A candidate bottleneck: a resource and its fair share when pushed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    share: f64,
    resource: usize,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed so the max-heap pops the smallest share, then lowest index.
        other
            .share
            .total_cmp(&self.share)
            .then(other.resource.cmp(&self.resource))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Progressive filling over flows whose resource lists hold no duplicates.
/// Stale heap entries are skipped by recomputing the share when popped.
///
/// Only the resources some flow uses take part: they are renumbered densely
/// first, so the cost follows the active flows, not the size of the network.
pub(crate) fn fill(capacities: &[f64], flows: &[&[usize]]) -> Vec<f64> {
    let mut used: Vec<usize> = flows.iter().flat_map(|f| f.iter().copied()).collect();
    used.sort_unstable();
    used.dedup();
    let local_caps: Vec<f64> = used.iter().map(|&r| capacities[r]).collect();
    let local: Vec<Vec<usize>> = flows
        .iter()
        .map(|f| {
            f.iter()
                .map(|r| {
                    used.binary_search(r)
                        .expect("every used resource is listed")
                })
                .collect()
        })
        .collect();
    let slices: Vec<&[usize]> = local.iter().map(Vec::as_slice).collect();
    fill_dense(&local_caps, &slices)
}

/// Progressive filling where every resource is used by some flow.
fn fill_dense(capacities: &[f64], flows: &[&[usize]]) -> Vec<f64> {
    let mut rates = vec![f64::INFINITY; flows.len()];
    let mut frozen = vec![false; flows.len()];
    let mut remaining = capacities.to_vec();
    let mut count = vec![0usize; capacities.len()];
    for f in flows {
        for &r in *f {
            count[r] += 1;
        }
    }
    // Flows through each resource, as a compressed adjacency (CSR).
    let mut start = vec![0usize; capacities.len() + 1];
    for (r, &c) in count.iter().enumerate() {
        start[r + 1] = start[r] + c;
    }
    let mut fill_at = start.clone();
    let mut users = vec![0usize; start[capacities.len()]];
    for (i, f) in flows.iter().enumerate() {
        for &r in *f {
            users[fill_at[r]] = i;
            fill_at[r] += 1;
        }
    }
    let share =
        |remaining: &[f64], count: &[usize], r: usize| (remaining[r].max(0.0)) / count[r] as f64;
    let mut heap: BinaryHeap<Candidate> = (0..capacities.len())
        .filter(|&r| count[r] > 0)
        .map(|r| Candidate {
            share: share(&remaining, &count, r),
            resource: r,
        })
        .collect();
    while let Some(Candidate { share: s, resource }) = heap.pop() {
        if count[resource] == 0 || share(&remaining, &count, resource) != s {
            continue;
        }
        for &i in &users[start[resource]..start[resource + 1]] {
            if frozen[i] {
                continue;
            }
            frozen[i] = true;
            rates[i] = s;
            for &r in flows[i] {
                remaining[r] -= s;
                count[r] -= 1;
                if r != resource && count[r] > 0 {
                    heap.push(Candidate {
                        share: share(&remaining, &count, r),
                        resource: r,
                    });
                }
            }
        }
        remaining[resource] = 0.0;
    }
    rates
}
