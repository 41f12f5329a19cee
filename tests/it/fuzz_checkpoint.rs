//! The `checkpoint` fuzz target's check (`fuzz/src/checkpoint.rs`, included
//! here) over its committed seeds in `fuzz/corpus/checkpoint/`, on every
//! test run and without libFuzzer; and the seeds stay what they say.

#[path = "../../fuzz/src/checkpoint.rs"]
mod target;

use super::root;
use cirrus_executor::checkpoint::Checkpoint;
use std::path::Path;

#[test]
fn the_checkpoint_fuzz_target_passes_its_seeds() {
    let dir = root().join("fuzz/corpus/checkpoint");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus") {
        let path = entry.expect("entry").path();
        let data = std::fs::read(&path).expect("seed");
        assert!(
            std::panic::catch_unwind(|| target::checkpoint_bytes(&data)).is_ok(),
            "the checkpoint target fails on {}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 3, "{n} seeds");
    assert!(root().join("fuzz/fuzz_targets/checkpoint.rs").is_file());
}

#[test]
fn the_checkpoint_seeds_are_a_valid_one_and_two_edited_ones() {
    let dir = root().join("fuzz/corpus/checkpoint");
    let read = |name: &str| {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).expect("seed");
        Checkpoint::from_bytes(&bytes, 3, &path).expect("whole")
    };
    let at = Path::new("ck");
    assert!(read("valid-3-params.bin").validate(10, at).is_ok());
    let err = read("step-without-losses.bin")
        .validate(10, at)
        .expect_err("edited");
    assert!(err.to_string().contains("`losses`"), "{err}");
    let err = read("nan-parameter.bin")
        .validate(10, at)
        .expect_err("edited");
    assert!(err.to_string().contains("`params[0]`"), "{err}");
}

/// Every truncation and every single-byte flip of the valid seed (the
/// hash then mismatches, so also each flip with the hash recomputed) is
/// refused or accepted without a panic.
#[test]
fn truncated_and_flipped_checkpoints_never_panic() {
    let seed =
        std::fs::read(root().join("fuzz/corpus/checkpoint/valid-3-params.bin")).expect("seed");
    let rehash = |b: &mut Vec<u8>| {
        let body = b.len() - 8;
        let h = cirrus_sim::engine::content_hash(&b[..body]);
        b[body..].copy_from_slice(&h.to_le_bytes());
    };
    for cut in 0..seed.len() {
        target::checkpoint_bytes(&seed[..cut]);
    }
    for at in 0..seed.len() - 8 {
        let mut b = seed.clone();
        b[at] ^= 0xff;
        target::checkpoint_bytes(&b);
        rehash(&mut b);
        target::checkpoint_bytes(&b);
    }
}
