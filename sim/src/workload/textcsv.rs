//! Comma-separated text shared by the trace importers: a quote-aware field
//! splitter, typed field access that reports the row and column of a bad
//! value, and a row loop that honours [`ImportOptions::skip_bad_rows`].
//!
//! Rows are numbered as lines of the file, from 1 (a header row is row 1).

use super::{ImportOptions, TraceJob, Workload, WorkloadError};
use std::path::Path;

/// Reads a whole file of at most `limit` bytes as text, naming it in the
/// error.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<(String, String), WorkloadError> {
    let file = path.display().to_string();
    let text =
        crate::fsio::read_to_string_limited(path, limit, super::TRACE).map_err(|source| {
            WorkloadError::Io {
                file: file.clone(),
                source,
            }
        })?;
    Ok((file, text))
}

/// Splits one line into fields. Fields may be wrapped in double quotes, in
/// which case commas inside are kept and `""` is a literal quote. Errors
/// with the 1-based column of an unterminated or misplaced quote.
pub(crate) fn split_line(line: &str) -> Result<Vec<String>, usize> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == ',' {
            fields.push(std::mem::take(&mut field));
            was_quoted = false;
        } else if c == '"' {
            if !field.is_empty() || was_quoted {
                return Err(fields.len() + 1);
            }
            quoted = true;
            was_quoted = true;
        } else {
            if was_quoted {
                return Err(fields.len() + 1);
            }
            field.push(c);
        }
    }
    if quoted {
        return Err(fields.len() + 1);
    }
    fields.push(field);
    Ok(fields)
}

/// Whether the file starts with a header row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Header<'n> {
    /// The first row is a header that must name at least these columns;
    /// fields are looked up by the header's names.
    Required(&'n [&'n str]),
    /// Columns are exactly these, in this order; a first row equal to them
    /// is taken as a header and skipped.
    Fixed(&'n [&'n str]),
}

/// One data row.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    file: &'a str,
    line: u64,
    names: &'a [String],
    fields: Vec<String>,
}

impl Row<'_> {
    fn index(&self, name: &str) -> usize {
        // Header::Required checked every looked-up name; Fixed names are
        // the importer's own.
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or(usize::MAX)
    }

    /// The trimmed text of column `name` (empty when the column is absent).
    pub(crate) fn text(&self, name: &str) -> &str {
        self.fields.get(self.index(name)).map_or("", |s| s.trim())
    }

    /// A [`WorkloadError::BadRow`] at column `name`.
    pub(crate) fn bad(&self, name: &str, message: impl Into<String>) -> WorkloadError {
        let i = self.index(name);
        WorkloadError::BadRow {
            file: self.file.to_owned(),
            row: self.line,
            column: if i == usize::MAX { 0 } else { i + 1 },
            name: name.to_owned(),
            message: message.into(),
        }
    }

    /// Column `name` as a finite number, or `None` when empty.
    pub(crate) fn opt_f64(&self, name: &str) -> Result<Option<f64>, WorkloadError> {
        let t = self.text(name);
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.bad(name, format!("expected a number, found `{t}`"))),
        }
    }

    /// Column `name` as a finite number.
    pub(crate) fn f64(&self, name: &str) -> Result<f64, WorkloadError> {
        self.opt_f64(name)?
            .ok_or_else(|| self.bad(name, "expected a number, found an empty field"))
    }

    /// Column `name` as a non-negative integer.
    pub(crate) fn u32(&self, name: &str) -> Result<u32, WorkloadError> {
        let t = self.text(name);
        t.parse::<u32>().map_err(|_| {
            self.bad(
                name,
                format!("expected a non-negative integer, found `{t}`"),
            )
        })
    }
}

