//! The layer-norm kernels: `layer_norm.wgsl` forward (one row per
//! invocation) and `layer_norm_backward.wgsl` (one row of `dx`, or one
//! column of the gain and bias gradients, per invocation).

use super::{Launch, pipeline, scoped, to_u32};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::layers::{LayerNormGrads, LayerNormOutput, LayerNormShape, check_len};

const NAME: &str = "layer_norm";
const BACKWARD: &str = "layer_norm_backward";
const DIMENSION: &str = "a layer-norm dimension";

/// The compiled layer-norm pipelines for one device.
#[derive(Debug)]
pub(crate) struct LayerNormKernel {
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
}

/// The shape as kernel parameters.
fn params(s: LayerNormShape) -> Result<[u32; 4], ExecError> {
    to_u32(s.rows * s.cols, DIMENSION)?;
    to_u32(s.rows + s.cols, DIMENSION)?;
    Ok([to_u32(s.rows, DIMENSION)?, to_u32(s.cols, DIMENSION)?, 0, 0])
}

impl LayerNormKernel {
    /// Compiles `layer_norm.wgsl` and `layer_norm_backward.wgsl` on `device`.
    pub(crate) fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, NAME, || {
            Ok(LayerNormKernel {
                forward: pipeline(device, NAME, include_str!("layer_norm.wgsl")),
                backward: pipeline(device, BACKWARD, include_str!("layer_norm_backward.wgsl")),
            })
        })
    }

    /// Layer norm forward on `gpu`.
    pub(crate) fn forward(
        &self,
        gpu: &Gpu,
        x: &[f32],
        gain: &[f32],
        bias: &[f32],
        s: LayerNormShape,
    ) -> Result<LayerNormOutput, ExecError> {
        check_len(NAME, "x", x, s.rows * s.cols)?;
        check_len(NAME, "gain", gain, s.cols)?;
        check_len(NAME, "bias", bias, s.cols)?;
        if s.rows == 0 || s.cols == 0 {
            return Ok(LayerNormOutput {
                y: Vec::new(),
                mean: Vec::new(),
                rstd: Vec::new(),
            });
        }
        let [y, mean, rstd] = Launch {
            kernel: NAME,
            pipeline: &self.forward,
            params: params(s)?,
            inputs: &[
                bytemuck::cast_slice(x),
                bytemuck::cast_slice(gain),
                bytemuck::cast_slice(bias),
            ],
            outputs: [x.len(), s.rows, s.rows],
            invocations: s.rows,
        }
        .run(gpu)?;
        Ok(LayerNormOutput { y, mean, rstd })
    }

    /// Layer norm backward on `gpu`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        gpu: &Gpu,
        x: &[f32],
        gain: &[f32],
        mean: &[f32],
        rstd: &[f32],
        dy: &[f32],
        s: LayerNormShape,
    ) -> Result<LayerNormGrads, ExecError> {
        check_len(BACKWARD, "x", x, s.rows * s.cols)?;
        check_len(BACKWARD, "gain", gain, s.cols)?;
        check_len(BACKWARD, "mean", mean, s.rows)?;
        check_len(BACKWARD, "rstd", rstd, s.rows)?;
        check_len(BACKWARD, "dy", dy, s.rows * s.cols)?;
        if s.rows == 0 || s.cols == 0 {
            return Ok(LayerNormGrads {
                dx: Vec::new(),
                dgain: vec![0.0; s.cols],
                dbias: vec![0.0; s.cols],
            });
        }
        let [dx, dgain, dbias] = Launch {
            kernel: BACKWARD,
            pipeline: &self.backward,
            params: params(s)?,
            inputs: &[
                bytemuck::cast_slice(x),
                bytemuck::cast_slice(gain),
                bytemuck::cast_slice(mean),
                bytemuck::cast_slice(rstd),
                bytemuck::cast_slice(dy),
            ],
            outputs: [x.len(), s.cols, s.cols],
            invocations: s.rows + s.cols,
        }
        .run(gpu)?;
        Ok(LayerNormGrads { dx, dgain, dbias })
    }
}
