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
mod judge;

use crate::git::{GitError, Range, Repo, signed};
use crate::policy::{Finding, ObjectKind, Policy, Subject};
use crate::signature::Verdict;
use cache::VerdictCache;
pub use check::KEYS_DIR;
use check::KeyringCache;
use gix::hash::ObjectId;
use judge::{Judge, Judging, NodeState};
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
    /// judged every time, by the ref's rule and, in pre-receive, also at `now`.
    pub fn judge_range(
        &mut self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        refname: Option<&str>,
        sink: &mut dyn FnMut(CommitReport),
    ) -> Result<(), VerifyError> {
        let mut hidden_all = hidden.to_vec();
        hidden_all.extend(self.judge.anchor);
        let requested = self.judge.reader.walk(tips, &hidden_all)?;
        if let Some(anchor) = self.judge.anchor
            && !hidden.is_empty()
        {
            let path = self.judge.path_to(tips, anchor, &requested)?;
            self.judge_commits(&path, None, None, &[], None)?;
        }
        // Revocations in the policies at the range's ends apply to every requested commit.
        let revocations = if requested.is_empty() {
            Vec::new()
        } else {
            let ends: Vec<ObjectId> = tips.iter().chain(hidden).copied().collect();
            self.judge.end_policies(&ends)?
        };
        self.judge_commits(&requested, refname, self.now, &revocations, Some(sink))
    }

    /// Checks and judges the commits of `range` chunk by chunk. With a sink, each report
    /// goes to it; without one (a path), each commit is remembered for later ranges.
    fn judge_commits(
        &mut self,
        range: &Range,
        refname: Option<&str>,
        now: Option<i64>,
        revocations: &[Rc<Policy>],
        mut sink: Option<&mut dyn FnMut(CommitReport)>,
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
                let dir = judge.dir(checked.gitseal_dir)?;
                let of = Judging {
                    range,
                    states: &states,
                    refname,
                    now,
                };
                let finding = judge.judge_commit(&of, at, &checked.verdict, dir)?;
                states[at] = NodeState::new(finding.reasons.is_empty(), dir);
                match sink.as_mut() {
                    Some(sink) => {
                        let mut report = CommitReport {
                            id: range.id(at),
                            refname: refname.map(str::to_string),
                            verdict: checked.verdict,
                            finding,
                        };
                        judge::revoke(revocations, &mut report, now);
                        sink(report);
                    }
                    None => judge.remember(range.id(at), states[at]),
                }
            }
            // From this thread only, between report lines, never in the middle of one.
            if let Some(report) = progress.as_deref() {
                report(lo + count, total);
            }
            Ok(())
        })
    }

    /// Judges an annotated tag object pushed to `refname`: its own signature, by the policy
    /// of the commit it tags (which `judge_range` authenticates with the rest).
    pub fn judge_tag(&mut self, tag: ObjectId, refname: &str) -> Result<CommitReport, VerifyError> {
        let reader = &mut self.judge.reader;
        let (_, raw) = reader.object(tag)?;
        let tagger_time = signed::header_time(&raw, "tagger").unwrap_or(0);
        let commit = reader.peel_to_commit(tag)?;
        let tree = reader.commit(commit)?.tree;
        let verdict = match signed::split_tag(&raw) {
            Ok(Some(signed)) => {
                let mut keyrings = KeyringCache::default();
                check::object_verdict(reader, &mut keyrings, tag, &signed, tagger_time, |_| {
                    Ok(vec![tree])
                })?
            }
            Ok(None) => backends::unsigned(tagger_time),
            Err(e) => backends::malformed(tagger_time, &e.to_string()),
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
            None => match self.judge.policy_at(tree)? {
                Ok(policy) => policy.judge(&subject, &verdict),
                Err(message) => Finding {
                    reasons: vec![format!(
                        "policy of tagged commit {}: {message}",
                        short(&commit)
                    )],
                    ..Finding::default()
                },
            },
        };
        Ok(CommitReport {
            id: tag,
            refname: Some(refname.to_string()),
            verdict,
            finding,
        })
    }

    /// The policy governing updates of a ref now at `tip` (deletion, force push): the
    /// fixed policy, or the one in the tip's tree.
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
