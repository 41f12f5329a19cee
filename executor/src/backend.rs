//! The [`Backend`] trait the kernels run through, its shape type, and the
//! CPU reference backend.

use crate::error::ExecError;
// --- element-wise and normalisation kernels (k1) ---
use crate::layers::{
    self, Embedding, EmbeddingGrads, LayerNormGrads, LayerNormOutput, LayerNormShape,
};
use crate::training::{AdamW, check_adamw, check_cross_entropy, check_weighted_sum};
// --- attention (attn) ---
use crate::attention::{self, AttentionGrads, AttentionOutput, AttentionShape};

/// The shape of one matrix product `C = op(A) · op(B)`, all row-major.
///
/// `C` is `m × n` and the contraction runs over `k`. Without transposes `A`
/// is stored `m × k` and `B` is stored `k × n`; with `trans_a` `A` is stored
/// `k × m` and used transposed, with `trans_b` `B` is stored `n × k`.
///
/// The two backward products of a layer `Y = X · W` (`X` is `m × k`, `W` is
/// `k × n`, `G = dL/dY` is `m × n`) are
/// [`Matmul::grad_rhs`] (`dW = Xᵀ · G`) and [`Matmul::grad_lhs`]
/// (`dX = G · Wᵀ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matmul {
    /// Rows of `C`.
    pub m: usize,
    /// The contracted dimension.
    pub k: usize,
    /// Columns of `C`.
    pub n: usize,
    /// `A` is stored `k × m` and used transposed.
    pub trans_a: bool,
    /// `B` is stored `n × k` and used transposed.
    pub trans_b: bool,
}

impl Matmul {
    /// The forward product `A · B`: `A` is `m × k`, `B` is `k × n`.
    pub fn forward(m: usize, k: usize, n: usize) -> Self {
        Matmul {
            m,
            k,
            n,
            trans_a: false,
            trans_b: false,
        }
    }

    /// For `Y = X · W` with `X` `m × k` and `W` `k × n`: the weight gradient
    /// `dW = Xᵀ · G` (`k × n`), with `X` and `G` (`m × n`) as stored.
    pub fn grad_rhs(m: usize, k: usize, n: usize) -> Self {
        Matmul {
            m: k,
            k: m,
            n,
            trans_a: true,
            trans_b: false,
        }
    }

    /// For `Y = X · W` with `X` `m × k` and `W` `k × n`: the input gradient
    /// `dX = G · Wᵀ` (`m × k`), with `G` (`m × n`) and `W` as stored.
    pub fn grad_lhs(m: usize, k: usize, n: usize) -> Self {
        Matmul {
            m,
            k: n,
            n: k,
            trans_a: false,
            trans_b: true,
        }
    }

    /// Elements of `A`.
    pub fn a_len(&self) -> usize {
        self.m * self.k
    }

    /// Elements of `B`.
    pub fn b_len(&self) -> usize {
        self.k * self.n
    }

    /// Elements of `C`.
    pub fn c_len(&self) -> usize {
        self.m * self.n
    }

    /// Floating-point operations of the product (a multiply and an add per
    /// term).
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.k as f64 * self.n as f64
    }

    /// Index of `op(A)[i, p]` in `A`'s storage.
    pub fn a_index(&self, i: usize, p: usize) -> usize {
        if self.trans_a {
            p * self.m + i
        } else {
            i * self.k + p
        }
    }

    /// Index of `op(B)[p, j]` in `B`'s storage.
    pub fn b_index(&self, p: usize, j: usize) -> usize {
        if self.trans_b {
            j * self.k + p
        } else {
            p * self.n + j
        }
    }

    /// Checks the operands' lengths against the shape.
    pub fn check(&self, a: &[f32], b: &[f32]) -> Result<(), ExecError> {
        if a.len() != self.a_len() {
            return Err(ExecError::ShapeMismatch {
                operand: "a",
                expected: self.a_len(),
                actual: a.len(),
            });
        }
        if b.len() != self.b_len() {
            return Err(ExecError::ShapeMismatch {
                operand: "b",
                expected: self.b_len(),
                actual: b.len(),
            });
        }
        Ok(())
    }
}

/// Where the kernels run. One test suite is stamped for every backend.
pub trait Backend {
    /// A short name for messages and reports, e.g. `cpu` or the adapter's
    /// name.
    fn name(&self) -> String;

    /// `C = op(A) · op(B)` (see [`Matmul`]), row-major `m × n`.
    fn matmul(&self, a: &[f32], b: &[f32], shape: Matmul) -> Result<Vec<f32>, ExecError>;

