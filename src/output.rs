//! Human-readable reports and atomic file output.

use anyhow::Context;
use cirrus_sim::estimate::JobEstimate;
use cirrus_sim::human::{duration, thousands};
use cirrus_sim::model::Architecture;
use cirrus_sim::scenario::Scenario;
use cirrus_sim::topology::{Fabric, Topology};
use std::fmt::Write as _;
use std::path::Path;

/// Writes `bytes` to `path` atomically (see
/// [`cirrus_sim::fsio::write_atomically`]), naming the file on failure.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    cirrus_sim::fsio::write_atomically(path, bytes)
        .with_context(|| format!("failed to write {}", path.display()))
}

/// Writes `set` into its directory as a unit (see
/// [`cirrus_sim::output_set`]), naming the directory on failure.
pub fn commit(set: cirrus_sim::output_set::OutputSet) -> anyhow::Result<()> {
    let dir = set.dir().display().to_string();
    set.commit()
        .with_context(|| format!("failed to write the output set in {dir}"))
}

/// The tables `cirrus simulate` prints.
pub fn render_simulation(s: &Scenario, seed: u64, topo: &Topology, jobs: &[JobEstimate]) -> String {
    let mut o = String::new();
    let devices: u64 = s.pools.iter().map(|p| p.devices()).sum();
    let _ = writeln!(o, "Scenario \"{}\" (seed {seed})", s.name);
    let _ = writeln!(
        o,
        "Cluster: {} pool{}, {} devices; {} fabric, oversubscription {}; bisection {:.1} GB/s; diameter {} hops",
        s.pools.len(),
        if s.pools.len() == 1 { "" } else { "s" },
        devices,
        match s.network.fabric {
            Fabric::FatTree => "fat-tree",
            Fabric::RailOptimized => "rail-optimized",
            _ => "torus",
        },
        s.network.oversubscription,
        topo.bisection_bandwidth().as_gbyte_s(),
        topo.diameter_hops()
    );
    let _ = writeln!(
        o,
        "  {:<10} {:<16} {:>12} {:>12} {:>14}",
        "pool", "device", "nodes × dev", "NICs × Gb/s", "USD/device-h"
    );
    for p in &s.pools {
        let price = p
            .usd_per_device_hour
            .map_or_else(|| "unknown".to_owned(), |x| format!("{x:.2}"));
        let _ = writeln!(
            o,
            "  {:<10} {:<16} {:>12} {:>12} {:>14}",
            p.name,
            p.device.id,
            format!("{} × {}", p.nodes, p.devices_per_node),
            format!("{} × {}", p.nics_per_node, p.nic_gbit_s),
            price
        );
    }
    for (job, est) in s.jobs.iter().zip(jobs) {
        let r = &est.result;
        let par = &r.parallelism;
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Job \"{}\": {} ({:.1} B parameters), seq {}, global batch {}, {}",
            r.name,
            job.model_id,
            job.model.params() as f64 / 1e9,
            job.seq_len,
            job.global_batch,
            job.precision
        );
        let vs = if par.virtual_stages > 1 {
            format!(" (v={})", par.virtual_stages)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  parallelism           {} · microbatch {} · {}{} · recompute {} · ZeRO {} · sequence parallel {}",
            par.mesh,
            par.microbatch,
            par.schedule.as_str(),
            vs,
            par.recompute.as_str(),
            par.mesh.zero(),
            if par.mesh.sequence_parallel() {
                "on"
            } else {
                "off"
            }
        );
        if let Ok(split) = par.stages(job.model.layers)
            && !split.is_even()
        {
            let _ = writeln!(o, "  stage layers          {split}");
        }
        let _ = writeln!(o, "  devices               {}", r.devices);
        let _ = writeln!(o, "  step time             {:.3} s", r.step_time_s);
        let _ = writeln!(o, "  tokens/s              {}", thousands(r.tokens_per_s));
        let _ = writeln!(
            o,
            "  model TFLOP/s/device  {:.1}   (MFU {:.1}%)",
            r.model_tflops_per_device,
            r.mfu * 100.0
        );
        if job.model.arch == Architecture::Gpt {
            let _ = writeln!(
                o,
                "  Megatron-accounted    {:.1} TFLOP/s/device   (Narayanan et al. 2021 eq. 3; counts recompute)",
                est.megatron_tflops_per_device
            );
        }
        let verdict = if r.fits_memory {
            "fits"
        } else {
            "OUT OF MEMORY"
        };
        let caps: Vec<String> = est
            .pools
            .iter()
            .map(|p| format!("{:.1} GiB on {}", p.capacity_gib, p.pool))
            .collect();
        let _ = writeln!(
            o,
            "  memory/device         {:.1} GiB of {}: {verdict}",
            r.memory_gib_per_device,
            caps.join(", ")
        );
        let b = &r.breakdown_s;
        let _ = writeln!(o, "  step breakdown        seconds     share");
        for (name, v) in b.labelled() {
            let _ = writeln!(
                o,
                "    {:<19} {:>9.3} {:>8.1}%",
                name,
                v,
                100.0 * v / r.step_time_s
            );
        }
        if est.pools.len() > 1 {
            let _ = writeln!(
                o,
                "  replicas by pool      (batch shares ∝ speed; learning-rate weights equal the shares)"
            );
            for p in &est.pools {
                let _ = writeln!(
                    o,
                    "    {:<10} {} replicas × {:.2}% of the batch, micro-batch {:.3} s",
                    p.pool,
                    p.replicas,
                    100.0 * p.replica_share,
                    p.microbatch_s
                );
            }
        }
        match (r.time_to_train_s, r.cost_usd, r.energy_kwh) {
            (Some(t), Some(c), Some(e)) => {
                let tokens = job.train_tokens.unwrap_or(0.0);
                let _ = writeln!(
                    o,
                    "  time to train         {} ({:.3e} tokens)",
                    duration(t),
                    tokens
                );
                let _ = writeln!(o, "  cost                  ${}", thousands(c));
                let _ = writeln!(
                    o,
                    "  energy                {} kWh (at board power, an upper bound)",
                    thousands(e)
                );
            }
            _ => {
                let _ = writeln!(
                    o,
                    "  time to train         (set train_tokens for time, cost and energy)"
                );
            }
        }
    }
    o
}

