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
        after_help = "Examples:\n  cirrus simulate scenarios/quickstart.toml\n  cirrus simulate scenarios/gpt3-175b-1024-a100.toml --json > result.json\n  cirrus simulate scenarios/quickstart.toml --out results/\n  cirrus simulate scenarios/gpt3-175b-512a100-512h100.toml --plan plan.json\n\nA job whose parallelism is \"auto\" (or has \"auto\" fields) is planned first (fastest plan)."
    )]
    Simulate(SimulateArgs),
    /// Search placements and parallel plans for the scenario's job; print the best and the Pareto front.
    #[command(
        after_help = "Examples:\n  cirrus plan scenarios/gpt3-175b-512a100-512h100.toml\n  cirrus plan scenarios/llama3-70b-deadline.toml --objective cost-deadline --deadline-h 720 -o plan.json\n  cirrus plan scenarios/quickstart.toml --exhaustive\n\nExit status 2 when no plan fits memory or meets the deadline or budget, with the nearest miss."
    )]
    Plan(PlanArgs),
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
    /// Run a plan for real: data-parallel training of its transformer on the local wgpu adapters; measured vs predicted.
    #[command(
        after_help = "Examples:\n  cirrus plan scenarios/local-2-workers.toml -o plan.json && cirrus exec plan.json\n  cirrus exec plan.json --steps 50 --json > report.json\n  cirrus exec plan.json --checkpoint-dir ckpt --resume\n  cirrus exec --list-adapters\n\nOne worker per plan node: a node whose device is `cpu` runs on the CPU reference backend, any other on wgpu adapter --adapter. Exit status 1 when wgpu finds no adapter (with a hint), 2 for a bad plan."
    )]
    Exec(ExecArgs),
    /// Micro-benchmark the local adapters and the CPU backend into a device profile scenarios can use.
    #[command(
        after_help = "Examples:\n  cargo run --release -- calibrate\n  cirrus calibrate --quick -o /tmp/profile.toml --json\n\nWrites the profile (TOML, format 1) atomically to -o, else to $CIRRUS_PROFILE, else $XDG_CACHE_HOME/cirrus/device-profile.toml, else ~/.cache/cirrus/device-profile.toml: where a scenario's `profile = \"local\"` looks. Build with --release: the CPU backend's rates depend on it."
    )]
    Calibrate(CalibrateArgs),
    /// Run a grid of scenario variants in parallel: one CSV row per variant, Pareto-optimal rows flagged.
    #[command(
        after_help = "Examples:\n  cirrus sweep scenarios/quickstart.toml --vary pool.a100.nodes=2,4,8 --vary job.gpt3-1.3b.parallelism.tp=1,2,4,8 --csv sweep.csv\n  cirrus sweep scenarios/gavel-replay.toml --vary scheduler.policy=fifo,sjf,las\n  cirrus sweep FILE --vary ... --shard $SLURM_ARRAY_TASK_ID/16 --csv shard-$SLURM_ARRAY_TASK_ID.csv\n  cirrus report merge shard-*.csv -o sweep.csv\n\nKEY is a dotted path into the scenario's TOML; `pool` and `job` entries are named by their `name` (or position). Each variant is validated like any scenario: a problem names the variant, file, line, column and key (exit status 2)."
    )]
    Sweep(SweepArgs),
    /// Write cost reports (CSV), charts (SVG) and a timeline (Chrome trace JSON) from a result; merge sweep shards.
    #[command(
        after_help = "Examples:\n  cirrus simulate scenarios/quickstart.toml --out results/ && cirrus report results/result.json --csv reports/ --svg reports/ --trace trace.json\n  cirrus report sweep.csv --svg charts/\n  cirrus report merge shard-*.csv -o sweep.csv\n\nRESULT is a SimResult (`cirrus simulate --json` or --out), a sweep CSV (`cirrus sweep`: --svg only, the Pareto chart), or `cirrus plan --json` output (--svg: its Pareto front). Open the trace in Perfetto (ui.perfetto.dev) or chrome://tracing.",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Report(ReportArgs),
    /// The interactive dashboard: pick a scenario, watch its simulation, browse the queue, plan.
    #[command(
        after_help = "Examples:\n  cirrus tui\n  cirrus tui scenarios/gavel-replay.toml\n  cirrus tui my.toml --scenarios ~/what-ifs\n\nPress ? inside for every key; q or Ctrl-C quits. Needs a terminal (80×24 or larger)."
    )]
    Tui(TuiArgs),
    /// List the built-in devices with their figures and sources.
    #[command(
        after_help = "Examples:\n  cirrus catalogue\n  cirrus catalogue --json | jq '.devices[] | .id'"
    )]
    Catalogue(CatalogueArgs),
    /// Print the scenario format as a JSON Schema (for editor completion), or its key reference.
    #[command(
        after_help = "Examples:\n  cirrus schema > scenario.schema.json\n  cirrus schema --reference > docs/scenario-reference.md\n\nThe committed copies are docs/scenario.schema.json and docs/scenario-reference.md; editors that read `#:schema PATH` comments (taplo, Even Better TOML) complete and check keys with it."
    )]
    Schema(SchemaArgs),
    /// Print the index of a directory of scenarios: each one's question, what it holds and its headline result (each is simulated).
    #[command(
        after_help = "Examples:\n  cirrus scenarios\n  CIRRUS_PROFILE=tests/fixtures/profiles/lavapipe-2-cores.toml cirrus scenarios > scenarios/README.md\n\nThe committed index is scenarios/README.md (test.sh fails when it is stale). Every scenario is simulated: about 12 s for the bundled ones in a release build."
    )]
    Scenarios(ScenariosArgs),
}

