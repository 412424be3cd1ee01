//! The full check of a gitsign signature (DESIGN.md section 5): message digest over the
//! object as git stores it minus the signature, then the signature re-assembled as a
//! Sigstore bundle and handed to `sigstore-verify` (chain at the log's time, SCT, SET,
//! inclusion proof, checkpoint, body matched, log time inside the certificate's validity,
//! RFC 3161 timestamps), or, for gitsign's online mode, what can be checked without the
//! log ([`super::online`]).

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::certificate::{CertificateFacts, facts, to_pem};
use super::cms::{CmsSignature, parse};
use super::trust::TrustRoot;
use super::{SigstoreError, online, timestamp, tlog};

/// Where the log put the entry, once its proofs have been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogProof {
    pub index: i64,
    /// Unix seconds: the time the signature is judged at.
    pub integrated_time: i64,
    /// Hex SHA-256 of the log's key.
    pub log_id: String,
}

/// All a verification found: the certificate's facts as soon as they could be read, the
/// proofs that held, and the outcome.
#[derive(Clone, Debug)]
pub struct Report {
    pub certificate: Option<CertificateFacts>,
    pub log: Option<LogProof>,
    /// A verified RFC 3161 time (Unix seconds), when the signature carries one.
    pub timestamp: Option<i64>,
    /// The CMS signingTime: the signer's own clock, shown, never trusted.
    pub signing_time: Option<i64>,
    /// Signed in gitsign's online mode (no log entry embedded).
    pub online_mode: bool,
    pub outcome: Result<(), SigstoreError>,
}

impl Report {
    fn failed(error: SigstoreError) -> Report {
        Report {
            certificate: None,
            log: None,
            timestamp: None,
            signing_time: None,
            online_mode: false,
            outcome: Err(error),
        }
    }

    /// The trusted time the signature was judged at, if any proof gave one: the TSA's
    /// when the signature carries a verified timestamp (it is what the signer asked for),
    /// else the log's.
    pub fn trusted_time(&self) -> Option<i64> {
        self.timestamp
            .or(self.log.as_ref().map(|l| l.integrated_time))
    }
}

/// How the object whose signature is checked is known to the log in online mode.
pub struct Object<'a> {
    /// The signed payload: the object without its signature.
    pub payload: &'a [u8],
    /// The object id (hex) of the object as stored, which online-mode gitsign logged.
    pub id: Option<&'a str>,
}

/// Checks `signature` over `object.payload` against `trust`. Identity and issuer are not
/// judged here: callers match them against flags or a policy.
pub fn verify(
    object: &Object<'_>,
    signature: &[u8],
    trust: &TrustRoot,
    online: &online::Settings,
) -> Report {
    match parse(signature) {
        Ok(sig) => verify_parsed(object, &sig, trust, online),
        Err(e) => Report::failed(e),
    }
}

/// [`verify`] for a signature already taken apart.
pub fn verify_parsed(
    object: &Object<'_>,
    sig: &CmsSignature,
    trust: &TrustRoot,
    online: &online::Settings,
) -> Report {
    let mut report = Report::failed(SigstoreError::PayloadMismatch);
    report.signing_time = sig.signing_time;
    report.online_mode = sig.tlog_entry.is_none();
    match facts(&sig.certificate) {
        Ok(f) => report.certificate = Some(f),
        Err(e) => {
            report.outcome = Err(e);
            return report;
        }
    }
    if Sha256::digest(object.payload).as_slice() != sig.message_digest.as_slice() {
        return report;
    }
    if !sig.timestamps.is_empty() {
        match stamped(sig, trust, &report) {
            Ok(time) => report.timestamp = Some(time),
            Err(e) => {
                report.outcome = Err(e);
                return report;
            }
        }
    }
    report.outcome = if sig.tlog_entry.is_some() {
        with_embedded_entry(sig, trust, &mut report)
    } else {
        online::verify(object, sig, trust, online, &mut report)
    };
    report
}

