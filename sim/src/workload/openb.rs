//! Alibaba GPU cluster trace v2023 ("openb", Weng et al., ATC '23): pod
//! lists and node lists (`cluster-trace-gpu-v2023/csv/` of
//! github.com/alibaba/clusterdata).
//!
//! Pod list columns (header row required):
//! `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time`.
//!
//! | `TraceJob` field | from |
//! |---|---|
//! | `id` | `name` |
//! | `arrival_s` | `creation_time` (seconds), shifted so the first is 0 |
//! | `devices` | `gpu_milli / 1000` when `num_gpu` is 1 and `gpu_milli < 1000` (a shared GPU), else `num_gpu` |
//! | `device_types` | `gpu_spec` split on `|`, repeats dropped (the `gpuspecNN` variants write `V100M16\|V100M32\|V100M32`; empty: any); a pool matches by its `name` or its device's `id` |
//! | `work` | `Seconds { deletion_time − scheduled_time, device: None }`; a pod never scheduled (empty `scheduled_time`, phase `Pending`) gets `deletion_time − creation_time`, the time it waited before deletion |
//! | `kind`, `user` | none; `priority` 1, `scale_factor` 1 |
//!
//! Pods with `num_gpu` 0 are CPU-only: not jobs, counted apart
//! ([`parse_counted`], [`read_counted`]). The `multigpuNN` variants carry
//! only the first five columns and are rejected as a format error.
//!
//! A pod runs on one node: the cluster simulator never spreads an openb job
//! over nodes, and rejects one larger than every node it may use
//! ([`super::one_node_per_job`]).

use super::textcsv::{Header, Row, for_each_row, gpu_jobs, read_text};
use super::{ImportOptions, TraceJob, Work, Workload, WorkloadError};
use std::collections::BTreeMap;
use std::path::Path;

const POD_COLUMNS: &[&str] = &[
    "name",
    "num_gpu",
    "gpu_milli",
    "gpu_spec",
    "creation_time",
    "deletion_time",
    "scheduled_time",
];

const NODE_COLUMNS: &[&str] = &["sn", "gpu", "model"];

/// Reads a pod list; CPU-only pods are dropped (see [`read_counted`]).
pub fn read(path: &Path, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    read_counted(path, opts).map(|(w, _)| w)
}

/// Reads a pod list; also returns how many CPU-only pods (`num_gpu` 0) were
/// left out.
pub fn read_counted(path: &Path, opts: ImportOptions) -> Result<(Workload, u64), WorkloadError> {
    let (file, text) = read_text(path, opts.max_trace_bytes())?;
    parse_named(&file, &text, opts)
}

/// Parses pod-list text (see [`read`]).
pub fn parse(text: &str, opts: ImportOptions) -> Result<Workload, WorkloadError> {
    parse_counted(text, opts).map(|(w, _)| w)
}

/// Parses pod-list text; also returns the number of CPU-only pods left out.
pub fn parse_counted(text: &str, opts: ImportOptions) -> Result<(Workload, u64), WorkloadError> {
    parse_named("<openb pods>", text, opts)
}

fn parse_named(
    file: &str,
    text: &str,
    opts: ImportOptions,
) -> Result<(Workload, u64), WorkloadError> {
    gpu_jobs(file, text, Header::Required(POD_COLUMNS), opts, pod)
}

fn pod(row: &Row<'_>) -> Result<Option<TraceJob>, WorkloadError> {
    let num_gpu = row.u32("num_gpu")?;
    if num_gpu == 0 {
        return Ok(None);
    }
    let milli = row.f64("gpu_milli")?;
    if !(milli > 0.0 && milli <= 1000.0) {
        return Err(row.bad(
            "gpu_milli",
            format!("expected 1..=1000 for a GPU pod, found {milli}"),
        ));
    }
    let devices = if num_gpu == 1 && milli < 1000.0 {
        milli / 1000.0
    } else {
        f64::from(num_gpu)
    };
    let created = row.f64("creation_time")?;
    let deleted = row.f64("deletion_time")?;
    let (start, start_col) = match row.opt_f64("scheduled_time")? {
        Some(s) => (s, "scheduled_time"),
        None => (created, "creation_time"),
    };
    let seconds = deleted - start;
    if seconds < 0.0 {
        return Err(row.bad(
            "deletion_time",
            format!("deletion_time {deleted} is before {start_col} {start}"),
        ));
    }
    let mut device_types: Vec<String> = Vec::new();
    for t in row.text("gpu_spec").split('|').map(str::trim) {
        if !t.is_empty() && !device_types.iter().any(|d| d == t) {
            device_types.push(t.to_owned());
        }
    }
    Ok(Some(TraceJob {
        id: row.text("name").to_owned(),
        arrival_s: created,
        devices,
        device_types,
        work: Work::Seconds {
            seconds,
            device: None,
        },
        kind: None,
        scale_factor: 1,
        priority: 1.0,
        user: None,
    }))
}

