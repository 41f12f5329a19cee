//! The index of a directory of scenarios (`cirrus scenarios`, committed as
//! `scenarios/README.md`): each file with the question its opening comment
//! asks, what it holds, and its headline result, what `cirrus simulate`
//! answers (the cluster schedule of a workload; the analytic estimate of a
//! training job, planned first where its parallelism is `"auto"`).
//!
//! ```text
//! scenarios/*.toml ──header comment──► question
//!                  ──scenario::load_with──► summary
//!                                       ──cluster simulation | (plan →) estimate──► headline
//! ```

use crate::estimate::{self, EstimateError};
use crate::human;
use crate::planner;
use crate::result::{ClusterResult, JobResult, SimResult};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::stepsim::{self, Method};
use crate::sweep;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The first paragraph of the opening comment of a scenario file: the
/// question it answers, on one line.
pub fn question(text: &str) -> String {
    let words: Vec<&str> = text
        .lines()
        .map_while(|l| l.strip_prefix('#'))
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .flat_map(str::split_whitespace)
        .collect();
    words.join(" ")
}

/// The headline of a valid scenario, what `cirrus simulate` answers: for a
/// workload, the cluster schedule's completion times, utilisation, cost and
/// losses; for a training job, its step time, MFU, memory, and time and
/// cost to train (analytic estimate), after the planner's choice where its
/// parallelism is `"auto"`. Scenarios measured on this machine say how to
/// run them instead.
pub fn headline(s: &Scenario) -> String {
    if s.pools.iter().any(|p| p.device.measured.is_some()) {
        return "measured on this machine: `cirrus plan`, then `cirrus exec`".to_owned();
    }
    if s.workload.is_some() {
        return match sweep::run(s.clone(), None, Method::Analytic, &s.name) {
            Ok(SimResult {
                cluster: Some(c), ..
            }) => cluster_headline(&c),
            Ok(_) => "not simulated: no cluster result".to_owned(),
            Err(e) => format!("not simulated: {e}"),
        };
    }
    let Some(job) = s.jobs.first() else {
        return "no job".to_owned();
    };
    if job.parallelism.fixed().is_some() {
        return match estimate_first(s) {
            Ok(r) => job_headline(&r),
            Err(e) => format!("not estimated: {e}"),
        };
    }
    match planner::plan_job(s, 0) {
        Ok((objective, outcome)) => {
            let chosen = planner::choice(s, objective, &outcome);
            match estimate_first(&outcome.scenario) {
                Ok(r) => format!("{chosen}; {}", job_headline(&r)),
                Err(e) => format!("{chosen}; not estimated: {e}"),
            }
        }
        Err(e) => format!("not planned: {e}"),
    }
}

/// The analytic estimate of the scenario's first job.
fn estimate_first(s: &Scenario) -> Result<JobResult, EstimateError> {
    estimate::supported(s)?;
    let topo = estimate::topology(s)?;
    let job = s
        .jobs
        .first()
        .ok_or_else(|| EstimateError::NeedsScheduler {
            what: "no job".to_owned(),
        })?;
    Ok(stepsim::estimate_job(Method::Analytic, s, job, &topo)?.result)
}

/// Step time, MFU, memory, and time and cost to train where known.
fn job_headline(r: &JobResult) -> String {
    let mut line = format!(
        "step {:.2} s, MFU {:.1}%, {:.1} GiB/device{}",
        r.step_time_s,
        100.0 * r.mfu,
        r.memory_gib_per_device,
        if r.fits_memory { "" } else { " (does not fit)" }
    );
    if let (Some(t), Some(c)) = (r.time_to_train_s, r.cost_usd) {
        let _ = write!(
            line,
            "; {} to train, ${}",
            human::duration(t),
            human::thousands(c)
        );
    }
    line
}

