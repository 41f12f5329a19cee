//! Shapes, checks and float32 CPU versions of the element-wise and
//! normalisation kernels: GELU, layer norm and token embedding, forward and
//! backward, as in GPT-2. [`crate::CpuBackend`] runs these; the GPU backend
//! shares the checks.

use crate::error::ExecError;

/// `√(2/π)`, the GELU tanh approximation's scale.
pub const GELU_SCALE: f32 = 0.797_884_6;
/// The cubic coefficient of the GELU tanh approximation.
pub const GELU_CUBIC: f32 = 0.044_715;
/// The `ε` added to the variance in layer norm.
pub const LAYER_NORM_EPS: f32 = 1e-5;

/// A row-major `rows × cols` matrix normalised over its last dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerNormShape {
    /// Rows, each normalised on its own.
    pub rows: usize,
    /// Columns: the normalised dimension, and the length of gain and bias.
    pub cols: usize,
}

/// Layer norm's output and the statistics its backward pass needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNormOutput {
    /// `(x − mean) · rstd · gain + bias`, `rows × cols`.
    pub y: Vec<f32>,
    /// Each row's mean, `rows`.
    pub mean: Vec<f32>,
    /// Each row's `1 / √(variance + ε)` (biased variance), `rows`.
    pub rstd: Vec<f32>,
}

/// Layer norm's gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNormGrads {
    /// `dL/dx`, `rows × cols`.
    pub dx: Vec<f32>,
    /// `dL/dgain`, `cols`.
    pub dgain: Vec<f32>,
    /// `dL/dbias`, `cols`.
    pub dbias: Vec<f32>,
}

/// Token and positional embedding: `batch × seq` token ids look up rows of
/// a `vocab × d` table, and row `s` of a `seq × d` positional table is added
/// at sequence position `s`. The output is `(batch · seq) × d`, row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedding {
    /// Rows of the token table.
    pub vocab: usize,
    /// Sequences.
    pub batch: usize,
    /// Tokens per sequence, and rows of the positional table.
    pub seq: usize,
    /// The embedding width.
    pub d: usize,
}

impl Embedding {
    /// Token ids: `batch · seq`.
    pub fn tokens(&self) -> usize {
        self.batch * self.seq
    }

    /// Elements of the output (and of its gradient): `batch · seq · d`.
    pub fn out_len(&self) -> usize {
        self.tokens() * self.d
    }
}

/// The embedding's gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingGrads {
    /// `dL/dtable`, `vocab × d`: each token's output gradient summed into
    /// its row; rows of unused ids are zero.
    pub dtable: Vec<f32>,
    /// `dL/dpos`, `seq × d`: the output gradient summed over the batch.
    pub dpos: Vec<f32>,
}

/// Checks that `x` has `expected` elements.
pub(crate) fn check_len(
    kernel: &'static str,
    operand: &'static str,
    x: &[impl Sized],
    expected: usize,
) -> Result<(), ExecError> {
    if x.len() != expected {
        return Err(ExecError::LengthMismatch {
            kernel,
            operand,
            expected,
            actual: x.len(),
        });
    }
    Ok(())
}

/// Checks the token ids' count and that each is below `vocab`.
pub(crate) fn check_tokens(
    kernel: &'static str,
    tokens: &[u32],
    s: Embedding,
) -> Result<(), ExecError> {
    check_len(kernel, "tokens", tokens, s.tokens())?;
    for (index, &id) in tokens.iter().enumerate() {
        if id as usize >= s.vocab {
            return Err(ExecError::TokenOutOfRange {
                index,
                id,
                vocab: s.vocab,
            });
        }
    }
    Ok(())
}

/// `σ(2u)` for the GELU inner argument `u` of `x`, which equals
/// `(1 + tanh u) / 2` without its cancellation for negative `x`; with
/// `du/dx`.
fn gelu_parts(x: f32) -> (f32, f32) {
    let u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    let du = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x);
    (1.0 / (1.0 + (-2.0 * u).exp()), du)
}

/// GELU, tanh approximation: `x · (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2`.
pub fn gelu(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&x| x * gelu_parts(x).0).collect()
}

