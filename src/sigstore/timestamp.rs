//! RFC 3161 timestamps as gitsign makes them (reference/gitsign-format.md sections 3-5):
//! the request's imprint is SHA-256 of the SignerInfo's signature, `certReq` is set, the
//! nonce is random; the token (a CMS ContentInfo) is kept in the SignerInfo as the unsigned
//! attribute id-aa-timeStampToken.
//!
//! Request, response and TSTInfo are RustCrypto's `x509-tsp` types. The token's signature,
//! its TSA's certificate chain and the authority's validity window are checked by the
//! Sigstore project's `sigstore-tsa`, one authority at a time (the same function
//! `sigstore-verify` uses). Its own HTTP client is not used: it reports a TSA's refusal as
//! a parse error and drops the TSA's status text, and each failure here has its own reason.

use std::path::Path;

use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString, Uint};
use der::{Decode, Encode};
use rand_core::RngCore;
use sha2::{Digest, Sha256, Sha384, Sha512};
use sigstore_types::{SignatureBytes, TimestampToken, TsaAuthority};
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::SigstoreError;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-ct-TSTInfo: what a timestamp token's SignedData carries.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// A TSA's answer is a few KiB; more than this is not an answer worth reading.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Where signing asks for a timestamp, and whom it believes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsaSettings {
    /// `gitseal.timestampURL` (gitsign: `timestampServerURL`).
    pub url: String,
    /// `gitseal.timestampCertChain`: a PEM chain, leaf first, root last. Without it the
    /// trusted root's timestamp authorities are believed.
    pub cert_chain: Option<std::path::PathBuf>,
}

/// A timestamp obtained and checked.
#[derive(Clone, Debug)]
pub struct Stamped {
    /// DER of the TimeStampToken (ContentInfo), as it goes into the SignerInfo.
    pub token: Vec<u8>,
    /// The TSA's time (Unix seconds), verified.
    pub time: i64,
}

/// A DER TimeStampReq for `signature`: SHA-256 imprint, `certReq`, a random nonce.
pub fn request(signature: &[u8]) -> Result<(Vec<u8>, TimeStampReq), SigstoreError> {
    let mut nonce = [0u8; 8];
    rand_core::OsRng.fill_bytes(&mut nonce);
    let building = |e: der::Error| SigstoreError::Timestamp(format!("building the request: {e}"));
    let nonce = Int::from(Uint::new(&nonce).map_err(building)?);
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(Sha256::digest(signature).to_vec())
                .map_err(building)?,
        },
        req_policy: None,
        nonce: Some(nonce),
        cert_req: true,
        extensions: None,
    };
    Ok((req.to_der().map_err(building)?, req))
}

/// Asks the TSA at `url` for a timestamp over `signature` and checks the answer before it
/// is used: granted, for this request (nonce and imprint), signed by one of `authorities`.
/// `http` bounds the exchange by `timeout` (`gitseal.timeout`), which a failure names.
pub fn fetch(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    url: &str,
    signature: &[u8],
    authorities: &[TsaAuthority],
    timeout: std::time::Duration,
) -> Result<Stamped, SigstoreError> {
    let (body, req) = request(signature)?;
    let request = http
        .post(url)
        .header("Content-Type", "application/timestamp-query")
        .header("Accept", "application/timestamp-reply")
        .body(body);
    let answer =
        super::exchange(runtime, request, timeout, MAX_RESPONSE_BYTES).map_err(|failure| {
            match failure {
                super::ExchangeFailure::Transport(why) | super::ExchangeFailure::Status(why) => {
                    SigstoreError::Timestamp(why)
                }
                super::ExchangeFailure::TooLarge(status) => {
                    SigstoreError::TimestampMalformed(format!(
                        "HTTP {status} with an answer of more than {MAX_RESPONSE_BYTES} bytes, \
                 which is no timestamp response"
                    ))
                }
            }
        })?;
    let token = token_of_response(&answer)?;
    let info = tst_info(&token)?;
    if info.nonce.as_ref() != req.nonce.as_ref() {
        return Err(SigstoreError::TimestampMismatch(
            "the answer's nonce is not the request's (a replayed or misdirected answer)".into(),
        ));
    }
    if info.message_imprint != req.message_imprint {
        return Err(SigstoreError::TimestampMismatch(
            "the answer's imprint is not the signature's".into(),
        ));
    }
    let time = verify(&token, signature, authorities)?;
    Ok(Stamped { token, time })
}

