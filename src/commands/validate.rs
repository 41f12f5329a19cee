//! `cirrus validate FILE.csv [--json] [--model event|analytic] [--markdown]`.

use crate::Failure;
use crate::cli::ValidateArgs;
use crate::validation::{compare, read, summary};
use anyhow::Context;
use cirrus_sim::fidelity;
use std::fmt::Write as _;

/// Predicts every measured row and prints the comparison.
pub fn run(args: &ValidateArgs) -> Result<(), Failure> {
    let file = args.file.display().to_string();
    let text = read(&args.file, &file)?;
    let rows =
        fidelity::read(&text, &file).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    if args.markdown {
        crate::out!("{}", crate::fidelity_page::section(&file, &text, &rows)?)?;
        return Ok(());
    }
    let report = compare(&rows, super::method(args.model))?;
    if args.json {
        let rows: Vec<_> = report
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name, "measured_s": r.measured_s,
                    "predicted_s": r.predicted_s, "error": r.error(),
                    "fitted": r.fitted
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
    let _ = writeln!(o, "{}", summary(&report));
    crate::out!("{o}")?;
    Ok(())
}
