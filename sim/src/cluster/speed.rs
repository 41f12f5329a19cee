//! Job speed from the performance model: a job whose kind is a model
//! preset (`gpt3-1.3b`, `llama3-8b`, …) runs on each pool at the speed the
//! planner's analytic estimate gives for that model on that device type and
//! gang size, cached per (model, pool, devices). Its recorded run time is
//! taken as its time on the first pool it can use; elsewhere it scales by
//! the ratio of the estimated step times.
//!
//! The probe is the model alone on `n` devices of the pool (whole nodes
//! where `n` spans nodes), sequence length 2,048, a global batch of 20,160
//! sequences (divisible by every gang size up to 64), the device's best
//! precision among bf16, fp16 and fp32, and the time-optimal parallel
//! configuration the planner finds (analytic estimate, no event-level
//! re-ranking).

use crate::model::preset;
use crate::planner::{self, Breadth, Objective, Options};
use crate::scenario::{CollectiveAlgorithm, Job, ParallelismSpec, Scenario};
use std::collections::BTreeMap;

/// Sequences per step of the probe.
const PROBE_BATCH: u64 = 20_160;
/// Sequence length of the probe, tokens.
const PROBE_SEQ: u32 = 2048;

/// Estimated step times, cached.
#[derive(Debug, Default)]
pub(super) struct ModelSpeeds {
    cache: BTreeMap<(String, usize, u64), Option<f64>>,
}

impl ModelSpeeds {
    /// Seconds per probe step of `model` on `devices` devices of pool `p`
    /// of `s`; `None` when `model` is not a preset, the gang is not whole,
    /// or nothing fits.
    pub fn step_s(&mut self, s: &Scenario, model: &str, p: usize, devices: f64) -> Option<f64> {
        let key = (model.to_owned(), p, devices.to_bits());
        if let Some(v) = self.cache.get(&key) {
            return *v;
        }
        let v = probe(s, model, p, devices);
        self.cache.insert(key, v);
        v
    }
}

impl ModelSpeeds {
    /// Rescales `total` (per pool: the job's recorded run time where it can
    /// run) by `model`'s estimated step time on `devices` devices of each
    /// pool over that on the first pool it can run on. A pool where the
    /// model has no plan (it does not fit) cannot run the job. Jobs on a
    /// fraction of a device, or a part of one, keep their recorded times.
    pub fn rescale(&mut self, s: &Scenario, model: &str, devices: f64, total: &mut [Option<f64>]) {
        if devices < 1.0 || devices.fract() != 0.0 {
            return;
        }
        let steps: Vec<Option<f64>> = (0..total.len())
            .map(|p| total[p].and_then(|_| self.step_s(s, model, p, devices)))
            .collect();
        let Some(reference) = steps.iter().flatten().next().copied() else {
            return;
        };
        for (t, step) in total.iter_mut().zip(steps) {
            *t = match (*t, step) {
                (Some(x), Some(step)) => Some(x * step / reference),
                _ => None,
            };
        }
    }
}

fn probe(s: &Scenario, model: &str, p: usize, devices: f64) -> Option<f64> {
    let spec = preset(model)?;
    if devices < 1.0 || devices.fract() != 0.0 {
        return None;
    }
    let n = devices as u32;
    let mut pool = s.pools.get(p)?.clone();
    let per_node = pool.devices_per_node.min(n).max(1);
    if !n.is_multiple_of(per_node) {
        return None;
    }
    pool.devices_per_node = per_node;
    pool.nodes = n / per_node;
    pool.autoscale = None;
    pool.spot = None;
    let precision = pool.device.preferred_precision()?;
    let job = Job {
        name: format!("{model} probe"),
        model_id: model.to_owned(),
        model: spec,
        seq_len: PROBE_SEQ,
        global_batch: PROBE_BATCH,
        train_tokens: None,
        precision,
        flash_attention: false,
        pools: vec![0],
        arrival_s: 0.0,
        collective_algorithm: CollectiveAlgorithm::Auto,
        deadline_h: None,
        budget_usd_per_hour: None,
        layout: None,
        parallelism: ParallelismSpec::all_auto(),
    };
    let mut sub = s.clone();
    sub.pools = vec![pool];
    sub.jobs = vec![job];
    sub.workload = None;
    sub.scheduler = None;
    let opts = Options {
        objective: Objective::Time,
        breadth: Breadth::Pruned,
        rerank: 0,
    };
    let out = planner::plan(&sub, 0, &opts).ok()?;
    Some(out.best.result.step_time_s).filter(|t| t.is_finite() && *t > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faster_devices_take_shorter_steps_and_results_are_cached() {
        let s = crate::scenario::parse(
            r#"
[[pool]]
name = "v100"
device = "v100-sxm2-32gb"
nodes = 2
[[pool]]
name = "h100"
device = "h100-sxm5-80gb"
nodes = 2
[workload]
format = "synthetic"
jobs = 1
"#,
            "probe.toml",
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let mut m = ModelSpeeds::default();
        let v100 = m.step_s(&s, "gpt3-350m", 0, 8.0).expect("a plan on 8 V100");
        let h100 = m.step_s(&s, "gpt3-350m", 1, 8.0).expect("a plan on 8 H100");
        // H100 dense bf16 is 989 TFLOP/s against V100's 125 fp16: several
        // times faster, less than the peak ratio.
        let ratio = v100 / h100;
        assert!(ratio > 2.0 && ratio < 989.0 / 125.0, "{ratio}");
        // More devices, shorter steps.
        let h100_16 = m
            .step_s(&s, "gpt3-350m", 1, 16.0)
            .expect("a plan on 16 H100");
        assert!(h100_16 < h100);
        assert_eq!(m.cache.len(), 3);
        assert_eq!(m.step_s(&s, "gpt3-350m", 0, 8.0), Some(v100));
        assert_eq!(m.cache.len(), 3);
        assert_eq!(m.step_s(&s, "not-a-model", 0, 8.0), None);
        assert_eq!(m.step_s(&s, "gpt3-350m", 0, 0.5), None);
    }
}
