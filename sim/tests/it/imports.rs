//! The import graph of every crate in the workspace has no circle, and the
//! "must not import" rules of `ARCHITECTURE.md` hold; its code map names
//! every module.
//!
//! Each crate's `src/**/*.rs` is read as text: comments, strings and
//! character literals are blanked, test-only code (`tests.rs`,
//! `*_tests.rs`, and everything from a `#[cfg(test)] mod`) is left out,
//! and every path that starts at `crate`, `self`, `super` or a child module
//! the file declares (`use` trees with their `{…}` groups, and inline paths
//! such as `crate::fsio::sync_dir`) is resolved to the deepest module it
//! names. A reference from module `a::b::x` to `a::c::y` is an edge
//! `b → c` among the children of `a` (their nearest common ancestor); a
//! module's use of its own ancestors or descendants is not an edge. Every
//! such sibling graph, the crate root's included, must be acyclic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates checked: name and source folder (relative to the repository).
const CRATES: [(&str, &str); 5] = [
    ("cirrus-sim", "sim/src"),
    ("cirrus", "src"),
    ("cirrus-tui", "tui/src"),
    ("cirrus-reports", "reports/src"),
    ("cirrus-executor", "executor/src"),
];

/// The "must not import" rules (crate, module, modules it must not reach
/// even transitively), top-level modules of the crate. `ARCHITECTURE.md`
/// states each one.
const RULES: &[(&str, &str, &[&str])] = &[
    (
        "cirrus-sim",
        "split",
        &["estimate", "stepsim", "planner", "plan", "scenario"],
    ),
    (
        "cirrus-sim",
        "step_budget",
        &["estimate", "stepsim", "scenario", "planner"],
    ),
    ("cirrus-sim", "source", &["scenario", "profile"]),
    ("cirrus-sim", "profile", &["scenario"]),
    (
        "cirrus-sim",
        "estimate",
        &["stepsim", "planner", "plan", "cluster"],
    ),
    ("cirrus-sim", "stepsim", &["planner", "plan", "cluster"]),
    ("cirrus-sim", "plan", &["planner", "cluster"]),
    (
        "cirrus-sim",
        "scenario",
        &["estimate", "stepsim", "planner", "plan"],
    ),
    (
        "cirrus-sim",
        "netsim",
        &["scenario", "estimate", "stepsim", "cluster"],
    ),
    (
        "cirrus-sim",
        "engine",
        &["netsim", "stepsim", "cluster", "scenario"],
    ),
    ("cirrus-sim", "fsio", &["output_set"]),
    ("cirrus-sim", "units", &["scenario", "model", "result"]),
    (
        "cirrus-sim",
        "mesh",
        &["model", "scenario", "parallelism", "plan"],
    ),
    (
        "cirrus-sim",
        "stages",
        &[
            "mesh",
            "model",
            "scenario",
            "parallelism",
            "estimate",
            "stepsim",
        ],
    ),
    ("cirrus-sim", "text", &["scenario", "source"]),
    (
        "cirrus-tui",
        "message",
        &["model", "tasks", "whatif", "update", "view", "runtime"],
    ),
    ("cirrus-tui", "model", &["update", "view", "runtime"]),
    ("cirrus-tui", "view", &["update", "runtime"]),
    ("cirrus", "output", &["commands"]),
    ("cirrus", "stdout", &["commands"]),
    ("cirrus", "reference", &["commands"]),
    ("cirrus", "validation", &["commands"]),
    ("cirrus", "fidelity_page", &["commands"]),
];

/// A module path inside a crate (`[]` is the crate root).
type Module = Vec<String>;

/// One crate's modules and the references between them.
#[derive(Debug, Default)]
struct Graph {
    /// Every module that is a file.
    modules: BTreeSet<Module>,
    /// `(from, to) → an example "file: path"`, modules resolved.
    refs: BTreeMap<(Module, Module), String>,
}

/// Blanks comments, string and character literals (lifetimes are kept).
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r' && (at(i + 1) == '"' || (at(i + 1) == '#' && at(i + 2) != '[')) {
            // Raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|h| at(j + 1 + h) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal (not a lifetime).
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A token of the stripped text: an identifier, `::`, `{`, `}`, `,`, `*`,
/// or anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

fn tokens(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
            continue;
        }
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Tok::Path);
            i += 2;
            continue;
        }
        out.push(match ch {
            '{' => Tok::Open,
            '}' => Tok::Close,
            ',' => Tok::Comma,
            '*' => Tok::Star,
            _ => Tok::Other,
        });
        i += 1;
    }
    out
}

