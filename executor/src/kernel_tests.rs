//! One kernel test suite, stamped for every backend (as CubeCL's
//! `testgen_all!`): each result is compared with a float64 reference
//! computed independently of the backends' index arithmetic.

use crate::backend::{Backend, CpuBackend, Matmul};
use crate::error::ExecError;
use crate::gpu::GpuBackend;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// (m, k, n): a scalar, odd sizes that end mid-block and mid-workgroup, and
/// sizes that span several workgroups; the forward products whose k and n
/// are multiples of 4 run on the GPU's vec4 kernel, with rows ending
/// mid-block and several workgroups across. Small: lavapipe is slow.
const SHAPES: [(usize, usize, usize); 9] = [
    (1, 1, 1),
    (7, 13, 5),
    (4, 8, 4),
    (33, 70, 17),
    (64, 64, 64),
    (5, 3, 66),
    (3, 4, 8),
    (7, 12, 20),
    (33, 12, 36),
];

/// Error bound relative to `Σ |a| |b|` of each output: float32 summation of
/// k ≤ 128 terms is within k·2⁻²⁴ ≈ 7.6e-6 of it.
const TOL: f64 = 1e-5;

/// Random values with magnitude in [0.1, 1] and either sign: never zero.
fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            let x: f32 = rng.random_range(0.1..=1.0);
            if rng.random_bool(0.5) { x } else { -x }
        })
        .collect()
}

/// `x` stored `rows × cols`, returned `cols × rows`.
fn transpose(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; x.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = x[r * cols + c];
        }
    }
    t
}

/// Runs `s` on `backend` with random operands and checks every output
/// against the float64 product of the logical (untransposed) operands.
fn check(backend: &impl Backend, s: Matmul, seed: u64) {
    let a = random(s.a_len(), seed);
    let b = random(s.b_len(), seed ^ 0x9e37_79b9);
    // The logical operands: op(A) is m × k, op(B) is k × n.
    let la = if s.trans_a {
        transpose(&a, s.k, s.m)
    } else {
        a.clone()
    };
    let lb = if s.trans_b {
        transpose(&b, s.n, s.k)
    } else {
        b.clone()
    };
    let c = backend
        .matmul(&a, &b, s)
        .unwrap_or_else(|e| panic!("{}: {s:?}: {e}", backend.name()));
    assert_eq!(c.len(), s.m * s.n, "{}: {s:?}", backend.name());
    for i in 0..s.m {
        for j in 0..s.n {
            let (mut exact, mut scale) = (0.0f64, 0.0f64);
            for p in 0..s.k {
                let t = f64::from(la[i * s.k + p]) * f64::from(lb[p * s.n + j]);
                exact += t;
                scale += t.abs();
            }
            let got = f64::from(c[i * s.n + j]);
            let err = (got - exact).abs() / scale;
            assert!(
                err <= TOL,
                "{}: {s:?}: C[{i},{j}] = {got}, expected {exact} (relative error {err:e})",
                backend.name()
            );
        }
    }
}

/// Every GPU matmul variant is exercised by [`SHAPES`]: each vec4 path on
/// several shapes, one of them spanning several workgroups across and one
/// with rows past a block's edge and several workgroups along some axis
/// where the path allows ragged rows, and the general kernel on several
/// shapes of each product.
#[test]
fn shapes_cover_every_gpu_matmul_kernel() {
    use crate::gpu::{MatmulKernel, MatmulVariant};
    type Product = fn(usize, usize, usize) -> Matmul;
    let products: [(Product, MatmulVariant); 3] = [
        (Matmul::forward, MatmulVariant::Vec4),
        (Matmul::grad_rhs, MatmulVariant::TransA),
        (Matmul::grad_lhs, MatmulVariant::TransB),
    ];
    for (product, variant) in products {
        let shapes: Vec<Matmul> = SHAPES.iter().map(|&(m, k, n)| product(m, k, n)).collect();
        let fast: Vec<&Matmul> = shapes
            .iter()
            .filter(|s| MatmulKernel::variant(s) == variant)
            .collect();
        assert!(fast.len() >= 4, "{variant:?}: {} shapes", fast.len());
        assert!(shapes.len() - fast.len() >= 4, "{variant:?}: general");
        assert!(fast.iter().any(|s| s.n > 32), "{variant:?}: one workgroup");
        if variant != MatmulVariant::TransA {
            assert!(
                fast.iter()
                    .any(|s| !s.m.is_multiple_of(4) && s.m.max(s.n) > 32),
                "{variant:?}: no ragged rows"
            );
        }
    }
    let both = Matmul {
        trans_a: true,
        trans_b: true,
        ..Matmul::forward(4, 8, 4)
    };
    assert_eq!(MatmulKernel::variant(&both), MatmulVariant::General);
}

macro_rules! stamp_kernel_tests {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;

            fn backend() -> impl Backend {
                $backend
            }

            #[test]
            fn matmul_forward_matches_f64_reference() {
                let be = backend();
                for (seed, &(m, k, n)) in SHAPES.iter().enumerate() {
                    check(&be, Matmul::forward(m, k, n), seed as u64);
                }
            }

            #[test]
            fn matmul_weight_gradient_xt_g_matches_f64_reference() {
                let be = backend();
                for (seed, &(m, k, n)) in SHAPES.iter().enumerate() {
                    check(&be, Matmul::grad_rhs(m, k, n), 100 + seed as u64);
                }
            }

            #[test]
            fn matmul_input_gradient_g_wt_matches_f64_reference() {
                let be = backend();
                for (seed, &(m, k, n)) in SHAPES.iter().enumerate() {
                    check(&be, Matmul::grad_lhs(m, k, n), 200 + seed as u64);
                }
            }

            #[test]
            fn matmul_both_transposed_matches_f64_reference() {
                let be = backend();
                for (seed, &(m, k, n)) in SHAPES.iter().enumerate() {
                    let s = Matmul {
                        trans_a: true,
                        trans_b: true,
                        ..Matmul::forward(m, k, n)
                    };
                    check(&be, s, 300 + seed as u64);
                }
            }

            #[test]
            fn matmul_known_answer() {
                // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154].
                let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
                let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
                let c = backend()
                    .matmul(&a, &b, Matmul::forward(2, 3, 2))
                    .expect("valid shape");
                assert_eq!(c, [58.0, 64.0, 139.0, 154.0]);
            }

            #[test]
            fn matmul_empty_shapes() {
                let be = backend();
                let zeros = be
                    .matmul(&[], &[], Matmul::forward(2, 0, 3))
                    .expect("k = 0 is valid");
                assert_eq!(zeros, [0.0; 6]);
                let none = be
                    .matmul(&[], &[1.0, 2.0], Matmul::forward(0, 1, 2))
                    .expect("m = 0 is valid");
                assert!(none.is_empty());
            }

            #[test]
            fn matmul_rejects_operands_of_the_wrong_length() {
                let err = backend()
                    .matmul(&[1.0; 5], &[1.0; 6], Matmul::forward(2, 3, 2))
                    .expect_err("a has 5 elements, not 6");
                assert!(
                    matches!(
                        err,
                        ExecError::ShapeMismatch {
                            operand: "a",
                            expected: 6,
                            actual: 5
                        }
                    ),
                    "{err:?}"
                );
            }
        }
    };
}

