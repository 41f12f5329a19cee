//! `cirrus calibrate`: micro-benchmarks every local wgpu adapter and the CPU
//! backend into a [`Profile`] the simulator times local workers with.
//!
//! Every figure is a median over repeats, measured through the same paths a
//! training step takes: matrix multiplies and attention as whole
//! [`Backend`] calls (upload, dispatch, wait, read back), the call overhead
//! as a whole call on a tiny input, and apart from them the empty-kernel
//! dispatch latency, a device copy kernel's bandwidth, host staging each
//! way, and how the per-device rate falls when 2 and 4 devices of one
//! adapter run at once from separate threads (on a CPU-only machine
//! lavapipe's devices share the cores).
//!
//! ```text
//! list adapters ─► per adapter: GpuBackend + Probes ─┐
//!                  CpuBackend ───────────────────────┴─► AdapterProfile ─► Profile (TOML)
//! ```

use crate::attention::AttentionShape;
use crate::backend::{Backend, CpuBackend, Matmul};
use crate::devices::{self, AdapterSummary, Gpu};
use crate::error::ExecError;
use crate::gpu::{GpuBackend, Probes};
use cirrus_sim::profile::{
    AdapterKind, AdapterProfile, ConcurrencyPoint, MatmulKernel, MatmulPoint,
    PROFILE_FORMAT_VERSION, Profile,
};
use std::time::{Instant, SystemTime};

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Square sizes of the matrix-multiply ladder.
    pub sizes: Vec<usize>,
    /// Thin products `(m, k, n)` measured besides the squares: a small
    /// transformer's layers multiply many tokens by narrow weights.
    pub thin: Vec<(usize, usize, usize)>,
    /// Repeats of each timing (the median is kept).
    pub repeats: usize,
    /// Bytes of the bandwidth probes.
    pub bandwidth_bytes: usize,
    /// Device counts of the concurrency probe (besides 1).
    pub concurrency: Vec<usize>,
    /// Square size of the concurrency probe's multiply.
    pub concurrency_size: usize,
    /// Whether this is the quick mode (recorded in the profile).
    pub quick: bool,
}

impl Options {
    /// The full calibration (a minute or two on a 2-core machine).
    pub fn full() -> Self {
        Options {
            sizes: vec![32, 64, 128, 256, 512],
            thin: thin_shapes(),
            repeats: 5,
            bandwidth_bytes: 16 << 20,
            concurrency: vec![2, 4],
            concurrency_size: 256,
            quick: false,
        }
    }

    /// A few seconds: small sizes, three repeats (for tests).
    pub fn quick() -> Self {
        Options {
            sizes: vec![16, 32, 64],
            thin: Vec::new(),
            repeats: 3,
            bandwidth_bytes: 1 << 20,
            concurrency: vec![2],
            concurrency_size: 64,
            quick: true,
        }
    }
}

/// Measures every adapter wgpu finds and the CPU backend; `progress`
/// receives one line per adapter as it starts.
pub fn calibrate(opts: &Options, progress: &mut dyn FnMut(&str)) -> Result<Profile, ExecError> {
    let mut adapters = Vec::new();
    for (i, adapter) in devices::adapters().iter().enumerate() {
        let gpu = Gpu::open(adapter)?;
        progress(&format!("calibrating adapter {i}: {}", gpu.adapter.name));
        adapters.push(gpu_profile(gpu, i, opts)?);
    }
    progress("calibrating the CPU backend (cpu)");
    adapters.push(cpu_profile(opts)?);
    Ok(Profile {
        format_version: PROFILE_FORMAT_VERSION,
        written: today(),
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        quick: opts.quick,
        host_threads: std::thread::available_parallelism()
            .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
        host_copy_gbyte_s: host_copy_gbyte_s(opts)?,
        memory_gib: host_memory_gib(),
        adapter: adapters,
    })
}

fn gpu_profile(gpu: Gpu, index: usize, opts: &Options) -> Result<AdapterProfile, ExecError> {
    let summary: AdapterSummary = gpu.adapter.clone();
    let probes = Probes::new(&gpu)?;
    let backend = GpuBackend::on(gpu)?;
    let g = backend.gpu();
    let r = opts.repeats;
    let bytes = opts.bandwidth_bytes as u64;
    let data = vec![1.0f32; opts.bandwidth_bytes / 4];
    probes.dispatch_seconds(g)?;
    let dispatch = median(r, || probes.dispatch_seconds(g))?;
    probes.copy_seconds(g, bytes)?;
    let copy = median(r, || probes.copy_seconds(g, bytes))?;
    let upload = median(r, || probes.upload_seconds(g, &data))?;
    let readback = median(r, || probes.readback_seconds(g, bytes))?;
    let (overhead, matmul, att_f, att_b) = backend_figures(&backend, opts)?;
    let concurrency = concurrency(opts, |_| {
        let adapter = devices::adapters()
            .into_iter()
            .nth(index)
            .ok_or_else(devices::no_adapter)?;
        Ok(Box::new(GpuBackend::on(Gpu::open(&adapter)?)?) as Box<dyn Backend + Send + Sync>)
    })?;
    Ok(AdapterProfile {
        name: summary.name,
        kind: AdapterKind::Wgpu,
        backend: summary.backend,
        device_type: summary.device_type,
        driver: [summary.driver, summary.driver_info]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        call_overhead_us: overhead * 1e6,
        dispatch_latency_us: dispatch * 1e6,
        // The copy reads and writes every byte; its time includes one dispatch.
        mem_bw_gbyte_s: 2.0 * bytes as f64 / (copy - dispatch).max(copy * 0.05) / 1e9,
        upload_gbyte_s: Some(bytes as f64 / upload / 1e9),
        readback_gbyte_s: Some(bytes as f64 / readback / 1e9),
        attention_fwd_gflop_s: Some(att_f),
        attention_bwd_gflop_s: Some(att_b),
        matmul,
        concurrency,
    })
}

