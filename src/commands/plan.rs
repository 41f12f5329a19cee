//! `cirrus plan FILE [--objective ...] [-o plan.json] [--json] [--exhaustive]`.

use crate::Failure;
use crate::cli::{ObjectiveKind, PlanArgs};
use anyhow::Context;
use cirrus_sim::human::{count, thousands};
use cirrus_sim::planner::{self, Breadth, Objective, Options, Outcome, PlanError};
use cirrus_sim::scenario::Scenario;
use std::fmt::Write as _;
use std::time::Instant;

/// The objective the arguments ask for, with its limit from the flags or the job.
fn objective(args: &PlanArgs, s: &Scenario) -> Result<Objective, Failure> {
    // Each limit from its flag, or else from the job.
    let job = s.jobs.first();
    let deadline_h = args.deadline_h.or(job.and_then(|j| j.deadline_h));
    let budget = args
        .budget_usd_per_hour
        .or(job.and_then(|j| j.budget_usd_per_hour));
    let Some(kind) = args.objective else {
        // The limits given choose.
        return Ok(Objective::from_limits(deadline_h, budget));
    };
    Ok(match kind {
        ObjectiveKind::Time => Objective::Time,
        ObjectiveKind::Cost => Objective::Cost,
        ObjectiveKind::CostDeadline => Objective::CostDeadline {
            deadline_h: deadline_h.ok_or_else(|| {
                Failure::BadInput(format!(
                    "{}: error: objective cost-deadline needs a deadline: pass --deadline-h or set `deadline_h` on the job",
                    args.file.display()
                ))
            })?,
        },
        ObjectiveKind::ThroughputBudget => Objective::ThroughputBudget {
            usd_per_hour: budget.ok_or_else(|| {
                Failure::BadInput(format!(
                    "{}: error: objective throughput-budget needs a budget: pass --budget-usd-per-hour or set `budget_usd_per_hour` on the job",
                    args.file.display()
                ))
            })?,
        },
    })
}

/// Batch share per pool of a candidate (each spread replica counts on both
/// pools by its devices), as "pool NN%" pairs.
fn pool_shares(c: &cirrus_sim::planner::Candidate) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for n in &c.result.shares {
        match out.iter_mut().find(|p| p.0 == n.pool) {
            Some(p) => p.1 += n.batch_share,
            None => out.push((n.pool.clone(), n.batch_share)),
        }
    }
    out
}

fn shares_text(c: &cirrus_sim::planner::Candidate) -> String {
    if c.placement.stages.is_some() {
        return "spread".to_owned();
    }
    pool_shares(c)
        .iter()
        .map(|(p, x)| format!("{p} {:.0}%", 100.0 * x))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the planner on the scenario's first job.
pub fn run(args: &PlanArgs) -> Result<(), Failure> {
    let s = super::load(&args.file)?;
    if s.jobs.is_empty() {
        return Err(Failure::BadInput(format!(
            "{}: error: the scenario has no job to plan",
            args.file.display()
        )));
    }
    let opts = Options {
        objective: objective(args, &s)?,
        breadth: if args.exhaustive {
            Breadth::Exhaustive
        } else {
            Breadth::Pruned
        },
        rerank: args.rerank,
    };
    let started = Instant::now();
    let outcome = planner::plan(&s, 0, &opts).map_err(|e| match e {
        PlanError::Estimate(e) => Failure::Runtime(anyhow::Error::new(e)),
        other => Failure::BadInput(format!("{}: error: {other}", args.file.display())),
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(path) = &args.output {
        let plan = outcome.plan(opts.objective.name()).to_json();
        crate::output::write_atomically(path, plan.as_bytes())?;
    }
    if args.json {
        let pareto: Vec<_> = outcome
            .pareto
            .iter()
            .map(|c| {
                serde_json::json!({
                    "plan": planner::describe(&s, &c.placement, &c.parallelism),
                    "parallelism": c.parallelism,
                    "step_time_s": c.result.step_time_s,
                    "time_to_train_s": c.result.time_to_train_s,
                    "cost_usd": c.result.cost_usd,
                    "usd_per_hour": c.usd_per_hour,
                    "batch_share_by_pool": pool_shares(c).into_iter().collect::<std::collections::BTreeMap<_, _>>(),
                    "stages_spread_over_pools": c.placement.stages.is_some(),
                })
            })
            .collect();
        let v = serde_json::json!({
            "objective": opts.objective.name(),
            "best": outcome.best.result,
            "best_plan": planner::describe(&s, &outcome.best.placement, &outcome.best.parallelism),
            "usd_per_hour": outcome.best.usd_per_hour,
            "equal_shares": outcome.equal_shares,
            "pareto": pareto,
            "considered": outcome.considered,
            "feasible": outcome.feasible,
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&v).context("failed to encode the plan")?
        )?;
        return Ok(());
    }
    crate::out!("{}", render(&s, &outcome, &opts, elapsed))?;
    Ok(())
}

fn hours(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), |x| format!("{:.1} d", x / 86_400.0))
}

fn usd(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("${}", thousands(x)))
}

