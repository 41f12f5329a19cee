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

/// `cirrus scenarios` prints the committed index of the bundled scenarios.
#[test]
fn scenarios_prints_the_committed_index() {
    let o = cirrus(&["scenarios"]);
    assert!(o.status.success());
    let committed = std::fs::read_to_string(root().join("scenarios/README.md")).expect("committed");
    assert_eq!(stdout(&o), committed);
}
