//! Microsoft Philly traces (ATC '19): the `cluster_job_log` file of
//! github.com/msr-fiddle/philly-traces, a JSON array with one object per job:
//!
//! ```text
//! { "jobid": "application_…", "status": "Pass" | "Killed" | "Failed",
//!   "vc": "<virtual cluster hash>", "user": "<user hash>",
//!   "submitted_time": "2017-10-03 06:30:38",
//!   "attempts": [ { "start_time": "…", "end_time": "…",
//!                   "detail": [ { "ip": "m…", "gpus": ["gpu0", …] } ] } ] }
//! ```
//!
//! Mapping to [`TraceJob`] (the "column" of a [`WorkloadError::BadRow`] is
//! the field's position in [`FIELDS`]; the row is the job's 1-based index in
//! the array):
//!
//! | field            | mapping                                                  |
//! |------------------|----------------------------------------------------------|
//! | `jobid`          | `id` (required)                                          |
//! | `status`         | ignored (killed and failed jobs are kept: they held GPUs)|
//! | `vc`             | `user` (the virtual cluster; `None` when absent)         |
//! | `user`           | ignored                                                  |
//! | `submitted_time` | `arrival_s` (`YYYY-MM-DD HH:MM:SS`, read as UTC)         |
//! | `attempts`       | the last attempt: `devices` = GPUs over its `detail`     |
//! |                  | entries; `work = Seconds { end − start, device: None }`  |
//!
//! A job with no attempts, an attempt with no start or end time (null, `""`
//! or `"None"`), no GPUs, or an end before its start is a bad row: an error,
//! or skipped and counted with `skip_bad_rows`. `kind` is `None`,
//! `scale_factor` and `priority` 1, `device_types` empty (Philly names no
//! GPU model).

use super::{ImportOptions, TraceJob, Work, Workload, WorkloadError};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// Fields of a job, in the order that numbers them as columns.
pub const FIELDS: [&str; 6] = [
    "jobid",
    "status",
    "vc",
    "user",
    "submitted_time",
    "attempts",
];

/// Reads a Philly `cluster_job_log`.
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    let (file, bytes) = super::read_bytes(path, opts.max_trace_bytes())?;
    parse(bytes.as_slice(), &file, opts)
}

/// Parses a Philly job log from `reader`; `file` names it in errors.
pub fn parse(
    reader: impl Read,
    file: &str,
    opts: ImportOptions,
) -> Result<Workload, WorkloadError> {
    let root: Value = serde_json::from_reader(reader).map_err(|e| WorkloadError::Format {
        file: file.to_owned(),
        message: format!("invalid JSON: {e}"),
    })?;
    let Value::Array(jobs) = root else {
        return Err(WorkloadError::Format {
            file: file.to_owned(),
            message: "expected a JSON array of jobs".to_owned(),
        });
    };
    let mut w = Workload::default();
    for (i, job) in jobs.iter().enumerate() {
        match parse_job(job, i as u64 + 1, file) {
            Ok(j) => w.jobs.push(j),
            Err(_) if opts.skip_bad_rows => w.skipped_rows += 1,
            Err(e) => return Err(e),
        }
    }
    w.normalise(opts.limit);
    Ok(w)
}

/// A time field's value, or `None` when the trace left it empty.
fn time_text(v: Option<&Value>) -> Option<&str> {
    match v?.as_str()?.trim() {
        "" | "None" => None,
        s => Some(s),
    }
}

