//! The documented range of every physical quantity of the format: one
//! table, enforced by the validator ([`check`]) and written into the JSON
//! Schema (and so into the scenario reference) as `minimum`/`maximum`.
//!
//! The ranges are generous (several times beyond any hardware or cluster
//! built so far) but finite, so that no accepted value can drive a time,
//! cost or rate past what the simulator represents: `nic_gbit_s = 1e-300`
//! or `duration_median_s = 1e300` are refused where they are written.

/// A quantity's accepted range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The key's last name (`nic_gbit_s`; the same range wherever it occurs).
    pub key: &'static str,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// Why the range is where it is, for the message.
    pub why: &'static str,
}

const fn r(key: &'static str, min: f64, max: f64, why: &'static str) -> Range {
    Range { key, min, max, why }
}

const PEAK: &str = "from 0.1 GFLOP/s (a slow CPU) up; above 10^9 TFLOP/s is no longer a device";
const SECONDS_10Y: f64 = 3.156e8;

/// Every ranged key.
pub const RANGES: [Range; 31] = [
    r("peak_tflops_fp32", 1e-4, 1e9, PEAK),
    r("peak_tflops_fp16", 1e-4, 1e9, PEAK),
    r("peak_tflops_bf16", 1e-4, 1e9, PEAK),
    r("peak_tflops_fp8", 1e-4, 1e9, PEAK),
    r("memory_gib", 1e-3, 1e9, "from 1 MiB per device up"),
    r(
        "mem_bw_gbyte_s",
        1e-2,
        1e12,
        "from 10 MB/s per device up (idealised values are accepted)",
    ),
    r(
        "intra_node_gbyte_s",
        1e-3,
        1e12,
        "from 1 MB/s per device up (idealised values are accepted)",
    ),
    r(
        "nic_gbit_s",
        1e-2,
        1e12,
        "from 10 Mb/s per NIC up (idealised values are accepted)",
    ),
    r(
        "inter_pool_gbit_s",
        1e-2,
        1e12,
        "from 10 Mb/s up (idealised values are accepted)",
    ),
    r(
        "oversubscription",
        1.0,
        1e3,
        "from 1 (non-blocking) to 1000:1",
    ),
    r("tdp_w", 1e-3, 1e5, "up to 100 kW per device"),
    r(
        "usd_per_device_hour",
        0.0,
        1e4,
        "up to 10,000 USD per device-hour",
    ),
    r(
        "preemptions_per_device_hour",
        0.0,
        60.0,
        "at most one revocation per device-minute",
    ),
    r("reacquire_hours", 1e-3, 1e4, "from 3.6 s to about a year"),
    r("notice_s", 0.0, 86_400.0, "at most a day"),
    r(
        "mtbf_hours_per_node",
        0.1,
        1e9,
        "from 6 minutes to 10^9 hours",
    ),
    r("repair_hours", 1e-3, 1e5, "from 3.6 s to about 11 years"),
    r("failure_weibull_shape", 0.05, 20.0, "from 0.05 to 20"),
    r("provision_minutes", 0.0, 1e5, "at most about 70 days"),
    r("idle_minutes", 0.0, 1e5, "at most about 70 days"),
    r(
        "mean_interarrival_s",
        1e-3,
        SECONDS_10Y,
        "from 1 ms to 10 years",
    ),
    r(
        "duration_median_s",
        1e-3,
        SECONDS_10Y,
        "from 1 ms to 10 years",
    ),
    r("duration_sigma", 0.0, 5.0, "a log-normal σ up to 5"),
    r("burst_factor", 0.0, 1e4, "up to 10,000"),
    r("round_s", 1e-3, SECONDS_10Y, "from 1 ms to 10 years"),
    r(
        "checkpoint_interval_s",
        1e-3,
        SECONDS_10Y,
        "from 1 ms to 10 years",
    ),
    r("restore_s", 0.0, 1e6, "at most about 11 days"),
    r("checkpoint_write_s", 0.0, 1e6, "at most about 11 days"),
    r("arrival_s", 0.0, SECONDS_10Y, "at most 10 years"),
    r("train_tokens", 1.0, 1e17, "up to 10^17 tokens"),
    r("deadline_h", 1e-3, 1e6, "up to about 114 years"),
];

/// The range of the key whose path is `key` (`pool[0].spot.notice_s`,
/// `workload.devices[2]`), by its last name.
pub fn of(key: &str) -> Option<&'static Range> {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    RANGES.iter().find(|r| r.key == leaf)
}

/// `None` when `x` is within the range of `key` (or `key` has none), else
/// the problem's message.
pub fn check(key: &str, x: f64) -> Option<String> {
    let range = of(key)?;
    let side = if x < range.min {
        "below"
    } else if x > range.max {
        "above"
    } else {
        return None;
    };
    Some(format!(
        "{} is {side} the accepted range ({} to {}: {})",
        short(x),
        short(range.min),
        short(range.max),
        range.why
    ))
}

/// `x` as written in a message: plain, or in exponent form when tiny or huge.
pub fn short(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e7).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_ordered_and_unique() {
        for (i, r) in RANGES.iter().enumerate() {
            assert!(r.min <= r.max && r.max.is_finite(), "{}", r.key);
            assert!(RANGES[..i].iter().all(|o| o.key != r.key), "{}", r.key);
        }
    }

    #[test]
    fn looked_up_by_the_last_name_of_the_path() {
        assert_eq!(of("pool[3].spot.notice_s").map(|r| r.key), Some("notice_s"));
        assert_eq!(of("round_s").map(|r| r.max), Some(SECONDS_10Y));
        assert!(of("pool[0].nodes").is_none());
        assert!(check("pool[0].nic_gbit_s", 1e-300).is_some());
        assert!(check("pool[0].nic_gbit_s", 400.0).is_none());
        assert!(check("workload.duration_median_s", 1e300).is_some());
    }
}
