//! Autoscaled pools: `min_nodes` stay held; when queued jobs that could run
//! on the pool need more devices than it has free (or coming), the engine
//! asks for released nodes, usable after the provisioning delay; a node idle
//! for the idle window is released (never below `min_nodes`). The pool pays
//! for every node-hour it holds, from the request to the release, so the
//! cost counts provisioning and idle windows (tracked in [`super::usage`]).

use super::usage::Delta;
use super::{Event, NodeChange, NodeState, Sim};
use crate::engine::{Scheduler, SimTime};
use crate::scenario::Autoscale;

/// Scaling state of one autoscaled pool.
#[derive(Debug, Clone)]
pub(super) struct PoolScaling {
    terms: Autoscale,
    /// Per node: since when it is online with nothing on it, if so.
    idle_since: Vec<Option<f64>>,
}

impl PoolScaling {
    /// A pool with the given terms, nothing held yet.
    pub fn new(terms: Autoscale) -> Self {
        Self {
            terms,
            idle_since: Vec::new(),
        }
    }
}

impl Sim<'_> {
    /// At the start: every autoscaled pool holds `min_nodes` and releases
    /// the rest.
    pub(super) fn release_spare_nodes(&mut self) {
        for p in 0..self.scaling.len() {
            let Some(sc) = self.scaling[p].as_mut() else {
                continue;
            };
            let nodes = self.node_state[p].len();
            let min = sc.terms.min_nodes as usize;
            sc.idle_since = vec![None; nodes];
            for n in min..nodes {
                self.devices.take_down(p, n);
                self.node_state[p][n] = NodeState::Released;
            }
        }
    }

    /// After every decision: tracks idle nodes (arming their idle checks)
    /// and asks for nodes the queue needs.
    pub(super) fn autoscale(&mut self, t: f64, sched: &mut Scheduler<'_, Event>) {
        if self.scaling.iter().all(Option::is_none) {
            return;
        }
        for p in 0..self.scaling.len() {
            let Some(sc) = self.scaling[p].as_mut() else {
                continue;
            };
            for n in 0..self.node_state[p].len() {
                let idle =
                    self.node_state[p][n] == NodeState::Online && self.devices.node_idle(p, n);
                match (idle, sc.idle_since[n]) {
                    (true, None) => {
                        sc.idle_since[n] = Some(t);
                        sched.schedule_at(
                            SimTime::from_secs_f64(t + sc.terms.idle_s),
                            Event::IdleCheck(p, n, self.epoch[p][n]),
                        );
                    }
                    (false, Some(_)) => sc.idle_since[n] = None,
                    _ => {}
                }
            }
        }
        if self.remaining == 0 {
            return;
        }
        // Demand of waiting jobs, each counted on one autoscaled pool: the
        // fastest for it when placement is heterogeneity-aware, else the
        // first in scenario order.
        let mut demand = vec![0.0; self.scaling.len()];
        for &j in &self.active {
            let l = &self.live[j];
            if l.running.is_some() {
                continue;
            }
            let scaled = (0..self.scaling.len()).filter(|&p| self.scaling[p].is_some());
            if let Some(p) = super::policy::preferred_pool(self.cfg, l, scaled) {
                demand[p] += self.jobs[j].devices;
            }
        }
        for (p, &want) in demand.iter().enumerate() {
            if want <= 0.0 {
                continue;
            }
            let per_node = self.devices.per_node(p).max(1);
            let node_devices = self.devices.per_node(p) as f64;
            let coming = self.node_state[p]
                .iter()
                .filter(|&&s| s == NodeState::Provisioning)
                .count();
            let supply = self.devices.free(p) + (coming * per_node) as f64;
            if want <= supply + 1e-9 {
                continue;
            }
            let mut need = ((want - supply) / per_node as f64).ceil() as usize;
            let Some(sc) = self.scaling[p].as_mut() else {
                continue;
            };
            for n in 0..self.node_state[p].len() {
                if need == 0 {
                    break;
                }
                if self.node_state[p][n] == NodeState::Released {
                    self.node_state[p][n] = NodeState::Provisioning;
                    self.schedule.node(t, p, n, NodeChange::Requested);
                    self.usage.change(
                        p,
                        t,
                        Delta {
                            held: node_devices,
                            ..Delta::default()
                        },
                    );
                    sched.schedule_at(
                        SimTime::from_secs_f64(t + sc.terms.provision_s),
                        Event::Provisioned(p, n),
                    );
                    need -= 1;
                }
            }
        }
    }

    /// Node `n` of pool `p` has booted and joins the pool.
    pub(super) fn provisioned(
        &mut self,
        p: usize,
        n: usize,
        t: f64,
        sched: &mut Scheduler<'_, Event>,
    ) {
        if self.node_state[p][n] != NodeState::Provisioning {
            return;
        }
        self.devices.bring_up(p, n);
        self.node_state[p][n] = NodeState::Online;
        self.schedule.node(t, p, n, NodeChange::Provisioned);
        if self.remaining > 0 {
            self.next_failure(p, n, t, sched);
        }
    }

    /// Releases node `n` of pool `p` if it has been idle for the whole idle
    /// window of its current life and the pool holds more than `min_nodes`.
    pub(super) fn idle_check(&mut self, p: usize, n: usize, epoch: u32, t: f64) {
        if !self.in_service(p, n, epoch) || !self.devices.node_idle(p, n) {
            return;
        }
        let held = self.node_state[p]
            .iter()
            .filter(|&&s| s != NodeState::Released)
            .count();
        let Some(sc) = self.scaling[p].as_mut() else {
            return;
        };
        let idle_long_enough = sc.idle_since[n].is_some_and(|s| t - s >= sc.terms.idle_s - 1e-6);
        if !idle_long_enough || held <= sc.terms.min_nodes as usize {
            return;
        }
        sc.idle_since[n] = None;
        let node_devices = self.devices.per_node(p) as f64;
        self.usage.change(
            p,
            t,
            Delta {
                held: -node_devices,
                ..Delta::default()
            },
        );
        self.devices.take_down(p, n);
        self.node_state[p][n] = NodeState::Released;
        self.schedule.node(t, p, n, NodeChange::Released);
        self.epoch[p][n] += 1;
    }

    /// Per pool: devices an autoscaled pool still holds beyond `min_nodes`
    /// (it releases them when their idle window ends, and pays until then);
    /// 0 for a fixed pool.
    pub(super) fn draining_devices(&self) -> Vec<f64> {
        self.scaling
            .iter()
            .enumerate()
            .map(|(p, sc)| {
                sc.as_ref().map_or(0.0, |sc| {
                    let held = self.node_state[p]
                        .iter()
                        .filter(|&&s| s != NodeState::Released)
                        .count();
                    let extra = held.saturating_sub(sc.terms.min_nodes as usize);
                    (extra * self.devices.per_node(p)) as f64
                })
            })
            .collect()
    }
}
