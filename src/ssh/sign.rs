//! Making SSHSIG signatures with a key file or through ssh-agent, choosing between them as
//! ssh-keygen's `sig_sign` does: the agent whenever it holds the key, else the private key.

use super::agent::Agent;
use super::key;
use super::private_key::{self, PrivateKeyError};
use super::public_key::{self, PublicKeyError};
use super::sshsig::{self, SshSignature};
use crate::error::io_reason;
use crate::secret::Secret;
use ssh_key::private::{KeypairData, RsaKeypair};
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, PrivateKey, Signature};
use std::path::{Path, PathBuf};

/// Why signing failed. The texts follow ssh-keygen's where git users know them.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("Couldn't load public key {path}: {reason}")]
    LoadPublic { path: String, reason: String },
    #[error("Couldn't load private key {path}: {reason}")]
    LoadPrivate { path: String, reason: String },
    /// ssh-keygen's words (sshkey.c `sshkey_perm_ok`), then its "No private key found".
    #[error(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         @         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         Permissions {mode:04o} for '{path}' are too open.\n\
         It is required that your private key files are NOT accessible by others.\n\
         This private key will be ignored.\n\
         No private key found for \"{path}\""
    )]
    UnprotectedKey { path: String, mode: u32 },
    #[error("{path}: PEM private keys are not supported; convert with `ssh-keygen -p -f {path}`")]
    PemPrivateKey { path: String },
    #[error("incorrect passphrase supplied to decrypt private key {path}")]
    WrongPassphrase { path: String },
    #[error("cannot read passphrase: {0}")]
    Passphrase(String),
    #[error("Couldn't get agent socket: {0}")]
    NoAgent(String),
    #[error("Couldn't find key in agent")]
    NotInAgent,
    #[error("ssh-agent refused to sign: {0}")]
    Agent(String),
    #[error("private key {path} does not match public key")]
    KeyMismatch { path: String },
    #[error(
        "signing with {0} keys from a file is not supported (security keys sign through ssh-agent)"
    )]
    Unsupported(String),
    #[error("Signing failed: {0}")]
    Crypto(String),
}

/// What asks the user for a passphrase (terminal or SSH_ASKPASS); supplied by the caller,
/// because the room itself never touches the terminal or the environment.
pub type PassphrasePrompt<'a> = dyn FnMut(&str) -> Result<Secret, String> + 'a;

/// Where signatures come from, once the key file has been read.
enum Backend {
    File(Box<PrivateKey>),
    Agent(Agent),
}

/// A ready signer: the public key (or certificate) blob that goes into the signature,
/// and what makes the raw signature.
pub struct SshSigner {
    public_blob: Vec<u8>,
    public_key: KeyData,
    backend: Backend,
}

/// How to find the signing key.
pub struct SignerRequest<'a> {
    /// `-f`: a private key, a public key, or a certificate.
    pub key_path: &'a Path,
    /// `-U`: the private key must be in ssh-agent.
    pub require_agent: bool,
    /// `SSH_AUTH_SOCK`, when set.
    pub agent_socket: Option<&'a Path>,
}

/// Like ssh, refuses a private key file of one's own that the group or others can read
/// (or write): such a key may already be someone else's.
fn refuse_unprotected(path: &Path) -> Result<(), SignError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::metadata(path) else {
        // Not there or unreadable: the read that follows says so.
        return Ok(());
    };
    // The owner of /proc/self is this process's user.
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let mode = meta.permissions().mode() & 0o7777;
    if Some(meta.uid()) == me && mode & 0o077 != 0 {
        return Err(SignError::UnprotectedKey {
            path: path.display().to_string(),
            mode,
        });
    }
    Ok(())
}

