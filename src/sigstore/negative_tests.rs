//! The negative corpus of the Sigstore room, built from real gitsign signatures: every
//! case is a real vector with one thing broken, and must be rejected with its own reason.

use prost::Message;

use super::cms::{CmsSignature, parse};
use super::online;
use super::tlog::{self, TransparencyLogEntry};
use super::trust::TrustRoot;
use super::verify::{Object, Report, verify, verify_parsed};
use crate::git::signed::{HashKind, split_commit};

const EMBEDDED: &str = "commits/fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit";
const OTHER_EMBEDDED: &str = "commits/f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit";
const ONLINE: &str = "commits/d3f6031561c5decb3e035e1e181aff09231a328e.commit";

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

fn check(payload: &[u8], sig: &CmsSignature) -> Report {
    let object = Object { payload, id: None };
    verify_parsed(&object, sig, &root(), &online::Settings::default())
}

/// The embedded vector with its log entry changed by `mutate`.
fn with_entry(mutate: impl FnOnce(&mut TransparencyLogEntry)) -> &'static str {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    let mut entry = tlog::decode(sig.tlog_entry.as_deref().expect("entry")).expect("decodes");
    mutate(&mut entry);
    sig.tlog_entry = Some(entry.encode_to_vec());
    reason(&check(&payload, &sig))
}

#[test]
fn the_untouched_vectors_pass() {
    for name in [EMBEDDED, OTHER_EMBEDDED] {
        let (payload, signature) = vector(name);
        let sig = parse(&signature).expect("parses");
        assert_eq!(reason(&check(&payload, &sig)), "accepted", "{name}");
    }
}

#[test]
fn a_tampered_payload_is_a_payload_mismatch() {
    let (mut payload, signature) = vector(EMBEDDED);
    let at = payload.len() - 2;
    payload[at] ^= 1;
    let sig = parse(&signature).expect("parses");
    assert_eq!(reason(&check(&payload, &sig)), "payload-mismatch");
}

#[test]
fn a_signature_moved_to_another_commit_is_a_payload_mismatch() {
    let (_, signature) = vector(EMBEDDED);
    let (other_payload, _) = vector(OTHER_EMBEDDED);
    let sig = parse(&signature).expect("parses");
    assert_eq!(reason(&check(&other_payload, &sig)), "payload-mismatch");
}

