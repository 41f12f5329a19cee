//! One job's step: replicas per pool, their speed, batch shares ∝ speed,
//! and the step time with its breakdown.

use super::EstimateError;
use super::calibration::{Calibration, for_generation};
use super::comm::{self, Link};
use super::compute::{DeviceRates, Shape, StageTimes, TensorComm, stage_times};
use super::memory::{Memory, peak_memory, stage_memory};
use crate::mesh::Axis;
use crate::parallelism::{ParallelConfig, Precision};
use crate::result::{Breakdown, JobResult, NodeShare};
use crate::scenario::{CollectiveAlgorithm, Job, Pool, Scenario, StageLayout};
use crate::topology::Topology;
use crate::units::{Bytes, BytesPerSec, Seconds};

/// Bytes the optimizer step moves per parameter (see `finish`).
const OPTIMIZER_BYTES_PER_PARAM: f64 = 38.0;

/// A job's estimate with the figures the human-readable report adds.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEstimate {
    /// The SimResult entry.
    pub result: JobResult,
    /// Model FLOP/s per device by Megatron's accounting (Narayanan et al.
    /// 2021 eq. 3, which counts full recomputation), TFLOP/s.
    pub megatron_tflops_per_device: f64,
    /// Per pool the job uses: (pool name, replicas, share of one replica,
    /// memory of its most loaded device).
    pub pools: Vec<PoolEstimate>,
}

/// What one pool contributes to a job.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolEstimate {
    /// Pool name.
    pub pool: String,
    /// Data-parallel replicas on this pool.
    pub replicas: u64,
    /// Fraction of the global batch each of its replicas takes.
    pub replica_share: f64,
    /// Micro-batch time (forward, backward, recompute, TP comm), s.
    pub microbatch_s: f64,
    /// Peak memory of its most loaded device.
    pub memory_gib: f64,
    /// Its devices' capacity.
    pub capacity_gib: f64,
    /// The calibration applied.
    pub calibration: &'static str,
}

/// Figures of one pool's replicas (every replica of a pool is alike).
pub(crate) struct Class<'a> {
    /// The pool.
    pub pool: &'a Pool,
    /// Data-parallel replicas on it.
    pub replicas: u64,
    /// Device rates and calibration.
    pub rates: DeviceRates,
    /// One micro-batch through the slowest (last) stage.
    pub stage: StageTimes,
    /// One pipeline send of the activations.
    pub p2p: Seconds,
    /// Intra-node link.
    pub intra: Link,
    /// Inter-node link per device.
    pub inter: Link,
    /// Per pipeline stage: where it runs and what it holds.
    pub slots: Vec<Slot<'a>>,
    /// Whether the stages lie on different pools (a job `layout`).
    pub spans_pools: bool,
}

/// One pipeline stage of a class's replicas.
pub(crate) struct Slot<'a> {
    /// The pool it runs on.
    pub pool: &'a Pool,
    /// Its index in the scenario.
    pub pool_index: usize,
    /// Its block of ranks on that pool (0 for the pool's first stage).
    pub local: u32,
    /// Layers it holds.
    pub layers: u32,
    /// Device rates and calibration.
    pub rates: DeviceRates,
    /// One micro-batch through it.
    pub times: StageTimes,
    /// Its tensor-parallel group's collectives.
    pub tp: TensorComm,
    /// Links of its pool.
    pub intra: Link,
    /// Inter-node link of its pool.
    pub inter: Link,
}

impl Class<'_> {
    /// Time of one micro-batch on the slowest stage.
    pub fn microbatch_time(&self) -> Seconds {
        self.stage.total()
    }

    /// Pipeline fill and drain: `(pp − 1)/v` micro-batch times when the
    /// stages are alike; over uneven stages (1F1B) every stage but the
    /// slowest adds its own time once.
    pub fn fill_time(&self, par: &ParallelConfig) -> Seconds {
        if self.spans_pools {
            let sum: Seconds = self.slots.iter().map(|s| s.times.total()).sum();
            sum - self.microbatch_time()
        } else {
            self.microbatch_time()
                * (f64::from(par.mesh.pp() - 1) / f64::from(par.virtual_stages.max(1)))
        }
    }
}

