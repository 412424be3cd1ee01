//! The range walker: which commits to judge, their signatures checked in parallel (or
//! taken from the cache), then each judged in order by its parents' policies along
//! authenticated paths from the anchor (DESIGN section 6).

pub mod backends;
pub mod cache;

use crate::git::{CommitInfo, GitError, Reader, Repo, signed};
use crate::policy::{Finding, ObjectKind, Policy, Subject};
use crate::signature::{Format, Verdict};
use cache::VerdictCache;
use gix::hash::ObjectId;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// A worker's result: the commit's index, its verdict and its `.gitseal` tree.
type Checked = (usize, Verdict, Option<ObjectId>);

/// What the walker keeps per commit it has judged: small, so memory stays flat-ish.
#[derive(Clone, Copy)]
struct Node {
    authenticated: bool,
    gitseal_dir: Option<ObjectId>,
    tree: ObjectId,
}

impl Node {
    fn new(info: &CommitInfo, finding: &Finding, gitseal_dir: Option<ObjectId>) -> Self {
        Self {
            authenticated: finding.reasons.is_empty(),
            gitseal_dir,
            tree: info.tree,
        }
    }
}

/// Judges ranges of one repository; keeps policies and results between ranges.
pub struct Walker<'r> {
    repo: &'r Repo,
    reader: Reader,
    options: Options,
    cache: VerdictCache,
    policies: HashMap<ObjectId, Result<Rc<Policy>, String>>,
    policies_by_dir: HashMap<ObjectId, Result<Rc<Policy>, String>>,
    nodes: HashMap<ObjectId, Node>,
}

impl<'r> Walker<'r> {
    pub fn new(repo: &'r Repo, options: Options, cache: VerdictCache) -> Result<Self, VerifyError> {
        if options.anchor.is_none() && options.fixed_policy.is_none() {
            return Err(VerifyError::NoAnchor);
        }
        Ok(Self {
            reader: repo.reader()?,
            repo,
            options,
            cache,
            policies: HashMap::new(),
            policies_by_dir: HashMap::new(),
            nodes: HashMap::new(),
        })
    }

    /// The reader, for callers that need to resolve revisions.
    pub fn reader(&mut self) -> &mut Reader {
        &mut self.reader
    }

