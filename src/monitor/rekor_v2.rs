//! Rekor v2 shards (issue 16 item 3): every tile log of the trusted root (a Rekor v2 log
//! is one whose id is the C2SP key id of its key, not the key's hash), scanned entry by
//! entry from where the last run stopped. Each checkpoint is verified with the shard's key;
//! the hash tiles give the frontier of the tree kept from the last run, which must hash
//! to the kept root (else the log was forked or rewritten under the monitor), and every new
//! entry, hashed onto that frontier, must give the new checkpoint's root (else the entries
//! served are not the log's). Only then is anything reported or the state advanced.

use base64ct::{Base64, Encoding};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sigstore_crypto::VerificationKey;
use sigstore_types::{Checkpoint, DerPublicKey};
use std::collections::BTreeMap;

use super::known::Known;
use super::state::{LogState, Sorted, State};
use super::tiles::{self, Client, Frontier, WIDTH};
use super::watch::Watched;
use super::{Event, LogReached, Report, Settings, Unreachable};
use crate::sigstore::trust::{TrustRoot, url_host};
use crate::sigstore::verify::hex;

/// A Rekor v2 shard of the trusted root.
pub struct Shard {
    pub url: String,
    /// The checkpoint origin: the host of its URL.
    pub host: String,
    key: DerPublicKey,
    key_id: [u8; 32],
}

/// The Rekor v2 shards the trusted root lists, active and inactive: every one is scanned.
pub fn shards(trust: &TrustRoot) -> Vec<Shard> {
    trust
        .root()
        .tlogs
        .iter()
        .filter(|tlog| {
            let key = tlog.public_key.raw_bytes.as_bytes();
            let v1_id: [u8; 32] = Sha256::digest(key).into();
            tlog.log_id.key_id.as_bytes() != v1_id
        })
        .filter_map(|tlog| {
            let key_id: [u8; 32] = tlog.log_id.key_id.as_bytes().try_into().ok()?;
            Some(Shard {
                url: tlog.base_url.trim_end_matches('/').to_string(),
                host: url_host(&tlog.base_url),
                key: tlog.public_key.raw_bytes.clone(),
                key_id,
            })
        })
        .collect()
}

/// Whether the trusted root lists a Rekor v1 log (one whose id is its key's hash).
pub fn root_has_v1(trust: &TrustRoot) -> bool {
    v1_url(trust).is_some()
}

/// The URL of the last Rekor v1 log the trusted root lists (its shards share it).
pub fn v1_url(trust: &TrustRoot) -> Option<String> {
    trust
        .root()
        .tlogs
        .iter()
        .rfind(|tlog| {
            let v1_id: [u8; 32] = Sha256::digest(tlog.public_key.raw_bytes.as_bytes()).into();
            tlog.log_id.key_id.as_bytes() == v1_id
        })
        .map(|tlog| tlog.base_url.trim_end_matches('/').to_string())
}

/// A checkpoint of `shard`, its signature verified: size and root.
pub fn verify_checkpoint(note: &str, shard: &Shard) -> Result<(u64, [u8; 32]), String> {
    let checkpoint = Checkpoint::from_text(note).map_err(|e| {
        format!(
            "its checkpoint is not a signed note ({})",
            crate::sigstore::one_line(&e.to_string())
        )
    })?;
    if !checkpoint.origin().eq_ignore_ascii_case(&shard.host) {
        return Err(format!(
            "its checkpoint names the origin {:?}, not the log's {:?}",
            checkpoint.origin(),
            shard.host
        ));
    }
    let key = VerificationKey::from_spki(&shard.key)
        .map_err(|e| format!("the trusted root's key for the log: {e}"))?;
    let signed = checkpoint.signatures().iter().any(|sig| {
        shard.key_id.starts_with(sig.key_id.as_bytes())
            && key.verify(checkpoint.signed_data(), &sig.signature).is_ok()
    });
    if !signed {
        return Err("its checkpoint is not signed by the log's key in the trusted root".into());
    }
    Ok((checkpoint.tree_size(), *checkpoint.root_hash().as_bytes()))
}

/// An entry whose certificate names a watched subject, before the tree is verified.
struct Candidate {
    index: u64,
    leaf: [u8; 32],
    identity: String,
    issuer: String,
    not_before: i64,
    digest: String,
    certificate: [u8; 32],
}

/// Scans every Rekor v2 shard of the trusted root into `report`. `state` changes only for
/// a shard whose new checkpoint verified and whose entries hashed to it.
pub fn run(
    settings: &Settings<'_>,
    watched: &[Watched],
    known: &Known,
    state: &mut State,
    report: &mut Report,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), Unreachable> {
    for shard in shards(settings.trust) {
        scan(settings, &shard, watched, known, state, report, progress)?;
    }
    Ok(())
}

