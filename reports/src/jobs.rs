//! One row per job of a cluster simulation: when it arrived, started and
//! finished, where it ran, what it held and what interrupted it.

use crate::csv::{field, number};
use cirrus_sim::cluster::JobRecord;

/// Columns of [`jobs_csv`], in order. Times in seconds from the trace's
/// origin; empty cells for what did not happen (a job never started, never
/// finished, or was not rejected); `ftf_rho` is the job's finish-time
/// fairness (completed jobs only).
pub const JOBS_CSV_HEADER: &str = "id,arrival_s,start_s,end_s,queue_s,jct_s,devices,pool,busy_device_s,preemptions,restore_s,failures,lost_device_s,rejected,ftf_rho";

/// The per-job CSV of a cluster simulation, header first, one line per
/// record in the order given, each ending in `\n`.
pub fn jobs_csv(records: &[JobRecord]) -> String {
    let mut out = String::with_capacity(64 * (records.len() + 1));
    out.push_str(JOBS_CSV_HEADER);
    out.push('\n');
    for r in records {
        let cells = [
            field(&r.id),
            number(Some(r.arrival_s)),
            number(r.start_s),
            number(r.end_s),
            number(r.start_s.map(|s| s - r.arrival_s)),
            number(r.end_s.map(|e| e - r.arrival_s)),
            number(Some(r.devices)),
            field(r.pool.as_deref().unwrap_or("")),
            number(Some(r.busy_device_s)),
            r.preemptions.to_string(),
            number(Some(r.restore_s)),
            r.failures.to_string(),
            number(Some(r.lost_device_s)),
            field(r.rejected.as_deref().unwrap_or("")),
            number(r.ftf_rho),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> JobRecord {
        JobRecord {
            id: id.to_owned(),
            arrival_s: 10.0,
            start_s: Some(40.0),
            end_s: Some(100.5),
            devices: 0.5,
            busy_device_s: 30.25,
            preemptions: 1,
            restore_s: 30.0,
            failures: 2,
            lost_device_s: 4.0,
            rejected: None,
            pool: Some("a100".to_owned()),
            ftf_rho: Some(1.25),
        }
    }

    #[test]
    fn known_rows() {
        let rejected = JobRecord {
            start_s: None,
            end_s: None,
            busy_device_s: 0.0,
            preemptions: 0,
            restore_s: 0.0,
            failures: 0,
            lost_device_s: 0.0,
            rejected: Some("no pool can run it (16 devices)".to_owned()),
            pool: None,
            ftf_rho: None,
            ..record("big, one")
        };
        let csv = jobs_csv(&[record("j1"), rejected]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], JOBS_CSV_HEADER);
        assert_eq!(
            lines[1],
            "j1,10,40,100.5,30,90.5,0.5,a100,30.25,1,30,2,4,,1.25"
        );
        assert_eq!(
            lines[2],
            "\"big, one\",10,,,,,0.5,,0,0,0,0,0,no pool can run it (16 devices),"
        );
        assert_eq!(lines.len(), 3);
        assert!(csv.ends_with('\n'));
        // Every row has as many cells as the header (outside quotes).
        let cells = |l: &str| {
            let mut quoted = false;
            1 + l
                .chars()
                .filter(|&c| {
                    if c == '"' {
                        quoted = !quoted;
                    }
                    c == ',' && !quoted
                })
                .count()
        };
        for l in &lines {
            assert_eq!(cells(l), 15, "{l}");
        }
    }
}
