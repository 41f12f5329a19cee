//! The cluster schedule as it happened: every stretch of time a job held
//! devices (which nodes, how many devices on each, how it ended) and every
//! change of a node's state (failed, revoked, back, provisioned, released).
//! Dashboards and reports derive per-node Gantt charts, per-node heat maps
//! and queue length over time from it ([`Schedule::node_busy`],
//! [`queue_length`]).

use super::JobRecord;

/// How a stretch of running ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentEnd {
    /// The job finished.
    Finished,
    /// The policy preempted it (it checkpointed first).
    Preempted,
    /// A node it ran on failed (work since the last checkpoint lost).
    Failed,
    /// A spot node it ran on was revoked (with notice: it checkpointed if it
    /// could write one in time).
    Revoked,
}

impl SegmentEnd {
    /// A short lower-case word for it.
    pub fn name(self) -> &'static str {
        match self {
            SegmentEnd::Finished => "finished",
            SegmentEnd::Preempted => "preempted",
            SegmentEnd::Failed => "failed",
            SegmentEnd::Revoked => "revoked",
        }
    }
}

/// One stretch of time a job held devices on one pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Index of the job in the workload (and in [`super::Outcome::jobs`]).
    pub job: u32,
    /// Index of the pool in the scenario.
    pub pool: u32,
    /// When it started, s.
    pub start_s: f64,
    /// When it stopped, s.
    pub end_s: f64,
    /// Why it stopped.
    pub end: SegmentEnd,
    /// Its entries in [`Schedule::shares`]: `first..first + count`.
    first: u32,
    count: u32,
}

/// What happened to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// It failed; it is down until repaired.
    Failed,
    /// Its spot capacity was revoked; it is down until replaced.
    Revoked,
    /// Repaired or replaced: in service again.
    Back,
    /// The autoscaler asked for it (paid for from now, usable once it
    /// has booted).
    Requested,
    /// It finished provisioning and is in service.
    Provisioned,
    /// The autoscaler released it after its idle window.
    Released,
}

impl NodeChange {
    /// A short lower-case word for it.
    pub fn name(self) -> &'static str {
        match self {
            NodeChange::Failed => "failed",
            NodeChange::Revoked => "revoked",
            NodeChange::Back => "back",
            NodeChange::Requested => "requested",
            NodeChange::Provisioned => "provisioned",
            NodeChange::Released => "released",
        }
    }
}

/// A change of one node's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeEvent {
    /// When, s.
    pub t_s: f64,
    /// Index of the pool in the scenario.
    pub pool: u32,
    /// Index of the node in its pool.
    pub node: u32,
    /// What happened.
    pub change: NodeChange,
}

/// Everything that ran where, in the order it stopped, and every node
/// change, in time order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schedule {
    /// Stretches of running, in the order they ended.
    pub segments: Vec<Segment>,
    /// `(node, devices)` held on each node, for all segments (see
    /// [`Schedule::shares_of`]).
    shares: Vec<(u32, f32)>,
    /// Node changes in time order.
    pub node_events: Vec<NodeEvent>,
}

impl Schedule {
    /// Records that `job` held `shares` (node, devices) of `pool` from
    /// `start_s` to `end_s`.
    pub(super) fn push(
        &mut self,
        job: usize,
        pool: usize,
        (start_s, end_s): (f64, f64),
        end: SegmentEnd,
        shares: impl IntoIterator<Item = (usize, f64)>,
    ) {
        let first = self.shares.len() as u32;
        for (node, devices) in shares {
            let mine = self.shares.len() as u32 > first;
            match self.shares.last_mut() {
                // Devices of one node are adjacent in a placement.
                Some(last) if mine && last.0 == node as u32 => {
                    last.1 += devices as f32;
                }
                _ => self.shares.push((node as u32, devices as f32)),
            }
        }
        self.segments.push(Segment {
            job: job as u32,
            pool: pool as u32,
            start_s,
            end_s,
            end,
            first,
            count: self.shares.len() as u32 - first,
        });
    }

    /// Records a node change.
    pub(super) fn node(&mut self, t_s: f64, pool: usize, node: usize, change: NodeChange) {
        self.node_events.push(NodeEvent {
            t_s,
            pool: pool as u32,
            node: node as u32,
            change,
        });
    }