fn cpu_profile(opts: &Options) -> Result<AdapterProfile, ExecError> {
    let (overhead, matmul, att_f, att_b) = backend_figures(&CpuBackend, opts)?;
    let concurrency = concurrency(opts, |_| {
        Ok(Box::new(CpuBackend) as Box<dyn Backend + Send + Sync>)
    })?;
    Ok(AdapterProfile {
        name: "cpu".to_owned(),
        kind: AdapterKind::Cpu,
        backend: String::new(),
        device_type: "CPU".to_owned(),
        driver: "cirrus CpuBackend (float32 loops)".to_owned(),
        call_overhead_us: overhead * 1e6,
        dispatch_latency_us: 0.0,
        // The CPU backend's kernels read and write host memory.
        mem_bw_gbyte_s: 2.0 * host_copy_gbyte_s(opts)?,
        upload_gbyte_s: None,
        readback_gbyte_s: None,
        attention_fwd_gflop_s: Some(att_f),
        attention_bwd_gflop_s: Some(att_b),
        matmul,
        concurrency,
    })
}

/// Thin shapes: one long dimension (512 or 2048: tokens) and two narrow
/// ones (64 or 256: widths), the long one as rows of `C` (forward and
/// input-gradient products) or as the contraction (weight gradients).
fn thin_shapes() -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for long in [512, 2048] {
        for a in [64, 256] {
            for b in [64, 256] {
                out.push((long, a, b));
                out.push((a, long, b));
            }
        }
    }
    out
}

/// Whole-call figures through a backend: the overhead of a tiny call, the
/// matrix-multiply ladder of every variant, and attention forward and
/// backward rates.
fn backend_figures(
    be: &dyn Backend,
    opts: &Options,
) -> Result<(f64, Vec<MatmulPoint>, f64, f64), ExecError> {
    let r = opts.repeats;
    let tiny = [0.5f32; 16];
    be.gelu(&tiny)?;
    let overhead = median(r.max(5), || timed(|| be.gelu(&tiny).map(drop)))?;
    let mut matmul = Vec::new();
    let squares = opts.sizes.iter().map(|&s| (s, s, s));
    for (m, k, n) in squares.chain(opts.thin.iter().copied()) {
        for kernel in MatmulKernel::ALL {
            let shape = Matmul {
                trans_a: kernel == MatmulKernel::TransA,
                trans_b: kernel == MatmulKernel::TransB,
                ..Matmul::forward(m, k, n)
            };
            let a = values(shape.a_len(), 0.618);
            let b = values(shape.b_len(), 0.414);
            be.matmul(&a, &b, shape)?;
            let t = median(r, || timed(|| be.matmul(&a, &b, shape).map(drop)))?;
            matmul.push(MatmulPoint {
                kernel,
                m: m as u64,
                k: k as u64,
                n: n as u64,
                gflop_s: shape.flops() / t / 1e9,
            });
        }
    }
    // Attention at the shape of a small model's worker: 8 sequences of 64
    // tokens, 4 heads of 16.
    let shape = AttentionShape {
        batch: 8,
        heads: 4,
        seq: 64,
        head_dim: 16,
    };
    let len = shape.batch * shape.heads * shape.seq * shape.head_dim;
    let (q, k, v) = (values(len, 0.3), values(len, 0.7), values(len, 0.9));
    let flops = 4.0 * (shape.batch * shape.heads * shape.seq * shape.seq * shape.head_dim) as f64;
    let out = be.attention(&q, &k, &v, shape)?;
    let fwd = median(r, || timed(|| be.attention(&q, &k, &v, shape).map(drop)))?;
    be.attention_backward(&q, &k, &v, &out.o, &out.lse, &q, shape)?;
    let bwd = median(r, || {
        timed(|| {
            be.attention_backward(&q, &k, &v, &out.o, &out.lse, &q, shape)
                .map(drop)
        })
    })?;
    Ok((overhead, matmul, flops / fwd / 1e9, 2.0 * flops / bwd / 1e9))
}

