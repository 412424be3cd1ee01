//! The whole offline Sigstore check (u32 LE payload length, payload, signature).
//! The body is `gitseal::fuzzing::sigstore_verify` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::sigstore_verify(data));
