//! Fuzz target `openb_nodes`: see `cirrus_fuzz::openb_nodes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cirrus_fuzz::openb_nodes(data));
