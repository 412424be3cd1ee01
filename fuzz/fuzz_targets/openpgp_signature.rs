//! OpenPGP detached signatures as gitseal reads them for `gpg --verify SIG -`: armor,
//! MPI normalisation (GitHub web-flow), the packet parse, and gpg's judgement, once with
//! an empty keyring (every signer missing) and once with the keys that signed the seeds
//! (fuzz/keys/openpgp.asc) so that the signature checks run too.
#![no_main]

use gitseal::openpgp::keyring::Keyring;
use gitseal::openpgp::normalize;
use gitseal::openpgp::trustdb::TrustDb;
use gitseal::openpgp::verify::{Context, verdict, verify_detached};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

struct State {
    empty: Keyring,
    loaded: Keyring,
    trustdb: TrustDb,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut loaded = Keyring::new();
        loaded
            .add_configured(include_bytes!("../keys/openpgp.asc").to_vec())
            .expect("fuzz/keys/openpgp.asc");
        State {
            empty: Keyring::new(),
            loaded,
            trustdb: TrustDb::default(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = normalize::signatures(data);
    let state = state();
    // The seeds were made in November 2026 and expire within two years.
    let now = UNIX_EPOCH + Duration::from_secs(1_796_000_000);
    for keyring in [&state.empty, &state.loaded] {
        let ctx = Context {
            keyring,
            trustdb: &state.trustdb,
            now,
        };
        if let Ok(reports) = verify_detached(data, b"fuzz payload\n", &ctx) {
            for report in &reports {
                let _ = verdict(report);
            }
        }
    }
});
