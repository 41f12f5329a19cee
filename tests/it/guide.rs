//! The user guide's worked examples are what the program prints: each
//! ```` ```sh ```` block of one `cirrus` command followed by a
//! ```` ```text ```` block is run, and its standard output must be that
//! text (wall-clock times redacted; output paths moved to a temporary
//! directory).

use super::{cirrus, root, stderr, stdout};

/// `(command line, expected output)` for each command with its output.
fn examples(guide: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = guide.lines().peekable();
    while let Some(line) = lines.next() {
        if line != "```sh" {
            continue;
        }
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        while lines.peek().is_some_and(|l| l.is_empty()) {
            lines.next();
        }
        if let [command] = block.as_slice()
            && command.starts_with("cirrus ")
            && lines.peek() == Some(&"```text")
        {
            lines.next();
            let text: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            out.push(((*command).to_owned(), text.join("\n")));
        }
    }
    out
}

/// `; 0.9 s)` (how long the planner took) as `; … s)`.
fn redact_seconds(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("; ") {
        out.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits > 0 && rest[digits..].starts_with(" s)") {
            out.push('…');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn redaction_touches_only_durations() {
    assert_eq!(
        redact_seconds("(objective cost; 1 candidates; 0.9 s)"),
        "(objective cost; 1 candidates; … s)"
    );
    assert_eq!(redact_seconds("a; b; 12 s"), "a; b; 12 s");
}

#[test]
fn guide_examples_print_what_the_guide_shows() {
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).expect("the guide");
    let examples = examples(&guide);
    assert!(examples.len() >= 5, "{} examples", examples.len());
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (command, expected)) in examples.iter().enumerate() {
        let mut args: Vec<String> = command
            .split_whitespace()
            .skip(1)
            .map(str::to_owned)
            .collect();
        // Written files go to the temporary directory.
        for k in 1..args.len() {
            if matches!(args[k - 1].as_str(), "-o" | "--out" | "--csv" | "--svg") {
                args[k] = dir.path().join(format!("out-{i}")).display().to_string();
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = cirrus(&args);
        assert!(o.status.success(), "{command}: {}", stderr(&o));
        assert_eq!(
            redact_seconds(stdout(&o).trim_end()),
            redact_seconds(expected.trim_end()),
            "docs/guide.md is out of date for `{command}`"
        );
    }
}
