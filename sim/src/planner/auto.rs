//! Filling in `"auto"` parallelism before a simulation: each job whose
//! parallelism has `"auto"` fields gets the plan its own limits ask for
//! ([`Objective::of_job`]): the fastest, unless it sets a deadline or a
//! budget.

use super::{Breadth, Objective, Options, Outcome, PlanError, describe, plan};
use crate::scenario::Scenario;

/// Plans job `i` of `scenario` as a simulation does: by the job's objective
/// ([`Objective::of_job`]), pruned search, 16 candidates re-ranked by the
/// event-level simulation.
pub fn plan_job(scenario: &Scenario, i: usize) -> Result<(Objective, Outcome), PlanError> {
    let objective = Objective::of_job(&scenario.jobs[i]);
    let opts = Options {
        objective,
        breadth: Breadth::Pruned,
        rerank: 16,
    };
    Ok((objective, plan(scenario, i, &opts)?))
}

/// What [`plan_job`] chose, in words: `the cheapest within 720 h of 5364
/// candidates: [64 × a + 64 × b] tp 4 pp 1 dp 256 …`.
pub fn choice(scenario: &Scenario, objective: Objective, outcome: &Outcome) -> String {
    format!(
        "the {} of {} candidates: {}",
        objective.phrase(),
        crate::human::thousands(outcome.feasible as f64),
        describe(scenario, &outcome.best.placement, &outcome.best.parallelism)
    )
}

/// Plans every job of `scenario` whose parallelism has `"auto"` fields
/// ([`plan_job`]) and applies each plan in turn. Returns the scenario ready
/// to simulate and one line per planned job, saying what was chosen.
pub fn resolve_auto(mut scenario: Scenario) -> Result<(Scenario, Vec<String>), PlanError> {
    let mut notes = Vec::new();
    for i in 0..scenario.jobs.len() {
        if scenario.jobs[i].parallelism.fixed().is_some() {
            continue;
        }
        let (objective, outcome) = plan_job(&scenario, i)?;
        notes.push(format!(
            "planned job \"{}\", {}",
            scenario.jobs[i].name,
            choice(&scenario, objective, &outcome)
        ));
        scenario = outcome.scenario;
    }
    Ok((scenario, notes))
}
