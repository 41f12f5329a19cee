//! One job's step: replicas per pool, their speed, batch shares ∝ speed,
//! and the step time with its breakdown.

use super::EstimateError;
use super::calibration::{Calibration, for_generation};
use super::comm::{self, Link};
use super::compute::{DeviceRates, Shape, StageTimes, stage_times};
use super::memory::{Memory, peak_memory};
use crate::parallelism::{ParallelConfig, Precision};
use crate::result::{Breakdown, JobResult, NodeShare};
use crate::scenario::{CollectiveAlgorithm, Job, Pool, Scenario};
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
    /// Its index in the scenario.
    pub pool_index: usize,
    /// Data-parallel replicas on it.
    pub replicas: u64,
    /// Device rates and calibration.
    pub rates: DeviceRates,
    /// One micro-batch through the slowest (last) stage.
    pub stage: StageTimes,
    /// One tensor-parallel collective of the activations.
    pub tp_collective: Seconds,
    /// One pipeline send of the activations.
    pub p2p: Seconds,
    /// Intra-node link.
    pub intra: Link,
    /// Inter-node link per device.
    pub inter: Link,
}

impl Class<'_> {
    /// Time of one micro-batch on the slowest stage.
    pub fn microbatch_time(&self) -> Seconds {
        self.stage.total()
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
    let first = topo.device(idx, 0, 0);
    let latency = |b: Option<crate::topology::DeviceId>| match (first, b) {
        (Some(a), Some(b)) => topo.route(a, b).latency,
        _ => Seconds::ZERO,
    };
    let intra_lat = latency(topo.device(idx, 0, 1));
    let intra = link(
        topo.intra_node_bandwidth(idx),
        cal.intra_link_eff,
        intra_lat,
    );
    if pool.device.is_torus() {
        // The ICI torus carries every collective inside a slice.
        return (intra, intra);
    }
    let inter_lat = latency(topo.device(idx, 1, 0));
    let inter = link(
        topo.inter_node_bandwidth_per_device(idx),
        cal.network_eff,
        inter_lat,
    );
    (intra, inter)
}

