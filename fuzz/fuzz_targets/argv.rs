//! Command lines in the gpg, ssh-keygen and gitseal dialects (NUL-separated).
//! The body is `gitseal::fuzzing::argv` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::argv(data));
