//! Keygrips: gpg-agent names secret keys by the SHA-1 "keygrip" of the public key
//! (libgcrypt `gcry_pk_get_keygrip`), not by OpenPGP fingerprint.
//!
//! - RSA: SHA-1 over the modulus n as a libgcrypt MPI (a leading zero byte when the high
//!   bit is set, which for RSA moduli is always).
//! - ECC: SHA-1 over the S-expression fragments `(1:p<len>:<p>)(1:a..)(1:b..)(1:g..)(1:n..)`
//!   of the curve's parameters and `(1:q<len>:<q>)` of the public point; the cofactor is
//!   not hashed, and the 0x40 prefix of Ed25519's native point encoding is dropped
//!   (libgcrypt `cipher/ecc.c: compute_keygrip`, curve tables in `ecc-curves.c`).
//!
//! The tests compare against `gpg --with-keygrip` on real keys.

use sequoia_openpgp::crypto::mpi::PublicKey;
use sequoia_openpgp::types::Curve;
use sha1::{Digest, Sha1};
use std::fmt;

/// A keygrip: 20 bytes, shown as 40 upper-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Keygrip(pub [u8; 20]);

impl fmt::Display for Keygrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Keygrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keygrip({self})")
    }
}

impl Keygrip {
    /// The keygrip of a public key, or `None` for algorithms not handled here (DSA,
    /// ElGamal, NIST P-521 and brainpool curves, v6 native keys): gitseal cannot ask
    /// gpg-agent to sign with those, and says so.
    pub fn of(key: &PublicKey) -> Option<Keygrip> {
        let mut hash = Sha1::new();
        match key {
            PublicKey::RSA { n, .. } => {
                let n = n.value();
                if n.first().is_some_and(|b| b & 0x80 != 0) {
                    hash.update([0u8]);
                }
                hash.update(n);
            }
            PublicKey::EdDSA { curve, q } | PublicKey::ECDSA { curve, q } => {
                let params = curve_params(curve)?;
                for (name, hex) in ["p", "a", "b", "g", "n"].iter().zip(params) {
                    sexp_part(&mut hash, name, &decode_hex(hex)?);
                }
                let q = q.value();
                let q = match q.split_first() {
                    Some((0x40, rest)) => rest,
                    _ => q,
                };
                sexp_part(&mut hash, "q", q);
            }
            _ => return None,
        }
        Some(Keygrip(hash.finalize().into()))
    }
}

fn sexp_part(hash: &mut Sha1, name: &str, value: &[u8]) {
    hash.update(format!("(1:{name}{}:", value.len()).as_bytes());
    hash.update(value);
    hash.update(b")");
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// p, a, b, g (uncompressed), n, from libgcrypt's curve table.
fn curve_params(curve: &Curve) -> Option<[&'static str; 5]> {
    Some(match curve {
        Curve::Ed25519 => [
            "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED",
            "01",
            "2DFC9311D490018C7338BF8688861767FF8FF5B2BEBE27548A14B235ECA6874A",
            "04216936D3CD6E53FEC0A4E231FDD6DC5C692CC7609525A7B2C9562D608F25D51A\
             6666666666666666666666666666666666666666666666666666666666666658",
            "1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED",
        ],
        Curve::NistP256 => [
            "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
            "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
            "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
            "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296\
             4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
        ],
        Curve::NistP384 => [
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
            "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
            "04AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7\
             3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libgcrypt_rsa_vector() {
        // libgcrypt tests/basic.c: check_pubkey_grip, the RSA key.
        let n = decode_hex(
            "E0CE96F90B6C9E02F3922BEADA93FE50A875EAC6BCC18BB9A9CF2E84965CAA2D1FF95A7F542465C6C0C19D276E4526CE048868A7A914FD343CC3A87DD74291FFC565506D5BBB25CBAC6A0E2DD1F8BCAAB0D4A29C2F37C950F363484BF269F7891440464BAF79827E03A36E70B814938EEBDC63E964247BE75DC58B014B7EA251",
        )
        .unwrap();
        let key = PublicKey::RSA {
            n: n.into(),
            e: vec![1, 0, 1].into(),
        };
        assert_eq!(
            Keygrip::of(&key).unwrap().to_string(),
            "32100C27173EF6E9C4E9A25D3D69F86D37A4F939"
        );
    }
}
