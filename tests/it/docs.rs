//! The manual holds together: every relative link in `README.md`,
//! `ARCHITECTURE.md` (when there is one) and `docs/**/*.md` names a file
//! that exists, and every `#anchor` a heading of its page (GitHub's slugs);
//! the README stays a front page whose one output is the program's; and
//! the generated command reference and fidelity figures are current.

use super::{cirrus, root, stderr, stdout};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// GitHub's anchor for a heading: lowercase, punctuation other than `-` and
/// `_` removed, each space a `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The lines of `text` outside fenced code blocks, with their numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fence = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        } else if !fence {
            out.push((i + 1, line));
        }
    }
    out
}

/// Every anchor of a page: its headings' slugs, a repeated one suffixed
/// `-1`, `-2`… as GitHub does.
fn anchors(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let mut s = base.clone();
        let mut n = 0;
        while out.contains(&s) {
            n += 1;
            s = format!("{base}-{n}");
        }
        out.insert(s);
    }
    out
}

/// `line` without its inline code spans (a link shown as code is no link).
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find('`') {
        out.push_str(&rest[..i]);
        let ticks = rest[i..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[i..i + ticks];
        match rest[i + ticks..].find(fence) {
            Some(j) => rest = &rest[i + ticks + j + ticks..],
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `(line, target)` of every inline link `[text](target)` in `text`.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(text) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            out.push((n, target.to_owned()));
            rest = &rest[end..];
        }
    }
    out
}

/// The broken links of `text`, the page at `page` (relative to `root`),
/// each as `page:line: message`.
fn broken_links(root: &Path, page: &Path, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let dir = page.parent().unwrap_or(Path::new(""));
    for (n, target) in links(text) {
        if target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with("mailto:")
        {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (target.as_str(), None),
        };
        let at = format!("{}:{n}", page.display());
        let file = root.join(dir).join(path);
        let heads = if path.is_empty() {
            Some(anchors(text))
        } else if !file.exists() {
            out.push(format!("{at}: `{target}`: no such file"));
            continue;
        } else if file.extension().is_some_and(|e| e == "md") && file.is_file() {
            std::fs::read_to_string(&file).ok().map(|t| anchors(&t))
        } else {
            None
        };
        if let Some(anchor) = anchor {
            match heads {
                Some(h) if h.contains(anchor) => {}
                Some(_) => out.push(format!(
                    "{at}: `{target}`: no heading has the anchor `#{anchor}`"
                )),
                None => out.push(format!(
                    "{at}: `{target}`: an anchor into a file that is not Markdown"
                )),
            }
        }
    }
    out
}

/// `README.md`, `ARCHITECTURE.md` if present and every `docs/**/*.md`,
/// relative to the repository root.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| root.join(p).is_file())
        .collect();
    let mut dirs = vec![PathBuf::from("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(root.join(&dir)).expect("docs/ readable") {
            let name = dir.join(entry.expect("entry").file_name());
            if root.join(&name).is_dir() {
                dirs.push(name);
            } else if name.extension().is_some_and(|e| e == "md") {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(slug("Plan file, format 1"), "plan-file-format-1");
    assert_eq!(
        slug("`cirrus report RESULT [--csv DIR]` and `merge`"),
        "cirrus-report-result---csv-dir-and-merge"
    );
    assert_eq!(slug("`[[pool]]` — a set"), "pool--a-set");
    assert_eq!(slug("snake_case Ünïcode"), "snake_case-ünïcode");
}

#[test]
fn a_broken_link_or_anchor_is_reported() {
    let text = "# A page\n\n## Real heading\n\n\
        [ok](guide.md) [ok](#real-heading) [ok](guide.md#journey-2-compare-spot-and-on-demand)\n\
        [bad](no-such-page.md) and [bad](#no-such-heading)\n\
        `[not a link](nowhere.md)`\n\
        ```text\n[not a link](nowhere.md)\n```\n\
        [bad](guide.md#no-such-heading) [ext](https://example.invalid/x)\n";
    let found = broken_links(&root(), Path::new("docs/made-up.md"), text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("docs/made-up.md:6: `no-such-page.md`: no such file"),
        "{found:#?}"
    );
    assert!(found[1].contains("`#no-such-heading`"), "{found:#?}");
    assert!(
        found[2].starts_with("docs/made-up.md:11: `guide.md#no-such-heading`"),
        "{found:#?}"
    );
}

#[test]
fn every_link_of_the_manual_resolves() {
    let root = root();
    let pages = pages(&root);
    assert!(pages.len() >= 20, "{pages:?}");
    let mut found = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(root.join(page)).expect("readable page");
        checked += links(&text).len();
        found.extend(broken_links(&root, page, &text));
    }
    assert!(
        checked >= 100,
        "only {checked} links found: is the parser blind?"
    );
    assert!(found.is_empty(), "broken links:\n{}", found.join("\n"));
}

#[test]
fn readme_is_a_front_page() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; the manual (docs/) holds the rest"
    );
}

#[test]
fn committed_command_reference_is_current() {
    let path = root().join("docs/commands-reference.md");
    let actual = cirrus::reference::commands_markdown();
    if std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("writable docs/");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == actual,
        "docs/commands-reference.md is out of date: regenerate it with \
         `CIRRUS_BLESS=1 cargo test -p cirrus --test it docs`"
    );
}

/// The figures of `docs/fidelity.md` between its markers are what
/// `cirrus validate --markdown` prints for every bundled measurement file,
/// and the README's headline fidelity figures are among them.
#[test]
fn committed_fidelity_figures_are_current() {
    let path = root().join("docs/fidelity.md");
    let committed = std::fs::read_to_string(&path).expect("docs/fidelity.md");
    let generated = cirrus::fidelity_page::markdown(&root()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        generated.contains("### `sim/data/measured/korthikanti_2022_table5.csv`")
            && generated.contains("\nAnalytic model: mean |error| "),
        "{generated}"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let headline = readme
        .split_once("mean |error| ")
        .and_then(|(_, rest)| rest.split_once(" rows"))
        .map(|(figures, _)| format!("mean |error| {figures} rows"))
        .expect("README.md states a fidelity headline");
    assert!(
        generated.contains(&format!("Event-level model: {headline}.")),
        "README.md's `{headline}` is not the event-level figure of docs/fidelity.md"
    );
    let actual = cirrus::fidelity_page::splice(&committed, &generated)
        .expect("docs/fidelity.md has the generated part's begin and end markers");
    if std::env::var_os("CIRRUS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("writable docs/");
        return;
    }
    assert!(
        committed == actual,
        "docs/fidelity.md's generated figures are out of date: regenerate them with \
         `CIRRUS_BLESS=1 cargo test -p cirrus --test it docs`"
    );
}

/// The README's one output is what its first command prints.
#[test]
fn readme_output_is_the_quickstarts() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let after = readme
        .split_once("The first command prints:\n\n```text\n")
        .map(|(_, rest)| rest)
        .expect("the README shows the first command's output");
    let shown = &after[..after.find("```").expect("closing fence")];
    let o = cirrus(&["simulate", "scenarios/quickstart.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), shown, "README.md's output is out of date");
}
