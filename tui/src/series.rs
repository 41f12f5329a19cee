//! What the Cluster and Timeline tabs draw from a cluster run, derived once
//! when the run ends (on the background task, not while drawing): per pool
//! and per node, the busy share of the devices and the down share over
//! [`BUCKETS`] slices of the run; node and job events per slice; queue
//! length; and each node's schedule segments, for the Gantt view.

use cirrus_sim::cluster::{NodeChange, Outcome, Schedule, SegmentEnd, overlaps, queue_length};
use cirrus_sim::scenario::Scenario;

/// Slices of the run the heat maps are computed at (screens average them
/// down to their width).
pub const BUCKETS: usize = 240;

/// Events that happened in one slice of one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    /// Node failures.
    pub failures: u32,
    /// Spot revocations.
    pub revocations: u32,
    /// Jobs preempted by the policy.
    pub preemptions: u32,
    /// Nodes the autoscaler asked for.
    pub scale_up: u32,
    /// Nodes the autoscaler released.
    pub scale_down: u32,
}

impl Marks {
    /// The one character that stands for the slice: the most severe event
    /// (`F` failure, `R` revocation, `P` preemption, `+` scale-up, `-`
    /// scale-down), or a space.
    pub fn symbol(&self) -> char {
        if self.failures > 0 {
            'F'
        } else if self.revocations > 0 {
            'R'
        } else if self.preemptions > 0 {
            'P'
        } else if self.scale_up > 0 {
            '+'
        } else if self.scale_down > 0 {
            '-'
        } else {
            ' '
        }
    }

    fn add(&mut self, other: &Marks) {
        self.failures += other.failures;
        self.revocations += other.revocations;
        self.preemptions += other.preemptions;
        self.scale_up += other.scale_up;
        self.scale_down += other.scale_down;
    }
}

/// One pool over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSeries {
    /// Its name.
    pub name: String,
    /// Devices per node.
    pub per_node: u32,
    /// Per slice: busy device-seconds over all its devices' seconds.
    pub busy: Vec<f32>,
    /// Per node, per slice: busy share of the node's devices.
    pub node_busy: Vec<Vec<f32>>,
    /// Per node, per slice: share of the slice the node was down (failed
    /// or revoked) or not held (released by the autoscaler).
    pub node_down: Vec<Vec<f32>>,
    /// Per slice: what happened.
    pub marks: Vec<Marks>,
    /// Per node: its segments (indices into the schedule), by start.
    pub segments: Vec<Vec<u32>>,
}

/// A row of the Cluster tab's heat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterRow {
    /// A pool's busy share.
    Pool(usize),
    /// A pool's failures, revocations, preemptions and scaling.
    Events(usize),
    /// A node of a pool.
    Node(usize, usize),
}

/// A cluster run as the dashboard draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSeries {
    /// Start of the first slice (the first arrival), s.
    pub from_s: f64,
    /// End of the last slice (the last completion), s.
    pub to_s: f64,
    /// Every pool, in scenario order.
    pub pools: Vec<PoolSeries>,
    /// Per slice: mean jobs waiting.
    pub queue: Vec<f64>,
    /// Jobs no pool could run.
    pub rejected: usize,
}