    /// The nodes `segment` ran on and the devices it held on each (fractions
    /// of a device for shared ones), in node order.
    pub fn shares_of(&self, segment: &Segment) -> &[(u32, f32)] {
        let a = segment.first as usize;
        self.shares
            .get(a..a + segment.count as usize)
            .unwrap_or_default()
    }

    /// When node `node` of pool `pool` was out of service (failed, revoked,
    /// or released by the autoscaler) until `end_s`: `(from, to)` pairs in
    /// time order.
    pub fn down_intervals(&self, pool: usize, node: usize, end_s: f64) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut since = None;
        for e in self
            .node_events
            .iter()
            .filter(|e| e.pool as usize == pool && e.node as usize == node)
        {
            match e.change {
                NodeChange::Failed | NodeChange::Revoked | NodeChange::Released => {
                    since.get_or_insert(e.t_s);
                }
                NodeChange::Back | NodeChange::Provisioned => {
                    if let Some(a) = since.take() {
                        out.push((a, e.t_s));
                    }
                }
                NodeChange::Requested => {}
            }
        }
        if let Some(a) = since {
            out.push((a, end_s));
        }
        out
    }

    /// Device-seconds held on each node of pool `pool` (`nodes` of them) in
    /// each of `buckets` equal buckets of `[from_s, to_s)`: `[node][bucket]`.
    pub fn node_busy(
        &self,
        pool: usize,
        nodes: usize,
        (from_s, to_s): (f64, f64),
        buckets: usize,
    ) -> Vec<Vec<f64>> {
        let mut out = vec![vec![0.0; buckets]; nodes];
        let width = (to_s - from_s) / buckets.max(1) as f64;
        if buckets == 0 || width <= 0.0 {
            return out;
        }
        for seg in self.segments.iter().filter(|s| s.pool as usize == pool) {
            for (b, secs) in overlaps((seg.start_s, seg.end_s), (from_s, width), buckets) {
                for &(node, devices) in self.shares_of(seg) {
                    if let Some(row) = out.get_mut(node as usize) {
                        row[b] += secs * f64::from(devices);
                    }
                }
            }
        }
        out
    }
}

/// The buckets (`buckets` of `width` seconds from `from_s`) that
/// `[start_s, end_s)` overlaps, each with the seconds of overlap.
pub fn overlaps(
    (start_s, end_s): (f64, f64),
    (from_s, width): (f64, f64),
    buckets: usize,
) -> impl Iterator<Item = (usize, f64)> {
    let to_s = from_s + width * buckets as f64;
    let (a, b) = (start_s.max(from_s), end_s.min(to_s));
    let range = if b > a && width > 0.0 && buckets > 0 {
        let first = (((a - from_s) / width).floor() as usize).min(buckets - 1);
        first..(((b - from_s) / width).ceil() as usize).clamp(first + 1, buckets)
    } else {
        0..0
    };
    range.filter_map(move |k| {
        let lo = from_s + k as f64 * width;
        let secs = b.min(lo + width) - a.max(lo);
        (secs > 0.0).then_some((k, secs))
    })
}

