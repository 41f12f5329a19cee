//! Data-parallel training: one worker per plan node, each on its own device,
//! each computing the gradient of its `batch_share` of every global batch;
//! the gradients are combined with the plan's `lr_share` weights through a
//! [`Collective`] (Σ lr_share · gradient), and every worker applies the same
//! AdamW step, so the replicas stay identical.
//!
//! One step of one worker, timed in three parts:
//!
//! ```text
//! compute: its rows of batch(step) ─forward/backward─► loss, gradient · lr_share
//! idle:    barrier (waiting for the slowest worker)
//! comm:    all-reduce Σ over workers (gradient and the rows-weighted loss in one buffer)
//! compute: AdamW step on the combined gradient
//! ```
//!
//! Every `eval_every` steps each worker evaluates its share of a fixed
//! validation batch and the rows-weighted mean is all-reduced; with
//! `early_stop_patience` the run stops after that many validations without
//! a new best. Rank 0 writes checkpoints; a run resumed from one continues
//! at the same step with the same data, so it ends with the same parameters
//! as an uninterrupted run.

use std::time::Instant;

use serde::Serialize;

use crate::backend::Backend;
use crate::checkpoint::{Checkpoint, CheckpointHeader};
use crate::collective::Collective;
use crate::data::{Dataset, Split, shard_counts};
use crate::error::ExecError;
use crate::model::{Model, ModelConfig};
use crate::training::AdamW;

/// Everything that defines a training run (the same on every worker).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunConfig {
    /// The model.
    pub model: ModelConfig,
    /// Sequences per global batch.
    pub global_batch: usize,
    /// Optimizer steps to run (the run may stop earlier, see
    /// `early_stop_patience`).
    pub steps: u64,
    /// The optimizer.
    #[serde(skip)]
    pub optimizer: AdamW,
    /// Seeds the initial parameters and the data order.
    pub seed: u64,
    /// Validate every this many steps (0: only after the last step).
    pub eval_every: u64,
    /// Sequences in the (fixed) validation batch.
    pub eval_batch: usize,
    /// Stop after this many validations without a new best validation loss.
    pub early_stop_patience: Option<u32>,
    /// Each worker's share of every batch (Σ = 1), by rank.
    pub batch_shares: Vec<f64>,
    /// Each worker's weight in the combined gradient (Σ = 1), by rank.
    pub lr_shares: Vec<f64>,
    /// Steps at the start left out of the timing medians (shader compiles,
    /// first allocations).
    pub warmup_steps: u64,
}

impl RunConfig {
    /// Checks shares and sizes.
    pub fn check(&self) -> Result<(), ExecError> {
        let fail = |reason: String| Err(ExecError::Config { reason });
        self.model.check()?;
        if self.global_batch == 0 || self.eval_batch == 0 {
            return fail("`global_batch` and the validation batch must be at least 1".into());
        }
        if self.batch_shares.is_empty() || self.batch_shares.len() != self.lr_shares.len() {
            return fail(format!(
                "{} batch shares and {} learning-rate shares; there must be one of each per worker",
                self.batch_shares.len(),
                self.lr_shares.len()
            ));
        }
        for (key, shares) in [
            ("batch_share", &self.batch_shares),
            ("lr_share", &self.lr_shares),
        ] {
            if shares.iter().any(|s| !s.is_finite() || *s < 0.0) {
                return fail(format!(
                    "every `{key}` must be finite and ≥ 0, got {shares:?}"
                ));
            }
            let sum: f64 = shares.iter().sum();
            if (sum - 1.0).abs() > 1e-6 {
                return fail(format!("the `{key}`s sum to {sum}, not 1: {shares:?}"));
            }
        }
        Ok(())
    }

    /// Workers.
    pub fn workers(&self) -> usize {
        self.batch_shares.len()
    }

    /// Sequences of each worker per step (largest remainder of the batch
    /// shares).
    pub fn rows(&self) -> Result<Vec<usize>, ExecError> {
        shard_counts(self.global_batch, &self.batch_shares)
    }

