//! Pollux (OSDI '21) simulator workloads: the CSV files in
//! `simulator/workloads*/` of github.com/petuum/adaptdl, branch
//! `osdi21-artifact`.
//!
//! The file has a header row `name,time,application,num_replicas,batch_size`
//! (columns are found by name, so their order may change) and one job per
//! row. Cells are split on commas; the published files have no quoted cells.
//! Mapping to [`TraceJob`]:
//!
//! | column         | mapping                                                   |
//! |----------------|-----------------------------------------------------------|
//! | `name`         | `id` (e.g. `cifar10-0`)                                   |
//! | `time`         | `arrival_s` (submission second; finite, ≥ 0)              |
//! | `application`  | `kind` (cifar10, imagenet, bert, deepspeech2, yolov3, ncf)|
//! | `num_replicas` | `devices` (GPUs the job asked for; integer ≥ 1)           |
//! | `batch_size`   | checked (integer ≥ 1), not kept: `TraceJob` has no field  |
//!
//! The file records **no duration or step count**: in Pollux every job of an
//! application trains to that application's fixed target, and the time it
//! takes comes from per-application profiles (adaptdl
//! `simulator/traces/<app>/`, not copied here). So `work` is
//! `Work::Steps { steps: 1.0 }` — one complete run of `application` — to be
//! paired with a throughput table in runs per second (the inverse of a
//! profiled completion time) keyed by `kind`. `scale_factor` is 1, `priority`
//! 1, `device_types` empty, `user` `None`.

use super::{ImportOptions, TraceJob, Work, Workload, WorkloadError};
use std::io::BufRead;
use std::path::Path;

/// Columns the header must contain.
pub const REQUIRED: [&str; 4] = ["name", "time", "application", "num_replicas"];

/// Reads a Pollux workload CSV.
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    let (file, bytes) = super::read_bytes(path, opts.max_trace_bytes())?;
    parse(bytes.as_slice(), &file, opts)
}

/// Column positions (0-based) found in the header.
struct Header {
    names: Vec<String>,
    name: usize,
    time: usize,
    application: usize,
    num_replicas: usize,
    batch_size: Option<usize>,
}

impl Header {
    fn parse(line: &str, file: &str) -> Result<Self, WorkloadError> {
        let names: Vec<String> = line.split(',').map(|c| c.trim().to_owned()).collect();
        let find = |n: &str| names.iter().position(|c| c == n);
        let need = |n: &str| {
            find(n).ok_or_else(|| WorkloadError::Format {
                file: file.to_owned(),
                message: format!(
                    "header lacks column `{n}`: expected name,time,application,num_replicas[,batch_size], found `{line}`"
                ),
            })
        };
        Ok(Self {
            name: need(REQUIRED[0])?,
            time: need(REQUIRED[1])?,
            application: need(REQUIRED[2])?,
            num_replicas: need(REQUIRED[3])?,
            batch_size: find("batch_size"),
            names,
        })
    }
}

/// Parses a Pollux workload CSV from `reader`; `file` names it in errors.
pub fn parse(
    reader: impl BufRead,
    file: &str,
    opts: ImportOptions,
) -> Result<Workload, WorkloadError> {
    let mut lines = reader.lines().enumerate();
    let io = |source| WorkloadError::Io {
        file: file.to_owned(),
        source,
    };
    let header = match lines.next() {
        Some((_, line)) => Header::parse(line.map_err(io)?.trim_end_matches('\r'), file)?,
        None => {
            return Err(WorkloadError::Format {
                file: file.to_owned(),
                message: "empty file: expected a header row".to_owned(),
            });
        }
    };
    let mut w = Workload::default();
    for (i, line) in lines {
        let line = line.map_err(io)?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match parse_row(line, i as u64 + 1, &header, file) {
            Ok(job) => w.jobs.push(job),
            Err(_) if opts.skip_bad_rows => w.skipped_rows += 1,
            Err(e) => return Err(e),
        }
    }
    w.normalise(opts.limit);
    Ok(w)
}

