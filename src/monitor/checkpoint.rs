//! Checkpoints of Rekor v1 logs: a signed tree head checked against the key of the log
//! the trusted root lists for its origin, and the consistency of one tree with an older
//! one (RFC 6962 section 2.1.2, checked by the Sigstore project's `sigstore-merkle`).

use sha2::{Digest, Sha256};
use sigstore_crypto::checkpoint::CheckpointVerifyExt;
use sigstore_types::{Checkpoint, Sha256Hash};

use crate::sigstore::trust::{TrustRoot, origin_of, url_host};
use crate::sigstore::verify::hex;

/// A checkpoint whose signature has been verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// `<host> - <tree id>`: which log and shard.
    pub origin: String,
    pub size: u64,
    pub root: [u8; 32],
    /// Hex SHA-256 of the log's key (its Rekor v1 log id).
    pub log_id: String,
    /// The signed note as the log wrote it (kept between runs).
    pub note: String,
}

impl Verified {
    /// The shard's tree id: what Rekor's API names an inactive shard by.
    pub fn tree_id(&self) -> Option<&str> {
        self.origin.rsplit_once(" - ").map(|(_, tree)| tree)
    }
}

/// Verifies a signed note: it parses as a checkpoint, its origin is that of a Rekor v1 log
/// of the trusted root (by the host of the log's URL), and that log's key signed it.
pub fn verify_note(note: &str, trust: &TrustRoot) -> Result<Verified, String> {
    let checkpoint = Checkpoint::from_text(note).map_err(|e| {
        format!(
            "its signed tree head is not a checkpoint ({})",
            crate::sigstore::one_line(&e.to_string())
        )
    })?;
    let mut named = false;
    for tlog in &trust.root().tlogs {
        let key = &tlog.public_key.raw_bytes;
        let id: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        // Only Rekor v1 logs name themselves by their key's hash.
        if tlog.log_id.key_id.as_bytes() != id
            || !origin_of(checkpoint.origin(), &url_host(&tlog.base_url))
        {
            continue;
        }
        named = true;
        if checkpoint.verify_signature(key).is_ok() {
            return Ok(Verified {
                origin: checkpoint.origin().to_string(),
                size: checkpoint.tree_size(),
                root: *checkpoint.root_hash().as_bytes(),
                log_id: hex(&id),
                note: note.to_string(),
            });
        }
    }
    Err(if named {
        format!(
            "its checkpoint for {:?} is not signed by that log's key in the trusted root",
            checkpoint.origin()
        )
    } else {
        format!(
            "its checkpoint names the origin {:?}, which no Rekor v1 log of the trusted root has",
            checkpoint.origin()
        )
    })
}

/// Whether the tree of `new` extends the tree of `old`, by `proof`.
pub fn consistent(
    old: (u64, [u8; 32]),
    new: (u64, [u8; 32]),
    proof: &[[u8; 32]],
) -> Result<(), String> {
    if new.0 < old.0 {
        return Err(format!(
            "the log shrank from {} to {} entries",
            old.0, new.0
        ));
    }
    let hashes: Vec<Sha256Hash> = proof.iter().map(|h| Sha256Hash::from(*h)).collect();
    sigstore_merkle::verify_consistency_proof(
        old.0,
        new.0,
        &hashes,
        &Sha256Hash::from(old.1),
        &Sha256Hash::from(new.1),
    )
    .map_err(|e| {
        format!(
            "the tree of {} entries does not extend the tree of {} entries seen before ({e})",
            new.0, old.0
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: u8) -> [u8; 32] {
        Sha256::digest([0u8, n]).into()
    }

    fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
        Sha256::digest([&[1u8][..], l, r].concat()).into()
    }

    /// RFC 6962's MTH, written out for a handful of leaves.
    fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let mut k = 1;
        while k * 2 < leaves.len() {
            k *= 2;
        }
        node(&root(&leaves[..k]), &root(&leaves[k..]))
    }

    /// The consistency proof of RFC 6962 section 2.1.2 for seven leaves from three: the
    /// example of the RFC (d0..d6, proof for m = 3 is [c, d, g, l]).
    #[test]
    fn the_rfc_example_is_consistent_and_a_changed_leaf_is_not() {
        let d: Vec<[u8; 32]> = (0..7).map(leaf).collect();
        let c = d[2];
        let dd = d[3];
        let g = node(&d[0], &d[1]);
        let l = root(&d[4..7]);
        let proof = [c, dd, g, l];
        let old = (3, root(&d[..3]));
        let new = (7, root(&d));
        assert_eq!(consistent(old, new, &proof), Ok(()));

        // A log that rewrote leaf 1 (a fork) cannot prove its new tree extends the old.
        let mut forked = d.clone();
        forked[1] = leaf(99);
        let forked_root = (7, root(&forked));
        let forked_proof = [c, dd, node(&forked[0], &forked[1]), l];
        let err = consistent(old, forked_root, &forked_proof).expect_err("fork");
        assert!(err.contains("does not extend"), "{err}");
        // Nor can an honest proof serve a dishonest root.
        assert!(consistent(old, forked_root, &proof).is_err());
        assert!(
            consistent((7, new.1), (3, old.1), &[])
                .expect_err("shrank")
                .contains("shrank")
        );
    }

    #[test]
    fn a_note_no_log_of_the_root_signed_is_refused() {
        let root = TrustRoot::built_in().expect("root");
        let note = "rekor.example.test - 1\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} rekor.example.test AAAAAAAA\n";
        let err = verify_note(note, &root).expect_err("unknown origin");
        assert!(err.contains("no Rekor v1 log"), "{err}");
        let forged = note.replace("rekor.example.test", "rekor.sigstore.dev");
        let err = verify_note(&forged, &root).expect_err("bad signature");
        assert!(err.contains("not signed by that log's key"), "{err}");
        assert!(
            verify_note("garbage", &root)
                .expect_err("garbage")
                .contains("not a checkpoint")
        );
    }
}