#[test]
fn a_foreign_root_does_not_know_the_log() {
    let (payload, signature) = vector(EMBEDDED);
    let staging = format!(
        "{}/tests/fixtures/sigstore/trusted_root.staging.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let foreign = TrustRoot::from_file(std::path::Path::new(&staging)).expect("staging root");
    let object = Object {
        payload: &payload,
        id: None,
    };
    let report = verify(&object, &signature, &foreign, &online::Settings::default());
    let reason = reason(&report);
    assert!(
        ["set", "unknown-log", "untrusted-chain"].contains(&reason),
        "foreign root gave {reason}: {:?}",
        report.outcome
    );
    assert!(report.outcome.is_err());
}

#[test]
fn a_corrupted_set_is_rejected() {
    let got = with_entry(|e| {
        let set = &mut e
            .inclusion_promise
            .as_mut()
            .expect("SET")
            .signed_entry_timestamp;
        let at = set.len() / 2;
        set[at] ^= 0x40;
    });
    assert_eq!(got, "set");
}

#[test]
fn a_moved_integrated_time_breaks_the_set() {
    // The SET covers the time, so a backdated entry cannot lend its time to the chain.
    assert_eq!(with_entry(|e| e.integrated_time -= 3600), "set");
}

#[test]
fn another_log_index_breaks_the_set() {
    assert_eq!(with_entry(|e| e.log_index += 1), "set");
}

#[test]
fn a_corrupted_inclusion_proof_is_rejected() {
    let got = with_entry(|e| {
        let proof = e.inclusion_proof.as_mut().expect("proof");
        proof.hashes[0][0] ^= 1;
    });
    assert_eq!(got, "inclusion-proof");
}

#[test]
fn a_wrong_root_hash_is_rejected() {
    let got = with_entry(|e| {
        let proof = e.inclusion_proof.as_mut().expect("proof");
        proof.root_hash[0] ^= 1;
    });
    assert_eq!(got, "inclusion-proof");
}

#[test]
fn a_corrupted_checkpoint_is_rejected() {
    let got = with_entry(|e| {
        let checkpoint = e
            .inclusion_proof
            .as_mut()
            .and_then(|p| p.checkpoint.as_mut())
            .expect("checkpoint");
        // The note's signature line: replace its base64 with another valid one.
        let mut lines: Vec<String> = checkpoint.envelope.lines().map(str::to_string).collect();
        let last = lines.last_mut().expect("signature line");
        let cut = last.len() - 8;
        last.replace_range(cut.., "AAAAAAA=");
        checkpoint.envelope = lines.join("\n") + "\n";
    });
    assert_eq!(got, "checkpoint");
}

#[test]
fn an_unknown_log_id_is_rejected() {
    let got = with_entry(|e| {
        if let Some(id) = e.log_id.as_mut() {
            id.key_id = vec![7; 32];
        }
    });
    assert!(["unknown-log", "set"].contains(&got), "{got}");
}

#[test]
fn another_entry_kind_is_malformed() {
    let got = with_entry(|e| {
        if let Some(kind) = e.kind_version.as_mut() {
            kind.kind = "intoto".into();
        }
    });
    assert_eq!(got, "tlog-malformed");
}

#[test]
fn a_garbage_entry_is_malformed() {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    sig.tlog_entry = Some(vec![0xff; 40]);
    assert_eq!(reason(&check(&payload, &sig)), "tlog-malformed");
}

#[test]
fn another_signatures_entry_does_not_fit() {
    // The entry of another real signature, with valid proofs of its own: the body rebuilt
    // from this signature is not what its SET covers.
    let (payload, signature) = vector(EMBEDDED);
    let (_, other) = vector(OTHER_EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    sig.tlog_entry = parse(&other).expect("parses").tlog_entry;
    assert_eq!(reason(&check(&payload, &sig)), "set");
}

#[test]
fn a_flipped_cms_signature_is_bad_in_online_mode() {
    // Online mode checks the CMS signature first; with an embedded entry the rebuilt body
    // would no longer match the SET, which is checked first there.
    let (payload, signature) = vector(ONLINE);
    let mut sig = parse(&signature).expect("parses");
    let at = sig.signature.len() - 3;
    sig.signature[at] ^= 1;
    assert_eq!(reason(&check(&payload, &sig)), "bad-signature");
}

#[test]
fn a_changed_signed_attribute_is_bad() {
    let (payload, signature) = vector(ONLINE);
    let mut sig = parse(&signature).expect("parses");
    let at = sig.signed_attrs.len() - 40;
    sig.signed_attrs[at] ^= 1;
    assert_eq!(reason(&check(&payload, &sig)), "bad-signature");
}

#[test]
fn a_changed_message_digest_is_a_payload_mismatch() {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    sig.message_digest[0] ^= 1;
    assert_eq!(reason(&check(&payload, &sig)), "payload-mismatch");
}

#[test]
fn a_certificate_of_another_signature_is_rejected() {
    let (payload, signature) = vector(EMBEDDED);
    let (_, other) = vector(OTHER_EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    sig.certificate = parse(&other).expect("parses").certificate;
    let got = reason(&check(&payload, &sig));
    assert!(
        ["set", "bad-signature", "tlog-mismatch"].contains(&got),
        "{got}"
    );
}

#[test]
fn an_openpgp_signature_on_the_x509_path_is_the_wrong_format() {
    let pgp =
        "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJj\n=abcd\n-----END PGP SIGNATURE-----\n";
    assert_eq!(
        parse(pgp.as_bytes()).map(|_| ()).map_err(|e| e.reason()),
        Err("wrong-format")
    );
    let ssh = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
    assert_eq!(
        parse(ssh.as_bytes()).map(|_| ()).map_err(|e| e.reason()),
        Err("wrong-format")
    );
}

#[test]
fn truncated_corrupted_and_oversized_armor_is_malformed() {
    let (_, signature) = vector(EMBEDDED);
    let text = String::from_utf8(signature.clone()).expect("ascii armor");
    let cases: Vec<Vec<u8>> = vec![
        text.as_bytes()[..text.len() / 2].to_vec(),
        text.replacen("MII", "MIJ", 1).into_bytes(),
        text.replace("-----END SIGNED MESSAGE-----", "")
            .into_bytes(),
        b"-----BEGIN SIGNED MESSAGE-----\n-----END SIGNED MESSAGE-----\n".to_vec(),
        [
            signature.as_slice(),
            &vec![b'A'; super::cms::MAX_SIGNATURE_BYTES],
        ]
        .concat(),
        vec![0x30, 0x80, 0x00, 0x00],
    ];
    for (i, case) in cases.iter().enumerate() {
        let got = parse(case).map(|_| ()).map_err(|e| e.reason());
        assert_eq!(got, Err("malformed"), "case {i}");
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
