//! Release files signed the way commits are (issue 17): the same login, credential cache,
//! Fulcio, Rekor and timestamp authority as [`super::sign`], and for each file a standard
//! Sigstore bundle (v0.3): the Fulcio certificate, a message signature over the file, the
//! hashedrekord entry with its proofs, and the RFC 3161 timestamp when one is configured.
//! Every bundle is verified as `gitseal verify-blob` would before it is handed out.

use sha2::{Digest, Sha256};
use sigstore_crypto::KeyPair;
use sigstore_types::{
    Bundle, CertificateContent, DerCertificate, DigestBytes, HashAlgorithm, KindVersion, MediaType,
    MessageDigest, MessageSignature, Rfc3161Timestamp, SignatureBytes, SignatureContent,
    TimestampToken, TimestampVerificationData, VerificationMaterial, VerificationMaterialContent,
};

use super::blob::{self, Signer, Subject};
use super::certificate::{CertificateFacts, facts};
use super::identity::{Expect, Expectation};
use super::sign::{
    SignError, SignSettings, create_entry, credential, hashedrekord, log_v2, rekor_error, stamp,
    trust_root, v2_needs_timestamp,
};
use super::timestamp;

/// One file's bundle.
pub struct BlobSigned {
    /// The bundle, as pretty JSON (what `FILE.sigstore.json` holds).
    pub bundle: String,
    pub log_index: i64,
}

/// All files signed with one certificate.
pub struct Signed {
    pub certificate: CertificateFacts,
    /// Whether the certificate came from the credential cache.
    pub cached: bool,
    pub bundles: Vec<BlobSigned>,
}

/// Signs each of `files` (their contents) at `now` (Unix seconds).
pub fn sign_blobs(
    files: &[&[u8]],
    settings: &SignSettings,
    now: i64,
    notes: &mut dyn FnMut(&str),
) -> Result<Signed, SignError> {
    let (runtime, http) = super::network(settings.timeout).map_err(SignError::Local)?;
    let mut root = None;
    let (credential, cached) = credential(settings, None, &mut root, &runtime, &http, now, notes)?;
    let root = trust_root(&mut root, settings, notes)?;
    let key_pair = KeyPair::from_pkcs8_der(&credential.key)
        .map_err(|e| SignError::Local(format!("signing key: {e}")))?;
    let leaf = credential
        .chain
        .first()
        .ok_or_else(|| SignError::Local("empty certificate chain".into()))?;
    let certificate = facts(leaf).map_err(|e| SignError::Local(e.to_string()))?;
    let expect = Signer::Certificate(Box::new(Expectation {
        identity: Some(Expect::Exact(certificate.identity.clone())),
        issuer: Some(Expect::Exact(certificate.issuer.clone())),
        committer: None,
        workflow: Default::default(),
    }));
    let mut bundles = Vec::new();
    for contents in files {
        let digest = Sha256::digest(contents);
        let signature = key_pair
            .sign(contents)
            .map_err(|e| SignError::Local(format!("signing: {e}")))?
            .into_bytes();
        // As for commits: the timestamp first, so a TSA that fails leaves no entry behind.
        let stamped = match &settings.timestamp {
            None => None,
            Some(tsa) => Some(stamp(
                tsa,
                &signature,
                root,
                &runtime,
                &http,
                settings.timeout,
            )?),
        };
        let entry = if settings.rekor_v2 {
            if stamped.is_none() {
                return Err(v2_needs_timestamp(settings));
            }
            log_v2(settings, &runtime, &http, &digest, &signature, leaf)?
        } else {
            create_entry(
                settings,
                &runtime,
                &http,
                hashedrekord(&digest, &signature, leaf)?,
            )?
            .to_bundle_entry(KindVersion::HashedRekordV001)
            .map_err(|e| rekor_error(settings, format!("unreadable entry: {e}")))?
        };
        let log_index = entry.log_index.as_i64();
        let mut material = VerificationMaterial::new(VerificationMaterialContent::Certificate(
            CertificateContent::new(DerCertificate::from(&leaf[..])),
        ))
        .with_tlog_entries(vec![entry]);
        if let Some(stamped) = &stamped {
            let response = timestamp::as_response(&stamped.token)?;
            material =
                material.with_timestamp_verification_data(TimestampVerificationData::new(vec![
                    Rfc3161Timestamp::new(TimestampToken::from(&response[..])),
                ]));
        }
        let bundle = Bundle::new(
            MediaType::Bundle0_3,
            material,
            SignatureContent::MessageSignature(
                MessageSignature::new(SignatureBytes::from(&signature[..])).with_message_digest(
                    MessageDigest::new(
                        HashAlgorithm::Sha2256,
                        DigestBytes::from(digest.as_slice()),
                    ),
                ),
            ),
        );
        // What is handed out must verify as verify-blob checks it, by whom it names.
        let report = blob::verify(&Subject::Bytes(contents.to_vec()), &bundle, root, &expect);
        if let Err(e) = report.outcome {
            return Err(rekor_error(
                settings,
                format!("the bundle made with the returned entry does not verify: {e}"),
            ));
        }
        let json = bundle
            .to_json_pretty()
            .map_err(|e| SignError::Local(format!("writing the bundle: {e}")))?;
        bundles.push(BlobSigned {
            bundle: json,
            log_index,
        });
    }
    Ok(Signed {
        certificate,
        cached,
        bundles,
    })
}
