//! Broken scenarios in `tests/fixtures/invalid/`: each `NAME.toml` must be
//! refused with exactly the text in `NAME.stderr`, which is what
//! `cirrus check` prints for it (the diagnostics and a newline).
//!
//! The file is named `tests/fixtures/invalid/NAME.toml` in messages, the
//! path relative to the repository root, so the expected text does not
//! depend on where the tests run. `CIRRUS_BLESS=1` rewrites the `.stderr`
//! files from the current output instead of comparing.

use crate::{repo_root, toml_files};
use cirrus_sim::scenario;
use std::path::Path;

/// The fixture as `cirrus check` would name it from the repository root.
fn display_name(path: &Path) -> String {
    let name = path.file_name().expect("a file").to_string_lossy();
    format!("tests/fixtures/invalid/{name}")
}

/// What `cirrus check` prints for the fixture, or `None` if it is accepted.
fn check_output(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).expect("readable fixture");
    scenario::parse(&text, &display_name(path))
        .err()
        .map(|d| format!("{d}\n"))
}

#[test]
fn every_invalid_fixture_prints_its_stderr() {
    let dir = repo_root().join("tests/fixtures/invalid");
    let files = toml_files(&dir);
    assert!(
        files.len() >= 14,
        "expected at least 14 invalid fixtures, found {}",
        files.len()
    );
    let bless = std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for path in &files {
        let name = display_name(path);
        let Some(actual) = check_output(path) else {
            failures.push(format!("{name}: accepted, but it is an invalid fixture"));
            continue;
        };
        let expected_path = path.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable fixture directory");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{name}: output differs from {}\n--- expected\n{expected}--- actual\n{actual}",
                expected_path.display()
            )),
            Err(e) => failures.push(format!(
                "{name}: cannot read {}: {e}",
                expected_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n(run with CIRRUS_BLESS=1 to rewrite the .stderr files, then review the diff)",
        failures.join("\n\n")
    );
}

#[test]
fn every_stderr_has_its_fixture() {
    let dir = repo_root().join("tests/fixtures/invalid");
    for entry in std::fs::read_dir(&dir).expect("fixture directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            assert!(
                path.with_extension("toml").is_file(),
                "{} has no .toml beside it",
                path.display()
            );
        }
    }
}

#[test]
fn load_refuses_every_fixture_without_panicking() {
    for path in toml_files(&repo_root().join("tests/fixtures/invalid")) {
        let result = std::panic::catch_unwind(|| scenario::load(&path));
        match result {
            Ok(Err(e)) => assert!(e.diagnostics().is_some(), "{}: {e}", path.display()),
            Ok(Ok(_)) => panic!("{} was accepted", path.display()),
            Err(_) => panic!("{} made the reader panic", path.display()),
        }
    }
}

#[test]
fn every_problem_names_file_line_column_and_key() {
    for path in toml_files(&repo_root().join("tests/fixtures/invalid")) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let d = scenario::parse(&text, &display_name(&path)).expect_err("invalid");
        for p in &d.problems {
            assert_eq!(p.file, display_name(&path));
            assert!(p.line >= 1 && p.column >= 1, "{p}");
            let syntax = p.message.starts_with("invalid TOML");
            assert!(
                syntax || !p.key.is_empty(),
                "{}: a problem without a key:\n{p}",
                path.display()
            );
        }
    }
}

/// Every file in `dir` that is not a `.stderr` expectation, sorted.
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "stderr"))
        .collect();
    files.sort();
    files
}

/// Compares each input's message (`message(path)`, the repository root
/// left out of paths) with `NAME.stderr` beside it, or rewrites those under
/// `CIRRUS_BLESS=1`; returns how many inputs there were.
fn compare_messages(dir: &Path, message: impl Fn(&Path) -> Option<String>) -> usize {
    let bless = std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1");
    let root = format!("{}/", repo_root().display());
    let files = inputs(dir);
    let mut failures = Vec::new();
    for path in &files {
        let Some(actual) = message(path) else {
            failures.push(format!(
                "{}: accepted, but it is an invalid fixture",
                path.display()
            ));
            continue;
        };
        let actual = format!("{}\n", actual.replace(&root, ""));
        let expected_path = path.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable fixture directory");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: message differs from {}\n--- expected\n{expected}--- actual\n{actual}",
                path.display(),
                expected_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n(run with CIRRUS_BLESS=1 to rewrite the .stderr files, then review the diff)",
        failures.join("\n\n")
    );
    files.len()
}