fn with_embedded_entry(
    sig: &CmsSignature,
    trust: &TrustRoot,
    report: &mut Report,
) -> Result<(), SigstoreError> {
    let bundle = bundle(sig)?;
    // A certificate seen before: its chain and SCT hold (timestamps would need the
    // certificate checked at their own times, so signatures with one take the full path).
    let known = sig.timestamps.is_empty() && trust.chain_known(&sig.certificate);
    let mut policy = sigstore_verify::VerificationPolicy::any_identity();
    if known {
        policy = policy.skip_certificate_chain();
    }
    let result = trust
        .verify_logged(sig.signed_attrs.as_slice(), &bundle, &policy)
        .map_err(|e| {
            let logged = bundle
                .verification_material
                .tlog_entries
                .first()
                .and_then(|e| e.integrated_time)
                .map(|t| ("logged", t.as_second()));
            let stamped = report.timestamp.map(|t| ("timestamped", t));
            let times: Vec<_> = logged.into_iter().chain(stamped).collect();
            match &report.certificate {
                Some(cert) => outside_validity(e, cert, &times),
                None => e,
            }
        })?;
    if !known
        && sig.timestamps.is_empty()
        && result.certificate_verified()
        && result.sct_verified()
        && let Some(cert) = &report.certificate
    {
        trust.remember_chain(&sig.certificate, cert.not_before, cert.not_after);
    }
    let entry = bundle
        .verification_material
        .tlog_entries
        .first()
        .ok_or_else(|| SigstoreError::TlogMalformed("no log entry".into()))?;
    // A Rekor v2 entry has no log time: the signature is timed by its RFC 3161 token
    // (sigstore-verify requires one for v2 entries, and it was checked above).
    let integrated = match result.integrated_time() {
        Some(time) => time.as_second(),
        None if entry.kind_version == sigstore_types::KindVersion::HashedRekordV002 => {
            report.timestamp.ok_or_else(|| {
                SigstoreError::Timestamp(
                    "a Rekor v2 entry gives no log time and the signature carries no timestamp"
                        .into(),
                )
            })?
        }
        None => {
            return Err(SigstoreError::IntegratedTime(
                "the log entry has no time".into(),
            ));
        }
    };
    report.log = Some(LogProof {
        index: entry.log_index.as_i64(),
        integrated_time: integrated,
        log_id: hex(entry.log_id.key_id.as_bytes()),
    });
    Ok(())
}

/// Checks each RFC 3161 token before the bundle is: `sigstore-verify` checks them too but
/// gives every failure one reason, and a token that is garbage, for another signature, or
/// signed by nobody the root trusts should each say so. Returns the earliest TSA time.
/// With an embedded entry `sigstore-verify` then checks the chain at that time; without
/// one (online mode) the certificate must at least have been valid then.
fn stamped(sig: &CmsSignature, trust: &TrustRoot, report: &Report) -> Result<i64, SigstoreError> {
    let authorities = trust.root().tsa_authorities();
    let mut earliest = i64::MAX;
    for token in &sig.timestamps {
        earliest = earliest.min(timestamp::verify(token, &sig.signature, &authorities)?);
    }
    if sig.tlog_entry.is_none()
        && let Some(cert) = &report.certificate
    {
        let words = crate::output::status::date_time;
        if earliest > cert.not_after {
            return Err(SigstoreError::Expired(format!(
                "timestamped at {}, the certificate expired at {}",
                words(earliest),
                words(cert.not_after)
            )));
        }
        if earliest < cert.not_before {
            return Err(SigstoreError::NotYetValid(format!(
                "timestamped at {}, the certificate is valid from {}",
                words(earliest),
                words(cert.not_before)
            )));
        }
    }
    Ok(earliest)
}

/// A verification that failed because a trusted time (the log's, a TSA's: the chain is
/// checked at every verified time) lies outside the certificate's validity says so: a
/// failed chain, or (with the chain cache, which skips the chain) the log's own check of
/// its time against the certificate. Both come after the SET and the tokens are checked,
/// so `times` are authenticated by then.
pub(super) fn outside_validity(
    error: SigstoreError,
    cert: &CertificateFacts,
    times: &[(&str, i64)],
) -> SigstoreError {
    if !matches!(
        error,
        SigstoreError::UntrustedChain(_)
            | SigstoreError::IntegratedTime(_)
            | SigstoreError::Expired(_)
            | SigstoreError::NotYetValid(_)
    ) {
        return error;
    }
    let words = crate::output::status::date_time;
    for &(how, at) in times {
        if at > cert.not_after {
            return SigstoreError::Expired(format!(
                "{how} at {}, the certificate expired at {}",
                words(at),
                words(cert.not_after)
            ));
        }
        if at < cert.not_before {
            return SigstoreError::NotYetValid(format!(
                "{how} at {}, the certificate is valid from {}",
                words(at),
                words(cert.not_before)
            ));
        }
    }
    error
}

