//! Commit and tag objects: the payload/signature split, time headers, the walker's parse.
//! The body is `gitseal::fuzzing::git_objects` (shared with the stable smoke test, docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gitseal::fuzzing::git_objects(data));
