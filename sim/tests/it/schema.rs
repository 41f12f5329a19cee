//! The JSON Schema of the scenario format (`cirrus schema`): the committed
//! copies in `docs/` are current, every bundled scenario validates against
//! it, and broken fixtures whose problem a schema can see are refused by it
//! too. `CIRRUS_BLESS=1` rewrites the committed copies.

use crate::{repo_root, toml_files};
use cirrus_sim::scenario;
use serde_json::Value;

/// Compares `actual` with the committed file at `rel`, or rewrites it under
/// `CIRRUS_BLESS=1`.
fn check_committed(rel: &str, actual: &str, how: &str) {
    let path = repo_root().join(rel);
    if std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("writable docs/");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == actual,
        "{rel} is out of date: regenerate it with `{how}` (or CIRRUS_BLESS=1 cargo test -p cirrus-sim --test it schema)"
    );
}

#[test]
fn committed_schema_is_current() {
    check_committed(
        "docs/scenario.schema.json",
        &scenario::json_schema_text(),
        "cargo run -- schema > docs/scenario.schema.json",
    );
}

#[test]
fn committed_reference_is_current() {
    check_committed(
        "docs/scenario-reference.md",
        &scenario::reference_markdown(),
        "cargo run -- schema --reference > docs/scenario-reference.md",
    );
}

/// A TOML file as the JSON value a schema validator checks.
fn as_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&scenario::json_schema()).expect("a valid JSON Schema")
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let v = validator();
    let files = toml_files(&repo_root().join("scenarios"));
    assert!(files.len() >= 12);
    let mut failures = Vec::new();
    for path in files
        .iter()
        .chain(&toml_files(&repo_root().join("tests/fixtures/exec")))
    {
        let errors: Vec<String> = v
            .iter_errors(&as_json(path))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{}: {}", path.display(), errors.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn schema_refuses_what_the_validator_refuses_by_shape() {
    let v = validator();
    // Unknown keys, wrong types, values outside a range or a list: the
    // problems a schema can see without the catalogue's figures.
    for name in [
        "unknown-top-level-key",
        "unknown-parallelism-key",
        "wrong-type-nodes",
        "negative-nodes",
        "bad-precision",
        "misspelt-device",
        "unknown-model-preset",
        "zero-out-of-range",
        "missing-pool-nodes",
        "missing-job-model",
        "several-problems",
        "deadline-factor-below-one",
        "elastic-serial-fraction-one",
    ] {
        let path = repo_root().join(format!("tests/fixtures/invalid/{name}.toml"));
        assert!(
            !v.is_valid(&as_json(&path)),
            "{name}: the schema accepts what `cirrus check` refuses"
        );
    }
}

#[test]
fn schema_accepts_auto_and_inline_tables() {
    let v = validator();
    let text = r#"
        name = "x"
        [[pool]]
        name = "p"
        nodes = 2
        device = { base = "h100-sxm5-80gb", memory_gib = 96.0, intra_node_shape = "nvswitch" }
        spot = { usd_per_device_hour = 1.5 }
        [[job]]
        seq_len = 2048
        global_batch = 64
        parallelism = { tp = "auto", zero = 3, sequence_parallel = "auto", schedule = "interleaved-1f1b" }
        [job.model]
        layers = 2
        hidden = 64
        heads = 4
        vocab = 100
    "#;
    let json: Value = toml::from_str(text).expect("TOML");
    let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(scenario::parse(text, "x.toml").is_ok());
}
