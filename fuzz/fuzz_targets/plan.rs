//! Fuzz target `plan`: see `cirrus_fuzz::plan_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::plan_json(data));