/// Per-device rate of `k` devices multiplying at once (each on its own
/// thread, made by `open`), over one device's rate, for each `k` of the
/// options.
fn concurrency(
    opts: &Options,
    open: impl Fn(usize) -> Result<Box<dyn Backend + Send + Sync>, ExecError> + Sync,
) -> Result<Vec<ConcurrencyPoint>, ExecError> {
    let size = opts.concurrency_size;
    let shape = Matmul::forward(size, size, size);
    let a = values(shape.a_len(), 0.618);
    let b = values(shape.b_len(), 0.414);
    let calls = opts.repeats.max(3);
    // Seconds per call on each of `k` devices running together.
    let run = |k: usize| -> Result<f64, ExecError> {
        let backends = (0..k).map(&open).collect::<Result<Vec<_>, _>>()?;
        for be in &backends {
            be.matmul(&a, &b, shape)?;
        }
        let barrier = std::sync::Barrier::new(k);
        let times: Vec<Result<f64, ExecError>> = std::thread::scope(|s| {
            let handles: Vec<_> = backends
                .iter()
                .map(|be| {
                    let (a, b, barrier) = (&a, &b, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..calls {
                            be.matmul(a, b, shape)?;
                        }
                        Ok(start.elapsed().as_secs_f64() / calls as f64)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ExecError::InvalidInput {
                            kernel: "calibration",
                            reason: "a concurrency probe thread panicked".to_owned(),
                        })
                    })
                })
                .collect()
        });
        let times = times.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(times.iter().sum::<f64>() / k as f64)
    };
    // Alternate the single-device and the k-device runs so a change in the
    // machine's load between them does not read as contention.
    opts.concurrency
        .iter()
        .map(|&k| {
            let ratio = median(3, || Ok(run(1)? / run(k)?))?;
            Ok(ConcurrencyPoint {
                devices: u32::try_from(k).unwrap_or(u32::MAX),
                per_device_ratio: ratio,
            })
        })
        .collect()
}

/// Host memory copy bandwidth, GB/s (bytes copied per second).
fn host_copy_gbyte_s(opts: &Options) -> Result<f64, ExecError> {
    let src = values(opts.bandwidth_bytes / 4, 0.5);
    let mut dst = vec![0.0f32; src.len()];
    let t = median(opts.repeats.max(5), || {
        let start = Instant::now();
        dst.copy_from_slice(std::hint::black_box(&src));
        std::hint::black_box(&dst);
        Ok(start.elapsed().as_secs_f64())
    })?;
    Ok(opts.bandwidth_bytes as f64 / t.max(1e-9) / 1e9)
}

/// Host memory from `/proc/meminfo`, GiB (1 where it cannot be read).
fn host_memory_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(1.0, |kib| kib / (1024.0 * 1024.0))
}

/// Deterministic test data.
fn values(len: usize, step: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * step).sin()).collect()
}

/// Seconds `work` takes.
fn timed(work: impl FnOnce() -> Result<(), ExecError>) -> Result<f64, ExecError> {
    let start = Instant::now();
    work()?;
    Ok(start.elapsed().as_secs_f64())
}

/// The median of `n` (at least one) timings.
fn median(n: usize, mut time: impl FnMut() -> Result<f64, ExecError>) -> Result<f64, ExecError> {
    let ts = (0..n.max(1))
        .map(|_| time())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::run::median(&ts))
}

/// Today's date, UTC, `YYYY-MM-DD` (the civil-from-days algorithm of
/// Howard Hinnant's `chrono`-compatible date library).
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// The date `days` after 1970-01-01.
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_785), "2026-11-28");
    }

    #[test]
    fn medians() {
        let mut xs = [3.0, 1.0, 2.0].into_iter();
        assert_eq!(median(3, || Ok(xs.next().unwrap_or(0.0))).expect("ok"), 2.0);
        let mut ys = [4.0, 1.0].into_iter();
        assert_eq!(median(2, || Ok(ys.next().unwrap_or(0.0))).expect("ok"), 2.5);
    }

    /// A quick calibration on the real adapters (lavapipe where there is no
    /// GPU) gives positive figures for every adapter and the CPU backend,
    /// and its TOML reads back equal.
    #[test]
    fn quick_calibration_reads_back() {
        let p = calibrate(&Options::quick(), &mut |_| {}).expect("lavapipe is installed");
        assert!(p.adapter.len() >= 2, "{p:?}");
        assert_eq!(p.adapter.last().map(|a| a.kind), Some(AdapterKind::Cpu));
        for a in &p.adapter {
            assert!(a.mem_bw_gbyte_s > 0.0 && a.call_overhead_us > 0.0, "{a:?}");
            assert_eq!(a.matmul.len(), 3 * Options::quick().sizes.len());
            assert!(a.matmul.iter().all(|m| m.gflop_s > 0.0), "{a:?}");
            assert!(a.concurrency.iter().all(|c| c.per_device_ratio > 0.0));
        }
        let again = cirrus_sim::profile::parse(&p.to_toml(), "quick.toml").expect("reads back");
        assert_eq!(again, p);
    }
}
