//! The catalogue data: one entry per device, each figure beside its source key.
//!
//! Figures come from `shared/reference/hardware.md` (keys as there), except
//! `p100` and `k80`, which that reference lacks (keys `P100-SEC`, `K80-SEC`).
//!
//! Conventions used throughout:
//! - Peaks are dense (no structured sparsity).
//! - Memory: the reference writes GB = 10^9 bytes and GiB = 2^30 bytes. A
//!   vendor "GB" is taken at its word and converted to GiB (so an "80 GB"
//!   H100 is 74.5 GiB); where the reference gives both a GB and a GiB figure
//!   for the same quantity, the smaller one (GB) is used, which is the safe
//!   side for "does the model fit" checks.
//! - Memory bandwidth likewise: GB/s, the smaller figure where two are given.
//! - Intra-node bandwidth per direction: half of a bidirectional figure.
//! - Prices: the most recent dated on-demand figure per device-hour.

use super::{DeviceSpec, Figure, IntraNodeLink, LinkShape, Price, TypicalNode, Vendor};
use crate::units::GIB;

/// A sourced figure.
const fn k<T>(value: T, source: &'static str) -> Figure<T> {
    Figure::Known { value, source }
}

/// Vendor gigabytes (10^9 B) in GiB (2^30 B).
const fn gb(gb: f64) -> f64 {
    gb * 1e9 / GIB
}

/// An unknown `f64` figure.
const U: Figure<f64> = Figure::Unknown;
/// An unknown `u32` figure.
const UN: Figure<u32> = Figure::Unknown;