fn parse_job(job: &Value, row: u64, file: &str) -> Result<TraceJob, WorkloadError> {
    let bad = |field: usize, name: &str, message: String| WorkloadError::BadRow {
        file: file.to_owned(),
        row,
        column: field + 1,
        name: name.to_owned(),
        message,
    };
    let Some(obj) = job.as_object() else {
        return Err(bad(0, "jobid", "expected a job object".to_owned()));
    };
    let id = match obj.get("jobid") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(bad(0, "jobid", "missing job id".to_owned())),
    };
    let user = obj.get("vc").and_then(Value::as_str).map(str::to_owned);
    let time = |v: Option<&Value>, name: &str| -> Result<f64, WorkloadError> {
        let s = time_text(v).ok_or_else(|| bad(4, name, "missing time".to_owned()))?;
        parse_time(s).ok_or_else(|| {
            bad(
                4,
                name,
                format!("`{s}` is not a time `YYYY-MM-DD HH:MM:SS`"),
            )
        })
    };
    let arrival_s = time(obj.get("submitted_time"), "submitted_time")?;
    let last = obj
        .get("attempts")
        .and_then(Value::as_array)
        .and_then(|a| a.last())
        .ok_or_else(|| bad(5, "attempts", "no attempts: the job never ran".to_owned()))?;
    let attempt_time = |key: &str| -> Result<f64, WorkloadError> {
        let name = format!("attempts[-1].{key}");
        let s = time_text(last.get(key)).ok_or_else(|| bad(5, &name, "missing time".to_owned()))?;
        parse_time(s).ok_or_else(|| {
            bad(
                5,
                &name,
                format!("`{s}` is not a time `YYYY-MM-DD HH:MM:SS`"),
            )
        })
    };
    let start = attempt_time("start_time")?;
    let end = attempt_time("end_time")?;
    if end < start {
        return Err(bad(
            5,
            "attempts[-1].end_time",
            format!("ends {} s before it starts", start - end),
        ));
    }
    let gpus: usize = last
        .get("detail")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .map(|m| m.get("gpus").and_then(Value::as_array).map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    if gpus == 0 {
        return Err(bad(
            5,
            "attempts[-1].detail",
            "no GPUs in the last attempt".to_owned(),
        ));
    }
    Ok(TraceJob {
        id,
        arrival_s,
        devices: gpus as f64,
        device_types: Vec::new(),
        work: Work::Seconds {
            seconds: end - start,
            device: None,
        },
        kind: None,
        scale_factor: 1,
        priority: 1.0,
        user,
    })
}

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d` (negative
/// before 1970); H. Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the Unix epoch of `YYYY-MM-DD HH:MM:SS` read as UTC; `None`
/// if malformed or out of range.
pub fn parse_time(s: &str) -> Option<f64> {
    let (date, clock) = s.trim().split_once(' ')?;
    let mut d = date.split('-');
    let (y, m, day) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some() || y.len() != 4 || m.len() != 2 || day.len() != 2 {
        return None;
    }
    let mut c = clock.trim().split(':');
    let (hh, mm, ss) = (c.next()?, c.next()?, c.next()?);
    if c.next().is_some() || hh.len() != 2 || mm.len() != 2 || ss.len() != 2 {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if ![y, m, day, hh, mm, ss].iter().all(|t| digits(t)) {
        return None;
    }
    let y: i64 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    let (hh, mm, ss): (i64, i64, i64) = (hh.parse().ok()?, mm.parse().ok()?, ss.parse().ok()?);
    if !(1..=12).contains(&m) || day == 0 || day > days_in_month(y, m) {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs = days_from_civil(y, m, day) * 86_400 + hh * 3_600 + mm * 60 + ss;
    Some(secs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../data/traces/philly/sample_cluster_job_log.json");

    fn opts() -> ImportOptions {
        ImportOptions::default()
    }

    #[test]
    fn days_from_civil_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2017, 10, 3), 17_442);
        assert_eq!(
            days_from_civil(2020, 2, 29) + 1,
            days_from_civil(2020, 3, 1)
        );
    }

    #[test]
    fn parse_time_known_instants() {
        // `date -u -d '2017-10-03 06:30:38' +%s` = 1507012238.
        assert_eq!(parse_time("2017-10-03 06:30:38"), Some(1_507_012_238.0));
        assert_eq!(parse_time("1970-01-01 00:00:00"), Some(0.0));
        assert_eq!(parse_time("2000-02-29 23:59:59"), Some(951_868_799.0));
        for bad in [
            "2017-10-03",
            "2017-13-01 00:00:00",
            "2017-02-29 00:00:00",
            "2017-10-03 24:00:00",
            "2017-10-03T06:30:38",
            "2017-1-03 06:30:38",
            "None",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn sample_parses_with_hand_checked_first_and_last_jobs() {
        // Six jobs; the fourth never ran (no attempts), an error unless skipped.
        let o = ImportOptions {
            skip_bad_rows: true,
            ..opts()
        };
        let w = parse(SAMPLE.as_bytes(), "sample", o).expect("parses");
        assert_eq!(w.jobs.len(), 5);
        let first = &w.jobs[0];
        assert_eq!(first.id, "application_1506638472019_10238");
        assert_eq!(first.arrival_s, 0.0);
        assert_eq!(first.devices, 1.0);
        assert_eq!(first.user.as_deref(), Some("ee9e8c"));
        // 06:31:20 → 08:02:47 = 5,487 s.
        assert_eq!(
            first.work,
            Work::Seconds {
                seconds: 5_487.0,
                device: None
            }
        );
        let last = w.jobs.last().expect("jobs");
        assert_eq!(last.id, "application_1506638472019_10301");
        // Submitted 2017-10-04 01:15:00, 18h44m22s after the first.
        assert_eq!(last.arrival_s, 67_462.0);
        // Last attempt: two machines, 8 + 8 GPUs, 02:00:00 → 14:00:00.
        assert_eq!(last.devices, 16.0);
        assert_eq!(
            last.work,
            Work::Seconds {
                seconds: 43_200.0,
                device: None
            }
        );
    }

    fn bad_row(text: &str) -> (u64, usize, String) {
        match parse(text.as_bytes(), "t.json", opts()) {
            Err(WorkloadError::BadRow {
                row, column, name, ..
            }) => (row, column, name),
            other => panic!("expected BadRow, got {other:?}"),
        }
    }

    const OK: &str = r#"{"jobid": "a", "vc": "v", "submitted_time": "2017-10-03 00:00:00",
        "attempts": [{"start_time": "2017-10-03 00:00:10", "end_time": "2017-10-03 00:01:10",
                      "detail": [{"ip": "m1", "gpus": ["gpu0", "gpu1"]}]}]}"#;

    #[test]
    fn the_sample_names_the_job_without_attempts() {
        assert_eq!(
            bad_row(SAMPLE),
            (4, 6, "attempts".to_owned()),
            "the fourth job has no attempts"
        );
    }

    #[test]
    fn bad_fields_give_the_row_and_column() {
        let text =
            format!(r#"[{OK}, {{"jobid": "b", "submitted_time": "yesterday", "attempts": []}}]"#);
        assert_eq!(bad_row(&text), (2, 5, "submitted_time".to_owned()));
        let text = format!(
            r#"[{OK}, {OK}, {{"jobid": "c", "submitted_time": "2017-10-03 00:00:00",
            "attempts": [{{"start_time": "2017-10-03 00:00:10", "end_time": "None", "detail": []}}]}}]"#
        );
        assert_eq!(bad_row(&text), (3, 6, "attempts[-1].end_time".to_owned()));
        let text = format!(r#"[{{"submitted_time": "2017-10-03 00:00:00"}}, {OK}]"#);
        assert_eq!(bad_row(&text), (1, 1, "jobid".to_owned()));
    }

    #[test]
    fn skip_bad_rows_skips_and_counts() {
        let o = ImportOptions {
            skip_bad_rows: true,
            ..opts()
        };
        let w = parse(SAMPLE.as_bytes(), "sample", o).expect("skips");
        assert_eq!(w.jobs.len(), 5);
        assert_eq!(w.skipped_rows, 1);
        assert!(
            w.jobs
                .iter()
                .all(|j| j.id != "application_1506638472019_10270")
        );
    }

    #[test]
    fn arrivals_are_sorted_and_start_at_zero() {
        let o = ImportOptions {
            skip_bad_rows: true,
            ..opts()
        };
        let w = parse(SAMPLE.as_bytes(), "sample", o).expect("parses");
        assert_eq!(w.jobs[0].arrival_s, 0.0);
        assert!(w.jobs.windows(2).all(|p| p[0].arrival_s <= p[1].arrival_s));
        let text = format!("[{OK}]");
        let w = parse(text.as_bytes(), "t", opts()).expect("parses");
        assert_eq!(w.jobs[0].devices, 2.0);
        assert_eq!(
            w.jobs[0].work,
            Work::Seconds {
                seconds: 60.0,
                device: None
            }
        );
    }

    #[test]
    fn a_non_array_is_a_format_error() {
        let e = parse("{}".as_bytes(), "t", opts());
        assert!(matches!(e, Err(WorkloadError::Format { .. })));
    }
}