fn link(bandwidth: BytesPerSec, eff: f64, latency: Seconds) -> Link {
    Link {
        bandwidth: bandwidth * eff,
        latency,
    }
}

/// Intra-node and inter-node links of a pool, from the topology.
fn pool_links(topo: &Topology, idx: usize, pool: &Pool, cal: &Calibration) -> (Link, Link) {
    let (intra_lat, inter_lat) = topo.pool_latencies(idx);
    let intra = link(
        topo.intra_node_bandwidth(idx),
        cal.intra_link_eff,
        intra_lat,
    );
    if pool.device.is_torus() {
        // The ICI torus carries every collective inside a slice.
        return (intra, intra);
    }
    let inter = link(
        topo.inter_node_bandwidth_per_device(idx),
        cal.network_eff,
        inter_lat,
    );
    (intra, inter)
}

/// The job's parallel configuration, its replica classes (one per pool it
/// uses) and the latency between its first two pools.
pub(crate) fn classes<'s>(
    s: &'s Scenario,
    job: &Job,
    topo: &Topology,
) -> Result<(ParallelConfig, Vec<Class<'s>>, Option<Seconds>), EstimateError> {
    let par = job
        .parallelism
        .fixed()
        .ok_or_else(|| EstimateError::NeedsPlanner {
            job: job.name.clone(),
        })?;
    let layout = |why: String| EstimateError::Layout {
        job: job.name.clone(),
        why,
    };
    let model_parallel = par.mesh.replica_devices();
    let e = job.precision.bytes_per_element();
    let tokens_mb = f64::from(job.seq_len) * f64::from(par.microbatch);
    let act_bytes = Bytes(tokens_mb * f64::from(job.model.hidden) * e);
    let split = par.stages(job.model.layers).map_err(layout)?;
    let shape = Shape::of(job, &par);
    // Rates and links of a pool, and the tensor-parallel collective there.
    let pool_view = |idx: usize| -> Result<(DeviceRates, Link, Link, TensorComm), EstimateError> {
        let pool = &s.pools[idx];
        let d = &pool.device;
        let cal = for_generation(&d.generation);
        let rates = match (
            d.peak(job.precision),
            d.peak(job.precision.wide()),
            d.mem_bw,
        ) {
            (Some(peak), Some(peak_wide), Some(mem_bw)) => DeviceRates {
                peak,
                peak_wide,
                mem_bw,
                cal,
            },
            _ => {
                return Err(layout(format!(
                    "pool `{}` lacks peak or memory bandwidth",
                    pool.name
                )));
            }
        };
        let (intra, inter) = pool_links(topo, idx, pool, &cal);
        let tp_link = if pool.device.is_torus() || par.mesh.tp() <= pool.devices_per_node {
            intra
        } else {
            inter
        };
        Ok((rates, intra, inter, tensor_comm(act_bytes, &par, tp_link)))
    };
    let slot = |idx: usize,
                stage: u32,
                local: u32,
                stage_layers: u32|
     -> Result<Slot<'s>, EstimateError> {
        let (rates, intra, inter, tp) = pool_view(idx)?;
        let head = stage + 1 == par.mesh.pp();
        Ok(Slot {
            pool: &s.pools[idx],
            pool_index: idx,
            local,
            layers: stage_layers,
            rates,
            times: stage_times(&shape, &rates, stage_layers, head, par.recompute, tp),
            tp,
            intra,
            inter,
        })
    };
    if let Some(lay) = &job.layout {
        return spanning_class(s, job, &par, topo, lay, act_bytes, &slot);
    }
    let mut classes = Vec::new();
    let mut remaining = u64::from(par.mesh.dp());
    for &idx in &job.pools {
        let pool = &s.pools[idx];
        if remaining == 0 {
            break;
        }
        if !pool.devices().is_multiple_of(model_parallel) {
            return Err(layout(format!(
                "pool `{}` has {} devices, not a multiple of {} = {model_parallel}; a replica cannot span pools",
                pool.name,
                pool.devices(),
                Axis::product_of(Axis::model_axes())
            )));
        }
        let replicas = (pool.devices() / model_parallel).min(remaining);
        remaining -= replicas;
        let (rates, intra, inter, tp) = pool_view(idx)?;
        // Consecutive stages are this many ranks apart (tp · dp in Megatron's order).
        let stride = par.mesh.with_replicas(replicas).stride(Axis::Pp);
        let p2p_link = if stride >= u64::from(pool.devices_per_node) {
            inter
        } else {
            intra
        };
        let p2p = if par.mesh.pp() > 1 {
            comm::send(act_bytes / f64::from(par.mesh.tp()), p2p_link)
        } else {
            Seconds::ZERO
        };
        // Each stage's layers (the last holds the output head); the slowest
        // stage sets the pipeline's pace.
        // Stages alike in layers and head are timed once (an even split: two).
        let mut timed: Vec<((u32, bool), StageTimes)> = Vec::new();
        let slots: Vec<Slot<'s>> = (0..par.mesh.pp())
            .map(|st| {
                let layers = split.stage_layers(st);
                let head = st + 1 == par.mesh.pp();
                let times = match timed.iter().find(|(k, _)| *k == (layers, head)) {
                    Some(&(_, t)) => t,
                    None => {
                        let t = stage_times(&shape, &rates, layers, head, par.recompute, tp);
                        timed.push(((layers, head), t));
                        t
                    }
                };
                Slot {
                    pool,
                    pool_index: idx,
                    local: st,
                    layers,
                    rates,
                    times,
                    tp,
                    intra,
                    inter,
                }
            })
            .collect();
        let stage = slots
            .iter()
            .map(|sl| sl.times)
            .max_by(|a, b| a.total().get().total_cmp(&b.total().get()))
            .expect("pp ≥ 1");
        classes.push(Class {
            pool,
            replicas,
            rates,
            stage,
            p2p,
            intra,
            inter,
            slots,
            spans_pools: false,
        });
    }
    if remaining > 0 || classes.is_empty() {
        return Err(layout(format!(
            "dp = {} replicas of {} = {model_parallel} devices do not fit on its pools",
            par.mesh.dp(),
            Axis::product_of(Axis::model_axes())
        )));
    }
    // The slowest hop of a ring that crosses pools: the route between them.
    let cross_latency = match (job.pools.first(), job.pools.get(1)) {
        (Some(&a), Some(&b)) => match (topo.device(a, 0, 0), topo.device(b, 0, 0)) {
            (Some(x), Some(y)) => Some(topo.route(x, y).latency),
            _ => None,
        },
        _ => None,
    };
    Ok((par, classes, cross_latency))
}

