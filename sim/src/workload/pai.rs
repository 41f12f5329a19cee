//! Alibaba PAI GPU trace v2020 (`cluster-trace-gpu-v2020` of
//! github.com/alibaba/clusterdata; Weng et al., NSDI '22; CC-BY-4.0): the
//! task table and the machine inventory.
//!
//! Task table columns (no header row in the published files; a header row
//! equal to these names is accepted and skipped):
//! `job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,plan_gpu,gpu_type`.
//! Rows are grouped by `job_name` wherever they appear (the table is not
//! assumed sorted), one [`TraceJob`] per job:
//!
//! | `TraceJob` field | from |
//! |---|---|
//! | `id` | `job_name` |
//! | `devices` | Σ `inst_num × plan_gpu / 100` over the job's tasks (`plan_gpu` is percent of one GPU; empty: 0) |
//! | `arrival_s` | min `start_time`, shifted so the first job is at 0 |
//! | `work` | `Seconds { max end_time − min start_time, device }`; `device` is the job's GPU type when all its GPU tasks name one type other than `MISC` |
//! | `device_types` | the distinct `gpu_type`s of its GPU tasks, less `MISC` and empty (none: any) |
//! | `kind`, `user` | none (users are in the job table); `priority` 1, `scale_factor` 1 |
//!
//! Left out and counted ([`PaiDropped`]): jobs with no GPU request
//! (CPU-only), and jobs with a task lacking `start_time` or `end_time` (not
//! finished within the trace).

use super::textcsv::{Header, for_each_row, read_text};
use super::{ImportOptions, TraceJob, Work, Workload, WorkloadError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The task table's columns, in order.
pub const TASK_COLUMNS: &[&str] = &[
    "job_name",
    "task_name",
    "inst_num",
    "status",
    "start_time",
    "end_time",
    "plan_cpu",
    "plan_mem",
    "plan_gpu",
    "gpu_type",
];

/// The machine spec's columns, in order.
pub const MACHINE_COLUMNS: &[&str] = &["machine", "gpu_type", "cap_cpu", "cap_mem", "cap_gpu"];

/// Jobs of a task table that were not turned into [`TraceJob`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaiDropped {
    /// Jobs requesting no GPU.
    pub cpu_only: u64,
    /// Jobs with a task that has no start or end time.
    pub unfinished: u64,
}

/// Reads a task table (see the module documentation).
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    read_counted(path, opts).map(|(w, _)| w)
}

/// Reads a task table; also returns the jobs left out.
pub fn read_counted(
    path: &Path,
    opts: ImportOptions,
) -> Result<(Workload, PaiDropped), WorkloadError> {
    let (file, text) = read_text(path, opts.max_trace_bytes())?;
    parse_named(&file, &text, opts)
}

/// Parses task-table text (see [`read`]).
pub fn parse(text: &str, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    parse_counted(text, opts).map(|(w, _)| w)
}

/// Parses task-table text; also returns the jobs left out.
pub fn parse_counted(
    text: &str,
    opts: ImportOptions,
) -> Result<(Workload, PaiDropped), WorkloadError> {
    parse_named("<pai task table>", text, opts)
}

#[derive(Default)]
struct JobAcc {
    devices: f64,
    start: Option<f64>,
    end: Option<f64>,
    unfinished: bool,
    types: BTreeSet<String>,
}

fn parse_named(
    file: &str,
    text: &str,
    opts: ImportOptions,
) -> Result<(Workload, PaiDropped), WorkloadError> {
    let mut acc: BTreeMap<String, JobAcc> = BTreeMap::new();
    let skipped = for_each_row(file, text, Header::Fixed(TASK_COLUMNS), opts, |row| {
        let name = row.text("job_name");
        if name.is_empty() {
            return Err(row.bad("job_name", "expected a job name, found an empty field"));
        }
        let inst = row.u32("inst_num")?;
        let plan_gpu = row.opt_f64("plan_gpu")?.unwrap_or(0.0);
        if plan_gpu < 0.0 {
            return Err(row.bad("plan_gpu", format!("expected ≥ 0, found {plan_gpu}")));
        }
        let start = row.opt_f64("start_time")?;
        let end = row.opt_f64("end_time")?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(row.bad("end_time", format!("end_time {e} is before start_time {s}")));
        }
        let gpu_type = row.text("gpu_type").to_owned();
        let job = acc.entry(name.to_owned()).or_default();
        let devices = f64::from(inst) * plan_gpu / 100.0;
        job.devices += devices;
        if devices > 0.0 && !gpu_type.is_empty() {
            job.types.insert(gpu_type);
        }
        match (start, end) {
            (Some(s), Some(e)) => {
                job.start = Some(job.start.map_or(s, |x| x.min(s)));
                job.end = Some(job.end.map_or(e, |x| x.max(e)));
            }
            _ => job.unfinished = true,
        }
        Ok(())
    })?;
    let mut dropped = PaiDropped::default();
    let mut jobs = Vec::new();
    for (id, j) in acc {
        if j.devices <= 0.0 {
            dropped.cpu_only += 1;
            continue;
        }
        let (Some(start), Some(end), false) = (j.start, j.end, j.unfinished) else {
            dropped.unfinished += 1;
            continue;
        };
        let device_types: Vec<String> = j
            .types
            .iter()
            .filter(|t| t.as_str() != "MISC")
            .cloned()
            .collect();
        let device = if j.types.len() == 1 && device_types.len() == 1 {
            device_types.first().cloned()
        } else {
            None
        };
        jobs.push(TraceJob {
            id,
            arrival_s: start,
            devices: j.devices,
            device_types,
            work: Work::Seconds {
                seconds: end - start,
                device,
            },
            kind: None,
            scale_factor: 1,
            priority: 1.0,
            user: None,
        });
    }
    let mut w = Workload {
        jobs,
        throughputs: None,
        skipped_rows: skipped,
    };
    w.normalise(opts.limit);
    Ok((w, dropped))
}

