//! Fuzz target `pollux`: see `cirrus_fuzz::pollux_csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::pollux_csv(data));
