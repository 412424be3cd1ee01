//! Writing gitsign's wire format (reference/gitsign-format.md section 4) with RustCrypto's
//! `cms` types: a detached SignedData, one SignerInfo found by issuer and serial, the leaf
//! certificate alone in the bag, three signed attributes (contentType, signingTime,
//! messageDigest) in DER order, ecdsa-with-SHA256, and the Rekor entry as the unsigned
//! attribute 1.3.6.1.4.1.57264.3.1 (and an RFC 3161 token beside it). The key is the caller's: it signs
//! [`SignedAttributes::der`], which is what the CMS signature and the log entry both cover.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::SigstoreError;
use super::cms::{TIMESTAMP_TOKEN_OID, TLOG_ENTRY_OID};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

fn built(what: &str) -> impl Fn(der::Error) -> SigstoreError + '_ {
    move |e| SigstoreError::Malformed(format!("building {what}: {e}"))
}

/// The signed attributes of one signature, ready to be signed.
pub struct SignedAttributes {
    attrs: SetOfVec<Attribute>,
    /// DER of the attributes as a SET: the bytes the key signs.
    pub der: Vec<u8>,
}

/// contentType id-data, signingTime (UTCTime, whole seconds), messageDigest SHA-256(payload).
pub fn signed_attributes(
    payload: &[u8],
    signing_time: i64,
) -> Result<SignedAttributes, SigstoreError> {
    let attribute = |oid, value: Any| -> Result<Attribute, SigstoreError> {
        let mut values = SetOfVec::new();
        values.insert(value).map_err(built("an attribute"))?;
        Ok(Attribute { oid, values })
    };
    let time = UtcTime::from_unix_duration(std::time::Duration::from_secs(
        u64::try_from(signing_time)
            .map_err(|_| SigstoreError::Malformed("signing time before 1970".into()))?,
    ))
    .map_err(built("signingTime"))?;
    let digest =
        OctetString::new(Sha256::digest(payload).to_vec()).map_err(built("messageDigest"))?;
    let mut attrs = SetOfVec::new();
    for attr in [
        attribute(
            CONTENT_TYPE,
            Any::encode_from(&ID_DATA).map_err(built("contentType"))?,
        )?,
        attribute(
            SIGNING_TIME,
            Any::encode_from(&time).map_err(built("signingTime"))?,
        )?,
        attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&digest).map_err(built("messageDigest"))?,
        )?,
    ] {
        attrs.insert(attr).map_err(built("signed attributes"))?;
    }
    let der = attrs.to_der().map_err(built("signed attributes"))?;
    Ok(SignedAttributes { attrs, der })
}

/// The DER ContentInfo of a detached signature: `signature` (DER ECDSA over
/// `attributes.der`) by the key of `certificate` (DER), with `tlog_entry` (a serialized
/// TransparencyLogEntry) embedded when given.
pub fn assemble(
    certificate: &[u8],
    attributes: SignedAttributes,
    signature: &[u8],
    tlog_entry: Option<&[u8]>,
) -> Result<Vec<u8>, SigstoreError> {
    assemble_stamped(certificate, attributes, signature, tlog_entry, None)
}

/// [`assemble`], with an RFC 3161 `timestamp` token (DER ContentInfo) as the unsigned
/// attribute id-aa-timeStampToken beside the log entry, as gitsign stores it. Unsigned
/// attributes are outside what the key signed, so the token (which covers the signature)
/// can be added after signing.
pub fn assemble_stamped(
    certificate: &[u8],
    attributes: SignedAttributes,
    signature: &[u8],
    tlog_entry: Option<&[u8]>,
    timestamp: Option<&[u8]>,
) -> Result<Vec<u8>, SigstoreError> {
    let cert = Certificate::from_der(certificate).map_err(built("the certificate"))?;
    let sha256 = AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    };
    let mut unsigned = SetOfVec::new();
    if let Some(entry) = tlog_entry {
        let value: AttributeValue =
            Any::encode_from(&OctetString::new(entry).map_err(built("the log entry"))?)
                .map_err(built("the log entry"))?;
        unsigned
            .insert(single(TLOG_ENTRY_OID, value).map_err(built("the log entry"))?)
            .map_err(built("the log entry"))?;
    }
    if let Some(token) = timestamp {
        // The attribute's value is the TimeStampToken itself (RFC 3161 appendix A).
        let value: AttributeValue = Any::from_der(token).map_err(built("the timestamp"))?;
        unsigned
            .insert(single(TIMESTAMP_TOKEN_OID, value).map_err(built("the timestamp"))?)
            .map_err(built("the timestamp"))?;
    }
    let unsigned_attrs = (!unsigned.is_empty()).then_some(unsigned);
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attributes.attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_SHA256,
            parameters: None,
        },
        signature: OctetString::new(signature).map_err(built("the signature"))?,
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(sha256)
        .map_err(built("digest algorithms"))?;
    let mut certificates = SetOfVec::new();
    certificates
        .insert(CertificateChoices::Certificate(cert))
        .map_err(built("the certificate bag"))?;
    let mut signers = SetOfVec::new();
    signers.insert(signer).map_err(built("signer infos"))?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signers),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(built("SignedData"))?,
    }
    .to_der()
    .map_err(built("ContentInfo"))
}

/// An attribute with one value.
fn single(oid: ObjectIdentifier, value: AttributeValue) -> Result<Attribute, der::Error> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// The PEM armor git stores: `SIGNED MESSAGE`, 64-column lines, LF.
pub fn armor(der: &[u8]) -> Result<String, SigstoreError> {
    der::pem::encode_string(super::cms::PEM_LABEL, der::pem::LineEnding::LF, der)
        .map_err(|e| SigstoreError::Malformed(format!("PEM armor: {e}")))
}
