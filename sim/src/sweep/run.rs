//! Simulating one variant, as `cirrus simulate` would: a workload is
//! scheduled on the pools; otherwise `"auto"` parallelism is planned
//! (fastest plan) and each job's step simulated.

use super::SweepError;
use crate::result::{FORMAT_VERSION, SimResult};
use crate::scenario::Scenario;

pub use crate::stepsim::Method;

/// Simulates `s` with `seed` (`None`: the scenario's) by `method`; `label`
/// names the variant in errors.
pub fn run(
    s: Scenario,
    seed: Option<u64>,
    method: Method,
    label: &str,
) -> Result<SimResult, SweepError> {
    let fail = |why: String| SweepError::Run {
        variant: label.to_owned(),
        why,
    };
    // The one seed of every draw: the workload's, the failures' and spot
    // revocations', the scheduler's tie-breaks.
    let mut s = s;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    let seed = s.seed;
    if let Some(spec) = &s.workload {
        let w = crate::workload::load(spec, seed, crate::workload::ImportOptions::default())
            .map_err(|e| fail(e.to_string()))?;
        let cfg = crate::cluster::config(&s).map_err(|e| fail(e.to_string()))?;
        let out = crate::cluster::simulate(&s, &w, &cfg).map_err(|e| fail(e.to_string()))?;
        return Ok(SimResult {
            format_version: FORMAT_VERSION,
            scenario: s.name.clone(),
            seed,
            jobs: Vec::new(),
            cluster: Some(out.result),
        });
    }
    let (s, _) = crate::planner::resolve_auto(s).map_err(|e| fail(e.to_string()))?;
    crate::stepsim::simulate(&s, seed, method).map_err(|e| fail(e.to_string()))
}
