//! Integration tests of the dashboard: every screen drawn on ratatui's
//! `TestBackend` at 80×24 and 160×48 and compared with its snapshot; the
//! manual's key table (docs/commands/tui.md) checked against the help.

mod knobs;
mod readme;
mod screens;