stamp_kernel_tests!(cpu, CpuBackend);
stamp_kernel_tests!(
    gpu,
    GpuBackend::new().expect("test.sh installs lavapipe, so a device opens")
);

// --- element-wise and normalisation kernels (k1) ---

use crate::layers::{Embedding, LayerNormShape};

/// Lengths for the element-wise kernels: one element, a partial workgroup,
/// one whole workgroup, and several.
const GELU_LENS: [usize; 5] = [1, 5, 64, 130, 17 * 130];
/// Rows and columns for layer norm.
const NORM_ROWS: [usize; 3] = [1, 3, 17];
const NORM_COLS: [usize; 4] = [1, 5, 64, 130];
/// (vocab, batch, seq, d): a single token; ids repeating in a small vocab;
/// seq 1; one long sequence; a vocab mostly unused (zero gradient rows).
const EMBED_SHAPES: [(usize, usize, usize, usize); 5] = [
    (1, 1, 1, 1),
    (3, 2, 5, 5),
    (17, 3, 1, 64),
    (5, 1, 17, 130),
    (64, 2, 3, 17),
];

/// One float32 rounding, `2⁻²⁴`.
const ULP: f64 = 1.0 / 16_777_216.0;

/// GELU's error bound relative to the magnitude of its terms: a few
/// roundings and `exp`'s few-ulp error scaled by its argument (≤ 13 here).
const GELU_TOL: f64 = 64.0 * ULP;

/// A bound for float32 sums of `n` terms relative to the sum of their
/// magnitudes, with room for a few roundings and `sqrt`, division around
/// them.
fn sum_tol(n: usize) -> f64 {
    (2.0 * n as f64 + 16.0) * ULP
}

/// Asserts `|got − exact| ≤ tol · scale`; where `scale` is zero, `got` must
/// be exactly zero.
fn assert_close(got: f32, exact: f64, scale: f64, tol: f64, what: &dyn Fn() -> String) {
    let err = (f64::from(got) - exact).abs();
    assert!(
        err <= tol * scale,
        "{}: got {got}, expected {exact} (error {err:e}, bound {:e})",
        what(),
        tol * scale
    );
}

/// Float64 GELU (tanh approximation) and its derivative, with the
/// magnitude of the derivative's two terms.
fn gelu_ref(x: f64) -> (f64, f64, f64) {
    let k = (2.0 / std::f64::consts::PI).sqrt();
    let u = k * (x + 0.044715 * x * x * x);
    let du = k * (1.0 + 3.0 * 0.044715 * x * x);
    let t = u.tanh();
    let left = 0.5 * (1.0 + t);
    let right = 0.5 * x * (1.0 - t * t) * du;
    (0.5 * x * (1.0 + t), left + right, left.abs() + right.abs())
}

/// Float64 layer norm of one row: `(mean, rstd)`.
fn norm_stats_ref(row: &[f32]) -> (f64, f64) {
    let n = row.len() as f64;
    let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = row
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, 1.0 / (var + 1e-5).sqrt())
}

/// Float64 layer-norm backward for the whole matrix: `(dx, dgain, dbias)`
/// and their error scales.
#[allow(clippy::type_complexity)]
fn norm_backward_ref(
    x: &[f32],
    gain: &[f32],
    dy: &[f32],
    s: LayerNormShape,
) -> ([Vec<f64>; 3], [Vec<f64>; 3]) {
    let (rows, cols) = (s.rows, s.cols);
    let mut dx = vec![0.0; rows * cols];
    let mut dx_scale = vec![0.0; rows * cols];
    let (mut dg, mut dg_scale) = (vec![0.0; cols], vec![0.0; cols]);
    let (mut db, mut db_scale) = (vec![0.0; cols], vec![0.0; cols]);
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        let (mean, rstd) = norm_stats_ref(row);
        let xhat: Vec<f64> = row.iter().map(|&v| (f64::from(v) - mean) * rstd).collect();
        let g: Vec<f64> = (0..cols)
            .map(|j| f64::from(dy[r * cols + j]) * f64::from(gain[j]))
            .collect();
        let n = cols as f64;
        let mean_g = g.iter().sum::<f64>() / n;
        let mean_gx = g.iter().zip(&xhat).map(|(a, b)| a * b).sum::<f64>() / n;
        let abs_g = g.iter().map(|a| a.abs()).sum::<f64>() / n;
        let abs_gx = g.iter().zip(&xhat).map(|(a, b)| (a * b).abs()).sum::<f64>() / n;
        for j in 0..cols {
            let i = r * cols + j;
            dx[i] = rstd * (g[j] - mean_g - xhat[j] * mean_gx);
            dx_scale[i] = rstd * (g[j].abs() + abs_g + xhat[j].abs() * abs_gx);
            let d = f64::from(dy[i]);
            dg[j] += d * xhat[j];
            dg_scale[j] += (d * xhat[j]).abs();
            db[j] += d;
            db_scale[j] += d.abs();
        }
    }
    ([dx, dg, db], [dx_scale, dg_scale, db_scale])
}

/// Seeded token ids below `vocab`.
fn random_tokens(len: usize, vocab: usize, seed: u64) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| rng.random_range(0..vocab as u32))
        .collect()
}

