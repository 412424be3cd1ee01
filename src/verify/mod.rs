//! The range walker: which commits to judge, their signatures checked in parallel (or
//! taken from the cache), then each judged in order by its parents' policies along
//! authenticated paths from the anchor (DESIGN section 6).
//!
//! Memory does not grow with the range beyond a compact walk (about 45 bytes a commit)
//! and 52 bytes a commit of verdict state (a cached line's digest included): signatures are checked and judged in bounded
//! chunks, and each report goes to the caller's sink as soon as it is made.

pub mod backends;
pub mod cache;
mod check;
pub mod current;
mod judge;
pub mod keys;
pub mod push;

use crate::git::{GitError, IdIndex, Range, Repo, signed};
use crate::policy::{Finding, ObjectKind, Policy, Subject};
use crate::signature::Verdict;
use cache::VerdictCache;
pub use check::KEYS_DIR;
use check::KeyringCache;
use current::CurrentPolicy;
use gix::hash::ObjectId;
use judge::{Also, ByCurrent, Judge, Judging, NodeState};
use std::rc::Rc;

/// The directory whose changes need a `policy_changes` signer, and the policy file in it.
pub const POLICY_DIR: &str = ".gitseal";
pub const POLICY_FILE: &str = ".gitseal/policy.toml";

/// How to judge.
pub struct Options {
    /// The commit trust flows from; required unless `fixed_policy` is given.
    pub anchor: Option<ObjectId>,
    /// `--policy FILE`: judge every commit by this one policy.
    pub fixed_policy: Option<Rc<Policy>>,
    /// Pre-receive: new commits must also be valid at this time.
    pub now: Option<i64>,
    /// Worker threads for signature checks.
    pub jobs: usize,
    /// Called with (done, total) while signatures are checked.
    pub progress: Option<Box<dyn Fn(usize, usize) + Sync>>,
}

/// One judged commit.
#[derive(Clone, Debug)]
pub struct CommitReport {
    pub id: ObjectId,
    pub refname: Option<String>,
    pub verdict: Verdict,
    pub finding: Finding,
}

impl CommitReport {
    pub fn ok(&self) -> bool {
        self.finding.reasons.is_empty()
    }
}

/// Why verification could not run at all (as opposed to commits failing it).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(
        "no anchor: give --anchor COMMIT, set gitseal.anchor, or judge by one file with --policy FILE"
    )]
    NoAnchor,
}

/// What the commits of a range are judged for.
struct Scope<'a> {
    refname: Option<&'a str>,
    /// Outside a push: every commit must also be valid at this time.
    now: Option<i64>,
    /// Policies whose revocations apply to every commit of the range.
    revocations: &'a [Rc<Policy>],
    /// Pre-receive: what the server holds already.
    push: Option<Push<'a>>,
}

/// A pushed range, against what the server holds already.
struct Push<'a> {
    now: Option<i64>,
    /// The commits no ref of the server reaches.
    new: IdIndex<'a>,
    /// For each current policy, the commits none of its tips reaches: history that came
    /// to be under another policy's lineage (or none), which this one has not judged.
    off_current: Vec<IdIndex<'a>>,
    current: &'a [CurrentPolicy],
}

impl Push<'_> {
    /// Whether a commit is new to the server, and what it is judged by besides its
    /// parents' policies; `outside` is filled with whether each current policy's tips
    /// leave the commit out.
    fn also<'s>(&'s self, id: &ObjectId, outside: &'s mut Vec<bool>) -> (bool, Also<'s>) {
        let new = self.new.find(id).is_some();
        outside.clear();
        outside.extend(self.off_current.iter().map(|off| off.find(id).is_some()));
        let outside: &'s [bool] = outside;
        let current = (new || outside.contains(&true)).then_some(ByCurrent {
            policies: self.current,
            in_full: new,
            outside,
            verdicts: &[],
        });
        let now = if new { self.now } else { None };
        (new, Also { now, current })
    }
}

/// Judges ranges of one repository; keeps policies and authenticated paths between ranges.
pub struct Walker<'r> {
    repo: &'r Repo,
    now: Option<i64>,
    jobs: usize,
    progress: Option<Box<dyn Fn(usize, usize) + Sync>>,
    cache: VerdictCache,
    judge: Judge,
}

