//! The RunReport, format 1: what `cirrus exec PLAN --json` prints. The
//! fields of `../shared/ARCHITECTURE.md` come first, exactly as named there;
//! the fields after them were added within format 1 (readers ignore what
//! they do not know).
//!
//! Timing figures are medians over the steps after the warm-up; the step
//! time is the slowest worker's median step (they run in lockstep).
//! `prediction_error` = (predicted − measured) / measured.

use serde::{Deserialize, Serialize};

use crate::run::{RunConfig, WorkerOutcome};

/// The RunReport format this build writes.
pub const RUN_REPORT_FORMAT_VERSION: u32 = 1;

/// One worker's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Its rank (= its plan node's index).
    pub rank: usize,
    /// Its device: the adapter's name, or `cpu`.
    pub adapter: String,
    /// Its share of every batch, from the plan.
    pub batch_share: f64,
    /// Its weight in the combined gradient, from the plan.
    pub lr_share: f64,
    /// Median seconds per step in kernels (forward, backward, optimizer).
    pub compute_s_median: f64,
    /// Median seconds per step combining gradients.
    pub comm_s_median: f64,
    /// Median seconds per step waiting for the slowest worker.
    pub idle_s_median: f64,
    /// Sequences it processed per step (its batch share, rounded).
    pub rows: usize,
    /// Median seconds per whole step.
    pub step_s_median: f64,
    /// The plan node it ran: `pool/node`.
    pub node: String,
}

/// A validation point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValPoint {
    /// After this many steps.
    pub step: u64,
    /// The validation batch's mean cross-entropy.
    pub loss: f32,
}

/// What a run measured, beside what the plan predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always [`RUN_REPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// The plan file as named.
    pub plan: String,
    /// Steps completed.
    pub steps: u64,
    /// Per worker, by rank.
    pub workers: Vec<WorkerReport>,
    /// Training tokens per second (global batch tokens / measured step time).
    pub tokens_per_s: f64,
    /// Training loss of the first step.
    pub loss_first: f32,
    /// Training loss of the last step.
    pub loss_last: f32,
    /// The first validation loss.
    pub val_loss_first: f32,
    /// The last validation loss.
    pub val_loss_last: f32,
    /// Median seconds per step (slowest worker), after the warm-up.
    pub measured_step_time_s: f64,
    /// The plan's predicted seconds per step.
    pub predicted_step_time_s: f64,
    /// (predicted − measured) / measured.
    pub prediction_error: f64,
    // --- added within format 1 ---
    /// How gradients were combined: `ring`, `parameter-server`, `mpi`.
    pub allreduce: String,
    /// Steps at the start left out of the medians.
    pub warmup_steps: u64,
    /// The step the run resumed from (0: a fresh start).
    pub resumed_from: u64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Parameters of the model.
    pub parameters: usize,
    /// Fraction of the measured step spent outside compute (combining,
    /// waiting, host glue): 1 − slowest worker's compute / step.
    pub overhead_fraction: f64,
    /// Training loss of every step, from step 1.
    pub loss_curve: Vec<f32>,
    /// Every validation.
    pub val_losses: Vec<ValPoint>,
}

/// Per-worker identity the runner does not know: adapter names and plan
/// nodes, by rank.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerLabel {
    /// The device's name.
    pub adapter: String,
    /// `pool/node`.
    pub node: String,
}

impl RunReport {
    /// Builds the report of a finished run from any worker's outcome (each
    /// holds every worker's gathered medians).
    pub fn build(
        plan: &str,
        cfg: &RunConfig,
        out: &WorkerOutcome,
        labels: &[WorkerLabel],
        allreduce: &str,
        predicted_step_time_s: f64,
        parameters: usize,
    ) -> Self {
        let rows = cfg.rows().unwrap_or_default();
        let workers: Vec<WorkerReport> = out
            .medians
            .iter()
            .enumerate()
            .map(|(rank, m)| WorkerReport {
                rank,
                adapter: labels
                    .get(rank)
                    .map(|l| l.adapter.clone())
                    .unwrap_or_default(),
                batch_share: cfg.batch_shares[rank],
                lr_share: cfg.lr_shares[rank],
                compute_s_median: m[0],
                idle_s_median: m[1],
                comm_s_median: m[2],
                step_s_median: m[3],
                rows: rows.get(rank).copied().unwrap_or(0),
                node: labels.get(rank).map(|l| l.node.clone()).unwrap_or_default(),
            })
            .collect();
        let measured = workers.iter().map(|w| w.step_s_median).fold(0.0, f64::max);
        let compute = workers
            .iter()
            .map(|w| w.compute_s_median)
            .fold(0.0, f64::max);
        let tokens = (cfg.global_batch * cfg.model.seq_len) as f64;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        RunReport {
            format_version: RUN_REPORT_FORMAT_VERSION,
            plan: plan.to_owned(),
            steps: out.steps_done,
            workers,
            tokens_per_s: ratio(tokens, measured),
            loss_first: out.losses.first().copied().unwrap_or(f32::NAN),
            loss_last: out.losses.last().copied().unwrap_or(f32::NAN),
            val_loss_first: out.val_losses.first().map_or(f32::NAN, |v| v.1),
            val_loss_last: out.val_losses.last().map_or(f32::NAN, |v| v.1),
            measured_step_time_s: measured,
            predicted_step_time_s,
            prediction_error: ratio(predicted_step_time_s - measured, measured),
            allreduce: allreduce.to_owned(),
            warmup_steps: cfg.warmup_steps,
            resumed_from: out.resumed_from,
            stopped_early: out.stopped_early,
            parameters,
            overhead_fraction: if measured > 0.0 {
                (1.0 - compute / measured).max(0.0)
            } else {
                0.0
            },
            loss_curve: out.losses.clone(),
            val_losses: out
                .val_losses
                .iter()
                .map(|&(step, loss)| ValPoint { step, loss })
                .collect(),
        }
    }
}
