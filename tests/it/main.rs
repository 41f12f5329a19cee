//! End-to-end tests of the `cirrus` binary: exit statuses, messages, JSON
//! contracts and determinism.

mod calibrate;
mod catalogue;
mod check;
mod determinism;
mod docs;
mod exec;
mod exec_refusals;
mod exec_resume;
mod fuzz_checkpoint;
mod guide;
mod invalid_input;
mod memory_cap;
mod openb;
mod plan;
mod printing;
mod report;
mod schema;
mod simulate;
mod sweep;
mod tui_e2e;
mod validate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run the binary from there, as users do).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cirrus ARGS` in the repository root, with the local device profile
/// (`profile = "local"`) the committed one of the development machine, so
/// no test calibrates on the fly.
pub fn cirrus(args: &[&str]) -> Output {
    in_root(&mut Command::new(env!("CARGO_BIN_EXE_cirrus")))
        .args(args)
        .output()
        .expect("the cirrus binary runs")
}

/// `cmd` run as [`cirrus`] runs the binary: from the repository root, with
/// the committed device profile (for commands that start it through a
/// shell or with other standard streams).
pub fn in_root(cmd: &mut Command) -> &mut Command {
    cmd.current_dir(root()).env(
        "CIRRUS_PROFILE",
        root().join("tests/fixtures/profiles/lavapipe-2-cores.toml"),
    )
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file in `dir` with extension `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}
