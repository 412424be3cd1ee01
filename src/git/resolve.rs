//! Revisions named by people, resolved without peeling: `verify-tag` and `show` judge the
//! object named, and a tag's signature is on the tag, not on the commit it names.

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
}
