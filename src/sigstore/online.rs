//! gitsign's online mode (still its default): nothing is embedded; Rekor holds a
//! hashedrekord over sha256 of the object's hex id, signed with the same ephemeral key
//! (reference/gitsign-format.md section 3). Without the log there is no trusted time, so
//! what can be checked offline is checked at the certificate's NotBefore plus a minute
//! (as gitsign's legacy verifier does): the CMS signature, the chain and the SCT. Then the
//! log is searched; when it cannot be reached the verdict is a failure that says so.

use std::time::Duration;

use base64ct::{Base64, Encoding};
use const_oid::db::rfc6962::CT_PRECERT_SCTS;
use der::{Decode, Encode};
use rustls_pki_types::{CertificateDer, UnixTime};
use serde_json::json;
use sha2::{Digest, Sha256};
use sigstore_crypto::{SigningScheme, WEBPKI_VERIFICATION_ALGS};
use sigstore_types::{DerPublicKey, Sha256Hash, SignatureBytes};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SignedCertificateTimestampList;

use super::SigstoreError;
use super::certificate::CertificateFacts;
use super::cms::CmsSignature;
use super::trust::TrustRoot;
use super::verify::{LogProof, Object, Report, hex, outside_validity};

/// How to reach the log for online-mode signatures.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Rekor v1 base URL (`gitseal.rekor`); `None` never searches.
    pub rekor: Option<String>,
    /// Bound on each request (`gitseal.timeout`).
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rekor: None,
            timeout: Duration::from_secs(30),
        }
    }
}

const ID_KP_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];

pub fn verify(
    object: &Object<'_>,
    sig: &CmsSignature,
    trust: &TrustRoot,
    settings: &Settings,
    report: &mut Report,
) -> Result<(), SigstoreError> {
    let Some(cert) = report.certificate.as_ref() else {
        return Err(SigstoreError::Malformed("no signer certificate".into()));
    };
    sigstore_crypto::verify_signature(
        &DerPublicKey::new(cert.public_key.clone()),
        &sig.signed_attrs,
        &SignatureBytes::new(sig.signature.clone()),
        SigningScheme::EcdsaP256Sha256,
    )
    .map_err(|e| SigstoreError::BadSignature(e.to_string()))?;
    let at = cert.not_before + 60;
    let issuer_spki = chain(sig, trust, at)?;
    sct(&sig.certificate, &issuer_spki, trust)?;

    let Some(id) = object.id else {
        return Err(SigstoreError::NoLogProof(
            "no log proof is embedded (gitsign online mode) and the object id needed to search the log is unknown".into(),
        ));
    };
    let Some(url) = &settings.rekor else {
        return Err(SigstoreError::NoLogProof(
            "no log proof is embedded (gitsign online mode) and no Rekor is configured to search"
                .into(),
        ));
    };
    let proof = search(url, id, sig, cert, trust, settings.timeout)?;
    report.log = Some(proof);
    Ok(())
}

/// The chain from the signer's certificate to a Fulcio CA of the trusted root valid at
/// `at`; returns the SPKI of the certificate's direct issuer (the SCT covers its hash).
fn chain(sig: &CmsSignature, trust: &TrustRoot, at: i64) -> Result<Vec<u8>, SigstoreError> {
    chain_at(&sig.certificate, &sig.extra_certificates, trust, at)
}

/// The chain from `leaf` (DER; `extra` are intermediates offered with it) to a Fulcio CA
/// of the trusted root valid at `at`, with the code-signing purpose; returns the SPKI of
/// the leaf's direct issuer.
pub fn chain_at(
    leaf: &[u8],
    extra: &[Vec<u8>],
    trust: &TrustRoot,
    at: i64,
) -> Result<Vec<u8>, SigstoreError> {
    let when = jiff::Timestamp::from_second(at)
        .map_err(|e| SigstoreError::Malformed(format!("certificate time: {e}")))?;
    let mut anchors = Vec::new();
    let mut intermediates: Vec<CertificateDer<'_>> = extra
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    for ca in &trust.root().certificate_authorities {
        if ca.valid_for.is_some_and(|range| !range.contains(when)) {
            continue;
        }
        for cert in &ca.cert_chain.certificates {
            let der = CertificateDer::from(cert.raw_bytes.as_bytes());
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| SigstoreError::TrustRoot(format!("Fulcio CA: {e}")))?
                .to_owned();
            anchors.push(anchor);
            intermediates.push(der.into_owned());
        }
    }
    if anchors.is_empty() {
        return Err(SigstoreError::UntrustedChain(format!(
            "no Fulcio CA of the trusted root was valid at {when}"
        )));
    }
    let leaf = CertificateDer::from(leaf);
    let end_entity = webpki::EndEntityCert::try_from(&leaf)
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let path = end_entity
        .verify_for_usage(
            WEBPKI_VERIFICATION_ALGS,
            &anchors,
            &intermediates,
            UnixTime::since_unix_epoch(Duration::from_secs(at.max(0) as u64)),
            webpki::KeyUsage::required(ID_KP_CODE_SIGNING),
            None,
            None,
        )
        .map_err(|e| SigstoreError::UntrustedChain(format!("{e:?}")))?;
    match path.intermediate_certificates().next() {
        Some(issuer) => Ok(issuer.subject_public_key_info().as_ref().to_vec()),
        None => der::Any::new(
            der::Tag::Sequence,
            path.anchor().subject_public_key_info.as_ref(),
        )
        .and_then(|any| any.to_der())
        .map_err(|e| SigstoreError::Malformed(format!("issuer key: {e}"))),
    }
}