/// The float64 references' derivatives agree with central differences of
/// the float64 forward functions, so the references check each other.
#[test]
fn f64_references_match_finite_differences() {
    let h = 1e-6;
    for &x in &[-3.0, -0.7, -0.1, 0.2, 1.0, 2.5] {
        let fd = (gelu_ref(x + h).0 - gelu_ref(x - h).0) / (2.0 * h);
        assert!((fd - gelu_ref(x).1).abs() < 1e-7, "GELU'({x})");
    }
    let s = LayerNormShape { rows: 2, cols: 5 };
    let x = random(10, 1);
    let gain = random(5, 2);
    let bias = random(5, 3);
    let dy = random(10, 4);
    // L = Σ dy · y, in float64.
    let loss = |x: &[f64], gain: &[f64], bias: &[f64]| -> f64 {
        let mut l = 0.0;
        for r in 0..s.rows {
            let row = &x[r * s.cols..(r + 1) * s.cols];
            let mean = row.iter().sum::<f64>() / s.cols as f64;
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / s.cols as f64;
            let rstd = 1.0 / (var + 1e-5).sqrt();
            for j in 0..s.cols {
                let y = (row[j] - mean) * rstd * gain[j] + bias[j];
                l += f64::from(dy[r * s.cols + j]) * y;
            }
        }
        l
    };
    let wide = |v: &[f32]| v.iter().map(|&a| f64::from(a)).collect::<Vec<f64>>();
    let (xs, gs, bs) = (wide(&x), wide(&gain), wide(&bias));
    let ([dx, dg, db], _) = norm_backward_ref(&x, &gain, &dy, s);
    let h = 1e-5;
    let diff = |which: usize, i: usize| {
        let mut args = [xs.clone(), gs.clone(), bs.clone()];
        args[which][i] += h;
        let up = loss(&args[0], &args[1], &args[2]);
        args[which][i] -= 2.0 * h;
        let down = loss(&args[0], &args[1], &args[2]);
        (up - down) / (2.0 * h)
    };
    for (i, &want) in dx.iter().enumerate() {
        assert!((diff(0, i) - want).abs() < 1e-6, "dx[{i}]");
    }
    for j in 0..s.cols {
        assert!((diff(1, j) - dg[j]).abs() < 1e-6, "dgain[{j}]");
        assert!((diff(2, j) - db[j]).abs() < 1e-6, "dbias[{j}]");
    }
}

