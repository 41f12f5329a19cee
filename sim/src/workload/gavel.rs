//! Gavel job traces (`*.trace`) and Gavel's measured throughput table
//! (`simulation_throughputs.json`), from github.com/stanford-futuredata/gavel.
//!
//! A trace is tab-separated, one job per line, 10 columns (Gavel's current
//! format), mapped to [`TraceJob`] as follows:
//!
//! | # | column             | mapping                                         |
//! |---|--------------------|-------------------------------------------------|
//! | 1 | `job_type`         | `kind` (also the throughput-table key)          |
//! | 2 | `command`          | ignored                                         |
//! | 3 | `working_directory`| ignored                                         |
//! | 4 | `num_steps_arg`    | ignored                                         |
//! | 5 | `needs_data_dir`   | ignored                                         |
//! | 6 | `total_steps`      | `work = Work::Steps { steps }` (finite, ≥ 0)    |
//! | 7 | `scale_factor`     | `scale_factor` and `devices` (integer ≥ 1)      |
//! | 8 | `priority_weight`  | `priority` (finite, > 0)                        |
//! | 9 | `SLO`              | ignored (must be a number; −1 = none)           |
//! |10 | `arrival_time_s`   | `arrival_s` (finite, ≥ 0)                       |
//!
//! Ids are `job{n}`, `n` the 0-based line number in the file (Gavel's own
//! job ids, in file order). `device_types` is empty and `user` is `None`.
//! Blank lines are ignored.
//!
//! The throughput table maps worker type → `"('job_type', scale_factor)"` →
//! `{"null": steps/s alone, "('other', sf)": [steps/s, other's steps/s] when
//! co-located}`; [`read_throughputs`] keeps the `"null"` (isolated) entries.

use super::{ImportOptions, Throughputs, TraceJob, Work, Workload, WorkloadError};
use std::io::BufRead;
use std::path::Path;

/// The trace's columns, in order.
pub const COLUMNS: [&str; 10] = [
    "job_type",
    "command",
    "working_directory",
    "num_steps_arg",
    "needs_data_dir",
    "total_steps",
    "scale_factor",
    "priority_weight",
    "SLO",
    "arrival_time_s",
];

/// Reads a Gavel `.trace` file.
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    let (file, bytes) = super::read_bytes(path, opts.max_trace_bytes())?;
    parse(bytes.as_slice(), &file, opts)
}

/// Parses a Gavel trace from `reader`; `file` names it in errors.
pub fn parse(
    reader: impl BufRead,
    file: &str,
    opts: ImportOptions,
) -> Result<Workload, WorkloadError> {
    let mut w = Workload::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| WorkloadError::Io {
            file: file.to_owned(),
            source,
        })?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        match parse_row(line, i, file) {
            Ok(job) => w.jobs.push(job),
            Err(_) if opts.skip_bad_rows => w.skipped_rows += 1,
            Err(e) => return Err(e),
        }
    }
    w.normalise(opts.limit);
    Ok(w)
}

/// Parses line `index` (0-based) of the trace.
fn parse_row(line: &str, index: usize, file: &str) -> Result<TraceJob, WorkloadError> {
    let row = index as u64 + 1;
    let bad = |column: usize, message: String| WorkloadError::BadRow {
        file: file.to_owned(),
        row,
        column,
        name: COLUMNS
            .get(column - 1)
            .map_or_else(|| "(extra)".to_owned(), |n| (*n).to_owned()),
        message,
    };
    let cells: Vec<&str> = line.split('\t').collect();
    if cells.len() < COLUMNS.len() {
        return Err(bad(
            cells.len() + 1,
            format!(
                "missing: the row has {} tab-separated columns, expected {}",
                cells.len(),
                COLUMNS.len()
            ),
        ));
    }
    if cells.len() > COLUMNS.len() {
        return Err(bad(
            COLUMNS.len() + 1,
            format!(
                "unexpected: the row has {} tab-separated columns, expected {}",
                cells.len(),
                COLUMNS.len()
            ),
        ));
    }
    let number = |column: usize| -> Result<f64, WorkloadError> {
        let cell = cells[column - 1].trim();
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(bad(column, format!("`{cell}` is not a finite number"))),
        }
    };
    let kind = cells[0].trim();
    if kind.is_empty() {
        return Err(bad(1, "empty job type".to_owned()));
    }
    let steps = number(6)?;
    if steps < 0.0 {
        return Err(bad(6, format!("{steps} steps: expected ≥ 0")));
    }
    let sf_cell = cells[6].trim();
    let scale_factor = match sf_cell.parse::<u32>() {
        Ok(v) if v >= 1 => v,
        _ => {
            return Err(bad(
                7,
                format!("`{sf_cell}` is not an integer number of devices ≥ 1"),
            ));
        }
    };
    let priority = number(8)?;
    if priority <= 0.0 {
        return Err(bad(8, format!("priority weight {priority}: expected > 0")));
    }
    number(9)?;
    let arrival_s = number(10)?;
    if arrival_s < 0.0 {
        return Err(bad(10, format!("arrival {arrival_s} s: expected ≥ 0")));
    }
    Ok(TraceJob {
        id: format!("job{index}"),
        arrival_s,
        devices: f64::from(scale_factor),
        device_types: Vec::new(),
        work: Work::Steps { steps },
        kind: Some(kind.to_owned()),
        scale_factor,
        priority,
        user: None,
    })
}

