//! The matrix-multiply kernels: `matmul.wgsl` for every shape, forward and
//! both backward products through transpose flags, and `matmul_vec4.wgsl`
//! with vec4 loads for untransposed products whose `k` and `n` are multiples
//! of 4.

use super::{check_storage, entry, pipeline, read_back, scoped, to_u32};
use crate::backend::Matmul;
use crate::devices::Gpu;
use crate::error::ExecError;
use wgpu::util::DeviceExt;

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
        let limits = &gpu.limits;
        for len in [s.a_len(), s.b_len(), s.c_len()] {
            check_storage(gpu, (len * size_of::<f32>()) as u64)?;
        }
        let groups_x = s.n.div_ceil(BLOCK).div_ceil(WORKGROUP);
        let groups_y = s.m.div_ceil(BLOCK).div_ceil(WORKGROUP);
        let max_groups = limits.max_compute_workgroups_per_dimension;
        for groups in [groups_x, groups_y] {
            if groups > max_groups as usize {
                return Err(ExecError::TooLarge {
                    what: "workgroups per dispatch dimension",
                    needed: groups as u64,
                    limit: u64::from(max_groups),
                });
            }
        }
        let pipeline = if Self::uses_vec4(&s) {
            &self.vec4
        } else {
            &self.general
        };
        let device = &gpu.device;
        let c_bytes = (s.c_len() * size_of::<f32>()) as u64;
        let staging = scoped(device, NAME, || {
            let params = [dims[0], dims[1], dims[2], flags];
            let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("matmul params"),
                contents: bytemuck::cast_slice(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let a_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("matmul a"),
                contents: bytemuck::cast_slice(a),
                usage: wgpu::BufferUsages::STORAGE,
            });
            let b_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("matmul b"),
                contents: bytemuck::cast_slice(b),
                usage: wgpu::BufferUsages::STORAGE,
            });
            let c_buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("matmul c"),
                size: c_bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let staging = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("matmul readback"),
                size: c_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(NAME),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[
                    entry(0, &params),
                    entry(1, &a_buf),
                    entry(2, &b_buf),
                    entry(3, &c_buf),
                ],
            });
            let mut encoder = device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(NAME) });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(NAME),
                    timestamp_writes: None,
                });
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, &bind_group, &[]);
                // Both fit u32: checked against the dispatch limit above.
                pass.dispatch_workgroups(groups_x as u32, groups_y as u32, 1);
            }
            encoder.copy_buffer_to_buffer(&c_buf, 0, &staging, 0, c_bytes);
            gpu.queue.submit([encoder.finish()]);
            Ok(staging)
        })?;
        read_back(gpu, NAME, &staging)
    }
}
