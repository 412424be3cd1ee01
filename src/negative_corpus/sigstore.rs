//! Sigstore: real gitsign signatures (`crate::testdata`), each with one thing broken:
//! the payload, the CMS structure, the embedded Rekor entry and its proofs, the trusted
//! root, the expected identity and issuer. These were `sigstore/negative_tests.rs`; the
//! cases live here now so that the whole corpus is counted and run one way.

use super::{ACCEPTED, Area};
use crate::git::signed::{HashKind, split_commit};
use crate::sigstore::cms::{CmsSignature, MAX_SIGNATURE_BYTES, PEM_LABEL, parse, unarmor};
use crate::sigstore::identity::{Expect, Expectation};
use crate::sigstore::online;
use crate::sigstore::tlog::{self, TransparencyLogEntry};
use crate::sigstore::trust::TrustRoot;
use crate::sigstore::verify::{Object, verify, verify_parsed};
use base64ct::Encoding;
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier};
use der::{Decode, Encode};
use prost::Message;
use sha2::{Digest, Sha256};
use sigstore_trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, TrustedRoot};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

const EMBEDDED: &str = "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit";
const OTHER_EMBEDDED: &str = "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit";
const ONLINE: &str = "d3f6031561c5decb3e035e1e181aff09231a328e.commit";
const PROTOTYPE: &str = "c47e8bf5c86212dc9b6db0e3ec4df27a978b3d6e.commit";
const IDENTITY: &str = "billy@chainguard.dev";
const ISSUER: &str = "https://accounts.google.com";

fn vector(name: &str) -> (Vec<u8>, Vec<u8>) {
    let raw = crate::testdata::read_gitsign(name);
    let signed = split_commit(&raw, HashKind::Sha1)
        .ok()
        .flatten()
        .expect("signed commit");
    (signed.payload, signed.signature)
}

/// A fresh built-in root for every check, so that no check profits from the chain
/// another one verified (the root remembers chains it has seen).
fn root() -> TrustRoot {
    TrustRoot::built_in().expect("built-in root")
}

fn named(outcome: Result<(), crate::sigstore::SigstoreError>) -> String {
    match outcome {
        Ok(()) => ACCEPTED.to_string(),
        Err(e) => e.reason().to_string(),
    }
}

/// Verifies a signature already taken apart, then holds it to `expect`.
fn check_parsed(payload: &[u8], sig: &CmsSignature, expect: &Expectation) -> String {
    let object = Object { payload, id: None };
    let report = verify_parsed(&object, sig, &root(), &online::Settings::default());
    named(
        report
            .outcome
            .and_then(|()| expect.check(report.certificate.as_ref().expect("certificate facts"))),
    )
}

/// Parses and verifies an armored signature.
fn check_armored(payload: &[u8], signature: &[u8]) -> String {
    let object = Object { payload, id: None };
    named(verify(&object, signature, &root(), &online::Settings::default()).outcome)
}

/// The embedded vector with its log entry changed by `mutate`.
fn with_entry(mutate: impl FnOnce(&mut TransparencyLogEntry)) -> String {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    let mut entry = tlog::decode(sig.tlog_entry.as_deref().expect("entry")).expect("decodes");
    mutate(&mut entry);
    sig.tlog_entry = Some(entry.encode_to_vec());
    check_parsed(&payload, &sig, &Expectation::default())
}

/// The embedded vector's signature with the CMS SignedData changed by `edit`, armored
/// again as git stores it.
fn with_signed_data(edit: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let (_, signature) = vector(EMBEDDED);
    let der = unarmor(&signature).expect("armor");
    let mut info = ContentInfo::from_der(&der).expect("ContentInfo");
    let mut signed: SignedData = info.content.decode_as().expect("SignedData");
    edit(&mut signed);
    info.content = der::Any::encode_from(&signed).expect("encodes");
    let der = info.to_der().expect("encodes");
    der::pem::encode_string(PEM_LABEL, der::pem::LineEnding::LF, &der)
        .expect("pem")
        .into_bytes()
}

