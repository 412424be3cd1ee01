//! Verification throughput of the Sigstore room on real gitsign signatures, for
//! `scripts/bench-sigstore.sh`: every vector with an embedded log entry
//! (third-party data in the shared folder, `gitseal::testdata`) verified fully offline (CMS, chain at the log time, SCT, SET,
//! inclusion proof, checkpoint, body rebuilt and matched) in a loop on one thread.
//!
//! ```text
//! cargo run --release --example sigstore_throughput -- [SECONDS]
//! ```
//!
//! Prints two lines, `<what>: verified <n> signatures in <s> s: <rate> per second on one
//! core, <rate> per CPU-second`: first every signature checked in full (the per-certificate
//! chain cache emptied before each, as for a history where every signature has its own
//! certificate), then with the cache (a rebase signed with one cached certificate: the
//! chain and SCT are checked once, the log proofs every time). The trusted root is parsed
//! once, as in one `gitseal verify` run.

use gitseal::git::signed::{HashKind, split_commit, split_tag};
use gitseal::sigstore::online;
use gitseal::sigstore::trust::TrustRoot;
use gitseal::sigstore::verify::{Object, verify};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const VECTORS: [&str; 7] = [
    "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
    "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
    "44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
    "dc68e8ce155fe12ab8fd7c55de6ef336ce716ee8.commit",
    "138f9d7cb3097a5f04192621a186e54f86390df0.tag",
    "testdata/e2e-offline.commit",
    "testdata/rekor-oid-commit.txt",
];

/// This process's CPU time (user + system), from /proc/self/stat, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat(5); after the command they are 12, 13.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> ExitCode {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let dir = gitseal::testdata::dir().join(gitseal::testdata::GITSIGN);
    let mut signed = Vec::new();
    for name in VECTORS {
        let path = dir.join(name);
        let Ok(raw) = std::fs::read(&path) else {
            eprintln!("{}", gitseal::testdata::missing(&path));
            return ExitCode::from(2);
        };
        let found = if name.ends_with(".tag") {
            split_tag(&raw).ok().flatten()
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
    let budget = Duration::from_secs_f64(seconds / 2.0);
    for (what, cached) in [
        ("every chain checked", false),
        ("chains cached per certificate", true),
    ] {
        root.forget_chains();
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let mut count = 0u64;
        while start.elapsed() < budget {
            for s in &signed {
                if !cached {
                    root.forget_chains();
                }
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
        let cpu = cpu_seconds() - cpu_start;
        println!(
            "{what}: verified {count} signatures in {elapsed:.2} s: {:.0} per second on one core, {:.0} per CPU-second",
            count as f64 / elapsed,
            count as f64 / cpu.max(1e-9)
        );
    }
    ExitCode::SUCCESS
}
