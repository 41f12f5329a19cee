//! Cirrus simulator library.
pub mod catalogue;
pub mod model;
pub mod parallelism;
pub mod scenario;
pub mod suggest;
pub mod topology;
pub mod units;
