//! The softmax cross-entropy kernel, `cross_entropy.wgsl`: one invocation
//! per row computes the row's stable loss and, when asked, its gradient; the
//! host averages the row losses in float64, in row order.

use super::{LINEAR_WORKGROUP, check_groups, check_storage, output, pipeline, run, scoped};
use super::{storage, to_u32, uniform};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::training::{CROSS_ENTROPY, check_cross_entropy};

/// The compiled cross-entropy pipeline for one device.
#[derive(Debug)]
pub struct CrossEntropyKernel {
    pipeline: wgpu::ComputePipeline,
}

impl CrossEntropyKernel {
    /// Compiles `cross_entropy.wgsl` on `device`.
    pub fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, CROSS_ENTROPY, || {
            Ok(CrossEntropyKernel {
                pipeline: pipeline(device, CROSS_ENTROPY, include_str!("cross_entropy.wgsl")),
            })
        })
    }

    /// Runs the kernel; returns the row losses, then (with `want_grad`) the
    /// gradient.
    fn execute(
        &self,
        gpu: &Gpu,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
        want_grad: bool,
    ) -> Result<(Vec<f32>, Vec<f32>), ExecError> {
        let rows = check_cross_entropy(logits, targets, vocab)?;
        check_storage(gpu, logits.len())?;
        let groups = check_groups(gpu, rows.div_ceil(LINEAR_WORKGROUP))?;
        let params = [
            to_u32(rows, "cross-entropy rows")?,
            to_u32(vocab, "a vocabulary size")?,
            u32::from(want_grad),
            0,
        ];
        let grad_len = if want_grad { logits.len() } else { 1 };
        let mut out = run(gpu, CROSS_ENTROPY, &self.pipeline, [groups, 1], |device| {
            let loss = output(device, "cross_entropy row_loss", rows);
            let grad = output(device, "cross_entropy grad", grad_len);
            let mut outputs = vec![(loss.clone(), rows)];
            if want_grad {
                outputs.push((grad.clone(), grad_len));
            }
            let buffers = vec![
                uniform(device, "cross_entropy params", &params),
                storage(device, "cross_entropy logits", logits),
                storage(device, "cross_entropy targets", targets),
                loss,
                grad,
            ];
            Ok((buffers, outputs))
        })?;
        let grad = out.split_off(rows);
        Ok((out, grad))
    }

    /// The mean loss over rows (see
    /// [`Backend::cross_entropy_loss`](crate::Backend::cross_entropy_loss)).
    pub fn loss(
        &self,
        gpu: &Gpu,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<f32, ExecError> {
        let (rows, _) = self.execute(gpu, logits, targets, vocab, false)?;
        let total: f64 = rows.iter().map(|&x| f64::from(x)).sum();
        Ok((total / rows.len() as f64) as f32)
    }

    /// The gradient with respect to the logits (see
    /// [`Backend::cross_entropy_grad`](crate::Backend::cross_entropy_grad)).
    pub fn grad(
        &self,
        gpu: &Gpu,
        logits: &[f32],
        targets: &[u32],
        vocab: usize,
    ) -> Result<Vec<f32>, ExecError> {
        Ok(self.execute(gpu, logits, targets, vocab, true)?.1)
    }
}
