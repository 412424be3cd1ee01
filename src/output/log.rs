//! The debug log: `GITSEAL_LOG` (gitsign's `GITSIGN_LOG`), else `gitseal.logPath`
//! (`gitsign.logPath`). git swallows what its signing programs print unless signing fails,
//! so when something goes wrong in CI or behind an editor this file says what each run
//! decided: the dialect and its arguments, the format and backend, each status and
//! verdict, the error, and how long each step took.
//!
//! It never holds a secret. Arguments that carry one (`-P`/`-N` passphrases of
//! ssh-keygen, gpg's `--passphrase`, anything shaped like a JWT or a private key) are
//! replaced by `[redacted]`; the environment is never written; the rest is what the run
//! would print anyway (errors and status lines, which hold no secret), escaped
//! (escape::text) so that outside text cannot forge a line. Every line of a run is
//! written by one `write` to the file opened for appending: runs that git starts in
//! parallel interleave whole lines, never parts of them. The file is the user's own, and
//! only theirs (`secret::append_private`).
//!
//! Modes record what they decide with [`event`]; the file is written once, at the end of
//! the run ([`finish`]). The path in git config is honoured when the run reads git config
//! anyway (keyless signing and verification, every signing whose format is not in
//! `GITSEAL_FORMAT`, `gitseal verify`...): reading it only for the log would cost every
//! verification git asks for a `git config` process. `GITSEAL_LOG` works everywhere.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use super::escape;

/// What one run has decided so far.
struct Run {
    started: Instant,
    /// From `GITSEAL_LOG` / `GITSIGN_LOG`.
    env_path: Option<PathBuf>,
    /// From `gitseal.logPath` / `gitsign.logPath`, once git config was read.
    config_path: Option<PathBuf>,
    /// `(milliseconds since the start, line)`.
    lines: Vec<(u128, String)>,
}

static RUN: Mutex<Option<Run>> = Mutex::new(None);

fn with_run(f: impl FnOnce(&mut Run)) {
    if let Ok(mut guard) = RUN.lock()
        && let Some(run) = guard.as_mut()
    {
        f(run);
    }
}

/// Starts the record of a run with its arguments (secrets removed). `env_path` is the
/// log named in the environment.
pub fn begin(env_path: Option<PathBuf>, args: &[OsString]) {
    let run = Run {
        started: Instant::now(),
        env_path,
        config_path: None,
        lines: vec![(
            0,
            format!(
                "start gitseal {} {}",
                env!("CARGO_PKG_VERSION"),
                redacted(args).join(" ")
            ),
        )],
    };
    if let Ok(mut guard) = RUN.lock() {
        *guard = Some(run);
    }
}

/// The log git config names (read by `config::Settings` when it reads git config).
pub fn configured(path: Option<PathBuf>) {
    with_run(|run| run.config_path = path);
}

/// Records what the run decided: `what` (a word of ours) and `detail` (which may quote
/// outside text: escaped here).
pub fn event(what: &str, detail: &str) {
    with_run(|run| {
        let at = run.started.elapsed().as_millis();
        run.lines
            .push((at, format!("{what}: {}", escape::text(detail))));
    });
}

/// Ends the record: the exit code and the error, if any, then writes the whole run to
/// the log (if one is named). A log that cannot be written is said on stderr, once; the
/// run's result is not changed by it.
pub fn finish(code: u8, error: Option<&crate::error::AppError>) {
    let Some(run) = RUN.lock().ok().and_then(|mut guard| guard.take()) else {
        return;
    };
    let Some(path) = run.env_path.clone().or(run.config_path.clone()) else {
        return;
    };
    let total = run.started.elapsed().as_millis();
    let mut lines = run.lines;
    if let Some(error) = error {
        let mut text = format!("error: {}", escape::text(&error.message));
        if let Some(hint) = &error.hint {
            text.push_str(&format!(" (hint: {})", escape::text(hint)));
        }
        lines.push((total, text));
    }
    lines.push((total, format!("exit {code} after {total} ms")));
    let stamp = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
    let pid = std::process::id();
    let mut record = String::new();
    for (at, line) in lines {
        record.push_str(&format!("{stamp} gitseal[{pid}] +{at}ms {line}\n"));
    }
    if let Err(e) = crate::secret::append_private(&path, record.as_bytes()) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: cannot write the debug log {}: {}",
            escape::text(&path.display().to_string()),
            escape::text(&e)
        );
    }
}

/// The arguments as the log shows them: escaped, with every secret one replaced.
pub fn redacted(args: &[OsString]) -> Vec<String> {
    const HIDDEN: &str = "[redacted]";
    // Options whose next argument is a secret: ssh-keygen's old and new passphrases,
    // gpg's passphrase.
    const SECRET_NEXT: [&str; 3] = ["-P", "-N", "--passphrase"];
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for arg in args {
        let text = arg.to_string_lossy();
        if std::mem::take(&mut hide_next) {
            out.push(HIDDEN.to_string());
            continue;
        }
        if SECRET_NEXT.contains(&text.as_ref()) {
            hide_next = true;
            out.push(text.into_owned());
        } else if let Some((flag, _)) = text.split_once('=')
            && SECRET_NEXT.contains(&flag)
        {
            out.push(format!("{flag}={HIDDEN}"));
        } else if (text.starts_with("-P") || text.starts_with("-N")) && text.len() > 2 {
            // ssh-keygen's `-Psecret`, the value joined to the option.
            out.push(format!("{}{HIDDEN}", &text[..2]));
        } else if looks_secret(&text) {
            out.push(HIDDEN.to_string());
        } else {
            out.push(escape::text(&text).to_string());
        }
    }
    out
}

/// An OIDC token (a JWT: `eyJ` then three base64url parts) or a private key, wherever
/// it appears in an argument.
fn looks_secret(text: &str) -> bool {
    let jwt = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .any(|word| {
            word.starts_with("eyJ") && word.split('.').filter(|p| !p.is_empty()).count() >= 2
        });
    jwt || text.contains("PRIVATE KEY")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn secrets_in_arguments_are_redacted() {
        let shown = redacted(&args(&[
            "-Y",
            "sign",
            "-P",
            "hunter2",
            "-Nnewsecret",
            "--passphrase=pw",
            "--passphrase",
            "pw2",
            "--token=eyJhbGciOi.eyJzdWIiOi.c2ln",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-f",
            "/home/a/.ssh/id_ed25519",
        ]));
        let joined = shown.join(" ");
        for secret in ["hunter2", "newsecret", "pw", "pw2", "eyJ", "OPENSSH"] {
            assert!(!joined.contains(secret), "{secret} in {joined}");
        }
        assert!(
            joined.contains("-Y sign -P [redacted] -N[redacted]"),
            "{joined}"
        );
        assert!(joined.ends_with("-f /home/a/.ssh/id_ed25519"), "{joined}");
    }

    #[test]
    fn arguments_are_escaped() {
        let shown = redacted(&args(&["a\nstart gitseal forged"]));
        assert_eq!(shown, vec!["a\\nstart gitseal forged".to_string()]);
    }
}
