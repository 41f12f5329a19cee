//! Every bundled scenario in `scenarios/` loads and validates.

use crate::{repo_root, toml_files};
use cirrus_sim::scenario;

#[test]
fn every_bundled_scenario_loads() {
    let files = toml_files(&repo_root().join("scenarios"));
    assert!(
        files.len() >= 5,
        "expected at least 5 bundled scenarios, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        if let Err(e) = scenario::load(path) {
            failures.push(format!("{}:\n{e}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "bundled scenarios that do not load:\n\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn bundled_scenarios_say_what_they_ask() {
    for path in toml_files(&repo_root().join("scenarios")) {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(
            text.starts_with("# "),
            "{} needs a header comment saying what it answers",
            path.display()
        );
    }
}

#[test]
fn gpt3_175b_is_the_configuration_asked_for() {
    let path = repo_root().join("scenarios/gpt3-175b-1024-a100.toml");
    let s = scenario::load(&path).expect("valid");
    assert_eq!(s.name, "GPT-3 175B on 1024 A100");
    let devices: u64 = s.pools.iter().map(|p| p.devices()).sum();
    assert_eq!(devices, 1024);
    let par = &s.jobs[0].parallelism;
    assert_eq!(
        (par.tp.fixed(), par.pp.fixed(), par.dp.fixed()),
        (Some(8), Some(8), Some(16))
    );
}

#[test]
fn quickstart_derives_dp() {
    let s = scenario::load(&repo_root().join("scenarios/quickstart.toml")).expect("valid");
    assert_eq!(s.jobs[0].parallelism.dp.fixed(), Some(8));
}