impl<'r> Walker<'r> {
    pub fn new(repo: &'r Repo, options: Options, cache: VerdictCache) -> Result<Self, VerifyError> {
        if options.anchor.is_none() && options.fixed_policy.is_none() {
            return Err(VerifyError::NoAnchor);
        }
        Ok(Self {
            judge: Judge::new(repo.reader()?, options.anchor, options.fixed_policy),
            repo,
            now: options.now,
            jobs: options.jobs,
            progress: options.progress,
            cache,
        })
    }

    /// The reader, for callers that need to resolve revisions.
    pub fn reader(&mut self) -> &mut crate::git::Reader {
        &mut self.judge.reader
    }

    /// Judges the commits reachable from `tips` but not from `hidden` (nor from the anchor),
    /// for `refname`, oldest first, giving each report to `sink` as soon as it is made.
    ///
    /// The path from the anchor to them is authenticated too, since their parents'
    /// policies must be trusted: those commits are judged once, by no ref's rule (any
    /// principal of the parent's policy, policy changes by its policy_changes signers) and
    /// at their own time only, and remembered for later ranges. The requested commits are
    /// judged every time, by the ref's rule (and also at `now` when the options give one).
    pub fn judge_range(
        &mut self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        refname: Option<&str>,
        sink: &mut dyn FnMut(CommitReport),
    ) -> Result<(), VerifyError> {
        let requested = self.requested(tips, hidden)?;
        // Revocations in the policies at the range's ends apply to every requested commit.
        let revocations = if requested.is_empty() {
            Vec::new()
        } else {
            let ends: Vec<ObjectId> = tips.iter().chain(hidden).copied().collect();
            self.judge.end_policies(&ends)?
        };
        let scope = Scope {
            refname,
            now: self.now,
            revocations: &revocations,
            push: None,
        };
        self.judge_commits(&requested, &scope, Some(&mut |report, _| sink(report)))
    }

    /// Judges what a push makes `refname` point to: the commits reachable from `tip` but
    /// not from `hidden` (nor from the anchor), for `refname`, giving each report to `sink`
    /// with whether the commit is new to the server.
    ///
    /// Commits new to the server must also be valid now and satisfy the server's current
    /// policy in full; commits the server holds already but that the policy ref does not
    /// reach must satisfy the current policy's rule for the ref. Revocations of the current policies apply to all.
    pub fn judge_push(
        &mut self,
        tip: ObjectId,
        hidden: &[ObjectId],
        refname: &str,
        current: &current::Current,
        sink: &mut dyn FnMut(CommitReport, bool),
    ) -> Result<(), VerifyError> {
        let requested = self.requested(&[tip], hidden)?;
        if requested.is_empty() {
            return Ok(());
        }
        let with_anchor = |tips: &[ObjectId]| -> Vec<ObjectId> {
            tips.iter().copied().chain(self.judge.anchor).collect()
        };
        let new = self
            .judge
            .reader
            .walk(&[tip], &with_anchor(&current.server_tips))?;
        let mut off_current = Vec::with_capacity(current.policies.len());
        for at in &current.policies {
            off_current.push(self.judge.reader.walk(&[tip], &with_anchor(&at.tips))?);
        }
        let ends: Vec<ObjectId> = std::iter::once(tip).chain(hidden.iter().copied()).collect();
        let mut revocations = self.judge.end_policies(&ends)?;
        for at in &current.policies {
            if let Ok(policy) = &at.policy
                && !revocations.iter().any(|p| Rc::ptr_eq(p, policy))
            {
                revocations.push(policy.clone());
            }
        }
        let scope = Scope {
            refname: Some(refname),
            now: None,
            revocations: &revocations,
            push: Some(Push {
                now: self.now,
                new: new.index_by_id(),
                off_current: off_current.iter().map(Range::index_by_id).collect(),
                current: &current.policies,
            }),
        };
        self.judge_commits(&requested, &scope, Some(sink))
    }

