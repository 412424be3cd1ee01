//! An OIDC issuer's discovery, device authorization and token answers.
//! The body is `gitseal::fuzzing::oidc_answers` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::oidc_answers(data));
