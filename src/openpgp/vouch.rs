//! A certificate's binding signatures checked outside sequoia's backend and handed to
//! sequoia as entries of its signature verification cache ([`super::sigcache::entry`]),
//! before sequoia validates the certificate. sequoia then runs every check of its own
//! (signature type, creation times, back-signatures, the policy) and finds the
//! cryptography done. An entry is the SHA-512 of the signature's values, the digest and
//! the key's values: it speaks for exactly the signature that was checked, so a forged
//! binding gets none and sequoia's backend decides it (or, for a curve the backend lacks,
//! nobody does and its key stays unusable).
//!
//! Two checkers use it: [`super::brainpool`], for curves sequoia's backend does not have,
//! and [`super::fast_rsa`], for RSA, which the backend checks ten times slower than
//! aws-lc. Each only ever says yes; a signature it cannot or does not vouch for is left
//! to sequoia.

use super::sigcache;
use sequoia_openpgp::Cert;
use sequoia_openpgp::Packet;
use sequoia_openpgp::crypto::mpi;
use sequoia_openpgp::packet::signature::subpacket::{SubpacketTag, SubpacketValue};
use sequoia_openpgp::packet::{Key, Signature, key};
use sequoia_openpgp::types::SignatureType;

/// A check of signatures outside sequoia.
pub struct Checker {
    /// Whether keys like this one are checked here.
    pub applies: fn(&mpi::PublicKey) -> bool,
    /// Whether `sig` over `digest` is valid by the key of these values; `false` whenever
    /// the check does not apply.
    pub verifies_digest: fn(&Signature, &mpi::PublicKey, &[u8]) -> bool,
}

/// Tells sequoia which of `cert`'s binding signatures by (or back-signatures of) a key
/// `checker` applies to are good, before anything asks for the certificate's
/// self-signatures (sequoia checks them lazily, once). Nothing happens for a certificate
/// without such a key.
pub fn vouch_for_bindings(cert: &Cert, checker: &Checker) {
    if !cert.keys().any(|ka| (checker.applies)(ka.key().mpis())) {
        return;
    }
    sigcache::vouch(binding_entries(cert, checker));
}

/// The cache entries of `cert`'s binding signatures that `checker` finds good. The
/// signatures are read as sequoia laid them out, without verifying: each self-signature
/// carries the digest sequoia computed for the component it was filed under, which is
/// the digest it will check; a back-signature (the subkey's signature embedded in its
/// binding) is hashed here by sequoia's own function, as sequoia's check of the binding
/// does.
pub fn binding_entries(cert: &Cert, checker: &Checker) -> Vec<Vec<u8>> {
    let primary = cert.primary_key().key().clone().role_into_unspecified();
    let primary_role = cert.primary_key().key().clone();
    let primary_checked = (checker.applies)(primary.mpis());
    let mut entries = Vec::new();
    let mut subkey: Option<Key<key::PublicParts, key::SubordinateRole>> = None;
    // Each component, then its signatures (secrets stripped: keys come as public ones).
    for packet in cert.clone().into_packets() {
        let sig = match packet {
            Packet::Signature(sig) => sig,
            Packet::PublicSubkey(key) => {
                subkey = Some(key);
                continue;
            }
            _ => {
                subkey = None;
                continue;
            }
        };
        if primary_checked
            && by(&sig, &primary)
            && let Some(digest) = sig.computed_digest()
            && (checker.verifies_digest)(&sig, primary.mpis(), digest)
            && let Some(entry) = sigcache::entry(&sig, digest, &primary)
        {
            entries.push(entry);
        }
        let Some(subkey) = subkey.as_ref().filter(|k| (checker.applies)(k.mpis())) else {
            continue;
        };
        if sig.typ() != SignatureType::SubkeyBinding {
            continue;
        }
        let signer = subkey.clone().role_into_unspecified();
        for backsig in sig.subpackets(SubpacketTag::EmbeddedSignature) {
            let SubpacketValue::EmbeddedSignature(backsig) = backsig.value() else {
                continue;
            };
            if backsig.typ() != SignatureType::PrimaryKeyBinding {
                continue;
            }
            let Some(digest) = backsig_digest(backsig, &primary_role, subkey) else {
                continue;
            };
            if (checker.verifies_digest)(backsig, signer.mpis(), &digest)
                && let Some(entry) = sigcache::entry(backsig, &digest, &signer)
            {
                entries.push(entry);
            }
        }
    }
    entries
}

/// Whether `sig` may be by `key`: it names no issuer, or names `key`. (Saves checking
/// third-party certifications, which sequoia files beside the self-signatures.)
fn by(sig: &Signature, key: &Key<key::PublicParts, key::UnspecifiedRole>) -> bool {
    let issuers = sig.get_issuers();
    issuers.is_empty()
        || issuers
            .iter()
            .any(|issuer| issuer.aliases(key.key_handle()))
}

/// The digest of a back-signature, as sequoia's `verify_primary_key_binding` computes it.
fn backsig_digest(
    backsig: &Signature,
    primary: &Key<key::PublicParts, key::PrimaryRole>,
    subkey: &Key<key::PublicParts, key::SubordinateRole>,
) -> Option<Vec<u8>> {
    let mut hash = backsig
        .hash_algo()
        .context()
        .ok()?
        .for_signature(backsig.version());
    backsig
        .hash_primary_key_binding(&mut hash, primary, subkey)
        .ok()?;
    hash.into_digest().ok()
}
