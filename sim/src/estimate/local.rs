//! The step of a job on devices measured on this machine (`cirrus
//! calibrate`): the executor's training step, backend call by backend call,
//! each timed from the device's profile.
//!
//! The executor runs each data-parallel worker on its own thread with its
//! batch share in one pass: per layer layer norm, the fused QKV multiply,
//! attention, the output projection, layer norm, the MLP's two multiplies
//! with GELU between; the head and the cross-entropy; then every multiply's
//! two gradient products and the other kernels' backward passes. Every call
//! stages its inputs to the device and reads its outputs back. The workers'
//! gradients are summed by a ring through host memory, then each applies
//! AdamW on its device. Workers sharing the machine slow each other by the
//! profile's measured concurrency ratio.
//!
//! ```text
//! per worker: Σ calls (matmul ladder | overhead + staging + bytes/bandwidth | attention rate) / concurrency
//! step = max over workers + ring all-reduce (host copies) + AdamW call
//! ```

use super::EstimateError;
use super::step::{assemble, classes};
use crate::model::TransformerSpec;
use crate::profile::{AdapterProfile, MatmulKernel};
use crate::result::Breakdown;
use crate::scenario::{Job, MeasuredDevice, Scenario};
use crate::split::{Split, apportion};
use crate::topology::Topology;

/// Bytes of an f32.
const F32: f64 = 4.0;

/// Whether `job` runs on devices measured on this machine.
pub fn is_local(s: &Scenario, job: &Job) -> bool {
    job.pools
        .iter()
        .any(|&p| s.pools[p].device.measured.is_some())
}

/// Seconds of one training step's forward and backward backend calls on
/// adapter `a` for `rows` sequences of `seq` tokens of `model`, alone on the
/// machine (before the gradient all-reduce and the optimizer); the host
/// glue between calls moves at `host_copy_gbyte_s`.
pub fn worker_seconds(
    a: &AdapterProfile,
    host_copy_gbyte_s: f64,
    model: &TransformerSpec,
    rows: f64,
    seq: u32,
) -> f64 {
    if rows <= 0.0 {
        return 0.0;
    }
    let t = f64::from(seq);
    let n = rows * t;
    let d = f64::from(model.hidden);
    let f = f64::from(model.ffn_hidden);
    let v = f64::from(model.vocab);
    let heads = f64::from(model.heads);
    let layers = f64::from(model.layers);
    let (nu, du, fu, vu) = (
        n.round() as u64,
        u64::from(model.hidden),
        u64::from(model.ffn_hidden),
        u64::from(model.vocab),
    );
    // Element-wise or row-wise call: floats in, floats out.
    let call = |inp: f64, out: f64| a.call_seconds(inp * F32, out * F32, (inp + out) * F32);
    let mm = |k: MatmulKernel, m: u64, kk: u64, nn: u64| a.matmul_seconds(k, m, kk, nn);
    // A layer `Y = X·W`, X n×k, W k×n_: forward and its two gradients.
    let fwd = |k: u64, out: u64| mm(MatmulKernel::Forward, nu, k, out);
    let bwd = |k: u64, out: u64| {
        mm(MatmulKernel::TransA, k, nu, out) + mm(MatmulKernel::TransB, nu, out, k)
    };
    let ln_f = call(n * d + 2.0 * d, n * d + 2.0 * n);
    let ln_b = call(2.0 * n * d + d + 2.0 * n, n * d + 2.0 * d);
    let att_flops = 4.0 * rows * heads * t * t * (d / heads);
    let att_f = a.attention_seconds(
        att_flops,
        false,
        3.0 * n * d * F32,
        (n * d + rows * heads * t) * F32,
    );
    let att_b = a.attention_seconds(
        2.0 * att_flops,
        true,
        (5.0 * n * d + rows * heads * t) * F32,
        3.0 * n * d * F32,
    );
    // Host glue per layer: residual adds, head split and merge, gradient
    // accumulation, each reading and writing a few n×d tensors.
    let glue = 24.0 * n * d * F32 / (host_copy_gbyte_s * 1e9);
    let layer_forward = ln_f * 2.0
        + fwd(du, 3 * du)
        + att_f
        + fwd(du, du)
        + fwd(du, fu)
        + call(n * f, n * f)
        + fwd(fu, du);
    let layer_backward = bwd(fu, du)
        + call(2.0 * n * f, n * f)
        + bwd(du, fu)
        + ln_b * 2.0
        + bwd(du, du)
        + att_b
        + bwd(du, 3 * du);
    let embedding = call(n + v * d + t * d, n * d);
    let embedding_b = call(n + n * d, v * d + t * d);
    let head = ln_f + fwd(du, vu) + call(n * v + n, 1.0) + call(n * v + n, n * v);
    let head_b = bwd(du, vu) + ln_b;
    embedding + layers * (layer_forward + layer_backward + glue) + head + head_b + embedding_b
}