/// Completion times, queueing, utilisation, cost, and what failures,
/// preemptions and revocations took.
fn cluster_headline(c: &ClusterResult) -> String {
    let mut line = if c.jobs_submitted == 1 {
        format!("done in {}", human::duration(c.avg_jct_s))
    } else {
        format!(
            "{} of {} jobs done in {}; JCT mean {:.2} h, p99 {:.2} h; queueing mean {:.2} h",
            human::thousands(c.jobs_completed as f64),
            human::thousands(c.jobs_submitted as f64),
            human::duration(c.makespan_s),
            c.avg_jct_s / 3600.0,
            c.p99_jct_s / 3600.0,
            c.avg_queue_s / 3600.0
        )
    };
    let _ = write!(line, "; utilisation {:.1}%", 100.0 * c.utilization);
    if c.cost_usd > 0.0 {
        let _ = write!(line, ", ${}", human::thousands(c.cost_usd));
    }
    if c.preemptions > 0 {
        let _ = write!(
            line,
            "; {} preemptions",
            human::thousands(c.preemptions as f64)
        );
    }
    if c.failures > 0 {
        let _ = write!(
            line,
            "; {} node failures",
            human::thousands(c.failures as f64)
        );
    }
    if c.lost_work_s > 0.0 {
        let _ = write!(
            line,
            "; {} device-h of work lost",
            human::thousands(c.lost_work_s / 3600.0)
        );
    }
    line
}

/// The `.toml` files of `dir`, sorted by name.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// The index's title, what it is and how it was made, and the table head.
pub const INDEX_HEADER: &str = "# Scenario library\n\n\
     Generated by `cirrus scenarios` (regenerate with \
     `cargo build --release && CIRRUS_PROFILE=tests/fixtures/profiles/lavapipe-2-cores.toml ./target/release/cirrus scenarios > scenarios/README.md`; \
     `test.sh` fails when this file is stale). Each scenario opens with the \
     question it answers and the published facts it rests on, with their \
     sources. Headlines are what `cirrus simulate` answers: for a cluster \
     workload, the schedule (jobs done and when the last finished, job \
     completion time, queueing, utilisation, cost, preemptions, node \
     failures, and the work lost to failures and revocations); for a training job, the analytic \
     estimate (`cirrus simulate --model analytic`; the event-level \
     simulation, `cirrus simulate`, is within a few per cent), after the \
     planner's choice where its parallelism is `\"auto\"` (`cirrus plan` \
     shows the alternatives).\n\n\
     | scenario | question | holds | headline |\n|---|---|---|---|\n";

/// One scenario's row of the index: its file linked as `shown/NAME`, the
/// question, what it holds and its [`headline`] (or, for an invalid file,
/// the first line of the error).
pub fn index_row(path: &Path, shown: &str, opts: &LoadOptions) -> std::io::Result<String> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let text = crate::fsio::read_to_string_limited(path, crate::fsio::MAX_INPUT_BYTES, "scenario")
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let (holds, head) = match scenario::load_with(path, opts) {
        Ok(s) => (s.summary(), headline(&s)),
        Err(e) => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default().to_owned();
            ("invalid".to_owned(), first)
        }
    };
    let cell = |s: &str| s.replace('|', "\\|");
    Ok(format!(
        "| [`{name}`]({shown}/{name}) | {} | {} | {} |\n",
        cell(&question(&text)),
        cell(&holds),
        cell(&head)
    ))
}

/// The index of every `.toml` file in `dir` (sorted by name), as Markdown;
/// `shown` is how links name the directory (`.` for a README inside it).
/// Each scenario is simulated, so this takes as long as simulating them all
/// (about 12 s for the bundled ones in a release build).
pub fn index_markdown(dir: &Path, shown: &str, opts: &LoadOptions) -> std::io::Result<String> {
    let mut out = String::from(INDEX_HEADER);
    for path in scenario_files(dir)? {
        out.push_str(&index_row(&path, shown, opts)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_is_the_first_paragraph_of_the_opening_comment() {
        let text = "# How fast\n# is it?\n#\n# Sources: x.\nname = \"a\"\n";
        assert_eq!(question(text), "How fast is it?");
        assert_eq!(question("name = \"a\"\n"), "");
    }
}
