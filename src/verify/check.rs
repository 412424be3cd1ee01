//! Signature checks for a range on all cores, handed back in bounded chunks.
//!
//! The range is cut into chunks in its own order (parents first), which is the order the
//! caller judges in; workers take the chunks in that order and hand them back as they
//! finish, so judging overlaps the checks and at most a few chunks exist at any time,
//! whatever the range's length. Inside a chunk a worker goes newest first: git stores
//! commits and trees as deltas against newer objects, so neighbours share delta bases and
//! each is inflated about once (docs/benchmarks.md, finding 2).

use super::cache::{self, Digest, Known};
use super::current::CurrentPolicy;
use super::{POLICY_DIR, VerifyError, backends};
use crate::git::{GitError, Range, Reader, Repo, parse_commit, signed};
use crate::signature::{Format, Verdict};
use gix::hash::ObjectId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

/// Where OpenPGP certificates live in a policy's tree.
pub const KEYS_DIR: &str = ".gitseal/keys";

/// The most commits in one chunk: about 200 bytes each while in flight.
const CHUNK_MAX: usize = 2048;
/// The fewest. A worker starting a chunk has none of its delta bases cached: its first
/// objects cost whole delta chains, about as much as 14 commits' checks (callgrind), so
/// chunks are as long as they can be while every worker still gets two.
const CHUNK_MIN: usize = 128;

/// One commit's signature verdict and `.gitseal` tree.
pub struct Checked {
    pub verdict: Verdict,
    /// Checked now, not taken from the cache, and a cache line may be keyed by this digest
    /// of its signed bytes (`None`: taken from the cache, or no signature was checked).
    pub cache_key: Option<Digest>,
    pub gitseal_dir: Option<ObjectId>,
}

/// What the workers share.
struct Work<'a> {
    repo: &'a Repo,
    range: &'a Range,
    known: &'a Known,
}

/// Checks every commit of `range` (taking cached verdicts from `known`) and calls `take`
/// with each chunk's first index and results, in the range's order.
pub fn run(
    repo: &Repo,
    range: &Range,
    known: &Known,
    jobs: usize,
    mut take: impl FnMut(usize, Vec<Checked>) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    let work = Work { repo, range, known };
    let len = range.len();
    if len == 0 {
        return Ok(());
    }
    let jobs = jobs.max(1);
    if jobs == 1 || len <= CHUNK_MIN {
        // One thread does it all: `--jobs 1` is the per-core figure, and a short range
        // is not worth starting threads for.
        let mut reader = repo.reader()?;
        let mut keyrings = KeyringCache::default();
        for lo in (0..len).step_by(CHUNK_MAX) {
            let hi = (lo + CHUNK_MAX).min(len);
            take(lo, work.chunk(&mut reader, &mut keyrings, lo, hi)?)?;
        }
        return Ok(());
    }
    parallel(&work, jobs, take)
}

/// Chunk numbers to check, shared by the workers; checked chunks, by number.
type Orders = Mutex<mpsc::Receiver<usize>>;
type Done = mpsc::Sender<(usize, Result<Vec<Checked>, GitError>)>;

/// `run` on `jobs` worker threads, judging (`take`) on this one meanwhile.
fn parallel(
    work: &Work<'_>,
    jobs: usize,
    mut take: impl FnMut(usize, Vec<Checked>) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    let len = work.range.len();
    // At least two chunks a worker, so that judging overlaps the checks.
    let chunk = len.div_ceil(jobs * 2).clamp(CHUNK_MIN, CHUNK_MAX);
    let chunks = len.div_ceil(chunk);
    let bounds = |c: usize| (c * chunk, ((c + 1) * chunk).min(len));
    let stop = AtomicBool::new(false);
    let (order_tx, order_rx) = mpsc::channel::<usize>();
    let orders: Orders = Mutex::new(order_rx);
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(chunks) {
            let (stop, orders, done) = (&stop, &orders, done_tx.clone());
            scope.spawn(move || worker(work, stop, orders, done, bounds));
        }
        drop(done_tx);
        // Chunks ordered but not yet judged: this bounds what is held at once.
        let window = (jobs + 2).min(chunks);
        for c in 0..window {
            let _ = order_tx.send(c);
        }
        let mut next = window;
        let mut early: HashMap<usize, Vec<Checked>> = HashMap::new();
        let outcome = (|| -> Result<(), VerifyError> {
            for c in 0..chunks {
                let checked = loop {
                    if let Some(found) = early.remove(&c) {
                        break found;
                    }
                    let (k, result) = done_rx
                        .recv()
                        .map_err(|_| GitError::Open("the verification threads stopped".into()))?;
                    early.insert(k, result?);
                };
                if next < chunks {
                    let _ = order_tx.send(next);
                    next += 1;
                }
                take(bounds(c).0, checked)?;
            }
            Ok(())
        })();
        // On an error the workers stop at their next chunk instead of checking the rest.
        stop.store(true, Ordering::Relaxed);
        drop(order_tx);
        outcome
    })
}