macro_rules! stamp_layer_tests {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;
            use crate::layers::LayerNormOutput;

            fn backend() -> impl Backend {
                $backend
            }

            #[test]
            fn gelu_forward_and_backward_match_f64_reference() {
                let be = backend();
                for (seed, &len) in GELU_LENS.iter().enumerate() {
                    // Magnitudes in [0.3, 3], either sign.
                    let x: Vec<f32> = random(len, 400 + seed as u64)
                        .iter()
                        .map(|v| 3.0 * v)
                        .collect();
                    let dy = random(len, 500 + seed as u64);
                    let y = be.gelu(&x).expect("gelu");
                    let dx = be.gelu_backward(&x, &dy).expect("gelu_backward");
                    assert_eq!((y.len(), dx.len()), (len, len));
                    for i in 0..len {
                        let (fx, dfx, dscale) = gelu_ref(f64::from(x[i]));
                        let what = || format!("{}: GELU({})", be.name(), x[i]);
                        assert_close(y[i], fx, fx.abs(), GELU_TOL, &what);
                        let what = || format!("{}: GELU'({}) · dy", be.name(), x[i]);
                        let d = f64::from(dy[i]);
                        assert_close(dx[i], d * dfx, d.abs() * dscale, GELU_TOL, &what);
                    }
                }
            }

            #[test]
            fn gelu_known_answer() {
                let y = backend().gelu(&[1.0, -1.0]).expect("gelu");
                // 0.5 (1 + tanh(√(2/π) · 1.044715)) = 0.841192, and
                // GELU(−1) = GELU(1) − 1.
                assert!((y[0] - 0.841_192).abs() < 1e-5, "{y:?}");
                assert!((y[1] + 0.158_808).abs() < 1e-5, "{y:?}");
            }

            #[test]
            fn layer_norm_forward_matches_f64_reference() {
                let be = backend();
                let mut seed = 600;
                for &rows in &NORM_ROWS {
                    for &cols in &NORM_COLS {
                        seed += 4;
                        let s = LayerNormShape { rows, cols };
                        let x = random(rows * cols, seed);
                        let gain = random(cols, seed + 1);
                        let bias = random(cols, seed + 2);
                        let LayerNormOutput { y, mean, rstd } =
                            be.layer_norm(&x, &gain, &bias, s).expect("layer_norm");
                        assert_eq!((y.len(), mean.len(), rstd.len()), (rows * cols, rows, rows));
                        let tol = sum_tol(cols);
                        for r in 0..rows {
                            let row = &x[r * cols..(r + 1) * cols];
                            let (m, rs) = norm_stats_ref(row);
                            let abs_mean =
                                row.iter().map(|&v| f64::from(v).abs()).sum::<f64>() / cols as f64;
                            let what = || format!("{}: {s:?} mean[{r}]", be.name());
                            assert_close(mean[r], m, abs_mean, tol, &what);
                            let what = || format!("{}: {s:?} rstd[{r}]", be.name());
                            assert_close(rstd[r], rs, rs, tol, &what);
                            for j in 0..cols {
                                let xv = f64::from(row[j]);
                                let (g, b) = (f64::from(gain[j]), f64::from(bias[j]));
                                let exact = (xv - m) * rs * g + b;
                                let scale = (xv.abs() + m.abs()) * rs * g.abs() + b.abs();
                                let what = || format!("{}: {s:?} y[{r},{j}]", be.name());
                                assert_close(y[r * cols + j], exact, scale, tol, &what);
                            }
                        }
                    }
                }
            }

            #[test]
            fn layer_norm_backward_matches_f64_reference() {
                let be = backend();
                let mut seed = 700;
                for &rows in &NORM_ROWS {
                    for &cols in &NORM_COLS {
                        seed += 4;
                        let s = LayerNormShape { rows, cols };
                        let x = random(rows * cols, seed);
                        let gain = random(cols, seed + 1);
                        let dy = random(rows * cols, seed + 2);
                        // The statistics come from the float64 reference,
                        // rounded, not from either backend.
                        let (mean, rstd): (Vec<f32>, Vec<f32>) = (0..rows)
                            .map(|r| {
                                let (m, rs) = norm_stats_ref(&x[r * cols..(r + 1) * cols]);
                                (m as f32, rs as f32)
                            })
                            .unzip();
                        let got = be
                            .layer_norm_backward(&x, &gain, &mean, &rstd, &dy, s)
                            .expect("layer_norm_backward");
                        let (exact, scale) = norm_backward_ref(&x, &gain, &dy, s);
                        let tol = sum_tol(cols.max(rows));
                        for (k, (name, got)) in [
                            ("dx", &got.dx),
                            ("dgain", &got.dgain),
                            ("dbias", &got.dbias),
                        ]
                        .into_iter()
                        .enumerate()
                        {
                            assert_eq!(got.len(), exact[k].len(), "{name}");
                            for i in 0..got.len() {
                                let what = || format!("{}: {s:?} {name}[{i}]", be.name());
                                assert_close(got[i], exact[k][i], scale[k][i], tol, &what);
                            }
                        }
                    }
                }
            }

            #[test]
            fn embedding_forward_and_backward_match_f64_reference() {
                let be = backend();
                for (seed, &(vocab, batch, seq, d)) in EMBED_SHAPES.iter().enumerate() {
                    let seed = 800 + 8 * seed as u64;
                    let s = Embedding {
                        vocab,
                        batch,
                        seq,
                        d,
                    };
                    let tokens = random_tokens(s.tokens(), vocab, seed);
                    let table = random(vocab * d, seed + 1);
                    let pos = random(seq * d, seed + 2);
                    let dy = random(s.out_len(), seed + 3);
                    let y = be.embedding(&tokens, &table, &pos, s).expect("embedding");
                    assert_eq!(y.len(), s.out_len());
                    let mut dtable = vec![(0.0f64, 0.0f64); vocab * d];
                    let mut dpos = vec![(0.0f64, 0.0f64); seq * d];
                    for (t, &id) in tokens.iter().enumerate() {
                        let (b, p) = (t / seq, t % seq);
                        for j in 0..d {
                            let tv = f64::from(table[id as usize * d + j]);
                            let pv = f64::from(pos[p * d + j]);
                            let what = || format!("{}: {s:?} y[{b},{p},{j}]", be.name());
                            let i = t * d + j;
                            assert_close(y[i], tv + pv, tv.abs() + pv.abs(), 2.0 * ULP, &what);
                            let g = f64::from(dy[i]);
                            let cell = &mut dtable[id as usize * d + j];
                            *cell = (cell.0 + g, cell.1 + g.abs());
                            let cell = &mut dpos[p * d + j];
                            *cell = (cell.0 + g, cell.1 + g.abs());
                        }
                    }
                    let grads = be.embedding_backward(&tokens, &dy, s).expect("backward");
                    let tol = sum_tol(s.tokens());
                    for (name, got, exact) in [
                        ("dtable", &grads.dtable, &dtable),
                        ("dpos", &grads.dpos, &dpos),
                    ] {
                        assert_eq!(got.len(), exact.len(), "{name}");
                        for (i, (&g, &(e, scale))) in got.iter().zip(exact).enumerate() {
                            let what = || format!("{}: {s:?} {name}[{i}]", be.name());
                            assert_close(g, e, scale, tol, &what);
                        }
                    }
                    if vocab == 64 {
                        assert!(
                            grads.dtable.iter().any(|&g| g == 0.0),
                            "unused rows are zero"
                        );
                    }
                    let again = be.embedding_backward(&tokens, &dy, s).expect("backward");
                    assert_eq!(again, grads, "{}: deterministic", be.name());
                }
            }

            #[test]
            fn layer_kernels_reject_bad_inputs() {
                let be = backend();
                let s = Embedding {
                    vocab: 3,
                    batch: 1,
                    seq: 2,
                    d: 2,
                };
                let err = be
                    .embedding(&[0, 3], &[1.0; 6], &[1.0; 4], s)
                    .expect_err("id 3 is outside a vocabulary of 3");
                assert!(
                    matches!(
                        err,
                        ExecError::TokenOutOfRange {
                            index: 1,
                            id: 3,
                            vocab: 3
                        }
                    ),
                    "{err:?}"
                );
                let err = be
                    .embedding_backward(&[0, 1], &[1.0; 3], s)
                    .expect_err("dy has 3 elements, not 4");
                assert!(
                    matches!(err, ExecError::LengthMismatch { operand: "dy", .. }),
                    "{err:?}"
                );
                let err = be
                    .layer_norm(
                        &[1.0; 6],
                        &[1.0; 2],
                        &[1.0; 3],
                        LayerNormShape { rows: 2, cols: 3 },
                    )
                    .expect_err("gain has 2 elements, not 3");
                assert!(
                    matches!(
                        err,
                        ExecError::LengthMismatch {
                            operand: "gain",
                            expected: 3,
                            actual: 2,
                            ..
                        }
                    ),
                    "{err:?}"
                );
                let err = be
                    .gelu_backward(&[1.0; 2], &[1.0])
                    .expect_err("dy is short");
                assert!(matches!(err, ExecError::LengthMismatch { .. }), "{err:?}");
            }
        }
    };
}

stamp_layer_tests!(cpu_layers, CpuBackend);
stamp_layer_tests!(
    gpu_layers,
    GpuBackend::new().expect("test.sh installs lavapipe, so a device opens")
);

// --- loss, optimiser and gradient-combination kernels (k2) ---

use crate::training::AdamW;

/// (rows, vocab) of the cross-entropy tests: one row, odd counts, a
/// vocabulary past several workgroups' worth of classes. Small: lavapipe is
/// slow.
const CE_SHAPES: [(usize, usize); 6] = [(1, 2), (1, 257), (3, 5), (17, 2), (17, 257), (3, 1)];

/// Vector lengths of the AdamW and weighted-sum tests: a scalar, less than
/// a workgroup, several workgroups ending mid-workgroup.
const LENGTHS: [usize; 3] = [1, 7, 1000];

/// Random logits: [`random`] scaled to magnitudes in [0.8, 8], so softmax
/// spans several orders of magnitude.
fn random_logits(len: usize, seed: u64) -> Vec<f32> {
    random(len, seed).iter().map(|x| 8.0 * x).collect()
}

