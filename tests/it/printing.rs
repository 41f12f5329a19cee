//! Printing is fallible: a full disk or a closed standard output is a
//! runtime failure (exit status 1) with a message, a reader that goes away
//! ends the command quietly, and nothing panics (exit status 101).

use super::{in_root, root, stderr};
use std::process::{Command, Output, Stdio};

/// Runs `cirrus ARGS` through `sh -c`, with standard output redirected by
/// `redirect` (a shell redirection such as `>/dev/full`).
fn cirrus_redirected(args: &str, redirect: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec \"{}\" {args} {redirect}",
            env!("CARGO_BIN_EXE_cirrus")
        ))
        .current_dir(root())
        .env(
            "CIRRUS_PROFILE",
            root().join("tests/fixtures/profiles/lavapipe-2-cores.toml"),
        )
        .stdout(Stdio::null())
        .output()
        .expect("sh runs")
}

const COMMANDS: [&str; 5] = [
    "simulate scenarios/quickstart.toml --json",
    "simulate scenarios/quickstart.toml",
    "plan scenarios/quickstart.toml",
    "sweep scenarios/quickstart.toml --vary pool.a100.nodes=1,2 --model analytic",
    "schema",
];

#[test]
fn a_full_disk_on_stdout_is_exit_1_with_a_message() {
    for args in COMMANDS {
        let o = cirrus_redirected(args, ">/dev/full");
        assert_eq!(o.status.code(), Some(1), "{args}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("failed to write to standard output")
                && stderr(&o).contains("No space left on device"),
            "{args}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_closed_stdout_is_exit_1_with_a_message() {
    for args in COMMANDS {
        let o = cirrus_redirected(args, ">&-");
        assert_eq!(o.status.code(), Some(1), "{args}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("standard output is closed"),
            "{args}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_reader_that_goes_away_ends_quietly() {
    // `head -c1` exits after one byte; the rest of the output meets a
    // broken pipe. `set -o pipefail` is not POSIX, so the status of cirrus
    // is written by a subshell.
    for args in COMMANDS {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "( \"{}\" {args} 2>/dev/null; echo $? >&2 ) | head -c1 >/dev/null",
                env!("CARGO_BIN_EXE_cirrus")
            ))
            .current_dir(root())
            .env(
                "CIRRUS_PROFILE",
                root().join("tests/fixtures/profiles/lavapipe-2-cores.toml"),
            )
            .output()
            .expect("sh runs");
        assert_eq!(stderr(&o).trim(), "0", "{args}");
    }
}

/// A launcher's `/dev/null` opened read-write (Python's
/// `subprocess.DEVNULL`, Go's and Node's ignored output) is not a closed
/// standard output: the command succeeds, as it does with `>/dev/null`.
#[test]
fn a_read_write_dev_null_is_not_a_closed_stdout() {
    for args in COMMANDS {
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .expect("open /dev/null");
        let o = in_root(&mut Command::new(env!("CARGO_BIN_EXE_cirrus")))
            .args(args.split(' '))
            .stdout(Stdio::from(null))
            .output()
            .expect("cirrus runs");
        assert_eq!(o.status.code(), Some(0), "{args}: {}", stderr(&o));
    }
}
