//! The matrix-multiply kernels: `matmul.wgsl` for every shape, forward and
//! both backward products through transpose flags, and `matmul_vec4.wgsl`
//! with vec4 loads for untransposed products whose `k` and `n` are multiples
//! of 4.

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

/// The compiled matrix-multiply pipelines for one device.
#[derive(Debug)]
pub struct MatmulKernel {
    general: wgpu::ComputePipeline,
    vec4: wgpu::ComputePipeline,
}

impl MatmulKernel {
    /// Compiles `matmul.wgsl` and `matmul_vec4.wgsl` on `device`.
    pub fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(MatmulKernel {
                general: pipeline(device, NAME, include_str!("matmul.wgsl")),
                vec4: pipeline(device, "matmul_vec4", include_str!("matmul_vec4.wgsl")),
            })
        })
    }

    /// Whether `s` runs on the vec4 kernel.
    pub fn uses_vec4(s: &Matmul) -> bool {
        !s.trans_a && !s.trans_b && s.k.is_multiple_of(BLOCK) && s.n.is_multiple_of(BLOCK)
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
        let pipeline = if Self::uses_vec4(&s) {
            &self.vec4
        } else {
            &self.general
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