/// Every device, in catalogue order.
pub(crate) static DEVICES: &[DeviceSpec] = &[
    DeviceSpec {
        id: "v100-sxm2-32gb",
        name: "NVIDIA V100 SXM2 32GB",
        vendor: Vendor::Nvidia,
        generation: "volta",
        peak_tflops_fp32: k(15.7, "V100-WP"),
        // FP16 Tensor Core peak; NVIDIA published no BF16 figure for Volta.
        peak_tflops_fp16: k(125.0, "V100-WP"),
        peak_tflops_bf16: U,
        peak_tflops_fp8: U,
        // Given as 32 GB.
        memory_gib: k(gb(32.0), "SB-GPU"),
        mem_bw_gbyte_s: k(900.0, "SB-GPU"),
        intra_node: IntraNodeLink {
            kind: "NVLink 2",
            // 6 links x 25 GB/s one-way.
            per_direction_gbyte_s: k(150.0, "V100-NVL"),
            per_link_per_direction_gbyte_s: k(25.0, "V100-NVL"),
            links_per_device: k(6, "V100-NVL"),
            shape: LinkShape::HybridCubeMesh,
        },
        node: TypicalNode {
            devices: k(8, "AWS-DOC"),
            // p3dn.24xlarge: 100 Gb/s per node; the NIC split is not given.
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: k(100.0, "AWS-DOC"),
        },
        tdp_w: k(300.0, "V100-WP"),
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "a100-sxm4-40gb",
        name: "NVIDIA A100 SXM4 40GB",
        vendor: Vendor::Nvidia,
        generation: "ampere",
        peak_tflops_fp32: k(19.5, "GK-A100"),
        peak_tflops_fp16: k(312.0, "GK-A100"),
        peak_tflops_bf16: k(312.0, "GK-A100"),
        peak_tflops_fp8: U,
        // Given as 40 GB.
        memory_gib: k(gb(40.0), "GK-A100"),
        mem_bw_gbyte_s: k(1555.0, "GK-A100"),
        intra_node: IntraNodeLink {
            kind: "NVLink 3",
            // 12 links x 25 GB/s; 600 GB/s bidirectional.
            per_direction_gbyte_s: k(300.0, "GK-A100"),
            per_link_per_direction_gbyte_s: k(25.0, "SB-GPU"),
            links_per_device: k(12, "SB-GPU"),
            shape: LinkShape::NvSwitch,
        },
        node: TypicalNode {
            // AWS p4d.24xlarge: 4 x 100 Gb/s EFA.
            devices: k(8, "AWS-DOC"),
            nics: k(4, "AWS-DOC"),
            nic_gbit_s: k(100.0, "AWS-DOC"),
            node_gbit_s: k(400.0, "AWS-DOC"),
        },
        tdp_w: k(400.0, "GK-A100"),
        on_demand: Some(Price {
            usd_per_device_hour: 21.957642 / 8.0,
            date: "2026-11-09",
            source: "DR-2026",
            note: "AWS p4d.24xlarge us-east-1, 21.957642/h for 8 GPUs",
        }),
        spot: Some(Price {
            usd_per_device_hour: 1.2934,
            date: "2025-03-06",
            source: "GCP-CYC",
            note: "GCP a2-highgpu-1g us-central1 spot, 1 GPU",
        }),
    },
    DeviceSpec {
        id: "a100-sxm4-80gb",
        name: "NVIDIA A100 SXM4 80GB",
        vendor: Vendor::Nvidia,
        generation: "ampere",
        peak_tflops_fp32: k(19.5, "GK-A100"),
        peak_tflops_fp16: k(312.0, "GK-A100"),
        peak_tflops_bf16: k(312.0, "GK-A100"),
        peak_tflops_fp8: U,
        // Given as 80 GB.
        memory_gib: k(gb(80.0), "GK-A100"),
        mem_bw_gbyte_s: k(2039.0, "GK-A100"),
        intra_node: IntraNodeLink {
            kind: "NVLink 3",
            per_direction_gbyte_s: k(300.0, "GK-A100"),
            per_link_per_direction_gbyte_s: k(25.0, "SB-GPU"),
            links_per_device: k(12, "SB-GPU"),
            shape: LinkShape::NvSwitch,
        },
        node: TypicalNode {
            // AWS p4de.24xlarge: 4 x 100 Gb/s EFA.
            devices: k(8, "AWS-DOC"),
            nics: k(4, "AWS-DOC"),
            nic_gbit_s: k(100.0, "AWS-DOC"),
            node_gbit_s: k(400.0, "AWS-DOC"),
        },
        tdp_w: k(400.0, "GK-A100"),
        on_demand: Some(Price {
            usd_per_device_hour: 27.44705 / 8.0,
            date: "2026-11-09",
            source: "DR-2026",
            note: "AWS p4de.24xlarge us-east-1, 27.44705/h for 8 GPUs",
        }),
        spot: Some(Price {
            usd_per_device_hour: 16.2197 / 8.0,
            date: "2025-03-06",
            source: "GCP-CYC",
            note: "GCP a2-ultragpu-8g us-central1 spot, 16.2197/h for 8 GPUs",
        }),
    },
    DeviceSpec {
        id: "h100-sxm5-80gb",
        name: "NVIDIA H100 SXM5 80GB",
        vendor: Vendor::Nvidia,
        generation: "hopper",
        peak_tflops_fp32: k(66.9, "GK-H100"),
        peak_tflops_fp16: k(989.0, "GK-H100"),
        peak_tflops_bf16: k(989.0, "GK-H100"),
        peak_tflops_fp8: k(1979.0, "DGXC-PEAK"),
        // Given as 80 GB.
        memory_gib: k(gb(80.0), "GK-H100"),
        mem_bw_gbyte_s: k(3350.0, "GK-H100"),
        intra_node: IntraNodeLink {
            kind: "NVLink 4",
            // 18 links x 25 GB/s; 900 GB/s bidirectional.
            per_direction_gbyte_s: k(450.0, "GK-H100"),
            per_link_per_direction_gbyte_s: k(25.0, "SB-GPU"),
            links_per_device: k(18, "SB-GPU"),
            shape: LinkShape::NvSwitch,
        },
        node: TypicalNode {
            // One 400 Gb/s NDR InfiniBand NIC per GPU.
            devices: k(8, "MLP-H100"),
            nics: k(8, "MLP-H100"),
            nic_gbit_s: k(400.0, "MLP-H100"),
            node_gbit_s: k(3200.0, "MLP-H100"),
        },
        tdp_w: k(700.0, "GK-H100"),
        on_demand: Some(Price {
            usd_per_device_hour: 55.04 / 8.0,
            date: "2026-11-09",
            source: "DR-2026",
            note: "AWS p5.48xlarge us-east-1, 55.04/h for 8 GPUs",
        }),
        spot: Some(Price {
            usd_per_device_hour: 6.571,
            date: "2026-09-26",
            source: "GCP-SILY",
            note: "GCP a3-highgpu-1g us-central1 spot, 1 GPU",
        }),
    },
    DeviceSpec {
        id: "h200-sxm-141gb",
        name: "NVIDIA H200 SXM 141GB",
        vendor: Vendor::Nvidia,
        generation: "hopper",
        // Same compute as H100 SXM (the H200 is an H100 with larger HBM3e).
        peak_tflops_fp32: k(66.9, "GK-H100"),
        peak_tflops_fp16: k(989.0, "GK-H100"),
        peak_tflops_bf16: k(989.0, "GK-H100"),
        peak_tflops_fp8: k(1979.0, "DGXC-PEAK"),
        // Given as 141 GB.
        memory_gib: k(gb(141.0), "MLP-H200"),
        mem_bw_gbyte_s: k(4800.0, "SB-GPU"),
        intra_node: IntraNodeLink {
            kind: "NVLink 4",
            // "18x 4th Gen NVLink, 900GB/s" bidirectional.
            per_direction_gbyte_s: k(450.0, "MLP-H200"),
            per_link_per_direction_gbyte_s: k(25.0, "SB-GPU"),
            links_per_device: k(18, "MLP-H200"),
            shape: LinkShape::NvSwitch,
        },
        node: TypicalNode {
            devices: k(8, "MLP-H200"),
            // The MLPerf system has 10 x 400 Gb/s (likely including storage
            // NICs); the compute fabric of AWS p5e, 3,200 Gb/s per node, is
            // used instead, without a NIC split.
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: k(3200.0, "AWS-CB"),
        },
        tdp_w: k(700.0, "MLP-H200"),
        on_demand: Some(Price {
            usd_per_device_hour: 63.296 / 8.0,
            date: "2026-08-06",
            source: "DSTACK",
            note: "AWS p5en.48xlarge us-east-1, 63.296/h for 8 GPUs",
        }),
        spot: Some(Price {
            usd_per_device_hour: 27.1988 / 8.0,
            date: "2026-08-06",
            source: "DSTACK",
            note: "AWS p5en.48xlarge us-east-1 spot, 27.1988/h for 8 GPUs",
        }),
    },
    DeviceSpec {
        id: "b200",
        name: "NVIDIA B200 (HGX, 1,000 W)",
        vendor: Vendor::Nvidia,
        generation: "blackwell",
        peak_tflops_fp32: k(80.0, "GK-B200"),
        peak_tflops_fp16: k(2250.0, "GK-B200"),
        peak_tflops_bf16: k(2250.0, "GK-B200"),
        peak_tflops_fp8: k(4500.0, "DGXC-PEAK"),
        // 192 GB physical, but 8-GPU B200 systems expose 180 GB per GPU;
        // the exposed figure is what a job can use.
        memory_gib: k(gb(180.0), "MLP-B200"),
        mem_bw_gbyte_s: k(8000.0, "GK-B200"),
        intra_node: IntraNodeLink {
            kind: "NVLink 5",
            // 18 links x 50 GB/s; 1.8 TB/s bidirectional.
            per_direction_gbyte_s: k(900.0, "GK-B200"),
            per_link_per_direction_gbyte_s: k(50.0, "SB-GPU"),
            links_per_device: k(18, "MLP-B200"),
            shape: LinkShape::NvSwitch,
        },
        node: TypicalNode {
            devices: k(8, "MLP-B200"),
            nics: k(8, "MLP-B200"),
            nic_gbit_s: k(400.0, "MLP-B200"),
            node_gbit_s: k(3200.0, "MLP-B200"),
        },
        tdp_w: k(1000.0, "GK-B200"),
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "l4",
        name: "NVIDIA L4",
        vendor: Vendor::Nvidia,
        generation: "ada",
        peak_tflops_fp32: k(30.3, "L4-SEC"),
        peak_tflops_fp16: k(121.0, "L4-SEC"),
        peak_tflops_bf16: k(121.0, "L4-SEC"),
        peak_tflops_fp8: U,
        // Given as 24 GB.
        memory_gib: k(gb(24.0), "L4-SEC"),
        mem_bw_gbyte_s: k(300.0, "L4-SEC"),
        intra_node: IntraNodeLink {
            // No NVLink; the PCIe bandwidth is not in the reference.
            kind: "PCIe Gen4 x16",
            per_direction_gbyte_s: U,
            per_link_per_direction_gbyte_s: U,
            links_per_device: UN,
            shape: LinkShape::Pcie,
        },
        node: TypicalNode {
            devices: UN,
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: U,
        },
        tdp_w: k(72.0, "L4-SEC"),
        on_demand: None,
        spot: None,
    },
    // MI250X is modelled as ONE GCD (graphics compute die), the device that
    // software and schedulers see: half of the package peaks and power, the
    // per-GCD memory and bandwidth, 8 GCDs per node (4 packages, Frontier).
    DeviceSpec {
        id: "mi250x",
        name: "AMD Instinct MI250X (one GCD)",
        vendor: Vendor::Amd,
        generation: "cdna2",
        // Package 47.9 vector FP32 / 2 (the matrix/packed FP32 is 95.7 per package).
        peak_tflops_fp32: k(47.9 / 2.0, "AMD-MI250X"),
        // Package 383.0 FP16/BF16 matrix / 2.
        peak_tflops_fp16: k(383.0 / 2.0, "AMD-MI250X"),
        peak_tflops_bf16: k(383.0 / 2.0, "AMD-MI250X"),
        peak_tflops_fp8: U,
        // 64 GB per GCD (ROCm also says 128 GiB per package; the smaller GB
        // reading is used, as everywhere).
        memory_gib: k(gb(64.0), "OLCF"),
        mem_bw_gbyte_s: k(1600.0, "ROCM-MI250"),
        intra_node: IntraNodeLink {
            kind: "Infinity Fabric",
            // Conservative choice: a GCD reaches its package twin at 200 GB/s
            // (4 links) but GCDs in other packages at only 50-100 GB/s; the
            // 50 GB/s floor (one link) is used so collectives over all 8 GCDs
            // are not overestimated.
            per_direction_gbyte_s: k(50.0, "OLCF"),
            per_link_per_direction_gbyte_s: k(50.0, "ROCM-MI250"),
            links_per_device: UN,
            // Not every GCD pair is equally linked; the full wiring is not in
            // the reference.
            shape: LinkShape::Unknown,
        },
        node: TypicalNode {
            devices: k(8, "OLCF"),
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: U,
        },
        // Package 560 W / 2.
        tdp_w: k(560.0 / 2.0, "AMD-MI250X"),
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "mi300x",
        name: "AMD Instinct MI300X",
        vendor: Vendor::Amd,
        generation: "cdna3",
        peak_tflops_fp32: k(163.4, "ROCM-MI300"),
        peak_tflops_fp16: k(1307.4, "ROCM-MI300"),
        peak_tflops_bf16: k(1307.4, "ROCM-MI300"),
        peak_tflops_fp8: k(2614.9, "ROCM-MI300"),
        // Given as 192 GB.
        memory_gib: k(gb(192.0), "ROCM-MI300"),
        mem_bw_gbyte_s: k(5300.0, "ROCM-MI300"),
        intra_node: IntraNodeLink {
            kind: "Infinity Fabric",
            // 7 links, "128 GB/s per GPU link and 896 GB/s aggregate". The
            // direction is not stated; it is read as bidirectional (as NVIDIA
            // headline figures are), the safe side: 64 per link, 448 in all.
            per_direction_gbyte_s: k(896.0 / 2.0, "AZ-ND"),
            per_link_per_direction_gbyte_s: k(128.0 / 2.0, "AZ-ND"),
            links_per_device: k(7, "ROCM-MI300"),
            shape: LinkShape::FullyConnected,
        },
        node: TypicalNode {
            // Azure ND MI300X v5: 400 Gb/s InfiniBand per GPU.
            devices: k(8, "AZ-ND"),
            nics: k(8, "AZ-ND"),
            nic_gbit_s: k(400.0, "AZ-ND"),
            node_gbit_s: k(3200.0, "AZ-ND"),
        },
        tdp_w: k(750.0, "MLP-MI300X"),
        on_demand: None,
        spot: None,
    },
    // TPUs: the MXU peak is bf16 only; no fp16 or fp32 figure is published.
    DeviceSpec {
        id: "tpu-v4",
        name: "Google TPU v4",
        vendor: Vendor::Google,
        generation: "tpu-v4",
        peak_tflops_fp32: U,
        peak_tflops_fp16: U,
        peak_tflops_bf16: k(275.0, "GC-V4"),
        peak_tflops_fp8: U,
        // Given as 32 GiB.
        memory_gib: k(32.0, "GC-V4"),
        mem_bw_gbyte_s: k(1200.0, "GC-V4"),
        intra_node: IntraNodeLink {
            kind: "ICI",
            // 6 neighbours x 45 GB/s one-way per link.
            per_direction_gbyte_s: k(6.0 * 45.0, "SB-TPU"),
            per_link_per_direction_gbyte_s: k(45.0, "SB-TPU"),
            links_per_device: k(6, "SB-TPU"),
            shape: LinkShape::IciTorus3d,
        },
        node: TypicalNode {
            // 4 chips per host; DCN ~25 GB/s (200 Gb/s) per host.
            devices: k(4, "GC-V4"),
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: k(25.0 * 8.0, "SB-TPU"),
        },
        // No rated TDP: this is the measured maximum (min/mean/max 90/170/192 W).
        tdp_w: k(192.0, "GC-V4"),
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "tpu-v5e",
        name: "Google TPU v5e",
        vendor: Vendor::Google,
        generation: "tpu-v5e",
        peak_tflops_fp32: U,
        peak_tflops_fp16: U,
        peak_tflops_bf16: k(197.0, "GC-V5E"),
        peak_tflops_fp8: U,
        // Given as 16 GB.
        memory_gib: k(gb(16.0), "GC-V5E"),
        // 819 GB/s (also given as 800 GiB/s, the larger).
        mem_bw_gbyte_s: k(819.0, "GC-V5E"),
        intra_node: IntraNodeLink {
            kind: "ICI",
            // 400 GB/s bidirectional per chip.
            per_direction_gbyte_s: k(400.0 / 2.0, "GC-V5E"),
            per_link_per_direction_gbyte_s: k(45.0, "SB-TPU"),
            links_per_device: k(4, "GC-V5E"),
            shape: LinkShape::IciTorus2d,
        },
        node: TypicalNode {
            devices: k(8, "GC-V5E"),
            nics: k(2, "GC-V5E"),
            nic_gbit_s: k(100.0, "GC-V5E"),
            node_gbit_s: k(200.0, "GC-V5E"),
        },
        tdp_w: U,
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "tpu-v5p",
        name: "Google TPU v5p",
        vendor: Vendor::Google,
        generation: "tpu-v5p",
        peak_tflops_fp32: U,
        peak_tflops_fp16: U,
        peak_tflops_bf16: k(459.0, "GC-V5P"),
        peak_tflops_fp8: U,
        // Given as 95 GB (also as 95 GiB, the larger).
        memory_gib: k(gb(95.0), "GC-V5P"),
        mem_bw_gbyte_s: k(2765.0, "GC-V5P"),
        intra_node: IntraNodeLink {
            kind: "ICI",
            // 1,200 GB/s bidirectional per chip.
            per_direction_gbyte_s: k(1200.0 / 2.0, "GC-V5P"),
            per_link_per_direction_gbyte_s: k(90.0, "SB-TPU"),
            // A 3D torus: 6 neighbours (the torus degree in the book).
            links_per_device: k(6, "SB-TPU"),
            shape: LinkShape::IciTorus3d,
        },
        node: TypicalNode {
            // 4-chip VM; DCN 50 Gb/s per chip.
            devices: k(4, "GC-V5P"),
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: k(4.0 * 50.0, "GC-V5P"),
        },
        tdp_w: U,
        on_demand: Some(Price {
            usd_per_device_hour: 4.0,
            date: "2025-08-18",
            source: "SB-GPU",
            note: "approximate: \"around $4/hour for a TPU v5p\" on Google Cloud",
        }),
        spot: None,
    },
    DeviceSpec {
        id: "tpu-v6e",
        name: "Google TPU v6e (Trillium)",
        vendor: Vendor::Google,
        generation: "tpu-v6e",
        peak_tflops_fp32: U,
        peak_tflops_fp16: U,
        peak_tflops_bf16: k(918.0, "GC-V6E"),
        peak_tflops_fp8: U,
        // Given as 32 GB.
        memory_gib: k(gb(32.0), "GC-V6E"),
        mem_bw_gbyte_s: k(1638.0, "GC-V6E"),
        intra_node: IntraNodeLink {
            kind: "ICI",
            // 800 GB/s bidirectional per chip.
            per_direction_gbyte_s: k(800.0 / 2.0, "GC-V6E"),
            per_link_per_direction_gbyte_s: k(90.0, "SB-TPU"),
            links_per_device: k(4, "GC-V6E"),
            shape: LinkShape::IciTorus2d,
        },
        node: TypicalNode {
            devices: k(8, "GC-V6E"),
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: U,
        },
        tdp_w: U,
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "trn1",
        name: "AWS Trainium (Trn1)",
        vendor: Vendor::Aws,
        generation: "trainium1",
        peak_tflops_fp32: k(47.5, "NEURON-TRN"),
        // One figure for FP16/BF16/cFP8/TF32.
        peak_tflops_fp16: k(190.0, "NEURON-TRN"),
        peak_tflops_bf16: k(190.0, "NEURON-TRN"),
        peak_tflops_fp8: k(190.0, "NEURON-TRN"),
        // Given as 32 GiB.
        memory_gib: k(32.0, "NEURON-TRN"),
        // 820 GB/s (current docs say 820 GiB/s, the larger).
        mem_bw_gbyte_s: k(820.0, "NEURON-TRN"),
        intra_node: IntraNodeLink {
            kind: "NeuronLink-v2",
            per_direction_gbyte_s: U,
            per_link_per_direction_gbyte_s: U,
            links_per_device: UN,
            shape: LinkShape::Hypercube,
        },
        node: TypicalNode {
            // trn1.32xlarge: 8 x 100 Gb/s EFA.
            devices: k(16, "NEURON-TRN1"),
            nics: k(8, "AWS-DOC"),
            nic_gbit_s: k(100.0, "AWS-DOC"),
            node_gbit_s: k(800.0, "NEURON-TRN1"),
        },
        tdp_w: U,
        on_demand: None,
        spot: None,
    },
    DeviceSpec {
        id: "p100",
        name: "NVIDIA Tesla P100 SXM2 16GB",
        vendor: Vendor::Nvidia,
        generation: "pascal",
        peak_tflops_fp32: k(10.6, "P100-SEC"),
        // Packed FP16 at twice the FP32 rate; no tensor cores, no BF16.
        peak_tflops_fp16: k(21.2, "P100-SEC"),
        peak_tflops_bf16: U,
        peak_tflops_fp8: U,
        // Given as 16 GB.
        memory_gib: k(gb(16.0), "P100-SEC"),
        mem_bw_gbyte_s: k(732.0, "P100-SEC"),
        intra_node: IntraNodeLink {
            kind: "NVLink 1",
            // 80 GB/s per direction (160 bidirectional) over 4 links.
            per_direction_gbyte_s: k(80.0, "P100-SEC"),
            per_link_per_direction_gbyte_s: k(80.0 / 4.0, "P100-SEC"),
            links_per_device: k(4, "P100-SEC"),
            // The 8-GPU board wiring was not found in a searched source.
            shape: LinkShape::Unknown,
        },
        node: TypicalNode {
            // NVLink systems scale to 8 P100s.
            devices: k(8, "P100-SEC"),
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: U,
        },
        tdp_w: k(300.0, "P100-SEC"),
        on_demand: None,
        spot: None,
    },
    // The K80 board carries two GK210 GPUs that software and schedulers see as
    // two devices; the entry is ONE GK210: half of the board's figures.
    DeviceSpec {
        id: "k80",
        name: "NVIDIA Tesla K80 (one GK210 GPU)",
        vendor: Vendor::Nvidia,
        generation: "kepler",
        // Board 8.73 TFLOP/s FP32 with GPU Boost / 2.
        peak_tflops_fp32: k(8.73 / 2.0, "K80-SEC"),
        // No tensor cores and no sourced FP16 rate.
        peak_tflops_fp16: U,
        peak_tflops_bf16: U,
        peak_tflops_fp8: U,
        // 12 GB GDDR5 per GPU (24 GB per board).
        memory_gib: k(gb(12.0), "K80-SEC"),
        // 240 GB/s per GPU (480 GB/s aggregate per board).
        mem_bw_gbyte_s: k(240.0, "K80-SEC"),
        intra_node: IntraNodeLink {
            kind: "PCIe Gen3 x16",
            per_direction_gbyte_s: U,
            per_link_per_direction_gbyte_s: U,
            links_per_device: UN,
            shape: LinkShape::Pcie,
        },
        node: TypicalNode {
            devices: UN,
            nics: UN,
            nic_gbit_s: U,
            node_gbit_s: U,
        },
        // Board 300 W / 2.
        tdp_w: k(300.0 / 2.0, "K80-SEC"),
        on_demand: None,
        spot: None,
    },
];