/// The certificate's embedded SCT against the trusted root's CT logs (RFC 6962 3.2: the
/// log signed the precertificate, i.e. the TBS without the SCT list, and the issuer's key
/// hash).
pub fn sct(leaf: &[u8], issuer_spki: &[u8], trust: &TrustRoot) -> Result<(), SigstoreError> {
    let cert = Certificate::from_der(leaf)
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let list: SignedCertificateTimestampList = match cert.tbs_certificate.get() {
        Ok(Some((_, list))) => list,
        Ok(None) => {
            return Err(SigstoreError::Sct(
                "the certificate carries no SCT (Fulcio issued it before logging certificates)"
                    .into(),
            ));
        }
        Err(e) => return Err(SigstoreError::Sct(format!("SCT list: {e}"))),
    };
    let scts = list
        .parse_timestamps()
        .map_err(|e| SigstoreError::Sct(format!("SCT list: {e:?}")))?;
    let [serialized] = scts.as_slice() else {
        return Err(SigstoreError::Sct(format!(
            "{} SCTs in the certificate, Fulcio embeds one",
            scts.len()
        )));
    };
    let sct = serialized
        .parse_timestamp()
        .map_err(|e| SigstoreError::Sct(format!("SCT: {e:?}")))?;

    let mut tbs = cert.tbs_certificate.clone();
    tbs.extensions = tbs.extensions.map(|exts| {
        exts.into_iter()
            .filter(|e| e.extn_id != CT_PRECERT_SCTS)
            .collect()
    });
    let tbs = tbs
        .to_der()
        .map_err(|e| SigstoreError::Sct(format!("precertificate: {e}")))?;
    // digitally-signed struct of RFC 6962 3.2, written out: version v1, certificate_timestamp,
    // timestamp, precert_entry, issuer_key_hash, TBS (24-bit length), extensions (16-bit).
    let mut signed = vec![0u8, 0u8];
    signed.extend_from_slice(&sct.timestamp.to_be_bytes());
    signed.extend_from_slice(&1u16.to_be_bytes());
    signed.extend_from_slice(&Sha256::digest(issuer_spki));
    let tbs_len = u32::try_from(tbs.len())
        .ok()
        .filter(|l| *l < 1 << 24)
        .ok_or_else(|| SigstoreError::Sct("precertificate too long".into()))?;
    signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    signed.extend_from_slice(&tbs);
    let extensions = sct.extensions.as_slice();
    signed.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    signed.extend_from_slice(extensions);

    let algorithm = (
        sct.signature.algorithm.hash as u8,
        sct.signature.algorithm.signature as u8,
    );
    let scheme = match algorithm {
        (4, 3) => SigningScheme::EcdsaP256Sha256,
        (5, 3) => SigningScheme::EcdsaP384Sha384,
        (4, 1) => SigningScheme::RsaPkcs1Sha256,
        other => {
            return Err(SigstoreError::Sct(format!(
                "unsupported SCT signature algorithm {other:?}"
            )));
        }
    };
    let keys = trust
        .root()
        .ctfe_keys(scheme)
        .map_err(|e| SigstoreError::TrustRoot(format!("CT log keys: {e}")))?;
    let issued = jiff::Timestamp::from_millisecond(sct.timestamp as i64)
        .map_err(|e| SigstoreError::Sct(format!("SCT time: {e}")))?;
    keys.verify_with_key_id_at(
        &Sha256Hash::new(sct.log_id.key_id),
        issued,
        &signed,
        &SignatureBytes::new(sct.signature.signature.as_slice().to_vec()),
    )
    .map_err(|e| SigstoreError::Sct(format!("SCT does not verify with a trusted CT log: {e}")))
}

