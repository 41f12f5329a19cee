//! Fuzz target `pai_tasks`: see `cirrus_fuzz::pai_tasks`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::pai_tasks(data));
