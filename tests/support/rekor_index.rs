//! What `gitseal monitor` reads from Rekor v1, served over the test instance's real Merkle
//! tree (sigstore_stack.rs, log A): log info with a signed checkpoint, consistency proofs
//! (RFC 6962 section 2.1.2), the search index by e-mail, and entries with inclusion proofs
//! against the tree as it is now. The log can lie on purpose ([`LogFault`]): a forked or
//! rewritten history, a dropped entry, bad proofs, another entry's body, another log's
//! checkpoint; or fail: hang, answer garbage.

use super::sigstore_servers::Services;
use super::sigstore_stack::{LOG_A, LOG_B, hash_children, inclusion_proof, merkle_root, split};
use base64ct::{Base64, Encoding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tiny_http::Method;

/// How the log misbehaves towards a monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFault {
    None,
    /// Shows a history whose first entry is another: a fork.
    Fork,
    /// Shows its history without its first entry.
    Drop,
    /// Entries' inclusion proofs with a wrong hash.
    BadInclusion,
    /// Every entry answered with the body (and proofs) of another.
    BodySwap,
    /// Consistency proofs with a wrong hash.
    BadConsistency,
    /// Its checkpoint signed by log B's key, under log A's name.
    ForeignCheckpoint,
    /// Log info that is not JSON.
    Garbage,
    /// Log info never answered.
    Hang,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn leaf_of(body: &[u8]) -> [u8; 32] {
    Sha256::digest([&[0u8][..], body].concat()).into()
}

/// RFC 6962 section 2.1.2: PROOF(m, D[n]).
pub fn consistency_proof(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    fn subproof(m: usize, leaves: &[[u8; 32]], whole: bool) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if m == n {
            return if whole {
                Vec::new()
            } else {
                vec![merkle_root(leaves)]
            };
        }
        let k = split(n);
        if m <= k {
            let mut proof = subproof(m, &leaves[..k], whole);
            proof.push(merkle_root(&leaves[k..]));
            proof
        } else {
            let mut proof = subproof(m - k, &leaves[k..], false);
            proof.push(merkle_root(&leaves[..k]));
            proof
        }
    }
    if m == 0 || m > leaves.len() {
        return Vec::new();
    }
    subproof(m, leaves, true)
}

/// The leaves the log shows, as its fault has it.
fn shown(s: &Services) -> Vec<[u8; 32]> {
    let mut leaves = s
        .stack
        .lock()
        .expect("lock")
        .log_of(LOG_A)
        .leaves()
        .to_vec();
    match *s.log_fault.lock().expect("lock") {
        LogFault::Fork if !leaves.is_empty() => leaves[0] = hash_children(&leaves[0], &leaves[0]),
        LogFault::Drop if !leaves.is_empty() => {
            leaves.remove(0);
        }
        _ => {}
    }
    leaves
}

/// A checkpoint of the shown tree, signed as the fault has it.
fn checkpoint(s: &Services, leaves: &[[u8; 32]]) -> String {
    let stack = s.stack.lock().expect("lock");
    let log = stack.log_of(LOG_A);
    let root = merkle_root(leaves);
    if *s.log_fault.lock().expect("lock") == LogFault::ForeignCheckpoint {
        let note = stack
            .log_of(LOG_B)
            .checkpoint(log.origin(), leaves.len() as i64, &root);
        return note.replace("rekor-b.gitseal.test", "rekor.gitseal.test");
    }
    log.checkpoint(log.origin(), leaves.len() as i64, &root)
}

/// The certificate identity a logged body names, if any.
fn identity_of(entry: &Value) -> Option<String> {
    let body = Base64::decode_vec(entry["body"].as_str()?).ok()?;
    let body: Value = serde_json::from_slice(&body).ok()?;
    let pem =
        Base64::decode_vec(body["spec"]["signature"]["publicKey"]["content"].as_str()?).ok()?;
    let (_, der) = der::pem::decode_vec(&pem).ok()?;
    gitseal::sigstore::certificate::facts(&der)
        .ok()
        .map(|f| f.identity)
}

