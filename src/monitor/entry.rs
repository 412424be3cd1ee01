//! One entry fetched from a Rekor v1 log, verified before anything is said about it: the
//! UUID it came under names its body (the leaf hash), the body is a hashedrekord whose
//! certificate, signature and digest `sigstore-verify` checks with the entry's SET,
//! inclusion proof and signed checkpoint, the chain to a Fulcio CA of the trusted root at
//! the log's time and the certificate's SCT, as for a signature gitseal verifies.

use base64ct::{Base64, Encoding};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sigstore_types::{
    Artifact, Bundle, CertificateContent, DerCertificate, DigestBytes, HashAlgorithm, KindVersion,
    MediaType, MessageDigest, MessageSignature, Sha256Hash, SignatureBytes, SignatureContent,
    VerificationMaterial, VerificationMaterialContent,
};

use crate::sigstore::certificate::facts;
use crate::sigstore::trust::TrustRoot;
use crate::sigstore::verify::hex;

/// A verified entry: who the certificate names, what was signed, and where the log put it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    pub uuid: String,
    pub log_index: i64,
    /// Unix seconds: the log's time, covered by the SET.
    pub integrated_time: i64,
    pub identity: String,
    pub issuer: String,
    /// Hex SHA-256 the hashedrekord logs: for gitsign's signatures the digest of the
    /// signed attributes, for online-mode ones the digest of the object id.
    pub digest: String,
    /// SHA-256 of the signing certificate (DER).
    pub certificate: [u8; 32],
    /// The checkpoint the inclusion proof is against: origin (shard), size and root.
    pub origin: String,
    pub tree_size: u64,
    pub root: [u8; 32],
}

/// Why an entry is not accepted: a lie of the log, or a kind the monitor cannot judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// The entry does not hold up (bad proof, SET, chain, body not its UUID's).
    Invalid(String),
    /// Not a hashedrekord 0.0.1 (e.g. a cosign attestation): `kind/version`.
    Kind(String),
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Invalid(why) => f.write_str(why),
            Rejected::Kind(kind) => write!(
                f,
                "a {kind} entry: gitseal monitor verifies hashedrekord 0.0.1 entries (what gitsign and gitseal log)"
            ),
        }
    }
}

/// Verifies `entry`, which the log served under `filed_as`.
pub fn verify(
    filed_as: &str,
    entry: &sigstore_rekor::LogEntry,
    trust: &TrustRoot,
) -> Result<Logged, Rejected> {
    let invalid = |why: String| Rejected::Invalid(why);
    let body = entry.body.as_bytes();
    let leaf = hex(&Sha256::digest([&[0u8][..], body].concat()));
    // The UUID is the leaf hash (after a 16-digit tree id for sharded logs): a body that is
    // not the one the UUID names is another entry passed off as this one.
    if !filed_as.to_ascii_lowercase().ends_with(&leaf) {
        return Err(invalid(format!(
            "the body served as {filed_as} is not that entry's (its leaf hash is {leaf})"
        )));
    }
    let parsed: Value =
        serde_json::from_slice(body).map_err(|_| invalid("the entry's body is not JSON".into()))?;
    let kind = format!(
        "{}/{}",
        parsed["kind"].as_str().unwrap_or("?"),
        parsed["apiVersion"].as_str().unwrap_or("?")
    );
    if kind != "hashedrekord/0.0.1" {
        return Err(Rejected::Kind(kind));
    }
    let spec = &parsed["spec"];
    if spec["data"]["hash"]["algorithm"] != "sha256" {
        return Err(invalid("the hashedrekord's digest is not SHA-256".into()));
    }
    let digest_hex = spec["data"]["hash"]["value"].as_str().unwrap_or("");
    let digest = super::rekor_v1::hash32(digest_hex)
        .ok_or_else(|| invalid("the hashedrekord's digest is not 64 hex digits".into()))?;
    let signature = spec["signature"]["content"]
        .as_str()
        .and_then(|s| Base64::decode_vec(s).ok())
        .ok_or_else(|| invalid("the hashedrekord has no signature".into()))?;
    let certificate = spec["signature"]["publicKey"]["content"]
        .as_str()
        .and_then(|s| Base64::decode_vec(s).ok())
        .and_then(|pem| {
            der::pem::decode_vec(&pem)
                .ok()
                .filter(|(label, _)| *label == "CERTIFICATE")
                .map(|(_, der)| der)
        })
        .ok_or_else(|| {
            invalid("the hashedrekord names a key, not a certificate (no identity)".into())
        })?;
    let cert = facts(&certificate).map_err(|e| invalid(e.to_string()))?;
    let proof = entry
        .verification
        .as_ref()
        .and_then(|v| v.inclusion_proof.as_ref())
        .ok_or_else(|| invalid("the entry carries no inclusion proof".into()))?;

    let tlog = entry
        .to_bundle_entry(KindVersion::HashedRekordV001)
        .map_err(|e| invalid(format!("the entry's proofs: {e}")))?;
    let origin = tlog
        .inclusion_proof
        .as_ref()
        .and_then(|p| p.checkpoint.checkpoint())
        .map(|c| c.origin().to_string())
        .ok_or_else(|| invalid("the entry's inclusion proof has no signed checkpoint".into()))?;
    let material = VerificationMaterial::new(VerificationMaterialContent::Certificate(
        CertificateContent::new(DerCertificate::from(&certificate[..])),
    ))
    .with_tlog_entries(vec![tlog]);
    let content = MessageSignature::new(SignatureBytes::from(&signature[..])).with_message_digest(
        MessageDigest::new(HashAlgorithm::Sha2256, DigestBytes::from(&digest[..])),
    );
    let bundle = Bundle::new(
        MediaType::Bundle0_3,
        material,
        SignatureContent::MessageSignature(content),
    );
    let result = trust
        .verify_logged(
            Artifact::from_digest(Sha256Hash::from(digest)),
            &bundle,
            &sigstore_verify::VerificationPolicy::any_identity(),
        )
        .map_err(|e| invalid(e.to_string()))?;
    let time = result
        .integrated_time()
        .ok_or_else(|| invalid("the entry has no log time".into()))?;
    Ok(Logged {
        uuid: filed_as.to_ascii_lowercase(),
        log_index: entry.log_index.as_i64(),
        integrated_time: time.as_second(),
        identity: cert.identity,
        issuer: cert.issuer,
        digest: digest_hex.to_ascii_lowercase(),
        certificate: Sha256::digest(&certificate).into(),
        origin,
        tree_size: proof.tree_size,
        root: *proof.root_hash.as_bytes(),
    })
}
