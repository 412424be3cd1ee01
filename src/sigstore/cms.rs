//! gitsign's signature as stored in git: PEM `SIGNED MESSAGE` around a detached CMS
//! SignedData with one SignerInfo (reference/gitsign-format.md section 4). Parsed with
//! RustCrypto's `cms`; this module only picks out the parts the verifier needs.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::Certificate;

use super::SigstoreError;

/// Where gitsign keeps the Rekor entry: a serialized `TransparencyLogEntry` protobuf.
pub const TLOG_ENTRY_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.3.1");
/// The arc of the pre-release format (gitsign PR #218): nine separate attributes
/// `57264.3.0` to `57264.3.8`, never released.
const PROTOTYPE_ARC: &str = "1.3.6.1.4.1.57264.3.";
/// RFC 3161 timestamp token (id-aa-timeStampToken).
pub const TIMESTAMP_TOKEN_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const SIGNED_DATA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const MESSAGE_DIGEST_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The armor git stores (and that decides the x509 format).
pub const PEM_LABEL: &str = "SIGNED MESSAGE";

/// A gitsign signature, taken apart.
#[derive(Clone, Debug)]
pub struct CmsSignature {
    /// DER of the signed attributes as the SET the signature covers.
    pub signed_attrs: Vec<u8>,
    /// The ECDSA signature (DER r,s) over `signed_attrs`.
    pub signature: Vec<u8>,
    /// The messageDigest attribute: SHA-256 of the payload.
    pub message_digest: Vec<u8>,
    /// The signingTime attribute (Unix seconds): the signer's clock, never trusted.
    pub signing_time: Option<i64>,
    /// DER of the signer's certificate, chosen by issuer and serial, never by position.
    pub certificate: Vec<u8>,
    /// DER of the other certificates in the bag (2022-era objects carry the intermediate).
    pub extra_certificates: Vec<Vec<u8>>,
    /// The embedded Rekor entry (protobuf), when signed in gitsign's offline mode.
    pub tlog_entry: Option<Vec<u8>>,
    /// RFC 3161 timestamp tokens (DER ContentInfo).
    pub timestamps: Vec<Vec<u8>>,
}

/// A bound on what is parsed: gitsign's signatures are 3-6 KiB (12 KiB with a timestamp
/// token); a git object can be made arbitrarily large by whoever pushes it.
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

/// Decodes the armored (or raw DER) signature.
pub fn parse(signature: &[u8]) -> Result<CmsSignature, SigstoreError> {
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(SigstoreError::Malformed(format!(
            "signature of {} bytes is larger than the {} KiB gitseal reads",
            signature.len(),
            MAX_SIGNATURE_BYTES / 1024
        )));
    }
    let der = unarmor(signature)?;
    let info = ContentInfo::from_der(&der)
        .map_err(|e| SigstoreError::Malformed(format!("CMS ContentInfo: {e}")))?;
    if info.content_type != SIGNED_DATA_OID {
        return Err(SigstoreError::Malformed(format!(
            "CMS content type {} is not SignedData",
            info.content_type
        )));
    }
    let signed_data: SignedData = info
        .content
        .decode_as()
        .map_err(|e| SigstoreError::Malformed(format!("CMS SignedData: {e}")))?;
    if signed_data.encap_content_info.econtent.is_some() {
        return Err(SigstoreError::Malformed(
            "CMS signature is not detached (it carries its content)".into(),
        ));
    }
    let [signer] = signed_data.signer_infos.0.as_slice() else {
        return Err(SigstoreError::Malformed(format!(
            "CMS signature has {} signers, gitsign writes exactly one",
            signed_data.signer_infos.0.len()
        )));
    };
    let certificates = bag(&signed_data)?;
    let (index, _) = certificates
        .iter()
        .enumerate()
        .find(|(_, cert)| issued_to(cert, &signer.sid))
        .ok_or_else(|| {
            SigstoreError::Malformed(
                "no certificate in the CMS bag matches the signer's issuer and serial".into(),
            )
        })?;
    let mut ders = certificates
        .iter()
        .map(|c| c.to_der())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SigstoreError::Malformed(format!("certificate: {e}")))?;
    let certificate = ders.remove(index);
    signer_parts(signer, certificate, ders)
}

