//! OpenSSH certificates (PROTOCOL.certkeys) as they appear inside SSHSIG signatures.
//!
//! Our own small decoder: ssh-key 0.6.7 refuses the `valid_before` that ssh-keygen writes
//! for certificates without an expiry (2^64-1, "forever"), which is the common case.

use super::key::decode_key_body;
use ssh_encoding::{Decode, Reader};
use ssh_key::Algorithm;
use ssh_key::Signature;
use ssh_key::public::KeyData;

/// Certificate type: who the certificate speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertType {
    User,
    Host,
}

/// A decoded certificate whose CA signature has been checked (not yet its authority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshCertificate {
    /// The certified key: the one that makes signatures.
    pub key: KeyData,
    pub serial: u64,
    pub cert_type: CertType,
    pub key_id: String,
    pub principals: Vec<String>,
    pub valid_after: u64,
    pub valid_before: u64,
    /// The names of the critical options, in order (their values are not kept: none of
    /// those OpenSSH knows bears on signatures).
    pub critical_options: Vec<String>,
    /// The CA key that signed the certificate.
    pub ca_key: KeyData,
    /// `ssh-ed25519-cert-v01@openssh.com`, ...: the certificate's own type name.
    pub cert_type_name: String,
    /// The whole certificate as encoded: ssh-keygen compares certificates by these bytes.
    pub blob: Vec<u8>,
}

/// Why a certificate blob was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("malformed certificate")]
    Malformed,
    #[error("unsupported certificate type {0}")]
    UnsupportedType(String),
    #[error("invalid certificate signature")]
    BadSignature,
}

/// Why a valid certificate does not speak for a principal at a time; the texts are
/// OpenSSH's (`sshkey_cert_check_authority`), which ssh-keygen prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    #[error("Certificate invalid: not a user certificate")]
    NotUser,
    #[error("Certificate invalid: not yet valid")]
    NotYetValid,
    #[error("Certificate invalid: expired")]
    Expired,
    #[error("Certificate lacks principal list")]
    NoPrincipals,
    #[error("Certificate invalid: name is not a listed principal")]
    PrincipalNotListed,
}

impl CertificateError {
    /// A stable name for tests and machine-readable output.
    pub fn reason(&self) -> &'static str {
        match self {
            CertificateError::Malformed => "certificate-malformed",
            CertificateError::UnsupportedType(_) => "certificate-type",
            CertificateError::BadSignature => "certificate-signature",
        }
    }
}

impl AuthorityError {
    /// A stable name for tests and machine-readable output.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthorityError::NotUser => "certificate-not-user",
            AuthorityError::NotYetValid => "certificate-not-yet-valid",
            AuthorityError::Expired => "certificate-expired",
            AuthorityError::NoPrincipals => "certificate-no-principals",
            AuthorityError::PrincipalNotListed => "certificate-principal-not-listed",
        }
    }
}

impl SshCertificate {
    /// Decodes a certificate blob and checks the CA's signature over it.
    pub fn decode(blob: &[u8]) -> Result<Self, CertificateError> {
        let malformed = |_: ssh_encoding::Error| CertificateError::Malformed;
        let mut reader = blob;
        let name = String::decode(&mut reader).map_err(malformed)?;
        let algorithm = Algorithm::new_certificate(&name)
            .map_err(|_| CertificateError::UnsupportedType(name.clone()))?;
        let _nonce = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let key = decode_key_body(&mut reader, &algorithm)
            .map_err(|_| CertificateError::UnsupportedType(name.clone()))?;
        let serial = u64::decode(&mut reader).map_err(malformed)?;
        let cert_type = match u32::decode(&mut reader).map_err(malformed)? {
            1 => CertType::User,
            2 => CertType::Host,
            _ => return Err(CertificateError::Malformed),
        };
        let key_id = String::decode(&mut reader).map_err(malformed)?;
        let principal_bytes = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let principals = decode_string_list(&principal_bytes)?;
        let valid_after = u64::decode(&mut reader).map_err(malformed)?;
        let valid_before = u64::decode(&mut reader).map_err(malformed)?;
        let option_bytes = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let critical_options = decode_option_names(&option_bytes)?;
        let _extensions = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let _reserved = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let ca_blob = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let signed_len = blob.len() - reader.remaining_len();
        let signature_blob = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        if !reader.is_finished() {
            return Err(CertificateError::Malformed);
        }
        let ca_key =
            KeyData::decode(&mut ca_blob.as_slice()).map_err(|_| CertificateError::Malformed)?;
        let signature = Signature::decode(&mut signature_blob.as_slice())
            .map_err(|_| CertificateError::Malformed)?;
        super::key::verify_raw(&ca_key, &blob[..signed_len], &signature)
            .map_err(|_| CertificateError::BadSignature)?;
        Ok(Self {
            key,
            serial,
            cert_type,
            key_id,
            principals,
            valid_after,
            valid_before,
            critical_options,
            ca_key,
            cert_type_name: name,
            blob: blob.to_vec(),
        })
    }

    /// Whether this certificate speaks for `principal` at `time` as a user certificate,
    /// in OpenSSH's order of checks.
    pub fn check_authority(
        &self,
        time: u64,
        principal: Option<&str>,
    ) -> Result<(), AuthorityError> {
        if self.cert_type != CertType::User {
            return Err(AuthorityError::NotUser);
        }
        if time < self.valid_after {
            return Err(AuthorityError::NotYetValid);
        }
        if time >= self.valid_before {
            return Err(AuthorityError::Expired);
        }
        if self.principals.is_empty() {
            return Err(AuthorityError::NoPrincipals);
        }
        match principal {
            Some(name) if !self.principals.iter().any(|p| p == name) => {
                Err(AuthorityError::PrincipalNotListed)
            }
            _ => Ok(()),
        }
    }
}

fn decode_string_list(mut bytes: &[u8]) -> Result<Vec<String>, CertificateError> {
    let mut list = Vec::new();
    while !bytes.is_empty() {
        list.push(String::decode(&mut bytes).map_err(|_| CertificateError::Malformed)?);
    }
    Ok(list)
}

/// The names of a certificate's critical options: pairs of name and value strings.
fn decode_option_names(mut bytes: &[u8]) -> Result<Vec<String>, CertificateError> {
    let mut names = Vec::new();
    while !bytes.is_empty() {
        names.push(String::decode(&mut bytes).map_err(|_| CertificateError::Malformed)?);
        Vec::<u8>::decode(&mut bytes).map_err(|_| CertificateError::Malformed)?;
    }
    Ok(names)
}
