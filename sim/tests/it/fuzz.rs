//! Arbitrary bytes and mutated scenarios never make the reader panic: it
//! either accepts the text or returns diagnostics.

use crate::repo_root;
use cirrus_sim::scenario;
use proptest::prelude::*;

/// A valid scenario to mutate.
fn seed_text() -> String {
    std::fs::read_to_string(repo_root().join("scenarios/gpt3-175b-1024-a100.toml"))
        .expect("bundled scenario")
}

/// Parses `text`; problems, if any, must render.
fn parse_never_panics(text: &str) {
    if let Err(d) = scenario::parse(text, "fuzz.toml") {
        assert!(!d.problems.is_empty());
        let _ = d.to_string();
    }
}

/// Replacement fragments that tend to break types, ranges and syntax.
const FRAGMENTS: &[&str] = &[
    "",
    "=",
    "\"",
    "[",
    "]]",
    "{",
    "-1",
    "0",
    "1e400",
    "nan",
    "\"auto\"",
    "true",
    "[[job]]",
    "[pool.device]",
    "\n",
    "é",
    "\u{0}",
    "tp",
    "=\"x\"",
    "[1, -2]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_never_panics(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_scenarios_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..24, 0usize..FRAGMENTS.len()), 1..6)
    ) {
        let mut text = seed_text();
        for (at, len, frag) in edits {
            let start = at.index(text.len() + 1);
            let start = (0..=start).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let end = (start + len).min(text.len());
            let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            text.replace_range(start..end, FRAGMENTS[frag]);
        }
        parse_never_panics(&text);
    }
}