/// Parses data row `row` (1-based line number; the header is row 1).
fn parse_row(line: &str, row: u64, h: &Header, file: &str) -> Result<TraceJob, WorkloadError> {
    let bad = |col: usize, message: String| WorkloadError::BadRow {
        file: file.to_owned(),
        row,
        column: col + 1,
        name: h
            .names
            .get(col)
            .cloned()
            .unwrap_or_else(|| "(extra)".to_owned()),
        message,
    };
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() < h.names.len() {
        return Err(bad(
            cells.len(),
            format!(
                "missing: the row has {} columns, the header {}",
                cells.len(),
                h.names.len()
            ),
        ));
    }
    if cells.len() > h.names.len() {
        return Err(bad(
            h.names.len(),
            format!(
                "unexpected: the row has {} columns, the header {} (quoted commas are not supported)",
                cells.len(),
                h.names.len()
            ),
        ));
    }
    let count = |col: usize| -> Result<u32, WorkloadError> {
        match cells[col].parse::<u32>() {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(bad(col, format!("`{}` is not an integer ≥ 1", cells[col]))),
        }
    };
    let id = cells[h.name];
    if id.is_empty() {
        return Err(bad(h.name, "empty job name".to_owned()));
    }
    let arrival_s = match cells[h.time].parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => v,
        _ => {
            return Err(bad(
                h.time,
                format!("`{}` is not a number of seconds ≥ 0", cells[h.time]),
            ));
        }
    };
    let application = cells[h.application];
    if application.is_empty() {
        return Err(bad(h.application, "empty application".to_owned()));
    }
    let devices = count(h.num_replicas)?;
    if let Some(b) = h.batch_size {
        count(b)?;
    }
    Ok(TraceJob {
        id: id.to_owned(),
        arrival_s,
        devices: f64::from(devices),
        device_types: Vec::new(),
        work: Work::Steps { steps: 1.0 },
        kind: Some(application.to_owned()),
        scale_factor: 1,
        priority: 1.0,
        user: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../data/traces/pollux/workload-6-head.csv");
    const HEADER: &str = "name,time,application,num_replicas,batch_size\n";

    fn opts() -> ImportOptions {
        ImportOptions::default()
    }

    #[test]
    fn sample_parses_with_hand_checked_first_and_last_jobs() {
        let w = parse(SAMPLE.as_bytes(), "workload-6-head.csv", opts()).expect("parses");
        assert_eq!(w.jobs.len(), 30);
        assert_eq!(w.skipped_rows, 0);
        // cifar10-0,53,cifar10,6,2048 (shifted to 0).
        let first = &w.jobs[0];
        assert_eq!(first.id, "cifar10-0");
        assert_eq!(first.arrival_s, 0.0);
        assert_eq!(first.kind.as_deref(), Some("cifar10"));
        assert_eq!(first.devices, 6.0);
        assert_eq!(first.work, Work::Steps { steps: 1.0 });
        // cifar10-29,5277,cifar10,12,4096.
        let last = w.jobs.last().expect("jobs");
        assert_eq!(last.id, "cifar10-29");
        assert_eq!(last.arrival_s, 5277.0 - 53.0);
        assert_eq!(last.devices, 12.0);
    }

    #[test]
    fn arrivals_are_sorted_and_start_at_zero() {
        let text = format!("{HEADER}b,90,ncf,1,256\na,30,bert,2,12\n");
        let w = parse(text.as_bytes(), "t", opts()).expect("parses");
        assert_eq!(w.jobs[0].id, "a");
        assert_eq!(w.jobs[0].arrival_s, 0.0);
        assert_eq!(w.jobs[1].arrival_s, 60.0);
        let w = parse(SAMPLE.as_bytes(), "t", opts()).expect("parses");
        assert!(w.jobs.windows(2).all(|p| p[0].arrival_s <= p[1].arrival_s));
    }

    fn bad_row(text: &str) -> (u64, usize, String) {
        match parse(text.as_bytes(), "t.csv", opts()) {
            Err(WorkloadError::BadRow {
                row, column, name, ..
            }) => (row, column, name),
            other => panic!("expected BadRow, got {other:?}"),
        }
    }

    #[test]
    fn non_number_is_a_bad_row_with_its_row_and_column() {
        let text = format!("{HEADER}a,1,ncf,1,256\nb,soon,ncf,1,256\n");
        assert_eq!(bad_row(&text), (3, 2, "time".to_owned()));
        let text = format!("{HEADER}a,1,ncf,1,256\nb,2,ncf,1,256\nc,3,ncf,four,256\n");
        assert_eq!(bad_row(&text), (4, 4, "num_replicas".to_owned()));
    }

    #[test]
    fn too_few_columns_is_a_bad_row_at_the_first_missing_column() {
        let text = format!("{HEADER}a,1,ncf\n");
        assert_eq!(bad_row(&text), (2, 4, "num_replicas".to_owned()));
    }

    #[test]
    fn skip_bad_rows_skips_and_counts() {
        let text = format!("{HEADER}a,1,ncf,1,256\nb,x,ncf,1,256\nc,2\nd,3,bert,2,12\n");
        let o = ImportOptions {
            skip_bad_rows: true,
            ..opts()
        };
        let w = parse(text.as_bytes(), "t", o).expect("skips");
        assert_eq!(w.skipped_rows, 2);
        let ids: Vec<_> = w.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
    }

    #[test]
    fn a_header_without_required_columns_is_a_format_error() {
        let e = parse("name,when\na,1\n".as_bytes(), "t", opts());
        assert!(matches!(e, Err(WorkloadError::Format { .. })));
    }
}
