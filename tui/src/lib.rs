//! Cirrus tui (filled by a later issue).
