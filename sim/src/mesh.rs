//! The job's device mesh: one n-dimensional grid of devices with named
//! parallel axes (after JAX's `Mesh` and PyTorch's `DeviceMesh`). Each axis
//! has a degree; the axes' properties (sequence parallelism on the tensor
//! axis, the ZeRO stage on the data axis) travel with it; and one rank order
//! places the grid on the topology. Validation, memory, communication
//! groups, the planner's space, plans and the dashboard all read the axes
//! from here, so a new axis is one more [`Axis`] variant, its row in the
//! tables below, and its cost model.
//!
//! ```
//! use cirrus_sim::mesh::{Axis, Mesh};
//!
//! // Megatron's GPT-3 175B run: tp 8 · pp 8 · dp 16 on 1,024 GPUs.
//! let mesh = Mesh::of(&[(Axis::Tp, 8), (Axis::Pp, 8), (Axis::Dp, 16)]);
//! assert_eq!(mesh.devices(), 1024);
//! assert_eq!(mesh.replica_devices(), 64);
//! // Rank order tensor, data, pipeline: rank 8 is tensor rank 0 of replica 1.
//! assert_eq!(mesh.coords(8)[Axis::Dp.index()], 1);
//! assert_eq!(mesh.rank_at(&[(Axis::Dp, 1)]), 8);
//! // The tensor-parallel group of rank 8: the eight ranks beside it.
//! assert_eq!(mesh.group(Axis::Tp, 8).collect::<Vec<_>>(), (8..16).collect::<Vec<_>>());
//! assert_eq!(mesh.to_string(), "tp 8 · pp 8 · dp 16");
//! ```

use crate::stages::StageEnds;
use std::fmt;

/// One named axis of a job's device mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// Tensor parallelism: each layer's matrices split across the axis
    /// (Megatron-LM's intra-layer split), inside one node's fast links.
    Tp,
    /// Pipeline parallelism: the layers split into consecutive stages.
    Pp,
    /// Data parallelism: whole model replicas, each on its share of the
    /// batch, their gradients combined.
    Dp,
}

/// How many axes a mesh has.
pub const AXES: usize = 3;

impl Axis {
    /// Every axis, in the order scenario files, plan files and tables list
    /// them (and the order of a mesh's degrees).
    pub const ALL: [Axis; AXES] = [Axis::Tp, Axis::Pp, Axis::Dp];

    /// The axes from innermost (consecutive ranks, neighbouring devices) to
    /// outermost: Megatron-LM's order, tensor, then data, then pipeline, so a
    /// tensor group shares a node's NVLink and a data-parallel ring its
    /// nodes' NICs.
    pub const RANK_ORDER: [Axis; AXES] = [Axis::Tp, Axis::Dp, Axis::Pp];

