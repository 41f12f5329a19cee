//! The built-in hardware catalogue: accelerators with peak compute, memory,
//! intra-node links, typical node shape, power and cloud prices.
//!
//! Every figure carries the key of its source (see [`sources`]); a figure the
//! reference does not give is [`Figure::Unknown`], never an estimate.
//!
//! Units: compute in dense TFLOP/s (10^12 FLOP/s), memory in GiB (2^30 bytes),
//! bandwidth in GB/s (10^9 bytes per second), network in Gb/s (10^9 bits per
//! second), power in watts, prices in USD per device-hour.
//!
//! ```
//! use cirrus_sim::catalogue;
//! use cirrus_sim::parallelism::Precision;
//!
//! let h100 = catalogue::lookup("h100-sxm5-80gb").expect("h100 is catalogued");
//! assert_eq!(h100.peak_tflops(Precision::Bf16).value(), Some(989.0));
//! assert_eq!(catalogue::suggest("h100-sxm-80gb"), Some("h100-sxm5-80gb"));
//! ```

mod devices;
mod sources;

use crate::parallelism::Precision;
use crate::units::{Bytes, BytesPerSec, FlopsPerSec};
use serde::Serialize;
use std::fmt::Write as _;

/// A catalogue figure: a value with the key of its source, or unknown (the
/// reference lacks it — never invent one).
///
/// In JSON a known figure is `{"value": .., "source": ".."}` and an unknown
/// one is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure<T> {
    /// A sourced value.
    Known {
        /// The value, in the unit named by the field that holds it.
        value: T,
        /// Key of the source in [`sources`].
        source: &'static str,
    },
    /// Not given by any source the catalogue cites.
    Unknown,
}

impl<T: Copy> Figure<T> {
    /// The value, if known.
    pub fn value(&self) -> Option<T> {
        match self {
            Figure::Known { value, .. } => Some(*value),
            Figure::Unknown => None,
        }
    }

    /// The source key, if known.
    pub fn source(&self) -> Option<&'static str> {
        match self {
            Figure::Known { source, .. } => Some(source),
            Figure::Unknown => None,
        }
    }

    /// Whether the figure has a sourced value.
    pub fn is_known(&self) -> bool {
        matches!(self, Figure::Known { .. })
    }
}

/// How the devices of one node are wired together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkShape {
    /// All-to-all through NVLink switches (DGX/HGX A100, H100, H200, B200).
    NvSwitch,
    /// The hybrid cube-mesh of 8-GPU V100 boards: not every pair is linked.
    HybridCubeMesh,
    /// Direct links between every pair of devices (e.g. MI300X).
    FullyConnected,
    /// No device-to-device fabric; traffic goes over PCIe.
    Pcie,
    /// TPU inter-chip interconnect as a 2D torus (v5e, v6e).
    IciTorus2d,
    /// TPU inter-chip interconnect as a 3D torus (v4, v5p).
    IciTorus3d,
    /// Trn1 NeuronLink-v2 4D hypercube.
    Hypercube,
    /// The sources do not say.
    Unknown,
}

impl LinkShape {
    /// A short lowercase name for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkShape::NvSwitch => "nvswitch",
            LinkShape::HybridCubeMesh => "cube-mesh",
            LinkShape::FullyConnected => "full-mesh",
            LinkShape::Pcie => "pcie",
            LinkShape::IciTorus2d => "torus-2d",
            LinkShape::IciTorus3d => "torus-3d",
            LinkShape::Hypercube => "hypercube",
            LinkShape::Unknown => "unknown",
        }
    }
}

/// The device-to-device link inside one node (or TPU slice).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntraNodeLink {
    /// The link technology, e.g. "NVLink 4".
    pub kind: &'static str,
    /// Bandwidth per device, per direction, summed over its links [GB/s = 10^9 B/s].
    pub per_direction_gbyte_s: Figure<f64>,
    /// Bandwidth of one link, per direction [GB/s].
    pub per_link_per_direction_gbyte_s: Figure<f64>,
    /// Number of links (ports) per device.
    pub links_per_device: Figure<u32>,
    /// How the devices are wired.
    pub shape: LinkShape,
}

/// The typical node (host / VM) the device comes in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TypicalNode {
    /// Devices per node.
    pub devices: Figure<u32>,
    /// Inter-node network interfaces per node.
    pub nics: Figure<u32>,
    /// Rate of one NIC [Gb/s = 10^9 bit/s].
    pub nic_gbit_s: Figure<f64>,
    /// Inter-node network per node, all NICs together [Gb/s]; known also
    /// where the reference gives only a per-node total.
    pub node_gbit_s: Figure<f64>,
}

/// A cloud list price per device-hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// USD per device-hour (instance price divided by its device count).
    pub usd_per_device_hour: f64,
    /// Observation date as the reference gives it ("2026-11-09").
    pub date: &'static str,
    /// Source key.
    pub source: &'static str,
    /// What was priced, e.g. "AWS p5.48xlarge us-east-1".
    pub note: &'static str,
}