/// The one class of a job whose stages lie on different pools: every
/// replica has stage `st` on pool `layout.pools[st]` with `layout.layers[st]`
/// layers.
#[allow(clippy::type_complexity)]
fn spanning_class<'s>(
    s: &'s Scenario,
    job: &Job,
    par: &ParallelConfig,
    topo: &Topology,
    lay: &StageLayout,
    act_bytes: Bytes,
    slot: &dyn Fn(usize, u32, u32, u32) -> Result<Slot<'s>, EstimateError>,
) -> Result<(ParallelConfig, Vec<Class<'s>>, Option<Seconds>), EstimateError> {
    let layout = |why: String| EstimateError::Layout {
        job: job.name.clone(),
        why,
    };
    if lay.pools.len() != par.mesh.pp() as usize || lay.layers.len() != par.mesh.pp() as usize {
        return Err(layout(format!(
            "its stage layout lists {} stages, pp is {}",
            lay.pools.len(),
            par.mesh.pp()
        )));
    }
    if lay.layers.iter().sum::<u32>() != job.model.layers || lay.layers.contains(&0) {
        return Err(layout(
            "its stage layout does not split the model's layers".to_owned(),
        ));
    }
    if par.virtual_stages > 1 {
        return Err(layout(
            "stages spread over pools run 1F1B or GPipe, not interleaved".to_owned(),
        ));
    }
    let dp = u64::from(par.mesh.dp());
    for &p in &lay.pools {
        let need = dp * u64::from(par.mesh.tp()) * lay.stages_on(p) as u64;
        if s.pools[p].devices() < need {
            return Err(layout(format!(
                "pool `{}` has {} devices; its stages need {need}",
                s.pools[p].name,
                s.pools[p].devices()
            )));
        }
    }
    let slots = (0..par.mesh.pp())
        .map(|st| {
            let i = st as usize;
            slot(lay.pools[i], st, lay.local(i) as u32, lay.layers[i])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let slowest = slots
        .iter()
        .max_by(|a, b| a.times.total().get().total_cmp(&b.times.total().get()))
        .expect("pp ≥ 1");
    // Stage boundaries: inside a pool over the NICs; between pools every
    // replica's transfer of every tensor rank shares the link between them.
    let mut p2p = Seconds::ZERO;
    for w in slots.windows(2) {
        let mut link = if w[0].pool_index == w[1].pool_index {
            w[0].inter
        } else {
            let mut l = w[0].inter;
            l.bandwidth = l.bandwidth.min(w[1].inter.bandwidth);
            if let Some(g) = s.network.inter_pool_gbit_s {
                let share = BytesPerSec::from_gbit_s(g)
                    * (w[0].rates.cal.network_eff / (dp * u64::from(par.mesh.tp())) as f64);
                l.bandwidth = l.bandwidth.min(share);
            }
            l
        };
        if let (Some(a), Some(b)) = (
            topo.device(w[0].pool_index, 0, 0),
            topo.device(w[1].pool_index, 0, 0),
        ) {
            link.latency = link.latency.max(topo.route(a, b).latency);
        }
        p2p = p2p.max(comm::send(act_bytes / f64::from(par.mesh.tp()), link));
    }
    let min_link = |f: &dyn Fn(&Slot<'s>) -> Link| {
        slots
            .iter()
            .map(f)
            .min_by(|a, b| a.bandwidth.get().total_cmp(&b.bandwidth.get()))
            .expect("pp ≥ 1")
    };
    let class = Class {
        pool: slots[0].pool,
        replicas: dp,
        rates: slowest.rates,
        stage: slowest.times,
        p2p,
        intra: min_link(&|s| s.intra),
        inter: min_link(&|s| s.inter),
        spans_pools: true,
        slots,
    };
    Ok((*par, vec![class], None))
}

pub(super) fn finish(
    s: &Scenario,
    job: &Job,
    par: &ParallelConfig,
    classes: &[Class<'_>],
    cross_latency: Option<Seconds>,
) -> JobEstimate {
    let mb_per_step = job.global_batch as f64 / f64::from(par.microbatch);
    // Batch shares ∝ replica speed: every replica finishes together.
    let speed_sum: f64 = classes
        .iter()
        .map(|c| c.replicas as f64 / c.microbatch_time().get())
        .sum();
    let replica_share = |c: &Class<'_>| (1.0 / c.microbatch_time().get()) / speed_sum;
    let pp = f64::from(par.mesh.pp());
    let v = f64::from(par.virtual_stages.max(1));
    let pipeline = |c: &Class<'_>| {
        let m = replica_share(c) * mb_per_step;
        let bubble = c.fill_time(par);
        // Transfers between stages overlap the neighbours' other passes in
        // the steady state; the fill and the drain wait for one each way per
        // boundary, and a link slower than a pass holds every micro-batch up.
        let pass = c.microbatch_time() * 0.5;
        let pp_comm =
            c.p2p * (2.0 * v * (pp - 1.0)) + (c.p2p - pass).max(Seconds::ZERO) * (2.0 * m * v);
        (
            m,
            bubble,
            pp_comm,
            c.microbatch_time() * m + bubble + pp_comm,
        )
    };
    let slowest = classes
        .iter()
        .max_by(|a, b| pipeline(a).3.get().total_cmp(&pipeline(b).3.get()))
        .expect("a job has at least one replica class");
    let (m, bubble, pp_comm, _) = pipeline(slowest);

    // Data-parallel gradient reduction (ZeRO 1-2: reduce-scatter + all-gather,
    // the same volume), hierarchical inside nodes, ring across nodes and pools.
    let params_dev = (0..par.mesh.pp())
        .map(|st| super::memory::stage_params(&job.model, par, st))
        .max()
        .unwrap_or(0) as f64;
    let grad_bytes = Bytes(params_dev * gradient_bytes_per_param(job.precision));
    let dp = u64::from(par.mesh.dp());
    let inner = classes
        .iter()
        .map(|c| dp_layout(c, par).0)
        .min()
        .unwrap_or(1);
    let outer = dp.div_ceil(inner);
    let intra = classes
        .iter()
        .map(|c| c.intra)
        .min_by(|a, b| a.bandwidth.get().total_cmp(&b.bandwidth.get()))
        .expect("classes");
    let mut outer_link = classes
        .iter()
        .map(|c| c.inter)
        .min_by(|a, b| a.bandwidth.get().total_cmp(&b.bandwidth.get()))
        .expect("classes");
    if classes.len() > 1 {
        // Every device's outer ring crosses the link between pools.
        let rings = (par.mesh.replica_devices() * inner) as f64;
        let net_eff = classes
            .iter()
            .map(|c| c.rates.cal.network_eff)
            .fold(1.0, f64::min);
        let cross = s
            .network
            .inter_pool_gbit_s
            .map(|g| BytesPerSec::from_gbit_s(g) * (net_eff / rings));
        if let Some(cross) = cross {
            outer_link.bandwidth = outer_link.bandwidth.min(cross);
        }
        if let Some(latency) = cross_latency {
            outer_link.latency = outer_link.latency.max(latency);
        }
    }
    let flat = if outer > 1 { outer_link } else { intra };
    let dp_time = match job.collective_algorithm {
        CollectiveAlgorithm::Auto | CollectiveAlgorithm::Hierarchical => {
            comm::hierarchical_all_reduce(grad_bytes, inner, intra, outer, outer_link)
        }
        CollectiveAlgorithm::Ring => comm::all_reduce(grad_bytes, dp, flat),
        CollectiveAlgorithm::Tree => comm::tree_all_reduce(grad_bytes, dp, flat),
    };
    let overlap = slowest.stage.backward + slowest.stage.recompute;
    let mut dp_exposed = (dp_time - overlap).max(Seconds::ZERO);
    if par.mesh.zero() == 3 {
        let g = zero3_gather(job, par, (inner, intra), (outer, outer_link));
        let fwd = slowest.stage.forward;
        let bwd = slowest.stage.backward + slowest.stage.recompute;
        dp_exposed += ((g - fwd).max(Seconds::ZERO) + (g - bwd).max(Seconds::ZERO)) * m;
    }
    let optimizer = classes
        .iter()
        .flat_map(|c| (0..par.mesh.pp()).map(move |st| optimizer_time(job, par, c, st)))
        .fold(Seconds::ZERO, Seconds::max);

    let breakdown = Breakdown {
        compute: ((slowest.stage.forward + slowest.stage.backward) * m).get(),
        recompute: (slowest.stage.recompute * m).get(),
        tp_comm_exposed: (slowest.stage.tp_comm * m).get(),
        pp_comm_exposed: pp_comm.get(),
        dp_comm_exposed: dp_exposed.get(),
        bubble: bubble.get(),
        optimizer: optimizer.get(),
    };
    let shares: Vec<Vec<f64>> = classes
        .iter()
        .map(|c| vec![replica_share(c); usize::try_from(c.replicas).unwrap_or(0)])
        .collect();
    assemble(job, par, classes, breakdown, &shares)
}

/// Bytes per parameter of the data-parallel gradient reduction: Megatron-LM
/// accumulates and reduces gradients in fp32 with bf16 (its
/// `accumulate_allreduce_grads_in_fp32`, forced on for bf16); fp16 ones are
/// reduced as they are.
pub(crate) fn gradient_bytes_per_param(precision: Precision) -> f64 {
    match precision {
        Precision::Fp16 => 2.0,
        _ => 4.0,
    }
}

/// The optimizer step of one device of `stage`: Megatron's mixed-precision
/// Adam moves 38 bytes per parameter (read the fp32 main gradient twice, for
/// the norm and the update, and the fp32 master, m and v; write master, m,
/// v, the 16-bit weight, and zero the gradient), over the parameters ZeRO
/// leaves on the device; under fp8 also the step's cast of the weights to
/// their FP8 copies.
pub(crate) fn optimizer_time(
    job: &Job,
    par: &ParallelConfig,
    c: &Class<'_>,
    stage: u32,
) -> Seconds {
    let slot = &c.slots[stage as usize];
    let params = job
        .model
        .params_of_stage(par.mesh.tp(), par.mesh.pp(), stage, slot.layers) as f64;
    let mine = if par.mesh.zero() >= 1 {
        params / f64::from(par.mesh.dp())
    } else {
        params
    };
    let bw = slot.rates.mem_bw * slot.rates.cal.mem_eff;
    let adam = Bytes(mine * OPTIMIZER_BYTES_PER_PARAM) / bw;
    if job.precision.is_fp8() {
        let cast = job
            .model
            .fp8_weight_cast_bytes(job.precision, slot.layers, par.mesh.tp());
        adam + cast / bw
    } else {
        adam
    }
}

/// Time of one micro-batch through one layer (forward, backward, recompute,
/// tensor-parallel traffic) on a device of pool `pool`: what a balanced
/// split of the layers over mixed stages is weighed by.
pub(crate) fn layer_time(
    s: &Scenario,
    job: &Job,
    par: &ParallelConfig,
    topo: &Topology,
    pool: usize,
) -> Option<f64> {
    let p = &s.pools[pool];
    let cal = for_generation(&p.device.generation);
    let rates = DeviceRates {
        peak: p.device.peak(job.precision)?,
        peak_wide: p.device.peak(job.precision.wide())?,
        mem_bw: p.device.mem_bw?,
        cal,
    };
    let (intra, inter) = pool_links(topo, pool, p, &cal);
    let link = if p.device.is_torus() || par.mesh.tp() <= p.devices_per_node {
        intra
    } else {
        inter
    };
    let e = job.precision.bytes_per_element();
    let act =
        Bytes(f64::from(job.seq_len) * f64::from(par.microbatch) * f64::from(job.model.hidden) * e);
    Some(
        stage_times(
            &Shape::of(job, par),
            &rates,
            1,
            false,
            par.recompute,
            tensor_comm(act, par, link),
        )
        .total()
        .get(),
    )
}

/// The tensor-parallel group's collectives over `link`: one all-reduce of
/// a micro-batch's activations (`act` bytes) and one of an FP8 scale.
fn tensor_comm(act: Bytes, par: &ParallelConfig, link: Link) -> TensorComm {
    let tp = u64::from(par.mesh.tp());
    TensorComm {
        collective: comm::all_reduce(act, tp, link),
        amax: comm::all_reduce(Bytes(4.0), tp, link),
    }
}

/// ZeRO-3 gathers a stage's 16-bit parameters from every data-parallel rank
/// before each forward and each backward pass (prefetched: only what
/// outlasts the pass is exposed). The time of one such gather per model
/// chunk, hierarchical over `(inner ranks per node, link)` and `(outer, link)`.
pub(crate) fn zero3_gather(
    job: &Job,
    par: &ParallelConfig,
    inner: (u64, Link),
    outer: (u64, Link),
) -> Seconds {
    let params = super::memory::stage_params(&job.model, par, 0) as f64
        / f64::from(par.virtual_stages.max(1));
    let bytes = Bytes(params * job.precision.bytes_per_element());
    comm::hierarchical_all_gather(bytes, inner.0, inner.1, outer.0, outer.1)
}

/// Data-parallel ranks of one tensor rank that share a node (all of them on
/// a TPU slice), and the number of such groups.
pub(crate) fn dp_layout(c: &Class<'_>, par: &ParallelConfig) -> (u64, u64) {
    let dp = u64::from(par.mesh.dp());
    let per_node = u64::from(c.pool.devices_per_node / par.mesh.tp().max(1)).max(1);
    let inner = if c.pool.device.is_torus() {
        dp
    } else {
        per_node.min(dp)
    }
    .max(1);
    (inner, dp.div_ceil(inner))
}

/// The SimResult entry (and report figures) of a job whose step takes
/// `breakdown.total()`, with `shares[c][r]` the fraction of the global batch
/// replica `r` of class `c` takes.
pub(crate) fn assemble(
    job: &Job,
    par: &ParallelConfig,
    classes: &[Class<'_>],
    breakdown: Breakdown,
    shares: &[Vec<f64>],
) -> JobEstimate {
    let step = breakdown.total();
    let mb_per_step = job.global_batch as f64 / f64::from(par.microbatch);
    let model_parallel = par.mesh.replica_devices();
    let devices: u64 = classes.iter().map(|c| c.replicas).sum::<u64>() * model_parallel;
    let tokens = job.global_batch as f64 * f64::from(job.seq_len);
    let flops = job
        .model
        .step_flops(job.global_batch, job.seq_len, par.recompute);
    let model_tflops = flops.model_total.get() / step / devices as f64 / 1e12;
    let peak_sum: f64 = classes
        .iter()
        .flat_map(|c| {
            c.slots
                .iter()
                .map(move |sl| sl.rates.peak.get() * (c.replicas * u64::from(par.mesh.tp())) as f64)
        })
        .sum();
    let megatron = job
        .model
        .megatron_flops(job.global_batch, job.seq_len)
        .get()
        / step
        / devices as f64
        / 1e12;

    let mut pools = Vec::new();
    let mut node_shares = Vec::new();
    let mut fits = true;
    let mut mem_max: f64 = 0.0;
    for (c, class_shares) in classes.iter().zip(shares) {
        let largest = class_shares.iter().copied().fold(0.0, f64::max);
        let m_c = (largest * mb_per_step).ceil() as u64;
        // Memory, against each stage's own device when stages lie on
        // different pools.
        let (gib, cap) = if c.spans_pools {
            c.slots
                .iter()
                .enumerate()
                .fold((0.0f64, f64::INFINITY), |(g, cap), (st, sl)| {
                    let m = stage_memory(job.into(), par, m_c, st as u32, sl.layers);
                    let have = sl.pool.device.memory.map_or(0.0, |b| b.as_gib());
                    fits &= m.total().as_gib() <= have;
                    (g.max(m.total().as_gib()), cap.min(have))
                })
        } else {
            let mem: Memory = peak_memory(job.into(), par, m_c);
            let cap = c.pool.device.memory.map_or(0.0, |b| b.as_gib());
            fits &= mem.total().as_gib() <= cap;
            (mem.total().as_gib(), cap)
        };
        mem_max = mem_max.max(gib);
        pools.push(PoolEstimate {
            pool: c.pool.name.clone(),
            replicas: c.replicas,
            replica_share: largest,
            microbatch_s: c.microbatch_time().get(),
            memory_gib: gib,
            capacity_gib: cap,
            calibration: c.rates.cal.source,
        });
        // The mesh's rank order on each stage's pool, the class's replicas
        // on its data axis and the pool's stages numbered from 0.
        // Pools in the order of their first stage, each with a share per node.
        let mut per_pool: Vec<(usize, &Pool, Vec<f64>)> = Vec::new();
        for sl in &c.slots {
            let dpn = u64::from(sl.pool.devices_per_node);
            let at = match per_pool.iter().position(|(p, _, _)| *p == sl.pool_index) {
                Some(i) => i,
                None => {
                    per_pool.push((sl.pool_index, sl.pool, Vec::new()));
                    per_pool.len() - 1
                }
            };
            let nodes = &mut per_pool[at].2;
            let tp = u64::from(par.mesh.tp());
            let part = par.mesh.with_replicas(c.replicas);
            for r in 0..c.replicas {
                let share = class_shares
                    .get(usize::try_from(r).unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(0.0);
                let r32 = u32::try_from(r).unwrap_or(u32::MAX);
                let first = part.rank_at(&[(Axis::Dp, r32), (Axis::Pp, sl.local)]);
                // The replica's tp devices of this stage (consecutive:
                // tensor is the innermost axis), node by node.
                let mut g = first;
                while g < first + tp {
                    let node = g / dpn;
                    let end = ((node + 1) * dpn).min(first + tp);
                    let n = usize::try_from(node).unwrap_or(usize::MAX);
                    if nodes.len() <= n {
                        nodes.resize(n + 1, 0.0);
                    }
                    nodes[n] += share * (end - g) as f64 / model_parallel as f64;
                    g = end;
                }
            }
        }
        for (_, pool, nodes) in per_pool {
            for (node, share) in nodes.into_iter().enumerate() {
                node_shares.push(NodeShare {
                    pool: pool.name.clone(),
                    node: u32::try_from(node).unwrap_or(u32::MAX),
                    batch_share: share,
                    lr_share: share,
                });
            }
        }
    }
    let shares = node_shares;

    // Devices per pool, in scenario order (a pipeline spread over pools
    // counts each stage's devices on its own pool).
    let mut per_pool_devices: Vec<(usize, &crate::scenario::Pool, u64)> = Vec::new();
    for c in classes {
        for sl in &c.slots {
            let n = c.replicas * u64::from(par.mesh.tp());
            match per_pool_devices
                .iter_mut()
                .find(|(p, _, _)| *p == sl.pool_index)
            {
                Some((_, _, d)) => *d += n,
                None => per_pool_devices.push((sl.pool_index, sl.pool, n)),
            }
        }
    }
    per_pool_devices.sort_by_key(|&(p, _, _)| p);
    let pool_uses = per_pool_devices
        .into_iter()
        .map(|(_, pool, n)| pool.job_use(n))
        .collect();

    let (time_to_train_s, cost_usd, energy_kwh) = match job.train_tokens {
        None => (None, None, None),
        Some(t) => {
            let steps = (t / tokens).ceil();
            let secs = steps * step;
            let mut cost = 0.0;
            let mut energy = 0.0;
            for c in classes {
                for sl in &c.slots {
                    let n = (c.replicas * u64::from(par.mesh.tp())) as f64;
                    cost += n * sl.pool.price_per_device_hour().unwrap_or(0.0) * secs / 3600.0;
                    energy += n * sl.pool.device.tdp_w.unwrap_or(0.0) * secs / 3.6e6;
                }
            }
            (Some(secs), Some(cost), Some(energy))
        }
    };

    JobEstimate {
        result: JobResult {
            name: job.name.clone(),
            devices,
            parallelism: *par,
            step_time_s: step,
            tokens_per_s: tokens / step,
            model_tflops_per_device: model_tflops,
            mfu: flops.model_total.get() / step / peak_sum,
            memory_gib_per_device: mem_max,
            fits_memory: fits,
            breakdown_s: breakdown,
            shares,
            time_to_train_s,
            cost_usd,
            energy_kwh,
            train_tokens: job.train_tokens,
            pools: pool_uses,
            timeline: None,
        },
        megatron_tflops_per_device: megatron,
        pools,
    }
}
