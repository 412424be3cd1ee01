//! Rekor v2 (issue 17): sigstore-conformance's honest Rekor v2 bundle (`crate::testdata`),
//! verified as `gitseal verify-blob` does, each case with one thing broken: the entry's
//! inclusion proof, index, log id, kind and body, the checkpoint's origin and key hint,
//! the RFC 3161 timestamp that alone times a v2 entry, the trusted root's v2 log, the
//! artifact and the signer.

use super::{ACCEPTED, Area};
use crate::sigstore::blob::{self, Signer, Subject};
use crate::sigstore::identity::{Expect, Expectation};
use crate::sigstore::trust::TrustRoot;
use serde_json::Value;

const CASE: &str = "rekor2-happy-path";
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

struct Inputs {
    bundle: Value,
    root: Value,
    artifact: Vec<u8>,
}

fn inputs() -> Inputs {
    let dir = crate::testdata::CONFORMANCE;
    let json = |name: &str| -> Value {
        serde_json::from_slice(&crate::testdata::read(&format!("{dir}/{CASE}/{name}")))
            .expect("JSON")
    };
    Inputs {
        bundle: json("bundle.sigstore.json"),
        root: json("trusted_root.json"),
        artifact: crate::testdata::read(&format!("{dir}/a.txt")),
    }
}

fn signer(identity: &str) -> Signer {
    Signer::Certificate(Box::new(Expectation {
        identity: Some(Expect::Exact(identity.into())),
        issuer: Some(Expect::Exact(ISSUER.into())),
        committer: None,
        workflow: Default::default(),
    }))
}

fn check(bundle: &Value, root: &Value, artifact: &[u8], signer: &Signer) -> String {
    let root = match sigstore_trust_root::TrustedRoot::from_json(&root.to_string())
        .map_err(|e| crate::sigstore::SigstoreError::TrustRoot(e.to_string()))
        .and_then(|r| TrustRoot::new(r, "corpus".into()))
    {
        Ok(root) => root,
        Err(e) => return e.reason().to_string(),
    };
    let outcome = blob::parse_bundle(&bundle.to_string())
        .and_then(|b| blob::verify(&Subject::Bytes(artifact.to_vec()), &b, &root, signer).outcome);
    match outcome {
        Ok(()) => ACCEPTED.to_string(),
        Err(e) => e.reason().to_string(),
    }
}

fn entry(bundle: &mut Value) -> &mut Value {
    &mut bundle["verificationMaterial"]["tlogEntries"][0]
}

fn checkpoint(bundle: &mut Value) -> String {
    entry(bundle)["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .expect("envelope")
        .to_string()
}

/// Flips a bit inside a base64 value (decoded, changed, encoded again).
fn flip(value: &mut Value) {
    use base64ct::{Base64, Encoding};
    let mut bytes = Base64::decode_vec(value.as_str().expect("base64")).expect("base64");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    *value = Value::String(Base64::encode_string(&bytes));
}

pub(super) fn corpus() -> Area {
    let mut area = Area::new("rekor_v2");
    area.base(CASE, || {
        let i = inputs();
        check(&i.bundle, &i.root, &i.artifact, &signer(IDENTITY))
    });
    type Mutation = fn(&mut Inputs);
    let cases: [(&str, &str, Mutation); 14] = [
        ("inclusion-proof-removed", "inclusion-proof", |i| {
            entry(&mut i.bundle)
                .as_object_mut()
                .expect("entry")
                .remove("inclusionProof");
        }),
        ("inclusion-proof-hash-flipped", "inclusion-proof", |i| {
            flip(&mut entry(&mut i.bundle)["inclusionProof"]["hashes"][0]);
        }),
        ("log-index-moved", "inclusion-proof", |i| {
            entry(&mut i.bundle)["logIndex"] = "734".into();
        }),
        ("body-changed", "inclusion-proof", |i| {
            flip(&mut entry(&mut i.bundle)["canonicalizedBody"]);
        }),
        ("kind-claims-rekor-v1", "tlog-mismatch", |i| {
            entry(&mut i.bundle)["kindVersion"]["version"] = "0.0.1".into();
        }),
        ("log-id-of-another-log", "unknown-log", |i| {
            flip(&mut entry(&mut i.bundle)["logId"]["keyId"]);
        }),
        ("checkpoint-origin-changed", "checkpoint", |i| {
            let note = checkpoint(&mut i.bundle).replacen(
                "log2025-alpha1.rekor.sigstage.dev\n",
                "log2025-alpha9.rekor.sigstage.dev\n",
                1,
            );
            entry(&mut i.bundle)["inclusionProof"]["checkpoint"]["envelope"] = note.into();
        }),
        ("checkpoint-key-hint-changed", "checkpoint", |i| {
            // The signature line's blob starts with the key hint: `8w1a...` is the log's.
            let note = checkpoint(&mut i.bundle).replacen(" 8w1am", " 9w1am", 1);
            entry(&mut i.bundle)["inclusionProof"]["checkpoint"]["envelope"] = note.into();
        }),
        ("timestamp-removed", "timestamp", |i| {
            i.bundle["verificationMaterial"]
                .as_object_mut()
                .expect("material")
                .remove("timestampVerificationData");
        }),
        ("log-time-claimed-without-timestamp", "timestamp", |i| {
            // A v2 entry's integratedTime is authenticated by nothing: it times nothing.
            entry(&mut i.bundle)["integratedTime"] = "1749729740".into();
            i.bundle["verificationMaterial"]
                .as_object_mut()
                .expect("material")
                .remove("timestampVerificationData");
        }),
        (
            "timestamp-for-another-signature",
            "timestamp-mismatch",
            |i| {
                flip(&mut i.bundle["messageSignature"]["signature"]);
            },
        ),
        ("root-names-the-log-otherwise", "unknown-log", |i| {
            for log in i.root["tlogs"].as_array_mut().expect("tlogs") {
                if log["baseUrl"] == "https://log2025-alpha1.rekor.sigstage.dev" {
                    log["baseUrl"] = "https://log2025-alpha1.rekor.example.org".into();
                }
            }
        }),
        ("artifact-changed", "payload-mismatch", |i| {
            i.artifact.push(b'!');
        }),
        ("root-without-the-tsa", "timestamp-untrusted", |i| {
            i.root["timestampAuthorities"] = Value::Array(Vec::new());
        }),
    ];
    for (name, expected, mutate) in cases {
        area.case(name, expected, move || {
            let mut i = inputs();
            mutate(&mut i);
            check(&i.bundle, &i.root, &i.artifact, &signer(IDENTITY))
        });
    }
    area.case("another-signer", "identity-mismatch", || {
        let i = inputs();
        check(
            &i.bundle,
            &i.root,
            &i.artifact,
            &signer("https://github.com/evil/.github/workflows/release.yml@refs/heads/main"),
        )
    });
    area
}
