//! Judging one commit by the policy of each parent, along authenticated paths from the
//! anchor (DESIGN section 6), and the policies that judging reads.

use super::current::CurrentPolicy;
use super::{CommitReport, POLICY_FILE, VerifyError, short};
use crate::git::{GitError, Parent, Range, Reader};
use crate::policy::{Finding, ObjectKind, Policy, Subject};
use crate::signature::Verdict;
use gix::hash::ObjectId;
use std::collections::HashMap;
use std::rc::Rc;

/// The policy file's name inside `.gitseal/`: policies are read from that directory's
/// tree, which judging already has, rather than from the root tree again.
const POLICY_NAME: &str = "policy.toml";
/// The OpenPGP certificates' directory inside `.gitseal/`.
const KEYS_NAME: &str = "keys";

/// A policy, or why there is none to judge by.
pub type Found = Result<Rc<Policy>, String>;

/// A `.gitseal` directory, by index in the judge's table of the distinct ones seen
/// (a history has one per policy change); 0 when a tree has none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dir(u32);

/// What is remembered of a judged commit: whether trust flows through it, and its
/// `.gitseal` directory, whose policy judges its children. 4 bytes, so that remembering
/// every commit of a long range or path costs little.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeState(u32);

const AUTHENTICATED: u32 = 1 << 31;

impl NodeState {
    pub fn new(authenticated: bool, dir: Dir) -> Self {
        Self(dir.0 | if authenticated { AUTHENTICATED } else { 0 })
    }

    pub fn authenticated(self) -> bool {
        self.0 & AUTHENTICATED != 0
    }

    pub fn dir(self) -> Dir {
        Dir(self.0 & !AUTHENTICATED)
    }
}

/// A range being judged, and for what.
#[derive(Clone, Copy)]
pub struct Judging<'a> {
    pub range: &'a Range,
    /// The range's commits judged so far (parents come first).
    pub states: &'a [NodeState],
    pub refname: Option<&'a str>,
}

/// What one commit is judged by besides its parents' policies.
#[derive(Clone, Copy, Default)]
pub struct Also<'a> {
    /// The commit must also be valid at this time (pre-receive: one new to the server).
    pub now: Option<i64>,
    /// Pre-receive: the server's current policies, which a push cannot roll back.
    pub current: Option<ByCurrent<'a>>,
}

/// A commit or tag judged by the server's current policies as well.
#[derive(Clone, Copy)]
pub struct ByCurrent<'a> {
    pub policies: &'a [CurrentPolicy],
    /// In full (an object new to the server: known signer, validity, revocation, rule), or
    /// only where the ref's rule lists who may sign this kind of object (history already
    /// on the server, which earlier policies admitted).
    pub in_full: bool,
    /// Not in full: whether each policy's tips leave the object out (its history, which
    /// the policy's own lineage judged, needs no second look; another's does).
    pub outside: &'a [bool],
    /// The object's verdict as each policy's own certificates see it (OpenPGP: its
    /// `.gitseal/keys`), where that can differ from the verdict judged by the object's
    /// own policies; empty: that verdict for all.
    pub verdicts: &'a [Verdict],
}

/// The judging state of one walker: policies, directories and the commits authenticated
/// so far (the paths from the anchor), kept between ranges.
pub struct Judge {
    pub reader: Reader,
    pub anchor: Option<ObjectId>,
    pub fixed_policy: Option<Rc<Policy>>,
    /// Parsed policies by blob id.
    policies: HashMap<ObjectId, Found>,
    /// `.gitseal` trees by `Dir` (index + 1), with their policy once read.
    dirs: Vec<(ObjectId, Option<Found>)>,
    dir_index: HashMap<ObjectId, u32>,
    /// Commits of the paths judged so far, which later ranges' commits may have as parents.
    nodes: gix::hashtable::HashMap<ObjectId, NodeState>,
    anchor_node: Option<NodeState>,
}

