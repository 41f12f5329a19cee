//! `cirrus bench [--quick] [--json]`.

use crate::Failure;
use crate::cli::BenchArgs;
use anyhow::{Context, anyhow};

/// Runs the benchmarks and prints their figures.
pub fn run(args: &BenchArgs) -> Result<(), Failure> {
    let figures =
        cirrus_sim::bench::run(args.quick).map_err(|e| anyhow!("benchmark failed: {e}"))?;
    if args.json {
        let rows: Vec<_> = figures
            .iter()
            .map(|f| serde_json::json!({"name": f.name, "value": f.value, "unit": f.unit, "target": f.target}))
            .collect();
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&rows).context("failed to encode the figures")?
        )?;
        return Ok(());
    }
    if cfg!(debug_assertions) {
        crate::outln!("note: a debug build; measure with `cargo run --release -- bench`")?;
    }
    for f in &figures {
        let target = f
            .target
            .map_or_else(String::new, |t| format!("   (goal {t})"));
        let value = if f.value.abs() >= 1000.0 {
            format!("{:.3e}", f.value)
        } else {
            format!("{:.3}", f.value)
        };
        crate::outln!("{:<100} {:>12} {:<8}{target}", f.name, value, f.unit)?;
    }
    Ok(())
}
