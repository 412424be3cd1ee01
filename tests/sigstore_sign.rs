//! Keyless signing through real git against the hermetic services (support/
//! sigstore_servers.rs): `git commit -S` and `git tag -s` with gitseal as
//! gpg.x509.program, verified by git, gitseal and openssl; the credential cache; and every
//! way a service or a token can fail, each one error line naming the service, no commit.

use crate::support::sigstore_servers::Fault;
use crate::support::sigstore_stack::Stack;
use crate::support::sigstore_world::{ISSUER, World, alice, now};
use crate::support::{require, run};
use std::process::Command;

/// The world these tests sign in: the cache in its file (tests/credential_store.rs
/// covers the keyring), which they read.
fn world() -> World {
    World::new(|_| vec![("gitseal.credentialStore", "file".to_string())])
}

#[test]
fn commit_and_tag_are_signed_logged_and_verify() {
    let w = world();
    let token = w.token();
    // git shows the signing program's messages only when it fails (gitseal writes them
    // to the terminal, as gitsign does; there is none here).
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "first")
        .success();
    let id = w.head().expect("a commit");
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 1)
    );

    let verified = w.git_env(&[], &["verify-commit", &id]).success();
    assert!(
        verified
            .stderr_lines()
            .join("\n")
            .contains("Good signature from [alice@example.org]")
    );
    assert_eq!(w.git(&["log", "-1", "--format=%G?|%GT"]), "G|fully");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
        "--format",
        "json",
        &id,
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&run(&mut cmd).success().stdout()).expect("json");
    assert_eq!(
        doc["objects"][0]["log"]["index"], 0,
        "the entry is embedded"
    );

    w.git_env(
        &[("SIGSTORE_ID_TOKEN", &token)],
        &["tag", "-s", "-m", "release", "v1"],
    )
    .success();
    w.git_env(&[], &["verify-tag", "v1"]).success();
}

#[test]
fn openssl_accepts_the_cms_signature() {
    let openssl = require("openssl", "openssl");
    let w = world();
    let token = w.token();
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "first")
        .success();
    let raw = w.git(&["cat-file", "commit", "HEAD"]) + "\n";
    let signed =
        gitseal::git::signed::split_commit(raw.as_bytes(), gitseal::git::signed::HashKind::Sha1)
            .expect("one signature")
            .expect("signed");
    let payload = w.env.write("payload", &signed.payload);
    // openssl reads CMS armor labelled CMS; the bytes inside are gitsign's.
    let armor = String::from_utf8(signed.signature.clone()).expect("ascii armor");
    let signature = w
        .env
        .write("sig.pem", armor.replace("SIGNED MESSAGE", "CMS"));
    let stack_root: serde_json::Value =
        serde_json::from_str(&w.services.trusted_root()).expect("json");
    let ca = stack_root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"]
        .as_str()
        .expect("ca");
    let ca_pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        ca.as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let ca_file = w.env.write("ca.pem", ca_pem);
    let mut cmd = w.env.command(&openssl);
    cmd.args([
        "cms", "-verify", "-binary", "-inform", "PEM", "-purpose", "any",
    ])
    .arg("-in")
    .arg(&signature)
    .arg("-content")
    .arg(&payload)
    .arg("-CAfile")
    .arg(&ca_file)
    .args(["-out", "/dev/null"]);
    let verified = run(&mut cmd).success();
    assert!(
        verified.stderr.contains("Verification successful"),
        "{}",
        verified.describe()
    );
}

#[test]
fn a_second_commit_within_ten_minutes_asks_fulcio_nothing() {
    let w = world();
    let token = w.token();
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "first")
        .success();
    let cache = w.env.home().join(".cache/gitseal/credentials");
    let files: Vec<_> = std::fs::read_dir(&cache).expect("cache dir").collect();
    assert_eq!(files.len(), 1);
    // No token now: the cached certificate signs.
    w.commit(&[], "second").success();
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 2)
    );
    w.git_env(&[], &["verify-commit", "HEAD"]).success();

    // After `gitseal logout` there is nothing to sign with (and, without a terminal,
    // nobody to log in).
    let mut cmd = w.env.gitseal();
    run(cmd.current_dir(&w.dir).arg("logout")).success();
    let before = w.head();
    std::fs::write(w.dir.join("file.txt"), "third\n").expect("write");
    w.git(&["add", "file.txt"]);
    let setsid = require("setsid", "util-linux");
    let mut cmd: Command = w.env.command(&setsid);
    cmd.current_dir(&w.dir)
        .args(["-w", "git", "commit", "-q", "-m", "third"]);
    let third = run(&mut cmd);
    assert_ne!(third.code, 0);
    assert!(
        third.stderr.contains("no OIDC token"),
        "{}",
        third.describe()
    );
    assert_eq!(w.head(), before, "no commit written");
}

