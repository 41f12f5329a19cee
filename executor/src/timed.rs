//! [`Timed`]: a [`Backend`] that runs another and adds up, per kernel, the
//! calls and the seconds spent in them (each call whole: upload, dispatch,
//! wait, read back). `cirrus exec --profile` and the step-profile example
//! print where a training step's time goes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::attention::{AttentionGrads, AttentionOutput, AttentionShape};
use crate::backend::{Backend, Matmul};
use crate::error::ExecError;
use crate::layers::{Embedding, EmbeddingGrads, LayerNormGrads, LayerNormOutput, LayerNormShape};
use crate::training::AdamW;

/// Calls and seconds of one kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KernelTime {
    /// Calls.
    pub calls: u64,
    /// Seconds, summed over the calls.
    pub seconds: f64,
    /// Floating-point operations, summed (matrix products only; 0 otherwise).
    pub flops: f64,
}

/// Times every call of the backend it wraps.
#[derive(Debug)]
pub struct Timed<B> {
    inner: B,
    times: Mutex<BTreeMap<&'static str, KernelTime>>,
}

impl<B: Backend> Timed<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        Timed {
            inner,
            times: Mutex::new(BTreeMap::new()),
        }
    }

    /// Per kernel name, the totals so far.
    pub fn times(&self) -> BTreeMap<&'static str, KernelTime> {
        self.times.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Forgets the totals so far.
    pub fn reset(&self) {
        if let Ok(mut t) = self.times.lock() {
            t.clear();
        }
    }

    fn time<T>(&self, name: &'static str, flops: f64, f: impl FnOnce(&B) -> T) -> T {
        let start = Instant::now();
        let out = f(&self.inner);
        let seconds = start.elapsed().as_secs_f64();
        if let Ok(mut t) = self.times.lock() {
            let e = t.entry(name).or_default();
            e.calls += 1;
            e.seconds += seconds;
            e.flops += flops;
        }
        out
    }
}

impl<B: Backend> Backend for Timed<B> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn matmul(&self, a: &[f32], b: &[f32], shape: Matmul) -> Result<Vec<f32>, ExecError> {
        let name = match (shape.trans_a, shape.trans_b) {
            (false, false) => "matmul",
            (true, false) => "matmul_grad_rhs",
            (false, true) => "matmul_grad_lhs",
            (true, true) => "matmul_tt",
        };
        self.time(name, shape.flops(), |be| be.matmul(a, b, shape))
    }

    fn gelu(&self, x: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.time("gelu", 0.0, |be| be.gelu(x))
    }

    fn gelu_backward(&self, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.time("gelu_backward", 0.0, |be| be.gelu_backward(x, dy))
    }

    fn layer_norm(
        &self,
        x: &[f32],
        gain: &[f32],
        bias: &[f32],
        shape: LayerNormShape,
    ) -> Result<LayerNormOutput, ExecError> {
        self.time("layer_norm", 0.0, |be| be.layer_norm(x, gain, bias, shape))
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
        self.time("layer_norm_backward", 0.0, |be| {
            be.layer_norm_backward(x, gain, mean, rstd, dy, shape)
        })
    }

    fn embedding(
        &self,
        tokens: &[u32],
        table: &[f32],
        pos: &[f32],
        shape: Embedding,
    ) -> Result<Vec<f32>, ExecError> {
        self.time("embedding", 0.0, |be| {
            be.embedding(tokens, table, pos, shape)
        })
    }

    fn embedding_backward(
        &self,
        tokens: &[u32],
        dy: &[f32],
        shape: Embedding,
    ) -> Result<EmbeddingGrads, ExecError> {
        self.time("embedding_backward", 0.0, |be| {
            be.embedding_backward(tokens, dy, shape)
        })
    }

    fn cross_entropy_loss(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<f32, ExecError> {
        self.time("cross_entropy_loss", 0.0, |be| {
            be.cross_entropy_loss(logits, targets, vocab)
        })
    }

    fn cross_entropy_grad(
        &self,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<Vec<f32>, ExecError> {
        self.time("cross_entropy_grad", 0.0, |be| {
            be.cross_entropy_grad(logits, targets, vocab)
        })
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
        self.time("adamw", 0.0, |be| {
            be.adamw_step(params, m, v, grads, hp, step)
        })
    }

    fn weighted_sum(&self, grads: &[&[f32]], weights: &[f32]) -> Result<Vec<f32>, ExecError> {
        self.time("weighted_sum", 0.0, |be| be.weighted_sum(grads, weights))
    }

    fn attention(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        shape: AttentionShape,
    ) -> Result<AttentionOutput, ExecError> {
        self.time("attention", 0.0, |be| be.attention(q, k, v, shape))
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
        self.time("attention_backward", 0.0, |be| {
            be.attention_backward(q, k, v, o, lse, d_o, shape)
        })
    }
}
