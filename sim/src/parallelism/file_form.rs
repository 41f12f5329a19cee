//! [`ParallelConfig`] in plan and result files: one flat table whose keys
//! are the mesh's axis keys (in [`Axis::ALL`] order), then the other fields,
//! then the axes' properties. Unknown and repeated keys are refused.

use super::{ParallelConfig, Recompute, Schedule};
use crate::mesh::{AXES, Axis, Mesh};
use crate::stages::StageEnds;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The keys after the axes', in file order.
pub(super) const OTHER: [&str; 8] = [
    "microbatch",
    "schedule",
    "virtual_stages",
    "first_stage_layers",
    "last_stage_layers",
    "recompute",
    "zero",
    "sequence_parallel",
];

/// Every key, in file order: the axes' ([`Axis::ALL`]), then [`OTHER`].
pub(super) const FIELDS: [&str; AXES + OTHER.len()] = {
    let mut out = [""; AXES + OTHER.len()];
    let mut i = 0;
    while i < AXES {
        out[i] = Axis::ALL[i].key();
        i += 1;
    }
    let mut j = 0;
    while j < OTHER.len() {
        out[AXES + j] = OTHER[j];
        j += 1;
    }
    out
};

impl Serialize for ParallelConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_struct("ParallelConfig", FIELDS.len())?;
        for a in Axis::ALL {
            let degree = self.mesh.degree(a);
            if a.listed_at(degree) {
                t.serialize_field(a.key(), &degree)?;
            } else {
                t.skip_field(a.key())?;
            }
        }
        t.serialize_field("microbatch", &self.microbatch)?;
        t.serialize_field("schedule", &self.schedule)?;
        t.serialize_field("virtual_stages", &self.virtual_stages)?;
        // Written only when set, so that plans without them read as before.
        let ends = self.mesh.stage_ends();
        for (key, layers) in [
            ("first_stage_layers", ends.first),
            ("last_stage_layers", ends.last),
        ] {
            match layers {
                Some(l) => t.serialize_field(key, &l)?,
                None => t.skip_field(key)?,
            }
        }
        t.serialize_field("recompute", &self.recompute)?;
        t.serialize_field("zero", &self.mesh.zero())?;
        t.serialize_field("sequence_parallel", &self.mesh.sequence_parallel())?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for ParallelConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("ParallelConfig", &FIELDS, FileForm)
    }
}

/// Reads the flat table.
struct FileForm;

/// The fields read so far.
#[derive(Default)]
struct Partial {
    degrees: [Option<u32>; AXES],
    microbatch: Option<u32>,
    schedule: Option<Schedule>,
    virtual_stages: Option<u32>,
    first_stage_layers: Option<u32>,
    last_stage_layers: Option<u32>,
    recompute: Option<Recompute>,
    zero: Option<u8>,
    sequence_parallel: Option<bool>,
}

/// A key of a parallelism table (scenario, plan or result file), refused
/// while it is read when it is none of [`super::KEYS`] (so the error's span and
/// key path name it).
pub struct Key(pub &'static str);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Reads a [`Key`].
struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parallelism key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        FIELDS
            .iter()
            .find(|k| **k == v)
            .map(|k| Key(k))
            .ok_or_else(|| E::unknown_field(v, &FIELDS))
    }
}

/// Stores `value` in `slot`, refusing a second one.
fn once<T, E: de::Error>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

/// The value of a required field.
fn given<T, E: de::Error>(slot: Option<T>, key: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(key))
}

