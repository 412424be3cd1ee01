//! `gitseal monitor`: the identities to watch (the policy's Sigstore principals, or the
//! identity flags), the repositories' signatures, the state kept between runs and the
//! settings, handed to the monitor room; its report to output; the state saved.

use std::path::{Path, PathBuf};

use crate::cli::commands::MonitorArgs;
use crate::config::Settings;
use crate::error::AppError;
use crate::git::Repo;
use crate::monitor::known::Known;
use crate::monitor::state::{self, Start};
use crate::monitor::watch::Watched;
use crate::monitor::{self, Settings as MonitorSettings};
use crate::output::exit::Status;
use crate::policy::file;
use crate::sigstore::identity::Expect;
use crate::sigstore::trust;
use crate::verify::POLICY_FILE;

pub fn run(args: &MonitorArgs) -> Result<Status, AppError> {
    let start = start(args)?;
    let here = Repo::open(None).ok();
    if here.is_none() && args.repos.is_empty() {
        return Err(AppError::usage("not in a git repository")
            .with_hint("run gitseal monitor in a repository, or name one with --repo PATH"));
    }
    let watched = watched(args, here.as_ref())?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    if here.is_some() {
        dirs.push(PathBuf::from("."));
    }
    dirs.extend(args.repos.iter().cloned());
    let mut known = Known::default();
    for dir in &dirs {
        known.add_repository(dir).map_err(|e| {
            AppError::operational(format!("cannot read the repository {}: {e}", dir.display()))
        })?;
    }
    let state_path = match (&args.state, &here) {
        (Some(path), _) => path.clone(),
        (None, Some(repo)) => default_state(&repo.common_dir()),
        (None, None) => {
            let repo = Repo::open_in(&dirs[0], None)
                .map_err(|e| AppError::operational(format!("{}: {e}", dirs[0].display())))?;
            default_state(&repo.common_dir())
        }
    };
    let mut state = state::load(&state_path).map_err(|e| {
        AppError::operational(e)
            .with_hint("remove the file to start over, or name another with --state FILE")
    })?;

    let settings = Settings::load();
    let config = settings.sigstore()?;
    let (root, note) =
        trust::load(&config.trust).map_err(|e| AppError::operational(e.to_string()))?;
    if let Some(note) = note {
        crate::output::sigstore_text::note(&note, &mut std::io::stderr().lock());
    }
    // `gitseal.rekor`, else the Rekor v1 log of the trusted root.
    let rekor_url = config
        .online
        .rekor
        .clone()
        .or_else(|| monitor::rekor_v2::v1_url(&root))
        .unwrap_or_else(|| "https://rekor.sigstore.dev".into());
    let monitor_settings = MonitorSettings {
        trust: &root,
        rekor_url,
        timeout: config.trust.timeout,
        start,
    };
    // Progress on a terminal, when there is much to fetch.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |done: usize, total: usize| {
        if terminal && total >= 20 {
            crate::output::monitor::progress(done, total);
        }
    };
    let unreachable = |e: monitor::Unreachable| {
        AppError::operational(e.to_string())
            .with_hint("the state is unchanged; run again when the log answers")
    };
    // The Rekor v1 log when the trusted root lists one, then every Rekor v2 shard it lists.
    let mut report = if monitor::rekor_v2::root_has_v1(&root) {
        monitor::run_v1(
            &monitor_settings,
            &watched,
            &known,
            &mut state,
            &mut progress,
        )
        .map_err(unreachable)?
    } else {
        monitor::Report::default()
    };
    monitor::rekor_v2::run(
        &monitor_settings,
        &watched,
        &known,
        &mut state,
        &mut report,
        &mut progress,
    )
    .map_err(unreachable)?;

    let stdout = std::io::stdout();
    crate::output::monitor::write(&report, &known, args.format, &mut stdout.lock())
        .map_err(|e| AppError::operational(format!("cannot write the report: {e}")))?;
    state::save(&state_path, &state).map_err(AppError::operational)?;
    Ok(if report.ok() {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

fn default_state(git_dir: &Path) -> PathBuf {
    git_dir.join("gitseal").join("monitor.json")
}

fn start(args: &MonitorArgs) -> Result<Start, AppError> {
    let time = match &args.since {
        Some(text) => Some(
            text.parse::<jiff::Timestamp>()
                .map_err(|_| {
                    AppError::usage(format!("--since `{text}` is not a time"))
                        .with_hint("give an RFC 3339 time, e.g. 2026-01-01T00:00:00Z")
                })?
                .as_second(),
        ),
        None => None,
    };
    let index = match args.from_index {
        Some(n) => Some(
            i64::try_from(n)
                .map_err(|_| AppError::usage(format!("--from-index {n} is too large")))?,
        ),
        None => None,
    };
    Ok(Start { index, time })
}

/// The identities to watch: the flags' one, else the policy's Sigstore principals.
fn watched(args: &MonitorArgs, here: Option<&Repo>) -> Result<Vec<Watched>, AppError> {
    let pick =
        |exact: &Option<String>, pattern: &Option<String>| -> Result<Option<Expect>, AppError> {
            match (exact, pattern) {
                (Some(value), _) => Ok(Some(Expect::Exact(value.clone()))),
                (None, Some(expression)) => Expect::pattern(expression)
                    .map(Some)
                    .map_err(AppError::usage),
                (None, None) => Ok(None),
            }
        };
    let subject = pick(
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    )?;
    let issuer = pick(
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
    )?;
    match (subject, issuer) {
        (Some(subject), Some(issuer)) => {
            if args.policy.is_some() {
                return Err(AppError::usage(
                    "give either --policy or the --certificate-* flags, not both",
                ));
            }
            return Ok(vec![Watched { subject, issuer }]);
        }
        (None, None) => {}
        _ => {
            return Err(AppError::usage(
                "say whom to watch with both --certificate-identity (or its -regexp form) and --certificate-oidc-issuer (or its -regexp form)",
            ));
        }
    }
    let (policy, name) = match (&args.policy, here) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::operational(format!(
                    "cannot read policy {}: {}",
                    path.display(),
                    crate::error::io_reason(&e)
                ))
            })?;
            let name = path.display().to_string();
            (
                file::parse(&text, &name).map_err(|e| AppError::operational(e.to_string()))?,
                name,
            )
        }
        (None, Some(repo)) => {
            let mut reader = repo
                .reader()
                .map_err(|e| AppError::operational(e.to_string()))?;
            let bytes = reader
                .resolve("HEAD")
                .and_then(|head| reader.commit(head))
                .and_then(|commit| reader.read_path(commit.tree, POLICY_FILE))
                .map_err(|e| AppError::operational(e.to_string()))?;
            let Some((_, bytes)) = bytes else {
                return Err(no_identities(&format!("HEAD has no {POLICY_FILE}")));
            };
            let name = format!("HEAD:{POLICY_FILE}");
            let text = String::from_utf8(bytes)
                .map_err(|_| AppError::operational(format!("{name} is not UTF-8")))?;
            (
                file::parse(&text, &name).map_err(|e| AppError::operational(e.to_string()))?,
                name,
            )
        }
        (None, None) => return Err(no_identities("no policy")),
    };
    let watched = Watched::from_policy(&policy);
    if watched.is_empty() {
        return Err(no_identities(&format!("{name} names no Sigstore identity")));
    }
    Ok(watched)
}

fn no_identities(why: &str) -> AppError {
    AppError::usage(format!("nothing to watch: {why}")).with_hint(
        "name your identity with --certificate-identity and --certificate-oidc-issuer, or a policy with --policy FILE",
    )
}
