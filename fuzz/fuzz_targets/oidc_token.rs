//! OIDC identity tokens (JWT claims) as signing reads them.
//! The body is `gitseal::fuzzing::oidc_token` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::oidc_token(data));