/// Reads the path (or `use` tree) starting at `toks[i]`, pushing every full
/// path it names onto `out` with `prefix` before it.
fn read_tree(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                i += 1;
            }
            Some(Tok::Open) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Close) => return i + 1,
                        Some(Tok::Comma) => i += 1,
                        Some(Tok::Ident(_)) | Some(Tok::Open) => i = read_tree(toks, i, &path, out),
                        None => return i,
                        Some(_) => i += 1,
                    }
                }
            }
            _ => break,
        }
        if toks.get(i) == Some(&Tok::Path) {
            i += 1;
        } else {
            break;
        }
    }
    // `self` in a group names the group's prefix.
    if path.last().is_some_and(|s| s == "self") && path.len() > prefix.len() {
        path.pop();
    }
    out.push(path);
    i
}

/// A file's module path (`a/b.rs`, `a/b/mod.rs` → `a::b`; `lib.rs` → root).
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_owned();
    }
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main") {
        parts.clear();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// Whether a file holds only tests.
fn test_only(rel: &Path) -> bool {
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned());
    name.is_some_and(|n| n == "tests.rs" || n.ends_with("_tests.rs"))
        || rel.iter().any(|p| p == "tests")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The references of one file (module `module`, stripped text `text`) as
/// absolute paths.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let toks = tokens(text);
    // Child modules the file declares (`mod x;`).
    let mut children = BTreeSet::new();
    for w in toks.windows(3) {
        if let [Tok::Ident(m), Tok::Ident(name), Tok::Other] = w
            && m == "mod"
        {
            children.insert(name.clone());
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts = match &toks[i] {
            Tok::Ident(first) => {
                (i == 0 || toks[i - 1] != Tok::Path)
                    && toks.get(i + 1) == Some(&Tok::Path)
                    && (matches!(first.as_str(), "crate" | "self" | "super")
                        || children.contains(first))
            }
            _ => false,
        };
        if !starts {
            i += 1;
            continue;
        }
        let mut paths = Vec::new();
        i = read_tree(&toks, i, &[], &mut paths);
        for p in paths {
            if let Some(abs) = resolve(module, &p) {
                out.push(abs);
            }
        }
    }
    out
}

/// `path` as written in a file of `module` made absolute.
fn resolve(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut abs: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        _ => {
            let mut m = module.to_vec();
            m.push(first.clone());
            m
        }
    };
    for seg in rest {
        if seg == "super" {
            abs.pop()?;
        } else {
            abs.push(seg.clone());
        }
    }
    Some(abs)
}

/// Reads one crate's source folder into its graph.
fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g = Graph::default();
    let mut texts = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(src).unwrap_or(f).to_path_buf();
        if test_only(&rel) {
            continue;
        }
        let module = module_of(&rel);
        g.modules.insert(module.clone());
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let mut text = strip(&text);
        if let Some(k) = text.find("#[cfg(test)]\nmod ") {
            text.truncate(k);
        }
        texts.push((rel, module, text));
    }
    for (rel, module, text) in texts {
        for abs in references(&module, &text) {
            // The deepest module the path names.
            let target = (0..=abs.len())
                .rev()
                .map(|n| abs[..n].to_vec())
                .find(|p| g.modules.contains(p));
            let Some(target) = target else { continue };
            if target != module {
                g.refs
                    .entry((module.clone(), target))
                    .or_insert_with(|| format!("{}: {}", rel.display(), abs.join("::")));
            }
        }
    }
    g
}

/// The sibling graphs: for each parent module, edges among its children,
/// each with an example reference.
type Levels = BTreeMap<Module, BTreeMap<String, BTreeMap<String, String>>>;

fn levels(g: &Graph) -> Levels {
    let mut out: Levels = BTreeMap::new();
    for ((from, to), example) in &g.refs {
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        if common < from.len() && common < to.len() {
            out.entry(from[..common].to_vec())
                .or_default()
                .entry(from[common].clone())
                .or_default()
                .entry(to[common].clone())
                .or_insert_with(|| example.clone());
        }
    }
    out
}

/// The circles of a directed graph: each strongly connected component of
/// more than one node, as one cycle through it (`a → b → … → a`, starting at
/// its least node), least first.
pub fn cycles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges
        .iter()
        .flat_map(|(a, bs)| std::iter::once(a).chain(bs.keys()))
        .collect();
    let next = |n: &str| -> Vec<&String> {
        edges
            .get(n)
            .map(|bs| bs.keys().collect())
            .unwrap_or_default()
    };
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in next(&n) {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|&n| (n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for &n in &nodes {
        if done.contains(n) || !reachable[n].contains(n) {
            continue;
        }
        let component: BTreeSet<String> = reachable[n]
            .iter()
            .filter(|m| reachable[*m].contains(n))
            .cloned()
            .collect();
        done.extend(component.iter().cloned());
        if component.len() < 2 {
            continue;
        }
        // The shortest way back to `n` inside the component (breadth first).
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([n.clone()]);
        let mut last = None;
        'search: while let Some(a) = queue.pop_front() {
            for b in next(&a) {
                if !component.contains(b) {
                    continue;
                }
                if b == n {
                    last = Some(a.clone());
                    break 'search;
                }
                if !prev.contains_key(b) {
                    prev.insert(b.clone(), a.clone());
                    queue.push_back(b.clone());
                }
            }
        }
        let mut cycle = vec![n.clone()];
        let mut at = last;
        while let Some(a) = at {
            if &a == n {
                break;
            }
            cycle.push(a.clone());
            at = prev.get(&a).cloned();
        }
        cycle[1..].reverse();
        cycle.push(n.clone());
        out.push(cycle);
    }
    out
}

