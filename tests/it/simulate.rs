//! `cirrus simulate`.

use super::{cirrus, root, stderr, stdout};
use cirrus_sim::result::SimResult;

#[test]
fn quickstart_json_is_simresult_format_1_and_deterministic() {
    let a = cirrus(&["simulate", "scenarios/quickstart.toml", "--json"]);
    let b = cirrus(&["simulate", "scenarios/quickstart.toml", "--json"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "two runs differ");
    let r: SimResult = serde_json::from_slice(&a.stdout).expect("SimResult JSON");
    assert_eq!(r.format_version, 1);
    let job = &r.jobs[0];
    let parts = job.breakdown_s.total();
    assert!((parts - job.step_time_s).abs() < 1e-9 * job.step_time_s);
    let shares: f64 = job.shares.iter().map(|s| s.batch_share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    assert!(job.mfu > 0.0 && job.mfu < 1.0);
    assert!(job.fits_memory);
    // The raw JSON carries every contract key.
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).expect("JSON");
    for key in [
        "name",
        "devices",
        "parallelism",
        "step_time_s",
        "tokens_per_s",
        "model_tflops_per_device",
        "mfu",
        "memory_gib_per_device",
        "fits_memory",
        "breakdown_s",
        "shares",
        "time_to_train_s",
        "cost_usd",
        "energy_kwh",
    ] {
        assert!(v["jobs"][0].get(key).is_some(), "missing {key}");
    }
}

/// Issue 2 acceptance: GPT-3 175B on 1,024 A100 (TP 8, PP 8, DP 16, batch
/// 1536) lands within 2× of the 140 TFLOP/s per GPU Megatron measured
/// (Narayanan et al. 2021, arXiv 2104.04473, §5.1), in model FLOPs and in Megatron's own
/// accounting (eq. 3, which counts recomputation).
#[test]
fn r2_gpt3_175b_on_1024_a100_within_2x_of_megatron() {
    let o = cirrus(&["simulate", "scenarios/gpt3-175b-1024-a100.toml", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: SimResult = serde_json::from_slice(&o.stdout).expect("SimResult");
    let job = &r.jobs[0];
    assert_eq!(job.devices, 1024);
    let p = job.parallelism;
    assert_eq!((p.mesh.tp(), p.mesh.pp(), p.mesh.dp()), (8, 8, 16));
    let tflops = job.model_tflops_per_device;
    assert!((70.0..=280.0).contains(&tflops), "{tflops}");
    let model = cirrus_sim::model::preset("gpt3-175b").expect("preset");
    let megatron = model.megatron_flops(1536, 2048).get() / job.step_time_s / 1024.0 / 1e12;
    assert!((70.0..=280.0).contains(&megatron), "{megatron}");
    assert!(job.fits_memory);
    let human = stdout(&cirrus(&["simulate", "scenarios/gpt3-175b-1024-a100.toml"]));
    assert!(human.contains("Megatron-accounted"), "{human}");
}

#[test]
fn out_dir_gets_the_same_json_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("results");
    let o = cirrus(&[
        "simulate",
        "scenarios/quickstart.toml",
        "--json",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read(out.join("result.json")).expect("result.json written");
    assert_eq!(written, o.stdout);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The cost reports beside it, and no temporary files left behind.
    assert_eq!(
        names,
        [
            "cost_jobs.csv",
            "cost_pool_days.csv",
            "cost_scenario.csv",
            "manifest.json",
            "result.json"
        ]
    );
}

#[test]
fn seed_flag_overrides_the_scenario_seed() {
    let o = cirrus(&[
        "simulate",
        "scenarios/quickstart.toml",
        "--json",
        "--seed",
        "7",
    ]);
    let r: SimResult = serde_json::from_slice(&o.stdout).expect("SimResult");
    assert_eq!(r.seed, 7);
}

/// `--seed` reseeds every draw, spot revocations included: one synthetic job
/// on spot nodes (the job itself the same under every seed) is revoked
/// differently under different seeds, and `--seed` equal to the file's gives
/// the file's run byte for byte.
#[test]
fn seed_flag_reseeds_spot_revocations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("spot-one-job.toml");
    std::fs::write(
        &file,
        r#"seed = 2
[[pool]]
name = "spot"
device = "h100-sxm5-80gb"
nodes = 4
spot = { usd_per_device_hour = 6.571, preemptions_per_device_hour = 0.05, reacquire_hours = 1, notice_s = 30 }

[workload]
format = "synthetic"
jobs = 1
duration_median_s = 360000
duration_sigma = 1e-9
devices = [32]

[scheduler]
policy = "fifo"
checkpoint_interval_s = 900
checkpoint_write_s = 120
restore_s = 60
"#,
    )
    .expect("writes");
    let path = file.to_str().expect("utf-8 path");
    let run = |seed: Option<&str>| {
        let mut args = vec!["simulate", path, "--json"];
        if let Some(s) = seed {
            args.extend(["--seed", s]);
        }
        let o = cirrus(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        o.stdout
    };
    let lost = |bytes: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
        (
            v["cluster"]["preemptions"].as_u64().expect("preemptions"),
            v["cluster"]["lost_work_s"]
                .as_f64()
                .expect("lost work")
                .to_bits(),
        )
    };
    let draws: std::collections::BTreeSet<_> = ["1", "3", "4", "5"]
        .iter()
        .map(|s| lost(&run(Some(s))))
        .collect();
    assert!(
        draws.len() > 1,
        "every seed gave the same revocations: {draws:?}"
    );
    assert_eq!(run(Some("2")), run(None));
}

/// A job with `parallelism = "auto"` is planned (fastest plan), then simulated.
#[test]
fn auto_parallelism_is_planned_then_simulated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("auto.toml");
    let text = std::fs::read_to_string(super::root().join("scenarios/quickstart.toml"))
        .expect("quickstart");
    let cut = text
        .find("[job.parallelism]")
        .expect("quickstart has a parallelism table");
    std::fs::write(&path, format!("{}parallelism = \"auto\"\n", &text[..cut])).expect("write");
    let o = cirrus(&["simulate", path.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("planned job \"gpt3-1.3b\""),
        "{}",
        stdout(&o)
    );
    // At least as fast as the hand-written configuration.
    let hand: SimResult = serde_json::from_slice(
        &cirrus(&["simulate", "scenarios/quickstart.toml", "--json"]).stdout,
    )
    .expect("json");
    let auto: SimResult = serde_json::from_slice(
        &cirrus(&["simulate", path.to_str().expect("utf-8"), "--json"]).stdout,
    )
    .expect("json");
    assert!(auto.jobs[0].step_time_s <= hand.jobs[0].step_time_s);
}

#[test]
fn mixed_cluster_gives_faster_nodes_larger_shares() {
    let o = cirrus(&["simulate", "scenarios/mixed-a100-h100.toml", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: SimResult = serde_json::from_slice(&o.stdout).expect("SimResult");
    let job = &r.jobs[0];
    let share = |pool: &str| {
        job.shares
            .iter()
            .filter(|s| s.pool.contains(pool))
            .map(|s| s.batch_share)
            .fold(0.0, f64::max)
    };
    assert!(share("h100") > share("a100"), "{:?}", job.shares);
    let total: f64 = job.shares.iter().map(|s| s.lr_share).sum();
    assert!((total - 1.0).abs() < 1e-9);
}

/// A `[workload]` scenario schedules every job of its trace on the pools and
/// reports the SimResult `cluster` block, the same bytes on every run.
#[test]
fn gavel_replay_schedules_every_job() {
    let a = cirrus(&["simulate", "scenarios/gavel-replay.toml", "--json"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(
        a.stdout,
        cirrus(&["simulate", "scenarios/gavel-replay.toml", "--json"]).stdout
    );
    let r: SimResult = serde_json::from_slice(&a.stdout).expect("SimResult");
    let c = r.cluster.expect("a cluster block");
    assert_eq!((c.jobs_submitted, c.jobs_completed), (50, 50));
    // Gavel's generator draws 1 to 4 hours on a V100; heterogeneity-aware
    // FIFO puts jobs on V100s first, so completion times lie in that range.
    assert!(
        c.p50_jct_s >= 3600.0 && c.p99_jct_s <= 4.0 * 3600.0 * 1.01,
        "{c:?}"
    );
    assert!(c.utilization > 0.0 && c.utilization < 1.0);
    let human = stdout(&cirrus(&["simulate", "scenarios/gavel-replay.toml"]));
    assert!(human.contains("completed            50"), "{human}");
}

/// A workload scenario with `--out` also writes one CSV row per job, the
/// same bytes on every run.
#[test]
fn cluster_out_dir_gets_a_row_per_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |name: &str| {
        let out = dir.path().join(name);
        let o = cirrus(&[
            "simulate",
            "scenarios/gavel-replay.toml",
            "--json",
            "--out",
            out.to_str().expect("utf-8 path"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let r: SimResult = serde_json::from_slice(&o.stdout).expect("SimResult");
        let csv = std::fs::read_to_string(out.join("jobs.csv")).expect("jobs.csv written");
        (r, csv)
    };
    let (r, csv) = run("a");
    let cluster = r.cluster.expect("a cluster block");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], cirrus_reports::JOBS_CSV_HEADER);
    assert_eq!(lines.len() as u64, cluster.jobs_submitted + 1);
    // The mean of the rows' JCT column is the SimResult's mean JCT.
    let jct: Vec<f64> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').nth(5).and_then(|c| c.parse().ok()))
        .collect();
    assert_eq!(jct.len() as u64, cluster.jobs_completed);
    let mean = jct.iter().sum::<f64>() / jct.len() as f64;
    assert!((mean - cluster.avg_jct_s).abs() < 1e-6 * mean.max(1.0));
    // Queueing delays are never negative, and a job started on arrival
    // waited exactly 0 (times share the engine's nanosecond clock).
    let queue: Vec<f64> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').nth(4).and_then(|c| c.parse().ok()))
        .collect();
    assert!(queue.iter().all(|&q| q >= 0.0), "{queue:?}");
    assert!(queue.contains(&0.0));
    let (_, again) = run("b");
    assert_eq!(csv, again);
}

/// Issue 5 (scale): the PAI scale scenario with 20,000 of its million jobs
/// (same pools, mix and seed): every job completes or is rejected with a
/// reason, none starts before it arrives or runs anywhere but a pool of the
/// scenario, no pool is busier than it is held, and a rerun writes the same
/// bytes.
#[test]
fn r5_pai_scale_20k_jobs_complete_and_rerun_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(super::root().join("scenarios/pai-scale-1m.toml"))
        .expect("scenario");
    assert!(
        text.contains("\njobs = 1000000\n"),
        "the scenario's job count moved"
    );
    let small = dir.path().join("pai-20k.toml");
    std::fs::write(
        &small,
        text.replace("\njobs = 1000000\n", "\njobs = 20000\n"),
    )
    .expect("writable");
    let run = |out: &str| {
        let out = dir.path().join(out);
        let o = cirrus(&[
            "simulate",
            small.to_str().expect("utf-8"),
            "--json",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let jobs = std::fs::read_to_string(out.join("jobs.csv")).expect("jobs.csv");
        let usage = std::fs::read_to_string(out.join("usage.csv")).expect("usage.csv");
        (o.stdout, jobs, usage)
    };
    let first = run("a");
    assert!(first == run("b"), "a rerun differs");
    let (json, jobs, _) = first;
    let r: SimResult = serde_json::from_slice(&json).expect("SimResult");
    let c = r.cluster.expect("a cluster block");
    assert_eq!(c.jobs_submitted, 20_000);
    let pools = ["t4", "p100", "v100", "v100m32", "misc"];
    for p in &c.pools {
        assert!(pools.contains(&p.name.as_str()), "{}", p.name);
        assert!(
            p.busy_device_h <= p.held_device_h * (1.0 + 1e-9),
            "{}",
            p.name
        );
    }
    let mut lines = jobs.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (arrival, start, end, pool, rejected) = (
        col("arrival_s"),
        col("start_s"),
        col("end_s"),
        col("pool"),
        col("rejected"),
    );
    let mut completed = 0;
    for line in lines {
        // No field of this scenario holds a comma (rejection reasons would
        // be quoted; none is expected here).
        let f: Vec<&str> = line.split(',').collect();
        if f[end].is_empty() {
            assert!(
                !f[rejected].is_empty(),
                "neither completed nor rejected: {line}"
            );
            continue;
        }
        completed += 1;
        let num = |i: usize| f[i].parse::<f64>().expect("a number");
        assert!(
            num(start) >= num(arrival) && num(end) >= num(start),
            "{line}"
        );
        assert!(pools.contains(&f[pool]), "{line}");
    }
    assert_eq!(completed, c.jobs_completed);
    assert_eq!(c.jobs_completed, 20_000, "every job fits some pool");
}

/// A reader that stops early (`cirrus simulate ... --json | head`) ends the
/// command quietly with status 0, not with a panic on the broken pipe. The
/// JSON (0.7 MB) outgrows the pipe's buffer, so the write does meet the
/// closed pipe.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["simulate", "scenarios/gpt3-175b-1024-a100.toml", "--json"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cirrus runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("cirrus ends");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// `simulate --out DIR` killed (SIGKILL) at many moments over an earlier
/// set: every time, once the set is read back (`cirrus report`, which
/// finishes a committed staged set), DIR holds one complete set matching
/// its manifest, and no temporary file of the killed runs survives.
#[test]
fn killed_simulate_out_leaves_one_complete_set() {
    use std::process::Command;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let out = dir.to_str().expect("utf-8 path");
    let scenario = "scenarios/synthetic-las.toml";
    let first = cirrus(&["simulate", scenario, "--out", out]);
    assert!(first.status.success(), "{}", stderr(&first));
    for i in 0..12u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cirrus"))
            .args(["simulate", scenario, "--out", out, "--seed", &i.to_string()])
            .current_dir(root())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(40 * i));
        let _ = child.kill();
        let _ = child.wait();
        let check = cirrus(&[
            "report",
            &format!("{out}/result.json"),
            "--csv",
            tmp.path().join("csv").to_str().expect("utf-8"),
        ]);
        assert!(check.status.success(), "kill {i}: {}", stderr(&check));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "kill {i}: left {leftovers:?}");
        cirrus_sim::output_set::verify(&dir).expect("consistent");
    }
}

/// Symlinks planted at every name an older, predictable writer used
/// (`.NAME.PID.tmp`) are never followed: the file they point to outside the
/// output directory is unchanged.
#[test]
fn planted_temp_symlinks_do_not_redirect_simulate_out() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "ORIGINAL").expect("victim");
    let dir = tmp.path().join("out");
    std::fs::create_dir(&dir).expect("out");
    for pid in 1..=4096 {
        for n in ["result.json", "cost_jobs.csv"] {
            let link = dir.join(format!(".{n}.{pid}.tmp"));
            std::os::unix::fs::symlink("../victim.txt", link).expect("plant");
        }
    }
    let o = cirrus(&[
        "simulate",
        "scenarios/quickstart.toml",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "ORIGINAL");
    assert!(dir.join("result.json").is_file());
}

/// An output onto a character device writes into it: `/dev/null` stays a
/// device.
#[test]
fn sweep_csv_onto_dev_null_keeps_the_device() {
    let o = cirrus(&[
        "sweep",
        "scenarios/quickstart.toml",
        "--vary",
        "pool.a100.nodes=1,2",
        "--csv",
        "/dev/null",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::symlink_metadata("/dev/null").expect("meta");
    assert!(!m.is_file());
}

/// A synthetic workload whose log-normal durations reach past the
/// simulator's clock (584 years) is refused, not answered with saturated
/// times, and writes nothing.
#[test]
fn durations_past_the_clock_are_an_error_not_an_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("overflow.toml");
    std::fs::write(
        &scenario,
        "name = \"overflow\"\nseed = 7\n[[pool]]\nname = \"a100\"\ndevice = \"a100-sxm4-80gb\"\nnodes = 4\n\
         [workload]\nformat = \"synthetic\"\njobs = 20\nmean_interarrival_s = 120\n\
         duration_median_s = 3e8\nduration_sigma = 5\ndevices = [1, 2, 4, 8]\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let o = cirrus(&[
        "simulate",
        scenario.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reached the end of its clock"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// The event-level budget applies to the event model only: the closed-form
/// estimate answers the scenario `check` refuses for the event model.
#[test]
fn the_step_budget_binds_the_event_model_only() {
    let f = "tests/fixtures/invalid/step-budget-layers.toml";
    let o = cirrus(&["check", f]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--model analytic"), "{}", stderr(&o));
    let o = cirrus(&["check", "--model", "analytic", f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cirrus(&["simulate", "--model", "analytic", "--json", f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        r["jobs"][0]["step_time_s"]
            .as_f64()
            .is_some_and(f64::is_finite)
    );
}

/// The bundled Philly sample replays with `skip_bad_rows = true` (its row
/// 4 never ran), and says how many rows it skipped; without the key it is
/// refused at that row.
#[test]
fn the_philly_sample_replays_with_skip_bad_rows() {
    let f = "tests/fixtures/traces/philly-sample-skip-bad-rows.toml";
    let o = cirrus(&["simulate", f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(": 5 jobs (philly format)"), "{text}");
    assert!(text.contains("skipped rows         1"), "{text}");
    let dir = tempfile::tempdir().expect("tempdir");
    let strict = dir.path().join("strict.toml");
    let without = std::fs::read_to_string(root().join(f))
        .expect("fixture")
        .replace("skip_bad_rows = true\n", "")
        .replace("../../../sim/", &format!("{}/sim/", root().display()));
    std::fs::write(&strict, without).expect("write");
    let o = cirrus(&["check", strict.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("row 4"), "{}", stderr(&o));
}

/// An empty trace reports zeros, never `-0` (an empty `f64` sum is `-0.0`).
#[test]
fn an_empty_trace_prints_no_negative_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("empty.json"), "[]").expect("write");
    let scenario = dir.path().join("empty.toml");
    std::fs::write(
        &scenario,
        "[[pool]]\nname = \"v100\"\ndevice = \"v100-sxm2-32gb\"\nnodes = 1\n\
         [workload]\nformat = \"philly\"\npath = \"empty.json\"\n",
    )
    .expect("write");
    for args in [&["simulate"][..], &["simulate", "--json"]] {
        let mut a = args.to_vec();
        a.push(scenario.to_str().expect("utf-8"));
        let o = cirrus(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!stdout(&o).contains("-0"), "{}", stdout(&o));
    }
}

/// A Gavel job whose type the throughput table lacks is rejected with that
/// reason in `jobs.csv`, not "no pool can run it".
#[test]
fn a_job_type_missing_from_the_throughput_table_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = cirrus(&[
        "simulate",
        "tests/fixtures/traces/gavel-unknown-type.toml",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let jobs = std::fs::read_to_string(out.join("jobs.csv")).expect("jobs.csv");
    assert!(
        jobs.contains(
            "its job type `Mystery (batch size 1)` (scale factor 1) is not in the throughput table"
        ),
        "{jobs}"
    );
}
