//! Reading a scenario file into [`RawScenario`] with every problem
//! collected ([`crate::source::read_as`] does the work).

use super::raw::RawScenario;
use crate::source::{Collector, read_as};
use std::collections::BTreeSet;

/// The result of reading: the raw scenario (if the file could be read at
/// all) and the key paths that were dropped because their values were bad.
#[derive(Debug)]
pub struct Recovered {
    /// The raw scenario, without the dropped keys.
    pub raw: Option<RawScenario>,
    /// Key paths whose values were reported and removed.
    pub dropped: BTreeSet<String>,
}

/// Parses `text`, recording every syntax, type and unknown-key problem.
pub fn read(text: &str, out: &mut Collector<'_>) -> Recovered {
    let (raw, dropped) = read_as::<RawScenario>(text, out);
    Recovered { raw, dropped }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_bad_key_not_just_the_first() {
        let text = "name = 'x'\nsede = 1\n[[pool]]\nname = 'a'\nnodes = 'many'\nnodse = 2\n";
        let mut c = Collector::new("t.toml", text);
        let rec = read(text, &mut c);
        let d = c.finish();
        let keys: Vec<_> = d.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["sede", "pool[0].nodes", "pool[0].nodse"]);
        assert_eq!(d.problems[0].help.as_deref(), Some("did you mean `seed`?"));
        assert_eq!(d.problems[2].help.as_deref(), Some("did you mean `nodes`?"));
        assert!(rec.raw.is_some());
        assert!(rec.dropped.contains("pool[0].nodes"));
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let text = "name = 'x'\nseed = \n";
        let mut c = Collector::new("t.toml", text);
        let rec = read(text, &mut c);
        assert!(rec.raw.is_none());
        let d = c.finish();
        assert_eq!(d.problems[0].line, 2);
        assert_eq!(
            d.problems[0].message,
            "invalid TOML: `seed` has no value after `=`"
        );
    }

    #[test]
    fn other_syntax_errors_keep_the_parser_message() {
        let text = "name = 'x\n";
        let mut c = Collector::new("t.toml", text);
        read(text, &mut c);
        let d = c.finish();
        assert!(d.problems[0].message.starts_with("invalid TOML: "));
        assert!(!d.problems[0].message.contains("has no value"));
    }
}
