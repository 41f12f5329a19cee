//! `cirrus schema [--reference]`.

use crate::Failure;
use crate::cli::SchemaArgs;
use cirrus_sim::scenario;

/// Prints the scenario format's JSON Schema, or the reference made from it.
pub fn run(args: &SchemaArgs) -> Result<(), Failure> {
    if args.reference {
        crate::out!("{}", scenario::reference_markdown())?;
    } else {
        crate::out!("{}", scenario::json_schema_text())?;
    }
    Ok(())
}
