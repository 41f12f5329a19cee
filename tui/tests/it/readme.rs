//! The README's key table is the one `?` shows.

use cirrus_tui::keys::KEYS;

#[test]
fn readme_lists_every_key_as_the_help_does() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("the README");
    for (key, does) in KEYS {
        let row = format!("| `{}` | {does} |", key.replace('|', "\\|"));
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
}
