//! `cirrus schema` and `cirrus scenarios`: print the committed JSON Schema,
//! scenario reference and scenario index.

use super::{cirrus, root, stdout};

#[test]
fn schema_prints_the_committed_json_schema() {
    let o = cirrus(&["schema"]);
    assert!(o.status.success());
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["title"], "Cirrus scenario, format 1");
    assert_eq!(v["additionalProperties"], false);
    let committed =
        std::fs::read_to_string(root().join("docs/scenario.schema.json")).expect("committed");
    assert_eq!(text, committed);
}

#[test]
fn schema_reference_prints_the_committed_reference() {
    let o = cirrus(&["schema", "--reference"]);
    assert!(o.status.success());
    let committed =
        std::fs::read_to_string(root().join("docs/scenario-reference.md")).expect("committed");
    assert_eq!(stdout(&o), committed);
}

/// `cirrus scenarios DIR` prints the index of a directory: here two bundled
/// scenarios that simulate quickly, copied alone, whose rows and header are
/// those of the committed index (`test.sh` compares the whole index, which
/// takes minutes to simulate in a debug build).
#[test]
fn scenarios_prints_the_committed_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["autoscale-burst.toml", "quickstart.toml"] {
        std::fs::copy(root().join("scenarios").join(name), dir.path().join(name)).expect("copy");
    }
    let o = cirrus(&["scenarios", dir.path().to_str().expect("utf-8")]);
    assert!(o.status.success());
    let committed = std::fs::read_to_string(root().join("scenarios/README.md")).expect("committed");
    let printed = stdout(&o);
    let rows: Vec<&str> = printed.lines().filter(|l| l.starts_with("| [`")).collect();
    assert_eq!(rows.len(), 2, "{printed}");
    let head = &printed[..printed.find("| [`").expect("rows")];
    assert!(committed.starts_with(head), "{printed}");
    for row in rows {
        assert!(committed.lines().any(|l| l == row), "{row}");
    }
}
