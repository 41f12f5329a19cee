//! What `cirrus exec` refuses up front (exit 2, before any allocation or
//! adapter is touched): invalid plans, what the executor cannot run, sizes
//! beyond the adapter's limits, absurd learning rates. None of these tests
//! trains a step.

use super::{cirrus, stderr};

/// A hand-edited plan is validated for `exec` as for `simulate --plan`:
/// the same message, exit 2.
#[test]
fn exec_refuses_an_invalid_plan_with_the_simulate_message() {
    for name in ["microbatch-0", "zero-5", "batch-shares-sum-to-2"] {
        let plan = format!("tests/fixtures/invalid/plans/{name}.json");
        let o = cirrus(&["exec", &plan, "--steps", "1"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let expected =
            std::fs::read_to_string(format!("tests/fixtures/invalid/plans/{name}.stderr"))
                .expect("expected message");
        assert_eq!(stderr(&o), format!("error: {expected}"), "{name}");
    }
}

/// `tests/fixtures/exec/local-plan.json` (from the reliability reproducers:
/// the bundled local scenario's plan) with `edit` applied, written into
/// `dir`.
fn edited_plan(dir: &std::path::Path, name: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
    let text = std::fs::read_to_string(super::root().join("tests/fixtures/exec/local-plan.json"))
        .expect("fixture");
    let mut plan: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    edit(&mut plan);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&plan).expect("JSON")).expect("write");
    path.display().to_string()
}

/// Runs `exec PLAN --steps 1 EXTRA` and checks it exits 2 with a message
/// holding `expected`, without a panic.
fn refused(plan: &str, extra: &[&str], expected: &str) {
    let mut args = vec!["exec", plan, "--steps", "1"];
    args.extend_from_slice(extra);
    let o = cirrus(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{plan} {extra:?}: {err}");
    assert!(err.contains(expected), "{plan} {extra:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Tensor and pipeline parallelism and precisions other than fp32 are
/// refused rather than run as fp32 data parallelism.
#[test]
fn exec_refuses_tp_pp_and_bf16_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tp = edited_plan(dir.path(), "tp-2", |p| p["parallelism"]["tp"] = 2.into());
    refused(
        &tp,
        &[],
        "`parallelism.tp` is 2: tensor parallelism is not yet supported by the executor; it runs data-parallel plans",
    );
    let pp = edited_plan(dir.path(), "pp-2", |p| p["parallelism"]["pp"] = 2.into());
    refused(
        &pp,
        &[],
        "`parallelism.pp` is 2: pipeline parallelism is not yet supported",
    );
    let bf16 = edited_plan(dir.path(), "bf16", |p| p["precision"] = "bf16".into());
    refused(
        &bf16,
        &[],
        "`precision` is `bf16`: the executor computes in fp32 only",
    );
}

/// Sizes beyond the adapter's buffers or the executor's memory budget, and
/// shapes the byte-level data cannot feed, are refused up front.
#[test]
fn exec_refuses_runs_beyond_its_memory_budget_and_data() {
    refused(
        "tests/fixtures/exec/plan-batch-1e9.json",
        &[],
        "cannot run this plan: set up the run: the run ",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let hidden = edited_plan(dir.path(), "hidden-1e6", |p| {
        p["model_spec"]["hidden"] = 1_000_000.into();
    });
    refused(
        &hidden,
        &[],
        "cannot run this plan: set up the run: the run ",
    );
    let seq = edited_plan(dir.path(), "seq-1e6", |p| {
        p["seq_len"] = 1_000_000.into();
        p["model_spec"]["max_positions"] = 1_000_000.into();
    });
    refused(&seq, &[], "`seq_len` is 1000000, but the embedded corpus");
    let vocab = edited_plan(dir.path(), "vocab-1", |p| {
        p["model_spec"]["vocab"] = 1.into()
    });
    refused(
        &vocab,
        &[],
        "model `vocab` is 1, but the executor's tokens are bytes",
    );
}

/// Learning rates that are not finite, not positive or above 1 are refused.
#[test]
fn exec_refuses_absurd_learning_rates() {
    let plan = "tests/fixtures/exec/local-plan.json";
    for lr in ["nan", "inf", "0", "-1e-3", "1e4"] {
        refused(
            plan,
            &[&format!("--lr={lr}")],
            "the learning rate must be a finite number above 0 and at most 1",
        );
    }
}
