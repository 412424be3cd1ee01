//! What `gitseal verify --pre-receive` decides for each ref update of a push (DESIGN
//! section 6, "In pre-receive mode"), as a library function: the hook's lines in, one
//! decision per line out, so the decision can be tested in-process.
//!
//! - The ref judged is the ref git writes: a server-side symbolic ref is followed to its
//!   target (git updates and deletes the target through it).
//! - Deleting needs `allow_delete`, rewinding `allow_force_push`, in the rule of every
//!   current policy of the server (never only the one at the ref's tip).
//! - Whatever the ref will point to is judged for the ref's rule from the anchor, each
//!   commit by its parents' policies: a new ref promises its rule for history the server
//!   already holds, too (judged under other refs' rules until now). Commits new to the
//!   server must also be valid now and satisfy the server's current policy (its policy
//!   ref's, verify::current); history the policy ref does not reach must satisfy its rule
//!   for the ref.
//! - An annotated tag is judged itself, by the current policies and the tagged commit's
//!   policy; under `refs/tags/NAME` it must carry `tag NAME`. A lightweight tag cannot
//!   satisfy a `tags` list.
//! - A ref to a tree or a blob is judged on its own line: only a signed tag may point to
//!   one, and not under a rule for commits.
//! - `refs/replace/*` may be deleted, never written: git (not gitseal) shows a replacement
//!   in the replaced object's place, on the server and in mirror clones.
//! - History before the anchor was judged by no policy: a ref may point into it only
//!   through a signed tag, which is judged.

use super::current::Current;
use super::{CommitReport, VerifyError, Walker};
use crate::policy::{Policy, Rule};
use gix::hash::ObjectId;
use gix::object::Kind;

/// One line of a pre-receive hook's input: `<old> <new> <ref>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    pub old: ObjectId,
    pub new: ObjectId,
    /// As pushed (whoever pushes chooses it).
    pub refname: String,
}

/// What the hook decided for one update.
#[derive(Clone, Debug)]
pub struct Decision {
    pub update: Update,
    /// The ref git writes: the pushed name, or the target of the symbolic ref it names.
    pub written: String,
    /// Why the update is refused as a whole, before or besides its objects.
    pub refusal: Option<String>,
    /// The commits that failed, each with its reasons.
    pub failures: Vec<CommitReport>,
    /// Commits judged that the server did not hold.
    pub new_commits: usize,
    /// Commits judged that the server held already (under other refs).
    pub known_commits: usize,
    /// The annotated tag judged, if the update names one.
    pub tag: Option<CommitReport>,
}

impl Decision {
    fn new(update: &Update) -> Self {
        Self {
            update: update.clone(),
            written: update.refname.clone(),
            refusal: None,
            failures: Vec::new(),
            new_commits: 0,
            known_commits: 0,
            tag: None,
        }
    }

    pub fn accepted(&self) -> bool {
        self.refusal.is_none()
            && self.failures.is_empty()
            && self.tag.as_ref().is_none_or(CommitReport::ok)
    }

    /// Every reason the update is refused for, as one-line texts (for tests and logs).
    pub fn reasons(&self) -> Vec<String> {
        let mut all: Vec<String> = self.refusal.iter().cloned().collect();
        for report in self.failures.iter().chain(self.tag.iter()) {
            all.extend(report.finding.reasons.iter().cloned());
        }
        all
    }
}

/// Decides every update of a push. The server's current policies are read once, before
/// any update (git changes no ref before the hook accepts).
pub fn decide(walker: &mut Walker<'_>, updates: &[Update]) -> Result<Vec<Decision>, VerifyError> {
    let current = walker.current()?;
    let mut decisions = Vec::with_capacity(updates.len());
    for update in updates {
        let mut decision = Decision::new(update);
        match decide_one(walker, &current, &mut decision) {
            // A malformed tree in what this line brings is this line's refusal.
            Err(VerifyError::Git(e @ crate::git::GitError::DuplicateEntry { .. })) => {
                decision.refusal = Some(e.to_string());
            }
            other => other?,
        }
        decisions.push(decision);
    }
    Ok(decisions)
}

/// What a rule lets a push do besides adding objects.
#[derive(Clone, Copy)]
enum Permission {
    Delete,
    ForcePush,
}

