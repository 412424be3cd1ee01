//! ECDSA on the brainpool curves, which sequoia's pure-Rust backend does not have: gpg
//! makes brainpoolP256r1, P384r1 and P512r1 keys (`--quick-gen-key ... brainpoolP256r1`),
//! and without this their certificates' binding signatures never verify, so the keyring
//! reader drops the certificate and gitseal knows neither the key nor its signatures.
//!
//! RustCrypto's `bp256` and `bp384` check the signatures of the first two curves (their
//! elliptic-curve 0.14 stack beside the 0.13 one of `p256`; cost in docs/benchmarks.md).
//! RustCrypto publishes no crate for brainpoolP512r1, but those two are only curve
//! parameters on its generic arithmetic, and [`p512`] is the same for the third curve:
//! RFC 5639's numbers on that arithmetic, none of it written here. sequoia's OpenSSL
//! backend would have all three and was measured and rejected (docs/benchmarks.md).
//!
//! sequoia decides, as everywhere else; this only supplies the one answer it cannot
//! compute, and only ever says yes:
//! - a data signature ([`data_signature_verifies`]): sequoia computes the digest (the
//!   data, then the signature's trailer), as for RSA in [`super::fast_rsa`];
//! - a certificate ([`vouch_for_bindings`]): each binding signature whose ECDSA checks out
//!   over the digest sequoia computed for it becomes an entry of sequoia's signature
//!   verification cache ([`super::vouch`]), before sequoia validates the certificate; a
//!   forged binding gets none and its key stays unusable. sequoia offers no other way in:
//!   its certificate checks call the backend, which has no brainpool, or the cache.

use ecdsa::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use ecdsa::elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize};
use ecdsa::signature::hazmat::PrehashVerifier;
use ecdsa::{EcdsaCurve, Signature as EcdsaSignature, VerifyingKey};
use sequoia_openpgp::Cert;
use sequoia_openpgp::crypto::mpi;
use sequoia_openpgp::packet::{Key, Signature, UserID, key};
use sequoia_openpgp::types::{Curve, SignatureType};

mod p512;

/// The brainpool curves, all checked here: the three gpg makes keys on.
pub const CURVES: [Curve; 3] = [
    Curve::BrainpoolP256,
    Curve::BrainpoolP384,
    Curve::BrainpoolP512,
];

/// Whether a key is on a brainpool curve (checked here; sequoia's backend can make
/// signatures with none of them: they are made through gpg-agent).
pub fn is_brainpool(key: &mpi::PublicKey) -> bool {
    matches!(key, mpi::PublicKey::ECDSA { curve, .. } if CURVES.contains(curve))
}

/// Whether the ECDSA signature `sig` over `digest` is valid by `key`; `false` for every
/// key not on a curve checked here.
pub fn verifies_digest(sig: &mpi::Signature, key: &mpi::PublicKey, digest: &[u8]) -> bool {
    let (mpi::PublicKey::ECDSA { curve, q }, mpi::Signature::ECDSA { r, s }) = (key, sig) else {
        return false;
    };
    let (q, r, s) = (q.value(), r.value(), s.value());
    match curve {
        Curve::BrainpoolP256 => ecdsa_verifies::<bp256::BrainpoolP256r1>(q, r, s, digest),
        Curve::BrainpoolP384 => ecdsa_verifies::<bp384::BrainpoolP384r1>(q, r, s, digest),
        Curve::BrainpoolP512 => ecdsa_verifies::<p512::BrainpoolP512r1>(q, r, s, digest),
        _ => false,
    }
}

