//! The Rekor TransparencyLogEntry protobuf gitsign embeds.
//! The body is `gitseal::fuzzing::sigstore_tlog` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::sigstore_tlog(data));
