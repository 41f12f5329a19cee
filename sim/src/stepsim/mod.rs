//! The event-level simulation of one training step on the discrete-event
//! engine: every pipeline stage runs its forward and backward ops in its
//! schedule's order (GPipe, 1F1B, interleaved 1F1B), waiting for the
//! activations and gradients of its neighbours, which travel as flows on
//! the cluster's topology with max-min fair sharing; data-parallel gradient
//! buckets are reduced by collectives on the same network, contending with
//! pipeline traffic; then the optimizer steps.
//!
//! ```text
//! replicas ──group by (pool, micro-batches)──► representative workers (one per stage)
//!    ops: F/B per micro-batch & chunk ── durations: estimate::compute (roofline per GEMM)
//!    transfers, gradient buckets ── netsim::FlowNet (max-min fair flows on the topology)
//!    engine::Engine drives it all ──► step time, breakdown of the critical worker, spans
//! ```
//!
//! Identical replicas (same pool, same micro-batch count) are simulated
//! once; their data-parallel collectives still span every replica's devices.
//! With one NIC per device, the tensor-parallel ranks' gradient rings and
//! pipeline transfers use disjoint NICs, so only rank 0's are simulated.

mod model;
pub mod schedule;

pub use crate::split::Split;
/// The step budget, re-exported where it was first defined.
pub use crate::step_budget as budget;

use crate::engine::Engine;
use crate::estimate::calibration::Calibration;
use crate::estimate::compute::{Shape, stage_times};
use crate::estimate::{Class, EstimateError, JobEstimate, assemble, classes};
use crate::mesh::{Axis, Mesh};
use crate::netsim::{Algorithm, Collective, CollectiveKind, Efficiency, FlowNet};
use crate::parallelism::Schedule;
use crate::result::Breakdown;
use crate::scenario::{CollectiveAlgorithm, Job, Scenario};
use crate::split::apportion;
use crate::stages::StageSplit;
use crate::topology::{DeviceId, Topology};
use model::{GradientSync, Group, OpCost, Reduction, StepModel, Traffic};
use std::collections::BTreeSet;

/// Message size at which collectives reach half their peak bus bandwidth
/// (nccl-tests#232: 2 MB → ~20, 8 MB → ~36, 32 MB → ~41 of ~44 GB/s).
const HALF_BANDWIDTH_BYTES: f64 = 2e6;

/// What a span of a worker's timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// A forward pass of a micro-batch through a chunk.
    Forward,
    /// A backward pass (with recompute and exposed tensor-parallel traffic).
    Backward,
    /// A data-parallel gradient reduction (from its start to its end).
    DataParallel,
    /// The optimizer step.
    Optimizer,
}

/// One interval of a worker's timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Worker index (one per stage of each simulated group).
    pub worker: usize,
    /// Group index.
    pub group: usize,
    /// Pipeline stage.
    pub stage: u32,
    /// What it is.
    pub kind: SpanKind,
    /// Micro-batch (bucket for reductions).
    pub microbatch: u32,
    /// Model chunk.
    pub chunk: u32,
    /// Start, s.
    pub start: f64,
    /// End, s.
    pub end: f64,
}

/// A set of identical replicas simulated through one representative.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfo {
    /// Pool name.
    pub pool: String,
    /// Replicas in the group.
    pub replicas: u64,
    /// Micro-batches each processes per step.
    pub microbatches: u32,
}

/// The outcome of one event-level step simulation.
#[derive(Debug, Clone)]
pub struct StepSimulation {
    /// The job's figures (SimResult entry and report extras).
    pub estimate: JobEstimate,
    /// Every worker's timeline.
    pub spans: Vec<Span>,
    /// The simulated groups.
    pub groups: Vec<GroupInfo>,
    /// Engine events processed.
    pub events: u64,
}

