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
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
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
    if !is_rsa(key.mpis()) || !super::outside_check_applies(sig, key) {
        return false;
    }
    super::data_digest(sig, payload).is_some_and(|digest| verifies_digest(sig, key.mpis(), &digest))
}

/// Whether a key is an RSA key.
fn is_rsa(key: &mpi::PublicKey) -> bool {
    matches!(key, mpi::PublicKey::RSA { .. })
}

/// Whether aws-lc finds the RSA signature `sig` over `digest` (by `sig`'s hash algorithm)
/// valid by the key of values `key`; `false` also when that does not apply.
pub fn verifies_digest(sig: &Signature, key: &mpi::PublicKey, digest: &[u8]) -> bool {
    let (mpi::PublicKey::RSA { e, n }, mpi::Signature::RSA { s }) = (key, sig.mpis()) else {
        return false;
    };
    let Some((params, algorithm)) = parameters(sig.hash_algo(), n.bits()) else {
        return false;
    };
    let modulus_len = n.value().len();
    let s = s.value();
    if s.len() > modulus_len {
        return false;
    }
    let mut padded = vec![0u8; modulus_len - s.len()];
    padded.extend_from_slice(s);
    let Ok(digest) = digest::Digest::import_less_safe(digest, algorithm) else {
        return false;
    };
    with_parsed_key(n.value(), e.value(), params, |key| {
        key.verify_digest_sig(&digest, &padded).is_ok()
    })
    .unwrap_or(false)
}

/// RSA checks for [`super::vouch`].
pub const CHECKER: super::vouch::Checker = super::vouch::Checker {
    applies: is_rsa,
    verifies_digest,
};

/// Tells sequoia which of `cert`'s binding signatures by (or back-signatures of) an RSA
/// key aws-lc finds good ([`super::vouch`]), before anything asks for the certificate's
/// self-signatures: seven RSA-4096 checks for a key with three user ids and three
/// subkeys cost sequoia's backend about 64 million instructions, aws-lc a tenth of that.
/// For processes that keep no signature cache ([`super::keyring::Keyring::with_fast_rsa_bindings`]).
pub fn vouch_for_bindings(cert: &sequoia_openpgp::Cert) {
    super::vouch::vouch_for_bindings(cert, &CHECKER);
}

/// How many parsed keys each thread keeps: a history is signed by a few keys.
const PARSED_KEYS: usize = 8;