/// The most a Rekor answer may be: a list of entry ids, or an entry with its proofs.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Searches Rekor for the entry online-mode gitsign wrote for this object: a hashedrekord
/// over sha256 of the object id in hex, with the signer's certificate; its proofs are then
/// checked like an embedded entry's.
fn search(
    url: &str,
    object_id: &str,
    sig: &CmsSignature,
    cert: &CertificateFacts,
    trust: &TrustRoot,
    timeout: Duration,
) -> Result<LogProof, SigstoreError> {
    let unreachable = |why: String| {
        // One line: a server's error body (e.g. "...: not found\n") is part of `why`.
        let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
        SigstoreError::NoLogProof(format!(
            "no log proof is embedded (gitsign online mode) and the log at {url} could not be searched: {why}"
        ))
    };
    // gitseal's own client, not the Sigstore crate's: that one flattens a failed request
    // into reqwest's "error sending request for url (...)", which drops the cause
    // (refused, timed out, TLS, DNS) a person needs to act on.
    let (runtime, http) = super::network(timeout).map_err(unreachable)?;
    let failed = |failure: super::ExchangeFailure| {
        unreachable(match failure {
            super::ExchangeFailure::Transport(why) | super::ExchangeFailure::Status(why) => why,
            super::ExchangeFailure::TooLarge(status) => {
                format!("HTTP {status} with an answer of more than {MAX_ANSWER_BYTES} bytes")
            }
        })
    };
    let base = url.trim_end_matches('/');
    let digest = hex(&Sha256::digest(object_id.as_bytes()));
    let answer = super::exchange(
        &runtime,
        http.post(format!("{base}/api/v1/index/retrieve"))
            .json(&json!({ "hash": format!("sha256:{digest}") })),
        timeout,
        MAX_ANSWER_BYTES,
    )
    .map_err(failed)?;
    let uuids: Vec<String> = serde_json::from_slice(&answer)
        .map_err(|e| unreachable(format!("the answer is not a list of entries: {e}")))?;
    let mut entries = Vec::new();
    for uuid in uuids.iter().take(16) {
        // An entry id is hex; anything else is not put in a URL.
        if uuid.is_empty() || !uuid.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(unreachable(
                "the log named an entry id that is not hex".into(),
            ));
        }
        let answer = super::exchange(
            &runtime,
            http.get(format!("{base}/api/v1/log/entries/{uuid}")),
            timeout,
            MAX_ANSWER_BYTES,
        )
        .map_err(failed)?;
        let found: std::collections::BTreeMap<String, sigstore_rekor::LogEntry> =
            serde_json::from_slice(&answer)
                .map_err(|e| unreachable(format!("the answer is not a log entry: {e}")))?;
        for (uuid, mut entry) in found {
            entry.uuid = sigstore_types::EntryUuid::new(uuid);
            entries.push(entry);
        }
    }
    let mut last = SigstoreError::NoLogProof(format!(
        "no log proof is embedded (gitsign online mode) and the log at {url} holds no entry for object {object_id}"
    ));
    for entry in entries {
        match check_entry(&entry, object_id, sig, cert, trust) {
            Ok(proof) => return Ok(proof),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn check_entry(
    entry: &sigstore_rekor::LogEntry,
    object_id: &str,
    sig: &CmsSignature,
    cert: &CertificateFacts,
    trust: &TrustRoot,
) -> Result<LogProof, SigstoreError> {
    let body: serde_json::Value = serde_json::from_slice(entry.body.as_bytes())
        .map_err(|e| SigstoreError::TlogMalformed(format!("entry body: {e}")))?;
    let logged_sig = body["spec"]["signature"]["content"]
        .as_str()
        .and_then(|s| Base64::decode_vec(s).ok())
        .ok_or_else(|| SigstoreError::TlogMalformed("entry body has no signature".into()))?;
    let bundle_entry = entry
        .to_bundle_entry(sigstore_types::KindVersion::HashedRekordV001)
        .map_err(|e| SigstoreError::TlogMalformed(e.to_string()))?;
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": Base64::encode_string(&sig.certificate)},
            "tlogEntries": [serde_json::to_value(&bundle_entry)
                .map_err(|e| SigstoreError::TlogMalformed(e.to_string()))?],
        },
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": Base64::encode_string(&Sha256::digest(object_id.as_bytes())),
            },
            "signature": Base64::encode_string(&logged_sig),
        }
    });
    let bundle = sigstore_types::Bundle::from_json(&bundle.to_string())
        .map_err(|e| SigstoreError::TlogMalformed(format!("as a Sigstore bundle: {e}")))?;
    let result = trust
        .verify_logged(
            object_id.as_bytes(),
            &bundle,
            &sigstore_verify::VerificationPolicy::any_identity(),
        )
        .map_err(|e| {
            let logged: Vec<_> = entry
                .integrated_time
                .map(|t| ("logged", t.as_second()))
                .into_iter()
                .collect();
            outside_validity(e, cert, &logged)
        })?;
    let time = result
        .integrated_time()
        .ok_or_else(|| SigstoreError::IntegratedTime("the log entry has no time".into()))?;
    Ok(LogProof {
        index: entry.log_index.as_i64(),
        integrated_time: time.as_second(),
        log_id: hex(bundle_entry.log_id.key_id.as_bytes()),
    })
}
