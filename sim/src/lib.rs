//! Cirrus simulator library.
pub mod parallelism;
pub mod topology;
pub mod units;
