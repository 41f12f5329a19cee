//! `cirrus check FILE`.

use crate::Failure;
use crate::cli::CheckArgs;

/// Validates the file; prints a one-line summary when it is valid.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let s = super::load(&args.file)?;
    let devices: u64 = s.pools.iter().map(|p| p.devices()).sum();
    let work = match &s.workload {
        // A cluster workload: its format, how many jobs it reads or makes
        // (the trace itself is read by `simulate`), and the policy.
        Some(w) => format!(
            "a {} workload ({}), policy {}",
            w.format,
            w.jobs.map_or_else(
                || "every job of the trace".to_owned(),
                |n| format!("{n} jobs")
            ),
            s.scheduler
                .as_ref()
                .map_or("fifo", |sch| sch.policy.as_str()),
        ),
        None => format!(
            "{} job{}",
            s.jobs.len(),
            if s.jobs.len() == 1 { "" } else { "s" }
        ),
    };
    println!(
        "{}: ok: scenario \"{}\", {} pool{} ({} devices), {}",
        args.file.display(),
        s.name,
        s.pools.len(),
        if s.pools.len() == 1 { "" } else { "s" },
        devices,
        work,
    );
    Ok(())
}