/// Mean number of jobs waiting (arrived, not finished, holding no devices)
/// in each of `buckets` equal buckets of `[from_s, to_s)`.
pub fn queue_length(
    jobs: &[JobRecord],
    schedule: &Schedule,
    (from_s, to_s): (f64, f64),
    buckets: usize,
) -> Vec<f64> {
    let mut waiting_s = vec![0.0; buckets];
    let width = (to_s - from_s) / buckets.max(1) as f64;
    if buckets == 0 || width <= 0.0 {
        return waiting_s;
    }
    // In the system from arrival to completion (or the end) ...
    for j in jobs.iter().filter(|j| j.rejected.is_none()) {
        let end = j.end_s.unwrap_or(to_s);
        for (b, s) in overlaps((j.arrival_s, end), (from_s, width), buckets) {
            waiting_s[b] += s;
        }
    }
    // ... less the time it held devices.
    for seg in &schedule.segments {
        for (b, s) in overlaps((seg.start_s, seg.end_s), (from_s, width), buckets) {
            waiting_s[b] -= s;
        }
    }
    waiting_s
        .into_iter()
        .map(|s| (s / width).max(0.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(arrival_s: f64, end_s: Option<f64>) -> JobRecord {
        JobRecord {
            id: "j".to_owned(),
            arrival_s,
            start_s: None,
            end_s,
            devices: 1.0,
            busy_device_s: 0.0,
            preemptions: 0,
            restore_s: 0.0,
            failures: 0,
            lost_device_s: 0.0,
            rejected: None,
            pool: None,
            ftf_rho: None,
        }
    }

    #[test]
    fn overlaps_split_an_interval_into_buckets() {
        let got: Vec<(usize, f64)> = overlaps((5.0, 25.0), (0.0, 10.0), 3).collect();
        assert_eq!(got, vec![(0, 5.0), (1, 10.0), (2, 5.0)]);
        assert_eq!(overlaps((40.0, 50.0), (0.0, 10.0), 3).count(), 0);
        assert_eq!(overlaps((5.0, 5.0), (0.0, 10.0), 3).count(), 0);
        let clipped: Vec<(usize, f64)> = overlaps((-5.0, 100.0), (0.0, 10.0), 2).collect();
        assert_eq!(clipped, vec![(0, 10.0), (1, 10.0)]);
    }

    #[test]
    fn shares_merge_devices_of_one_node() {
        let mut s = Schedule::default();
        s.push(
            3,
            1,
            (10.0, 20.0),
            SegmentEnd::Finished,
            [(0, 1.0), (0, 1.0), (1, 0.5)],
        );
        s.push(4, 1, (0.0, 5.0), SegmentEnd::Preempted, [(2, 1.0)]);
        assert_eq!(s.shares_of(&s.segments[0]), &[(0, 2.0), (1, 0.5)]);
        assert_eq!(s.shares_of(&s.segments[1]), &[(2, 1.0)]);
    }

    #[test]
    fn down_intervals_pair_outages_with_returns() {
        let mut s = Schedule::default();
        s.node(10.0, 0, 1, NodeChange::Failed);
        s.node(20.0, 0, 1, NodeChange::Back);
        s.node(30.0, 0, 1, NodeChange::Released);
        s.node(35.0, 0, 1, NodeChange::Requested);
        s.node(40.0, 0, 1, NodeChange::Provisioned);
        s.node(50.0, 0, 1, NodeChange::Revoked);
        s.node(15.0, 0, 2, NodeChange::Failed);
        assert_eq!(
            s.down_intervals(0, 1, 99.0),
            vec![(10.0, 20.0), (30.0, 40.0), (50.0, 99.0)]
        );
        assert_eq!(s.down_intervals(0, 2, 99.0), vec![(15.0, 99.0)]);
        assert!(s.down_intervals(1, 1, 99.0).is_empty());
    }

    #[test]
    fn node_busy_splits_time_across_buckets() {
        let mut s = Schedule::default();
        // Two devices of node 0 from 5 s to 25 s; buckets of 10 s over 0-30 s.
        s.push(
            0,
            0,
            (5.0, 25.0),
            SegmentEnd::Finished,
            [(0, 1.0), (0, 1.0)],
        );
        // Another pool: not counted.
        s.push(1, 1, (0.0, 30.0), SegmentEnd::Finished, [(0, 1.0)]);
        let busy = s.node_busy(0, 2, (0.0, 30.0), 3);
        assert_eq!(busy, vec![vec![10.0, 20.0, 10.0], vec![0.0; 3]]);
    }

    #[test]
    fn queue_length_is_time_in_system_less_time_running() {
        // Job a arrives at 0, runs 10-20, finishes at 20: waits 0-10.
        // Job b arrives at 5, never finishes, never runs: waits 5-40.
        let jobs = [record(0.0, Some(20.0)), record(5.0, None)];
        let mut s = Schedule::default();
        s.push(0, 0, (10.0, 20.0), SegmentEnd::Finished, [(0, 1.0)]);
        let q = queue_length(&jobs, &s, (0.0, 40.0), 4);
        // Bucket 0-10: a waits 10 s, b waits 5 s: 1.5 jobs on average.
        assert_eq!(q, vec![1.5, 1.0, 1.0, 1.0]);
    }
}