/// Answers what a monitor asks; `None` for everything else.
pub fn route(s: &Services, method: &Method, url: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let fault = *s.log_fault.lock().expect("lock");
    match (method, url) {
        (Method::Get, "/rekor/api/v1/log") => Some(match fault {
            LogFault::Hang => (0, Vec::new()),
            LogFault::Garbage => (200, b"<html>a captive portal</html>".to_vec()),
            _ => {
                let leaves = shown(s);
                let tree = s
                    .stack
                    .lock()
                    .expect("lock")
                    .log_of(LOG_A)
                    .origin()
                    .to_string();
                let tree_id = tree.rsplit(' ').next().unwrap_or("").to_string();
                let answer = json!({
                    "rootHash": hex(&merkle_root(&leaves)),
                    "treeSize": leaves.len(),
                    "signedTreeHead": checkpoint(s, &leaves),
                    "treeID": tree_id,
                });
                (200, answer.to_string().into_bytes())
            }
        }),
        (Method::Get, path) if path.starts_with("/rekor/api/v1/log/proof?") => {
            let query: std::collections::HashMap<String, String> =
                reqwest::Url::parse(&format!("http://x{path}"))
                    .map(|u| {
                        u.query_pairs()
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
            let size = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
            let leaves = shown(s);
            let (Some(first), Some(last)) = (size("firstSize"), size("lastSize")) else {
                return Some((400, br#"{"code":400,"message":"sizes"}"#.to_vec()));
            };
            if first == 0 || first > last || last > leaves.len() {
                return Some((400, br#"{"code":400,"message":"bad sizes"}"#.to_vec()));
            }
            let mut proof = consistency_proof(first, &leaves[..last]);
            if fault == LogFault::BadConsistency
                && let Some(h) = proof.first_mut()
            {
                h[0] ^= 1;
            }
            let answer = json!({
                "rootHash": hex(&merkle_root(&leaves[..last])),
                "hashes": proof.iter().map(|h| hex(h)).collect::<Vec<_>>(),
            });
            Some((200, answer.to_string().into_bytes()))
        }
        (Method::Post, "/rekor/api/v1/index/retrieve") => {
            let query: Value = serde_json::from_slice(body).ok()?;
            let email = query["email"].as_str()?.to_ascii_lowercase();
            let entries = s.entries.lock().expect("lock");
            let mut found: Vec<&String> = entries
                .iter()
                .filter(|(_, e)| identity_of(e).is_some_and(|i| i.eq_ignore_ascii_case(&email)))
                .map(|(uuid, _)| uuid)
                .collect();
            found.sort();
            Some((200, json!(found).to_string().into_bytes()))
        }
        (Method::Get, path) if path.starts_with("/rekor/api/v1/log/entries/") => {
            let uuid = &path["/rekor/api/v1/log/entries/".len()..];
            let entries = s.entries.lock().expect("lock");
            let served = if fault == LogFault::BodySwap {
                // Another entry's body and proofs, under this UUID.
                entries
                    .iter()
                    .find(|(other, _)| other.as_str() != uuid)
                    .map(|(_, e)| e)
            } else {
                entries.get(uuid)
            };
            let Some(entry) = served.cloned() else {
                return Some((404, br#"{"code":404,"message":"not found"}"#.to_vec()));
            };
            drop(entries);
            Some(fresh(s, uuid, entry, fault))
        }
        _ => None,
    }
}

/// The entry with an inclusion proof against the tree shown now, as Rekor answers.
fn fresh(s: &Services, uuid: &str, mut entry: Value, fault: LogFault) -> (u16, Vec<u8>) {
    let body = entry["body"]
        .as_str()
        .and_then(|b| Base64::decode_vec(b).ok())
        .unwrap_or_default();
    let leaves = shown(s);
    let Some(index) = leaves.iter().position(|l| *l == leaf_of(&body)) else {
        return (404, br#"{"code":404,"message":"not found"}"#.to_vec());
    };
    let mut proof = inclusion_proof(index, &leaves);
    if fault == LogFault::BadInclusion
        && let Some(h) = proof.first_mut()
    {
        h[0] ^= 1;
    }
    entry["verification"]["inclusionProof"] = json!({
        "checkpoint": checkpoint(s, &leaves),
        "hashes": proof.iter().map(|h| hex(h)).collect::<Vec<_>>(),
        "logIndex": index,
        "rootHash": hex(&merkle_root(&leaves)),
        "treeSize": leaves.len(),
    });
    (200, json!({ uuid: entry }).to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proofs served are the ones the RFC's algorithm accepts (sigstore-merkle), for
    /// every pair of sizes of a tree of up to 17 leaves.
    #[test]
    fn served_consistency_proofs_verify() {
        let leaves: Vec<[u8; 32]> = (0..17u8).map(|n| leaf_of(&[n])).collect();
        for n in 1..=leaves.len() {
            for m in 1..=n {
                let proof: Vec<sigstore_types::Sha256Hash> = consistency_proof(m, &leaves[..n])
                    .into_iter()
                    .map(sigstore_types::Sha256Hash::from)
                    .collect();
                sigstore_merkle::verify_consistency_proof(
                    m as u64,
                    n as u64,
                    &proof,
                    &merkle_root(&leaves[..m]).into(),
                    &merkle_root(&leaves[..n]).into(),
                )
                .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
            }
        }
    }
}