/// One node of an openb node list (`sn,cpu_milli,memory_mib,gpu,model`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenbNode {
    /// Node name (`sn`).
    pub name: String,
    /// GPUs on the node (`gpu`).
    pub gpus: u32,
    /// GPU model (`model`: `P100`, `T4`, `V100M16`, `G2`, …; empty for a
    /// CPU-only node).
    pub model: String,
}

/// Reads a node list. Malformed rows always fail (an inventory with holes
/// would mislead).
pub fn read_nodes(path: &Path) -> Result<Vec<OpenbNode>, WorkloadError> {
    let (file, text) = read_text(path, crate::fsio::MAX_TRACE_BYTES)?;
    parse_nodes_named(&file, &text)
}

/// Parses node-list text (see [`read_nodes`]).
pub fn parse_nodes(text: &str) -> Result<Vec<OpenbNode>, WorkloadError> {
    parse_nodes_named("<openb nodes>", text)
}

fn parse_nodes_named(file: &str, text: &str) -> Result<Vec<OpenbNode>, WorkloadError> {
    let mut nodes = Vec::new();
    for_each_row(
        file,
        text,
        Header::Required(NODE_COLUMNS),
        ImportOptions::default(),
        |row| {
            nodes.push(OpenbNode {
                name: row.text("sn").to_owned(),
                gpus: row.u32("gpu")?,
                model: row.text("model").to_owned(),
            });
            Ok(())
        },
    )?;
    Ok(nodes)
}

