//! Fulcio's issued chain, checked as signing checks it.
//! The body is `gitseal::fuzzing::fulcio_answer` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::fulcio_answer(data));
