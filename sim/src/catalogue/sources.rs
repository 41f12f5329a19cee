//! Source keys and their citations.
//!
//! The keys and texts of the first entries are copied from the "Sources"
//! section of `shared/reference/hardware.md`; `P100-SEC` and `K80-SEC` were
//! added for the two older GPUs that reference lacks, from public pages found
//! by search (the addresses are in the citations).

/// Every source key with its citation, in the order of the reference.
pub(crate) static SOURCES: &[(&str, &str)] = &[
    (
        "V100-WP",
        r#"NVIDIA, Tesla V100 GPU Architecture whitepaper, Table 1 (1,530 MHz boost; 15.7 FP32; 125 Tensor TFLOP/s; 300 W), as reproduced at https://maosong.website/p/nvidia-gpu-specs (secondary)."#,
    ),
    (
        "V100-NVL",
        r#"Alibaba Cloud ACK, "Overview of topology-aware GPU scheduling": each V100 has 6 NVLinks, 25 GB/s one-way and 50 GB/s two-way per link, hybrid cube-mesh; https://www.alibabacloud.com/help/doc-detail/190482.htm. Also a summary of the V100 whitepaper (6 NVLinks at 25 GB/s per direction; 900 GB/s HBM2): https://gist.github.com/wolfram77/a42aeb021a2fec7b7e85ceb71b398772"#,
    ),
    (
        "SB-GPU",
        r#"J. Austin, S. Patil, A. Paszke, R. Pope, "How to Think About GPUs", How To Scale Your Model (Google DeepMind, 2025-08-18), https://jax-ml.github.io/scaling-book/gpus/ (repository jax-ml/scaling-book, `gpus.md` @ 1a55377): per-GPU HBM capacity and bandwidth (V100 32 GB, 9.0e11 B/s; A100 2.0e12; H100 3.4e12; H200 141 GB, 4.8e12; B200 192 GB, 8.0e12), bf16 FLOP/s, NVLink generations table (ports, 25/50 GB/s per direction), node and SuperPod network description, B200 80 TFLOP/s FP32."#,
    ),
    (
        "SB-TPU",
        r#"Same book, "How to Think About TPUs" (`tpus.md` @ 0819a7d, 2025-02): host sizes (v4p, v5p 2x2x1; v5e, v6e 4x2), ICI per-link bandwidth (v4p 4.5e10 B/s one-way; v5p 9e10; v5e 4.5e10; v6e 9e10), torus degree, DCN ~2.5e10 B/s per host."#,
    ),
    (
        "GK-A100",
        r#"G. Lockwood, https://glennklockwood.com/garden/processors/A100, citing the NVIDIA A100 datasheet (https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf)."#,
    ),
    (
        "GK-H100",
        r#"G. Lockwood, https://glennklockwood.com/garden/processors/h100 (H100 SXM5: 80 GB HBM3, 3.35 TB/s, 900 GB/s NVLink, 700 W; BF16 989.4 dense / 1,978.9 sparse; FP32 66.9; notes H200 is H100 with larger HBM3e)."#,
    ),
    (
        "DGXC-PEAK",
        r#"NVIDIA, DGX Cloud benchmarking recipes, `README.md`, section "Peak Theoretical Throughput" (NVIDIA/dgxc-benchmarking @ 841f5466cd86b66abd48049e839c563776f6d716, release 26.06.00, 2026-06-30): dense ("non-sparse specifications … for MFU calculations") TFLOP/s per GPU, BF16 / FP8: GB300 2450 / 4900, GB200 2450 / 4900, B300 2250 / 4500, B200 2250 / 4500, H100 989 / 1979. The H100 datasheet's FP8 figure, 3,958 TFLOP/s "shown with sparsity", halves to the same 1,979."#,
    ),
    (
        "GK-B200",
        r#"G. Lockwood, https://glennklockwood.com/garden/processors/B200 (192 GB, 8 TB/s, 2 x 900 GB/s NVLink 5, 1,000 W; HGX B200 at 1,000 W: BF16 2,250 dense / 4,500 sparse, FP32 80)."#,
    ),
    (
        "MLP-H100",
        r#"MLCommons Inference v3.1, Dell `closed/Dell/systems/XE9680_H100_SXM_80GBx8_TRT.json` (8 x H100-SXM-80GB per node; 8 x 400 Gb InfiniBand)."#,
    ),
    (
        "MLP-H200",
        r#"MLCommons Inference v4.1, NVIDIA `closed/NVIDIA/systems/H200-SXM-141GBx8_TRT_MaxQ.json` (141 GB HBM3e; "18x 4th Gen NVLink, 900GB/s"; 8 per node; 10 x 400G InfiniBand; "H200 TGP 700W")."#,
    ),
    (
        "MLP-B200",
        r#"MLCommons Inference v6.0, Nebius `closed/Nebius/systems/nebius_b200_n1.json` (NVIDIA B200-SXM-180GB, 180 GB HBM3e; 8 per node; "18x 5th Gen NVLink, 14.4 TB/s aggregated"; 8 x ConnectX-7 NDR 400 Gb/s; "B200 TGP 1000W")."#,
    ),
    (
        "MLP-MI300X",
        r#"MLCommons Inference v4.1, AMD `closed/AMD/systems/8xMI300X_2xEPYC-9374F.json` ("AMD Instinct MI300X-NPS1-SPX-192GB-750W"; 8 per node; XGMI)."#,
    ),
    (
        "L4-SEC",
        r#"NVIDIA L4 datasheet (https://www.nvidia.com/en-us/data-center/l4/), not read directly; figures as transcribed by https://aiwiki.ai/wiki/nvidia_l4 (72 W), https://store.sourcecode.com (300 GB/s; 485 INT8 TOPS and 120 TF32 TFLOP/s with sparsity) and https://fpsbench.com/compare/gpu/nvidia-l4-vs-nvidia-tesla-m40 (24 GB GDDR6, 300.1 GB/s, 30.29 FP32, PCIe 4.0 x16); 242 FP16 TFLOP/s with sparsity per https://grokipedia.com/page/NVIDIA_L4_vs_L40S. Secondary."#,
    ),
    (
        "ROCM-MI300",
        r#"AMD ROCm documentation, `docs/conceptual/gpu-arch/mi300.md` (ROCm/ROCm @ e396b48, 2025-03-21), https://rocm.docs.amd.com: MI300X peak table (Matrix FP16/BF16 1,307.4; FP8 2,614.9; Vector/Matrix FP32 163.4), 5.3 TB/s, eight OAMs fully connected by seven Infinity Fabric links each."#,
    ),
    (
        "ROCM-MI250",
        r#"AMD ROCm documentation, `docs/conceptual/gpu-arch/mi250.md` (Infinity Fabric 25 GT/s, 50 GB/s per 16-wide link; 4 links between the two GCDs; 3.2 TB/s, 1.6 TB/s per GCD) and `docs/reference/gpu-arch-specs.rst` (MI250X: 128 GiB, 220 CUs)."#,
    ),
    (
        "AMD-MI250X",
        r#"AMD Instinct MI200 launch specification table (Nov 2021) as reproduced at https://zexron.com/amd-mi250-x-aldebaran-as-mcm-with-up-to-479-teraflop-s-and-560-watt-tdp (220 CUs; 47.9 FP32 vector; 95.7 FP32 matrix; 383.0 FP16/BF16; 128 GB HBM2e; 3.2 TB/s; 560 W). Secondary."#,
    ),
    (
        "OLCF",
        r#"OLCF Frontier User Guide, https://docs.olcf.ornl.gov/systems/frontier_user_guide.html (4 x MI250X per node, 8 GCDs of 64 GB; GCD pair 200 GB/s; other GCD pairs 50-100 GB/s)."#,
    ),
    (
        "AZ-ND",
        r#"Microsoft Azure documentation (MicrosoftDocs/azure-docs, `articles/virtual-machines/sizes/gpu-accelerated/includes/`): `ndasra100v4-series-summary.md` (8 x A100 40GB, 200 Gb/s HDR InfiniBand per GPU, 1.6 Tb/s per VM, NVLink 3.0), `ndh100v5-series-summary.md` (8 x H100, 400 Gb/s Quantum-2 InfiniBand per GPU, 3.2 Tb/s per VM, NVLink 4.0), `ndmi300xv5-series-summary.md` (8 x MI300X, Infinity Fabric 128 GB/s per GPU link and 896 GB/s aggregate, 400 Gb/s InfiniBand per GPU, 3.2 Tb/s per VM)."#,
    ),
    (
        "GC-V4",
        r#"Google Cloud, "TPU v4", https://cloud.google.com/tpu/docs/v4 (275 TFLOP/s bf16; 32 GiB, 1,200 GBps; 90/170/192 W measured; pod 4,096 chips; 3D mesh/torus)."#,
    ),
    (
        "GC-V5E",
        r#"Google Cloud, "TPU v5e", https://docs.cloud.google.com/tpu/docs/v5e (197 TFLOP/s; 16 GB, 819 GBps / 800 GiBps; ICI 400 GBps bidirectional per chip, 4 ports; 8 chips per host; pod 256; 2 x 100 Gbps NIC per host; 6.4 Tbps DCN per pod)."#,
    ),
    (
        "GC-V5P",
        r#"Google Cloud, "TPU v5p", https://cloud.google.com/tpu/docs/v5p-training and https://docs.cloud.google.com/tpu/docs/v5p-training (459 TFLOP/s; 95 GB / 95 GiB, 2,765 GBps; ICI 1,200 GBps bidirectional per chip, 4,800 Gbps; 4-chip VM; DCN 50 Gbps per chip; pod 8,960)."#,
    ),
    (
        "GC-V6E",
        r#"Google Cloud, "TPU v6e", https://docs.cloud.google.com/tpu/docs/v6e (918 TFLOP/s; 32 GB, 1,638 GBps; ICI 800 GBps bidirectional per chip, 4 ports; 8 chips per host; pod 256)."#,
    ),
    (
        "NEURON-TRN",
        r#"AWS Neuron documentation, "Trainium Architecture", https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/trainium.html (190 FP16/BF16/cFP8/TF32 TFLOP/s; 47.5 FP32; 32 GiB; 820 GiB/s; NeuronLink-v2)."#,
    ),
    (
        "NEURON-TRN1",
        r#"AWS Neuron documentation, "AWS Trn1/Trn1n Architecture" (v2.9.1 sources, `general/arch/neuron-hardware/trn1-arch.rst`): trn1.32xlarge 16 devices, NeuronLink-v2 4D hypercube, EFA 800 Gbps; trn1n.32xlarge 1,600 Gbps."#,
    ),
    (
        "AWS-DOC",
        r#"Amazon EC2 User Guide, "Accelerated computing instances" (awsdocs/amazon-ec2-user-guide, `doc_source/accelerated-computing-instances.md` @ d289961, May 2023): network performance (p3dn.24xlarge 100 Gigabit; p4d/p4de.24xlarge 4x 100 Gigabit; trn1.32xlarge 8x 100 Gigabit; trn1n.32xlarge 16x 100 Gigabit) and device counts."#,
    ),
    (
        "AWS-CB",
        r#"Amazon EC2 Capacity Blocks for ML pricing page (archived copy; rates "scheduled to be updated on January 1, 2025"), https://aws.amazon.com/ec2/capacityblocks/pricing/ (p5.48xlarge 39.33/h, 3,200 Gigabit; 8 x H200 instance 43.26/h, 1,128 GB, 3,200 Gigabit; p4d.24xlarge 14.75/h, 400 Gigabit; trn1.32xlarge 15.49/h, 800 Gigabit)."#,
    ),
    (
        "AWS-SPOT",
        r#"Amazon EC2 Spot Instances pricing page (archived copy), https://aws.amazon.com/ec2/spot/pricing/."#,
    ),
    (
        "AWS-OLD",
        r#"Launch-era on-demand prices p5.48xlarge 98.32/h and p4d.24xlarge 32.77/h as quoted by https://www.usage.ai/blogs/finops/ai-ml-cost/gpu-instance-cost-optimization/, https://www.xither.com/compare/gpu-compute-costs-on-prem-vs-cloud-vs-spot-instances (p4d, Q2 2024) and https://computespec.pages.dev/learn/pricing/cloud-gpu-pricing-explained (p5). Secondary."#,
    ),
    (
        "AWS-CUT",
        r#"June 2025 reduction of P4/P5 on-demand and Savings Plan prices (up to 45% for P5), as described at https://www.usage.ai/blogs/aws/ai-ml-cost/llm-cost-optimization-aws/. Secondary; the AWS announcement itself was not read."#,
    ),
    (
        "DR-2026",
        r#"datareceipts/data-receipts, `109-gpu-pricing/hyperscalers.json`, `compare.json`, `README.md` (retrieved 2026-11-09): AWS p4d 21.957642/h, p4de 27.44705/h, p5 55.04/h (us-east-1); Azure ND96asr_A100_v4 3.3996/GPU-h, ND96isr_H100_v5 12.29/GPU-h (eastus). Secondary compilation of provider price data."#,
    ),
    (
        "DSTACK",
        r#"dstackai/dstack pull request #4110 (2026-08-06), `dstack offer` output for p5en.48xlarge (on-demand 63.296/h; spot 27.1988/h in us-east-1)."#,
    ),
    (
        "GCP-CYC",
        r#"Cyclenerd/google-cloud-pricing-cost-calculator, `pricing.yml` (commit 0166a59, generated 2025-03-06 from the Cloud Billing catalog): a2-highgpu-1g, a2-ultragpu-8g, a3-highgpu-1g hourly, spot and committed-use prices per region."#,
    ),
    (
        "GCP-SILY",
        r#"tgarg01/silybench-data, `derived/csv/gpu_prices.csv` (checked 2026-09-26; Cloud Billing catalog): a3-highgpu-1g us-central1 10.9791/h on-demand, 6.571/h spot. Secondary."#,
    ),
    (
        "GCP-TANOD",
        r#"Hugging Face dataset tanod/cloud-gpu-list-prices (snapshot 2026-10-13; Cloud Billing Catalog API): a3-ultragpu-8g (H200) us-central1 10.4365/GPU-h on-demand, 6.2607 spot. Secondary."#,
    ),
    (
        "GCP-SPOT",
        r#"Google Cloud documentation, "Create and use Spot VMs", https://docs.cloud.google.com/compute/docs/instances/create-use-spot."#,
    ),
    (
        "P100-SEC",
        r#"NVIDIA Tesla P100 (SXM2 / NVLink form factor) figures from secondary sources found by search, not the NVIDIA datasheet itself: Microway, "NVIDIA Tesla P100 NVLink 16GB GPU Accelerator (Pascal GP100 SXM2) Up Close", https://www.microway.com/hpc-tech-tips/nvidia-tesla-p100-nvlink-16gb-gpu-accelerator-pascal-gp100-sxm2-close/ (10.6 TFLOP/s FP32; 16 GB HBM2 up to 732 GB/s; NVLink 80 GB/s per direction, 160 GB/s bidirectional, between GPUs); https://teckknow.com/nvidia-unveils-tesla-p100-hpc-board-based-pascal-gpu-architecture/ (21.2 TFLOP/s FP16, 10.6 FP32; NVLink 80 GB/s per direction); https://ocaholic.ch/modules/news/article.php?lang=italian&storyid=14497 (4 NVLink controllers); https://techwormam.pages.dev/posts/nvidia-unveils-its-powerful-pcie-hbm2-running-gp100-pascal-gpu-to-the-masses-techworm (NVLink systems scale to 8 P100 GPUs); https://huggingface.co/hardware/p100 (16 GB, 300 W). Secondary."#,
    ),
    (
        "K80-SEC",
        r#"NVIDIA Tesla K80 (dual GK210 board) figures from secondary sources found by search: https://raw.githubusercontent.com/robang74/chatbots-for-fun/refs/heads/main/nvidia-sw-stack-installation-for-k80.md (dual GPU, 12 GB each, 24 GB GDDR5 with 480 GB/s aggregate, 8.73 TFLOP/s FP32 with GPU Boost, 300 W max, PCI Express 3.0 x16); AnandTech, "NVIDIA Launches Tesla K80, GK210 GPU", mirrored at http://www.foruma.anandtech.com/show/8729/nvidia-launches-tesla-k80-gk210-gpu (2 x 12 GB, 8.74 TFLOP/s single precision, 300 W TDP); https://cnews.cz/clanky/nvidia-uvadi-nove-gpu-generace-kepler-gk210-bezi-v-dualni-karte-tesla-k80/ (240 GB/s per GPU). Secondary."#,
    ),
];
