//! `cirrus validate FILE.csv [--json]`.

use crate::Failure;
use crate::cli::ValidateArgs;
use anyhow::Context;
use cirrus_sim::estimate;
use cirrus_sim::fidelity::{self, FidelityError};
use cirrus_sim::stepsim;
use std::fmt::Write as _;

/// Predicts every measured row and prints the comparison.
pub fn run(args: &ValidateArgs) -> Result<(), Failure> {
    let file = args.file.display().to_string();
    let text = cirrus_sim::fsio::read_to_string_limited(
        &args.file,
        cirrus_sim::fsio::MAX_INPUT_BYTES,
        "measurements file",
    )
    .map_err(|e| Failure::BadInput(format!("error: failed to read {file}: {e}")))?;
    let rows =
        fidelity::read(&text, &file).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    let report = fidelity::compare(&rows, |s| {
        let topo = estimate::topology(s).map_err(|e| format!("{e:#}"))?;
        let job = s.jobs.first().ok_or("no job")?;
        stepsim::estimate_job(super::method(args.model), s, job, &topo)
            .map(|e| e.result.step_time_s)
            .map_err(|e| e.to_string())
    })
    .map_err(|e| match e {
        FidelityError::Simulation { .. } => Failure::Runtime(anyhow::Error::new(e)),
        other => Failure::BadInput(format!("error: {other}")),
    })?;
    if args.json {
        let rows: Vec<_> = report
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name, "measured_s": r.measured_s,
                    "predicted_s": r.predicted_s, "error": r.error()
                })
            })
            .collect();
        let v = serde_json::json!({
            "file": file, "rows": rows,
            "mean_abs_error": report.mean_abs_error(), "max_abs_error": report.max_abs_error()
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&v).context("failed to encode the report")?
        )?;
        return Ok(());
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<44} {:>12} {:>12} {:>8}",
        "row", "measured s", "predicted s", "error"
    );
    for r in &report.rows {
        let _ = writeln!(
            o,
            "{:<44} {:>12.3} {:>12.3} {:>+7.1}%",
            r.name,
            r.measured_s,
            r.predicted_s,
            100.0 * r.error()
        );
    }
    let _ = writeln!(
        o,
        "mean |error| {:.1}%, max |error| {:.1}% over {} rows",
        100.0 * report.mean_abs_error(),
        100.0 * report.max_abs_error(),
        report.rows.len()
    );
    crate::out!("{o}")?;
    Ok(())
}
