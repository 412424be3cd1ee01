//! allowed_signers files (gpg.ssh.allowedSignersFile, and the policy's SSH lines): the
//! whole grammar, lenient and strict, in two time zones, then principal and namespace
//! pattern matching and validity windows on what parsed. Input: an optional identity to
//! match, a NUL, then the file; without a NUL the whole input is the file.
#![no_main]

use chrono::{FixedOffset, Utc};
use gitseal::ssh::allowed_signers::{AllowedSigners, Entry};
use libfuzzer_sys::fuzz_target;

fn exercise(entry: &Entry, identity: &str) {
    let _ = entry.principals_match(identity);
    let _ = entry.principals_match("alice@example.com");
    let _ = entry.principals_match(&entry.principals);
    let _ = entry.namespace_allowed("git");
    let _ = entry.namespace_allowed(identity);
    for t in [i64::MIN, 0, 1_700_000_000, i64::MAX] {
        let _ = entry.validity_at(t);
    }
    if let Some(t) = entry.valid_after {
        let _ = entry.validity_at(t);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (identity, file) = match text.split_once('\0') {
        Some((identity, file)) if identity.len() <= 256 => (identity, file),
        _ => ("alice@example.com", text),
    };
    let lenient = AllowedSigners::parse(file, &Utc);
    for entry in &lenient.entries {
        exercise(entry, identity);
    }
    for problem in &lenient.problems {
        let _ = problem.describe("allowed_signers");
    }
    let east = FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
    let _ = AllowedSigners::parse(file, &east);
    if let Ok(strict) = AllowedSigners::parse_strict(file, &Utc) {
        // A file that parses strictly parses the same leniently, with no problems.
        assert!(lenient.problems.is_empty());
        assert_eq!(strict.entries, lenient.entries);
    }
});
