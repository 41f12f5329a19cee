//! The executor's model: a small GPT-2-style decoder-only transformer
//! (pre-layer-norm blocks, learned positions, GELU MLP, no biases in the
//! linear layers, output head tied to the token embedding or not), float32,
//! trained as a byte-level language model. Every kernel runs through a
//! [`Backend`]; the little glue between kernels (residual adds, splitting
//! the fused QKV product into heads) is done on the host.
//!
//! Parameters live in one flat `Vec<f32>` laid out by [`ParamLayout`], so the
//! optimiser, the gradient all-reduce and checkpoints each handle a single
//! buffer.
//!
//! ```text
//! tokens ─embedding─► x ─┬─[layer_norm─► QKV ─► attention ─► proj]─(+)─┬─[layer_norm─► fc1 ─► gelu ─► fc2]─(+)─► … ─► layer_norm ─► head ─► cross-entropy
//!                        └──────────────── residual ─────────────────┘└────────────── residual ───────────┘
//! ```
//!
//! ```
//! use cirrus_executor::{CpuBackend, data::Dataset, model::{Model, ModelConfig}};
//!
//! let cfg = ModelConfig { layers: 1, hidden: 16, heads: 2, ffn_hidden: 32, vocab: 256, seq_len: 8, tied_embeddings: false };
//! let model = Model::new(cfg)?;
//! let params = model.init(1);
//! let batch = Dataset::embedded(1)?.batch(0, 2, 8)?;
//! let (loss, grads) = model.loss_and_grads(&CpuBackend, &params, &batch.inputs, &batch.targets)?;
//! assert!((loss - 256f32.ln()).abs() < 0.5); // near-uniform predictions at the start
//! assert_eq!(grads.len(), params.len());
//! # Ok::<(), cirrus_executor::ExecError>(())
//! ```

use std::ops::Range;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::attention::AttentionShape;
use crate::backend::{Backend, Matmul};
use crate::error::ExecError;
use crate::layers::{Embedding, LayerNormOutput, LayerNormShape};

/// The model's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelConfig {
    /// Transformer blocks.
    pub layers: usize,
    /// Model width `d`.
    pub hidden: usize,
    /// Attention heads (`hidden` must be a multiple).
    pub heads: usize,
    /// MLP inner width.
    pub ffn_hidden: usize,
    /// Vocabulary size (256 for bytes).
    pub vocab: usize,
    /// Tokens per sequence (rows of the positional table).
    pub seq_len: usize,
    /// Whether the output head reuses the token embedding (transposed).
    pub tied_embeddings: bool,
}

