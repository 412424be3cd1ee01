//! SSHSIG signatures (OpenSSH PROTOCOL.sshsig): armor, blob, signed data.
//!
//! Parsed here rather than with `ssh_key::SshSig` because the public key field may hold a
//! certificate (which ssh-key cannot parse inside SSHSIG) and because OpenSSH's armor rules
//! (`sshsig_dearmor`) are more lenient than PEM's: ssh-keygen accepts what git stores.

use super::certificate::{CertificateError, SshCertificate};
use super::key;
use super::webauthn;
use base64ct::{Base64, Encoding};
use ssh_encoding::{Decode, Encode, Writer};
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, Signature};

const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";
const MAGIC: &[u8] = b"SSHSIG";
const VERSION: u32 = 1;
/// ssh-keygen wraps the base64 at 70 columns (not the 76 the spec suggests).
const LINE_WIDTH: usize = 70;
/// Armored signatures larger than this are refused before decoding: a real one is a few
/// kilobytes even with an RSA-16384 certificate.
pub const MAX_ARMOR_BYTES: usize = 64 * 1024;

/// Why a signature could not be read or did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SshSigError {
    #[error("signature is larger than {MAX_ARMOR_BYTES} bytes")]
    TooLarge,
    #[error("missing header")]
    MissingHeader,
    #[error("missing footer")]
    MissingFooter,
    #[error("invalid base64 in signature")]
    Base64,
    #[error("not an SSHSIG signature")]
    Magic,
    #[error("unsupported signature version {0}")]
    Version(u32),
    #[error("malformed signature")]
    Malformed,
    #[error("unsupported key in signature")]
    UnsupportedKey,
    #[error("certificate in signature: {0}")]
    Certificate(#[from] CertificateError),
    #[error("empty namespace")]
    EmptyNamespace,
    #[error("unsupported hash algorithm \"{0}\"")]
    HashAlgorithm(String),
    #[error("trailing data after signature")]
    TrailingData,
    #[error("signature type {0} not allowed")]
    SignatureType(String),
    #[error("namespace does not match")]
    NamespaceMismatch,
    #[error("incorrect signature")]
    Incorrect,
}

impl SshSigError {
    /// A stable name for tests and machine-readable output; the text is for people.
    pub fn reason(&self) -> &'static str {
        match self {
            SshSigError::TooLarge => "too-large",
            SshSigError::MissingHeader => "missing-header",
            SshSigError::MissingFooter => "missing-footer",
            SshSigError::Base64 => "base64",
            SshSigError::Magic => "magic",
            SshSigError::Version(_) => "version",
            SshSigError::Malformed => "malformed",
            SshSigError::UnsupportedKey => "unsupported-key",
            SshSigError::Certificate(e) => e.reason(),
            SshSigError::EmptyNamespace => "empty-namespace",
            SshSigError::HashAlgorithm(_) => "hash-algorithm",
            SshSigError::TrailingData => "trailing-data",
            SshSigError::SignatureType(_) => "signature-type",
            SshSigError::NamespaceMismatch => "namespace-mismatch",
            SshSigError::Incorrect => "incorrect-signature",
        }
    }
}

/// Who made a signature: a plain key or a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerKey {
    Plain(KeyData),
    Certificate(Box<SshCertificate>),
}

impl SignerKey {
    /// The key that made the signature (for a certificate, the certified key).
    pub fn key(&self) -> &KeyData {
        match self {
            SignerKey::Plain(key) => key,
            SignerKey::Certificate(cert) => &cert.key,
        }
    }

    pub fn certificate(&self) -> Option<&SshCertificate> {
        match self {
            SignerKey::Plain(_) => None,
            SignerKey::Certificate(cert) => Some(cert),
        }
    }

    /// `ED25519`, `RSA-CERT`, ...: as ssh-keygen prints it.
    pub fn type_name(&self) -> String {
        key::type_name(self.key(), self.certificate().is_some())
    }

    /// `SHA256:...` of the plain key, as ssh-keygen prints it for keys and certificates.
    pub fn fingerprint(&self) -> String {
        key::fingerprint(self.key())
    }

