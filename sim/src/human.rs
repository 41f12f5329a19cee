//! Numbers as people read them: thousands separators and coarse durations.
//! Shared by the command line's tables and the dashboard, so both print a
//! figure the same way.
//!
//! ```
//! use cirrus_sim::human::{count, duration, thousands};
//! assert_eq!(thousands(1_234_567.4), "1,234,567");
//! assert_eq!(count(1, "job"), "1 job");
//! assert_eq!(count(143_204, "candidate"), "143,204 candidates");
//! assert_eq!(duration(2.65e6), "30.7 days");
//! ```

/// `x` rounded to a whole number with commas between thousands (negative
/// values print as 0).
pub fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and `noun`, the noun in the plural unless `n` is 1 (`noun` + "s"),
/// the number with thousands separators.
pub fn count(n: u64, noun: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", thousands(n as f64))
}

/// A duration in the largest fitting unit: days (one decimal) from a day
/// up, hours (one decimal) from an hour up, else whole seconds.
pub fn duration(secs: f64) -> String {
    let days = secs / 86_400.0;
    if days >= 1.0 {
        format!("{days:.1} days")
    } else if secs >= 3600.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{secs:.0} s")
    }
}

/// Like [`duration`], with milliseconds and seconds to two decimals
/// below a minute (for step times and zoomed timelines).
pub fn fine_duration(secs: f64) -> String {
    if secs == 0.0 {
        "0 s".to_owned()
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else if secs < 60.0 {
        format!("{secs:.2} s")
    } else {
        duration(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_duration_shows_milliseconds() {
        assert_eq!(fine_duration(0.01234), "12.3 ms");
        assert_eq!(fine_duration(0.0), "0 s");
        assert_eq!(fine_duration(1.5), "1.50 s");
        assert_eq!(fine_duration(7200.0), "2.0 h");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(112_953.2), "112,953");
        assert_eq!(thousands(-5.0), "0");
    }

    #[test]
    fn duration_picks_the_unit() {
        assert_eq!(duration(59.6), "60 s");
        assert_eq!(duration(3600.0), "1.0 h");
        assert_eq!(duration(86_400.0 * 1.24), "1.2 days");
    }
}
