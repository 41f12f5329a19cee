//! The hyperparameters and input checks of the loss, optimiser and
//! gradient-combination kernels (see [`Backend`](crate::Backend)):
//! softmax cross-entropy, the AdamW step and the share-weighted gradient
//! sum. Every backend checks its inputs here, so all report the same errors.

use crate::error::ExecError;

/// The kernel name of softmax cross-entropy in errors.
pub(crate) const CROSS_ENTROPY: &str = "cross_entropy";
/// The kernel name of the AdamW step in errors.
pub(crate) const ADAMW: &str = "adamw";
/// The kernel name of the weighted gradient sum in errors.
pub(crate) const WEIGHTED_SUM: &str = "weighted_sum";

/// AdamW's hyperparameters, with PyTorch's semantics (decoupled weight
/// decay): for gradient `g` at step `t` (from 1),
///
/// ```text
/// m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
/// m̂ = m / (1 − β1ᵗ)            v̂ = v / (1 − β2ᵗ)
/// p ← p − lr·(m̂ / (√v̂ + eps) + weight_decay·p)
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamW {
    /// The learning rate.
    pub lr: f32,
    /// The first moment's decay, β1.
    pub beta1: f32,
    /// The second moment's decay, β2.
    pub beta2: f32,
    /// Added to `√v̂` in the denominator.
    pub eps: f32,
    /// The decoupled weight decay, applied as `lr·weight_decay·p`.
    pub weight_decay: f32,
}

impl Default for AdamW {
    /// PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight
    /// decay 1e-2.
    fn default() -> Self {
        AdamW {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-2,
        }
    }
}

impl AdamW {
    /// The bias corrections `(1 − β1ᵗ, 1 − β2ᵗ)` of step `t`, computed in
    /// float64 and rounded once.
    pub fn bias_corrections(&self, step: u64) -> (f32, f32) {
        let t = i32::try_from(step).unwrap_or(i32::MAX);
        let c1 = 1.0 - f64::from(self.beta1).powi(t);
        let c2 = 1.0 - f64::from(self.beta2).powi(t);
        (c1 as f32, c2 as f32)
    }
}

fn invalid(kernel: &'static str, reason: String) -> ExecError {
    ExecError::InvalidInput { kernel, reason }
}

/// Checks softmax cross-entropy's inputs: `logits` is `rows × vocab` with
/// `rows = targets.len() ≥ 1`, `vocab ≥ 1`, and every target `< vocab`.
/// Returns `rows`.
pub(crate) fn check_cross_entropy(
    logits: &[f32],
    targets: &[u32],
    vocab: usize,
) -> Result<usize, ExecError> {
    let rows = targets.len();
    if rows == 0 || vocab == 0 {
        return Err(invalid(
            CROSS_ENTROPY,
            format!("needs at least one row and one class, got {rows} rows of {vocab}"),
        ));
    }
    if logits.len() != rows * vocab {
        return Err(invalid(
            CROSS_ENTROPY,
            format!(
                "logits has {} elements, {rows} rows × {vocab} classes need {}",
                logits.len(),
                rows * vocab
            ),
        ));
    }
    if let Some((row, &t)) = targets
        .iter()
        .enumerate()
        .find(|&(_, &t)| t as usize >= vocab)
    {
        return Err(invalid(
            CROSS_ENTROPY,
            format!("row {row}'s target {t} is not below the vocabulary size {vocab}"),
        ));
    }
    Ok(rows)
}

/// Checks an AdamW step's inputs: the four buffers are equally long and
/// `step ≥ 1`.
pub(crate) fn check_adamw(
    params: &[f32],
    m: &[f32],
    v: &[f32],
    grads: &[f32],
    step: u64,
) -> Result<(), ExecError> {
    if step == 0 {
        return Err(invalid(ADAMW, "steps count from 1, got step 0".to_owned()));
    }
    let n = params.len();
    for (name, len) in [("m", m.len()), ("v", v.len()), ("grads", grads.len())] {
        if len != n {
            return Err(invalid(
                ADAMW,
                format!("{name} has {len} elements, the parameters {n}"),
            ));
        }
    }
    Ok(())
}

/// Checks a weighted sum's inputs: one weight per gradient, at least one
/// gradient, all equally long. Returns the gradients' length.
pub(crate) fn check_weighted_sum(grads: &[&[f32]], weights: &[f32]) -> Result<usize, ExecError> {
    let Some(first) = grads.first() else {
        return Err(invalid(
            WEIGHTED_SUM,
            "needs at least one gradient".to_owned(),
        ));
    };
    if weights.len() != grads.len() {
        return Err(invalid(
            WEIGHTED_SUM,
            format!("{} weights for {} gradients", weights.len(), grads.len()),
        ));
    }
    let len = first.len();
    if let Some((i, g)) = grads.iter().enumerate().find(|(_, g)| g.len() != len) {
        return Err(invalid(
            WEIGHTED_SUM,
            format!(
                "gradient {i} has {} elements, gradient 0 has {len}",
                g.len()
            ),
        ));
    }
    Ok(len)
}
