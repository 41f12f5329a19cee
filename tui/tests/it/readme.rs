//! The manual's key table (`docs/commands/tui.md`) is the one `?` shows.

use cirrus_tui::keys::KEYS;

#[test]
fn readme_lists_every_key_as_the_help_does() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/commands/tui.md");
    let page = std::fs::read_to_string(path).expect("the tui page");
    for (key, does) in KEYS {
        let row = format!("| `{}` | {does} |", key.replace('|', "\\|"));
        assert!(
            page.contains(&row),
            "docs/commands/tui.md lacks the row {row}"
        );
    }
}