/// ECDSA on curve `C`: `q` a SEC1 point, `r` and `s` big-endian integers without leading
/// zeros (as OpenPGP's MPIs keep them), `digest` truncated to the order's length as
/// OpenPGP (RFC 9580, 5.2.3) and the ecdsa crate both do.
fn ecdsa_verifies<C>(q: &[u8], r: &[u8], s: &[u8], digest: &[u8]) -> bool
where
    C: EcdsaCurve + CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let Ok(key) = VerifyingKey::<C>::from_sec1_bytes(q) else {
        return false;
    };
    let size = <FieldBytesSize<C> as ecdsa::elliptic_curve::array::typenum::Unsigned>::USIZE;
    if r.len() > size || s.len() > size {
        return false;
    }
    let mut rs = vec![0u8; 2 * size];
    rs[size - r.len()..size].copy_from_slice(r);
    rs[2 * size - s.len()..].copy_from_slice(s);
    // from_slice refuses r or s of zero or not below the order.
    let Ok(signature) = EcdsaSignature::<C>::from_slice(&rs) else {
        return false;
    };
    key.verify_prehash(digest, &signature).is_ok()
}

/// Whether `sig` is a valid signature of `payload` by the brainpool key `key`; `false` also
/// when this does not apply (another algorithm, or sequoia's own checks before the
/// cryptography would refuse it: the caller then asks sequoia). As in
/// [`super::fast_rsa`], it applies to a v4 data signature by a v4 key made no earlier
/// than the key.
pub fn data_signature_verifies(
    sig: &Signature,
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
    payload: &[u8],
) -> bool {
    if !is_brainpool(key.mpis()) {
        return false;
    }
    if !super::outside_check_applies(sig, key) {
        return false;
    }
    super::data_digest(sig, payload)
        .is_some_and(|digest| verifies_digest(sig.mpis(), key.mpis(), &digest))
}

/// Whether `certification`, a third party's certification of `userid` on the
/// certificate whose primary key is `primary`, is good by `signer`, a primary key on a
/// curve checked here: what sequoia's `verify_userid_binding` checks (the web of trust,
/// [`super::trustdb`]); `false` also when this does not apply (the caller asks sequoia).
pub fn certification_verifies(
    certification: &Signature,
    signer: &Key<key::PublicParts, key::PrimaryRole>,
    primary: &Key<key::PublicParts, key::PrimaryRole>,
    userid: &UserID,
) -> bool {
    if !is_brainpool(signer.mpis()) {
        return false;
    }
    let applies = certification.version() == 4
        && signer.version() == 4
        && matches!(
            certification.typ(),
            SignatureType::GenericCertification
                | SignatureType::PersonaCertification
                | SignatureType::CasualCertification
                | SignatureType::PositiveCertification
        )
        && certification
            .signature_creation_time()
            .is_some_and(|created| created >= signer.creation_time());
    if !applies {
        return false;
    }
    let digest = (|| {
        let mut hash = certification
            .hash_algo()
            .context()
            .ok()?
            .for_signature(certification.version());
        certification
            .hash_userid_binding(&mut hash, primary, userid)
            .ok()?;
        hash.into_digest().ok()
    })();
    digest.is_some_and(|digest| verifies_digest(certification.mpis(), signer.mpis(), &digest))
}

/// Checks of keys on the curves checked here, for [`super::vouch`].
pub const CHECKER: super::vouch::Checker = super::vouch::Checker {
    applies: is_brainpool,
    verifies_digest: |sig, key, digest| verifies_digest(sig.mpis(), key, digest),
};

/// Tells sequoia which of `cert`'s binding signatures by (or back-signatures of) a key on
/// a curve checked here are good ([`super::vouch`]), before anything asks for the
/// certificate's self-signatures. Nothing happens for a certificate without such a key.
pub fn vouch_for_bindings(cert: &Cert) {
    super::vouch::vouch_for_bindings(cert, &CHECKER);
}