impl ModelConfig {
    /// The executor's model for a simulator model description, or why the
    /// executor cannot run it (it runs GPT-style models only: learned
    /// positions, ungated MLP, one key/value head per query head).
    pub fn from_spec(
        spec: &cirrus_sim::model::TransformerSpec,
        seq_len: u32,
    ) -> Result<Self, ExecError> {
        let refuse = |reason: String| Err(ExecError::Config { reason });
        if spec.gated_mlp {
            return refuse(format!(
                "model `{}` has a gated (SwiGLU) MLP; the executor runs GPT-style models with an ungated GELU MLP only",
                spec.name
            ));
        }
        if spec.kv_heads != spec.heads {
            return refuse(format!(
                "model `{}` uses grouped-query attention ({} key/value heads for {} heads); the executor runs multi-head attention only",
                spec.name, spec.kv_heads, spec.heads
            ));
        }
        if spec.max_positions < seq_len {
            return refuse(format!(
                "model `{}` has {} learned positions (0 means rotary), fewer than seq_len {seq_len}; the executor needs learned positions for every token",
                spec.name, spec.max_positions
            ));
        }
        let cfg = ModelConfig {
            layers: spec.layers as usize,
            hidden: spec.hidden as usize,
            heads: spec.heads as usize,
            ffn_hidden: spec.ffn_hidden as usize,
            vocab: spec.vocab as usize,
            seq_len: seq_len as usize,
            tied_embeddings: spec.tied_embeddings,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Checks that the shape is usable.
    pub fn check(&self) -> Result<(), ExecError> {
        let fail = |reason: String| Err(ExecError::Config { reason });
        for (key, v) in [
            ("layers", self.layers),
            ("hidden", self.hidden),
            ("heads", self.heads),
            ("ffn_hidden", self.ffn_hidden),
            ("vocab", self.vocab),
            ("seq_len", self.seq_len),
        ] {
            if v == 0 {
                return fail(format!("model `{key}` is 0; it must be at least 1"));
            }
        }
        if !self.hidden.is_multiple_of(self.heads) {
            return fail(format!(
                "model `hidden` {} is not a multiple of `heads` {}",
                self.hidden, self.heads
            ));
        }
        Ok(())
    }

    /// The width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden / self.heads
    }

    /// Floating-point operations of one training step (forward and backward,
    /// matrix products and attention scores) per token, as counted by
    /// `6 · (matrix parameters) + 6 · layers · seq · hidden` (causal
    /// attention does half of the square).
    pub fn flops_per_token(&self) -> f64 {
        let (d, f, v) = (
            self.hidden as f64,
            self.ffn_hidden as f64,
            self.vocab as f64,
        );
        let matrices = self.layers as f64 * (4.0 * d * d + 2.0 * d * f) + d * v;
        6.0 * matrices + 6.0 * self.layers as f64 * self.seq_len as f64 * d
    }
}

/// Where one block's tensors lie in the flat parameter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockLayout {
    /// First layer norm's gain, `hidden`.
    pub ln1_gain: Range<usize>,
    /// First layer norm's bias, `hidden`.
    pub ln1_bias: Range<usize>,
    /// Fused query/key/value projection, `hidden × 3·hidden`.
    pub w_qkv: Range<usize>,
    /// Attention output projection, `hidden × hidden`.
    pub w_proj: Range<usize>,
    /// Second layer norm's gain, `hidden`.
    pub ln2_gain: Range<usize>,
    /// Second layer norm's bias, `hidden`.
    pub ln2_bias: Range<usize>,
    /// MLP up-projection, `hidden × ffn_hidden`.
    pub w_fc1: Range<usize>,
    /// MLP down-projection, `ffn_hidden × hidden`.
    pub w_fc2: Range<usize>,
}

/// Where every tensor lies in the flat parameter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamLayout {
    /// Token embedding, `vocab × hidden`.
    pub token_embedding: Range<usize>,
    /// Positional embedding, `seq_len × hidden`.
    pub position_embedding: Range<usize>,
    /// The blocks, in order.
    pub blocks: Vec<BlockLayout>,
    /// Final layer norm's gain, `hidden`.
    pub final_gain: Range<usize>,
    /// Final layer norm's bias, `hidden`.
    pub final_bias: Range<usize>,
    /// Output head, `hidden × vocab` (absent when tied).
    pub head: Option<Range<usize>>,
    /// Total parameters.
    pub len: usize,
}

impl ParamLayout {
    /// The layout of `cfg`.
    pub fn of(cfg: &ModelConfig) -> Self {
        let mut at = 0;
        let mut take = |n: usize| {
            let r = at..at + n;
            at += n;
            r
        };
        let (d, f) = (cfg.hidden, cfg.ffn_hidden);
        let token_embedding = take(cfg.vocab * d);
        let position_embedding = take(cfg.seq_len * d);
        let blocks = (0..cfg.layers)
            .map(|_| BlockLayout {
                ln1_gain: take(d),
                ln1_bias: take(d),
                w_qkv: take(d * 3 * d),
                w_proj: take(d * d),
                ln2_gain: take(d),
                ln2_bias: take(d),
                w_fc1: take(d * f),
                w_fc2: take(f * d),
            })
            .collect();
        let final_gain = take(d);
        let final_bias = take(d);
        let head = (!cfg.tied_embeddings).then(|| take(d * cfg.vocab));
        ParamLayout {
            token_embedding,
            position_embedding,
            blocks,
            final_gain,
            final_bias,
            head,
            len: at,
        }
    }
}