fn scan(
    settings: &Settings<'_>,
    shard: &Shard,
    watched: &[Watched],
    known: &Known,
    state: &mut State,
    report: &mut Report,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), Unreachable> {
    let unreachable = |what: String| Unreachable {
        log: shard.url.clone(),
        what,
    };
    let client = Client::new(&shard.url, settings.timeout).map_err(unreachable)?;
    let note = client.checkpoint().map_err(unreachable)?;
    let (size, root) = match verify_checkpoint(&note, shard) {
        Ok(tree) => tree,
        Err(why) => {
            report
                .bad_checkpoints
                .push(format!("the Rekor v2 log at {}: {why}", shard.url));
            return Ok(());
        }
    };
    let origin = shard.host.clone();
    let kept = state.logs.get(&origin);
    let mut reached = LogReached {
        origin: origin.clone(),
        url: shard.url.clone(),
        tree_size: size,
        root_hash: hex(&root),
        previous: kept.map(|k| k.tree_size),
        problem: None,
    };
    let start = kept.map_or(settings.start, |k| k.start);
    // Where this run begins: after the kept tree, or where the watch starts (a first
    // run without --from-index watches from the log's present size on).
    let from = match kept {
        Some(k) => k.tree_size,
        None => start.index.map_or(size, |i| (i.max(0) as u64).min(size)),
    };
    if from > size {
        reached.problem = Some(format!(
            "the log shrank: its checkpoint has {size} entries, the last run's had {from}: the log was rewritten"
        ));
        report.logs.push(reached);
        return Ok(());
    }
    let mut frontier = Frontier::from_tiles(&client, from, size).map_err(unreachable)?;
    if let Some(k) = kept
        && k.tree_size > 0
        && hex(&frontier.root()) != k.root_hash
    {
        reached.problem = Some(format!(
            "its tiles for the first {from} entries do not hash to the root of the checkpoint the last run kept: the log was forked or rewritten"
        ));
        report.logs.push(reached);
        return Ok(());
    }

    let mut candidates = Vec::new();
    let mut not_watched = 0;
    let total = (size - from) as usize;
    for bundle in from / WIDTH..size.div_ceil(WIDTH) {
        let first = bundle * WIDTH;
        let mut index = first;
        client
            .entries(bundle, tiles::width(size, bundle), &mut |entry| {
                if index >= from {
                    let leaf = tiles::leaf_hash(entry);
                    frontier.push(leaf);
                    match candidate(entry, index, leaf, watched) {
                        Some(c) => candidates.push(c),
                        None => not_watched += 1,
                    }
                }
                index += 1;
            })
            .map_err(unreachable)?;
        progress((index.min(size) - from) as usize, total);
    }
    if frontier.root() != root {
        reached.problem = Some(format!(
            "the entries it serves from {from} to {size} do not hash to its checkpoint's root: the log rewrote entries, or its tiles are not its tree"
        ));
        report.logs.push(reached);
        return Ok(());
    }
    report.not_watched += not_watched;

    let mut sorted = Vec::new();
    for c in candidates {
        let uuid = hex(&c.leaf);
        match state.sorted(&uuid) {
            Some(Sorted::Known) => {
                report.known_before += 1;
                continue;
            }
            Some(Sorted::Reported) => {
                report.already_reported += 1;
                continue;
            }
            Some(Sorted::Before) | None => {}
        }
        let event = Event {
            log: origin.clone(),
            log_index: c.index as i64,
            uuid: uuid.clone(),
            issuer_watched: watched.iter().any(|w| w.matches(&c.identity, &c.issuer)),
            identity: c.identity,
            issuer: c.issuer,
            time: c.not_before,
            digest: c.digest,
        };
        let fate = if !start.admits(event.log_index, event.time) {
            report.before_start += 1;
            Sorted::Before
        } else if let Some(place) = known.find(&event.digest, &c.certificate) {
            report.known.push((event, place.clone()));
            Sorted::Known
        } else {
            report.unknown.push(event);
            Sorted::Reported
        };
        sorted.push((uuid, fate));
    }
    report.logs.push(reached);

    let log = state.logs.entry(origin).or_insert_with(|| LogState {
        url: shard.url.clone(),
        log_id: String::new(),
        tree_size: 0,
        root_hash: String::new(),
        checkpoint: String::new(),
        start,
        entries: BTreeMap::new(),
    });
    log.url = shard.url.clone();
    log.log_id = hex(&shard.key_id);
    log.tree_size = size;
    log.root_hash = hex(&root);
    log.checkpoint = note;
    log.entries.extend(sorted);
    Ok(())
}

/// The parts of a Rekor v2 entry the monitor reads: hashedrekord 0.0.2 (what gitsign and
/// gitseal log) and DSSE 0.0.2 (attestations: any signing in your name is a finding).
#[derive(Deserialize)]
struct Body {
    spec: Spec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    hashed_rekord_v002: Option<HashedRekord>,
    dsse_v002: Option<Dsse>,
}

#[derive(Deserialize)]
struct HashedRekord {
    data: Digest64,
    signature: Signature,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dsse {
    payload_hash: Digest64,
    #[serde(default)]
    signatures: Vec<Signature>,
}

#[derive(Deserialize)]
struct Digest64 {
    #[serde(default)]
    digest: String,
}

#[derive(Deserialize)]
struct Signature {
    verifier: Verifier,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Verifier {
    x509_certificate: Option<RawBytes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBytes {
    raw_bytes: String,
}

/// The entry, if a certificate it logs names a watched subject.
fn candidate(entry: &[u8], index: u64, leaf: [u8; 32], watched: &[Watched]) -> Option<Candidate> {
    let body: Body = serde_json::from_slice(entry).ok()?;
    let (digest, signatures): (&Digest64, Vec<&Signature>) =
        match (&body.spec.hashed_rekord_v002, &body.spec.dsse_v002) {
            (Some(h), _) => (&h.data, vec![&h.signature]),
            (None, Some(d)) => (&d.payload_hash, d.signatures.iter().collect()),
            (None, None) => return None,
        };
    signatures.into_iter().find_map(|signature| {
        let der =
            Base64::decode_vec(&signature.verifier.x509_certificate.as_ref()?.raw_bytes).ok()?;
        let facts = crate::sigstore::certificate::facts(&der).ok()?;
        watched.iter().find(|w| w.names_subject(&facts.identity))?;
        Some(Candidate {
            index,
            leaf,
            identity: facts.identity,
            issuer: facts.issuer,
            not_before: facts.not_before,
            digest: Base64::decode_vec(&digest.digest)
                .map(|d| hex(&d))
                .unwrap_or_default(),
            certificate: Sha256::digest(&der).into(),
        })
    })
}
