//! Cirrus reports (filled by a later issue).