fn signer_parts(
    signer: &SignerInfo,
    certificate: Vec<u8>,
    extra_certificates: Vec<Vec<u8>>,
) -> Result<CmsSignature, SigstoreError> {
    if signer.digest_alg.oid != SHA256_OID {
        return Err(SigstoreError::Malformed(format!(
            "CMS digest algorithm {} is not SHA-256",
            signer.digest_alg.oid
        )));
    }
    if signer.signature_algorithm.oid != ECDSA_SHA256_OID {
        return Err(SigstoreError::Malformed(format!(
            "CMS signature algorithm {} is not ecdsa-with-SHA256",
            signer.signature_algorithm.oid
        )));
    }
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| SigstoreError::Malformed("CMS signer has no signed attributes".into()))?;
    let message_digest = single_value(attrs, MESSAGE_DIGEST_OID, "messageDigest")?
        .ok_or_else(|| SigstoreError::Malformed("CMS signer has no messageDigest".into()))?
        .decode_as::<OctetString>()
        .map_err(|e| SigstoreError::Malformed(format!("messageDigest: {e}")))?
        .into_bytes();
    let signing_time = single_value(attrs, SIGNING_TIME_OID, "signingTime")?
        .and_then(|any| any.to_der().ok())
        .and_then(|der| x509_cert::time::Time::from_der(&der).ok())
        .map(|t| t.to_unix_duration().as_secs() as i64);
    // The signature covers the DER of the attributes as a SET (RFC 5652 5.4), not the
    // [0] IMPLICIT encoding they are stored in.
    let signed_attrs = attrs
        .to_der()
        .map_err(|e| SigstoreError::Malformed(format!("signed attributes: {e}")))?;

    let mut tlog_entry = None;
    let mut timestamps = Vec::new();
    for attr in signer.unsigned_attrs.iter().flat_map(|set| set.iter()) {
        if attr.oid == TLOG_ENTRY_OID {
            if tlog_entry.is_some() || attr.values.len() != 1 {
                return Err(SigstoreError::Malformed(
                    "more than one embedded Rekor entry".into(),
                ));
            }
            let value = attr.values.get(0).ok_or_else(|| {
                SigstoreError::Malformed("empty embedded Rekor entry attribute".into())
            })?;
            let bytes = value.decode_as::<OctetString>().map_err(|_| {
                SigstoreError::Prototype(
                    "the embedded Rekor entry is not a protobuf octet string".into(),
                )
            })?;
            tlog_entry = Some(bytes.into_bytes());
        } else if attr.oid == TIMESTAMP_TOKEN_OID {
            for value in attr.values.iter() {
                let der = value
                    .to_der()
                    .map_err(|e| SigstoreError::Malformed(format!("timestamp token: {e}")))?;
                timestamps.push(der);
            }
        } else if attr.oid.to_string().starts_with(PROTOTYPE_ARC) {
            return Err(SigstoreError::Prototype(format!(
                "unsigned attribute {} belongs to gitsign's unreleased prototype format",
                attr.oid
            )));
        }
    }
    Ok(CmsSignature {
        signed_attrs,
        signature: signer.signature.as_bytes().to_vec(),
        message_digest,
        signing_time,
        certificate,
        extra_certificates,
        tlog_entry,
        timestamps,
    })
}

/// Strips the PEM armor; bytes that do not start with it are taken as DER (gitsign
/// without `-a`).
pub fn unarmor(signature: &[u8]) -> Result<Vec<u8>, SigstoreError> {
    let text = trim_ascii_end(signature);
    if !text.starts_with(b"-----BEGIN ") {
        return Ok(text.to_vec());
    }
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let label = first_line
        .strip_prefix(b"-----BEGIN ")
        .and_then(|rest| rest.trim_ascii_end().strip_suffix(b"-----"))
        .unwrap_or_default();
    if label != PEM_LABEL.as_bytes() {
        return Err(SigstoreError::WrongFormat(format!(
            "armor `{}` is not a Sigstore `{PEM_LABEL}`",
            String::from_utf8_lossy(label)
        )));
    }
    let (_, der) = der::pem::decode_vec(text)
        .map_err(|e| SigstoreError::Malformed(format!("PEM armor: {e}")))?;
    Ok(der)
}

fn trim_ascii_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

fn bag(signed_data: &SignedData) -> Result<Vec<Certificate>, SigstoreError> {
    let Some(set) = &signed_data.certificates else {
        return Err(SigstoreError::Malformed(
            "CMS signature carries no certificate".into(),
        ));
    };
    set.0
        .iter()
        .map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Ok(cert.clone()),
            CertificateChoices::Other(_) => Err(SigstoreError::Malformed(
                "CMS bag holds a certificate that is not X.509".into(),
            )),
        })
        .collect()
}

fn issued_to(cert: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            cert.tbs_certificate.issuer == id.issuer
                && cert.tbs_certificate.serial_number == id.serial_number
        }
        // gitsign always writes issuerAndSerialNumber.
        SignerIdentifier::SubjectKeyIdentifier(_) => false,
    }
}

fn single_value<'a>(
    attrs: &'a SetOfVec<x509_cert::attr::Attribute>,
    oid: ObjectIdentifier,
    name: &str,
) -> Result<Option<&'a der::Any>, SigstoreError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(SigstoreError::Malformed(format!(
            "CMS signed attribute {name} must appear once with one value"
        )));
    }
    Ok(attr.values.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFLINE: &str = "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit";

    fn signature_of(commit: &[u8]) -> Vec<u8> {
        crate::git::signed::split_commit(commit, crate::git::signed::HashKind::Sha1)
            .ok()
            .flatten()
            .map(|s| s.signature)
            .unwrap_or_default()
    }

    #[test]
    fn an_offline_mode_signature_comes_apart() {
        let sig = parse(&signature_of(&crate::testdata::read_gitsign(OFFLINE))).expect("parses");
        assert_eq!(sig.message_digest.len(), 32);
        assert_eq!(
            sig.signed_attrs[0], 0x31,
            "signed attributes re-tagged as a SET"
        );
        assert!(sig.tlog_entry.is_some());
        assert!(sig.timestamps.is_empty());
        assert!(sig.extra_certificates.is_empty());
        assert!(Certificate::from_der(&sig.certificate).is_ok());
    }

    #[test]
    fn other_armor_is_a_wrong_format() {
        let pgp = b"-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n";
        assert!(matches!(parse(pgp), Err(SigstoreError::WrongFormat(_))));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            parse(b"-----BEGIN SIGNED MESSAGE-----\nAAAA\n-----END SIGNED MESSAGE-----\n"),
            Err(SigstoreError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"\x30\x03\x02\x01"),
            Err(SigstoreError::Malformed(_))
        ));
    }
}