/// The maker of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// NVIDIA.
    Nvidia,
    /// AMD.
    Amd,
    /// Google (TPU).
    Google,
    /// Amazon Web Services (Trainium).
    Aws,
}

impl Vendor {
    /// The lowercase vendor name.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Nvidia => "nvidia",
            Vendor::Amd => "amd",
            Vendor::Google => "google",
            Vendor::Aws => "aws",
        }
    }
}

/// One catalogued accelerator, as a scheduler sees it (one schedulable device).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeviceSpec {
    /// Catalogue id used in scenario files, e.g. "h100-sxm5-80gb".
    pub id: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    /// The maker.
    pub vendor: Vendor,
    /// Calibration family efficiency curves are keyed on: "volta", "ampere",
    /// "hopper", "blackwell", "ada", "cdna2", "cdna3", "tpu-v4", "tpu-v5e",
    /// "tpu-v5p", "tpu-v6e", "trainium1", "pascal", "kepler".
    pub generation: &'static str,
    /// Dense FP32 peak (non-matrix units unless noted) [TFLOP/s].
    pub peak_tflops_fp32: Figure<f64>,
    /// Dense FP16 peak (matrix units where present) [TFLOP/s].
    pub peak_tflops_fp16: Figure<f64>,
    /// Dense BF16 peak [TFLOP/s].
    pub peak_tflops_bf16: Figure<f64>,
    /// Dense FP8 peak [TFLOP/s].
    pub peak_tflops_fp8: Figure<f64>,
    /// Device memory [GiB = 2^30 bytes]; vendor GB are converted (see `devices.rs`).
    pub memory_gib: Figure<f64>,
    /// Peak memory bandwidth [GB/s = 10^9 B/s].
    pub mem_bw_gbyte_s: Figure<f64>,
    /// The device-to-device link inside a node.
    pub intra_node: IntraNodeLink,
    /// The typical node.
    pub node: TypicalNode,
    /// Vendor maximum board/module power, in watts.
    pub tdp_w: Figure<f64>,
    /// Most recent dated on-demand price the reference gives, if any.
    pub on_demand: Option<Price>,
    /// A spot / preemptible price, if the reference gives one.
    pub spot: Option<Price>,
}

impl DeviceSpec {
    /// The dense peak for a precision [TFLOP/s].
    pub fn peak_tflops(&self, p: Precision) -> Figure<f64> {
        match p {
            Precision::Fp32 => self.peak_tflops_fp32,
            Precision::Fp16 => self.peak_tflops_fp16,
            Precision::Bf16 => self.peak_tflops_bf16,
            Precision::Fp8 | Precision::Fp8Mx => self.peak_tflops_fp8,
        }
    }

    /// The dense peak for a precision as a rate, if known.
    pub fn peak(&self, p: Precision) -> Option<FlopsPerSec> {
        self.peak_tflops(p).value().map(FlopsPerSec::from_tflops)
    }

    /// Device memory, if known.
    pub fn memory(&self) -> Option<Bytes> {
        self.memory_gib.value().map(Bytes::from_gib)
    }

    /// Peak memory bandwidth, if known.
    pub fn mem_bw(&self) -> Option<BytesPerSec> {
        self.mem_bw_gbyte_s.value().map(BytesPerSec::from_gbyte_s)
    }
}

/// Every catalogued device, in a fixed order.
pub fn devices() -> &'static [DeviceSpec] {
    devices::DEVICES
}

/// The device with this id (ASCII case ignored).
pub fn lookup(id: &str) -> Option<&'static DeviceSpec> {
    let id = id.trim();
    devices().iter().find(|d| d.id.eq_ignore_ascii_case(id))
}

/// Every device id, in catalogue order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    devices().iter().map(|d| d.id)
}

/// The citation text of a source key.
pub fn source_citation(key: &str) -> Option<&'static str> {
    sources().iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

/// Every source key with its citation, in a fixed order.
pub fn sources() -> &'static [(&'static str, &'static str)] {
    sources::SOURCES
}

/// "Did you mean" for a misspelt id: the closest catalogue id, if it is close
/// enough to be a likely misspelling (see [`crate::suggest::closest`]).
pub fn suggest(id: &str) -> Option<&'static str> {
    crate::suggest::closest(id.trim(), ids())
}

/// Formats a known figure with `decimals` places, or "-" when unknown.
fn fmt_fig(f: Figure<f64>, decimals: usize) -> String {
    match f.value() {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".to_string(),
    }
}

/// Formats a known count, or "-".
fn fmt_count(f: Figure<u32>) -> String {
    match f.value() {
        Some(v) => v.to_string(),
        None => "-".to_string(),
    }
}

