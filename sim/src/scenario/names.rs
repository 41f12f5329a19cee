//! The format's value lists (format 1 names and what each stands for): the
//! validators check against them and the JSON Schema lists them, so both
//! sit above this file and it imports neither.

use crate::model::Architecture;
use crate::scenario::domain::CollectiveAlgorithm;
use crate::topology::{Fabric, IntraNodeShape};

/// `collective_algorithm` values (format 1 names).
pub(in crate::scenario) const COLLECTIVE_ALGORITHMS: [(&str, CollectiveAlgorithm); 4] = [
    ("auto", CollectiveAlgorithm::Auto),
    ("ring", CollectiveAlgorithm::Ring),
    ("tree", CollectiveAlgorithm::Tree),
    ("hierarchical", CollectiveAlgorithm::Hierarchical),
];

/// An inline model's `arch` values (format 1 names).
pub(in crate::scenario) const ARCHITECTURES: [(&str, Architecture); 3] = [
    ("gpt", Architecture::Gpt),
    ("llama", Architecture::Llama),
    ("bert", Architecture::Bert),
];

/// An inline device's `intra_node_shape` values (format 1 names); `torus`
/// takes its dimensions from the pool's `torus_dims`.
pub(in crate::scenario) const INTRA_NODE_SHAPES: [(&str, Option<IntraNodeShape>); 6] = [
    ("nvswitch", Some(IntraNodeShape::NvSwitch)),
    ("cube-mesh", Some(IntraNodeShape::HybridCubeMesh)),
    ("fully-connected", Some(IntraNodeShape::FullyConnected)),
    ("pcie", Some(IntraNodeShape::Pcie)),
    ("torus", None),
    ("hypercube", Some(IntraNodeShape::Hypercube)),
];

/// `network.topology` values (format 1 names).
pub(in crate::scenario) const TOPOLOGIES: [(&str, Fabric); 3] = [
    ("fat-tree", Fabric::FatTree),
    ("rail-optimized", Fabric::RailOptimized),
    ("torus", Fabric::Torus),
];

/// Trace formats the cluster scheduler reads (format 1 names).
pub(in crate::scenario) const WORKLOAD_FORMATS: [(&str, ()); 7] = [
    ("gavel", ()),
    ("pollux", ()),
    ("alibaba-openb", ()),
    ("philly", ()),
    ("alibaba-pai", ()),
    ("helios", ()),
    ("synthetic", ()),
];

/// Scheduling policies of format 1, each with whether this build simulates
/// it (the others are reserved names, refused with a clear message).
pub(in crate::scenario) const POLICIES: [(&str, bool); 11] = [
    ("fifo", true),
    ("sjf", true),
    ("srtf", true),
    ("las", true),
    ("tiresias", true),
    ("max-min-fairness", true),
    ("finish-time-fairness", true),
    ("cost-aware", true),
    ("elastic", true),
    ("gavel", false),
    ("pollux", false),
];
