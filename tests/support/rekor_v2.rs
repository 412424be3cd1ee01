//! A hermetic Rekor v2 log on loopback (issue 17): `POST /api/v2/log/entries` takes a
//! hashedrekord 0.0.2 request, appends the entry's leaf to a real RFC 6962 Merkle tree of
//! every entry so far, and answers with the entry, an inclusion proof, and a C2SP
//! checkpoint signed with the log's Ed25519 key, as rekor-tiles does. The log's key and
//! C2SP key id go into the test trust root ([`RekorV2::add_to_root`]). Written from the
//! specifications (c2sp.org/tlog-checkpoint, signed-note; RFC 6962), not from gitseal's code,
//! except the key-id helper whose result the production root pins.
//!
//! It serves its tree as rekor-tiles does, by the C2SP tlog-tiles API (c2sp.org/tlog-tiles):
//! `GET /checkpoint`, hash tiles `/tile/<L>/<N>[.p/<W>]` and entry bundles
//! `/tile/entries/<N>[.p/<W>]`, each entry its canonical body. A [`TileFault`] makes it
//! lie for the monitor's tests.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tiny_http::{Header, Method, Response, Server};

/// How the log lies when read by tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileFault {
    Honest,
    /// Another history: the first entry replaced, tiles and checkpoint all of that tree.
    Fork,
    /// The checkpoint and tiles of the true tree, an entry bundle with one entry altered.
    RewriteEntry,
    /// The checkpoint signed by a key that is not the log's (under the log's name).
    WrongKey,
}

pub struct RekorV2 {
    server: Arc<Server>,
    log: Arc<Mutex<Log>>,
    pub url: String,
    /// The checkpoint origin: the log's host and port.
    pub origin: String,
    spki: Vec<u8>,
    calls: Arc<AtomicUsize>,
}

impl Drop for RekorV2 {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

struct Log {
    origin: String,
    key: Ed25519KeyPair,
    key_id: [u8; 32],
    leaves: Vec<[u8; 32]>,
    bodies: Vec<Vec<u8>>,
    fault: TileFault,
}

impl RekorV2 {
    pub fn start() -> RekorV2 {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().map(|a| a.port()).expect("ip");
        let origin = format!("127.0.0.1:{port}");
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("Ed25519 key");
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 key");
        // SubjectPublicKeyInfo of an Ed25519 key: the fixed RFC 8410 prefix, then the key.
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend_from_slice(key.public_key().as_ref());
        let key_id = gitseal::sigstore::checkpoint::key_id(&origin, &spki).expect("key id");
        let log = Arc::new(Mutex::new(Log {
            origin: origin.clone(),
            key,
            key_id,
            leaves: Vec::new(),
            bodies: Vec::new(),
            fault: TileFault::Honest,
        }));
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let server = server.clone();
            let calls = calls.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let answer = match (request.method(), request.url()) {
                        (Method::Post, "/api/v2/log/entries") => {
                            calls.fetch_add(1, Ordering::SeqCst);
                            let mut log = log.lock().expect("log");
                            log.append(&body)
                        }
                        (Method::Get, path) => {
                            let log = log.lock().expect("log");
                            match log.read(path) {
                                Some(data) => {
                                    let _ = request.respond(Response::from_data(data));
                                    continue;
                                }
                                None => Err((404, "not found".to_string())),
                            }
                        }
                        _ => Err((404, "not found".to_string())),
                    };
                    let json = Header::from_bytes("Content-Type", "application/json").expect("h");
                    let _ = match answer {
                        Ok(entry) => {
                            request.respond(Response::from_string(entry).with_header(json))
                        }
                        Err((code, why)) => request.respond(
                            Response::from_string(format!("{{\"message\":\"{why}\"}}"))
                                .with_status_code(code),
                        ),
                    };
                }
            });
        }
        RekorV2 {
            server,
            log,
            url: format!("http://{origin}"),
            origin,
            spki,
            calls,
        }
    }

    pub fn set_fault(&self, fault: TileFault) {
        self.log.lock().expect("log").fault = fault;
    }

    /// Appends entries (canonical bodies) without answering for each: a large log fast.
    pub fn append_bodies(&self, bodies: impl IntoIterator<Item = Vec<u8>>) {
        let mut log = self.log.lock().expect("log");
        for body in bodies {
            log.leaves.push(leaf_hash(&body));
            log.bodies.push(body);
        }
    }

    pub fn size(&self) -> usize {
        self.log.lock().expect("log").leaves.len()
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// `root` (a trusted_root.json) with this log added as a Rekor v2 log.
    pub fn add_to_root(&self, root: &str) -> String {
        let mut root: serde_json::Value = serde_json::from_str(root).expect("root");
        let key_id = gitseal::sigstore::checkpoint::key_id(&self.origin, &self.spki).expect("id");
        root["tlogs"]
            .as_array_mut()
            .expect("tlogs")
            .push(serde_json::json!({
                "baseUrl": self.url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": Base64::encode_string(&self.spki),
                    "keyDetails": "PKIX_ED25519",
                    "validFor": {"start": "2020-01-01T00:00:00Z"}
                },
                "logId": {"keyId": Base64::encode_string(&key_id)}
            }));
        root.to_string()
    }
}

