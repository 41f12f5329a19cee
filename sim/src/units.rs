//! Physical quantities as newtypes, so a byte count is never added to a time.
//!
//! Each type wraps an `f64` in SI base units (bytes, FLOPs, seconds); the
//! constructors and accessors that take or give other units carry the unit in
//! their names (`from_gib`, `as_tflops`).

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Div, Mul, Sub};

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl $name {
            /// Zero of this quantity.
            pub const ZERO: Self = Self(0.0);
            /// The raw value in the type's base unit.
            pub fn get(self) -> f64 {
                self.0
            }
            /// The larger of two quantities.
            pub fn max(self, other: Self) -> Self {
                Self(self.0.max(other.0))
            }
            /// The smaller of two quantities.
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }
        }
        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
        impl Mul<f64> for $name {
            type Output = Self;
            fn mul(self, rhs: f64) -> Self {
                Self(self.0 * rhs)
            }
        }
        impl Div<f64> for $name {
            type Output = Self;
            fn div(self, rhs: f64) -> Self {
                Self(self.0 / rhs)
            }
        }
        impl Div for $name {
            type Output = f64;
            fn div(self, rhs: Self) -> f64 {
                self.0 / rhs.0
            }
        }
        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|q| q.0).sum())
            }
        }
    };
}

quantity!(
    /// A number of bytes.
    Bytes
);
quantity!(
    /// A number of floating-point operations.
    Flops
);
quantity!(
    /// A compute rate in FLOP/s.
    FlopsPerSec
);
quantity!(
    /// A bandwidth in bytes per second.
    BytesPerSec
);
quantity!(
    /// A duration in seconds.
    Seconds
);

/// Bytes in one GiB (2^30).
pub const GIB: f64 = 1_073_741_824.0;
/// Bytes in one GB (10^9).
pub const GB: f64 = 1e9;

impl Bytes {
    /// From gibibytes (2^30 bytes).
    pub fn from_gib(gib: f64) -> Self {
        Self(gib * GIB)
    }
    /// From gigabytes (10^9 bytes).
    pub fn from_gb(gb: f64) -> Self {
        Self(gb * GB)
    }
    /// In gibibytes.
    pub fn as_gib(self) -> f64 {
        self.0 / GIB
    }
}

impl FlopsPerSec {
    /// From TFLOP/s (10^12 FLOP/s).
    pub fn from_tflops(t: f64) -> Self {
        Self(t * 1e12)
    }
    /// In TFLOP/s.
    pub fn as_tflops(self) -> f64 {
        self.0 / 1e12
    }
}

impl BytesPerSec {
    /// From GB/s (10^9 bytes per second).
    pub fn from_gbyte_s(g: f64) -> Self {
        Self(g * GB)
    }
    /// From Gb/s (10^9 bits per second).
    pub fn from_gbit_s(g: f64) -> Self {
        Self(g * GB / 8.0)
    }
    /// In GB/s.
    pub fn as_gbyte_s(self) -> f64 {
        self.0 / GB
    }
}

impl Div<FlopsPerSec> for Flops {
    type Output = Seconds;
    fn div(self, rhs: FlopsPerSec) -> Seconds {
        Seconds(self.0 / rhs.0)
    }
}

impl Div<BytesPerSec> for Bytes {
    type Output = Seconds;
    fn div(self, rhs: BytesPerSec) -> Seconds {
        Seconds(self.0 / rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_conversions_round_trip() {
        assert_eq!(Bytes::from_gib(2.0).get(), 2.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(BytesPerSec::from_gbit_s(400.0).as_gbyte_s(), 50.0);
        let t = Flops(2e12) / FlopsPerSec::from_tflops(1.0);
        assert_eq!(t, Seconds(2.0));
        assert_eq!(
            Bytes::from_gb(10.0) / BytesPerSec::from_gbyte_s(5.0),
            Seconds(2.0)
        );
    }
}
