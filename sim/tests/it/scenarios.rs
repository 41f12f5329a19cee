//! Every bundled scenario in `scenarios/` loads and validates.

use crate::{repo_root, toml_files};
use cirrus_sim::mesh::Axis;
use cirrus_sim::scenario;

#[test]
fn every_bundled_scenario_loads() {
    let files = toml_files(&repo_root().join("scenarios"));
    assert!(
        files.len() >= 5,
        "expected at least 5 bundled scenarios, found {}",
        files.len()
    );
    // Scenarios of this machine (`profile = "local"`) load against the
    // committed profile of the development machine, so a fresh machine
    // without `cirrus calibrate` checks them too.
    let opts = scenario::LoadOptions {
        local_profile: Some(repo_root().join("tests/fixtures/profiles/lavapipe-2-cores.toml")),
        ..Default::default()
    };
    let mut failures = Vec::new();
    for path in &files {
        if let Err(e) = scenario::load_with(path, &opts) {
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
    let degree = |a| par.degree(a).fixed();
    assert_eq!(
        (degree(Axis::Tp), degree(Axis::Pp), degree(Axis::Dp)),
        (Some(8), Some(8), Some(16))
    );
}

#[test]
fn quickstart_derives_dp() {
    let s = scenario::load(&repo_root().join("scenarios/quickstart.toml")).expect("valid");
    assert_eq!(
        s.jobs[0]
            .parallelism
            .degree(cirrus_sim::mesh::Axis::Dp)
            .fixed(),
        Some(8)
    );
}

/// The PAI scale scenario's pools are the committed PAI 2020 inventory
/// (`sim/data/traces/pai/pai_machine_spec.csv`), GPU type by GPU type.
#[test]
fn pai_scale_pools_are_the_pai_2020_inventory() {
    let s = scenario::load(&repo_root().join("scenarios/pai-scale-1m.toml")).expect("valid");
    let machines = cirrus_sim::workload::pai::read_machines(
        &repo_root().join("sim/data/traces/pai/pai_machine_spec.csv"),
    )
    .expect("inventory");
    let names: Vec<&str> = s.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["t4", "p100", "v100", "v100m32", "misc"]);
    for p in &s.pools {
        let (nodes, gpus) = machines[&p.name.to_uppercase()];
        assert_eq!(p.nodes, nodes, "{} machines", p.name);
        assert_eq!(p.devices(), u64::from(gpus), "{} GPUs", p.name);
    }
    assert_eq!(s.pools.iter().map(|p| p.devices()).sum::<u64>(), 6742);
    let w = s.workload.as_ref().expect("a workload");
    assert_eq!((w.format.as_str(), w.jobs), ("synthetic", Some(1_000_000)));
    assert_eq!(
        s.scheduler.as_ref().map(|x| x.policy.as_str()),
        Some("fifo")
    );
}