    /// Position in [`Axis::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Axis::Tp => 0,
            Axis::Pp => 1,
            Axis::Dp => 2,
        }
    }

    /// The key in scenario and plan files (`tp`).
    pub const fn key(self) -> &'static str {
        match self {
            Axis::Tp => "tp",
            Axis::Pp => "pp",
            Axis::Dp => "dp",
        }
    }

    /// Its name in messages (`tensor parallelism`).
    pub const fn name(self) -> &'static str {
        match self {
            Axis::Tp => "tensor parallelism",
            Axis::Pp => "pipeline parallelism",
            Axis::Dp => "data parallelism",
        }
    }

    /// The axes that split one model replica, in [`Axis::ALL`] order.
    pub fn model_axes() -> impl Iterator<Item = Axis> {
        Axis::ALL.into_iter().filter(|a| a.splits_model())
    }

    /// The keys of `axes` joined by ` × ` (`tp × pp`), for messages about a
    /// product of degrees.
    pub fn product_of(axes: impl Iterator<Item = Axis>) -> String {
        axes.map(Axis::key).collect::<Vec<_>>().join(" × ")
    }

    /// What its degree counts, for labels (`tensor-parallel degree`).
    pub const fn what(self) -> &'static str {
        match self {
            Axis::Tp => "tensor-parallel degree",
            Axis::Pp => "pipeline stages",
            Axis::Dp => "data-parallel replicas",
        }
    }

    /// Its description in the scenario file's schema and reference.
    pub const fn doc(self) -> &'static str {
        match self {
            Axis::Tp => "Tensor-parallel degree, inside a node and dividing the heads.",
            Axis::Pp => {
                "Pipeline-parallel degree (stages). The layers split evenly, else as Megatron-LM splits them (see `first_stage_layers`)."
            }
            Axis::Dp => "Data-parallel degree. Default: the devices left by tp × pp.",
        }
    }

    /// The degree the schema shows as its example.
    pub const fn example(self) -> u32 {
        match self {
            Axis::Tp | Axis::Dp => 8,
            Axis::Pp => 16,
        }
    }

    /// Whether files and labels name this axis at `degree`. The first three
    /// axes always appear; any later one only away from degree 1, so that
    /// adding an axis leaves every existing output as it was.
    pub const fn listed_at(self, degree: u32) -> bool {
        matches!(self, Axis::Tp | Axis::Pp | Axis::Dp) || degree != 1
    }

    /// Whether the axis splits one model replica (model parallelism) rather
    /// than replicating it: a replica spans the product of these degrees.
    pub const fn splits_model(self) -> bool {
        !matches!(self, Axis::Dp)
    }

    /// Whether each of its groups must stay inside one node of a switched
    /// pool (a TPU torus has no node boundary to respect).
    pub const fn inside_node(self) -> bool {
        matches!(self, Axis::Tp)
    }

    /// Whether scenario and plan files may leave the degree out, and what it
    /// is then: `Some(1)`, or `None` for the axis that takes every device the
    /// others leave (data parallelism).
    pub const fn default_degree(self) -> Option<u32> {
        match self {
            Axis::Tp | Axis::Pp => Some(1),
            Axis::Dp => None,
        }
    }

    /// What of the model its degree must divide, as (count, noun): the
    /// attention heads for tensor parallelism. Pipeline stages split the
    /// layers by the rules of [`crate::stages`] (with the virtual stages).
    pub fn divides(self, model: ModelSizes) -> Option<(u32, &'static str)> {
        match self {
            Axis::Tp => Some((model.heads, "attention heads")),
            Axis::Pp | Axis::Dp => None,
        }
    }

    /// What is wrong with `degree` on this axis for `model`, if anything
    /// (`tp = 3 does not divide the model's 32 attention heads`): the one
    /// wording of the rule for scenarios and plans.
    pub fn division_problem(self, degree: u32, model: ModelSizes) -> Option<String> {
        let (count, noun) = self.divides(model)?;
        (degree == 0 || !count.is_multiple_of(degree)).then(|| {
            format!(
                "{} = {degree} does not divide the model's {count} {noun}",
                self.key()
            )
        })
    }

    /// The degrees the planner tries when the file leaves the axis `auto`,
    /// given the smallest node of the job's switched pools (`None`: only
    /// tori); `None` for the axis that takes the devices left over.
    pub fn candidates(self, model: ModelSizes, node_size: Option<u32>) -> Option<Vec<u32>> {
        match self {
            Axis::Tp => Some(
                divisors(node_size.unwrap_or(64).min(64))
                    .filter(|t| model.heads.is_multiple_of(*t))
                    .collect(),
            ),
            Axis::Pp => Some(divisors(model.layers).filter(|&p| p <= 128).collect()),
            Axis::Dp => None,
        }
    }
}

/// The sizes of a model that parallel axes split (`From<&TransformerSpec>`
/// in [`crate::model`]; the mesh sits below the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSizes {
    /// Attention heads.
    pub heads: u32,
    /// Transformer layers.
    pub layers: u32,
}

/// The divisors of `n`, ascending.
fn divisors(n: u32) -> impl Iterator<Item = u32> {
    (1..=n).filter(move |d| n.is_multiple_of(*d))
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A job's device mesh: a degree per axis (in [`Axis::ALL`] order) and the
/// properties of its axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mesh {
    degrees: [u32; AXES],
    /// Property of the data axis: the ZeRO stage 0..=3 (0: replicated
    /// optimizer state; 1 shards it, 2 the gradients too, 3 the weights).
    zero: u8,
    /// Property of the tensor axis: Megatron sequence parallelism in the
    /// regions tensor parallelism leaves replicated.
    sequence_parallel: bool,
    /// Property of the pipeline axis: the first and last stages' layers
    /// when set (see [`crate::stages`]).
    stage_ends: StageEnds,
}