/// Per row in float64: (ln Σ exp(x − max), max, softmax).
fn softmax_f64(row: &[f32]) -> (f64, f64, Vec<f64>) {
    let max = row
        .iter()
        .map(|&x| f64::from(x))
        .fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = row.iter().map(|&x| (f64::from(x) - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    (sum.ln(), max, exps.iter().map(|e| e / sum).collect())
}

/// Checks the mean loss against float64, relative to the mean magnitude of
/// the terms each row's loss combines (`ln Σ`, the max, the target's logit):
/// the loss itself can cancel to nearly zero.
fn check_cross_entropy_loss(backend: &impl Backend, rows: usize, vocab: usize, seed: u64) {
    let logits = random_logits(rows * vocab, seed);
    let targets = random_tokens(rows, vocab, seed ^ 0x5eed);
    let (mut exact, mut scale) = (0.0f64, 0.0f64);
    for (row, &t) in logits.chunks_exact(vocab).zip(&targets) {
        let (lse, max, _) = softmax_f64(row);
        let xt = f64::from(row[t as usize]);
        exact += lse + max - xt;
        scale += lse.abs() + max.abs() + xt.abs();
    }
    exact /= rows as f64;
    scale /= rows as f64;
    let got = backend
        .cross_entropy_loss(&logits, &targets, vocab)
        .unwrap_or_else(|e| panic!("{}: {rows}×{vocab}: {e}", backend.name()));
    let err = (f64::from(got) - exact).abs() / scale;
    assert!(
        err <= TOL,
        "{}: {rows}×{vocab}: loss {got}, expected {exact} (relative error {err:e})",
        backend.name()
    );
}

/// Checks every gradient element against float64, relative to
/// `(softmax + onehot) / rows`.
fn check_cross_entropy_grad(backend: &impl Backend, rows: usize, vocab: usize, seed: u64) {
    let logits = random_logits(rows * vocab, seed);
    let targets = random_tokens(rows, vocab, seed ^ 0x5eed);
    let grad = backend
        .cross_entropy_grad(&logits, &targets, vocab)
        .unwrap_or_else(|e| panic!("{}: {rows}×{vocab}: {e}", backend.name()));
    assert_eq!(grad.len(), rows * vocab, "{}", backend.name());
    for (r, (row, &t)) in logits.chunks_exact(vocab).zip(&targets).enumerate() {
        let (_, _, p) = softmax_f64(row);
        for (j, &pj) in p.iter().enumerate() {
            let hot = if j == t as usize { 1.0 } else { 0.0 };
            let exact = (pj - hot) / rows as f64;
            let scale = (pj + hot) / rows as f64;
            let got = f64::from(grad[r * vocab + j]);
            let err = (got - exact).abs() / scale;
            assert!(
                err <= TOL,
                "{}: {rows}×{vocab}: dlogits[{r},{j}] = {got}, expected {exact} \
                 (relative error {err:e})",
                backend.name()
            );
        }
    }
}

/// The hyperparameters of the random AdamW tests: a large learning rate and
/// decay, so each update is large against the parameter's float32 rounding.
const ADAMW_HP: AdamW = AdamW {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.1,
};

/// Runs one AdamW step on random state and checks the parameter's update
/// and both moments against float64: each relative to the magnitudes of
/// the terms it sums, the parameter allowing one float32 rounding of itself
/// more.
fn check_adamw(backend: &impl Backend, n: usize, step: u64, seed: u64) {
    let hp = ADAMW_HP;
    let p0 = random(n, seed);
    let m0 = random(n, seed ^ 1);
    let v0: Vec<f32> = random(n, seed ^ 2).iter().map(|x| x.abs()).collect();
    let g = random(n, seed ^ 3);
    let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
    backend
        .adamw_step(&mut p, &mut m, &mut v, &g, &hp, step)
        .unwrap_or_else(|e| panic!("{}: n {n}: {e}", backend.name()));
    let (b1, b2) = (f64::from(hp.beta1), f64::from(hp.beta2));
    let (lr, wd, eps) = (
        f64::from(hp.lr),
        f64::from(hp.weight_decay),
        f64::from(hp.eps),
    );
    let t = step as i32;
    let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
    for i in 0..n {
        let (pi, mi, vi, gi) = (
            f64::from(p0[i]),
            f64::from(m0[i]),
            f64::from(v0[i]),
            f64::from(g[i]),
        );
        let m_new = b1 * mi + (1.0 - b1) * gi;
        let v_new = b2 * vi + (1.0 - b2) * gi * gi;
        let adam = lr * (m_new / c1) / ((v_new / c2).sqrt() + eps);
        let decay = lr * wd * pi;
        let p_new = pi - adam - decay;
        let checks = [
            ("m", m[i], m_new, (b1 * mi).abs() + ((1.0 - b1) * gi).abs()),
            ("v", v[i], v_new, b2 * vi + (1.0 - b2) * gi * gi),
            (
                "p",
                p[i],
                p_new,
                adam.abs() + decay.abs() + pi.abs() * f64::from(f32::EPSILON) / TOL,
            ),
        ];
        for (what, got, exact, scale) in checks {
            let err = (f64::from(got) - exact).abs() / scale;
            assert!(
                err <= TOL,
                "{}: n {n}, step {step}: {what}[{i}] = {got}, expected {exact} \
                 (relative error {err:e})",
                backend.name()
            );
        }
    }
}

/// Checks `Σ w_i g_i` for `workers` random gradients of length `len` with
/// random positive weights summing to 1, relative to `Σ |w_i g_i|`.
fn check_weighted_sum(backend: &impl Backend, workers: usize, len: usize, seed: u64) {
    let grads: Vec<Vec<f32>> = (0..workers)
        .map(|i| random(len, seed + 17 * i as u64))
        .collect();
    let raw: Vec<f32> = random(workers, seed ^ 7).iter().map(|x| x.abs()).collect();
    let total: f32 = raw.iter().sum();
    let weights: Vec<f32> = raw.iter().map(|w| w / total).collect();
    let views: Vec<&[f32]> = grads.iter().map(Vec::as_slice).collect();
    let out = backend
        .weighted_sum(&views, &weights)
        .unwrap_or_else(|e| panic!("{}: {workers}×{len}: {e}", backend.name()));
    assert_eq!(out.len(), len, "{}", backend.name());
    for (j, &got) in out.iter().enumerate() {
        let (mut exact, mut scale) = (0.0f64, 0.0f64);
        for (g, &w) in grads.iter().zip(&weights) {
            let t = f64::from(w) * f64::from(g[j]);
            exact += t;
            scale += t.abs();
        }
        let err = (f64::from(got) - exact).abs() / scale;
        assert!(
            err <= TOL,
            "{}: {workers}×{len}: out[{j}] = {got}, expected {exact} (relative error {err:e})",
            backend.name()
        );
    }
}

macro_rules! stamp_training_kernel_tests {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;

            fn backend() -> impl Backend {
                $backend
            }

            #[test]
            fn cross_entropy_loss_matches_f64_reference() {
                let be = backend();
                for (seed, &(rows, vocab)) in CE_SHAPES.iter().enumerate() {
                    check_cross_entropy_loss(&be, rows, vocab, 400 + seed as u64);
                }
            }

            #[test]
            fn cross_entropy_grad_matches_f64_reference() {
                let be = backend();
                for (seed, &(rows, vocab)) in CE_SHAPES.iter().enumerate() {
                    check_cross_entropy_grad(&be, rows, vocab, 500 + seed as u64);
                }
            }

            #[test]
            fn cross_entropy_known_answer_uniform_logits() {
                // Equal logits: softmax is 1/vocab, the loss ln(vocab).
                let be = backend();
                let (rows, vocab) = (3, 5);
                let logits = vec![0.75f32; rows * vocab];
                let targets = [0, 4, 2];
                let loss = be
                    .cross_entropy_loss(&logits, &targets, vocab)
                    .expect("valid inputs");
                let ln5 = 5.0f64.ln();
                assert!((f64::from(loss) - ln5).abs() <= TOL * ln5, "{loss}");
                let grad = be
                    .cross_entropy_grad(&logits, &targets, vocab)
                    .expect("valid inputs");
                for (r, &t) in targets.iter().enumerate() {
                    for j in 0..vocab {
                        let hot = if j == t as usize { 1.0 } else { 0.0 };
                        let exact = (0.2 - hot) / 3.0;
                        let got = f64::from(grad[r * vocab + j]);
                        assert!((got - exact).abs() <= TOL * 0.4, "[{r},{j}] {got}");
                    }
                }
            }

            #[test]
            fn cross_entropy_rejects_a_target_outside_the_vocabulary() {
                let err = backend()
                    .cross_entropy_loss(&[1.0; 6], &[0, 3], 3)
                    .expect_err("target 3 of a 3-class vocabulary");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                let err = backend()
                    .cross_entropy_grad(&[1.0; 5], &[0, 1], 3)
                    .expect_err("5 logits for 2 rows of 3");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
            }

            #[test]
            fn adamw_matches_f64_reference() {
                let be = backend();
                for (seed, &n) in LENGTHS.iter().enumerate() {
                    for step in [1, 7, 1000] {
                        check_adamw(&be, n, step, 600 + seed as u64 + step);
                    }
                }
            }

            #[test]
            fn adamw_known_answer_first_step() {
                // From m = v = 0, step 1: m̂ = g and v̂ = g², so each
                // parameter moves by −lr·(sign(g) + weight_decay·p).
                let be = backend();
                let hp = AdamW::default();
                let p0 = random(7, 700);
                let g = random(7, 701);
                let mut p = p0.clone();
                let (mut m, mut v) = (vec![0.0; 7], vec![0.0; 7]);
                be.adamw_step(&mut p, &mut m, &mut v, &g, &hp, 1)
                    .expect("valid inputs");
                for i in 0..7 {
                    let moved = f64::from(p[i]) - f64::from(p0[i]);
                    let expected = -f64::from(hp.lr)
                        * (f64::from(g[i].signum())
                            + f64::from(hp.weight_decay) * f64::from(p0[i]));
                    assert!(
                        (moved - expected).abs() <= 1e-3 * f64::from(hp.lr) + 1.2e-7,
                        "p[{i}] moved {moved}, expected {expected}"
                    );
                    let m_exact = (1.0 - f64::from(hp.beta1)) * f64::from(g[i]);
                    assert!((f64::from(m[i]) - m_exact).abs() <= TOL * m_exact.abs());
                    let v_exact = (1.0 - f64::from(hp.beta2)) * f64::from(g[i]).powi(2);
                    assert!((f64::from(v[i]) - v_exact).abs() <= TOL * v_exact);
                }
            }

            #[test]
            fn adamw_rejects_step_zero_and_mismatched_lengths() {
                let be = backend();
                let hp = AdamW::default();
                let (mut p, mut m, mut v) = ([1.0; 3], [0.0; 3], [0.0; 3]);
                let err = be
                    .adamw_step(&mut p, &mut m, &mut v, &[0.5; 3], &hp, 0)
                    .expect_err("steps count from 1");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                let err = be
                    .adamw_step(&mut p, &mut m, &mut v, &[0.5; 2], &hp, 1)
                    .expect_err("2 gradients for 3 parameters");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                assert_eq!(p, [1.0; 3], "a rejected step changes nothing");
            }

            #[test]
            fn weighted_sum_matches_f64_reference() {
                let be = backend();
                for workers in [1, 2, 5] {
                    for (seed, &len) in LENGTHS.iter().enumerate() {
                        check_weighted_sum(
                            &be,
                            workers,
                            len,
                            800 + 10 * workers as u64 + seed as u64,
                        );
                    }
                }
            }

            #[test]
            fn weighted_sum_known_answer_equal_weights_is_the_mean() {
                let be = backend();
                let grads: Vec<Vec<f32>> = (0..3).map(|i| random(7, 900 + i)).collect();
                let views: Vec<&[f32]> = grads.iter().map(Vec::as_slice).collect();
                let out = be
                    .weighted_sum(&views, &[1.0 / 3.0; 3])
                    .expect("valid inputs");
                for (j, &got) in out.iter().enumerate() {
                    let mean = grads.iter().map(|g| f64::from(g[j])).sum::<f64>() / 3.0;
                    let scale = grads.iter().map(|g| f64::from(g[j]).abs()).sum::<f64>() / 3.0;
                    assert!(
                        (f64::from(got) - mean).abs() <= TOL * scale,
                        "out[{j}] = {got}, mean {mean}"
                    );
                }
                let one = be.weighted_sum(&[&grads[0]], &[1.0]).expect("valid inputs");
                assert_eq!(one, grads[0], "one worker with weight 1 is the identity");
            }

            #[test]
            fn weighted_sum_rejects_mismatched_inputs() {
                let be = backend();
                let err = be
                    .weighted_sum(&[&[1.0, 2.0], &[3.0]], &[0.5, 0.5])
                    .expect_err("gradients of different lengths");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                let err = be
                    .weighted_sum(&[&[1.0, 2.0]], &[0.5, 0.5])
                    .expect_err("two weights for one gradient");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                let err = be.weighted_sum(&[], &[]).expect_err("no gradients");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
            }
        }
    };
}

