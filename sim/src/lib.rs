//! Cirrus simulator library.
pub mod model;
pub mod parallelism;
pub mod units;
