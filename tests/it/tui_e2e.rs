//! The dashboard end to end: the real binary in a real terminal (tmux,
//! which `test.sh` installs), driven by keys, read back with
//! `tmux capture-pane`.

use super::root;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Longest wait for a screen to show what a step expects (the debug build
/// on a loaded 2-core machine).
const PATIENCE: Duration = Duration::from_secs(120);

/// A detached tmux session running one command, killed when dropped.
struct Session {
    name: String,
}

impl Session {
    /// Starts `cmd` in a `width`×`height` session named `name`.
    fn start(name: &str, width: u16, height: u16, cmd: &str) -> Session {
        let _ = tmux(&["kill-session", "-t", name]);
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                cmd,
            ])
            .current_dir(root())
            .env(
                "CIRRUS_PROFILE",
                root().join("tests/fixtures/profiles/lavapipe-2-cores.toml"),
            )
            .status()
            .expect("tmux runs (test.sh installs it)");
        assert!(status.success(), "tmux new-session failed");
        Session {
            name: name.to_owned(),
        }
    }

    /// The screen's text now.
    fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Presses `keys` (tmux key names: `Tab`, `Enter`, `Right`, `q`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.name.as_str()];
        args.extend_from_slice(keys);
        tmux(&args);
    }

    /// Waits until the screen shows every one of `texts`; returns it.
    fn wait_for(&self, texts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {texts:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the session (the program in it) is still running.
    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux runs (test.sh installs it)");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Opens a bundled scenario from the Scenarios tab, visits every tab,
/// runs a what-if edit, and quits; the key log records every key.
#[test]
fn dashboard_opens_a_scenario_visits_every_tab_and_runs_a_what_if() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("keys.log");
    let cmd = format!(
        "{} tui --key-log {}",
        env!("CARGO_BIN_EXE_cirrus"),
        log.display()
    );
    let s = Session::start(&format!("cirrus-e2e-{}", std::process::id()), 100, 32, &cmd);
    s.wait_for(&["1 Scenarios", "quickstart.toml"]);

    // Open failures-whatif.toml: type its path (the list's order changes as
    // scenarios are added; the path does not).
    s.keys(&["/"]);
    s.wait_for(&["open: _"]);
    s.keys(&["scenarios/failures-whatif.toml", "Enter"]);
    s.wait_for(&["simulated 1000 jobs"]);

    // Every tab, with what it shows for a cluster run.
    let tabs: [(&str, &[&str]); 8] = [
        ("3", &["Busy share over", "h100-spot", "jobs waiting"]),
        ("4", &["Jobs:", "JCT", "state"]),
        ("5", &["Schedule per node", "Highlighted node"]),
        ("6", &["objective:"]),
        ("7", &["Knobs", "h100: nodes", "scheduling policy"]),
        ("8", &["No run yet"]),
        ("1", &["failures-whatif.toml"]),
        ("2", &["1,000 jobs on 512 on-demand + 256 spot H100"]),
    ];
    for (key, expect) in tabs {
        s.keys(&[key]);
        s.wait_for(expect);
    }
    // Tab and Shift-Tab move between neighbours.
    s.keys(&["Tab"]);
    s.wait_for(&["Busy share over"]);
    s.keys(&["BTab"]);
    s.wait_for(&["1,000 jobs on 512 on-demand + 256 spot H100"]);

    // What-if: double the on-demand pool's nodes and run it.
    s.keys(&["7"]);
    s.wait_for(&["Knobs"]);
    s.keys(&["Right"]);
    s.wait_for(&["pool.h100.nodes = 128"]);
    s.keys(&["Enter"]);
    let screen = s.wait_for(&["Baseline vs what-if", "makespan", "utilisation"]);
    assert!(screen.contains("pool.h100.nodes = 128"), "{screen}");

    // The key list, then quit.
    s.keys(&["?"]);
    s.wait_for(&["Keys (? or Esc closes)"]);
    s.keys(&["Escape", "q"]);
    let start = Instant::now();
    while s.alive() && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!s.alive(), "q quits");

    // Every key press was answered (drawn) and logged.
    let answered = read_log(&log);
    assert!(answered.len() >= 20, "{answered:?}");
    assert!(answered.iter().all(|(_, ms)| *ms >= 0.0));
}