/// The jobs of a CSV trace whose rows map to a GPU job or, for CPU-only
/// rows, to `None`: the workload (normalised, cut to `opts.limit`) and how
/// many CPU-only rows were left out.
pub(crate) fn gpu_jobs(
    file: &str,
    text: &str,
    header: Header<'_>,
    opts: ImportOptions,
    mut job: impl FnMut(&Row<'_>) -> Result<Option<TraceJob>, WorkloadError>,
) -> Result<(Workload, u64), WorkloadError> {
    let mut jobs = Vec::new();
    let mut cpu_only = 0;
    let skipped = for_each_row(file, text, header, opts, |row| {
        match job(row)? {
            Some(j) => jobs.push(j),
            None => cpu_only += 1,
        }
        Ok(())
    })?;
    let mut w = Workload {
        jobs,
        throughputs: None,
        skipped_rows: skipped,
    };
    w.normalise(opts.limit);
    Ok((w, cpu_only))
}

/// Calls `f` on every data row of `text`. A malformed row (wrong field
/// count, bad quote, or an error from `f`) fails the whole read, or with
/// `skip_bad_rows` is skipped and counted; returns the count.
pub(crate) fn for_each_row(
    file: &str,
    text: &str,
    header: Header<'_>,
    opts: ImportOptions,
    mut f: impl FnMut(&Row<'_>) -> Result<(), WorkloadError>,
) -> Result<u64, WorkloadError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let names: Vec<String> = match header {
        Header::Required(required) => {
            let Some((_, first)) = lines.next() else {
                return Err(WorkloadError::Format {
                    file: file.to_owned(),
                    message: "the file is empty; expected a header row".into(),
                });
            };
            let names: Vec<String> = split_line(first)
                .map_err(|_| WorkloadError::Format {
                    file: file.to_owned(),
                    message: "the header row has a misplaced quote".into(),
                })?
                .into_iter()
                .map(|s| s.trim().to_owned())
                .collect();
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|r| !names.iter().any(|n| n == r))
                .collect();
            if !missing.is_empty() {
                return Err(WorkloadError::Format {
                    file: file.to_owned(),
                    message: format!(
                        "the header lacks column(s) {}; found `{}`",
                        missing.join(", "),
                        first
                    ),
                });
            }
            names
        }
        Header::Fixed(fixed) => {
            let names: Vec<String> = fixed.iter().map(|s| (*s).to_owned()).collect();
            if let Some((_, first)) = lines.peek()
                && split_line(first)
                    .is_ok_and(|f| f.iter().map(|s| s.trim()).eq(fixed.iter().copied()))
            {
                lines.next();
            }
            names
        }
    };
    let mut skipped = 0;
    for (line, l) in lines {
        let result = match split_line(l) {
            Err(column) => Err(WorkloadError::BadRow {
                file: file.to_owned(),
                row: line,
                column,
                name: names.get(column - 1).cloned().unwrap_or_default(),
                message: "misplaced or unterminated double quote".into(),
            }),
            Ok(fields) if fields.len() != names.len() => Err(WorkloadError::BadRow {
                file: file.to_owned(),
                row: line,
                column: fields.len().min(names.len()) + 1,
                name: names
                    .get(fields.len())
                    .cloned()
                    .unwrap_or_else(|| "(extra)".into()),
                message: format!("expected {} fields, found {}", names.len(), fields.len()),
            }),
            Ok(fields) => f(&Row {
                file,
                line,
                names: &names,
                fields,
            }),
        };
        match result {
            Ok(()) => {}
            Err(WorkloadError::BadRow { .. }) if opts.skip_bad_rows => skipped += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(split_line("a,,b").expect("test data"), vec!["a", "", "b"]);
        assert_eq!(
            split_line(r#""x,y",z"#).expect("test data"),
            vec!["x,y", "z"]
        );
        assert_eq!(
            split_line(r#""say ""hi""",1"#).expect("test data"),
            vec![r#"say "hi""#, "1"]
        );
        assert_eq!(split_line(""), Ok(vec![String::new()]));
    }

    #[test]
    fn reports_the_column_of_a_bad_quote() {
        assert_eq!(split_line(r#"a,"open"#), Err(2));
        assert_eq!(split_line(r#"a,b"c"#), Err(2));
        assert_eq!(split_line(r#""q"x,1"#), Err(1));
    }

    #[test]
    fn looks_up_columns_by_header_name() {
        let mut seen = Vec::new();
        for_each_row(
            "t.csv",
            "b,a\n2,1\n",
            Header::Required(&["a"]),
            ImportOptions::default(),
            |r| {
                seen.push((r.text("a").to_owned(), r.text("z").to_owned()));
                Ok(())
            },
        )
        .expect("test data");
        assert_eq!(seen, vec![("1".to_owned(), String::new())]);
    }

    #[test]
    fn wrong_field_count_names_the_first_missing_column() {
        let err = for_each_row(
            "t.csv",
            "a,b,c\n1,2,3\n1,2\n",
            Header::Required(&["a"]),
            ImportOptions::default(),
            |_| Ok(()),
        )
        .expect_err("must fail");
        match err {
            WorkloadError::BadRow {
                row, column, name, ..
            } => {
                assert_eq!((row, column, name.as_str()), (3, 3, "c"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
