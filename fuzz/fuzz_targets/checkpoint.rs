//! Fuzz target `checkpoint`: see `fuzz/src/checkpoint.rs`.
#![no_main]

#[path = "../src/checkpoint.rs"]
mod checkpoint;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checkpoint::checkpoint_bytes(data));
