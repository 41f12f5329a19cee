//! The AdamW kernel, `adamw.wgsl`: one invocation per element updates the
//! parameter and both moments in place; the three buffers are read back.

use super::{LINEAR_WORKGROUP, check_groups, check_storage, pipeline, run, scoped, storage};
use super::{to_u32, uniform};
use crate::devices::Gpu;
use crate::error::ExecError;
use crate::training::{ADAMW, AdamW, check_adamw};

/// The compiled AdamW pipeline for one device.
#[derive(Debug)]
pub struct AdamWKernel {
    pipeline: wgpu::ComputePipeline,
}

impl AdamWKernel {
    /// Compiles `adamw.wgsl` on `device`.
    pub fn new(device: &wgpu::Device) -> Result<Self, ExecError> {
        scoped(device, ADAMW, || {
            Ok(AdamWKernel {
                pipeline: pipeline(device, ADAMW, include_str!("adamw.wgsl")),
            })
        })
    }

    /// One step (see [`Backend::adamw_step`](crate::Backend::adamw_step)).
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &self,
        gpu: &Gpu,
        params: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        grads: &[f32],
        hp: &AdamW,
        step: u64,
    ) -> Result<(), ExecError> {
        check_adamw(params, m, v, grads, step)?;
        let n = params.len();
        if n == 0 {
            return Ok(());
        }
        check_storage(gpu, n)?;
        let groups = check_groups(gpu, n.div_ceil(LINEAR_WORKGROUP))?;
        let (c1, c2) = hp.bias_corrections(step);
        let words = [
            to_u32(n, "a parameter count")?,
            hp.lr.to_bits(),
            hp.beta1.to_bits(),
            hp.beta2.to_bits(),
            hp.eps.to_bits(),
            hp.weight_decay.to_bits(),
            c1.to_bits(),
            c2.to_bits(),
        ];
        let (p_in, m_in, v_in): (&[f32], &[f32], &[f32]) = (params, m, v);
        let out = run(gpu, ADAMW, &self.pipeline, [groups, 1], |device| {
            let p_buf = storage(device, "adamw params", p_in);
            let m_buf = storage(device, "adamw m", m_in);
            let v_buf = storage(device, "adamw v", v_in);
            let outputs = vec![(p_buf.clone(), n), (m_buf.clone(), n), (v_buf.clone(), n)];
            let buffers = vec![
                uniform(device, "adamw hyperparameters", &words),
                storage(device, "adamw grads", grads),
                p_buf,
                m_buf,
                v_buf,
            ];
            Ok((buffers, outputs))
        })?;
        let (p_out, rest) = out.split_at(n);
        let (m_out, v_out) = rest.split_at(n);
        params.copy_from_slice(p_out);
        m.copy_from_slice(m_out);
        v.copy_from_slice(v_out);
        Ok(())
    }
}