#[test]
fn github_actions_credentials_are_used() {
    let w = world();
    *w.services.services.actions_token.lock().expect("lock") =
        Some(("request-token".into(), w.token()));
    let url = w.services.actions_url();
    w.commit(
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token"),
        ],
        "ci",
    )
    .success();
    w.git_env(&[], &["verify-commit", "HEAD"]).success();
    let refused = w.commit(
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong"),
        ],
        "ci2",
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("github actions token service"),
        "{}",
        refused.describe()
    );
}

#[test]
fn online_mode_is_found_in_the_log_by_the_commit_id() {
    let w = world();
    w.git(&["config", "gitseal.rekorMode", "online"]);
    let token = w.token();
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "online")
        .success();
    let shown = {
        let mut cmd = w.env.gitseal();
        run(cmd.current_dir(&w.dir).args(["show", "HEAD"]))
            .success()
            .stdout()
    };
    assert!(shown.contains("gitsign online mode"), "{shown}");
    let verified = w.git_env(&[], &["verify-commit", "HEAD"]).success();
    assert!(
        verified
            .stderr_lines()
            .join("\n")
            .contains("Logged in the transparency log"),
        "{}",
        verified.describe()
    );
    // gitseal verify finds it in the log too, by the commit's id.
    let policy = w.env.write(
        "policy.toml",
        format!(
            "version = 1\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"alice@example.org\" }}]\n\n[[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"alice\"]\n"
        ),
    );
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .args([
            "verify",
            "--ref",
            "refs/heads/main",
            "--no-cache",
            "--format",
            "json",
            "--policy",
        ])
        .arg(&policy)
        .arg("HEAD");
    let judged = run(&mut cmd);
    assert_eq!(judged.code, 0, "{}", judged.describe());
    let doc: serde_json::Value = serde_json::from_str(&judged.stdout()).expect("json");
    assert_eq!(
        doc["results"][0]["signature"]["time_source"], "tlog",
        "{doc:#}"
    );
    // The same history with the log out of reach fails and says so.
    w.git(&["config", "gitseal.rekor", "http://127.0.0.1:9"]);
    let unreachable = w.git_env(&[], &["verify-commit", "HEAD"]);
    assert_ne!(unreachable.code, 0);
    assert!(
        unreachable.stderr.contains("could not be searched"),
        "{}",
        unreachable.describe()
    );
    // The host and the cause, not the HTTP client's bare "error sending request".
    assert!(
        unreachable
            .stderr
            .contains("the log at http://127.0.0.1:9 could not be searched: connection refused"),
        "{}",
        unreachable.describe()
    );
    assert!(!unreachable.stderr.contains("error sending request"));
}

/// How a case breaks the world before a commit is attempted.
type Breakage = Box<dyn Fn(&World)>;

