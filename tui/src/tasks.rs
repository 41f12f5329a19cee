//! The work behind the dashboard, as plain blocking functions: load a
//! scenario, simulate it (reporting progress, stopping when cancelled),
//! plan it. The runtime runs them on tokio's blocking threads; tests call
//! them directly.

use crate::message::LoadError;
use cirrus_sim::cluster::{self, Progress, Watch};
use cirrus_sim::planner::{self, Breadth, Objective, Options, Outcome};
use cirrus_sim::result::SimResult;
use cirrus_sim::scenario::{self, Scenario, ScenarioError};
use cirrus_sim::stepsim::{self, Method};
use cirrus_sim::workload::{self, ImportOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Events between a cluster simulation's progress reports.
pub const REPORT_EVERY_EVENTS: u64 = 4096;

/// What a simulation produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SimOutput {
    /// Each job alone on its pools: one training step each.
    Steps {
        /// A line per job whose `"auto"` parallelism was planned first.
        notes: Vec<String>,
        /// The results (SimResult format 1).
        result: SimResult,
    },
    /// A `[workload]` scheduled on the pools.
    Cluster {
        /// The policy, as the scenario names it.
        policy: String,
        /// Everything the cluster simulation produced.
        outcome: cluster::Outcome,
    },
}

/// The `.toml` files directly in `dir`, sorted by name (none if it cannot
/// be read).
pub fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    scenario::load(path).map_err(|e| match e {
        ScenarioError::Invalid(d) => LoadError::Invalid(d.problems),
        other => LoadError::Io(other.to_string()),
    })
}

/// Fails with "cancelled" once `cancel` is set.
fn check(cancel: &AtomicBool) -> Result<(), String> {
    if cancel.load(Ordering::Relaxed) {
        Err("cancelled".to_owned())
    } else {
        Ok(())
    }
}

/// Simulates `s` as `cirrus simulate` does (the event-level step model; a
/// `[workload]` on the cluster scheduler), calling `progress` with what it
/// is doing. A cluster simulation stops within [`REPORT_EVERY_EVENTS`]
/// events of `cancel` being set; planning and step simulations are checked
/// between phases.
pub fn simulate(
    s: &Scenario,
    progress: &mut dyn FnMut(String, Option<Progress>),
    cancel: &AtomicBool,
) -> Result<SimOutput, String> {
    check(cancel)?;
    match &s.workload {
        Some(spec) => {
            progress(format!("reading the {} workload", spec.format), None);
            let w = workload::load(spec, s.seed, ImportOptions::default())
                .map_err(|e| e.to_string())?;
            check(cancel)?;
            let cfg = cluster::config(s).map_err(|e| e.to_string())?;
            progress(format!("scheduling {} jobs", w.jobs.len()), None);
            let mut report = |p: &Progress| progress("scheduling".to_owned(), Some(*p));
            let mut watch = Watch {
                every: REPORT_EVERY_EVENTS,
                report: &mut report,
                cancel: Some(cancel),
            };
            let outcome =
                cluster::simulate_watched(s, &w, &cfg, &mut watch).map_err(|e| e.to_string())?;
            let policy = s
                .scheduler
                .as_ref()
                .map_or("fifo", |sch| sch.policy.as_str())
                .to_owned();
            Ok(SimOutput::Cluster { policy, outcome })
        }
        None => {
            if s.jobs.iter().any(|j| j.parallelism.fixed().is_none()) {
                progress("planning \"auto\" parallelism".to_owned(), None);
            }
            let (planned, notes) = planner::resolve_auto(s.clone()).map_err(|e| e.to_string())?;
            check(cancel)?;
            progress("simulating one training step".to_owned(), None);
            let result = stepsim::simulate(&planned, planned.seed, Method::Event)
                .map_err(|e| e.to_string())?;
            check(cancel)?;
            Ok(SimOutput::Steps { notes, result })
        }
    }
}

/// Plans the first job of `s` for `objective`, as `cirrus plan` does
/// (pruned search, 16 candidates re-ranked by the event-level simulation).
/// The planner has no cancellation hook yet: `cancel` is checked before it
/// starts and after it ends.
pub fn plan(s: &Scenario, objective: Objective, cancel: &AtomicBool) -> Result<Outcome, String> {
    check(cancel)?;
    if s.jobs.is_empty() {
        return Err(
            "the scenario has no [[job]] to plan (a [workload] is scheduled, not planned)"
                .to_owned(),
        );
    }
    let opts = Options {
        objective,
        breadth: Breadth::Pruned,
        rerank: 16,
    };
    let outcome = planner::plan(s, 0, &opts).map_err(|e| e.to_string())?;
    check(cancel)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn lists_the_bundled_scenarios_sorted() {
        let files = scenario_files(&repo().join("scenarios"));
        assert!(files.len() > 5, "{files:?}");
        assert!(files.windows(2).all(|w| w[0] < w[1]));
        assert!(files.iter().any(|f| f.ends_with("quickstart.toml")));
        assert!(scenario_files(Path::new("/nonexistent/dir")).is_empty());
    }

    #[test]
    fn load_reports_io_and_every_problem() {
        assert!(matches!(
            load(Path::new("/nonexistent.toml")),
            Err(LoadError::Io(m)) if m.contains("/nonexistent.toml")
        ));
        let dir = repo().join("tests/fixtures/invalid");
        let bad = scenario_files(&dir);
        let first = bad.first().expect("an invalid fixture");
        match load(first) {
            Err(LoadError::Invalid(problems)) => {
                assert!(!problems.is_empty());
                assert!(problems.iter().all(|p| p.line >= 1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn simulates_a_workload_with_progress_like_the_cluster_engine() {
        let s = load(&repo().join("scenarios/gavel-replay.toml")).expect("valid");
        let mut reports = Vec::new();
        let out = simulate(
            &s,
            &mut |phase, p| reports.push((phase, p)),
            &AtomicBool::new(false),
        )
        .expect("runs");
        let SimOutput::Cluster { outcome, .. } = out else {
            panic!("a cluster outcome")
        };
        let spec = s.workload.as_ref().expect("workload");
        let w = workload::load(spec, s.seed, ImportOptions::default()).expect("workload");
        let cfg = cluster::config(&s).expect("config");
        let direct = cluster::simulate(&s, &w, &cfg).expect("runs");
        assert_eq!(outcome, direct);
        let last = reports
            .iter()
            .rev()
            .find_map(|(_, p)| *p)
            .expect("progress");
        assert_eq!(last.jobs_done, last.jobs_total);
    }

    #[test]
    fn a_cancelled_simulation_says_so() {
        let s = load(&repo().join("scenarios/quickstart.toml")).expect("valid");
        let err = simulate(&s, &mut |_, _| {}, &AtomicBool::new(true)).expect_err("cancelled");
        assert_eq!(err, "cancelled");
    }

    #[test]
    fn planning_a_workload_scenario_is_refused_clearly() {
        let s = load(&repo().join("scenarios/gavel-replay.toml")).expect("valid");
        let err = plan(&s, Objective::Time, &AtomicBool::new(false)).expect_err("no job");
        assert!(err.contains("no [[job]]"), "{err}");
    }
}
