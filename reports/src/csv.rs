//! RFC 4180 CSV through the `csv` crate (quoting only where needed, `\n`
//! line ends like the other CSVs), and the one number format every report
//! uses.

use crate::ReportError;

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

/// A CSV document: `header`, then `rows`, each a record of cells.
pub(crate) fn document<I>(header: &[&str], rows: I) -> Result<String, ReportError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Io(e.into_error()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Io(std::io::Error::other(e)))
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

    #[test]
    fn document_quotes_like_field() {
        let doc = document(
            &["a", "b"],
            [vec!["x,y".to_owned(), "say \"hi\"".to_owned()]],
        )
        .expect("in memory");
        assert_eq!(doc, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
