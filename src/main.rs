//! The `cirrus` command-line program: parses arguments, runs the command,
//! maps the outcome to an exit status (0 success, 1 runtime failure, 2 bad
//! input).

use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    cirrus::run(std::env::args_os())
}

/// When the reader of standard output goes away (`cirrus plan ... | head`),
/// `println!` panics on the broken pipe (Rust ignores SIGPIPE); end quietly
/// with status 0 instead, as `head`'s user expects. Every other panic goes
/// to the previous hook.
fn quiet_on_closed_stdout() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        previous(info);
    }));
}
