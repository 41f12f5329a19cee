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

/// Both GPU matmul kernels are exercised by [`SHAPES`].
#[test]
fn shapes_cover_both_gpu_matmul_kernels() {
    use crate::gpu::MatmulKernel;
    let forward: Vec<Matmul> = SHAPES
        .iter()
        .map(|&(m, k, n)| Matmul::forward(m, k, n))
        .collect();
    let vec4 = forward
        .iter()
        .filter(|s| MatmulKernel::uses_vec4(s))
        .count();
    assert!(vec4 >= 4, "{vec4} shapes on the vec4 kernel");
    assert!(forward.len() - vec4 >= 4);
    assert!(
        forward
            .iter()
            .any(|s| MatmulKernel::uses_vec4(s) && !s.m.is_multiple_of(4) && s.n > 32)
    );
    assert!(!MatmulKernel::uses_vec4(&Matmul::grad_rhs(4, 8, 4)));
    assert!(!MatmulKernel::uses_vec4(&Matmul::grad_lhs(4, 8, 4)));
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
