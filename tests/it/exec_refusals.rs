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
