//! `gitseal verify` (ranges, for CI) and `gitseal verify --pre-receive` (a server hook),
//! and `gitseal policy ...`.

use crate::cli::commands::{PolicyCommand, PolicySource, VerifyArgs};
use crate::error::{AppError, io_reason};
use crate::git::{GitError, Repo};
use crate::output::exit::Status;
use crate::output::report;
use crate::policy::{Credential, Policy, SignerRef, SigstoreIdentity, file};
use crate::verify::{CommitReport, Options, POLICY_FILE, VerifyError, Walker, cache::VerdictCache};
use gix::hash::ObjectId;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

impl From<GitError> for AppError {
    fn from(e: GitError) -> Self {
        AppError::operational(e.to_string())
    }
}

impl From<VerifyError> for AppError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::NoAnchor => AppError::usage("no anchor to verify from")
                .with_hint("pass --anchor COMMIT, set git config gitseal.anchor, or judge by one file with --policy FILE"),
            other => AppError::operational(other.to_string()),
        }
    }
}

/// Runs `gitseal verify`.
pub fn run(args: &VerifyArgs) -> Result<Status, AppError> {
    let quarantine = if args.pre_receive {
        std::env::var_os("GIT_QUARANTINE_PATH").map(PathBuf::from)
    } else {
        None
    };
    let repo = Repo::open(quarantine)?;
    let mut reader = repo.reader()?;
    let anchor = match args
        .anchor
        .clone()
        .or_else(|| reader.config_string("gitseal.anchor"))
    {
        Some(spec) => Some(reader.anchor(&spec).map_err(anchor_error)?),
        None => None,
    };
    let fixed_policy = match &args.policy {
        Some(path) => Some(std::rc::Rc::new(read_policy_file(path)?)),
        None => None,
    };
    let cache = if args.no_cache {
        VerdictCache::disabled()
    } else {
        VerdictCache::open(&repo.common_dir())
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Text and GitHub lines on a terminal are written as they come and would be mixed up
    // with a progress line there; JSON is written at the end.
    let stdout_terminal = std::io::stdout().is_terminal();
    let show_progress = !args.pre_receive
        && std::io::stderr().is_terminal()
        && (!stdout_terminal || args.format == report::ReportFormat::Json);
    let options = Options {
        anchor,
        fixed_policy,
        now: args.pre_receive.then(|| chrono::Utc::now().timestamp()),
        jobs,
        progress: show_progress.then(|| {
            Box::new(|done, total| {
                if total >= 500 {
                    report::progress(done, total);
                }
            }) as Box<dyn Fn(usize, usize) + Sync>
        }),
    };
    let mut walker = Walker::new(&repo, options, cache)?;
    if args.pre_receive {
        let status = pre_receive(&mut walker);
        sigstore_note();
        return status;
    }
    // All ranges first: a mistyped one fails before anything is reported.
    let mut ranges = Vec::with_capacity(args.ranges.len());
    for range in &args.ranges {
        ranges.push(parse_range(walker.reader(), range)?);
    }
    let stdout = std::io::stdout();
    // Buffered unless a person reads it as it comes.
    let mut out: Box<dyn Write> = if stdout_terminal {
        Box::new(stdout.lock())
    } else {
        Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
    };
    let mut writer = report::Writer::new(&mut out, args.format);
    for (tips, hidden) in &ranges {
        walker.judge_range(tips, hidden, args.refname.as_deref(), &mut |r| {
            writer.add(&r)
        })?;
    }
    let summary = writer
        .finish()
        .map_err(|e| AppError::operational(format!("cannot keep the report: {}", io_reason(&e))))?;
    let _ = out.flush();
    sigstore_note();
    Ok(if summary.failed == 0 {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

/// Why the anchor given cannot be used, and what to do.
fn anchor_error(e: GitError) -> AppError {
    let hint = match e {
        GitError::NotFullId(..) => {
            "give the full id of a commit you checked: `git rev-parse --verify 'REV^{commit}'` \
             prints it (a name or an abbreviation could be a ref anyone who pushes can create)"
        }
        _ => "the anchor must be the full id of a commit of this repository",
    };
    AppError::usage(format!("anchor: {e}")).with_hint(hint)
}

/// The trusted root's note (it could not be refreshed), once the verification that
/// needed it is done.
fn sigstore_note() {
    if let Some(note) = crate::verify::backends::sigstore_note() {
        crate::output::sigstore_text::note(note, &mut std::io::stderr().lock());
    }
}

/// `A..B` or a single revision.
fn parse_range(
    reader: &mut crate::git::Reader,
    range: &str,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>), AppError> {
    let resolve = |reader: &mut crate::git::Reader, spec: &str| {
        reader
            .resolve(spec)
            .map_err(|e| AppError::usage(format!("range `{range}`: {e}")))
    };
    let (tip, hidden) = range_specs(range)?;
    // The hidden end first, as before: its error is the one reported when both are wrong.
    let hidden = match hidden {
        Some(spec) => vec![resolve(reader, spec)?],
        None => Vec::new(),
    };
    Ok((vec![resolve(reader, tip)?], hidden))
}

/// The revisions a range argument names: the tip, and the hidden end of `A..B` (an empty
/// side is `HEAD`). Public for the fuzz target `range_arg` (`crate::fuzzing`).
pub fn range_specs(range: &str) -> Result<(&str, Option<&str>), AppError> {
    match range.split_once("..") {
        Some((from, to)) if !range.contains("...") => {
            let to = if to.is_empty() { "HEAD" } else { to };
            Ok((to, Some(if from.is_empty() { "HEAD" } else { from })))
        }
        Some(_) => Err(AppError::usage(format!(
            "range `{range}`: symmetric differences (A...B) are not supported"
        ))),
        None => Ok((range, None)),
    }
}

/// The pre-receive hook: every ref update must keep the policy.
fn pre_receive(walker: &mut Walker<'_>) -> Result<Status, AppError> {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let mut rejected = false;
    let stdin = std::io::stdin();
    let mut updates = Vec::new();
    for line in stdin.lock().lines() {
        let line =
            line.map_err(|e| AppError::operational(format!("cannot read the pushed refs: {e}")))?;
        updates.push(update_line(&line)?);
    }
    for (old, new, refname) in updates {
        match judge_update(walker, old, new, &refname)? {
            Ok(tally) => {
                report::rejection_lines(&mut err, &refname, &tally.failures);
                if !tally.failures.is_empty() {
                    rejected = true;
                    report::hook_message(&mut err, &format!("rejected {refname}"));
                } else if tally.commits > 0 {
                    report::hook_message(
                        &mut err,
                        &format!("{refname}: {} new commit(s) verified", tally.commits),
                    );
                }
            }
            Err(reason) => {
                rejected = true;
                report::hook_message(&mut err, &format!("rejected {refname}: {reason}"));
            }
        }
    }
    Ok(if rejected {
        Status::CheckFailed
    } else {
        Status::Success
    })
}

/// One line of a pre-receive hook's standard input, `<old> <new> <ref>` as git writes it
/// (whoever pushes chooses the ref name). Public for the fuzz target `pre_receive_line`.
pub fn update_line(line: &str) -> Result<(ObjectId, ObjectId, String), AppError> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [old, new, refname] = fields[..] else {
        return Err(AppError::usage(format!(
            "pre-receive: expected `<old> <new> <ref>`, got `{line}`"
        )));
    };
    let parse = |hex: &str| {
        ObjectId::from_hex(hex.as_bytes())
            .map_err(|_| AppError::usage(format!("pre-receive: `{hex}` is not an object id")))
    };
    Ok((parse(old)?, parse(new)?, refname.to_string()))
}

/// What a ref update's commits came to: how many, and the failures (a push has few).
#[derive(Default)]
struct Tally {
    commits: usize,
    failures: Vec<CommitReport>,
}

impl Tally {
    fn add(&mut self, report: CommitReport) {
        self.commits += 1;
        if !report.ok() {
            self.failures.push(report);
        }
    }
}

/// Judges one `<old> <new> <ref>` line: the commits it adds, and whether the update itself
/// (deletion, non-fast-forward) is allowed. `Err` is a rejection of the update as a whole.
fn judge_update(
    walker: &mut Walker<'_>,
    old: ObjectId,
    new: ObjectId,
    refname: &str,
) -> Result<Result<Tally, String>, AppError> {
    if new.is_null() {
        return Ok(match update_rule(walker, old, refname)? {
            Ok(rule) if rule.allow_delete => Ok(Tally::default()),
            Ok(_) => Err("deleting it is not allowed (the rule has no allow_delete)".into()),
            Err(reason) => Err(reason),
        });
    }
    let reader = walker.reader();
    let new_commit = reader.peel_to_commit(new)?;
    let hidden = if old.is_null() {
        reader.ref_tips()?
    } else {
        let old_commit = reader.peel_to_commit(old)?;
        if !reader.is_ancestor(old_commit, new_commit)? {
            match update_rule(walker, old, refname)? {
                Ok(rule) if rule.allow_force_push => {}
                Ok(_) => {
                    return Ok(Err(
                        "not a fast-forward, and the rule has no allow_force_push".into(),
                    ));
                }
                Err(reason) => return Ok(Err(reason)),
            }
        }
        vec![old_commit]
    };
    let mut tally = Tally::default();
    walker.judge_range(&[new_commit], &hidden, Some(refname), &mut |r| tally.add(r))?;
    if new != new_commit {
        // An annotated tag: its own signature is judged by the `tags` list of the rule.
        tally.add(walker.judge_tag(new, refname)?);
    } else if refname.starts_with("refs/tags/")
        && let Ok(policy) = walker.policy_for_update(new_commit)?
        && policy
            .rule_for(refname)
            .is_some_and(|rule| rule.tags.is_some())
    {
        // A lightweight tag carries no signature of its own: it cannot satisfy a tags list.
        return Ok(Err(
            "the rule has a tags list, so the ref must point to a signed annotated tag".into(),
        ));
    }
    Ok(Ok(tally))
}

/// The rule (from the policy at the ref's current commit) that governs deleting or
/// rewinding `refname`. A ref no rule matches may not be deleted or rewound.
fn update_rule(
    walker: &mut Walker<'_>,
    old: ObjectId,
    refname: &str,
) -> Result<Result<UpdateRule, String>, AppError> {
    let policy = walker.policy_for_update(old)?;
    let policy = match policy {
        Ok(policy) => policy,
        Err(reason) => return Ok(Err(reason)),
    };
    Ok(Ok(match policy.rule_for(refname) {
        Some(rule) => UpdateRule {
            allow_delete: rule.allow_delete,
            allow_force_push: rule.allow_force_push,
        },
        None => UpdateRule {
            allow_delete: false,
            allow_force_push: false,
        },
    }))
}

/// What a ref's rule lets a push do besides adding commits.
struct UpdateRule {
    allow_delete: bool,
    allow_force_push: bool,
}

fn read_policy_file(path: &std::path::Path) -> Result<Policy, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::operational(format!(
            "cannot read policy {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    file::parse(&text, &path.display().to_string())
        .map_err(|e| AppError::operational(e.to_string()))
}

/// Runs `gitseal policy ...`.
pub fn policy(command: &PolicyCommand) -> Result<Status, AppError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        PolicyCommand::Check(source) => {
            let (policy, name) = load(source)?;
            let _ = writeln!(
                out,
                "{name}: ok ({} principals, {} rules)",
                policy.principals.len(),
                policy.rules.len()
            );
        }
        PolicyCommand::Describe(source) => describe(&mut out, &load(source)?.0),
        PolicyCommand::ExportAllowedSigners(source) => {
            let (policy, _) = load(source)?;
            for (principal, key) in policy.ssh_keys() {
                let mut options = vec!["namespaces=\"git\"".to_string()];
                if let Some(after) = principal.valid_after {
                    options.push(format!("valid-after=\"{}\"", ssh_time(after)));
                }
                if let Some(before) = principal.valid_before {
                    options.push(format!("valid-before=\"{}\"", ssh_time(before)));
                }
                let _ = writeln!(out, "{} {} {key}", principal.name, options.join(","));
            }
        }
    }
    Ok(Status::Success)
}

fn load(source: &PolicySource) -> Result<(Policy, String), AppError> {
    if let Some(path) = &source.file {
        return Ok((read_policy_file(path)?, path.display().to_string()));
    }
    let repo = Repo::open(None)?;
    let mut reader = repo.reader()?;
    let commit = reader.resolve(&source.rev)?;
    let tree = reader.commit(commit)?.tree;
    let (_, bytes) = reader
        .read_path(tree, POLICY_FILE)?
        .ok_or_else(|| AppError::operational(format!("{} has no {POLICY_FILE}", source.rev)))?;
    let name = format!("{}:{POLICY_FILE}", source.rev);
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::operational(format!("{name} is not UTF-8")))?;
    let policy = file::parse(&text, &name).map_err(|e| AppError::operational(e.to_string()))?;
    Ok((policy, name))
}

fn describe(out: &mut dyn Write, policy: &Policy) {
    let signers = |list: &[SignerRef]| -> String {
        list.iter()
            .map(|s| match s {
                SignerRef::Anyone => "any principal".to_string(),
                SignerRef::Principal(name) => name.clone(),
                SignerRef::Group(group) => format!(
                    "@{group} ({})",
                    policy
                        .groups
                        .get(group)
                        .map(|m| m.join(", "))
                        .unwrap_or_default()
                ),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "principals:");
    for p in &policy.principals {
        let window = match (p.valid_after, p.valid_before) {
            (None, None) => String::new(),
            (a, b) => format!(
                " (valid {} to {})",
                a.map_or("always".into(), crate::policy::rfc3339),
                b.map_or("forever".into(), crate::policy::rfc3339)
            ),
        };
        let _ = writeln!(out, "  {}{window}", p.name);
        for c in &p.credentials {
            let _ = match c {
                Credential::Ssh { fingerprint, .. } => writeln!(out, "    ssh {fingerprint}"),
                Credential::OpenPgp { fingerprint } => writeln!(out, "    openpgp {fingerprint}"),
                Credential::Sigstore { issuer, subject } => match subject {
                    SigstoreIdentity::Exact(s) => writeln!(out, "    sigstore {s} from {issuer}"),
                    SigstoreIdentity::Pattern(re) => {
                        writeln!(out, "    sigstore /{}/ from {issuer}", re.as_str())
                    }
                },
            };
        }
    }
    let _ = writeln!(
        out,
        "rules (first match wins; a ref no rule matches needs any principal):"
    );
    for rule in &policy.rules {
        let _ = writeln!(out, "  {}", rule.name());
        if let Some(list) = &rule.commits {
            let _ = writeln!(out, "    commits: {}", signers(list));
        }
        if let Some(list) = rule.merges.as_ref().or(rule.commits.as_ref()) {
            let _ = writeln!(out, "    merges: {}", signers(list));
        }
        if let Some(list) = &rule.tags {
            let _ = writeln!(out, "    tags: {}", signers(list));
        }
        let _ = writeln!(
            out,
            "    force push: {}, delete: {}",
            yes_no(rule.allow_force_push),
            yes_no(rule.allow_delete)
        );
    }
    let _ = match &policy.policy_changes {
        Some(list) => writeln!(out, "policy changes: {}", signers(list)),
        None => writeln!(out, "policy changes: nobody (no [policy_changes])"),
    };
    for r in &policy.revoked {
        let since = r.after.map_or("all history".into(), |a| {
            format!("since {}", crate::policy::rfc3339(a))
        });
        let _ = writeln!(out, "revoked: {} ({since}) {}", r.key, r.reason);
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "allowed" } else { "refused" }
}

/// allowed_signers wants `YYYYMMDDHHMMSSZ`.
fn ssh_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_lines_are_three_fields_with_object_ids() {
        let a = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let (old, new, refname) =
            update_line(&format!("{a}\t{} refs/heads/main", "0".repeat(40))).expect("a valid line");
        assert_eq!((old.to_string().as_str(), new.is_null()), (a, true));
        assert_eq!(refname, "refs/heads/main");
        assert!(update_line(&format!("{a} {a}")).is_err());
        assert!(update_line(&format!("{a} {a} refs/heads/x y")).is_err());
        let e = update_line(&format!("{a} XYZ refs/heads/x")).unwrap_err();
        assert_eq!(e.message, "pre-receive: `XYZ` is not an object id");
    }

    #[test]
    fn range_arguments_split_as_git_reads_them() {
        assert_eq!(range_specs("a..b").unwrap(), ("b", Some("a")));
        assert_eq!(range_specs("..b").unwrap(), ("b", Some("HEAD")));
        assert_eq!(range_specs("a..").unwrap(), ("HEAD", Some("a")));
        assert_eq!(range_specs("main").unwrap(), ("main", None));
        assert_eq!(range_specs("a..b..c").unwrap(), ("b..c", Some("a")));
        assert!(range_specs("a...b").is_err());
    }
}
