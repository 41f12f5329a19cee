//! A measurement file read and predicted with one step model: what
//! `cirrus validate` and the fidelity page (`fidelity_page`) share.

use crate::Failure;
use cirrus_sim::estimate;
use cirrus_sim::fidelity::{self, FidelityError, Measurement, Report};
use cirrus_sim::stepsim::{self, Method};
use std::path::Path;

/// The text of the measurement file at `path` (named `file` in messages).
pub(crate) fn read(path: &Path, file: &str) -> Result<String, Failure> {
    cirrus_sim::fsio::read_to_string_limited(
        path,
        cirrus_sim::fsio::MAX_INPUT_BYTES,
        "measurements file",
    )
    .map_err(|e| Failure::BadInput(format!("error: failed to read {file}: {e}")))
}

/// Predicts every row with `method` and compares with the measurement.
pub(crate) fn compare(rows: &[Measurement], method: Method) -> Result<Report, Failure> {
    fidelity::compare(rows, |s| {
        let topo = estimate::topology(s).map_err(|e| format!("{e:#}"))?;
        let job = s.jobs.first().ok_or("no job")?;
        stepsim::estimate_job(method, s, job, &topo)
            .map(|e| e.result.step_time_s)
            .map_err(|e| e.to_string())
    })
    .map_err(|e| match e {
        FidelityError::Simulation { .. } => Failure::Runtime(anyhow::Error::new(e)),
        other => Failure::BadInput(format!("error: {other}")),
    })
}

/// `mean |error| 3.2%, max |error| 5.8% over 9 rows`, or, where rows were
/// fitted, `… over 6 held-out rows (2 fitted rows not counted)`.
pub(crate) fn summary(report: &Report) -> String {
    let held_out = report.held_out_rows();
    let fitted = report.rows.len() - held_out;
    let over = if fitted == 0 {
        format!("{held_out} rows")
    } else {
        format!("{held_out} held-out rows ({fitted} fitted rows not counted)")
    };
    format!(
        "mean |error| {:.1}%, max |error| {:.1}% over {over}",
        100.0 * report.mean_abs_error(),
        100.0 * report.max_abs_error(),
    )
}