/// Changes the one SignerInfo (a DER SET has no mutable access: rebuild it).
fn edit_signer(sd: &mut SignedData, edit: impl FnOnce(&mut cms::signed_data::SignerInfo)) {
    let mut signers = sd.signer_infos.0.clone().into_vec();
    edit(&mut signers[0]);
    sd.signer_infos.0 = der::asn1::SetOfVec::try_from(signers).expect("signer set");
}

/// The built-in root with `edit` applied.
fn root_with(edit: impl FnOnce(&mut TrustedRoot)) -> TrustRoot {
    let mut root = TrustedRoot::from_json(SIGSTORE_PRODUCTION_TRUSTED_ROOT).expect("built-in root");
    edit(&mut root);
    TrustRoot::new(root, "the built-in root, edited".into()).expect("edited root")
}

/// The embedded vector's entry changed by `mutate`, checked against `trust`.
fn with_entry_in(trust: &TrustRoot, mutate: impl FnOnce(&mut TransparencyLogEntry)) -> String {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    let mut entry = tlog::decode(sig.tlog_entry.as_deref().expect("entry")).expect("decodes");
    mutate(&mut entry);
    sig.tlog_entry = Some(entry.encode_to_vec());
    let object = Object {
        payload: &payload,
        id: None,
    };
    named(verify_parsed(&object, &sig, trust, &online::Settings::default()).outcome)
}

/// Public-good Rekor v1 (the log the vectors' entries name), in a root.
fn rekor_v1(root: &mut TrustedRoot) -> &mut sigstore_trust_root::TransparencyLog {
    root.tlogs
        .iter_mut()
        .find(|t| t.base_url == "https://rekor.sigstore.dev")
        .expect("Rekor v1 in the built-in root")
}

/// The embedded vector with the SAN extension of its certificate holding `names` (the
/// certificate's signature no longer verifies; what it names is judged first).
fn with_sans(names: Vec<GeneralName>) -> String {
    let (payload, signature) = vector(EMBEDDED);
    let mut sig = parse(&signature).expect("parses");
    let mut cert = x509_cert::Certificate::from_der(&sig.certificate).expect("certificate");
    let value = SubjectAltName(names).to_der().expect("SAN");
    for ext in cert.tbs_certificate.extensions.iter_mut().flatten() {
        if ext.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
            ext.extn_value = der::asn1::OctetString::new(value.clone()).expect("octets");
        }
    }
    sig.certificate = cert.to_der().expect("certificate");
    check_parsed(&payload, &sig, &Expectation::default())
}

fn ia5(value: &str) -> der::asn1::Ia5String {
    der::asn1::Ia5String::new(value).expect("ascii")
}

fn expect_identity(identity: Option<Expect>, issuer: Option<Expect>) -> Expectation {
    Expectation {
        identity,
        issuer,
        ..Expectation::default()
    }
}

