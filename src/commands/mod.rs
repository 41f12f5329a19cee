//! One function per subcommand.

mod bench;
mod calibrate;
mod catalogue;
mod check;
mod exec;
mod exec_checks;
mod exec_events;
mod plan;
pub(crate) mod report;
mod scenarios;
mod schema;
mod simulate;
mod sweep;
mod tui;
mod validate;

use crate::Failure;
use crate::cli::{Cli, Command};
use cirrus_sim::scenario::{self, Scenario, ScenarioError};
use std::path::Path;

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Simulate(args) => simulate::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Catalogue(args) => catalogue::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Exec(args) => exec::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Tui(args) => tui::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Scenarios(args) => scenarios::run(&args),
    }
}

/// Loads a scenario, mapping invalid input to [`Failure::BadInput`].
pub fn load(path: &Path) -> Result<Scenario, Failure> {
    load_for(path, crate::cli::StepModelKind::Event)
}

/// [`load`] for a command that answers with `model`: the closed-form
/// estimate is not held to the event-level simulation's budget.
pub fn load_for(path: &Path, model: crate::cli::StepModelKind) -> Result<Scenario, Failure> {
    calibrate::ensure_local_profile(path)?;
    scenario::load_with(path, &load_options(model)).map_err(|e| match e {
        ScenarioError::Invalid(d) => Failure::BadInput(d.to_string()),
        other => Failure::BadInput(format!("error: {other}")),
    })
}

/// How a command that answers with `model` reads scenarios: the
/// closed-form estimate is not held to the event-level simulation's budget.
pub fn load_options(model: crate::cli::StepModelKind) -> scenario::LoadOptions {
    scenario::LoadOptions {
        analytic_only: model == crate::cli::StepModelKind::Analytic,
        ..scenario::LoadOptions::default()
    }
}

/// The library's method for the command-line choice.
pub fn method(kind: crate::cli::StepModelKind) -> cirrus_sim::stepsim::Method {
    match kind {
        crate::cli::StepModelKind::Event => cirrus_sim::stepsim::Method::Event,
        crate::cli::StepModelKind::Analytic => cirrus_sim::stepsim::Method::Analytic,
    }
}
