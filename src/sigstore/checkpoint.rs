//! C2SP signed notes, as Rekor v2 signs its checkpoints (c2sp.org/signed-note,
//! c2sp.org/tlog-checkpoint): which key a signature line names, and the text a log
//! signs. Parsing and checking a checkpoint's signatures is `sigstore-crypto`'s; this is
//! the part it leaves to its callers: binding a log of the trusted root to the key id its
//! checkpoints carry, and writing checkpoints (the hermetic Rekor v2 log of the tests).

use sha2::{Digest, Sha256};
use x509_cert::der::Decode;
use x509_cert::spki::SubjectPublicKeyInfoRef;

/// The signature types of C2SP signed notes: Ed25519, and (Rekor v2's own convention for
/// logs whose key is not Ed25519) ECDSA with the key's DER SubjectPublicKeyInfo.
const ED25519: u8 = 0x01;
const ECDSA: u8 = 0x02;

const ED25519_OID: &str = "1.3.101.112";
const EC_PUBLIC_KEY_OID: &str = "1.2.840.10045.2.1";

/// The C2SP key id of the key `name` signs with: SHA-256(name || "\n" || type || key).
/// Its first four bytes are the key hint of every signature line the key writes; Rekor
/// v2 logs are listed in a trusted root under the whole of it. `None` for a key type
/// signed notes do not define.
pub fn key_id(name: &str, spki_der: &[u8]) -> Option<[u8; 32]> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let oid = spki.algorithm.oid.to_string();
    let (kind, key): (u8, &[u8]) = match oid.as_str() {
        ED25519_OID => (ED25519, spki.subject_public_key.raw_bytes()),
        EC_PUBLIC_KEY_OID => (ECDSA, spki_der),
        _ => return None,
    };
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update(b"\n");
    hash.update([kind]);
    hash.update(key);
    Some(hash.finalize().into())
}

/// The body of a checkpoint (c2sp.org/tlog-checkpoint): origin, tree size, root hash,
/// each on its line. It is what the log signs.
pub fn body(origin: &str, size: u64, root: &[u8; 32]) -> String {
    use base64ct::{Base64, Encoding};
    format!("{origin}\n{size}\n{}\n", Base64::encode_string(root))
}

/// A signed note: the body, a blank line, and one signature line by `name` whose key id
/// is `id`: `— <name> base64(hint || signature)`.
pub fn signed_note(body: &str, name: &str, id: &[u8; 32], signature: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let mut blob = id[..4].to_vec();
    blob.extend_from_slice(signature);
    format!("{body}\n\u{2014} {name} {}\n", Base64::encode_string(&blob))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64, Encoding};

    /// The public-good Rekor v2 log's id in the production trusted root is the C2SP key
    /// id of its Ed25519 key under its host name (../shared/vectors/sigstore).
    #[test]
    fn the_public_v2_logs_id_is_its_c2sp_key_id() {
        let root = sigstore_trust_root::TrustedRoot::from_json(
            sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT,
        )
        .expect("root");
        let log = root
            .tlogs
            .iter()
            .find(|t| t.base_url.contains("log2025-1"))
            .expect("a Rekor v2 log in the production root");
        let id = key_id(
            "log2025-1.rekor.sigstore.dev",
            log.public_key.raw_bytes.as_bytes(),
        )
        .expect("Ed25519");
        assert_eq!(id.as_slice(), log.log_id.key_id.as_bytes());
        let other = key_id(
            "log2025-2.rekor.sigstore.dev",
            log.public_key.raw_bytes.as_bytes(),
        )
        .expect("Ed25519");
        assert_ne!(other, id, "the name is part of the id");
    }

    #[test]
    fn a_note_is_body_blank_line_and_signature_line() {
        let root = [7u8; 32];
        let body = body("log.example", 3, &root);
        assert_eq!(
            body,
            format!("log.example\n3\n{}\n", Base64::encode_string(&root))
        );
        let note = signed_note(&body, "log.example", &[9u8; 32], b"sig");
        let last = note.lines().last().expect("a line");
        assert!(last.starts_with("\u{2014} log.example "), "{last}");
        let blob = Base64::decode_vec(last.rsplit(' ').next().expect("blob")).expect("b64");
        assert_eq!(blob, [9, 9, 9, 9, b's', b'i', b'g']);
        let parsed = sigstore_crypto::Checkpoint::from_text(&note).expect("parses");
        assert_eq!(parsed.origin(), "log.example");
        assert_eq!(parsed.tree_size(), 3);
    }

    #[test]
    fn unknown_key_types_have_no_id() {
        assert_eq!(key_id("x", b"not der"), None);
    }
}
