//! Integration tests of `cirrus-sim`, one binary with a module per concern
//! (as NeXosim and ripgrep lay theirs out).
//!
//! - `scenarios`: every bundled file in `scenarios/` loads.
//! - `roundtrip`: a scenario written back out as TOML parses to the same
//!   scenario (bundled and generated ones).
//! - `invalid`: every broken file in `tests/fixtures/invalid/` produces
//!   exactly the message beside it (`NAME.stderr`). Run with
//!   `CIRRUS_BLESS=1 cargo test -p cirrus-sim --test it` to rewrite those
//!   files from the current messages instead of comparing; then read the
//!   diff before committing it.
//! - `fuzz`: arbitrary and mutated text never makes the reader panic.
//! - `library`: the committed scenario index (`scenarios/README.md`) is current.
//! - `fuzz_corpus`: the fuzz targets' checks pass on their committed seeds.
//! - `schema`: the committed JSON Schema and scenario reference in `docs/`
//!   are current, and every bundled scenario validates against the schema.
//! - `gavel`: mean job completion times agree with Gavel's own simulator
//!   on the same inputs.
//! - `gradients`: node gradients weighted by batch share equal the
//!   full-batch gradient; equal weights do not.
//! - `imports`: no crate of the workspace has an import circle, the
//!   "must not import" rules of `ARCHITECTURE.md` hold, and its code map
//!   names every module.
//! - `workload_mix`: the synthetic generator's job-mix keys shape the jobs
//!   and restrict where they run.

mod estimate;
mod fuzz;
mod fuzz_corpus;
mod gavel;
mod gradients;
mod imports;
mod invalid;
mod library;
mod roundtrip;
mod scenarios;
mod schema;
mod workload_mix;

use std::path::{Path, PathBuf};

/// The repository root (the workspace above `sim/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sim/ sits inside the repository")
        .to_path_buf()
}

/// The files in `dir` whose name ends in `.toml`, sorted by name.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}
