//! Cirrus dashboard: an interactive terminal interface (ratatui) to run,
//! watch and tweak what-if scenarios.
//!
//! Empty in this build: it arrives with the dashboard issue. It depends on
//! `cirrus-sim` for its types only.
