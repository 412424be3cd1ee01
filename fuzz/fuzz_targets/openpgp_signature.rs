//! OpenPGP detached signatures and gpg's judgement of them.
//! The body is `gitseal::fuzzing::openpgp_signature` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::openpgp_signature(data));
