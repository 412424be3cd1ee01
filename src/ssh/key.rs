//! Key-level helpers the rest of the room shares: decoding key bodies, names and
//! fingerprints as ssh-keygen prints them, and raw signature checks.

use ssh_encoding::Decode;
use ssh_key::public::{
    DsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey, SkEcdsaSha2NistP256, SkEd25519,
};
use ssh_key::{Algorithm, HashAlg, Signature};

/// Largest RSA modulus we accept, in bits. ssh-key's own conversion stops at 4096, but
/// OpenSSH allows 16384, and people do have 8192-bit keys.
const MAX_RSA_BITS: usize = 16384;

/// Decodes the key fields that follow the algorithm name (and, in certificates, the nonce).
pub(crate) fn decode_key_body(
    reader: &mut &[u8],
    algorithm: &Algorithm,
) -> Result<KeyData, ssh_key::Error> {
    Ok(match algorithm {
        Algorithm::Ed25519 => KeyData::Ed25519(Ed25519PublicKey::decode(reader)?),
        Algorithm::Ecdsa { curve } => {
            let key = ssh_key::public::EcdsaPublicKey::decode(reader)?;
            if key.curve() != *curve {
                return Err(ssh_key::Error::AlgorithmUnknown);
            }
            KeyData::Ecdsa(key)
        }
        Algorithm::Rsa { .. } => KeyData::Rsa(RsaPublicKey::decode(reader)?),
        Algorithm::Dsa => KeyData::Dsa(DsaPublicKey::decode(reader)?),
        Algorithm::SkEd25519 => KeyData::SkEd25519(SkEd25519::decode(reader)?),
        Algorithm::SkEcdsaSha2NistP256 => {
            KeyData::SkEcdsaSha2NistP256(SkEcdsaSha2NistP256::decode(reader)?)
        }
        _ => return Err(ssh_key::Error::AlgorithmUnknown),
    })
}

/// The key type as ssh-keygen names it in "Good signature ... with <TYPE> key".
pub fn type_name(key: &KeyData, certificate: bool) -> String {
    let base = match key {
        KeyData::Ed25519(_) => "ED25519",
        KeyData::Ecdsa(_) => "ECDSA",
        KeyData::Rsa(_) => "RSA",
        KeyData::Dsa(_) => "DSA",
        KeyData::SkEd25519(_) => "ED25519-SK",
        KeyData::SkEcdsaSha2NistP256(_) => "ECDSA-SK",
        _ => "UNKNOWN",
    };
    if certificate {
        format!("{base}-CERT")
    } else {
        base.to_string()
    }
}

/// `SHA256:<unpadded base64>` over the plain key blob, as ssh-keygen prints it.
pub fn fingerprint(key: &KeyData) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Checks `signature` by `key` over `data` (no SSHSIG framing).
///
/// RSA goes through the `rsa` crate directly so keys above ssh-key's 4096-bit cap verify,
/// and only the SHA-2 signature types are accepted, as OpenSSH requires for SSHSIG.
pub(crate) fn verify_raw(
    key: &KeyData,
    data: &[u8],
    signature: &Signature,
) -> Result<(), signature::Error> {
    use signature::Verifier;
    match key {
        KeyData::Rsa(rsa_key) => verify_rsa(rsa_key, data, signature),
        KeyData::SkEcdsaSha2NistP256(sk) if super::webauthn::is_webauthn(signature) => {
            super::webauthn::verify(sk, data, signature)
        }
        other => other.verify(data, signature),
    }
}

fn verify_rsa(
    key: &RsaPublicKey,
    data: &[u8],
    signature: &Signature,
) -> Result<(), signature::Error> {
    use rsa::pkcs1v15::{Signature as Pkcs1Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let public = rsa_public_key(key)?;
    let sig = Pkcs1Signature::try_from(signature.as_bytes())?;
    match signature.algorithm() {
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        } => VerifyingKey::<sha2::Sha512>::new(public).verify(data, &sig),
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha256),
        } => VerifyingKey::<sha2::Sha256>::new(public).verify(data, &sig),
        _ => Err(signature::Error::new()),
    }
}

pub(crate) fn rsa_public_key(key: &RsaPublicKey) -> Result<rsa::RsaPublicKey, signature::Error> {
    let n = rsa::BigUint::from_bytes_be(
        key.n
            .as_positive_bytes()
            .ok_or_else(signature::Error::new)?,
    );
    let e = rsa::BigUint::from_bytes_be(
        key.e
            .as_positive_bytes()
            .ok_or_else(signature::Error::new)?,
    );
    rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).map_err(|_| signature::Error::new())
}

/// The SSH wire encoding of a public key (what fingerprints hash, what agents list).
pub fn to_blob(key: &KeyData) -> Vec<u8> {
    use ssh_encoding::Encode;
    let mut blob = Vec::new();
    // Encoding into a Vec cannot fail for a key that was decoded or generated.
    let _ = key.encode(&mut blob);
    blob
}

/// Key size in bits, as `ssh-keygen -l` prints it.
pub fn bits(key: &KeyData) -> u32 {
    match key {
        KeyData::Ecdsa(ecdsa) => match ecdsa.curve() {
            ssh_key::EcdsaCurve::NistP256 => 256,
            ssh_key::EcdsaCurve::NistP384 => 384,
            ssh_key::EcdsaCurve::NistP521 => 521,
        },
        KeyData::Rsa(rsa) => rsa
            .n
            .as_positive_bytes()
            .map(|n| {
                let leading = n.first().map_or(0, |b| b.leading_zeros());
                (n.len() as u32) * 8 - leading
            })
            .unwrap_or(0),
        KeyData::SkEcdsaSha2NistP256(_) => 256,
        KeyData::Dsa(_) => 1024,
        _ => 256,
    }
}
