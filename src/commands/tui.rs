//! `cirrus tui [FILE] [--scenarios DIR]`.

use crate::Failure;
use crate::cli::TuiArgs;

/// Runs the dashboard until the user quits.
pub fn run(args: &TuiArgs) -> Result<(), Failure> {
    cirrus_tui::run(args.file.clone(), &args.scenarios).map_err(|e| {
        let mut msg = format!("failed to {e}");
        if let Some(source) = std::error::Error::source(&e) {
            msg.push_str(&format!(": {source}"));
        }
        Failure::Runtime(anyhow::Error::msg(msg))
    })
}
