//! The planner: given a cluster and a job, which pools and how many nodes to
//! use, and which parallel configuration, for an objective (fastest,
//! cheapest, cheapest within a deadline, fastest within a budget).
//!
//! ```text
//! placements × configurations ──memory check──► analytic estimate (fast path, every candidate)
//!        ──rank by objective──► top K ──event-level simulation──► best plan
//!                                    └──► Pareto front of time to train vs cost
//! ```
//!
//! Data-parallel replicas on different pools take batch shares proportional
//! to their speed (the models do this for every candidate), so mixed
//! hardware finishes each step together.

mod auto;
mod space;

pub use crate::plan::{Placement, apply, fixed};
pub use auto::{choice, plan_job, resolve_auto};
pub use space::Breadth;

use crate::estimate::memory::peak_memory;
use crate::estimate::{self, EstimateError};
use crate::parallelism::ParallelConfig;
use crate::parallelism::Schedule;
use crate::result::JobResult;
use crate::scenario::{Job, Scenario, StageLayout};
use crate::split::{Split, apportion};
use crate::stepsim;
use thiserror::Error;

/// What the planner optimises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// Shortest step (highest throughput).
    Time,
    /// Least money to train `train_tokens`.
    Cost,
    /// Least money to train `train_tokens` within `deadline_h` hours.
    CostDeadline {
        /// Deadline, hours.
        deadline_h: f64,
    },
    /// Highest throughput spending at most `usd_per_hour`.
    ThroughputBudget {
        /// Budget, USD per hour.
        usd_per_hour: f64,
    },
}

impl Objective {
    /// The command-line spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Time => "time",
            Objective::Cost => "cost",
            Objective::CostDeadline { .. } => "cost-deadline",
            Objective::ThroughputBudget { .. } => "throughput-budget",
        }
    }

    /// The objective a job's own limits ask for: the cheapest plan within
    /// its `deadline_h`, else the fastest within its `budget_usd_per_hour`,
    /// else the fastest. `cirrus simulate` plans `"auto"` jobs by it, and
    /// `cirrus plan` without `--objective`.
    pub fn of_job(job: &Job) -> Self {
        Self::from_limits(job.deadline_h, job.budget_usd_per_hour)
    }

    /// The objective limits ask for: the cheapest plan within a deadline
    /// (hours), else the fastest within a budget (USD per hour), else the
    /// fastest.
    pub fn from_limits(deadline_h: Option<f64>, usd_per_hour: Option<f64>) -> Self {
        match (deadline_h, usd_per_hour) {
            (Some(deadline_h), _) => Objective::CostDeadline { deadline_h },
            (None, Some(usd_per_hour)) => Objective::ThroughputBudget { usd_per_hour },
            (None, None) => Objective::Time,
        }
    }

    /// What the chosen plan is, in words: "fastest", "cheapest within 720 h".
    pub fn phrase(&self) -> String {
        match self {
            Objective::Time => "fastest".to_owned(),
            Objective::Cost => "cheapest".to_owned(),
            Objective::CostDeadline { deadline_h } => format!("cheapest within {deadline_h} h"),
            Objective::ThroughputBudget { usd_per_hour } => {
                format!("fastest within ${usd_per_hour}/h")
            }
        }
    }
}

/// Planner settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// What to optimise.
    pub objective: Objective,
    /// Pruned or exhaustive space.
    pub breadth: Breadth,
    /// How many of the best analytic candidates the event-level simulation re-ranks.
    pub rerank: usize,
}

/// One evaluated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Nodes used per pool.
    pub placement: Placement,
    /// Parallel configuration.
    pub parallelism: ParallelConfig,
    /// Its figures (analytic, or event-level for re-ranked candidates).
    pub result: JobResult,
    /// Money spent per hour of training, USD.
    pub usd_per_hour: f64,
}

