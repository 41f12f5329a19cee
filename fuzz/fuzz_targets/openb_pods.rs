//! Fuzz target `openb_pods`: see `cirrus_fuzz::openb_pods`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::openb_pods(data));
