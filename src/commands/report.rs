//! `cirrus report RESULT [--csv DIR] [--svg DIR] [--trace OUT.json]` and
//! `cirrus report merge SHARD.csv... -o OUT.csv`.

use crate::Failure;
use crate::cli::{MergeArgs, ReportArgs, ReportCommand};
use crate::output::{commit, write_atomically};
use anyhow::Context;
use cirrus_reports::{charts, cost, sweep, trace};
use cirrus_sim::output_set::{self, OutputSet};
use cirrus_sim::result::{FORMAT_VERSION, SimResult};
use std::path::{Path, PathBuf};

/// Adds the three cost CSVs of `r` to `set`.
pub fn add_cost_csvs(r: &SimResult, set: &mut OutputSet) -> Result<(), Failure> {
    let files = [
        ("cost_jobs.csv", cost::jobs_csv(r)),
        ("cost_pool_days.csv", cost::pool_days_csv(r)),
        ("cost_scenario.csv", cost::scenario_csv(r)),
    ];
    for (name, csv) in files {
        let csv = csv.with_context(|| format!("failed to build {name}"))?;
        set.add(name, csv.into_bytes());
    }
    Ok(())
}

/// What a report's input holds.
enum Input {
    /// A SimResult.
    Result(Box<SimResult>),
    /// Points of a time-cost front: a sweep CSV or a plan's candidates.
    Front(Vec<sweep::SweepPoint>),
}

fn read(path: &Path) -> Result<Input, Failure> {
    let file = path.display().to_string();
    // A result inside a `simulate --out` directory: the set it belongs to
    // must be whole (an interrupted write is finished or refused).
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    output_set::verify(dir).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    let text = cirrus_sim::fsio::read_to_string_limited(
        path,
        cirrus_sim::fsio::MAX_RESULT_BYTES,
        "result file",
    )
    .map_err(|e| Failure::BadInput(format!("error: failed to read {file}: {e}")))?;
    if !text.trim_start().starts_with('{') {
        let points =
            sweep::points(&file, &text).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
        return Ok(Input::Front(points));
    }
    let json_error = |e: serde_json::Error| {
        Failure::BadInput(format!(
            "{file}:{}:{}: error: expected a SimResult (`cirrus simulate --json`) or `cirrus plan --json` output: {e}",
            e.line(),
            e.column()
        ))
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(json_error)?;
    if let Some(front) = value.get("pareto").and_then(|p| p.as_array()) {
        let points = front
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                Some(sweep::SweepPoint {
                    variant: i,
                    time_h: c.get("time_to_train_s")?.as_f64()? / 3600.0,
                    cost_usd: c.get("cost_usd")?.as_f64()?,
                    pareto: true,
                })
            })
            .collect();
        return Ok(Input::Front(points));
    }
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(Failure::BadInput(format!(
            "{file}: error: `format_version`: expected {FORMAT_VERSION} (a SimResult from `cirrus simulate --json`), found {}",
            version.map_or_else(|| "none".to_owned(), |v| v.to_string())
        )));
    }
    let result: SimResult = serde_json::from_str(&text).map_err(json_error)?;
    Ok(Input::Result(Box::new(result)))
}

fn write_svgs(dir: &Path, svgs: Vec<(&str, String)>) -> Result<(), Failure> {
    let mut set = OutputSet::new(dir);
    for (name, svg) in svgs {
        set.add(name, svg.into_bytes());
    }
    Ok(commit(set)?)
}

/// Runs `cirrus report`.
pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    if let Some(ReportCommand::Merge(m)) = &args.command {
        return merge(m);
    }
    let Some(input) = &args.input else {
        return Err(Failure::BadInput(
            "error: name a RESULT file (or `cirrus report merge`)".to_owned(),
        ));
    };
    if args.csv.is_none() && args.svg.is_none() && args.trace.is_none() {
        return Err(Failure::BadInput(format!(
            "{}: error: nothing to write: pass --csv DIR, --svg DIR or --trace OUT.json",
            input.display()
        )));
    }
    match read(input)? {
        Input::Front(points) => {
            if args.csv.is_some() || args.trace.is_some() {
                return Err(Failure::BadInput(format!(
                    "{}: error: a sweep CSV or plan has no cost reports or timeline: only --svg (the Pareto chart) applies; run `cirrus report` on a SimResult for those",
                    input.display()
                )));
            }
            if let Some(dir) = &args.svg {
                let svg = charts::pareto_svg(&points).context("failed to draw pareto.svg")?;
                write_svgs(dir, vec![("pareto.svg", svg)])?;
            }
        }
        Input::Result(r) => {
            if let Some(dir) = &args.csv {
                let mut set = OutputSet::new(dir);
                add_cost_csvs(&r, &mut set)?;
                commit(set)?;
            }
            if let Some(dir) = &args.svg {
                let svgs = charts::result_svgs(&r).context("failed to draw the charts")?;
                write_svgs(dir, svgs)?;
            }
            if let Some(path) = &args.trace {
                let json = trace::trace_json(&r).context("failed to build the trace")?;
                write_atomically(path, json.as_bytes())?;
            }
        }
    }
    Ok(())
}

fn merge(m: &MergeArgs) -> Result<(), Failure> {
    let files = m
        .shards
        .iter()
        .map(|p: &PathBuf| {
            let name = p.display().to_string();
            cirrus_sim::fsio::read_to_string_limited(
                p,
                cirrus_sim::fsio::MAX_RESULT_BYTES,
                "sweep shard",
            )
            .map(|t| (name.clone(), t))
            .map_err(|e| Failure::BadInput(format!("error: failed to read {name}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merged = sweep::merge(&files).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    write_atomically(&m.output, merged.as_bytes())?;
    Ok(())
}
