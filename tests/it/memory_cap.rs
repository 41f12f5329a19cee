//! Hostile inputs under a 1 GiB address-space cap (issue 17): each is refused
//! with exit 2 and its message, never an abort for want of memory, and a
//! valid scenario still runs to completion under the same cap, so the cap is
//! not what decides the outcome.

use super::{in_root, root, stderr};
use std::process::{Command, Output};

/// The cap, in KiB as `ulimit -v` takes it: 1 GiB.
const CAP_KIB: u64 = 1024 * 1024;

/// Runs `cirrus ARGS` from the repository root under `ulimit -v CAP_KIB`.
fn capped(args: &[&str]) -> Output {
    in_root(&mut Command::new("sh"))
        .arg("-c")
        .arg(format!("ulimit -v {CAP_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_cirrus"))
        .args(args)
        .output()
        .expect("sh runs")
}

fn assert_refused(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(message), "{}", stderr(o));
    assert!(
        !stderr(o).contains("memory allocation"),
        "ran out of memory: {}",
        stderr(o)
    );
}

/// A scenario over `/dev/zero` with the trace limit raised to 4 GiB: `sh`
/// reports the cap, and the reader runs into it (so the cap bites) and
/// says so with exit 2 instead of aborting on the failed allocation.
#[test]
fn the_cap_is_real_and_running_into_it_is_an_error() {
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {CAP_KIB} && ulimit -v"))
        .output()
        .expect("sh runs");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        CAP_KIB.to_string()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = endless_trace(dir.path(), "max_trace_bytes = 4294967296\n");
    let o = capped(&["check", &path.to_string_lossy()]);
    assert_refused(&o, "failed to read /dev/zero: out of memory after reading");
    assert!(stderr(&o).contains("is 4096 MiB"), "{}", stderr(&o));
}

/// A Gavel scenario in `dir` whose trace is `/dev/zero`, with `extra`
/// lines in its `[workload]` table.
fn endless_trace(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let throughputs = root().join("sim/data/traces/gavel/sample_throughputs.json");
    let path = dir.join("endless.toml");
    let text = format!(
        "[[pool]]\nname = \"v100\"\ndevice = \"v100-sxm2-32gb\"\nnodes = 4\ndevices_per_node = 1\n[workload]\nformat = \"gavel\"\npath = \"/dev/zero\"\n{extra}throughputs = \"{}\"\n",
        throughputs.display()
    );
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn a_valid_scenario_simulates_under_the_cap() {
    for scenario in ["scenarios/quickstart.toml", "scenarios/gavel-replay.toml"] {
        let o = capped(&["simulate", scenario, "--json"]);
        assert_eq!(o.status.code(), Some(0), "{scenario}: {}", stderr(&o));
        assert!(!o.stdout.is_empty(), "{scenario}");
    }
}

#[test]
fn a_billion_layers_is_refused_under_the_cap() {
    for command in ["check", "simulate"] {
        let o = capped(&[command, "tests/fixtures/invalid/step-budget-layers.toml"]);
        assert_refused(&o, "layers");
    }
}

#[test]
fn failures_beyond_the_event_budget_are_refused_under_the_cap() {
    for command in ["check", "simulate"] {
        let o = capped(&[
            command,
            "tests/fixtures/invalid/event-rate-over-budget.toml",
        ]);
        assert_refused(&o, "mtbf_hours_per_node");
    }
}

#[test]
fn an_endless_trace_is_refused_under_the_cap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = endless_trace(dir.path(), "");
    for command in ["check", "simulate"] {
        let o = capped(&[command, &path.to_string_lossy()]);
        assert_refused(&o, "holds more than 256 MiB, the limit for a trace");
    }
}

#[test]
fn an_endless_scenario_is_refused_under_the_cap() {
    for command in ["check", "simulate"] {
        let o = capped(&[command, "/dev/zero"]);
        assert_refused(&o, "/dev/zero");
        assert!(stderr(&o).contains("16 MiB"), "{}", stderr(&o));
    }
}
