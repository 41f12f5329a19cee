//! The GELU kernels (tanh approximation): `gelu.wgsl` forward and
//! `gelu_backward.wgsl`, one element per invocation.

use super::{Launch, pipeline, scoped, to_u32};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::layers::check_len;

const NAME: &str = "gelu";
const BACKWARD: &str = "gelu_backward";
const ELEMENTS: &str = "elements of a GELU input";

/// The compiled GELU pipelines for one device.
#[derive(Debug)]
pub(crate) struct GeluKernel {
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
}

impl GeluKernel {
    /// Compiles `gelu.wgsl` and `gelu_backward.wgsl` on `device`.
    pub(crate) fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(GeluKernel {
                forward: pipeline(device, NAME, include_str!("gelu.wgsl")),
                backward: pipeline(device, BACKWARD, include_str!("gelu_backward.wgsl")),
            })
        })
    }

    /// `GELU(x)` on `gpu`.
    pub(crate) fn forward(&self, gpu: &Gpu, x: &[f32]) -> Result<Vec<f32>, ExecError> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        let [y] = Launch {
            kernel: NAME,
            pipeline: &self.forward,
            params: [to_u32(x.len(), ELEMENTS)?, 0, 0, 0],
            inputs: &[bytemuck::cast_slice(x)],
            outputs: [x.len()],
            invocations: x.len(),
        }
        .run(gpu)?;
        Ok(y)
    }

    /// `dy · GELU′(x)` on `gpu`.
    pub(crate) fn backward(&self, gpu: &Gpu, x: &[f32], dy: &[f32]) -> Result<Vec<f32>, ExecError> {
        check_len(BACKWARD, "dy", dy, x.len())?;
        if x.is_empty() {
            return Ok(Vec::new());
        }
        let [dx] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params: [to_u32(x.len(), ELEMENTS)?, 0, 0, 0],
            inputs: &[bytemuck::cast_slice(x), bytemuck::cast_slice(dy)],
            outputs: [x.len()],
            invocations: x.len(),
        }
        .run(gpu)?;
        Ok(dx)
    }
}