/// What the planner found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The best plan, simulated at event level.
    pub best: Candidate,
    /// The scenario with the best plan's placement and parallelism applied.
    pub scenario: Scenario,
    /// Index of the planned job in it.
    pub job: usize,
    /// The same plan with equal batch shares (heterogeneous placements only).
    pub equal_shares: Option<JobResult>,
    /// Non-dominated candidates: time (to train, else per step) vs cost
    /// (to train, else per hour), fastest first.
    pub pareto: Vec<Candidate>,
    /// Candidates whose memory fits.
    pub feasible: usize,
    /// Candidates considered (before the memory check).
    pub considered: usize,
}

impl Outcome {
    /// The best plan as a Plan file (format 1); `objective` names what
    /// chose it.
    pub fn plan(&self, objective: &str) -> crate::plan::Plan {
        let s = &self.scenario;
        crate::plan::Plan::build(
            s,
            &s.jobs[self.job],
            &self.best.parallelism,
            &self.best.result,
            objective,
        )
    }
}

/// Why no plan was found.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Nothing fits in memory.
    #[error(
        "no configuration of job `{job}` fits in device memory; the nearest miss, {nearest}, needs {need_gib:.1} GiB per device where {have_gib:.1} GiB is available: add nodes, use devices with more memory, or shorten seq_len"
    )]
    NoMemoryFit {
        /// Job name.
        job: String,
        /// The closest configuration.
        nearest: String,
        /// What it needs.
        need_gib: f64,
        /// What the device has.
        have_gib: f64,
    },
    /// The objective needs prices and `train_tokens`.
    #[error(
        "objective `{objective}` needs `train_tokens` on job `{job}` and a price on every pool it may use"
    )]
    NeedsCost {
        /// Objective name.
        objective: &'static str,
        /// Job name.
        job: String,
    },
    /// Nothing meets the deadline.
    #[error(
        "no plan trains job `{job}` within {deadline_h} h; the fastest, {nearest}, takes {best_h:.1} h ({cost}): extend the deadline or add devices"
    )]
    Deadline {
        /// Job name.
        job: String,
        /// The deadline.
        deadline_h: f64,
        /// The fastest plan.
        nearest: String,
        /// Its time, hours.
        best_h: f64,
        /// Its cost, as text.
        cost: String,
    },
    /// Nothing is within the budget.
    #[error(
        "no plan for job `{job}` costs at most {budget} USD/h; the cheapest, {nearest}, costs {cheapest:.2} USD/h: raise the budget"
    )]
    Budget {
        /// Job name.
        job: String,
        /// The budget.
        budget: f64,
        /// The cheapest plan.
        nearest: String,
        /// Its spend, USD/h.
        cheapest: f64,
    },
    /// A model failed.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
}

/// A short description of a candidate: placement and configuration.
pub fn describe(s: &Scenario, placement: &Placement, p: &ParallelConfig) -> String {
    let pools: Vec<String> = placement
        .pools
        .iter()
        .map(|&(i, n)| format!("{} × {}", n, s.pools[i].name))
        .collect();
    let v = if p.virtual_stages > 1 {
        format!(" v{}", p.virtual_stages)
    } else {
        String::new()
    };
    let stages = placement.stages.as_ref().map_or_else(String::new, |l| {
        // Runs of stages on one pool with one layer count: "a100 4×7".
        let mut runs: Vec<(usize, u32, u32)> = Vec::new();
        for (&p, &n) in l.pools.iter().zip(&l.layers) {
            match runs.last_mut() {
                Some((q, m, count)) if *q == p && *m == n => *count += 1,
                _ => runs.push((p, n, 1)),
            }
        }
        let parts: Vec<String> = runs
            .iter()
            .map(|&(p, n, count)| format!("{} {count}×{n}", s.pools[p].name))
            .collect();
        format!(" stages {} layers", parts.join(" → "))
    });
    format!(
        "[{}]{} {} mb {} {}{} rc {} zero {}{}",
        pools.join(" + "),
        stages,
        p.mesh.label(" ", " "),
        p.microbatch,
        p.schedule.as_str(),
        v,
        p.recompute.as_str(),
        p.mesh.zero(),
        if p.mesh.sequence_parallel() {
            " sp"
        } else {
            ""
        }
    )
}

