//! Matrix-multiply rate of each backend: `cargo run --release -p
//! cirrus-executor --example matmul_bench [SIZE...]` (default 128 256 512).
//!
//! Each timing is one whole call (upload, dispatch, read back) after a
//! warm-up call that includes the driver's shader compile; the best of three
//! is reported, with the largest difference from the CPU backend's result
//! relative to the largest |C| (a fast wrong kernel would show here). Nothing
//! is asserted: tests never time anything.

use cirrus_executor::{Backend, CpuBackend, ExecError, GpuBackend, Matmul};
use std::time::Instant;

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
    for &size in &sizes {
        let shape = Matmul::forward(size, size, size);
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
            let mut best = f64::INFINITY;
            for _ in 0..3 {
                let start = Instant::now();
                backend.matmul(&a, &b, shape)?;
                best = best.min(start.elapsed().as_secs_f64());
            }
            println!(
                "{size:>5}×{size}×{size}  {:<40} {:>8.2} GFLOP/s  ({:.1} ms, max diff from cpu {:.1e})",
                backend.name(),
                shape.flops() / best / 1e9,
                best * 1e3,
                diff / scale
            );
        }
    }
    Ok(())
}
