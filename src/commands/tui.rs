//! `cirrus tui [FILE] [--scenarios DIR] [--exec EVENTS] [--key-log FILE]`.

use crate::Failure;
use crate::cli::TuiArgs;

/// Runs the dashboard until the user quits.
pub fn run(args: &TuiArgs) -> Result<(), Failure> {
    cirrus_tui::run(cirrus_tui::Options {
        file: args.file.clone(),
        scenarios_dir: args.scenarios.clone(),
        exec_events: args.exec.clone(),
        key_log: args.key_log.clone(),
    })
    .map_err(|e| {
        let mut msg = format!("failed to {e}");
        if let Some(source) = std::error::Error::source(&e) {
            msg.push_str(&format!(": {source}"));
        }
        match e.signal_number() {
            Some(n) => Failure::Stopped(format!("error: {msg}"), 128 + n),
            None => Failure::Runtime(anyhow::Error::msg(msg)),
        }
    })
}
