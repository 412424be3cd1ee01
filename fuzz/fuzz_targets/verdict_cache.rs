//! The verdict cache file (`<git dir>/gitseal/verdicts`).
//! The body is `gitseal::fuzzing::verdict_cache` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::verdict_cache(data));