    /// Judges the commits reachable from `tips` but not from `hidden` (nor from the anchor),
    /// for `refname`, oldest first.
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
    ) -> Result<Vec<CommitReport>, VerifyError> {
        let mut hidden_all = hidden.to_vec();
        hidden_all.extend(self.options.anchor);
        let requested = self.reader.walk(tips, &hidden_all)?;
        let requested_ids: HashSet<ObjectId> = requested.iter().map(|c| c.id).collect();
        let path: Vec<CommitInfo> = match self.options.anchor {
            Some(anchor) if !hidden.is_empty() => self
                .reader
                .walk(tips, &[anchor])?
                .into_iter()
                .filter(|c| !requested_ids.contains(&c.id) && !self.nodes.contains_key(&c.id))
                .collect(),
            _ => Vec::new(),
        };
        let no_local = HashMap::new();
        let path_checked = self.check_signatures(&path)?;
        for (info, (verdict, gitseal_dir)) in path.iter().zip(path_checked) {
            let finding = self.judge_commit(info, &verdict, gitseal_dir, None, None, &no_local)?;
            self.nodes
                .insert(info.id, Node::new(info, &finding, gitseal_dir));
        }

        let checked = self.check_signatures(&requested)?;
        let now = self.options.now;
        let mut local = HashMap::new();
        let mut reports = Vec::with_capacity(requested.len());
        for (info, (verdict, gitseal_dir)) in requested.iter().zip(checked) {
            let finding = self.judge_commit(info, &verdict, gitseal_dir, refname, now, &local)?;
            local.insert(info.id, Node::new(info, &finding, gitseal_dir));
            reports.push(CommitReport {
                id: info.id,
                refname: refname.map(str::to_string),
                verdict,
                finding,
            });
        }
        self.apply_tip_revocations(tips, hidden, &mut reports)?;
        let _ = self.cache.save();
        Ok(reports)
    }

    /// Revocations in the policies at the range's ends (its tips, and what it is measured
    /// against, such as a ref's current tip) apply to every requested commit: they can only
    /// refuse more, never accept what the parents' policies refused.
    fn apply_tip_revocations(
        &mut self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        reports: &mut [CommitReport],
    ) -> Result<(), VerifyError> {
        if self.options.fixed_policy.is_some() || reports.is_empty() {
            return Ok(());
        }
        let mut policies: Vec<Rc<Policy>> = Vec::new();
        for end in tips.iter().chain(hidden) {
            let tree = self.reader.commit(*end)?.tree;
            if let Ok(policy) = self.policy_at(tree)?
                && !policies.iter().any(|p| Rc::ptr_eq(p, &policy))
            {
                policies.push(policy);
            }
        }
        for report in reports.iter_mut() {
            let id = report.id.to_string();
            let subject = Subject {
                id: &id,
                refname: report.refname.as_deref(),
                kind: ObjectKind::Commit,
                changes_policy: false,
                now: self.options.now,
            };
            for policy in &policies {
                for reason in policy.revocation_reasons(&subject, &report.verdict) {
                    if !report.finding.reasons.contains(&reason) {
                        report.finding.reasons.push(reason);
                    }
                }
            }
        }
        Ok(())
    }

    /// Each commit's signature verdict and `.gitseal` tree id, in parallel on all cores.
    fn check_signatures(
        &mut self,
        commits: &[CommitInfo],
    ) -> Result<Vec<(Verdict, Option<ObjectId>)>, VerifyError> {
        let jobs = self.options.jobs.max(1).min(commits.len().max(1));
        let done = AtomicUsize::new(0);
        let cache = &self.cache;
        let repo = self.repo;
        let progress = self.options.progress.as_deref();
        let results: Vec<Result<Vec<Checked>, GitError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..jobs)
                .map(|worker| {
                    let done = &done;
                    scope.spawn(
                        move || -> Result<Vec<(usize, Verdict, Option<ObjectId>)>, GitError> {
                            let mut reader = repo.reader()?;
                            let mut keyrings = KeyringCache::default();
                            let mut out = Vec::new();
                            // A contiguous block per worker, newest first: git stores commits
                            // and trees as deltas against newer objects, so neighbours share
                            // delta bases and each is inflated about once.
                            let block = commits.len().div_ceil(jobs);
                            let start = (worker * block).min(commits.len());
                            let end = (start + block).min(commits.len());
                            for (index, info) in
                                commits.iter().enumerate().take(end).skip(start).rev()
                            {
                                let verdict = match cache.get(&info.id) {
                                    Some(verdict) => verdict.clone(),
                                    None => signature_verdict(&mut reader, info, &mut keyrings)?,
                                };
                                let gitseal_dir = reader.lookup_path(info.tree, POLICY_DIR)?;
                                out.push((index, verdict, gitseal_dir));
                                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                                if let Some(report) = progress
                                    && (n.is_multiple_of(256) || n == commits.len())
                                {
                                    report(n, commits.len());
                                }
                            }
                            Ok(out)
                        },
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(GitError::Open("a verification thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut slots: Vec<Option<(Verdict, Option<ObjectId>)>> = vec![None; commits.len()];
        for result in results {
            for (index, verdict, dir) in result? {
                if backends::cacheable(&verdict) && self.cache.get(&commits[index].id).is_none() {
                    self.cache.insert(commits[index].id, verdict.clone());
                }
                slots[index] = Some((verdict, dir));
            }
        }
        Ok(slots.into_iter().flatten().collect())
    }

    /// Judges one commit by the policy of each parent.
    fn judge_commit(
        &mut self,
        info: &CommitInfo,
        verdict: &Verdict,
        gitseal_dir: Option<ObjectId>,
        refname: Option<&str>,
        now: Option<i64>,
        local: &HashMap<ObjectId, Node>,
    ) -> Result<Finding, VerifyError> {
        let id = info.id.to_string();
        let kind = if info.parents.len() > 1 {
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
        if let Some(policy) = self.options.fixed_policy.as_ref() {
            return Ok(policy.judge(&subject(false), verdict));
        }
        let anchor = self.options.anchor;
        let mut combined = Finding::default();
        // The commit's own signature problem comes first, whatever its parents are.
        if let Err(failure) = &verdict.outcome {
            combined.reasons.push(failure.detail.clone());
        }
        if info.parents.is_empty() {
            combined
                .reasons
                .push("does not descend from the anchor".into());
        }
        let merge = info.parents.len() > 1;
        for parent in &info.parents {
            let short = short(parent);
            let (parent_ok, parent_tree, parent_dir) =
                match local.get(parent).or_else(|| self.nodes.get(parent)) {
                    Some(node) => (node.authenticated, node.tree, node.gitseal_dir),
                    None if Some(*parent) == anchor => {
                        let tree = self.reader.commit(*parent)?.tree;
                        let dir = self.reader.lookup_path(tree, POLICY_DIR)?;
                        (true, tree, dir)
                    }
                    None => {
                        combined
                            .reasons
                            .push(format!("parent {short} does not descend from the anchor"));
                        continue;
                    }
                };
            if !parent_ok {
                combined
                    .reasons
                    .push(format!("parent {short} is not authenticated"));
                continue;
            }
            let policy = match self.policy_for_dir(parent_tree, parent_dir)? {
                Ok(policy) => policy,
                Err(message) => {
                    combined
                        .reasons
                        .push(format!("policy of parent {short}: {message}"));
                    continue;
                }
            };
            let finding = policy.judge(&subject(gitseal_dir != parent_dir), verdict);
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
        Ok(combined)
    }

    /// Judges an annotated tag object pushed to `refname`: its own signature, by the policy
    /// of the commit it tags (which `judge_range` authenticates with the rest).
    pub fn judge_tag(&mut self, tag: ObjectId, refname: &str) -> Result<CommitReport, VerifyError> {
        let (_, raw) = self.reader.object(tag)?;
        let tagger_time = signed::header_time(&raw, "tagger").unwrap_or(0);
        let commit = self.reader.peel_to_commit(tag)?;
        let tree = self.reader.commit(commit)?.tree;
        let verdict = match signed::split_tag(&raw) {
            Some(signed) => {
                let mut keyrings = KeyringCache::default();
                object_verdict(
                    &mut self.reader,
                    &mut keyrings,
                    &signed,
                    tagger_time,
                    &[tree],
                )?
            }
            None => backends::unsigned(tagger_time),
        };
        let id = tag.to_string();
        let subject = Subject {
            id: &id,
            refname: Some(refname),
            kind: ObjectKind::Tag,
            changes_policy: false,
            now: self.options.now,
        };
        let finding = match self.options.fixed_policy.clone() {
            Some(policy) => policy.judge(&subject, &verdict),
            None => match self.policy_at(tree)? {
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
        if let Some(policy) = &self.options.fixed_policy {
            return Ok(Ok(policy.clone()));
        }
        let commit = self.reader.peel_to_commit(tip)?;
        let tree = self.reader.commit(commit)?.tree;
        self.policy_at(tree)
    }

    /// The policy of a tree whose `.gitseal` directory is `dir`: parsed once per directory
    /// (so commits that do not touch `.gitseal/` cost no object reads here).
    fn policy_for_dir(
        &mut self,
        tree: ObjectId,
        dir: Option<ObjectId>,
    ) -> Result<Result<Rc<Policy>, String>, GitError> {
        let Some(dir) = dir else {
            return Ok(Err(format!("no {POLICY_FILE}")));
        };
        if let Some(found) = self.policies_by_dir.get(&dir) {
            return Ok(found.clone());
        }
        let found = self.policy_at(tree)?;
        self.policies_by_dir.insert(dir, found.clone());
        Ok(found)
    }

    /// The policy in a tree, parsed once per blob.
    fn policy_at(&mut self, tree: ObjectId) -> Result<Result<Rc<Policy>, String>, GitError> {
        let Some((blob, bytes)) = self.reader.read_path(tree, POLICY_FILE)? else {
            return Ok(Err(format!("no {POLICY_FILE}")));
        };
        if let Some(parsed) = self.policies.get(&blob) {
            return Ok(parsed.clone());
        }
        let parsed = match std::str::from_utf8(&bytes) {
            Ok(text) => crate::policy::file::parse(text, POLICY_FILE)
                .map(Rc::new)
                .map_err(|e| e.to_string()),
            Err(_) => Err(format!("{POLICY_FILE} is not UTF-8")),
        };
        self.policies.insert(blob, parsed.clone());
        Ok(parsed)
    }
}

/// Where OpenPGP certificates live in a policy's tree.
pub const KEYS_DIR: &str = ".gitseal/keys";

/// OpenPGP keyrings built from `.gitseal/keys` directories, by the directories' tree ids
/// (one per worker thread: certificates are parsed once per distinct set of directories).
#[derive(Default)]
struct KeyringCache {
    built: HashMap<Vec<ObjectId>, crate::openpgp::keyring::Keyring>,
}

impl KeyringCache {
    /// The certificates in `.gitseal/keys/*.asc` of each of these trees.
    fn for_trees(
        &mut self,
        reader: &mut Reader,
        trees: &[ObjectId],
    ) -> Result<&crate::openpgp::keyring::Keyring, GitError> {
        let mut dirs = Vec::new();
        for tree in trees {
            if let Some(dir) = reader.lookup_path(*tree, KEYS_DIR)? {
                dirs.push((dir, *tree));
            }
        }
        let key: Vec<ObjectId> = dirs.iter().map(|(dir, _)| *dir).collect();
        if !self.built.contains_key(&key) {
            let mut keyring = crate::openpgp::keyring::Keyring::new();
            for (_, tree) in &dirs {
                for (name, data) in reader.read_dir(*tree, KEYS_DIR)? {
                    if [".asc", ".gpg", ".pgp"]
                        .iter()
                        .any(|ext| name.ends_with(ext))
                    {
                        // A damaged certificate file leaves its keys unknown: signatures by
                        // them then fail as by an unknown signer, with that reason.
                        let _ = keyring.add_configured(data);
                    }
                }
            }
            self.built.insert(key.clone(), keyring);
        }
        Ok(&self.built[&key])
    }
}

/// Asks the signature's room for a verdict; OpenPGP gets the certificates of `trees`.
fn object_verdict(
    reader: &mut Reader,
    keyrings: &mut KeyringCache,
    signed: &signed::Signed,
    time: i64,
    trees: &[ObjectId],
) -> Result<Verdict, GitError> {
    let openpgp = if Format::from_armor(&signed.signature) == Some(Format::OpenPgp) {
        Some(keyrings.for_trees(reader, trees)?)
    } else {
        None
    };
    let certs = backends::Certificates { openpgp };
    Ok(backends::verify(
        &signed.payload,
        &signed.signature,
        time,
        &certs,
    ))
}

/// Reads a commit and asks its signature's room for a verdict; OpenPGP certificates come
/// from the parents' trees, whose policies judge it.
fn signature_verdict(
    reader: &mut Reader,
    info: &CommitInfo,
    keyrings: &mut KeyringCache,
) -> Result<Verdict, GitError> {
    let raw = reader.commit_bytes(info.id)?;
    match signed::split_commit(&raw, reader.hash_kind()) {
        Ok(Some(signed)) => {
            let mut trees = Vec::with_capacity(info.parents.len());
            for parent in &info.parents {
                trees.push(reader.commit(*parent)?.tree);
            }
            object_verdict(reader, keyrings, &signed, info.committer_time, &trees)
        }
        Ok(None) => Ok(backends::unsigned(info.committer_time)),
        Err(e) => Ok(backends::malformed(info.committer_time, &e.to_string())),
    }
}

/// The 12-digit abbreviation people read in reasons.
pub fn short(id: &ObjectId) -> String {
    id.to_string()[..12].to_string()
}
