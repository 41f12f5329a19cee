//! The committed scenario index, `scenarios/README.md`, is what `cirrus
//! scenarios` prints for the bundled files (with the committed device
//! profile for the `profile = "local"` ones). Simulating every scenario
//! takes minutes in a debug build, so this test regenerates the rows of the
//! scenarios that simulate quickly and, for the others, everything but the
//! headline; `test.sh` compares the whole file with a release build's.

use crate::repo_root;
use cirrus_sim::{library, scenario, scenario::LoadOptions};

/// Scenarios whose headline takes more than a few seconds in a debug build
/// (a million jobs; a 16,384-GPU job through 878 failures; the planner on
/// 1,024 devices; 72,000 max-min-fairness rounds).
const SLOW: [&str; 5] = [
    "pai-scale-1m.toml",
    "llama3-405b-failures.toml",
    "gpt3-175b-512a100-512h100.toml",
    "llama3-70b-deadline.toml",
    "philly-multitenant.toml",
];

#[test]
fn committed_scenario_index_is_current() {
    let opts = LoadOptions {
        local_profile: Some(repo_root().join("tests/fixtures/profiles/lavapipe-2-cores.toml")),
        ..Default::default()
    };
    let committed =
        std::fs::read_to_string(repo_root().join("scenarios/README.md")).unwrap_or_default();
    let stale = "scenarios/README.md is out of date: regenerate it with `cargo build --release && \
         CIRRUS_PROFILE=tests/fixtures/profiles/lavapipe-2-cores.toml ./target/release/cirrus \
         scenarios > scenarios/README.md`";
    let files = library::scenario_files(&repo_root().join("scenarios")).expect("readable");
    let rows: Vec<&str> = committed
        .lines()
        .filter(|l| l.starts_with("| [`"))
        .collect();
    assert!(committed.starts_with(library::INDEX_HEADER), "{stale}");
    assert_eq!(rows.len(), files.len(), "{stale}");
    for (path, row) in files.iter().zip(&rows) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if SLOW.contains(&name) {
            // Everything but the headline.
            let s = scenario::load_with(path, &opts).expect("valid bundled scenario");
            let text = std::fs::read_to_string(path).expect("readable");
            let start = format!(
                "| [`{name}`](./{name}) | {} | {} | ",
                library::question(&text).replace('|', "\\|"),
                s.summary().replace('|', "\\|")
            );
            assert!(row.starts_with(&start), "{stale}\n{row}\n{start}");
        } else {
            let fresh = library::index_row(path, ".", &opts).expect("readable");
            assert_eq!(format!("{row}\n"), fresh, "{stale}");
        }
        // Every bundled scenario is indexed with a question and a result.
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(cells.len() == 4 && !cells[1].is_empty(), "{row}");
        assert!(!cells[3].starts_with("not "), "{row}");
    }
    // SLOW names only bundled scenarios (test.sh checks their rows in full).
    assert!(
        SLOW.iter().all(|n| files.iter().any(|f| f.ends_with(n))),
        "a scenario named in SLOW is gone"
    );
}
