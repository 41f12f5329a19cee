//! The identity line a sweep CSV starts with, so that `merge` can tell
//! shards of one sweep from shards of another:
//!
//! ```text
//! # cirrus-sweep v1 scenario=<hash> grid=<hash> model=<event|analytic> seed=<N|scenario> [shard=K/N]
//! ```
//!
//! `scenario` is the FNV-1a hash of the scenario file's bytes, `grid` that
//! of the `--vary` keys and values in order; `shard` is present only in a
//! shard's file (a merged file is byte for byte the unsharded one).

use cirrus_sim::sweep::{Axis, content_hash};

/// The format name and version the identity line starts with.
pub const FORMAT: &str = "# cirrus-sweep v1";

/// What makes two sweep CSVs parts of one sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The identity's fields, in order: scenario, grid, model, seed.
    fields: [(&'static str, String); 4],
}

impl Identity {
    /// The identity of a sweep of `scenario_text` over `axes` with step
    /// model `model` and seed `seed` (`None`: the scenario's own).
    pub fn new(scenario_text: &str, axes: &[Axis], model: &str, seed: Option<u64>) -> Self {
        let mut grid = Vec::new();
        for a in axes {
            grid.extend_from_slice(a.key.as_bytes());
            grid.push(0x1e);
            for v in &a.values {
                grid.extend_from_slice(v.as_bytes());
                grid.push(0x1f);
            }
            grid.push(0x1d);
        }
        Identity {
            fields: [
                (
                    "scenario",
                    format!("{:016x}", content_hash(scenario_text.as_bytes())),
                ),
                ("grid", format!("{:016x}", content_hash(&grid))),
                ("model", model.to_owned()),
                (
                    "seed",
                    seed.map_or("scenario".to_owned(), |s| s.to_string()),
                ),
            ],
        }
    }

    /// The line (without its newline), with `shard` `(K, N)` for a shard.
    pub fn line(&self, shard: Option<(usize, usize)>) -> String {
        let mut out = FORMAT.to_owned();
        for (k, v) in &self.fields {
            out.push_str(&format!(" {k}={v}"));
        }
        if let Some((k, n)) = shard {
            out.push_str(&format!(" shard={k}/{n}"));
        }
        out
    }

    /// Reads an identity line: the identity and the shard, if any.
    pub fn parse(line: &str) -> Result<(Self, Option<(usize, usize)>), String> {
        let missing = || {
            format!(
                "expected the sweep's identity line `{FORMAT} scenario=... grid=... model=... seed=...` \
                 (written by `cirrus sweep --csv`; a file of an older cirrus or edited by hand? run its shard again)"
            )
        };
        let rest = line
            .trim_end_matches('\r')
            .strip_prefix(FORMAT)
            .ok_or_else(missing)?;
        let mut fields: [(&'static str, Option<String>); 4] = [
            ("scenario", None),
            ("grid", None),
            ("model", None),
            ("seed", None),
        ];
        let mut shard = None;
        for word in rest.split_whitespace() {
            let (k, v) = word.split_once('=').ok_or_else(missing)?;
            if k == "shard" {
                let (a, b) = v.split_once('/').ok_or_else(missing)?;
                shard = Some((
                    a.parse().map_err(|_| missing())?,
                    b.parse().map_err(|_| missing())?,
                ));
            } else if let Some(slot) = fields.iter_mut().find(|(name, _)| *name == k) {
                slot.1 = Some(v.to_owned());
            } else {
                return Err(missing());
            }
        }
        let mut out: [(&'static str, String); 4] = Default::default();
        for (o, (name, v)) in out.iter_mut().zip(fields) {
            *o = (name, v.ok_or_else(missing)?);
        }
        Ok((Identity { fields: out }, shard))
    }

    /// The first field in which `self` and `other` differ, with both
    /// values: `(name, mine, theirs)`.
    pub fn difference<'a>(
        &'a self,
        other: &'a Identity,
    ) -> Option<(&'static str, &'a str, &'a str)> {
        self.fields
            .iter()
            .zip(&other.fields)
            .find(|(a, b)| a.1 != b.1)
            .map(|(a, b)| (a.0, a.1.as_str(), b.1.as_str()))
    }
}
