//! Micro-benchmark probes for calibration: the submit-to-completion time of
//! an empty kernel (`probe_empty.wgsl`), a device-memory copy kernel
//! (`probe_copy.wgsl`), and host staging each way. Each returns seconds of
//! one run; the caller repeats and takes medians.

use super::{LINEAR_WORKGROUP, check_groups, pipeline, scoped};
use crate::devices::Gpu;
use crate::error::ExecError;
use std::time::Instant;
use wgpu::util::DeviceExt;

const NAME: &str = "calibration probe";

/// The compiled probe pipelines and buffers for one device.
#[derive(Debug)]
pub struct Probes {
    empty: wgpu::ComputePipeline,
    copy: wgpu::ComputePipeline,
}

impl Probes {
    /// Compiles the probe kernels on `gpu`.
    pub fn new(gpu: &Gpu) -> Result<Self, ExecError> {
        let device = &gpu.device;
        scoped(device, NAME, || {
            Ok(Probes {
                empty: pipeline(device, "probe_empty", include_str!("probe_empty.wgsl")),
                copy: pipeline(device, "probe_copy", include_str!("probe_copy.wgsl")),
            })
        })
    }

    /// Seconds from submitting one empty dispatch to its completion.
    pub fn dispatch_seconds(&self, gpu: &Gpu) -> Result<f64, ExecError> {
        let device = &gpu.device;
        let start = Instant::now();
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.empty);
            pass.dispatch_workgroups(1, 1, 1);
        }
        gpu.queue.submit([encoder.finish()]);
        wait(gpu)?;
        Ok(start.elapsed().as_secs_f64())
    }

    /// Seconds of one copy-kernel run over `bytes` (a multiple of 16)
    /// already on the device, dispatch latency included.
    pub fn copy_seconds(&self, gpu: &Gpu, bytes: u64) -> Result<f64, ExecError> {
        let device = &gpu.device;
        let vec4s = usize::try_from(bytes / 16).unwrap_or(usize::MAX);
        let groups = vec4s.div_ceil(LINEAR_WORKGROUP).max(1);
        let max = gpu.limits.max_compute_workgroups_per_dimension as usize;
        let gx = check_groups(gpu, groups.min(max))?;
        let gy = check_groups(gpu, groups.div_ceil(groups.min(max)))?;
        let (src, dst, bind) = scoped(device, NAME, || {
            let src = buffer(device, bytes, wgpu::BufferUsages::STORAGE);
            let dst = buffer(device, bytes, wgpu::BufferUsages::STORAGE);
            let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("probe_copy"),
                layout: &self.copy.get_bind_group_layout(0),
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: src.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: dst.as_entire_binding(),
                    },
                ],
            });
            Ok((src, dst, bind))
        })?;
        let start = Instant::now();
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.copy);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        gpu.queue.submit([encoder.finish()]);
        wait(gpu)?;
        let t = start.elapsed().as_secs_f64();
        drop((src, dst));
        Ok(t)
    }

    /// Seconds to upload `data` into a new storage buffer and wait for it.
    pub fn upload_seconds(&self, gpu: &Gpu, data: &[f32]) -> Result<f64, ExecError> {
        let start = Instant::now();
        let buf = gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("probe upload"),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            });
        gpu.queue.submit([]);
        wait(gpu)?;
        let t = start.elapsed().as_secs_f64();
        drop(buf);
        Ok(t)
    }

    /// Seconds to read `bytes` back from a device buffer into host memory
    /// (copy into a mappable buffer, map, copy out).
    pub fn readback_seconds(&self, gpu: &Gpu, bytes: u64) -> Result<f64, ExecError> {
        let device = &gpu.device;
        let src = buffer(
            device,
            bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let staging = buffer(
            device,
            bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        // Touch the source first so the timing excludes its allocation.
        gpu.queue.submit([]);
        wait(gpu)?;
        let start = Instant::now();
        let mut encoder = device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&src, 0, &staging, 0, bytes);
        gpu.queue.submit([encoder.finish()]);
        let out = super::read_back(gpu, NAME, &staging)?;
        let t = start.elapsed().as_secs_f64();
        std::hint::black_box(out);
        Ok(t)
    }
}

fn buffer(device: &wgpu::Device, bytes: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(NAME),
        size: bytes,
        usage,
        mapped_at_creation: false,
    })
}

fn wait(gpu: &Gpu) -> Result<(), ExecError> {
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map(|_| ())
        .map_err(|e| ExecError::Device {
            kernel: NAME,
            reason: e.to_string(),
        })
}
