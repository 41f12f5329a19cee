//! Gavel's allocation policies and round mechanism (Narayanan et al.,
//! "Heterogeneity-Aware Cluster Scheduling Policies for Deep Learning
//! Workloads", OSDI 2020; stanford-futuredata/gavel, `scheduler/`).
//!
//! A policy computes an allocation `X[j][w]`: the fraction of time job `j`
//! should spend on device type (pool) `w`, by linear programming (good_lp
//! with its pure-Rust simplex, microlp). Every round the mechanism turns `X`
//! into an assignment: per pool, jobs in order of priority `X[j][w]` over
//! the fraction of time they have had there, each job placed once, gangs
//! only where they fit. Jobs keep their devices while re-chosen on the same
//! pool (Gavel's lease extension).
//!
//! - **Max-min fairness** (`max_min_fairness_perf`): maximise
//!   `min_j sf_j · Σ_w T_jw X_jw / (pw_j · T^prop_j)` subject to
//!   `Σ_w X_jw ≤ 1` and `Σ_j sf_j X_jw ≤ N_w`; `T` the job's speed on each
//!   pool, `sf` its devices, `pw` its priority weight, `T^prop` its speed
//!   on an even split of every pool (`N_w / max(m, N)` of pool `w` for `m`
//!   jobs on `N` devices). Heterogeneity-agnostic (`max_min_fairness`): the
//!   same with every `T` = 1, which equalises device-time.
//! - **Finish-time fairness** (`finish_time_fairness_perf`): minimise the
//!   largest `ρ_j = (t − a_j + r_j / Σ_w T_jw X_jw) / (c_j + r_j / T^iso_j)`,
//!   `a_j` the arrival, `r_j` the work left, `c_j` the isolated time of the
//!   work done, `T^iso_j` its speed on a `1/m` share of every pool. Convex,
//!   not linear: solved exactly enough by bisection on ρ with one LP
//!   feasibility problem per step. Agnostic: every `T` replaced by the job's
//!   speed on its first pool (Gavel uses the V100's).
//!
//! With `gavel_compat`, allocations are recomputed as Gavel's simulator does:
//! only after a job arrived or left and at least [`GAVEL_RESET_S`] since the
//! last recomputation; otherwise on every change of the job set.

use super::state::Devices;
use super::{Config, Decision, Live};
use crate::workload::TraceJob;
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, microlp, variable,
};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Gavel's `minimum_time_between_allocation_resets` (seconds).
pub const GAVEL_RESET_S: f64 = 1920.0;

/// Which allocation objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Objective {
    /// Max-min fairness of normalised throughput.
    MaxMin,
    /// Min-max finish-time fairness ρ.
    FinishTime,
    /// Gavel's FIFO (with `gavel_compat`): jobs admitted in arrival order
    /// while one fits, each wholly on one type.
    Fifo,
}

/// Allocation state across rounds.
#[derive(Debug, Clone)]
pub(super) struct Allocator {
    objective: Objective,
    /// Devices of each pool.
    pool_size: Vec<f64>,
    /// Current allocation of each job in it.
    x: BTreeMap<usize, Vec<f64>>,
    /// Seconds each active job has run on each pool since the last reset
    /// (starting from half a round, as Gavel's).
    job_time: BTreeMap<usize, Vec<f64>>,
    /// Seconds of job-time granted on each pool since the last reset.
    worker_time: Vec<f64>,
    /// Time owed to each job on each pool at the last reset (tie-breaker).
    deficit: BTreeMap<usize, Vec<f64>>,
    /// Isolated-share seconds of the work each job has done (for ρ).
    isolated_done_s: BTreeMap<usize, f64>,
    /// Work fraction each job had done at the last reset.
    done_at_reset: BTreeMap<usize, f64>,
    last_reset: Option<f64>,
    last_round: Option<f64>,
    need_update: bool,
    /// Shuffles the pool order each round for agnostic policies.
    rng: ChaCha8Rng,
    /// Pool names (Gavel's agnostic FIFO picks the last by name).
    names: Vec<String>,
}

/// Half of Gavel's 360 s round: the time every job starts with.
fn half_round(cfg: &Config) -> f64 {
    cfg.round_s.unwrap_or(360.0) / 2.0
}

