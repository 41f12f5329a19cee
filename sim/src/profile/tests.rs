//! Known-answer tests of profile reading and interpolation.

use super::*;

/// A profile with hand-picked figures: one adapter with a two-point forward
/// ladder, and the CPU backend.
pub(crate) const FIXTURE: &str = r#"
format_version = 1
written = "2026-11-28"
build = "release"
quick = false
host_threads = 2
host_copy_gbyte_s = 4.0
memory_gib = 8.0

[[adapter]]
name = "llvmpipe (LLVM 19.1.7, 256 bits)"
kind = "wgpu"
call_overhead_us = 100.0
dispatch_latency_us = 50.0
mem_bw_gbyte_s = 2.0
upload_gbyte_s = 1.0
readback_gbyte_s = 0.5
attention_fwd_gflop_s = 0.5
attention_bwd_gflop_s = 0.25
matmul = [
  { kernel = "forward", m = 100, k = 100, n = 100, gflop_s = 1.0 },
  { kernel = "forward", m = 1000, k = 100, n = 100, gflop_s = 4.0 },
  { kernel = "trans-a", m = 100, k = 100, n = 100, gflop_s = 0.5 },
]
concurrency = [
  { devices = 2, per_device_ratio = 0.6 },
  { devices = 4, per_device_ratio = 0.4 },
]

[[adapter]]
name = "cpu"
kind = "cpu"
call_overhead_us = 0.0
dispatch_latency_us = 0.0
mem_bw_gbyte_s = 10.0
matmul = [{ kernel = "forward", m = 64, k = 64, n = 64, gflop_s = 2.0 }]
"#;

fn fixture() -> Profile {
    parse(FIXTURE, "p.toml").expect("the fixture is valid")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
}

#[test]
fn reads_every_figure() {
    let p = fixture();
    assert_eq!(p.adapter.len(), 2);
    let l = &p.adapter[0];
    assert_eq!(l.kind, AdapterKind::Wgpu);
    assert_eq!(l.upload_gbyte_s, Some(1.0));
    assert_eq!(p.adapter[1].upload_gbyte_s, None);
    assert_eq!(l.matmul[2].kernel, MatmulKernel::TransA);
    assert_eq!(l.peak_gflop_s(), 4.0);
}

#[test]
fn round_trips_through_toml() {
    let p = fixture();
    let again = parse(&p.to_toml(), "again.toml").expect("what we write reads back");
    assert_eq!(again, p);
}

#[test]
fn selects_adapters_by_index_name_and_prefix() {
    let p = fixture();
    assert_eq!(p.adapter("1", "p.toml").expect("index").name, "cpu");
    assert_eq!(p.adapter("cpu", "p.toml").expect("name").name, "cpu");
    assert_eq!(
        p.adapter("LLVMpipe", "p.toml").expect("prefix").kind,
        AdapterKind::Wgpu
    );
    let err = p
        .adapter("cuda", "p.toml")
        .expect_err("unknown")
        .to_string();
    assert_eq!(
        err,
        "device profile p.toml has no adapter `cuda`; it has 0: `llvmpipe (LLVM 19.1.7, 256 bits)`, 1: `cpu`"
    );
}

/// Hand-computed: 2·100³ = 2 MFLOP at 1 GFLOP/s is 2 ms; 20 MFLOP at 4 is
/// 5 ms; halfway in log FLOPs (√10 × 2 MFLOP) the rate is √(1·4) = 2
/// GFLOP/s; above the ladder the top rate holds; below it the time falls
/// linearly to the 100 µs call overhead.
#[test]
fn interpolates_matmul_rates_in_log_flops() {
    let p = fixture();
    let l = &p.adapter[0];
    assert!(close(
        l.matmul_seconds(MatmulKernel::Forward, 100, 100, 100),
        2e-3
    ));
    assert!(close(
        l.matmul_seconds(MatmulKernel::Forward, 1000, 100, 100),
        5e-3
    ));
    let mid_flops = 2e6 * 10f64.sqrt();
    // m·k·n = mid_flops / 2 with k = n = 100.
    let m = (mid_flops / 2.0 / 1e4).round() as u64; // 316
    let flops = 2.0 * m as f64 * 1e4;
    let w = (flops / 2e6).ln() / 10f64.ln();
    let expect = flops / (4f64.powf(w) * 1e9);
    assert!((w - 0.5).abs() < 1e-3);
    assert!(close(
        l.matmul_seconds(MatmulKernel::Forward, m, 100, 100),
        expect
    ));
    // Beyond the ladder: 200 MFLOP at 4 GFLOP/s.
    assert!(close(
        l.matmul_seconds(MatmulKernel::Forward, 10_000, 100, 100),
        0.05
    ));
    // Below: half the smallest product's FLOPs, halfway between 100 µs and 2 ms.
    assert!(close(
        l.matmul_seconds(MatmulKernel::Forward, 50, 100, 100),
        1.05e-3
    ));
    // The variant's own ladder; an unmeasured variant falls back to forward.
    assert!(close(
        l.matmul_seconds(MatmulKernel::TransA, 100, 100, 100),
        4e-3
    ));
    assert!(close(
        l.matmul_seconds(MatmulKernel::TransB, 100, 100, 100),
        2e-3
    ));
}