impl ClusterSeries {
    /// Derives the series of `outcome`, a run of `s`'s pools.
    pub fn new(s: &Scenario, outcome: &Outcome) -> Self {
        let from_s = outcome.usage.first().map_or(0.0, |u| u.start_s);
        let to_s = (from_s + outcome.result.makespan_s).max(from_s + 1.0);
        let span = (from_s, to_s);
        let width = (to_s - from_s) / BUCKETS as f64;
        let slice = |t: f64| (((t - from_s) / width).floor().max(0.0) as usize).min(BUCKETS - 1);
        let log = &outcome.schedule;
        let pools = s
            .pools
            .iter()
            .enumerate()
            .map(|(p, pool)| {
                let nodes = pool.nodes as usize;
                let per_node = pool.devices_per_node.max(1);
                let busy_s = log.node_busy(p, nodes, span, BUCKETS);
                let node_busy: Vec<Vec<f32>> = busy_s
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|&b| (b / (width * f64::from(per_node))) as f32)
                            .collect()
                    })
                    .collect();
                let busy = (0..BUCKETS)
                    .map(|k| {
                        let total: f64 = busy_s.iter().map(|row| row[k]).sum();
                        (total / (width * f64::from(per_node) * nodes.max(1) as f64)) as f32
                    })
                    .collect();
                let mut marks = vec![Marks::default(); BUCKETS];
                for e in log.node_events.iter().filter(|e| e.pool as usize == p) {
                    let m = &mut marks[slice(e.t_s)];
                    match e.change {
                        NodeChange::Failed => m.failures += 1,
                        NodeChange::Revoked => m.revocations += 1,
                        NodeChange::Requested => m.scale_up += 1,
                        NodeChange::Released => m.scale_down += 1,
                        NodeChange::Back | NodeChange::Provisioned => {}
                    }
                }
                let mut segments = vec![Vec::new(); nodes];
                for (i, seg) in log.segments.iter().enumerate() {
                    if seg.pool as usize != p {
                        continue;
                    }
                    if seg.end == SegmentEnd::Preempted {
                        marks[slice(seg.end_s)].preemptions += 1;
                    }
                    for &(node, _) in log.shares_of(seg) {
                        if let Some(list) = segments.get_mut(node as usize) {
                            list.push(i as u32);
                        }
                    }
                }
                for list in &mut segments {
                    list.sort_by(|&a, &b| {
                        log.segments[a as usize]
                            .start_s
                            .total_cmp(&log.segments[b as usize].start_s)
                            .then(a.cmp(&b))
                    });
                }
                PoolSeries {
                    name: pool.name.clone(),
                    per_node,
                    busy,
                    node_down: down_shares(log, p, nodes, span),
                    node_busy,
                    marks,
                    segments,
                }
            })
            .collect();
        ClusterSeries {
            from_s,
            to_s,
            pools,
            queue: queue_length(&outcome.jobs, log, span, BUCKETS),
            rejected: outcome.jobs.iter().filter(|j| j.rejected.is_some()).count(),
        }
    }

    /// The heat map's rows, top to bottom: each pool with its events (all
    /// pools at a glance), then every node, pool by pool.
    pub fn rows(&self) -> Vec<ClusterRow> {
        let mut rows = Vec::new();
        for p in 0..self.pools.len() {
            rows.push(ClusterRow::Pool(p));
            rows.push(ClusterRow::Events(p));
        }
        rows.extend(self.nodes().map(|(p, n)| ClusterRow::Node(p, n)));
        rows
    }

    /// Every node, pools in order: `(pool, node)`.
    pub fn nodes(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.pools
            .iter()
            .enumerate()
            .flat_map(|(p, pool)| (0..pool.node_busy.len()).map(move |n| (p, n)))
    }

    /// Seconds per slice.
    pub fn slice_s(&self) -> f64 {
        (self.to_s - self.from_s) / BUCKETS as f64
    }
}

/// Per node of pool `p`, per slice of `span`: the share of the slice it
/// was out of service (down, or released and not yet back).
fn down_shares(log: &Schedule, p: usize, nodes: usize, span: (f64, f64)) -> Vec<Vec<f32>> {
    let (from_s, to_s) = span;
    let width = (to_s - from_s) / BUCKETS as f64;
    (0..nodes)
        .map(|n| {
            let mut row = vec![0.0f32; BUCKETS];
            for interval in log.down_intervals(p, n, to_s) {
                for (k, secs) in overlaps(interval, (from_s, width), BUCKETS) {
                    row[k] += (secs / width) as f32;
                }
            }
            row
        })
        .collect()
}

/// Averages `values` (one per slice) down to `width` columns.
pub fn columns(values: &[f32], width: usize) -> Vec<f32> {
    let n = values.len();
    (0..width)
        .map(|c| {
            let a = c * n / width.max(1);
            let b = ((c + 1) * n / width.max(1)).max(a + 1).min(n);
            let part = &values[a.min(n.saturating_sub(1))..b];
            part.iter().sum::<f32>() / part.len().max(1) as f32
        })
        .collect()
}

/// The heat-map character of a busy share: `·` idle, then `░ ▒ ▓ █` by
/// quarter.
pub fn shade(busy: f32) -> char {
    if busy <= 0.001 {
        '·'
    } else if busy <= 0.25 {
        '░'
    } else if busy <= 0.5 {
        '▒'
    } else if busy <= 0.75 {
        '▓'
    } else {
        '█'
    }
}

/// Merges the marks of slices `a..b`.
pub fn marks_in(marks: &[Marks], a: usize, b: usize) -> Marks {
    let mut m = Marks::default();
    for x in &marks[a.min(marks.len())..b.min(marks.len())] {
        m.add(x);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_average_slices() {
        assert_eq!(columns(&[1.0, 0.0, 0.5, 0.5], 2), vec![0.5, 0.5]);
        assert_eq!(columns(&[1.0, 0.0], 4), vec![1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn shades_by_quarter() {
        let got: String = [0.0, 0.1, 0.3, 0.6, 0.9].map(shade).iter().collect();
        assert_eq!(got, "·░▒▓█");
    }

    #[test]
    fn marks_show_the_most_severe_event() {
        let m = Marks {
            preemptions: 2,
            scale_up: 1,
            ..Marks::default()
        };
        assert_eq!(m.symbol(), 'P');
        assert_eq!(Marks::default().symbol(), ' ');
        let all = marks_in(
            &[
                m,
                Marks {
                    failures: 1,
                    ..Marks::default()
                },
            ],
            0,
            2,
        );
        assert_eq!((all.symbol(), all.preemptions), ('F', 2));
    }
}