/// A model: its shape and parameter layout. Parameters are passed in, so
/// one `Model` serves every worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    cfg: ModelConfig,
    layout: ParamLayout,
}

/// What the forward pass keeps of one block for the backward pass.
struct BlockCache {
    x_in: Vec<f32>,
    ln1: LayerNormOutput,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    o: Vec<f32>,
    lse: Vec<f32>,
    attn: Vec<f32>,
    x_mid: Vec<f32>,
    ln2: LayerNormOutput,
    h: Vec<f32>,
    g: Vec<f32>,
}

/// The forward pass's result.
struct Forward {
    blocks: Vec<BlockCache>,
    x_out: Vec<f32>,
    ln_f: LayerNormOutput,
    logits: Vec<f32>,
}

impl Model {
    /// A model of shape `cfg`.
    pub fn new(cfg: ModelConfig) -> Result<Self, ExecError> {
        cfg.check()?;
        Ok(Model {
            layout: ParamLayout::of(&cfg),
            cfg,
        })
    }

    /// The shape.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The parameter layout.
    pub fn layout(&self) -> &ParamLayout {
        &self.layout
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        self.layout.len
    }

    /// GPT-2's initialisation from `seed`: matrices and embeddings normal
    /// with standard deviation 0.02 (the residual projections `w_proj` and
    /// `w_fc2` scaled by `1/√(2·layers)`), layer-norm gains 1 and biases 0.
    pub fn init(&self, seed: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut p = vec![0.0f32; self.layout.len];
        let residual = 0.02 / (2.0 * self.cfg.layers as f64).sqrt();
        let mut normal = |r: &Range<usize>, std: f64, p: &mut [f32]| {
            for x in &mut p[r.clone()] {
                // Box–Muller.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                *x = (z * std) as f32;
            }
        };
        let l = &self.layout;
        normal(&l.token_embedding, 0.02, &mut p);
        normal(&l.position_embedding, 0.01, &mut p);
        for b in &l.blocks {
            p[b.ln1_gain.clone()].fill(1.0);
            p[b.ln2_gain.clone()].fill(1.0);
            normal(&b.w_qkv, 0.02, &mut p);
            normal(&b.w_proj, residual, &mut p);
            normal(&b.w_fc1, 0.02, &mut p);
            normal(&b.w_fc2, residual, &mut p);
        }
        p[l.final_gain.clone()].fill(1.0);
        if let Some(h) = &l.head {
            normal(h, 0.02, &mut p);
        }
        p
    }

    /// Rows (sequences) of a token buffer, checked against the shape.
    fn rows(&self, params: &[f32], tokens: &[u32], targets: &[u32]) -> Result<usize, ExecError> {
        let fail = |reason: String| Err(ExecError::Config { reason });
        if params.len() != self.layout.len {
            return fail(format!(
                "the parameter buffer has {} values, the model has {}",
                params.len(),
                self.layout.len
            ));
        }
        if tokens.len() != targets.len() || !tokens.len().is_multiple_of(self.cfg.seq_len) {
            return fail(format!(
                "{} input and {} target tokens are not whole sequences of {}",
                tokens.len(),
                targets.len(),
                self.cfg.seq_len
            ));
        }
        Ok(tokens.len() / self.cfg.seq_len)
    }

    fn attention_shape(&self, rows: usize) -> AttentionShape {
        AttentionShape {
            batch: rows,
            heads: self.cfg.heads,
            seq: self.cfg.seq_len,
            head_dim: self.cfg.head_dim(),
        }
    }