fn decide_one(
    walker: &mut Walker<'_>,
    current: &Current,
    decision: &mut Decision,
) -> Result<(), VerifyError> {
    let Update { old, new, .. } = decision.update;
    decision.written = match walker.reader().written_ref(&decision.update.refname)? {
        Ok(written) => written,
        Err(why) => {
            decision.refusal = Some(format!("cannot tell which ref git would write: {why}"));
            return Ok(());
        }
    };
    let refname = decision.written.clone();
    if let Some(replaced) = refname.strip_prefix("refs/replace/") {
        // Deleting a replacement only shows the stored object again.
        if !new.is_null() {
            decision.refusal = Some(replace_refusal(replaced));
        }
        return Ok(());
    }
    if let Some((at, message)) = current.policies.iter().find_map(|at| {
        at.policy
            .as_ref()
            .err()
            .map(|message| (super::short(&at.commit), message))
    }) {
        decision.refusal = Some(format!(
            "the server's current policy at {at} cannot be read: {message}"
        ));
        return Ok(());
    }
    let policies = policies(walker, current);
    if new.is_null() {
        if !permits(&policies, &refname, Permission::Delete) {
            decision.refusal =
                Some("deleting it is not allowed (the rule has no allow_delete)".into());
        }
        return Ok(());
    }
    let reader = walker.reader();
    let (new_kind, _) = reader.object(new)?;
    let (target, target_kind) = match reader.peel(new) {
        Ok(found) => found,
        Err(crate::git::GitError::WrongKind(id, _)) => {
            decision.refusal = Some(format!("tag {id} does not name the object it tags"));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let commit = (target_kind == Kind::Commit).then_some(target);
    let old_commit = if old.is_null() {
        None
    } else {
        match reader.peel(old) {
            Ok((id, Kind::Commit)) => Some(id),
            _ => None,
        }
    };
    let fast_forward = match (old.is_null(), old_commit, commit) {
        (true, _, _) => true,
        (false, Some(old), Some(new)) => reader.is_ancestor(old, new)?,
        // From or to something that is not a commit: nothing to be an ancestor of.
        _ => false,
    };
    if !fast_forward && !permits(&policies, &refname, Permission::ForcePush) {
        decision.refusal = Some("not a fast-forward, and the rule has no allow_force_push".into());
        return Ok(());
    }
    let Some(commit) = commit else {
        return not_a_commit(walker, current, decision, new_kind, target_kind);
    };
    let hidden: Vec<ObjectId> = old_commit.into_iter().collect();
    walker.judge_push(commit, &hidden, &refname, current, &mut |report, new| {
        if new {
            decision.new_commits += 1;
        } else {
            decision.known_commits += 1;
        }
        if !report.ok() {
            decision.failures.push(report);
        }
    })?;
    if new_kind == Kind::Tag {
        let report = judge_tag(walker, current, new, &refname, Some(commit))?;
        decision.tag = Some(report);
    } else if refname.starts_with("refs/tags/") {
        // A lightweight tag carries no signature of its own: it cannot satisfy a tags
        // list, whether the current policies or the tagged commit's have one.
        let tree = walker.reader().commit(commit)?.tree;
        let mut all = policies;
        if let Ok(policy) = walker.judge.policy_at(tree)? {
            all.push(policy);
        }
        if any_rule(&all, &refname, |rule| rule.tags.is_some()) {
            decision.refusal = Some(
                "the rule has a tags list, so the ref must point to a signed annotated tag".into(),
            );
        }
    }
    if new_kind != Kind::Tag
        && decision.refusal.is_none()
        && decision.new_commits + decision.known_commits == 0
        && let Some(anchor) = walker.judge.anchor
        && walker.judge.known(commit)?.is_none()
    {
        // Nothing was judged, and the commit is not on an authenticated path: it is the
        // anchor's history, which no policy ever judged (only a signed tag, judged above,
        // can stand for it).
        decision.refusal = Some(format!(
            "it would point to {}, which does not descend from the anchor {}: history before the anchor is judged by no policy",
            super::short(&commit),
            super::short(&anchor)
        ));
    }
    Ok(())
}

/// A ref to a tree or a blob (directly, or through tags): nothing in it is a commit to
/// judge. Only a signed tag can stand for it, and not under a rule that says who signs
/// commits.
fn not_a_commit(
    walker: &mut Walker<'_>,
    current: &Current,
    decision: &mut Decision,
    new_kind: Kind,
    target_kind: Kind,
) -> Result<(), VerifyError> {
    let refname = decision.written.clone();
    let target = target_kind.to_string();
    if new_kind != Kind::Tag {
        decision.refusal = Some(format!(
            "it would point to a {target}, not to a commit or a signed tag"
        ));
        return Ok(());
    }
    let policies = policies(walker, current);
    if let Some(rule) = policies.iter().find_map(|policy| {
        policy
            .rule_for(&refname)
            .filter(|rule| rule.commits.is_some() || rule.merges.is_some())
    }) {
        decision.refusal = Some(format!(
            "the tag points to a {target}, not to a commit, and rule {} says who signs commits",
            rule.name()
        ));
        return Ok(());
    }
    let report = judge_tag(walker, current, decision.update.new, &refname, None)?;
    decision.tag = Some(report);
    Ok(())
}

/// Why a push to `refs/replace/<replaced>` is refused. gitseal reads objects as stored,
/// but git does not: on the server (`git log`, `git archive`, web views reading through
/// git) and in every mirror clone, which copies `refs/replace/*`, the replacement shows in
/// the replaced object's place, under its id, judged by no rule of the refs holding it.
fn replace_refusal(replaced: &str) -> String {
    let shown = if replaced.len() > 12 && replaced.bytes().all(|b| b.is_ascii_hexdigit()) {
        &replaced[..12]
    } else {
        replaced
    };
    format!(
        "a replace ref makes git show another object in place of {shown} (git log and git archive on the server, mirror clones), judged by no rule of the refs that hold it; replace refs are kept local (git replace), not pushed"
    )
}

/// Judges a tag object, and that its name is the ref's.
fn judge_tag(
    walker: &mut Walker<'_>,
    current: &Current,
    tag: ObjectId,
    refname: &str,
    tagged: Option<ObjectId>,
) -> Result<CommitReport, VerifyError> {
    let mut report = walker.judge_tag(tag, refname, tagged, &current.policies)?;
    if let Some(name) = refname.strip_prefix("refs/tags/") {
        let (_, raw) = walker.reader().object(tag)?;
        let reason = match tag_name(&raw) {
            Some(carried) if carried == name.as_bytes() => None,
            Some(carried) => Some(format!(
                "the tag object is named `{}`, not `{}`: a tag is published under its own name",
                String::from_utf8_lossy(carried).escape_debug(),
                name.escape_debug()
            )),
            None => Some("the tag object carries no single `tag` name".to_string()),
        };
        report.finding.reasons.extend(reason);
    }
    Ok(report)
}

/// The `tag` header of a tag object, if it has exactly one.
fn tag_name(raw: &[u8]) -> Option<&[u8]> {
    let mut names = raw
        .split(|b| *b == b'\n')
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.strip_prefix(b"tag "));
    let name = names.next()?;
    names.next().is_none().then_some(name)
}

/// The policies a ref update's permissions come from: `--policy FILE`, or the server's
/// current policies (all readable: `decide_one` refuses the update otherwise).
fn policies(walker: &Walker<'_>, current: &Current) -> Vec<std::rc::Rc<Policy>> {
    if let Some(policy) = &walker.judge.fixed_policy {
        return vec![policy.clone()];
    }
    current
        .policies
        .iter()
        .filter_map(|at| at.policy.as_ref().ok().cloned())
        .collect()
}

/// Whether every policy's rule for `refname` grants `permission` (a ref no rule matches
/// may not be deleted or rewound).
fn permits(policies: &[std::rc::Rc<Policy>], refname: &str, permission: Permission) -> bool {
    !policies.is_empty()
        && policies.iter().all(|policy| {
            policy
                .rule_for(refname)
                .is_some_and(|rule| match permission {
                    Permission::Delete => rule.allow_delete,
                    Permission::ForcePush => rule.allow_force_push,
                })
        })
}

fn any_rule(policies: &[std::rc::Rc<Policy>], refname: &str, test: impl Fn(&Rule) -> bool) -> bool {
    policies
        .iter()
        .any(|policy| policy.rule_for(refname).is_some_and(&test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_name_is_its_one_tag_header() {
        let tag = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1.0\n\
tagger T <t@x> 1700000000 +0000\n\ntag v9.0 in the message\n";
        assert_eq!(tag_name(tag), Some(b"v1.0".as_slice()));
        let doubled = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1.0\n\
tag v9.0\n\nmessage\n";
        assert_eq!(tag_name(doubled), None);
        assert_eq!(tag_name(b"object x\ntype commit\n\ntag v1\n"), None);
    }
}
