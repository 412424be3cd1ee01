//! The server's trusted current policy: what a push is judged by besides the policies in
//! the trees it brings (DESIGN section 6, "In pre-receive mode").
//!
//! A commit is judged by its parents' policies, and a pusher picks the parents: a branch or
//! tag made on a commit from before a rule existed is judged by a policy without the rule.
//! So a push is also judged by the policy the server holds now, which the pusher cannot
//! change before the hook accepts: the policy at the tip of the server's **policy ref**,
//! `gitseal.policyRef` in the server's config, else the branch `HEAD` names (the default
//! branch), authenticated from the anchor; the anchor's own while that ref does not exist
//! yet (the first push to a new server).
//!
//! One named ref, not "whichever tips look newest": any branch a `policy_changes` signer
//! pushes (a draft, a stale experiment) would otherwise decide the server's policy, and any
//! branch a pusher puts on old history could hold it back. The policy ref is itself ruled
//! like every ref (its commits, policy changes included, pass its rule), so the server's
//! policy moves only by pushes that policy allows.

use super::judge::Found;
use super::{VerifyError, Walker};
use gix::hash::ObjectId;

/// The policy the server holds now.
#[derive(Clone, Debug)]
pub struct CurrentPolicy {
    pub policy: Found,
    /// The commit whose tree holds it (the policy ref's tip, or the anchor), to name it in
    /// reasons.
    pub commit: ObjectId,
    /// The tips whose history is the way this policy came to be (the policy ref's tip):
    /// history they reach was judged under its lineage; other history is not.
    pub tips: Vec<ObjectId>,
}

/// The server's current policy and the tips it holds.
#[derive(Clone, Debug, Default)]
pub struct Current {
    /// Empty with `--policy FILE` (which judges everything already); else one.
    pub policies: Vec<CurrentPolicy>,
    /// Every ref tip, peeled to its commit: what the server holds already.
    pub server_tips: Vec<ObjectId>,
}

impl Walker<'_> {
    /// The server's current policy (see the module's documentation). Authenticates the path
    /// from the anchor to the policy ref's tip on the way, as a range's path is.
    pub fn current(&mut self) -> Result<Current, VerifyError> {
        let mut server_tips = self.judge.reader.ref_tips()?;
        server_tips.sort_unstable();
        server_tips.dedup();
        // `--policy FILE` judges everything by the file already.
        let anchor = self
            .judge
            .anchor
            .filter(|_| self.judge.fixed_policy.is_none());
        let Some(anchor) = anchor else {
            return Ok(Current {
                policies: Vec::new(),
                server_tips,
            });
        };
        let policy = match self.policy_ref()? {
            None => {
                let dir = self.judge.commit_dir(anchor)?;
                CurrentPolicy {
                    policy: self.judge.policy_in(dir)?,
                    commit: anchor,
                    tips: vec![anchor],
                }
            }
            Some((name, tip)) => {
                let path = self
                    .judge
                    .path_to(&[tip], anchor, &crate::git::Range::default())?;
                self.remember_path(&path)?;
                let node = self.judge.known(tip)?;
                let policy = match node {
                    Some(node) if node.authenticated() => self.judge.policy_in(node.dir())?,
                    // A server whose policy ref is not authenticated has no policy it can
                    // trust: every push is refused, saying so, until the ref or the anchor
                    // is mended (an older policy would be weaker than refusing).
                    Some(_) => Err(format!(
                        "the policy ref {name} is not authenticated from the anchor \
                         (mend the ref, or move gitseal.anchor after review)"
                    )),
                    None => Err(format!(
                        "the policy ref {name} does not descend from the anchor \
                         (set gitseal.policyRef or gitseal.anchor)"
                    )),
                };
                CurrentPolicy {
                    policy,
                    commit: tip,
                    tips: vec![tip],
                }
            }
        };
        Ok(Current {
            policies: vec![policy],
            server_tips,
        })
    }

    /// The server's policy ref and the commit at its tip, if it exists: `gitseal.policyRef`,
    /// else the branch `HEAD` names (symbolic refs followed).
    fn policy_ref(&mut self) -> Result<Option<(String, ObjectId)>, VerifyError> {
        let reader = &mut self.judge.reader;
        let name = match reader.config_string("gitseal.policyRef") {
            Some(name) => name,
            None => match reader.written_ref("HEAD")? {
                Ok(name) if name != "HEAD" => name,
                // A detached HEAD names no branch: only the anchor's policy is known.
                _ => return Ok(None),
            },
        };
        let name = match reader.written_ref(&name)? {
            Ok(name) => name,
            Err(why) => {
                return Err(crate::git::GitError::References(format!(
                    "the policy ref {}: {why}",
                    name.escape_debug()
                ))
                .into());
            }
        };
        Ok(reader.ref_commit(&name)?.map(|tip| (name, tip)))
    }
}