/// A progress bar on stderr for `len` `unit`s (`step`, `variant`); hidden
/// when `quiet` or when stderr is not a terminal.
pub fn progress_bar(len: u64, quiet: bool, unit: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{elapsed_precise}} [{{bar:30}}] {unit} {{pos}}/{{len}}  {{msg}}  (eta {{eta}})"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The human-readable summary of a RunReport.
pub fn run_report_text(r: &cirrus_executor::report::RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "ran {}: {} steps on {} worker(s), {} all-reduce, {} parameters{}{}",
        r.plan,
        r.steps,
        r.workers.len(),
        r.allreduce,
        r.parameters,
        if r.resumed_from > 0 {
            format!(", resumed from step {}", r.resumed_from)
        } else {
            String::new()
        },
        if r.stopped_early {
            ", stopped early"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  {:<4} {:<10} {:<34} {:>5} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "rank", "node", "device", "rows", "batch", "lr", "compute", "comm", "idle", "step"
    );
    for w in &r.workers {
        let _ = writeln!(
            s,
            "  {:<4} {:<10} {:<34} {:>5} {:>7.3} {:>7.3} {:>8.3}s {:>7.3}s {:>7.3}s {:>7.3}s",
            w.rank,
            w.node,
            w.adapter,
            w.rows,
            w.batch_share,
            w.lr_share,
            w.compute_s_median,
            w.comm_s_median,
            w.idle_s_median,
            w.step_s_median
        );
    }
    let _ = writeln!(
        s,
        "  loss          {:.3} → {:.3}   validation {:.3} → {:.3}",
        r.loss_first, r.loss_last, r.val_loss_first, r.val_loss_last
    );
    let _ = writeln!(
        s,
        "  step time     measured {:.3} s   predicted {:.3} s   error {:+.1}%   (medians after {} warm-up steps)",
        r.measured_step_time_s,
        r.predicted_step_time_s,
        100.0 * r.prediction_error,
        r.warmup_steps
    );
    let _ = writeln!(
        s,
        "  throughput    {} tokens/s   outside compute {:.1}% of the step",
        thousands(r.tokens_per_s),
        100.0 * r.overhead_fraction
    );
    s
}
