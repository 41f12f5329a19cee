//! Collectives as phases of concurrent flows on a [`FlowNet`].
//!
//! Each algorithm is a fluid decomposition: the flows of a phase run at once
//! and the phase ends when the last one finishes, plus a fixed delay for the
//! algorithm steps whose latency the flows do not already pay. Every flow
//! waits one route latency before transmitting, so a phase of `k` latency
//! steps adds `(k − 1) ×` the largest route latency among its flows. On an
//! idle network each decomposition equals its α-β formula in
//! [`crate::estimate::comm`] with α = that route latency and β = the flows'
//! bottleneck rate.

use super::NetError;
use super::flows::{FlowId, FlowNet};
use crate::topology::{DeviceId, Topology};
use std::collections::{BTreeMap, BTreeSet};

/// Which collective operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CollectiveKind {
    /// Every rank ends with the reduction of all ranks' buffers.
    AllReduce,
    /// Every rank ends with its `1/n` shard of the reduction.
    ReduceScatter,
    /// Every rank ends with all ranks' shards.
    AllGather,
    /// Every rank sends a distinct `1/n` of its buffer to every other rank.
    AllToAll,
    /// `ranks[0]` sends its buffer to `ranks[1]`.
    SendRecv,
}

/// How a collective is decomposed into flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// A ring in rank order (all-reduce, reduce-scatter, all-gather).
    Ring,
    /// A binary tree over rank order (all-reduce).
    Tree,
    /// Ring inside nodes, ring across nodes, ring inside nodes (all-reduce).
    Hierarchical,
    /// One flow per communicating pair (all-to-all, send/recv).
    Direct,
}

/// Bus-bandwidth efficiency by message size: `max · s / (s + half_bytes)`
/// for a message of `s` bytes per flow, so small messages reach a smaller
/// fraction of the line rate (`half_bytes` is where half of `max` is reached;
/// 0 means `max` at every size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Efficiency {
    /// Fraction of line rate reached by large messages, in (0, 1].
    pub max: f64,
    /// Message size (bytes) at which half of `max` is reached.
    pub half_bytes: f64,
}

impl Efficiency {
    /// Efficiency of a flow carrying `bytes`; never below a tiny positive
    /// floor, so zero-byte messages stay valid flows.
    pub fn at(&self, bytes: f64) -> f64 {
        let e = if self.half_bytes > 0.0 {
            self.max * bytes / (bytes + self.half_bytes)
        } else {
            self.max
        };
        e.max(f64::MIN_POSITIVE)
    }
}

/// A collective operation over devices.
#[derive(Debug, Clone, PartialEq)]
pub struct Collective {
    /// Which operation.
    pub kind: CollectiveKind,
    /// How it is decomposed into flows.
    pub algorithm: Algorithm,
    /// Participating devices in rank order.
    pub ranks: Vec<DeviceId>,
    /// Buffer size per rank (bytes): what each rank contributes or receives
    /// (all-reduce: the full buffer).
    pub bytes: f64,
    /// Bus-bandwidth efficiency applied to each flow.
    pub efficiency: Efficiency,
}

/// One flow of a phase: source, destination, bytes.
type FlowSpec = (DeviceId, DeviceId, f64);

/// Flows that run together, and the latency steps they stand for.
#[derive(Debug, Clone)]
struct Phase {
    flows: Vec<FlowSpec>,
    /// Algorithm steps, each paying the phase's largest route latency.
    steps: f64,
}

/// A running collective: a small state machine of phases of concurrent flows.
#[derive(Debug, Clone)]
pub struct CollectiveRun {
    phases: Vec<Phase>,
    efficiency: Efficiency,
    /// Index of the phase in flight.
    current: usize,
    /// Fixed delay after the current phase's flows (s).
    extra: f64,
    pending: BTreeSet<FlowId>,
    finished_at: Option<f64>,
}

/// Ring flows rank i → rank i+1 (mod n), each of `bytes`.
fn ring(ranks: &[DeviceId], bytes: f64) -> Vec<FlowSpec> {
    let n = ranks.len();
    if n < 2 {
        return Vec::new();
    }
    (0..n)
        .map(|i| (ranks[i], ranks[(i + 1) % n], bytes))
        .collect()
}

/// Ring all-reduce: n flows of `2(n−1)/n · bytes`, `2(n−1)` steps —
/// `comm::all_reduce`: `2(n−1)·α + 2(n−1)/n · bytes / β`.
fn ring_all_reduce(ranks: &[DeviceId], bytes: f64) -> Phase {
    let n = ranks.len() as f64;
    Phase {
        flows: ring(ranks, 2.0 * (n - 1.0) / n * bytes),
        steps: 2.0 * (n - 1.0),
    }
}