/// Formats a price with its date, or "-".
fn fmt_price(p: Option<Price>) -> String {
    match p {
        Some(p) => format!("{:.2} ({})", p.usd_per_device_hour, p.date),
        None => "-".to_string(),
    }
}

/// Formats the typical node as devices x NICs x Gb/s, with the node total
/// where the NIC split is not given.
fn fmt_node(n: &TypicalNode) -> String {
    let base = format!(
        "{}x{}x{}",
        fmt_count(n.devices),
        fmt_count(n.nics),
        fmt_fig(n.nic_gbit_s, 0)
    );
    if !n.nics.is_known()
        && let Some(total) = n.node_gbit_s.value()
    {
        format!("{base} ({total:.0} Gb/s)")
    } else {
        base
    }
}

/// All source keys the devices use, in the order of [`sources`].
fn used_sources() -> Vec<&'static str> {
    let mut used: Vec<&'static str> = Vec::new();
    for d in devices() {
        for key in figure_sources(d) {
            if !used.contains(&key) {
                used.push(key);
            }
        }
    }
    sources()
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| used.contains(k))
        .collect()
}

impl DeviceSpec {
    /// Every real-valued figure of the device, for checks over all of them.
    pub(crate) fn real_figures(&self) -> [Figure<f64>; 11] {
        [
            self.peak_tflops_fp32,
            self.peak_tflops_fp16,
            self.peak_tflops_bf16,
            self.peak_tflops_fp8,
            self.memory_gib,
            self.mem_bw_gbyte_s,
            self.intra_node.per_direction_gbyte_s,
            self.intra_node.per_link_per_direction_gbyte_s,
            self.node.nic_gbit_s,
            self.node.node_gbit_s,
            self.tdp_w,
        ]
    }
}

/// The source keys of every known figure and price of a device.
fn figure_sources(d: &DeviceSpec) -> Vec<&'static str> {
    let f64s = d.real_figures();
    let u32s = [d.intra_node.links_per_device, d.node.devices, d.node.nics];
    f64s.iter()
        .filter_map(Figure::source)
        .chain(u32s.iter().filter_map(Figure::source))
        .chain(d.on_demand.iter().map(|p| p.source))
        .chain(d.spot.iter().map(|p| p.source))
        .collect()
}

/// A human-readable fixed-width table of all devices (used by `cirrus
/// catalogue`), unknown figures shown as "-", followed by the source keys used.
pub fn render_table() -> String {
    let header = [
        "id",
        "bf16",
        "fp16",
        "fp32",
        "fp8",
        "mem GiB",
        "mem GB/s",
        "link GB/s",
        "shape",
        "node dev x nic x Gb/s",
        "TDP W",
        "on-demand $/dev-h",
        "spot $/dev-h",
    ];
    let rows: Vec<[String; 13]> = devices()
        .iter()
        .map(|d| {
            [
                d.id.to_string(),
                fmt_fig(d.peak_tflops_bf16, 1),
                fmt_fig(d.peak_tflops_fp16, 1),
                fmt_fig(d.peak_tflops_fp32, 2),
                fmt_fig(d.peak_tflops_fp8, 1),
                fmt_fig(d.memory_gib, 1),
                fmt_fig(d.mem_bw_gbyte_s, 0),
                fmt_fig(d.intra_node.per_direction_gbyte_s, 0),
                match d.intra_node.shape {
                    LinkShape::Unknown => "-".to_string(),
                    shape => shape.as_str().to_string(),
                },
                fmt_node(&d.node),
                fmt_fig(d.tdp_w, 0),
                fmt_price(d.on_demand),
                fmt_price(d.spot),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    out.push_str(
        "Dense peak TFLOP/s; link = intra-node GB/s per device per direction; \
         '-' = not sourced.\n\n",
    );
    let mut push_row = |cells: &[&str]| {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                // The id column reads left-aligned, the figures right-aligned.
                if i == 0 || i == 8 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push_row(&header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    push_row(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &rows {
        push_row(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out.push_str("\nSources:\n");
    for key in used_sources() {
        let citation = source_citation(key).unwrap_or("(missing citation)");
        // Writing to a String cannot fail.
        let _ = writeln!(out, "  [{key}] {citation}");
    }
    out
}

/// One source in the JSON form of the catalogue.
#[derive(Serialize)]
struct SourceEntry {
    key: &'static str,
    citation: &'static str,
}

/// JSON with every device and every figure with its source (unknown figures
/// are `null`), and the list of sources. Deterministic: devices in catalogue
/// order, object keys sorted.
pub fn to_json() -> serde_json::Value {
    let sources: Vec<SourceEntry> = sources()
        .iter()
        .map(|(key, citation)| SourceEntry { key, citation })
        .collect();
    serde_json::json!({
        "devices": serde_json::to_value(devices())
            .expect("catalogue data has only strings, numbers and nulls"),
        "sources": serde_json::to_value(sources)
            .expect("sources are plain strings"),
    })
}

#[cfg(test)]
mod tests;
