//! Determinism: the same scenario and seed give byte-identical output —
//! the SimResult JSON and every `--out` file — on every run and whatever
//! the thread count.
//!
//! The simulator and the planner run on one thread (no threads or rayon in
//! `cirrus-sim`); each run still gets `RAYON_NUM_THREADS` 1, 2 and 8, so a
//! parallel path added later is held to the same bytes. Every bundled
//! scenario is checked, at a size a debug build runs in seconds (see
//! [`SMALLER`]): `pai-scale-1m.toml` with 20,000 of its million jobs (the
//! full million is `cirrus bench`'s, in release), the 405B failure run over
//! a tenth of its length, the Philly replay's first 200 jobs, the 16,384-GPU
//! step with the analytic model; and the two scenarios whose `"auto"`
//! parallelism takes the debug planner about a minute simulate the plan it
//! chose, committed in `tests/fixtures/plans/` (the planner's own output is
//! checked on `mixed-a100-h100.toml`).

use super::{files, root, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The thread counts every scenario is run with.
const THREADS: [&str; 3] = ["1", "2", "8"];

/// Scenarios that simulate a committed plan instead of planning first.
const PLANNED: [&str; 2] = ["gpt3-175b-512a100-512h100", "llama3-70b-deadline"];

/// `cirrus ARGS` with `RAYON_NUM_THREADS=threads`; its stdout and the
/// files it wrote under `out` (name and bytes, sorted).
fn run(args: &[&str], threads: &str, out: &Path) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(args)
        .current_dir(root())
        .env(
            "CIRRUS_PROFILE",
            root().join("tests/fixtures/profiles/lavapipe-2-cores.toml"),
        )
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the cirrus binary runs");
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let mut written: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .map(|dir| {
            dir.map(|e| {
                let p = e.expect("entry").path();
                let name = p
                    .file_name()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned();
                (name, std::fs::read(&p).expect("readable output"))
            })
            .collect()
        })
        .unwrap_or_default();
    written.sort();
    (o.stdout, written)
}

/// Smaller copies of the scenarios a debug build takes long over: the
/// bundled name, the text to replace and its replacement.
const SMALLER: [(&str, &str, &str); 3] = [
    // 20,000 of the million jobs.
    ("pai-scale-1m", "\njobs = 1000000\n", "\njobs = 20000\n"),
    // A tenth of the 67-day run: about 90 node failures instead of 880.
    (
        "llama3-405b-failures",
        "\nduration_median_s = 5.78e6 ",
        "\nduration_median_s = 5.78e5 ",
    ),
    // The first 200 of the trace's 861 jobs (the LP policy re-solves
    // every round).
    (
        "philly-multitenant",
        "\nformat = \"gavel\"\n",
        "\nformat = \"gavel\"\njobs = 200\n",
    ),
];

/// The scenario file to run for bundled `path` (a smaller copy in `tmp`
/// for the slow ones) and the extra arguments it takes.
fn case(path: &Path, tmp: &Path) -> (PathBuf, Vec<String>) {
    let stem = path.file_stem().expect("a name").to_string_lossy();
    if let Some((_, from, to)) = SMALLER.iter().find(|(name, _, _)| *name == stem) {
        let text = std::fs::read_to_string(path).expect("scenario");
        assert!(text.contains(from), "{stem}: `{}` moved", from.trim());
        // The copy lives elsewhere: its relative paths name the same files.
        let data = format!("\"{}/sim/data/", root().display());
        let text = text.replace(from, to).replace("\"../sim/data/", &data);
        let small = tmp.join(format!("{stem}-smaller.toml"));
        std::fs::write(&small, text).expect("writable");
        return (small, Vec::new());
    }
    if PLANNED.contains(&stem.as_ref()) {
        let plan = format!("tests/fixtures/plans/{stem}.json");
        return (path.to_path_buf(), vec!["--plan".to_owned(), plan]);
    }
    if stem == "gpt3-175b-16384-a100" {
        // 16,384 GPUs at event level take a debug build 20 s a run; the
        // event-level model is held to its bytes on every other scenario.
        let model = ["--model", "analytic"].map(str::to_owned);
        return (path.to_path_buf(), model.to_vec());
    }
    (path.to_path_buf(), Vec::new())
}

#[test]
fn every_bundled_scenario_gives_identical_bytes_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenarios = files(Path::new("scenarios"), "toml");
    assert!(scenarios.len() >= 12);
    for path in scenarios {
        let (file, extra) = case(&path, tmp.path());
        let mut first = None;
        for threads in THREADS {
            let out = tmp.path().join(format!("out-{threads}"));
            let file = file.to_string_lossy();
            let out_s = out.to_string_lossy();
            let mut args = vec!["simulate", &*file, "--json", "--out", &*out_s];
            args.extend(extra.iter().map(String::as_str));
            let got = run(&args, threads, &out);
            assert!(!got.1.is_empty(), "{}: no output files", path.display());
            match &first {
                None => first = Some(got),
                Some(f) => assert!(
                    *f == got,
                    "{}: output with RAYON_NUM_THREADS={threads} differs from 1 thread",
                    path.display()
                ),
            }
            std::fs::remove_dir_all(&out).expect("removable");
        }
    }
}

#[test]
fn the_planner_gives_identical_bytes_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut first = None;
    for threads in THREADS {
        let out = tmp.path().join(format!("plan-{threads}"));
        std::fs::create_dir(&out).expect("creatable");
        let plan = out.join("plan.json");
        let plan = plan.to_string_lossy();
        let args = [
            "plan",
            "scenarios/mixed-a100-h100.toml",
            "--json",
            "-o",
            &*plan,
        ];
        let got = run(&args, threads, &out);
        match &first {
            None => first = Some(got),
            Some(f) => assert!(*f == got, "plan with RAYON_NUM_THREADS={threads} differs"),
        }
    }
}
