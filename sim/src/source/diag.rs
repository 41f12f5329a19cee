//! Diagnostics: every problem found in a scenario file, with the file, line,
//! column and key path it concerns, what was expected, and a hint.
//!
//! Collecting is linear in the file and the number of problems; printing
//! shows at most [`MAX_SHOWN`] problems, escapes control characters from
//! the input ([`crate::text::escape`]) and cuts each excerpt to a window of
//! about [`EXCERPT_WIDTH`] characters around the column.

use crate::text::{escape, escape_char};
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

/// The most problems [`Diagnostics`] prints; the rest are counted.
pub const MAX_SHOWN: usize = 20;

/// The most characters of a source line an excerpt shows.
pub const EXCERPT_WIDTH: usize = 100;

/// Characters shown before the column when a long line is cut.
const LEAD: usize = 40;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// The source line, for the excerpt under the message: the whole line,
    /// or a window of it around the column marked with `…` where cut.
    pub excerpt: String,
    /// 1-based character position in `excerpt` where the underline starts
    /// (equal to `column` when the line is not cut).
    pub excerpt_column: usize,
    /// Characters of the excerpt to underline (at least one).
    pub underline: usize,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: ",
            escape(&self.file),
            self.line,
            self.column
        )?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", escape(&self.key))?;
        }
        writeln!(f, "{}", escape(&self.message))?;
        let gutter = self.line.to_string().len();
        // Escaped characters are wider than one column: count the width of
        // what precedes and what is underlined after escaping.
        let mut shown = String::with_capacity(self.excerpt.len());
        let (mut lead, mut width) = (0, 0);
        let first = self.excerpt_column.saturating_sub(1);
        for (i, c) in self.excerpt.chars().enumerate() {
            let e = if c == '\t' {
                " ".into()
            } else {
                escape_char(c)
            };
            let w = e.chars().count();
            if i < first {
                lead += w;
            } else if i < first + self.underline.max(1) {
                width += w;
            }
            shown.push_str(&e);
        }
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, shown)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(lead),
            "^".repeat(width.max(1))
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {}", "", escape(help))?;
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
        for (i, p) in self.problems.iter().take(MAX_SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{p}")?;
        }
        let n = self.problems.len();
        if n > MAX_SHOWN {
            let more = n - MAX_SHOWN;
            writeln!(
                f,
                "… and {more} more problem{}",
                if more == 1 { "" } else { "s" }
            )?;
        }
        write!(
            f,
            "{} problem{} found in {}",
            n,
            if n == 1 { "" } else { "s" },
            escape(self.problems.first().map_or("", |p| p.file.as_str()))
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
    /// Byte offset where each line starts (the first is 0). A line ends at
    /// `\n`, `\r\n` or a lone `\r`.
    line_starts: Vec<usize>,
    problems: Vec<(usize, Problem)>,
    seen: HashSet<Problem>,
}

impl<'a> Collector<'a> {
    /// A collector for `text`, read from `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends {
                line_starts.push(i + 1);
            }
        }
        Self {
            file,
            text,
            line_starts,
            problems: Vec::new(),
            seen: HashSet::new(),
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
        let text = self.text;
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let index = self
            .line_starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let line_start = self.line_starts.get(index).copied().unwrap_or(0);
        let next = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(text.len());
        let whole = &text[line_start..next];
        let whole = whole.strip_suffix('\n').unwrap_or(whole);
        let whole = whole.strip_suffix('\r').unwrap_or(whole);
        let line_end = line_start + whole.len();
        let column = text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(text, span.end.clamp(start, line_end.max(start)));
        let underline = text[start..end].chars().count().max(1);
        let (excerpt, excerpt_column, underline) = window(whole, column, underline);
        let problem = Problem {
            file: self.file.to_owned(),
            line: index + 1,
            column,
            key: key.to_owned(),
            message: message.into(),
            help,
            excerpt,
            excerpt_column,
            underline,
        };
        // Two routes to the same finding report it once.
        if self.seen.insert(problem.clone()) {
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

/// The excerpt of `line` shown for a problem at 1-based `column` spanning
/// `underline` characters: the line itself when short, else a window of
/// [`EXCERPT_WIDTH`] characters marked `…` where cut. Returns the excerpt,
/// the column in it, and the underline clamped to it.
fn window(line: &str, column: usize, underline: usize) -> (String, usize, usize) {
    let len = line.chars().count();
    if len <= EXCERPT_WIDTH {
        return (line.to_owned(), column, underline);
    }
    let at = column.saturating_sub(1).min(len);
    let end = (at.saturating_sub(LEAD) + EXCERPT_WIDTH).min(len);
    let begin = end.saturating_sub(EXCERPT_WIDTH);
    let mut excerpt = String::new();
    if begin > 0 {
        excerpt.push('…');
    }
    excerpt.extend(line.chars().skip(begin).take(end - begin));
    if end < len {
        excerpt.push('…');
    }
    let col = at - begin + 1 + usize::from(begin > 0);
    let under = underline.min(end.saturating_sub(at)).max(1);
    (excerpt, col, under)
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

    #[test]
    fn a_lone_cr_ends_a_line() {
        let text = "a = 1\rbb = 2\rcc = x\r";
        let mut c = Collector::new("f.toml", text);
        c.push(18..19, "cc", "bad", None);
        let p = &c.finish().problems[0];
        assert_eq!((p.line, p.column), (3, 6));
        assert_eq!(p.excerpt, "cc = x");
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_follows() {
        let text = "k = \u{1b}[2J x\n";
        let mut c = Collector::new("f.toml", text);
        c.push(9..10, "k", "bad \u{1b}]0;t\u{7}", None);
        let shown = c.finish().to_string();
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'));
        assert!(shown.contains("bad \\u{1b}]0;t\\u{7}"), "{shown}");
        let caret = format!("1 | k = \\u{{1b}}[2J x\n  | {}^\n", " ".repeat(14));
        assert!(shown.contains(&caret), "{shown}");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_column() {
        let text = format!("k = \"{}\" x\n", "a".repeat(1_000_000));
        let mut c = Collector::new("f.toml", &text);
        let at = text.len() - 2;
        c.push(at..at + 1, "k", "bad", None);
        let p = c.finish().problems[0].clone();
        assert_eq!(p.column, 1_000_008);
        assert!(p.excerpt.chars().count() <= EXCERPT_WIDTH + 2);
        let shown = p.to_string();
        assert!(shown.len() < 400, "{}", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        let caret = lines[3].find('^').unwrap_or(0);
        assert_eq!(lines[2].chars().nth(caret), Some('x'), "{shown}");
    }

    #[test]
    fn at_most_twenty_problems_are_printed_then_a_count() {
        let text = (0..30).map(|i| format!("k{i} = 1\n")).collect::<String>();
        let mut c = Collector::new("f.toml", &text);
        for i in 0..30 {
            let at = text.find(&format!("k{i} ")).unwrap_or(0);
            c.push(at..at + 2, &format!("k{i}"), "unknown", None);
            // The same finding twice is kept once.
            c.push(at..at + 2, &format!("k{i}"), "unknown", None);
        }
        let shown = c.finish().to_string();
        assert_eq!(shown.matches(": error: ").count(), MAX_SHOWN);
        assert!(shown.ends_with("… and 10 more problems\n30 problems found in f.toml"));
    }
}
