//! Compute time of one micro-batch on one pipeline stage: each matrix
//! multiply timed by a roofline with a shape-dependent efficiency, each
//! element-wise kernel by the bytes it moves.

use super::calibration::Calibration;
use crate::model::{Architecture, Gemm, TransformerSpec, fp8};
use crate::parallelism::{Precision, Recompute};
use crate::units::{Bytes, BytesPerSec, FlopsPerSec, Seconds};

/// The device-side figures the compute model needs.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRates {
    /// Dense peak at the job's precision: the linear layers' multiplies.
    pub peak: FlopsPerSec,
    /// Dense peak of the multiplies fp8 training keeps in 16 bits
    /// (attention's core, the output head); `peak` for other precisions.
    pub peak_wide: FlopsPerSec,
    /// Memory bandwidth.
    pub mem_bw: BytesPerSec,
    /// Efficiencies of the device's generation.
    pub cal: Calibration,
}

/// Times of one micro-batch through one stage's layers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// Forward pass.
    pub forward: Seconds,
    /// Backward pass.
    pub backward: Seconds,
    /// Extra forward work for recomputation.
    pub recompute: Seconds,
    /// Tensor-parallel communication not hidden behind compute.
    pub tp_comm: Seconds,
}

impl StageTimes {
    /// Forward + backward + recompute + exposed tensor-parallel communication.
    pub fn total(&self) -> Seconds {
        self.forward + self.backward + self.recompute + self.tp_comm
    }
}

/// The shape of the work on one device.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// The model.
    pub model: &'a TransformerSpec,
    /// Sequence length.
    pub seq_len: u32,
    /// Sequences per micro-batch.
    pub microbatch: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Sequence parallelism (element-wise work split by `tp`).
    pub sequence_parallel: bool,
    /// Math precision (bytes per activation element).
    pub precision: Precision,
    /// Attention's core as one fused kernel.
    pub flash_attention: bool,
}

impl<'a> Shape<'a> {
    /// The shape of `job`'s work under `par`.
    pub fn of(job: &'a crate::scenario::Job, par: &crate::parallelism::ParallelConfig) -> Self {
        Shape {
            model: &job.model,
            seq_len: job.seq_len,
            microbatch: par.microbatch,
            tp: par.mesh.tp(),
            sequence_parallel: par.mesh.sequence_parallel(),
            precision: job.precision,
            flash_attention: job.flash_attention,
        }
    }
}

/// One tensor-parallel group's collectives, timed on its link.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TensorComm {
    /// One all-reduce (or reduce-scatter + all-gather) of a layer's
    /// activations.
    pub collective: Seconds,
    /// One all-reduce of an FP8 scale (a few bytes: latency).
    pub amax: Seconds,
}

impl TensorComm {
    /// The exposed tensor-parallel communication of one layer's forward
    /// pass: its two activation collectives (after the attention output and
    /// the MLP down-projection) and its FP8 amax reductions.
    pub fn forward_per_layer(&self, s: &Shape<'_>) -> Seconds {
        if s.tp <= 1 {
            return Seconds::ZERO;
        }
        let (amax, _) = fp8::amax_reductions_per_layer(s.precision, s.tp, s.sequence_parallel);
        self.collective * 2.0 + self.amax * amax
    }
}

/// Which rate a multiply runs at: the linear layers' (8-bit under fp8
/// training) or the 16-bit one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Math {
    Linear,
    Wide,
}

impl Math {
    /// The kind of the multiply named `name` ([`TransformerSpec::layer_gemms`]).
    fn of(name: &str) -> Self {
        match name {
            "qkv" | "attn-out" | "mlp-up" | "mlp-down" => Math::Linear,
            _ => Math::Wide,
        }
    }
}