/// Seconds of the AdamW call over `params` parameters on `a`: params, both
/// moments and the gradient in, three out.
pub fn adamw_seconds(a: &AdapterProfile, params: f64) -> f64 {
    a.call_seconds(4.0 * params * F32, 3.0 * params * F32, 7.0 * params * F32)
}

/// Seconds of the ring all-reduce of `params` f32 gradients over `workers`
/// threads through host memory: each rank copies `2·(N−1)/N` of the buffer.
pub fn all_reduce_seconds(host_copy_gbyte_s: f64, params: f64, workers: usize) -> f64 {
    if workers <= 1 {
        return 0.0;
    }
    let w = workers as f64;
    2.0 * (w - 1.0) / w * params * F32 / (host_copy_gbyte_s * 1e9)
}

/// Estimates `job` on its measured devices: per-worker rows in proportion
/// to speed (or equal, with `Split::Equal`), each worker's calls timed from
/// its profile and slowed by the concurrency of all workers on the machine.
pub(crate) fn estimate(
    s: &Scenario,
    job: &Job,
    topo: &Topology,
    split: Split,
) -> Result<super::JobEstimate, EstimateError> {
    let layout = |why: String| EstimateError::Layout {
        job: job.name.clone(),
        why,
    };
    let (par, classes, _) = classes(s, job, topo)?;
    if par.mesh.tp() != 1 || par.mesh.pp() != 1 {
        return Err(layout(format!(
            "devices measured on this machine run data parallelism only (the executor's workers hold whole replicas); tp = {}, pp = {}",
            par.mesh.tp(),
            par.mesh.pp()
        )));
    }
    let mut workers: Vec<&MeasuredDevice> = Vec::new();
    for c in &classes {
        let Some(m) = c.pool.device.measured.as_ref() else {
            return Err(layout(format!(
                "pool `{}` is not measured on this machine; a job on measured devices runs on measured devices only",
                c.pool.name
            )));
        };
        workers.extend(std::iter::repeat_n(
            m,
            usize::try_from(c.replicas).unwrap_or(0),
        ));
    }
    let w = workers.len();
    let batch = job.global_batch as f64;
    // Worker time at `rows`, slowed by the workers sharing the machine.
    let time = |m: &MeasuredDevice, rows: f64| {
        let k = u32::try_from(w).unwrap_or(u32::MAX);
        worker_seconds(
            &m.adapter,
            m.host_copy_gbyte_s,
            &job.model,
            rows,
            job.seq_len,
        ) / m.adapter.concurrency_ratio(k)
    };
    let shares: Vec<f64> = match split {
        Split::Equal => vec![1.0 / w as f64; w],
        Split::Proportional => {
            // Time is close to affine in rows (a per-call part, a per-row
            // part): fit it around the even split, then give each worker the
            // rows that make every worker's time equal.
            let r0 = batch / w as f64;
            let lines: Vec<(f64, f64)> = workers
                .iter()
                .map(|m| {
                    let (hi, lo) = (time(m, r0), time(m, r0 / 2.0));
                    let slope = ((hi - lo) / (r0 / 2.0)).max(1e-12);
                    (hi - slope * r0, slope)
                })
                .collect();
            let inv: f64 = lines.iter().map(|(_, b)| 1.0 / b).sum();
            let target = (batch + lines.iter().map(|(a, b)| a / b).sum::<f64>()) / inv;
            let rows: Vec<f64> = lines
                .iter()
                .map(|(a, b)| ((target - a) / b).max(0.0))
                .collect();
            let total: f64 = rows.iter().sum();
            rows.iter().map(|r| r / total.max(1e-12)).collect()
        }
    };
    let rows = apportion(job.global_batch, &shares);
    let compute = workers
        .iter()
        .zip(&rows)
        .map(|(m, &r)| time(m, r as f64))
        .fold(0.0, f64::max);
    let params = job.model.params() as f64;
    let host = workers
        .iter()
        .map(|m| m.host_copy_gbyte_s)
        .fold(f64::INFINITY, f64::min);
    let all_reduce = all_reduce_seconds(host, params, w);
    let optimizer = workers
        .iter()
        .map(|m| adamw_seconds(&m.adapter, params))
        .fold(0.0, f64::max);
    let breakdown = Breakdown {
        compute,
        recompute: 0.0,
        tp_comm_exposed: 0.0,
        pp_comm_exposed: 0.0,
        dp_comm_exposed: all_reduce,
        bubble: 0.0,
        optimizer,
    };
    // The executor shards whole sequences: the shares are its rows.
    let mut per_class = Vec::new();
    let mut i = 0;
    for c in &classes {
        let n = usize::try_from(c.replicas).unwrap_or(0);
        per_class.push(rows[i..i + n].iter().map(|&r| r as f64 / batch).collect());
        i += n;
    }
    Ok(assemble(job, &par, &classes, breakdown, &per_class))
}
