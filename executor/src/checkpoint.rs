//! Training checkpoints: everything a run needs to continue exactly where it
//! stopped (step, parameters, AdamW moments, loss history, early-stopping
//! state), written atomically so a run killed mid-write leaves the previous
//! checkpoint intact.
//!
//! File format (little-endian): the magic `CIRRUSCK`, a `u32` format
//! version, a `u64` header length, the header as JSON, then the parameters,
//! first moments and second moments as raw `f32`, then a `u64` FNV-1a hash
//! of everything before it. The header's `fingerprint` names the run
//! (model, batch, seed, shares, optimiser); a checkpoint of another run is
//! refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ExecError;

/// The checkpoint format this build writes and reads.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"CIRRUSCK";
/// The checkpoint's file name inside the checkpoint directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.bin";

/// The state of a run after `step` completed optimizer steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The header: step, history, identity.
    pub header: CheckpointHeader,
    /// Parameters.
    pub params: Vec<f32>,
    /// AdamW first moments.
    pub m: Vec<f32>,
    /// AdamW second moments.
    pub v: Vec<f32>,
}

/// The JSON part of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointHeader {
    /// Optimizer steps completed.
    pub step: u64,
    /// Identity of the run (see [`crate::run::RunConfig::fingerprint`]).
    pub fingerprint: String,
    /// Training loss of every completed step, in order.
    pub losses: Vec<f32>,
    /// `(step, loss)` of every validation so far.
    pub val_losses: Vec<(u64, f32)>,
    /// Validations since the best one (early stopping).
    pub evals_since_best: u32,
}

