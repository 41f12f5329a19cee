//! Reading a TOML file into its raw serde mirror (a scenario's, a device
//! profile's) while collecting every problem:
//! syntax errors first (all of them), then each type or unknown-key error in
//! turn. After each error the offending key is removed from the document and
//! deserialization is tried again, so one bad value never hides another.

use super::diag::Collector;
use crate::suggest::closest;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a key path the way the user writes it: `job[0].parallelism.tp`.
fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Parses `text` as any serde type mirroring a TOML file (a scenario, a
/// device profile), recording every syntax, type and unknown-key problem;
/// returns the value without the keys that were dropped, and their paths.
pub fn read_as<T: for<'de> Deserialize<'de>>(
    text: &str,
    out: &mut Collector<'_>,
) -> (Option<T>, BTreeSet<String>) {
    let mut dropped = BTreeSet::new();
    let (table, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // An unclosed table header also reads as a second definition of
        // that table: report only the header.
        let unclosed: Vec<usize> = syntax
            .iter()
            .filter(|e| e.message().contains("unclosed table"))
            .filter_map(|e| e.span().map(|s| s.start))
            .collect();
        let same_header = |start: usize| {
            unclosed.iter().any(|&u| {
                start <= u
                    && text
                        .get(start..u)
                        .is_some_and(|t| !t.contains(['\n', '\r']))
            })
        };
        // Lone carriage returns (old Mac OS line endings) are one mistake
        // however many lines they end: report the first, with the count.
        let lone_cr =
            |e: &&toml::de::Error| e.message().contains("carriage return must be followed");
        let lone_crs = syntax.iter().filter(lone_cr).count();
        let mut lone_cr_told = false;
        for e in &syntax {
            let span = e.span().unwrap_or(0..0);
            if e.message().contains("duplicate key") && same_header(span.start) {
                continue;
            }
            if lone_cr(&e) {
                if !lone_cr_told {
                    lone_cr_told = true;
                    out.push(
                        span,
                        "",
                        format!(
                            "invalid TOML: a carriage return not followed by a newline ({lone_crs} in the file); TOML lines end in LF or CR LF"
                        ),
                        Some("convert the line endings, e.g. `tr '\\r' '\\n' < OLD > NEW`".to_owned()),
                    );
                }
                continue;
            }
            let message = syntax_message(text, &span, e.message());
            out.push(span, "", message, None);
        }
        return (None, dropped);
    }
    let mut table = table;
    // Strings are names, ids and paths: a control character in one is a
    // mistake (or an attack on the terminal that prints it).
    let mut bad = Vec::new();
    unsafe_strings(table.get_ref(), &mut Vec::new(), &mut bad);
    for (path, span, c) in bad {
        let key = render(&path);
        out.push(
            span,
            &key,
            format!(
                "contains the control character `{}`; names, ids and paths must be printable text",
                crate::text::escape_char(c)
            ),
            None,
        );
        if remove(table.get_mut(), &path) {
            dropped.insert(key);
        }
    }
    // Each round removes at least one key, so the loop ends; an unknown key
    // removes every unknown key of its table at once, so a file of many
    // unknown keys takes one round per table, not one per key.
    loop {
        let attempt = T::deserialize(toml::de::Deserializer::from(table.clone()));
        let err = match attempt {
            Ok(raw) => return (Some(raw), dropped),
            Err(err) => err,
        };
        let span = err.span().unwrap_or(0..0);
        let path = find(table.get_ref(), &span);
        let key = render(&path);
        if let Some((_, expected)) = unknown_field(err.message())
            && let Some((_, parent)) = path.split_last()
            && let Some(siblings) = table_at(table.get_ref(), parent)
        {
            let unknown: Vec<(String, Range<usize>)> = siblings
                .iter()
                .filter(|(k, _)| !expected.iter().any(|e| e.as_str() == k.get_ref().as_ref()))
                .map(|(k, _)| (k.get_ref().to_string(), k.span()))
                .collect();
            if unknown
                .iter()
                .any(|(k, _)| path.last() == Some(&Seg::Key(k.clone())))
            {
                for (name, at) in unknown {
                    let mut full = parent.to_vec();
                    full.push(Seg::Key(name.clone()));
                    let (message, help) = unknown_message(&name, &expected);
                    let full_key = render(&full);
                    out.push(at, &full_key, message, help);
                    remove(table.get_mut(), &full);
                    dropped.insert(full_key);
                }
                continue;
            }
        }
        let (message, help) = match value_at(table.get_ref(), &path) {
            Some(v) => shape_message(v, &path, err.message()),
            None => None,
        }
        .unwrap_or_else(|| humanize(err.message()));
        out.push(span, &key, message, help);
        if path.is_empty() || !remove(table.get_mut(), &path) {
            return (None, dropped);
        }
        dropped.insert(key);
    }
}

/// Every string value (also inside arrays and inline tables) holding an
/// unsafe character: the key path, the value's span and the character.
fn unsafe_strings(
    table: &DeTable<'_>,
    path: &mut Vec<Seg>,
    found: &mut Vec<(Vec<Seg>, Range<usize>, char)>,
) {
    for (k, v) in table.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        unsafe_in_value(v.get_ref(), v.span(), path, found);
        path.pop();
    }
}

