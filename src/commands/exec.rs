//! `cirrus exec PLAN` (run a plan for real) and `cirrus exec --list-adapters`.
//!
//! A plan runs with one worker per plan node: all in this process (one
//! thread each), or, when an MPI launcher started this process as one of
//! N > 1 ranks (`mpirun -np N cirrus exec PLAN`, built with the `mpi`
//! feature), rank r runs node r and the ranks sum over MPI.

use std::path::Path;

use super::exec_events::EventLog;
use crate::Failure;
use crate::cli::{AllReduceKind, ExecArgs};
use cirrus_executor::collective::launched_ranks;
use cirrus_executor::devices;
use cirrus_executor::model::{Model, ModelConfig};
use cirrus_executor::report::{RunReport, WorkerLabel};
use cirrus_executor::run::{
    CheckpointPolicy, Combine, Progress, RunConfig, WorkerDevice, WorkerOutcome, run_local,
};
use cirrus_executor::{AdamW, ExecError};
use cirrus_sim::plan::Plan;

/// Steps when neither `--steps` nor the plan's `train_tokens` say.
pub const DEFAULT_STEPS: u64 = 300;

/// The device id a plan node names to run on the CPU reference backend.
pub const CPU_DEVICE: &str = "cpu";

/// Runs the command.
pub fn run(args: &ExecArgs) -> Result<(), Failure> {
    match &args.plan {
        Some(plan) => run_plan(args, plan),
        None => list_adapters(),
    }
}

/// The executor's messages read after "failed to"; a checkpoint that does
/// not describe this run is bad input (exit 2), anything else a runtime
/// failure.
fn runtime(e: ExecError) -> Failure {
    match e {
        ExecError::InvalidCheckpoint { .. } => Failure::BadInput(format!("error: failed to {e}")),
        e => Failure::Runtime(anyhow::anyhow!("failed to {e}")),
    }
}

