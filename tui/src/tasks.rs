//! The work behind the dashboard, as plain blocking functions: load a
//! scenario, simulate it (reporting progress, stopping when cancelled),
//! plan it. The runtime runs them on tokio's blocking threads; tests call
//! them directly.

use crate::message::LoadError;
use crate::series::ClusterSeries;
pub use crate::sim_output::SimOutput;
use cirrus_sim::cluster::{self, Progress, Watch};
use cirrus_sim::planner::{self, Breadth, Objective, Options, Outcome};
use cirrus_sim::scenario::{self, Scenario, ScenarioError};
use cirrus_sim::stepsim;
use cirrus_sim::workload::{self, ImportOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Events between a cluster simulation's progress reports.
pub const REPORT_EVERY_EVENTS: u64 = 4096;

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
            check(cancel)?;
            progress("drawing the heat maps".to_owned(), None);
            let series = ClusterSeries::new(s, &outcome);
            Ok(SimOutput::Cluster {
                policy,
                outcome,
                series,
            })
        }
        None => {
            if s.jobs.iter().any(|j| j.parallelism.fixed().is_none()) {
                progress("planning \"auto\" parallelism".to_owned(), None);
            }
            let (planned, notes) = planner::resolve_auto(s.clone()).map_err(|e| e.to_string())?;
            check(cancel)?;
            progress("simulating one training step".to_owned(), None);
            let steps = stepsim::simulate_steps(&planned).map_err(|e| e.to_string())?;
            let jobs = steps.iter().map(|st| st.estimate.result.clone()).collect();
            let result = stepsim::result_of(&planned, planned.seed, jobs);
            check(cancel)?;
            Ok(SimOutput::Steps {
                notes,
                result,
                steps,
            })
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

/// Simulates the scenario file at `path` with each `(dotted key, value)`
/// of `edits` written into its text (validated like any scenario file).
pub fn what_if(
    path: &Path,
    edits: &[(String, String)],
    cancel: &AtomicBool,
) -> Result<SimOutput, String> {
    use cirrus_sim::sweep::{Axis, variant_text};
    let file = path.display().to_string();
    let text = cirrus_sim::fsio::read_to_string_limited(
        path,
        cirrus_sim::fsio::MAX_INPUT_BYTES,
        "scenario",
    )
    .map_err(|e| format!("cannot read {file}: {e}"))?;
    let axes: Vec<Axis> = edits
        .iter()
        .map(|(key, value)| Axis {
            key: key.clone(),
            values: vec![value.clone()],
        })
        .collect();
    let values: Vec<&str> = edits.iter().map(|(_, v)| v.as_str()).collect();
    let text = variant_text(&text, &file, &axes, &values).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let s = scenario::parse_in_dir(&text, &file, dir).map_err(|d| d.to_string())?;
    simulate(&s, &mut |_, _| {}, cancel)
}

/// How often a followed events file is read.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Starts `cirrus exec` (this program, `exe`) on the Plan file `plan_json`,
/// in a fresh directory under the system's temporary directory; returns the
/// process and its events file.
pub fn start_exec(
    exe: &Path,
    plan_json: &str,
    run: u64,
) -> Result<(std::process::Child, PathBuf), String> {
    let dir = std::env::temp_dir().join(format!("cirrus-tui-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let plan = dir.join("plan.json");
    cirrus_sim::fsio::write_atomically(&plan, plan_json.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", plan.display()))?;
    let events = dir.join("events.jsonl");
    let child = std::process::Command::new(exe)
        .arg("exec")
        .arg(&plan)
        .arg("--events")
        .arg(&events)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {} exec: {e}", exe.display()))?;
    Ok((child, events))
}

/// The most bytes [`follow`] reads from the events file per poll.
const EVENTS_READ_BYTES: u64 = 4 << 20;

/// The longest line [`follow`] accepts in an events file.
const EVENTS_LINE_BYTES: usize = 16 << 20;

/// Follows the events file at `path` (it may not exist yet), passing each
/// batch of new lines to `send`, until its `end` line, until `child` (the
/// run's process, if the dashboard started it) exits, or until `cancel` is
/// set (which kills `child`). Returns why the run failed, if it did.
pub fn follow(
    path: &Path,
    mut child: Option<std::process::Child>,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(Vec<Result<crate::exec::ExecEvent, String>>),
) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut offset = 0u64;
    let mut pending = String::new();
    // Bytes of a character split across two reads.
    let mut carry = Vec::new();
    loop {
        let exited = match child.as_mut().map(std::process::Child::try_wait) {
            Some(Ok(Some(status))) => Some(status),
            Some(Err(e)) => return Some(format!("cannot watch the run: {e}")),
            _ => None,
        };
        // Each poll reads a bounded slice, so an endless file (`/dev/zero`)
        // costs a bounded amount of memory and then fails below.
        let mut bytes = std::mem::take(&mut carry);
        if let Ok(f) = std::fs::File::open(path)
            && let mut f = f
            && f.seek(SeekFrom::Start(offset)).is_ok()
            && let Ok(n) = f.take(EVENTS_READ_BYTES).read_to_end(&mut bytes)
        {
            offset += n as u64;
        }
        let whole = match std::str::from_utf8(&bytes) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => bytes.len(),
        };
        carry = bytes.split_off(whole);
        pending.push_str(&String::from_utf8_lossy(&bytes));
        let events = crate::exec::take_lines(&mut pending);
        if pending.len() > EVENTS_LINE_BYTES {
            return Some(format!(
                "{}: a line longer than {} MiB; not an events file",
                cirrus_sim::text::escape(&path.display().to_string()),
                EVENTS_LINE_BYTES >> 20
            ));
        }
        let ended = events.iter().find_map(|e| match e {
            Ok(crate::exec::ExecEvent::End { ok, message }) => Some((*ok, message.clone())),
            _ => None,
        });
        if !events.is_empty() {
            send(events);
        }
        if let Some((ok, message)) = ended {
            return (!ok).then_some(message);
        }
        if let Some(status) = exited {
            let mut err = String::new();
            if let Some(mut stderr) = child.as_mut().and_then(|c| c.stderr.take()) {
                let _ = stderr.read_to_string(&mut err);
            }
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Some(format!(
                "cirrus exec exited ({status}): {}",
                tail.join(" / ")
            ));
        }
        if cancel.load(Ordering::Relaxed) {
            if let Some(c) = child.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
            return Some("stopped from the dashboard".to_owned());
        }
        std::thread::sleep(FOLLOW_EVERY);
    }
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
    fn follows_an_events_file_to_its_end_line() {
        let dir = std::env::temp_dir().join(format!("cirrus-follow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("events.jsonl");
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::File::create(&path).expect("create");
                let lines = [
                    r#"{"event":"start","format_version":1,"plan":"p","job":"j","workers":1,"devices":["cpu"],"steps":1}"#,
                    r#"{"event":"step","rank":0,"step":1,"steps":1,"loss":2.0,"val_loss":null,"step_s":0.1,"compute_s":0.1,"idle_s":0.0,"comm_s":0.0}"#,
                    r#"{"event":"end","ok":false,"message":"boom"}"#,
                ];
                for l in lines {
                    // Half a line at a time, to exercise partial reads.
                    let (a, b) = l.split_at(l.len() / 2);
                    f.write_all(a.as_bytes()).expect("write");
                    f.flush().expect("flush");
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    f.write_all(format!("{b}\n").as_bytes()).expect("write");
                    f.flush().expect("flush");
                }
            })
        };
        let mut seen = Vec::new();
        let why = follow(&path, None, &AtomicBool::new(false), &mut |batch| {
            seen.extend(batch)
        });
        writer.join().expect("writer");
        assert_eq!(why.as_deref(), Some("boom"));
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(Result::is_ok));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_what_if_writes_its_edits_into_the_file_and_simulates() {
        let path = repo().join("scenarios/gavel-replay.toml");
        let base = simulate(
            &load(&path).expect("valid"),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .expect("runs");
        let policy = [("scheduler.policy".to_owned(), "sjf".to_owned())];
        let what = what_if(&path, &policy, &AtomicBool::new(false)).expect("runs");
        let (
            SimOutput::Cluster { outcome: a, .. },
            SimOutput::Cluster {
                outcome: b, policy, ..
            },
        ) = (&base, &what)
        else {
            panic!("cluster runs")
        };
        assert_eq!(policy, "sjf");
        assert_eq!(a.jobs.len(), b.jobs.len());
        // A quarter of the on-demand nodes: jobs wait longer, on nodes 0-15.
        let busy = repo().join("scenarios/failures-whatif.toml");
        let before = simulate(
            &load(&busy).expect("valid"),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .expect("runs");
        let nodes = [("pool.h100.nodes".to_owned(), "16".to_owned())];
        let fewer = what_if(&busy, &nodes, &AtomicBool::new(false)).expect("runs");
        let (SimOutput::Cluster { outcome: a, .. }, SimOutput::Cluster { outcome: c, .. }) =
            (&before, &fewer)
        else {
            panic!("cluster runs")
        };
        assert!(
            c.result.avg_queue_s > a.result.avg_queue_s,
            "{} vs {}",
            c.result.avg_queue_s,
            a.result.avg_queue_s
        );
        let on_pool_0 = c.schedule.segments.iter().filter(|g| g.pool == 0);
        assert!(
            on_pool_0
                .flat_map(|g| c.schedule.shares_of(g))
                .all(|&(n, _)| n < 16),
            "only nodes 0-15 of the h100 pool are used"
        );
        // A bad value is judged like a file's, with its line.
        let bad = [("scheduler.policy".to_owned(), "lottery".to_owned())];
        let err = what_if(&path, &bad, &AtomicBool::new(false)).expect_err("invalid");
        assert!(
            err.contains("gavel-replay.toml:") && err.contains("policy"),
            "{err}"
        );
        let missing = [("pool.nope.nodes".to_owned(), "2".to_owned())];
        let err = what_if(&path, &missing, &AtomicBool::new(false)).expect_err("no pool");
        assert!(err.contains("pool.nope.nodes"), "{err}");
    }

    #[test]
    fn planning_a_workload_scenario_is_refused_clearly() {
        let s = load(&repo().join("scenarios/gavel-replay.toml")).expect("valid");
        let err = plan(&s, Objective::Time, &AtomicBool::new(false)).expect_err("no job");
        assert!(err.contains("no [[job]]"), "{err}");
    }
}
