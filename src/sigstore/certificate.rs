//! What a Fulcio certificate says, for verdicts and for people: identity, issuer, names,
//! validity. The claims come from the Sigstore project's parser (`sigstore-crypto`);
//! the names and fingerprint from `x509-cert`.

use der::{Decode, Encode};
use sha1::{Digest, Sha1};
use sigstore_types::DerCertificate;
use x509_cert::Certificate;

use super::SigstoreError;

/// The facts of a signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFacts {
    /// SAN e-mail or URI: who Fulcio says signed.
    pub identity: String,
    /// The OIDC issuer that vouched for the identity (Fulcio extension 1.8, else 1.1).
    pub issuer: String,
    /// Lower-case hex SHA-1 of the certificate DER: gitsign's "certificate ID".
    pub fingerprint: String,
    /// The subject DN (empty for Fulcio certificates) and the issuing CA's DN.
    pub subject: String,
    pub ca: String,
    pub not_before: i64,
    pub not_after: i64,
    /// DER SubjectPublicKeyInfo of the signing key.
    pub public_key: Vec<u8>,
}

/// Reads the facts of a certificate (DER).
pub fn facts(der: &[u8]) -> Result<CertificateFacts, SigstoreError> {
    let info = sigstore_crypto::parse_certificate_info(&DerCertificate::new(der.to_vec()))
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let cert = Certificate::from_der(der)
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let fingerprint = Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let public_key = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| SigstoreError::Malformed(format!("signer key: {e}")))?;
    Ok(CertificateFacts {
        identity: info.identity.map(|i| i.to_string()).unwrap_or_default(),
        issuer: info.issuer.unwrap_or_default(),
        fingerprint,
        subject: cert.tbs_certificate.subject.to_string(),
        ca: cert.tbs_certificate.issuer.to_string(),
        not_before: info.not_before.as_second(),
        not_after: info.not_after.as_second(),
        public_key,
    })
}

/// PEM of a DER certificate exactly as Go's `pem.EncodeToMemory` writes it (64-column
/// lines, LF), which is what gitsign uploaded to Rekor and what the log's body holds.
pub fn to_pem(der: &[u8]) -> Result<String, SigstoreError> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map(|mut pem| {
            if !pem.ends_with('\n') {
                pem.push('\n');
            }
            pem
        })
        .map_err(|e| SigstoreError::Malformed(format!("certificate PEM: {e}")))
}
