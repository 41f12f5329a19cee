//! `cirrus exec --resume` edges on the tiny local plan (lavapipe and the
//! CPU backend, a few seconds): a run resumes to more steps with another
//! `--eval-every` (as a 10-step run resumes to 20 with the default, a tenth
//! of the steps), the `--events` file is appended to, an edited
//! checkpoint whose hash was recomputed is refused naming its field, and an
//! unwritable `--out` fails before training.

use super::{cirrus, stderr};
use cirrus_executor::checkpoint::Checkpoint;
use std::path::Path;

/// The local plan with 4 sequences of 16 bytes per step, so that a step
/// takes milliseconds.
const PLAN: &str = "tests/fixtures/exec/micro-plan.json";

/// `exec PLAN --steps N --json --checkpoint-dir DIR --resume EXTRA`.
fn exec(steps: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    let dir = dir.display().to_string();
    let mut args = vec![
        "exec",
        PLAN,
        "--steps",
        steps,
        "--json",
        "--checkpoint-dir",
        &dir,
        "--resume",
    ];
    args.extend_from_slice(extra);
    cirrus(&args)
}

#[test]
fn a_run_resumes_to_more_steps_with_another_eval_every_appending_its_events() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ck = tmp.path().join("ck");
    let events = tmp.path().join("events.jsonl");
    let ev = events.display().to_string();
    let o = exec("3", &ck, &["--events", &ev, "--eval-every", "1"]);
    assert!(o.status.success(), "first run: {}", stderr(&o));
    let first = std::fs::read_to_string(&events).expect("events");
    let o = exec("6", &ck, &["--events", &ev, "--eval-every", "2"]);
    assert!(o.status.success(), "resumed: {}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("RunReport");
    assert_eq!(r["resumed_from"], 3);
    assert_eq!(r["steps"], 6);
    let all = std::fs::read_to_string(&events).expect("events");
    assert!(all.starts_with(&first), "the first run's events were lost");
    assert_eq!(all.matches("\"event\":\"start\"").count(), 2, "{all}");
    assert_eq!(all.matches("\"event\":\"end\"").count(), 2, "{all}");
}

#[test]
fn an_edited_checkpoint_is_refused_naming_its_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ck = tmp.path().join("ck");
    let o = exec("3", &ck, &[]);
    assert!(o.status.success(), "first run: {}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("RunReport");
    let n = usize::try_from(r["parameters"].as_u64().expect("parameters")).expect("usize");
    let good = Checkpoint::load(&ck, n, 3)
        .expect("valid")
        .expect("present");
    type Edit = fn(&mut Checkpoint);
    let cases: [(Edit, &str); 3] = [
        (
            |c| c.header.step = 9,
            "`step`: is 9, beyond this run's 5 steps",
        ),
        (
            |c| {
                c.header.losses.pop();
            },
            "`losses`: holds 2 losses",
        ),
        (|c| c.params[0] = f32::NAN, "`params[0]`: is NaN"),
    ];
    for (edit, expected) in cases {
        let mut c = good.clone();
        edit(&mut c);
        // `save` recomputes the hash, as an editor of the file would.
        let path = c.save(&ck).expect("save");
        let o = exec("5", &ck, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{expected}: {err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn an_unwritable_out_fails_before_training() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ck = tmp.path().join("ck");
    // A file where a directory should be: unwritable even for root.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let out = file.join("report.json").display().to_string();
    let o = exec("3", &ck, &["--out", &out]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the report there"), "{err}");
    assert!(
        !Checkpoint::path_in(&ck).exists(),
        "it trained before checking --out"
    );
}