impl Allocator {
    /// An empty allocator for pools of `pool_size` devices named `names`.
    pub fn new(
        objective: Objective,
        pool_size: Vec<f64>,
        names: Vec<String>,
        rng: ChaCha8Rng,
    ) -> Self {
        let pools = pool_size.len();
        Self {
            objective,
            pool_size,
            x: BTreeMap::new(),
            job_time: BTreeMap::new(),
            worker_time: vec![0.0; pools],
            deficit: BTreeMap::new(),
            isolated_done_s: BTreeMap::new(),
            done_at_reset: BTreeMap::new(),
            last_reset: None,
            last_round: None,
            need_update: true,
            rng,
            names,
        }
    }

    /// Job `j` has arrived.
    pub fn arrived(&mut self, cfg: &Config, j: usize) {
        let pools = self.pool_size.len();
        self.job_time.insert(j, vec![half_round(cfg); pools]);
        self.deficit.insert(j, vec![0.0; pools]);
        self.isolated_done_s.insert(j, 0.0);
        self.done_at_reset.insert(j, 0.0);
        self.need_update = true;
    }

    /// Job `j` has finished.
    pub fn left(&mut self, j: usize) {
        // Gavel's agnostic FIFO hands a finished job's type to the head of
        // the queue at the next recomputation: it keeps the entry till then.
        if self.objective != Objective::Fifo {
            self.x.remove(&j);
        }
        self.job_time.remove(&j);
        self.deficit.remove(&j);
        self.isolated_done_s.remove(&j);
        self.done_at_reset.remove(&j);
        self.need_update = true;
    }

