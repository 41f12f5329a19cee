//! Filling in `"auto"` parallelism before a simulation: each job whose
//! parallelism has `"auto"` fields gets the fastest plan.

use super::{Breadth, Objective, Options, PlanError, describe, plan};
use crate::scenario::Scenario;

/// Plans every job of `scenario` whose parallelism has `"auto"` fields, for
/// the fastest step (pruned search, 16 candidates re-ranked by the
/// event-level simulation), and applies each plan in turn. Returns the
/// scenario ready to simulate and one line per planned job, saying what was
/// chosen.
pub fn resolve_auto(mut scenario: Scenario) -> Result<(Scenario, Vec<String>), PlanError> {
    let mut notes = Vec::new();
    for i in 0..scenario.jobs.len() {
        if scenario.jobs[i].parallelism.fixed().is_some() {
            continue;
        }
        let opts = Options {
            objective: Objective::Time,
            breadth: Breadth::Pruned,
            rerank: 16,
        };
        let outcome = plan(&scenario, i, &opts)?;
        notes.push(format!(
            "planned job \"{}\" (fastest of {} candidates): {}",
            scenario.jobs[i].name,
            outcome.feasible,
            describe(
                &scenario,
                &outcome.best.placement,
                &outcome.best.parallelism
            )
        ));
        scenario = outcome.scenario;
    }
    Ok((scenario, notes))
}
