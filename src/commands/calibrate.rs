//! `cirrus calibrate`: measures the local adapters and writes the device
//! profile; also the on-the-fly calibration of scenarios that name the
//! local profile before it exists.

use crate::Failure;
use crate::cli::CalibrateArgs;
use anyhow::{Context, anyhow};
use cirrus_executor::calibrate::{self, Options};
use cirrus_sim::profile::{self, Profile};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Measures, writes the profile atomically, prints it.
pub fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    let path = match &args.out {
        Some(p) => p.clone(),
        None => default_path()?,
    };
    let opts = if args.quick {
        Options::quick()
    } else {
        Options::full()
    };
    let p = measure_and_save(&opts, &path)?;
    if args.json {
        let json = serde_json::to_string_pretty(&p).context("failed to serialise the profile")?;
        crate::outln!("{json}")?;
    } else {
        crate::out!("{}", render(&p, &path))?;
    }
    Ok(())
}

/// The default profile location, or an error saying how to set one.
fn default_path() -> Result<PathBuf, Failure> {
    profile::default_path().ok_or_else(|| {
        Failure::Runtime(anyhow!(
            "failed to find a place for the device profile: set CIRRUS_PROFILE, XDG_CACHE_HOME or HOME, or pass -o PATH"
        ))
    })
}

fn measure_and_save(opts: &Options, path: &Path) -> Result<Profile, Failure> {
    let p = calibrate::calibrate(opts, &mut |line| crate::errln!("{line}"))
        .map_err(|e| Failure::Runtime(anyhow!("failed to {e}")))?;
    crate::output::write_atomically(path, p.to_toml().as_bytes())?;
    crate::errln!("wrote {}", path.display());
    Ok(p)
}

/// When the scenario at `scenario` names `profile = "local"` and the local
/// profile does not exist yet, calibrates (full) and saves it, saying so on
/// stderr.
pub fn ensure_local_profile(scenario: &Path) -> Result<(), Failure> {
    let Ok(text) = cirrus_sim::fsio::read_to_string_limited(
        scenario,
        cirrus_sim::fsio::MAX_INPUT_BYTES,
        "scenario",
    ) else {
        // The loader reports the unreadable file.
        return Ok(());
    };
    if !profile::names_local_profile(&text) {
        return Ok(());
    }
    let path = default_path()?;
    if path.exists() {
        return Ok(());
    }
    crate::errln!(
        "{}: names the local device profile, which does not exist yet: calibrating this machine (`cirrus calibrate`) into {}",
        scenario.display(),
        path.display()
    );
    measure_and_save(&Options::full(), &path).map(drop)
}

/// The human-readable table.
fn render(p: &Profile, path: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Device profile {} (format {}, written {}, {} build{}, {} host threads)",
        path.display(),
        p.format_version,
        p.written,
        p.build,
        if p.quick { ", quick" } else { "" },
        p.host_threads
    );
    let _ = writeln!(
        s,
        "  host memory copy {:.2} GB/s, memory {:.1} GiB",
        p.host_copy_gbyte_s, p.memory_gib
    );
    for (i, a) in p.adapter.iter().enumerate() {
        let _ = writeln!(s, "\nadapter {i}: {}", a.name);
        if !a.driver.is_empty() {
            let _ = writeln!(s, "  driver                 {}", a.driver);
        }
        let _ = writeln!(s, "  call overhead          {:.1} µs", a.call_overhead_us);
        let _ = writeln!(
            s,
            "  dispatch latency       {:.1} µs",
            a.dispatch_latency_us
        );
        let _ = writeln!(s, "  memory bandwidth       {:.2} GB/s", a.mem_bw_gbyte_s);
        if let (Some(u), Some(r)) = (a.upload_gbyte_s, a.readback_gbyte_s) {
            let _ = writeln!(s, "  staging up / back      {u:.2} / {r:.2} GB/s");
        }
        if let (Some(f), Some(b)) = (a.attention_fwd_gflop_s, a.attention_bwd_gflop_s) {
            let _ = writeln!(s, "  attention fwd / bwd    {f:.2} / {b:.2} GFLOP/s");
        }
        let ratios: Vec<String> = a
            .concurrency
            .iter()
            .map(|c| format!("{} at once ×{:.2}", c.devices, c.per_device_ratio))
            .collect();
        if !ratios.is_empty() {
            let _ = writeln!(s, "  per-device rate        {}", ratios.join(", "));
        }
        let _ = writeln!(
            s,
            "  matmul GFLOP/s (whole call)   forward   trans-a   trans-b"
        );
        let mut sizes: Vec<(u64, u64, u64)> = a.matmul.iter().map(|m| (m.m, m.k, m.n)).collect();
        sizes.dedup();
        for (m, k, n) in sizes {
            let rate = |kernel| {
                a.matmul
                    .iter()
                    .find(|x| x.kernel == kernel && (x.m, x.k, x.n) == (m, k, n))
                    .map_or("-".to_owned(), |x| format!("{:.2}", x.gflop_s))
            };
            let _ = writeln!(
                s,
                "    {:<26} {:>9} {:>9} {:>9}",
                format!("{m}×{k}×{n}"),
                rate(profile::MatmulKernel::Forward),
                rate(profile::MatmulKernel::TransA),
                rate(profile::MatmulKernel::TransB)
            );
        }
    }
    s
}
