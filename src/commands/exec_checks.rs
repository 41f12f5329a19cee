//! What `cirrus exec` refuses before it allocates anything (exit 2): plans
//! the executor cannot run yet (tensor or pipeline parallelism, precisions
//! other than fp32), absurd learning rates, and runs whose estimated memory
//! is beyond the adapter's buffer limits or the executor's budget.

use crate::Failure;
use cirrus_executor::budget::{Footprint, check_data};
use cirrus_executor::run::{RunConfig, WorkerDevice};
use cirrus_sim::mesh::Axis;
use cirrus_sim::parallelism::Precision;
use cirrus_sim::plan::Plan;

/// The largest `--lr` accepted: AdamW's steps are about `lr` per parameter,
/// so anything above 1 only diverges.
pub const MAX_LR: f32 = 1.0;

/// Refuses what the executor cannot run: it runs data-parallel fp32 plans.
pub fn refuse_unsupported(plan: &Plan, file: &str) -> Result<(), Failure> {
    let par = &plan.parallelism;
    for a in Axis::model_axes() {
        let v = par.mesh.degree(a);
        if v > 1 {
            let ones: Vec<&str> = Axis::model_axes().map(Axis::key).collect();
            return Err(Failure::BadInput(format!(
                "{file}: error: cannot run this plan: `parallelism.{}` is {v}: {} is not yet supported by the executor; it runs data-parallel plans ({} = 1)",
                a.key(),
                a.name(),
                ones.join(" = ")
            )));
        }
    }
    if plan.precision != Precision::Fp32 {
        return Err(Failure::BadInput(format!(
            "{file}: error: cannot run this plan: `precision` is `{}`: the executor computes in fp32 only; plan the job with `precision = \"fp32\"`",
            plan.precision
        )));
    }
    Ok(())
}

/// Refuses a learning rate that is not finite, not positive, or above
/// [`MAX_LR`].
pub fn check_lr(lr: f32) -> Result<(), Failure> {
    if lr.is_finite() && lr > 0.0 && lr <= MAX_LR {
        return Ok(());
    }
    Err(Failure::BadInput(format!(
        "error: `--lr {lr}`: the learning rate must be a finite number above 0 and at most {MAX_LR}"
    )))
}

/// Refuses a run the data cannot feed, or whose estimated memory is beyond
/// the smallest buffer limits of the adapters in `devices` or the
/// executor's total budget.
pub fn check_footprint(
    cfg: &RunConfig,
    devices: &[WorkerDevice],
    file: &str,
) -> Result<(), Failure> {
    let bad = |e: cirrus_executor::ExecError| {
        Failure::BadInput(format!("{file}: error: cannot run this plan: {e}"))
    };
    check_data(&cfg.model).map_err(bad)?;
    let rows = cfg.rows().map_err(bad)?;
    let max_rows = rows.iter().copied().max().unwrap_or(0);
    let limits = devices
        .iter()
        .filter_map(|d| match d {
            WorkerDevice::Adapter(a) => Some(a.limits()),
            WorkerDevice::Cpu => None,
        })
        .min_by_key(|l| l.max_storage_buffer_binding_size.min(l.max_buffer_size));
    Footprint::of(&cfg.model, cfg.global_batch, max_rows, cfg.workers())
        .check(limits.as_ref())
        .map_err(bad)
}