/// The cache entries of `cert`'s binding signatures that are good by a key on a curve
/// checked here ([`super::vouch::binding_entries`]).
pub fn binding_entries(cert: &Cert) -> Vec<Vec<u8>> {
    super::vouch::binding_entries(cert, &CHECKER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecdsa::elliptic_curve::NonZeroScalar;
    use sequoia_openpgp::Packet;
    use sequoia_openpgp::crypto::Signer;
    use sequoia_openpgp::packet::key::Key4;
    use sequoia_openpgp::packet::signature::SignatureBuilder;
    use sequoia_openpgp::types::{KeyFlags, PublicKeyAlgorithm};
    use sha2::Digest as _;
    use std::time::{Duration, UNIX_EPOCH};

    type P256 = bp256::BrainpoolP256r1;

    /// A brainpoolP256r1 signer whose key packet may be another's: a forger claims the
    /// victim's key and signs with their own secret.
    struct TestSigner {
        public: Key<key::PublicParts, key::UnspecifiedRole>,
        secret: NonZeroScalar<P256>,
    }

    fn secret(seed: u8) -> NonZeroScalar<P256> {
        let mut bytes = [seed; 32];
        bytes[0] = 0x11; // below the order
        NonZeroScalar::<P256>::from_repr(bytes.into()).expect("a scalar")
    }

    fn public(secret: &NonZeroScalar<P256>) -> Key<key::PublicParts, key::UnspecifiedRole> {
        let point = ecdsa::elliptic_curve::PublicKey::<P256>::from_secret_scalar(secret)
            .to_sec1_point(false);
        Key4::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            PublicKeyAlgorithm::ECDSA,
            mpi::PublicKey::ECDSA {
                curve: Curve::BrainpoolP256,
                q: mpi::MPI::new(point.as_bytes()),
            },
        )
        .expect("a key")
        .into()
    }

    impl Signer for TestSigner {
        fn public(&self) -> &Key<key::PublicParts, key::UnspecifiedRole> {
            &self.public
        }

        fn sign(
            &mut self,
            _: sequoia_openpgp::types::HashAlgorithm,
            digest: &[u8],
        ) -> sequoia_openpgp::Result<mpi::Signature> {
            // A nonce from the secret and the digest (a test key: no RFC 6979 needed).
            let k = (0u8..)
                .find_map(|counter| {
                    let mut h = sha2::Sha256::new();
                    h.update(ecdsa::elliptic_curve::FieldBytes::<P256>::from(self.secret));
                    h.update(digest);
                    h.update([counter]);
                    let bytes: [u8; 32] = h.finalize().into();
                    NonZeroScalar::<P256>::from_repr(bytes.into()).into_option()
                })
                .expect("a nonce");
            let (sig, _) = ecdsa::hazmat::sign_prehashed::<P256>(&self.secret, &k, digest)
                .map_err(|e| sequoia_openpgp::anyhow::anyhow!("{e}"))?;
            let (r, s) = sig.split_bytes();
            Ok(mpi::Signature::ECDSA {
                r: mpi::MPI::new(&r),
                s: mpi::MPI::new(&s),
            })
        }
    }

    fn signer(key_of: u8, secret_of: u8) -> TestSigner {
        TestSigner {
            public: public(&secret(key_of)),
            secret: secret(secret_of),
        }
    }

    /// A certificate: primary key 1 binds a user id (signed with `uid_secret`) and the
    /// signing subkey 2 (its back-signature signed with `backsig_secret`).
    fn cert(uid_secret: u8, backsig_secret: u8) -> Cert {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        let primary: Key<key::PublicParts, key::PrimaryRole> =
            public(&secret(1)).role_into_primary();
        let subkey: Key<key::PublicParts, key::SubordinateRole> =
            public(&secret(2)).role_into_subordinate();
        let userid = UserID::from("Brainpool <bp@example.com>");
        let uid_sig = SignatureBuilder::new(SignatureType::PositiveCertification)
            .set_signature_creation_time(at)
            .and_then(|b| b.set_key_flags(KeyFlags::empty().set_certification()))
            .and_then(|b| b.sign_userid_binding(&mut signer(1, uid_secret), &primary, &userid))
            .expect("user id binding");
        let backsig = SignatureBuilder::new(SignatureType::PrimaryKeyBinding)
            .set_signature_creation_time(at)
            .and_then(|b| {
                b.sign_primary_key_binding(&mut signer(2, backsig_secret), &primary, &subkey)
            })
            .expect("back-signature");
        let binding = SignatureBuilder::new(SignatureType::SubkeyBinding)
            .set_signature_creation_time(at)
            .and_then(|b| b.set_key_flags(KeyFlags::empty().set_signing()))
            .and_then(|b| b.set_embedded_signature(backsig))
            .and_then(|b| b.sign_subkey_binding(&mut signer(1, 1), &primary, &subkey))
            .expect("subkey binding");
        Cert::from_packets(
            [
                Packet::from(primary),
                userid.into(),
                uid_sig.into(),
                subkey.into(),
                binding.into(),
            ]
            .into_iter(),
        )
        .expect("a certificate")
    }

    fn data_signature(secret: u8, payload: &[u8]) -> Signature {
        let mut signer = signer(2, secret);
        SignatureBuilder::new(SignatureType::Binary)
            .set_signature_creation_time(UNIX_EPOCH + Duration::from_secs(1_700_000_200))
            .and_then(|b| b.sign_message(&mut signer, payload))
            .expect("a data signature")
    }

    #[test]
    fn an_honest_certificate_is_bound_and_its_signatures_verify() {
        let cert = cert(1, 2);
        assert_eq!(
            binding_entries(&cert).len(),
            3,
            "user id, subkey, back-signature"
        );
        let cert = super::super::keyring::bound_only(cert).expect("a certificate");
        let policy = super::super::policy();
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_300);
        let valid = cert.with_policy(&policy, at).expect("valid");
        assert_eq!(valid.userids().count(), 1);
        let signing: Vec<_> = valid.keys().subkeys().for_signing().collect();
        assert_eq!(signing.len(), 1, "the subkey may sign");

        let subkey = signing[0].key().clone().role_into_unspecified();
        let sig = data_signature(2, b"payload");
        assert!(data_signature_verifies(&sig, &subkey, b"payload"));
        assert!(!data_signature_verifies(&sig, &subkey, b"other payload"));
        let forged = data_signature(3, b"payload");
        assert!(!data_signature_verifies(&forged, &subkey, b"payload"));
    }

    #[test]
    fn a_forged_user_id_binding_gets_no_entry_and_no_certificate() {
        // Key 3's secret signs in key 1's name: the math fails under key 1.
        let cert = cert(3, 2);
        assert_eq!(
            binding_entries(&cert).len(),
            2,
            "only the subkey binding and its back-signature"
        );
        assert!(
            super::super::keyring::bound_only(cert).is_none(),
            "without its user id the block is no certificate, as in gpg"
        );
    }

    #[test]
    fn a_forged_back_signature_leaves_the_subkey_unusable() {
        let cert = cert(1, 3);
        assert_eq!(
            binding_entries(&cert).len(),
            2,
            "user id and subkey binding, no back-signature"
        );
        let cert = super::super::keyring::bound_only(cert).expect("a certificate");
        let policy = super::super::policy();
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_300);
        let valid = cert.with_policy(&policy, at).expect("valid");
        assert_eq!(valid.userids().count(), 1);
        assert_eq!(
            valid.keys().subkeys().for_signing().count(),
            0,
            "a signing subkey without its back-signature is no key of the certificate"
        );
    }

    /// Made for these tests by gpg 2.2.40 (libgcrypt 1.10.1), `--quick-gen-key "gitseal
    /// P-512 fixture <p512@gitseal.invalid>" brainpoolP512r1 cert never`, then
    /// `--quick-add-key ... brainpoolP512r1/ecdsa sign never`: a certification-only
    /// brainpoolP512r1 primary key with a user id and a brainpoolP512r1 signing subkey,
    /// whose binding carries its back-signature (SHA-512 throughout).
    const P512_CERT: &str = "\
-----BEGIN PGP PUBLIC KEY BLOCK-----