    /// The decisions of the round starting at `t`.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &mut self,
        cfg: &Config,
        t: f64,
        jobs: &[TraceJob],
        live: &[Live],
        active: &[usize],
        devices: &Devices,
    ) -> Vec<Decision> {
        // Time the jobs running through the round that ends now had.
        let dt = self.last_round.map_or(0.0, |r| (t - r).max(0.0));
        self.last_round = Some(t);
        for &j in active {
            if let (Some((p, ..)), Some(times)) = (&live[j].running, self.job_time.get_mut(&j)) {
                times[*p] += dt;
                self.worker_time[*p] += dt;
            }
        }
        let min_gap = if cfg.gavel_compat { GAVEL_RESET_S } else { 0.0 };
        let due = self.last_reset.is_none_or(|r| t - r >= min_gap - 1e-9);
        if self.need_update && due {
            self.reset(cfg, t, jobs, live, active);
        }
        self.assign(cfg, jobs, live, active, devices)
    }

    /// Recomputes the allocation and restarts the time accounting.
    fn reset(&mut self, cfg: &Config, t: f64, jobs: &[TraceJob], live: &[Live], active: &[usize]) {
        let since = self.last_reset.unwrap_or(t);
        let pools = self.pool_size.len();
        for &j in active {
            let old = self.x.get(&j).cloned().unwrap_or_else(|| vec![0.0; pools]);
            if let (Some(d), Some(times)) = (self.deficit.get_mut(&j), self.job_time.get_mut(&j)) {
                for w in 0..pools {
                    d[w] += old[w] * (t - since) - (times[w] - half_round(cfg));
                    times[w] = half_round(cfg);
                }
            }
        }
        self.worker_time = vec![half_round(cfg) * active.len() as f64; pools];
        // Isolated-share time of the work done since the last reset.
        let m = active.len().max(1) as f64;
        for &j in active {
            let done = live[j].done;
            let before = self.done_at_reset.insert(j, done).unwrap_or(0.0);
            let iso = isolated_speed(&self.pool_size, jobs, live, j, m, self.objective, cfg);
            if iso > 0.0
                && let Some(c) = self.isolated_done_s.get_mut(&j)
            {
                *c += (done - before).max(0.0) / iso;
            }
        }
        self.x = match self.objective {
            Objective::MaxMin => max_min(cfg, &self.pool_size, jobs, live, active),
            Objective::Fifo => fifo(
                cfg,
                &self.pool_size,
                &self.names,
                Snapshot { jobs, live, active },
                &self.x,
                &mut self.rng,
            ),
            Objective::FinishTime => finish_time(
                cfg,
                &self.pool_size,
                t,
                jobs,
                live,
                active,
                &self.isolated_done_s,
            ),
        };
        self.last_reset = Some(t);
        self.need_update = false;
    }

    /// Gavel's per-round greedy assignment from the current allocation.
    fn assign(
        &mut self,
        cfg: &Config,
        jobs: &[TraceJob],
        live: &[Live],
        active: &[usize],
        devices: &Devices,
    ) -> Vec<Decision> {
        let pools = self.pool_size.len();
        let mut order: Vec<usize> = (0..pools).collect();
        if !cfg.heterogeneity_aware {
            order.shuffle(&mut self.rng);
        }
        // Devices usable this round: free now plus those running jobs hold.
        let mut left: Vec<f64> = (0..pools).map(|w| devices.free(w)).collect();
        for &j in active {
            if let Some((p, ..)) = &live[j].running {
                left[*p] += jobs[j].devices;
            }
        }
        let mut chosen: BTreeMap<usize, usize> = BTreeMap::new();
        for &w in &order {
            // (priority, deficit, X) descending; ties to the earlier job.
            let mut queue: Vec<(usize, f64, f64, f64)> = active
                .iter()
                .filter(|&&j| live[j].total_s[w].is_some())
                .map(|&j| {
                    let x = self.x.get(&j).map_or(0.0, |x| x[w]);
                    let fraction = match (self.job_time.get(&j), self.worker_time[w]) {
                        (Some(times), wt) if wt > 0.0 => times[w] / wt,
                        _ => 0.0,
                    };
                    let priority = if x <= 0.0 {
                        0.0
                    } else if fraction > 0.0 {
                        x / fraction
                    } else {
                        x * 1e9
                    };
                    let deficit = self.deficit.get(&j).map_or(0.0, |d| d[w]);
                    (j, priority, deficit, x)
                })
                .collect();
            queue.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(b.2.total_cmp(&a.2))
                    .then(b.3.total_cmp(&a.3))
                    .then(a.0.cmp(&b.0))
            });
            for (j, priority, ..) in queue {
                let need = jobs[j].devices;
                if chosen.contains_key(&j) || need > left[w] + 1e-9 {
                    continue;
                }
                // Gavel's FIFO runs only jobs it admitted on this type.
                if self.objective == Objective::Fifo && priority <= 0.0 {
                    continue;
                }
                left[w] -= need;
                chosen.insert(j, w);
            }
        }
        let mut out: Vec<Decision> = active
            .iter()
            .filter(|&&j| {
                live[j]
                    .running
                    .as_ref()
                    .is_some_and(|(p, ..)| chosen.get(&j) != Some(p))
            })
            .map(|&j| Decision::Preempt { job: j })
            .collect();
        // Larger gangs first, as Gavel places them. Under `gavel_compat` a
        // job chosen before the allocation knows it (it arrived since the
        // last recomputation) holds its devices idle for the round, as in
        // Gavel's simulator.
        let mut starts: Vec<(usize, usize)> = chosen
            .into_iter()
            .filter(|&(j, w)| live[j].running.as_ref().is_none_or(|(p, ..)| *p != w))
            .filter(|&(j, _)| !cfg.gavel_compat || self.x.contains_key(&j))
            .collect();
        starts.sort_by(|a, b| {
            jobs[b.0]
                .devices
                .total_cmp(&jobs[a.0].devices)
                .then(a.0.cmp(&b.0))
        });
        out.extend(
            starts
                .into_iter()
                .map(|(job, pool)| Decision::Start { job, pool }),
        );
        out
    }
}

/// Speed of job `j` on each pool as the policy sees it (work fraction per
/// second; 0 where it cannot run): real when heterogeneity-aware, else 1
/// (max-min) or its speed on the first pool it can use (finish time).
fn speeds(cfg: &Config, objective: Objective, live: &[Live], j: usize) -> Vec<f64> {
    let real: Vec<f64> = live[j]
        .total_s
        .iter()
        .map(|t| t.filter(|&s| s > 0.0).map_or(0.0, |s| 1.0 / s))
        .collect();
    if cfg.heterogeneity_aware {
        return real;
    }
    let flat = match objective {
        Objective::MaxMin | Objective::Fifo => 1.0,
        Objective::FinishTime => real.iter().copied().find(|&s| s > 0.0).unwrap_or(0.0),
    };
    real.iter()
        .map(|&s| if s > 0.0 { flat } else { 0.0 })
        .collect()
}