pub(crate) fn corpus() -> Area {
    let mut area = Area::new("sigstore");
    for name in [EMBEDDED, OTHER_EMBEDDED] {
        area.base(name, move || {
            let (payload, signature) = vector(name);
            let sig = parse(&signature).expect("parses");
            let exact = expect_identity(
                Some(Expect::Exact(IDENTITY.into())),
                Some(Expect::Exact(ISSUER.into())),
            );
            check_parsed(&payload, &sig, &exact)
        });
    }
    area.base("re-encoded unchanged", || {
        let (payload, _) = vector(EMBEDDED);
        check_armored(&payload, &with_signed_data(|_| {}))
    });

    // Payload and moved signatures.
    area.case("payload tampered", "payload-mismatch", || {
        let (mut payload, signature) = vector(EMBEDDED);
        let at = payload.len() - 2;
        payload[at] ^= 1;
        check_armored(&payload, &signature)
    });
    area.case(
        "signature moved to another commit",
        "payload-mismatch",
        || {
            let (_, signature) = vector(EMBEDDED);
            let (other_payload, _) = vector(OTHER_EMBEDDED);
            check_armored(&other_payload, &signature)
        },
    );
    area.case("message digest changed", "payload-mismatch", || {
        let (payload, signature) = vector(EMBEDDED);
        let mut sig = parse(&signature).expect("parses");
        sig.message_digest[0] ^= 1;
        check_parsed(&payload, &sig, &Expectation::default())
    });

    // The trusted root.
    area.case("foreign root (staging)", "unknown-log", || {
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
        named(verify(&object, &signature, &foreign, &online::Settings::default()).outcome)
    });

    // The embedded log entry and its proofs.
    area.case("SET corrupted", "set", || {
        with_entry(|e| {
            let set = &mut e
                .inclusion_promise
                .as_mut()
                .expect("SET")
                .signed_entry_timestamp;
            let at = set.len() / 2;
            set[at] ^= 0x40;
        })
    });
    area.case("integrated time moved (backdated)", "set", || {
        with_entry(|e| e.integrated_time -= 3600)
    });
    area.case("log index changed", "set", || {
        with_entry(|e| e.log_index += 1)
    });
    area.case("inclusion proof hash corrupted", "inclusion-proof", || {
        with_entry(|e| e.inclusion_proof.as_mut().expect("proof").hashes[0][0] ^= 1)
    });
    area.case("inclusion proof root hash wrong", "inclusion-proof", || {
        with_entry(|e| e.inclusion_proof.as_mut().expect("proof").root_hash[0] ^= 1)
    });
    area.case("checkpoint signature replaced", "checkpoint", || {
        with_entry(|e| {
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
        })
    });
    area.case("log id unknown", "unknown-log", || {
        with_entry(|e| {
            if let Some(id) = e.log_id.as_mut() {
                id.key_id = vec![7; 32];
            }
        })
    });
    // The checkpoint must be the entry's own log's (sigstore-verify 0.15.1 takes any
    // trusted log's, and reads no origin).
    area.case(
        "checkpoint signed by another log of the root",
        "checkpoint",
        || {
            use p256::ecdsa::signature::Signer;
            use p256::pkcs8::EncodePublicKey;
            let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let spki = key
                .verifying_key()
                .to_public_key_der()
                .expect("SPKI")
                .as_bytes()
                .to_vec();
            let id = Sha256::digest(&spki).to_vec();
            let trust = root_with(|root| {
                let mut other = rekor_v1(root).clone();
                other.base_url = "https://rekor-b.example.org".into();
                other.public_key.raw_bytes = sigstore_types::DerPublicKey::new(spki);
                other.log_id.key_id = sigstore_types::LogKeyId::from(&id[..]);
                root.tlogs.push(other);
            });
            with_entry_in(&trust, |e| {
                let checkpoint = e
                    .inclusion_proof
                    .as_mut()
                    .and_then(|p| p.checkpoint.as_mut())
                    .expect("checkpoint");
                // The same note (origin, size, root), signed by the other log.
                let note = format!(
                    "{}\n",
                    checkpoint.envelope.split("\n\n").next().expect("note")
                );
                let signature: p256::ecdsa::DerSignature = key.sign(note.as_bytes());
                let hinted = [&id[..4], signature.as_bytes()].concat();
                checkpoint.envelope = format!(
                    "{note}\n\u{2014} rekor-b.example.org {}\n",
                    base64ct::Base64::encode_string(&hinted)
                );
            })
        },
    );
    area.case(
        "checkpoint origin not the log's (the root names it elsewhere)",
        "checkpoint",
        || {
            let trust = root_with(|root| {
                rekor_v1(root).base_url = "https://rekor.example.org".into();
            });
            with_entry_in(&trust, |_| {})
        },
    );
    area.case("entry kind intoto", "tlog-malformed", || {
        with_entry(|e| {
            if let Some(kind) = e.kind_version.as_mut() {
                kind.kind = "intoto".into();
            }
        })
    });
    area.case("entry garbage", "tlog-malformed", || {
        let (payload, signature) = vector(EMBEDDED);
        let mut sig = parse(&signature).expect("parses");
        sig.tlog_entry = Some(vec![0xff; 40]);
        check_parsed(&payload, &sig, &Expectation::default())
    });
    area.case("entry of another signature", "set", || {
        // Valid proofs of its own; the body rebuilt from this signature is not what its
        // SET covers.
        let (payload, signature) = vector(EMBEDDED);
        let (_, other) = vector(OTHER_EMBEDDED);
        let mut sig = parse(&signature).expect("parses");
        sig.tlog_entry = parse(&other).expect("parses").tlog_entry;
        check_parsed(&payload, &sig, &Expectation::default())
    });
    area.case("certificate of another signature", "set", || {
        let (payload, signature) = vector(EMBEDDED);
        let (_, other) = vector(OTHER_EMBEDDED);
        let mut sig = parse(&signature).expect("parses");
        sig.certificate = parse(&other).expect("parses").certificate;
        check_parsed(&payload, &sig, &Expectation::default())
    });

    // The CMS signature itself (online mode checks it first; with an embedded entry the
    // rebuilt body no longer matches the SET, which is checked first there).
    area.case(
        "CMS signature flipped (online mode)",
        "bad-signature",
        || {
            let (payload, signature) = vector(ONLINE);
            let mut sig = parse(&signature).expect("parses");
            let at = sig.signature.len() - 3;
            sig.signature[at] ^= 1;
            check_parsed(&payload, &sig, &Expectation::default())
        },
    );
    area.case(
        "signed attribute changed (online mode)",
        "bad-signature",
        || {
            let (payload, signature) = vector(ONLINE);
            let mut sig = parse(&signature).expect("parses");
            let at = sig.signed_attrs.len() - 40;
            sig.signed_attrs[at] ^= 1;
            check_parsed(&payload, &sig, &Expectation::default())
        },
    );
    area.case("online mode without the log", "no-log-proof", || {
        let (payload, signature) = vector(ONLINE);
        check_armored(&payload, &signature)
    });
    area.case("gitsign prototype format", "prototype-format", || {
        let (payload, signature) = vector(PROTOTYPE);
        check_armored(&payload, &signature)
    });

    // Who signed: identity and issuer held to what the caller expects.
    let expectations: Vec<(&str, &str, Expectation)> = vec![
        (
            "identity another address",
            "identity-mismatch",
            expect_identity(Some(Expect::Exact("alice@example.org".into())), None),
        ),
        (
            "identity differs in case",
            "identity-mismatch",
            expect_identity(Some(Expect::Exact("Billy@chainguard.dev".into())), None),
        ),
        (
            "identity regex matches only a part (anchored)",
            "identity-mismatch",
            expect_identity(
                Some(Expect::pattern(r"chainguard\.dev").expect("regex")),
                None,
            ),
        ),
        (
            "identity regex alternation stays anchored",
            "identity-mismatch",
            expect_identity(
                Some(Expect::pattern(r"alice@example\.org|billy").expect("regex")),
                None,
            ),
        ),
        (
            "issuer another provider",
            "issuer-mismatch",
            expect_identity(
                Some(Expect::Exact(IDENTITY.into())),
                Some(Expect::Exact("https://github.com/login/oauth".into())),
            ),
        ),
        (
            "issuer with a trailing slash",
            "issuer-mismatch",
            expect_identity(None, Some(Expect::Exact(format!("{ISSUER}/")))),
        ),
        (
            "issuer regex matches only a part (anchored)",
            "issuer-mismatch",
            expect_identity(
                None,
                Some(Expect::pattern(r"accounts\.google").expect("regex")),
            ),
        ),
    ];
    for (name, expected, expectation) in expectations {
        area.case(name, expected, move || {
            let (payload, signature) = vector(EMBEDDED);
            let sig = parse(&signature).expect("parses");
            check_parsed(&payload, &sig, &expectation)
        });
    }

    // Whom the certificate names: exactly one SAN, of the type its value is (cosign would
    // take any SAN of the list; sigstore-crypto the first e-mail or URI, of either type).
    area.case(
        "certificate names two identities",
        "certificate-identity",
        || {
            with_sans(vec![
                GeneralName::Rfc822Name(ia5(IDENTITY)),
                GeneralName::Rfc822Name(ia5("alice@example.org")),
            ])
        },
    );
    area.case(
        "URI SAN holding the e-mail identity",
        "certificate-identity",
        || with_sans(vec![GeneralName::UniformResourceIdentifier(ia5(IDENTITY))]),
    );
    area.case("e-mail SAN holding a URI", "certificate-identity", || {
        with_sans(vec![GeneralName::Rfc822Name(ia5(
            "https://example.org/billy",
        ))])
    });
    area.case("DNS name as the only SAN", "certificate-identity", || {
        with_sans(vec![GeneralName::DnsName(ia5("chainguard.dev"))])
    });

    // Armor.
    area.case("armor of an OpenPGP signature", "wrong-format", || {
        let pgp = "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJj\n=abcd\n-----END PGP SIGNATURE-----\n";
        check_armored(b"payload", pgp.as_bytes())
    });
    area.case("armor of an SSH signature", "wrong-format", || {
        let ssh = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
        check_armored(b"payload", ssh.as_bytes())
    });
    type Mangle = fn(&str, &[u8]) -> Vec<u8>;
    let armor_cases: [(&str, Mangle); 6] = [
        ("armor cut in half", |text, _| {
            text.as_bytes()[..text.len() / 2].to_vec()
        }),
        ("armor base64 changed", |text, _| {
            text.replacen("MII", "MIJ", 1).into_bytes()
        }),
        ("armor footer missing", |text, _| {
            text.replace("-----END SIGNED MESSAGE-----", "")
                .into_bytes()
        }),
        ("armor around nothing", |_, _| {
            b"-----BEGIN SIGNED MESSAGE-----\n-----END SIGNED MESSAGE-----\n".to_vec()
        }),
        ("signature over 256 KiB", |_, signature| {
            [signature, &vec![b'A'; MAX_SIGNATURE_BYTES]].concat()
        }),
        ("DER of indefinite length", |_, _| {
            vec![0x30, 0x80, 0x00, 0x00]
        }),
    ];
    for (name, mangle) in armor_cases {
        area.case(name, "malformed", move || {
            let (payload, signature) = vector(EMBEDDED);
            let text = String::from_utf8(signature.clone()).expect("ascii armor");
            check_armored(&payload, &mangle(&text, &signature))
        });
    }

    // The CMS structure, taken apart and put together with one thing changed.
    type Edit = fn(&mut SignedData);
    let structure: [(&str, &str, Edit); 10] = [
        (
            "signer's serial names no certificate in the bag",
            "malformed",
            |sd| {
                edit_signer(sd, |signer| {
                    if let SignerIdentifier::IssuerAndSerialNumber(id) = &mut signer.sid {
                        id.serial_number =
                            x509_cert::serial_number::SerialNumber::new(&[0x01, 0x02, 0x03])
                                .expect("serial");
                    }
                })
            },
        ),
        ("certificate bag removed", "malformed", |sd| {
            sd.certificates = None
        }),
        ("two signers", "malformed", |sd| {
            let first = sd.signer_infos.0.as_slice()[0].clone();
            let mut second = first.clone();
            second.signature = der::asn1::OctetString::new(vec![1, 2, 3]).expect("octets");
            sd.signer_infos.0.insert(second).expect("second signer");
        }),
        ("digest algorithm SHA-1", "malformed", |sd| {
            edit_signer(sd, |s| s.digest_alg.oid = const_oid::db::rfc5912::ID_SHA_1);
        }),
        ("signature algorithm RSA", "malformed", |sd| {
            edit_signer(sd, |s| {
                s.signature_algorithm.oid = const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
            });
        }),
        ("signed attributes removed", "malformed", |sd| {
            edit_signer(sd, |s| s.signed_attrs = None);
        }),
        ("content attached (not detached)", "malformed", |sd| {
            sd.encap_content_info = EncapsulatedContentInfo {
                econtent_type: sd.encap_content_info.econtent_type,
                econtent: Some(
                    der::Any::encode_from(
                        &der::asn1::OctetString::new(b"payload".to_vec()).expect("octets"),
                    )
                    .expect("any"),
                ),
            };
        }),
        ("Rekor entry attribute doubled", "malformed", |sd| {
            edit_signer(sd, |signer| {
                let attrs = signer.unsigned_attrs.as_mut().expect("unsigned attributes");
                let entry = attrs.iter().next().expect("entry").clone();
                let mut values = entry.values.clone();
                values
                    .insert(
                        der::Any::encode_from(
                            &der::asn1::OctetString::new(vec![0]).expect("octets"),
                        )
                        .expect("any"),
                    )
                    .expect("second value");
                let doubled = x509_cert::attr::Attribute {
                    oid: entry.oid,
                    values,
                };
                *attrs = der::asn1::SetOfVec::try_from(vec![doubled]).expect("set");
            })
        }),
        (
            "Rekor entry not an octet string",
            "prototype-format",
            |sd| {
                edit_signer(sd, |signer| {
                    let attrs = signer.unsigned_attrs.as_mut().expect("unsigned attributes");
                    let entry = attrs.iter().next().expect("entry").clone();
                    let value =
                        der::Any::encode_from(&der::asn1::Utf8StringRef::new("x").expect("utf8"))
                            .expect("any");
                    let changed = x509_cert::attr::Attribute {
                        oid: entry.oid,
                        values: der::asn1::SetOfVec::try_from(vec![value]).expect("set"),
                    };
                    *attrs = der::asn1::SetOfVec::try_from(vec![changed]).expect("set");
                })
            },
        ),
        (
            "unsigned attribute of the prototype format",
            "prototype-format",
            |sd| {
                edit_signer(sd, |signer| {
                    let attrs = signer.unsigned_attrs.as_mut().expect("unsigned attributes");
                    let entry = attrs.iter().next().expect("entry").clone();
                    let prototype = x509_cert::attr::Attribute {
                        oid: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.3.5"),
                        values: entry.values.clone(),
                    };
                    attrs.insert(prototype).expect("prototype attribute");
                })
            },
        ),
    ];
    for (name, expected, edit) in structure {
        area.case(name, expected, move || {
            let (payload, _) = vector(EMBEDDED);
            check_armored(&payload, &with_signed_data(edit))
        });
    }
    area
}

/// What the chain cache of the Sigstore room may skip: the chain and SCT of a certificate
/// seen before, never the log's proofs or the content binding.
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
        named(verify_parsed(&object, &sig, &trust, &settings).outcome),
        ACCEPTED
    );
    assert!(
        trust.chain_known(&sig.certificate),
        "remembered after a full check"
    );
    assert_eq!(
        named(verify_parsed(&object, &sig, &trust, &settings).outcome),
        ACCEPTED
    );

    // The log's proofs are still checked for every signature made with it.
    let mut moved = sig.clone();
    let mut entry = tlog::decode(moved.tlog_entry.as_deref().expect("entry")).expect("decodes");
    entry.integrated_time += 60;
    moved.tlog_entry = Some(entry.encode_to_vec());
    assert_eq!(
        named(verify_parsed(&object, &moved, &trust, &settings).outcome),
        "set"
    );
    let mut tampered = payload.clone();
    tampered[0] ^= 1;
    let object = Object {
        payload: &tampered,
        id: None,
    };
    assert_eq!(
        named(verify_parsed(&object, &sig, &trust, &settings).outcome),
        "payload-mismatch"
    );
}