impl StepSimulation {
    /// The step's timeline as the SimResult records it: one worker per
    /// simulated stage, spans in start order.
    pub fn timeline(&self) -> crate::result::StepTimeline {
        use crate::result::{StepTimeline, TimelineSpan, TimelineWorker};
        let mut workers: Vec<(usize, TimelineWorker)> = Vec::new();
        for span in &self.spans {
            let i = match workers.iter().position(|(w, _)| *w == span.worker) {
                Some(i) => i,
                None => {
                    let group = self.groups.get(span.group);
                    workers.push((
                        span.worker,
                        TimelineWorker {
                            pool: group.map(|g| g.pool.clone()).unwrap_or_default(),
                            group: u32::try_from(span.group).unwrap_or(u32::MAX),
                            replicas: group.map_or(0, |g| g.replicas),
                            stage: span.stage,
                            devices_per_replica: self.estimate.result.parallelism.mesh.tp(),
                            spans: Vec::new(),
                        },
                    ));
                    workers.len() - 1
                }
            };
            workers[i].1.spans.push(TimelineSpan {
                kind: match span.kind {
                    SpanKind::Forward => "forward",
                    SpanKind::Backward => "backward",
                    SpanKind::DataParallel => "dp-reduce",
                    SpanKind::Optimizer => "optimizer",
                }
                .to_owned(),
                microbatch: span.microbatch,
                chunk: span.chunk,
                start_s: span.start,
                end_s: span.end,
            });
        }
        workers.sort_by_key(|(w, _)| *w);
        let mut workers: Vec<TimelineWorker> = workers.into_iter().map(|(_, w)| w).collect();
        for w in &mut workers {
            w.spans.sort_by(|a, b| {
                a.start_s
                    .total_cmp(&b.start_s)
                    .then(a.end_s.total_cmp(&b.end_s))
            });
        }
        StepTimeline {
            step_time_s: self.estimate.result.step_time_s,
            workers,
        }
    }

    /// Idle time of the data-parallel replicas as a fraction of the step:
    /// the time between the first and the last replica group finishing its
    /// passes (what batch shares proportional to speed remove).
    pub fn idle_fraction(&self) -> f64 {
        let mut ends = vec![0.0f64; self.groups.len()];
        for span in &self.spans {
            if matches!(span.kind, SpanKind::Forward | SpanKind::Backward) {
                ends[span.group] = ends[span.group].max(span.end);
            }
        }
        let max = ends.iter().copied().fold(0.0, f64::max);
        let min = ends.iter().copied().fold(f64::INFINITY, f64::min);
        let step = self.estimate.result.step_time_s;
        if step > 0.0 && min.is_finite() {
            (max - min) / step
        } else {
            0.0
        }
    }
}

/// Which model answers a step-time question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The event-level simulation (this module).
    Event,
    /// The closed-form estimate (`estimate`), the planner's fast path.
    Analytic,
}

/// One job's figures by `method`.
pub fn estimate_job(
    method: Method,
    s: &Scenario,
    job: &Job,
    topo: &Topology,
) -> Result<JobEstimate, EstimateError> {
    match method {
        Method::Event => simulate_job(s, job, topo).map(|r| r.estimate),
        Method::Analytic => crate::estimate::estimate_job(s, job, topo),
    }
}

/// One job's figures by `method`, with the step's timeline when the
/// event-level simulation recorded one (what `cirrus simulate` reports).
pub fn estimate_job_with_timeline(
    method: Method,
    s: &Scenario,
    job: &Job,
    topo: &Topology,
) -> Result<JobEstimate, EstimateError> {
    match method {
        Method::Event => simulate_job(s, job, topo).map(|sim| {
            let timeline = (!sim.spans.is_empty()).then(|| sim.timeline());
            let mut estimate = sim.estimate;
            estimate.result.timeline = timeline;
            estimate
        }),
        Method::Analytic => crate::estimate::estimate_job(s, job, topo),
    }
}

/// Simulates every job of a scenario (each alone on its pools) by `method`.
pub fn simulate(
    s: &Scenario,
    seed: u64,
    method: Method,
) -> Result<crate::result::SimResult, EstimateError> {
    crate::estimate::supported(s)?;
    let topo = crate::estimate::topology(s)?;
    let jobs = s
        .jobs
        .iter()
        .map(|j| estimate_job(method, s, j, &topo).map(|e| e.result))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(result_of(s, seed, jobs))
}

/// Simulates every job of a scenario (each alone on its pools) at event
/// level, keeping each job's timeline; [`result_of`] turns the estimates
/// into the same SimResult as [`simulate`] with [`Method::Event`].
pub fn simulate_steps(s: &Scenario) -> Result<Vec<StepSimulation>, EstimateError> {
    crate::estimate::supported(s)?;
    let topo = crate::estimate::topology(s)?;
    s.jobs.iter().map(|j| simulate_job(s, j, &topo)).collect()
}

