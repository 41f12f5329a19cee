//! Pool usage over simulated time: one row per pool per hour, so a
//! spreadsheet can chart utilisation per pool (or sum rows into days).

use crate::csv::{field, number};
use cirrus_sim::cluster::{BUCKET_S, PoolUsage};

/// Columns of [`usage_csv`], in order: the hour's index from the run's
/// start, its start in seconds from the trace's origin, device-hours busy,
/// held and down in that hour, and busy over held (empty when nothing was
/// held).
pub const USAGE_CSV_HEADER: &str =
    "pool,hour,start_s,busy_device_h,held_device_h,down_device_h,utilization";

/// The per-pool, per-hour usage CSV, header first, pools in the order
/// given, hours in time order, each line ending in `\n`.
pub fn usage_csv(pools: &[PoolUsage]) -> String {
    let rows: usize = pools.iter().map(|p| p.buckets.len()).sum();
    let mut out = String::with_capacity(64 * (rows + 1));
    out.push_str(USAGE_CSV_HEADER);
    out.push('\n');
    for p in pools {
        for (k, b) in p.buckets.iter().enumerate() {
            let utilization = (b.held_device_s > 0.0).then(|| b.busy_device_s / b.held_device_s);
            let cells = [
                field(&p.pool),
                k.to_string(),
                number(Some(p.start_s + k as f64 * BUCKET_S)),
                number(Some(b.busy_device_s / 3600.0)),
                number(Some(b.held_device_s / 3600.0)),
                number(Some(b.down_device_s / 3600.0)),
                number(utilization),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cirrus_sim::cluster::UsageBucket;

    #[test]
    fn known_rows() {
        let pools = [PoolUsage {
            pool: "a100".to_owned(),
            start_s: 100.0,
            buckets: vec![
                UsageBucket {
                    busy_device_s: 7200.0,
                    held_device_s: 28800.0,
                    down_device_s: 1800.0,
                },
                UsageBucket::default(),
            ],
            peak_busy_devices: 3.0,
        }];
        let csv = usage_csv(&pools);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], USAGE_CSV_HEADER);
        assert_eq!(lines[1], "a100,0,100,2,8,0.5,0.25");
        assert_eq!(lines[2], "a100,1,3700,0,0,0,");
        assert_eq!(lines.len(), 3);
    }
}