impl Mesh {
    /// A mesh of these degrees (in [`Axis::ALL`] order), ZeRO stage 0,
    /// without sequence parallelism.
    pub const fn new(degrees: [u32; AXES]) -> Self {
        Self {
            degrees,
            zero: 0,
            sequence_parallel: false,
            stage_ends: StageEnds {
                first: None,
                last: None,
            },
        }
    }

    /// A mesh of the named degrees (an axis not named is at 1), ZeRO stage
    /// 0, without sequence parallelism.
    pub fn of(degrees: &[(Axis, u32)]) -> Self {
        degrees
            .iter()
            .fold(Self::new([1; AXES]), |m, &(a, d)| m.with_degree(a, d))
    }

    /// The same mesh with ZeRO stage `zero` on its data axis.
    pub const fn with_zero(mut self, zero: u8) -> Self {
        self.zero = zero;
        self
    }

    /// The same mesh with sequence parallelism on its tensor axis or not.
    pub const fn with_sequence_parallel(mut self, on: bool) -> Self {
        self.sequence_parallel = on;
        self
    }

    /// The same mesh with these layers on its first and last pipeline
    /// stages.
    pub const fn with_stage_ends(mut self, ends: StageEnds) -> Self {
        self.stage_ends = ends;
        self
    }

    /// The first and last pipeline stages' layers, where set.
    pub const fn stage_ends(&self) -> StageEnds {
        self.stage_ends
    }

    /// The same mesh with `axis` at degree `degree`.
    pub const fn with_degree(mut self, axis: Axis, degree: u32) -> Self {
        self.degrees[axis.index()] = degree;
        self
    }

    /// The part of the mesh that holds `replicas` of its replicas (one
    /// pool's share of the data axis), saturating at `u32::MAX`.
    pub fn with_replicas(self, replicas: u64) -> Self {
        self.with_degree(Axis::Dp, u32::try_from(replicas).unwrap_or(u32::MAX))
    }

    /// How many ranks apart neighbours along `axis` are: the product of the
    /// degrees of the axes inside it in [`Axis::RANK_ORDER`].
    pub fn stride(&self, axis: Axis) -> u64 {
        Axis::RANK_ORDER
            .iter()
            .take_while(|&&a| a != axis)
            .map(|&a| u64::from(self.degree(a).max(1)))
            .product()
    }

    /// The degrees, in [`Axis::ALL`] order.
    pub const fn degrees(&self) -> [u32; AXES] {
        self.degrees
    }

    /// The degree of `axis`.
    pub const fn degree(&self, axis: Axis) -> u32 {
        self.degrees[axis.index()]
    }

    /// Tensor-parallel degree.
    pub const fn tp(&self) -> u32 {
        self.degree(Axis::Tp)
    }

    /// Pipeline-parallel degree (stages).
    pub const fn pp(&self) -> u32 {
        self.degree(Axis::Pp)
    }

    /// Data-parallel degree (replicas).
    pub const fn dp(&self) -> u32 {
        self.degree(Axis::Dp)
    }

    /// The data axis's ZeRO stage.
    pub const fn zero(&self) -> u8 {
        self.zero
    }

    /// Whether the tensor axis runs sequence parallelism.
    pub const fn sequence_parallel(&self) -> bool {
        self.sequence_parallel
    }

    /// Devices the mesh occupies: the product of its degrees.
    pub fn devices(&self) -> u64 {
        self.degrees.iter().map(|&d| u64::from(d)).product()
    }

    /// Devices of one model replica: the product of the degrees of the
    /// axes that split the model.
    pub fn replica_devices(&self) -> u64 {
        Axis::model_axes()
            .map(|a| u64::from(self.degree(a)))
            .product()
    }

    /// The coordinates (in [`Axis::ALL`] order) of `rank` under
    /// [`Axis::RANK_ORDER`]. A degree of 0 counts as 1.
    pub fn coords(&self, rank: u64) -> [u32; AXES] {
        let mut out = [0; AXES];
        let mut rest = rank;
        for a in Axis::RANK_ORDER {
            let d = u64::from(self.degree(a).max(1));
            out[a.index()] = u32::try_from(rest % d).unwrap_or(u32::MAX);
            rest /= d;
        }
        out
    }