thread_local! {
    /// Keys parsed for aws-lc on this thread, most recent last, with the modulus, exponent
    /// and parameters they were parsed from. A parsed key keeps its Montgomery constants
    /// once the first check has computed them, a third of the instructions of an RSA-4096
    /// check; `gitseal verify` checks thousands of commits by the same few keys. A parsed
    /// key is a function of exactly these inputs, so reusing one changes no answer.
    static PARSED: std::cell::RefCell<Vec<ParsedKey>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct ParsedKey {
    n: Vec<u8>,
    e: Vec<u8>,
    params: &'static RsaParameters,
    key: ParsedPublicKey,
}

/// `check` applied to the key of modulus `n` and exponent `e` parsed for `params` (kept
/// for the next call on this thread); `None` if aws-lc refuses the key.
fn with_parsed_key(
    n: &[u8],
    e: &[u8],
    params: &'static RsaParameters,
    check: impl FnOnce(&ParsedPublicKey) -> bool,
) -> Option<bool> {
    PARSED.with_borrow_mut(|parsed| {
        let found = parsed
            .iter()
            .position(|k| k.n == n && k.e == e && std::ptr::eq(k.params, params));
        let at = match found {
            Some(at) => at,
            None => {
                let key = RsaPublicKeyComponents { n, e }
                    .to_parsed_public_key(params)
                    .ok()?;
                if parsed.len() == PARSED_KEYS {
                    parsed.remove(0);
                }
                parsed.push(ParsedKey {
                    n: n.to_vec(),
                    e: e.to_vec(),
                    params,
                    key,
                });
                parsed.len() - 1
            }
        };
        Some(check(&parsed[at].key))
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::cert::{CertBuilder, CipherSuite};
    use sequoia_openpgp::packet::signature::SignatureBuilder;
    use sequoia_openpgp::policy::StandardPolicy;
    use sequoia_openpgp::types::SignatureType;

    /// A new RSA-2048 signing key, and a SHA-256 signature by it over `payload`.
    fn signed(payload: &[u8]) -> (Key<key::PublicParts, key::UnspecifiedRole>, Signature) {
        let (cert, _) = CertBuilder::new()
            .set_cipher_suite(CipherSuite::RSA2k)
            .add_signing_subkey()
            .generate()
            .expect("a certificate");
        let policy = StandardPolicy::new();
        let key = cert
            .keys()
            .with_policy(&policy, None)
            .for_signing()
            .secret()
            .next()
            .expect("a signing key")
            .key()
            .clone();
        let mut signer = key.clone().into_keypair().expect("a key pair");
        let sig = SignatureBuilder::new(SignatureType::Binary)
            .set_hash_algo(HashAlgorithm::SHA256)
            .sign_message(&mut signer, payload)
            .expect("a signature");
        (key.parts_into_public().role_into_unspecified(), sig)
    }

    /// A certificate with an RSA-2048 primary key, the user id `alice` and a signing
    /// subkey (whose binding carries a back-signature).
    fn cert() -> sequoia_openpgp::Cert {
        CertBuilder::new()
            .set_cipher_suite(CipherSuite::RSA2k)
            .add_userid("alice")
            .add_signing_subkey()
            .generate()
            .expect("a certificate")
            .0
            .strip_secret_key_material()
    }

    /// `cert` with the last octet of its user id's binding signature changed (a value of
    /// its RSA signature: the math no longer holds).
    fn forged_user_id_binding(cert: &sequoia_openpgp::Cert) -> sequoia_openpgp::Cert {
        use sequoia_openpgp::Packet;
        use sequoia_openpgp::parse::Parse;
        use sequoia_openpgp::serialize::MarshalInto;
        let mut packets: Vec<Packet> = cert.clone().into_packets().collect();
        let at = packets
            .iter()
            .position(|p| matches!(p, Packet::Signature(s) if s.typ() == SignatureType::PositiveCertification))
            .expect("a user id binding");
        let mut bytes = packets[at].to_vec().expect("serialized");
        *bytes.last_mut().expect("octets") ^= 1;
        packets[at] = Packet::from_bytes(&bytes).expect("still a packet");
        sequoia_openpgp::Cert::from_packets(packets.into_iter()).expect("a certificate")
    }

    /// Binding signatures are vouched for only when aws-lc finds them good: a forged user
    /// id binding gets no entry, so sequoia's own backend judges it, refuses it, and the
    /// keyring drops what it bound; the honest certificate keeps its user id.
    #[test]
    fn only_good_rsa_bindings_are_vouched_for() {
        use super::super::keyring::Keyring;
        use sequoia_openpgp::serialize::SerializeInto;
        let honest = cert();
        // The direct-key signature, the user id binding, the subkey binding and its
        // back-signature.
        assert_eq!(
            super::super::vouch::binding_entries(&honest, &CHECKER).len(),
            4
        );
        let forged = forged_user_id_binding(&honest);
        assert_eq!(
            super::super::vouch::binding_entries(&forged, &CHECKER).len(),
            3,
            "no entry for the forged user id binding"
        );

        let mut keyring = Keyring::with_fast_rsa_bindings();
        keyring
            .add_configured(honest.armored().to_vec().expect("armored"))
            .expect("read");
        let found = keyring
            .by_primary(&honest.fingerprint())
            .expect("the honest one");
        assert_eq!(found.cert.userids().count(), 1);

        let mut keyring = Keyring::with_fast_rsa_bindings();
        keyring
            .add_configured(forged.armored().to_vec().expect("armored"))
            .expect("read");
        assert!(
            keyring
                .by_primary(&forged.fingerprint())
                .is_none_or(|found| found.cert.userids().next().is_none()),
            "the forged user id is not bound"
        );
    }

    /// The parsed key kept for the next check changes no answer: a good signature is good
    /// again, tampered data and another key's signature stay refused with the key kept,
    /// and a key pushed out by others is parsed again and still right.
    #[test]
    fn kept_keys_give_the_same_answers() {
        let (alice, by_alice) = signed(b"payload");
        let (bob, by_bob) = signed(b"payload");
        assert!(verifies(&by_alice, &alice, b"payload"));
        assert!(verifies(&by_alice, &alice, b"payload"), "the kept key");
        assert!(!verifies(&by_alice, &alice, b"tampered"));
        assert!(
            !verifies(&by_bob, &alice, b"payload"),
            "bob's signature, alice's key"
        );
        assert!(verifies(&by_bob, &bob, b"payload"));
        assert!(
            !verifies(&by_alice, &bob, b"payload"),
            "alice's signature, bob's key"
        );

        // Push both out: as many other moduli (odd, 2048 bits: aws-lc parses them).
        let params = &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY;
        for i in 0..PARSED_KEYS {
            let mut n = vec![0xc5u8; 256];
            n[255] = 2 * i as u8 + 1;
            assert_eq!(
                with_parsed_key(&n, &[1, 0, 1], params, |_| true),
                Some(true)
            );
        }
        PARSED.with_borrow(|parsed| {
            assert_eq!(parsed.len(), PARSED_KEYS);
            assert!(parsed.iter().all(|k| k.n.len() == 256 && k.n[0] == 0xc5));
        });
        assert!(verifies(&by_alice, &alice, b"payload"));
        assert!(!verifies(&by_alice, &alice, b"tampered"));
        assert!(verifies(&by_bob, &bob, b"payload"));
    }
}