    /// The signer as an OpenSSH public key line without comment (`TYPE BASE64`), the
    /// certificate itself for a certificate: what `-O print-pubkey` prints.
    pub fn openssh_line(&self) -> String {
        match self {
            SignerKey::Plain(key) => format!(
                "{} {}",
                key.algorithm().as_str(),
                Base64::encode_string(&key::to_blob(key))
            ),
            SignerKey::Certificate(cert) => format!(
                "{} {}",
                cert.cert_type_name,
                Base64::encode_string(&cert.blob)
            ),
        }
    }
}

/// A parsed SSHSIG signature. Parsing checks structure and any certificate's CA signature;
/// [`SshSignature::verify`] checks the signature itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSignature {
    pub signer: SignerKey,
    pub namespace: String,
    pub hash_alg: HashAlg,
    pub signature: Signature,
}

impl SshSignature {
    /// Reads an armored signature as OpenSSH 9.x does: the header at the very start,
    /// a line break, base64 (whitespace ignored) up to `\n-----END SSH SIGNATURE-----`;
    /// anything after the footer is ignored.
    pub fn from_armor(text: &[u8]) -> Result<Self, SshSigError> {
        Self::from_blob(&dearmor(text)?)
    }

    /// Decodes the binary SSHSIG blob.
    pub fn from_blob(blob: &[u8]) -> Result<Self, SshSigError> {
        let malformed = |_: ssh_encoding::Error| SshSigError::Malformed;
        let (key_blob, mut reader) = preamble_and_key(blob)?;
        let namespace = String::decode(&mut reader).map_err(malformed)?;
        if namespace.is_empty() {
            return Err(SshSigError::EmptyNamespace);
        }
        let _reserved = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        let hash_name = String::decode(&mut reader).map_err(malformed)?;
        let hash_alg = match hash_name.as_str() {
            "sha256" => HashAlg::Sha256,
            "sha512" => HashAlg::Sha512,
            _ => return Err(SshSigError::HashAlgorithm(hash_name)),
        };
        let signature_blob = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
        if !reader.is_empty() {
            return Err(SshSigError::TrailingData);
        }
        let signer = decode_signer(&key_blob)?;
        // OpenSSH refuses SHA-1 RSA ("ssh-rsa") in SSHSIG. Checked by name before decoding:
        // ssh-key cannot even build such a signature, so after decoding it would only be
        // "malformed".
        let mut peek = signature_blob.as_slice();
        if String::decode(&mut peek).is_ok_and(|name| name == "ssh-rsa") {
            return Err(SshSigError::SignatureType("ssh-rsa".into()));
        }
        let signature = if String::decode(&mut signature_blob.as_slice())
            .is_ok_and(|name| name == webauthn::SIGNATURE_TYPE)
        {
            // ssh-key cannot decode these (it would stop after the ECDSA part).
            webauthn::decode(&signature_blob).ok_or(SshSigError::Malformed)?
        } else {
            let mut sig_reader = signature_blob.as_slice();
            let signature =
                Signature::decode(&mut sig_reader).map_err(|_| SshSigError::Malformed)?;
            if !sig_reader.is_empty() {
                return Err(SshSigError::TrailingData);
            }
            signature
        };
        Ok(Self {
            signer,
            namespace,
            hash_alg,
            signature,
        })
    }

    /// Checks that the signature was made for `namespace` over `message`.
    pub fn verify(&self, namespace: &str, message: &[u8]) -> Result<(), SshSigError> {
        if self.namespace != namespace {
            return Err(SshSigError::NamespaceMismatch);
        }
        let data = signed_data(&self.namespace, self.hash_alg, message)?;
        key::verify_raw(self.signer.key(), &data, &self.signature)
            .map_err(|_| SshSigError::Incorrect)
    }
}

/// Only who signed: the armor, the SSHSIG preamble and the public key (a certificate's CA
/// signature checked), nothing after it. This is all `ssh-keygen -Y find-principals` reads
/// (`sshsig_get_pubkey`), so a signature whose namespace, hash algorithm or signature
/// blob is malformed still finds its principals there; find-principals does the same.
pub fn signer_from_armor(text: &[u8]) -> Result<SignerKey, SshSigError> {
    let blob = dearmor(text)?;
    let (key_blob, _) = preamble_and_key(&blob)?;
    decode_signer(&key_blob)
}

