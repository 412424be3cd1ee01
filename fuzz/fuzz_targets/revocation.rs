//! KRLs and plain revocation lists, asked about fixed keys and certificates.
//! The body is `gitseal::fuzzing::revocation` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::revocation(data));
