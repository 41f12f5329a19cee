//! RFC 4180 field quoting and number formatting shared by the CSV writers.

/// `field` as one CSV field: quoted (with `"` doubled) when it holds a
/// comma, quote, or line break.
pub(crate) fn field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// A number with the shortest text that reads back to the same `f64`
/// (deterministic across platforms); empty for `None`.
pub(crate) fn number(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("job-1"), "job-1");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn numbers_round_trip() {
        for x in [0.0, 0.1, 1e-7, 123_456.789, 3600.0] {
            let s = number(Some(x));
            assert_eq!(s.parse::<f64>().expect("a number"), x);
        }
        assert_eq!(number(None), "");
    }
}
