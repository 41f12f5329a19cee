//! The `cirrus` command-line program: parses arguments, runs the command,
//! maps the outcome to an exit status (0 success, 1 runtime failure, 2 bad
//! input).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether descriptor 1 was closed when the program was executed.
static STDOUT_CLOSED_AT_EXEC: AtomicBool = AtomicBool::new(false);

/// Looks at descriptor 1 before Rust's runtime reopens a closed one on
/// `/dev/null` (it does so before `main`; constructors in `.init_array`
/// run earlier still). Only a read of `/proc/self/fd/1`, no allocation of
/// descriptors; Linux only, elsewhere a closed standard output is not
/// detected.
#[cfg(target_os = "linux")]
extern "C" fn look_at_stdout_before_the_runtime() {
    // Without /proc (a bare chroot) nothing is known: not closed.
    let closed = std::fs::metadata("/proc/self/fd").is_ok()
        && std::fs::symlink_metadata("/proc/self/fd/1")
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
    STDOUT_CLOSED_AT_EXEC.store(closed, Ordering::Relaxed);
}

// SAFETY: the only unsafe code of the workspace (the lint is `deny`, not
// `forbid`, for this). A function in `.init_array` is called once by the
// C runtime before `main`, with no arguments; it only reads a /proc link
// and stores a bool, touching nothing the Rust runtime sets up later.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
#[used]
#[unsafe(link_section = ".init_array")]
static LOOK_AT_STDOUT: extern "C" fn() = look_at_stdout_before_the_runtime;

fn main() -> ExitCode {
    cirrus::stdout::record_closed_at_start(
        STDOUT_CLOSED_AT_EXEC.load(std::sync::atomic::Ordering::Relaxed),
    );
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
