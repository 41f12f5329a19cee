//! Why heterogeneous data parallelism weights each node's gradient by its
//! batch share. A node that processes `n_i` of the step's `N` samples
//! averages its gradient over those `n_i`; the full-batch mean gradient is
//! then `Σ (n_i / N) · mean_i`, so the learning-rate weight of node `i` must
//! be its batch share `n_i / N` (= `c_i / C` when shares follow throughput,
//! as Cirrus assigns them). Averaging the node gradients with equal weights
//! `1 / k`, as a framework unaware of the split does, is a different update
//! whenever the `n_i` differ.

use proptest::prelude::*;

/// The per-sample loss of a tiny model with weights `w`.
#[derive(Debug, Clone, Copy)]
enum Loss {
    /// Linear regression, `½ (w·x − y)²`.
    Squared,
    /// Logistic regression with labels in {0, 1}, `−y log σ(w·x) − (1 − y) log(1 − σ(w·x))`.
    Logistic,
}

/// One sample: features and target.
type Sample = (Vec<f64>, f64);

/// The gradient of the loss of one sample with respect to `w`.
fn sample_gradient(loss: Loss, w: &[f64], (x, y): &Sample) -> Vec<f64> {
    let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
    let residual = match loss {
        Loss::Squared => z - y,
        Loss::Logistic => 1.0 / (1.0 + (-z).exp()) - y,
    };
    x.iter().map(|xi| residual * xi).collect()
}

/// The mean gradient over `samples`.
fn mean_gradient(loss: Loss, w: &[f64], samples: &[Sample]) -> Vec<f64> {
    let mut g = vec![0.0; w.len()];
    for s in samples {
        for (gi, si) in g.iter_mut().zip(sample_gradient(loss, w, s)) {
            *gi += si;
        }
    }
    let n = samples.len() as f64;
    g.iter().map(|gi| gi / n).collect()
}

/// `Σ weights[i] · grads[i]`.
fn combine(grads: &[Vec<f64>], weights: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; grads[0].len()];
    for (g, wt) in grads.iter().zip(weights) {
        for (o, gi) in out.iter_mut().zip(g) {
            *o += wt * gi;
        }
    }
    out
}

/// Each node's mean gradient over its consecutive slice of `samples`.
fn node_gradients(loss: Loss, w: &[f64], samples: &[Sample], counts: &[usize]) -> Vec<Vec<f64>> {
    let mut start = 0;
    counts
        .iter()
        .map(|&n| {
            let g = mean_gradient(loss, w, &samples[start..start + n]);
            start += n;
            g
        })
        .collect()
}

/// The scale errors are measured against: the largest per-sample component.
fn scale(loss: Loss, w: &[f64], samples: &[Sample]) -> f64 {
    samples
        .iter()
        .flat_map(|s| sample_gradient(loss, w, s))
        .fold(f64::MIN_POSITIVE, |m, g| m.max(g.abs()))
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// A model, its weights, samples, and how many of them each node takes.
fn case() -> impl Strategy<Value = (Loss, Vec<f64>, Vec<Sample>, Vec<usize>)> {
    (
        prop_oneof![Just(Loss::Squared), Just(Loss::Logistic)],
        1usize..=8,
        proptest::collection::vec(1usize..=20, 1..=6),
    )
        .prop_flat_map(|(loss, d, counts)| {
            let n: usize = counts.iter().sum();
            let target = match loss {
                Loss::Squared => (-10.0..10.0f64).boxed(),
                Loss::Logistic => prop_oneof![Just(0.0), Just(1.0)].boxed(),
            };
            (
                Just(loss),
                proptest::collection::vec(-2.0..2.0f64, d),
                proptest::collection::vec(
                    (proptest::collection::vec(-10.0..10.0f64, d), target),
                    n,
                ),
                Just(counts),
            )
        })
}

proptest! {
    /// Node mean gradients weighted by batch share `n_i / N` give the
    /// full-batch mean gradient.
    #[test]
    fn share_weighted_node_gradients_equal_the_full_batch_gradient(
        (loss, w, samples, counts) in case()
    ) {
        let n = samples.len() as f64;
        let full = mean_gradient(loss, &w, &samples);
        let nodes = node_gradients(loss, &w, &samples, &counts);
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        prop_assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let combined = combine(&nodes, &shares);
        let err = max_difference(&combined, &full);
        let tol = 1e-9 * scale(loss, &w, &samples);
        prop_assert!(err <= tol, "error {err:e} over tolerance {tol:e}: {combined:?} vs {full:?}");
    }
}

/// With unequal counts, equal weights `1 / k` give another update: here the
/// one-sample node's gradient counts as much as the seven-sample node's.
#[test]
fn equal_weights_differ_when_counts_differ() {
    let w = vec![0.5, -1.0];
    let samples: Vec<Sample> = vec![
        (vec![1.0, 2.0], 3.0),
        (vec![-1.0, 0.5], 0.0),
        (vec![2.0, 1.0], -1.0),
        (vec![0.0, 1.0], 1.0),
        (vec![1.5, -0.5], 2.0),
        (vec![-2.0, 1.0], 0.5),
        (vec![1.0, 1.0], 1.0),
        (vec![3.0, -1.0], -2.0),
    ];
    let counts = [1, 7];
    for loss in [Loss::Squared, Loss::Logistic] {
        let full = mean_gradient(loss, &w, &samples);
        let nodes = node_gradients(loss, &w, &samples, &counts);
        let by_share = combine(&nodes, &[1.0 / 8.0, 7.0 / 8.0]);
        let equal = combine(&nodes, &[0.5, 0.5]);
        let tol = 1e-9 * scale(loss, &w, &samples);
        assert!(max_difference(&by_share, &full) <= tol, "{loss:?}");
        let off = max_difference(&equal, &full);
        assert!(
            off > 1e-3 * scale(loss, &w, &samples),
            "{loss:?}: equal weights should be off, are off by {off:e}"
        );
    }
}

/// With equal counts the two weightings agree: the failure needs unequal shares.
#[test]
fn equal_weights_agree_when_counts_are_equal() {
    let w = vec![0.25, 0.75, -0.5];
    let samples: Vec<Sample> = (0..12)
        .map(|i| {
            let t = f64::from(i);
            (vec![t.sin(), t.cos(), 0.1 * t], t * 0.3 - 1.0)
        })
        .collect();
    let counts = [4, 4, 4];
    let full = mean_gradient(Loss::Squared, &w, &samples);
    let nodes = node_gradients(Loss::Squared, &w, &samples, &counts);
    let equal = combine(&nodes, &[1.0 / 3.0; 3]);
    assert!(max_difference(&equal, &full) <= 1e-9 * scale(Loss::Squared, &w, &samples));
}