/// `cirrus scenarios`.
#[derive(Debug, Args)]
pub struct ScenariosArgs {
    /// Directory of scenario files (`.toml`).
    #[arg(default_value = "scenarios")]
    pub dir: PathBuf,
}

/// `cirrus schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the scenario reference (Markdown: every key with its unit,
    /// default and example) made from the schema instead of the schema.
    #[arg(long)]
    pub reference: bool,
}

/// `cirrus sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML, format 1).
    pub file: PathBuf,
    /// A key and its values, `KEY=V1,V2,...` (repeatable; the grid is their
    /// Cartesian product, the first --vary varying slowest).
    #[arg(long = "vary", value_name = "KEY=V1,V2,...", required = true)]
    pub vary: Vec<String>,
    /// Write the CSV here, atomically (default: standard output).
    #[arg(long, value_name = "OUT")]
    pub csv: Option<PathBuf>,
    /// Run only part K of N of the grid (variants i with i mod N = K-1), for an array job.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Which model answers for training jobs.
    #[arg(long, value_enum, default_value_t = StepModelKind::Event)]
    pub model: StepModelKind,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). The output is the same for any count.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `cirrus report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// `merge`: combine sweep shards.
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    /// A SimResult JSON, a sweep CSV, or `cirrus plan --json` output.
    #[arg(value_name = "RESULT", required = true)]
    pub input: Option<PathBuf>,
    /// Write the cost CSVs (cost_jobs.csv, cost_pool_days.csv, cost_scenario.csv) into this directory.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Write the SVG charts into this directory.
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Write the timeline as Chrome trace-event JSON here.
    #[arg(long, value_name = "OUT.json")]
    pub trace: Option<PathBuf>,
}

/// `cirrus report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine sweep shards (`cirrus sweep --shard K/N --csv ...`) into exactly the unsharded sweep's CSV.
    Merge(MergeArgs),
}

/// `cirrus report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' CSV files, in any order.
    #[arg(required = true, value_name = "SHARD.csv")]
    pub shards: Vec<PathBuf>,
    /// Write the merged CSV here, atomically.
    #[arg(short = 'o', long = "output", value_name = "OUT.csv", required = true)]
    pub output: PathBuf,
}

/// `cirrus calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Print the profile as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the profile here (default: the local profile location).
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Measure a few small sizes only (seconds, for tests).
    #[arg(long)]
    pub quick: bool,
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
    /// Also write `result.json` (SimResult) and the cost CSVs into this
    /// directory, atomically, and for workload scenarios `jobs.csv` (one
    /// row per job) and `usage.csv` (per pool per hour).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Which model answers: the event-level simulation, or the analytic fast path.
    #[arg(long, value_enum, default_value_t = StepModelKind::Event)]
    pub model: StepModelKind,
    /// Simulate this plan (from `cirrus plan -o`) instead of the scenario's parallelism.
    #[arg(long, value_name = "PLAN.json")]
    pub plan: Option<PathBuf>,
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
    /// The model `simulate` will answer with: `analytic` skips the
    /// event-level simulation's budget.
    #[arg(long, value_enum, default_value_t = StepModelKind::Event)]
    pub model: StepModelKind,
}

