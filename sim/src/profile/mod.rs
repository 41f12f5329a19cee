//! Device profiles measured on this machine by `cirrus calibrate`: plain
//! data the simulator times local workers with (see
//! [`crate::estimate::local`]). The executor measures and writes them; this
//! module owns the file format, reads it back with file:line:column and key
//! for every problem, and interpolates the measured rates.
//!
//! ```text
//! cirrus calibrate ──► device-profile.toml (format 1) ──profile::load──► Profile
//!                                                           │
//!   scenario [pool.device] profile = "local", adapter = "cpu" ┘──► AdapterProfile per pool
//! ```
//!
//! ```
//! use cirrus_sim::profile::{self, MatmulKernel};
//!
//! let text = r#"
//! format_version = 1
//! written = "2026-11-28"
//! build = "release"
//! quick = false
//! host_threads = 2
//! host_copy_gbyte_s = 8.0
//! memory_gib = 8.0
//! [[adapter]]
//! name = "cpu"
//! kind = "cpu"
//! call_overhead_us = 1.0
//! dispatch_latency_us = 0.0
//! mem_bw_gbyte_s = 10.0
//! matmul = [{ kernel = "forward", m = 64, k = 64, n = 64, gflop_s = 1.0 }]
//! "#;
//! let p = profile::parse(text, "profile.toml")?;
//! let cpu = p.adapter("cpu", "profile.toml")?;
//! // 2·64³ FLOP at 1 GFLOP/s.
//! let t = cpu.matmul_seconds(MatmulKernel::Forward, 64, 64, 64);
//! assert!((t - 2.0 * 64f64.powi(3) / 1e9).abs() < 1e-12);
//! # Ok::<(), cirrus_sim::profile::ProfileError>(())
//! ```

mod rates;
mod raw;

use crate::source::Diagnostics;
use serde::Serialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The profile file format this build writes and reads.
pub const PROFILE_FORMAT_VERSION: u32 = 1;

/// The environment variable naming the default profile file.
pub const PROFILE_ENV: &str = "CIRRUS_PROFILE";

/// A calibrated machine: its host figures and every adapter measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// [`PROFILE_FORMAT_VERSION`].
    pub format_version: u32,
    /// Date written, `YYYY-MM-DD` (UTC).
    pub written: String,
    /// `release` or `debug`: the build that measured (the CPU device's
    /// rates depend on it).
    pub build: String,
    /// Whether `--quick` measured (fewer sizes and repeats).
    pub quick: bool,
    /// Hardware threads of the host.
    pub host_threads: u32,
    /// Host memory copy bandwidth (bytes copied per second), GB/s: what the
    /// in-process all-reduce between workers moves at.
    pub host_copy_gbyte_s: f64,
    /// Host memory, GiB (the local devices' memory limit).
    pub memory_gib: f64,
    /// The adapters, in the executor's order.
    pub adapter: Vec<AdapterProfile>,
}

/// What kind of device an adapter entry describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AdapterKind {
    /// A wgpu adapter (`GpuBackend`).
    Wgpu,
    /// The executor's CPU reference backend (`CpuBackend`).
    Cpu,
}

/// Which matrix-multiply variant a measurement is of: the executor's
/// forward product (`A·B`), and its two backward products, `Aᵀ·B` (weight
/// gradient) and `A·Bᵀ` (input gradient), which run different kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MatmulKernel {
    /// `C = A · B`.
    #[serde(rename = "forward")]
    Forward,
    /// `C = Aᵀ · B` (the weight gradient).
    #[serde(rename = "trans-a")]
    TransA,
    /// `C = A · Bᵀ` (the input gradient).
    #[serde(rename = "trans-b")]
    TransB,
}

impl MatmulKernel {
    /// Every variant, in file order.
    pub const ALL: [MatmulKernel; 3] = [
        MatmulKernel::Forward,
        MatmulKernel::TransA,
        MatmulKernel::TransB,
    ];

    /// The name in profile files.
    pub fn name(self) -> &'static str {
        match self {
            MatmulKernel::Forward => "forward",
            MatmulKernel::TransA => "trans-a",
            MatmulKernel::TransB => "trans-b",
        }
    }
}

/// One measured matrix multiply, `C[m×n] = op(A)[m×k] · op(B)[k×n]`, timed
/// as a whole `Backend::matmul` call (upload, dispatch, wait, read back).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatmulPoint {
    /// The variant.
    pub kernel: MatmulKernel,
    /// Rows of `C`.
    pub m: u64,
    /// The contracted dimension.
    pub k: u64,
    /// Columns of `C`.
    pub n: u64,
    /// `2·m·k·n` over the median call time, GFLOP/s.
    pub gflop_s: f64,
}

impl MatmulPoint {
    /// Floating-point operations of the product.
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.k as f64 * self.n as f64
    }
}

/// The rate of each of `devices` devices of one adapter running at once
/// (from separate threads), over the rate of one alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConcurrencyPoint {
    /// Devices running at once.
    pub devices: u32,
    /// Per-device rate over the single-device rate (1 when they do not
    /// contend; `1/devices` when they share one resource fully).
    pub per_device_ratio: f64,
}