stamp_training_kernel_tests!(training_cpu, CpuBackend);
stamp_training_kernel_tests!(
    training_gpu,
    GpuBackend::new().expect("test.sh installs lavapipe, so a device opens")
);

// --- attention (attn) ---

use crate::attention::AttentionShape;

/// (batch, heads, seq, head_dim) of the attention tests: a scalar, odd
/// sizes, several groups with head_dim 8. Small: lavapipe is slow.
const ATTN_SHAPES: [(usize, usize, usize, usize); 4] =
    [(1, 1, 1, 1), (1, 2, 5, 3), (2, 3, 7, 8), (1, 1, 9, 4)];

/// Error bound on attention's results relative to the magnitude of their
/// terms (see [`AttnRef`]): the scores and probabilities carry a few float32
/// roundings (and `exp` a few ulp) each.
const ATTN_TOL: f64 = 1e-5;

/// Attention in float64, written from the matrix formulas (full score
/// matrix with the upper triangle masked, row softmax, products), with the
/// magnitude of each result's terms: the same sums over absolute values.
struct AttnRef {
    o: Vec<f64>,
    o_mag: Vec<f64>,
    lse: Vec<f64>,
    lse_mag: Vec<f64>,
    dq: Vec<f64>,
    dq_mag: Vec<f64>,
    dk: Vec<f64>,
    dk_mag: Vec<f64>,
    dv: Vec<f64>,
    dv_mag: Vec<f64>,
}