    /// A text naming what must match for a checkpoint to continue this run
    /// (everything but the step count, the validation cadence, early
    /// stopping and the timing: none of these changes the trained
    /// parameters, so a 10-step run resumes to 20 steps).
    pub fn fingerprint(&self) -> String {
        let o = &self.optimizer;
        format!(
            "model={:?} batch={} seed={} eval_batch={} batch_shares={:?} lr_shares={:?} adamw=({},{},{},{},{})",
            self.model,
            self.global_batch,
            self.seed,
            self.eval_batch,
            self.batch_shares,
            self.lr_shares,
            o.lr,
            o.beta1,
            o.beta2,
            o.eps,
            o.weight_decay
        )
    }
}

/// Where checkpoints go.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointPolicy {
    /// The directory (holds `checkpoint.bin`).
    pub dir: std::path::PathBuf,
    /// Write one every this many steps (and after the last step).
    pub every: u64,
    /// Continue from the directory's checkpoint if there is one.
    pub resume: bool,
}

/// One step's timing on one worker, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepTiming {
    /// Forward, backward and optimizer kernels (with their staging).
    pub compute_s: f64,
    /// Waiting for the slowest worker.
    pub idle_s: f64,
    /// Combining gradients.
    pub comm_s: f64,
    /// The whole step.
    pub step_s: f64,
}

/// What each worker reports after each step.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The worker's rank.
    pub rank: usize,
    /// Steps completed (including any before a resume).
    pub step: u64,
    /// The run's step target.
    pub steps: u64,
    /// The global batch's training loss at this step.
    pub loss: f32,
    /// The latest validation loss, if any.
    pub val_loss: Option<f32>,
    /// How this worker spent the step.
    pub timing: StepTiming,
}

/// One worker's outcome (every worker ends with the same parameters and
/// curves; timings are its own).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerOutcome {
    /// Rank.
    pub rank: usize,
    /// Sequences it processed per step.
    pub rows: usize,
    /// Timing of every step this process ran (not those before a resume).
    pub timings: Vec<StepTiming>,
    /// Training loss of every step, from step 1 (including before a resume).
    pub losses: Vec<f32>,
    /// `(step, validation loss)`, in order.
    pub val_losses: Vec<(u64, f32)>,
    /// Steps completed.
    pub steps_done: u64,
    /// The step the run resumed from (0: a fresh start).
    pub resumed_from: u64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Final parameters.
    pub params: Vec<f32>,
    /// Every worker's medians over the timed steps, gathered: by rank,
    /// `[compute, idle, comm, step]`.
    pub medians: Vec<[f64; 4]>,
}

