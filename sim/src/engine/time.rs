//! Simulated time and durations as integer nanoseconds.
//!
//! Integers, not `f64`, so that event order never depends on rounding and two
//! runs with the same inputs see the same clock to the nanosecond. All
//! arithmetic saturates: a time never wraps past [`SimTime::MAX`] or below
//! [`SimTime::ZERO`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub, SubAssign};

/// Nanoseconds in one second.
const NANOS_PER_SEC: f64 = 1e9;

/// Converts seconds to whole nanoseconds: rounds to nearest, maps negative
/// and NaN to 0 and saturates at `u64::MAX` (which also absorbs +∞).
fn secs_to_nanos(s: f64) -> u64 {
    // NaN, zero and negatives all map to 0.
    if s.is_nan() || s <= 0.0 {
        return 0;
    }
    let ns = (s * NANOS_PER_SEC).round();
    // `u64::MAX as f64` rounds up to 2^64, so `>=` catches every value that
    // does not fit.
    if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns as u64
    }
}

/// Simulated time in integer nanoseconds since the start of the simulation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable time (about 584 years); also "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The time `s` seconds after the start, rounded to the nearest
    /// nanosecond; negative or NaN gives [`SimTime::ZERO`], too large (or +∞)
    /// gives [`SimTime::MAX`].
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime(secs_to_nanos(s))
    }

    /// Seconds since the start (may lose precision beyond 2^53 ns ≈ 104 days).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC
    }

    /// The time `ns` nanoseconds after the start.
    pub const fn from_nanos(ns: u64) -> SimTime {
        SimTime(ns)
    }

    /// Nanoseconds since the start.
    pub const fn nanos(self) -> u64 {
        self.0
    }

    /// This time plus `d`, saturating at [`SimTime::MAX`].
    pub const fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// The duration from `earlier` to this time; [`SimDuration::ZERO`] if
    /// `earlier` is in fact later.
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for SimTime {
    /// Seconds with nanosecond precision, e.g. `1.500000000 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09} s",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000
        )
    }
}

/// A span of simulated time in integer nanoseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimDuration(pub u64);

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable duration.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// `s` seconds, rounded to the nearest nanosecond; negative or NaN gives
    /// [`SimDuration::ZERO`], too large (or +∞) gives [`SimDuration::MAX`].
    pub fn from_secs_f64(s: f64) -> SimDuration {
        SimDuration(secs_to_nanos(s))
    }

    /// The duration in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC
    }

    /// `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> SimDuration {
        SimDuration(ns)
    }

    /// `us` microseconds, saturating.
    pub const fn from_micros(us: u64) -> SimDuration {
        SimDuration(us.saturating_mul(1_000))
    }

    /// `ms` milliseconds, saturating.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(1_000_000))
    }

    /// `s` whole seconds, saturating.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(1_000_000_000))
    }

    /// The duration in nanoseconds.
    pub const fn nanos(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SimDuration {
    /// Seconds with nanosecond precision, e.g. `0.000001000 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09} s",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000
        )
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::MAX`].
    fn add(self, rhs: SimDuration) -> SimTime {
        self.saturating_add(rhs)
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::ZERO`].
    fn sub(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign<SimDuration> for SimTime {
    fn sub_assign(&mut self, rhs: SimDuration) {
        *self = *self - rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::ZERO`]; see [`SimTime::since`].
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::MAX`].
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::ZERO`].
    fn sub(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for SimDuration {
    fn sub_assign(&mut self, rhs: SimDuration) {
        *self = *self - rhs;
    }
}

impl Mul<u64> for SimDuration {
    type Output = SimDuration;
    /// Saturates at [`SimDuration::MAX`].
    fn mul(self, rhs: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(rhs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_secs_f64_rounds_to_nearest_nanosecond() {
        assert_eq!(SimTime::from_secs_f64(1.5), SimTime(1_500_000_000));
        assert_eq!(SimTime::from_secs_f64(1e-9), SimTime(1));
        assert_eq!(SimTime::from_secs_f64(0.4e-9), SimTime(0));
        assert_eq!(SimTime::from_secs_f64(0.6e-9), SimTime(1));
        assert_eq!(SimTime::from_secs_f64(2.4e-9), SimTime(2));
        assert_eq!(SimTime::from_secs_f64(2.6e-9), SimTime(3));
        assert_eq!(SimDuration::from_secs_f64(0.001), SimDuration(1_000_000));
        // 0.1 is not exact in binary; rounding, not truncation, gives 100 ms.
        assert_eq!(SimDuration::from_secs_f64(0.1), SimDuration(100_000_000));
    }

    #[test]
    fn from_secs_f64_clamps_negative_nan_and_huge() {
        assert_eq!(SimTime::from_secs_f64(-1.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(-0.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NEG_INFINITY), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::INFINITY), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(1e12), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(f64::MAX), SimTime::MAX);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1e300), SimDuration::MAX);
        // Just below the limit still converts.
        assert!(SimTime::from_secs_f64(1.8e10) < SimTime::MAX);
    }

    #[test]
    fn secs_round_trip() {
        assert_eq!(SimTime(2_250_000_000).as_secs_f64(), 2.25);
        assert_eq!(SimDuration::from_millis(3).as_secs_f64(), 0.003);
        for ns in [0u64, 1, 999, 123_456_789, 86_400_000_000_000] {
            assert_eq!(
                SimTime::from_secs_f64(SimTime(ns).as_secs_f64()),
                SimTime(ns)
            );
        }
    }

    #[test]
    fn arithmetic_saturates() {
        let t = SimTime(10);
        assert_eq!(t + SimDuration(5), SimTime(15));
        assert_eq!(SimTime::MAX + SimDuration(1), SimTime::MAX);
        assert_eq!(t - SimDuration(20), SimTime::ZERO);
        assert_eq!(SimTime(15) - t, SimDuration(5));
        assert_eq!(t - SimTime(15), SimDuration::ZERO);
        assert_eq!(SimTime(15).since(t), SimDuration(5));
        assert_eq!(SimDuration(3) - SimDuration(5), SimDuration::ZERO);
        assert_eq!(SimDuration::MAX + SimDuration(1), SimDuration::MAX);
        assert_eq!(SimDuration(7) * 3, SimDuration(21));
        assert_eq!(SimDuration::from_secs(u64::MAX), SimDuration::MAX);
        let mut u = SimTime::ZERO;
        u += SimDuration::from_micros(2);
        assert_eq!(u, SimTime(2_000));
    }

    #[test]
    fn display_and_serde() {
        assert_eq!(SimTime(1_500_000_000).to_string(), "1.500000000 s");
        assert_eq!(SimDuration(42).to_string(), "0.000000042 s");
        let json = serde_json::to_string(&SimTime(7)).expect("serialises");
        assert_eq!(json, "7");
        let back: SimTime = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, SimTime(7));
    }
}
