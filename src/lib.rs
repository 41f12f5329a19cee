//! The `cirrus` command line: argument parsing and the subcommands, each a
//! thin layer over the `cirrus-sim` library.
//!
//! ```text
//! cirrus check FILE ──► scenario::load ──► problems (exit 2) | summary
//! cirrus simulate FILE ──► scenario::load ──► estimate::simulate ──► table | SimResult JSON
//! cirrus validate FILE ──► fidelity::read ──► fidelity::compare ──► table | JSON | Markdown (fidelity_page)
//! cirrus catalogue ──► catalogue::render_table | catalogue::to_json
//! cirrus tui [FILE] ──► cirrus_tui::run (ratatui dashboard on tokio)
//! cirrus exec --list-adapters ──► executor::devices::list_adapters ──► adapters | NoAdapter (exit 1)
//! ```

mod cli;
mod commands;
pub mod fidelity_page;
mod output;
pub mod reference;
pub mod stdout;
mod validation;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: the message already names file, line, column and key.
    BadInput(String),
    /// Anything else.
    Runtime(anyhow::Error),
    /// Stopped by a signal (the TUI on SIGTERM, SIGHUP, SIGQUIT) after
    /// cleaning up: the message, and the exit status (128 + the signal).
    Stopped(String, u8),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

/// Runs the program with `args` (the first is the program name) and returns
/// its exit status.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with status 0, usage errors with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            crate::errln!("{}", terminal_safe(&msg));
            ExitCode::from(2)
        }
        // The reader of standard output went away (`| head`): nothing to say.
        Err(Failure::Runtime(e))
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(Failure::Runtime(e)) => {
            crate::errln!("error: {}", terminal_safe(&format!("{e:#}")));
            ExitCode::from(1)
        }
        Err(Failure::Stopped(msg, status)) => {
            crate::errln!("{}", terminal_safe(&msg));
            ExitCode::from(status)
        }
    }
}

/// `message` with every control character escaped except its line breaks:
/// messages quote text from input files (a trace's job id or time, a plan's
/// model name), which must not reach the terminal raw. Scenario
/// diagnostics are escaped already and pass unchanged.
pub(crate) fn terminal_safe(message: &str) -> String {
    message
        .split('\n')
        .map(cirrus_sim::text::escape)
        .collect::<Vec<_>>()
        .join("\n")
}
