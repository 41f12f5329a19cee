//! The scenario format as a JSON Schema (draft 2020-12), for editors'
//! completion and for checking files outside Cirrus (`cirrus schema`).
//!
//! It is derived from the raw structs of `raw.rs`: their doc comments are
//! the descriptions, and every field names the schema it takes in `raw/fields.rs` (a
//! field of a new key that does not say so does not compile, since
//! `toml::Spanned` has no schema), so a key cannot be added to the format
//! without appearing in the schema. The value lists (devices, presets,
//! topologies, policies, ...) are the validator's own (`names.rs`).
//!
//! ```text
//! raw.rs structs ──schemars──► schema (Option → nullable) ──drop null──► JSON Schema
//! ```
//!
//! TOML has no null, so the nullable alternatives schemars gives optional
//! keys are dropped: an optional key is one that is not `required`.

use serde_json::Value;

/// The scenario format's JSON Schema.
pub fn json_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<super::raw::RawScenario>();
    let mut value = schema.to_value();
    drop_null(&mut value);
    add_ranges(&mut value);
    value
}

/// Writes each ranged property's bounds ([`super::ranges`]) into its
/// schema: `minimum` (replacing an `exclusiveMinimum` of 0 when the range
/// starts above 0) and `maximum`.
fn add_ranges(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (name, prop) in props.iter_mut() {
                    let (Some(range), Value::Object(p)) = (super::ranges::of(name), prop) else {
                        continue;
                    };
                    if range.min > 0.0 {
                        p.remove("exclusiveMinimum");
                    }
                    if !p.contains_key("exclusiveMinimum") {
                        p.insert("minimum".to_owned(), range.min.into());
                    }
                    p.insert("maximum".to_owned(), range.max.into());
                }
            }
            map.values_mut().for_each(add_ranges);
        }
        Value::Array(items) => items.iter_mut().for_each(add_ranges),
        _ => {}
    }
}

/// [`json_schema()`] as pretty-printed text with a final newline: what `cirrus
/// schema` prints and `docs/scenario.schema.json` holds.
pub fn json_schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&json_schema()).expect("a JSON value always serialises");
    text.push('\n');
    text
}

/// Removes `null` from every `type` list, `enum` and `anyOf`, and
/// `"default": null`.
fn drop_null(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            if map.get("default").is_some_and(Value::is_null) {
                map.remove("default");
            }
            if let Some(Value::Array(any)) = map.get_mut("anyOf") {
                any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
                if any.len() == 1 {
                    let only = any.remove(0);
                    map.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            for child in map.values_mut() {
                drop_null(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_are_not_nullable_and_required_keys_are_listed() {
        let s = json_schema();
        let text = s.to_string();
        assert!(!text.contains("\"null\""), "{text}");
        let pool = &s["$defs"]["RawPool"];
        assert_eq!(
            pool["required"],
            serde_json::json!(["name", "device", "nodes"])
        );
        assert_eq!(pool["additionalProperties"], false);
        assert_eq!(pool["properties"]["nodes"]["minimum"], 1);
    }

    #[test]
    fn value_lists_are_the_validators() {
        let s = json_schema();
        let net = &s["$defs"]["RawNetwork"]["properties"]["topology"]["enum"];
        assert_eq!(
            net,
            &serde_json::json!(["fat-tree", "rail-optimized", "torus"])
        );
        let device = &s["$defs"]["RawPool"]["properties"]["device"]["anyOf"][0]["enum"];
        let ids: Vec<&str> = crate::catalogue::ids().collect();
        assert_eq!(device, &serde_json::json!(ids));
    }
}
