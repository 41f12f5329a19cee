//! `cirrus exec PLAN` (run a plan for real) and `cirrus exec --list-adapters`.

use std::path::Path;

use crate::Failure;
use crate::cli::{AllReduceKind, ExecArgs};
use cirrus_executor::devices;
use cirrus_executor::model::{Model, ModelConfig};
use cirrus_executor::report::{RunReport, WorkerLabel};
use cirrus_executor::run::{
    CheckpointPolicy, Combine, Progress, RunConfig, WorkerDevice, run_local,
};
use cirrus_executor::{AdamW, ExecError};
use cirrus_sim::plan::Plan;

/// The device id a plan node names to run on the CPU reference backend.
pub const CPU_DEVICE: &str = "cpu";

/// Runs the command.
pub fn run(args: &ExecArgs) -> Result<(), Failure> {
    match &args.plan {
        Some(plan) => run_plan(args, plan),
        None => list_adapters(),
    }
}

/// The executor's messages read after "failed to".
fn runtime(e: ExecError) -> Failure {
    Failure::Runtime(anyhow::anyhow!("failed to {e}"))
}

/// Prints the compute adapters wgpu finds, one block each; fails with the
/// executor's typed error (and its hint) when there is none.
fn list_adapters() -> Result<(), Failure> {
    let adapters = devices::list_adapters().map_err(runtime)?;
    for (i, a) in adapters.iter().enumerate() {
        println!("adapter {i}: {}", a.name);
        println!("  backend: {}", a.backend);
        println!("  type:    {}", a.device_type);
        println!("  driver:  {}", driver_text(&a.driver, &a.driver_info));
    }
    Ok(())
}

fn driver_text(driver: &str, info: &str) -> String {
    match (driver.is_empty(), info.is_empty()) {
        (true, true) => "(not reported)".to_owned(),
        (false, true) => driver.to_owned(),
        (true, false) => info.to_owned(),
        (false, false) => format!("{driver} ({info})"),
    }
}

/// The run a plan describes, with the command line's training settings.
pub fn run_config(plan: &Plan, args: &ExecArgs, file: &str) -> Result<RunConfig, Failure> {
    let bad = |e: ExecError| Failure::BadInput(format!("{file}: error: cannot run this plan: {e}"));
    let model = ModelConfig::from_spec(&plan.model_spec, plan.seq_len).map_err(bad)?;
    let global_batch = usize::try_from(plan.global_batch).unwrap_or(usize::MAX);
    let steps = args
        .steps
        .unwrap_or_else(|| plan_steps(plan).unwrap_or(200));
    if steps == 0 {
        return Err(Failure::BadInput(
            "error: `--steps` must be at least 1".into(),
        ));
    }
    let cfg = RunConfig {
        model,
        global_batch,
        steps,
        optimizer: AdamW {
            lr: args.lr,
            ..AdamW::default()
        },
        seed: args.seed,
        eval_every: args.eval_every.unwrap_or((steps / 10).max(1)),
        eval_batch: global_batch,
        early_stop_patience: args.early_stop,
        batch_shares: plan.nodes.iter().map(|n| n.batch_share).collect(),
        lr_shares: plan.nodes.iter().map(|n| n.lr_share).collect(),
        warmup_steps: args.warmup.unwrap_or((steps / 5).min(3)),
    };
    cfg.check().map_err(bad)?;
    Ok(cfg)
}

/// The job's `train_tokens` in steps, recovered from the plan's prediction
/// (time to train × tokens per second = train_tokens), when it has one.
fn plan_steps(plan: &Plan) -> Option<u64> {
    let tokens = plan.predicted.time_to_train_s? * plan.predicted.tokens_per_s;
    let per_step = plan.global_batch as f64 * f64::from(plan.seq_len);
    let steps = (tokens / per_step).round();
    (steps.is_finite() && steps >= 1.0).then_some(steps as u64)
}

/// Each plan node's device: `cpu` → the CPU reference backend, anything
/// else → a fresh device on wgpu adapter `index`.
fn worker_devices(plan: &Plan, index: usize) -> Result<Vec<WorkerDevice>, Failure> {
    let needs_gpu = plan.nodes.iter().any(|n| n.device != CPU_DEVICE);
    let mut adapters = if needs_gpu {
        devices::adapters()
    } else {
        Vec::new()
    };
    if needs_gpu && adapters.is_empty() {
        return Err(runtime(devices::no_adapter()));
    }
    if needs_gpu && index >= adapters.len() {
        return Err(Failure::BadInput(format!(
            "error: `--adapter {index}`: wgpu finds {} adapter(s); see `cirrus exec --list-adapters`",
            adapters.len()
        )));
    }
    let adapter = needs_gpu.then(|| adapters.swap_remove(index));
    Ok(plan
        .nodes
        .iter()
        .map(|n| match (&adapter, n.device == CPU_DEVICE) {
            (Some(a), false) => WorkerDevice::Adapter(a.clone()),
            _ => WorkerDevice::Cpu,
        })
        .collect())
}

fn run_plan(args: &ExecArgs, path: &Path) -> Result<(), Failure> {
    let file = path.display().to_string();
    let plan = Plan::load(path).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    let cfg = run_config(&plan, args, &file)?;
    let devices = worker_devices(&plan, args.adapter)?;
    let combine = match args.allreduce {
        AllReduceKind::Ring => Combine::Ring,
        AllReduceKind::ParameterServer => Combine::ParameterServer,
    };
    let checkpoints = args.checkpoint_dir.as_ref().map(|dir| CheckpointPolicy {
        dir: dir.clone(),
        every: args.checkpoint_every.max(1),
        resume: args.resume,
    });
    let parameters = Model::new(cfg.model).map_err(runtime)?.param_count();
    if !args.json {
        eprintln!(
            "running {file}: job `{}` ({} parameters) on {} worker(s), {} steps of {} × {} tokens",
            plan.job,
            parameters,
            cfg.workers(),
            cfg.steps,
            cfg.global_batch,
            cfg.model.seq_len
        );
    }
    let bar = crate::output::progress_bar(cfg.steps, args.json);
    let on_step = |p: &Progress| {
        bar.set_position(p.step);
        match p.val_loss {
            Some(v) => bar.set_message(format!("loss {:.3}  val {v:.3}", p.loss)),
            None => bar.set_message(format!("loss {:.3}", p.loss)),
        }
    };
    let outcomes =
        run_local(&cfg, &devices, combine, checkpoints.as_ref(), &on_step).map_err(runtime)?;
    bar.finish_and_clear();
    let (adapters, outs): (Vec<String>, Vec<_>) = outcomes.into_iter().unzip();
    let Some(first) = outs.first() else {
        return Err(Failure::Runtime(anyhow::anyhow!("the run had no workers")));
    };
    let labels: Vec<WorkerLabel> = plan
        .nodes
        .iter()
        .zip(&adapters)
        .map(|(n, a)| WorkerLabel {
            adapter: a.clone(),
            node: format!("{}/{}", n.pool, n.node),
        })
        .collect();
    let method = match combine {
        Combine::Ring => "ring",
        Combine::ParameterServer => "parameter-server",
    };
    let report = RunReport::build(
        &file,
        &cfg,
        first,
        &labels,
        method,
        plan.predicted.step_time_s,
        parameters,
    );
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("failed to write the report: {e}")))?;
    if let Some(out) = &args.out {
        crate::output::write_atomically(out, format!("{json}\n").as_bytes())?;
    }
    if args.json {
        println!("{json}");
    } else {
        print!("{}", crate::output::run_report_text(&report));
    }
    Ok(())
}