impl Judge {
    pub fn new(reader: Reader, anchor: Option<ObjectId>, fixed_policy: Option<Rc<Policy>>) -> Self {
        Self {
            reader,
            anchor,
            fixed_policy,
            policies: HashMap::new(),
            dirs: Vec::new(),
            dir_index: HashMap::new(),
            nodes: Default::default(),
            anchor_node: None,
        }
    }

    /// The `Dir` of a `.gitseal` tree id.
    pub fn dir(&mut self, tree: Option<ObjectId>) -> Result<Dir, VerifyError> {
        let Some(tree) = tree else {
            return Ok(Dir(0));
        };
        if let Some(&index) = self.dir_index.get(&tree) {
            return Ok(Dir(index + 1));
        }
        let index = u32::try_from(self.dirs.len())
            .ok()
            .filter(|i| i + 1 < AUTHENTICATED)
            .ok_or(GitError::TooManyCommits)?;
        self.dirs.push((tree, None));
        self.dir_index.insert(tree, index);
        Ok(Dir(index + 1))
    }

    /// Remembers a commit of a path, for the ranges after this one.
    pub fn remember(&mut self, id: ObjectId, state: NodeState) {
        self.nodes.insert(id, state);
    }

    /// The commits from the anchor to `tips` that are neither `requested` nor judged on an
    /// earlier path: the path that authenticates the requested commits' parents.
    pub fn path_to(
        &mut self,
        tips: &[ObjectId],
        anchor: ObjectId,
        requested: &Range,
    ) -> Result<Range, GitError> {
        let index = requested.index_by_id();
        let nodes = &self.nodes;
        self.reader.walk_where(tips, &[anchor], |id| {
            index.find(id).is_none() && !nodes.contains_key(id)
        })
    }

    /// Makes room to remember `more` commits at once (growing the map step by step would
    /// hold its old and new tables together at each step).
    pub fn reserve(&mut self, more: usize) {
        self.nodes.reserve(more);
    }

    /// Judges commit `at` of the range by the policy of each parent; `dir` is its own
    /// `.gitseal` directory.
    pub fn judge_commit(
        &mut self,
        of: &Judging<'_>,
        at: usize,
        verdict: &Verdict,
        dir: Dir,
        also: Also<'_>,
    ) -> Result<Finding, VerifyError> {
        let Judging {
            range,
            states,
            refname,
        } = *of;
        let now = also.now;
        let id = range.id(at).to_string();
        let parent_count = range.parent_count(at);
        let merge = parent_count > 1;
        let kind = if merge {
            ObjectKind::Merge
        } else {
            ObjectKind::Commit
        };
        let subject = |changes_policy| Subject {
            id: &id,
            refname,
            kind,
            changes_policy,
            now,
        };
        if let Some(policy) = self.fixed_policy.as_ref() {
            return Ok(policy.judge(&subject(false), verdict));
        }
        let mut combined = Finding::default();
        // The commit's own signature problem comes first, whatever its parents are.
        if let Err(failure) = &verdict.outcome {
            combined.reasons.push(failure.detail.clone());
        }
        if parent_count == 0 {
            combined
                .reasons
                .push("does not descend from the anchor".into());
        }
        // Whether the commit changes `.gitseal/` relative to any parent: for the current
        // policies, which are not any parent's.
        let mut changes_policy = false;
        for parent in range.parents(at) {
            let (parent_id, node) = match parent {
                Parent::Local(p) => (range.id(p), Some(states[p])),
                Parent::Outside(id) => (id, self.outside(id)?),
            };
            let short = short(&parent_id);
            let Some(node) = node else {
                combined
                    .reasons
                    .push(format!("parent {short} does not descend from the anchor"));
                continue;
            };
            if !node.authenticated() {
                combined
                    .reasons
                    .push(format!("parent {short} is not authenticated"));
                continue;
            }
            changes_policy |= dir != node.dir();
            let policy = match self.policy_of(node.dir())? {
                Ok(policy) => policy,
                Err(message) => {
                    combined
                        .reasons
                        .push(format!("policy of parent {short}: {message}"));
                    continue;
                }
            };
            let finding = policy.judge(&subject(dir != node.dir()), verdict);
            combined.principal = combined.principal.or(finding.principal);
            combined.rule = combined.rule.or(finding.rule);
            for reason in finding.reasons {
                let reason = if merge {
                    format!("by the policy of parent {short}: {reason}")
                } else {
                    reason
                };
                if !combined.reasons.contains(&reason) {
                    combined.reasons.push(reason);
                }
            }
        }
        if let Some(current) = also.current {
            by_current(current, &subject(changes_policy), verdict, &mut combined);
        }
        // A policy change must leave a policy that can judge: one that does not parse (or
        // names revocations that can never match) would fail every child, and no commit
        // could mend it, since the broken policy would judge that one too.
        if changes_policy && let Err(message) = self.policy_of(dir)? {
            combined.reasons.push(format!(
                "changes .gitseal/ to a policy that cannot judge: {message}"
            ));
        }
        Ok(combined)
    }

