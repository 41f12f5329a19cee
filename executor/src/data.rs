//! The training data for the executor's byte-level language model.
//!
//! The corpus is the Book of Genesis from the King James Version of the
//! Bible (public domain; see `executor/data/SOURCE.md`), embedded in the
//! binary as [`CORPUS`]. Tokens are bytes (vocabulary [`VOCAB`] = 256) as
//! `u32`. A [`Dataset`] splits the bytes deterministically into a training
//! part and a validation part (the last tenth by default) and draws
//! [`Batch`]es of `(input, target)` windows, the target being the input
//! shifted by one byte.
//!
//! A batch depends only on the dataset's seed and the step number: the
//! window starts are drawn from a `ChaCha8Rng` keyed by (seed, step, split),
//! with no state carried between calls, so a resumed run continues at step
//! `N` exactly. [`shard`] then splits a global batch's rows among workers in
//! proportion to their shares (the plan's `batch_share`).
//!
//! ```
//! use cirrus_executor::data::{Dataset, shard};
//!
//! let data = Dataset::embedded(7)?;
//! let b = data.batch(3, 8, 32)?;
//! assert_eq!(b.inputs.len(), 8 * 32);
//! assert_eq!(b.inputs[1..32], b.targets[..31]);
//! let parts = shard(&b, &[0.5, 0.25, 0.25])?;
//! assert_eq!(parts.iter().map(|p| p.rows).collect::<Vec<_>>(), [4, 2, 2]);
//! # Ok::<(), cirrus_executor::ExecError>(())
//! ```

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ExecError;

/// The most bytes a training corpus file may hold.
pub const MAX_CORPUS_BYTES: u64 = 256 << 20;

/// The embedded corpus: KJV Genesis as plain ASCII text (see
/// `executor/data/SOURCE.md`).
pub const CORPUS: &[u8] = include_bytes!("../data/kjv-genesis.txt");

/// Vocabulary size of the byte-level model: one token per byte value.
pub const VOCAB: usize = 256;

/// Default fraction of the corpus (taken from its end) held out for
/// validation.
pub const VALID_FRACTION: f64 = 0.1;

/// Which part of the corpus a batch is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// The training part (the beginning of the corpus).
    Train,
    /// The validation part (the end of the corpus).
    Valid,
}

/// A batch of token windows, row-major: row `r` is
/// `inputs[r * seq..(r + 1) * seq]`, and `targets[i]` is the token that
/// follows `inputs[i]` in the corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Number of rows (sequences).
    pub rows: usize,
    /// Tokens per row.
    pub seq: usize,
    /// Input tokens, `rows * seq` of them, each below [`VOCAB`].
    pub inputs: Vec<u32>,
    /// Target tokens: each input's next byte, `rows * seq` of them.
    pub targets: Vec<u32>,
}

/// A byte corpus split into training and validation parts, with a seed
/// for drawing batches.
#[derive(Clone, Debug)]
pub struct Dataset {
    train: Vec<u8>,
    valid: Vec<u8>,
    seed: u64,
}

impl Dataset {
    /// Splits `bytes` so that the last `floor(len * valid_fraction)` bytes
    /// are the validation part and the rest the training part.
    ///
    /// # Errors
    ///
    /// [`ExecError::InvalidInput`] if `valid_fraction` is not in `[0, 1)`
    /// or the training part would be empty.
    pub fn new(bytes: &[u8], valid_fraction: f64, seed: u64) -> Result<Self, ExecError> {
        if !(0.0..1.0).contains(&valid_fraction) {
            return Err(invalid(format!(
                "validation fraction {valid_fraction} is not in [0, 1)"
            )));
        }
        // Truncation is the documented floor; the product is below len.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let n_valid = (bytes.len() as f64 * valid_fraction).floor() as usize;
        let n_train = bytes.len() - n_valid.min(bytes.len());
        if n_train == 0 {
            return Err(invalid("the training part is empty".to_string()));
        }
        let (train, valid) = bytes.split_at(n_train);
        Ok(Self {
            train: train.to_vec(),
            valid: valid.to_vec(),
            seed,
        })
    }

