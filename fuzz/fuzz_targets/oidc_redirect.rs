//! The browser login's loopback redirect request line.
//! The body is `gitseal::fuzzing::oidc_redirect` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::oidc_redirect(data));