/// A worker thread: checks the chunks it is ordered to until there are no more orders.
fn worker(
    work: &Work<'_>,
    stop: &AtomicBool,
    orders: &Orders,
    done: Done,
    bounds: impl Fn(usize) -> (usize, usize),
) {
    let mut state = work.repo.reader().map(|r| (r, KeyringCache::default()));
    loop {
        let order = orders.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(c) = order else { break };
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (lo, hi) = bounds(c);
        let result = match &mut state {
            // A panic must come back as an error: the caller waits for every chunk.
            Ok((reader, keyrings)) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    work.chunk(reader, keyrings, lo, hi)
                }))
                .unwrap_or_else(|_| Err(GitError::Open("a verification thread panicked".into())))
            }
            Err(e) => Err(GitError::Open(e.to_string())),
        };
        if done.send((c, result)).is_err() {
            break;
        }
    }
}

impl Work<'_> {
    /// Checks commits `lo..hi`, newest first; the results in the range's order.
    fn chunk(
        &self,
        reader: &mut Reader,
        keyrings: &mut KeyringCache,
        lo: usize,
        hi: usize,
    ) -> Result<Vec<Checked>, GitError> {
        let mut out = Vec::with_capacity(hi - lo);
        for at in (lo..hi).rev() {
            let (verdict, cache_key) = self.commit_verdict(reader, keyrings, at)?;
            let gitseal_dir = reader.lookup_path(self.range.tree(at), POLICY_DIR)?;
            out.push(Checked {
                verdict,
                cache_key,
                gitseal_dir,
            });
        }
        out.reverse();
        Ok(out)
    }

    /// The verdict on commit `at`'s signature: the cache's when it holds a line computed
    /// from the very bytes read now (its digest), else checked now, with the digest its
    /// cache line is to be keyed by. The commit is read either way: a line is only ever
    /// believed for the bytes the object store holds.
    fn commit_verdict(
        &self,
        reader: &mut Reader,
        keyrings: &mut KeyringCache,
        at: usize,
    ) -> Result<(Verdict, Option<Digest>), GitError> {
        let id = self.range.id(at);
        let raw = reader.commit_bytes(id)?;
        let time = signed::header_time(&raw, "committer").unwrap_or(0);
        let signed = match signed::split_commit(&raw, reader.hash_kind()) {
            Ok(Some(signed)) => signed,
            // No signature was checked: nothing to remember, and nothing costly to redo.
            Ok(None) => return Ok((backends::unsigned(time), None)),
            Err(e) => return Ok((backends::malformed(time, &e.to_string()), None)),
        };
        let format = Format::from_armor(&signed.signature);
        // What the room is given besides the signed bytes, which the cache key covers too.
        let keys = if format == Some(Format::OpenPgp) {
            let parents = parse_commit(id, &raw)?.parents;
            let mut trees = Vec::with_capacity(parents.len());
            for parent in parents {
                trees.push(reader.commit(parent)?.tree);
            }
            keys_dirs(reader, &trees)?
        } else {
            Vec::new()
        };
        let root = match format {
            Some(Format::X509) => backends::sigstore_root_id(),
            _ => None,
        };
        let context: Vec<&[u8]> = match &root {
            Some(root) => vec![root.as_slice()],
            None => keys.iter().map(|dir| dir.as_slice()).collect(),
        };
        let digest = cache::digest(&signed, &context);
        if let Some(verdict) = self
            .known
            .verdict(at, &digest)
            .filter(|v| Some(v.format) == format)
        {
            return Ok((verdict, None));
        }
        let keyring = match format {
            Some(Format::OpenPgp) => Some(keyrings.for_dirs(reader, &keys)?),
            _ => None,
        };
        Ok((room_verdict(id, &signed, time, keyring), Some(digest)))
    }
}

/// OpenPGP keyrings built from `.gitseal/keys` directories, by the directories' tree ids
/// (one per worker thread: certificates are parsed once per distinct set of directories).
#[derive(Default)]
pub struct KeyringCache {
    built: HashMap<Vec<ObjectId>, crate::openpgp::keyring::Keyring>,
}