/// The TimeStampToken (DER ContentInfo) of a DER TimeStampResp whose status grants it.
pub fn token_of_response(response: &[u8]) -> Result<Vec<u8>, SigstoreError> {
    let resp = TimeStampResp::from_der(response).map_err(|e| {
        SigstoreError::TimestampMalformed(format!("the answer is not a TimeStampResp: {e}"))
    })?;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        let text: Vec<String> = resp
            .status
            .status_string
            .iter()
            .flatten()
            .map(|s| s.as_str().to_string())
            .collect();
        return Err(SigstoreError::Timestamp(format!(
            "the TSA refused (status {:?}){}",
            resp.status.status,
            if text.is_empty() {
                String::new()
            } else {
                format!(": {}", text.join(" "))
            }
        )));
    }
    let token = resp.time_stamp_token.ok_or_else(|| {
        SigstoreError::TimestampMalformed("the TSA granted the request but sent no token".into())
    })?;
    token
        .to_der()
        .map_err(|e| SigstoreError::TimestampMalformed(format!("the token: {e}")))
}

/// A token wrapped in a granted TimeStampResp: what a Sigstore bundle's `signedTimestamp`
/// holds (sigstore-python reads only that form; a SignerInfo holds the bare token).
pub fn as_response(token: &[u8]) -> Result<Vec<u8>, SigstoreError> {
    let token = ContentInfo::from_der(token)
        .map_err(|e| SigstoreError::TimestampMalformed(format!("not a timestamp token: {e}")))?;
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(|e| SigstoreError::TimestampMalformed(format!("re-encoding the token: {e}")))
}

/// The TSTInfo a token carries (not yet authenticated).
pub fn tst_info(token: &[u8]) -> Result<TstInfo, SigstoreError> {
    let malformed = |what: &str, e: der::Error| {
        SigstoreError::TimestampMalformed(format!("{what} of the timestamp token: {e}"))
    };
    let info = ContentInfo::from_der(token).map_err(|e| malformed("the ContentInfo", e))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(SigstoreError::TimestampMalformed(format!(
            "the timestamp token's content type {} is not SignedData",
            info.content_type
        )));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| malformed("the SignedData", e))?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(SigstoreError::TimestampMalformed(format!(
            "the timestamp token carries {}, not a TSTInfo",
            signed.encap_content_info.econtent_type
        )));
    }
    let content = signed.encap_content_info.econtent.ok_or_else(|| {
        SigstoreError::TimestampMalformed("the timestamp token carries no TSTInfo".into())
    })?;
    let octets: OctetString = content
        .decode_as()
        .map_err(|e| malformed("the TSTInfo octets", e))?;
    TstInfo::from_der(octets.as_bytes()).map_err(|e| malformed("the TSTInfo", e))
}

