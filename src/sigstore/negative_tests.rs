//! What the chain cache of the Sigstore room may skip, checked on real gitsign signatures.
//! The negative cases that lived here (real vectors with one thing broken) moved to the
//! crate's negative corpus, `negative_corpus::sigstore`, which runs and counts every
//! format's cases one way.

use prost::Message;

use super::cms::parse;
use super::online;
use super::tlog;
use super::trust::TrustRoot;
use super::verify::{Object, Report, verify_parsed};
use crate::git::signed::{HashKind, split_commit};

const EMBEDDED: &str = "commits/fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit";

fn vector(name: &str) -> (Vec<u8>, Vec<u8>) {
    let path = format!(
        "{}/tests/fixtures/sigstore/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let signed = split_commit(&raw, HashKind::Sha1)
        .ok()
        .flatten()
        .expect("signed commit");
    (signed.payload, signed.signature)
}

fn root() -> TrustRoot {
    TrustRoot::built_in().expect("built-in root")
}

fn reason(report: &Report) -> &'static str {
    match &report.outcome {
        Ok(()) => "accepted",
        Err(e) => e.reason(),
    }
}

#[test]
fn a_certificate_seen_before_skips_only_the_chain() {
    let trust = root();
    let (payload, signature) = vector(EMBEDDED);
    let sig = parse(&signature).expect("parses");
    let object = Object {
        payload: &payload,
        id: None,
    };
    let settings = online::Settings::default();
    assert!(!trust.chain_known(&sig.certificate));
    assert_eq!(
        reason(&verify_parsed(&object, &sig, &trust, &settings)),
        "accepted"
    );
    assert!(
        trust.chain_known(&sig.certificate),
        "remembered after a full check"
    );
    assert_eq!(
        reason(&verify_parsed(&object, &sig, &trust, &settings)),
        "accepted"
    );

    // The log's proofs are still checked for every signature made with it.
    let mut moved = sig.clone();
    let mut entry = tlog::decode(moved.tlog_entry.as_deref().expect("entry")).expect("decodes");
    entry.integrated_time += 60;
    moved.tlog_entry = Some(entry.encode_to_vec());
    assert_eq!(
        reason(&verify_parsed(&object, &moved, &trust, &settings)),
        "set"
    );
    let mut tampered = payload.clone();
    tampered[0] ^= 1;
    let object = Object {
        payload: &tampered,
        id: None,
    };
    assert_eq!(
        reason(&verify_parsed(&object, &sig, &trust, &settings)),
        "payload-mismatch"
    );
}