/// `(key, milliseconds)` from a `--key-log` file.
fn read_log(path: &Path) -> Vec<(String, f64)> {
    std::fs::read_to_string(path)
        .expect("the key log")
        .lines()
        .map(|l| {
            let (key, ms) = l.rsplit_once(' ').expect("key and time");
            (key.to_owned(), ms.parse().expect("milliseconds"))
        })
        .collect()
}

/// SIGTERM, SIGHUP and SIGQUIT end the dashboard with the terminal
/// restored: the alternate screen left (`ESC[?1049l`), the cursor shown
/// (`ESC[?25h`), raw mode off (`icanon` set again), exit status 128 plus
/// the signal's number, as shells report a process the signal killed.
#[test]
fn signals_restore_the_terminal() {
    for (sig, number) in [("TERM", 15), ("HUP", 1), ("QUIT", 3)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("run.sh");
        std::fs::write(
            &script,
            "sh -c 'echo $$ > \"$1/pid\"; exec \"$2\" tui' _ \"$1\" \"$2\"\n\
             echo \"exit=$?\"\n\
             stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'\n\
             sleep 120\n",
        )
        .expect("script");
        let cmd = format!(
            "sh {} {} {}",
            script.display(),
            dir.path().display(),
            env!("CARGO_BIN_EXE_cirrus")
        );
        let name = format!("cirrus-sig{sig}-{}", std::process::id());
        let s = Session::start(&name, 100, 32, &cmd);
        let raw = dir.path().join("raw.out");
        tmux(&[
            "pipe-pane",
            "-o",
            "-t",
            &name,
            &format!("cat >> {}", raw.display()),
        ]);
        s.wait_for(&["1 Scenarios", "quickstart.toml"]);
        let pid = std::fs::read_to_string(dir.path().join("pid")).expect("pid file");
        let killed = Command::new("kill")
            .args([&format!("-{sig}"), pid.trim()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let screen = s.wait_for(&[&format!("exit={}", 128 + number), "icanon"]);
        assert!(!screen.contains("-icanon"), "raw mode left on:\n{screen}");
        assert!(
            !screen.contains("1 Scenarios"),
            "dashboard left on screen:\n{screen}"
        );
        assert!(screen.contains(&format!("stopped by SIG{sig}")), "{screen}");
        let bytes = std::fs::read(&raw).expect("pane output");
        let has = |seq: &[u8]| bytes.windows(seq.len()).any(|w| w == seq);
        assert!(has(b"\x1b[?1049l"), "SIG{sig}: alternate screen not left");
        assert!(has(b"\x1b[?25h"), "SIG{sig}: cursor not shown");
    }
}

/// A burst of sort keys on the Queue tab is answered (every key logged),
/// ends in the order the last key asks for, and `q` pressed right after
/// still quits promptly: sorting runs off the UI thread and the presses
/// pending at a frame are handled together (one sort).
#[test]
fn a_burst_of_sort_keys_coalesces_and_q_quits_promptly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("keys.log");
    let cmd = format!(
        "{} tui scenarios/failures-whatif.toml --key-log {}",
        env!("CARGO_BIN_EXE_cirrus"),
        log.display()
    );
    let s = Session::start(
        &format!("cirrus-sorts-{}", std::process::id()),
        100,
        32,
        &cmd,
    );
    s.wait_for(&["simulated 1000 jobs"]);
    s.keys(&["4"]);
    s.wait_for(&["Jobs: 1000 of 1000"]);
    // 25 presses of `s` (arrival → job, six columns round), then reversed.
    let burst = "s".repeat(25) + "S";
    s.keys(&[burst.as_str()]);
    let mut screen = s.wait_for(&["job ▼"]);
    // The header follows the key at once; the rows when the sort is done.
    let start = Instant::now();
    while screen.contains("sorting…") && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(50));
        screen = s.screen();
    }
    assert!(!screen.contains("sorting…"), "{screen}");
    assert!(screen.contains("job ▼"), "{screen}");
    // A second burst, and `q` straight after it.
    let burst = "s".repeat(40) + "q";
    s.keys(&[burst.as_str()]);
    let start = Instant::now();
    while s.alive() && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!s.alive(), "q quits");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "q took {:?}",
        start.elapsed()
    );
    let answered = read_log(&log);
    let sorts = answered.iter().filter(|(k, _)| k.contains("'s'")).count();
    assert!(sorts >= 25, "every sort key is logged: {answered:?}");
}
