//! References by name, as a pre-receive hook needs them: which ref git will really write
//! for a pushed name (a server-side symbolic ref is written through to its target), what
//! a pushed object is once its tags are peeled, and opening a repository by its path (a
//! test or tool judging a server it is not inside).
//!
//! gix reads refs kept as files (loose refs and `packed-refs`) and no other ref storage:
//! in a repository whose refs are in reftable (`extensions.refStorage`, the default
//! planned for git 3.0) it finds none, and the hook would take the server for empty (the
//! anchor's policy as the only current one, no symbolic ref to follow). There the refs
//! are read by asking git itself, which keeps them.

use super::{GitError, Reader, Repo, tag_target};
use gix::hash::ObjectId;
use gix::object::Kind;
use std::path::{Path, PathBuf};

/// How many symbolic refs may point at one another before the name is refused (git's
/// own limit is 5).
const SYMREF_DEPTH: usize = 5;

impl Repo {
    /// Opens the repository at (or above) `dir`, with the quarantine area a pre-receive
    /// hook runs under, if any.
    pub fn open_in(dir: &Path, quarantine: Option<PathBuf>) -> Result<Self, GitError> {
        let repo = gix::ThreadSafeRepository::discover_with_environment_overrides(dir)
            .map_err(|e| GitError::Open(e.to_string()))?;
        Ok(Self { repo, quarantine })
    }
}

impl Reader {
    /// The ref git writes when a push names `refname`: the name itself, or, when it is a
    /// symbolic ref in this repository, the ref it points to (followed to the end).
    /// `Err` says why the name cannot be followed (a loop, or a chain too long).
    pub fn written_ref(&self, refname: &str) -> Result<Result<String, String>, GitError> {
        let mut name = refname.to_string();
        for _ in 0..=SYMREF_DEPTH {
            match self.symbolic_target(&name)? {
                Some(target) => name = target,
                None => return Ok(Ok(name)),
            }
        }
        Ok(Err(format!(
            "it is a chain of more than {SYMREF_DEPTH} symbolic refs"
        )))
    }

    /// The target of `refname` if it is a symbolic ref of exactly that name.
    fn symbolic_target(&self, refname: &str) -> Result<Option<String>, GitError> {
        if self.refs_elsewhere() {
            return self.symbolic_target_by_git(refname);
        }
        // A name gix cannot take is no ref of this repository (git checked the pushed
        // names before running the hook).
        let Ok(partial) = <&gix::refs::PartialNameRef>::try_from(refname) else {
            return Ok(None);
        };
        let found = self
            .repo
            .try_find_reference(partial)
            .map_err(|e| GitError::References(e.to_string()))?;
        // gix also tries `refs/<name>`, `refs/heads/<name>`...: only the exact name counts.
        Ok(found
            .filter(|reference| reference.name().as_bstr() == refname.as_bytes())
            .and_then(|reference| match reference.target() {
                gix::refs::TargetRef::Symbolic(target) => Some(target.as_bstr().to_string()),
                gix::refs::TargetRef::Object(_) => None,
            }))
    }

    /// The commit the ref of exactly this full name points at (tags peeled), if the ref
    /// exists.
    pub fn ref_commit(&mut self, refname: &str) -> Result<Option<ObjectId>, GitError> {
        let id = if self.refs_elsewhere() {
            if refname.starts_with('-') {
                return Ok(None);
            }
            let out = self.git_refs(&["rev-parse", "-q", "--verify", refname], &[0, 1])?;
            if out.status.code() == Some(1) {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&out.stdout);
            ObjectId::from_hex(text.trim().as_bytes()).map_err(|_| {
                GitError::References(format!(
                    "git rev-parse printed `{}`, not an object id",
                    text.trim().escape_debug()
                ))
            })?
        } else {
            let Ok(partial) = <&gix::refs::PartialNameRef>::try_from(refname) else {
                return Ok(None);
            };
            let found = self
                .repo
                .try_find_reference(partial)
                .map_err(|e| GitError::References(e.to_string()))?;
            // gix also tries `refs/<name>`, `refs/heads/<name>`...: only the exact name.
            let Some(mut reference) =
                found.filter(|reference| reference.name().as_bstr() == refname.as_bytes())
            else {
                return Ok(None);
            };
            match reference.peel_to_id() {
                Ok(id) => id.detach(),
                // A symbolic ref to a branch not born yet.
                Err(_) => return Ok(None),
            }
        };
        self.peel_to_commit(id).map(Some)
    }

    /// Whether the refs are kept where gix does not read them (a `extensions.refStorage`
    /// other than `files`).
    pub(super) fn refs_elsewhere(&self) -> bool {
        self.config_string("extensions.refStorage")
            .is_some_and(|storage| !storage.eq_ignore_ascii_case("files"))
    }

    /// Every ref's object id, as `git for-each-ref` lists them (symbolic refs give their
    /// target's).
    pub(super) fn ref_ids_by_git(&self) -> Result<Vec<ObjectId>, GitError> {
        let out = self.git_refs(&["for-each-ref", "--format=%(objectname)"], &[0])?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .map(|line| {
                ObjectId::from_hex(line.trim().as_bytes()).map_err(|_| {
                    GitError::References(format!(
                        "git for-each-ref printed `{}`, not an object id",
                        line.escape_debug()
                    ))
                })
            })
            .collect()
    }

    /// [`Reader::symbolic_target`], asking `git symbolic-ref` (which follows the chain to
    /// its end, as git does when it writes through it).
    fn symbolic_target_by_git(&self, refname: &str) -> Result<Option<String>, GitError> {
        // git checked the pushed names before running the hook; a name that could be read
        // as an option is none of them.
        if refname.starts_with('-') {
            return Ok(None);
        }
        let out = self.git_refs(&["symbolic-ref", "-q", refname], &[0, 1])?;
        if out.status.code() == Some(1) {
            return Ok(None);
        }
        let target = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
        Ok(Some(target).filter(|t| !t.is_empty()))
    }

    /// Runs git on this repository's refs (all of them: `GIT_NAMESPACE` does not narrow
    /// what gix lists either), which must exit with one of `codes`.
    fn git_refs(&self, args: &[&str], codes: &[i32]) -> Result<std::process::Output, GitError> {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(self.repo.git_dir())
            .args(args)
            .env_remove("GIT_NAMESPACE")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| GitError::References(format!("cannot run git to read the refs: {e}")))?;
        if !out.status.code().is_some_and(|code| codes.contains(&code)) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(GitError::References(format!(
                "git {} failed: {}",
                args[0],
                stderr.lines().next().unwrap_or("").trim().escape_debug()
            )));
        }
        Ok(out)
    }

    /// The object `id` names once tags are followed (itself if it is no tag), and its
    /// kind. `Err` for a tag whose `object` line cannot be read, or tags nested too deep.
    pub fn peel(&mut self, mut id: ObjectId) -> Result<(ObjectId, Kind), GitError> {
        for _ in 0..32 {
            match self.object(id)? {
                (Kind::Tag, data) => {
                    id = tag_target(&data).ok_or(GitError::WrongKind(id, "tag"))?;
                }
                (kind, _) => return Ok((id, kind)),
            }
        }
        Err(GitError::WrongKind(id, "tag"))
    }
}
