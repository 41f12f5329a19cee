//! Fuzz target `philly`: see `cirrus_fuzz::philly_log`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::philly_log(data));
