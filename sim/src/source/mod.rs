//! Source files and their diagnostics, below every file format that reads
//! TOML (scenarios, device profiles): the [`Diagnostics`] a bad file
//! produces (every problem with file, line, column and key) and the
//! recovering reader that collects them. It imports no file format.

mod diag;
mod recover;

pub use diag::{Collector, Diagnostics, Problem};
pub use recover::read_as;
