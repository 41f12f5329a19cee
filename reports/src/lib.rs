//! Cirrus reports: CSV cost reports, sweep aggregation, SVG charts and
//! timeline traces, as pure functions of `cirrus-sim`'s result types.
//!
//! This build has the per-job CSV of a cluster simulation
//! ([`jobs_csv`]) and its per-pool hourly usage ([`usage_csv`]); cost reports, sweeps, charts and traces arrive with the
//! reports issue.

mod csv;
mod jobs;
mod usage;

pub use jobs::{JOBS_CSV_HEADER, jobs_csv};
pub use usage::{USAGE_CSV_HEADER, usage_csv};
