//! Fuzz target `helios`: see `cirrus_fuzz::helios_log`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::helios_log(data));
