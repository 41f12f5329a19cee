//! Cirrus simulator library.
pub mod parallelism;
pub mod units;
