//! Fallible printing to standard output. `print!` panics on a write error
//! and silently drops text when standard output is closed; a command that
//! prints through [`print()`] (or the `out!`/`outln!` macros) instead fails
//! with an error: a full disk or a closed standard output is a runtime
//! failure (exit status 1), a reader that went away (`| head`) ends the
//! command quietly (see `crate::run`).

use anyhow::Context;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes `args` to standard output and flushes it.
pub fn print(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    if closed_at_start() {
        anyhow::bail!("standard output is closed; nothing was printed");
    }
    let mut lock = std::io::stdout().lock();
    lock.write_fmt(args)
        .and_then(|()| lock.flush())
        .context("failed to write to standard output")
}

/// Whether the program started with its standard output closed
/// (`cirrus ... >&-`), as `main` recorded it with [`record_closed_at_start`].
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Records whether standard output was closed when the program started.
/// Rust's runtime reopens a closed descriptor 0–2 on `/dev/null` before
/// `main`, indistinguishable from a launcher's own `/dev/null` (Python's
/// `subprocess.DEVNULL`, Go's and Node's ignored output: all read-write),
/// so the binary looks before the runtime does (see `src/main.rs`).
pub fn record_closed_at_start(closed: bool) {
    CLOSED.store(closed, Ordering::Relaxed);
}

fn closed_at_start() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// `print!` that returns `anyhow::Result<()>` instead of panicking.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::print(format_args!($($arg)*))
    };
}

/// `println!` that returns `anyhow::Result<()>` instead of panicking.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::stdout::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes `args` to standard error, ignoring failure: a diagnostic that
/// cannot be shown must not turn into a panic (`eprintln!` panics when
/// standard error is a full disk).
pub fn eprint(args: fmt::Arguments<'_>) {
    let mut lock = std::io::stderr().lock();
    let _ = lock.write_fmt(args).and_then(|()| lock.flush());
}

/// `eprintln!` that never panics (see [`eprint()`]).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::stdout::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}
