//! Reading git objects with gix: commits, tags and trees, a range walker, and the signed
//! payloads as git extracts them. Everything goes through [`Reader`], which also sees a
//! pre-receive hook's quarantine area (gix does not read `GIT_QUARANTINE_PATH`).
//!
//! gitseal reads exactly the objects git stores (issue 12, V2): gix would hand out the
//! object a `refs/replace/<id>` ref names instead of `<id>` itself, so every object handle
//! here ignores replacements ([`Repo::local`]); git's `info/grafts` file is not read by
//! gix at all, and parents come from the commit objects' own bytes (`walk.rs`).

mod range;
mod refs;
mod resolve;
pub mod signed;
mod walk;

use gix::hash::ObjectId;
use gix::objs::Find;
pub use range::{IdIndex, Parent, Range};
pub use signed::HashKind;
use std::path::PathBuf;

/// Why the repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not in a git repository: {0}")]
    Open(String),
    #[error("object {0} is missing")]
    Missing(ObjectId),
    #[error("cannot read object {id}: {reason}")]
    Read { id: ObjectId, reason: String },
    #[error("object {0} is not a {1}")]
    WrongKind(ObjectId, &'static str),
    #[error("malformed commit {0}")]
    MalformedCommit(ObjectId),
    #[error("unknown revision `{0}`")]
    UnknownRevision(String),
    #[error("`{0}` is not a full object id ({1} hex digits)")]
    NotFullId(String, usize),
    #[error("cannot list references: {0}")]
    References(String),
    #[error("too many commits to walk at once")]
    TooManyCommits,
    #[error(
        "tree {tree} has more than one entry named `{name}` (git fsck: duplicateEntries): git checks out one, gitseal would judge by another"
    )]
    DuplicateEntry { tree: ObjectId, name: String },
}

/// An opened repository; cheap to share between threads (each makes its own [`Reader`]).
pub struct Repo {
    repo: gix::ThreadSafeRepository,
    quarantine: Option<PathBuf>,
}

impl Repo {
    /// Opens the repository git would use here (`GIT_DIR`, or discovery from the current
    /// directory), with the quarantine area a pre-receive hook runs under, if any.
    pub fn open(quarantine: Option<PathBuf>) -> Result<Self, GitError> {
        Self::open_in(std::path::Path::new("."), quarantine)
    }

    /// This thread's handle on the repository, reading objects as git stores them.
    fn local(&self) -> gix::Repository {
        let mut repo = self.repo.to_thread_local();
        // Replace refs are anyone's to push (no rule need cover them), and with them gix
        // would read another object's bytes under a pushed id: the hook would judge one
        // commit while git stores another.
        repo.objects.ignore_replacements = true;
        repo
    }

    /// A reader for this thread.
    pub fn reader(&self) -> Result<Reader, GitError> {
        let repo = self.local();
        let quarantine = match &self.quarantine {
            Some(dir) => Some(
                gix::odb::at(dir, repo.object_hash()).map_err(|e| GitError::Open(e.to_string()))?,
            ),
            None => None,
        };
        Ok(Reader {
            repo,
            quarantine,
            buf: Vec::new(),
        })
    }

    /// The repository's shared git directory (where gitseal keeps its cache).
    pub fn common_dir(&self) -> PathBuf {
        self.local().common_dir().to_path_buf()
    }
}

/// The parts of a commit the verifier needs.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub committer_time: i64,
}

/// Reads objects for one thread.
pub struct Reader {
    repo: gix::Repository,
    quarantine: Option<gix::odb::Handle>,
    buf: Vec<u8>,
}

impl Reader {
    pub fn hash_kind(&self) -> HashKind {
        if self.repo.object_hash() == gix::hash::Kind::Sha1 {
            HashKind::Sha1
        } else {
            HashKind::Sha256
        }
    }

    /// The raw bytes of an object and its kind, from the quarantine first.
    pub fn object(&mut self, id: ObjectId) -> Result<(gix::object::Kind, Vec<u8>), GitError> {
        let read_error = |reason: String| GitError::Read { id, reason };
        let in_quarantine = match &self.quarantine {
            Some(quarantine) => quarantine
                .try_find(&id, &mut self.buf)
                .map_err(|e| read_error(e.to_string()))?
                .map(|data| (data.kind, data.data.to_vec())),
            None => None,
        };
        if let Some(found) = in_quarantine {
            return Ok(found);
        }
        match self
            .repo
            .objects
            .try_find(&id, &mut self.buf)
            .map_err(|e| read_error(e.to_string()))?
        {
            Some(data) => Ok((data.kind, data.data.to_vec())),
            None => Err(GitError::Missing(id)),
        }
    }

    /// A commit's raw bytes.
    pub fn commit_bytes(&mut self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        match self.object(id)? {
            (gix::object::Kind::Commit, data) => Ok(data),
            _ => Err(GitError::WrongKind(id, "commit")),
        }
    }

    /// Tree, parents and committer time of a commit.
    pub fn commit(&mut self, id: ObjectId) -> Result<CommitInfo, GitError> {
        let raw = self.commit_bytes(id)?;
        parse_commit(id, &raw)
    }

