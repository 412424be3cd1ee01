//! Revisions named by people, resolved without peeling: `verify-tag` and `show` judge the
//! object named, and a tag's signature is on the tag, not on the commit it names. And
//! anchors, which are never resolved as names at all.

use gix::ObjectId;

use super::{GitError, Reader};

impl Reader {
    /// Resolves a revision (`HEAD`, a ref, a hex id) to the object it names.
    pub fn resolve_object(&mut self, spec: &str) -> Result<ObjectId, GitError> {
        Ok(self
            .repo
            .rev_parse_single(spec)
            .map_err(|_| GitError::UnknownRevision(spec.to_string()))?
            .detach())
    }

    /// The commit an anchor names. An anchor is a full object id of this repository's hash
    /// (issue 12, R4): an abbreviation or a name would be resolved through refs first, and
    /// whoever can push can create a ref of that name. The object is read like every other
    /// (the quarantine first), so an anchor that arrives in the push being judged is found.
    pub fn anchor(&mut self, spec: &str) -> Result<ObjectId, GitError> {
        let digits = self.repo.object_hash().len_in_hex();
        let id = Some(spec)
            .filter(|s| s.len() == digits && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|s| ObjectId::from_hex(s.as_bytes()).ok())
            .ok_or_else(|| GitError::NotFullId(spec.escape_debug().to_string(), digits))?;
        match self.peel_to_commit(id) {
            Err(GitError::Missing(_)) => Err(GitError::UnknownRevision(spec.to_string())),
            other => other,
        }
    }
}