/// Each broken plan: refused when read, or (another model, overlapping
/// replicas) when applied to the quickstart scenario, as `simulate --plan`
/// does.
#[test]
fn every_invalid_plan_gives_its_message() {
    use cirrus_sim::plan::Plan;
    let dir = repo_root().join("tests/fixtures/invalid/plans");
    let quickstart = scenario::load(&repo_root().join("scenarios/quickstart.toml"))
        .expect("the quickstart scenario");
    let n = compare_messages(&dir, |path| {
        std::panic::catch_unwind(|| {
            let file = path.display().to_string();
            let text = Plan::read_text(path).map_err(|e| e.to_string())?;
            let plan = Plan::from_json(&text, &file).map_err(|e| e.to_string())?;
            plan.apply(&quickstart)
                .map_err(|e| format!("{}: {e}", Plan::position(&e, &text, &file)))
        })
        .unwrap_or_else(|_| panic!("{} made the plan reader panic", path.display()))
        .err()
    });
    assert!(n >= 5, "expected at least 5 invalid plans, found {n}");
}

/// Reads `path` with the importer its directory names.
fn import(format: &str, path: &Path) -> Result<(), cirrus_sim::workload::WorkloadError> {
    use cirrus_sim::workload::{ImportOptions, gavel, helios, openb, pai, philly, pollux};
    let opts = ImportOptions::default();
    match format {
        "gavel" => gavel::read(path, opts).map(drop),
        "gavel-throughputs" => gavel::read_throughputs(path).map(drop),
        "philly" => philly::read(path, opts).map(drop),
        "pollux" => pollux::read(path, opts).map(drop),
        "alibaba-openb" => openb::read(path, opts).map(drop),
        "openb-nodes" => openb::read_nodes(path).map(drop),
        "alibaba-pai" => pai::read(path, opts).map(drop),
        "pai-machines" => pai::read_machines(path).map(drop),
        "helios" => helios::read(path, opts).map(drop),
        other => panic!("no importer for fixture directory traces/{other}"),
    }
}

/// The importers, by fixture directory: every one has broken inputs.
const IMPORTERS: [&str; 9] = [
    "gavel",
    "gavel-throughputs",
    "philly",
    "pollux",
    "alibaba-openb",
    "openb-nodes",
    "alibaba-pai",
    "pai-machines",
    "helios",
];

#[test]
fn every_invalid_trace_gives_its_message_with_row_and_column() {
    let mut total = 0;
    for format in IMPORTERS {
        let dir = repo_root()
            .join("tests/fixtures/invalid/traces")
            .join(format);
        let n = compare_messages(&dir, |path| {
            std::panic::catch_unwind(|| import(format, path))
                .unwrap_or_else(|_| panic!("{} made the {format} importer panic", path.display()))
                .err()
                .map(|e| e.to_string())
        });
        assert!(n >= 1, "traces/{format} has no broken input");
        total += n;
    }
    let scenarios = toml_files(&repo_root().join("tests/fixtures/invalid")).len();
    let plans = inputs(&repo_root().join("tests/fixtures/invalid/plans")).len();
    assert!(
        scenarios + plans + total >= 30,
        "the invalid-input tour has {scenarios} scenarios, {plans} plans and {total} traces"
    );
}

/// 20,000 unknown keys (the reliability reproducer `keys-20000.toml`) are
/// collected in linear time and printed as 20 problems and a count.
#[test]
fn many_unknown_keys_are_collected_quickly_and_printed_briefly() {
    let mut text = String::from(
        "[[pool]]\nname = \"a\"\ndevice = \"a100-sxm4-80gb\"\nnodes = 1\n[[job]]\nmodel = \"gpt3-1.3b\"\nseq_len = 2048\nglobal_batch = 8\n[job.parallelism]\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!("k{i} = {i}\n"));
    }
    let started = std::time::Instant::now();
    let d = scenario::parse(&text, "many.toml").expect_err("unknown keys");
    assert!(
        started.elapsed().as_secs_f64() < 5.0,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(d.problems.len(), 20_000);
    let shown = d.to_string();
    assert!(shown.lines().count() < 200, "{}", shown.lines().count());
    assert!(shown.ends_with("… and 19980 more problems\n20000 problems found in many.toml"));
}