fn root() -> PathBuf {
    crate::repo_root()
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate root".to_owned()
    } else {
        format!("`{}`", m.join("::"))
    }
}

#[test]
fn cycle_finder_finds_the_circles_of_a_small_graph() {
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut edge = |a: &str, b: &str| {
        g.entry(a.to_owned())
            .or_default()
            .insert(b.to_owned(), String::new());
    };
    // a → b → c → a is a circle; d → a and c → e are not part of one;
    // x ↔ y is a second circle.
    edge("a", "b");
    edge("b", "c");
    edge("c", "a");
    edge("d", "a");
    edge("c", "e");
    edge("x", "y");
    edge("y", "x");
    assert_eq!(
        cycles(&g),
        vec![vec!["a", "b", "c", "a"], vec!["x", "y", "x"]]
    );
    g.remove("c");
    g.remove("y");
    assert!(cycles(&g).is_empty());
}

#[test]
fn reader_resolves_use_trees_inline_paths_and_relative_modules() {
    let text = strip(
        "mod child;\n\
         use crate::a::{b::{self, C}, d};\n\
         use super::e::F; // crate::commented::out\n\
         fn f() { let s = \"crate::in_string\"; crate::g::h(); child::i(); other::j(); }\n",
    );
    let refs = references(&["m".to_owned(), "n".to_owned()], &text);
    let refs: Vec<String> = refs.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        refs,
        [
            "a::b",
            "a::b::C",
            "a::d",
            "m::e::F",
            "g::h",
            "m::n::child::i"
        ]
    );
    assert_eq!(strip("let c = '\"'; x::<'a>()"), "let c = ' '; x::<'a>()");
}

#[test]
fn no_crate_has_an_import_circle() {
    let mut problems = Vec::new();
    for (krate, src) in CRATES {
        let g = graph_of(&root().join(src));
        assert!(g.modules.len() > 3, "{krate}: no modules read from {src}");
        for (parent, edges) in levels(&g) {
            for cycle in cycles(&edges) {
                let why: Vec<String> = cycle
                    .windows(2)
                    .map(|w| format!("    {} → {} ({})", w[0], w[1], edges[&w[0]][&w[1]]))
                    .collect();
                problems.push(format!(
                    "{krate}, among the children of {}: {}\n{}",
                    name(&parent),
                    cycle.join(" → "),
                    why.join("\n")
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "import circles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn must_not_import_rules_hold() {
    let mut problems = Vec::new();
    for (krate, src) in CRATES {
        let g = graph_of(&root().join(src));
        let top = levels(&g).remove(&Vec::new()).unwrap_or_default();
        for (_, module, banned) in RULES.iter().filter(|r| r.0 == krate) {
            assert!(
                g.modules.contains(&vec![(*module).to_owned()]),
                "{krate}: rule names `{module}`, which does not exist"
            );
            // Every module `module` reaches, with the chain that gets there.
            let mut via: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut stack = vec![(*module).to_owned()];
            via.insert((*module).to_owned(), vec![(*module).to_owned()]);
            while let Some(n) = stack.pop() {
                let next: Vec<String> = top
                    .get(&n)
                    .map(|e| e.keys().cloned().collect())
                    .unwrap_or_default();
                for m in next {
                    if !via.contains_key(&m) {
                        let mut chain = via[&n].clone();
                        chain.push(m.clone());
                        via.insert(m.clone(), chain);
                        stack.push(m);
                    }
                }
            }
            for b in *banned {
                if let Some(chain) = via.get(*b) {
                    problems.push(format!(
                        "{krate}: `{module}` must not import `{b}`, but {}",
                        chain.join(" → ")
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn architecture_code_map_names_every_module() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let map = text
        .split("## Code map")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Code map` section");
    let map = map.split("\n## ").next().unwrap_or(map);
    let mut missing = Vec::new();
    for (_, src) in CRATES {
        let g = graph_of(&root().join(src));
        let tops: BTreeSet<&String> = g.modules.iter().filter_map(|m| m.first()).collect();
        for m in tops {
            let file = format!("`{src}/{m}.rs`");
            let dir = format!("`{src}/{m}/`");
            if !map.contains(&file) && !map.contains(&dir) {
                missing.push(format!("{src}/{m}"));
            }
        }
    }
    for fuzz in ["`fuzz/`", "`fuzz/fuzz_targets/`"] {
        if !map.contains(fuzz) {
            missing.push(fuzz.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {}",
        missing.join(", ")
    );
}