    /// The object at `path` (slash-separated) inside `tree`, if any. A tree naming a
    /// component twice is an error: git would check out one entry (the last) and show
    /// another (the first), so which one is the policy would depend on who reads it.
    pub fn lookup_path(
        &mut self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<ObjectId>, GitError> {
        let mut current = tree;
        for component in path.split('/').filter(|c| !c.is_empty()) {
            let (kind, data) = self.object(current)?;
            if kind != gix::object::Kind::Tree {
                return Ok(None);
            }
            let kind = self.repo.object_hash();
            let mut found = gix::objs::TreeRefIter::from_bytes(&data, kind)
                .filter_map(Result::ok)
                .filter(|entry| entry.filename == component.as_bytes())
                .map(|entry| entry.oid.to_owned());
            match (found.next(), found.next()) {
                (Some(id), None) => current = id,
                (None, _) => return Ok(None),
                (Some(_), Some(_)) => {
                    return Err(GitError::DuplicateEntry {
                        tree: current,
                        name: component.to_string(),
                    });
                }
            }
        }
        Ok(Some(current))
    }

    /// The contents of the blob at `path` inside `tree`.
    pub fn read_path(
        &mut self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<(ObjectId, Vec<u8>)>, GitError> {
        match self.lookup_path(tree, path)? {
            Some(id) => match self.object(id)? {
                (gix::object::Kind::Blob, data) => Ok(Some((id, data))),
                _ => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// A git config value as git would read it here.
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| v.to_string())
    }

    /// The blobs directly inside the directory `path` of `tree`, with their names.
    pub fn read_dir(
        &mut self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let Some(dir) = self.lookup_path(tree, path)? else {
            return Ok(Vec::new());
        };
        let (kind, data) = self.object(dir)?;
        if kind != gix::object::Kind::Tree {
            return Ok(Vec::new());
        }
        let hash = self.repo.object_hash();
        let entries: Vec<(String, ObjectId)> = gix::objs::TreeRefIter::from_bytes(&data, hash)
            .filter_map(Result::ok)
            .filter(|entry| entry.mode.is_blob())
            .map(|entry| (entry.filename.to_string(), entry.oid.to_owned()))
            .collect();
        let mut blobs = Vec::with_capacity(entries.len());
        for (name, id) in entries {
            blobs.push((name, self.object(id)?.1));
        }
        Ok(blobs)
    }

    /// Resolves a revision (`HEAD`, a ref, a hex id) to a commit id, peeling tags.
    pub fn resolve(&mut self, spec: &str) -> Result<ObjectId, GitError> {
        let id = self
            .repo
            .rev_parse_single(spec)
            .map_err(|_| GitError::UnknownRevision(spec.to_string()))?
            .detach();
        self.peel_to_commit(id)
    }

    /// Follows tags down to the commit they name.
    pub fn peel_to_commit(&mut self, mut id: ObjectId) -> Result<ObjectId, GitError> {
        for _ in 0..32 {
            match self.object(id)? {
                (gix::object::Kind::Commit, _) => return Ok(id),
                (gix::object::Kind::Tag, data) => {
                    id = tag_target(&data).ok_or(GitError::WrongKind(id, "tag"))?;
                }
                _ => return Err(GitError::WrongKind(id, "commit")),
            }
        }
        Err(GitError::WrongKind(id, "commit"))
    }

    /// The commit ids every reference points at (peeled), for "not reachable from any ref".
    pub fn ref_tips(&mut self) -> Result<Vec<ObjectId>, GitError> {
        let targets = self.ref_targets()?;
        // Refs to trees or blobs do not make commits reachable: skip them.
        Ok(targets
            .into_iter()
            .filter_map(|id| self.peel_to_commit(id).ok())
            .collect())
    }

    /// The object ids the references point at, unpeeled (annotated tags as themselves).
    pub fn ref_targets(&mut self) -> Result<Vec<ObjectId>, GitError> {
        if self.refs_elsewhere() {
            return self.ref_ids_by_git();
        }
        let platform = self
            .repo
            .references()
            .map_err(|e| GitError::References(e.to_string()))?;
        let all = platform
            .all()
            .map_err(|e| GitError::References(e.to_string()))?;
        Ok(all
            .flatten()
            .filter_map(|reference| reference.target().try_id().map(|id| id.to_owned()))
            .collect())
    }
}

/// Parses the header of a commit object.
pub fn parse_commit(id: ObjectId, raw: &[u8]) -> Result<CommitInfo, GitError> {
    let mut tree = None;
    let mut parents = Vec::new();
    for line in raw.split(|b| *b == b'\n').take_while(|l| !l.is_empty()) {
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = ObjectId::from_hex(hex).ok();
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(ObjectId::from_hex(hex).map_err(|_| GitError::MalformedCommit(id))?);
        }
    }
    Ok(CommitInfo {
        id,
        tree: tree.ok_or(GitError::MalformedCommit(id))?,
        parents,
        committer_time: signed::header_time(raw, "committer").unwrap_or(0),
    })
}

fn tag_target(raw: &[u8]) -> Option<ObjectId> {
    raw.split(|b| *b == b'\n')
        .next()
        .and_then(|line| line.strip_prefix(b"object "))
        .and_then(|hex| ObjectId::from_hex(hex).ok())
}
