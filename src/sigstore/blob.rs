//! Release files signed the Sigstore way: a standard bundle (v0.1 to v0.3, a message
//! signature or a DSSE envelope) checked over a file or its SHA-256, as cosign's and
//! sigstore-python's `verify-blob`/`verify identity` do. The checks are `sigstore-verify`'s
//! ([`TrustRoot::verify_bundle`]: chain at every trusted time, SCT, SET or inclusion proof
//! and checkpoint of the log the entry names, Rekor v1 or v2, RFC 3161 timestamps, body
//! matched); the identity is then matched here, exactly or by anchored expression, as for
//! commits.

use sigstore_types::{Artifact, Bundle, DerPublicKey, KindVersion, Sha256Hash, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy};

use super::certificate::{CertificateFacts, facts};
use super::identity::Expectation;
use super::trust::TrustRoot;
use super::verify::{hex, outside_validity};
use super::{SigstoreError, timestamp};

/// What was signed: the file's bytes, or only its SHA-256 (`sha256:<hex>`).
#[derive(Clone, Debug)]
pub enum Subject {
    Bytes(Vec<u8>),
    Sha256([u8; 32]),
}

impl Subject {
    /// `sha256:<64 hex digits>`, else `None` (then the argument names a file).
    pub fn digest(argument: &str) -> Option<Result<Subject, String>> {
        let hex = argument.strip_prefix("sha256:")?;
        let bytes = (hex.len() == 64 && hex.is_ascii())
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
            .and_then(|v| <[u8; 32]>::try_from(v).ok());
        Some(bytes.map(Subject::Sha256).ok_or_else(|| {
            "a digest is written sha256:<64 hex digits> (the file's SHA-256)".to_string()
        }))
    }

    fn artifact(&self) -> Artifact<'_> {
        match self {
            Subject::Bytes(bytes) => Artifact::from_blob(bytes),
            Subject::Sha256(digest) => Artifact::from_digest(Sha256Hash::from(*digest)),
        }
    }
}

/// Who must have signed: a Fulcio certificate's identity and issuer, or a managed key.
#[derive(Clone, Debug)]
pub enum Signer {
    Certificate(Box<Expectation>),
    /// A key's DER SubjectPublicKeyInfo (`--key K.pem`).
    Key(Vec<u8>),
}

/// Where the log put the entry, once its proofs held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    pub index: i64,
    /// Hex of the log id (Rekor v1: SHA-256 of its key; v2: its C2SP key id).
    pub log_id: String,
    pub rekor_v2: bool,
}

/// All a bundle's verification found.
#[derive(Clone, Debug)]
pub struct BlobReport {
    pub certificate: Option<CertificateFacts>,
    pub log: Option<Logged>,
    /// Every verified time (RFC 3161 tokens, a Rekor v1 entry's logged time), Unix seconds.
    pub times: Vec<i64>,
    /// A DSSE envelope (in-toto statement) rather than a message signature.
    pub dsse: bool,
    /// The policy principal the signer is, and the policy's name (`verify-blob --policy`).
    pub principal: Option<(String, String)>,
    pub outcome: Result<(), SigstoreError>,
}

/// Reads a bundle (JSON): the media types of v0.1 to v0.3 and nothing else. An RFC 3161
/// token's base64 is read as Go's and Python's decoders read it, line breaks ignored
/// (`base64` wraps its output at 76 columns, and bundles have been assembled with it); no
/// other field is touched (a checkpoint's lines are its meaning). A checkpoint that is not
/// a signed note says so under its own reason.
pub fn parse_bundle(text: &str) -> Result<Bundle, SigstoreError> {
    let mut value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| SigstoreError::Malformed(format!("the bundle is not JSON: {e}")))?;
    if let Some(stamps) = value
        .pointer_mut("/verificationMaterial/timestampVerificationData/rfc3161Timestamps")
        .and_then(|v| v.as_array_mut())
    {
        for stamp in stamps {
            if let Some(serde_json::Value::String(b64)) = stamp.get_mut("signedTimestamp") {
                b64.retain(|c| c != '\n' && c != '\r');
            }
        }
    }
    Bundle::from_json(&value.to_string()).map_err(|e| {
        let text = e.to_string();
        if text.contains("checkpoint") {
            SigstoreError::Checkpoint(format!("the bundle's checkpoint: {text}"))
        } else {
            SigstoreError::Malformed(format!("bundle: {text}"))
        }
    })
}

/// Checks `bundle` over `subject` against `trust`, then the signer against `signer`.
pub fn verify(
    subject: &Subject,
    bundle: &Bundle,
    trust: &TrustRoot,
    signer: &Signer,
) -> BlobReport {
    let mut report = BlobReport {
        certificate: None,
        log: None,
        times: Vec::new(),
        dsse: matches!(
            bundle.content,
            sigstore_types::SignatureContent::DsseEnvelope(_)
        ),
        principal: None,
        outcome: Ok(()),
    };
    report.outcome = check(subject, bundle, trust, signer, &mut report);
    report
}

