//! What each fuzz target checks, as plain functions: the cargo-fuzz targets
//! in `fuzz_targets/` call them with libFuzzer's inputs, and
//! `cirrus-sim`'s test `fuzz_corpus` (which includes this file) runs them
//! over every committed seed in `corpus/`, so the seeds are checked on every
//! test run even where libFuzzer is not built.
//!
//! Every reader must return a value or an error for any bytes, never
//! panic; what it accepts must hold together (finite times and sizes), and
//! a plan read back from its own JSON must equal itself.
//!
//! ```text
//! bytes ──► scenario::parse | Plan::from_json | each trace importer ──► Ok (checked) | Err (rendered)
//! ```

use cirrus_sim::plan::Plan;
use cirrus_sim::scenario;
use cirrus_sim::workload::{
    ImportOptions, Workload, WorkloadError, gavel, helios, openb, pai, philly, pollux,
};

/// A fuzz target's check of one input.
pub type Check = fn(&[u8]);

/// The fuzz targets by name (a directory of `corpus/` each), with the
/// function that checks one input.
pub const TARGETS: [(&str, Check); 11] = [
    ("scenario", scenario_text),
    ("plan", plan_json),
    ("gavel_trace", gavel_trace),
    ("gavel_throughputs", gavel_throughputs),
    ("philly", philly_log),
    ("pollux", pollux_csv),
    ("openb_pods", openb_pods),
    ("openb_nodes", openb_nodes),
    ("pai_tasks", pai_tasks),
    ("pai_machines", pai_machines),
    ("helios", helios_log),
];

/// Scenario text: accepted, or refused with at least one problem that
/// renders with a line and column.
pub fn scenario_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(d) = scenario::parse(&text, "fuzz.toml") {
        assert!(!d.problems.is_empty(), "refused without a problem");
        for p in &d.problems {
            assert!(p.line >= 1 && p.column >= 1, "{p}");
        }
        let _ = d.to_string();
    }
}

/// The scenario accepted plans are applied to (that of the seeds).
const QUICKSTART: &str = include_str!("../../scenarios/quickstart.toml");

/// A plan file: refused with a message, or accepted, equal to itself read
/// back from its own JSON, and applied to the quickstart scenario (fitting
/// or refused with a message).
pub fn plan_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Plan::from_json(&text, "fuzz.json") {
        Ok(plan) => {
            let again = Plan::from_json(&plan.to_json(), "again.json")
                .unwrap_or_else(|e| panic!("a plan's own JSON is refused: {e}"));
            assert!(again == plan, "a plan differs once written and read back");
            let scenario = scenario::parse(QUICKSTART, "quickstart.toml")
                .unwrap_or_else(|e| panic!("the quickstart scenario is refused: {e}"));
            if let Err(e) = plan.apply(&scenario) {
                let _ = Plan::position(&e, &text, "fuzz.json");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Runs `read` with and without `skip_bad_rows` and checks what it accepts.
fn import(read: impl Fn(ImportOptions) -> Result<Workload, WorkloadError>) {
    for skip_bad_rows in [false, true] {
        let opts = ImportOptions {
            skip_bad_rows,
            limit: None,
            max_bytes: None,
        };
        match read(opts) {
            Ok(w) => check_workload(&w),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// What an importer accepts holds together: finite, non-negative arrival
/// times and device counts, and finite non-negative work.
fn check_workload(w: &Workload) {
    for j in &w.jobs {
        assert!(
            j.arrival_s.is_finite() && j.arrival_s >= 0.0,
            "job {}: arrival {}",
            j.id,
            j.arrival_s
        );
        assert!(
            j.devices.is_finite() && j.devices >= 0.0,
            "job {}: devices {}",
            j.id,
            j.devices
        );
        let work = match &j.work {
            cirrus_sim::workload::Work::Steps { steps } => *steps,
            cirrus_sim::workload::Work::Seconds { seconds, .. } => *seconds,
        };
        assert!(work.is_finite() && work >= 0.0, "job {}: work {work}", j.id);
    }
}

/// A Gavel job trace (tab-separated).
pub fn gavel_trace(data: &[u8]) {
    import(|opts| gavel::parse(data, "fuzz.trace", opts));
}

/// A Gavel throughput table (JSON).
pub fn gavel_throughputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = gavel::parse_throughputs(&text, "fuzz.json") {
        for workers in t.table.values() {
            for v in workers.values() {
                assert!(v.is_finite(), "throughput {v}");
            }
        }
    }
}

/// A Philly `cluster_job_log` (JSON).
pub fn philly_log(data: &[u8]) {
    import(|opts| philly::parse(data, "fuzz.json", opts));
}

/// A Pollux workload (CSV).
pub fn pollux_csv(data: &[u8]) {
    import(|opts| pollux::parse(data, "fuzz.csv", opts));
}

/// An Alibaba openb pod list (CSV).
pub fn openb_pods(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    import(|opts| openb::parse(&text, opts));
}

/// An Alibaba openb node list (CSV).
pub fn openb_nodes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(nodes) = openb::parse_nodes(&text) {
        let _ = openb::inventory(&nodes);
    }
}

/// An Alibaba PAI task table (CSV).
pub fn pai_tasks(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    import(|opts| pai::parse(&text, opts));
}

/// An Alibaba PAI machine inventory (CSV).
pub fn pai_machines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = pai::parse_machines(&text);
}

/// A Helios `cluster_log` (CSV).
pub fn helios_log(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    import(|opts| helios::parse(&text, opts));
}
