//! The `cirrus` command-line program.
fn main() {}