/// The SimResult (format 1) of a scenario's per-job results.
pub fn result_of(
    s: &Scenario,
    seed: u64,
    jobs: Vec<crate::result::JobResult>,
) -> crate::result::SimResult {
    crate::result::SimResult {
        format_version: crate::result::FORMAT_VERSION,
        scenario: s.name.clone(),
        seed,
        jobs,
        cluster: None,
    }
}

/// The device at coordinates `at` of the job's mesh in a class: its
/// replicas are the class's own (numbered from 0) and its stages those its
/// pool holds, placed by the mesh's rank order (Megatron's: tensor, then
/// data, then pipeline).
fn device(topo: &Topology, c: &Class<'_>, mesh: &Mesh, at: Coords) -> Option<DeviceId> {
    let (j, stage, r) = at;
    let slot = c.slots.get(stage as usize)?;
    let part = mesh.with_replicas(c.replicas);
    let r = u32::try_from(r).ok()?;
    let g = part.rank_at(&[(Axis::Tp, j), (Axis::Dp, r), (Axis::Pp, slot.local)]);
    let dpn = u64::from(slot.pool.devices_per_node);
    topo.device(
        slot.pool_index,
        u32::try_from(g / dpn).ok()?,
        u32::try_from(g % dpn).ok()?,
    )
}

/// Tensor rank, stage and replica of a device in a class.
type Coords = (u32, u32, u64);

/// Simulates one step of `job` at event level.
pub fn simulate_job(
    s: &Scenario,
    job: &Job,
    topo: &Topology,
) -> Result<StepSimulation, EstimateError> {
    simulate_job_split(s, job, topo, Split::Proportional)
}

