//! What the `checkpoint` fuzz target checks, as a plain function: the
//! target in `fuzz_targets/checkpoint.rs` calls it with libFuzzer's inputs,
//! and the `cirrus` test `fuzz_checkpoint` (which includes this file) runs
//! it over every seed in `corpus/checkpoint/`.
//!
//! Any bytes read as a checkpoint (for the model size its header length
//! implies, and for a 3-parameter model) give a checkpoint or an error,
//! never a panic; one that also passes `validate` writes back to bytes that
//! read as the same checkpoint. Each input is tried as it is and with its
//! last 8 bytes replaced by the hash of the rest, as an attacker who edits
//! a checkpoint would recompute it; so the reader past the hash check is
//! fuzzed too.

use cirrus_executor::checkpoint::Checkpoint;
use std::path::Path;

/// The parameter count the bytes' header length implies (the tensors are
/// three `f32` per parameter), if any.
fn implied_params(data: &[u8]) -> Option<usize> {
    let hlen = u64::from_le_bytes(data.get(12..20)?.try_into().ok()?);
    let tensors = (data.len() as u64).checked_sub(28)?.checked_sub(hlen)?;
    usize::try_from(tensors / 12).ok()
}

/// A checkpoint file: refused with a message, or accepted, validated and
/// equal to itself written and read back.
pub fn checkpoint_bytes(data: &[u8]) {
    checkpoint_as_is(data);
    if let Some(body) = data.len().checked_sub(8) {
        let mut sealed = data.to_vec();
        let hash = cirrus_sim::engine::content_hash(&data[..body]);
        sealed[body..].copy_from_slice(&hash.to_le_bytes());
        checkpoint_as_is(&sealed);
    }
}

fn checkpoint_as_is(data: &[u8]) {
    let path = Path::new("fuzz/checkpoint.bin");
    for params in [implied_params(data), Some(3)].into_iter().flatten() {
        match Checkpoint::from_bytes(data, params, path) {
            Ok(ck) => {
                let _ = ck.validate(ck.header.step, path).map_err(|e| e.to_string());
                if ck.validate(u64::MAX, path).is_ok() {
                    let bytes = ck
                        .to_bytes()
                        .unwrap_or_else(|e| panic!("a checkpoint does not write: {e}"));
                    let again = Checkpoint::from_bytes(&bytes, params, path)
                        .unwrap_or_else(|e| panic!("a checkpoint's own bytes are refused: {e}"));
                    assert!(
                        again == ck,
                        "a checkpoint differs once written and read back"
                    );
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}