/// `cirrus tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Scenario file to open first (TOML, format 1).
    pub file: Option<PathBuf>,
    /// Directory whose `.toml` files the Scenarios tab offers.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// Follow a run's events file (`cirrus exec --events FILE`) on the
    /// Executor tab.
    #[arg(long, value_name = "EVENTS")]
    pub exec: Option<PathBuf>,
    /// Append each key press's response time (ms, from reading the key to
    /// drawing its effect) to this file.
    #[arg(long, value_name = "FILE")]
    pub key_log: Option<PathBuf>,
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
    /// Print a Markdown section instead: the file's header, then each row against both models.
    #[arg(long, conflicts_with_all = ["json", "model"])]
    pub markdown: bool,
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

/// `cirrus plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file (TOML, format 1); its first job is planned.
    pub file: PathBuf,
    /// What to optimise (default: `cost-deadline` when a deadline is given,
    /// by `--deadline-h` or the job's `deadline_h`, else `throughput-budget`
    /// when a budget is, else `time`).
    #[arg(long, value_enum)]
    pub objective: Option<ObjectiveKind>,
    /// Deadline in hours for `cost-deadline` (default: the job's `deadline_h`).
    #[arg(long, value_name = "HOURS")]
    pub deadline_h: Option<f64>,
    /// Budget in USD per hour for `throughput-budget` (default: the job's `budget_usd_per_hour`).
    #[arg(long, value_name = "USD")]
    pub budget_usd_per_hour: Option<f64>,
    /// Enumerate the whole space (no dominance pruning), to check the search.
    #[arg(long)]
    pub exhaustive: bool,
    /// Candidates re-ranked by the event-level simulation.
    #[arg(long, default_value_t = 16)]
    pub rerank: usize,
    /// Write the best plan (Plan file format 1) here, atomically.
    #[arg(short = 'o', long = "output", value_name = "PLAN.json")]
    pub output: Option<PathBuf>,
    /// Print JSON (the best plan's SimResult entry and the Pareto front) instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Planner objectives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveKind {
    /// Maximum throughput.
    Time,
    /// Least money to train `train_tokens`.
    Cost,
    /// Least money within the deadline.
    CostDeadline,
    /// Most throughput within the budget.
    ThroughputBudget,
}

/// `cirrus exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The plan to run (Plan file format 1, from `cirrus plan -o`).
    #[arg(required_unless_present = "list_adapters", value_name = "PLAN.json")]
    pub plan: Option<PathBuf>,
    /// Print every compute adapter wgpu finds (name, backend, type, driver)
    /// and exit.
    #[arg(long, conflicts_with = "plan")]
    pub list_adapters: bool,
    /// Optimizer steps (default: the plan job's `train_tokens` in steps, else 300).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Print the RunReport JSON (format 1) instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Also write the RunReport JSON here, atomically.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// AdamW learning rate.
    #[arg(long, default_value_t = 6e-3)]
    pub lr: f32,
    /// Seeds the initial parameters and the data order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Validate every N steps (default: a tenth of the steps).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<u64>,
    /// Stop after N validations without a new best validation loss.
    #[arg(long, value_name = "N")]
    pub early_stop: Option<u32>,
    /// Steps at the start left out of the timing medians (default: min(3, steps/5)).
    #[arg(long, value_name = "N")]
    pub warmup: Option<u64>,
    /// How workers combine gradients.
    #[arg(long, value_enum, default_value_t = AllReduceKind::Ring)]
    pub allreduce: AllReduceKind,
    /// Write a checkpoint into this directory every `--checkpoint-every` steps (atomically).
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Steps between checkpoints.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub checkpoint_every: u64,
    /// Continue from the checkpoint in `--checkpoint-dir` (a fresh start if there is none).
    #[arg(long, requires = "checkpoint_dir")]
    pub resume: bool,
    /// The wgpu adapter (index in `--list-adapters`) GPU workers run on.
    #[arg(long, value_name = "INDEX", default_value_t = 0)]
    pub adapter: usize,
    /// Write the run as it happens to this file, one JSON line per worker
    /// per step (follow it with `cirrus tui --exec FILE`).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
}

/// How in-process workers combine gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AllReduceKind {
    /// Chunked ring all-reduce through host memory.
    Ring,
    /// Rank 0 sums every worker's gradient and sends the sum back.
    ParameterServer,
}