/// The SSHSIG blob of an armored signature, read as OpenSSH 9.x's `sshsig_dearmor` does:
/// the header at the very start, a line break, base64 (whitespace ignored) up to
/// `\n-----END SSH SIGNATURE-----`; anything after the footer is ignored.
fn dearmor(text: &[u8]) -> Result<Vec<u8>, SshSigError> {
    if text.len() > MAX_ARMOR_BYTES {
        return Err(SshSigError::TooLarge);
    }
    let rest = text
        .strip_prefix(BEGIN.as_bytes())
        .ok_or(SshSigError::MissingHeader)?;
    let rest = rest
        .strip_prefix(b"\n")
        .or_else(|| rest.strip_prefix(b"\r\n"))
        .ok_or(SshSigError::MissingHeader)?;
    let end = find(rest, format!("\n{END}").as_bytes()).ok_or(SshSigError::MissingFooter)?;
    let body: Vec<u8> = rest[..end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    Base64::decode_vec(std::str::from_utf8(&body).map_err(|_| SshSigError::Base64)?)
        .map_err(|_| SshSigError::Base64)
}

/// The magic and version (`sshsig_parse_preamble`), then the public key blob; returns the
/// key blob and the bytes after it.
fn preamble_and_key(blob: &[u8]) -> Result<(Vec<u8>, &[u8]), SshSigError> {
    let malformed = |_: ssh_encoding::Error| SshSigError::Malformed;
    let mut reader = blob.strip_prefix(MAGIC).ok_or(SshSigError::Magic)?;
    let version = u32::decode(&mut reader).map_err(malformed)?;
    if version > VERSION {
        return Err(SshSigError::Version(version));
    }
    let key_blob = Vec::<u8>::decode(&mut reader).map_err(malformed)?;
    Ok((key_blob, reader))
}

fn decode_signer(key_blob: &[u8]) -> Result<SignerKey, SshSigError> {
    let mut peek = key_blob;
    let name = String::decode(&mut peek).map_err(|_| SshSigError::Malformed)?;
    if name.ends_with("-cert-v01@openssh.com") {
        return Ok(SignerKey::Certificate(Box::new(SshCertificate::decode(
            key_blob,
        )?)));
    }
    let mut reader = key_blob;
    let key = KeyData::decode(&mut reader).map_err(|_| SshSigError::UnsupportedKey)?;
    // ssh-key accepts some non-canonical encodings (an Ed25519 key field longer than 32
    // bytes); OpenSSH does not, and neither do we: the blob must re-encode to itself.
    if !reader.is_empty() || key.is_other() || key::to_blob(&key) != key_blob {
        return Err(SshSigError::UnsupportedKey);
    }
    Ok(SignerKey::Plain(key))
}

/// The bytes a key signs: the SSHSIG preamble, namespace, and the message's hash.
pub fn signed_data(
    namespace: &str,
    hash_alg: HashAlg,
    message: &[u8],
) -> Result<Vec<u8>, SshSigError> {
    ssh_key::SshSig::signed_data(namespace, hash_alg, message)
        .map_err(|_| SshSigError::EmptyNamespace)
}

/// Builds the SSHSIG blob from the signer's public key blob (a key or a certificate).
pub fn encode_blob(
    public_key_blob: &[u8],
    namespace: &str,
    hash_alg: HashAlg,
    signature: &Signature,
) -> Result<Vec<u8>, ssh_encoding::Error> {
    let mut out = Vec::new();
    out.write(MAGIC)?;
    VERSION.encode(&mut out)?;
    public_key_blob.encode(&mut out)?;
    namespace.encode(&mut out)?;
    [0u8; 0].as_slice().encode(&mut out)?;
    hash_alg.as_str().encode(&mut out)?;
    let mut sig = Vec::new();
    signature.encode(&mut sig)?;
    sig.encode(&mut out)?;
    Ok(out)
}

/// Armors a blob exactly as ssh-keygen does.
pub fn armor(blob: &[u8]) -> String {
    let encoded = Base64::encode_string(blob);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE_WIDTH + 64);
    out.push_str(BEGIN);
    out.push('\n');
    for (i, chunk) in encoded.as_bytes().chunks(LINE_WIDTH).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // base64 output is ASCII, so each chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out.push('\n');
    out.push_str(END);
    out.push('\n');
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by `ssh-keygen -Y sign -n git -f k msg` over "hello\n".
    const SIG: &str = "-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg+/zA/FMf+nb56eLEjyy01lSN14
dqa6DX08oqEjemyAsAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5
AAAAQP6asONqZUbHNapv1xrRhjkbbUvBUiHskzQfpBGvZJ9JXT1mH2dDd0S/vb6Em3Q9vU
LIexTMMmu7HVhwP3TqbQg=
-----END SSH SIGNATURE-----
";

    #[test]
    fn reads_and_checks_an_ssh_keygen_signature() {
        let sig = SshSignature::from_armor(SIG.as_bytes()).unwrap();
        assert_eq!(sig.namespace, "git");
        assert_eq!(sig.signer.type_name(), "ED25519");
        assert_eq!(
            sig.signer.fingerprint(),
            "SHA256:16N6rPPozUVSOt3ZZ2GfR3sbYwfoMVJSStsGvFYgeyM"
        );
        sig.verify("git", b"hello\n").unwrap();
        assert_eq!(
            sig.verify("file", b"hello\n"),
            Err(SshSigError::NamespaceMismatch)
        );
        assert_eq!(sig.verify("git", b"hello!\n"), Err(SshSigError::Incorrect));
    }

    #[test]
    fn armor_round_trips_byte_for_byte() {
        let sig = SshSignature::from_armor(SIG.as_bytes()).unwrap();
        let pub_blob = key::to_blob(sig.signer.key());
        let blob = encode_blob(&pub_blob, "git", sig.hash_alg, &sig.signature).unwrap();
        assert_eq!(armor(&blob), SIG);
    }

    #[test]
    fn tolerates_what_ssh_keygen_tolerates() {
        // A trailing blank line and CRLF line ends, as found in some stored commits.
        let crlf = SIG.replace('\n', "\r\n") + "\r\n";
        assert!(SshSignature::from_armor(crlf.as_bytes()).is_ok());
        let trailing = format!("{SIG}\n");
        assert!(SshSignature::from_armor(trailing.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_broken_armor() {
        assert_eq!(
            SshSignature::from_armor(format!(" {SIG}").as_bytes()),
            Err(SshSigError::MissingHeader)
        );
        let no_footer = SIG.replace("-----END SSH SIGNATURE-----", "");
        assert_eq!(
            SshSignature::from_armor(no_footer.as_bytes()),
            Err(SshSigError::MissingFooter)
        );
        let bad_b64 = SIG.replace("U1NI", "U1N!");
        assert_eq!(
            SshSignature::from_armor(bad_b64.as_bytes()),
            Err(SshSigError::Base64)
        );
        let huge = "A".repeat(MAX_ARMOR_BYTES + 1);
        assert_eq!(
            SshSignature::from_armor(huge.as_bytes()),
            Err(SshSigError::TooLarge)
        );
    }

    #[test]
    fn truncated_blobs_never_panic() {
        let sig = SshSignature::from_armor(SIG.as_bytes()).unwrap();
        let pub_blob = key::to_blob(sig.signer.key());
        let blob = encode_blob(&pub_blob, "git", sig.hash_alg, &sig.signature).unwrap();
        for len in 0..blob.len() {
            assert!(SshSignature::from_blob(&blob[..len]).is_err());
        }
        for i in 0..blob.len() {
            let mut flipped = blob.clone();
            flipped[i] ^= 0x40;
            if let Ok(parsed) = SshSignature::from_blob(&flipped) {
                assert!(parsed.verify("git", b"hello\n").is_err() || parsed == sig);
            }
        }
    }
}