impl SshSigner {
    /// Finds the key as ssh-keygen does and prepares it for signing.
    pub fn load(
        request: &SignerRequest<'_>,
        prompt: &mut PassphrasePrompt<'_>,
    ) -> Result<Self, SignError> {
        let path = request.key_path;
        let shown = path.display().to_string();
        let found = public_key::load(path).map_err(|e| match e {
            PublicKeyError::Pem => SignError::PemPrivateKey {
                path: shown.clone(),
            },
            other => SignError::LoadPublic {
                path: shown.clone(),
                reason: other.to_string(),
            },
        })?;
        let public_key = found.key.clone();
        let public_blob = found.blob.clone();

        if let Some(agent) = find_in_agent(request, &public_blob)? {
            return Ok(Self {
                public_blob,
                public_key,
                backend: Backend::Agent(agent),
            });
        }

        let private = match &found.private_text {
            Some(text) => {
                refuse_unprotected(path)?;
                load_private(text, &shown, prompt)?
            }
            None => {
                let private_path = private_path_for(path);
                let private_shown = private_path.display().to_string();
                refuse_unprotected(&private_path)?;
                let private_text =
                    std::fs::read_to_string(&private_path).map_err(|e| SignError::LoadPrivate {
                        path: private_shown.clone(),
                        reason: io_reason(&e),
                    })?;
                load_private(&private_text, &private_shown, prompt)?
            }
        };
        if private.public_key().key_data() != &public_key {
            return Err(SignError::KeyMismatch { path: shown });
        }
        Ok(Self {
            public_blob,
            public_key,
            backend: Backend::File(Box::new(private)),
        })
    }

    /// The key that signs (for a certificate, the certified key).
    pub fn public_key(&self) -> &KeyData {
        &self.public_key
    }

    /// Signs `message` for `namespace`; returns the armored signature, byte-identical to
    /// ssh-keygen's for deterministic algorithms (Ed25519, RSA).
    pub fn sign(
        &mut self,
        namespace: &str,
        hash_alg: HashAlg,
        message: &[u8],
    ) -> Result<String, SignError> {
        let data = sshsig::signed_data(namespace, hash_alg, message)
            .map_err(|e| SignError::Crypto(e.to_string()))?;
        let signature = match &mut self.backend {
            Backend::File(private) => sign_with_keypair(private.key_data(), &data)?,
            Backend::Agent(agent) => agent
                .sign(&self.public_blob, &self.public_key, &data)
                .map_err(SignError::Agent)?,
        };
        let blob = sshsig::encode_blob(&self.public_blob, namespace, hash_alg, &signature)
            .map_err(|e| SignError::Crypto(e.to_string()))?;
        // Check what we made before handing it to git: a faulty agent or key file must
        // not produce a commit whose signature never verifies.
        SshSignature::from_blob(&blob)
            .and_then(|parsed| parsed.verify(namespace, message))
            .map_err(|e| SignError::Crypto(format!("made an invalid signature ({e})")))?;
        Ok(sshsig::armor(&blob))
    }
}

fn find_in_agent(
    request: &SignerRequest<'_>,
    public_blob: &[u8],
) -> Result<Option<Agent>, SignError> {
    let Some(socket) = request.agent_socket else {
        if request.require_agent {
            return Err(SignError::NoAgent("SSH_AUTH_SOCK is not set".into()));
        }
        return Ok(None);
    };
    let mut agent = match Agent::connect(socket) {
        Ok(agent) => agent,
        Err(e) if request.require_agent => return Err(SignError::NoAgent(e)),
        Err(_) => return Ok(None),
    };
    match agent.has_key(public_blob) {
        Ok(true) => Ok(Some(agent)),
        Ok(false) if request.require_agent => Err(SignError::NotInAgent),
        Ok(false) => Ok(None),
        // The list could not be read (see Agent::sign): with -U, ask the agent to sign
        // anyway; otherwise use the key file.
        Err(_) if request.require_agent => Ok(Some(agent)),
        Err(_) => Ok(None),
    }
}

/// ssh-keygen's `load_sign_key`: the private key sits beside a `.pub` or `-cert.pub` file.
fn private_path_for(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    for suffix in ["-cert.pub", ".pub"] {
        if let Some(stem) = text.strip_suffix(suffix) {
            return PathBuf::from(stem);
        }
    }
    path.to_path_buf()
}

fn load_private(
    text: &str,
    shown: &str,
    prompt: &mut PassphrasePrompt<'_>,
) -> Result<PrivateKey, SignError> {
    if !text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") && text.contains("PRIVATE KEY-----") {
        return Err(SignError::PemPrivateKey {
            path: shown.to_string(),
        });
    }
    private_key::read(text, prompt).map_err(|e| match e {
        PrivateKeyError::WrongPassphrase => SignError::WrongPassphrase {
            path: shown.to_string(),
        },
        PrivateKeyError::Passphrase(reason) => SignError::Passphrase(reason),
        PrivateKeyError::Format(reason) => SignError::LoadPrivate {
            path: shown.to_string(),
            reason,
        },
    })
}