/// Estimates one job alone on its pools.
pub fn estimate_job(
    s: &Scenario,
    job: &Job,
    topo: &Topology,
) -> Result<JobEstimate, EstimateError> {
    let (par, classes, cross_latency) = classes(s, job, topo)?;
    Ok(finish(s, job, &par, &classes, cross_latency))
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
    let model_parallel = u64::from(par.tp) * u64::from(par.pp);
    let e = job.precision.bytes_per_element();
    let tokens_mb = f64::from(job.seq_len) * f64::from(par.microbatch);
    let act_bytes = Bytes(tokens_mb * f64::from(job.model.hidden) * e);
    let layers = job.model.layers / par.pp;
    let mut classes = Vec::new();
    let mut remaining = u64::from(par.dp);
    for &idx in &job.pools {
        let pool = &s.pools[idx];
        if remaining == 0 {
            break;
        }
        if !pool.devices().is_multiple_of(model_parallel) {
            return Err(layout(format!(
                "pool `{}` has {} devices, not a multiple of tp × pp = {model_parallel}; a replica cannot span pools",
                pool.name,
                pool.devices()
            )));
        }
        let replicas = (pool.devices() / model_parallel).min(remaining);
        remaining -= replicas;
        let d = &pool.device;
        let cal = for_generation(&d.generation);
        let (peak, mem_bw) = match (d.peak(job.precision), d.mem_bw) {
            (Some(p), Some(m)) => (p, m),
            _ => {
                return Err(layout(format!(
                    "pool `{}` lacks peak or memory bandwidth",
                    pool.name
                )));
            }
        };
        let rates = DeviceRates { peak, mem_bw, cal };
        let shape = Shape::of(job, &par);
        let (intra, inter) = pool_links(topo, idx, pool, &cal);
        let tp_link = if pool.device.is_torus() || par.tp <= pool.devices_per_node {
            intra
        } else {
            inter
        };
        let tp_collective = comm::all_reduce(act_bytes, u64::from(par.tp), tp_link);
        // The slowest stage sets the pipeline's pace: the last (output head).
        let stage = stage_times(&shape, &rates, layers, true, par.recompute, tp_collective);
        // Megatron's order is tp, dp, pp: consecutive stages are tp·dp ranks apart.
        let stride = u64::from(par.tp) * replicas;
        let p2p_link = if stride >= u64::from(pool.devices_per_node) {
            inter
        } else {
            intra
        };
        let p2p = if par.pp > 1 {
            comm::send(act_bytes / f64::from(par.tp), p2p_link)
        } else {
            Seconds::ZERO
        };
        classes.push(Class {
            pool,
            pool_index: idx,
            replicas,
            rates,
            stage,
            tp_collective,
            p2p,
            intra,
            inter,
        });
    }
    if remaining > 0 || classes.is_empty() {
        return Err(layout(format!(
            "dp = {} replicas of tp × pp = {model_parallel} devices do not fit on its pools",
            par.dp
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

fn finish(
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
    let pp = f64::from(par.pp);
    let v = f64::from(par.virtual_stages.max(1));
    let pipeline = |c: &Class<'_>| {
        let m = replica_share(c) * mb_per_step;
        let bubble = c.microbatch_time() * ((pp - 1.0) / v);
        let pp_comm = c.p2p * (2.0 * (m * v + pp - 1.0));
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
    let params_dev = (0..par.pp)
        .map(|st| job.model.params_per_stage(par.tp, par.pp, st))
        .max()
        .unwrap_or(0) as f64;
    let grad_bytes = Bytes(params_dev * gradient_bytes_per_param(job.precision));
    let dp = u64::from(par.dp);
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
        let rings = (u64::from(par.tp) * u64::from(par.pp) * inner) as f64;
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
    if par.zero == 3 {
        let g = zero3_gather(job, par, (inner, intra), (outer, outer_link));
        let fwd = slowest.stage.forward;
        let bwd = slowest.stage.backward + slowest.stage.recompute;
        dp_exposed += ((g - fwd).max(Seconds::ZERO) + (g - bwd).max(Seconds::ZERO)) * m;
    }
    let optimizer = classes
        .iter()
        .flat_map(|c| (0..par.pp).map(move |st| optimizer_time(job, par, c, st)))
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
/// leaves on the device.
pub(crate) fn optimizer_time(
    job: &Job,
    par: &ParallelConfig,
    c: &Class<'_>,
    stage: u32,
) -> Seconds {
    let params = job.model.params_per_stage(par.tp, par.pp, stage) as f64;
    let mine = if par.zero >= 1 {
        params / f64::from(par.dp)
    } else {
        params
    };
    Bytes(mine * OPTIMIZER_BYTES_PER_PARAM) / (c.rates.mem_bw * c.rates.cal.mem_eff)
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
    let params =
        job.model.params_per_stage(par.tp, par.pp, 0) as f64 / f64::from(par.virtual_stages.max(1));
    let bytes = Bytes(params * job.precision.bytes_per_element());
    comm::hierarchical_all_gather(bytes, inner.0, inner.1, outer.0, outer.1)
}

/// Data-parallel ranks of one tensor rank that share a node (all of them on
/// a TPU slice), and the number of such groups.
pub(crate) fn dp_layout(c: &Class<'_>, par: &ParallelConfig) -> (u64, u64) {
    let dp = u64::from(par.dp);
    let per_node = u64::from(c.pool.devices_per_node / par.tp.max(1)).max(1);
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
    let model_parallel = u64::from(par.tp) * u64::from(par.pp);
    let devices: u64 = classes.iter().map(|c| c.replicas).sum::<u64>() * model_parallel;
    let tokens = job.global_batch as f64 * f64::from(job.seq_len);
    let flops = job
        .model
        .step_flops(job.global_batch, job.seq_len, par.recompute);
    let model_tflops = flops.model_total.get() / step / devices as f64 / 1e12;
    let peak_sum: f64 = classes
        .iter()
        .map(|c| c.rates.peak.get() * (c.replicas * model_parallel) as f64)
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
        let mem: Memory = peak_memory(&job.model, job.seq_len, job.precision, par, m_c);
        let cap = c.pool.device.memory.map_or(0.0, |b| b.as_gib());
        let gib = mem.total().as_gib();
        fits &= gib <= cap;
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
        // Megatron's rank order (tp, then dp, then pp): device g of the pool
        // belongs to replica (g / tp) mod R.
        let dpn = u64::from(c.pool.devices_per_node);
        let used = c.replicas * model_parallel;
        let mut per_node = vec![0.0; usize::try_from(used.div_ceil(dpn)).unwrap_or(0)];
        for g in 0..used {
            let r = usize::try_from((g / u64::from(par.tp)) % c.replicas).unwrap_or(0);
            let share = class_shares.get(r).copied().unwrap_or(0.0);
            if let Some(slot) = per_node.get_mut(usize::try_from(g / dpn).unwrap_or(usize::MAX)) {
                *slot += share / model_parallel as f64;
            }
        }
        for (node, share) in per_node.into_iter().enumerate() {
            node_shares.push(NodeShare {
                pool: c.pool.name.clone(),
                node: u32::try_from(node).unwrap_or(u32::MAX),
                batch_share: share,
                lr_share: share,
            });
        }
    }
    let shares = node_shares;

    let (time_to_train_s, cost_usd, energy_kwh) = match job.train_tokens {
        None => (None, None, None),
        Some(t) => {
            let steps = (t / tokens).ceil();
            let secs = steps * step;
            let mut cost = 0.0;
            let mut energy = 0.0;
            for c in classes {
                let n = (c.replicas * u64::from(par.tp) * u64::from(par.pp)) as f64;
                cost += n * c.pool.price_per_device_hour().unwrap_or(0.0) * secs / 3600.0;
                energy += n * c.pool.device.tdp_w.unwrap_or(0.0) * secs / 3.6e6;
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
        },
        megatron_tflops_per_device: megatron,
        pools,
    }
}
