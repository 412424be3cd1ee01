//! The Rekor entry gitsign embeds (attribute 57264.3.1): a `dev.sigstore.rekor.v1.
//! TransparencyLogEntry` protobuf with its canonicalized body stripped. Decoded with
//! prost from the message definitions of sigstore/protobuf-specs (`sigstore_rekor.proto`),
//! of which only the fields gitsign writes are declared.

use base64ct::{Base64, Encoding};
use prost::Message;
use serde_json::{Value, json};

use super::SigstoreError;

#[derive(Clone, PartialEq, Message)]
pub struct TransparencyLogEntry {
    #[prost(int64, tag = "1")]
    pub log_index: i64,
    #[prost(message, optional, tag = "2")]
    pub log_id: Option<LogId>,
    #[prost(message, optional, tag = "3")]
    pub kind_version: Option<KindVersion>,
    #[prost(int64, tag = "4")]
    pub integrated_time: i64,
    #[prost(message, optional, tag = "5")]
    pub inclusion_promise: Option<InclusionPromise>,
    #[prost(message, optional, tag = "6")]
    pub inclusion_proof: Option<InclusionProof>,
    #[prost(bytes = "vec", tag = "7")]
    pub canonicalized_body: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct LogId {
    #[prost(bytes = "vec", tag = "1")]
    pub key_id: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct KindVersion {
    #[prost(string, tag = "1")]
    pub kind: String,
    #[prost(string, tag = "2")]
    pub version: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct InclusionPromise {
    #[prost(bytes = "vec", tag = "1")]
    pub signed_entry_timestamp: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct InclusionProof {
    #[prost(int64, tag = "1")]
    pub log_index: i64,
    #[prost(bytes = "vec", tag = "2")]
    pub root_hash: Vec<u8>,
    #[prost(int64, tag = "3")]
    pub tree_size: i64,
    #[prost(bytes = "vec", repeated, tag = "4")]
    pub hashes: Vec<Vec<u8>>,
    #[prost(message, optional, tag = "5")]
    pub checkpoint: Option<Checkpoint>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Checkpoint {
    #[prost(string, tag = "1")]
    pub envelope: String,
}

/// Decodes the embedded entry and checks it is the one kind gitsign writes.
pub fn decode(bytes: &[u8]) -> Result<TransparencyLogEntry, SigstoreError> {
    let entry = TransparencyLogEntry::decode(bytes).map_err(|e| {
        SigstoreError::TlogMalformed(format!("embedded Rekor entry is not a protobuf: {e}"))
    })?;
    let kind = entry
        .kind_version
        .as_ref()
        .ok_or_else(|| SigstoreError::TlogMalformed("embedded Rekor entry has no kind".into()))?;
    // hashedrekord 0.0.1 (Rekor v1, what gitsign writes) or 0.0.2 (Rekor v2).
    if kind.kind != "hashedrekord" || !matches!(kind.version.as_str(), "0.0.1" | "0.0.2") {
        return Err(SigstoreError::TlogMalformed(format!(
            "embedded Rekor entry is {}/{}, not hashedrekord 0.0.1 (Rekor v1) or 0.0.2 (Rekor v2)",
            kind.kind, kind.version
        )));
    }
    if entry.log_id.as_ref().is_none_or(|id| id.key_id.len() != 32) {
        return Err(SigstoreError::TlogMalformed(
            "embedded Rekor entry has no 32-byte log id".into(),
        ));
    }
    Ok(entry)
}

/// Whether a decoded entry is a Rekor v2 one (hashedrekord 0.0.2).
pub fn is_v2(entry: &TransparencyLogEntry) -> bool {
    entry
        .kind_version
        .as_ref()
        .is_some_and(|k| k.version == "0.0.2")
}

/// The hashedrekord 0.0.1 body Rekor logged for this signature, rebuilt byte for byte as
/// Rekor canonicalises it (keys sorted, no spaces): gitsign strips it before embedding,
/// and the SET and the Merkle leaf both cover it.
pub fn hashedrekord_body(artifact_sha256_hex: &str, signature: &[u8], cert_pem: &str) -> String {
    // serde_json without `preserve_order` would sort keys, but this crate enables it;
    // the literal order below is already sorted.
    json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": artifact_sha256_hex}},
            "signature": {
                "content": Base64::encode_string(signature),
                "publicKey": {"content": Base64::encode_string(cert_pem.as_bytes())}
            }
        }
    })
    .to_string()
}

/// The protobuf gitsign embeds, from an entry as the Sigstore crates model it (Rekor's
/// answer to an upload). The canonicalized body is left out, as gitsign does.
pub fn from_bundle_entry(entry: &sigstore_types::TransparencyLogEntry) -> TransparencyLogEntry {
    TransparencyLogEntry {
        log_index: entry.log_index.as_i64(),
        log_id: Some(LogId {
            key_id: entry.log_id.key_id.as_bytes().to_vec(),
        }),
        kind_version: Some(KindVersion {
            kind: entry.kind_version.kind().into(),
            version: entry.kind_version.version().into(),
        }),
        integrated_time: entry.integrated_time.map_or(0, |t| t.as_second()),
        inclusion_promise: entry.inclusion_promise.as_ref().map(|p| InclusionPromise {
            signed_entry_timestamp: p.signed_entry_timestamp.as_bytes().to_vec(),
        }),
        inclusion_proof: entry.inclusion_proof.as_ref().map(|p| InclusionProof {
            log_index: p.log_index.as_i64(),
            root_hash: p.root_hash.as_bytes().to_vec(),
            tree_size: p.tree_size as i64,
            hashes: p.hashes.iter().map(|h| h.as_bytes().to_vec()).collect(),
            checkpoint: (!p.checkpoint.is_empty()).then(|| Checkpoint {
                envelope: p.checkpoint.envelope().to_string(),
            }),
        }),
        canonicalized_body: Vec::new(),
    }
}

/// The entry as a Sigstore bundle's `tlogEntries` item (protobuf-specs JSON mapping).
pub fn bundle_entry(entry: &TransparencyLogEntry, body: &str) -> Value {
    let mut value = json!({
        "logIndex": entry.log_index.to_string(),
        "logId": {"keyId": Base64::encode_string(entry.log_id.as_ref().map_or(&[][..], |id| &id.key_id))},
        "kindVersion": {"kind": "hashedrekord", "version": if is_v2(entry) { "0.0.2" } else { "0.0.1" }},
        "canonicalizedBody": Base64::encode_string(body.as_bytes()),
    });
    // Rekor v2 gives no log time: the field is absent (a zero would read as 1970).
    if !is_v2(entry) {
        value["integratedTime"] = json!(entry.integrated_time.to_string());
    }
    if let Some(promise) = &entry.inclusion_promise {
        value["inclusionPromise"] = json!({
            "signedEntryTimestamp": Base64::encode_string(&promise.signed_entry_timestamp)
        });
    }
    if let Some(proof) = &entry.inclusion_proof {
        let mut p = json!({
            "logIndex": proof.log_index.to_string(),
            "rootHash": Base64::encode_string(&proof.root_hash),
            "treeSize": proof.tree_size.to_string(),
            "hashes": proof.hashes.iter().map(|h| Base64::encode_string(h)).collect::<Vec<_>>(),
        });
        if let Some(checkpoint) = &proof.checkpoint {
            p["checkpoint"] = json!({"envelope": checkpoint.envelope});
        }
        value["inclusionProof"] = p;
    }
    value
}

/// The same entry as [`bundle_entry`], built as `sigstore-verify`'s type directly (what
/// verification uses: no base64 and JSON to write and parse back for every signature).
/// What the bundle's JSON form would refuse to parse is refused here as malformed.
pub fn typed_entry(
    entry: &TransparencyLogEntry,
    body: &str,
) -> Result<sigstore_types::TransparencyLogEntry, SigstoreError> {
    use sigstore_types::{
        CanonicalizedBody, CheckpointData, InclusionPromise, KindVersion, LogId as TypedLogId,
        LogIndex, LogKeyId, Sha256Hash, SignedTimestamp,
    };
    let malformed =
        |what: &str| SigstoreError::TlogMalformed(format!("as a Sigstore bundle: {what}"));
    let index = |i: i64| {
        u64::try_from(i)
            .ok()
            .and_then(|i| LogIndex::new(i).ok())
            .ok_or_else(|| malformed(&format!("log index {i}")))
    };
    let hash = |bytes: &[u8]| {
        <[u8; 32]>::try_from(bytes)
            .map(Sha256Hash::from)
            .map_err(|_| malformed(&format!("a hash of {} bytes", bytes.len())))
    };
    let key_id = entry.log_id.as_ref().map_or(&[][..], |id| &id.key_id[..]);
    let mut typed = sigstore_types::TransparencyLogEntry::new(
        index(entry.log_index)?,
        TypedLogId::new(LogKeyId::from(key_id)),
        if is_v2(entry) {
            KindVersion::HashedRekordV002
        } else {
            KindVersion::HashedRekordV001
        },
        CanonicalizedBody::from(body.as_bytes()),
    );
    // Proto3: a time of 0 is no time (the JSON form reads it so too).
    if entry.integrated_time != 0 {
        let time = jiff::Timestamp::from_second(entry.integrated_time)
            .map_err(|_| malformed(&format!("integrated time {}", entry.integrated_time)))?;
        typed = typed.with_integrated_time(time);
    }
    if let Some(promise) = &entry.inclusion_promise {
        typed = typed.with_inclusion_promise(InclusionPromise::new(SignedTimestamp::from(
            &promise.signed_entry_timestamp[..],
        )));
    }
    if let Some(proof) = &entry.inclusion_proof {
        let hashes = proof
            .hashes
            .iter()
            .map(|h| hash(h))
            .collect::<Result<Vec<_>, _>>()?;
        let envelope = proof
            .checkpoint
            .as_ref()
            .map_or("", |c| c.envelope.as_str());
        let checkpoint =
            CheckpointData::new(envelope).map_err(|e| malformed(&format!("checkpoint: {e}")))?;
        let tree_size = u64::try_from(proof.tree_size)
            .map_err(|_| malformed(&format!("tree size {}", proof.tree_size)))?;
        typed = typed.with_inclusion_proof(sigstore_types::InclusionProof::new(
            index(proof.log_index)?,
            hash(&proof.root_hash)?,
            tree_size,
            hashes,
            checkpoint,
        ));
    }
    Ok(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// gitsign's upstream fixture: the full Rekor response for `rekor-oid-commit.txt`,
    /// whose body must equal the one rebuilt here byte for byte.
    #[test]
    fn the_rebuilt_body_is_the_one_rekor_logged() {
        let tlog_json = crate::testdata::read_gitsign("testdata/rekor-oid-tlog.json");
        let commit = crate::testdata::read_gitsign("testdata/rekor-oid-commit.txt");
        let response: Value = serde_json::from_slice(&tlog_json).expect("fixture is JSON");
        let logged = response["body"].as_str().expect("body");
        let logged = Base64::decode_vec(logged).expect("base64");

        let signed = crate::git::signed::split_commit(&commit, crate::git::signed::HashKind::Sha1)
            .ok()
            .flatten()
            .expect("signed commit");
        let sig = super::super::cms::parse(&signed.signature).expect("cms");
        let body = super::super::verify::rekor_body(&sig).expect("body");
        assert_eq!(body.as_bytes(), logged.as_slice());
    }

    #[test]
    fn garbage_and_other_kinds_are_refused() {
        assert!(matches!(
            decode(b"\xff\xff\xff"),
            Err(SigstoreError::TlogMalformed(_))
        ));
        let other = TransparencyLogEntry {
            log_index: 1,
            log_id: Some(LogId {
                key_id: vec![0; 32],
            }),
            kind_version: Some(KindVersion {
                kind: "dsse".into(),
                version: "0.0.1".into(),
            }),
            ..Default::default()
        };
        let err = decode(&other.encode_to_vec()).expect_err("dsse refused");
        assert!(err.to_string().contains("dsse/0.0.1"), "{err}");
    }
}
