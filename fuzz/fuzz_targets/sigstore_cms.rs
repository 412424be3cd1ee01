//! gitsign signatures: PEM armor, CMS SignedData, certificates, embedded Rekor entry.
//! The body is `gitseal::fuzzing::sigstore_cms` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::sigstore_cms(data));