/// The float64 reference for `(b, h, n, d)` on `q`, `k`, `v` and output
/// gradient `g`.
#[allow(clippy::needless_range_loop)] // index arithmetic as in the formulas
fn attention_f64(
    q: &[f64],
    k: &[f64],
    v: &[f64],
    g: &[f64],
    (b, h, n, d): (usize, usize, usize, usize),
) -> AttnRef {
    let len = b * h * n * d;
    let mut r = AttnRef {
        o: vec![0.0; len],
        o_mag: vec![0.0; len],
        lse: vec![0.0; b * h * n],
        lse_mag: vec![0.0; b * h * n],
        dq: vec![0.0; len],
        dq_mag: vec![0.0; len],
        dk: vec![0.0; len],
        dk_mag: vec![0.0; len],
        dv: vec![0.0; len],
        dv_mag: vec![0.0; len],
    };
    let scale = 1.0 / (d as f64).sqrt();
    for grp in 0..b * h {
        let at = |x: &[f64], row: usize, c: usize| x[(grp * n + row) * d + c];
        // S (n × n), masked with −∞ above the diagonal, and its magnitude.
        let mut s = vec![vec![f64::NEG_INFINITY; n]; n];
        let mut s_mag = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                s[i][j] = scale * (0..d).map(|c| at(q, i, c) * at(k, j, c)).sum::<f64>();
                s_mag[i][j] = scale
                    * (0..d)
                        .map(|c| (at(q, i, c) * at(k, j, c)).abs())
                        .sum::<f64>();
            }
        }
        // P = row softmax of S.
        let mut p = vec![vec![0.0; n]; n];
        for i in 0..n {
            let m = s[i].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s[i].iter().map(|x| (x - m).exp()).sum();
            for j in 0..n {
                p[i][j] = (s[i][j] - m).exp() / z;
            }
            r.lse[grp * n + i] = m + z.ln();
            r.lse_mag[grp * n + i] = 1.0 + s_mag[i].iter().copied().fold(0.0, f64::max);
        }
        // O = P V.
        for i in 0..n {
            for c in 0..d {
                let e = (grp * n + i) * d + c;
                r.o[e] = (0..n).map(|j| p[i][j] * at(v, j, c)).sum();
                r.o_mag[e] = (0..n).map(|j| p[i][j] * at(v, j, c).abs()).sum();
            }
        }
        // dP = G Vᵀ; dS = P ∘ (dP − rowsum(P ∘ dP)).
        let mut ds = vec![vec![0.0; n]; n];
        let mut ds_mag = vec![vec![0.0; n]; n];
        for i in 0..n {
            let dp: Vec<f64> = (0..n)
                .map(|j| (0..d).map(|c| at(g, i, c) * at(v, j, c)).sum())
                .collect();
            let dp_mag: Vec<f64> = (0..n)
                .map(|j| (0..d).map(|c| (at(g, i, c) * at(v, j, c)).abs()).sum())
                .collect();
            let rowsum: f64 = (0..n).map(|j| p[i][j] * dp[j]).sum();
            let rowsum_mag: f64 = (0..n).map(|j| p[i][j] * dp_mag[j]).sum();
            for j in 0..n {
                ds[i][j] = p[i][j] * (dp[j] - rowsum);
                ds_mag[i][j] = p[i][j] * (dp_mag[j] + rowsum_mag) * (1.0 + s_mag[i][j]);
            }
        }
        // dQ = dS K · scale, dK = dSᵀ Q · scale, dV = Pᵀ G.
        for x in 0..n {
            for c in 0..d {
                let e = (grp * n + x) * d + c;
                r.dq[e] = scale * (0..n).map(|j| ds[x][j] * at(k, j, c)).sum::<f64>();
                r.dq_mag[e] = scale
                    * (0..n)
                        .map(|j| ds_mag[x][j] * at(k, j, c).abs())
                        .sum::<f64>();
                r.dk[e] = scale * (0..n).map(|i| ds[i][x] * at(q, i, c)).sum::<f64>();
                r.dk_mag[e] = scale
                    * (0..n)
                        .map(|i| ds_mag[i][x] * at(q, i, c).abs())
                        .sum::<f64>();
                r.dv[e] = (0..n).map(|i| p[i][x] * at(g, i, c)).sum();
                r.dv_mag[e] = (0..n).map(|i| p[i][x] * at(g, i, c).abs()).sum();
            }
        }
    }
    r
}

fn to_f64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&x| f64::from(x)).collect()
}

/// Checks every element of `got` against `exact` within [`ATTN_TOL`] of
/// its term magnitude `mag`.
fn assert_all_close(got: &[f32], exact: &[f64], mag: &[f64], what: &dyn Fn(usize) -> String) {
    assert_eq!(got.len(), exact.len(), "{}", what(0));
    for e in 0..got.len() {
        assert_close(got[e], exact[e], mag[e], ATTN_TOL, &|| what(e));
    }
}