/// The signature as a Sigstore bundle (v0.3): the artifact is the DER of the signed
/// attributes, which is what the CMS signature and the Rekor entry both cover.
pub fn bundle_json(sig: &CmsSignature) -> Result<Value, SigstoreError> {
    let mut material = json!({
        "certificate": {"rawBytes": Base64::encode_string(&sig.certificate)},
        "tlogEntries": [],
    });
    if let Some(bytes) = &sig.tlog_entry {
        let entry = tlog::decode(bytes)?;
        let body = rekor_body(sig)?;
        material["tlogEntries"] = json!([tlog::bundle_entry(&entry, &body)]);
    }
    if !sig.timestamps.is_empty() {
        // A bundle holds a TimeStampResp (protobuf-specs; sigstore-python reads no other
        // form); the SignerInfo holds the bare token, so it is wrapped as granted.
        let responses = sig
            .timestamps
            .iter()
            .map(|t| {
                timestamp::as_response(t)
                    .map(|r| json!({"signedTimestamp": Base64::encode_string(&r)}))
            })
            .collect::<Result<Vec<_>, _>>()?;
        material["timestampVerificationData"] = json!({ "rfc3161Timestamps": responses });
    }
    Ok(json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": material,
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": Base64::encode_string(&Sha256::digest(&sig.signed_attrs)),
            },
            "signature": Base64::encode_string(&sig.signature),
        }
    }))
}

/// The bundle of [`bundle_json`], built as `sigstore-verify`'s type directly: what every
/// signature is verified through, so no base64 and JSON are written and parsed back.
pub fn bundle(sig: &CmsSignature) -> Result<sigstore_types::Bundle, SigstoreError> {
    use sigstore_types::{
        Bundle, CertificateContent, DerCertificate, DigestBytes, HashAlgorithm, MediaType,
        MessageDigest, MessageSignature, Rfc3161Timestamp, SignatureBytes, SignatureContent,
        TimestampToken, TimestampVerificationData, VerificationMaterial,
        VerificationMaterialContent,
    };
    let mut material = VerificationMaterial::new(VerificationMaterialContent::Certificate(
        CertificateContent::new(DerCertificate::from(&sig.certificate[..])),
    ));
    if let Some(bytes) = &sig.tlog_entry {
        let entry = tlog::decode(bytes)?;
        let body = rekor_body(sig)?;
        material = material.with_tlog_entries(vec![tlog::typed_entry(&entry, &body)?]);
    }
    if !sig.timestamps.is_empty() {
        let responses = sig
            .timestamps
            .iter()
            .map(|t| {
                timestamp::as_response(t)
                    .map(|r| Rfc3161Timestamp::new(TimestampToken::from(&r[..])))
            })
            .collect::<Result<Vec<_>, _>>()?;
        material =
            material.with_timestamp_verification_data(TimestampVerificationData::new(responses));
    }
    let signature = MessageSignature::new(SignatureBytes::from(&sig.signature[..]))
        .with_message_digest(MessageDigest::new(
            HashAlgorithm::Sha2256,
            DigestBytes::from(Sha256::digest(&sig.signed_attrs).as_slice()),
        ));
    Ok(Bundle::new(
        MediaType::Bundle0_3,
        material,
        SignatureContent::MessageSignature(signature),
    ))
}