/// Reads Gavel's `simulation_throughputs.json` (isolated throughputs only).
pub fn read_throughputs(path: &Path) -> Result<Throughputs, WorkloadError> {
    let file = path.display().to_string();
    let text =
        crate::fsio::read_to_string_limited(path, crate::fsio::MAX_TRACE_BYTES, "trace table")
            .map_err(|source| WorkloadError::Io {
                file: file.clone(),
                source,
            })?;
    parse_throughputs(&text, &file)
}

/// Parses a Gavel throughput table from JSON text; `file` names it in errors.
pub fn parse_throughputs(text: &str, file: &str) -> Result<Throughputs, WorkloadError> {
    let format = |message: String| WorkloadError::Format {
        file: file.to_owned(),
        message,
    };
    let root: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format(format!("invalid JSON: {e}")))?;
    let workers = root
        .as_object()
        .ok_or_else(|| format("expected an object of worker types".to_owned()))?;
    let mut t = Throughputs::default();
    for (worker, entries) in workers {
        let entries = entries
            .as_object()
            .ok_or_else(|| format(format!("worker `{worker}`: expected an object")))?;
        for (key, entry) in entries {
            let (kind, sf) = parse_key(key).ok_or_else(|| {
                format(format!(
                    "worker `{worker}`: bad key `{key}`, expected \"('job type', scale factor)\""
                ))
            })?;
            let Some(v) = entry.get("null") else {
                continue;
            };
            let v = v.as_f64().ok_or_else(|| {
                format(format!(
                    "worker `{worker}`, `{key}`: \"null\" is not a number"
                ))
            })?;
            if !(v.is_finite() && v >= 0.0) {
                return Err(format(format!(
                    "worker `{worker}`, `{key}`: throughput {v} steps/s is negative; expected ≥ 0 (0: cannot run there)"
                )));
            }
            t.table
                .entry((kind, sf))
                .or_default()
                .insert(worker.clone(), v);
        }
    }
    Ok(t)
}

