//! Diagnostics: every problem found in a scenario file, with the file, line,
//! column and key path it concerns, what was expected, and a hint.

use std::fmt;
use std::ops::Range;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column (in characters) of the offending text.
    pub column: usize,
    /// The key path, e.g. `job[0].parallelism.tp`; empty for syntax errors.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion ("did you mean `tp`?"), if there is one.
    pub help: Option<String>,
    /// The source line, for the excerpt under the message.
    pub excerpt: String,
    /// Characters of the excerpt to underline (at least one).
    pub underline: usize,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        writeln!(f, "{}", self.message)?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.excerpt)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(self.column.saturating_sub(1)),
            "^".repeat(self.underline.max(1))
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {help}", "")?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The problems, sorted by position.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{p}")?;
        }
        let n = self.problems.len();
        write!(
            f,
            "{} problem{} found in {}",
            n,
            if n == 1 { "" } else { "s" },
            self.problems.first().map_or("", |p| p.file.as_str())
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Collects problems against one source text, turning byte spans into
/// line and column.
#[derive(Debug)]
pub struct Collector<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<(usize, Problem)>,
}

impl<'a> Collector<'a> {
    /// A collector for `text`, read from `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            problems: Vec::new(),
        }
    }

    /// Records a problem at `span` for `key`.
    pub fn push(
        &mut self,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let excerpt = self.text[line_start..line_end].trim_end_matches('\r');
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(self.text, span.end.clamp(start, line_end));
        let underline = self.text[start..end].chars().count().max(1);
        let problem = Problem {
            file: self.file.to_owned(),
            line,
            column,
            key: key.to_owned(),
            message: message.into(),
            help,
            excerpt: excerpt.to_owned(),
            underline,
        };
        // Two routes to the same finding report it once.
        if !self.problems.iter().any(|(_, p)| p == &problem) {
            self.problems.push((start, problem));
        }
    }

    /// True when no problem has been recorded.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems sorted by position (stable for equal positions).
    pub fn finish(mut self) -> Diagnostics {
        self.problems.sort_by_key(|(pos, _)| *pos);
        Diagnostics {
            problems: self.problems.into_iter().map(|(_, p)| p).collect(),
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_from_span() {
        let text = "a = 1\nbb = \"x\"\n";
        let mut c = Collector::new("f.toml", text);
        c.push(11..14, "bb", "expected an integer", None);
        let d = c.finish();
        let p = &d.problems[0];
        assert_eq!((p.line, p.column, p.underline), (2, 6, 3));
        assert_eq!(
            p.to_string(),
            "f.toml:2:6: error: `bb`: expected an integer\n  |\n2 | bb = \"x\"\n  |      ^^^"
        );
    }
}