fn fail(action: &'static str, path: &Path, reason: impl Into<String>) -> ExecError {
    ExecError::Checkpoint {
        action,
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

impl Checkpoint {
    /// The checkpoint file of directory `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(CHECKPOINT_FILE)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ExecError> {
        let header = serde_json::to_vec(&self.header).map_err(|e| ExecError::Checkpoint {
            action: "write",
            path: String::new(),
            reason: e.to_string(),
        })?;
        let floats = self.params.len() + self.m.len() + self.v.len();
        let mut out = Vec::with_capacity(28 + header.len() + 4 * floats);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&CHECKPOINT_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        for x in self.params.iter().chain(&self.m).chain(&self.v) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let hash = cirrus_sim::engine::content_hash(&out);
        out.extend_from_slice(&hash.to_le_bytes());
        Ok(out)
    }

    /// Parses a checkpoint of a model with `params` parameters.
    pub fn from_bytes(bytes: &[u8], params: usize, path: &Path) -> Result<Self, ExecError> {
        let bad = |why: String| fail("read", path, why);
        if bytes.len() < 28 || &bytes[..8] != MAGIC {
            return Err(bad("not a Cirrus checkpoint (bad magic)".into()));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        let stored = u64::from_le_bytes(tail.try_into().map_err(|_| bad("truncated".into()))?);
        if cirrus_sim::engine::content_hash(body) != stored {
            return Err(bad(
                "corrupt (hash mismatch); it was not written by a finished write".into(),
            ));
        }
        let version = u32::from_le_bytes(
            body[8..12]
                .try_into()
                .map_err(|_| bad("truncated".into()))?,
        );
        if version != CHECKPOINT_FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version}, this build reads {CHECKPOINT_FORMAT_VERSION}"
            )));
        }
        let hlen = u64::from_le_bytes(
            body[12..20]
                .try_into()
                .map_err(|_| bad("truncated".into()))?,
        );
        let hlen = usize::try_from(hlen).map_err(|_| bad("header too long".into()))?;
        let rest = &body[20..];
        if rest.len() < hlen || rest.len() - hlen != 12 * params {
            return Err(bad(format!(
                "holds {} bytes of tensors, a model of {params} parameters needs {}",
                rest.len().saturating_sub(hlen),
                12 * params
            )));
        }
        let header: CheckpointHeader =
            serde_json::from_slice(&rest[..hlen]).map_err(|e| bad(format!("header: {e}")))?;
        let mut floats = rest[hlen..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let mut take = |n: usize| floats.by_ref().take(n).collect::<Vec<f32>>();
        let (p, m, v) = (take(params), take(params), take(params));
        Ok(Checkpoint {
            header,
            params: p,
            m,
            v,
        })
    }

    /// Writes the checkpoint into `dir` atomically: a temporary file in the
    /// same directory, flushed to disk, then renamed over the old one.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, ExecError> {
        let path = Self::path_in(dir);
        let bytes = self.to_bytes()?;
        cirrus_sim::fsio::write_atomically(&path, &bytes)
            .map_err(|e| fail("write", &path, e.to_string()))?;
        Ok(path)
    }

    /// Reads the checkpoint of directory `dir` for a model of `params`
    /// parameters and a run of `steps` steps; `Ok(None)` when there is none
    /// yet. Reads no more than such a checkpoint can hold, and checks it
    /// with [`Checkpoint::validate`].
    pub fn load(dir: &Path, params: usize, steps: u64) -> Result<Option<Self>, ExecError> {
        let path = Self::path_in(dir);
        let limit = max_bytes(params, steps);
        let bytes = match cirrus_sim::fsio::read_limited(&path, limit, "checkpoint") {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail("read", &path, e.to_string())),
        };
        let ck = Self::from_bytes(&bytes, params, &path)?;
        ck.validate(steps, &path)?;
        Ok(Some(ck))
    }

    /// Checks what the hash cannot: a `step` within the run's `steps`, a
    /// loss for every step and a validation only at completed steps, in
    /// order, every loss, parameter and moment finite (second moments
    /// non-negative), the early-stopping count within the validations.
    pub fn validate(&self, steps: u64, path: &Path) -> Result<(), ExecError> {
        let bad = |field: &str, reason: String| ExecError::InvalidCheckpoint {
            path: path.display().to_string(),
            field: field.to_owned(),
            reason,
        };
        let h = &self.header;
        if h.step > steps {
            return Err(bad(
                "step",
                format!("is {}, beyond this run's {steps} steps", h.step),
            ));
        }
        if h.losses.len() as u64 != h.step {
            return Err(bad(
                "losses",
                format!(
                    "holds {} losses, but a checkpoint after step {} has one per step",
                    h.losses.len(),
                    h.step
                ),
            ));
        }
        if let Some(i) = h.losses.iter().position(|l| !l.is_finite()) {
            return Err(bad(
                &format!("losses[{i}]"),
                format!("is {}, not a finite loss", h.losses[i]),
            ));
        }
        let mut last = 0;
        for (i, &(step, loss)) in h.val_losses.iter().enumerate() {
            if step == 0 || step > h.step || step <= last {
                return Err(bad(
                    &format!("val_losses[{i}]"),
                    format!(
                        "is at step {step}; validations lie at completed steps (1..={}), ascending",
                        h.step
                    ),
                ));
            }
            if !loss.is_finite() {
                return Err(bad(
                    &format!("val_losses[{i}]"),
                    format!("is {loss}, not a finite loss"),
                ));
            }
            last = step;
        }
        if h.evals_since_best as usize > h.val_losses.len() {
            return Err(bad(
                "evals_since_best",
                format!(
                    "is {}, more than the {} validations",
                    h.evals_since_best,
                    h.val_losses.len()
                ),
            ));
        }
        for (field, xs) in [("params", &self.params), ("m", &self.m), ("v", &self.v)] {
            if let Some(i) = xs.iter().position(|x| !x.is_finite()) {
                return Err(bad(
                    &format!("{field}[{i}]"),
                    format!("is {}, not a finite number", xs[i]),
                ));
            }
        }
        if let Some(i) = self.v.iter().position(|&x| x < 0.0) {
            return Err(bad(
                &format!("v[{i}]"),
                format!("is {}, but second moments are never negative", self.v[i]),
            ));
        }
        Ok(())
    }
}