    /// The commits reachable from `tips` but not from `hidden` nor the anchor, after
    /// authenticating the path from the anchor to them (judged once, by no ref's rule: any
    /// principal of the parent's policy, policy changes by its policy_changes signers, at
    /// their own time only; remembered for later ranges).
    fn requested(&mut self, tips: &[ObjectId], hidden: &[ObjectId]) -> Result<Range, VerifyError> {
        let mut hidden_all = hidden.to_vec();
        hidden_all.extend(self.judge.anchor);
        let requested = self.judge.reader.walk(tips, &hidden_all)?;
        if let Some(anchor) = self.judge.anchor
            && !hidden.is_empty()
        {
            let path = self.judge.path_to(tips, anchor, &requested)?;
            self.remember_path(&path)?;
        }
        Ok(requested)
    }

    /// Judges the commits of a path from the anchor and remembers them for later ranges.
    fn remember_path(&mut self, path: &Range) -> Result<(), VerifyError> {
        let scope = Scope {
            refname: None,
            now: None,
            revocations: &[],
            push: None,
        };
        self.judge_commits(path, &scope, None)
    }

    /// Checks and judges the commits of `range` chunk by chunk. With a sink, each report
    /// goes to it (with whether the commit is new to the server); without one (a path),
    /// each commit is remembered for later ranges.
    fn judge_commits(
        &mut self,
        range: &Range,
        scope: &Scope<'_>,
        mut sink: Option<&mut dyn FnMut(CommitReport, bool)>,
    ) -> Result<(), VerifyError> {
        let known = self.cache.lookup(range);
        let mut states = vec![NodeState::default(); range.len()];
        if sink.is_none() {
            self.judge.reserve(range.len());
        }
        let Self {
            repo,
            jobs,
            progress,
            cache,
            judge,
            ..
        } = self;
        let total = range.len();
        let mut outside = Vec::new();
        let mut keyrings = KeyringCache::default();
        check::run(repo, range, &known, *jobs, |lo, checked| {
            // Only what was checked now; `append` writes only cacheable verdicts.
            let fresh = checked
                .iter()
                .enumerate()
                .filter_map(|(k, c)| Some((range.id(lo + k), c.cache_key?, &c.verdict)));
            // A cache that cannot be written only costs the next run time.
            let _ = cache.append(fresh);
            let count = checked.len();
            for (k, checked) in checked.into_iter().enumerate() {
                let at = lo + k;
                let id = range.id(at);
                let dir = judge.dir(checked.gitseal_dir)?;
                let of = Judging {
                    range,
                    states: &states,
                    refname: scope.refname,
                };
                let (new, also) = match &scope.push {
                    // Outside a push there is no server to be new to.
                    None => (
                        true,
                        Also {
                            now: scope.now,
                            current: None,
                        },
                    ),
                    Some(push) => push.also(&id, &mut outside),
                };
                // An object new to the server meets each current policy with that policy's
                // certificates, not only those of the parents the pusher picked.
                let by_keys = match also.current {
                    Some(by) if by.in_full => {
                        check::commit_by_keys_of(&mut judge.reader, &mut keyrings, id, by.policies)?
                    }
                    _ => Vec::new(),
                };
                let also = Also {
                    current: also.current.map(|by| ByCurrent {
                        verdicts: &by_keys,
                        ..by
                    }),
                    ..also
                };
                let finding = judge.judge_commit(&of, at, &checked.verdict, dir, also)?;
                states[at] = NodeState::new(finding.reasons.is_empty(), dir);
                match sink.as_mut() {
                    Some(sink) => {
                        let mut report = CommitReport {
                            id,
                            refname: scope.refname.map(str::to_string),
                            verdict: checked.verdict,
                            finding,
                        };
                        judge::revoke(scope.revocations, &mut report, also.now);
                        sink(report, new);
                    }
                    None => judge.remember(id, states[at]),
                }
            }
            // From this thread only, between report lines, never in the middle of one.
            if let Some(report) = progress.as_deref() {
                report(lo + count, total);
            }
            Ok(())
        })
    }