    /// The state of a commit judged on an earlier path, or of the anchor.
    pub fn known(&mut self, id: ObjectId) -> Result<Option<NodeState>, VerifyError> {
        self.outside(id)
    }

    /// The `.gitseal` directory of a commit: remembered from its path, or read.
    pub fn commit_dir(&mut self, id: ObjectId) -> Result<Dir, VerifyError> {
        if let Some(node) = self.known(id)? {
            return Ok(node.dir());
        }
        let tree = self.reader.commit(id)?.tree;
        let dir = self.reader.lookup_path(tree, super::POLICY_DIR)?;
        self.dir(dir)
    }

    /// The policy of a `.gitseal` directory (see [`Judge::policy_of`]).
    pub fn policy_in(&mut self, dir: Dir) -> Result<Found, GitError> {
        self.policy_of(dir)
    }

    /// A parent outside the range: one of an earlier path, or the anchor (trusted).
    fn outside(&mut self, id: ObjectId) -> Result<Option<NodeState>, VerifyError> {
        if let Some(node) = self.nodes.get(&id) {
            return Ok(Some(*node));
        }
        if Some(id) != self.anchor {
            return Ok(None);
        }
        if let Some(node) = self.anchor_node {
            return Ok(Some(node));
        }
        let tree = self.reader.commit(id)?.tree;
        let dir = self.reader.lookup_path(tree, super::POLICY_DIR)?;
        let node = NodeState::new(true, self.dir(dir)?);
        self.anchor_node = Some(node);
        Ok(Some(node))
    }

    /// The policy in a `.gitseal` directory, read once per directory (so commits that do
    /// not touch `.gitseal/` cost no object reads here).
    fn policy_of(&mut self, dir: Dir) -> Result<Found, GitError> {
        let Some((tree, found)) = (dir.0 as usize)
            .checked_sub(1)
            .and_then(|i| self.dirs.get(i))
        else {
            return Ok(Err(format!("no {POLICY_FILE}")));
        };
        if let Some(found) = found {
            return Ok(found.clone());
        }
        let tree = *tree;
        let found = match self.reader.read_path(tree, POLICY_NAME)? {
            Some((blob, bytes)) => self.parse(blob, &bytes),
            None => Err(format!("no {POLICY_FILE}")),
        };
        let found = match found {
            Ok(policy) if !policy.revoked.is_empty() => self.revocations_can_match(tree, policy)?,
            other => other,
        };
        if let Some(slot) = self.dirs.get_mut(dir.0 as usize - 1) {
            slot.1 = Some(found.clone());
        }
        Ok(found)
    }

    /// The policy, or why it is an error: a `[[revoked]]` entry naming a subkey of a
    /// certificate in the same `.gitseal/keys` could never match (verify::keys).
    fn revocations_can_match(
        &mut self,
        gitseal_tree: ObjectId,
        policy: Rc<Policy>,
    ) -> Result<Found, GitError> {
        let files = self.reader.read_dir(gitseal_tree, KEYS_NAME)?;
        Ok(
            match super::keys::unmatchable_revocations(&policy, &files).first() {
                Some(problem) => Err(problem.clone()),
                None => Ok(policy),
            },
        )
    }