/// Checks `token` over `signature` (the SignerInfo's signature bytes): well formed, its
/// imprint the signature's, signed by one of `authorities` inside that authority's
/// window. Returns the TSA's time (Unix seconds).
pub fn verify(
    token: &[u8],
    signature: &[u8],
    authorities: &[TsaAuthority],
) -> Result<i64, SigstoreError> {
    let info = tst_info(token)?;
    let imprint = &info.message_imprint;
    let digest = match imprint.hash_algorithm.oid {
        SHA256 => Sha256::digest(signature).to_vec(),
        SHA384 => Sha384::digest(signature).to_vec(),
        SHA512 => Sha512::digest(signature).to_vec(),
        other => {
            return Err(SigstoreError::TimestampMalformed(format!(
                "the imprint's hash algorithm {other} is not SHA-2"
            )));
        }
    };
    if digest.as_slice() != imprint.hashed_message.as_bytes() {
        return Err(SigstoreError::TimestampMismatch(
            "its imprint is not the hash of this signature (a token for another signature)".into(),
        ));
    }
    if authorities.is_empty() {
        return Err(SigstoreError::TimestampUntrusted(
            "the trusted root lists no timestamp authority".into(),
        ));
    }
    let token = TimestampToken::from(token.to_vec());
    let signature = SignatureBytes::from(signature);
    let mut outside = None;
    let mut last = String::new();
    for authority in authorities {
        match sigstore_tsa::verify_timestamp_for_authority(&token, &signature, authority) {
            Ok(time) => return Ok(time.as_second()),
            Err(sigstore_tsa::Error::TimestampOutsideValidity { time }) => outside = Some(time),
            Err(e) => last = e.to_string(),
        }
    }
    if let Some(time) = outside {
        return Err(SigstoreError::Timestamp(format!(
            "stamped at {time}, outside the validity of the authority that signed it"
        )));
    }
    Err(SigstoreError::TimestampUntrusted(format!(
        "no trusted timestamp authority signed it ({last})"
    )))
}

/// The authority a PEM chain file names (`gitseal.timestampCertChain`): the TSA's own
/// certificate first, its root last.
pub fn authority_from_pem(path: &Path) -> Result<TsaAuthority, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("{}: {}", path.display(), crate::error::io_reason(&e)))?;
    let chain = x509_cert::Certificate::load_pem_chain(&text)
        .map_err(|e| format!("{}: not a PEM certificate chain: {e}", path.display()))?;
    let ders = chain
        .iter()
        .map(|c| c.to_der().map(sigstore_types::DerCertificate::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match ders.as_slice() {
        [] => Err(format!("{}: no certificate in the file", path.display())),
        [only] => Ok(TsaAuthority::new(
            only.clone(),
            Vec::new(),
            only.clone(),
            None,
        )),
        [leaf, middle @ .., root] => Ok(TsaAuthority::new(
            leaf.clone(),
            middle.to_vec(),
            root.clone(),
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_has_the_signatures_imprint_a_nonce_and_asks_for_certificates() {
        let (der, req) = request(b"signature").expect("request");
        let decoded = TimeStampReq::from_der(&der).expect("DER TimeStampReq");
        assert_eq!(decoded, req);
        assert!(decoded.cert_req);
        assert_eq!(
            decoded.message_imprint.hashed_message.as_bytes(),
            Sha256::digest(b"signature").as_slice()
        );
        let (_, other) = request(b"signature").expect("request");
        assert_ne!(req.nonce, other.nonce, "a fresh nonce each time");
    }

    #[test]
    fn garbage_is_malformed_not_untrusted() {
        for bytes in [&b""[..], b"\x30\x03\x02\x01\x00", b"<html>"] {
            assert_eq!(
                verify(bytes, b"sig", &[]).map_err(|e| e.reason()),
                Err("timestamp-malformed")
            );
            assert_eq!(
                token_of_response(bytes).map_err(|e| e.reason()),
                Err("timestamp-malformed")
            );
        }
    }

    #[test]
    fn a_refusal_says_so_with_the_tsas_words() {
        let refused = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: Some(vec![
                    der::asn1::Utf8StringRef::new("policy not accepted").expect("utf8"),
                ]),
                fail_info: None,
            },
            time_stamp_token: None,
        }
        .to_der()
        .expect("der");
        let err = token_of_response(&refused).expect_err("refused");
        assert_eq!(err.reason(), "timestamp");
        assert!(err.to_string().contains("policy not accepted"), "{err}");
    }
}
