//! brainpoolP512r1 for [`super`]: RustCrypto publishes no crate for it, but its `bp256` and
//! `bp384` are no more than curve parameters on generic arithmetic, and this module is the
//! same for the 512-bit curve. The arithmetic is not written here: the field and scalar
//! types are `primefield`'s Montgomery-form elements on `crypto-bigint`'s `U512` (the
//! generic backend `bp384` itself selects with `cfg(bp384_backend = "bigint")`), the
//! points and their formulas `primeorder`'s (as in `bp384`, the complete formulas for a
//! generic `a`), the verification `ecdsa`'s. What is here is RFC 5639's numbers (section
//! 3.7, "Domain Parameters for 512-Bit Curves"), written as that text lays them out and
//! checked by the tests below (the generator on the curve and of order `q`, the OID
//! sequoia reads) and by signatures gpg made.
//!
//! Only verification uses it (gitseal never holds a brainpool secret: gpg-agent signs),
//! so the variable-time multiplication `bp384` uses too is the right one. One difference
//! from `bp384` as gitseal builds it: there the field arithmetic is fiat-crypto's formally
//! verified code by default, which has no brainpoolP512r1 field; `crypto-bigint`'s generic
//! arithmetic used here is `bp384`'s other backend, which RustCrypto calls experimental.

use ecdsa::elliptic_curve::bigint::{Odd, U512};
use ecdsa::elliptic_curve::consts::U64;
use ecdsa::elliptic_curve::hazmat::FieldArithmetic;
use ecdsa::elliptic_curve::{CurveArithmetic, PrimeCurve, PrimeCurveArithmetic};
use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

/// The prime `p` of the field (RFC 5639, 3.7).
const MODULUS_HEX: &str = concat!(
    "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308",
    "717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
);

/// The order `q` of the generator (RFC 5639, 3.7); the cofactor `h` is 1.
const ORDER_HEX: &str = concat!(
    "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308",
    "70553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069",
);

const ORDER: Odd<U512> = Odd::<U512>::from_be_hex(ORDER_HEX);

/// brainpoolP512r1, OID 1.3.36.3.3.2.8.1.1.13.
#[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
pub struct BrainpoolP512r1;

impl ecdsa::elliptic_curve::Curve for BrainpoolP512r1 {
    type FieldBytesSize = U64;
    type Uint = U512;
    const ORDER: Odd<U512> = ORDER;
}

impl PrimeCurve for BrainpoolP512r1 {}

impl ecdsa::EcdsaCurve for BrainpoolP512r1 {
    /// Brainpool signatures may have a high `s` (as in `bp384`).
    const NORMALIZE_S: bool = false;
}

impl CurveArithmetic for BrainpoolP512r1 {
    type AffinePoint = primeorder::AffinePoint<Self>;
    type ProjectivePoint = primeorder::ProjectivePoint<Self>;
    type Scalar = scalar::Scalar;
}

impl FieldArithmetic for BrainpoolP512r1 {
    type FieldElement = field::FieldElement;
}

impl PrimeCurveArithmetic for BrainpoolP512r1 {
    type CurveGroup = primeorder::ProjectivePoint<Self>;
}

impl PrimeCurveParams for BrainpoolP512r1 {
    /// `A` is neither 0 nor -3.
    type PointArithmetic = point_arithmetic::EquationAIsGeneric;
    type Backend = mul_backend::VariableOnly;

    const EQUATION_A: field::FieldElement = field::FieldElement::from_hex_vartime(concat!(
        "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863",
        "BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
    ));
    const EQUATION_B: field::FieldElement = field::FieldElement::from_hex_vartime(concat!(
        "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117",
        "A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
    ));
    const GENERATOR: (field::FieldElement, field::FieldElement) = (
        field::FieldElement::from_hex_vartime(concat!(
            "81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D009",
            "8EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
        )),
        field::FieldElement::from_hex_vartime(concat!(
            "7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F81",
            "11B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
        )),
    );
}

/// Integers modulo `p`. (`deprecated`: primefield 0.14.0's macro calls crypto-bigint's
/// `Uint::bits`, since renamed `bit_width`; a warning about their code, not this.)
#[allow(deprecated)]
mod field {
    use super::{MODULUS_HEX, U512};
    use ecdsa::elliptic_curve::ff::PrimeField;
    use ecdsa::elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

    // The generator given for the field's multiplicative group is used only for square
    // roots (Tonelli-Shanks, which needs a quadratic non-residue): 2 is the smallest, and
    // p = 3 (mod 4) makes the root a single exponentiation anyway.
    primefield::monty_field_params! {
        name: FieldParams,
        modulus: MODULUS_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 2,
        doc: "Montgomery parameters for brainpoolP512r1's field modulus"
    }

    primefield::monty_field_element! {
        name: FieldElement,
        params: FieldParams,
        uint: U512,
        doc: "An element of brainpoolP512r1's field, modulo p"
    }

