//! The pre-receive hook's `<old> <new> <ref>` lines.
//! The body is `gitseal::fuzzing::pre_receive_line` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::pre_receive_line(data));