    /// The policy in a commit's root tree.
    pub fn policy_at(&mut self, tree: ObjectId) -> Result<Found, GitError> {
        match self.reader.read_path(tree, POLICY_FILE)? {
            Some((blob, bytes)) => Ok(self.parse(blob, &bytes)),
            None => Ok(Err(format!("no {POLICY_FILE}"))),
        }
    }

    /// A policy blob, parsed once per blob.
    fn parse(&mut self, blob: ObjectId, bytes: &[u8]) -> Found {
        if let Some(parsed) = self.policies.get(&blob) {
            return parsed.clone();
        }
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => crate::policy::file::parse(text, POLICY_FILE)
                .map(Rc::new)
                .map_err(|e| e.to_string()),
            Err(_) => Err(format!("{POLICY_FILE} is not UTF-8")),
        };
        self.policies.insert(blob, parsed.clone());
        parsed
    }

    /// The policies at a range's ends (its tips, and what it is measured against, such as
    /// a ref's current tip), whose revocations apply to every commit of the range.
    pub fn end_policies(&mut self, ends: &[ObjectId]) -> Result<Vec<Rc<Policy>>, VerifyError> {
        let mut policies: Vec<Rc<Policy>> = Vec::new();
        if self.fixed_policy.is_some() {
            return Ok(policies);
        }
        for end in ends {
            let tree = self.reader.commit(*end)?.tree;
            if let Ok(policy) = self.policy_at(tree)?
                && !policies.iter().any(|p| Rc::ptr_eq(p, &policy))
            {
                policies.push(policy);
            }
        }
        Ok(policies)
    }
}

/// Judges an object by the server's current policies as well (`current`), adding their
/// reasons to `combined`: they can only refuse more. A reason one of the object's own
/// policies gave already is not repeated.
pub fn by_current(
    current: ByCurrent<'_>,
    subject: &Subject<'_>,
    verdict: &Verdict,
    combined: &mut Finding,
) {
    for (k, at) in current.policies.iter().enumerate() {
        if !current.in_full && !current.outside.get(k).copied().unwrap_or(true) {
            continue;
        }
        let verdict = current.verdicts.get(k).unwrap_or(verdict);
        let policy = match &at.policy {
            Ok(policy) => policy,
            Err(message) => {
                add_reason(
                    combined,
                    format!("current policy at {}: {message}", short(&at.commit)),
                );
                continue;
            }
        };
        let rule = subject.refname.and_then(|r| policy.rule_for(r));
        let listed = rule.is_some_and(|rule| match subject.kind {
            ObjectKind::Commit => rule.commits.is_some(),
            ObjectKind::Merge => rule.merges.is_some() || rule.commits.is_some(),
            ObjectKind::Tag => rule.tags.is_some(),
        });
        if !current.in_full && !listed {
            continue;
        }
        // The report's principal and rule stay those of the object's own policies.
        for reason in policy.judge(subject, verdict).reasons {
            let said = combined
                .reasons
                .iter()
                .any(|r| *r == reason || r.ends_with(&format!(": {reason}")));
            if !said {
                add_reason(
                    combined,
                    format!("by the current policy at {}: {reason}", short(&at.commit)),
                );
            }
        }
    }
}

fn add_reason(finding: &mut Finding, reason: String) {
    if !finding.reasons.contains(&reason) {
        finding.reasons.push(reason);
    }
}

/// Adds the revocations of the range's end policies to a report: they can only refuse
/// more, never accept what the parents' policies refused.
pub fn revoke(policies: &[Rc<Policy>], report: &mut CommitReport, now: Option<i64>) {
    if policies.is_empty() {
        return;
    }
    let id = report.id.to_string();
    let subject = Subject {
        id: &id,
        refname: report.refname.as_deref(),
        kind: ObjectKind::Commit,
        changes_policy: false,
        now,
    };
    for policy in policies {
        for reason in policy.revocation_reasons(&subject, &report.verdict) {
            if !report.finding.reasons.contains(&reason) {
                report.finding.reasons.push(reason);
            }
        }
    }
}