    // --- element-wise and normalisation kernels (k1) ---

    /// GELU, tanh approximation (as GPT-2), element-wise.
    fn gelu(&self, x: &[f32]) -> Result<Vec<f32>, ExecError>;

    /// GELU's backward pass: `dL/dx = dy · GELU′(x)`, element-wise.
    fn gelu_backward(&self, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError>;

    /// Layer norm over the last dimension of a `rows × cols` matrix, with
    /// learned `gain` and `bias` (`cols` each) and `ε =`
    /// [`LAYER_NORM_EPS`](crate::layers::LAYER_NORM_EPS); returns the row statistics for the backward pass.
    fn layer_norm(
        &self,
        x: &[f32],
        gain: &[f32],
        bias: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormOutput, ExecError>;

    /// Layer norm's backward pass, from the forward pass's input, gain and
    /// row statistics and the output gradient `dy`.
    fn layer_norm_backward(
        &self,
        x: &[f32],
        gain: &[f32],
        mean: &[f32],
        rstd: &[f32],
        dy: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormGrads, ExecError>;

    /// Token embedding plus positional embedding (see [`Embedding`]).
    fn embedding(
        &self,
        tokens: &[u32],
        table: &[f32],
        pos: &[f32],
        shape: Embedding,
    ) -> Result<Vec<f32>, ExecError>;

    /// The embedding's backward pass: the table and positional gradients,
    /// summed deterministically (in token order, without atomics).
    fn embedding_backward(
        &self,
        tokens: &[u32],
        dy: &[f32],
        shape: Embedding,
    ) -> Result<EmbeddingGrads, ExecError>;

    // --- loss, optimiser and gradient-combination kernels (k2) ---

    /// Mean softmax cross-entropy over rows: `logits` is row-major
    /// `rows × vocab` with `rows = targets.len()`, and row `r`'s loss is
    /// `ln Σⱼ exp(x[r, j]) − x[r, targets[r]]`, computed with the row's
    /// maximum subtracted so it cannot overflow.
    fn cross_entropy_loss(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<f32, ExecError>;

    /// The gradient of [`Backend::cross_entropy_loss`] with respect to the
    /// logits: `(softmax(x[r]) − onehot(targets[r])) / rows`, `rows × vocab`.
    fn cross_entropy_grad(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<Vec<f32>, ExecError>;

    /// One AdamW step `step` (from 1; see [`AdamW`]) on `params` with
    /// `grads`, updating `params` and the moments `m` and `v` in place.
    fn adamw_step(
        &self,
        params: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grads: &[f32],
        hp: &AdamW,
        step: u64,
    ) -> Result<(), ExecError>;

    /// `Σᵢ weights[i]·grads[i]` element-wise, summed in order of ascending
    /// `i`: the share-weighted combination of workers' gradients (the
    /// weights are the plan's `lr_share`, which sum to 1; that is not
    /// checked).
    fn weighted_sum(&self, grads: &[&[f32]], weights: &[f32]) -> Result<Vec<f32>, ExecError>;
    // --- attention (attn) ---

    /// Causal multi-head self-attention's core (see [`AttentionShape`]):
    /// `O = softmax(Q Kᵀ / √head_dim) · V` with position `t` attending to
    /// `0..=t`, computed with each row's maximum score subtracted; returns
    /// `O` and each query row's log-sum-exp for the backward pass.
    fn attention(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionOutput, ExecError>;

    /// Attention's backward pass, from the forward pass's inputs, output `o`
    /// and log-sum-exp `lse` and the output gradient `d_o`: `dQ`, `dK` and
    /// `dV`, summed deterministically (without atomics).
    #[allow(clippy::too_many_arguments)]
    fn attention_backward(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        o: &[f32],
        lse: &[f32],
        d_o: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionGrads, ExecError>;
}

/// The reference backend: plain float32 loops on the CPU.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuBackend;

impl Backend for CpuBackend {
    fn name(&self) -> String {
        "cpu".to_owned()
    }

    fn matmul(&self, a: &[f32], b: &[f32], s: Matmul) -> Result<Vec<f32>, ExecError> {
        s.check(a, b)?;
        let mut c = vec![0.0f32; s.c_len()];
        if s.trans_b && !s.trans_a {
            // Rows of A against rows of B: both contiguous, the same terms
            // summed in the same order (p ascending) as below.
            for (i, row) in c.chunks_exact_mut(s.n.max(1)).enumerate().take(s.m) {
                let a_row = &a[i * s.k..(i + 1) * s.k];
                for (j, out) in row.iter_mut().enumerate() {
                    let b_row = &b[j * s.k..(j + 1) * s.k];
                    let mut acc = 0.0f32;
                    for (x, y) in a_row.iter().zip(b_row) {
                        acc += x * y;
                    }
                    *out = acc;
                }
            }
            return Ok(c);
        }
        for i in 0..s.m {
            for p in 0..s.k {
                let x = a[s.a_index(i, p)];
                let row = &mut c[i * s.n..(i + 1) * s.n];
                for (j, out) in row.iter_mut().enumerate() {
                    *out += x * b[s.b_index(p, j)];
                }
            }
        }
        Ok(c)
    }

    // --- element-wise and normalisation kernels (k1) ---

    fn gelu(&self, x: &[f32]) -> Result<Vec<f32>, ExecError> {
        Ok(layers::gelu(x))
    }

    fn gelu_backward(&self, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError> {
        layers::gelu_backward(x, dy)
    }

    fn layer_norm(
        &self,
        x: &[f32],
        gain: &[f32],
        bias: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormOutput, ExecError> {
        layers::layer_norm(x, gain, bias, shape)
    }

    fn layer_norm_backward(
        &self,
        x: &[f32],
        gain: &[f32],
        mean: &[f32],
        rstd: &[f32],
        dy: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormGrads, ExecError> {
        layers::layer_norm_backward(x, gain, mean, rstd, dy, shape)
    }

    fn embedding(
        &self,
        tokens: &[u32],
        table: &[f32],
        pos: &[f32],
        shape: Embedding,
    ) -> Result<Vec<f32>, ExecError> {
        layers::embedding(tokens, table, pos, shape)
    }

    fn embedding_backward(
        &self,
        tokens: &[u32],
        dy: &[f32],
        shape: Embedding,
    ) -> Result<EmbeddingGrads, ExecError> {
        layers::embedding_backward(tokens, dy, shape)
    }

    // --- loss, optimiser and gradient-combination kernels (k2) ---

    fn cross_entropy_loss(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<f32, ExecError> {
        let rows = check_cross_entropy(logits, targets, vocab)?;
        let mut total = 0.0f32;
        for (row, &t) in logits.chunks_exact(vocab).zip(targets) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = row.iter().map(|&x| (x - max).exp()).sum();
            total += sum.ln() + max - row[t as usize];
        }
        Ok(total / rows as f32)
    }

    fn cross_entropy_grad(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<Vec<f32>, ExecError> {
        let rows = check_cross_entropy(logits, targets, vocab)?;
        let scale = 1.0 / rows as f32;
        let mut grad = Vec::with_capacity(logits.len());
        for (row, &t) in logits.chunks_exact(vocab).zip(targets) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = row.iter().map(|&x| (x - max).exp()).sum();
            for (j, &x) in row.iter().enumerate() {
                let hot = if j == t as usize { 1.0 } else { 0.0 };
                grad.push(((x - max).exp() / sum - hot) * scale);
            }
        }
        Ok(grad)
    }

    fn adamw_step(
        &self,
        params: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grads: &[f32],
        hp: &AdamW,
        step: u64,
    ) -> Result<(), ExecError> {
        check_adamw(params, m, v, grads, step)?;
        let (c1, c2) = hp.bias_corrections(step);
        for (((p, m), v), &g) in params.iter_mut().zip(m).zip(v).zip(grads) {
            *m = hp.beta1 * *m + (1.0 - hp.beta1) * g;
            *v = hp.beta2 * *v + (1.0 - hp.beta2) * g * g;
            let m_hat = *m / c1;
            let v_hat = *v / c2;
            *p -= hp.lr * (m_hat / (v_hat.sqrt() + hp.eps) + hp.weight_decay * *p);
        }
        Ok(())
    }

    fn weighted_sum(&self, grads: &[&[f32]], weights: &[f32]) -> Result<Vec<f32>, ExecError> {
        let len = check_weighted_sum(grads, weights)?;
        let mut out = vec![0.0f32; len];
        for (g, &w) in grads.iter().zip(weights) {
            for (o, &x) in out.iter_mut().zip(g.iter()) {
                *o += w * x;
            }
        }
        Ok(out)
    }

    // --- attention (attn) ---

    fn attention(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionOutput, ExecError> {
        attention::attention(q, k, v, shape)
    }

    fn attention_backward(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        o: &[f32],
        lse: &[f32],
        d_o: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionGrads, ExecError> {
        attention::attention_backward(q, k, v, o, lse, d_o, shape)
    }
}