/// The most bytes a checkpoint of `params` parameters after at most
/// `steps` steps can take: the fixed parts, the three tensors, and a header
/// of at most 64 bytes per step (a loss and a validation each) beyond 64 KiB.
pub fn max_bytes(params: usize, steps: u64) -> u64 {
    (params as u64)
        .saturating_mul(12)
        .saturating_add(28 + (64 << 10))
        .saturating_add(steps.saturating_mul(64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            header: CheckpointHeader {
                step: 7,
                fingerprint: "run".into(),
                losses: vec![5.5, 5.0, 4.8, 4.5, 4.2, 4.1, 4.0],
                val_losses: vec![(5, 4.5)],
                evals_since_best: 1,
            },
            params: vec![1.0, -2.5, 3.25],
            m: vec![0.1, 0.2, 0.3],
            v: vec![f32::MIN_POSITIVE, 1e-30, 7.0],
        }
    }

    #[test]
    fn round_trips_bit_for_bit_and_replaces_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = sample();
        a.save(dir.path()).expect("save");
        let mut b = sample();
        b.header.step = 8;
        b.header.losses.push(3.9);
        b.params[0] = 9.0;
        b.save(dir.path()).expect("save again");
        let back = Checkpoint::load(dir.path(), 3, 10)
            .expect("load")
            .expect("present");
        assert_eq!(back, b);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [CHECKPOINT_FILE], "no temporary file is left");
    }

    #[test]
    fn refuses_corrupt_truncated_or_mismatched_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = sample().save(dir.path()).expect("save");
        let mut bytes = std::fs::read(&path).expect("read");
        let err = Checkpoint::from_bytes(&bytes, 4, &path).expect_err("wrong model size");
        assert!(err.to_string().contains("4 parameters"), "{err}");
        let last = bytes.len() - 12;
        bytes[last] ^= 1;
        let err = Checkpoint::from_bytes(&bytes, 3, &path).expect_err("flipped bit");
        assert!(err.to_string().contains("hash mismatch"), "{err}");
        let err = Checkpoint::from_bytes(&bytes[..10], 3, &path).expect_err("truncated");
        assert!(err.to_string().contains("magic"), "{err}");
        assert!(
            Checkpoint::load(&dir.path().join("none"), 3, 10)
                .expect("no dir")
                .is_none()
        );
    }

    /// A whole checkpoint (hash recomputed after an edit) that does not
    /// describe a state of the run: each edit is named by its field.
    #[test]
    fn validate_refuses_edited_checkpoints_naming_the_field() {
        let path = Path::new("ck/checkpoint.bin");
        assert!(sample().validate(10, path).is_ok());
        type Edit = fn(&mut Checkpoint);
        let cases: [(Edit, &str); 8] = [
            (
                |c| c.header.step = 11,
                "`step`: is 11, beyond this run's 10 steps",
            ),
            (
                |c| {
                    c.header.losses.pop();
                },
                "`losses`: holds 6 losses",
            ),
            (|c| c.header.losses[2] = f32::INFINITY, "`losses[2]`"),
            (
                |c| c.header.val_losses = vec![(9, 4.0)],
                "`val_losses[0]`: is at step 9",
            ),
            (|c| c.header.evals_since_best = 2, "`evals_since_best`"),
            (|c| c.params[1] = f32::NAN, "`params[1]`: is NaN"),
            (|c| c.m[0] = f32::NEG_INFINITY, "`m[0]`"),
            (|c| c.v[2] = -1.0, "`v[2]`: is -1, but second moments"),
        ];
        for (edit, expected) in cases {
            let mut c = sample();
            edit(&mut c);
            let err = c.validate(10, path).expect_err(expected);
            let text = err.to_string();
            assert!(
                text.contains("ck/checkpoint.bin") && text.contains(expected),
                "{text}"
            );
        }
    }

    /// `load` validates too, and reads no more than the model can need.
    #[test]
    fn load_validates_and_bounds_the_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = sample().save(dir.path()).expect("save");
        let err = Checkpoint::load(dir.path(), 3, 5).expect_err("step 7 of a 5-step run");
        assert!(err.to_string().contains("`step`"), "{err}");
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.resize(max_bytes(3, 10) as usize + 1, 0);
        std::fs::write(&path, &bytes).expect("write");
        let err = Checkpoint::load(dir.path(), 3, 10).expect_err("too large");
        assert!(
            err.to_string().contains("the limit for a checkpoint"),
            "{err}"
        );
    }
}
