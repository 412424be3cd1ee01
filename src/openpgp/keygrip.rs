//! Keygrips: gpg-agent names secret keys by the SHA-1 "keygrip" of the public key
//! (libgcrypt `gcry_pk_get_keygrip`), not by OpenPGP fingerprint.
//!
//! - RSA: SHA-1 over the modulus n as a libgcrypt MPI (a leading zero byte when the high
//!   bit is set, which for RSA moduli is always).
//! - DSA: SHA-1 over `(1:p<len>:<p>)(1:q..)(1:g..)(1:y..)`, libgcrypt's generic keygrip
//!   over the key's elements `pqgy`, each as the S-expression holds it: gpg builds it with
//!   `%m`, a two's-complement MPI, so a value whose high bit is set gets a leading zero.
//! - ECC: SHA-1 over the S-expression fragments `(1:p<len>:<p>)(1:a..)(1:b..)(1:g..)(1:n..)`
//!   of the curve's parameters and `(1:q<len>:<q>)` of the public point; the cofactor is
//!   not hashed, and the 0x40 prefix of Ed25519's native point encoding is dropped
//!   (libgcrypt `cipher/ecc.c: compute_keygrip`, curve tables in `ecc-curves.c`). Each
//!   parameter is hashed as libgcrypt's `_gcry_mpi_get_buffer` writes it: big-endian
//!   without leading zero octets (P-521's `b` is 65 octets, not 66); `g` is the
//!   uncompressed point `04 || x || y`, each coordinate as long as `p`.
//!
//! The curve tables were taken from libgcrypt 1.10 itself (`gcry_pk_get_param`); the
//! tests compare against `gpg --with-keygrip` on real keys (RSA, Ed25519, NIST P-256,
//! P-384, P-521, brainpool P-256, P-384, P-512).

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
    /// The keygrip of a public key, or `None` for algorithms not handled here (ElGamal and
    /// Curve25519, which encrypt only, v6 native keys): gitseal cannot ask gpg-agent to
    /// sign with those, and says so.
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
            PublicKey::DSA { p, q, g, y } => {
                for (name, value) in [("p", p), ("q", q), ("g", g), ("y", y)] {
                    let value = value.value();
                    if value.first().is_some_and(|b| b & 0x80 != 0) {
                        sexp_part_signed(&mut hash, name, value);
                    } else {
                        sexp_part(&mut hash, name, value);
                    }
                }
            }
            PublicKey::EdDSA { curve, q } | PublicKey::ECDSA { curve, q } => {
                let params = curve_params(curve)?;
                for (name, hex) in ["p", "a", "b", "g", "n"].iter().zip(params) {
                    let value = decode_hex(hex)?;
                    let zeros = value.iter().take_while(|b| **b == 0).count();
                    sexp_part(&mut hash, name, &value[zeros..]);
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

/// [`sexp_part`] of a value with a leading zero octet, as `%m` writes a positive MPI
/// whose high bit is set.
fn sexp_part_signed(hash: &mut Sha1, name: &str, value: &[u8]) {
    hash.update(format!("(1:{name}{}:", value.len() + 1).as_bytes());
    hash.update([0u8]);
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
        Curve::NistP521 => [
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
             FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
             FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC",
            "51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF\
             073573DF883D2C34F1EF451FD46B503F00",
            "0400C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2\
             FFA8DE3348B3C1856A429BF97E7E31C2E5BD66011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD\
             17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650",
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709\
             A5D03BB5C9B8899C47AEBB6FB71E91386409",
        ],
        Curve::BrainpoolP256 => [
            "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
            "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
            "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
            "048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611D\
             C9C27745132DED8E545C1D54C72F046997",
            "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7",
        ],
        Curve::BrainpoolP384 => [
            "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
            "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
            "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
            "041D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF\
             1E8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C53\
             15",
            "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565",
        ],
        Curve::BrainpoolP512 => [
            "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E6\
             2881FF2F2D82C68528AA6056583A48F3",
            "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B5\
             7F1117A72BF2C7B9E7C1AC4D77FC94CA",
            "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67\
             984050B75EBAE5DD2809BD638016F723",
            "0481AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D\
             5F7C6D5047406A5E688B352209BCB9F8227DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F81\
             11B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
            "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC1047\
             1DB1D381085DDADDB58796829CA90069",
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
