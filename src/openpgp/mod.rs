//! The OpenPGP room: detached signatures as gpg makes and checks them for git
//! (DESIGN.md section 4), with sequoia-openpgp for the packets and the cryptography.
//!
//! - [`verify`]: gpg's judgement of a detached signature (GOODSIG ... TRUST_*).
//! - [`keyring`], [`keybox`]: certificates from GnuPG's keyring and configured files.
//! - [`trustdb`]: ownertrust and validity by the pgp trust model.
//! - [`normalize`]: non-minimal MPIs in signatures, made minimal as gpg reads them.
//! - [`fast_rsa`]: RSA data signatures checked by aws-lc; [`brainpool`]: ECDSA on the
//!   brainpool curves, which sequoia's backend lacks; [`sigcache`]: sequoia's signature
//!   verification cache, carried across gpg-dialect processes; [`vouch`]: binding
//!   signatures checked by those two and handed to that cache.
//! - [`select`]: which key `-u <spec>` names. [`sign`]: making the signature, with a key
//!   file or through [`agent`] (gpg-agent), which names keys by [`keygrip`].
//!
//! Nothing here prints, reads the environment or asks the clock: files arrive as bytes,
//! time as a parameter.

pub mod agent;
pub mod brainpool;
pub mod fast_rsa;
pub mod keybox;
pub mod keygrip;
pub mod keyring;
pub mod normalize;
pub mod select;
pub mod sigcache;
pub mod sign;
pub mod trustdb;
pub mod verify;
pub mod vouch;

use sequoia_openpgp::policy::StandardPolicy;
use sequoia_openpgp::types::HashAlgorithm;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What can go wrong in this room. One lowercase line each; the mode adds hints.
#[derive(Debug, thiserror::Error)]
pub enum OpenPgpError {
    /// The signature file holds no signature packet (gpg: `NODATA`).
    #[error("no signature found")]
    NoSignature,
    /// The signature could not be parsed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature is larger than anything real ([`verify::MAX_SIGNATURE_BYTES`]).
    #[error(
        "signature is larger than the {} KiB gitseal reads",
        verify::MAX_SIGNATURE_BYTES / 1024
    )]
    TooLarge,
    /// More packets than a detached signature holds ([`verify::MAX_PACKETS`]).
    #[error("more than {} packets in one signature", verify::MAX_PACKETS)]
    TooManyPackets,
    /// A keybox (`pubring.kbx`) that does not parse.
    #[error("unreadable keybox: {0}")]
    Keybox(String),
    /// A keyring file that does not parse.
    #[error("unreadable keyring: {0}")]
    Keyring(String),
    /// trustdb.gpg that does not parse.
    #[error("unreadable trust database: {0}")]
    TrustDb(String),
    /// No usable secret key for the `-u` argument (gpg: `INV_SGNR 9`).
    #[error("no secret key for \"{0}\"")]
    NoSecretKey(String),
    /// A secret key file that is not one.
    #[error("{0}")]
    KeyFile(String),
    /// Talking to gpg-agent failed.
    #[error("gpg-agent: {0}")]
    Agent(String),
    /// Making the signature failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

impl OpenPgpError {
    /// A stable name for tests and machine-readable output.
    pub fn reason(&self) -> &'static str {
        match self {
            OpenPgpError::NoSignature => "no-signature",
            OpenPgpError::Malformed(_) => "malformed",
            OpenPgpError::TooLarge => "too-large",
            OpenPgpError::TooManyPackets => "too-many-packets",
            OpenPgpError::Keybox(_) => "keybox",
            OpenPgpError::Keyring(_) => "keyring",
            OpenPgpError::TrustDb(_) => "trustdb",
            OpenPgpError::NoSecretKey(_) => "no-secret-key",
            OpenPgpError::KeyFile(_) => "key-file",
            OpenPgpError::Agent(_) => "agent",
            OpenPgpError::Sign(_) => "sign",
        }
    }
}

/// The policy signatures are judged by: sequoia's standard policy, but accepting what
/// gpg 2.2 accepts, because "nothing changes" is the contract: SHA-1 and RIPEMD-160
/// everywhere, and every key size gpg verifies and signs with (the DSA-1024 and RSA-1024
/// keys of older certificates, git's own test key among them, and ElGamal subkeys, which
/// the standard policy rejects since 2014 and 2025). MD5 stays rejected, as in gpg.
pub fn policy() -> StandardPolicy<'static> {
    use sequoia_openpgp::policy::AsymmetricAlgorithm;
    let mut policy = StandardPolicy::new();
    policy.accept_hash(HashAlgorithm::SHA1);
    policy.accept_hash(HashAlgorithm::RipeMD);
    for algo in [
        AsymmetricAlgorithm::RSA1024,
        AsymmetricAlgorithm::DSA1024,
        AsymmetricAlgorithm::DSA2048,
        AsymmetricAlgorithm::DSA3072,
        AsymmetricAlgorithm::DSA4096,
        AsymmetricAlgorithm::ElGamal1024,
        AsymmetricAlgorithm::ElGamal2048,
        AsymmetricAlgorithm::ElGamal3072,
        AsymmetricAlgorithm::ElGamal4096,
    ] {
        policy.accept_asymmetric_algo(algo);
    }
    policy
}

/// Whether a data signature is one that sequoia's own checks before the cryptography
/// (`verify_digest_internal`) are known to pass, so that a check outside sequoia
/// ([`fast_rsa`], [`brainpool`]) may say yes for it: a v4 binary or text signature by a v4
/// key, made no earlier than the key.
pub(crate) fn outside_check_applies(
    sig: &sequoia_openpgp::packet::Signature,
    key: &sequoia_openpgp::packet::Key<
        sequoia_openpgp::packet::key::PublicParts,
        sequoia_openpgp::packet::key::UnspecifiedRole,
    >,
) -> bool {
    use sequoia_openpgp::types::SignatureType;
    sig.version() == 4
        && key.version() == 4
        && matches!(sig.typ(), SignatureType::Binary | SignatureType::Text)
        && sig
            .signature_creation_time()
            .is_some_and(|created| created >= key.creation_time())
}

/// The digest a v4 data signature signs: the data, then the signature's hashed fields and
/// trailer, hashed by sequoia exactly as its own `verify_message` does.
pub(crate) fn data_digest(
    sig: &sequoia_openpgp::packet::Signature,
    payload: &[u8],
) -> Option<Vec<u8>> {
    use sequoia_openpgp::crypto::hash::Hash as _;
    let mut hash = sig.hash_algo().context().ok()?.for_signature(sig.version());
    hash.update(payload);
    sig.hash(&mut hash).ok()?;
    hash.into_digest().ok()
}

/// Unix seconds of a time (0 before the epoch).
pub fn unix(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The time at Unix seconds.
pub fn at(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)
}

/// A sequoia error as one lowercase line (its chain of causes joined).
pub(crate) fn reason(error: &sequoia_openpgp::anyhow::Error) -> String {
    let text = error
        .chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    lowercase_first(&text)
}

pub(crate) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
