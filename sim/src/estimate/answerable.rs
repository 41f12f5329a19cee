//! The last check before a job's figures become an answer: every time,
//! rate, cost and energy is finite, and the step fits the event clock
//! (integer nanoseconds, about 584 years). A value that overflowed is an
//! error naming the inputs that set it, never a result.

use super::EstimateError;
use crate::engine::SimTime;
use crate::result::JobResult;
use crate::scenario::Job;

/// Why a figure cannot be an answer: what it is and its value.
fn bad(job: &Job, what: &str, value: f64, why: &str) -> EstimateError {
    let (name, unit) = what.split_once(", ").unwrap_or((what, ""));
    let shown = if value.is_finite() {
        format!("{value:.3e} {unit}").trim_end().to_owned()
    } else {
        format!("{value}")
    };
    EstimateError::Unanswerable {
        job: job.name.clone(),
        what: name.to_owned(),
        value: shown,
        why: why.to_owned(),
    }
}

/// `Ok` when every figure of `r` can be reported.
pub(crate) fn answerable(job: &Job, r: &JobResult) -> Result<(), EstimateError> {
    const SPEED: &str = "the figures that set the job's speed (the pools' `peak_tflops_*`, `mem_bw_gbyte_s`, `nic_gbit_s`, `intra_node_gbyte_s`) are too small for this model";
    let clock = SimTime::MAX.as_secs_f64();
    if !(r.step_time_s.is_finite() && r.step_time_s > 0.0 && r.step_time_s < clock) {
        let why = format!("beyond the simulator's clock (about 584 years); {SPEED}");
        return Err(bad(job, "step time, s", r.step_time_s, &why));
    }
    for (what, v) in [
        ("throughput, tokens/s", r.tokens_per_s),
        ("model TFLOP/s per device", r.model_tflops_per_device),
        ("MFU", r.mfu),
        ("memory per device, GiB", r.memory_gib_per_device),
    ] {
        if !v.is_finite() {
            return Err(bad(job, what, v, SPEED));
        }
    }
    const TOTALS: &str = "`train_tokens` is too large for the job's speed, or a price (`usd_per_device_hour`) or power (`tdp_w`) is out of range";
    for (what, v) in [
        ("time to train, s", r.time_to_train_s),
        ("cost, USD", r.cost_usd),
        ("energy, kWh", r.energy_kwh),
    ] {
        if let Some(v) = v
            && !v.is_finite()
        {
            return Err(bad(job, what, v, TOTALS));
        }
    }
    Ok(())
}