mJMEaxZA4RMJKyQDAwIIAQENBAMERX3x+OjDUn4s6vpzlPF5XDziSv+QTaoM3J/z
e+mqTUJtidycTg28I9raFoqlf2By4NpW6Xa+cn4axkJ9bW9VdAiR+dQJEYwaX2Qq
9VAP3IeYiual0M8H/jgSVDZo3IDvRKDYRrOesxGiWrUMNS0cVdH1PoV0cxUoLXQJ
bKDjqlu0LGdpdHNlYWwgUC01MTIgZml4dHVyZSA8cDUxMkBnaXRzZWFsLmludmFs
aWQ+iNAEExMKADgWIQQdhMab94PVYLE0pI3lQfe1ksXtewUCaxZA4QIbAQULCQgH
AgYVCgkICwIEFgIDAQIeAQIXgAAKCRDlQfe1ksXte+AfAf9hKi5YmDMQTnByyJzA
VSlC2w0qtWtt2M6o+cOrsyuYnoNP9U2jZ9o0JIKOHhaloyh+XOioZF2i0CCKPKlt
sxknAf9QWOhRCrve+9ZwVxiVib/ACFZyQ6QrgLv9WQFODQ/cnYeixr3AceyWTfpe
r+TfZ+iDhw/VnUxal93mEWGLUXnluJMEaxZA4RMJKyQDAwIIAQENBAMEVchudOn6
qoLUA9p24E5nk2PjVdE8pz2qWQZlTgVxkRoMGGQCLRBRjiTZfLaCNYpmx7b91+1D
fj8eath5SYZZAz2v2erJin1C4u27Of0ayS6OpnVgUrPTKnDW+2U6e8o9BN06P7Dk
GFQYPxgVxsiXPCzZZpD82qA6AWmM2H36emKJAW8EGBMKACAWIQQdhMab94PVYLE0
pI3lQfe1ksXtewUCaxZA4QIbAgDBCRDlQfe1ksXte7YgBBkTCgAdFiEEQZOWcH+f
a2L3LVt8ki6MGmfMRs4FAmsWQOEACgkQki6MGmfMRs5WCQH/a75ldcTZXAEg2268
mMzRGEz2IzLBTJlZlxFwIGIpTPudq56xW8LQhLUEkpXYplnZU371+20hwDJhldb1
aab+XQIAm4hE3JS8UNba3C9tOpl4iNBrL2o1pDZK8y61YU9yMnSCHHDM+hmr1NGv
bl1czvcBGI5fhPVOpkyVWcijCFSWSit0AgCoMzIgSDjbqwNmjpYC2MvijAhhl8y+
5J/SSZhYGyP/swMBHHK0vSsrln1U0CdpZo5JSZZLhCoZ07qTYNU+sCNaAf4iQLYI
fXr1BS8R6XIN2D2B7AHM7bkRkIzdN/dlRmLz4bK87oG3qwmo6xlYfINKWWLwvWsW
F330bKZw0K5HtFHl
=Sys3
-----END PGP PUBLIC KEY BLOCK-----
";

    /// `gpg -absu p512@gitseal.invalid` over [`P512_PAYLOAD`], by the subkey.
    const P512_SIGNATURE: &str = "\
-----BEGIN PGP SIGNATURE-----

