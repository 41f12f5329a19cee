//! Cirrus simulator library.
pub mod catalogue;
pub mod estimate;
pub mod model;
pub mod parallelism;
pub mod result;
pub mod scenario;
pub mod suggest;
pub mod topology;
pub mod units;