/// Parses a Python tuple repr `('job type', 4)` (either quote) into its parts.
pub fn parse_key(key: &str) -> Option<(String, u32)> {
    let inner = key.trim().strip_prefix('(')?.strip_suffix(')')?;
    // The job type may contain commas; the scale factor is after the last one.
    let (name, sf) = inner.rsplit_once(',')?;
    let sf = sf.trim().parse::<u32>().ok()?;
    let name = name.trim();
    let name = name
        .strip_prefix('\'')
        .and_then(|n| n.strip_suffix('\''))
        .or_else(|| name.strip_prefix('"').and_then(|n| n.strip_suffix('"')))?;
    Some((name.to_owned(), sf))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../data/traces/gavel/sample.trace");
    const SAMPLE_TPUT: &str = include_str!("../../data/traces/gavel/sample_throughputs.json");

    fn opts() -> ImportOptions {
        ImportOptions::default()
    }

    #[test]
    fn sample_parses_with_hand_checked_first_and_last_jobs() {
        let w = parse(SAMPLE.as_bytes(), "sample.trace", opts()).expect("sample parses");
        assert_eq!(w.jobs.len(), 50);
        assert_eq!(w.skipped_rows, 0);
        let first = &w.jobs[0];
        assert_eq!(first.id, "job0");
        assert_eq!(first.kind.as_deref(), Some("Transformer (batch size 128)"));
        assert_eq!(first.arrival_s, 0.0);
        assert_eq!(first.work, Work::Steps { steps: 19605.0 });
        assert_eq!(first.scale_factor, 1);
        assert_eq!(first.devices, 1.0);
        assert_eq!(first.priority, 1.0);
        let last = w.jobs.last().expect("jobs");
        assert_eq!(last.id, "job49");
        assert_eq!(last.kind.as_deref(), Some("CycleGAN"));
        assert_eq!(last.arrival_s, 27601.0);
        assert_eq!(last.work, Work::Steps { steps: 47801.0 });
    }

    #[test]
    fn arrivals_are_sorted_and_start_at_zero() {
        let w = parse(SAMPLE.as_bytes(), "s", opts()).expect("parses");
        assert_eq!(w.jobs[0].arrival_s, 0.0);
        assert!(w.jobs.windows(2).all(|p| p[0].arrival_s <= p[1].arrival_s));
        // Shifted: a trace starting at 100 s begins at 0.
        let text = "A\tc\td\t-s\t0\t10\t1\t1\t-1\t300\nB\tc\td\t-s\t0\t10\t2\t1\t-1\t100\n";
        let w = parse(text.as_bytes(), "s", opts()).expect("parses");
        assert_eq!(w.jobs[0].id, "job1");
        assert_eq!(w.jobs[0].arrival_s, 0.0);
        assert_eq!(w.jobs[1].arrival_s, 200.0);
        assert_eq!(w.jobs[0].devices, 2.0);
    }

    #[test]
    fn limit_keeps_the_first_arrivals() {
        let o = ImportOptions {
            limit: Some(3),
            ..opts()
        };
        let w = parse(SAMPLE.as_bytes(), "s", o).expect("parses");
        assert_eq!(w.jobs.len(), 3);
    }

    const GOOD: &str = "A\tc\td\t-s\t0\t10\t1\t1\t-1\t0\n";

    fn bad_row(text: &str) -> (u64, usize, String) {
        match parse(text.as_bytes(), "t.trace", opts()) {
            Err(WorkloadError::BadRow {
                row, column, name, ..
            }) => (row, column, name),
            other => panic!("expected BadRow, got {other:?}"),
        }
    }

    #[test]
    fn non_number_is_a_bad_row_with_its_row_and_column() {
        let text = format!("{GOOD}A\tc\td\t-s\t0\tlots\t1\t1\t-1\t5\n");
        assert_eq!(bad_row(&text), (2, 6, "total_steps".to_owned()));
        let text = format!("{GOOD}{GOOD}A\tc\td\t-s\t0\t10\t1.5\t1\t-1\t5\n");
        assert_eq!(bad_row(&text), (3, 7, "scale_factor".to_owned()));
    }

    #[test]
    fn too_few_columns_is_a_bad_row_at_the_first_missing_column() {
        let text = format!("{GOOD}A\tc\td\t-s\t0\t10\t1\n");
        assert_eq!(bad_row(&text), (2, 8, "priority_weight".to_owned()));
    }

    #[test]
    fn skip_bad_rows_skips_and_counts() {
        let text = format!("{GOOD}A\tc\td\t-s\t0\tx\t1\t1\t-1\t5\nA\tc\n{GOOD}");
        let o = ImportOptions {
            skip_bad_rows: true,
            ..opts()
        };
        let w = parse(text.as_bytes(), "t", o).expect("skips");
        assert_eq!(w.jobs.len(), 2);
        assert_eq!(w.skipped_rows, 2);
        assert_eq!(w.jobs[1].id, "job3");
    }

    #[test]
    fn throughput_lookup_matches_the_file() {
        let t = parse_throughputs(SAMPLE_TPUT, "sample_throughputs.json").expect("parses");
        // Read by hand from the file: v100 → "('A3C', 1)" → "null".
        assert_eq!(t.get("A3C", 1, "v100"), Some(7.175767179667988));
        assert_eq!(t.get("A3C", 1, "k80"), Some(3.4387678290723933));
        assert_eq!(t.get("A3C", 3, "v100"), None);
        // Every (job type, scale factor) of the sample has a V100 entry.
        let w = parse(SAMPLE.as_bytes(), "s", opts()).expect("parses");
        for j in &w.jobs {
            let kind = j.kind.as_deref().expect("kind");
            assert!(t.get(kind, j.scale_factor, "v100").is_some(), "{kind}");
        }
    }

    #[test]
    fn keys_parse_with_either_quote_and_commas_in_names() {
        assert_eq!(
            parse_key("('ResNet-18 (batch size 16)', 1)"),
            Some(("ResNet-18 (batch size 16)".to_owned(), 1))
        );
        assert_eq!(
            parse_key("(\"it's, odd\", 8)"),
            Some(("it's, odd".to_owned(), 8))
        );
        assert_eq!(parse_key("('x', )"), None);
        assert_eq!(parse_key("x, 1"), None);
    }

    #[test]
    fn bad_throughput_json_is_a_format_error() {
        let e = parse_throughputs("{\"v100\": {\"nope\": {\"null\": 1}}}", "t.json");
        assert!(matches!(e, Err(WorkloadError::Format { .. })));
    }
}
