//! The server's trusted current policies: what a push is judged by besides the policies in
//! the trees it brings (DESIGN section 6, "In pre-receive mode").
//!
//! A commit is judged by its parents' policies, and a pusher picks the parents: a branch or
//! tag made on a commit from before a rule existed is judged by a policy without the rule.
//! So a push is also judged by the policies the server holds now, which the pusher cannot
//! change before the hook accepts: the policies at the tips of the server's refs that are
//! authenticated from the anchor (the anchor's own when there are none) and that no other
//! tip has moved on from.
//!
//! A tip's policy has been moved on from ("superseded") when its branch has not changed
//! `.gitseal/` since it forked from a tip that has: an old tag, a release branch cut before
//! the policy changed, a branch someone pushed on old history. Only a `policy_changes`
//! signer can change `.gitseal/`, so only they can add a policy to this set; a branch on old
//! history cannot bring an old policy back (nor hold the current one hostage). Where two
//! branches each changed the policy since they forked, both policies are current and a push
//! must satisfy both.

use super::judge::{Dir, Found};
use super::{VerifyError, Walker};
use crate::git::Parent;
use gix::hash::ObjectId;

/// A policy the server holds now.
#[derive(Clone, Debug)]
pub struct CurrentPolicy {
    pub policy: Found,
    /// A commit at a ref's tip whose tree holds it, to name it in reasons.
    pub commit: ObjectId,
    /// The ref tips (or the anchor) that hold it: history they reach is on the way this
    /// policy came to be, and was judged under its lineage; other history is not.
    pub tips: Vec<ObjectId>,
}

/// The server's current policies and the tips they were read from.
#[derive(Clone, Debug, Default)]
pub struct Current {
    /// Empty with `--policy FILE` (which judges everything already).
    pub policies: Vec<CurrentPolicy>,
    /// Every ref tip, peeled to its commit: what the server holds already.
    pub server_tips: Vec<ObjectId>,
}

/// Which groups of tips reach a commit: none, exactly one (its index + 1), or several.
const NO_GROUP: u32 = 0;
const SEVERAL_GROUPS: u32 = u32::MAX;

/// The groups reaching a commit through a child reaching it with `a` and another with `b`.
fn join(a: u32, b: u32) -> u32 {
    match (a, b) {
        (NO_GROUP, other) | (other, NO_GROUP) => other,
        _ if a == b => a,
        _ => SEVERAL_GROUPS,
    }
}

/// How much earlier than the anchor (seconds) a tip without a policy may be dated and still
/// be walked as a possible descendant of it: a day, as the range walk allows committer
/// clocks.
const CLOCK_SKEW: i64 = 86_400;

