//! Helios (SenseTime, Hu et al., SC '21; github.com/S-Lab-System-Group/HeliosData,
//! CC-BY-4.0) `cluster_log.csv` job logs, and Acme (Shanghai AI Lab, NSDI '24)
//! `trace_seren.csv` / `trace_kalos.csv`, which share the columns used here.
//!
//! Helios header: `job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue`.
//! Columns are found by name (a header row is required; `job_id`, `gpu_num`
//! and `submit_time` must be present), so Acme's longer headers read too.
//!
//! | `TraceJob` field | from |
//! |---|---|
//! | `id` | `job_id` |
//! | `arrival_s` | `submit_time` (`YYYY-MM-DD HH:MM:SS`, optional fraction and `Z`/`±HH:MM` offset as in Acme), shifted so the first is 0 |
//! | `devices` | `gpu_num` |
//! | `work` | `Seconds { duration, device: None }`; when `duration` is empty or absent, `end_time − start_time` |
//! | `user` | `user` (if present) |
//! | `device_types`, `kind` | none; `priority` 1, `scale_factor` 1 |
//!
//! Jobs with `gpu_num` 0 (CPU-only) are left out, counted by
//! [`parse_counted`] / [`read_counted`].

use super::textcsv::{Header, Row, gpu_jobs, read_text};
use super::{ImportOptions, TraceJob, Work, Workload, WorkloadError};
use std::path::Path;

/// The Helios `cluster_log.csv` header.
pub const HELIOS_COLUMNS: &[&str] = &[
    "job_id",
    "user",
    "vc",
    "gpu_num",
    "cpu_num",
    "node_num",
    "state",
    "submit_time",
    "start_time",
    "end_time",
    "duration",
    "queue",
];

const REQUIRED: &[&str] = &["job_id", "gpu_num", "submit_time"];

/// Reads a Helios or Acme job log; CPU-only jobs are dropped.
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    read_counted(path, opts).map(|(w, _)| w)
}

/// Reads a job log; also returns the number of CPU-only jobs left out.
pub fn read_counted(path: &Path, opts: ImportOptions) -> Result<(Workload, u64), WorkloadError> {
    let (file, text) = read_text(path, opts.max_trace_bytes())?;
    parse_named(&file, &text, opts)
}

/// Parses job-log text (see [`read`]).
pub fn parse(text: &str, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    parse_counted(text, opts).map(|(w, _)| w)
}

/// Parses job-log text; also returns the number of CPU-only jobs left out.
pub fn parse_counted(text: &str, opts: ImportOptions) -> Result<(Workload, u64), WorkloadError> {
    parse_named("<helios job log>", text, opts)
}

fn parse_named(
    file: &str,
    text: &str,
    opts: ImportOptions,
) -> Result<(Workload, u64), WorkloadError> {
    gpu_jobs(file, text, Header::Required(REQUIRED), opts, job)
}

fn time(row: &Row<'_>, name: &str) -> Result<f64, WorkloadError> {
    let t = row.text(name);
    parse_timestamp(t).ok_or_else(|| {
        row.bad(
            name,
            format!("expected a time like `2020-04-01 00:00:10`, found `{t}`"),
        )
    })
}

