//! Cirrus simulator library.
pub mod catalogue;
pub mod parallelism;
pub mod units;
