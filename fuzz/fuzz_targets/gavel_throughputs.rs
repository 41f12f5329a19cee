//! Fuzz target `gavel_throughputs`: see `cirrus_fuzz::gavel_throughputs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::gavel_throughputs(data));
