//! RSA data signatures checked by aws-lc (already in gitseal for Sigstore) instead of
//! sequoia's pure-Rust backend, whose big-number arithmetic spends about 10 million
//! instructions on one RSA-4096 check where aws-lc spends a few hundred thousand
//! (docs/benchmarks.md). Most real OpenPGP signatures are RSA (GitHub's web-flow key is
//! RSA-4096), so this decides how fast real history verifies.
//!
//! sequoia still computes the digest (the data, then the signature's own trailer), and
//! aws-lc checks the PKCS #1 v1.5 signature over it. The fast path only ever says yes:
//! whenever it does not apply, or aws-lc says no, the caller asks sequoia, whose answer is
//! final. It applies where sequoia's own checks before the cryptography
//! (`verify_digest_internal`) are known to pass: a v4 signature by a v4 key, with a
//! creation time no earlier than the key's, SHA-1 or SHA-2 (not SHA-224), and a modulus
//! of 1024 to 8192 bits (2048 for SHA-384), which is what aws-lc accepts.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, RsaParameters, RsaPublicKeyComponents};
use sequoia_openpgp::crypto::mpi;
use sequoia_openpgp::packet::{Key, Signature, key};
use sequoia_openpgp::types::HashAlgorithm;

/// Whether aws-lc finds `sig` a valid signature of `payload` by the RSA key `key`; `false`
/// also when the fast path does not apply (the caller then asks sequoia).
pub fn verifies(
    sig: &Signature,
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
    payload: &[u8],
) -> bool {
    let (mpi::PublicKey::RSA { e, n }, mpi::Signature::RSA { s }) = (key.mpis(), sig.mpis()) else {
        return false;
    };
    if !super::outside_check_applies(sig, key) {
        return false;
    }
    let bits = n.bits();
    let Some((params, algorithm)) = parameters(sig.hash_algo(), bits) else {
        return false;
    };
    // aws-lc wants the signature as long as the modulus; an MPI drops leading zeros.
    let modulus_len = n.value().len();
    let s = s.value();
    if s.len() > modulus_len {
        return false;
    }
    let mut padded = vec![0u8; modulus_len - s.len()];
    padded.extend_from_slice(s);
    let Some(computed) = super::data_digest(sig, payload) else {
        return false;
    };
    let Ok(digest) = digest::Digest::import_less_safe(&computed, algorithm) else {
        return false;
    };
    let components = RsaPublicKeyComponents {
        n: n.value(),
        e: e.value(),
    };
    components
        .to_parsed_public_key(params)
        .is_ok_and(|key| key.verify_digest_sig(&digest, &padded).is_ok())
}

/// aws-lc's PKCS #1 v1.5 parameters for a hash and modulus size it accepts.
fn parameters(
    hash: HashAlgorithm,
    bits: usize,
) -> Option<(&'static RsaParameters, &'static digest::Algorithm)> {
    if !(1024..=8192).contains(&bits) {
        return None;
    }
    Some(match hash {
        HashAlgorithm::SHA1 => (
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
        ),
        HashAlgorithm::SHA256 => (
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            &digest::SHA256,
        ),
        HashAlgorithm::SHA384 if bits >= 2048 => {
            (&signature::RSA_PKCS1_2048_8192_SHA384, &digest::SHA384)
        }
        HashAlgorithm::SHA512 => (
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            &digest::SHA512,
        ),
        _ => return None,
    })
}