/// Speed of job `j` on a `1/m` share of every pool (Gavel's isolated
/// policy: `N_w / m / sf_j` of pool `w`, scaled to at most all the time).
fn isolated_speed(
    pool_size: &[f64],
    jobs: &[TraceJob],
    live: &[Live],
    j: usize,
    m: f64,
    objective: Objective,
    cfg: &Config,
) -> f64 {
    let t = speeds(cfg, objective, live, j);
    let share: Vec<f64> = pool_size
        .iter()
        .map(|&n| n / m / jobs[j].devices.max(1e-9))
        .collect();
    let total: f64 = share.iter().sum::<f64>().max(1.0);
    t.iter().zip(&share).map(|(t, x)| t * x / total).sum()
}

/// Variables `X[j][w]` in [0, 1] for the pools each job can run on.
fn allocation_vars(vars: &mut ProblemVariables, speeds: &[Vec<f64>]) -> Vec<Vec<Option<Variable>>> {
    speeds
        .iter()
        .map(|t| {
            t.iter()
                .map(|&s| (s > 0.0).then(|| vars.add(variable().min(0.0).max(1.0))))
                .collect()
        })
        .collect()
}

/// `Σ_w X_jw ≤ 1` and `Σ_j sf_j X_jw ≤ N_w`.
fn base_constraints<M: SolverModel>(
    mut model: M,
    x: &[Vec<Option<Variable>>],
    sf: &[f64],
    pool_size: &[f64],
) -> M {
    for row in x {
        let sum: Expression = row.iter().flatten().copied().sum();
        model = model.with(constraint!(sum <= 1.0));
    }
    for (w, &n) in pool_size.iter().enumerate() {
        let load: Expression = x
            .iter()
            .zip(sf)
            .filter_map(|(row, &s)| row[w].map(|v| s * v))
            .sum();
        model = model.with(constraint!(load <= n));
    }
    model
}

fn read_solution(
    sol: &impl Solution,
    x: &[Vec<Option<Variable>>],
    active: &[usize],
) -> BTreeMap<usize, Vec<f64>> {
    active
        .iter()
        .zip(x)
        .map(|(&j, row)| {
            let r = row
                .iter()
                .map(|v| v.map_or(0.0, |v| sol.value(v).clamp(0.0, 1.0)))
                .collect();
            (j, r)
        })
        .collect()
}

/// Max-min fairness of normalised throughput (see the module notes).
///
/// Jobs with the same objective coefficients and device count are
/// interchangeable, and the objective is concave, so some optimum gives
/// them equal allocations: the LP has one row per such class (a handful
/// of model × size classes in a Gavel trace) instead of one per job.
fn max_min(
    cfg: &Config,
    pool_size: &[f64],
    jobs: &[TraceJob],
    live: &[Live],
    active: &[usize],
) -> BTreeMap<usize, Vec<f64>> {
    if active.is_empty() {
        return BTreeMap::new();
    }
    let m = active.len() as f64;
    let n_total: f64 = pool_size.iter().sum();
    let even: Vec<f64> = pool_size.iter().map(|&n| n / m.max(n_total)).collect();
    // Per class (keyed by the bits of its coefficients and size): the
    // objective coefficient on each pool, devices per job, and its jobs.
    let mut classes: BTreeMap<Vec<u64>, (Vec<f64>, f64, Vec<usize>)> = BTreeMap::new();
    for &j in active {
        let t = speeds(cfg, Objective::MaxMin, live, j);
        let prop: f64 = t.iter().zip(&even).map(|(a, b)| a * b).sum();
        let sf = jobs[j].devices;
        let weight = if prop > 0.0 {
            sf / (jobs[j].priority.max(1e-9) * prop)
        } else {
            0.0
        };
        let coef: Vec<f64> = t.iter().map(|s| weight * s).collect();
        let mut key: Vec<u64> = coef.iter().map(|c| c.to_bits()).collect();
        key.push(sf.to_bits());
        classes
            .entry(key)
            .or_insert_with(|| (coef, sf, Vec::new()))
            .2
            .push(j);
    }
    let classes: Vec<(Vec<f64>, f64, Vec<usize>)> = classes.into_values().collect();
    let coefs: Vec<Vec<f64>> = classes.iter().map(|c| c.0.clone()).collect();
    let load: Vec<f64> = classes
        .iter()
        .map(|(_, sf, members)| sf * members.len() as f64)
        .collect();
    // Stage 1: the best minimum z*. Stage 2 (agnostic only): among
    // allocations keeping it, the most evenly spread (largest smallest
    // entry), near the centre of the optimal face where an interior-point
    // solver (Gavel's ECOS) lands.
    let solve = |floor: Option<f64>| {
        let mut vars = ProblemVariables::new();
        let z = vars.add(variable().min(0.0));
        let spread = vars.add(variable().min(0.0).max(1.0));
        let x = allocation_vars(&mut vars, &coefs);
        let objective: Expression = if floor.is_some() {
            spread.into()
        } else {
            z.into()
        };
        let mut model = vars.maximise(objective).using(microlp);
        for (row, coef) in x.iter().zip(&coefs) {
            if coef.iter().all(|&c| c <= 0.0) {
                continue;
            }
            let rate: Expression = row
                .iter()
                .zip(coef)
                .filter_map(|(v, &c)| v.map(|v| c * v))
                .sum();
            model = model.with(constraint!(z <= rate));
            if floor.is_some() {
                for v in row.iter().flatten() {
                    model = model.with(constraint!(spread <= *v));
                }
            }
        }
        if let Some(f) = floor {
            model = model.with(constraint!(z >= f));
        }
        let model = base_constraints(model, &x, &load, pool_size);
        model.solve().ok().map(|sol| {
            let zv = sol.value(z);
            let rows: Vec<Vec<f64>> = x
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|v| v.map_or(0.0, |v| sol.value(v).clamp(0.0, 1.0)))
                        .collect()
                })
                .collect();
            (zv, rows)
        })
    };
    let Some((best, first)) = solve(None) else {
        return BTreeMap::new();
    };
    // The agnostic objective (every speed 1) leaves a wide optimal face;
    // with real speeds it is narrow, and the first vertex agrees with Gavel
    // as well (docs/scenarios.md), at half the cost.
    let rows = if cfg.heterogeneity_aware {
        first
    } else {
        solve(Some(best * (1.0 - 1e-9))).map_or(first, |(_, r)| r)
    };
    let mut out = BTreeMap::new();
    for (a, (_, _, members)) in rows.into_iter().zip(&classes) {
        for &j in members {
            out.insert(j, a.clone());
        }
    }
    out
}