iMsEABMKADMWIQRBk5Zwf59rYvctW3ySLowaZ8xGzgUCaxZA4xUccDUxMkBnaXRz
ZWFsLmludmFsaWQACgkQki6MGmfMRs5ywgH5AfvDI3NjyxbBzerfKRAMM/mqiIM6
5j7XjRKM3ACsneNQYpcSkom0oBf/Htpl1V3sAa9pG38s3HZEBJ22MmFcmQH+NwhU
JOeSNXw5A1wQ7NOuGkRplK4jqI8mMrz25geEbG8VAGGsjCZ9Eo3s22+PizMbv0uG
u7XfSeYqSsN8FyklDg==
=NQ0L
-----END PGP SIGNATURE-----
";

    const P512_PAYLOAD: &[u8] =
        b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned by brainpoolP512r1\n";

    fn p512_cert() -> Cert {
        use sequoia_openpgp::parse::Parse;
        Cert::from_bytes(P512_CERT.as_bytes()).expect("the fixture certificate")
    }

    /// The certificate's packets, the last octet flipped: the subkey binding's `s`.
    fn p512_cert_with_a_forged_subkey_binding() -> Cert {
        use sequoia_openpgp::parse::Parse;
        use sequoia_openpgp::serialize::SerializeInto;
        let mut bytes = p512_cert().to_vec().expect("serialize");
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        Cert::from_bytes(&bytes).expect("still a certificate")
    }

    fn p512_signature() -> Signature {
        use sequoia_openpgp::parse::Parse;
        match Packet::from_bytes(P512_SIGNATURE.as_bytes()).expect("the fixture signature") {
            Packet::Signature(sig) => sig,
            other => panic!("not a signature: {other:?}"),
        }
    }

    fn p512_subkey_point() -> Vec<u8> {
        let cert = p512_cert();
        let subkey = cert.keys().subkeys().next().expect("a subkey");
        match subkey.key().mpis() {
            mpi::PublicKey::ECDSA { q, .. } => q.value().to_vec(),
            other => panic!("not ECDSA: {other:?}"),
        }
    }

    #[test]
    fn a_gpg_made_brainpool_p512_certificate_and_signature_verify() {
        let cert = p512_cert();
        assert!(cert.keys().all(|k| matches!(
            k.key().mpis(),
            mpi::PublicKey::ECDSA {
                curve: Curve::BrainpoolP512,
                ..
            }
        )));
        assert_eq!(
            binding_entries(&cert).len(),
            3,
            "user id, subkey binding, back-signature"
        );
        let cert = super::super::keyring::bound_only(cert).expect("a certificate");
        let policy = super::super::policy();
        let at = UNIX_EPOCH + Duration::from_secs(1_796_620_600);
        let valid = cert.with_policy(&policy, at).expect("valid");
        assert_eq!(valid.userids().count(), 1);
        let signing: Vec<_> = valid.keys().subkeys().for_signing().collect();
        assert_eq!(signing.len(), 1, "the subkey may sign");
        let subkey = signing[0].key().clone().role_into_unspecified();

        let sig = p512_signature();
        assert_eq!(
            sig.hash_algo(),
            sequoia_openpgp::types::HashAlgorithm::SHA512
        );
        assert!(data_signature_verifies(&sig, &subkey, P512_PAYLOAD));
        assert!(!data_signature_verifies(&sig, &subkey, b"other payload"));
        // The same signature is not the primary key's.
        let primary = cert.primary_key().key().clone().role_into_unspecified();
        let digest = super::super::data_digest(&sig, P512_PAYLOAD).expect("a digest");
        assert!(verifies_digest(sig.mpis(), subkey.mpis(), &digest));
        assert!(!verifies_digest(sig.mpis(), primary.mpis(), &digest));
    }

    #[test]
    fn a_forged_brainpool_p512_subkey_binding_leaves_the_subkey_unbound() {
        let cert = p512_cert_with_a_forged_subkey_binding();
        assert_eq!(
            binding_entries(&cert).len(),
            2,
            "the user id binding and the back-signature, not the forged binding"
        );
        let cert = super::super::keyring::bound_only(cert).expect("a certificate");
        assert_eq!(cert.keys().subkeys().count(), 0, "no subkey is bound");
    }

    #[test]
    fn a_brainpool_p512_key_off_the_curve_verifies_nothing() {
        let sig = p512_signature();
        let digest = super::super::data_digest(&sig, P512_PAYLOAD).expect("a digest");
        let key = |point: &[u8]| mpi::PublicKey::ECDSA {
            curve: Curve::BrainpoolP512,
            q: mpi::MPI::new(point),
        };
        let mut point = p512_subkey_point();
        assert!(verifies_digest(sig.mpis(), &key(&point), &digest));
        if let Some(last) = point.last_mut() {
            *last ^= 0x01; // y changed, x kept: no point of the curve
        }
        assert!(!verifies_digest(sig.mpis(), &key(&point), &digest));
    }
}
