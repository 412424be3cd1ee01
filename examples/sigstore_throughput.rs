//! Verification throughput of the Sigstore room on real gitsign signatures, for
//! `scripts/bench-sigstore.sh`: every vector with an embedded log entry
//! (tests/fixtures/sigstore) verified fully offline (CMS, chain at the log time, SCT, SET,
//! inclusion proof, checkpoint, body rebuilt and matched) in a loop on one thread.
//!
//! ```text
//! cargo run --release --example sigstore_throughput -- [SECONDS]
//! ```
//!
//! Prints one line: `verified <n> signatures in <s> s: <rate> per second on one core`.
//! Each iteration verifies every vector once; nothing is cached between verifications (each
//! real signature has its own certificate, so a per-certificate cache would not help a real
//! history either), and the trusted root is parsed once, as in one `gitseal verify` run.

use gitseal::git::signed::{HashKind, split_commit, split_tag};
use gitseal::sigstore::online;
use gitseal::sigstore::trust::TrustRoot;
use gitseal::sigstore::verify::{Object, verify};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const VECTORS: [&str; 7] = [
    "commits/fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
    "commits/f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
    "commits/44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
    "commits/dc68e8ce155fe12ab8fd7c55de6ef336ce716ee8.commit",
    "commits/138f9d7cb3097a5f04192621a186e54f86390df0.tag",
    "upstream/e2e-offline.commit",
    "upstream/rekor-oid-commit.txt",
];

fn main() -> ExitCode {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sigstore");
    let mut signed = Vec::new();
    for name in VECTORS {
        let Ok(raw) = std::fs::read(format!("{dir}/{name}")) else {
            eprintln!("cannot read {dir}/{name}");
            return ExitCode::from(2);
        };
        let found = if name.ends_with(".tag") {
            split_tag(&raw)
        } else {
            split_commit(&raw, HashKind::Sha1).ok().flatten()
        };
        let Some(found) = found else {
            eprintln!("{name} is not signed");
            return ExitCode::from(2);
        };
        signed.push(found);
    }
    let root = match TrustRoot::built_in() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let settings = online::Settings::default();
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for s in &signed {
            let object = Object {
                payload: &s.payload,
                id: None,
            };
            let report = verify(&object, &s.signature, &root, &settings);
            if let Err(e) = report.outcome {
                eprintln!("a vector failed to verify: {e}");
                return ExitCode::from(1);
            }
            count += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "verified {count} signatures in {elapsed:.2} s: {:.0} per second on one core",
        count as f64 / elapsed
    );
    ExitCode::SUCCESS
}
