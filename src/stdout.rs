//! Fallible printing to standard output. `print!` panics on a write error
//! and silently drops text when standard output is closed; a command that
//! prints through [`print()`] (or the `out!`/`outln!` macros) instead fails
//! with an error: a full disk or a closed standard output is a runtime
//! failure (exit status 1), a reader that went away (`| head`) ends the
//! command quietly (see `crate::run`).

use anyhow::Context;
use std::fmt;
use std::io::Write;
use std::sync::OnceLock;

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
/// (`cirrus ... >&-`). Rust's runtime reopens a closed descriptor 0–2 on
/// `/dev/null` before `main`, read-write; a shell's `>/dev/null` opens it
/// write-only, so the access mode tells the two apart (Linux, through
/// `/proc/self/fdinfo`; elsewhere a closed output is not detected).
fn closed_at_start() -> bool {
    static CLOSED: OnceLock<bool> = OnceLock::new();
    *CLOSED.get_or_init(|| {
        let null = std::fs::read_link("/proc/self/fd/1")
            .is_ok_and(|target| target == std::path::Path::new("/dev/null"));
        null && std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .is_some_and(|flags| flags & 0o3 == 0o2)
        })
    })
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
