//! `cirrus scenarios [DIR]`.

use crate::Failure;
use crate::cli::ScenariosArgs;
use anyhow::Context;
use cirrus_sim::{library, scenario::LoadOptions};

/// Prints the index of the directory's scenarios (Markdown, links relative
/// to the directory, as its README).
pub fn run(args: &ScenariosArgs) -> Result<(), Failure> {
    let opts = LoadOptions {
        local_profile: std::env::var_os("CIRRUS_PROFILE").map(Into::into),
        ..LoadOptions::default()
    };
    let text = library::index_markdown(&args.dir, ".", &opts)
        .with_context(|| format!("failed to read scenarios in {}", args.dir.display()))?;
    crate::out!("{text}")?;
    Ok(())
}
