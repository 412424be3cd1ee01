//! OpenPGP certificates from outside: `.gitseal/keys/*.asc` in any pushed tree,
//! `gitseal.openpgpKeyring`, GnuPG's pubring.kbx / pubring.gpg (keybox or packets), and
//! GnuPG's trustdb.gpg; then key validity by gpg's pgp trust model over what was read.
#![no_main]

use gitseal::openpgp::keyring::Keyring;
use gitseal::openpgp::policy;
use gitseal::openpgp::trustdb::{TrustDb, Validator};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let trustdb = TrustDb::parse(data).unwrap_or_default();
    let mut configured = Keyring::new();
    let _ = configured.add_configured(data.to_vec());
    let mut gnupg = Keyring::new();
    let _ = gnupg.add_gnupg(data.to_vec());
    let policy = policy();
    for keyring in [&configured, &gnupg] {
        let validator = Validator {
            keyring,
            trustdb: &trustdb,
            policy: &policy,
            now: UNIX_EPOCH + Duration::from_secs(1_796_000_000),
        };
        for found in keyring.all().iter().take(8) {
            let _ = validator.validity(&found.cert, found.origin);
            let _ = keyring.by_primary(&found.cert.fingerprint());
        }
    }
});