/// Time of `count` multiplies `C[m×n] = A[m×k]·B[k×n]`: a roofline of the
/// compute at the shape's efficiency and the operands' traffic. In 8 bits
/// the operands are FP8 (1 byte) and the output 16-bit, at the FP8 peak and
/// its own main-loop fraction.
fn matmul_time(
    (m, n, k, count): (u64, u64, u64, u64),
    s: &Shape<'_>,
    math: Math,
    d: &DeviceRates,
) -> Seconds {
    let e = s.precision.bytes_per_element();
    let flops = 2.0 * m as f64 * n as f64 * k as f64 * count as f64;
    let narrow = math == Math::Linear && s.precision.is_fp8();
    let (peak, eff_max, bytes) = if narrow {
        let operands = (m * k + k * n) as f64;
        (
            d.peak,
            d.cal.fp8_gemm_eff_max,
            (operands + m as f64 * n as f64 * e) * count as f64,
        )
    } else {
        let peak = if math == Math::Linear {
            d.peak
        } else {
            d.peak_wide
        };
        (
            peak,
            d.cal.gemm_eff_max,
            (m * k + k * n + m * n) as f64 * count as f64 * e,
        )
    };
    let eff = d.cal.gemm_efficiency_at(eff_max, m, n, count).max(1e-3);
    let compute = flops / (peak.get() * eff);
    let memory = bytes / (d.mem_bw.get() * d.cal.mem_eff);
    Seconds(compute.max(memory))
}

/// Forward time of one multiply.
fn forward_time(g: &Gemm, s: &Shape<'_>, d: &DeviceRates) -> Seconds {
    matmul_time((g.m, g.n, g.k, g.count), s, Math::of(g.name), d)
}

/// Backward time of one multiply: the gradient of its left operand
/// (`dA[m×k] = dC[m×n]·Bᵀ`, inner dimension `n`) and of its right operand
/// (`dB[k×n] = Aᵀ·dC`, inner dimension `m`).
fn backward_time(g: &Gemm, s: &Shape<'_>, d: &DeviceRates) -> Seconds {
    let math = Math::of(g.name);
    matmul_time((g.m, g.k, g.n, g.count), s, math, d)
        + matmul_time((g.k, g.n, g.m, g.count), s, math, d)
}

/// The weight-gradient multiply of `g` alone (`dB = Aᵀ·dC`).
fn weight_gradient_time(g: &Gemm, s: &Shape<'_>, d: &DeviceRates) -> Seconds {
    matmul_time((g.k, g.n, g.m, g.count), s, Math::of(g.name), d)
}

/// Share of the attention scores a kernel computes: a fused kernel skips
/// the blocks a causal mask hides (half, for long sequences); the unfused
/// path computes them all and masks afterwards.
fn attention_share(s: &Shape<'_>) -> f64 {
    if s.flash_attention && s.model.arch.is_causal() {
        0.5
    } else {
        1.0
    }
}

/// Backward element-wise traffic over forward: each kernel's backward reads
/// its saved input and the incoming gradient and writes the outgoing one,
/// three tensors where the forward moves two.
const ELEMENTWISE_BACKWARD_RATIO: f64 = 1.5;

/// Bytes the element-wise kernels of one layer's forward pass move on one
/// rank, with Megatron-LM's fused kernels: two norms (read, write), two fused
/// bias-dropout-residual-adds (read the input and the residual, write, 1-byte
/// mask; without dropout, as in Llama, a plain residual add), the fused
/// bias-GELU (read, write; SwiGLU reads two inputs), and over the `b·a/t·s²`
/// attention scores the fused scale-mask-softmax (read, write) and the
/// attention dropout (read, write, mask). Returns (the rest, the softmax
/// part), since selective recompute repeats only the latter.
fn elementwise_bytes(s: &Shape<'_>) -> (Bytes, Bytes) {
    let e = s.precision.bytes_per_element();
    let t = f64::from(s.tp.max(1));
    let tokens = f64::from(s.seq_len) * f64::from(s.microbatch);
    let h = f64::from(s.model.hidden);
    let f = f64::from(s.model.ffn_hidden);
    let hidden_elems = if s.sequence_parallel {
        tokens * h / t
    } else {
        tokens * h
    };
    let dropout = s.model.arch != Architecture::Llama;
    let residual = if dropout { 3.0 * e + 1.0 } else { 3.0 * e };
    let per_hidden = 2.0 * (2.0 * e) + 2.0 * residual;
    let mlp = if s.model.gated_mlp { 3.0 * e } else { 2.0 * e } * tokens * f / t;
    let scores = f64::from(s.microbatch) * f64::from(s.model.heads) / t
        * f64::from(s.seq_len)
        * f64::from(s.seq_len);
    let softmax = if s.flash_attention {
        // Fused: the scores stay on chip.
        0.0
    } else {
        scores * if dropout { 4.0 * e + 1.0 } else { 2.0 * e }
    };
    (Bytes(hidden_elems * per_hidden + mlp), Bytes(softmax))
}