/// The float64 reference's backward pass agrees with central finite
/// differences of `L = Σ O ∘ G` on a tiny shape.
#[test]
fn attention_f64_reference_backward_matches_finite_differences() {
    let shape = (1, 2, 4, 3);
    let len = 2 * 4 * 3;
    let q = to_f64(&random(len, 1100));
    let k = to_f64(&random(len, 1101));
    let v = to_f64(&random(len, 1102));
    let g = to_f64(&random(len, 1103));
    let r = attention_f64(&q, &k, &v, &g, shape);
    let loss = |q: &[f64], k: &[f64], v: &[f64]| -> f64 {
        let o = attention_f64(q, k, v, &g, shape).o;
        o.iter().zip(&g).map(|(o, g)| o * g).sum()
    };
    let h = 1e-6;
    for which in 0..3 {
        for e in 0..len {
            let mut plus = [q.clone(), k.clone(), v.clone()];
            let mut minus = plus.clone();
            plus[which][e] += h;
            minus[which][e] -= h;
            let fd = (loss(&plus[0], &plus[1], &plus[2]) - loss(&minus[0], &minus[1], &minus[2]))
                / (2.0 * h);
            let analytic = [&r.dq, &r.dk, &r.dv][which][e];
            assert!(
                (fd - analytic).abs() <= 1e-7 * (1.0 + analytic.abs()),
                "d{}[{e}]: finite difference {fd}, analytic {analytic}",
                ["q", "k", "v"][which]
            );
        }
    }
}

macro_rules! stamp_attention_tests {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;

            fn backend() -> impl Backend {
                $backend
            }

            #[test]
            fn attention_forward_and_backward_match_f64_reference() {
                let be = backend();
                for (seed, &(b, h, n, d)) in ATTN_SHAPES.iter().enumerate() {
                    let shape = AttentionShape {
                        batch: b,
                        heads: h,
                        seq: n,
                        head_dim: d,
                    };
                    let seed = 1200 + 10 * seed as u64;
                    // Magnitudes in [0.2, 2]: scores spread over several units.
                    let q: Vec<f32> = random(shape.len(), seed).iter().map(|x| 2.0 * x).collect();
                    let k: Vec<f32> = random(shape.len(), seed + 1)
                        .iter()
                        .map(|x| 2.0 * x)
                        .collect();
                    let v = random(shape.len(), seed + 2);
                    let g = random(shape.len(), seed + 3);
                    let r = attention_f64(
                        &to_f64(&q),
                        &to_f64(&k),
                        &to_f64(&v),
                        &to_f64(&g),
                        (b, h, n, d),
                    );
                    let out = be.attention(&q, &k, &v, shape).expect("attention");
                    let what = |name: &'static str| {
                        let be = be.name();
                        move |e: usize| format!("{be}: {shape:?}: {name}[{e}]")
                    };
                    assert_all_close(&out.o, &r.o, &r.o_mag, &what("o"));
                    assert_all_close(&out.lse, &r.lse, &r.lse_mag, &what("lse"));
                    let grads = be
                        .attention_backward(&q, &k, &v, &out.o, &out.lse, &g, shape)
                        .expect("attention_backward");
                    assert_all_close(&grads.dq, &r.dq, &r.dq_mag, &what("dq"));
                    assert_all_close(&grads.dk, &r.dk, &r.dk_mag, &what("dk"));
                    assert_all_close(&grads.dv, &r.dv, &r.dv_mag, &what("dv"));
                }
            }

            #[test]
            fn attention_known_answers() {
                let be = backend();
                // seq 1: each position attends only to itself, so O = V.
                let shape = AttentionShape {
                    batch: 2,
                    heads: 3,
                    seq: 1,
                    head_dim: 4,
                };
                let (q, k, v) = (random(24, 1300), random(24, 1301), random(24, 1302));
                let out = be.attention(&q, &k, &v, shape).expect("attention");
                assert_eq!(out.o, v, "{}: seq 1", be.name());
                // Identical keys: equal scores, so O_t is the mean of V_0..=t.
                let shape = AttentionShape {
                    batch: 1,
                    heads: 2,
                    seq: 6,
                    head_dim: 3,
                };
                let q = random(36, 1303);
                let key = random(3, 1304);
                let k: Vec<f32> = (0..12).flat_map(|_| key.iter().copied()).collect();
                let v = random(36, 1305);
                let out = be.attention(&q, &k, &v, shape).expect("attention");
                for grp in 0..2 {
                    for t in 0..6 {
                        for c in 0..3 {
                            let terms = (0..=t).map(|j| f64::from(v[(grp * 6 + j) * 3 + c]));
                            let mean = terms.clone().sum::<f64>() / (t + 1) as f64;
                            let mag = terms.map(f64::abs).sum::<f64>() / (t + 1) as f64;
                            let e = (grp * 6 + t) * 3 + c;
                            assert_close(out.o[e], mean, mag, ATTN_TOL, &|| {
                                format!("{}: identical keys: o[{e}]", be.name())
                            });
                        }
                    }
                }
            }

            #[test]
            fn attention_rejects_bad_shapes() {
                let be = backend();
                let shape = AttentionShape {
                    batch: 1,
                    heads: 1,
                    seq: 2,
                    head_dim: 2,
                };
                let x = [0.5f32; 4];
                let err = be.attention(&x, &x[..3], &x, shape).expect_err("short k");
                assert!(matches!(err, ExecError::LengthMismatch { .. }), "{err:?}");
                let err = be
                    .attention_backward(&x, &x, &x, &x, &[0.0; 3], &x, shape)
                    .expect_err("three statistics for two rows");
                assert!(matches!(err, ExecError::LengthMismatch { .. }), "{err:?}");
                let zero = AttentionShape {
                    head_dim: 0,
                    ..shape
                };
                let err = be.attention(&[], &[], &[], zero).expect_err("head_dim 0");
                assert!(matches!(err, ExecError::InvalidInput { .. }), "{err:?}");
                let empty = AttentionShape { batch: 0, ..shape };
                let out = be.attention(&[], &[], &[], empty).expect("empty batch");
                assert!(out.o.is_empty() && out.lse.is_empty());
            }
        }
    };
}

stamp_attention_tests!(attention_cpu, CpuBackend);
stamp_attention_tests!(
    attention_gpu,
    GpuBackend::new().expect("test.sh installs lavapipe, so a device opens")
);