impl KeyringCache {
    /// The certificates in the `.gitseal/keys` trees `dirs` (files `*.asc`, `*.gpg`,
    /// `*.pgp`), built once per list of trees.
    fn for_dirs(
        &mut self,
        reader: &mut Reader,
        dirs: &[ObjectId],
    ) -> Result<&crate::openpgp::keyring::Keyring, GitError> {
        if !self.built.contains_key(dirs) {
            let mut keyring = crate::openpgp::keyring::Keyring::with_fast_rsa_bindings();
            for dir in dirs {
                for (name, data) in reader.read_dir(*dir, "")? {
                    if super::keys::is_certificate_file(&name) {
                        // A damaged certificate file leaves its keys unknown: signatures by
                        // them then fail as by an unknown signer, with that reason. Blocks
                        // of one file add to another's certificate only what that
                        // certificate's primary key bound (openpgp::keyring).
                        let _ = keyring.add_configured(data);
                    }
                }
            }
            self.built.insert(dirs.to_vec(), keyring);
        }
        Ok(&self.built[dirs])
    }
}

/// The `.gitseal/keys` entries of each of these trees that have one, in order: what an
/// OpenPGP verdict is computed from besides the signed bytes, and so part of its cache key.
fn keys_dirs(reader: &mut Reader, trees: &[ObjectId]) -> Result<Vec<ObjectId>, GitError> {
    let mut dirs = Vec::with_capacity(trees.len());
    for tree in trees {
        if let Some(dir) = reader.lookup_path(*tree, KEYS_DIR)? {
            dirs.push(dir);
        }
    }
    Ok(dirs)
}

/// Asks the signature's room for a verdict on object `id`; OpenPGP gets the certificates of
/// the trees `trees` names (read only then: other rooms need no tree).
pub fn object_verdict(
    reader: &mut Reader,
    keyrings: &mut KeyringCache,
    id: ObjectId,
    signed: &signed::Signed,
    time: i64,
    trees: impl FnOnce(&mut Reader) -> Result<Vec<ObjectId>, GitError>,
) -> Result<Verdict, GitError> {
    let keyring = if Format::from_armor(&signed.signature) == Some(Format::OpenPgp) {
        let trees = trees(reader)?;
        let dirs = keys_dirs(reader, &trees)?;
        Some(keyrings.for_dirs(reader, &dirs)?)
    } else {
        None
    };
    Ok(room_verdict(id, signed, time, keyring))
}

/// The verdict on a signed object as each of `policies` sees it with its own certificates
/// (the `.gitseal/keys` beside it), one per policy, for OpenPGP; empty for other formats,
/// whose verdict does not depend on a tree.
pub fn by_keys_of(
    reader: &mut Reader,
    keyrings: &mut KeyringCache,
    id: ObjectId,
    signed: &signed::Signed,
    time: i64,
    policies: &[CurrentPolicy],
) -> Result<Vec<Verdict>, GitError> {
    if Format::from_armor(&signed.signature) != Some(Format::OpenPgp) {
        return Ok(Vec::new());
    }
    let mut verdicts = Vec::with_capacity(policies.len());
    for at in policies {
        let tree = reader.commit(at.commit)?.tree;
        verdicts.push(object_verdict(reader, keyrings, id, signed, time, |_| {
            Ok(vec![tree])
        })?);
    }
    Ok(verdicts)
}

/// [`by_keys_of`] for commit `id`.
pub fn commit_by_keys_of(
    reader: &mut Reader,
    keyrings: &mut KeyringCache,
    id: ObjectId,
    policies: &[CurrentPolicy],
) -> Result<Vec<Verdict>, GitError> {
    let raw = reader.commit_bytes(id)?;
    let time = signed::header_time(&raw, "committer").unwrap_or(0);
    match signed::split_commit(&raw, reader.hash_kind()) {
        Ok(Some(signed)) => by_keys_of(reader, keyrings, id, &signed, time, policies),
        _ => Ok(Vec::new()),
    }
}

/// The room's verdict on a signed object, OpenPGP with the certificates given.
fn room_verdict(
    id: ObjectId,
    signed: &signed::Signed,
    time: i64,
    openpgp: Option<&crate::openpgp::keyring::Keyring>,
) -> Verdict {
    let certs = backends::Certificates { openpgp };
    // The id finds gitsign's online-mode entries in the log.
    let id = id.to_string();
    backends::verify(&signed.payload, &signed.signature, time, Some(&id), &certs)
}
