//! Finding a public key from a key file path as ssh-keygen does (`sshkey_load_public`):
//! the file itself (a public key or certificate), then `FILE.pub`, then the public half kept
//! in the clear inside an OpenSSH private key file. Used by `-Y sign`, `-l` and `setup`.

use super::certificate::SshCertificate;
use super::private_key;
use crate::error::io_reason;
use base64ct::{Base64, Encoding};
use ssh_encoding::Decode;
use ssh_key::public::KeyData;
use std::path::Path;

/// A public key as found on disk.
#[derive(Clone, Debug)]
pub struct PublicKeyFile {
    /// The key that signs (for a certificate, the certified key).
    pub key: KeyData,
    /// The wire blob that goes into signatures: the key's or the certificate's.
    pub blob: Vec<u8>,
    pub comment: String,
    pub certificate: bool,
    /// The file was an OpenSSH private key (its text is `private_text`).
    pub private_text: Option<String>,
}

/// Why no public key could be found.
#[derive(Debug, thiserror::Error)]
pub enum PublicKeyError {
    #[error("{0}")]
    Read(String),
    #[error("PEM private keys are not supported")]
    Pem,
    #[error("invalid format")]
    Invalid,
}

/// Loads the public key for `path` in ssh-keygen's order.
pub fn load(path: &Path) -> Result<PublicKeyFile, PublicKeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| PublicKeyError::Read(io_reason(&e)))?;
    if !text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        if text.contains("PRIVATE KEY-----") {
            return Err(PublicKeyError::Pem);
        }
        return parse_line(&text);
    }
    let mut beside = path.as_os_str().to_owned();
    beside.push(".pub");
    if let Some(Ok(mut found)) = std::fs::read_to_string(&beside)
        .ok()
        .as_deref()
        .map(parse_line)
    {
        found.private_text = Some(text);
        return Ok(found);
    }
    let blob = private_key::public_blob(&text).map_err(|_| PublicKeyError::Invalid)?;
    let key = KeyData::decode(&mut blob.as_slice()).map_err(|_| PublicKeyError::Invalid)?;
    // The comment lives in the private section: readable only when it is not encrypted.
    let comment = private_key::read(&text, &mut |_| Err("encrypted".into()))
        .map(|private| private.comment().to_string())
        .unwrap_or_default();
    Ok(PublicKeyFile {
        key,
        blob,
        comment,
        certificate: false,
        private_text: Some(text),
    })
}

/// Parses the first key line of a public key or certificate file.
pub fn parse_line(text: &str) -> Result<PublicKeyFile, PublicKeyError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or(PublicKeyError::Invalid)?;
    let mut fields = line.splitn(3, char::is_whitespace);
    let algorithm = fields.next().unwrap_or_default();
    let encoded = fields.next().ok_or(PublicKeyError::Invalid)?;
    let comment = fields.next().unwrap_or_default().trim().to_string();
    let blob = Base64::decode_vec(encoded).map_err(|_| PublicKeyError::Invalid)?;
    if algorithm.ends_with("-cert-v01@openssh.com") {
        let cert = SshCertificate::decode(&blob).map_err(|_| PublicKeyError::Invalid)?;
        return Ok(PublicKeyFile {
            key: cert.key,
            blob,
            comment,
            certificate: true,
            private_text: None,
        });
    }
    let key = ssh_key::PublicKey::from_openssh(line).map_err(|_| PublicKeyError::Invalid)?;
    if key.algorithm().as_str() != algorithm {
        return Err(PublicKeyError::Invalid);
    }
    Ok(PublicKeyFile {
        key: key.key_data().clone(),
        blob,
        comment,
        certificate: false,
        private_text: None,
    })
}
