//! A local Rekor v2 tile log of synthetic entries, for `scripts/bench-monitor.sh`: the
//! hermetic v2 log of the tests (tests/support/rekor_v2.rs, C2SP tlog-tiles), filled with
//! `N` hashedrekord 0.0.2 entries, each the certificate of a sigstore-conformance bundle
//! (third-party data in the shared folder, `gitseal::testdata`) over its own digest, as a
//! public shard holds them (every entry a certificate to parse, few of them yours).
//!
//! ```text
//! cargo run --release --example tile_log -- N DIR
//! ```
//!
//! Writes DIR/trusted_root.json (the production root's CAs with this log as its only
//! log), then DIR/ready, and serves until killed.

#[path = "../tests/support/rekor_v2.rs"]
#[allow(dead_code)]
mod rekor_v2;

use gitseal::sigstore::rekor_v2::{hashedrekord_body, key_details};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(count), Some(dir)) = (
        args.first().and_then(|n| n.parse::<u64>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: tile_log N DIR");
        return ExitCode::from(2);
    };
    let text = gitseal::testdata::read(&format!(
        "{}/rekor2-happy-path/bundle.sigstore.json",
        gitseal::testdata::CONFORMANCE
    ));
    let bundle = sigstore_types::Bundle::from_json(&String::from_utf8_lossy(&text))
        .expect("a conformance bundle");
    let cert = bundle.signing_certificate().expect("a certificate");
    let sigstore_types::SignatureContent::MessageSignature(m) = &bundle.content else {
        panic!("a message signature");
    };
    let facts = gitseal::sigstore::certificate::facts(cert.as_bytes()).expect("certificate");
    let details = key_details(&facts.public_key).expect("P-256");
    let log = rekor_v2::RekorV2::start();
    log.append_bodies((0..count).map(|n| {
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(n.to_be_bytes()).into();
        hashedrekord_body(&digest, m.signature.as_bytes(), cert.as_bytes(), details).into_bytes()
    }));
    let mut root: serde_json::Value =
        serde_json::from_str(sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT).expect("root");
    root["tlogs"] = serde_json::json!([]);
    let root = log.add_to_root(&root.to_string());
    let dir = std::path::Path::new(dir);
    std::fs::write(dir.join("trusted_root.json"), root).expect("write the root");
    std::fs::write(dir.join("ready"), format!("{}\n", log.url)).expect("write ready");
    eprintln!("tile_log: {count} entries at {}", log.url);
    loop {
        std::thread::park();
    }
}