/// Prints the compute adapters wgpu finds, one block each; fails with the
/// executor's typed error (and its hint) when there is none.
fn list_adapters() -> Result<(), Failure> {
    let adapters = devices::list_adapters().map_err(runtime)?;
    for (i, a) in adapters.iter().enumerate() {
        crate::outln!("adapter {i}: {}", a.name)?;
        crate::outln!("  backend: {}", a.backend)?;
        crate::outln!("  type:    {}", a.device_type)?;
        crate::outln!("  driver:  {}", driver_text(&a.driver, &a.driver_info))?;
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
    super::exec_checks::refuse_unsupported(plan, file)?;
    super::exec_checks::check_lr(args.lr)?;
    let model = ModelConfig::from_spec(&plan.model_spec, plan.seq_len).map_err(bad)?;
    let global_batch = usize::try_from(plan.global_batch).unwrap_or(usize::MAX);
    let steps = args
        .steps
        .unwrap_or_else(|| plan_steps(plan).unwrap_or(DEFAULT_STEPS));
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

/// Everything a run needs, made alike by every process of an MPI job (from
/// the same plan and arguments) before any worker starts.
struct Prepared<'a> {
    args: &'a ExecArgs,
    file: String,
    plan: Plan,
    cfg: RunConfig,
    devices: Vec<WorkerDevice>,
    checkpoints: Option<CheckpointPolicy>,
    parameters: usize,
}

fn run_plan(args: &ExecArgs, path: &Path) -> Result<(), Failure> {
    let file = path.display().to_string();
    let plan = Plan::load(path).map_err(|e| Failure::BadInput(format!("error: {e}")))?;
    let cfg = run_config(&plan, args, &file)?;
    let ranks = launched_ranks().map_err(runtime)?;
    let devices = worker_devices(&plan, args.adapter)?;
    super::exec_checks::check_footprint(&cfg, &devices, &file)?;
    if let Some(out) = &args.out {
        cirrus_sim::fsio::check_writable(out).map_err(|e| {
            Failure::BadInput(format!(
                "error: `--out {}`: cannot write the report there: {e}",
                out.display()
            ))
        })?;
    }
    let checkpoints = args.checkpoint_dir.as_ref().map(|dir| CheckpointPolicy {
        dir: dir.clone(),
        every: args.checkpoint_every.max(1),
        resume: args.resume,
    });
    let parameters = Model::new(cfg.model).map_err(runtime)?.param_count();
    let run = Prepared {
        args,
        file,
        plan,
        cfg,
        devices,
        checkpoints,
        parameters,
    };
    match ranks {
        Some(n) if n > 1 => run_ranks(&run, n),
        _ => run_in_process(&run),
    }
}

/// Every worker in this process, one thread each.
fn run_in_process(run: &Prepared<'_>) -> Result<(), Failure> {
    let combine = match run.args.allreduce {
        AllReduceKind::Ring => Combine::Ring,
        AllReduceKind::ParameterServer => Combine::ParameterServer,
    };
    announce(run, "");
    let events = events_log(run)?;
    let bar = crate::output::progress_bar(run.cfg.steps, run.args.json, "step");
    let on_step = progress(&bar, events.as_ref());
    let outcomes = run_local(
        &run.cfg,
        &run.devices,
        combine,
        run.checkpoints.as_ref(),
        &on_step,
    );
    bar.finish_and_clear();
    ended(events.as_ref(), &outcomes);
    let outcomes = outcomes.map_err(runtime)?;
    let (adapters, outs): (Vec<String>, Vec<_>) = outcomes.into_iter().unzip();
    let Some(first) = outs.first() else {
        return Err(Failure::Runtime(anyhow::anyhow!("the run had no workers")));
    };
    let method = match combine {
        Combine::Ring => "ring",
        Combine::ParameterServer => "parameter-server",
    };
    report(run, first, &adapters, method)
}

/// Started by an MPI launcher as one of `ranks` processes, in a build
/// without MPI: refused, rather than every process running the whole plan.
#[cfg(not(feature = "mpi"))]
fn run_ranks(_run: &Prepared<'_>, ranks: usize) -> Result<(), Failure> {
    Err(Failure::BadInput(format!(
        "error: an MPI launcher started this cirrus as one of {ranks} ranks, but it was built \
         without MPI; rebuild it with `cargo build --release --features mpi` (needs Open MPI), \
         or run it without `mpirun` to run every plan node in one process"
    )))
}

/// One worker of an MPI job: rank r runs plan node r, combining gradients
/// with MPI all-reduce; rank 0 prints (and writes) the report.
#[cfg(feature = "mpi")]
fn run_ranks(run: &Prepared<'_>, ranks: usize) -> Result<(), Failure> {
    use cirrus_executor::mpi_comm::MpiWorld;

    let nodes = run.cfg.workers();
    if ranks != nodes {
        return Err(Failure::BadInput(format!(
            "error: {}: `mpirun` started {ranks} ranks for a plan of {nodes} nodes; start one \
             rank per plan node (`mpirun -np {nodes} ...`)",
            run.file
        )));
    }
    let mut world = MpiWorld::init().map_err(runtime)?;
    let rank = world.rank();
    match run_rank(run, &mut world) {
        Ok(()) => Ok(()),
        Err(failure) => {
            // The peers may be waiting for this rank in a collective; end
            // the whole job instead of finalising MPI (which would wait for
            // them).
            let (message, code) = match failure {
                Failure::BadInput(m) => (m, 2),
                Failure::Runtime(e) => (format!("error: {e:#}"), 1),
                Failure::Stopped(m, status) => (m, i32::from(status)),
            };
            let message = crate::terminal_safe(&message);
            // One write, so that the line is not split by the output of
            // the other ranks and of `mpirun`, which all share the terminal.
            let line = format!("rank {rank}: {message}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            world.abort(code)
        }
    }
}

/// This process's worker of an MPI job, on an initialised MPI world.
#[cfg(feature = "mpi")]
fn run_rank(
    run: &Prepared<'_>,
    world: &mut cirrus_executor::mpi_comm::MpiWorld,
) -> Result<(), Failure> {
    let lead = world.rank() == 0;
    if lead {
        announce(run, &format!(" (MPI, {} processes)", world.size()));
    }
    let events = if lead { events_log(run)? } else { None };
    let bar = crate::output::progress_bar(run.cfg.steps, run.args.json || !lead, "step");
    let on_step = progress(&bar, events.as_ref());
    let result = cirrus_executor::mpi_comm::run_rank(
        world,
        &run.cfg,
        &run.devices,
        run.checkpoints.as_ref(),
        &on_step,
    );
    bar.finish_and_clear();
    ended(events.as_ref(), &result);
    let (adapters, out) = result.map_err(runtime)?;
    if lead {
        report(run, &out, &adapters, "mpi")?;
    }
    Ok(())
}

/// The events file of `--events`, with its `start` line written.
fn events_log(run: &Prepared<'_>) -> Result<Option<EventLog>, Failure> {
    let Some(path) = &run.args.events else {
        return Ok(None);
    };
    let devices: Vec<String> = run.plan.nodes.iter().map(|n| n.device.clone()).collect();
    // A resumed run continues the log of the run it resumes.
    let append = run.checkpoints.as_ref().is_some_and(|c| c.resume);
    EventLog::create(
        path,
        append,
        &run.file,
        &run.plan.job,
        &devices,
        run.cfg.steps,
    )
    .map(Some)
}

/// The events file's `end` line for a run's `result`.
fn ended<T>(events: Option<&EventLog>, result: &Result<T, ExecError>) {
    if let Some(log) = events {
        match result {
            Ok(_) => log.end(true, "finished"),
            Err(e) => log.end(false, &e.to_string()),
        }
    }
}

/// The line on stderr before a run (not with `--json`).
fn announce(run: &Prepared<'_>, how: &str) {
    if !run.args.json {
        crate::errln!(
            "running {}: job `{}` ({} parameters) on {} worker(s){how}, {} steps of {} × {} tokens",
            run.file,
            run.plan.job,
            run.parameters,
            run.cfg.workers(),
            run.cfg.steps,
            run.cfg.global_batch,
            run.cfg.model.seq_len
        );
    }
}

/// The per-step callback: rank 0 draws on `bar`; every worker's step goes
/// to the events file, if any.
fn progress<'a>(
    bar: &'a indicatif::ProgressBar,
    events: Option<&'a EventLog>,
) -> impl Fn(&Progress) + Sync + 'a {
    move |p: &Progress| {
        if let Some(log) = events {
            log.step(p);
        }
        if p.rank != 0 {
            return;
        }
        bar.set_position(p.step);
        match p.val_loss {
            Some(v) => bar.set_message(format!("loss {:.3}  val {v:.3}", p.loss)),
            None => bar.set_message(format!("loss {:.3}", p.loss)),
        }
    }
}

/// Builds the RunReport from rank 0's outcome and every worker's adapter,
/// writes it to `--out` and prints it.
fn report(
    run: &Prepared<'_>,
    first: &WorkerOutcome,
    adapters: &[String],
    method: &str,
) -> Result<(), Failure> {
    let labels: Vec<WorkerLabel> = run
        .plan
        .nodes
        .iter()
        .zip(adapters)
        .map(|(n, a)| WorkerLabel {
            adapter: a.clone(),
            node: format!("{}/{}", n.pool, n.node),
        })
        .collect();
    let report = RunReport::build(
        &run.file,
        &run.cfg,
        first,
        &labels,
        method,
        run.plan.predicted.step_time_s,
        run.parameters,
    );
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("failed to write the report: {e}")))?;
    if let Some(out) = &run.args.out {
        crate::output::write_atomically(out, format!("{json}\n").as_bytes())?;
    }
    if run.args.json {
        crate::outln!("{json}")?;
    } else {
        crate::out!("{}", crate::output::run_report_text(&report))?;
    }
    Ok(())
}