/// `dL/dx = dy · GELU′(x)`.
pub fn gelu_backward(x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError> {
    check_len("gelu_backward", "dy", dy, x.len())?;
    Ok(x.iter()
        .zip(dy)
        .map(|(&x, &dy)| {
            let (s, du) = gelu_parts(x);
            dy * (s + x * 2.0 * du * s * (1.0 - s))
        })
        .collect())
}

/// Layer norm forward over each row (see [`LayerNormOutput`]).
pub fn layer_norm(
    x: &[f32],
    gain: &[f32],
    bias: &[f32],
    s: LayerNormShape,
) -> Result<LayerNormOutput, ExecError> {
    const K: &str = "layer_norm";
    check_len(K, "x", x, s.rows * s.cols)?;
    check_len(K, "gain", gain, s.cols)?;
    check_len(K, "bias", bias, s.cols)?;
    let mut out = LayerNormOutput {
        y: vec![0.0; x.len()],
        mean: Vec::with_capacity(s.rows),
        rstd: Vec::with_capacity(s.rows),
    };
    if s.cols == 0 {
        return Ok(out);
    }
    for (row, y) in x.chunks_exact(s.cols).zip(out.y.chunks_exact_mut(s.cols)) {
        let n = s.cols as f32;
        let mean = row.iter().sum::<f32>() / n;
        let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let rstd = 1.0 / (var + LAYER_NORM_EPS).sqrt();
        for (j, y) in y.iter_mut().enumerate() {
            *y = (row[j] - mean) * rstd * gain[j] + bias[j];
        }
        out.mean.push(mean);
        out.rstd.push(rstd);
    }
    Ok(out)
}

/// Layer norm backward, from the input, the gain, the forward pass's `mean`
/// and `rstd`, and `dy`.
pub fn layer_norm_backward(
    x: &[f32],
    gain: &[f32],
    mean: &[f32],
    rstd: &[f32],
    dy: &[f32],
    s: LayerNormShape,
) -> Result<LayerNormGrads, ExecError> {
    const K: &str = "layer_norm_backward";
    check_len(K, "x", x, s.rows * s.cols)?;
    check_len(K, "gain", gain, s.cols)?;
    check_len(K, "mean", mean, s.rows)?;
    check_len(K, "rstd", rstd, s.rows)?;
    check_len(K, "dy", dy, s.rows * s.cols)?;
    let mut g = LayerNormGrads {
        dx: vec![0.0; x.len()],
        dgain: vec![0.0; s.cols],
        dbias: vec![0.0; s.cols],
    };
    if s.cols == 0 {
        return Ok(g);
    }
    let n = s.cols as f32;
    for r in 0..s.rows {
        let span = r * s.cols..(r + 1) * s.cols;
        let (x, dy) = (&x[span.clone()], &dy[span.clone()]);
        let xhat = |j: usize| (x[j] - mean[r]) * rstd[r];
        let (mut mean_g, mut mean_gx) = (0.0f32, 0.0f32);
        for j in 0..s.cols {
            let dxhat = dy[j] * gain[j];
            mean_g += dxhat;
            mean_gx += dxhat * xhat(j);
            g.dgain[j] += dy[j] * xhat(j);
            g.dbias[j] += dy[j];
        }
        mean_g /= n;
        mean_gx /= n;
        for (j, dx) in g.dx[span].iter_mut().enumerate() {
            *dx = rstd[r] * (dy[j] * gain[j] - mean_g - xhat(j) * mean_gx);
        }
    }
    Ok(g)
}

/// Token embedding forward (see [`Embedding`]).
pub fn embedding(
    tokens: &[u32],
    table: &[f32],
    pos: &[f32],
    s: Embedding,
) -> Result<Vec<f32>, ExecError> {
    const K: &str = "embedding";
    check_tokens(K, tokens, s)?;
    check_len(K, "table", table, s.vocab * s.d)?;
    check_len(K, "pos", pos, s.seq * s.d)?;
    let mut y = Vec::with_capacity(s.out_len());
    for (t, &id) in tokens.iter().enumerate() {
        let row = &table[id as usize * s.d..][..s.d];
        let p = &pos[(t % s.seq) * s.d..][..s.d];
        y.extend(row.iter().zip(p).map(|(a, b)| a + b));
    }
    Ok(y)
}

/// Token embedding backward: sums each token's rows of `dy` into the table
/// and positional gradients, in token order.
pub fn embedding_backward(
    tokens: &[u32],
    dy: &[f32],
    s: Embedding,
) -> Result<EmbeddingGrads, ExecError> {
    const K: &str = "embedding_backward";
    check_tokens(K, tokens, s)?;
    check_len(K, "dy", dy, s.out_len())?;
    let mut g = EmbeddingGrads {
        dtable: vec![0.0; s.vocab * s.d],
        dpos: vec![0.0; s.seq * s.d],
    };
    if s.d == 0 {
        return Ok(g);
    }
    for (t, (&id, dy)) in tokens.iter().zip(dy.chunks_exact(s.d)).enumerate() {
        let row = &mut g.dtable[id as usize * s.d..][..s.d];
        row.iter_mut().zip(dy).for_each(|(a, b)| *a += b);
        let p = &mut g.dpos[(t % s.seq) * s.d..][..s.d];
        p.iter_mut().zip(dy).for_each(|(a, b)| *a += b);
    }
    Ok(g)
}
