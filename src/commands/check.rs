//! `cirrus check FILE`.

use crate::Failure;
use crate::cli::CheckArgs;

/// Validates the file; prints a one-line summary when it is valid.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let s = super::load(&args.file)?;
    let devices: u64 = s.pools.iter().map(|p| p.devices()).sum();
    println!(
        "{}: ok: scenario \"{}\", {} pool{} ({} devices), {} job{}",
        args.file.display(),
        s.name,
        s.pools.len(),
        if s.pools.len() == 1 { "" } else { "s" },
        devices,
        s.jobs.len(),
        if s.jobs.len() == 1 { "" } else { "s" },
    );
    Ok(())
}