/// The median of `xs` (mean of the middle two for even counts; 0 if empty).
pub fn median(xs: &[f64]) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Runs worker `comm.rank()` of the data-parallel run `cfg` on `be`, to the
/// end (or early stop). Every rank must call this with the same `cfg` and
/// checkpoint policy. `on_step` is called on every rank after every step
/// (with that rank's timing; the loss is the global batch's on every rank).
pub fn run_worker(
    cfg: &RunConfig,
    be: &dyn Backend,
    comm: &mut dyn Collective,
    checkpoints: Option<&CheckpointPolicy>,
    on_step: &(dyn Fn(&Progress) + Sync),
) -> Result<WorkerOutcome, ExecError> {
    cfg.check()?;
    let (rank, size) = (comm.rank(), comm.size());
    if size != cfg.workers() {
        return Err(ExecError::Config {
            reason: format!(
                "{size} workers started for a plan of {} nodes; start one per plan node",
                cfg.workers()
            ),
        });
    }
    let model = Model::new(cfg.model)?;
    let data = Dataset::embedded(cfg.seed)?;
    let rows_all = cfg.rows()?;
    let rows = rows_all[rank];
    let seq = cfg.model.seq_len;
    let start = rows_all[..rank].iter().sum::<usize>() * seq;
    let my = start..start + rows * seq;
    let val_rows = shard_counts(cfg.eval_batch, &cfg.batch_shares)?;
    let val_start = val_rows[..rank].iter().sum::<usize>() * seq;
    let val_my = val_start..val_start + val_rows[rank] * seq;
    let val_batch = data.batch_from(Split::Valid, 0, cfg.eval_batch, seq)?;
    let lr_share = cfg.lr_shares[rank] as f32;
    let row_weight = rows as f32 / cfg.global_batch as f32;
    let val_weight = val_rows[rank] as f32 / cfg.eval_batch as f32;
    let n = model.param_count();

    let fingerprint = cfg.fingerprint();
    let resumed = match checkpoints {
        Some(c) if c.resume => Checkpoint::load(&c.dir, n, cfg.steps)?,
        _ => None,
    };
    let (mut params, mut m, mut v, mut header) = match resumed {
        Some(ck) => {
            if ck.header.fingerprint != fingerprint {
                return Err(ExecError::InvalidCheckpoint {
                    path: Checkpoint::path_in(
                        &checkpoints.map(|c| c.dir.clone()).unwrap_or_default(),
                    )
                    .display()
                    .to_string(),
                    field: "fingerprint".to_owned(),
                    reason: format!(
                        "it belongs to another run (its run: {}; this run: {fingerprint})",
                        ck.header.fingerprint
                    ),
                });
            }
            (ck.params, ck.m, ck.v, ck.header)
        }
        None => (
            model.init(cfg.seed),
            vec![0.0; n],
            vec![0.0; n],
            CheckpointHeader {
                step: 0,
                fingerprint: fingerprint.clone(),
                losses: Vec::new(),
                val_losses: Vec::new(),
                evals_since_best: 0,
            },
        ),
    };
    let resumed_from = header.step;
    let mut timings = Vec::new();
    let mut stopped_early = false;

    // One buffer: the weighted gradient, then the rows-weighted loss.
    let mut buf = vec![0.0f32; n + 1];
    let mut step = header.step;
    while step < cfg.steps && !stopped_early {
        let t0 = Instant::now();
        let batch = data.batch(step, cfg.global_batch, seq)?;
        let loss = if rows > 0 {
            let (loss, grads) = model.loss_and_grads(
                be,
                &params,
                &batch.inputs[my.clone()],
                &batch.targets[my.clone()],
            )?;
            for (b, g) in buf.iter_mut().zip(&grads) {
                *b = g * lr_share;
            }
            loss
        } else {
            buf.fill(0.0);
            0.0
        };
        buf[n] = loss * row_weight;
        let t1 = Instant::now();
        comm.barrier()?;
        let t2 = Instant::now();
        comm.all_reduce_sum(&mut buf)?;
        let t3 = Instant::now();
        // Every worker sees the same reduced loss, so all stop together.
        if !buf[n].is_finite() {
            return Err(ExecError::NonFiniteLoss {
                step: step + 1,
                loss: buf[n],
            });
        }
        be.adamw_step(
            &mut params,
            &mut m,
            &mut v,
            &buf[..n],
            &cfg.optimizer,
            step + 1,
        )?;
        let t4 = Instant::now();
        step += 1;
        header.losses.push(buf[n]);
        timings.push(StepTiming {
            compute_s: (t1 - t0 + (t4 - t3)).as_secs_f64(),
            idle_s: (t2 - t1).as_secs_f64(),
            comm_s: (t3 - t2).as_secs_f64(),
            step_s: (t4 - t0).as_secs_f64(),
        });

        let last = step == cfg.steps;
        if (cfg.eval_every > 0 && step % cfg.eval_every == 0) || last {
            let mut val = [0.0f32];
            if !val_my.is_empty() {
                val[0] = val_weight
                    * model.loss(
                        be,
                        &params,
                        &val_batch.inputs[val_my.clone()],
                        &val_batch.targets[val_my.clone()],
                    )?;
            }
            comm.all_reduce_sum(&mut val)?;
            let best = header
                .val_losses
                .iter()
                .map(|&(_, l)| l)
                .fold(f32::INFINITY, f32::min);
            header.val_losses.push((step, val[0]));
            if val[0] < best {
                header.evals_since_best = 0;
            } else {
                header.evals_since_best += 1;
            }
            if let Some(p) = cfg.early_stop_patience {
                stopped_early = header.evals_since_best >= p && !last;
            }
        }
        if let Some(c) = checkpoints
            && rank == 0
            && (step % c.every.max(1) == 0 || step == cfg.steps || stopped_early)
        {
            header.step = step;
            Checkpoint {
                header: header.clone(),
                params: params.clone(),
                m: m.clone(),
                v: v.clone(),
            }
            .save(&c.dir)?;
        }
        if let Some(&timing) = timings.last() {
            on_step(&Progress {
                rank,
                step,
                steps: cfg.steps,
                loss: buf[n],
                val_loss: header.val_losses.last().map(|&(_, l)| l),
                timing,
            });
        }
    }
    header.step = step;

    // Gather every worker's timing medians (a sum of zero vectors with one's
    // own slot filled).
    let skip = (cfg.warmup_steps as usize).min(timings.len().saturating_sub(1));
    let timed = &timings[skip..];
    let med = |f: fn(&StepTiming) -> f64| median(&timed.iter().map(f).collect::<Vec<_>>());
    let mine = [
        med(|t| t.compute_s),
        med(|t| t.idle_s),
        med(|t| t.comm_s),
        med(|t| t.step_s),
    ];
    let mut all = vec![0.0f32; 4 * size];
    for (i, x) in mine.iter().enumerate() {
        all[4 * rank + i] = *x as f32;
    }
    comm.all_reduce_sum(&mut all)?;
    let medians = all
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]].map(f64::from))
        .collect();

    Ok(WorkerOutcome {
        rank,
        rows,
        timings,
        losses: header.losses,
        val_losses: header.val_losses,
        steps_done: step,
        resumed_from,
        stopped_early,
        params,
        medians,
    })
}

