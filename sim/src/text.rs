//! Printing text that came from input files without letting it drive the
//! terminal: control characters (ESC, CR, BEL, C1 codes) and the invisible
//! bidirectional overrides are shown as Rust-style escapes (`\u{1b}`), so
//! they are visible and cannot clear the screen, retitle the window or
//! rewrite a line.

use std::borrow::Cow;

/// True for a character that must not reach a terminal raw: C0 and C1
/// control characters, DEL, and the bidirectional embedding, override and
/// isolate marks.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The visible form of one character: itself when safe, else its escape
/// (`\t`, `\n`, `\r`, or `\u{..}`).
pub fn escape_char(c: char) -> Cow<'static, str> {
    match c {
        '\t' => Cow::Borrowed("\\t"),
        '\n' => Cow::Borrowed("\\n"),
        '\r' => Cow::Borrowed("\\r"),
        c if is_unsafe(c) => Cow::Owned(format!("\\u{{{:x}}}", c as u32)),
        c => Cow::Owned(c.to_string()),
    }
}

/// `s` with every unsafe character escaped; borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        out.push_str(&escape_char(c));
    }
    Cow::Owned(out)
}

/// The first unsafe character of `s`, if any.
pub fn first_unsafe(s: &str) -> Option<char> {
    s.chars().find(|&c| is_unsafe(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences_and_keeps_the_rest() {
        assert_eq!(escape("a\u{1b}[2J\u{7}é"), "a\\u{1b}[2J\\u{7}é");
        assert_eq!(escape("x\r\n\ty"), "x\\r\\n\\ty");
        assert_eq!(escape("\u{9b}\u{202e}"), "\\u{9b}\\u{202e}");
        assert!(matches!(escape("plain"), Cow::Borrowed("plain")));
        assert_eq!(first_unsafe("ab\u{1b}"), Some('\u{1b}'));
        assert_eq!(first_unsafe("ab"), None);
    }
}
