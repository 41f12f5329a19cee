//! `cirrus check FILE`.

use crate::Failure;
use crate::cli::CheckArgs;
use cirrus_sim::workload::{self, ImportOptions};

/// Validates the file, and the trace a workload names (every row, as
/// `simulate` reads it); prints a one-line summary when both are valid.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let s = super::load_for(&args.file, args.model)?;
    if let Some(w) = &s.workload
        && w.format != "synthetic"
    {
        workload::load(w, s.seed, ImportOptions::default())
            .map_err(|e| Failure::BadInput(format!("{}: error: {e}", args.file.display())))?;
    }
    crate::outln!(
        "{}: ok: scenario \"{}\", {}",
        args.file.display(),
        s.name,
        s.summary()
    )?;
    Ok(())
}
