//! Workloads for cluster scheduling: jobs read from public traces or drawn
//! from generators, in one shape the cluster simulator consumes.
//!
//! ```text
//! trace files ──importer (gavel | pollux | philly | alibaba-openb | alibaba-pai | helios)──┐
//! generator (synthetic, seeded) ─────────────────────────────────────────────────────────────┴─► Workload { jobs, throughputs }
//! ```
//!
//! Every importer streams its file, reports a malformed row with its row and
//! column ([`WorkloadError::BadRow`]), or, with `skip_bad_rows`, skips and
//! counts it ([`Workload::skipped_rows`]).

pub mod gavel;
pub mod philly;
pub mod pollux;

use std::collections::BTreeMap;
use thiserror::Error;

pub mod helios;
pub mod openb;
pub mod pai;
pub mod synthetic;
mod textcsv;

/// How much work a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Training steps; the time per step on each device type comes from a
    /// throughput table ([`Throughputs`], as in Gavel).
    Steps {
        /// Steps to run.
        steps: f64,
    },
    /// Seconds of run time as the trace recorded it on `device` (a
    /// catalogue id, when the trace names one) with the requested devices;
    /// other device types scale by speed.
    Seconds {
        /// Recorded run time.
        seconds: f64,
        /// The device type it ran on, if known.
        device: Option<String>,
    },
}

/// One job of a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceJob {
    /// Identifier (from the trace, or generated).
    pub id: String,
    /// Submission time, seconds from the workload's start (≥ 0; workloads
    /// are shifted so the first job arrives at 0).
    pub arrival_s: f64,
    /// Devices requested (fractional for shared GPUs, e.g. 0.5).
    pub devices: f64,
    /// Device types the job may run on (catalogue ids or pool names); empty:
    /// any.
    pub device_types: Vec<String>,
    /// The job's work.
    pub work: Work,
    /// Job type for throughput lookups and reports (a Gavel job type, a model
    /// name), if known.
    pub kind: Option<String>,
    /// Gavel's scale factor (the number of devices the throughput entry is
    /// for); 1 otherwise.
    pub scale_factor: u32,
    /// Priority weight (fairness policies); 1 when absent.
    pub priority: f64,
    /// User or virtual cluster, if the trace has one.
    pub user: Option<String>,
}

/// Measured throughput, steps per second, by (job type, scale factor) and
/// device (worker) type: Gavel's `simulation_throughputs.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Throughputs {
    /// `(job type, scale factor) → worker type → steps/s`.
    pub table: BTreeMap<(String, u32), BTreeMap<String, f64>>,
}

impl Throughputs {
    /// Steps per second of `kind` at `scale_factor` on `worker`, if measured.
    pub fn get(&self, kind: &str, scale_factor: u32, worker: &str) -> Option<f64> {
        self.table
            .get(&(kind.to_owned(), scale_factor))?
            .get(worker)
            .copied()
    }
}

/// Jobs to schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workload {
    /// Jobs in arrival order (ties by id).
    pub jobs: Vec<TraceJob>,
    /// The trace's own throughput table, if it has one.
    pub throughputs: Option<Throughputs>,
    /// Rows skipped as malformed (with `skip_bad_rows`).
    pub skipped_rows: u64,
}

/// How a trace is named in the error for one over its size limit.
pub(crate) const TRACE: &str = "trace (`[workload] max_trace_bytes` raises it)";

/// Reads a whole trace file of at most `limit` bytes, naming it in the
/// error; returns the file's name (for messages) and its bytes.
pub(crate) fn read_bytes(
    path: &std::path::Path,
    limit: u64,
) -> Result<(String, Vec<u8>), WorkloadError> {
    let file = path.display().to_string();
    let bytes =
        crate::fsio::read_limited(path, limit, TRACE).map_err(|source| WorkloadError::Io {
            file: file.clone(),
            source,
        })?;
    Ok((file, bytes))
}

/// Options every importer takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Skip malformed rows (counted) instead of failing.
    pub skip_bad_rows: bool,
    /// Read at most this many jobs (after sorting by arrival: the first ones).
    pub limit: Option<usize>,
    /// Refuse a trace file larger than this many bytes (default
    /// [`MAX_TRACE_BYTES`](crate::fsio::MAX_TRACE_BYTES)).
    pub max_bytes: Option<u64>,
}