/// 100 µs + 1 MB up at 1 GB/s (1 ms) + 1 MB back at 0.5 GB/s (2 ms) + 4 MB
/// through memory at 2 GB/s (2 ms) = 5.1 ms; the CPU backend stages nothing.
#[test]
fn element_wise_calls_pay_overhead_staging_and_traffic() {
    let p = fixture();
    assert!(close(p.adapter[0].call_seconds(1e6, 1e6, 4e6), 5.1e-3));
    assert!(close(p.adapter[1].call_seconds(1e6, 1e6, 4e6), 4e-4));
    // Attention: 1 MFLOP at the measured 0.5 (forward) or 0.25 GFLOP/s.
    assert!(close(
        p.adapter[0].attention_seconds(1e6, false, 0.0, 0.0),
        2e-3
    ));
    assert!(close(
        p.adapter[0].attention_seconds(1e6, true, 0.0, 0.0),
        4e-3
    ));
}

#[test]
fn concurrency_interpolates_and_extrapolates_at_constant_total() {
    let l = &fixture().adapter[0];
    assert_eq!(l.concurrency_ratio(1), 1.0);
    assert!(close(l.concurrency_ratio(2), 0.6));
    assert!(close(l.concurrency_ratio(3), 0.5));
    assert!(close(l.concurrency_ratio(4), 0.4));
    // Past 4 devices the machine's total, 4 × 0.4 = 1.6, is shared.
    assert!(close(l.concurrency_ratio(8), 0.2));
    assert_eq!(fixture().adapter[1].concurrency_ratio(4), 1.0);
}

fn errors(text: &str) -> String {
    parse(text, "bad.toml").expect_err("invalid").to_string()
}

#[test]
fn bad_profiles_name_file_line_column_and_key() {
    let bad_rate = FIXTURE.replace("gflop_s = 4.0", "gflop_s = -4.0");
    let e = errors(&bad_rate);
    assert!(
        e.contains("bad.toml:22:63: error: `adapter[0].matmul[1].gflop_s`: expected a finite number > 0, found -4"),
        "{e}"
    );
    let e = errors(&FIXTURE.replace("format_version = 1", "format_version = 7"));
    assert!(
        e.contains("bad.toml:2:18: error: `format_version`: unsupported device profile format 7; this build reads format 1"),
        "{e}"
    );
    let e = errors(&FIXTURE.replace("kind = \"cpu\"", "kind = \"tpu\""));
    assert!(e.contains("`adapter[1].kind`: unknown value `tpu`"), "{e}");
    let e = errors(&FIXTURE.replace("mem_bw_gbyte_s = 10.0", "mem_bw = 10.0"));
    assert!(e.contains("`adapter[1].mem_bw`: unknown key"), "{e}");
    let e = errors("format_version = 1\n");
    assert!(
        e.contains("bad.toml:1:1: error: `written`: missing required key `written`"),
        "{e}"
    );
    let e = errors("format_version = \n");
    assert!(e.contains("bad.toml:1:"), "{e}");
}

#[test]
fn finds_local_profile_references() {
    assert!(names_local_profile(
        "[[pool]]\nname = \"a\"\n[pool.device]\nprofile = \"local\"\n"
    ));
    assert!(!names_local_profile(
        "[[pool]]\nname = \"a\"\n[pool.device]\nprofile = \"p.toml\"\n"
    ));
    assert!(!names_local_profile(
        "[[pool]]\nname = \"a\"\ndevice = \"a100-sxm4-80gb\"\n"
    ));
}
