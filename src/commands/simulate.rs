//! `cirrus simulate FILE [--json] [--seed N] [--out DIR] [--plan PLAN.json] [--model ...]`.

use crate::Failure;
use crate::cli::SimulateArgs;
use crate::output;
use anyhow::Context;
use cirrus_sim::estimate::{self, EstimateError};
use cirrus_sim::human::count;
use cirrus_sim::output_set::OutputSet;
use cirrus_sim::plan::Plan;
use cirrus_sim::planner::{self, PlanError};
use cirrus_sim::result::{FORMAT_VERSION, SimResult};
use cirrus_sim::scenario::Scenario;
use cirrus_sim::stepsim;

/// Applies `--plan`, then plans every job whose parallelism has `"auto"`
/// fields (fastest plan); returns the scenario to simulate and a line per
/// planned job.
fn resolve(
    args: &SimulateArgs,
    mut scenario: Scenario,
) -> Result<(Scenario, Vec<String>), Failure> {
    if let Some(path) = &args.plan {
        let file = path.display().to_string();
        let text = Plan::read_text(path).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
        let plan =
            Plan::from_json(&text, &file).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
        scenario = plan.apply(&scenario).map_err(|e| {
            let at = Plan::position(&e, &text, &file);
            Failure::BadInput(format!("error: {at}: {e}"))
        })?;
    }
    planner::resolve_auto(scenario).map_err(|e| match e {
        PlanError::Estimate(e) => Failure::Runtime(anyhow::Error::new(e)),
        other => Failure::BadInput(format!("{}: error: {other}", args.file.display())),
    })
}