impl ImportOptions {
    /// The most bytes a trace file may hold under these options.
    pub fn max_trace_bytes(&self) -> u64 {
        self.max_bytes.unwrap_or(crate::fsio::MAX_TRACE_BYTES)
    }
}

/// Why a workload could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WorkloadError {
    /// The file could not be read.
    #[error("failed to read {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A row is malformed.
    #[error("{file}: row {row}, column {column} (`{name}`): {message}")]
    BadRow {
        /// The file.
        file: String,
        /// 1-based row (line) number.
        row: u64,
        /// 1-based column number.
        column: usize,
        /// Column name.
        name: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The file as a whole is not in the expected format.
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads the workload a scenario's `[workload]` table names (relative
/// paths already resolved against the scenario's directory).
pub fn load(
    spec: &crate::scenario::Workload,
    seed: u64,
    opts: ImportOptions,
) -> Result<Workload, WorkloadError> {
    let opts = ImportOptions {
        limit: opts.limit.or(spec.jobs.map(|n| n as usize)),
        skip_bad_rows: opts.skip_bad_rows || spec.skip_bad_rows,
        max_bytes: opts.max_bytes.or(spec.max_trace_bytes),
    };
    let path = |what: &str| {
        spec.path.as_deref().ok_or_else(|| WorkloadError::Format {
            file: "scenario".to_owned(),
            message: format!("`[workload] format = \"{}\"` needs `{what}`", spec.format),
        })
    };
    match spec.format.as_str() {
        "gavel" => {
            let mut w = gavel::read(path("path")?, opts)?;
            let table = spec.throughputs.as_deref().ok_or_else(|| WorkloadError::Format {
                file: "scenario".to_owned(),
                message: "`[workload] format = \"gavel\"` needs `throughputs` (Gavel's simulation_throughputs.json)".to_owned(),
            })?;
            w.throughputs = Some(gavel::read_throughputs(table)?);
            Ok(w)
        }
        "philly" => philly::read(path("path")?, opts),
        "alibaba-openb" => openb::read(path("path")?, opts),
        "alibaba-pai" => pai::read(path("path")?, opts),
        "helios" => helios::read(path("path")?, opts),
        "synthetic" => {
            let spec = synthetic::SyntheticSpec {
                jobs: spec.jobs.map_or(0, |n| n as usize),
                arrival: if spec.arrivals.1 > 1.0 {
                    synthetic::Arrival::Bursty {
                        mean_interarrival_s: spec.arrivals.0,
                        burst_factor: spec.arrivals.1,
                    }
                } else {
                    synthetic::Arrival::Poisson {
                        mean_interarrival_s: spec.arrivals.0,
                    }
                },
                duration: synthetic::Duration::LogNormal {
                    median_s: spec.durations.0,
                    sigma: spec.durations.1,
                },
                devices: spec
                    .devices
                    .iter()
                    .zip(spec.device_weights.iter().chain(std::iter::repeat(&1.0)))
                    .map(|(&d, &w)| (d, w))
                    .collect(),
                kinds: spec.models.clone(),
                device_types: spec.device_types.clone(),
            };
            synthetic::generate(&spec, seed)
        }
        other => Err(WorkloadError::Format {
            file: "scenario".to_owned(),
            message: format!(
                "workload format `{other}` is accepted by the scenario format but not simulated by this build yet"
            ),
        }),
    }
}

/// Whether each job of a workload in `format` must run on one node: the
/// Kubernetes pods of `alibaba-openb` are each bound to one node, so a
/// multi-GPU pod never spans nodes (and one larger than every node it may
/// use is rejected). Other traces' jobs may span nodes.
pub fn one_node_per_job(format: &str) -> bool {
    format == "alibaba-openb"
}

impl Workload {
    /// Sorts jobs by (arrival, id), shifts arrivals so the first is at 0, and
    /// keeps the first `limit`.
    pub fn normalise(&mut self, limit: Option<usize>) {
        self.jobs.sort_by(|a, b| {
            a.arrival_s
                .total_cmp(&b.arrival_s)
                .then_with(|| a.id.cmp(&b.id))
        });
        if let Some(first) = self.jobs.first().map(|j| j.arrival_s) {
            for j in &mut self.jobs {
                j.arrival_s -= first;
            }
        }
        if let Some(n) = limit {
            self.jobs.truncate(n);
        }
    }
}
