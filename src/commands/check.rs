//! `cirrus check FILE`.

use crate::Failure;
use crate::cli::CheckArgs;
use cirrus_sim::estimate;
use cirrus_sim::workload::{self, ImportOptions};

/// Validates the file, the trace a workload names (every row, as
/// `simulate` reads it), and each training job with a complete
/// configuration through the closed-form estimate (layout, figures that
/// overflow: what `simulate` would refuse after validation); prints a
/// one-line summary when all hold.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let s = super::load_for(&args.file, args.model)?;
    let bad = |e: &dyn std::fmt::Display| {
        Failure::BadInput(format!("{}: error: {e}", args.file.display()))
    };
    if let Some(w) = &s.workload {
        if w.format != "synthetic" {
            workload::load(w, s.seed, ImportOptions::default()).map_err(|e| bad(&e))?;
        }
    } else {
        let topo = estimate::topology(&s).map_err(|e| bad(&e))?;
        for job in s.jobs.iter().filter(|j| j.parallelism.fixed().is_some()) {
            estimate::estimate_job(&s, job, &topo).map_err(|e| bad(&e))?;
        }
    }
    crate::outln!(
        "{}: ok: scenario \"{}\", {}",
        args.file.display(),
        s.name,
        s.summary()
    )?;
    Ok(())
}
