//! Cirrus executor (filled by a later issue).
