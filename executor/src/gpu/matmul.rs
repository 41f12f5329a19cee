//! The matrix-multiply kernels: `matmul.wgsl` for every shape, forward and
//! both backward products through transpose flags, and three with vec4 loads
//! (see [`MatmulVariant`]): `matmul_vec4.wgsl` for untransposed products
//! (and for `A · Bᵀ`, with `B` transposed on the host), and
//! `matmul_trans_a.wgsl` for `Aᵀ · B`, when the dimensions they load as vec4
//! are multiples of 4.

use super::{check_groups, check_storage, output, pipeline, run, scoped, storage, to_u32, uniform};
use crate::backend::Matmul;
use crate::devices::Gpu;
use crate::error::ExecError;

/// Outputs per invocation along each axis (the register block is 4×4).
const BLOCK: usize = 4;
/// Invocations per workgroup along each axis (`@workgroup_size(8, 8, 1)`).
const WORKGROUP: usize = 8;
const NAME: &str = "matmul";
const DIMENSION: &str = "a matrix dimension";

/// Which kernel runs a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatmulVariant {
    /// `matmul.wgsl`: any shape and transposes, scalar loads.
    General,
    /// `matmul_vec4.wgsl`: `A · B` with `k` and `n` multiples of 4.
    Vec4,
    /// `matmul_trans_a.wgsl`: `Aᵀ · B` with `m` and `n` multiples of 4.
    TransA,
    /// `A · Bᵀ` with `k` and `n` multiples of 4: `B` is transposed on the
    /// host (`k · n` moves, cheap beside the product's `m · k · n` terms),
    /// then `matmul_vec4.wgsl` runs. On lavapipe this measured faster than
    /// a kernel that transposes 4×4 blocks of `B` in registers, whose loads
    /// of `B` are strided across invocations.
    TransB,
}

/// The compiled matrix-multiply pipelines for one device.
#[derive(Debug)]
pub struct MatmulKernel {
    general: wgpu::ComputePipeline,
    vec4: wgpu::ComputePipeline,
    trans_a: wgpu::ComputePipeline,
}

impl MatmulKernel {
    /// Compiles the three matrix-multiply kernels on `device`.
    pub fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(MatmulKernel {
                general: pipeline(device, NAME, include_str!("matmul.wgsl")),
                vec4: pipeline(device, "matmul_vec4", include_str!("matmul_vec4.wgsl")),
                trans_a: pipeline(
                    device,
                    "matmul_trans_a",
                    include_str!("matmul_trans_a.wgsl"),
                ),
            })
        })
    }

    /// The kernel that runs `s`.
    pub fn variant(s: &Matmul) -> MatmulVariant {
        let four = |x: usize| x.is_multiple_of(BLOCK);
        match (s.trans_a, s.trans_b) {
            (false, false) if four(s.k) && four(s.n) => MatmulVariant::Vec4,
            (true, false) if four(s.m) && four(s.n) => MatmulVariant::TransA,
            (false, true) if four(s.k) && four(s.n) => MatmulVariant::TransB,
            _ => MatmulVariant::General,
        }
    }

    /// Whether `s` runs on the untransposed vec4 kernel.
    pub fn uses_vec4(s: &Matmul) -> bool {
        Self::variant(s) == MatmulVariant::Vec4
    }

    /// `C = op(A) · op(B)` on `gpu`; blocks until the result is read back.
    pub fn execute(
        &self,
        gpu: &Gpu,
        a: &[f32],
        b: &[f32],
        s: Matmul,
    ) -> Result<Vec<f32>, ExecError> {
        s.check(a, b)?;
        if s.c_len() == 0 {
            return Ok(Vec::new());
        }
        if s.k == 0 {
            return Ok(vec![0.0; s.c_len()]);
        }
        if Self::variant(&s) == MatmulVariant::TransB {
            let mut bt = vec![0.0f32; b.len()];
            for (j, row) in b.chunks_exact(s.k).enumerate() {
                for (p, &x) in row.iter().enumerate() {
                    bt[p * s.n + j] = x;
                }
            }
            return self.execute(gpu, a, &bt, Matmul::forward(s.m, s.k, s.n));
        }
        let dims = [
            to_u32(s.m, DIMENSION)?,
            to_u32(s.k, DIMENSION)?,
            to_u32(s.n, DIMENSION)?,
        ];
        let flags = u32::from(s.trans_a) | (u32::from(s.trans_b) << 1);
        for len in [s.a_len(), s.b_len(), s.c_len()] {
            check_storage(gpu, len)?;
        }
        let groups_x = check_groups(gpu, s.n.div_ceil(BLOCK).div_ceil(WORKGROUP))?;
        let groups_y = check_groups(gpu, s.m.div_ceil(BLOCK).div_ceil(WORKGROUP))?;
        let pipeline = match Self::variant(&s) {
            MatmulVariant::General => &self.general,
            MatmulVariant::Vec4 | MatmulVariant::TransB => &self.vec4,
            MatmulVariant::TransA => &self.trans_a,
        };
        let device = &gpu.device;
        let params = [dims[0], dims[1], dims[2], flags];
        run(gpu, NAME, pipeline, [groups_x, groups_y], |_| {
            let params = uniform(device, "matmul params", &params);
            let a_buf = storage(device, "matmul a", a);
            let b_buf = storage(device, "matmul b", b);
            let c_buf = output(device, "matmul c", s.c_len());
            let outputs = vec![(c_buf.clone(), s.c_len())];
            Ok((vec![params, a_buf, b_buf, c_buf], outputs))
        })
    }
}
