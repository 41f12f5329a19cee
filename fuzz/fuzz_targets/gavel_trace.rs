//! Fuzz target `gavel_trace`: see `cirrus_fuzz::gavel_trace`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::gavel_trace(data));
