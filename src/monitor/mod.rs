//! `gitseal monitor` (issue 16): signing events in a transparency log for the identities
//! you sign with that are not in your history. A transparency log only protects you if
//! someone reads it: a stolen OIDC session, a compromised CI workflow or a mis-issued
//! certificate signing in your name shows up there and nowhere else.
//!
//! Rekor v1: the entries of each watched e-mail address are found through the log's
//! search index (which nothing proves complete: a log can leave entries out of it), each
//! one verified as a signature is ([`entry`]), its tree tied to the log's signed
//! checkpoint, and each checkpoint proved to extend the one kept from the last run
//! ([`checkpoint`], [`state`]); then sorted known (its digest is that of a signature in
//! the repositories, [`known`]) or unknown. Nothing here prints: the report goes to
//! `output::monitor`.

pub mod checkpoint;
pub mod entry;
pub mod known;
pub mod rekor_v1;
pub mod rekor_v2;
pub mod state;
pub mod tiles;
pub mod watch;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use crate::sigstore::trust::TrustRoot;
use crate::sigstore::verify::hex;
use checkpoint::Verified;
use known::{Known, Place};
use state::{LogState, Sorted, Start, State};
use watch::Watched;

/// What a run needs besides the identities, the repositories and the state.
pub struct Settings<'a> {
    pub trust: &'a TrustRoot,
    /// The Rekor v1 log's base URL (`gitseal.rekor`).
    pub rekor_url: String,
    /// Bound on each call (`gitseal.timeout`).
    pub timeout: Duration,
    /// Where a first run starts (`--since`, `--from-index`).
    pub start: Start,
}

/// A signing event for a watched identity.
#[derive(Clone, Debug)]
pub struct Event {
    /// The checkpoint origin of the log (shard) the entry is in.
    pub log: String,
    pub log_index: i64,
    pub uuid: String,
    pub identity: String,
    pub issuer: String,
    /// Unix seconds, the log's.
    pub time: i64,
    pub digest: String,
    /// Whether the issuer is one the watch names for this subject (an entry that names
    /// your address under another issuer is still a signing event in your name).
    pub issuer_watched: bool,
}

/// An entry that did not verify.
#[derive(Clone, Debug)]
pub struct Failed {
    pub uuid: String,
    pub reason: String,
}

/// A log shard and the checkpoint reached.
#[derive(Clone, Debug)]
pub struct LogReached {
    pub origin: String,
    pub url: String,
    pub tree_size: u64,
    pub root_hash: String,
    /// The tree size of the last run's checkpoint, if there was one.
    pub previous: Option<u64>,
    /// A lie of the log (a fork, a rewritten or shrunk tree): the state is not advanced.
    pub problem: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub unknown: Vec<Event>,
    /// Entries that are signatures in the repositories: found this run, with where.
    pub known: Vec<(Event, Place)>,
    /// Sorted known by an earlier run (not fetched again).
    pub known_before: usize,
    /// Unknown entries reported by an earlier run.
    pub already_reported: usize,
    /// Entries before the watch's start.
    pub before_start: usize,
    /// Entries the index listed whose certificate names no watched subject.
    pub not_watched: usize,
    pub failed: Vec<Failed>,
    pub logs: Vec<LogReached>,
    /// Checkpoints a log signed wrongly, or for no log of the trusted root: each names
    /// the log.
    pub bad_checkpoints: Vec<String>,
    /// Addresses asked of the index.
    pub searched: Vec<String>,
    /// Watched identities the Rekor v1 index cannot be asked for.
    pub unsearchable: Vec<String>,
    /// The log's URL.
    pub url: String,
}

impl Report {
    pub fn known_count(&self) -> usize {
        self.known.len() + self.known_before
    }

    /// Nothing unknown, nothing that failed, no log that lied.
    pub fn ok(&self) -> bool {
        self.unknown.is_empty()
            && self.failed.is_empty()
            && self.bad_checkpoints.is_empty()
            && self.logs.iter().all(|l| l.problem.is_none())
    }
}

/// A log that could not be read: unreachable, too slow, or answering something else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable {
    pub log: String,
    pub what: String,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the log at {}: {}", self.log, self.what)
    }
}