fn check(
    subject: &Subject,
    bundle: &Bundle,
    trust: &TrustRoot,
    signer: &Signer,
    report: &mut BlobReport,
) -> Result<(), SigstoreError> {
    let result = match signer {
        Signer::Certificate(expectation) => {
            let der = bundle.signing_certificate().ok_or_else(|| {
                SigstoreError::Malformed(
                    "the bundle has no signing certificate (a key-signed bundle is checked with --key)"
                        .into(),
                )
            })?;
            let cert = facts(der.as_bytes())?;
            report.certificate = Some(cert.clone());
            let stamped = stamped(bundle, trust)?;
            let policy = VerificationPolicy::any_identity();
            let result = trust
                .verify_bundle(subject.artifact(), bundle, &policy)
                .map_err(|e| {
                    let mut times = logged_times(bundle);
                    times.extend(stamped.iter().map(|t| ("timestamped", *t)));
                    outside_validity(e, &cert, &times)
                })?;
            expectation.check(&cert)?;
            result
        }
        Signer::Key(spki) => {
            if bundle.signing_certificate().is_some() {
                return Err(SigstoreError::WrongFormat(
                    "the bundle is signed with a certificate, not a managed key: verify it with --certificate-identity and --certificate-oidc-issuer".into(),
                ));
            }
            stamped(bundle, trust)?;
            let policy = PublicKeyVerificationPolicy::new(DerPublicKey::new(spki.clone()));
            trust.verify_bundle(subject.artifact(), bundle, &policy)?
        }
    };
    report.times = result
        .verified_timestamps()
        .iter()
        .map(|t| t.as_second())
        .collect();
    if let Some(entry) = bundle.verification_material.tlog_entries.first() {
        report.log = Some(Logged {
            index: entry.log_index.as_i64(),
            log_id: hex(entry.log_id.key_id.as_bytes()),
            rekor_v2: entry.kind_version == KindVersion::HashedRekordV002,
        });
    }
    Ok(())
}

/// The Rekor v1 log times a bundle claims, for words when the chain fails at one: by the
/// time a chain is checked, `sigstore-verify` has authenticated them by their SETs.
fn logged_times(bundle: &Bundle) -> Vec<(&'static str, i64)> {
    bundle
        .verification_material
        .tlog_entries
        .iter()
        .filter(|e| e.kind_version != KindVersion::HashedRekordV002)
        .filter_map(|e| e.integrated_time)
        .map(|t| ("logged", t.as_second()))
        .collect()
}

/// Checks each RFC 3161 token of the bundle before `sigstore-verify` does, as for commit
/// signatures: a token that is garbage, for another signature, or signed by no authority
/// the root trusts each says so. Returns the verified times.
fn stamped(bundle: &Bundle, trust: &TrustRoot) -> Result<Vec<i64>, SigstoreError> {
    let data = &bundle.verification_material.timestamp_verification_data;
    if data.rfc3161_timestamps.is_empty() {
        return Ok(Vec::new());
    }
    let signature = match &bundle.content {
        SignatureContent::MessageSignature(m) => m.signature.as_bytes().to_vec(),
        SignatureContent::DsseEnvelope(e) => e.signature.sig.as_bytes().to_vec(),
        _ => {
            return Err(SigstoreError::Malformed(
                "the bundle holds neither a message signature nor a DSSE envelope".into(),
            ));
        }
    };
    let authorities = trust.root().tsa_authorities();
    data.rfc3161_timestamps
        .iter()
        .map(|stamp| {
            let token = timestamp::token_of_response(stamp.signed_timestamp.as_bytes())?;
            timestamp::verify(&token, &signature, &authorities)
        })
        .collect()
}

/// A PEM public key (`--key`), as DER SubjectPublicKeyInfo.
pub fn public_key_from_pem(text: &str) -> Result<Vec<u8>, String> {
    DerPublicKey::from_pem(text)
        .map(|k| k.as_bytes().to_vec())
        .map_err(|e| format!("not a PEM public key (-----BEGIN PUBLIC KEY-----): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_64_hex_digits_after_sha256() {
        let hex = "ab".repeat(32);
        let Some(Ok(Subject::Sha256(d))) = Subject::digest(&format!("sha256:{hex}")) else {
            panic!("a digest");
        };
        assert_eq!(d, [0xab; 32]);
        assert!(Subject::digest("a.txt").is_none(), "a file name");
        for bad in [
            "sha256:",
            "sha256:abc",
            &format!("sha256:{}", "zz".repeat(32)),
            &format!("sha256:{hex}00"),
        ] {
            assert!(matches!(Subject::digest(bad), Some(Err(_))), "{bad}");
        }
    }
}