fn leaf_hash(body: &[u8]) -> [u8; 32] {
    let mut leaf = Sha256::new();
    leaf.update([0u8]);
    leaf.update(body);
    leaf.finalize().into()
}

impl Log {
    fn append(&mut self, request: &[u8]) -> Result<String, (u16, String)> {
        let bad = |why: &str| (400, why.to_string());
        let request: serde_json::Value =
            serde_json::from_slice(request).map_err(|_| bad("not JSON"))?;
        let r = &request["hashedRekordRequestV002"];
        let digest = r["digest"].as_str().ok_or_else(|| bad("no digest"))?;
        let signature = &r["signature"];
        let content = signature["content"]
            .as_str()
            .ok_or_else(|| bad("no signature"))?;
        let verifier = &signature["verifier"];
        let cert = verifier["x509Certificate"]["rawBytes"]
            .as_str()
            .ok_or_else(|| bad("no certificate"))?;
        let details = verifier["keyDetails"]
            .as_str()
            .ok_or_else(|| bad("no key details"))?;
        // The body in canonical JSON: keys sorted, no spaces.
        let body = format!(
            "{{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{{\"hashedRekordV002\":{{\"data\":{{\"algorithm\":\"SHA2_256\",\"digest\":\"{digest}\"}},\"signature\":{{\"content\":\"{content}\",\"verifier\":{{\"keyDetails\":\"{details}\",\"x509Certificate\":{{\"rawBytes\":\"{cert}\"}}}}}}}}}}}}"
        );
        let index = self.leaves.len();
        self.leaves.push(leaf_hash(body.as_bytes()));
        self.bodies.push(body.clone().into_bytes());
        let size = self.leaves.len();
        let root = tree_hash(&self.leaves);
        let proof: Vec<String> = path(index, &self.leaves)
            .iter()
            .map(|h| Base64::encode_string(h))
            .collect();
        let note_body = format!(
            "{}\n{size}\n{}\n",
            self.origin,
            Base64::encode_string(&root)
        );
        let signature = self.key.sign(note_body.as_bytes());
        let mut blob = self.key_id[..4].to_vec();
        blob.extend_from_slice(signature.as_ref());
        let note = format!(
            "{note_body}\n\u{2014} {} {}\n",
            self.origin,
            Base64::encode_string(&blob)
        );
        Ok(serde_json::json!({
            "logIndex": index.to_string(),
            "logId": {"keyId": Base64::encode_string(&self.key_id)},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
            "inclusionProof": {
                "logIndex": index.to_string(),
                "rootHash": Base64::encode_string(&root),
                "treeSize": size.to_string(),
                "hashes": proof,
                "checkpoint": {"envelope": note}
            },
            "canonicalizedBody": Base64::encode_string(body.as_bytes())
        })
        .to_string())
    }
}