/// The measured figures of one adapter (or the CPU backend).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdapterProfile {
    /// The adapter's name, e.g. `llvmpipe (LLVM 19.1.7, 256 bits)`, or `cpu`.
    pub name: String,
    /// wgpu adapter or the CPU backend.
    pub kind: AdapterKind,
    /// Graphics API (wgpu adapters), e.g. `Vulkan`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub backend: String,
    /// Device type as wgpu reports it, e.g. `CPU`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub device_type: String,
    /// Driver and version text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    /// Median time of a whole backend call on a tiny input (upload,
    /// dispatch, wait, read back), µs: every call pays it.
    pub call_overhead_us: f64,
    /// Median submit-to-completion time of an empty kernel, µs (0 for the
    /// CPU backend).
    pub dispatch_latency_us: f64,
    /// Device memory bandwidth (a copy kernel's bytes read + written per
    /// second), GB/s.
    pub mem_bw_gbyte_s: f64,
    /// Host-to-device staging bandwidth, GB/s (absent: no staging, as on the
    /// CPU backend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_gbyte_s: Option<f64>,
    /// Device-to-host read-back bandwidth, GB/s (absent: no staging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readback_gbyte_s: Option<f64>,
    /// Causal attention forward (`Backend::attention`), whole call,
    /// counting `4·batch·heads·seq²·head_dim` FLOPs, GFLOP/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention_fwd_gflop_s: Option<f64>,
    /// Attention backward, whole call, counting twice the forward's FLOPs,
    /// GFLOP/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention_bwd_gflop_s: Option<f64>,
    /// Matrix-multiply rates by variant and shape.
    pub matmul: Vec<MatmulPoint>,
    /// Per-device rate when several devices of this adapter run at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub concurrency: Vec<ConcurrencyPoint>,
}

/// Why a profile could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file could not be read.
    #[error("failed to read device profile {file}: {source}")]
    Io {
        /// The file as named.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid profile.
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The profile has no adapter of that name or index.
    #[error("device profile {file} has no adapter `{wanted}`; it has {have}")]
    UnknownAdapter {
        /// The profile file.
        file: String,
        /// What was asked for.
        wanted: String,
        /// The adapters it has, quoted, with their indices.
        have: String,
    },
}

/// Reads and validates the profile at `path`.
pub fn load(path: &Path) -> Result<Profile, ProfileError> {
    let file = path.display().to_string();
    let text =
        crate::fsio::read_to_string_limited(path, crate::fsio::MAX_INPUT_BYTES, "device profile")
            .map_err(|source| ProfileError::Io {
            file: file.clone(),
            source,
        })?;
    parse(&text, &file)
}

/// Validates profile `text`; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Profile, ProfileError> {
    raw::parse(text, file).map_err(ProfileError::Invalid)
}

impl Profile {
    /// The profile as TOML (format 1), with a header comment.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_else(|e| format!("# not serialisable: {e}\n"));
        format!(
            "# Cirrus device profile, written by `cirrus calibrate`: rates measured on\n\
             # this machine through the executor's backends (medians over repeats).\n{body}"
        )
    }

    /// The adapter named `wanted` (exactly, or case-insensitively as a
    /// prefix, e.g. `llvmpipe`), or at index `wanted`.
    pub fn adapter(&self, wanted: &str, file: &str) -> Result<&AdapterProfile, ProfileError> {
        let by_index = wanted
            .parse::<usize>()
            .ok()
            .and_then(|i| self.adapter.get(i));
        let lower = wanted.to_lowercase();
        by_index
            .or_else(|| self.adapter.iter().find(|a| a.name == wanted))
            .or_else(|| {
                self.adapter
                    .iter()
                    .find(|a| a.name.to_lowercase().starts_with(&lower))
            })
            .ok_or_else(|| ProfileError::UnknownAdapter {
                file: file.to_owned(),
                wanted: wanted.to_owned(),
                have: self
                    .adapter
                    .iter()
                    .enumerate()
                    .map(|(i, a)| format!("{i}: `{}`", a.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Where `profile = "local"` points: `$CIRRUS_PROFILE`, else
/// `$XDG_CACHE_HOME/cirrus/device-profile.toml`, else
/// `$HOME/.cache/cirrus/device-profile.toml`; `None` without any of them.
pub fn default_path() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var(PROFILE_ENV) {
        return Some(PathBuf::from(p));
    }
    let cache = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("cirrus").join("device-profile.toml"))
}

/// Whether scenario `text` names the default local profile
/// (`profile = "local"` in some `[pool.device]`): the command line then
/// calibrates first when that file does not exist yet.
pub fn names_local_profile(text: &str) -> bool {
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    let Some(pools) = table.get("pool").and_then(|p| p.as_array()) else {
        return false;
    };
    pools.iter().any(|p| {
        p.get("device")
            .and_then(|d| d.get("profile"))
            .and_then(|v| v.as_str())
            == Some("local")
    })
}

#[cfg(test)]
mod tests;
