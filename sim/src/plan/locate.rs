//! Where a key path (`parallelism.zero`, `nodes[1].batch_share`) lies in a
//! JSON text, for messages about values that parsed but are invalid. The
//! text has already been parsed, so the scan is simple; any surprise gives
//! `None` and the message goes without a position.

/// Line and column (1-based, columns in characters) of the value at `path`
/// in `text`, or of the nearest enclosing value that exists. `path` is dot
/// separated keys with `[i]` indices; `[*]` stops at the array.
pub(super) fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    for seg in segments(path) {
        let next = match seg {
            Seg::Key(k) => find_key(bytes, at, k),
            Seg::Index(i) => find_index(bytes, at, i),
            Seg::Any => None,
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    let before = text.get(..at)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

/// One step of a key path.
enum Seg<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
    /// Every element (`[*]`).
    Any,
}

/// The steps of `path`.
fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[') {
            let idx = idx.trim_end_matches(']');
            if idx == "*" {
                out.push(Seg::Any);
            } else if let Ok(i) = idx.parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// The offset of the first non-whitespace byte at or after `at`.
fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The offset just past the string starting at `at` (a `"`).
fn skip_string(b: &[u8], mut at: usize) -> Option<usize> {
    at += 1;
    loop {
        match b.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The offset just past the value starting at `at`.
fn skip_value(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at)? {
        b'"' => skip_string(b, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = skip_string(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = at;
            while b
                .get(i)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                i += 1;
            }
            Some(i)
        }
    }
}

/// The offset of the value of `key` in the object starting at `at`.
fn find_key(b: &[u8], at: usize, key: &str) -> Option<usize> {
    if b.get(at) != Some(&b'{') {
        return None;
    }
    let mut i = skip_ws(b, at + 1);
    while b.get(i) == Some(&b'"') {
        let end = skip_string(b, i)?;
        let name = b.get(i + 1..end - 1)?;
        let colon = skip_ws(b, end);
        let value = skip_ws(b, colon + 1);
        if name == key.as_bytes() {
            return Some(value);
        }
        let after = skip_ws(b, skip_value(b, value)?);
        if b.get(after) != Some(&b',') {
            return None;
        }
        i = skip_ws(b, after + 1);
    }
    None
}

/// The offset of element `index` of the array starting at `at`.
fn find_index(b: &[u8], at: usize, index: usize) -> Option<usize> {
    if b.get(at) != Some(&b'[') {
        return None;
    }
    let mut i = skip_ws(b, at + 1);
    for _ in 0..index {
        let after = skip_ws(b, skip_value(b, i)?);
        if b.get(after) != Some(&b',') {
            return None;
        }
        i = skip_ws(b, after + 1);
    }
    (b.get(i) != Some(&b']')).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TEXT: &str = "{\n  \"a\": {\"b\": [1, {\"c\": \"x,]\"}]},\n  \"d\": 2\n}\n";

    #[test]
    fn finds_nested_keys_and_indices() {
        assert_eq!(locate(TEXT, "d"), Some((3, 8)));
        assert_eq!(locate(TEXT, "a.b[1].c"), Some((2, 24)));
        assert_eq!(locate(TEXT, "a.b[0]"), Some((2, 15)));
    }

    #[test]
    fn stops_at_the_nearest_existing_value() {
        assert_eq!(locate(TEXT, "a.b[*].c"), Some((2, 14)));
        assert_eq!(locate(TEXT, "a.missing"), Some((2, 8)));
        assert_eq!(locate(TEXT, "a.b[7]"), Some((2, 14)));
    }
}