/// Ring reduce-scatter or all-gather: n flows of `(n−1)/n · bytes`, `n−1`
/// steps — `comm::all_gather`: `(n−1)·α + (n−1)/n · bytes / β`.
fn ring_gather(ranks: &[DeviceId], bytes: f64) -> Phase {
    let n = ranks.len() as f64;
    Phase {
        flows: ring(ranks, (n - 1.0) / n * bytes),
        steps: n - 1.0,
    }
}

/// Tree all-reduce (NCCL's double binary tree simplified to one binary tree
/// over rank order, rank i's children 2i+1 and 2i+2): every parent↔child
/// pair carries `bytes` both ways at once (reduce up and broadcast down,
/// pipelined), over `2 · depth` latency steps. Uncontended:
/// `2·depth·α + bytes / β_tree`, where β_tree is the rate left to each flow
/// after interior ranks split their links among up to three neighbours.
fn tree_all_reduce(ranks: &[DeviceId], bytes: f64) -> Phase {
    let n = ranks.len();
    let mut flows = Vec::new();
    for child in 1..n {
        let parent = (child - 1) / 2;
        flows.push((ranks[child], ranks[parent], bytes));
        flows.push((ranks[parent], ranks[child], bytes));
    }
    let depth = if n < 2 { 0 } else { n.ilog2() };
    Phase {
        flows,
        steps: 2.0 * f64::from(depth),
    }
}

/// Hierarchical all-reduce: ranks grouped by (pool, node) in order of first
/// appearance, `g` per node over `m` nodes. Phase 1 ring reduce-scatter inside
/// each node; phase 2 ring all-reduce of `bytes / g` across nodes among the
/// ranks with the same local position; phase 3 ring all-gather inside each
/// node — `comm::hierarchical_all_reduce`:
/// `2·[(g−1)·α_in + (g−1)/g · bytes / β_in] + 2(m−1)·α_out + 2(m−1)/m · bytes/g / β_out`.
fn hierarchical(t: &Topology, ranks: &[DeviceId], bytes: f64) -> Result<Vec<Phase>, NetError> {
    let mut order: Vec<(usize, u32)> = Vec::new();
    let mut nodes: BTreeMap<(usize, u32), Vec<DeviceId>> = BTreeMap::new();
    for &r in ranks {
        let (pool, node, _) = t.locate(r);
        let members = nodes.entry((pool, node)).or_default();
        if members.is_empty() {
            order.push((pool, node));
        }
        members.push(r);
    }
    let groups: Vec<&Vec<DeviceId>> = order.iter().filter_map(|k| nodes.get(k)).collect();
    let g = groups.first().map_or(0, |m| m.len());
    if groups.iter().any(|m| m.len() != g) {
        return Err(NetError::UnevenNodes);
    }
    let inner = |make: fn(&[DeviceId], f64) -> Phase| {
        let phases: Vec<Phase> = groups.iter().map(|m| make(m, bytes)).collect();
        Phase {
            steps: phases.first().map_or(0.0, |p| p.steps),
            flows: phases.into_iter().flat_map(|p| p.flows).collect(),
        }
    };
    let mut across = Phase {
        flows: Vec::new(),
        steps: 0.0,
    };
    for local in 0..g {
        let column: Vec<DeviceId> = groups.iter().map(|m| m[local]).collect();
        let p = ring_all_reduce(&column, bytes / g as f64);
        across.steps = p.steps;
        across.flows.extend(p.flows);
    }
    Ok(vec![inner(ring_gather), across, inner(ring_gather)])
}

/// Checks the ranks and builds the phases of `c`.
fn phases(t: &Topology, c: &Collective) -> Result<Vec<Phase>, NetError> {
    let needed = if c.kind == CollectiveKind::SendRecv {
        2
    } else {
        1
    };
    if c.ranks.len() < needed {
        return Err(NetError::TooFewRanks {
            kind: c.kind,
            needed,
            got: c.ranks.len(),
        });
    }
    if !(c.bytes.is_finite() && c.bytes >= 0.0) {
        return Err(NetError::InvalidBytes(c.bytes));
    }
    if !(c.efficiency.max > 0.0 && c.efficiency.max <= 1.0) {
        return Err(NetError::InvalidEfficiency(c.efficiency.max));
    }
    let mut seen = BTreeSet::new();
    for &r in &c.ranks {
        NetError::check_device(r, t.device_count())?;
        if !seen.insert(r) {
            return Err(NetError::DuplicateRank(r.0));
        }
    }
    let ranks = c.ranks.as_slice();
    let n = ranks.len() as f64;
    use Algorithm as A;
    use CollectiveKind as K;
    Ok(match (c.kind, c.algorithm) {
        (K::AllReduce, A::Ring) => vec![ring_all_reduce(ranks, c.bytes)],
        (K::ReduceScatter | K::AllGather, A::Ring) => vec![ring_gather(ranks, c.bytes)],
        (K::AllReduce, A::Tree) => vec![tree_all_reduce(ranks, c.bytes)],
        (K::AllReduce, A::Hierarchical) => hierarchical(t, ranks, c.bytes)?,
        // Direct all-to-all: every ordered pair one flow of bytes / n, one step.
        (K::AllToAll, A::Direct) => {
            let mut flows = Vec::new();
            for &a in ranks {
                for &b in ranks {
                    if a != b {
                        flows.push((a, b, c.bytes / n));
                    }
                }
            }
            vec![Phase { flows, steps: 1.0 }]
        }
        // Send/recv: one flow, `comm::send`: α + bytes / β.
        (K::SendRecv, _) => vec![Phase {
            flows: vec![(ranks[0], ranks[1], c.bytes)],
            steps: 1.0,
        }],
        (kind, algorithm) => return Err(NetError::Unsupported { kind, algorithm }),
    })
}