    /// The rank at `coords` (in [`Axis::ALL`] order) under
    /// [`Axis::RANK_ORDER`]; the inverse of [`Mesh::coords`].
    pub fn rank(&self, coords: [u32; AXES]) -> u64 {
        Axis::RANK_ORDER.iter().rev().fold(0, |acc, &a| {
            acc * u64::from(self.degree(a).max(1)) + u64::from(coords[a.index()])
        })
    }

    /// The rank at these coordinates (an axis not named is at 0).
    pub fn rank_at(&self, at: &[(Axis, u32)]) -> u64 {
        let mut coords = [0; AXES];
        for &(a, i) in at {
            coords[a.index()] = i;
        }
        self.rank(coords)
    }

    /// The ranks of `rank`'s group along `axis` (those differing from it
    /// only in that coordinate), ascending along the axis.
    pub fn group(&self, axis: Axis, rank: u64) -> impl Iterator<Item = u64> + '_ {
        let at = self.coords(rank);
        (0..self.degree(axis).max(1)).map(move |i| {
            let mut c = at;
            c[axis.index()] = i;
            self.rank(c)
        })
    }
}

impl Mesh {
    /// Each listed axis's key and degree ([`Axis::listed_at`]), `gap`
    /// between them and `sep` between axes: `label(" ", "")` is
    /// `tp8 pp8 dp16`.
    pub fn label(&self, sep: &str, gap: &str) -> String {
        Axis::ALL
            .iter()
            .filter(|&&a| a.listed_at(self.degree(a)))
            .map(|&a| format!("{}{gap}{}", a.key(), self.degree(a)))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

impl fmt::Display for Mesh {
    /// `tp 8 · pp 8 · dp 16`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(" · ", " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_axis_is_listed_once_in_each_order() {
        for (i, a) in Axis::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
            assert_eq!(Axis::RANK_ORDER.iter().filter(|b| *b == a).count(), 1);
        }
    }

    #[test]
    fn ranks_follow_tensor_data_pipeline() {
        // Megatron: rank = tp_rank + tp·(dp_rank + dp·pp_rank).
        let m = Mesh::of(&[(Axis::Tp, 4), (Axis::Pp, 3), (Axis::Dp, 2)]);
        for rank in 0..m.devices() {
            let c = m.coords(rank);
            let at = |a: Axis| u64::from(c[a.index()]);
            let (t, p, d) = (at(Axis::Tp), at(Axis::Pp), at(Axis::Dp));
            assert_eq!(rank, t + 4 * (d + 2 * p));
            assert_eq!(m.rank(c), rank);
            let named = Axis::ALL.map(|a| (a, c[a.index()]));
            assert_eq!(m.rank_at(&named), rank);
        }
    }

    #[test]
    fn groups_partition_the_mesh_along_each_axis() {
        let m = Mesh::of(&[(Axis::Tp, 2), (Axis::Pp, 3), (Axis::Dp, 4)]);
        for a in Axis::ALL {
            let mut seen = vec![0u32; m.devices() as usize];
            for rank in 0..m.devices() {
                let g: Vec<u64> = m.group(a, rank).collect();
                assert_eq!(g.len() as u32, m.degree(a));
                assert!(g.contains(&rank));
                if g[0] == rank {
                    for r in g {
                        seen[r as usize] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "{a}: {seen:?}");
        }
    }

    #[test]
    fn a_replica_spans_the_model_splitting_axes() {
        let m = Mesh::of(&[(Axis::Tp, 8), (Axis::Pp, 4), (Axis::Dp, 16)])
            .with_zero(1)
            .with_sequence_parallel(true);
        assert_eq!(m.replica_devices(), 32);
        assert_eq!(m.devices(), 512);
        assert_eq!((m.zero(), m.sequence_parallel()), (1, true));
        assert_eq!(m.with_degree(Axis::Dp, 2).devices(), 64);
        assert_eq!(m.with_replicas(3).dp(), 3);
        // Tensor, data, pipeline: stages are tp · dp ranks apart.
        assert_eq!(
            [Axis::Tp, Axis::Dp, Axis::Pp].map(|a| m.stride(a)),
            [1, 8, 128]
        );
    }
}