impl<'de> Visitor<'de> for FileForm {
    type Value = ParallelConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct ParallelConfig")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParallelConfig, A::Error> {
        let mut p = Partial::default();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            if let Some(a) = Axis::ALL.into_iter().find(|a| a.key() == key) {
                let v = map.next_value()?;
                once(&mut p.degrees[a.index()], a.key(), v)?;
                continue;
            }
            match key {
                "microbatch" => once(&mut p.microbatch, "microbatch", map.next_value()?)?,
                "schedule" => once(&mut p.schedule, "schedule", map.next_value()?)?,
                "virtual_stages" => {
                    once(&mut p.virtual_stages, "virtual_stages", map.next_value()?)?;
                }
                "first_stage_layers" => once(
                    &mut p.first_stage_layers,
                    "first_stage_layers",
                    map.next_value()?,
                )?,
                "last_stage_layers" => once(
                    &mut p.last_stage_layers,
                    "last_stage_layers",
                    map.next_value()?,
                )?,
                "recompute" => once(&mut p.recompute, "recompute", map.next_value()?)?,
                "zero" => once(&mut p.zero, "zero", map.next_value()?)?,
                "sequence_parallel" => {
                    once(
                        &mut p.sequence_parallel,
                        "sequence_parallel",
                        map.next_value()?,
                    )?;
                }
                other => return Err(de::Error::unknown_field(other, &FIELDS)),
            }
        }
        let mut degrees = [0; AXES];
        for a in Axis::ALL {
            // An axis that files leave out at degree 1 may be missing.
            let unlisted = (!a.listed_at(1)).then_some(1);
            degrees[a.index()] = given(p.degrees[a.index()].or(unlisted), a.key())?;
        }
        Ok(ParallelConfig {
            mesh: Mesh::new(degrees)
                .with_zero(given(p.zero, "zero")?)
                .with_sequence_parallel(given(p.sequence_parallel, "sequence_parallel")?)
                .with_stage_ends(StageEnds {
                    first: p.first_stage_layers,
                    last: p.last_stage_layers,
                }),
            microbatch: given(p.microbatch, "microbatch")?,
            schedule: given(p.schedule, "schedule")?,
            virtual_stages: given(p.virtual_stages, "virtual_stages")?,
            recompute: given(p.recompute, "recompute")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ParallelConfig {
        ParallelConfig {
            mesh: Mesh::of(&[(Axis::Tp, 8), (Axis::Pp, 4), (Axis::Dp, 2)])
                .with_zero(1)
                .with_sequence_parallel(true),
            microbatch: 2,
            schedule: Schedule::Interleaved1F1B,
            virtual_stages: 3,
            recompute: Recompute::Selective,
        }
    }

    #[test]
    fn the_file_form_is_one_flat_table_in_key_order() {
        let text = serde_json::to_string(&config()).expect("encodes");
        assert_eq!(
            text,
            r#"{"tp":8,"pp":4,"dp":2,"microbatch":2,"schedule":"interleaved-1f1b","virtual_stages":3,"recompute":"selective","zero":1,"sequence_parallel":true}"#
        );
        let back: ParallelConfig = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back, config());
    }

    #[test]
    fn stage_ends_are_written_only_when_set() {
        let mut par = config();
        par.mesh = par.mesh.with_stage_ends(StageEnds {
            first: Some(7),
            last: None,
        });
        let text = serde_json::to_string(&par).expect("encodes");
        assert!(
            text.contains(r#""virtual_stages":3,"first_stage_layers":7,"recompute""#),
            "{text}"
        );
        let back: ParallelConfig = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back, par);
        let plain = serde_json::to_string(&config()).expect("encodes");
        assert!(!plain.contains("stage_layers"), "{plain}");
    }

    #[test]
    fn unknown_repeated_and_missing_keys_are_refused() {
        let text = serde_json::to_string(&config()).expect("encodes");
        let unknown = text.replace(r#""tp":8,"#, r#""tp":8,"cp":2,"#);
        let e = serde_json::from_str::<ParallelConfig>(&unknown).expect_err("refused");
        assert!(
            e.to_string()
                .starts_with("unknown field `cp`, expected one of `tp`, `pp`, `dp`, `microbatch`"),
            "{e}"
        );
        let twice = text.replace(r#""tp":8,"#, r#""tp":8,"tp":4,"#);
        let e = serde_json::from_str::<ParallelConfig>(&twice).expect_err("refused");
        assert!(e.to_string().starts_with("duplicate field `tp`"), "{e}");
        let missing = text.replace(r#""dp":2,"#, "");
        let e = serde_json::from_str::<ParallelConfig>(&missing).expect_err("refused");
        assert!(e.to_string().starts_with("missing field `dp`"), "{e}");
    }
}
