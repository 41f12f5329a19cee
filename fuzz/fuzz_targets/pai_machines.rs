//! Fuzz target `pai_machines`: see `cirrus_fuzz::pai_machines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::pai_machines(data));