/// Where one in-process worker runs.
pub enum WorkerDevice {
    /// The float32 CPU reference backend.
    Cpu,
    /// A wgpu adapter (a fresh device is opened on it for the worker).
    Adapter(wgpu::Adapter),
}

impl std::fmt::Debug for WorkerDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerDevice::Cpu => f.write_str("Cpu"),
            WorkerDevice::Adapter(a) => write!(f, "Adapter({})", a.get_info().name),
        }
    }
}

impl WorkerDevice {
    /// Opens the backend (compiling the GPU kernels).
    pub fn open(&self) -> Result<Box<dyn Backend>, ExecError> {
        Ok(match self {
            WorkerDevice::Cpu => Box::new(crate::CpuBackend),
            WorkerDevice::Adapter(a) => Box::new(crate::GpuBackend::on(crate::Gpu::open(a)?)?),
        })
    }
}

/// The in-process ways of combining gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// Chunked ring all-reduce.
    #[default]
    Ring,
    /// Rank 0 sums and sends back.
    ParameterServer,
}

/// Runs every worker of `cfg` in this process, one thread each, on
/// `devices` (by rank), and returns their outcomes by rank. The first
/// worker error is returned (a worker's own error rather than its peers'
/// "peer stopped").
pub fn run_local(
    cfg: &RunConfig,
    devices: &[WorkerDevice],
    combine: Combine,
    checkpoints: Option<&CheckpointPolicy>,
    on_step: &(dyn Fn(&Progress) + Sync),
) -> Result<Vec<(String, WorkerOutcome)>, ExecError> {
    cfg.check()?;
    if devices.len() != cfg.workers() {
        return Err(ExecError::Config {
            reason: format!("{} devices for {} workers", devices.len(), cfg.workers()),
        });
    }
    let comms: Vec<Box<dyn Collective>> = match combine {
        Combine::Ring => crate::collective::ring(cfg.workers())
            .into_iter()
            .map(|c| Box::new(c) as Box<dyn Collective>)
            .collect(),
        Combine::ParameterServer => crate::collective::parameter_server(cfg.workers())
            .into_iter()
            .map(|c| Box::new(c) as Box<dyn Collective>)
            .collect(),
    };
    let results: Vec<Result<(String, WorkerOutcome), ExecError>> = std::thread::scope(|s| {
        let handles: Vec<_> = comms
            .into_iter()
            .zip(devices)
            .map(|(mut comm, dev)| {
                s.spawn(move || {
                    let be = dev.open()?;
                    let out = run_worker(cfg, be.as_ref(), comm.as_mut(), checkpoints, on_step)?;
                    Ok((be.name(), out))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ExecError::Collective {
                        reason: "a worker thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut out = Vec::with_capacity(results.len());
    let mut peer_error = None;
    for r in results {
        match r {
            Ok(o) => out.push(o),
            Err(e @ ExecError::Collective { .. }) => {
                peer_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match peer_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
