//! The debug log (`GITSEAL_LOG`, gitsign's `GITSIGN_LOG`, `gitseal.logPath`,
//! `gitsign.logPath`): each run appends what it decided, owner-only, and never a secret:
//! runs that sign and verify with OIDC tokens in the environment, a credential cache on
//! disk and a passphrase are logged, and none of those bytes appear in the log.

use crate::support::sigstore_world::World;
use crate::support::{PRINCIPAL, TestEnv, require, run, set_mode};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PASSPHRASE: &str = "correct horse battery staple";
const ACTIONS_BEARER: &str = "actions-bearer-4a7f1c9e2d";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// No run of 20 bytes of `secret` appears in `log`.
#[track_caller]
fn assert_absent(log: &str, secret: &[u8], what: &str) {
    assert!(secret.len() >= 20, "{what} is too short to check");
    for window in secret.windows(20) {
        let window = String::from_utf8_lossy(window);
        assert!(
            !log.contains(window.as_ref()),
            "{what} leaked into the log:\n{log}"
        );
    }
}

#[test]
fn keyless_signing_and_verification_are_logged_without_tokens_or_keys() {
    let w = World::new(|_| vec![("gitseal.credentialStore", "file".to_string())]);
    let log = w.env.path("logs/gitseal.log");
    let token = w.token();
    let log_env = log.display().to_string();
    w.commit(
        &[
            ("SIGSTORE_ID_TOKEN", &token),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ACTIONS_BEARER),
            ("GITSEAL_LOG", &log_env),
        ],
        "logged",
    )
    .success();
    let id = w.head().expect("a commit");
    // gitsign's variable, for git's own verification.
    w.git_env(&[("GITSIGN_LOG", &log_env)], &["verify-commit", &id])
        .success();
    // gitsign's config key, for gitseal's.
    w.git(&["config", "gitsign.logPath", &log_env]);
    run(w.env.gitseal().current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        crate::support::sigstore_world::ISSUER,
        &id,
    ]))
    .success();

    let text = read(&log);
    let mode = std::fs::metadata(&log).expect("log").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the log is the user's alone");
    // What happened, run by run.
    for expected in [
        "dialect: gpg",
        "sign: x509",
        "signed: as alice@example.org",
        "from Fulcio",
        "status: [GNUPG:] SIG_CREATED",
        "verify: x509",
        "verdict: good, alice@example.org",
        "dialect: gitseal",
        &format!("verdict: commit {id} ({id}): x509 good"),
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert_eq!(text.matches(" exit 0 after ").count(), 3, "{text}");
    assert!(text.contains("-bsau"), "the arguments are logged: {text}");
    // Every line is one line of ours: time, program and pid, elapsed time.
    let line =
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z gitseal\[\d+\] \+\d+ms \S")
            .expect("regex");
    for l in text.lines() {
        assert!(line.is_match(l), "{l:?}");
    }
    // Never a secret: the token, the Actions bearer, the cached key and certificate.
    assert_absent(&text, token.as_bytes(), "the OIDC token");
    assert!(!text.contains(ACTIONS_BEARER), "{text}");
    let mut cached = Vec::new();
    files(
        &w.env.home().join(".cache/gitseal/credentials"),
        &mut cached,
    );
    assert!(!cached.is_empty(), "the credential cache was written");
    for file in cached {
        // The cache's secret is the signing key (its other fields are public: who, where).
        let stored: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).expect("cache file")).expect("json");
        let key = stored["key"].as_str().expect("a cached key");
        assert_absent(&text, key.as_bytes(), &file.display().to_string());
    }
}

#[test]
fn a_log_that_is_a_link_or_someone_elses_is_not_written_and_the_run_goes_on() {
    let env = TestEnv::new();
    let target = env.write("target", "");
    let link = env.path("link.log");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let out = run(env.gitseal().env("GITSEAL_LOG", &link).arg("version")).success();
    assert!(out.stdout().starts_with("gitseal "), "{}", out.describe());
    assert!(
        out.stderr.contains("cannot write the debug log"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("symbolic link"), "{}", out.describe());
    assert_eq!(read(&target), "", "nothing written through the link");
    // A log others could read is made owner-only before anything is added.
    let open = env.write("open.log", "earlier line\n");
    set_mode(&open, 0o644);
    run(env.gitseal().env("GITSEAL_LOG", &open).arg("version")).success();
    assert_eq!(
        std::fs::metadata(&open).expect("log").permissions().mode() & 0o777,
        0o600
    );
    let text = read(&open);
    assert!(
        text.starts_with("earlier line\n") && text.contains("exit 0"),
        "{text}"
    );
}

#[test]
fn ssh_signing_with_a_passphrase_is_logged_without_it() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", PASSPHRASE);
    let allowed = env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let askpass = env.write(
        "askpass",
        format!("#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n"),
    );
    set_mode(&askpass, 0o755);
    let log = env.path("ssh.log");
    let message = env.write("message", "signed\n");
    let setsid = require("setsid", "util-linux");
    run(env
        .command(&setsid)
        .arg("-w")
        .arg(crate::support::GITSEAL)
        .env("SSH_ASKPASS", &askpass)
        .env("GITSEAL_LOG", &log)
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(&message))
    .success();
    let signature = env.path("message.sig");
    run(env
        .gitseal()
        .env("GITSEAL_LOG", &log)
        .args(["-Y", "verify", "-n", "git", "-I", PRINCIPAL, "-f"])
        .arg(&allowed)
        .arg("-s")
        .arg(&signature)
        .stdin(std::fs::File::open(&message).expect("message")))
    .success();
    // A passphrase on the command line (ssh-keygen's -P) is refused or used, never logged.
    let _ = run(env
        .gitseal()
        .env("GITSEAL_LOG", &log)
        .args(["-Y", "sign", "-n", "git", "-P", PASSPHRASE, "-f"])
        .arg(&key.private)
        .arg(&message));
    let text = read(&log);
    assert!(!text.contains(PASSPHRASE), "{text}");
    assert!(!text.contains("horse"), "{text}");
    for expected in [
        "dialect: ssh-keygen",
        "signed: wrote",
        &format!("verdict: good git signature for {PRINCIPAL} with ED25519 key"),
        "-P [redacted]",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}