/// Estimates the scenario's job and prints tables or SimResult JSON.
pub fn run(args: &SimulateArgs) -> Result<(), Failure> {
    let mut loaded = super::load_for(&args.file, args.model)?;
    // `--seed` replaces the file's seed for every draw (a workload's jobs,
    // failures, spot revocations, tie-breaks).
    if let Some(seed) = args.seed {
        loaded.seed = seed;
    }
    if loaded.workload.is_some() {
        return cluster(args, &loaded);
    }
    let (scenario, notes) = resolve(args, loaded)?;
    let seed = scenario.seed;
    let failure = |e: EstimateError| match e {
        EstimateError::NeedsPlanner { .. }
        | EstimateError::Layout { .. }
        | EstimateError::Budget { .. }
        | EstimateError::Unanswerable { .. } => {
            Failure::BadInput(format!("{}: error: {e}", args.file.display()))
        }
        other => Failure::Runtime(anyhow::Error::new(other)),
    };
    estimate::supported(&scenario).map_err(failure)?;
    let written = args.json || args.out.is_some();
    let topo = estimate::topology(&scenario).map_err(failure)?;
    let estimates = scenario
        .jobs
        .iter()
        .map(|j| {
            // The step's timeline goes into the SimResult; a table does not show it.
            if written {
                stepsim::estimate_job_with_timeline(super::method(args.model), &scenario, j, &topo)
            } else {
                stepsim::estimate_job(super::method(args.model), &scenario, j, &topo)
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(failure)?;
    let result = SimResult {
        format_version: FORMAT_VERSION,
        scenario: scenario.name.clone(),
        seed,
        jobs: estimates.iter().map(|e| e.result.clone()).collect(),
        cluster: None,
    };
    if written {
        let json =
            serde_json::to_string_pretty(&result).context("failed to encode the SimResult")?;
        if let Some(dir) = &args.out {
            let mut set = OutputSet::new(dir);
            set.add("result.json", format!("{json}\n").into_bytes());
            super::report::add_cost_csvs(&result, &mut set)?;
            output::commit(set)?;
        }
        if args.json {
            crate::outln!("{json}")?;
        }
    }
    if !args.json {
        for note in &notes {
            crate::outln!("{note}")?;
        }
        crate::out!(
            "{}",
            output::render_simulation(&scenario, seed, &topo, &estimates)
        )?;
    }
    Ok(())
}

/// A scenario with a `[workload]`: many jobs scheduled on its pools.
fn cluster(args: &SimulateArgs, s: &Scenario) -> Result<(), Failure> {
    use cirrus_sim::cluster;
    use cirrus_sim::workload::{self, ImportOptions};
    let bad = |e: String| Failure::BadInput(format!("{}: error: {e}", args.file.display()));
    let spec = s
        .workload
        .as_ref()
        .ok_or_else(|| bad("no [workload]".to_owned()))?;
    let w =
        workload::load(spec, s.seed, ImportOptions::default()).map_err(|e| bad(e.to_string()))?;
    let cfg = cluster::config(s).map_err(|e| bad(e.to_string()))?;
    let out = cluster::simulate(s, &w, &cfg).map_err(|e| bad(e.to_string()))?;
    // With every job's record: built only when written (a million-job run
    // printing its table should not copy a million records).
    let result = || SimResult {
        format_version: FORMAT_VERSION,
        scenario: s.name.clone(),
        seed: s.seed,
        jobs: Vec::new(),
        cluster: Some(out.detailed_result()),
    };
    if let Some(dir) = &args.out {
        let result = result();
        let json =
            serde_json::to_string_pretty(&result).context("failed to encode the SimResult")?;
        let mut set = OutputSet::new(dir);
        set.add("result.json", format!("{json}\n").into_bytes());
        set.add("jobs.csv", cirrus_reports::jobs_csv(&out.jobs).into_bytes());
        set.add(
            "usage.csv",
            cirrus_reports::usage_csv(&out.usage).into_bytes(),
        );
        super::report::add_cost_csvs(&result, &mut set)?;
        output::commit(set)?;
    }
    if args.json {
        let json =
            serde_json::to_string_pretty(&result()).context("failed to encode the SimResult")?;
        crate::outln!("{json}")?;
        return Ok(());
    }
    let c = &out.result;
    let rejected = out.jobs.iter().filter(|r| r.rejected.is_some()).count();
    crate::outln!(
        "Scenario \"{}\": {} ({} format) on {}, policy {}{}",
        s.name,
        count(c.jobs_submitted as u64, "job"),
        spec.format,
        count(s.pools.len() as u64, "pool"),
        cfg.policy.name(),
        if cfg.heterogeneity_aware {
            ", heterogeneity-aware"
        } else {
            ""
        }
    )?;
    crate::outln!(
        "  completed            {} ({} rejected: fit no pool)",
        c.jobs_completed,
        rejected
    )?;
    crate::outln!(
        "  job completion time  mean {:.2} h   p50 {:.2} h   p95 {:.2} h   p99 {:.2} h",
        c.avg_jct_s / 3600.0,
        c.p50_jct_s / 3600.0,
        c.p95_jct_s / 3600.0,
        c.p99_jct_s / 3600.0
    )?;
    crate::outln!(
        "  finish-time fairness rho mean {:.2}   worst {:.2}   (1 = as good as a private 1/N share)",
        c.avg_ftf_rho,
        c.max_ftf_rho
    )?;
    crate::outln!(
        "  queueing delay       mean {:.2} h",
        c.avg_queue_s / 3600.0
    )?;
    crate::outln!("  makespan             {:.2} h", c.makespan_s / 3600.0)?;
    crate::outln!("  utilisation          {:.1}%", 100.0 * c.utilization)?;
    for p in &c.pools {
        crate::outln!(
            "    {:<18} {:>5.1}%  of {:.0} device-h held ({:.0} down)  ${:.0}",
            p.name,
            100.0 * p.utilization,
            p.held_device_h,
            p.down_device_h,
            p.cost_usd
        )?;
    }
    if w.skipped_rows > 0 {
        crate::outln!(
            "  skipped rows         {} (unreadable trace rows; `skip_bad_rows = true`)",
            w.skipped_rows
        )?;
    }
    crate::outln!("  preemptions          {}", c.preemptions)?;
    crate::outln!("  node failures        {}", c.failures)?;
    crate::outln!(
        "  work lost            {:.1} device-hours (since the last checkpoint: at failures, and at revocations with too little notice to write one)",
        c.lost_work_s / 3600.0
    )?;
    crate::outln!(
        "  cost                 ${:.0}   energy {:.0} kWh (cost: held device-hours; energy: busy)",
        c.cost_usd,
        c.energy_kwh
    )?;
    Ok(())
}
