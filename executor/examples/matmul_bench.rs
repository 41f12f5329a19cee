//! Matrix-multiply rate of each backend: `cargo run --release -p
//! cirrus-executor --example matmul_bench [SIZE...]` (default 128 256 512).
//!
//! Runs the square forward products of each SIZE, then the thin products of
//! the bundled model's training step (hidden 64, feed-forward 256, 8 rows of
//! 64 tokens: `m` = 512 with `k`, `n` ∈ {64, 192, 256}) forward and as the
//! two backward products, which take different paths on the GPU (see
//! `MatmulVariant`). Each timing is one whole call (upload, dispatch,
//! read back) after a warm-up call that includes the driver's shader
//! compile; the median and the best of five are reported, with the largest
//! difference from the CPU backend's result relative to the largest |C| (a
//! fast wrong kernel would show here). Nothing is asserted: tests never time
//! anything.

use cirrus_executor::{Backend, CpuBackend, ExecError, GpuBackend, Matmul};
use std::time::Instant;

/// Timed calls per product and backend.
const RUNS: usize = 5;

fn main() -> Result<(), ExecError> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![128, 256, 512]
    } else {
        sizes
    };
    let gpu = GpuBackend::new()?;
    println!(
        "adapter: {} ({}, driver {} {})",
        gpu.gpu().adapter.name,
        gpu.gpu().adapter.backend,
        gpu.gpu().adapter.driver,
        gpu.gpu().adapter.driver_info
    );
    let backends: [&dyn Backend; 2] = [&CpuBackend, &gpu];
    let mut products: Vec<(String, Matmul)> = sizes
        .iter()
        .map(|&s| (format!("{s}×{s}×{s}"), Matmul::forward(s, s, s)))
        .collect();
    // The model's layers Y = X · W: attention projections (64 → 192, 64 →
    // 64), feed-forward in (64 → 256) and out (256 → 64), over 512 rows.
    for (k, n) in [(64, 192), (64, 64), (64, 256), (256, 64)] {
        let m = 512;
        products.push((format!("X·W    {m}×{k}·{k}×{n}"), Matmul::forward(m, k, n)));
        products.push((format!("Xᵀ·G   {k}×{m}·{m}×{n}"), Matmul::grad_rhs(m, k, n)));
        products.push((format!("G·Wᵀ   {m}×{n}·{n}×{k}"), Matmul::grad_lhs(m, k, n)));
    }
    for (label, shape) in products {
        let a: Vec<f32> = (0..shape.a_len())
            .map(|i| (i as f32 * 0.618_034).sin())
            .collect();
        let b: Vec<f32> = (0..shape.b_len())
            .map(|i| (i as f32 * 0.414_214).cos())
            .collect();
        let reference = CpuBackend.matmul(&a, &b, shape)?;
        let scale = reference.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        for backend in backends {
            let c = backend.matmul(&a, &b, shape)?;
            let diff = c
                .iter()
                .zip(&reference)
                .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
            let mut times = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let start = Instant::now();
                backend.matmul(&a, &b, shape)?;
                times.push(start.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let (median, best) = (times[RUNS / 2], times[0]);
            println!(
                "{label:<24} {:<34} median {:>6.2} best {:>6.2} GFLOP/s  ({:.2} ms, max diff from cpu {:.1e})",
                backend.name(),
                shape.flops() / median / 1e9,
                shape.flops() / best / 1e9,
                median * 1e3,
                diff / scale
            );
        }
    }
    Ok(())
}