/// A log's leaf hashes and entry bodies as served.
type Served<'a> = (Cow<'a, [[u8; 32]]>, Cow<'a, [Vec<u8>]>);

impl Log {
    /// The tree as served: the true one (borrowed: a benchmark's log is large, and every
    /// request reads it), or a forked or rewritten copy.
    fn served(&self) -> Served<'_> {
        if !matches!(self.fault, TileFault::Fork | TileFault::RewriteEntry) {
            return (Cow::Borrowed(&self.leaves), Cow::Borrowed(&self.bodies));
        }
        let mut leaves = self.leaves.clone();
        let mut bodies = self.bodies.clone();
        if self.fault == TileFault::Fork && !bodies.is_empty() {
            bodies[0].extend_from_slice(b" ");
            leaves[0] = leaf_hash(&bodies[0]);
        }
        if self.fault == TileFault::RewriteEntry
            && let Some(last) = bodies.last_mut()
        {
            *last = String::from_utf8_lossy(last)
                .replace("hashedRekordV002", "hashedRekordV002 ")
                .into_bytes();
        }
        (Cow::Owned(leaves), Cow::Owned(bodies))
    }

    /// A GET of the tile API: the checkpoint, a hash tile or an entry bundle.
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let (leaves, bodies) = self.served();
        if path == "/checkpoint" {
            let root = if leaves.is_empty() {
                Sha256::digest([]).into()
            } else {
                tree_hash(&leaves)
            };
            let body = format!(
                "{}\n{}\n{}\n",
                self.origin,
                leaves.len(),
                Base64::encode_string(&root)
            );
            let signature = if self.fault == TileFault::WrongKey {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).ok()?;
                let other = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).ok()?;
                other.sign(body.as_bytes()).as_ref().to_vec()
            } else {
                self.key.sign(body.as_bytes()).as_ref().to_vec()
            };
            let mut blob = self.key_id[..4].to_vec();
            blob.extend_from_slice(&signature);
            return Some(
                format!(
                    "{body}\n\u{2014} {} {}\n",
                    self.origin,
                    Base64::encode_string(&blob)
                )
                .into_bytes(),
            );
        }
        let rest = path.strip_prefix("/tile/")?;
        let (level, rest) = match rest.strip_prefix("entries/") {
            Some(rest) => (None, rest),
            None => {
                let (level, rest) = rest.split_once('/')?;
                (Some(level.parse::<u32>().ok()?), rest)
            }
        };
        let (index, partial) = match rest.split_once(".p/") {
            Some((index, width)) => (index, Some(width.parse::<usize>().ok()?)),
            None => (rest, None),
        };
        let mut n = 0usize;
        let elements: Vec<&str> = index.split('/').collect();
        for (k, element) in elements.iter().enumerate() {
            let digits = if k + 1 < elements.len() {
                element.strip_prefix('x')?
            } else {
                element
            };
            if digits.len() != 3 {
                return None;
            }
            n = n * 1000 + digits.parse::<usize>().ok()?;
        }
        let width = partial.unwrap_or(256);
        if width == 0 || width > 256 {
            return None;
        }
        let first = n * 256;
        let mut out = Vec::new();
        match level {
            None => {
                let served = bodies.get(first..first + width)?;
                for body in served {
                    out.extend_from_slice(&u16::try_from(body.len()).ok()?.to_be_bytes());
                    out.extend_from_slice(body);
                }
            }
            Some(level) => {
                let span = 1usize << (8 * level);
                for i in first..first + width {
                    out.extend_from_slice(&tree_hash(leaves.get(i * span..(i + 1) * span)?));
                }
            }
        }
        // A full tile exists only once the tree has all of it; a partial one only while not.
        let count = leaves.len() >> (8 * level.unwrap_or(0));
        let available = count.saturating_sub(first).min(256);
        (partial.is_none() && available == 256 || partial == Some(available)).then_some(out)
    }
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 6962 section 2.1: the largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) over leaf hashes.
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    node(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
}

/// PATH(m, D[n]): the audit path of leaf `m`.
fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() <= 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(tree_hash(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(tree_hash(&leaves[..k]));
        p
    }
}
