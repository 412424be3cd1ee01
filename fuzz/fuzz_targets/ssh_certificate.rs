//! OpenSSH certificate blobs and `type base64 comment` key lines.
//! The body is `gitseal::fuzzing::ssh_certificate` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::ssh_certificate(data));