/// A stage layout over the placement's two pools, `order[0]`'s first: as
/// many stages on each pool as its devices hold (`dp · tp` per stage), the
/// layers split in proportion to each pool's speed.
fn spread(
    s: &Scenario,
    j: &Job,
    par: &ParallelConfig,
    topo: &crate::topology::Topology,
    placement: &Placement,
    order: [usize; 2],
) -> Option<StageLayout> {
    let (a, na) = placement.pools[order[0]];
    let (b, nb) = placement.pools[order[1]];
    let per_stage = u64::from(par.mesh.dp()) * u64::from(par.mesh.tp());
    let dev_a = u64::from(na) * u64::from(s.pools[a].devices_per_node);
    let dev_b = u64::from(nb) * u64::from(s.pools[b].devices_per_node);
    if !dev_a.is_multiple_of(per_stage) || !dev_b.is_multiple_of(per_stage) {
        return None;
    }
    let (ka, kb) = (dev_a / per_stage, dev_b / per_stage);
    if ka == 0 || kb == 0 || ka + kb != u64::from(par.mesh.pp()) {
        return None;
    }
    let (ta, tb) = (
        estimate::layer_time(s, j, par, topo, a)?,
        estimate::layer_time(s, j, par, topo, b)?,
    );
    let pools: Vec<usize> = (0..par.mesh.pp())
        .map(|st| if u64::from(st) < ka { a } else { b })
        .collect();
    let speeds: Vec<f64> = pools
        .iter()
        .map(|&p| if p == a { 1.0 / ta } else { 1.0 / tb })
        .collect();
    // Every stage keeps at least one layer.
    let extra = j.model.layers.checked_sub(par.mesh.pp())?;
    let layers: Vec<u32> = apportion(u64::from(extra), &speeds)
        .into_iter()
        .map(|x| u32::try_from(x).unwrap_or(u32::MAX).saturating_add(1))
        .collect();
    Some(StageLayout { pools, layers })
}

fn spend(s: &Scenario, placement: &Placement) -> f64 {
    placement
        .pools
        .iter()
        .map(|&(p, n)| {
            let pool = &s.pools[p];
            f64::from(n)
                * f64::from(pool.devices_per_node)
                * pool.price_per_device_hour().unwrap_or(f64::NAN)
        })
        .sum()
}

/// The objective's score (lower is better), or `None` when the candidate
/// breaks a constraint.
fn score(objective: Objective, c: &Candidate) -> Option<f64> {
    let r = &c.result;
    if !r.fits_memory {
        return None;
    }
    match objective {
        Objective::Time => Some(r.step_time_s),
        Objective::Cost => r.cost_usd,
        Objective::CostDeadline { deadline_h } => r
            .time_to_train_s
            .filter(|t| *t <= deadline_h * 3600.0)
            .and(r.cost_usd),
        Objective::ThroughputBudget { usd_per_hour } => {
            (c.usd_per_hour <= usd_per_hour).then_some(-r.tokens_per_s)
        }
    }
}