    /// The forward pass up to the logits.
    fn forward(
        &self,
        be: &dyn Backend,
        p: &[f32],
        tokens: &[u32],
        rows: usize,
    ) -> Result<Forward, ExecError> {
        let c = &self.cfg;
        let (d, f, t) = (c.hidden, c.ffn_hidden, c.seq_len);
        let n = rows * t;
        let ln_shape = LayerNormShape { rows: n, cols: d };
        let l = &self.layout;
        let mut x = be.embedding(
            tokens,
            &p[l.token_embedding.clone()],
            &p[l.position_embedding.clone()],
            Embedding {
                vocab: c.vocab,
                batch: rows,
                seq: t,
                d,
            },
        )?;
        let mut blocks = Vec::with_capacity(c.layers);
        for b in &l.blocks {
            let ln1 =
                be.layer_norm(&x, &p[b.ln1_gain.clone()], &p[b.ln1_bias.clone()], ln_shape)?;
            let qkv = be.matmul(&ln1.y, &p[b.w_qkv.clone()], Matmul::forward(n, d, 3 * d))?;
            let [q, k, v] = split_heads(&qkv, rows, t, c.heads, d);
            let att = be.attention(&q, &k, &v, self.attention_shape(rows))?;
            let attn = merge_heads(&att.o, rows, t, c.heads, d);
            let proj = be.matmul(&attn, &p[b.w_proj.clone()], Matmul::forward(n, d, d))?;
            let x_mid = add(&x, &proj);
            let ln2 = be.layer_norm(
                &x_mid,
                &p[b.ln2_gain.clone()],
                &p[b.ln2_bias.clone()],
                ln_shape,
            )?;
            let h = be.matmul(&ln2.y, &p[b.w_fc1.clone()], Matmul::forward(n, d, f))?;
            let g = be.gelu(&h)?;
            let m = be.matmul(&g, &p[b.w_fc2.clone()], Matmul::forward(n, f, d))?;
            let x_out = add(&x_mid, &m);
            blocks.push(BlockCache {
                x_in: std::mem::replace(&mut x, x_out),
                ln1,
                q,
                k,
                v,
                o: att.o,
                lse: att.lse,
                attn,
                x_mid,
                ln2,
                h,
                g,
            });
        }
        let ln_f = be.layer_norm(
            &x,
            &p[l.final_gain.clone()],
            &p[l.final_bias.clone()],
            ln_shape,
        )?;
        let logits = match &l.head {
            Some(h) => be.matmul(&ln_f.y, &p[h.clone()], Matmul::forward(n, d, c.vocab))?,
            None => be.matmul(
                &ln_f.y,
                &p[l.token_embedding.clone()],
                Matmul {
                    trans_b: true,
                    ..Matmul::forward(n, d, c.vocab)
                },
            )?,
        };
        Ok(Forward {
            blocks,
            x_out: x,
            ln_f,
            logits,
        })
    }

    /// Mean cross-entropy of predicting `targets` from `tokens` (whole
    /// sequences of `seq_len`), forward pass only.
    pub fn loss(
        &self,
        be: &dyn Backend,
        params: &[f32],
        tokens: &[u32],
        targets: &[u32],
    ) -> Result<f32, ExecError> {
        let rows = self.rows(params, tokens, targets)?;
        let fw = self.forward(be, params, tokens, rows)?;
        be.cross_entropy_loss(&fw.logits, targets, self.cfg.vocab)
    }

