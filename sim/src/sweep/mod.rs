//! Parameter sweeps: a scenario file with some of its keys varied over a
//! Cartesian grid. Each variant is the file's own TOML with the varied
//! values written in place (layout kept, so a problem's line and column
//! are those of the file), validated like any scenario and simulated.
//!
//! ```text
//! --vary pool.a100.nodes=1,2 --vary job.gpt3.parallelism.tp=1,2
//!     ──► Grid (first axis slowest) ──shard K/N──► variant indices
//!     ──► variant_text (toml_edit) ──scenario::parse──► Scenario ──run──► SimResult
//! ```
//!
//! Keys are dotted paths into the TOML document; an array of tables (`pool`,
//! `job`) is indexed by an element's `name` (which may itself hold dots) or
//! by its position.
//!
//! ```
//! use cirrus_sim::sweep::{Axis, Grid};
//! let grid = Grid::new(vec![
//!     Axis::parse("pool.a100.nodes=1,2,4").expect("a vary spec"),
//!     Axis::parse("scheduler.policy=fifo,sjf").expect("a vary spec"),
//! ]);
//! assert_eq!(grid.len(), 6);
//! assert_eq!(grid.values(3), vec!["2", "sjf"]);
//! ```

mod path;
mod run;

pub use path::variant_text;
pub use run::{Method, run};

pub use crate::engine::content_hash;

use thiserror::Error;

/// Why a sweep could not be set up or a variant could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A `--vary` argument is malformed.
    #[error("`--vary {spec}`: {why}")]
    Spec {
        /// The argument as given.
        spec: String,
        /// What was expected.
        why: String,
    },
    /// A `--shard` argument is malformed.
    #[error("`--shard {spec}`: expected K/N with 1 ≤ K ≤ N (e.g. 3/8)")]
    Shard {
        /// The argument as given.
        spec: String,
    },
    /// The scenario file is not valid TOML.
    #[error("{file}: {why}")]
    Toml {
        /// The file as named.
        file: String,
        /// The parser's message.
        why: String,
    },
    /// A varied key does not name anything in the scenario.
    #[error("{file}: `--vary {key}`: {why}")]
    Key {
        /// The file as named.
        file: String,
        /// The key path.
        key: String,
        /// What is missing, and what there is.
        why: String,
    },
    /// A variant could not be simulated.
    #[error("{variant}: {why}")]
    Run {
        /// The variant's label.
        variant: String,
        /// What failed.
        why: String,
    },
}

/// One varied key and its values, as text (each read as a TOML value:
/// `4`, `1.5`, `true`, `"x"`; a bare word such as `fifo` is a string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// Dotted path into the scenario, e.g. `pool.a100.nodes`.
    pub key: String,
    /// The values, in the order given.
    pub values: Vec<String>,
}

impl Axis {
    /// Parses `KEY=V1,V2,...`.
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let bad = |why: &str| SweepError::Spec {
            spec: spec.to_owned(),
            why: why.to_owned(),
        };
        let (key, values) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=V1,V2,... (e.g. pool.a100.nodes=1,2,4)"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(bad(
                "expected a dotted key before `=` (e.g. pool.a100.nodes)",
            ));
        }
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_owned()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("expected non-empty values separated by commas"));
        }
        Ok(Self {
            key: key.to_owned(),
            values,
        })
    }
}

/// The Cartesian product of the axes: variant `i` takes, on each axis,
/// the value at the matching digit of `i` in mixed radix, the first axis
/// the slowest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The axes, in the order given.
    pub axes: Vec<Axis>,
}

impl Grid {
    /// The grid of `axes`.
    pub fn new(axes: Vec<Axis>) -> Self {
        Self { axes }
    }

    /// Variants in the grid (1 with no axes: the file as it is).
    pub fn len(&self) -> usize {
        self.axes
            .iter()
            .map(|a| a.values.len())
            .fold(1usize, usize::saturating_mul)
    }

    /// Never: a grid has at least one variant.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values of variant `i`, one per axis.
    pub fn values(&self, i: usize) -> Vec<&str> {
        let mut rest = i;
        let mut out = vec![""; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            let n = a.values.len().max(1);
            out[k] = a.values.get(rest % n).map_or("", String::as_str);
            rest /= n;
        }
        out
    }

    /// A variant's label: `FILE [key=value, ...]`.
    pub fn label(&self, file: &str, i: usize) -> String {
        let pairs: Vec<String> = self
            .axes
            .iter()
            .zip(self.values(i))
            .map(|(a, v)| format!("{}={v}", a.key))
            .collect();
        format!("{file} [variant {i}: {}]", pairs.join(", "))
    }
}

/// One of `count` parts of a grid, for an array job: shard `index`
/// (1-based) runs the variants `i` with `i mod count = index − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1 ≤ index ≤ count.
    pub index: usize,
    /// Parts in all.
    pub count: usize,
}

impl Shard {
    /// The whole grid.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N`.
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let bad = || SweepError::Shard {
            spec: spec.to_owned(),
        };
        let (k, n) = spec.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// The variant indices of this shard in a grid of `len`, ascending.
    pub fn indices(&self, len: usize) -> impl Iterator<Item = usize> + use<> {
        (self.index - 1..len).step_by(self.count.max(1))
    }
}

#[cfg(test)]
mod tests;