impl CollectiveRun {
    /// Checks `c` and starts its first phase's flows on `net` at `now`, each
    /// tagged with a clone of `tag`. A collective with nothing to move (one
    /// rank) is finished at once: see [`CollectiveRun::finished_at`].
    pub fn start<T: Clone>(
        c: &Collective,
        now: f64,
        net: &mut FlowNet<T>,
        tag: T,
    ) -> Result<CollectiveRun, NetError> {
        let phases = phases(net.topology(), c)?;
        let mut run = CollectiveRun {
            phases,
            efficiency: c.efficiency,
            current: 0,
            extra: 0.0,
            pending: BTreeSet::new(),
            finished_at: None,
        };
        run.launch(now, net, &tag)?;
        Ok(run)
    }

    /// When the collective finished, if it has.
    pub fn finished_at(&self) -> Option<f64> {
        self.finished_at
    }

    /// Flows of the current phase still in flight.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Tells the run that one of its flows finished at `now`; returns the
    /// collective's finish time once all phases are done (it may lie after
    /// `now` by the remaining latency steps), otherwise starts the next
    /// phase's flows when the current phase is over and returns `None`.
    pub fn on_flow_done<T: Clone>(
        &mut self,
        flow: FlowId,
        now: f64,
        net: &mut FlowNet<T>,
        tag: T,
    ) -> Result<Option<f64>, NetError> {
        if !self.pending.remove(&flow) {
            return Err(NetError::UnknownFlow(flow));
        }
        if !self.pending.is_empty() {
            return Ok(None);
        }
        let next = now + self.extra;
        self.current += 1;
        self.launch(next, net, &tag)?;
        Ok(self.finished_at)
    }

    /// Starts the first phase from `self.current` that has flows, at `now`;
    /// records the finish time if none is left.
    fn launch<T: Clone>(
        &mut self,
        now: f64,
        net: &mut FlowNet<T>,
        tag: &T,
    ) -> Result<(), NetError> {
        while let Some(phase) = self.phases.get(self.current) {
            if phase.flows.is_empty() {
                self.current += 1;
                continue;
            }
            let mut latency: f64 = 0.0;
            for &(a, b, _) in &phase.flows {
                latency = latency.max(net.route_latency(a, b)?);
            }
            self.extra = (phase.steps - 1.0).max(0.0) * latency;
            for &(a, b, bytes) in &phase.flows {
                let id = net.start(now, a, b, bytes, self.efficiency.at(bytes), tag.clone())?;
                self.pending.insert(id);
            }
            return Ok(());
        }
        self.finished_at = Some(now);
        Ok(())
    }
}

/// Runs `collectives` concurrently from time 0 on an otherwise idle network;
/// returns each one's finish time (s), in input order.
pub fn simulate_concurrent(
    topology: &Topology,
    collectives: &[Collective],
) -> Result<Vec<f64>, NetError> {
    let mut net: FlowNet<usize> = FlowNet::new(topology);
    let mut runs = collectives
        .iter()
        .enumerate()
        .map(|(i, c)| CollectiveRun::start(c, 0.0, &mut net, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut left = runs.iter().filter(|r| r.finished_at.is_none()).count();
    while left > 0 {
        let t = net.next_event_time().ok_or(NetError::Stalled)?;
        for (flow, i) in net.advance(t) {
            if runs[i].on_flow_done(flow, t, &mut net, i)?.is_some() {
                left -= 1;
            }
        }
    }
    runs.iter()
        .map(|r| r.finished_at.ok_or(NetError::Stalled))
        .collect()
}

/// The same collective simulated alone on an otherwise idle network: its
/// duration (s).
pub fn isolated_time(topology: &Topology, c: &Collective) -> Result<f64, NetError> {
    let times = simulate_concurrent(topology, std::slice::from_ref(c))?;
    times.first().copied().ok_or(NetError::Stalled)
}
