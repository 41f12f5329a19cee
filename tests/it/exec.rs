//! `cirrus exec`: adapters, running a plan (report, resume after a kill).

use super::{cirrus, root, stderr, stdout};
use std::path::Path;
use std::process::Command;

/// `test.sh` installs lavapipe, so at least one adapter is always listed.
#[test]
fn list_adapters_lists_at_least_one() {
    let o = cirrus(&["exec", "--list-adapters"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("adapter 0: "), "{text}");
    for field in ["  backend: ", "  type:    ", "  driver:  "] {
        assert!(
            text.lines().any(|l| l.starts_with(field)),
            "{field:?} missing in\n{text}"
        );
    }
}

/// Neither a plan nor `--list-adapters`: a usage error naming the plan.
#[test]
fn exec_without_a_plan_is_a_usage_error() {
    let o = cirrus(&["exec"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("PLAN.json"), "{}", stderr(&o));
}

/// With no adapter (Metal is not built on Linux), the typed error and its
/// hint, exit status 1, no panic.
#[cfg(target_os = "linux")]
#[test]
fn list_adapters_without_any_reports_the_hint() {
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["exec", "--list-adapters"])
        .env("WGPU_BACKEND", "metal")
        .current_dir(root())
        .output()
        .expect("the cirrus binary runs");
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: failed to find a compute adapter"),
        "{err}"
    );
    assert!(err.contains("mesa-vulkan-drivers"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Plans the tiny two-node fixture into `dir/plan.json`.
fn tiny_plan(dir: &Path) -> String {
    let plan = dir.join("plan.json").display().to_string();
    let o = cirrus(&["plan", "tests/fixtures/exec/tiny-2-nodes.toml", "-o", &plan]);
    assert!(o.status.success(), "plan: {}", stderr(&o));
    plan
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A two-worker run on lavapipe prints a RunReport (format 1) with every
/// contract field, finite timings, falling loss and the plan's prediction.
#[test]
fn runs_a_plan_and_reports_measured_against_predicted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let out = dir.path().join("report.json");
    let o = cirrus(&[
        "exec",
        &plan,
        "--steps",
        "8",
        "--lr",
        "0.01",
        "--json",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "exec: {}", stderr(&o));
    let r = json(&o);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("--out written")).expect("json");
    assert_eq!(r, written);
    assert_eq!(r["format_version"], 1);
    assert_eq!(r["steps"], 8);
    for key in [
        "plan",
        "tokens_per_s",
        "loss_first",
        "loss_last",
        "val_loss_first",
        "val_loss_last",
        "measured_step_time_s",
        "predicted_step_time_s",
        "prediction_error",
    ] {
        assert!(!r[key].is_null(), "{key} missing in {r}");
    }
    let workers = r["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 2);
    for (rank, w) in workers.iter().enumerate() {
        assert_eq!(w["rank"], rank);
        assert_eq!(w["rows"], 4);
        assert!(w["adapter"].as_str().is_some_and(|a| !a.is_empty()));
        for key in ["compute_s_median", "comm_s_median", "idle_s_median"] {
            let x = w[key].as_f64().expect(key);
            assert!(x.is_finite() && x >= 0.0, "{key} = {x}");
        }
        assert!(w["compute_s_median"].as_f64().expect("compute") > 0.0);
    }
    let (first, last) = (
        r["loss_first"].as_f64().expect("f"),
        r["loss_last"].as_f64().expect("l"),
    );
    assert!((first - 256f64.ln()).abs() < 0.3, "initial loss {first}");
    assert!(last < first, "loss {first} → {last}");
    let measured = r["measured_step_time_s"].as_f64().expect("measured");
    let predicted = r["predicted_step_time_s"].as_f64().expect("predicted");
    let error = r["prediction_error"].as_f64().expect("error");
    assert!((error - (predicted - measured) / measured).abs() < 1e-9);

    // The human summary names the same figures; the events file has the
    // start line, a line per worker per step, and the end line.
    let events = dir.path().join("events.jsonl");
    let events_arg = events.display().to_string();
    let o = cirrus(&["exec", &plan, "--steps", "2", "--events", &events_arg]);
    assert!(o.status.success(), "exec: {}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("step time     measured"), "{text}");
    assert!(text.contains("predicted"), "{text}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .expect("the events file")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 1 + 2 * 2 + 1, "{lines:?}");
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["format_version"], 1);
    assert_eq!(lines[0]["workers"], 2);
    let steps: Vec<(u64, u64)> = lines[1..5]
        .iter()
        .map(|l| {
            assert_eq!(l["event"], "step");
            assert!(l["step_s"].as_f64().expect("step_s") > 0.0);
            (
                l["step"].as_u64().expect("step"),
                l["rank"].as_u64().expect("rank"),
            )
        })
        .collect();
    let mut sorted = steps.clone();
    sorted.sort();
    assert_eq!(sorted, vec![(1, 0), (1, 1), (2, 0), (2, 1)]);
    assert_eq!(lines[5]["event"], "end");
    assert_eq!(lines[5]["ok"], true);
}

/// A run killed after a checkpoint and resumed with `--resume` ends with a
/// final checkpoint byte-identical to an uninterrupted run's.
#[test]
fn resume_after_kill_equals_uninterrupted_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let steps = "40";
    let full = dir.path().join("full");
    let o = cirrus(&[
        "exec",
        &plan,
        "--steps",
        steps,
        "--json",
        "--checkpoint-every",
        "5",
        "--checkpoint-dir",
        &full.display().to_string(),
    ]);
    assert!(o.status.success(), "uninterrupted: {}", stderr(&o));

    let killed = dir.path().join("killed");
    let args = [
        "exec",
        &plan,
        "--steps",
        steps,
        "--json",
        "--checkpoint-every",
        "5",
        "--checkpoint-dir",
        &killed.display().to_string(),
        "--resume",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let ck = killed.join("checkpoint.bin");
    while !ck.exists() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "finished before its first checkpoint"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let still_running = child.try_wait().expect("wait").is_none();
    child.kill().expect("kill");
    child.wait().expect("reap");
    assert!(still_running, "the run finished before it could be killed");

    let o = cirrus(&args);
    assert!(o.status.success(), "resumed: {}", stderr(&o));
    let r = json(&o);
    let resumed_from = r["resumed_from"].as_u64().expect("resumed_from");
    assert!(
        (5..40).contains(&resumed_from),
        "resumed from {resumed_from}"
    );
    assert_eq!(r["steps"], 40);
    let a = std::fs::read(full.join("checkpoint.bin")).expect("full run's checkpoint");
    let b = std::fs::read(&ck).expect("resumed run's checkpoint");
    assert!(a == b, "final checkpoints differ");
}

/// Runs `mpirun -np N cirrus ARGS` in the repository root: as root in CI
/// containers, with more ranks than cores on 2-core CI, and ended after
/// two minutes rather than hanging the suite.
#[cfg(feature = "mpi")]
fn mpirun(ranks: usize, args: &[&str]) -> std::process::Output {
    Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "--timeout", "120"])
        .args(["-np", &ranks.to_string(), env!("CARGO_BIN_EXE_cirrus")])
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mpirun (test.sh installs Open MPI: openmpi-bin)")
}

/// `mpirun -np 2 cirrus exec` runs plan node r on rank r, one process each,
/// and rank 0 alone prints the RunReport: two workers, both adapters, the
/// `mpi` all-reduce, finite falling losses, and the same loss curve as the
/// same plan run in one process (two workers: each sum is one addition,
/// the same whoever adds).
#[cfg(feature = "mpi")]
#[test]
fn mpi_two_ranks_run_a_two_node_plan_as_one_process_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let args = ["exec", &plan, "--steps", "3", "--json"];
    let o = mpirun(2, &args);
    assert!(
        o.status.success(),
        "mpirun: {}\nstdout: {}",
        stderr(&o),
        stdout(&o)
    );
    let r = json(&o); // one report: rank 1 printed nothing
    assert_eq!(r["format_version"], 1);
    assert_eq!(r["allreduce"], "mpi");
    assert_eq!(r["steps"], 3);
    let workers = r["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 2);
    for (rank, w) in workers.iter().enumerate() {
        assert_eq!(w["rank"], rank);
        assert_eq!(w["node"], format!("gpu/{rank}"));
        assert!(w["adapter"].as_str().is_some_and(|a| !a.is_empty()), "{w}");
        assert!(w["step_s_median"].as_f64().expect("step") > 0.0, "{w}");
    }
    let curve: Vec<f64> = r["loss_curve"]
        .as_array()
        .expect("loss_curve")
        .iter()
        .map(|x| x.as_f64().expect("loss"))
        .collect();
    assert_eq!(curve.len(), 3);
    assert!(curve.iter().all(|l| l.is_finite()), "{curve:?}");
    assert!(curve[2] < curve[0], "{curve:?}");

    let local = cirrus(&args);
    assert!(local.status.success(), "in-process: {}", stderr(&local));
    let local = json(&local);
    assert_eq!(local["allreduce"], "ring");
    assert_eq!(r["loss_curve"], local["loss_curve"]);
    assert_eq!(r["val_losses"], local["val_losses"]);
}

/// As many ranks as plan nodes, or a clear error (exit status 2).
#[cfg(feature = "mpi")]
#[test]
fn mpi_rank_count_must_match_the_plans_nodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let o = mpirun(3, &["exec", &plan, "--steps", "1", "--json"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("`mpirun` started 3 ranks for a plan of 2 nodes"),
        "{err}"
    );
    assert!(err.contains("mpirun -np 2"), "{err}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

/// A rank that fails while its peer waits in a collective (rank 0 cannot
/// write its checkpoint) ends the whole job with its error, instead of
/// leaving the peer waiting until `mpirun --timeout`.
#[cfg(feature = "mpi")]
#[test]
fn mpi_a_failing_rank_ends_the_job_with_its_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let start = std::time::Instant::now();
    let o = mpirun(
        2,
        &[
            "exec",
            &plan,
            "--steps",
            "3",
            "--json",
            "--checkpoint-every",
            "1",
            "--checkpoint-dir",
            "/dev/null/checkpoints",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("rank 0: error: failed to write checkpoint"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        start.elapsed().as_secs() < 100,
        "ended by the timeout: {err}"
    );
}

/// A build without the `mpi` feature started by a launcher (seen through
/// its environment) refuses, instead of each rank running the whole plan.
#[cfg(not(feature = "mpi"))]
#[test]
fn launched_as_ranks_without_mpi_support_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = tiny_plan(dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["exec", &plan, "--steps", "1"])
        .env("OMPI_COMM_WORLD_SIZE", "2")
        .current_dir(root())
        .output()
        .expect("the cirrus binary runs");
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("one of 2 ranks"), "{err}");
    assert!(err.contains("--features mpi"), "{err}");
}

/// The bundled local scenario (with the committed lavapipe profile): its
/// plan gives the wgpu and CPU-backend workers unequal shares, and exec
/// runs node `cpu` on the CPU backend and the other on the adapter.
#[test]
fn bundled_local_scenario_runs_on_the_adapter_and_the_cpu_backend() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json").display().to_string();
    let o = cirrus(&["plan", "scenarios/local-2-workers.toml", "-o", &plan]);
    assert!(o.status.success(), "plan: {}", stderr(&o));
    let o = cirrus(&["exec", &plan, "--steps", "2", "--json"]);
    assert!(o.status.success(), "exec: {}", stderr(&o));
    let r = json(&o);
    let workers = r["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 2);
    assert_eq!(workers[1]["adapter"], "cpu");
    assert_ne!(workers[0]["adapter"], "cpu");
    let rows: Vec<u64> = workers
        .iter()
        .map(|w| w["rows"].as_u64().expect("rows"))
        .collect();
    assert_eq!(rows.iter().sum::<u64>(), 16);
    assert_ne!(
        rows[0], rows[1],
        "unequal shares from unequal measured rates"
    );
    assert!(r["predicted_step_time_s"].as_f64().expect("predicted") > 0.0);
}
