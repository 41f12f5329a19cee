//! Writing a variant's values into the scenario's TOML at dotted key paths.

use super::{Axis, SweepError};
use toml_edit::{DocumentMut, Item, TableLike, Value};

/// The scenario file's text with each axis's key set to its value of the
/// variant (`values[k]` for `axes[k]`): replaced in place, keeping the
/// file's layout and comments, or added to its table when the key is not
/// written there (the scenario's validation then judges it).
pub fn variant_text(
    text: &str,
    file: &str,
    axes: &[Axis],
    values: &[&str],
) -> Result<String, SweepError> {
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| SweepError::Toml {
                file: file.to_owned(),
                why: e.to_string().trim_end().to_owned(),
            })?;
    for (axis, value) in axes.iter().zip(values) {
        set(doc.as_table_mut(), &axis.key, value).map_err(|why| SweepError::Key {
            file: file.to_owned(),
            key: axis.key.clone(),
            why,
        })?;
    }
    Ok(doc.to_string())
}

/// A value as TOML reads it (`4`, `2.5`, `true`, `"x"`), else as a string.
fn value(text: &str) -> Value {
    text.parse::<Value>().unwrap_or_else(|_| Value::from(text))
}

/// The element of an array of tables whose `name` is `segs[..k]` joined
/// with dots (the longest such that matches, so names may hold dots), or
/// whose position is `segs[0]`; with the segments it took.
fn select<'t>(
    elements: Vec<&'t mut dyn TableLike>,
    segs: &[&str],
    array: &str,
) -> Result<(&'t mut dyn TableLike, usize), String> {
    let names: Vec<Option<String>> = elements
        .iter()
        .map(|t| t.get("name").and_then(Item::as_str).map(str::to_owned))
        .collect();
    let found = (1..=segs.len()).rev().find_map(|k| {
        let want = segs[..k].join(".");
        names
            .iter()
            .position(|n| n.as_deref() == Some(want.as_str()))
            .map(|i| (i, k))
    });
    let found = found.or_else(|| {
        segs.first()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&i| i < elements.len())
            .map(|i| (i, 1))
    });
    match found {
        Some((i, k)) => elements
            .into_iter()
            .nth(i)
            .map(|t| (t, k))
            .ok_or_else(|| format!("no `{array}` element {i}")),
        None => {
            let known: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    n.as_ref()
                        .map_or_else(|| i.to_string(), |n| format!("`{n}`"))
                })
                .collect();
            Err(format!(
                "no `{array}` named `{}` (the file's `{array}` entries: {})",
                segs.first().copied().unwrap_or(""),
                known.join(", ")
            ))
        }
    }
}

/// Sets `key` (dotted) under `root` to `text`'s value.
fn set(root: &mut dyn TableLike, key: &str, text: &str) -> Result<(), String> {
    let segs: Vec<&str> = key.split('.').collect();
    let Some((&last, parents)) = segs.split_last() else {
        return Err("empty key".to_owned());
    };
    let mut table: &mut dyn TableLike = root;
    let mut i = 0;
    let mut walked = String::new();
    while i < parents.len() {
        let seg = parents[i];
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(seg);
        let item = table
            .get_mut(seg)
            .ok_or_else(|| format!("the scenario has no `{walked}`"))?;
        i += 1;
        let rest = &parents[i..];
        if item.is_array_of_tables()
            || item
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_inline_table))
        {
            let elements: Vec<&mut dyn TableLike> = match item {
                Item::ArrayOfTables(a) => a.iter_mut().map(|t| t as &mut dyn TableLike).collect(),
                Item::Value(Value::Array(a)) => a
                    .iter_mut()
                    .filter_map(|v| v.as_inline_table_mut().map(|t| t as &mut dyn TableLike))
                    .collect(),
                _ => Vec::new(),
            };
            if rest.is_empty() {
                return Err(format!(
                    "`{walked}` is a list: name one of its entries, as in `{walked}.NAME.{last}`"
                ));
            }
            let (element, took) = select(elements, rest, &walked)?;
            walked.push('.');
            walked.push_str(&rest[..took].join("."));
            i += took;
            table = element;
        } else if let Some(t) = item.as_table_like_mut() {
            table = t;
        } else {
            return Err(format!("`{walked}` is a value, not a table"));
        }
    }
    let new = value(text);
    match table.get_mut(last) {
        Some(Item::Value(old)) => {
            let decor = old.decor().clone();
            *old = new;
            *old.decor_mut() = decor;
        }
        Some(item) => *item = Item::Value(new),
        None => {
            table.insert(last, Item::Value(new));
        }
    }
    Ok(())
}