    /// The embedded [`CORPUS`] split with [`VALID_FRACTION`].
    ///
    /// # Errors
    ///
    /// None in practice; the signature matches [`Dataset::new`].
    pub fn embedded(seed: u64) -> Result<Self, ExecError> {
        Self::new(CORPUS, VALID_FRACTION, seed)
    }

    /// Reads a corpus from `path` and splits it as [`Dataset::new`] does.
    ///
    /// # Errors
    ///
    /// [`ExecError::InvalidInput`] if the file cannot be read, or as
    /// [`Dataset::new`].
    pub fn from_path(
        path: &std::path::Path,
        valid_fraction: f64,
        seed: u64,
    ) -> Result<Self, ExecError> {
        let bytes = cirrus_sim::fsio::read_limited(path, MAX_CORPUS_BYTES, "corpus")
            .map_err(|e| invalid(format!("read corpus {}: {e}", path.display())))?;
        Self::new(&bytes, valid_fraction, seed)
    }

    /// The seed batches are drawn from.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The training part's bytes.
    #[must_use]
    pub fn train(&self) -> &[u8] {
        &self.train
    }

    /// The validation part's bytes.
    #[must_use]
    pub fn valid(&self) -> &[u8] {
        &self.valid
    }

    /// The training batch for `step`: `rows` windows of `seq` tokens with
    /// their targets. Depends only on the seed and `step`.
    ///
    /// # Errors
    ///
    /// As [`Dataset::batch_from`].
    pub fn batch(&self, step: u64, rows: usize, seq: usize) -> Result<Batch, ExecError> {
        self.batch_from(Split::Train, step, rows, seq)
    }

    /// The batch for `step` from `split`. Each row's start is drawn
    /// uniformly from the positions where `seq + 1` bytes fit, by a
    /// `ChaCha8Rng` whose key is the seed, `step` and `split`.
    ///
    /// # Errors
    ///
    /// [`ExecError::InvalidInput`] if `rows` or `seq` is zero or the part
    /// is shorter than `seq + 1` bytes.
    pub fn batch_from(
        &self,
        split: Split,
        step: u64,
        rows: usize,
        seq: usize,
    ) -> Result<Batch, ExecError> {
        let part = match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
        };
        if rows == 0 || seq == 0 {
            return Err(invalid(format!("batch of {rows} rows of {seq} tokens")));
        }
        if part.len() < seq + 1 {
            return Err(invalid(format!(
                "{split:?} part has {} bytes, fewer than seq + 1 = {}",
                part.len(),
                seq + 1
            )));
        }
        let mut rng = ChaCha8Rng::from_seed(key(self.seed, step, split));
        let last_start = part.len() - seq - 1;
        let mut inputs = Vec::with_capacity(rows * seq);
        let mut targets = Vec::with_capacity(rows * seq);
        for _ in 0..rows {
            let start = rng.random_range(0..=last_start);
            let window = &part[start..=start + seq];
            inputs.extend(window[..seq].iter().map(|&b| u32::from(b)));
            targets.extend(window[1..].iter().map(|&b| u32::from(b)));
        }
        Ok(Batch {
            rows,
            seq,
            inputs,
            targets,
        })
    }
}

/// The ChaCha key for (seed, step, split): seed and step little-endian in
/// the first 16 bytes, the split in byte 16, the rest zero.
fn key(seed: u64, step: u64, split: Split) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&seed.to_le_bytes());
    k[8..16].copy_from_slice(&step.to_le_bytes());
    k[16] = match split {
        Split::Train => 0,
        Split::Valid => 1,
    };
    k
}