impl Walker<'_> {
    /// The server's current policies (see the module's documentation). Authenticates the
    /// paths from the anchor to every ref's tip on the way, as a range's path is.
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
        // Tips dated well before the anchor and holding no policy are its history (tags of
        // releases from before gitseal): proving that by walking would cost the whole
        // history before the anchor on every push, and a tip without a policy holds no
        // current one. A tip with a policy is walked whatever its date, which is only its
        // committer's claim: main's tip dated before the anchor (a clock behind, a rebase
        // keeping author dates) must not drop main's policy from the current ones.
        let anchor_time = self.judge.reader.commit(anchor)?.committer_time;
        let mut recent = Vec::with_capacity(server_tips.len());
        for &tip in &server_tips {
            if self.judge.reader.commit(tip)?.committer_time >= anchor_time - CLOCK_SKEW
                || self.judge.commit_dir(tip)? != Dir::default()
            {
                recent.push(tip);
            }
        }
        let path = self
            .judge
            .path_to(&recent, anchor, &crate::git::Range::default())?;
        self.remember_path(&path)?;
        // The tips whose policies can be trusted, with their `.gitseal` directories.
        let mut candidates: Vec<(ObjectId, Dir)> = Vec::new();
        for &tip in &recent {
            if let Some(node) = self.judge.known(tip)?
                && node.authenticated()
            {
                candidates.push((tip, node.dir()));
            }
        }
        if candidates.is_empty() {
            candidates.push((anchor, self.judge.commit_dir(anchor)?));
        }
        let mut groups: Vec<Dir> = Vec::new();
        for (_, dir) in &candidates {
            if !groups.contains(dir) {
                groups.push(*dir);
            }
        }
        // However many groups there are: taking them all as current would also trust every
        // tip's history, a branch on old history included.
        let current = if groups.len() == 1 {
            vec![true]
        } else {
            self.unsuperseded(anchor, &candidates, &groups)?
        };
        let mut policies = Vec::new();
        for (dir, _) in groups.iter().zip(&current).filter(|(_, current)| **current) {
            let tips: Vec<ObjectId> = candidates
                .iter()
                .filter(|(_, d)| d == dir)
                .map(|(tip, _)| *tip)
                .collect();
            policies.push(CurrentPolicy {
                policy: self.judge.policy_in(*dir)?,
                commit: tips.first().copied().unwrap_or(anchor),
                tips,
            });
        }
        Ok(Current {
            policies,
            server_tips,
        })
    }

    /// Which groups of tips (by `.gitseal` directory) hold a policy no other tip has moved
    /// on from: those whose own history, where no tip of another group reaches, introduces
    /// their directory (a commit whose parent has another one, or a root).
    fn unsuperseded(
        &mut self,
        anchor: ObjectId,
        candidates: &[(ObjectId, Dir)],
        groups: &[Dir],
    ) -> Result<Vec<bool>, VerifyError> {
        let tips: Vec<ObjectId> = candidates.iter().map(|(tip, _)| *tip).collect();
        let range = self.judge.reader.walk(&tips, &[anchor])?;
        let index = range.index_by_id();
        let group_of = |dir: &Dir| {
            groups
                .iter()
                .position(|g| g == dir)
                .and_then(|g| u32::try_from(g + 1).ok())
                .filter(|&g| g != SEVERAL_GROUPS)
                .unwrap_or(SEVERAL_GROUPS)
        };
        // Which groups' tips reach each commit: children come after parents in the range.
        let mut reach = vec![NO_GROUP; range.len()];
        for (tip, dir) in candidates {
            if let Some(at) = index.find(tip) {
                reach[at] = join(reach[at], group_of(dir));
            }
        }
        for at in (0..range.len()).rev() {
            let by = reach[at];
            for parent in range.parents(at) {
                if let Parent::Local(p) = parent {
                    reach[p] = join(reach[p], by);
                }
            }
        }
        let mut current = vec![false; groups.len()];
        for (at, &by) in reach.iter().enumerate() {
            if by == NO_GROUP || by == SEVERAL_GROUPS {
                continue;
            }
            let group = by as usize - 1;
            if current[group] {
                continue;
            }
            let dir = self.judge.commit_dir(range.id(at))?;
            if dir != groups[group] {
                continue;
            }
            let mut introduces = range.parent_count(at) == 0;
            for parent in range.parents(at) {
                let parent_dir = match parent {
                    Parent::Local(p) => self.judge.commit_dir(range.id(p))?,
                    Parent::Outside(id) => self.judge.commit_dir(id)?,
                };
                introduces |= parent_dir != dir;
            }
            current[group] = introduces;
        }
        // Some group is always current in a history (the newest change has no successor);
        // should none be found, all are, which only refuses more.
        if !current.contains(&true) {
            current.fill(true);
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_reaching_a_commit_are_none_one_or_several() {
        assert_eq!(join(NO_GROUP, NO_GROUP), NO_GROUP);
        assert_eq!(join(NO_GROUP, 3), 3);
        assert_eq!(join(3, NO_GROUP), 3);
        assert_eq!(join(3, 3), 3);
        assert_eq!(join(3, 4), SEVERAL_GROUPS);
        assert_eq!(join(SEVERAL_GROUPS, 3), SEVERAL_GROUPS);
        assert_eq!(join(NO_GROUP, SEVERAL_GROUPS), SEVERAL_GROUPS);
        // Beyond what one bit mask of 64 groups could hold.
        assert_eq!(join(NO_GROUP, 65), 65);
        assert_eq!(join(65, 66), SEVERAL_GROUPS);
    }
}