    /// The mean cross-entropy and its gradient with respect to every
    /// parameter (laid out as the parameters).
    pub fn loss_and_grads(
        &self,
        be: &dyn Backend,
        p: &[f32],
        tokens: &[u32],
        targets: &[u32],
    ) -> Result<(f32, Vec<f32>), ExecError> {
        let rows = self.rows(p, tokens, targets)?;
        let c = &self.cfg;
        let (d, f, t, vocab) = (c.hidden, c.ffn_hidden, c.seq_len, c.vocab);
        let n = rows * t;
        let ln_shape = LayerNormShape { rows: n, cols: d };
        let l = &self.layout;
        let fw = self.forward(be, p, tokens, rows)?;
        let loss = be.cross_entropy_loss(&fw.logits, targets, vocab)?;
        let dlogits = be.cross_entropy_grad(&fw.logits, targets, vocab)?;
        let mut grads = vec![0.0f32; l.len];

        // Output head.
        let dln_f = match &l.head {
            Some(h) => {
                let dw = be.matmul(&fw.ln_f.y, &dlogits, Matmul::grad_rhs(n, d, vocab))?;
                grads[h.clone()].copy_from_slice(&dw);
                be.matmul(&dlogits, &p[h.clone()], Matmul::grad_lhs(n, d, vocab))?
            }
            None => {
                // logits = y · Eᵀ: dE = dlogitsᵀ · y, dy = dlogits · E.
                let de = be.matmul(&dlogits, &fw.ln_f.y, Matmul::grad_rhs(n, vocab, d))?;
                accumulate(&mut grads[l.token_embedding.clone()], &de);
                be.matmul(
                    &dlogits,
                    &p[l.token_embedding.clone()],
                    Matmul::forward(n, vocab, d),
                )?
            }
        };
        let lnf = be.layer_norm_backward(
            &fw.x_out,
            &p[l.final_gain.clone()],
            &fw.ln_f.mean,
            &fw.ln_f.rstd,
            &dln_f,
            ln_shape,
        )?;
        grads[l.final_gain.clone()].copy_from_slice(&lnf.dgain);
        grads[l.final_bias.clone()].copy_from_slice(&lnf.dbias);
        let mut dx = lnf.dx;

        for (b, cache) in l.blocks.iter().zip(&fw.blocks).rev() {
            // MLP: x_out = x_mid + fc2(gelu(fc1(ln2(x_mid)))).
            let dw2 = be.matmul(&cache.g, &dx, Matmul::grad_rhs(n, f, d))?;
            grads[b.w_fc2.clone()].copy_from_slice(&dw2);
            let dg = be.matmul(&dx, &p[b.w_fc2.clone()], Matmul::grad_lhs(n, f, d))?;
            let dh = be.gelu_backward(&cache.h, &dg)?;
            let dw1 = be.matmul(&cache.ln2.y, &dh, Matmul::grad_rhs(n, d, f))?;
            grads[b.w_fc1.clone()].copy_from_slice(&dw1);
            let dln2 = be.matmul(&dh, &p[b.w_fc1.clone()], Matmul::grad_lhs(n, d, f))?;
            let ln2 = be.layer_norm_backward(
                &cache.x_mid,
                &p[b.ln2_gain.clone()],
                &cache.ln2.mean,
                &cache.ln2.rstd,
                &dln2,
                ln_shape,
            )?;
            grads[b.ln2_gain.clone()].copy_from_slice(&ln2.dgain);
            grads[b.ln2_bias.clone()].copy_from_slice(&ln2.dbias);
            accumulate(&mut dx, &ln2.dx);

            // Attention: x_mid = x_in + proj(attention(qkv(ln1(x_in)))).
            let dwp = be.matmul(&cache.attn, &dx, Matmul::grad_rhs(n, d, d))?;
            grads[b.w_proj.clone()].copy_from_slice(&dwp);
            let dattn = be.matmul(&dx, &p[b.w_proj.clone()], Matmul::grad_lhs(n, d, d))?;
            let d_o = heads_of(&dattn, rows, t, c.heads, d, 0, d);
            let ag = be.attention_backward(
                &cache.q,
                &cache.k,
                &cache.v,
                &cache.o,
                &cache.lse,
                &d_o,
                self.attention_shape(rows),
            )?;
            let dqkv = merge_qkv(&ag.dq, &ag.dk, &ag.dv, rows, t, c.heads, d);
            let dwqkv = be.matmul(&cache.ln1.y, &dqkv, Matmul::grad_rhs(n, d, 3 * d))?;
            grads[b.w_qkv.clone()].copy_from_slice(&dwqkv);
            let dln1 = be.matmul(&dqkv, &p[b.w_qkv.clone()], Matmul::grad_lhs(n, d, 3 * d))?;
            let ln1 = be.layer_norm_backward(
                &cache.x_in,
                &p[b.ln1_gain.clone()],
                &cache.ln1.mean,
                &cache.ln1.rstd,
                &dln1,
                ln_shape,
            )?;
            grads[b.ln1_gain.clone()].copy_from_slice(&ln1.dgain);
            grads[b.ln1_bias.clone()].copy_from_slice(&ln1.dbias);
            accumulate(&mut dx, &ln1.dx);
        }

        let emb = be.embedding_backward(
            tokens,
            &dx,
            Embedding {
                vocab,
                batch: rows,
                seq: t,
                d,
            },
        )?;
        accumulate(&mut grads[l.token_embedding.clone()], &emb.dtable);
        grads[l.position_embedding.clone()].copy_from_slice(&emb.dpos);
        Ok((loss, grads))
    }
}