/// How many of `rows` rows each worker gets for `shares`: proportional,
/// rounded by largest remainder (floors first, then one more row to the
/// largest fractional parts, ties to the lower index). The counts sum to
/// `rows`, and each is within one row of its exact quota.
///
/// # Errors
///
/// [`ExecError::InvalidInput`] if `shares` is empty, has a negative or
/// non-finite entry, or sums to zero.
pub fn shard_counts(rows: usize, shares: &[f64]) -> Result<Vec<usize>, ExecError> {
    if shares.is_empty() {
        return Err(invalid("no shares".to_string()));
    }
    if shares.iter().any(|s| !s.is_finite() || *s < 0.0) {
        return Err(invalid(format!(
            "shares {shares:?} must be finite and >= 0"
        )));
    }
    let total: f64 = shares.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Err(invalid(format!("shares {shares:?} sum to {total}")));
    }
    #[allow(clippy::cast_precision_loss)]
    let quotas: Vec<f64> = shares.iter().map(|s| rows as f64 * s / total).collect();
    // Floors never exceed the quota, and quota <= rows.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut counts: Vec<usize> = quotas
        .iter()
        .map(|q| (q.floor() as usize).min(rows))
        .collect();
    let assigned: usize = counts.iter().sum();
    let mut left = rows.saturating_sub(assigned);
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = quotas[a] - quotas[a].floor();
        let fb = quotas[b] - quotas[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    // Rounding can leave more than one pass's worth in degenerate cases;
    // cycle until every row is assigned.
    while left > 0 {
        for &i in &order {
            if left == 0 {
                break;
            }
            if shares[i] > 0.0 {
                counts[i] += 1;
                left -= 1;
            }
        }
    }
    Ok(counts)
}

/// Splits a global batch's rows among workers in proportion to `shares`
/// (see [`shard_counts`]): worker `i` gets the next `counts[i]` rows, in
/// order, so every row goes to exactly one worker. A worker may get zero
/// rows.
///
/// # Errors
///
/// As [`shard_counts`].
pub fn shard(batch: &Batch, shares: &[f64]) -> Result<Vec<Batch>, ExecError> {
    let counts = shard_counts(batch.rows, shares)?;
    let mut row = 0;
    Ok(counts
        .into_iter()
        .map(|n| {
            let range = row * batch.seq..(row + n) * batch.seq;
            row += n;
            Batch {
                rows: n,
                seq: batch.seq,
                inputs: batch.inputs[range.clone()].to_vec(),
                targets: batch.targets[range].to_vec(),
            }
        })
        .collect())
}

