//! The committed scenario index, `scenarios/README.md`, is what `cirrus
//! scenarios` prints for the bundled files (with the committed device
//! profile for the `profile = "local"` ones); `CIRRUS_BLESS=1` rewrites it.

use crate::repo_root;
use cirrus_sim::{library, scenario::LoadOptions};

#[test]
fn committed_scenario_index_is_current() {
    let opts = LoadOptions {
        local_profile: Some(repo_root().join("tests/fixtures/profiles/lavapipe-2-cores.toml")),
    };
    let index = library::index_markdown(&repo_root().join("scenarios"), ".", &opts)
        .expect("readable scenarios");
    let path = repo_root().join("scenarios/README.md");
    if std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &index).expect("writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == index,
        "scenarios/README.md is out of date: regenerate it with \
         `CIRRUS_PROFILE=tests/fixtures/profiles/lavapipe-2-cores.toml cargo run -- scenarios > scenarios/README.md`"
    );
    // Every bundled scenario is indexed with a question and a headline.
    for line in index.lines().filter(|l| l.starts_with("| [`")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        assert!(cells.len() == 4 && !cells[1].is_empty(), "{line}");
        assert!(!cells[3].starts_with("not estimated"), "{line}");
    }
}
