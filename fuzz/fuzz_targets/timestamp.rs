//! RFC 3161 timestamp responses and tokens, and their check.
//! The body is `gitseal::fuzzing::timestamp` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::timestamp(data));
