//! `cirrus exec --list-adapters`.

use super::{cirrus, root, stderr, stdout};
use std::process::Command;

/// `test.sh` installs lavapipe, so at least one adapter is always listed.
#[test]
fn list_adapters_lists_at_least_one() {
    let o = cirrus(&["exec", "--list-adapters"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("adapter 0: "), "{text}");
    for field in ["  backend: ", "  type:    ", "  driver:  "] {
        assert!(
            text.lines().any(|l| l.starts_with(field)),
            "{field:?} missing in\n{text}"
        );
    }
}

/// Running a plan is not implemented: the flag is required, a usage error.
#[test]
fn exec_without_list_adapters_is_a_usage_error() {
    let o = cirrus(&["exec"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--list-adapters"), "{}", stderr(&o));
}

/// With no adapter (Metal is not built on Linux), the typed error and its
/// hint, exit status 1, no panic.
#[cfg(target_os = "linux")]
#[test]
fn list_adapters_without_any_reports_the_hint() {
    let o = Command::new(env!("CARGO_BIN_EXE_cirrus"))
        .args(["exec", "--list-adapters"])
        .env("WGPU_BACKEND", "metal")
        .current_dir(root())
        .output()
        .expect("the cirrus binary runs");
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: failed to find a compute adapter"),
        "{err}"
    );
    assert!(err.contains("mesa-vulkan-drivers"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
