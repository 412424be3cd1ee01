//! sigstore-conformance's offline verification suite (DESIGN.md section 8, issue 17): its
//! 70 bundle cases, each run twice through `gitseal verify-blob` with the suite's client
//! arguments (`--bundle B --certificate-identity ID --certificate-oidc-issuer URL
//! [--trusted-root R] FILE_OR_DIGEST`, or `--key K` in place of the identity), once with
//! the artifact's path and once with its `sha256:` digest: 140 runs, every one right. The
//! cases stay in the project's shared folder (`gitseal::testdata::CONFORMANCE`); cases
//! without a trusted root of their own use the production root pinned in
//! tests/fixtures/sigstore. A case that must fail must fail for its own reason: the table
//! below names the reason gitseal gives for each, so a case refused by accident (a
//! parse error where a checkpoint check was meant) shows up.

use crate::support::{TestEnv, run};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Why each failing case fails: the reason `gitseal verify-blob` names (exit 1), or, for
/// input refused before any bundle is judged, the words of its usage or trust-root error
/// (exit 2).
const REASONS: &[(&str, &str)] = &[
    ("bundle-empty-certificate-chain_fail", "malformed"),
    ("bundle-from-wrong-instance_fail", "unknown-log"),
    ("bundle-invalid-base64-signature_fail", "malformed"),
    ("bundle-malformed-json_fail", "malformed"),
    ("bundle-negative-log-index_fail", "malformed"),
    ("bundle-unknown-version_fail", "malformed"),
    ("bundle-with-root-cert_fail", "checkpoint"),
    ("checkpoint-bad-keyhint_fail", "checkpoint"),
    ("checkpoint-wrong-roothash_fail", "inclusion-proof"),
    ("dsse-invalid-sig_fail", "bad-signature"),
    ("dsse-mismatch-envelope_fail", "tlog-mismatch"),
    ("dsse-mismatch-sig_fail", "tlog-mismatch"),
    ("inclusion-proof-corrupted-hash_fail", "inclusion-proof"),
    ("incorrect-public-key_fail", "set"),
    ("integrated-time-in-future_fail", "expired"),
    ("intoto-expired-certificate_fail", "not-yet-valid"),
    ("intoto-log-entry-mismatch_fail", "tlog-malformed"),
    ("intoto-missing-inclusion-proof_fail", "tlog-malformed"),
    ("intoto-set-outside-signing-cert-validity_fail", "expired"),
    ("intoto-tsa-timestamp-outside-cert-validity_fail", "expired"),
    ("invalid-checkpoint-signature_fail", "checkpoint"),
    ("invalid-ct-key_fail", "sct"),
    ("invalid-inclusion-proof_fail", "checkpoint"),
    ("managed-key-no-key_fail", "malformed"),
    ("managed-key-wrong-key_fail", "exit 2: not a PEM public key"),
    ("message-digest-mismatch_fail", "payload-mismatch"),
    ("rekor2-checkpoint-missing-log-signature_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-origin_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-root-hash_fail", "checkpoint"),
    ("rekor2-checkpoint-missing-size_fail", "checkpoint"),
    ("rekor2-checkpoint-no-matching-signature_fail", "checkpoint"),
    ("rekor2-dsse-invalid-sig_fail", "bad-signature"),
    ("rekor2-dsse-mismatch-envelope_fail", "payload-mismatch"),
    ("rekor2-dsse-mismatch-sig_fail", "tlog-mismatch"),
    ("rekor2-no-inclusion-proof_fail", "inclusion-proof"),
    ("rekor2-no-timestamp_fail", "timestamp"),
    (
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        "timestamp",
    ),
    (
        "rekor2-timestamp-outside-tsa-cert-validity_fail",
        "timestamp-untrusted",
    ),
    (
        "rekor2-timestamp-payload-mismatch_fail",
        "timestamp-mismatch",
    ),
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        "timestamp-untrusted",
    ),
    (
        "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail",
        "timestamp-untrusted",
    ),
    ("rekor2-timestamp-with-incorrect-time_fail", "expired"),
    ("set-invalid-signature_fail", "set"),
    ("signature-mismatch_fail", "bad-signature"),
    (
        "trust-root-tlog-missing-validity-start_fail",
        "exit 2: missing field `start`",
    ),
    ("wrong-hashedrekord-artifact_fail", "payload-mismatch"),
    ("wrong-hashedrekord-cert-and-sig_fail", "tlog-mismatch"),
    ("wrong-hashedrekord-entry_fail", "payload-mismatch"),
    ("wrong-material_fail", "payload-mismatch"),
];

