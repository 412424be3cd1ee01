//! `gitseal verify` (ranges, for CI) and `gitseal verify --pre-receive` (a server hook),
//! and `gitseal policy ...`.

use crate::cli::commands::{PolicyCommand, PolicySource, VerifyArgs};
use crate::error::{AppError, io_reason};
use crate::git::{GitError, Repo};
use crate::output::{self, exit::Status, report};
use crate::policy::{Policy, file};
use crate::verify::{Options, POLICY_FILE, VerifyError, Walker, cache::VerdictCache, push};
use gix::hash::ObjectId;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

impl From<GitError> for AppError {
    fn from(e: GitError) -> Self {
        let missing = matches!(e, GitError::Missing(_));
        let error = AppError::operational(e.to_string());
        if missing {
            error.with_hint(SHALLOW_HINT)
        } else {
            error
        }
    }
}

/// What to do when history is missing: usually a shallow clone (CI checkouts are one
/// commit deep by default).
const SHALLOW_HINT: &str = "a shallow clone lacks the history to verify: fetch it (git fetch \
     --unshallow, or a deeper fetch such as git fetch --deepen=100; in GitHub Actions, \
     actions/checkout with fetch-depth: 0)";

impl From<VerifyError> for AppError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::NoAnchor => AppError::usage("no anchor to verify from")
                .with_hint("pass --anchor COMMIT, set git config gitseal.anchor, or judge by one file with --policy FILE"),
            VerifyError::Git(e) => e.into(),
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
    // A shallow clone: revisions and objects before its boundary are not here.
    let shallow = repo.common_dir().join("shallow").is_file();
    let mut reader = repo.reader()?;
    let anchor = match args
        .anchor
        .clone()
        .or_else(|| reader.config_string("gitseal.anchor"))
    {
        Some(spec) => Some(reader.anchor(&spec).map_err(|e| anchor_error(e, shallow))?),
        None => None,
    };
    let fixed_policy = match &args.policy {
        Some(path) => Some(std::rc::Rc::new(read_policy_file(path)?)),
        None => None,
    };
    let fixed_for_warnings = fixed_policy.clone();
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
        if let Some(policy) = &fixed_for_warnings {
            let source = args.policy.as_deref().map(|p| p.display().to_string());
            output::policy::warnings(&mut std::io::stderr().lock(), source.as_deref(), policy);
        }
        let status = pre_receive(&mut walker);
        sigstore_note();
        return status;
    }
    // All ranges first: a mistyped one fails before anything is reported.
    let mut ranges = Vec::with_capacity(args.ranges.len());
    for range in &args.ranges {
        ranges.push(parse_range(walker.reader(), range, shallow)?);
    }
    let tips: Vec<ObjectId> = ranges.iter().flat_map(|(tips, _)| tips.clone()).collect();
    warn_shadowed(&mut walker, &tips, args.policy.as_deref())?;
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
    crate::output::log::event(
        "verdict",
        &format!(
            "{} commits judged, {} failed",
            summary.commits, summary.failed
        ),
    );
    sigstore_note();
    Ok(if summary.failed == 0 {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

/// Says once, on stderr, which rules of the policies in play cannot (or cannot always)
/// apply (issue 12, R8): the `--policy` file's, else those of the policies at the ranges'
/// tips, the policies people edit next. A warning, not a failure: first match wins.
fn warn_shadowed(
    walker: &mut Walker<'_>,
    tips: &[ObjectId],
    fixed: Option<&std::path::Path>,
) -> Result<(), AppError> {
    let mut seen: Vec<std::rc::Rc<Policy>> = Vec::new();
    let stderr = std::io::stderr();
    for tip in tips {
        let Ok(policy) = walker.policy_for_update(*tip)? else {
            continue;
        };
        if seen.iter().any(|p| std::rc::Rc::ptr_eq(p, &policy)) {
            continue;
        }
        let source = match fixed {
            Some(path) => path.display().to_string(),
            None => format!("{POLICY_FILE} at {}", crate::verify::short(tip)),
        };
        output::policy::warnings(&mut stderr.lock(), Some(&source), &policy);
        seen.push(policy);
    }
    Ok(())
}

/// Why the anchor given cannot be used, and what to do.
fn anchor_error(e: GitError, shallow: bool) -> AppError {
    let hint = match e {
        GitError::NotFullId(..) => {
            "give the full id of a commit you checked: `git rev-parse --verify 'REV^{commit}'` \
             prints it (a name or an abbreviation could be a ref anyone who pushes can create)"
        }
        GitError::Missing(_) => SHALLOW_HINT,
        GitError::UnknownRevision(_) if shallow => SHALLOW_HINT,
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
    shallow: bool,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>), AppError> {
    let resolve = |reader: &mut crate::git::Reader, spec: &str| {
        reader.resolve(spec).map_err(|e| {
            let error = AppError::usage(format!("range `{range}`: {e}"));
            if shallow {
                error.with_hint(SHALLOW_HINT)
            } else {
                error
            }
        })
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

/// The pre-receive hook: every ref update must keep the policy ([`push::decide`] decides;
/// this reads git's lines and says why on stderr, which the pusher sees).
fn pre_receive(walker: &mut Walker<'_>) -> Result<Status, AppError> {
    let stdin = std::io::stdin();
    let mut updates = Vec::new();
    for line in stdin.lock().lines() {
        let line =
            line.map_err(|e| AppError::operational(format!("cannot read the pushed refs: {e}")))?;
        let (old, new, refname) = update_line(&line)?;
        updates.push(push::Update { old, new, refname });
    }
    let decisions = push::decide(walker, &updates)?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for decision in &decisions {
        tell(&mut err, decision);
    }
    Ok(if decisions.iter().all(push::Decision::accepted) {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

/// The hook's lines for one decision.
fn tell(err: &mut dyn Write, decision: &push::Decision) {
    let refname = &decision.update.refname;
    if decision.written != *refname {
        report::hook_message(
            err,
            &format!(
                "{refname} is a symbolic ref: judged as {}, which git writes",
                decision.written
            ),
        );
    }
    report::rejection_lines(err, refname, "commit", &decision.failures);
    report::rejection_lines(err, refname, "tag", decision.tag.as_slice());
    if let Some(reason) = &decision.refusal {
        report::hook_message(err, &format!("rejected {refname}: {reason}"));
        return;
    }
    if !decision.accepted() {
        report::hook_message(err, &format!("rejected {refname}"));
        return;
    }
    let mut judged = Vec::new();
    if decision.new_commits > 0 {
        judged.push(format!("{} new commit(s)", decision.new_commits));
    }
    if decision.known_commits > 0 {
        judged.push(format!(
            "{} commit(s) the server held already",
            decision.known_commits
        ));
    }
    if decision.tag.is_some() {
        judged.push("the tag".to_string());
    }
    if !judged.is_empty() {
        report::hook_message(
            err,
            &format!("{refname}: {} verified", judged.join(" and ")),
        );
    }
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
            openpgp_revocations_can_match(source, &policy, &name)?;
            output::policy::check(&mut out, &mut std::io::stderr().lock(), &name, &policy);
        }
        PolicyCommand::Describe(source) => output::policy::describe(&mut out, &load(source)?.0),
        PolicyCommand::ExportAllowedSigners(source) => {
            let (policy, _) = load(source)?;
            output::policy::allowed_signers(&mut out, &mut std::io::stderr().lock(), &policy)
                .map_err(AppError::operational)?;
        }
        PolicyCommand::Init(args) => return super::policy_edit::init(args, &mut out),
        PolicyCommand::AddPrincipal(args) => {
            return super::policy_edit::add_principal(args, &mut out);
        }
        PolicyCommand::AddRule(args) => return super::policy_edit::add_rule(args, &mut out),
        PolicyCommand::Diff(args) => return super::policy_edit::diff(args, &mut out),
    }
    Ok(Status::Success)
}

pub(crate) fn load(source: &PolicySource) -> Result<(Policy, String), AppError> {
    if let Some(path) = &source.file {
        return Ok((read_policy_file(path)?, path.display().to_string()));
    }
    let repo = Repo::open(None)?;
    let mut reader = repo.reader()?;
    let commit = reader.resolve(&source.rev).map_err(|e| match e {
        // `policy check` in a repository whose first commit is not made yet.
        GitError::UnknownRevision(spec) if spec == "HEAD" => AppError::usage(
            "there is no commit yet (HEAD names none), so no committed policy to read",
        )
        .with_hint(format!(
            "check the policy file itself: gitseal policy check --file {POLICY_FILE}"
        )),
        other => other.into(),
    })?;
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

/// Refuses a policy whose `[[revoked]]` entry names a subkey of a certificate in the keys
/// directory beside it (`.gitseal/keys` of the same commit, or `keys/` next to `--file`),
/// as judging does: such an entry never matches a verdict.
fn openpgp_revocations_can_match(
    source: &PolicySource,
    policy: &Policy,
    name: &str,
) -> Result<(), AppError> {
    if policy.revoked.is_empty() {
        return Ok(());
    }
    let files = match &source.file {
        // Sorted by name, as the tree's entries are.
        Some(path) => super::policy_edit::keys_beside(path)?,
        None => {
            let repo = Repo::open(None)?;
            let mut reader = repo.reader()?;
            let commit = reader.resolve(&source.rev)?;
            let tree = reader.commit(commit)?.tree;
            reader.read_dir(tree, crate::verify::KEYS_DIR)?
        }
    };
    let problems = crate::verify::keys::unmatchable_revocations(policy, &files);
    match problems.as_slice() {
        [] => Ok(()),
        [one] => Err(AppError::verification(format!("{name}: {one}"))),
        [first, rest @ ..] => Err(AppError::verification(format!(
            "{name}: {first} (and {} more such entries)",
            rest.len()
        ))),
    }
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
