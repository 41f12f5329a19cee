//! Cirrus reports: CSV cost reports, sweep aggregation, SVG charts and
//! timeline traces, as pure functions of `cirrus-sim`'s result types.
//!
//! Empty in this build: it arrives with the reports issue.
