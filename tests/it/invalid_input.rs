//! The invalid-input tour end to end: broken plans and traces exit 2 with
//! their exact message, and a failed run leaves no output behind (`--out`,
//! `-o`). The scenario fixtures' messages are checked in `check.rs`, the
//! messages of every fixture at the library level in `cirrus-sim`'s
//! `tests/it/invalid.rs`.

use super::{cirrus, files, root, stderr};
use std::path::Path;

/// Each broken plan given to `simulate --plan` exits 2 with `error: ` and
/// its `.stderr` message, and `--out` gets no directory.
#[test]
fn every_invalid_plan_exits_2_with_its_message_and_writes_nothing() {
    let plans = files(Path::new("tests/fixtures/invalid/plans"), "json");
    assert!(plans.len() >= 5);
    let tmp = tempfile::tempdir().expect("tempdir");
    for path in plans {
        let rel = path.strip_prefix(root()).expect("under root");
        let rel = rel.to_string_lossy();
        let out = tmp.path().join("out");
        let o = cirrus(&[
            "simulate",
            "scenarios/quickstart.toml",
            "--plan",
            &rel,
            "--out",
            &out.to_string_lossy(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{rel}: {}", stderr(&o));
        let expected =
            std::fs::read_to_string(path.with_extension("stderr")).expect("expected message");
        assert_eq!(stderr(&o), format!("error: {expected}"), "{rel}");
        assert!(
            !out.exists(),
            "{rel}: a failed run created {}",
            out.display()
        );
    }
}

/// A valid scenario whose trace has a bad row: `check` and `simulate` name
/// the trace's row and column and exit 2, and `simulate` writes no
/// `result.json`, `jobs.csv` or `usage.csv`.
#[test]
fn a_bad_trace_row_exits_2_and_writes_nothing() {
    let scenario = "tests/fixtures/bad-trace/philly-bad-time.toml";
    let checked = cirrus(&["check", scenario]);
    assert_eq!(checked.status.code(), Some(2), "{}", stderr(&checked));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("results");
    let o = cirrus(&["simulate", scenario, "--out", &out.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&checked), stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "{scenario}: error: tests/fixtures/bad-trace/{}",
            std::fs::read_to_string(
                root().join("tests/fixtures/invalid/traces/philly/bad-submitted-time.stderr")
            )
            .expect("expected message")
            .replace("tests/fixtures/", "../")
        )
    );
    assert!(!out.exists(), "a failed run created {}", out.display());
}

/// Every broken scenario: `simulate --out` and `plan -o` exit 2 and write
/// nothing; no input makes either panic (a panic exits 101).
#[test]
fn invalid_scenarios_write_no_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for path in files(Path::new("tests/fixtures/invalid"), "toml") {
        let rel = path.strip_prefix(root()).expect("under root");
        let rel = rel.to_string_lossy();
        let out = tmp.path().join("out");
        let plan = tmp.path().join("plan.json");
        let o = cirrus(&["simulate", &rel, "--out", &out.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(2), "simulate {rel}: {}", stderr(&o));
        let o = cirrus(&["plan", &rel, "-o", &plan.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(2), "plan {rel}: {}", stderr(&o));
        assert!(
            !out.exists() && !plan.exists(),
            "{rel}: a failed run wrote output"
        );
    }
}

/// Text a trace row quotes in its message (here a time holding a
/// clear-screen sequence and a window-title OSC) reaches the terminal
/// escaped, from `check` and `simulate` alike.
#[test]
fn control_characters_from_a_trace_are_escaped_in_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = dir.path().join("t.json");
    std::fs::write(
        &trace,
        r#"[{"status": "Pass", "vc": "v", "jobid": "application_1", "user": "u",
  "submitted_time": "\u001b[2J\u001b]0;owned\u0007",
  "attempts": [{"start_time": "2017-10-03 06:31:20", "end_time": "2017-10-03 08:02:47",
                "detail": [{"ip": "m1", "gpus": ["gpu0"]}]}]}]"#,
    )
    .expect("write trace");
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "[[pool]]\nname = \"v100\"\ndevice = \"v100-sxm2-32gb\"\nnodes = 4\n[workload]\nformat = \"philly\"\npath = \"t.json\"\n",
    )
    .expect("write scenario");
    for command in ["check", "simulate"] {
        let o = cirrus(&[command, &scenario.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            !o.stderr.contains(&0x1b) && !o.stderr.contains(&0x07),
            "{:?}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains("`\\u{1b}[2J\\u{1b}]0;owned\\u{7}` is not a time"),
            "{}",
            stderr(&o)
        );
    }
}