/// Simulates one step of `job` at event level with the batch split `split`.
pub fn simulate_job_split(
    s: &Scenario,
    job: &Job,
    topo: &Topology,
    split: Split,
) -> Result<StepSimulation, EstimateError> {
    if crate::estimate::local::is_local(s, job) {
        // One machine's workers exchange through host memory: there is no
        // network to simulate, so the call-by-call estimate is the answer.
        let estimate = crate::estimate::local::estimate(s, job, topo, split)?;
        crate::estimate::answerable(job, &estimate.result)?;
        return Ok(StepSimulation {
            estimate,
            spans: Vec::new(),
            groups: Vec::new(),
            events: 0,
        });
    }
    let (par, classes, _) = classes(s, job, topo)?;
    let layout = |why: String| EstimateError::Layout {
        job: job.name.clone(),
        why,
    };
    let v = par.virtual_stages.max(1);
    let unit = if par.schedule == Schedule::Interleaved1F1B && par.mesh.pp() > 1 {
        u64::from(par.mesh.pp())
    } else {
        1
    };
    let total_mb = job.global_batch / u64::from(par.microbatch);
    let speeds: Vec<f64> = classes
        .iter()
        .flat_map(|c| {
            std::iter::repeat_n(
                match split {
                    Split::Proportional => 1.0 / c.microbatch_time().get(),
                    Split::Equal => 1.0,
                },
                usize::try_from(c.replicas).unwrap_or(0),
            )
        })
        .collect();
    let units = apportion(total_mb / unit, &speeds);
    // Per class, per replica: micro-batches.
    let mut per_class: Vec<Vec<u64>> = Vec::new();
    let mut k = 0;
    for c in &classes {
        let n = usize::try_from(c.replicas).unwrap_or(0);
        per_class.push(units[k..k + n].iter().map(|u| u * unit).collect());
        k += n;
    }
    // Refuse a step beyond the budget before building it (from the
    // configuration alone, as `cirrus check` does).
    if let Some((key, message)) = budget::Work::of(job.model.layers, &par, total_mb).over_budget() {
        return Err(EstimateError::Budget {
            job: job.name.clone(),
            key: key.to_owned(),
            message,
        });
    }
    let e = job.precision.bytes_per_element();
    let tokens_mb = f64::from(job.seq_len) * f64::from(par.microbatch);
    let transfer_bytes = tokens_mb * f64::from(job.model.hidden) * e / f64::from(par.mesh.tp());
    let lpc = job.model.layers / (par.mesh.pp() * v);
    let stage_split = par.stages(job.model.layers).map_err(layout)?;
    let grad_elem = crate::estimate::gradient_bytes_per_param(job.precision);
    let params = |stage: u32| crate::estimate::memory::stage_params(&job.model, &par, stage) as f64;

    let mut groups = Vec::new();
    let mut infos = Vec::new();
    for (ci, c) in classes.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for (r, &m) in per_class[ci].iter().enumerate() {
            if !seen.insert(m) {
                continue;
            }
            let r = r as u64;
            let count = per_class[ci].iter().filter(|&&x| x == m).count() as u64;
            let devices = (0..par.mesh.pp())
                .map(|st| {
                    (0..par.mesh.tp())
                        .map(|j| device(topo, c, &par.mesh, (j, st, r)))
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| layout(format!("pool `{}` cannot hold replica {r}", c.pool.name)))?;
            groups.push(Group {
                microbatches: u32::try_from(m).unwrap_or(u32::MAX),
                devices,
                costs: (0..par.mesh.pp())
                    .map(|st| op_costs(job, &par, c, st, v, &stage_split))
                    .collect(),
                optimizer: (0..par.mesh.pp())
                    .map(|st| crate::estimate::optimizer_time(job, &par, c, st).get())
                    .collect(),
            });
            infos.push(GroupInfo {
                pool: c.pool.name.clone(),
                replicas: count,
                microbatches: u32::try_from(m).unwrap_or(u32::MAX),
            });
        }
    }

    // Data-parallel reductions: after the pipeline flush when pipelined
    // (Megatron-LM), else one bucket per layer, overlapped with the last
    // backward pass (PyTorch DDP).
    let sync = if par.mesh.pp() == 1 {
        GradientSync::Overlap {
            buckets_per_chunk: lpc.max(1),
        }
    } else {
        GradientSync::Flush
    };
    let (chunks, buckets) = match sync {
        GradientSync::Flush => (1, 1),
        GradientSync::Overlap { buckets_per_chunk } => (v, buckets_per_chunk),
    };
    let one_nic_per_device = classes
        .iter()
        .flat_map(|c| c.slots.iter())
        .all(|sl| sl.pool.nics_per_node >= sl.pool.devices_per_node);
    let ranks_simulated = if one_nic_per_device { 1 } else { par.mesh.tp() };
    let mut reductions = Vec::new();
    let min_eff =
        |f: fn(&Calibration) -> f64| classes.iter().map(|c| f(&c.rates.cal)).fold(1.0, f64::min);
    if par.mesh.dp() > 1 {
        for stage in 0..par.mesh.pp() {
            for j in 0..ranks_simulated {
                let ranks = classes
                    .iter()
                    .flat_map(|c| (0..c.replicas).map(move |r| (c, r)))
                    .map(|(c, r)| device(topo, c, &par.mesh, (j, stage, r)))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| layout("a replica lies outside its pool".to_owned()))?;
                let nodes: BTreeSet<_> = ranks
                    .iter()
                    .map(|d| {
                        let (p, n, _) = topo.locate(*d);
                        (p, n)
                    })
                    .collect();
                // Hierarchical needs the same number of ranks on every node.
                let per_node = ranks.len() / nodes.len().max(1);
                let even = nodes.iter().all(|n| {
                    ranks
                        .iter()
                        .filter(|d| {
                            let (p, node, _) = topo.locate(**d);
                            (p, node) == *n
                        })
                        .count()
                        == per_node
                });
                let eff = if nodes.len() == 1 {
                    min_eff(|c| c.intra_link_eff)
                } else {
                    min_eff(|c| c.network_eff)
                };
                let algorithm = match job.collective_algorithm {
                    CollectiveAlgorithm::Ring => Algorithm::Ring,
                    CollectiveAlgorithm::Tree => Algorithm::Tree,
                    CollectiveAlgorithm::Hierarchical => Algorithm::Hierarchical,
                    CollectiveAlgorithm::Auto
                        if nodes.len() == ranks.len() || nodes.len() == 1 || !even =>
                    {
                        Algorithm::Ring
                    }
                    CollectiveAlgorithm::Auto => Algorithm::Hierarchical,
                };
                let bytes = params(stage) / f64::from(chunks) / f64::from(buckets) * grad_elem;
                for chunk in 0..chunks {
                    for b in 0..buckets {
                        reductions.push(Reduction {
                            stage,
                            key: (chunk, b),
                            collective: Collective {
                                kind: CollectiveKind::AllReduce,
                                algorithm,
                                ranks: ranks.clone(),
                                bytes,
                                efficiency: Efficiency {
                                    max: eff,
                                    half_bytes: HALF_BANDWIDTH_BYTES,
                                },
                            },
                            started: None,
                        });
                    }
                }
            }
        }
    }
    let p2p = Efficiency {
        max: min_eff(|c| c.network_eff),
        half_bytes: HALF_BANDWIDTH_BYTES,
    };
    let traffic = Traffic {
        reductions,
        sync,
        p2p_efficiency: p2p,
        transfer_bytes,
        transfer_ranks: ranks_simulated as usize,
    };
    let mut model = StepModel::new(par, groups, FlowNet::new(topo), traffic);
    let mut engine = Engine::new();
    model.kick_off(&mut engine.scheduler());
    let stats = engine.run(&mut model);
    if let Some(e) = model.error.take() {
        return Err(layout(format!("network: {e}")));
    }
    let ends = model.worker_ends();
    let (critical, step) = ends
        .iter()
        .enumerate()
        .map(|(w, e)| (w, e.unwrap_or(f64::NAN)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or_else(|| layout("no worker".to_owned()))?;
    if !step.is_finite() || ends.iter().any(Option::is_none) {
        return Err(layout(
            "the step did not complete (a dependency never resolved)".to_owned(),
        ));
    }
    let [compute, recompute, tp, pp_comm, dp, bubble, optimizer] = model.worker_parts(critical);
    let breakdown = Breakdown {
        compute,
        recompute,
        tp_comm_exposed: tp,
        pp_comm_exposed: pp_comm,
        dp_comm_exposed: dp,
        bubble,
        optimizer,
    };
    let shares: Vec<Vec<f64>> = per_class
        .iter()
        .map(|ms| ms.iter().map(|&m| m as f64 / total_mb as f64).collect())
        .collect();
    let estimate = assemble(job, &par, &classes, breakdown, &shares);
    crate::estimate::answerable(job, &estimate.result)?;
    Ok(StepSimulation {
        estimate,
        spans: std::mem::take(&mut model.spans),
        groups: infos,
        events: stats.events,
    })
}

/// Op costs of stage `stage` of a class: `[chunk][pass]` for each of its
/// `v` chunks (the model's last chunk holds the output head).
fn op_costs(
    job: &Job,
    par: &crate::parallelism::ParallelConfig,
    c: &Class<'_>,
    stage: u32,
    v: u32,
    split: &StageSplit,
) -> Vec<[OpCost; 2]> {
    let slot = &c.slots[stage as usize];
    let shape = Shape::of(job, par);
    // ZeRO-3 gathers the chunk's parameters (16-bit) from every data-parallel
    // rank before each forward and each backward pass; prefetching hides the
    // gather behind the pass, so only what outlasts it is exposed.
    let gather = if par.mesh.zero() == 3 && par.mesh.dp() > 1 {
        let (inner, outer) = crate::estimate::dp_layout(c, par);
        crate::estimate::zero3_gather(job, par, (inner, slot.intra), (outer, slot.inter)).get()
    } else {
        0.0
    };
    let pp = par.mesh.pp();
    (0..v)
        .map(|chunk| {
            // A stage spread over pools has one chunk of its own layers.
            let lpc = if v == 1 {
                slot.layers
            } else {
                split.chunk_layers(stage, chunk)
            };
            let head = chunk * pp + stage + 1 == pp * v;
            let fwd_tp = slot.tp.forward_per_layer(&shape).get() * f64::from(lpc);
            let t = stage_times(&shape, &slot.rates, lpc, head, par.recompute, slot.tp);
            let fwd = t.forward.get();
            let bwd = t.backward.get() + t.recompute.get();
            [
                OpCost {
                    compute: fwd,
                    recompute: 0.0,
                    tp: fwd_tp,
                    dp: (gather - fwd).max(0.0),
                },
                OpCost {
                    compute: t.backward.get(),
                    recompute: t.recompute.get(),
                    tp: (t.tp_comm.get() - fwd_tp).max(0.0),
                    dp: (gather - bwd).max(0.0),
                },
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests;