/// The jobs an allocation is computed for.
struct Snapshot<'a> {
    jobs: &'a [TraceJob],
    live: &'a [Live],
    /// Jobs in the system, in arrival order.
    active: &'a [usize],
}

/// Gavel's FIFO allocation (`policies/fifo.py`): each job wholly on one
/// type, admitted in arrival order, stopping at the first job for which no
/// type has room (no backfilling).
///
/// - Heterogeneity-aware (`fifo_perf`): recomputed from scratch, each job
///   on the fastest type with room.
/// - Agnostic (`fifo`), as Gavel's code behaves: admitted jobs keep their
///   type; a finished job's type goes to the head of the queue if it fits
///   there; then each newcomer is placed on the type whose name sorts last
///   among those with any device left (the loop variable Gavel's code
///   reuses, meaning to pick at random), even past its capacity, while
///   some type has room for it. The random draw only decides which type
///   leaves the candidate list when one is exactly full.
fn fifo(
    cfg: &Config,
    pool_size: &[f64],
    names: &[String],
    now: Snapshot<'_>,
    previous: &BTreeMap<usize, Vec<f64>>,
    rng: &mut ChaCha8Rng,
) -> BTreeMap<usize, Vec<f64>> {
    use rand::RngExt;
    let Snapshot { jobs, live, active } = now;
    let pools = pool_size.len();
    let one_hot = |w: usize| {
        let mut x = vec![0.0; pools];
        x[w] = 1.0;
        x
    };
    let runs_on = |j: usize, w: usize| live[j].total_s[w].is_some();
    let mut out = BTreeMap::new();
    let mut available = pool_size.to_vec();
    let mut queue: std::collections::VecDeque<usize> = active.iter().copied().collect();
    if !cfg.heterogeneity_aware {
        queue.retain(|j| !previous.contains_key(j));
        let is_active: std::collections::BTreeSet<usize> = active.iter().copied().collect();
        for (&j, x) in previous {
            let Some(w) = x.iter().position(|&v| v > 0.0) else {
                continue;
            };
            if is_active.contains(&j) {
                available[w] -= jobs[j].devices;
                out.insert(j, x.clone());
            } else if let Some(&head) = queue.front()
                && jobs[head].devices <= available[w] + 1e-9
                && runs_on(head, w)
            {
                queue.pop_front();
                available[w] -= jobs[head].devices;
                out.insert(head, one_hot(w));
            }
        }
    }
    // Types with devices left, by name.
    let mut open: Vec<usize> = (0..pools).filter(|&w| available[w] > 1e-9).collect();
    open.sort_by(|&a, &b| names[a].cmp(&names[b]).then(a.cmp(&b)));
    while let Some(j) = queue.pop_front() {
        if open.is_empty() {
            break;
        }
        let sf = jobs[j].devices;
        let fits: Vec<usize> = (0..open.len())
            .filter(|&i| available[open[i]] + 1e-9 >= sf)
            .collect();
        if fits.is_empty() {
            break;
        }
        let (w, drop_at) = if cfg.heterogeneity_aware {
            let best = fits
                .iter()
                .copied()
                .filter(|&i| runs_on(j, open[i]))
                .min_by(|&a, &b| {
                    let speed = |i: usize| live[j].total_s[open[i]].unwrap_or(f64::INFINITY);
                    speed(a).total_cmp(&speed(b)).then(a.cmp(&b))
                });
            match best {
                Some(i) => (open[i], i),
                None => continue,
            }
        } else {
            let drawn = fits[rng.random_range(0..fits.len())];
            let last = open.len() - 1;
            (open[last], drawn)
        };
        if !runs_on(j, w) {
            continue;
        }
        available[w] -= sf;
        out.insert(j, one_hot(w));
        if available[w].abs() <= 1e-9 {
            open.remove(drop_at);
        }
    }
    out
}

