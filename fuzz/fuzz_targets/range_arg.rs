//! The range arguments of `gitseal verify`.
//! The body is `gitseal::fuzzing::range_arg` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::range_arg(data));