/// Every failure: git writes no commit, gitseal one error line naming the service.
#[test]
fn service_and_token_failures_are_one_line_and_write_nothing() {
    let w = world();
    let token = w.token();
    let cases: Vec<(&str, Breakage, &str)> = vec![
        (
            "fulcio 500",
            Box::new(|w: &World| w.services.set_fulcio(Fault::Error500)),
            "fulcio (",
        ),
        (
            "fulcio hangs",
            Box::new(|w: &World| w.services.set_fulcio(Fault::Hang)),
            "fulcio (",
        ),
        (
            "fulcio garbage",
            Box::new(|w: &World| w.services.set_fulcio(Fault::Garbage)),
            "fulcio (",
        ),
        (
            "fulcio other key",
            Box::new(|w: &World| w.services.set_fulcio(Fault::OtherKey)),
            "for another key",
        ),
        (
            "fulcio other identity",
            Box::new(|w: &World| w.services.set_fulcio(Fault::OtherIdentity)),
            "the certificate is for someone-else@example.org",
        ),
        (
            "rekor 500",
            Box::new(|w: &World| w.services.set_rekor(Fault::Error500)),
            "rekor (",
        ),
        (
            "rekor hangs",
            Box::new(|w: &World| w.services.set_rekor(Fault::Hang)),
            "rekor (",
        ),
        (
            "rekor garbage",
            Box::new(|w: &World| w.services.set_rekor(Fault::Garbage)),
            "rekor (",
        ),
        (
            "rekor bad SET",
            Box::new(|w: &World| w.services.set_rekor(Fault::BadSet)),
            "the returned entry does not verify",
        ),
        (
            "fulcio refused",
            Box::new(|w: &World| {
                w.git(&["config", "gitseal.fulcio", "http://127.0.0.1:9"]);
            }),
            "fulcio (http://127.0.0.1:9)",
        ),
        (
            "rekor refused",
            Box::new(|w: &World| {
                w.git(&["config", "gitseal.rekor", "http://127.0.0.1:9"]);
            }),
            "rekor (http://127.0.0.1:9)",
        ),
    ];
    let before = w.head();
    for (name, break_it, expected) in cases {
        break_it(&w);
        let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], name);
        assert_ne!(failed.code, 0, "{name}: {}", failed.describe());
        let errors: Vec<_> = failed
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert!(
            errors.iter().any(|l| l.contains(expected)),
            "{name}: {}",
            failed.describe()
        );
        assert!(
            !failed.stderr.contains(&token),
            "{name}: the token must never be printed"
        );
        assert_eq!(w.head(), before, "{name}: no commit written");
        w.services.set_fulcio(Fault::None);
        w.services.set_rekor(Fault::None);
        w.git(&["config", "gitseal.fulcio", &w.services.fulcio_url()]);
        w.git(&["config", "gitseal.rekor", &w.services.rekor_url()]);
    }

    let expired = w.services.token(&alice(), now() - 60);
    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &expired)], "expired");
    assert!(failed.stderr.contains("expired"), "{}", failed.describe());
    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", "not-a-jwt")], "malformed");
    assert!(failed.stderr.contains("not a JWT"), "{}", failed.describe());
    // A token from an issuer Fulcio does not trust.
    let foreign = Stack::new().token(&alice(), now() + 300);
    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &foreign)], "foreign");
    assert!(failed.stderr.contains("fulcio ("), "{}", failed.describe());
    assert_eq!(w.head(), before);
}

/// A browser that follows the login URL at once (the test issuer approves at once and
/// redirects to gitseal's loopback port).
fn browser(w: &World) -> String {
    let curl = require("curl", "curl");
    let script = w.env.write(
        "browser",
        format!(
            "#!/bin/sh\nexec {} -s -L -o /dev/null \"$1\"\n",
            curl.display()
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    script.display().to_string()
}

#[test]
fn the_browser_login_signs_with_pkce_on_a_loopback_redirect() {
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    w.git(&["config", "gitseal.tokenProvider", "interactive"]);
    let browser = browser(&w);
    w.commit(&[("BROWSER", &browser)], "by browser").success();
    assert_eq!(w.services.fulcio_calls(), 1);
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        &w.services.issuer_url(),
        "HEAD",
    ]);
    run(&mut cmd).success();
}

#[test]
fn the_device_login_signs_after_the_person_approves() {
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    w.git(&["config", "gitseal.tokenProvider", "device"]);
    w.commit(&[], "by device").success();
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        &w.services.issuer_url(),
        "HEAD",
    ]);
    run(&mut cmd).success();
    // gitseal login through the device flow caches a certificate for the next commits.
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).arg("login");
    let login = run(&mut cmd).success();
    assert!(
        login.stdout().contains("alice@example.org"),
        "{}",
        login.describe()
    );
}

#[test]
fn a_signing_config_names_the_services() {
    let w = world();
    w.git(&["config", "--unset", "gitseal.fulcio"]);
    w.git(&["config", "--unset", "gitseal.rekor"]);
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": [{"url": w.services.fulcio_url(), "majorApiVersion": 1, "validFor": valid, "operator": "test"}],
        "oidcUrls": [{"url": w.services.issuer_url(), "majorApiVersion": 1, "validFor": valid, "operator": "test"}],
        "rekorTlogUrls": [{"url": w.services.rekor_url(), "majorApiVersion": 1, "validFor": valid, "operator": "test"}],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaUrls": [],
        "tsaConfig": {"selector": "ANY"}
    });
    let path = w.env.write("signing_config.json", config.to_string());
    w.git(&[
        "config",
        "gitseal.signingConfig",
        &path.display().to_string(),
    ]);
    let token = w.token();
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "configured")
        .success();
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 1)
    );

    std::fs::write(&path, "{").expect("write");
    let broken = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "broken config");
    assert_ne!(broken.code, 0);
    assert!(
        broken.stderr.contains("gitseal.signingConfig"),
        "{}",
        broken.describe()
    );
}
