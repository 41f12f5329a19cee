//! Cirrus reports: CSV cost reports, sweep aggregation, SVG charts and
//! timeline traces, as pure functions of `cirrus-sim`'s result types.
//!
//! ```text
//! SimResult (result.json) ──cost──► cost_jobs.csv, cost_pool_days.csv, cost_scenario.csv
//!          │             ──charts─► breakdown.svg, utilization.svg, jct_cdf.svg
//!          │             ──trace──► trace.json (Chrome trace events: Perfetto, chrome://tracing)
//! cluster::Outcome ──jobs_csv / usage_csv──► jobs.csv, usage.csv
//! sweep rows ──sweep::csv──► sweep.csv (Pareto flags) ◄──sweep::merge── shard CSVs
//!                              └──charts──► pareto.svg
//! ```
//!
//! ```
//! use cirrus_sim::{estimate, scenario};
//! let text = r#"
//! [[pool]]
//! name = "a100"
//! device = "a100-sxm4-80gb"
//! nodes = 1
//! [[job]]
//! model = "gpt3-125m"
//! seq_len = 2048
//! global_batch = 8
//! train_tokens = 1e9
//! [job.parallelism]
//! tp = 1
//! pp = 1
//! "#;
//! let s = scenario::parse(text, "tiny.toml").expect("valid");
//! let result = estimate::simulate(&s, s.seed).expect("simulated");
//! let csv = cirrus_reports::cost::jobs_csv(&result).expect("in memory");
//! assert!(csv.starts_with(cirrus_reports::cost::JOBS_HEADER));
//! ```

pub mod charts;
pub mod cost;
mod csv;
mod jobs;
pub mod sweep;
pub mod trace;
mod usage;

pub use jobs::{JOBS_CSV_HEADER, jobs_csv};
pub use usage::{USAGE_CSV_HEADER, usage_csv};

use thiserror::Error;

/// Why a report could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing CSV failed (in memory: not expected).
    #[error("write csv: {0}")]
    Csv(#[from] ::csv::Error),
    /// An I/O or encoding failure while building a report in memory.
    #[error("build the report: {0}")]
    Io(std::io::Error),
    /// Drawing a chart failed.
    #[error("draw chart {chart}: {why}")]
    Chart {
        /// The chart's file name.
        chart: String,
        /// What went wrong.
        why: String,
    },
    /// A sweep CSV (shard) is malformed or does not fit with the others.
    #[error("{file}:{line}: {why}")]
    Sweep {
        /// The file as named.
        file: String,
        /// Line, from 1 (0: the file as a whole).
        line: u64,
        /// What was expected.
        why: String,
    },
    /// Shards that cannot be merged as a whole (a shard missing).
    #[error("{0}")]
    Merge(String),
}