/// Reads `pai_machine_spec.csv` into `gpu_type → (machines, GPUs)`
/// (`CPU` machines included, with 0 GPUs). Malformed rows always fail.
pub fn read_machines(path: &Path) -> Result<BTreeMap<String, (u32, u32)>, WorkloadError> {
    let (file, text) = read_text(path, crate::fsio::MAX_TRACE_BYTES)?;
    parse_machines_named(&file, &text)
}

/// Parses machine-spec text (see [`read_machines`]).
pub fn parse_machines(text: &str) -> Result<BTreeMap<String, (u32, u32)>, WorkloadError> {
    parse_machines_named("<pai machine spec>", text)
}

fn parse_machines_named(
    file: &str,
    text: &str,
) -> Result<BTreeMap<String, (u32, u32)>, WorkloadError> {
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for_each_row(
        file,
        text,
        Header::Fixed(MACHINE_COLUMNS),
        ImportOptions::default(),
        |row| {
            let gpus = row.u32("cap_gpu")?;
            let e = out.entry(row.text("gpu_type").to_owned()).or_default();
            e.0 += 1;
            e.1 += gpus;
            Ok(())
        },
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/traces/pai")
            .join(name)
    }

    #[test]
    fn constructed_sample_groups_tasks_by_job() {
        let (w, dropped) = read_counted(&data("pai_task_sample.csv"), ImportOptions::default())
            .expect("test data");
        assert_eq!(
            dropped,
            PaiDropped {
                cpu_only: 1,
                unfinished: 1
            }
        );
        let ids: Vec<&str> = w.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "b2c0ffee0000000000000002",
                "a1c0ffee0000000000000001",
                "c3c0ffee0000000000000003"
            ]
        );
        let first = &w.jobs[0];
        assert_eq!((first.arrival_s, first.devices), (0.0, 0.5));
        assert_eq!(first.device_types, vec!["T4"]);
        assert_eq!(
            first.work,
            Work::Seconds {
                seconds: 50.0,
                device: Some("T4".into())
            }
        );
        // Rows 1, 2 and 7: 4 × 100 % + 1 × 50 % (the ps task has no GPU).
        let a1 = &w.jobs[1];
        assert_eq!((a1.arrival_s, a1.devices), (100.0, 4.5));
        assert_eq!(
            a1.work,
            Work::Seconds {
                seconds: 800.0,
                device: Some("V100".into())
            }
        );
        let last = &w.jobs[2];
        assert_eq!((last.arrival_s, last.devices), (1100.0, 0.5));
        assert!(last.device_types.is_empty());
        assert_eq!(
            last.work,
            Work::Seconds {
                seconds: 600.0,
                device: None
            }
        );
    }

    #[test]
    fn header_row_is_accepted() {
        let text = format!(
            "{}\nj,w,2,Terminated,5,15,1,1,100,T4\n",
            TASK_COLUMNS.join(",")
        );
        let w = parse(&text, ImportOptions::default()).expect("test data");
        assert_eq!(w.jobs.len(), 1);
        assert_eq!(w.jobs[0].devices, 2.0);
    }

    #[test]
    fn malformed_row_reports_row_and_column() {
        let text = "j,w,1,Terminated,5,15,1,1,100,T4\nk,w,1,Terminated,5,15,1,1,lots,T4\n";
        match parse(text, ImportOptions::default()).expect_err("must fail") {
            WorkloadError::BadRow {
                row, column, name, ..
            } => {
                assert_eq!((row, column, name.as_str()), (2, 9, "plan_gpu"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let opts = ImportOptions {
            skip_bad_rows: true,
            limit: None,
            max_bytes: None,
        };
        let w = parse(text, opts).expect("test data");
        assert_eq!((w.jobs.len(), w.skipped_rows), (1, 1));
    }

    #[test]
    fn machine_inventory_matches_the_published_counts() {
        let m = read_machines(&data("pai_machine_spec.csv")).expect("test data");
        assert_eq!(m["T4"], (497, 994));
        assert_eq!(m["P100"], (798, 1596));
        assert_eq!(m["V100"], (104, 832));
        assert_eq!(m["V100M32"], (135, 1080));
        assert_eq!(m["MISC"], (280, 2240));
        assert_eq!(m["CPU"], (83, 0));
        assert_eq!(m.values().map(|v| v.0).sum::<u32>(), 1897);
    }
}
