//! The incremental fluid network: flows over (edge, direction) resources of a
//! [`Topology`], with max-min fair rates recomputed at every event.

use super::NetError;
use super::fairness::fill;
use crate::topology::{DeviceId, Topology};
use petgraph::graph::EdgeIndex;
use std::collections::{BTreeMap, HashMap};

/// Relative remainder below which a flow counts as finished (guards against
/// rounding leaving a few bytes that would schedule a spurious event).
const DONE_EPS: f64 = 1e-9;

/// Identifies a flow of a [`FlowNet`]; ids increase in start order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u64);

/// A route reduced to what the fluid model needs.
#[derive(Debug, Clone)]
struct CachedRoute {
    /// Resource indices `2 · edge + direction` (direction 1: from the lower
    /// vertex index to the higher).
    resources: Vec<usize>,
    /// Sum of link latencies (s).
    latency: f64,
}

#[derive(Debug, Clone)]
struct Flow<T> {
    tag: T,
    route: usize,
    /// Goodput bytes of the flow.
    bytes: f64,
    /// Goodput bytes still to move.
    remaining: f64,
    /// When the flow starts transmitting (start time + route latency).
    transmit_at: f64,
    efficiency: f64,
    /// Whether the latency has elapsed.
    transmitting: bool,
    /// Max-min fair share of link capacity (wire rate, B/s).
    share: f64,
}

impl<T> Flow<T> {
    /// Goodput rate: the wire share scaled by protocol efficiency.
    fn rate(&self) -> f64 {
        self.share * self.efficiency
    }

    /// When the flow would finish at its current rate, from `clock`.
    fn finish_time(&self, clock: f64) -> f64 {
        clock + self.remaining / self.rate()
    }
}

/// A fluid network over a [`Topology`]: each link carries its capacity in
/// each direction independently, shared max-min fairly by the flows crossing
/// it in that direction. `T` is the caller's tag for a flow.
///
/// Times are `f64` seconds. Results never depend on hash-map order: flows
/// are kept ordered by [`FlowId`].
#[derive(Debug, Clone)]
pub struct FlowNet<T> {
    topology: Topology,
    /// Capacity per resource `2 · edge + direction` (B/s).
    capacities: Vec<f64>,
    /// Wire bytes carried so far per resource.
    carried: Vec<f64>,
    routes: Vec<CachedRoute>,
    route_index: HashMap<(DeviceId, DeviceId), usize>,
    flows: BTreeMap<FlowId, Flow<T>>,
    clock: f64,
    next_id: u64,
}

impl<T> FlowNet<T> {
    /// An idle network at time 0 over a copy of `topology`.
    pub fn new(topology: &Topology) -> Self {
        let capacities = topology
            .graph()
            .edge_weights()
            .flat_map(|l| [l.capacity.get(), l.capacity.get()])
            .collect::<Vec<_>>();
        FlowNet {
            topology: topology.clone(),
            carried: vec![0.0; capacities.len()],
            capacities,
            routes: Vec::new(),
            route_index: HashMap::new(),
            flows: BTreeMap::new(),
            clock: 0.0,
            next_id: 0,
        }
    }

    /// The topology the network was built over.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The network's current time (s): the latest `advance` target.
    pub fn now(&self) -> f64 {
        self.clock
    }

    /// One-way latency (s) of the route from `a` to `b` (0 when `a == b`).
    pub fn route_latency(&mut self, a: DeviceId, b: DeviceId) -> Result<f64, NetError> {
        let r = self.route(a, b)?;
        Ok(self.routes[r].latency)
    }

    /// The cached route index from `a` to `b`, computing it on first use.
    fn route(&mut self, a: DeviceId, b: DeviceId) -> Result<usize, NetError> {
        if let Some(&r) = self.route_index.get(&(a, b)) {
            return Ok(r);
        }
        let count = self.topology.device_count();
        NetError::check_device(a, count)?;
        NetError::check_device(b, count)?;
        let route = self.topology.route(a, b);
        let no_path = NetError::NoPath { from: a.0, to: b.0 };
        if a != b && route.links.is_empty() {
            return Err(no_path);
        }
        let graph = self.topology.graph();
        let mut at = self.topology.device_vertex(a);
        let mut resources = Vec::with_capacity(route.links.len());
        for &e in &route.links {
            let (x, y) = graph.edge_endpoints(e).ok_or(no_path.clone())?;
            let (next, forward) = if x == at {
                (y, x.index() < y.index())
            } else if y == at {
                (x, y.index() < x.index())
            } else {
                return Err(no_path);
            };
            let r = 2 * e.index() + usize::from(forward);
            if self.capacities[r] <= 0.0 {
                return Err(no_path);
            }
            resources.push(r);
            at = next;
        }
        let idx = self.routes.len();
        self.routes.push(CachedRoute {
            resources,
            latency: route.latency.get(),
        });
        self.route_index.insert((a, b), idx);
        Ok(idx)
    }