fn unsafe_in_value(
    v: &DeValue<'_>,
    span: Range<usize>,
    path: &mut Vec<Seg>,
    found: &mut Vec<(Vec<Seg>, Range<usize>, char)>,
) {
    match v {
        DeValue::String(s) => {
            if let Some(c) = crate::text::first_unsafe(s) {
                found.push((path.clone(), span, c));
            }
        }
        DeValue::Table(t) => unsafe_strings(t, path, found),
        DeValue::Array(items) => {
            let before = found.len();
            for (i, item) in items.iter().enumerate() {
                match item.get_ref() {
                    DeValue::Table(t) => {
                        path.push(Seg::Index(i));
                        unsafe_strings(t, path, found);
                        path.pop();
                    }
                    other => {
                        // A string in an array of strings is reported at
                        // the array's key, which is what can be removed.
                        let mut inner = Vec::new();
                        unsafe_in_value(other, item.span(), &mut Vec::new(), &mut inner);
                        if let Some((_, at, c)) = inner.into_iter().next()
                            && found.len() == before
                        {
                            found.push((path.clone(), at, c));
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// The value at `path`, if there is one.
fn value_at<'t, 'd>(table: &'t DeTable<'d>, path: &[Seg]) -> Option<&'t DeValue<'d>> {
    let (Seg::Key(last), parent) = path.split_last()? else {
        return None;
    };
    table_at(table, parent)?
        .get(last.as_str())
        .map(|v| v.get_ref())
}

/// A message for a type error that the value's TOML shape explains
/// better than serde's words: a date where a number or name belongs, or
/// `[[name]]` where `[name]` belongs (and the reverse).
fn shape_message(
    value: &DeValue<'_>,
    path: &[Seg],
    message: &str,
) -> Option<(String, Option<String>)> {
    if !message.trim().starts_with("invalid type: ") {
        return None;
    }
    let (text, _) = humanize(message);
    let expected = text
        .split_once(", expected ")
        .map_or("another type", |(_, e)| e);
    let header = path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".");
    match value {
        DeValue::Datetime(_) => Some((
            format!("a date or time is not allowed here; expected {expected}"),
            None,
        )),
        DeValue::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i.get_ref(), DeValue::Table(_)))
                && !expected.contains("array") =>
        {
            Some((
                format!("must be one table `[{header}]`, not an array of tables `[[{header}]]`"),
                Some(format!("write `[{header}]` once")),
            ))
        }
        DeValue::Table(_) if expected.contains("array") => Some((
            format!("must be an array of tables `[[{header}]]`, not one table `[{header}]`"),
            Some(format!("write `[[{header}]]` for each entry")),
        )),
        _ => None,
    }
}

/// The table at `path` (the root for an empty path).
fn table_at<'t, 'd>(table: &'t DeTable<'d>, path: &[Seg]) -> Option<&'t DeTable<'d>> {
    match path {
        [] => Some(table),
        [Seg::Key(k), rest @ ..] => match table.get(k.as_str()).map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => table_at(t, rest),
            Some(DeValue::Array(items)) => match rest {
                [Seg::Index(i), rest @ ..] => match items.get(*i).map(|v| v.get_ref()) {
                    Some(DeValue::Table(t)) => table_at(t, rest),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The unknown key and the expected ones of serde's "unknown field"
/// message.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.trim().strip_prefix("unknown field ")?;
    let names: Vec<String> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    let (unknown, expected) = names.split_first()?;
    Some((unknown.clone(), expected.to_vec()))
}

/// The message and hint for an unknown key among `expected`.
fn unknown_message(unknown: &str, expected: &[String]) -> (String, Option<String>) {
    let help = closest(unknown, expected.iter().map(String::as_str))
        .map(|s| format!("did you mean `{s}`?"));
    let list = expected
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    (
        format!("unknown key `{unknown}`; expected one of {list}"),
        help,
    )
}

/// The message for a syntax error at `span`. `key =` with nothing after it
/// is named as such: the parser's own words for it ("string values must be
/// quoted") send the reader looking for a string.
fn syntax_message(text: &str, span: &Range<usize>, message: &str) -> String {
    let start = span.start.min(text.len());
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(start..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| start + i);
    if let (Some(before), Some(after)) = (text.get(line_start..start), text.get(start..line_end)) {
        let after = after.trim();
        if let Some(key) = before.trim_end().strip_suffix('=')
            && !key.trim().is_empty()
            && (after.is_empty() || after.starts_with('#'))
        {
            return format!("invalid TOML: `{}` has no value after `=`", key.trim());
        }
    }
    format!("invalid TOML: {}", message.trim())
}

/// The innermost key whose key or (non-table) value span holds `span`.
fn find(table: &DeTable<'_>, span: &Range<usize>) -> Vec<Seg> {
    for (k, v) in table.iter() {
        let mut here = vec![Seg::Key(k.get_ref().to_string())];
        if let Some(sub) = find_in_value(v.get_ref(), span) {
            here.extend(sub);
            return here;
        }
        let holds = |r: Range<usize>| r.start <= span.start && span.start < r.end.max(r.start + 1);
        let is_table = matches!(v.get_ref(), DeValue::Table(_));
        // A table's own span starts at its header (`[pool]`): an error
        // there is about the table as a whole, not one of its keys.
        let at_header = is_table && v.span().start == span.start;
        if holds(k.span()) || (!is_table && holds(v.span())) || at_header {
            return here;
        }
    }
    Vec::new()
}

fn find_in_value(v: &DeValue<'_>, span: &Range<usize>) -> Option<Vec<Seg>> {
    match v {
        DeValue::Table(t) => {
            let sub = find(t, span);
            (!sub.is_empty()).then_some(sub)
        }
        DeValue::Array(items) => {
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| match item.get_ref() {
                    DeValue::Table(t) => {
                        let sub = find(t, span);
                        (!sub.is_empty()).then(|| {
                            let mut p = vec![Seg::Index(i)];
                            p.extend(sub);
                            p
                        })
                    }
                    _ => None,
                })
        }
        _ => None,
    }
}

/// Removes the key at `path`; false if it was not there.
fn remove(table: &mut DeTable<'_>, path: &[Seg]) -> bool {
    match path {
        [Seg::Key(k)] => table.remove(k.as_str()).is_some(),
        [Seg::Key(k), rest @ ..] => match table.get_mut(k.as_str()).map(|v| v.get_mut()) {
            Some(DeValue::Table(t)) => remove(t, rest),
            Some(DeValue::Array(items)) => match rest {
                [Seg::Index(i), rest @ ..] => match items.get_mut(*i).map(|v| v.get_mut()) {
                    Some(DeValue::Table(t)) => remove(t, rest),
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// Rewrites serde's wording into the user's vocabulary, with a suggestion
/// for unknown keys.
fn humanize(message: &str) -> (String, Option<String>) {
    let message = message.trim();
    if let Some((unknown, expected)) = unknown_field(message) {
        return unknown_message(&unknown, &expected);
    }
    let mut text = message.to_owned();
    for (from, to) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected a string"),
        ("expected a boolean", "expected true or false"),
        ("invalid type: ", "wrong type: "),
        ("a sequence", "an array"),
        ("a map", "a table"),
    ] {
        text = text.replace(from, to);
    }
    (text, None)
}
