//! Efficiency parameters per device generation: how close real kernels and
//! collectives come to the catalogue's peaks. One small set per generation,
//! the same for every model and scale; each figure says where it comes from.

/// Efficiencies of one device generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Fraction of dense peak a matrix multiply's main loop sustains.
    pub gemm_eff_max: f64,
    /// The same at the FP8 peak (FP8 multiplies of the linear layers).
    pub fp8_gemm_eff_max: f64,
    /// Streaming multiprocessors (or cores) a multiply's output tiles are
    /// spread over; 0 when not modelled (no wave quantisation).
    pub compute_units: u32,
    /// Output tile of one unit, rows × columns.
    pub tile: (u64, u64),
    /// Fraction of peak memory bandwidth reached by element-wise kernels.
    pub mem_eff: f64,
    /// Collective bus bandwidth over intra-node link line rate.
    pub intra_link_eff: f64,
    /// Collective bus bandwidth over NIC line rate.
    pub network_eff: f64,
    /// Where these figures come from.
    pub source: &'static str,
}

/// Ampere (A100). The main-loop efficiency is fitted (least squares) to the
/// baseline per-layer times Korthikanti et al. 2022 measured on A100 80GB
/// (Table 4, 22B layer: forward 7.7 ms, backward 11.9 ms; the fit gives 7.85
/// and 11.76 ms); the table's other four rows (sequence parallelism,
/// selective and full recompute) are then predicted within 3%. Nothing else
/// is fitted. (An inner-loop overhead term was tried and fitted to zero, so
/// the model has none.) 108 SMs (NVIDIA A100 Tensor Core GPU Architecture
/// whitepaper); 256 × 128 output tiles, cuBLAS's large bf16 tile. NCCL
/// all-reduce on an A100 NVSwitch node: ~200–230 GB/s bus bandwidth of 300
/// GB/s line rate (nccl-tests#149) → 0.72. HDR InfiniBand: 96 of 100 GB/s
/// per 4 NICs (nccl-tests#119) → 0.9.
const AMPERE: Calibration = Calibration {
    gemm_eff_max: 0.745,
    // No FP8 on Ampere.
    fp8_gemm_eff_max: 0.745,
    compute_units: 108,
    tile: (256, 128),
    mem_eff: 0.8,
    intra_link_eff: 0.72,
    network_eff: 0.9,
    source: "Korthikanti 2022 Table 4; A100 whitepaper; nccl-tests#149, #119",
};

/// Hopper (H100/H200): 132 SMs (NVIDIA H100 Tensor Core GPU Architecture
/// whitepaper, SXM5). NVLink 4 ring bus bandwidth ~370 of 450 GB/s
/// (nccl-tests#212, maintainer) → 0.82; NDR 400 Gb/s reaches 46–48 GB/s of 50
/// per NIC (nccl-tests#290, maintainer) → 0.94. BF16 GEMM main-loop
/// efficiency: not calibrated against a measurement yet; a lower fraction
/// than Ampere's (0.68) because Hopper's peak needs asynchronous (wgmma/TMA)
/// kernels that reach a smaller share of it. FP8 main-loop fraction 0.75:
/// fitted (to ±0.5%) to one run, Megatron-Bridge 25.11's Llama 3 70B on 64
/// H100 in FP8 (`sim/data/measured/nemo_dense_throughput.csv`, the row
/// marked fitted); the file's other H100 rows are held out.
const HOPPER: Calibration = Calibration {
    gemm_eff_max: 0.68,
    fp8_gemm_eff_max: 0.75,
    compute_units: 132,
    tile: (256, 128),
    mem_eff: 0.8,
    intra_link_eff: 0.82,
    network_eff: 0.94,
    source: "H100 whitepaper; nccl-tests#212, #290; FP8 fraction fitted to Megatron-Bridge 25.11 (Llama3-70B, 64 H100); bf16 fraction uncalibrated",
};

/// Blackwell (B200): only the FP8 main-loop fraction is fitted (see
/// `sim/data/measured/nemo_dense_throughput.csv`); the rest are the
/// uncalibrated defaults, no wave quantisation.
const BLACKWELL: Calibration = Calibration {
    fp8_gemm_eff_max: 0.6,
    source: "FP8 fraction fitted to Megatron-Bridge 25.11 (Llama3-8B, 8 B200); rest uncalibrated",
    ..DEFAULT
};

/// Every other generation until measured: conservative uncalibrated
/// defaults, no wave quantisation.
const DEFAULT: Calibration = Calibration {
    gemm_eff_max: 0.7,
    fp8_gemm_eff_max: 0.5,
    compute_units: 0,
    tile: (256, 128),
    mem_eff: 0.75,
    intra_link_eff: 0.75,
    network_eff: 0.85,
    source: "uncalibrated default",
};

/// The calibration of a device generation (`DeviceSpec::generation`).
pub fn for_generation(generation: &str) -> Calibration {
    match generation {
        "ampere" => AMPERE,
        "hopper" => HOPPER,
        "blackwell" => BLACKWELL,
        _ => DEFAULT,
    }
}

impl Calibration {
    /// Fraction of peak a multiply `C[m×n] = A[m×k]·B[k×n]`, repeated
    /// `count` times, sustains while compute-bound: the main-loop fraction
    /// times the busy share of the waves of output tiles (a last, partial
    /// wave leaves units idle).
    pub fn gemm_efficiency(&self, m: u64, n: u64, count: u64) -> f64 {
        self.gemm_efficiency_at(self.gemm_eff_max, m, n, count)
    }

    /// As [`Calibration::gemm_efficiency`] with main-loop fraction `eff_max`
    /// (the 16-bit or the FP8 one).
    pub fn gemm_efficiency_at(&self, eff_max: f64, m: u64, n: u64, count: u64) -> f64 {
        let wave = if self.compute_units == 0 {
            1.0
        } else {
            let tiles = m.div_ceil(self.tile.0) * n.div_ceil(self.tile.1) * count.max(1);
            let units = u64::from(self.compute_units);
            let waves = tiles.div_ceil(units);
            tiles as f64 / (waves * units) as f64
        };
        eff_max * wave
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_quantisation() {
        let a = for_generation("ampere");
        // 108 tiles fill one wave exactly; 109 need two, half idle.
        let full = a.gemm_efficiency(256 * 108, 128, 1);
        let spill = a.gemm_efficiency(256 * 109, 128, 1);
        assert!((full / a.gemm_eff_max - 1.0).abs() < 1e-12);
        assert!((spill / full - 109.0 / 216.0).abs() < 1e-12);
        // Batched multiplies count every tile.
        assert_eq!(a.gemm_efficiency(256, 128, 108), full);
    }
}
