//! allowed_signers files, lenient and strict, and what is asked of their entries.
//! The body is `gitseal::fuzzing::allowed_signers` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::allowed_signers(data));
