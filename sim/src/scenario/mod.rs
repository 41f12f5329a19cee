//! Scenario files, format 1: the way users describe a cluster and its jobs.
//!
//! Reading is two steps, as ripgrep turns `LowArgs` into `HiArgs`:
//!
//! ```text
//! text ──toml──► RawScenario (mirrors the file, spans kept) ──validate──► Scenario
//!                      │                                         │
//!                      └──── every problem, with file:line:column and key path ──► Diagnostics
//! ```
//!
//! ```
//! let text = r#"
//! name = "tiny"
//! [[pool]]
//! name = "a100"
//! device = "a100-sxm4-80gb"
//! nodes = 1
//! [[job]]
//! model = "gpt3-125m"
//! seq_len = 2048
//! global_batch = 8
//! [job.parallelism]
//! tp = 1
//! pp = 1
//! "#;
//! let scenario = cirrus_sim::scenario::parse(text, "tiny.toml").expect("valid");
//! let dp = scenario.jobs[0].parallelism.degree(cirrus_sim::mesh::Axis::Dp);
//! assert_eq!(dp.fixed(), Some(8));
//!
//! // Every problem is reported: here the misspelt key, the missing pool and job.
//! let err = cirrus_sim::scenario::parse("name = 'x'\nsede = 1\n", "bad.toml").unwrap_err();
//! assert_eq!(err.problems.len(), 3);
//! assert!(err.to_string().contains("bad.toml:2:1: error: `sede`: unknown key"));
//! ```

mod domain;
mod names;
pub mod ranges;
mod raw;
mod recover;
mod reference;
mod schema;
mod validate;

pub use crate::source::{Diagnostics, Problem};
pub use domain::{
    Autoscale, Choice, CollectiveAlgorithm, DEFAULT_ELASTIC_MAX_FACTOR,
    DEFAULT_ELASTIC_SERIAL_FRACTION, DeviceProfile, Job, MeasuredDevice, Network, ParallelismSpec,
    Pool, Scenario, Scheduler, Spot, StageLayout, Workload,
};
pub use reference::reference_markdown;
pub use schema::{json_schema, json_schema_text};
pub use validate::MAX_DEVICES;

use crate::source::Collector;
use std::path::Path;
use thiserror::Error;

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("failed to read scenario {file}: {source}")]
    Io {
        /// The file as named.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid scenario.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl ScenarioError {
    /// The problems, when the file was read but is invalid.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            ScenarioError::Invalid(d) => Some(d),
            ScenarioError::Io { .. } => None,
        }
    }
}

/// How to load a scenario.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The file `profile = "local"` names (default:
    /// [`profile::default_path`](crate::profile::default_path)).
    pub local_profile: Option<std::path::PathBuf>,
    /// Skip the event-level step simulation's budget
    /// ([`crate::step_budget`]): for a caller that answers with the
    /// closed-form estimate only (`--model analytic`).
    pub analytic_only: bool,
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with(path, &LoadOptions::default())
}

/// Reads and validates the scenario at `path` with `opts`.
pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let bytes = crate::fsio::read_limited(path, crate::fsio::MAX_INPUT_BYTES, "scenario").map_err(
        |source| ScenarioError::Io {
            file: file.clone(),
            source,
        },
    )?;
    let text = utf8(bytes, &file).map_err(ScenarioError::Invalid)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    parse_with(&text, &file, dir, opts).map_err(ScenarioError::Invalid)
}

/// The file's bytes as text, or a problem at the first byte that is not
/// UTF-8 (with its line and column).
fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, Diagnostics> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes().get(at).copied().unwrap_or(0);
        let text = String::from_utf8_lossy(e.as_bytes());
        let mut c = Collector::new(file, &text);
        c.push(
            at..at + 1,
            "",
            format!("the file is not UTF-8 text: byte 0x{byte:02x} cannot start or continue a character; save it as UTF-8"),
            None,
        );
        c.finish()
    })
}

/// Validates scenario `text`; `file` names it in messages and relative paths
/// resolve against the current directory.
pub fn parse(text: &str, file: &str) -> Result<Scenario, Diagnostics> {
    parse_in_dir(text, file, Path::new("."))
}

/// Validates scenario `text`; `file` names it in messages and relative paths
/// resolve against `dir`.
pub fn parse_in_dir(text: &str, file: &str, dir: &Path) -> Result<Scenario, Diagnostics> {
    parse_with(text, file, dir, &LoadOptions::default())
}

/// Validates scenario `text` with `opts`; `file` names it in messages and
/// relative paths resolve against `dir`.
pub fn parse_with(
    text: &str,
    file: &str,
    dir: &Path,
    opts: &LoadOptions,
) -> Result<Scenario, Diagnostics> {
    let mut out = Collector::new(file, text);
    let recovered = recover::read(text, &mut out);
    let scenario = recovered.raw.as_ref().and_then(|raw| {
        let local = opts
            .local_profile
            .clone()
            .or_else(crate::profile::default_path);
        let mut ctx = validate::Ctx {
            out: &mut out,
            dropped: &recovered.dropped,
            dir,
            local_profile: local.as_deref(),
            step_budget: !opts.analytic_only,
        };
        validate::validate(raw, file, dir, &mut ctx)
    });
    match scenario {
        Some(s) if out.is_empty() => Ok(s),
        _ => {
            let d = out.finish();
            if d.problems.is_empty() {
                // Validation refused without saying why: a bug, but still an error.
                let mut c = Collector::new(file, text);
                c.push(0..0, "", "invalid scenario", None);
                return Err(c.finish());
            }
            Err(d)
        }
    }
}