/// Finish-time fairness: the smallest ρ (to 0.5 %) for which every job can
/// finish within ρ times its isolated finish time, by bisection.
fn finish_time(
    cfg: &Config,
    pool_size: &[f64],
    t_now: f64,
    jobs: &[TraceJob],
    live: &[Live],
    active: &[usize],
    isolated_done_s: &BTreeMap<usize, f64>,
) -> BTreeMap<usize, Vec<f64>> {
    if active.is_empty() {
        return BTreeMap::new();
    }
    let m = active.len() as f64;
    let t: Vec<Vec<f64>> = active
        .iter()
        .map(|&j| speeds(cfg, Objective::FinishTime, live, j))
        .collect();
    let sf: Vec<f64> = active.iter().map(|&j| jobs[j].devices).collect();
    // Per job: seconds since arrival, work left, isolated finish time.
    let terms: Vec<(f64, f64, f64)> = active
        .iter()
        .map(|&j| {
            let since = (t_now - jobs[j].arrival_s).max(0.0);
            let left = (1.0 - live[j].done).max(0.0);
            let iso = isolated_speed(pool_size, jobs, live, j, m, Objective::FinishTime, cfg);
            let iso_total = isolated_done_s.get(&j).copied().unwrap_or(0.0)
                + if iso > 0.0 { left / iso } else { f64::INFINITY };
            (since, left, iso_total)
        })
        .collect();
    // The allocation achieving ρ, if feasible: each job's speed at least
    // its work left over the time left to finish within ρ.
    let feasible = |rho: f64| -> Option<BTreeMap<usize, Vec<f64>>> {
        let mut vars = ProblemVariables::new();
        let x = allocation_vars(&mut vars, &t);
        let total: Expression = x.iter().flatten().flatten().copied().sum();
        let mut model = vars.maximise(total).using(microlp);
        for (k, &(since, left, iso_total)) in terms.iter().enumerate() {
            if left <= 0.0 || !iso_total.is_finite() {
                continue;
            }
            let window = rho * iso_total - since;
            if window <= 0.0 {
                return None;
            }
            let rate: Expression = x[k]
                .iter()
                .zip(&t[k])
                .filter_map(|(v, &s)| v.map(|v| s * v))
                .sum();
            model = model.with(constraint!(rate >= left / window));
        }
        let model = base_constraints(model, &x, &sf, pool_size);
        model
            .solve()
            .ok()
            .map(|sol| read_solution(&sol, &x, active))
    };
    let mut hi = 1.0;
    let mut best = None;
    for _ in 0..40 {
        if let Some(a) = feasible(hi) {
            best = Some(a);
            break;
        }
        hi *= 2.0;
    }
    let Some(mut best) = best else {
        return BTreeMap::new();
    };
    // To 0.5 % of ρ: a handful of LPs per recomputation.
    let mut lo = 0.0;
    while hi - lo > 0.005 * hi {
        let mid = 0.5 * (lo + hi);
        match feasible(mid) {
            Some(a) => {
                best = a;
                hi = mid;
            }
            None => lo = mid,
        }
    }
    best
}
