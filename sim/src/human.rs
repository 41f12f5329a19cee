//! Numbers as people read them: thousands separators and coarse durations.
//! Shared by the command line's tables and the dashboard, so both print a
//! figure the same way.
//!
//! ```
//! use cirrus_sim::human::{duration, thousands};
//! assert_eq!(thousands(1_234_567.4), "1,234,567");
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

#[cfg(test)]
mod tests {
    use super::*;

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
