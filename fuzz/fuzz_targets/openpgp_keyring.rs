//! OpenPGP certificates, keyboxes and trustdb.gpg; key validity.
//! The body is `gitseal::fuzzing::openpgp_keyring` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::openpgp_keyring(data));