    /// Judges an annotated tag object pushed to `refname`: its own signature, by the
    /// server's current policies in full and by the policy of the commit it tags (`tagged`,
    /// which `judge_push` authenticates), if that commit has one.
    pub fn judge_tag(
        &mut self,
        tag: ObjectId,
        refname: &str,
        tagged: Option<ObjectId>,
        current: &[CurrentPolicy],
    ) -> Result<CommitReport, VerifyError> {
        let reader = &mut self.judge.reader;
        let (_, raw) = reader.object(tag)?;
        let tagger_time = signed::header_time(&raw, "tagger").unwrap_or(0);
        let tagged_tree = match tagged {
            Some(commit) => Some(reader.commit(commit)?.tree),
            None => None,
        };
        // OpenPGP certificates: those beside the tagged commit's policy and the current ones.
        let mut trees: Vec<ObjectId> = tagged_tree.into_iter().collect();
        for at in current {
            let tree = reader.commit(at.commit)?.tree;
            if !trees.contains(&tree) {
                trees.push(tree);
            }
        }
        let mut keyrings = KeyringCache::default();
        let (verdict, by_keys) = match signed::split_tag(&raw) {
            Ok(Some(signed)) => {
                let verdict = check::object_verdict(
                    reader,
                    &mut keyrings,
                    tag,
                    &signed,
                    tagger_time,
                    |_| Ok(trees),
                )?;
                // The current policies judge with their own certificates alone: the tagged
                // commit, which the pusher picks, may be old enough to bind a key that the
                // current certificates revoke or no longer hold.
                let by_keys =
                    check::by_keys_of(reader, &mut keyrings, tag, &signed, tagger_time, current)?;
                (verdict, by_keys)
            }
            Ok(None) => (backends::unsigned(tagger_time), Vec::new()),
            Err(e) => (backends::malformed(tagger_time, &e.to_string()), Vec::new()),
        };
        let id = tag.to_string();
        let subject = Subject {
            id: &id,
            refname: Some(refname),
            kind: ObjectKind::Tag,
            changes_policy: false,
            now: self.now,
        };
        let finding = match self.judge.fixed_policy.clone() {
            Some(policy) => policy.judge(&subject, &verdict),
            None => {
                let mut finding = Finding::default();
                let mut judged = !current.is_empty();
                if let Some(tree) = tagged_tree {
                    // A commit without a policy leaves the tag to the current policies.
                    let dir = self.judge.reader.lookup_path(tree, POLICY_DIR)?;
                    if dir.is_some() {
                        judged = true;
                        let dir = self.judge.dir(dir)?;
                        match self.judge.policy_in(dir)? {
                            Ok(policy) => finding = policy.judge(&subject, &verdict),
                            Err(message) => finding.reasons.push(format!(
                                "policy of tagged commit {}: {message}",
                                short(&tagged.unwrap_or(tag))
                            )),
                        }
                    }
                }
                let current = ByCurrent {
                    policies: current,
                    in_full: true,
                    outside: &[],
                    verdicts: &by_keys,
                };
                judge::by_current(current, &subject, &verdict, &mut finding);
                if !judged {
                    finding
                        .reasons
                        .push("no policy to judge the tag by".to_string());
                }
                finding
            }
        };
        Ok(CommitReport {
            id: tag,
            refname: Some(refname.to_string()),
            verdict,
            finding,
        })
    }

    /// The policy in the tree of the commit `tip` names: the fixed policy, or the one in
    /// the tip's tree. Not what governs a ref update: that is the server's current policies
    /// (`current`), which a pusher cannot pick.
    pub fn policy_for_update(
        &mut self,
        tip: ObjectId,
    ) -> Result<Result<Rc<Policy>, String>, GitError> {
        if let Some(policy) = &self.judge.fixed_policy {
            return Ok(Ok(policy.clone()));
        }
        let commit = self.judge.reader.peel_to_commit(tip)?;
        let tree = self.judge.reader.commit(commit)?.tree;
        self.judge.policy_at(tree)
    }
}

/// The 12-digit abbreviation people read in reasons.
pub fn short(id: &ObjectId) -> String {
    id.to_string()[..12].to_string()
}
