//! Fuzz target `scenario`: see `cirrus_fuzz::scenario_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::scenario_text(data));
