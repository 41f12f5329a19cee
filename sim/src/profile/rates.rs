//! Times of backend calls from an adapter's measured figures: matrix
//! multiplies interpolated over the measured ladder, element-wise calls by
//! overhead, staging and memory bandwidth, and the slow-down of several
//! devices running at once.

use super::{AdapterProfile, MatmulKernel, MatmulPoint};

/// Bytes per GB.
const GB: f64 = 1e9;

impl AdapterProfile {
    /// Seconds every backend call pays before any work.
    pub fn call_overhead_s(&self) -> f64 {
        self.call_overhead_us * 1e-6
    }

    /// The fastest measured matrix-multiply rate, GFLOP/s (the device's
    /// "peak" in reports).
    pub fn peak_gflop_s(&self) -> f64 {
        self.matmul.iter().map(|p| p.gflop_s).fold(0.0, f64::max)
    }

    /// Seconds of one whole `Backend::matmul` call of variant `kernel` with
    /// `C` `m × n` and contraction `k`: its FLOPs over the rate interpolated
    /// between the measured points of that variant, of an aspect like this
    /// product's where the ladder has some, by FLOPs (log rate
    /// linear in log FLOPs; the forward points when the variant was not
    /// measured). Above the largest measured product the largest's rate
    /// holds; below the smallest the time falls linearly from the
    /// smallest's towards the call overhead.
    pub fn matmul_seconds(&self, kernel: MatmulKernel, m: u64, k: u64, n: u64) -> f64 {
        let flops = 2.0 * m as f64 * k as f64 * n as f64;
        let mut points: Vec<&MatmulPoint> =
            self.matmul.iter().filter(|p| p.kernel == kernel).collect();
        if points.is_empty() {
            points = self
                .matmul
                .iter()
                .filter(|p| p.kernel == MatmulKernel::Forward)
                .collect();
        }
        if points.is_empty() {
            points = self.matmul.iter().collect();
        }
        // Thin products run slower than square ones of the same FLOPs: when
        // the ladder has points of a similar aspect (largest over smallest
        // dimension within a factor of 2 of this product's), interpolate
        // among those only.
        let aspect = |m: u64, k: u64, n: u64| {
            let (lo, hi) = (m.min(k).min(n).max(1), m.max(k).max(n).max(1));
            hi as f64 / lo as f64
        };
        let want = aspect(m, k, n);
        let similar: Vec<&MatmulPoint> = points
            .iter()
            .copied()
            .filter(|p| {
                let r = aspect(p.m, p.k, p.n) / want;
                (0.5..=2.0).contains(&r)
            })
            .collect();
        if !similar.is_empty() {
            points = similar;
        }
        points.sort_by(|a, b| a.flops().total_cmp(&b.flops()));
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return self.call_overhead_s();
        };
        let rate = |p: &MatmulPoint| p.gflop_s * 1e9;
        if flops <= first.flops() {
            let t0 = first.flops() / rate(first);
            let floor = self.call_overhead_s().min(t0);
            return floor + (t0 - floor) * flops / first.flops();
        }
        if flops >= last.flops() {
            return flops / rate(last);
        }
        let upper = points
            .iter()
            .position(|p| p.flops() >= flops)
            .unwrap_or(points.len() - 1);
        let (a, b) = (points[upper - 1], points[upper]);
        let span = (b.flops() / a.flops()).ln();
        let w = if span > 0.0 {
            (flops / a.flops()).ln() / span
        } else {
            1.0
        };
        let log_rate = rate(a).ln() * (1.0 - w) + rate(b).ln() * w;
        flops / log_rate.exp()
    }

    /// Seconds of one element-wise or row-wise backend call that uploads
    /// `bytes_in`, reads back `bytes_out`, and whose kernel moves
    /// `bytes_touched` through device memory: the call overhead plus the
    /// staging at the measured host bandwidths plus the traffic at the
    /// measured memory bandwidth.
    pub fn call_seconds(&self, bytes_in: f64, bytes_out: f64, bytes_touched: f64) -> f64 {
        self.call_overhead_s()
            + self.staging_seconds(bytes_in, bytes_out)
            + bytes_touched / (self.mem_bw_gbyte_s * GB)
    }

    /// Seconds to stage `bytes_in` to the device and `bytes_out` back (0
    /// for a backend without staging).
    pub fn staging_seconds(&self, bytes_in: f64, bytes_out: f64) -> f64 {
        self.upload_gbyte_s.map_or(0.0, |bw| bytes_in / (bw * GB))
            + self
                .readback_gbyte_s
                .map_or(0.0, |bw| bytes_out / (bw * GB))
    }

    /// Seconds of one attention call of `flops` (counted as the profile
    /// counts them) staging `bytes_in` and `bytes_out`: the measured
    /// whole-call rate of the forward or backward kernel, or, unmeasured, the
    /// largest forward matrix-multiply rate plus the staging.
    pub fn attention_seconds(
        &self,
        flops: f64,
        backward: bool,
        bytes_in: f64,
        bytes_out: f64,
    ) -> f64 {
        let measured = if backward {
            self.attention_bwd_gflop_s
        } else {
            self.attention_fwd_gflop_s
        };
        match measured {
            Some(r) => (flops / (r * 1e9)).max(self.call_overhead_s()),
            None => {
                self.call_overhead_s()
                    + self.staging_seconds(bytes_in, bytes_out)
                    + flops / (self.peak_gflop_s().max(1e-9) * 1e9)
            }
        }
    }

    /// Each device's rate, over its rate alone, when `devices` devices run
    /// at once: 1 for one; linear between measured counts; past the largest
    /// measured count `K` (ratio `r`) the machine's total stays `r·K`, so
    /// the ratio is `r·K/devices`; unmeasured, 1.
    pub fn concurrency_ratio(&self, devices: u32) -> f64 {
        if devices <= 1 || self.concurrency.is_empty() {
            return 1.0;
        }
        let mut prev = (1u32, 1.0f64);
        for p in &self.concurrency {
            if p.devices == devices {
                return p.per_device_ratio;
            }
            if p.devices > devices {
                let w = f64::from(devices - prev.0) / f64::from(p.devices - prev.0);
                return prev.1 + (p.per_device_ratio - prev.1) * w;
            }
            prev = (p.devices, p.per_device_ratio);
        }
        prev.1 * f64::from(prev.0) / f64::from(devices)
    }
}