/// Plans job `job` of `s`.
pub fn plan(s: &Scenario, job: usize, opts: &Options) -> Result<Outcome, PlanError> {
    let j = &s.jobs[job];
    let needs_cost = !matches!(opts.objective, Objective::Time);
    if needs_cost
        && (j.train_tokens.is_none()
            || j.pools
                .iter()
                .any(|&p| s.pools[p].price_per_device_hour().is_none()))
    {
        return Err(PlanError::NeedsCost {
            objective: opts.objective.name(),
            job: j.name.clone(),
        });
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut considered = 0;
    let mut nearest: Option<(f64, String, f64, f64)> = None;
    for placement in space::placements(s, j, opts.breadth) {
        let configs = space::configs(s, j, &j.parallelism, &placement, opts.breadth);
        if configs.is_empty() {
            continue;
        }
        let placed = apply(s, job, &placement, &configs[0]);
        let topo = estimate::topology(&placed)?;
        let usd_per_hour = spend(s, &placement);
        let capacity = placement
            .pools
            .iter()
            .filter_map(|&(p, _)| s.pools[p].device.memory.map(|b| b.as_gib()))
            .fold(f64::INFINITY, f64::min);
        // Recompute is the innermost choice: in a pruned search, once a mode
        // fits, the slower ones with the same other fields are skipped.
        let mut fitted_prefix: Option<ParallelConfig> = None;
        for par in configs {
            considered += 1;
            // Over two pools, the same configuration with each replica's
            // pipeline spread over both (layers balanced by speed).
            if placement.pools.len() == 2
                && par.mesh.pp() >= 2
                && par.virtual_stages == 1
                && par.schedule == Schedule::OneFOneB
            {
                for order in [[0, 1], [1, 0]] {
                    let Some(lay) = spread(s, j, &par, &topo, &placement, order) else {
                        continue;
                    };
                    let spread_placement = Placement {
                        pools: placement.pools.clone(),
                        stages: Some(lay),
                    };
                    let mut spread_job = placed.jobs[job].clone();
                    spread_job.parallelism = fixed(&par);
                    spread_job.layout = spread_placement.stages.clone();
                    if let Ok(est) = estimate::estimate_job(&placed, &spread_job, &topo)
                        && est.result.fits_memory
                    {
                        considered += 1;
                        candidates.push(Candidate {
                            placement: spread_placement,
                            parallelism: par,
                            result: est.result,
                            usd_per_hour,
                        });
                    }
                }
            }
            let same_but_recompute = fitted_prefix.is_some_and(|f| {
                ParallelConfig {
                    recompute: par.recompute,
                    ..f
                } == par
            });
            if opts.breadth == Breadth::Pruned && same_but_recompute {
                continue;
            }
            let micro = j.global_batch / (u64::from(par.microbatch) * u64::from(par.mesh.dp()));
            let need = peak_memory(j.into(), &par, micro).total().as_gib();
            if need > capacity {
                let ratio = need / capacity;
                if nearest.as_ref().is_none_or(|n| ratio < n.0) {
                    nearest = Some((ratio, describe(s, &placement, &par), need, capacity));
                }
                continue;
            }
            let mut candidate_job = placed.jobs[job].clone();
            candidate_job.parallelism = fixed(&par);
            let Ok(est) = estimate::estimate_job(&placed, &candidate_job, &topo) else {
                continue;
            };
            if !est.result.fits_memory {
                continue;
            }
            fitted_prefix = Some(par);
            candidates.push(Candidate {
                placement: placement.clone(),
                parallelism: par,
                result: est.result,
                usd_per_hour,
            });
        }
    }
    let feasible = candidates.len();
    if candidates.is_empty() {
        let (_, nearest, need_gib, have_gib) =
            nearest.unwrap_or((0.0, "none".to_owned(), 0.0, 0.0));
        return Err(PlanError::NoMemoryFit {
            job: j.name.clone(),
            nearest,
            need_gib,
            have_gib,
        });
    }
    let pareto = pareto_front(&candidates);
    let mut ranked: Vec<(f64, usize)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| score(opts.objective, c).map(|x| (x, i)))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    if ranked.is_empty() {
        return Err(constraint_miss(s, j, opts.objective, &candidates));
    }
    // Re-rank the best analytic candidates with the event-level simulation.
    let mut best: Option<(f64, Candidate, Scenario)> = None;
    for &(_, i) in ranked.iter().take(opts.rerank.max(1)) {
        let c = &candidates[i];
        let placed = apply(s, job, &c.placement, &c.parallelism);
        let topo = estimate::topology(&placed)?;
        // A candidate beyond the event simulation's budget keeps its
        // closed-form figures.
        let evented = match stepsim::simulate_job(&placed, &placed.jobs[job], &topo) {
            Ok(sim) => Candidate {
                result: sim.estimate.result,
                ..c.clone()
            },
            Err(EstimateError::Budget { .. }) => c.clone(),
            Err(e) => return Err(e.into()),
        };
        let Some(x) = score(opts.objective, &evented) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| x < b.0) {
            best = Some((x, evented, placed));
        }
    }
    let Some((_, best, placed)) = best else {
        return Err(constraint_miss(s, j, opts.objective, &candidates));
    };
    let equal_shares = if best.placement.pools.len() > 1 && best.placement.stages.is_none() {
        let topo = estimate::topology(&placed)?;
        match stepsim::simulate_job_split(&placed, &placed.jobs[job], &topo, Split::Equal) {
            Ok(sim) => Some(sim.estimate.result),
            Err(EstimateError::Budget { .. }) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    Ok(Outcome {
        best,
        scenario: placed,
        job,
        equal_shares,
        pareto,
        feasible,
        considered,
    })
}

/// Explains why no memory-feasible candidate met the objective's constraint.
fn constraint_miss(
    s: &Scenario,
    j: &Job,
    objective: Objective,
    candidates: &[Candidate],
) -> PlanError {
    match objective {
        Objective::CostDeadline { deadline_h } => {
            let fastest = candidates
                .iter()
                .filter(|c| c.result.time_to_train_s.is_some())
                .min_by(|a, b| a.result.step_time_s.total_cmp(&b.result.step_time_s));
            let (nearest, best_h, cost) =
                fastest.map_or(("none".to_owned(), f64::NAN, String::new()), |c| {
                    (
                        describe(s, &c.placement, &c.parallelism),
                        c.result.time_to_train_s.unwrap_or(f64::NAN) / 3600.0,
                        c.result
                            .cost_usd
                            .map_or_else(String::new, |x| format!("{x:.0} USD")),
                    )
                });
            PlanError::Deadline {
                job: j.name.clone(),
                deadline_h,
                nearest,
                best_h,
                cost,
            }
        }
        Objective::ThroughputBudget { usd_per_hour } => {
            let cheapest = candidates
                .iter()
                .min_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour));
            PlanError::Budget {
                job: j.name.clone(),
                budget: usd_per_hour,
                nearest: cheapest.map_or_else(
                    || "none".to_owned(),
                    |c| describe(s, &c.placement, &c.parallelism),
                ),
                cheapest: cheapest.map_or(f64::NAN, |c| c.usd_per_hour),
            }
        }
        _ => PlanError::NeedsCost {
            objective: objective.name(),
            job: j.name.clone(),
        },
    }
}

/// The (time, cost) pair a candidate is judged on for the Pareto front:
/// time and cost to train when `train_tokens` is set, else step time and
/// spend per hour.
fn time_and_cost(c: &Candidate) -> (f64, f64) {
    match (c.result.time_to_train_s, c.result.cost_usd) {
        (Some(t), Some(x)) => (t, x),
        _ => (c.result.step_time_s, c.usd_per_hour),
    }
}

/// The non-dominated candidates, fastest first.
fn pareto_front(candidates: &[Candidate]) -> Vec<Candidate> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let (ta, ca) = time_and_cost(&candidates[a]);
        let (tb, cb) = time_and_cost(&candidates[b]);
        ta.total_cmp(&tb).then(ca.total_cmp(&cb)).then(a.cmp(&b))
    });
    let mut out: Vec<Candidate> = Vec::new();
    let mut best_cost = f64::INFINITY;
    for i in order {
        let (_, cost) = time_and_cost(&candidates[i]);
        if cost < best_cost {
            best_cost = cost;
            out.push(candidates[i].clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
