//! `cirrus calibrate` on the real adapters (lavapipe where there is no GPU),
//! and the local scenario checked against the profile it writes.

use super::{root, stderr, stdout};
use std::process::Command;

#[test]
fn quick_calibration_writes_a_profile_the_local_scenario_uses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("profile.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["calibrate", "--quick", "-o"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.contains("adapter 0: ") && table.contains(": cpu"),
        "{table}"
    );
    let p = cirrus_sim::profile::load(&path).expect("the written profile reads back");
    assert!(p.quick && p.host_copy_gbyte_s > 0.0);
    for a in &p.adapter {
        assert!(a.peak_gflop_s() > 0.0 && a.mem_bw_gbyte_s > 0.0, "{a:?}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["check", "scenarios/local-2-workers.toml"])
        .current_dir(root())
        .env("CIRRUS_PROFILE", &path)
        .output()
        .expect("runs");
    assert!(o.status.success(), "stderr: {}", stderr(&o));
}

#[test]
fn a_missing_profile_names_the_key_and_how_to_make_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "# t\n[[pool]]\nname = \"a\"\nnodes = 1\n[pool.device]\nprofile = \"nope.toml\"\n[[job]]\nmodel = \"gpt3-125m\"\nseq_len = 64\nglobal_batch = 2\n",
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .arg("check")
        .arg(&scenario)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("s.toml:6:11: error: `pool[0].device.profile`: cannot read device profile"),
        "{e}"
    );
    assert!(e.contains("cirrus calibrate -o PATH"), "{e}");
}
