//! References by name, as a pre-receive hook needs them: which ref git will really write
//! for a pushed name (a server-side symbolic ref is written through to its target), what
//! a pushed object is once its tags are peeled, and opening a repository by its path (a
//! test or tool judging a server it is not inside).

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