struct Case {
    name: String,
    dir: PathBuf,
    artifact: PathBuf,
}

fn cases() -> Vec<Case> {
    let root = gitseal::testdata::path(gitseal::testdata::CONFORMANCE);
    let mut cases: Vec<Case> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|dir| dir.join("bundle.sigstore.json").is_file())
        .map(|dir| {
            let own = dir.join("artifact");
            Case {
                name: dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_string(),
                artifact: if own.is_file() {
                    own
                } else {
                    root.join("a.txt")
                },
                dir,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn read_trimmed(path: &Path, default: &str) -> String {
    std::fs::read_to_string(path).map_or_else(|_| default.to_string(), |s| s.trim().to_string())
}

fn verify_blob(env: &TestEnv, case: &Case, subject: &str) -> crate::support::Run {
    let mut cmd = env.gitseal();
    cmd.arg("verify-blob")
        .arg("--bundle")
        .arg(case.dir.join("bundle.sigstore.json"));
    let key = case.dir.join("key.pub");
    if key.is_file() {
        cmd.arg("--key").arg(key);
    } else {
        cmd.arg("--certificate-identity")
            .arg(read_trimmed(&case.dir.join("identity"), IDENTITY))
            .arg("--certificate-oidc-issuer")
            .arg(read_trimmed(&case.dir.join("issuer"), ISSUER));
    }
    let own_root = case.dir.join("trusted_root.json");
    let trusted_root = if own_root.is_file() {
        own_root
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigstore/trusted_root.prod.json")
    };
    cmd.arg("--trusted-root").arg(trusted_root).arg(subject);
    run(&mut cmd).no_panic()
}

/// All 140 runs right, and each failure for the reason the table names.
#[test]
fn every_case_is_judged_right_by_path_and_by_digest() {
    let env = TestEnv::new();
    let cases = cases();
    assert_eq!(cases.len(), 70, "sigstore-conformance has 70 bundle cases");
    assert_eq!(
        cases.iter().filter(|c| c.name.ends_with("_fail")).count(),
        49
    );
    assert_eq!(
        cases
            .iter()
            .filter(|c| c.name.starts_with("rekor2-"))
            .count(),
        26
    );
    let mut wrong = Vec::new();
    let mut right = 0;
    for case in &cases {
        let bytes = std::fs::read(&case.artifact).expect("artifact");
        let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
        let path = case.artifact.display().to_string();
        for subject in [path.as_str(), digest.as_str()] {
            let result = verify_blob(&env, case, subject);
            let judged = if case.name.ends_with("_fail") {
                let expected = REASONS
                    .iter()
                    .find(|(name, _)| *name == case.name)
                    .map(|(_, reason)| *reason)
                    .unwrap_or_else(|| panic!("{}: no reason in the table", case.name));
                let lines = result.stderr_lines();
                let said = match expected.strip_prefix("exit 2: ") {
                    Some(words) => result.code == 2 && result.stderr.contains(words),
                    None => {
                        result.code == 1
                            && result.stdout.is_empty()
                            && lines.len() == 1
                            && lines[0].contains(&format!("verification failed ({expected})"))
                    }
                };
                said.then_some(()).ok_or(format!("expected {expected}"))
            } else {
                (result.code == 0 && result.stdout().starts_with("Verified OK: "))
                    .then_some(())
                    .ok_or_else(|| "expected to verify".to_string())
            };
            match judged {
                Ok(()) => right += 1,
                Err(why) => wrong.push(format!(
                    "{} ({subject}): {why}; exit {}: {}",
                    case.name,
                    result.code,
                    result.stderr.trim()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(right, 140);
}

/// The honest Rekor v2 case verifies with the identity it was made for and no other:
/// the identity flags are judged, exactly or by anchored expression.
#[test]
fn a_rekor_v2_bundle_is_judged_by_whom_it_names() {
    let env = TestEnv::new();
    let case = cases()
        .into_iter()
        .find(|c| c.name == "rekor2-happy-path")
        .expect("rekor2-happy-path");
    let bundle = case.dir.join("bundle.sigstore.json");
    let root = case.dir.join("trusted_root.json");
    let ok = run(env
        .gitseal()
        .args(["verify-blob", "--bundle"])
        .arg(&bundle)
        .args([
            "--certificate-identity-regexp",
            "https://github\\.com/sigstore-conformance/.*",
        ])
        .args(["--certificate-oidc-issuer", ISSUER, "--trusted-root"])
        .arg(&root)
        .arg(&case.artifact))
    .success();
    assert!(ok.stdout().contains("Rekor v2"), "{}", ok.describe());
    for (flag, value, reason) in [
        (
            "--certificate-identity",
            "https://github.com/sigstore-conformance",
            "identity-mismatch",
        ),
        (
            "--certificate-identity-regexp",
            "https://github\\.com/sigstore-conformance",
            "identity-mismatch",
        ),
    ] {
        let refused = run(env
            .gitseal()
            .args(["verify-blob", "--bundle"])
            .arg(&bundle)
            .args([
                flag,
                value,
                "--certificate-oidc-issuer",
                ISSUER,
                "--trusted-root",
            ])
            .arg(&root)
            .arg(&case.artifact))
        .exit(1);
        assert!(refused.stderr.contains(reason), "{}", refused.describe());
    }
    let other_issuer = run(env
        .gitseal()
        .args(["verify-blob", "--bundle"])
        .arg(&bundle)
        .args(["--certificate-identity", IDENTITY])
        .args([
            "--certificate-oidc-issuer",
            "https://accounts.google.com",
            "--trusted-root",
        ])
        .arg(&root)
        .arg(&case.artifact))
    .exit(1);
    assert!(
        other_issuer.stderr.contains("issuer-mismatch"),
        "{}",
        other_issuer.describe()
    );
    // A root without the entry's log, and a root naming that log's key under another host
    // (whose C2SP key id is then not the id the entry names): both refuse the entry.
    let text = std::fs::read_to_string(&root).expect("trusted root");
    let mut without: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let tlogs = without["tlogs"].as_array_mut().expect("tlogs");
    let before = tlogs.len();
    tlogs.retain(|t| {
        !t["baseUrl"]
            .as_str()
            .unwrap_or("")
            .contains("log2025-alpha1")
    });
    assert_eq!(tlogs.len(), before - 1, "the root lists the entry's log");
    let mut renamed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for t in renamed["tlogs"].as_array_mut().expect("tlogs") {
        if t["baseUrl"]
            .as_str()
            .unwrap_or("")
            .contains("log2025-alpha1")
        {
            t["baseUrl"] = "https://log2025-alpha1.rekor.example.org".into();
        }
    }
    for (name, doc, words) in [
        (
            "without.json",
            without,
            "log entry from a log the trusted root does not know",
        ),
        (
            "renamed.json",
            renamed,
            "nor the C2SP key id of its key under its host name",
        ),
    ] {
        let file = env.write(name, doc.to_string());
        let refused = run(env
            .gitseal()
            .args(["verify-blob", "--bundle"])
            .arg(&bundle)
            .args([
                "--certificate-identity",
                IDENTITY,
                "--certificate-oidc-issuer",
                ISSUER,
            ])
            .arg("--trusted-root")
            .arg(&file)
            .arg(&case.artifact))
        .exit(1);
        assert!(
            refused.stderr.contains("(unknown-log)"),
            "{}",
            refused.describe()
        );
        assert!(refused.stderr.contains(words), "{}", refused.describe());
    }
}

/// Without whom to expect there is nothing to verify against: a usage error, exit 2.
#[test]
fn an_identity_and_an_issuer_or_a_key_are_required() {
    let env = TestEnv::new();
    let case = cases()
        .into_iter()
        .find(|c| c.name == "happy-path-v0.3")
        .expect("happy-path-v0.3");
    let refused = run(env
        .gitseal()
        .args(["verify-blob", "--bundle"])
        .arg(case.dir.join("bundle.sigstore.json"))
        .args(["--certificate-identity", IDENTITY])
        .arg(&case.artifact))
    .exit(2);
    assert!(
        refused.stderr.contains("--certificate-oidc-issuer"),
        "{}",
        refused.describe()
    );
    let bad_digest = run(env
        .gitseal()
        .args(["verify-blob", "--bundle"])
        .arg(case.dir.join("bundle.sigstore.json"))
        .args([
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
        ])
        .arg("sha256:1234"))
    .exit(2);
    assert!(
        bad_digest.stderr.contains("64 hex digits"),
        "{}",
        bad_digest.describe()
    );
}
