//! `cirrus check FILE`.

use crate::Failure;
use crate::cli::CheckArgs;

/// Validates the file; prints a one-line summary when it is valid.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let s = super::load(&args.file)?;
    println!(
        "{}: ok: scenario \"{}\", {}",
        args.file.display(),
        s.name,
        s.summary()
    );
    Ok(())
}
