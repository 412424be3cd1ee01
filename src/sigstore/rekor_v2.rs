//! Rekor v2 (tile-based logs, `rekor-tiles`): the hashedrekord 0.0.2 entry a signature is
//! logged as, the request that logs it (`POST /api/v2/log/entries`) and the answer, a
//! `TransparencyLogEntry` in protobuf JSON with an inclusion proof against a C2SP signed
//! checkpoint. v2 gives no signed entry timestamp and no log time: a signature logged
//! there is timed by an RFC 3161 timestamp only.

use base64ct::{Base64, Encoding};
use serde_json::json;
use std::time::Duration;

/// The log a signing config asks signatures to be written to: the newest major API
/// version it lists that is valid now (`eligible_rekor_urls`), under its selector. gitseal
/// embeds one entry per signature: `ANY`, or `EXACT` with a count of one.
pub fn choose_log(
    config: &sigstore_trust_root::SigningConfig,
) -> Result<&sigstore_trust_root::ServiceEndpoint, String> {
    use sigstore_trust_root::ServiceSelector;
    let rule = &config.rekor_tlog_config;
    match (&rule.selector, rule.count) {
        (ServiceSelector::Any, _) | (ServiceSelector::Exact, Some(1)) => {}
        (selector, count) => {
            return Err(format!(
                "its rekorTlogConfig asks for {selector:?}{} logs; gitseal logs each signature in one (ANY, or EXACT 1)",
                count.map_or(String::new(), |c| format!(" {c}"))
            ));
        }
    }
    config
        .rekor_url(None)
        .ok_or_else(|| "it lists no Rekor log valid now (v1 or v2)".to_string())
}

/// The key details of a Fulcio certificate's key, as hashedrekord 0.0.2 names them. Fulcio
/// certifies P-256 keys for gitseal (and P-384 for some clients).
pub fn key_details(spki_der: &[u8]) -> Result<&'static str, String> {
    use x509_cert::der::Decode;
    let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| format!("the certificate's key: {e}"))?;
    let curve = spki
        .algorithm
        .parameters
        .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
        .map(|oid| oid.to_string());
    match curve.as_deref() {
        Some("1.2.840.10045.3.1.7") => Ok("PKIX_ECDSA_P256_SHA_256"),
        Some("1.3.132.0.34") => Ok("PKIX_ECDSA_P384_SHA_384"),
        _ => Err("Rekor v2 logs ECDSA P-256 and P-384 certificate keys only".into()),
    }
}

/// The hashedrekord 0.0.2 body Rekor v2 logs, in its canonical JSON (RFC 8785: keys
/// sorted, no spaces; every value here is a string): what the Merkle leaf covers, rebuilt
/// byte for byte where a signature embeds the entry without it.
pub fn hashedrekord_body(
    digest: &[u8],
    signature: &[u8],
    certificate_der: &[u8],
    key_details: &str,
) -> String {
    // serde_json keeps insertion order here (`preserve_order`): the literal order below is
    // the sorted one.
    json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": Base64::encode_string(digest)},
            "signature": {
                "content": Base64::encode_string(signature),
                "verifier": {
                    "keyDetails": key_details,
                    "x509Certificate": {"rawBytes": Base64::encode_string(certificate_der)}
                }
            }
        }}
    })
    .to_string()
}

/// The create-entry request (`rekor.v2.CreateEntryRequest`, protobuf JSON).
pub fn request(
    digest: &[u8],
    signature: &[u8],
    certificate_der: &[u8],
    key_details: &str,
) -> serde_json::Value {
    json!({"hashedRekordRequestV002": {
        "digest": Base64::encode_string(digest),
        "signature": {
            "content": Base64::encode_string(signature),
            "verifier": {
                "x509Certificate": {"rawBytes": Base64::encode_string(certificate_der)},
                "keyDetails": key_details
            }
        }
    }})
}

/// Logs a signature in the Rekor v2 log at `base_url`: its entry, as a bundle holds it.
pub fn create_entry(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    base_url: &str,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<sigstore_types::TransparencyLogEntry, String> {
    use super::ExchangeFailure;
    let url = format!("{}/api/v2/log/entries", base_url.trim_end_matches('/'));
    let answer = super::exchange(runtime, http.post(&url).json(body), timeout, 1024 * 1024)
        .map_err(|failure| match failure {
            ExchangeFailure::Transport(why) | ExchangeFailure::Status(why) => why,
            ExchangeFailure::TooLarge(status) => {
                format!("HTTP {status} with an answer of more than 1 MiB")
            }
        })?;
    let entry: sigstore_types::TransparencyLogEntry =
        serde_json::from_slice(&answer).map_err(|e| {
            format!(
                "the answer is not a Rekor v2 log entry: {}",
                super::one_line(&e.to_string())
            )
        })?;
    if entry.kind_version != sigstore_types::KindVersion::HashedRekordV002 {
        return Err(format!(
            "the log answered with a {}/{} entry, not hashedrekord 0.0.2",
            entry.kind_version.kind(),
            entry.kind_version.version()
        ));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body rebuilt from a sigstore-conformance Rekor v2 entry's parts is the body
    /// the log logged, byte for byte.
    #[test]
    fn the_rebuilt_body_is_the_logged_one() {
        let text = crate::testdata::read(&format!(
            "{}/rekor2-happy-path/bundle.sigstore.json",
            crate::testdata::CONFORMANCE
        ));
        let bundle = sigstore_types::Bundle::from_json(std::str::from_utf8(&text).expect("utf-8"))
            .expect("bundle");
        let entry = &bundle.verification_material.tlog_entries[0];
        let cert = bundle.signing_certificate().expect("certificate");
        let sigstore_types::SignatureContent::MessageSignature(m) = &bundle.content else {
            panic!("a message signature");
        };
        let digest = m.message_digest.as_ref().expect("digest").digest.as_bytes();
        let info = crate::sigstore::certificate::facts(cert.as_bytes()).expect("facts");
        let details = key_details(&info.public_key).expect("P-256");
        let body = hashedrekord_body(digest, m.signature.as_bytes(), cert.as_bytes(), details);
        assert_eq!(body.as_bytes(), entry.canonicalized_body.as_bytes());
    }
}
