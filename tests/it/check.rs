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

/// A file that is not UTF-8 is bad input at the line and column of the
/// first bad byte, not a bare "stream did not contain valid UTF-8".
#[test]
fn invalid_utf8_names_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"name = \"x\"\n[[pool]]\nname = \"a\xff\xfeb\"\n").expect("write");
    let o = cirrus(&["check", &path.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "{}:3:10: error: the file is not UTF-8 text: byte 0xff",
            path.display()
        )),
        "{err}"
    );
}

/// Escape sequences in a scenario reach neither stream raw, from `check`
/// or from `simulate`.
#[test]
fn no_raw_escape_byte_reaches_the_terminal() {
    for fixture in [
        "tests/fixtures/invalid/control-character-in-name.toml",
        "tests/fixtures/invalid/control-character-in-excerpt.toml",
    ] {
        for cmd in ["check", "simulate"] {
            let o = cirrus(&[cmd, fixture]);
            assert_eq!(o.status.code(), Some(2), "{cmd} {fixture}");
            assert!(
                !o.stdout.contains(&0x1b) && !o.stderr.contains(&0x1b),
                "{cmd} {fixture}"
            );
            assert!(stderr(&o).contains("\\u{1b}"), "{cmd} {fixture}");
        }
    }
}

/// A trace path naming an endless device (the reliability reproducer
/// `trace-devzero.toml`) is refused at the size limit, fast, as bad input;
/// `[workload] max_trace_bytes` sets that limit.
#[cfg(unix)]
#[test]
fn an_endless_trace_is_refused_at_its_size_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let throughputs = root().join("sim/data/traces/gavel/sample_throughputs.json");
    for (extra, limit) in [("", "256 MiB"), ("max_trace_bytes = 1048576\n", "1 MiB")] {
        let path = dir.path().join("endless.toml");
        let text = format!(
            "[[pool]]\nname = \"v100\"\ndevice = \"v100-sxm2-32gb\"\nnodes = 4\ndevices_per_node = 1\n[workload]\nformat = \"gavel\"\npath = \"/dev/zero\"\n{extra}throughputs = \"{}\"\n",
            throughputs.display()
        );
        std::fs::write(&path, text).expect("write");
        let started = std::time::Instant::now();
        let o = cirrus(&["check", &path.to_string_lossy()]);
        assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "failed to read /dev/zero: holds more than {limit}, the limit for a trace"
            )),
            "{}",
            stderr(&o)
        );
    }
}