fn sign_with_keypair(keypair: &KeypairData, data: &[u8]) -> Result<Signature, SignError> {
    use signature::Signer;
    match keypair {
        KeypairData::Rsa(rsa) => sign_rsa(rsa, data),
        KeypairData::Ed25519(_) | KeypairData::Ecdsa(_) | KeypairData::Dsa(_) => keypair
            .try_sign(data)
            .map_err(|e| SignError::Crypto(e.to_string())),
        other => Err(SignError::Unsupported(
            other
                .algorithm()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "unknown".into()),
        )),
    }
}

/// RSA with rsa-sha2-512. ssh-key 0.6.7 cannot do this itself (its conversion to an `rsa`
/// key passes `p` twice), so the `rsa` key is rebuilt from n, e, d, p and q.
fn sign_rsa(keypair: &RsaKeypair, data: &[u8]) -> Result<Signature, SignError> {
    use rsa::signature::{SignatureEncoding, Signer};
    let failed = |what: &str| SignError::Crypto(format!("invalid RSA key: {what}"));
    let int = |m: &ssh_key::Mpint, what: &str| {
        m.as_positive_bytes()
            .map(rsa::BigUint::from_bytes_be)
            .ok_or_else(|| failed(what))
    };
    let private = rsa::RsaPrivateKey::from_components(
        int(&keypair.public.n, "n")?,
        int(&keypair.public.e, "e")?,
        int(&keypair.private.d, "d")?,
        vec![int(&keypair.private.p, "p")?, int(&keypair.private.q, "q")?],
    )
    .map_err(|e| SignError::Crypto(e.to_string()))?;
    let signature = match fast_rsa_sha512(&private, data) {
        Some(signature) => signature,
        None => rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(private)
            .try_sign(data)
            .map_err(|e| SignError::Crypto(e.to_string()))?
            .to_vec(),
    };
    Signature::new(
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        signature,
    )
    .map_err(|e| SignError::Crypto(e.to_string()))
}

/// An RSASSA-PKCS1-v1_5 SHA-512 signature by aws-lc (already in gitseal for Sigstore and
/// OpenPGP), several times faster than the `rsa` crate's constant-time arithmetic for the
/// RSA-3072 and 4096 keys people sign with; `None` for a key aws-lc does not take (under
/// 2048 or over 8192 bits), which the `rsa` crate then signs with. The key was checked by
/// `RsaPrivateKey::from_components` first, and the signature is the same deterministic
/// PKCS#1 v1.5 signature either way. aws-lc blinds the private-key operation with random
/// numbers; .cargo/config.toml builds it to seed them from getrandom alone, without the
/// CPU-jitter collector that would add 50-60 ms to the one signature a process makes.
fn fast_rsa_sha512(private: &rsa::RsaPrivateKey, data: &[u8]) -> Option<Vec<u8>> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let der = private.to_pkcs1_der().ok()?;
    let key_pair = aws_lc_rs::signature::RsaKeyPair::from_der(der.as_bytes()).ok()?;
    let mut signature = vec![0u8; key_pair.public_modulus_len()];
    key_pair
        .sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA512,
            &aws_lc_rs::rand::SystemRandom::new(),
            data,
            &mut signature,
        )
        .ok()?;
    Some(signature)
}

/// The type name of a key, for messages.
pub fn describe(key: &KeyData) -> String {
    key::type_name(key, false)
}

#[cfg(test)]
mod tests {
    use super::fast_rsa_sha512;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};

    /// aws-lc's signature is the `rsa` crate's, byte for byte (PKCS#1 v1.5 is
    /// deterministic), so either may sign.
    #[test]
    fn aws_lc_signs_what_the_rsa_crate_signs() {
        use aws_lc_rs::encoding::AsDer;
        let generated =
            aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("key");
        let der: aws_lc_rs::encoding::Pkcs8V1Der = generated.as_der().expect("PKCS#8");
        let private = rsa::RsaPrivateKey::from_pkcs8_der(der.as_ref()).expect("rsa key");
        let data = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
        let fast = fast_rsa_sha512(&private, data).expect("aws-lc takes a 2048-bit key");
        let slow = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(private)
            .try_sign(data)
            .expect("signed")
            .to_vec();
        assert_eq!(fast, slow);
    }
}
