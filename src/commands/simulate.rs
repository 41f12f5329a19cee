//! `cirrus simulate FILE [--json] [--seed N] [--out DIR]`.

use crate::Failure;
use crate::cli::SimulateArgs;
use crate::output;
use anyhow::Context;
use cirrus_sim::estimate::{self, EstimateError};
use cirrus_sim::result::{FORMAT_VERSION, SimResult};
use cirrus_sim::stepsim;

/// Estimates the scenario's job and prints tables or SimResult JSON.
pub fn run(args: &SimulateArgs) -> Result<(), Failure> {
    let scenario = super::load(&args.file)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let failure = |e: EstimateError| match e {
        EstimateError::NeedsPlanner { .. } | EstimateError::Layout { .. } => {
            Failure::BadInput(format!("{}: error: {e}", args.file.display()))
        }
        other => Failure::Runtime(anyhow::Error::new(other)),
    };
    estimate::supported(&scenario).map_err(failure)?;
    let topo = estimate::topology(&scenario).map_err(failure)?;
    let estimates = scenario
        .jobs
        .iter()
        .map(|j| stepsim::estimate_job(super::method(args.model), &scenario, j, &topo))
        .collect::<Result<Vec<_>, _>>()
        .map_err(failure)?;
    let result = SimResult {
        format_version: FORMAT_VERSION,
        scenario: scenario.name.clone(),
        seed,
        jobs: estimates.iter().map(|e| e.result.clone()).collect(),
        cluster: None,
    };
    let json = serde_json::to_string_pretty(&result).context("failed to encode the SimResult")?;
    if let Some(dir) = &args.out {
        output::write_atomically(&dir.join("result.json"), format!("{json}\n").as_bytes())?;
    }
    if args.json {
        println!("{json}");
    } else {
        print!(
            "{}",
            output::render_simulation(&scenario, seed, &topo, &estimates)
        );
    }
    Ok(())
}
