//! The weighted gradient sum kernel, `weighted_sum.wgsl`: the workers'
//! gradients are concatenated into one buffer and each invocation sums one
//! element over the workers in ascending order.

use super::{LINEAR_WORKGROUP, check_groups, check_storage, output, pipeline, run, scoped};
use super::{storage, to_u32, uniform};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::training::{WEIGHTED_SUM, check_weighted_sum};

/// The compiled weighted-sum pipeline for one device.
#[derive(Debug)]
pub struct WeightedSumKernel {
    pipeline: wgpu::ComputePipeline,
}

impl WeightedSumKernel {
    /// Compiles `weighted_sum.wgsl` on `device`.
    pub fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, WEIGHTED_SUM, || {
            Ok(WeightedSumKernel {
                pipeline: pipeline(device, WEIGHTED_SUM, include_str!("weighted_sum.wgsl")),
            })
        })
    }

    /// `Σᵢ weights[i]·grads[i]` (see
    /// [`Backend::weighted_sum`](crate::Backend::weighted_sum)).
    pub fn execute(
        &self,
        gpu: &Gpu,
        grads: &[&[f32]],
        weights: &[f32],
    ) -> Result<Vec<f32>, ExecError> {
        let len = check_weighted_sum(grads, weights)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        check_storage(gpu, grads.len() * len)?;
        let groups = check_groups(gpu, len.div_ceil(LINEAR_WORKGROUP))?;
        let params = [
            to_u32(grads.len(), "a worker count")?,
            to_u32(len, "a gradient length")?,
            0,
            0,
        ];
        let all: Vec<f32> = grads.concat();
        run(gpu, WEIGHTED_SUM, &self.pipeline, [groups, 1], |device| {
            let out = output(device, "weighted_sum out", len);
            let outputs = vec![(out.clone(), len)];
            let buffers = vec![
                uniform(device, "weighted_sum params", &params),
                storage(device, "weighted_sum grads", &all),
                storage(device, "weighted_sum weights", weights),
                out,
            ];
            Ok((buffers, outputs))
        })
    }
}
