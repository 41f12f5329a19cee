//! The `cirrus` command-line program: parses arguments, runs the command,
//! maps the outcome to an exit status (0 success, 1 runtime failure, 2 bad
//! input).

use std::process::ExitCode;

fn main() -> ExitCode {
    cirrus::run(std::env::args_os())
}
