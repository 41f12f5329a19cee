//! The synthetic generator's job-mix keys, end to end: `device_weights`
//! and `device_types` in a scenario shape the jobs, and a job restricted to
//! a device type only ever runs on pools of that type.

use cirrus_sim::{cluster, scenario, workload};

const MIXED: &str = r#"
seed = 5
[[pool]]
name = "t4"
device = { name = "T4 (test)" }
nodes = 8
devices_per_node = 1
nics_per_node = 1
nic_gbit_s = 10
[[pool]]
name = "v100"
device = "v100-sxm2-32gb"
nodes = 2
[workload]
format = "synthetic"
jobs = 2000
mean_interarrival_s = 30
duration_median_s = 600
devices = [0.5, 1, 8]
device_weights = [3, 6, 1]
device_types = ["*", "t4", "v100-sxm2-32gb"]
device_type_weights = [2, 1, 1]
"#;

fn load() -> (scenario::Scenario, workload::Workload) {
    let s = scenario::parse(MIXED, "mixed.toml").unwrap_or_else(|d| panic!("{d}"));
    let spec = s.workload.as_ref().expect("a workload");
    assert_eq!(spec.device_weights, [3.0, 6.0, 1.0]);
    assert_eq!(
        spec.device_types,
        [
            (None, 2.0),
            (Some("t4".to_owned()), 1.0),
            (Some("v100-sxm2-32gb".to_owned()), 1.0)
        ]
    );
    let w = workload::load(spec, s.seed, workload::ImportOptions::default()).expect("generated");
    (s, w)
}

#[test]
fn weights_shape_the_mix() {
    let (_, w) = load();
    let n = w.jobs.len() as f64;
    let share =
        |f: &dyn Fn(&workload::TraceJob) -> bool| w.jobs.iter().filter(|j| f(j)).count() as f64 / n;
    let one = share(&|j| j.devices == 1.0);
    let eight = share(&|j| j.devices == 8.0);
    assert!((one - 0.6).abs() < 0.04, "1-device share {one}");
    assert!((eight - 0.1).abs() < 0.03, "8-device share {eight}");
    let t4 = share(&|j| j.device_types == ["t4"]);
    let any = share(&|j| j.device_types.is_empty());
    assert!((t4 - 0.25).abs() < 0.04, "t4 share {t4}");
    assert!((any - 0.5).abs() < 0.04, "unrestricted share {any}");
}

#[test]
fn restricted_jobs_run_only_on_their_type() {
    let (s, w) = load();
    let cfg = cluster::config(&s).expect("fifo");
    let out = cluster::simulate(&s, &w, &cfg).expect("simulated");
    for (job, rec) in w.jobs.iter().zip(&out.jobs) {
        match job.device_types.first().map(String::as_str) {
            // Eight T4s exist, one per node: an 8-device T4 job is a gang
            // over all of them; it still fits.
            Some("t4") => assert_eq!(rec.pool.as_deref(), Some("t4"), "{}", rec.id),
            Some("v100-sxm2-32gb") => assert_eq!(rec.pool.as_deref(), Some("v100"), "{}", rec.id),
            _ => {}
        }
        assert!(rec.end_s.is_some() || rec.rejected.is_some(), "{}", rec.id);
    }
    assert_eq!(out.result.jobs_completed, 2000);
}