/// The hashedrekord body gitsign's offline mode logged for this signature: 0.0.1 with
/// the certificate's PEM (Rekor v1), or 0.0.2 with its DER (Rekor v2) when the embedded
/// entry is a v2 one.
pub fn rekor_body(sig: &CmsSignature) -> Result<String, SigstoreError> {
    let v2 = match &sig.tlog_entry {
        Some(bytes) => tlog::is_v2(&tlog::decode(bytes)?),
        None => false,
    };
    if v2 {
        let cert = facts(&sig.certificate)?;
        let details =
            super::rekor_v2::key_details(&cert.public_key).map_err(SigstoreError::TlogMalformed)?;
        return Ok(super::rekor_v2::hashedrekord_body(
            &Sha256::digest(&sig.signed_attrs),
            &sig.signature,
            &sig.certificate,
            details,
        ));
    }
    let digest = hex(&Sha256::digest(&sig.signed_attrs));
    Ok(tlog::hashedrekord_body(
        &digest,
        &sig.signature,
        &to_pem(&sig.certificate)?,
    ))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::signed::{HashKind, split_commit, split_tag};

    fn vector(name: &str) -> Vec<u8> {
        crate::testdata::read_gitsign(name)
    }

    fn split(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let signed = if raw.starts_with(b"object ") {
            split_tag(raw).ok().flatten()
        } else {
            split_commit(raw, HashKind::Sha1).ok().flatten()
        };
        let signed = signed.expect("a signed object");
        (signed.payload, signed.signature)
    }

    fn check(name: &str) -> Report {
        let root = TrustRoot::built_in().expect("root");
        let (payload, signature) = split(&vector(name));
        let object = Object {
            payload: &payload,
            id: None,
        };
        verify(&object, &signature, &root, &online::Settings::default())
    }

    /// The bundle verification is built from in memory is the one the exported JSON
    /// parses to, for every real signature with an embedded entry.
    #[test]
    fn the_typed_bundle_is_the_exported_one() {
        for name in [
            "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
            "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
            "44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
            "dc68e8ce155fe12ab8fd7c55de6ef336ce716ee8.commit",
            "138f9d7cb3097a5f04192621a186e54f86390df0.tag",
            "testdata/e2e-offline.commit",
            "testdata/rekor-oid-commit.txt",
        ] {
            let (_, signature) = split(&vector(name));
            let sig = parse(&signature).expect("parses");
            let exported = bundle_json(&sig).expect("exports").to_string();
            let parsed = sigstore_types::Bundle::from_json(&exported).expect("parses back");
            assert_eq!(bundle(&sig).expect("builds"), parsed, "{name}");
        }
    }

    /// Every vector with an embedded entry verifies fully offline, with its real
    /// identity, issuer and log index (../shared/vectors/gitsign-commits/README.md).
    #[test]
    fn embedded_entries_verify_offline() {
        let cases = [
            (
                "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                2276584560,
            ),
            (
                "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                2281200680,
            ),
            (
                "44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
                "adam.kaplan@chainguard.dev",
                "https://accounts.google.com",
                2341259350,
            ),
            (
                "dc68e8ce155fe12ab8fd7c55de6ef336ce716ee8.commit",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                2345438208,
            ),
            (
                "138f9d7cb3097a5f04192621a186e54f86390df0.tag",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                2282308323,
            ),
            (
                "testdata/e2e-offline.commit",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                22784639,
            ),
            (
                "testdata/rekor-oid-commit.txt",
                "billy@chainguard.dev",
                "https://accounts.google.com",
                17974796,
            ),
        ];
        for (name, identity, issuer, index) in cases {
            let report = check(name);
            assert_eq!(report.outcome, Ok(()), "{name}");
            let cert = report.certificate.as_ref().expect("certificate");
            assert_eq!(cert.identity, identity, "{name}");
            assert_eq!(cert.issuer, issuer, "{name}");
            let log = report.log.as_ref().expect("log proof");
            assert_eq!(log.index, index, "{name}");
            assert!(
                (cert.not_before..=cert.not_after).contains(&log.integrated_time),
                "{name}: log time inside the certificate's validity"
            );
        }
    }

    #[test]
    fn the_prototype_format_is_rejected() {
        let report = check("c47e8bf5c86212dc9b6db0e3ec4df27a978b3d6e.commit");
        assert_eq!(
            report.outcome.as_ref().map_err(SigstoreError::reason),
            Err("prototype-format")
        );
    }

    #[test]
    fn online_mode_fails_for_lack_of_a_log_proof() {
        let report = check("d3f6031561c5decb3e035e1e181aff09231a328e.commit");
        assert!(report.online_mode);
        let err = report.outcome.expect_err("no log proof");
        assert_eq!(err.reason(), "no-log-proof", "{err}");
    }
}
