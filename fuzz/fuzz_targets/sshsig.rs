//! SSHSIG signatures (armor, blob, certificate inside, the signature check).
//! The body is `gitseal::fuzzing::sshsig` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::sshsig(data));