fn job(row: &Row<'_>) -> Result<Option<TraceJob>, WorkloadError> {
    let gpus = row.u32("gpu_num")?;
    if gpus == 0 {
        return Ok(None);
    }
    let arrival = time(row, "submit_time")?;
    // A row whose times are both given must not end before it starts, even
    // when its duration column says how long it ran.
    if !row.text("start_time").is_empty() && !row.text("end_time").is_empty() {
        let (start, end) = (time(row, "start_time")?, time(row, "end_time")?);
        if end < start {
            return Err(row.bad("end_time", "end_time is before start_time"));
        }
    }
    let seconds = match row.opt_f64("duration")? {
        Some(d) if d >= 0.0 => d,
        Some(d) => return Err(row.bad("duration", format!("expected ≥ 0, found {d}"))),
        None => {
            let start = time(row, "start_time")?;
            let end = time(row, "end_time")?;
            if end < start {
                return Err(row.bad("end_time", "end_time is before start_time"));
            }
            end - start
        }
    };
    let user = row.text("user");
    Ok(Some(TraceJob {
        id: row.text("job_id").to_owned(),
        arrival_s: arrival,
        devices: f64::from(gpus),
        device_types: Vec::new(),
        work: Work::Seconds {
            seconds,
            device: None,
        },
        kind: None,
        scale_factor: 1,
        priority: 1.0,
        user: (!user.is_empty()).then(|| user.to_owned()),
    }))
}

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian;
/// Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn num<T: std::str::FromStr>(s: &str, len: usize) -> Option<T> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// Seconds since 1970-01-01 00:00:00 UTC of a timestamp
/// `YYYY-MM-DD HH:MM:SS` (or with `T`), with an optional fraction of a
/// second and an optional `Z` or `±HH:MM` offset (none: UTC, which for
/// Helios is the log's own wall clock). `None` if malformed or out of range.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let mut sep = rest.chars();
    if !matches!(sep.next()?, ' ' | 'T') {
        return None;
    }
    let rest = sep.as_str();
    let (clock, mut tail) = (rest.get(..8)?, rest.get(8..)?);
    let dp: Vec<&str> = date.split('-').collect();
    let [y, mo, d] = dp.as_slice() else {
        return None;
    };
    let (y, mo, d): (i64, u32, u32) = (num(y, 4)?, num(mo, 2)?, num(d, 2)?);
    let cp: Vec<&str> = clock.split(':').collect();
    let [h, mi, se] = cp.as_slice() else {
        return None;
    };
    let (h, mi, se): (i64, i64, i64) = (num(h, 2)?, num(mi, 2)?, num(se, 2)?);
    let month_days = [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo) || d == 0 || d > *month_days.get(mo as usize - 1)? {
        return None;
    }
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut frac = 0.0;
    if let Some(f) = tail.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        frac = format!("0.{}", f.get(..n)?).parse().ok()?;
        tail = f.get(n..)?;
    }
    let offset = match tail {
        "" | "Z" => 0,
        t => {
            let sign = match t.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (oh, om) = t.get(1..)?.split_once(':')?;
            let (oh, om): (i64, i64) = (num(oh, 2)?, num(om, 2)?);
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    Some(secs as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(
            parse_timestamp("2020-04-01 00:00:10"),
            Some(1_585_699_210.0)
        );
        assert_eq!(
            parse_timestamp("2020-02-29T12:00:00Z"),
            Some(1_582_977_600.0)
        );
        // Acme: an offset; 11:00:58+08:00 is 03:00:58 UTC.
        assert_eq!(
            parse_timestamp("2023-05-17 11:00:58+08:00"),
            parse_timestamp("2023-05-17 03:00:58")
        );
        assert_eq!(
            parse_timestamp("2023-05-17 11:00:58.25+00:00"),
            Some(1_684_321_258.25)
        );
        for bad in [
            "2019-02-29 00:00:00",
            "2020-13-01 00:00:00",
            "2020-04-01",
            "2020-04-01 24:00:00",
            "x",
            "2020-04-01 00:00:10+8",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    fn sample() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/traces/helios/cluster_log_sample.csv")
    }

    #[test]
    fn constructed_sample_parses() {
        let (w, cpu) = read_counted(&sample(), ImportOptions::default()).expect("sample reads");
        assert_eq!((w.jobs.len(), cpu, w.skipped_rows), (4, 1, 0));
        let first = &w.jobs[0];
        assert_eq!(first.id, "c0000003");
        assert_eq!((first.arrival_s, first.devices), (0.0, 1.0));
        assert_eq!(first.user.as_deref(), Some("u0003"));
        assert_eq!(
            first.work,
            Work::Seconds {
                seconds: 30.0,
                device: None
            }
        );
        assert_eq!(w.jobs[1].arrival_s, 5.0);
        // c0000005 has no duration: end − start.
        assert_eq!(
            w.jobs[2].work,
            Work::Seconds {
                seconds: 1800.0,
                device: None
            }
        );
        let last = &w.jobs[3];
        assert_eq!(last.id, "c0000004");
        assert_eq!(last.devices, 16.0);
        assert_eq!(last.arrival_s, 30.0 * 86_400.0 - 6.0);
    }

    #[test]
    fn malformed_row_reports_row_and_column() {
        let text = format!(
            "{}\nj1,u,v,1,1,1,COMPLETED,2020-04-01 00:00:10,,,5,0\nj2,u,v,1,1,1,COMPLETED,2020-04-31 00:00:10,,,5,0\n",
            HELIOS_COLUMNS.join(",")
        );
        match parse(&text, ImportOptions::default()).expect_err("must fail") {
            WorkloadError::BadRow {
                row, column, name, ..
            } => {
                assert_eq!((row, column, name.as_str()), (3, 8, "submit_time"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let opts = ImportOptions {
            skip_bad_rows: true,
            limit: None,
            max_bytes: None,
        };
        let w = parse(&text, opts).expect("skips");
        assert_eq!((w.jobs.len(), w.skipped_rows), (1, 1));
        assert_eq!(w.jobs[0].arrival_s, 0.0);
    }

    #[test]
    fn missing_required_column_is_a_format_error() {
        let err = parse("job_id,user\nj,u\n", ImportOptions::default()).expect_err("must fail");
        assert!(matches!(err, WorkloadError::Format { .. }), "{err}");
    }
}
