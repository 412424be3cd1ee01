//! Detached signatures as `gpg -bsau` makes them: a binary-document (class 00) v4
//! signature with creation time, issuer and issuer fingerprint, and the signer's user id
//! when the key was named by e-mail; armored. The private key operation is done by a key
//! from a file or by gpg-agent ([`AgentSigner`]).

use super::agent::Agent;
use super::keygrip::Keygrip;
use super::{OpenPgpError, unix};
use sequoia_openpgp::crypto::mpi;
use sequoia_openpgp::packet::signature::SignatureBuilder;
use sequoia_openpgp::packet::{Key, key};
use sequoia_openpgp::serialize::Marshal;
use sequoia_openpgp::types::{HashAlgorithm, PublicKeyAlgorithm, SignatureType};
use std::time::SystemTime;

/// What gpg reports on the status fd for a signature it made.
#[derive(Clone, Debug)]
pub struct Made {
    pub armored: String,
    pub pk_algo: u8,
    pub hash_algo: u8,
    pub class: u8,
    pub created: i64,
    pub fingerprint: String,
}

/// The digest gpg 2.2 picks with its default preferences (GnuPG `g10/sign.c: hash_for`):
/// SHA-512 for RSA, SHA-256 for EdDSA, and for DSA and ECDSA the smallest hash at least as
/// long as q (`match_dsa_hash`): SHA-1 for the old 160-bit q, SHA-224 up to 224 bits,
/// SHA-256 up to 256 (P-256, brainpool P-256), SHA-384 up to 384, else SHA-512.
pub fn hash_for(key: &Key<key::PublicParts, key::UnspecifiedRole>) -> HashAlgorithm {
    use sequoia_openpgp::types::Curve;
    let match_dsa_hash = |qbits: usize| match qbits.div_ceil(8) {
        0..=20 => HashAlgorithm::SHA1,
        21..=28 => HashAlgorithm::SHA224,
        29..=32 => HashAlgorithm::SHA256,
        33..=48 => HashAlgorithm::SHA384,
        _ => HashAlgorithm::SHA512,
    };
    match key.mpis() {
        mpi::PublicKey::DSA { q, .. } => match_dsa_hash(q.bits()),
        mpi::PublicKey::ECDSA {
            curve: Curve::BrainpoolP384,
            ..
        } => HashAlgorithm::SHA384,
        mpi::PublicKey::ECDSA {
            curve: Curve::BrainpoolP512,
            ..
        } => HashAlgorithm::SHA512,
        mpi::PublicKey::ECDSA {
            curve: Curve::NistP384,
            ..
        } => HashAlgorithm::SHA384,
        mpi::PublicKey::ECDSA {
            curve: Curve::NistP521,
            ..
        } => HashAlgorithm::SHA512,
        mpi::PublicKey::RSA { .. } => HashAlgorithm::SHA512,
        _ => HashAlgorithm::SHA256,
    }
}

/// Signs `payload` with `signer` at time `now`.
pub fn sign_detached(
    signer: &mut dyn sequoia_openpgp::crypto::Signer,
    payload: &[u8],
    now: SystemTime,
    signers_uid: Option<&str>,
) -> Result<Made, OpenPgpError> {
    let public = signer.public().clone();
    let hash = hash_for(&public);
    let mut builder = SignatureBuilder::new(SignatureType::Binary)
        .set_hash_algo(hash)
        .set_signature_creation_time(now)
        .map_err(sign_error)?
        .set_issuer_fingerprint(public.fingerprint())
        .map_err(sign_error)?
        .set_issuer(public.keyid())
        .map_err(sign_error)?;
    if let Some(uid) = signers_uid {
        builder = builder
            .set_signers_user_id(uid.as_bytes())
            .map_err(sign_error)?;
    }
    // The signer's own error (e.g. gpg-agent's "no secret key") is passed on as it is.
    let signature = builder
        .sign_message(signer, payload)
        .map_err(|e| e.downcast::<OpenPgpError>().unwrap_or_else(sign_error))?;
    let packet = sequoia_openpgp::Packet::from(signature.clone());
    let mut armored = Vec::new();
    {
        let mut writer = sequoia_openpgp::armor::Writer::new(
            &mut armored,
            sequoia_openpgp::armor::Kind::Signature,
        )
        .map_err(|e| OpenPgpError::Sign(e.to_string()))?;
        packet.serialize(&mut writer).map_err(sign_error)?;
        writer
            .finalize()
            .map_err(|e| OpenPgpError::Sign(e.to_string()))?;
    }
    Ok(Made {
        armored: String::from_utf8_lossy(&armored).into_owned(),
        pk_algo: public.pk_algo().into(),
        hash_algo: hash.into(),
        class: SignatureType::Binary.into(),
        created: unix(now),
        fingerprint: public.fingerprint().to_hex(),
    })
}

fn sign_error(e: impl std::fmt::Display) -> OpenPgpError {
    OpenPgpError::Sign(e.to_string())
}

/// A private key held by gpg-agent.
pub struct AgentSigner<'a> {
    pub agent: &'a mut Agent,
    pub public: Key<key::PublicParts, key::UnspecifiedRole>,
    pub grip: Keygrip,
    /// What pinentry shows when the key needs its passphrase.
    pub description: String,
}

impl sequoia_openpgp::crypto::Signer for AgentSigner<'_> {
    fn public(&self) -> &Key<key::PublicParts, key::UnspecifiedRole> {
        &self.public
    }

    fn sign(
        &mut self,
        hash_algo: HashAlgorithm,
        digest: &[u8],
    ) -> sequoia_openpgp::Result<mpi::Signature> {
        let value = self
            .agent
            .sign(&self.grip, &self.description, hash_algo.into(), digest)?;
        let get = |name: &str| -> sequoia_openpgp::Result<mpi::MPI> {
            value.get(name).map(mpi::MPI::new).ok_or_else(|| {
                OpenPgpError::Agent(format!("gpg-agent's signature has no `{name}`")).into()
            })
        };
        Ok(match self.public.pk_algo() {
            PublicKeyAlgorithm::RSAEncryptSign => mpi::Signature::RSA { s: get("s")? },
            PublicKeyAlgorithm::EdDSA => mpi::Signature::EdDSA {
                r: get("r")?,
                s: get("s")?,
            },
            PublicKeyAlgorithm::ECDSA => mpi::Signature::ECDSA {
                r: get("r")?,
                s: get("s")?,
            },
            // Deprecated for new keys, but gpg-agent holds old ones and signs with them.
            #[allow(deprecated)]
            PublicKeyAlgorithm::DSA => mpi::Signature::DSA {
                r: get("r")?,
                s: get("s")?,
            },
            other => {
                return Err(OpenPgpError::Sign(format!(
                    "gpg-agent signing with {other} keys is not supported"
                ))
                .into());
            }
        })
    }
}
