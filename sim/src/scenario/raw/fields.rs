//! The schemas of the raw structs' fields: schema-only types each field of
//! [`super`] names (`#[schemars(with = ...)]`), built from the value lists
//! the validators check against ([`crate::scenario::names`]).

use crate::parallelism::{Precision, Schedule};
use crate::scenario::names::{
    ARCHITECTURES, COLLECTIVE_ALGORITHMS, INTRA_NODE_SHAPES, POLICIES, TOPOLOGIES, WORKLOAD_FORMATS,
};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

/// A string that must be one of `values`.
fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Schema {
    let values: Vec<&str> = values.into_iter().collect();
    json_schema!({ "type": "string", "enum": values })
}

/// Declares a schema-only type: `$name` stands for the JSON Schema `$body`
/// builds (with the generator in scope as `$g`), inlined where used.
macro_rules! schema_type {
    ($(#[$doc:meta])* $name:ident, |$g:ident| $body:expr) => {
        $(#[$doc])*
        pub(super) struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema($g: &mut SchemaGenerator) -> Schema {
                $body
            }
        }
    };
}

schema_type!(
    /// A number above 0.
    PositiveNumber,
    |_g| json_schema!({ "type": "number", "exclusiveMinimum": 0 })
);
schema_type!(
    /// A catalogue device id (`cirrus catalogue`).
    CatalogueId,
    |_g| string_enum(crate::catalogue::ids())
);
schema_type!(
    /// A model preset id.
    PresetId,
    |_g| string_enum(crate::model::preset_ids().iter().copied())
);
schema_type!(
    /// A pool's device: a catalogue id or an inline table.
    DeviceField,
    |g| json_schema!({
        "anyOf": [g.subschema_for::<CatalogueId>(), g.subschema_for::<super::RawDevice>()]
    })
);
schema_type!(
    /// A job's model: a preset id or an inline table.
    ModelField,
    |g| json_schema!({
        "anyOf": [g.subschema_for::<PresetId>(), g.subschema_for::<super::RawModel>()]
    })
);
schema_type!(
    /// A job's parallelism: `"auto"` or a table.
    ParallelismField,
    |g| json_schema!({
        "anyOf": [{ "const": "auto" }, g.subschema_for::<super::RawParallelism>()]
    })
);
schema_type!(
    /// A degree (tp, pp, dp, microbatch, virtual_stages): a positive integer or `"auto"`.
    DegreeOrAuto,
    |_g| json_schema!({
        "anyOf": [{ "type": "integer", "minimum": 1, "maximum": u32::MAX }, { "const": "auto" }]
    })
);
schema_type!(
    /// A ZeRO stage, 0 to 3, or `"auto"`.
    ZeroOrAuto,
    |_g| json_schema!({
        "anyOf": [{ "type": "integer", "minimum": 0, "maximum": 3 }, { "const": "auto" }]
    })
);
schema_type!(
    /// A pipeline schedule or `"auto"`.
    ScheduleOrAuto,
    |_g| string_enum(Schedule::ALL.iter().map(|s| s.as_str()).chain(["auto"]))
);
schema_type!(
    /// A recompute mode or `"auto"`.
    RecomputeOrAuto,
    |_g| string_enum(
        crate::parallelism::Recompute::ALL
            .iter()
            .map(|r| r.as_str())
            .chain(["auto"])
    )
);
schema_type!(
    /// `true`, `false` or `"auto"`.
    BoolOrAuto,
    |_g| json_schema!({ "anyOf": [{ "type": "boolean" }, { "const": "auto" }] })
);
schema_type!(
    /// A numeric precision.
    PrecisionName,
    |_g| string_enum(Precision::ALL.iter().map(|p| p.as_str()))
);
schema_type!(
    /// A fabric topology.
    TopologyName,
    |_g| string_enum(TOPOLOGIES.iter().map(|(n, _)| *n))
);
schema_type!(
    /// A data-parallel all-reduce algorithm.
    CollectiveName,
    |_g| string_enum(COLLECTIVE_ALGORITHMS.iter().map(|(n, _)| *n))
);
schema_type!(
    /// An intra-node interconnect shape.
    IntraShapeName,
    |_g| string_enum(INTRA_NODE_SHAPES.iter().map(|(n, _)| *n))
);
schema_type!(
    /// A model architecture.
    ArchName,
    |_g| string_enum(ARCHITECTURES.iter().map(|(n, _)| *n))
);
schema_type!(
    /// A workload format.
    WorkloadFormatName,
    |_g| string_enum(WORKLOAD_FORMATS.iter().map(|(n, _)| *n))
);
schema_type!(
    /// A scheduling policy.
    PolicyName,
    |_g| string_enum(POLICIES.iter().map(|(n, _)| *n))
);
