//! Command-line arguments (clap derive). Every subcommand's help ends with an
//! example.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Cirrus: what-if simulation of distributed deep-learning training on
/// heterogeneous GPU and TPU clusters.
#[derive(Debug, Parser)]
#[command(name = "cirrus", version, about, long_about = None, propagate_version = true)]
#[command(after_help = "Example:\n  cirrus simulate scenarios/quickstart.toml")]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate step time, throughput, memory, time to train, cost and energy of a scenario's jobs.
    #[command(
        after_help = "Examples:\n  cirrus simulate scenarios/quickstart.toml\n  cirrus simulate scenarios/gpt3-175b-1024-a100.toml --json > result.json\n  cirrus simulate scenarios/quickstart.toml --out results/"
    )]
    Simulate(SimulateArgs),
    /// Validate a scenario and print every problem with file:line:column and key path.
    #[command(
        after_help = "Example:\n  cirrus check scenarios/quickstart.toml\n\nExit status: 0 valid, 2 invalid (every problem is printed to stderr)."
    )]
    Check(CheckArgs),
    /// Hold the simulator to published measurements: per-row predicted vs measured, mean and max error.
    #[command(
        after_help = "Example:\n  cirrus validate sim/data/measured/korthikanti_2022_table5.csv\n\nThe file's header names its format; see `sim/data/measured/` for the bundled measurements and their sources."
    )]
    Validate(ValidateArgs),
    /// Measure Cirrus's own speed: engine events/s, flow network, event-level and analytic step models.
    #[command(
        after_help = "Examples:\n  cargo run --release -- bench\n  cargo run --release -- bench --quick --json\n\nBuild with --release: debug builds are an order of magnitude slower."
    )]
    Bench(BenchArgs),
    /// List the built-in devices with their figures and sources.
    #[command(
        after_help = "Examples:\n  cirrus catalogue\n  cirrus catalogue --json | jq '.devices[] | .id'"
    )]
    Catalogue(CatalogueArgs),
}

/// `cirrus simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario file (TOML, format 1).
    pub file: PathBuf,
    /// Print the SimResult JSON (format 1) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also write `result.json` (SimResult) into this directory, atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Which model answers: the event-level simulation, or the analytic fast path.
    #[arg(long, value_enum, default_value_t = StepModelKind::Event)]
    pub model: StepModelKind,
}

/// The step model to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StepModelKind {
    /// Event-level simulation on the topology (ops, flows, contention).
    Event,
    /// Closed-form estimate (the planner's fast path).
    Analytic,
}

/// `cirrus check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML, format 1).
    pub file: PathBuf,
}

/// `cirrus catalogue`.
#[derive(Debug, Args)]
pub struct CatalogueArgs {
    /// Print JSON (every figure with its source) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `cirrus validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Measurement file (CSV with a recognised header).
    pub file: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Which model answers.
    #[arg(long, value_enum, default_value_t = StepModelKind::Event)]
    pub model: StepModelKind,
}

/// `cirrus bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// One repetition of each benchmark instead of five (a smoke run).
    #[arg(long)]
    pub quick: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}
