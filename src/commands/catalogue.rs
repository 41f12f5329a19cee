//! `cirrus catalogue [--json]`.

use crate::Failure;
use crate::cli::CatalogueArgs;
use anyhow::Context;
use cirrus_sim::catalogue;

/// Prints the catalogue as a table or JSON.
pub fn run(args: &CatalogueArgs) -> Result<(), Failure> {
    if args.json {
        let text = serde_json::to_string_pretty(&catalogue::to_json())
            .context("failed to encode the catalogue")?;
        crate::outln!("{text}")?;
    } else {
        crate::out!("{}", catalogue::render_table())?;
    }
    Ok(())
}
