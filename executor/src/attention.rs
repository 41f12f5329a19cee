//! Shape, checks and the float32 CPU version of causal multi-head
//! self-attention's core, forward and backward: given `Q`, `K`, `V` of shape
//! `(batch, heads, seq, head_dim)`, row-major,
//! `O = softmax(Q Kᵀ / √head_dim, causal) · V`, where position `t` attends to
//! positions `0..=t`. [`crate::CpuBackend`] runs these; the GPU backend
//! shares the checks.
//!
//! The forward pass keeps one statistic per query row, the log-sum-exp
//! `lse = max + ln Σ exp(s − max)` of its scaled, masked scores `s`, so the
//! backward pass recomputes the probabilities as `exp(s − lse)`.

use crate::error::ExecError;
use crate::layers::check_len;

/// The shape of `Q`, `K`, `V` and `O`: `(batch, heads, seq, head_dim)`,
/// row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionShape {
    /// Sequences.
    pub batch: usize,
    /// Heads per sequence.
    pub heads: usize,
    /// Positions per sequence.
    pub seq: usize,
    /// The width of one head's query, key and value vectors (at least 1).
    pub head_dim: usize,
}

impl AttentionShape {
    /// Query rows: `batch · heads · seq` (and the length of the statistics).
    pub fn rows(&self) -> usize {
        self.batch * self.heads * self.seq
    }

    /// Elements of each of `Q`, `K`, `V`, `O` and their gradients.
    pub fn len(&self) -> usize {
        self.rows() * self.head_dim
    }

    /// Whether the tensors are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score scale `1 / √head_dim`.
    pub fn scale(&self) -> f32 {
        1.0 / (self.head_dim as f32).sqrt()
    }
}

/// Attention's output and the statistics its backward pass needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionOutput {
    /// `O`, `(batch, heads, seq, head_dim)`.
    pub o: Vec<f32>,
    /// Each query row's log-sum-exp of its scaled, masked scores,
    /// `(batch, heads, seq)`.
    pub lse: Vec<f32>,
}

/// Attention's gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionGrads {
    /// `dL/dQ`, shaped as `Q`.
    pub dq: Vec<f32>,
    /// `dL/dK`, shaped as `K`.
    pub dk: Vec<f32>,
    /// `dL/dV`, shaped as `V`.
    pub dv: Vec<f32>,
}

/// Checks the shape (a zero `head_dim` has no score scale) and the lengths
/// of `Q`, `K` and `V`.
pub(crate) fn check_qkv(
    kernel: &'static str,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    s: AttentionShape,
) -> Result<(), ExecError> {
    if s.head_dim == 0 {
        return Err(ExecError::InvalidInput {
            kernel,
            reason: "head_dim is 0".to_owned(),
        });
    }
    check_len(kernel, "q", q, s.len())?;
    check_len(kernel, "k", k, s.len())?;
    check_len(kernel, "v", v, s.len())
}

/// Checks the backward pass's inputs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_backward(
    kernel: &'static str,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    o: &[f32],
    lse: &[f32],
    d_o: &[f32],
    s: AttentionShape,
) -> Result<(), ExecError> {
    check_qkv(kernel, q, k, v, s)?;
    check_len(kernel, "o", o, s.len())?;
    check_len(kernel, "lse", lse, s.rows())?;
    check_len(kernel, "d_o", d_o, s.len())
}

/// `a · b` over one head's vectors.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Causal attention forward, float32 on the CPU: per query row, the scaled
/// scores' maximum, then the sum of `exp(s − max)`, then `O`.
pub fn attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    s: AttentionShape,
) -> Result<AttentionOutput, ExecError> {
    check_qkv("attention", q, k, v, s)?;
    let (n, d, scale) = (s.seq, s.head_dim, s.scale());
    let mut o = vec![0.0f32; s.len()];
    let mut lse = vec![0.0f32; s.rows()];
    let mut scores = vec![0.0f32; n];
    for g in 0..s.batch * s.heads {
        let base = g * n * d;
        for t in 0..n {
            let qt = &q[base + t * d..base + (t + 1) * d];
            for (j, sc) in scores[..=t].iter_mut().enumerate() {
                *sc = scale * dot(qt, &k[base + j * d..base + (j + 1) * d]);
            }
            let max = scores[..=t]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0f32;
            let out = &mut o[base + t * d..base + (t + 1) * d];
            for (j, &sc) in scores[..=t].iter().enumerate() {
                let p = (sc - max).exp();
                sum += p;
                for (x, &vj) in out.iter_mut().zip(&v[base + j * d..base + (j + 1) * d]) {
                    *x += p * vj;
                }
            }
            for x in out.iter_mut() {
                *x /= sum;
            }
            lse[g * n + t] = max + sum.ln();
        }
    }
    Ok(AttentionOutput { o, lse })
}

/// Causal attention backward, float32 on the CPU, from the forward pass's
/// inputs, output `o` and statistics `lse` and the output gradient `d_o`.
/// With `P = exp(S − lse)`, `Dᵢ = dOᵢ · Oᵢ` and
/// `dSᵢⱼ = Pᵢⱼ (dOᵢ · Vⱼ − Dᵢ)`: `dQ = dS K / √d`, `dK = dSᵀ Q / √d`,
/// `dV = Pᵀ dO`.
#[allow(clippy::too_many_arguments)]
pub fn attention_backward(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    o: &[f32],
    lse: &[f32],
    d_o: &[f32],
    s: AttentionShape,
) -> Result<AttentionGrads, ExecError> {
    check_backward("attention_backward", q, k, v, o, lse, d_o, s)?;
    let (n, d, scale) = (s.seq, s.head_dim, s.scale());
    let mut dq = vec![0.0f32; s.len()];
    let mut dk = vec![0.0f32; s.len()];
    let mut dv = vec![0.0f32; s.len()];
    for g in 0..s.batch * s.heads {
        let base = g * n * d;
        let at = |x: usize| base + x * d..base + (x + 1) * d;
        for i in 0..n {
            let di = dot(&d_o[at(i)], &o[at(i)]);
            for j in 0..=i {
                let p = (scale * dot(&q[at(i)], &k[at(j)]) - lse[g * n + i]).exp();
                let ds = p * (dot(&d_o[at(i)], &v[at(j)]) - di);
                for c in 0..d {
                    dq[base + i * d + c] += scale * ds * k[base + j * d + c];
                    dk[base + j * d + c] += scale * ds * q[base + i * d + c];
                    dv[base + j * d + c] += p * d_o[base + i * d + c];
                }
            }
        }
    }
    Ok(AttentionGrads { dq, dk, dv })
}