/// `a + b`, element-wise.
fn add(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// `acc += x`, element-wise.
fn accumulate(acc: &mut [f32], x: &[f32]) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a += b;
    }
}

/// Columns `[offset, offset + d)` of a `(rows·t) × width` matrix, as
/// `(rows, heads, t, d/heads)`.
fn heads_of(
    m: &[f32],
    rows: usize,
    t: usize,
    heads: usize,
    width: usize,
    offset: usize,
    d: usize,
) -> Vec<f32> {
    let hd = d / heads;
    let mut out = Vec::with_capacity(rows * t * d);
    for r in 0..rows {
        for h in 0..heads {
            for s in 0..t {
                let at = (r * t + s) * width + offset + h * hd;
                out.extend_from_slice(&m[at..at + hd]);
            }
        }
    }
    out
}

/// The fused `(rows·t) × 3d` QKV product split into `Q`, `K`, `V`, each
/// `(rows, heads, t, d/heads)`.
fn split_heads(qkv: &[f32], rows: usize, t: usize, heads: usize, d: usize) -> [Vec<f32>; 3] {
    [0, d, 2 * d].map(|off| heads_of(qkv, rows, t, heads, 3 * d, off, d))
}

/// Writes a `(rows, heads, t, d/heads)` tensor into columns
/// `[offset, offset + d)` of a `(rows·t) × width` matrix.
#[allow(clippy::too_many_arguments)]
fn put_heads(
    out: &mut [f32],
    x: &[f32],
    rows: usize,
    t: usize,
    heads: usize,
    width: usize,
    offset: usize,
    d: usize,
) {
    let hd = d / heads;
    let mut src = x.chunks_exact(hd);
    for r in 0..rows {
        for h in 0..heads {
            for s in 0..t {
                let at = (r * t + s) * width + offset + h * hd;
                if let Some(c) = src.next() {
                    out[at..at + hd].copy_from_slice(c);
                }
            }
        }
    }
}

/// `(rows, heads, t, d/heads)` back to `(rows·t) × d`.
fn merge_heads(x: &[f32], rows: usize, t: usize, heads: usize, d: usize) -> Vec<f32> {
    let mut out = vec![0.0; rows * t * d];
    put_heads(&mut out, x, rows, t, heads, d, 0, d);
    out
}