fn invalid(reason: String) -> ExecError {
    ExecError::InvalidInput {
        kernel: "data",
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_nonempty_ascii_text() {
        assert!(CORPUS.len() > 100_000 && CORPUS.len() < 300_000);
        assert!(CORPUS.is_ascii());
        let text = std::str::from_utf8(CORPUS).expect("valid");
        assert!(text.contains("In the beginning God created the heaven and the earth."));
    }

    #[test]
    fn split_sizes() {
        let d = Dataset::embedded(0).expect("valid");
        assert_eq!(d.valid().len(), CORPUS.len() / 10);
        assert_eq!(d.train().len() + d.valid().len(), CORPUS.len());
        assert_eq!([d.train(), d.valid()].concat(), CORPUS);
        let d = Dataset::new(&[1; 25], 0.1, 0).expect("valid");
        assert_eq!((d.train().len(), d.valid().len()), (23, 2));
        assert!(Dataset::new(&[], 0.1, 0).is_err());
        assert!(Dataset::new(&[1; 4], 1.0, 0).is_err());
        assert!(Dataset::new(&[1; 4], f64::NAN, 0).is_err());
    }

    #[test]
    fn targets_are_inputs_shifted_by_one() {
        let d = Dataset::embedded(3).expect("valid");
        for split in [Split::Train, Split::Valid] {
            let b = d.batch_from(split, 5, 6, 64).expect("valid");
            let part = match split {
                Split::Train => d.train(),
                Split::Valid => d.valid(),
            };
            assert_eq!(b.inputs.len(), 6 * 64);
            assert_eq!(b.targets.len(), 6 * 64);
            for r in 0..b.rows {
                let inp = &b.inputs[r * 64..(r + 1) * 64];
                let tgt = &b.targets[r * 64..(r + 1) * 64];
                assert_eq!(inp[1..], tgt[..63]);
                assert!(inp.iter().chain(tgt).all(|&t| (t as usize) < VOCAB));
                // The window occurs in its part of the corpus.
                let bytes: Vec<u8> = inp.iter().chain(&tgt[63..]).map(|&t| t as u8).collect();
                assert!(part.windows(65).any(|w| w == bytes.as_slice()));
            }
        }
    }

    #[test]
    fn same_seed_and_step_same_batch_different_steps_differ() {
        let a = Dataset::embedded(11).expect("valid");
        let b = Dataset::embedded(11).expect("valid");
        assert_eq!(
            a.batch(4, 8, 32).expect("valid"),
            b.batch(4, 8, 32).expect("valid")
        );
        assert_ne!(
            a.batch(4, 8, 32).expect("valid"),
            a.batch(5, 8, 32).expect("valid")
        );
        let c = Dataset::embedded(12).expect("valid");
        assert_ne!(
            a.batch(4, 8, 32).expect("valid"),
            c.batch(4, 8, 32).expect("valid")
        );
        assert_ne!(
            a.batch_from(Split::Train, 4, 8, 32).expect("valid"),
            a.batch_from(Split::Valid, 4, 8, 32).expect("valid")
        );
    }

    #[test]
    fn batch_is_independent_of_call_order() {
        let d = Dataset::embedded(9).expect("valid");
        let forward: Vec<Batch> = (0..6).map(|s| d.batch(s, 4, 16).expect("valid")).collect();
        let e = Dataset::embedded(9).expect("valid");
        // Resume at step 3 first, then go back.
        for s in [3, 5, 0, 4, 1, 2] {
            assert_eq!(e.batch(s, 4, 16).expect("valid"), forward[s as usize]);
        }
    }

    #[test]
    fn batch_rejects_bad_shapes() {
        let d = Dataset::new(&[0; 20], 0.5, 0).expect("valid");
        assert!(d.batch(0, 0, 4).is_err());
        assert!(d.batch(0, 4, 0).is_err());
        assert!(d.batch(0, 1, 10).is_err());
        assert!(d.batch(0, 1, 9).is_ok());
    }

    #[test]
    fn shard_assigns_every_row_once_and_proportionally() {
        let d = Dataset::embedded(1).expect("valid");
        let b = d.batch(0, 13, 8).expect("valid");
        let cases: [&[f64]; 6] = [
            &[1.0],
            &[0.5, 0.5],
            &[0.5, 0.25, 0.25],
            &[1.0, 2.0, 3.0, 7.0],
            &[0.1, 0.0, 0.9],
            &[1.0 / 3.0; 5],
        ];
        for shares in cases {
            let parts = shard(&b, shares).expect("valid");
            assert_eq!(parts.len(), shares.len());
            let total: f64 = shares.iter().sum();
            for (p, s) in parts.iter().zip(shares) {
                let quota = 13.0 * s / total;
                assert!((p.rows as f64 - quota).abs() < 1.0, "{shares:?}");
                assert_eq!(p.inputs.len(), p.rows * 8);
            }
            let inputs: Vec<u32> = parts.iter().flat_map(|p| p.inputs.clone()).collect();
            let targets: Vec<u32> = parts.iter().flat_map(|p| p.targets.clone()).collect();
            assert_eq!(inputs, b.inputs);
            assert_eq!(targets, b.targets);
            assert_eq!(parts, shard(&b, shares).expect("valid"));
        }
        assert_eq!(
            shard_counts(10, &[1.0, 1.0, 1.0]).expect("valid"),
            [4, 3, 3]
        );
        assert_eq!(shard_counts(0, &[1.0, 2.0]).expect("valid"), [0, 0]);
        assert!(shard(&b, &[]).is_err());
        assert!(shard(&b, &[0.0, 0.0]).is_err());
        assert!(shard(&b, &[-1.0, 2.0]).is_err());
        assert!(shard(&b, &[f64::INFINITY]).is_err());
    }
}