fn render(s: &Scenario, o: &Outcome, opts: &Options, elapsed: f64) -> String {
    let mut out = String::new();
    let b = &o.best;
    let r = &b.result;
    let _ = writeln!(
        out,
        "Plan for job \"{}\" of \"{}\" (objective {}; {}, {} fit in memory; {:.1} s)",
        s.jobs[o.job].name,
        s.name,
        opts.objective.name(),
        count(o.considered as u64, "candidate"),
        thousands(o.feasible as f64),
        elapsed
    );
    let _ = writeln!(
        out,
        "  best          {}",
        planner::describe(s, &b.placement, &b.parallelism)
    );
    let _ = writeln!(
        out,
        "  step time     {:.3} s   tokens/s {}   MFU {:.1}%   memory {:.1} GiB/device",
        r.step_time_s,
        thousands(r.tokens_per_s),
        100.0 * r.mfu,
        r.memory_gib_per_device
    );
    let _ = writeln!(
        out,
        "  to train      {}   cost {}   spend {}",
        hours(r.time_to_train_s),
        usd(r.cost_usd),
        if b.usd_per_hour.is_finite() {
            format!("{} USD/h", thousands(b.usd_per_hour))
        } else {
            "- (a pool has no price)".to_owned()
        }
    );
    let mut pools: Vec<(String, f64, usize)> = Vec::new();
    for n in &r.shares {
        match pools.iter_mut().find(|p| p.0 == n.pool) {
            Some(p) => {
                p.1 += n.batch_share;
                p.2 += 1;
            }
            None => pools.push((n.pool.clone(), n.batch_share, 1)),
        }
    }
    if b.placement.stages.is_some() {
        let _ = writeln!(
            out,
            "  shares        each of the {} replicas runs its stages on both pools and takes {:.3}% of the batch (learning-rate weight the same)",
            b.parallelism.mesh.dp(),
            100.0 / f64::from(b.parallelism.mesh.dp().max(1))
        );
        pools.clear();
    }
    for (pool, share, nodes) in &pools {
        let _ = writeln!(
            out,
            "  shares        {pool}: {} {} {:.1}% of the batch ({:.3}% per node; learning-rate weight the same)",
            count(*nodes as u64, "node"),
            if *nodes == 1 { "takes" } else { "take" },
            100.0 * share,
            100.0 * share / *nodes as f64
        );
    }
    if let Some(eq) = &o.equal_shares {
        let _ = writeln!(
            out,
            "  equal shares  the same plan with every replica taking an equal share: step {:.3} s ({:+.1}%)",
            eq.step_time_s,
            100.0 * (eq.step_time_s / r.step_time_s - 1.0)
        );
    }
    let _ = writeln!(out, "\nPareto front (time vs cost; analytic estimates):");
    let _ = writeln!(
        out,
        "  {:<72} {:>10} {:>10} {:>12} {:>10}  batch shares",
        "plan", "step s", "to train", "cost", "USD/h"
    );
    let step = (o.pareto.len() / 12).max(1);
    for (i, c) in o.pareto.iter().enumerate() {
        if i % step != 0 && i + 1 != o.pareto.len() {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<72} {:>10.3} {:>10} {:>12} {:>10}  {}",
            planner::describe(s, &c.placement, &c.parallelism),
            c.result.step_time_s,
            hours(c.result.time_to_train_s),
            usd(c.result.cost_usd),
            thousands(c.usd_per_hour),
            shares_text(c)
        );
    }
    out
}
