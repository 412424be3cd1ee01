//! The tests' hermetic Sigstore services (Fulcio v2, Rekor v1, a test CA and log) as a
//! program, for `scripts/bench-sigstore.sh`: signing latency measured against them; and to
//! try `gitseal monitor` by hand (docs/monitor.md).
//!
//! ```text
//! cargo run --release --example sigstore_services -- DIR
//! ```
//!
//! Writes `DIR/trusted_root.json`, `DIR/token` (an ID token for alice@example.org valid
//! for an hour) and `DIR/env` (the `GITSEAL_*` variables pointing at the services), then
//! serves until killed.

// The test support modules themselves (they name each other as `super::`).
#[allow(dead_code)]
#[path = "../tests/support/sigstore_servers.rs"]
mod sigstore_servers;
#[allow(dead_code)]
#[path = "../tests/support/sigstore_stack.rs"]
mod sigstore_stack;
// What `gitseal monitor` reads from the log (log info, consistency proofs, the index).
#[allow(dead_code)]
#[path = "../tests/support/rekor_index.rs"]
mod rekor_index;

use sigstore_stack::{Identity, Stack};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: sigstore_services DIR");
        return ExitCode::from(2);
    };
    let services = sigstore_servers::start(Stack::new());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let who = Identity {
        email: "alice@example.org".into(),
        issuer: "https://issuer.gitseal.test".into(),
    };
    let root = dir.join("trusted_root.json");
    let written = std::fs::write(&root, services.trusted_root())
        .and_then(|()| std::fs::write(dir.join("token"), services.token(&who, now + 3600)))
        .and_then(|()| {
            std::fs::write(
                dir.join("env"),
                format!(
                    "GITSEAL_FULCIO_URL={}\nGITSEAL_REKOR_URL={}\nGITSEAL_TRUSTED_ROOT={}\n",
                    services.fulcio_url(),
                    services.rekor_url(),
                    root.display()
                ),
            )
        });
    if let Err(e) = written {
        eprintln!("cannot write to {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    println!("serving at {}", services.url);
    loop {
        std::thread::park();
    }
}