/// Bytes fp8 training's casts move in one layer on one rank, as (forward,
/// backward): see [`fp8::cast_bytes_per_element`] and
/// [`TransformerSpec::fp8_cast_elements_per_layer`]. Zero otherwise.
fn fp8_cast_bytes(s: &Shape<'_>) -> (Bytes, Bytes) {
    let per = fp8::cast_bytes_per_element(s.precision);
    if per == 0.0 {
        return (Bytes::ZERO, Bytes::ZERO);
    }
    let tokens = f64::from(s.seq_len) * f64::from(s.microbatch);
    let (f, b) = s
        .model
        .fp8_cast_elements_per_layer(tokens, s.tp, s.sequence_parallel);
    (Bytes(f * per), Bytes(b * per))
}

/// Times of one micro-batch through `layers` layers, plus the output head
/// when `with_head`. `tp` times the tensor-parallel group's collectives: one
/// all-reduce (or reduce-scatter + all-gather) of the layer's activations,
/// and one FP8 amax reduction.
///
/// Megatron's layer has two such collectives in the forward (after the
/// attention output and the MLP down-projection) and two in the backward (at
/// the inputs of the QKV and MLP up-projections); the backward ones run
/// while the same projection computes its weight gradient, so only what
/// outlasts that multiply is exposed. Full recompute repeats the forward's.
///
/// A fused attention kernel computes only the scores a causal mask leaves
/// (half), and its backward recomputes them (the QKᵀ multiply once more)
/// instead of reading them back. Under fp8 the linear
/// layers' casts add their traffic, forward and backward.
pub fn stage_times(
    s: &Shape<'_>,
    d: &DeviceRates,
    layers: u32,
    with_head: bool,
    recompute: Recompute,
    tp: TensorComm,
) -> StageTimes {
    let gemms = s.model.layer_gemms(s.seq_len, s.microbatch, s.tp);
    let bw = d.mem_bw * d.cal.mem_eff;
    let (other_bytes, softmax_bytes) = elementwise_bytes(s);
    let (cast_f, cast_b) = fp8_cast_bytes(s);
    let is_core = |g: &Gemm| g.name == "scores" || g.name == "context";
    let share = attention_share(s);
    let scale = |g: &Gemm| if is_core(g) { share } else { 1.0 };
    let gemm_f: Seconds = gemms.iter().map(|g| forward_time(g, s, d) * scale(g)).sum();
    let gemm_b: Seconds = gemms
        .iter()
        .map(|g| {
            let b = backward_time(g, s, d) * scale(g);
            if s.flash_attention && g.name == "scores" {
                b + forward_time(g, s, d) * share
            } else {
                b
            }
        })
        .sum();
    let core_f: Seconds = gemms
        .iter()
        .filter(|g| is_core(g))
        .map(|g| forward_time(g, s, d) * share)
        .sum();
    let mut elementwise_f = (other_bytes + softmax_bytes) / bw;
    let mut elementwise_b = elementwise_f * ELEMENTWISE_BACKWARD_RATIO;
    if s.precision.is_fp8() {
        elementwise_f += cast_f / bw;
        elementwise_b += cast_b / bw;
    }
    let layer_f = gemm_f + elementwise_f;
    let layer_b = gemm_b + elementwise_b;
    let n = f64::from(layers);
    let mut forward = layer_f * n;
    let mut backward = layer_b * n;
    let (amax_f, amax_b) = fp8::amax_reductions_per_layer(s.precision, s.tp, s.sequence_parallel);
    let (recompute, recompute_collectives, recompute_amax) = match recompute {
        Recompute::None => (Seconds::ZERO, 0.0, 0.0),
        Recompute::Selective => ((core_f + softmax_bytes / bw) * n, 0.0, 0.0),
        Recompute::Full => (layer_f * n, 2.0, amax_f),
    };
    // Weight-gradient multiplies that hide the backward collectives.
    let hidden_behind: Seconds = gemms
        .iter()
        .filter(|g| g.name == "qkv" || g.name == "mlp-up")
        .map(|g| (tp.collective - weight_gradient_time(g, s, d)).max(Seconds::ZERO))
        .sum();
    // Sequence parallelism keeps only a 1/t shard of the projections'
    // inputs, so the backward gathers them again for the weight gradients of
    // the QKV and MLP up-projections: two all-gathers, half an all-reduce
    // each. Korthikanti et al. 2022 Table 4 shows them cancelling the
    // backward's element-wise savings (11.8 vs 11.9 ms).
    let regather = if s.sequence_parallel { 1.0 } else { 0.0 };
    let tp_comm = if s.tp > 1 {
        let mut per_layer =
            tp.collective * (2.0 + recompute_collectives + regather) + hidden_behind;
        if s.precision.is_fp8() {
            per_layer += tp.amax * (amax_f + amax_b + recompute_amax);
        }
        per_layer * n
    } else {
        Seconds::ZERO
    };
    if with_head {
        let head = s.model.head_gemm(s.seq_len, s.microbatch, s.tp);
        // Logits and the cross-entropy in fp32: write, read, write the gradient.
        let logits = f64::from(s.seq_len) * f64::from(s.microbatch) * f64::from(s.model.vocab)
            / f64::from(s.tp.max(1));
        let xent = Bytes(logits * 4.0 * 3.0) / bw;
        forward += forward_time(&head, s, d) + xent;
        backward += backward_time(&head, s, d);
    }
    StageTimes {
        forward,
        backward,
        recompute,
        tp_comm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::calibration::for_generation;

    /// Korthikanti et al. 2022 Table 4: forward and backward times of one
    /// 22B layer (h 6144, a 64, s 2048, b 4, t 8) on A100 80GB, tensor-
    /// parallel communication included, for every recompute and sequence-
    /// parallel variant (the committed copy of the table). Ampere's one GEMM
    /// parameter was fitted to the first row; every row must land within 5%.
    #[test]
    fn reproduces_korthikanti_table4_layer_times() {
        let table = include_str!("../../data/measured/korthikanti_2022_table4.csv");
        let model = TransformerSpec::inline(48, 6144, 64, None, 51200);
        let cal = for_generation("ampere");
        let d = DeviceRates {
            peak: FlopsPerSec::from_tflops(312.0),
            peak_wide: FlopsPerSec::from_tflops(312.0),
            mem_bw: BytesPerSec::from_gbyte_s(2039.0),
            cal,
        };
        let bytes = 2048.0 * 4.0 * 6144.0 * 2.0;
        let allreduce = Seconds(2.0 * 7.0 / 8.0 * bytes / (300e9 * cal.intra_link_eff));
        let rows: Vec<&str> = table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("experiment"))
            .collect();
        assert_eq!(rows.len(), 5);
        for row in rows {
            let cells: Vec<&str> = row.split(',').collect();
            let (name, fwd, bwd): (&str, f64, f64) = (
                cells[0],
                cells[1].parse().expect("ms"),
                cells[2].parse().expect("ms"),
            );
            let sp = name.contains("Sequence");
            let recompute = if name.contains("Selective") {
                Recompute::Selective
            } else if name.contains("with recompute") {
                Recompute::Full
            } else {
                Recompute::None
            };
            let shape = Shape {
                model: &model,
                seq_len: 2048,
                microbatch: 4,
                tp: 8,
                sequence_parallel: sp,
                precision: Precision::Bf16,
                flash_attention: false,
            };
            let tc = TensorComm {
                collective: allreduce,
                amax: Seconds::ZERO,
            };
            let t = stage_times(&shape, &d, 1, false, recompute, tc);
            // The forward's two collectives are part of the forward time.
            let f = (t.forward + allreduce * 2.0).get() * 1e3;
            let b = (t.backward + t.recompute + t.tp_comm - allreduce * 2.0).get() * 1e3;
            assert!(
                (f - fwd).abs() / fwd < 0.05,
                "{name}: forward {f:.2} ms vs {fwd}"
            );
            assert!(
                (b - bwd).abs() / bwd < 0.05,
                "{name}: backward {b:.2} ms vs {bwd}"
            );
        }
    }

    fn h100() -> DeviceRates {
        DeviceRates {
            peak: FlopsPerSec::from_tflops(1979.0),
            peak_wide: FlopsPerSec::from_tflops(989.0),
            mem_bw: BytesPerSec::from_gbyte_s(3350.0),
            cal: for_generation("hopper"),
        }
    }

    fn shape(model: &TransformerSpec, precision: Precision, flash: bool) -> Shape<'_> {
        Shape {
            model,
            seq_len: 8192,
            microbatch: 1,
            tp: 1,
            sequence_parallel: false,
            precision,
            flash_attention: flash,
        }
    }

    #[test]
    fn fp8_multiplies_by_hand() {
        // 8192³ on Hopper: 32 × 64 = 2,048 tiles of 256 × 128 over 132 SMs
        // is 16 waves, 2048 / (16 · 132) busy.
        let model = crate::model::preset("llama3-8b").expect("preset");
        let s = shape(&model, Precision::Fp8, false);
        let d = h100();
        let wave = 2048.0 / (16.0 * 132.0);
        let flops = 2.0 * 8192f64.powi(3);
        let dims = (8192, 8192, 8192, 1);
        let linear = matmul_time(dims, &s, Math::Linear, &d).get();
        let want = flops / (1979e12 * d.cal.fp8_gemm_eff_max * wave);
        assert!((linear / want - 1.0).abs() < 1e-12, "{linear} vs {want}");
        // Attention's core stays in 16 bits, at the bf16 peak.
        let wide = matmul_time(dims, &s, Math::Wide, &d).get();
        let want = flops / (989e12 * d.cal.gemm_eff_max * wave);
        assert!((wide / want - 1.0).abs() < 1e-12, "{wide} vs {want}");
        // bf16 runs everything at its own peak: the linear multiply too.
        let b = shape(&model, Precision::Bf16, false);
        let d16 = DeviceRates {
            peak: FlopsPerSec::from_tflops(989.0),
            ..d
        };
        assert_eq!(matmul_time(dims, &b, Math::Linear, &d16).get(), wide);
    }

    #[test]
    fn fused_attention_skips_the_masked_half_and_the_softmax_traffic() {
        let model = crate::model::preset("llama3-8b").expect("preset");
        let d = h100();
        let (plain, fused) = (
            shape(&model, Precision::Bf16, false),
            shape(&model, Precision::Bf16, true),
        );
        assert!(elementwise_bytes(&plain).1 > Bytes::ZERO);
        assert_eq!(elementwise_bytes(&fused).1, Bytes::ZERO);
        assert_eq!(elementwise_bytes(&fused).0, elementwise_bytes(&plain).0);
        let gemms = model.layer_gemms(8192, 1, 1);
        let core = |s: &Shape<'_>| -> (f64, f64) {
            gemms
                .iter()
                .filter(|g| g.name == "scores" || g.name == "context")
                .map(|g| (forward_time(g, s, &d).get(), backward_time(g, s, &d).get()))
                .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
        };
        let (f, b) = core(&plain);
        let scores_f = forward_time(&gemms[1], &plain, &d).get();
        let t =
            |s: &Shape<'_>| stage_times(s, &d, 1, false, Recompute::None, TensorComm::default());
        let (tp, tf) = (t(&plain), t(&fused));
        let bw = (d.mem_bw * d.cal.mem_eff).get();
        let softmax = elementwise_bytes(&plain).1.get() / bw;
        // Forward: half the core multiplies, no softmax traffic.
        let saved_f = tp.forward.get() - tf.forward.get();
        assert!((saved_f - (f * 0.5 + softmax)).abs() < 1e-12 * saved_f.max(1.0) + 1e-9);
        // Backward: half the core's gradients plus half a QKᵀ recomputed.
        let saved_b = tp.backward.get() - tf.backward.get();
        let want = b * 0.5 - scores_f * 0.5 + softmax * ELEMENTWISE_BACKWARD_RATIO;
        assert!((saved_b - want).abs() < 1e-9, "{saved_b} vs {want}");
    }

    #[test]
    fn fp8_is_faster_than_bf16_and_counts_its_casts() {
        let model = crate::model::preset("llama3-70b").expect("preset");
        let d = h100();
        let mut s8 = shape(&model, Precision::Fp8, true);
        let mut s16 = shape(&model, Precision::Bf16, true);
        s8.tp = 4;
        s16.tp = 4;
        let d16 = DeviceRates {
            peak: d.peak_wide,
            ..d
        };
        let t8 = stage_times(&s8, &d, 10, false, Recompute::None, TensorComm::default());
        let t16 = stage_times(
            &s16,
            &d16,
            10,
            false,
            Recompute::None,
            TensorComm::default(),
        );
        assert!(t8.total() < t16.total());
        // The casts: forward and backward bytes over the memory bandwidth.
        let (cf, cb) = fp8_cast_bytes(&s8);
        assert!(cf > Bytes::ZERO && cb > Bytes::ZERO);
        let mx = Shape {
            precision: Precision::Fp8Mx,
            ..s8
        };
        assert!(fp8_cast_bytes(&mx).0 < cf);
        assert_eq!(fp8_cast_bytes(&s16), (Bytes::ZERO, Bytes::ZERO));
        // Amax reductions: only with sequence parallelism over tp ranks.
        let tc = TensorComm {
            collective: Seconds(1e-3),
            amax: Seconds(1e-5),
        };
        let sp = Shape {
            sequence_parallel: true,
            ..s8
        };
        assert_eq!(tc.forward_per_layer(&s8), Seconds(2e-3));
        assert_eq!(tc.forward_per_layer(&sp), Seconds(2e-3) + Seconds(2e-5));
    }

    #[test]
    fn recompute_costs_order() {
        let model = crate::model::preset("gpt3-1.3b").expect("preset");
        let shape = Shape {
            model: &model,
            seq_len: 2048,
            microbatch: 2,
            tp: 1,
            sequence_parallel: false,
            precision: Precision::Bf16,
            flash_attention: false,
        };
        let d = DeviceRates {
            peak: FlopsPerSec::from_tflops(312.0),
            peak_wide: FlopsPerSec::from_tflops(312.0),
            mem_bw: BytesPerSec::from_gbyte_s(2039.0),
            cal: for_generation("ampere"),
        };
        let none = stage_times(&shape, &d, 24, true, Recompute::None, TensorComm::default());
        let sel = stage_times(
            &shape,
            &d,
            24,
            true,
            Recompute::Selective,
            TensorComm::default(),
        );
        let full = stage_times(&shape, &d, 24, true, Recompute::Full, TensorComm::default());
        assert_eq!(none.recompute, Seconds::ZERO);
        assert!(sel.recompute > Seconds::ZERO && sel.recompute < full.recompute);
        assert!(full.recompute < full.forward);
    }
}
