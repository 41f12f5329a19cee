//! `cirrus check`.

use super::{cirrus, files, root, stderr, stdout};
use std::path::Path;

/// `path` relative to the repository root, as a user would type it.
fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("under root")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_bundled_scenario_checks_ok() {
    let scenarios = files(Path::new("scenarios"), "toml");
    assert!(scenarios.len() >= 5, "{scenarios:?}");
    for path in scenarios {
        let rel = relative(&path);
        let o = cirrus(&["check", &rel]);
        assert!(o.status.success(), "{rel}: {}", stderr(&o));
        assert!(
            stdout(&o).starts_with(&format!("{rel}: ok: ")),
            "{}",
            stdout(&o)
        );
    }
}

/// A workload scenario's summary names its workload and policy, not "0 jobs".
#[test]
fn a_workload_scenario_summary_names_its_workload() {
    let o = cirrus(&["check", "scenarios/elastic-resizing.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .ends_with("1 pool (128 devices), a synthetic workload (1500 jobs), policy elastic\n"),
        "{}",
        stdout(&o)
    );
}

/// Each broken fixture exits 2 and prints exactly its `.stderr` file, whose
/// every problem names file:line:column and a key path.
#[test]
fn every_invalid_fixture_exits_2_with_its_exact_message() {
    let fixtures = files(Path::new("tests/fixtures/invalid"), "toml");
    assert!(fixtures.len() >= 12, "{fixtures:?}");
    for path in fixtures {
        let rel = relative(&path);
        let o = cirrus(&["check", &rel]);
        assert_eq!(o.status.code(), Some(2), "{rel}");
        let expected =
            std::fs::read_to_string(path.with_extension("stderr")).expect("expected message file");
        assert_eq!(stderr(&o), expected, "{rel}");
        let first = expected.lines().next().expect("a message");
        assert!(first.starts_with(&format!("{rel}:")), "{first}");
        let rest: Vec<&str> = first.splitn(4, ':').collect();
        assert!(
            rest[1].parse::<u32>().is_ok() && rest[2].parse::<u32>().is_ok(),
            "{first}"
        );
    }
}

#[test]
fn a_missing_file_is_bad_input() {
    let o = cirrus(&["check", "scenarios/no-such-file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-file.toml"), "{}", stderr(&o));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for cmd in [
        "simulate",
        "check",
        "plan",
        "catalogue",
        "validate",
        "bench",
        "tui",
        "schema",
        "scenarios",
    ] {
        let o = cirrus(&[cmd, "--help"]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Example"), "{cmd}: {}", stdout(&o));
    }
    let o = cirrus(&["--version"]);
    assert!(stdout(&o).starts_with("cirrus "), "{}", stdout(&o));
    // Usage errors are bad input.
    assert_eq!(cirrus(&["simulate"]).status.code(), Some(2));
    assert_eq!(cirrus(&["no-such-command"]).status.code(), Some(2));
}

/// A valid scenario whose step would outlast the simulator's clock: `check`
/// refuses it with the same message as `simulate` (both models), instead of
/// passing what `simulate` then refuses.
#[test]
fn check_refuses_a_step_past_the_clock_like_simulate() {
    let f = "tests/fixtures/overflow/step-past-the-clock.toml";
    let checked = cirrus(&["check", f]);
    assert_eq!(checked.status.code(), Some(2), "{}", stderr(&checked));
    assert!(
        stderr(&checked).contains("beyond the simulator's clock"),
        "{}",
        stderr(&checked)
    );
    for model in ["event", "analytic"] {
        let o = cirrus(&["simulate", f, "--model", model]);
        assert_eq!(o.status.code(), Some(2), "{model}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{model}: printed an answer");
        assert!(
            stderr(&o).contains("its step time would be"),
            "{}",
            stderr(&o)
        );
    }
}