/// One run against the Rekor v1 log of `settings`. `state` is changed only where the
/// log proved what it says: checkpoints that extend the kept ones, entries verified.
/// `progress` is told (entries fetched, entries to fetch) as the entries come.
pub fn run_v1(
    settings: &Settings<'_>,
    watched: &[Watched],
    known: &Known,
    state: &mut State,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, Unreachable> {
    let url = settings.rekor_url.trim_end_matches('/').to_string();
    let unreachable = |what: String| Unreachable {
        log: url.clone(),
        what,
    };
    let client = rekor_v1::Client::new(&url, settings.timeout).map_err(unreachable)?;
    let mut report = Report {
        url: url.clone(),
        ..Report::default()
    };
    for w in watched {
        match w.email() {
            Some(email) if !report.searched.contains(&email) => report.searched.push(email),
            Some(_) => {}
            None => report.unsearchable.push(w.describe()),
        }
    }

    // Every UUID the index lists, then each entry not sorted before, verified.
    let mut uuids = BTreeSet::new();
    for email in &report.searched {
        let found = client
            .search_email(email)
            .map_err(|e| unreachable(format!("searching the index for {email}: {e}")))?;
        uuids.extend(found.into_iter().map(|u| u.to_ascii_lowercase()));
    }
    let mut verified = Vec::new();
    let to_fetch = uuids.iter().filter(|u| state.sorted(u).is_none()).count();
    let mut fetched = 0;
    for uuid in &uuids {
        match state.sorted(uuid) {
            Some(Sorted::Known) => report.known_before += 1,
            Some(Sorted::Reported) => report.already_reported += 1,
            Some(Sorted::Before) => report.before_start += 1,
            None => {
                let (filed_as, entry) = client
                    .entry(uuid)
                    .map_err(|e| unreachable(format!("entry {uuid}: {e}")))?;
                fetched += 1;
                progress(fetched, to_fetch);
                if !filed_as.eq_ignore_ascii_case(uuid) {
                    report.failed.push(Failed {
                        uuid: uuid.clone(),
                        reason: format!(
                            "asked for this entry, the log answered with entry {filed_as}"
                        ),
                    });
                    continue;
                }
                match entry::verify(uuid, &entry, settings.trust) {
                    Ok(logged) => verified.push(logged),
                    Err(rejected) => report.failed.push(Failed {
                        uuid: uuid.clone(),
                        reason: rejected.to_string(),
                    }),
                }
            }
        }
    }

    // The log's checkpoints now (read after the entries, so that their trees are no
    // larger), each proved to extend the one kept from the last run.
    let info = client
        .log_info()
        .map_err(|e| unreachable(format!("log info: {e}")))?;
    let mut shards: HashMap<String, Verified> = HashMap::new();
    for (shard, active) in
        std::iter::once((&info.active, true)).chain(info.inactive_shards.iter().map(|s| (s, false)))
    {
        let checkpoint = match checkpoint::verify_note(&shard.signed_tree_head, settings.trust) {
            Ok(c) => c,
            Err(why) => {
                report
                    .bad_checkpoints
                    .push(format!("the Rekor v1 log at {url}: {why}"));
                continue;
            }
        };
        let tree_id = (!active)
            .then(|| checkpoint.tree_id().map(str::to_string))
            .flatten();
        let previous = state.logs.get(&checkpoint.origin);
        let problem = match previous {
            Some(kept) => extends(&client, kept, &checkpoint, tree_id.as_deref())
                .map_err(unreachable)?
                .err(),
            None => None,
        };
        report.logs.push(LogReached {
            origin: checkpoint.origin.clone(),
            url: url.clone(),
            tree_size: checkpoint.size,
            root_hash: hex(&checkpoint.root),
            previous: previous.map(|p| p.tree_size),
            problem: problem.clone(),
        });
        if problem.is_none() {
            shards.insert(checkpoint.origin.clone(), checkpoint);
        }
    }

    // A shard kept from an earlier run of this log that its info no longer lists: a log
    // rotates its active shard into the inactive ones, it never forgets one.
    for (origin, kept) in &state.logs {
        if kept.url == url && !report.logs.iter().any(|l| &l.origin == origin) {
            report.logs.push(LogReached {
                origin: origin.clone(),
                url: url.clone(),
                tree_size: kept.tree_size,
                root_hash: kept.root_hash.clone(),
                previous: Some(kept.tree_size),
                problem: Some(
                    "the log no longer lists this shard, whose checkpoint the last run kept".into(),
                ),
            });
        }
    }

    // Each entry's tree tied to its shard's checkpoint, then sorted.
    let mut proofs: HashMap<(String, u64), Result<(), String>> = HashMap::new();
    let mut sorted: BTreeMap<String, Vec<(String, Sorted)>> = BTreeMap::new();
    for logged in verified {
        let Some(shard) = shards.get(&logged.origin) else {
            let why = if report.logs.iter().any(|l| l.origin == logged.origin) {
                "its shard's checkpoint does not extend the one kept from the last run"
            } else {
                "its checkpoint names a shard the log's info does not list"
            };
            report.failed.push(Failed {
                uuid: logged.uuid.clone(),
                reason: format!("{why} ({:?})", logged.origin),
            });
            continue;
        };
        let key = (logged.origin.clone(), logged.tree_size);
        let tied = match proofs.get(&key) {
            Some(done) => done.clone(),
            None => {
                let tree_id = report
                    .logs
                    .first()
                    .is_some_and(|active| active.origin != shard.origin)
                    .then(|| shard.tree_id())
                    .flatten();
                let done = tie(&client, &logged, shard, tree_id).map_err(unreachable)?;
                proofs.insert(key, done.clone());
                done
            }
        };
        if let Err(why) = tied {
            report.failed.push(Failed {
                uuid: logged.uuid.clone(),
                reason: why,
            });
            continue;
        }
        let Some(_) = watched.iter().find(|w| w.names_subject(&logged.identity)) else {
            report.not_watched += 1;
            continue;
        };
        let start = state
            .logs
            .get(&logged.origin)
            .map_or(settings.start, |kept| kept.start);
        let event = Event {
            log: logged.origin.clone(),
            log_index: logged.log_index,
            uuid: logged.uuid.clone(),
            issuer_watched: watched
                .iter()
                .any(|w| w.matches(&logged.identity, &logged.issuer)),
            identity: logged.identity,
            issuer: logged.issuer,
            time: logged.integrated_time,
            digest: logged.digest,
        };
        let fate = if !start.admits(event.log_index, event.time) {
            report.before_start += 1;
            Sorted::Before
        } else if let Some(place) = known.find(&event.digest, &logged.certificate) {
            report.known.push((event.clone(), place.clone()));
            Sorted::Known
        } else {
            report.unknown.push(event.clone());
            Sorted::Reported
        };
        sorted
            .entry(event.log.clone())
            .or_default()
            .push((event.uuid, fate));
    }

    // The state advances only over shards whose new checkpoint was proved to extend it.
    for (origin, shard) in &shards {
        let kept = state
            .logs
            .entry(origin.clone())
            .or_insert_with(|| LogState {
                url: url.clone(),
                log_id: shard.log_id.clone(),
                tree_size: 0,
                root_hash: String::new(),
                checkpoint: String::new(),
                start: settings.start,
                entries: BTreeMap::new(),
            });
        kept.url = url.clone();
        kept.log_id = shard.log_id.clone();
        kept.tree_size = shard.size;
        kept.root_hash = hex(&shard.root);
        kept.checkpoint = shard.note.clone();
        for (uuid, fate) in sorted.remove(origin).unwrap_or_default() {
            kept.entries.insert(uuid, fate);
        }
    }
    Ok(report)
}

/// Whether `new` extends the checkpoint kept from the last run: `Ok(Err(problem))` when
/// the log proves it does not (or cannot prove it does).
fn extends(
    client: &rekor_v1::Client,
    kept: &LogState,
    new: &Verified,
    tree_id: Option<&str>,
) -> Result<Result<(), String>, String> {
    let Some(old_root) = rekor_v1::hash32(&kept.root_hash) else {
        return Ok(Err("the kept checkpoint's root hash is not a hash".into()));
    };
    let old = (kept.tree_size, old_root);
    let new_tree = (new.size, new.root);
    if new.size < kept.tree_size {
        return Ok(Err(format!(
            "the log shrank: its checkpoint has {} entries, the last run's had {}",
            new.size, kept.tree_size
        )));
    }
    let proof = if new.size == kept.tree_size || kept.tree_size == 0 {
        Vec::new()
    } else {
        client
            .consistency(kept.tree_size, new.size, tree_id)
            .map_err(|e| {
                format!(
                    "consistency proof from {} to {}: {e}",
                    kept.tree_size, new.size
                )
            })?
    };
    Ok(checkpoint::consistent(old, new_tree, &proof).map_err(|why| {
        format!("inconsistent with the last run's checkpoint: {why}: the log was forked or rewritten")
    }))
}

/// Whether the tree an entry's inclusion proof is against and the shard's checkpoint are
/// one history (either may be the larger: the log grows while it is read).
fn tie(
    client: &rekor_v1::Client,
    logged: &entry::Logged,
    shard: &Verified,
    tree_id: Option<&str>,
) -> Result<Result<(), String>, String> {
    let entry_tree = (logged.tree_size, logged.root);
    let shard_tree = (shard.size, shard.root);
    let (old, new) = if entry_tree.0 <= shard_tree.0 {
        (entry_tree, shard_tree)
    } else {
        (shard_tree, entry_tree)
    };
    let proof = if old.0 == new.0 || old.0 == 0 {
        Vec::new()
    } else {
        client
            .consistency(old.0, new.0, tree_id)
            .map_err(|e| format!("consistency proof from {} to {}: {e}", old.0, new.0))?
    };
    Ok(checkpoint::consistent(old, new, &proof).map_err(|why| {
        format!(
            "the tree its inclusion proof is against is not the log's checkpoint's history: {why}"
        )
    }))
}