/// `dQ`, `dK`, `dV` back into one `(rows·t) × 3d` matrix.
fn merge_qkv(
    dq: &[f32],
    dk: &[f32],
    dv: &[f32],
    rows: usize,
    t: usize,
    heads: usize,
    d: usize,
) -> Vec<f32> {
    let mut out = vec![0.0; rows * t * 3 * d];
    for (i, x) in [dq, dk, dv].into_iter().enumerate() {
        put_heads(&mut out, x, rows, t, heads, 3 * d, i * d, d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend;
    use crate::data::Dataset;

    fn tiny(tied: bool) -> Model {
        Model::new(ModelConfig {
            layers: 2,
            hidden: 8,
            heads: 2,
            ffn_hidden: 16,
            vocab: 256,
            seq_len: 6,
            tied_embeddings: tied,
        })
        .expect("model")
    }

    #[test]
    fn heads_split_and_merge_round_trip() {
        let (rows, t, heads, d) = (2, 3, 2, 4);
        let qkv: Vec<f32> = (0..rows * t * 3 * d).map(|i| i as f32).collect();
        let [q, k, v] = split_heads(&qkv, rows, t, heads, d);
        // Q of sequence 0, head 1, position 2 is row 2, columns 2..4.
        let hd = d / heads;
        let at = (t + 2) * hd; // sequence 0, head 1, position 2
        assert_eq!(&q[at..at + hd], &[26.0, 27.0]);
        assert_eq!(merge_qkv(&q, &k, &v, rows, t, heads, d), qkv);
        assert_eq!(merge_heads(&q, rows, t, heads, d).len(), rows * t * d);
    }

    #[test]
    fn layout_counts_every_parameter_once() {
        let untied = tiny(false);
        let tied = tiny(true);
        let (v, d, t, f, layers) = (256, 8, 6, 16, 2);
        let blocks = layers * (4 * d + 4 * d * d + 2 * d * f);
        assert_eq!(tied.param_count(), v * d + t * d + blocks + 2 * d);
        assert_eq!(untied.param_count(), tied.param_count() + d * v);
    }

    /// Central finite differences in float64 over the float32 loss, on a
    /// sample of parameters of every tensor, tied and untied.
    #[test]
    fn gradients_match_finite_differences() {
        let data = Dataset::embedded(3).expect("data");
        let batch = data.batch(0, 2, 6).expect("batch");
        for tied in [false, true] {
            let model = tiny(tied);
            let mut p = model.init(5);
            // Make layer norms and residual paths non-trivial.
            for (i, x) in p.iter_mut().enumerate() {
                *x += 0.05 * ((i * 7919 % 101) as f32 / 101.0 - 0.5);
            }
            // Embeddings of unit scale, so that a step of `eps` is small
            // beside the rows the layer norms divide by.
            let l = model.layout();
            for x in &mut p[l.token_embedding.start..l.position_embedding.end] {
                *x *= 20.0;
            }
            let (_, g) = model
                .loss_and_grads(&CpuBackend, &p, &batch.inputs, &batch.targets)
                .expect("grads");
            let l = model.layout();
            let mut probes: Vec<usize> = vec![
                l.token_embedding.start + usize::from(b'e') * 8 + 3,
                l.position_embedding.start + 5,
                l.final_gain.start + 1,
                l.final_bias.start + 2,
            ];
            if let Some(h) = &l.head {
                probes.push(h.start + 100);
            }
            for b in &l.blocks {
                for r in [
                    &b.ln1_gain,
                    &b.ln1_bias,
                    &b.w_qkv,
                    &b.w_proj,
                    &b.ln2_gain,
                    &b.ln2_bias,
                    &b.w_fc1,
                    &b.w_fc2,
                ] {
                    probes.push(r.start + (r.len() * 3) / 7);
                }
            }
            for &i in &probes {
                let eps = 2e-3f32;
                let mut plus = p.clone();
                plus[i] += eps;
                let mut minus = p.clone();
                minus[i] -= eps;
                let lp = model
                    .loss(&CpuBackend, &plus, &batch.inputs, &batch.targets)
                    .expect("loss");
                let lm = model
                    .loss(&CpuBackend, &minus, &batch.inputs, &batch.targets)
                    .expect("loss");
                let numeric = (f64::from(lp) - f64::from(lm)) / (2.0 * f64::from(eps));
                let analytic = f64::from(g[i]);
                assert!(
                    (numeric - analytic).abs() <= 2e-3 + 0.05 * analytic.abs(),
                    "tied={tied} param {i}: analytic {analytic}, numeric {numeric}"
                );
            }
        }
    }

    #[test]
    fn refuses_unrunnable_shapes() {
        let cfg = ModelConfig {
            hidden: 10,
            heads: 4,
            ..*tiny(false).config()
        };
        let err = Model::new(cfg).expect_err("10 is not a multiple of 4");
        assert!(err.to_string().contains("multiple of `heads`"), "{err}");
        let spec = cirrus_sim::model::preset("llama3-8b").expect("preset");
        let err = ModelConfig::from_spec(&spec, 128).expect_err("gated");
        assert!(err.to_string().contains("SwiGLU"), "{err}");
    }
}