    primefield::monty_field_arithmetic! {
        name: FieldElement,
        params: FieldParams,
        uint: U512
    }

    impl ecdsa::elliptic_curve::ops::BatchInvert for FieldElement {}
}

/// Integers modulo `q`: ECDSA's scalars. (`deprecated`: as for [`field`].)
#[allow(deprecated)]
mod scalar {
    use super::{BrainpoolP512r1, ORDER, ORDER_HEX, U512};
    use ecdsa::elliptic_curve::ff::PrimeField;
    use ecdsa::elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
    use ecdsa::elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};

    // As for the field: 7 is the smallest quadratic non-residue modulo q (crypto-bigint
    // checks, when it computes the roots of unity, that it is one).
    primefield::monty_field_params! {
        name: ScalarParams,
        modulus: ORDER_HEX,
        uint: U512,
        byte_order: primefield::ByteOrder::BigEndian,
        multiplicative_generator: 7,
        doc: "Montgomery parameters for brainpoolP512r1's scalar modulus"
    }

    primefield::monty_field_element! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
        doc: "An element of brainpoolP512r1's scalar field, modulo q"
    }

    primefield::monty_field_arithmetic! {
        name: Scalar,
        params: ScalarParams,
        uint: U512
    }

    primefield::monty_field_reduce! {
        name: Scalar,
        params: ScalarParams,
        uint: U512,
    }

    ecdsa::elliptic_curve::scalar_impls!(BrainpoolP512r1, Scalar);

    primeorder::wnaf::impl_wnaf_size_for_scalar!(Scalar);

    impl AsRef<Scalar> for Scalar {
        fn as_ref(&self) -> &Scalar {
            self
        }
    }

    impl FromUintUnchecked for Scalar {
        type Uint = U512;

        fn from_uint_unchecked(uint: Self::Uint) -> Self {
            Self::from_uint_unchecked(uint)
        }
    }

    impl IsHigh for Scalar {
        fn is_high(&self) -> Choice {
            const HALF_ORDER: U512 = ORDER.as_ref().shr_vartime(1);
            self.to_canonical().ct_gt(&HALF_ORDER)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecdsa::elliptic_curve::Group;
    use ecdsa::elliptic_curve::point::AffineCoordinates;
    use primeorder::{AffinePoint, ProjectivePoint};
    use sequoia_openpgp::types::Curve;

    type Point = ProjectivePoint<BrainpoolP512r1>;

    #[test]
    fn the_generator_is_on_the_curve() {
        let (x, y) = BrainpoolP512r1::GENERATOR;
        let (a, b) = (BrainpoolP512r1::EQUATION_A, BrainpoolP512r1::EQUATION_B);
        assert!(
            y.square() == x.square() * x + a * x + b,
            "y^2 = x^3 + Ax + B"
        );
        // And a point off it is refused when decoded.
        let mut sec1 = [0u8; 129];
        sec1[0] = 4;
        sec1[1..65].copy_from_slice(&x.to_bytes());
        sec1[65..].copy_from_slice(&(y + field::FieldElement::ONE).to_bytes());
        assert!(
            ecdsa::VerifyingKey::<BrainpoolP512r1>::from_sec1_bytes(&sec1).is_err(),
            "(x, y + 1) is no point"
        );
        sec1[65..].copy_from_slice(&y.to_bytes());
        assert!(ecdsa::VerifyingKey::<BrainpoolP512r1>::from_sec1_bytes(&sec1).is_ok());
    }

    #[test]
    fn the_generator_has_order_q() {
        let g = Point::generator();
        assert!(!bool::from(g.is_identity()));
        // q - 1 as a scalar: q*G = (q - 1)*G + G, with q - 1's bits walked by the
        // double-and-add, so this is the identity only if G's order divides q (a prime).
        let q_minus_1 = -scalar::Scalar::ONE;
        assert!(bool::from((g * q_minus_1 + g).is_identity()));
        // A control: (q - 2)*G + G is not.
        let q_minus_2 = q_minus_1 - scalar::Scalar::ONE;
        assert!(!bool::from((g * q_minus_2 + g).is_identity()));
        // The affine generator is the RFC's x.
        let affine = AffinePoint::<BrainpoolP512r1>::from(g);
        assert_eq!(affine.x(), BrainpoolP512r1::GENERATOR.0.to_bytes());
    }

    #[test]
    fn the_curve_is_the_one_sequoia_calls_brainpool_p512() {
        let oid = const_oid::ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.13");
        assert_eq!(Curve::BrainpoolP512.oid(), oid.as_bytes());
        assert_eq!(Curve::from_oid(oid.as_bytes()), Curve::BrainpoolP512);
        assert_eq!(Curve::BrainpoolP512.bits().ok(), Some(512));
        assert_eq!(Curve::BrainpoolP512.to_string(), "brainpoolP512r1");
    }
}