/// GPU inventory by model: `model → (nodes, GPUs)`. Nodes without GPUs are
/// left out.
pub fn inventory(nodes: &[OpenbNode]) -> BTreeMap<String, (u32, u32)> {
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for n in nodes.iter().filter(|n| n.gpus > 0) {
        let e = out.entry(n.model.clone()).or_default();
        e.0 += 1;
        e.1 += n.gpus;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/traces/openb")
            .join(name)
    }

    const HEADER: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

    #[test]
    fn committed_sample_parses() {
        let (w, cpu) =
            read_counted(&data("pods_sample.csv"), ImportOptions::default()).expect("test data");
        // 62 pods: 56 request GPUs, 6 are CPU-only.
        assert_eq!((w.jobs.len(), cpu, w.skipped_rows), (56, 6, 0));
        let first = &w.jobs[0];
        assert_eq!(first.id, "openb-pod-0000");
        assert_eq!(first.arrival_s, 0.0);
        assert_eq!(first.devices, 1.0);
        assert!(first.device_types.is_empty());
        assert_eq!(
            first.work,
            Work::Seconds {
                seconds: 12_537_496.0,
                device: None
            }
        );
        // openb-pod-0061: Pending, never scheduled: deletion − creation.
        let last = w.jobs.last().expect("test data");
        assert_eq!(last.id, "openb-pod-0061");
        assert_eq!(last.arrival_s, 10_001_278.0);
        assert_eq!(
            last.work,
            Work::Seconds {
                seconds: 125.0,
                device: None
            }
        );
        // openb-pod-0001 shares a GPU: gpu_milli 460.
        let shared = w
            .jobs
            .iter()
            .find(|j| j.id == "openb-pod-0001")
            .expect("test data");
        assert_eq!(shared.devices, 0.46);
        assert!(w.jobs.windows(2).all(|p| p[0].arrival_s <= p[1].arrival_s));
    }

    #[test]
    fn committed_default_pod_list_matches_the_published_counts() {
        let (w, cpu) = read_counted(
            &data("openb_pod_list_default.csv"),
            ImportOptions::default(),
        )
        .expect("test data");
        // 8,152 pods: 7,064 request GPUs, 1,088 are CPU-only.
        assert_eq!((w.jobs.len(), cpu, w.skipped_rows), (7064, 1088, 0));
        let count = |f: &dyn Fn(&TraceJob) -> bool| w.jobs.iter().filter(|j| f(j)).count();
        assert_eq!(count(&|j| j.devices < 1.0), 3078);
        assert_eq!(count(&|j| j.devices == 1.0), 6989 - 3078);
        assert_eq!(count(&|j| j.devices == 2.0), 16);
        assert_eq!(count(&|j| j.devices == 4.0), 15);
        assert_eq!(count(&|j| j.devices == 8.0), 44);
        // No GPU-type constraints in the default list.
        assert_eq!(count(&|j| !j.device_types.is_empty()), 0);
        let last = w.jobs.iter().map(|j| j.arrival_s).fold(0.0, f64::max);
        assert_eq!(last, 12_901_761.0);
    }

    #[test]
    fn gpu_spec_and_multi_gpu() {
        let text = format!(
            "{HEADER}p1,1,1,1,440,G2|P100|T4,LS,Running,50,80,52\np8,1,1,8,1000,,LS,Running,40,100,40\np4,1,1,4,1000,V100M16|V100M32|V100M32,LS,Running,60,90,61\n"
        );
        let w = parse(&text, ImportOptions::default()).expect("test data");
        assert_eq!(w.jobs[0].id, "p8");
        assert_eq!(w.jobs[0].devices, 8.0);
        assert_eq!(w.jobs[1].arrival_s, 10.0);
        assert_eq!(w.jobs[1].device_types, vec!["G2", "P100", "T4"]);
        // A repeated model (as in the gpuspecNN variants) counts once.
        assert_eq!(w.jobs[2].devices, 4.0);
        assert_eq!(w.jobs[2].device_types, vec!["V100M16", "V100M32"]);
        assert_eq!(
            w.jobs[1].work,
            Work::Seconds {
                seconds: 28.0,
                device: None
            }
        );
    }

    #[test]
    fn malformed_row_reports_row_and_column() {
        let text =
            format!("{HEADER}p1,1,1,1,1000,,LS,Running,0,10,0\np2,1,1,x,1000,,LS,Running,0,10,0\n");
        match parse(&text, ImportOptions::default()).expect_err("must fail") {
            WorkloadError::BadRow {
                row, column, name, ..
            } => {
                assert_eq!((row, column, name.as_str()), (3, 4, "num_gpu"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let text = format!("{HEADER}p1,1,1,1,1000,,LS,Running,5,3,4\n");
        match parse(&text, ImportOptions::default()).expect_err("must fail") {
            WorkloadError::BadRow { row, column, .. } => assert_eq!((row, column), (2, 10)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn skip_bad_rows_skips_and_counts() {
        let text = format!(
            "{HEADER}p1,1,1,1,1000,,LS,Running,7,10,7\np2,1,1,x,1000,,LS,Running,0,10,0\np3,1,1\n"
        );
        let opts = ImportOptions {
            skip_bad_rows: true,
            limit: None,
            max_bytes: None,
        };
        let w = parse(&text, opts).expect("test data");
        assert_eq!((w.jobs.len(), w.skipped_rows), (1, 2));
        assert_eq!(w.jobs[0].arrival_s, 0.0);
    }

    #[test]
    fn limit_keeps_the_first_arrivals() {
        let opts = ImportOptions {
            skip_bad_rows: false,
            limit: Some(3),
            max_bytes: None,
        };
        let w = read(&data("pods_sample.csv"), opts).expect("test data");
        assert_eq!(w.jobs.len(), 3);
        assert_eq!(w.jobs[0].id, "openb-pod-0000");
    }

    #[test]
    fn node_inventory_matches_the_published_counts() {
        let nodes = read_nodes(&data("openb_node_list_gpu_node.csv")).expect("test data");
        assert_eq!(nodes.len(), 1213);
        assert_eq!(
            nodes[0],
            OpenbNode {
                name: "openb-node-0000".into(),
                gpus: 2,
                model: "P100".into()
            }
        );
        let inv = inventory(&nodes);
        assert_eq!(inv.values().map(|v| v.1).sum::<u32>(), 6212);
        assert_eq!(inv["G2"].0, 549);
        assert_eq!(inv["T4"].0, 404);
        assert_eq!(inv["P100"].0, 134);
        assert_eq!(inv["V100M16"].0, 55);
        assert_eq!(inv["G3"].0, 39);
        assert_eq!(inv["V100M32"].0, 30);
        assert_eq!(inv["A10"].0, 2);
    }
}
