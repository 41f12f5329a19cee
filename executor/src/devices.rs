//! Compute adapters: listing what wgpu can see and opening a device on one.
//!
//! On a machine without a GPU, Mesa's software Vulkan driver (lavapipe)
//! provides a CPU adapter; `test.sh` installs it so the GPU tests never skip.

use crate::error::{ExecError, NO_ADAPTER_HINT};
use std::fmt;

/// What wgpu reports about one adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name, e.g. `llvmpipe (LLVM 19.1.7, 256 bits)`.
    pub name: String,
    /// The graphics API wgpu drives it through, e.g. `Vulkan`.
    pub backend: String,
    /// Discrete GPU, integrated GPU, virtual GPU, CPU or other.
    pub device_type: String,
    /// The driver's name, e.g. `llvmpipe`.
    pub driver: String,
    /// The driver's version text, e.g. `Mesa 25.0.7-2~bpo12+1 (LLVM 19.1.7)`.
    pub driver_info: String,
}

impl AdapterSummary {
    /// The summary of an adapter's information.
    pub fn from_info(info: &wgpu::AdapterInfo) -> Self {
        AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: device_type_name(info.device_type).to_owned(),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
        }
    }
}

impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        match (self.driver.is_empty(), self.driver_info.is_empty()) {
            (true, true) => write!(f, ")"),
            (false, true) => write!(f, ", driver {})", self.driver),
            (true, false) => write!(f, ", driver {})", self.driver_info),
            (false, false) => write!(f, ", driver {} {})", self.driver, self.driver_info),
        }
    }
}

fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        wgpu::DeviceType::IntegratedGpu => "integrated GPU",
        wgpu::DeviceType::VirtualGpu => "virtual GPU",
        wgpu::DeviceType::Cpu => "CPU",
        wgpu::DeviceType::Other => "other",
    }
}

/// A wgpu instance for headless compute. Honours `WGPU_BACKEND` and the
/// other `WGPU_*` environment variables.
pub fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter wgpu can see, possibly none.
pub fn adapters() -> Vec<wgpu::Adapter> {
    let instance = instance();
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
}

/// Summaries of every adapter wgpu can see, or [`ExecError::NoAdapter`]
/// when there is none.
pub fn list_adapters() -> Result<Vec<AdapterSummary>, ExecError> {
    let list: Vec<AdapterSummary> = adapters()
        .iter()
        .map(|a| AdapterSummary::from_info(&a.get_info()))
        .collect();
    if list.is_empty() {
        return Err(no_adapter());
    }
    Ok(list)
}

/// The error for a machine without adapters.
pub fn no_adapter() -> ExecError {
    ExecError::NoAdapter {
        hint: NO_ADAPTER_HINT.to_owned(),
    }
}

/// A device and its queue on one adapter, with the adapter's description.
#[derive(Debug, Clone)]
pub struct Gpu {
    /// The device (creates buffers, pipelines).
    pub device: wgpu::Device,
    /// The device's queue (runs command buffers).
    pub queue: wgpu::Queue,
    /// The adapter the device is on.
    pub adapter: AdapterSummary,
    /// The limits the device was opened with (the adapter's own).
    pub limits: wgpu::Limits,
}

impl Gpu {
    /// Opens a device on the adapter wgpu prefers (high performance), with
    /// the adapter's full limits rather than wgpu's conservative defaults.
    pub fn open_default() -> Result<Gpu, ExecError> {
        let instance = instance();
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|_| no_adapter())?;
        Gpu::open(&adapter)
    }

    /// Opens a device on `adapter` with the adapter's full limits.
    pub fn open(adapter: &wgpu::Adapter) -> Result<Gpu, ExecError> {
        let summary = AdapterSummary::from_info(&adapter.get_info());
        let limits = adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("cirrus-executor"),
            required_limits: limits.clone(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc)).map_err(|e| {
            ExecError::RequestDevice {
                adapter: summary.name.clone(),
                reason: e.to_string(),
            }
        })?;
        Ok(Gpu {
            device,
            queue,
            adapter: summary,
            limits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `test.sh` installs lavapipe, so an adapter must exist wherever the
    /// test suite runs; this never skips.
    #[test]
    fn lists_at_least_one_adapter() {
        let list = list_adapters().expect("test.sh installs lavapipe, so an adapter exists");
        assert!(!list.is_empty());
        for a in &list {
            assert!(!a.name.is_empty(), "adapter without a name: {a:?}");
        }
    }

    #[test]
    fn no_adapter_error_carries_the_hint() {
        let text = no_adapter().to_string();
        assert!(text.contains("mesa-vulkan-drivers"), "{text}");
    }

    #[test]
    fn summary_display_names_backend_type_and_driver() {
        let s = AdapterSummary {
            name: "llvmpipe".into(),
            backend: "Vulkan".into(),
            device_type: "CPU".into(),
            driver: "llvmpipe".into(),
            driver_info: "Mesa 25".into(),
        };
        assert_eq!(
            s.to_string(),
            "llvmpipe (Vulkan, CPU, driver llvmpipe Mesa 25)"
        );
    }
}
