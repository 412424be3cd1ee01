//! `.gitseal/policy.toml` and judgement by every credential it names.
//! The body is `gitseal::fuzzing::policy` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::policy(data));