    /// Starts a flow of `bytes` from device `a` to device `b` at time `now`
    /// (s, not before the network's clock), carrying `tag`. The flow first
    /// waits its route's latency, then transmits at its max-min fair share
    /// scaled by `efficiency` in (0, 1] (protocol efficiency: the wire carries
    /// `bytes / efficiency`). `a == b` completes after 0 s; so does a flow of
    /// zero bytes once its latency has passed.
    pub fn start(
        &mut self,
        now: f64,
        a: DeviceId,
        b: DeviceId,
        bytes: f64,
        efficiency: f64,
        tag: T,
    ) -> Result<FlowId, NetError> {
        if !(bytes.is_finite() && bytes >= 0.0) {
            return Err(NetError::InvalidBytes(bytes));
        }
        if !(efficiency > 0.0 && efficiency <= 1.0) {
            return Err(NetError::InvalidEfficiency(efficiency));
        }
        if !(now >= self.clock && now.is_finite()) {
            return Err(NetError::PastTime {
                now,
                clock: self.clock,
            });
        }
        let route = self.route(a, b)?;
        let id = FlowId(self.next_id);
        self.next_id += 1;
        self.flows.insert(
            id,
            Flow {
                tag,
                route,
                bytes,
                remaining: bytes,
                transmit_at: now + self.routes[route].latency,
                efficiency,
                transmitting: false,
                share: 0.0,
            },
        );
        Ok(id)
    }

    /// The earliest time at which a flow finishes or a waiting flow starts
    /// transmitting, if any flow is active.
    pub fn next_event_time(&self) -> Option<f64> {
        self.flows
            .values()
            .map(|f| {
                if f.transmitting {
                    f.finish_time(self.clock)
                } else {
                    f.transmit_at
                }
            })
            .min_by(f64::total_cmp)
    }

    /// Advances to `now` (earlier times leave the clock where it is),
    /// returning the flows that completed by then in completion order (ties by
    /// [`FlowId`]), and recomputing the rates at every event on the way.
    pub fn advance(&mut self, now: f64) -> Vec<(FlowId, T)> {
        let target = now.max(self.clock);
        let mut done = Vec::new();
        while let Some(t) = self.next_event_time() {
            if t > target {
                break;
            }
            self.step_to(t, &mut done);
        }
        self.progress(target);
        done
    }

    /// Flows started and not yet completed (waiting or transmitting).
    pub fn active(&self) -> usize {
        self.flows.len()
    }

    /// Wire bytes carried so far per (edge, direction), for link-utilisation
    /// reports; `true` is the direction from the edge's lower vertex index to
    /// the higher. Only directions that carried something, in edge order.
    pub fn link_bytes(&self) -> impl Iterator<Item = (EdgeIndex, bool, f64)> + '_ {
        self.carried
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b > 0.0)
            .map(|(r, &b)| (EdgeIndex::new(r / 2), r % 2 == 1, b))
    }

    /// Moves every transmitting flow forward to `t` at its current rate.
    fn progress(&mut self, t: f64) {
        let dt = t - self.clock;
        if dt > 0.0 {
            for f in self.flows.values_mut().filter(|f| f.transmitting) {
                f.remaining = (f.remaining - f.rate() * dt).max(0.0);
                for &r in &self.routes[f.route].resources {
                    self.carried[r] += f.share * dt;
                }
            }
        }
        self.clock = self.clock.max(t);
    }

    /// Handles the event at `t`: completes finished flows, starts waiting
    /// ones whose latency is over, and recomputes the rates.
    fn step_to(&mut self, t: f64, done: &mut Vec<(FlowId, T)>) {
        let clock = self.clock;
        let finished: Vec<FlowId> = self
            .flows
            .iter()
            .filter(|(_, f)| f.transmitting && f.finish_time(clock) <= t)
            .map(|(&id, _)| id)
            .collect();
        self.progress(t);
        let mut completed = finished;
        for (&id, f) in self.flows.iter_mut() {
            if !f.transmitting && f.transmit_at <= t {
                f.transmitting = true;
                if f.remaining <= 0.0 || self.routes[f.route].resources.is_empty() {
                    completed.push(id);
                }
            } else if f.transmitting && f.remaining <= DONE_EPS * f.bytes {
                completed.push(id);
            }
        }
        completed.sort_unstable();
        completed.dedup();
        for id in completed {
            if let Some(f) = self.flows.remove(&id) {
                done.push((id, f.tag));
            }
        }
        self.recompute();
    }

    /// Max-min fair shares of the transmitting flows.
    fn recompute(&mut self) {
        let sending: Vec<&[usize]> = self
            .flows
            .values()
            .filter(|f| f.transmitting)
            .map(|f| self.routes[f.route].resources.as_slice())
            .collect();
        let shares = fill(&self.capacities, &sending);
        for (f, s) in self
            .flows
            .values_mut()
            .filter(|f| f.transmitting)
            .zip(shares)
        {
            f.share = s;
        }
    }
}
