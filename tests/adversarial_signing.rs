//! Issue 12, signing side: the attacks on keyless signing by another local user, a hostile
//! OIDC issuer or the user's own environment, each refused with its reason, beside the
//! honest flow it must not break. Real git and gitseal against the hermetic services
//! (support/sigstore_servers.rs, whose OIDC issuer approves at once).
//!
//! - H1: the credential and TUF caches are used only when they are the user's own
//!   directories, never through a symbolic link, and never chmod-ed otherwise;
//! - S1: every environment variable the docs name is read, and read to effect;
//! - S2: the browser login: no secret in the browser's argv, callbacks without this
//!   login's state ignored, the start URL answers once, the ID token's nonce checked, the
//!   redirect URI the listener's IP literal;
//! - S3: a credential is reused only by a run configured for the issuer it holds;
//! - S4: the device flow's text from the issuer is escaped on the terminal;
//! - S5: every answer of an issuer or token service is bounded;
//! - S6: the login listener is on loopback only.

use crate::support::sigstore_servers::Flood;
use crate::support::sigstore_stack::Identity;
use crate::support::sigstore_world::{ISSUER, World, alice, now};
use crate::support::{GITSEAL, Run, require, run};
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A user id nobody on the test machine is: the owner of "another user's" directories.
const STRANGER: u32 = 4242;

/// The world: the cache in its file, unless a test says otherwise.
fn world() -> World {
    World::new(|_| vec![("gitseal.credentialStore", "file".to_string())])
}

/// `gitseal ARGS` in the world's repository, `env` added.
fn gitseal(w: &World, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Gives `path` to [`STRANGER`] (the tests run as root, as CI does).
fn give_away(path: &Path) {
    std::os::unix::fs::lchown(path, Some(STRANGER), Some(STRANGER)).unwrap_or_else(|e| {
        panic!(
            "chown {} to uid {STRANGER}: {e} (these tests run as root, as CI does)",
            path.display()
        )
    });
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default()
}

/// An executable shell script in the test directory.
fn script(w: &World, name: &str, body: &str) -> String {
    let path = w.env.write(name, format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

// ---------------------------------------------------------------------------------------
// H1: stores of the user's own only

/// Root signing with a cache directory another user owns (a `HOME` or cache variable
/// that names it): nothing is written there, its mode is not changed, and the refusal
/// names the directory and what to do; `gitseal logout` refuses it too.
#[test]
fn a_credential_cache_another_user_owns_is_neither_used_nor_changed() {
    let w = world();
    let theirs = w.env.path("theirs/credentials");
    std::fs::create_dir_all(&theirs).expect("mkdir");
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    give_away(&theirs);
    w.git(&[
        "config",
        "gitseal.credentialCache",
        &theirs.display().to_string(),
    ]);

    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "into their cache");
    assert_ne!(failed.code, 0, "{}", failed.describe());
    let expected = format!(
        "the credential cache {} belongs to uid {STRANGER}, not to you (uid 0); it is neither used nor changed (remove it, or set gitseal.credentialCache to a directory of your own)",
        theirs.display()
    );
    assert!(failed.stderr.contains(&expected), "{}", failed.describe());
    assert_eq!(w.head(), None, "no commit");
    assert_eq!(w.services.fulcio_calls(), 0, "refused before any login");
    assert_eq!(
        entries(&theirs),
        Vec::<PathBuf>::new(),
        "nothing written there"
    );
    assert_eq!(mode(&theirs), 0o755, "not chmod-ed");
    assert_eq!(std::fs::metadata(&theirs).expect("meta").uid(), STRANGER);

    let logout = gitseal(&w, &[], &["logout"]);
    assert_ne!(logout.code, 0, "{}", logout.describe());
    assert!(logout.stderr.contains(&expected), "{}", logout.describe());
}

/// A cache directory that is a symbolic link (to a directory of the user's own, even) is
/// not followed: the key is never written where the link points.
#[test]
fn a_credential_cache_behind_a_symbolic_link_is_not_followed() {
    let w = world();
    let target = w.env.path("elsewhere");
    std::fs::create_dir_all(&target).expect("mkdir");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let link = w.env.path("credentials-link");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    w.git(&[
        "config",
        "gitseal.credentialCache",
        &link.display().to_string(),
    ]);

    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "through a link");
    assert_ne!(failed.code, 0, "{}", failed.describe());
    assert!(
        failed.stderr.contains(&format!(
            "the credential cache {} is a symbolic link; it is neither used nor changed",
            link.display()
        )),
        "{}",
        failed.describe()
    );
    assert_eq!(entries(&target), Vec::<PathBuf>::new());
    assert_eq!(mode(&target), 0o755);
    assert_eq!(w.head(), None);
}

/// The honest cache: a directory of the user's own that others could read is made
/// owner-only, keeps the credential in an owner-only file, and the next commit signs from
/// it. A credential file in it that is a link, or another user's, is not read.
#[test]
fn an_own_credential_cache_is_made_owner_only_and_used() {
    let w = world();
    let own = w.env.path("own/credentials");
    std::fs::create_dir_all(&own).expect("mkdir");
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    w.git(&[
        "config",
        "gitseal.credentialCache",
        &own.display().to_string(),
    ]);
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first")
        .success();
    assert_eq!(mode(&own), 0o700, "tightened");
    let files = entries(&own);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    w.commit(&[], "from the cache").success();
    assert_eq!(
        w.services.fulcio_calls(),
        1,
        "the second commit used the cache"
    );

    // The file made another user's: not read (the next commit has no token, so it fails,
    // saying why the cache was not used).
    give_away(&files[0]);
    let failed = w.commit(&[], "their file");
    assert_ne!(failed.code, 0);
    assert!(
        failed
            .stderr
            .contains(&format!("{} belongs to uid {STRANGER}", files[0].display())),
        "{}",
        failed.describe()
    );
    // A link in its place: not followed.
    std::fs::remove_file(&files[0]).expect("rm");
    let secret = w.env.write("secret.json", "{}");
    std::os::unix::fs::symlink(&secret, &files[0]).expect("symlink");
    let failed = w.commit(&[], "a linked file");
    assert_ne!(failed.code, 0);
    assert!(
        failed
            .stderr
            .contains("is a symbolic link; gitseal does not follow it"),
        "{}",
        failed.describe()
    );
}

/// The TUF cache (the public-good root's refresh): another user's directory, or a link,
/// is refused in one note and the built-in root is used; the directory is untouched. The
/// user's own is made owner-only.
#[test]
fn a_tuf_cache_another_user_owns_or_a_link_is_not_used() {
    use gitseal::sigstore::trust::{TrustSettings, load};
    let env = crate::support::TestEnv::new();
    let settings = |dir: &Path| TrustSettings {
        file: None,
        cache_dir: Some(dir.to_path_buf()),
        timeout: Duration::from_secs(2),
        // Refused at once: no test reaches the network.
        mirror: Some("http://127.0.0.1:9".into()),
    };
    let theirs = env.path("theirs-tuf");
    std::fs::create_dir_all(&theirs).expect("mkdir");
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    give_away(&theirs);
    let (root, note) = load(&settings(&theirs)).expect("a root");
    let note = note.expect("a note");
    assert!(
        note.contains(&format!(
            "the TUF cache {} belongs to uid {STRANGER}, not to you (uid 0)",
            theirs.display()
        )) && note.ends_with("using the built-in trusted root"),
        "{note}"
    );
    assert_eq!(root.source, "the built-in public-good root");
    assert_eq!(entries(&theirs), Vec::<PathBuf>::new());
    assert_eq!(mode(&theirs), 0o755);

    let own = env.path("own-tuf");
    std::fs::create_dir_all(&own).expect("mkdir");
    let link = env.path("tuf-link");
    std::os::unix::fs::symlink(&own, &link).expect("symlink");
    let (_, note) = load(&settings(&link)).expect("a root");
    assert!(
        note.as_deref()
            .is_some_and(|n| n.contains("is a symbolic link")),
        "{note:?}"
    );
    assert_eq!(
        entries(&own),
        Vec::<PathBuf>::new(),
        "nothing through the link"
    );

    // The honest cache: the refresh fails (nothing listens), the attempt is recorded in
    // the user's own directory, made owner-only.
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (_, note) = load(&settings(&own)).expect("a root");
    assert!(
        note.as_deref()
            .is_some_and(|n| n.starts_with("could not refresh the Sigstore trusted root")),
        "{note:?}"
    );
    assert_eq!(mode(&own), 0o700);
    assert!(own.join("gitseal-last-refresh").exists());
}

// ---------------------------------------------------------------------------------------
// S1: every documented variable is read

/// The environment variable names a text documents.
fn documented_names(text: &str) -> BTreeSet<String> {
    let names = regex::Regex::new(
        r"\b(?:(?:GITSEAL|GITSIGN|SIGSTORE|ACTIONS_ID_TOKEN|TUF|XDG)_[A-Z0-9_]*[A-Z0-9]|BROWSER|GNUPGHOME)\b",
    )
    .expect("regex");
    names
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Settings read from exactly `vars` (and an empty git config), with the names the
/// environment was asked for.
fn settings_from(
    vars: &[(&str, String)],
    home: &Path,
) -> (gitseal::config::Settings, BTreeSet<String>) {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let asked = std::cell::RefCell::new(BTreeSet::new());
    let settings = gitseal::config::Settings::with(
        &|name: &str| {
            asked.borrow_mut().insert(name.to_string());
            env.get(name).map(OsString::from)
        },
        Some(home.to_path_buf()),
        Box::new(|| Ok(gitseal::config::GitConfig::default())),
    );
    (settings, asked.into_inner())
}

type Check = fn(&gitseal::config::Settings, &gitseal::sigstore::sign::SignSettings) -> bool;

/// A variable, its value, what else must be set for it to matter, and what it changes.
type Row<'a> = (&'a str, String, Vec<(&'a str, String)>, Check);

/// Each variable the docs name (docs/sigstore.md, README.md, `gitseal man`), with a value
/// and what it must change: every one is asked for when the settings are read, and every
/// one changes the settings it documents (set alone, against the same run without it).
/// `GITSEAL_SIGNING_CONFIG` and `GITSEAL_INTERACTIVE` were documented and never read.
#[test]
fn every_documented_environment_variable_is_read() {
    let env = crate::support::TestEnv::new();
    let home = env.home().to_path_buf();
    let mut docs = String::new();
    for file in ["docs/sigstore.md", "README.md"] {
        docs.push_str(
            &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .expect("docs"),
        );
    }
    let mut man = env.gitseal();
    docs.push_str(&run(man.arg("man")).success().stdout());
    let mut documented = documented_names(&docs);
    // Where the test suite finds third-party data (src/testdata.rs): the tests' variable,
    // which README.md documents for people who run them, not one gitseal reads.
    documented.remove("GITSEAL_SHARED");
    // The debug log's variables are read apart from these settings (config::
    // log_path_in_env); tests/debug_log.rs checks them.
    documented.remove("GITSEAL_LOG");
    documented.remove("GITSIGN_LOG");

    let signing_config = env.write(
        "signing_config.json",
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [{"url": "https://fulcio.private.test", "majorApiVersion": 1,
                        "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "test"}],
            "oidcUrls": [],
            "rekorTlogUrls": [{"url": "https://rekor.private.test", "majorApiVersion": 1,
                        "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "test"}],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": [], "tsaConfig": {"selector": "ANY"}
        })
        .to_string(),
    );
    let url = |v: &str| v.to_string();
    let fulcio: Check = |_, s| s.fulcio == "https://env.test";
    let rekor: Check = |_, s| s.rekor == "https://env.test";
    let issuer: Check = |_, s| s.issuer == "https://env.test";
    let client: Check = |_, s| s.client_id == "env-client";
    let provider: Check = |_, s| s.token_provider.as_deref() == Some("device");
    let online: Check = |_, s| s.rekor_mode == gitseal::sigstore::sign::RekorMode::Online;
    let redirect: Check = |_, s| s.redirect.as_ref().is_some_and(|r| r.addr.port() == 8765);
    let connector: Check = |_, s| s.connector_id.as_deref() == Some("github");
    let mirror: Check = |_, s| s.trust.mirror.as_deref() == Some("https://env.test");
    let tsa: Check = |_, s| {
        s.timestamp
            .as_ref()
            .is_some_and(|t| t.url == "https://env.test")
    };
    let chain: Check = |_, s| {
        s.timestamp
            .as_ref()
            .is_some_and(|t| t.cert_chain == Some(PathBuf::from("/env/chain.pem")))
    };
    let actions: Check = |_, s| s.actions.is_some();
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("BROWSER", url("/env/browser"), vec![], |_, s| s.browser.as_deref() == Some("/env/browser")),
        ("GITSEAL_OIDC_REDIRECT_URL", url("http://127.0.0.1:8765/cb"), vec![], redirect),
        ("GITSIGN_OIDC_REDIRECT_URL", url("http://127.0.0.1:8765/cb"), vec![], redirect),
        ("GITSEAL_CONNECTOR_ID", url("github"), vec![], connector),
        ("GITSIGN_CONNECTOR_ID", url("github"), vec![], connector),
        ("GITSEAL_TRUSTED_ROOT", url("/env/root.json"), vec![], |_, s| s.trust.file == Some(PathBuf::from("/env/root.json"))),
        ("GITSEAL_REKOR_URL", url("https://env.test"), vec![], rekor),
        ("GITSIGN_REKOR_URL", url("https://env.test"), vec![], rekor),
        ("SIGSTORE_REKOR_URL", url("https://env.test"), vec![], rekor),
        ("GITSEAL_TIMEOUT", url("7"), vec![], |_, s| s.timeout == Duration::from_secs(7)),
        ("XDG_CACHE_HOME", url("/env/xdg"), vec![], |_, s| s.credential_cache == Some(PathBuf::from("/env/xdg/gitseal/credentials"))),
        ("GITSEAL_CACHE_DIR", url("/env/cache"), vec![], |_, s| s.credential_cache == Some(PathBuf::from("/env/cache/credentials")) && s.trust.cache_dir == Some(PathBuf::from("/env/cache/tuf"))),
        ("GITSEAL_FULCIO_URL", url("https://env.test"), vec![], fulcio),
        ("GITSIGN_FULCIO_URL", url("https://env.test"), vec![], fulcio),
        ("SIGSTORE_FULCIO_URL", url("https://env.test"), vec![], fulcio),
        ("GITSEAL_OIDC_ISSUER", url("https://env.test"), vec![], issuer),
        ("GITSIGN_OIDC_ISSUER", url("https://env.test"), vec![], issuer),
        ("SIGSTORE_OIDC_ISSUER", url("https://env.test"), vec![], issuer),
        ("GITSEAL_OIDC_CLIENT_ID", url("env-client"), vec![], client),
        ("GITSIGN_OIDC_CLIENT_ID", url("env-client"), vec![], client),
        ("SIGSTORE_OIDC_CLIENT_ID", url("env-client"), vec![], client),
        ("GITSEAL_TOKEN_PROVIDER", url("device"), vec![], provider),
        ("GITSIGN_TOKEN_PROVIDER", url("device"), vec![], provider),
        ("GITSEAL_REKOR_MODE", url("online"), vec![], online),
        ("GITSIGN_REKOR_MODE", url("online"), vec![], online),
        ("GITSEAL_CREDENTIAL_CACHE", url("false"), vec![], |_, s| s.credential_cache.is_none()),
        ("GITSEAL_CREDENTIAL_STORE", url("file"), vec![], |_, s| s.credential_store == gitseal::sigstore::credentials::StoreChoice::File),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url("https://env.test"), vec![("ACTIONS_ID_TOKEN_REQUEST_TOKEN", url("t"))], actions),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", url("t"), vec![("ACTIONS_ID_TOKEN_REQUEST_URL", url("https://env.test"))], actions),
        ("GITSEAL_TUF_MIRROR", url("https://env.test"), vec![], mirror),
        ("TUF_MIRROR", url("https://env.test"), vec![], mirror),
        ("GITSEAL_TIMESTAMP_URL", url("https://env.test"), vec![], tsa),
        ("GITSIGN_TIMESTAMP_SERVER_URL", url("https://env.test"), vec![], tsa),
        ("GITSEAL_TIMESTAMP_CERT_CHAIN", url("/env/chain.pem"), vec![("GITSEAL_TIMESTAMP_URL", url("https://tsa.test"))], chain),
        ("GITSIGN_TIMESTAMP_CERT_CHAIN", url("/env/chain.pem"), vec![("GITSEAL_TIMESTAMP_URL", url("https://tsa.test"))], chain),
        ("GITSEAL_SIGNING_CONFIG", signing_config.display().to_string(), vec![], |_, s| s.fulcio == "https://fulcio.private.test"),
        ("GITSEAL_INTERACTIVE", url("false"), vec![], |_, s| !s.login_allowed),
        ("SIGSTORE_ID_TOKEN", url("eyJ.e30.sig"), vec![], |_, s| s.id_token.is_some()),
        ("GITSEAL_FORMAT", url("ssh"), vec![], |c, _| c.format_in_env()),
        ("GNUPGHOME", url("/env/gnupg"), vec![], |c, _| c.gnupg_home == Some(PathBuf::from("/env/gnupg"))),
    ];

    let covered: BTreeSet<String> = table.iter().map(|(n, ..)| n.to_string()).collect();
    let untested: Vec<&String> = documented.difference(&covered).collect();
    assert!(
        untested.is_empty(),
        "documented but not checked here (add a row): {untested:?}"
    );
    let undocumented: Vec<&&str> = gitseal::config::SIGSTORE_ENV
        .iter()
        .filter(|n| !documented.contains(**n))
        .collect();
    assert!(
        undocumented.is_empty(),
        "read but not documented in docs/sigstore.md: {undocumented:?}"
    );

    for (name, value, extra, check) in &table {
        let mut with = extra.clone();
        let (base_config, asked) = settings_from(&with, &home);
        let base = base_config.sigstore_signing().expect("settings");
        with.push((name, value.clone()));
        let (config, _) = settings_from(&with, &home);
        let settings = config
            .sigstore_signing()
            .unwrap_or_else(|e| panic!("{name}={value}: {}", e.message));
        assert!(
            asked.contains(*name),
            "{name} is documented but never asked for"
        );
        assert!(
            check(&config, &settings) && !check(&base_config, &base),
            "{name}={value} does not change what it documents"
        );
    }
}

/// A private instance named only through the environment (GITSEAL_SIGNING_CONFIG): the
/// token goes to its Fulcio, not the public one.
#[test]
fn a_signing_config_named_by_the_environment_is_where_the_token_goes() {
    let w = world();
    w.git(&["config", "--unset", "gitseal.fulcio"]);
    w.git(&["config", "--unset", "gitseal.rekor"]);
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let service = |url: String| serde_json::json!([{"url": url, "majorApiVersion": 1, "validFor": valid, "operator": "test"}]);
    let config = w.env.write(
        "private_signing_config.json",
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": service(w.services.fulcio_url()),
            "oidcUrls": service(ISSUER.to_string()),
            "rekorTlogUrls": service(w.services.rekor_url()),
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": [],
            "tsaConfig": {"selector": "ANY"}
        })
        .to_string(),
    );
    let config = config.display().to_string();
    let token = w.token();
    w.commit(
        &[
            ("GITSEAL_SIGNING_CONFIG", &config),
            ("SIGSTORE_ID_TOKEN", &token),
        ],
        "private",
    )
    .success();
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 1),
        "signed by the private instance"
    );
}

/// `script(1)` runs `command` on a pseudo-terminal (so gitseal has a /dev/tty): its
/// output, and how long it took.
fn at_a_terminal(
    w: &World,
    env: &[(&str, &str)],
    unset: &[&str],
    command: &str,
) -> (Run, Duration) {
    require("script", "util-linux");
    let mut cmd = w.env.command("script");
    cmd.current_dir(&w.dir)
        .args(["-qec", command, "/dev/null"])
        .env("SHELL", "/bin/sh");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let started = Instant::now();
    let result = run(&mut cmd);
    (result, started.elapsed())
}

/// GITSEAL_INTERACTIVE=false at a terminal: no browser is opened and nobody is waited
/// for; without it, at the same terminal, the browser login runs.
#[test]
fn gitseal_interactive_false_at_a_terminal_starts_no_login() {
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    let marker = w.env.path("browser-opened");
    let curl = require("curl", "curl");
    let browser = script(
        &w,
        "marking-browser",
        &format!(
            "echo \"$1\" >> {}\nexec {} -s -L -o /dev/null \"$1\"",
            marker.display(),
            curl.display()
        ),
    );
    let login = format!("{GITSEAL} login");
    // TestEnv sets GITSEAL_INTERACTIVE=false for every command.
    let (refused, took) = at_a_terminal(&w, &[("BROWSER", &browser)], &[], &login);
    assert_ne!(refused.code, 0, "{}", refused.describe());
    assert!(
        refused
            .stdout()
            .contains("gitseal.interactive is false, so no login is started"),
        "{}",
        refused.describe()
    );
    assert!(!marker.exists(), "no browser was opened");
    assert!(
        took < Duration::from_secs(20),
        "no wait for a login: {took:?}"
    );

    let (logged_in, _) = at_a_terminal(
        &w,
        &[("BROWSER", &browser)],
        &["GITSEAL_INTERACTIVE"],
        &login,
    );
    assert_eq!(logged_in.code, 0, "{}", logged_in.describe());
    assert!(marker.exists(), "the browser was opened");
    assert!(
        logged_in
            .stdout()
            .contains("Certificate for [alice@example.org]"),
        "{}",
        logged_in.describe()
    );
}

// ---------------------------------------------------------------------------------------
// S2: the browser login

/// A world whose issuer is the hermetic one, logging in through the browser flow.
fn browser_world() -> World {
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    w.git(&["config", "gitseal.tokenProvider", "interactive"]);
    w
}

/// Another local user sees the browser's command line and connects to the callback
/// first: without the state, with another state, with `error=`. Each is answered 400 and
/// ignored; the person's own login then completes. The browser's argv holds neither the
/// state, nor the nonce, nor the PKCE challenge; the redirect URI is the listener's IP
/// literal.
#[test]
fn login_callbacks_without_this_logins_state_are_ignored() {
    let w = browser_world();
    let curl = require("curl", "curl");
    let log = w.env.path("browser.log");
    let browser = script(
        &w,
        "racing-browser",
        &format!(
            r#"exec >> {log} 2>&1
echo "argv: $*"
origin="${{1%/login/*}}"
for query in "code=stolen" "code=stolen&state=guessed" "error=access_denied" "error=access_denied&state=guessed"; do
  echo "stranger $query: $({curl} -s -o /dev/null -w '%{{http_code}}' "$origin/auth/callback?$query")"
done
echo "location: $({curl} -s -o /dev/null -w '%{{redirect_url}}' "$1")"
"#,
            log = log.display(),
            curl = curl.display()
        ),
    );
    // The location line fetched the start URL: the login is finished by a second script
    // that follows the authorization URL itself, as the browser would.
    let follow = script(
        &w,
        "browser",
        &format!(
            "{browser} \"$1\"\nlocation=$(sed -n 's/^location: //p' {log})\nexec {curl} -s -L -o /dev/null \"$location\"",
            log = log.display(),
            curl = curl.display()
        ),
    );
    w.commit(&[("BROWSER", &follow)], "after the strangers")
        .success();
    let said = std::fs::read_to_string(&log).expect("log");
    for query in [
        "code=stolen",
        "code=stolen&state=guessed",
        "error=access_denied",
        "error=access_denied&state=guessed",
    ] {
        assert!(
            said.contains(&format!("stranger {query}: 400")),
            "{query}: {said}"
        );
    }
    let argv = said
        .lines()
        .find_map(|l| l.strip_prefix("argv: "))
        .expect("argv");
    assert!(
        argv.starts_with("http://127.0.0.1:") && argv.contains("/login/"),
        "{argv}"
    );
    for secret in ["state", "nonce", "code_challenge", "redirect_uri", "oidc"] {
        assert!(
            !argv.contains(secret),
            "{secret} in the browser's argv: {argv}"
        );
    }
    let location = said
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .expect("location");
    let port = argv
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .expect("port");
    let authorize = reqwest::Url::parse(location).expect("authorization URL");
    let query: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(
        query.get("redirect_uri").map(String::as_str),
        Some(format!("http://127.0.0.1:{port}/auth/callback").as_str()),
        "{location}"
    );
    assert_eq!(
        query.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert!(query.contains_key("state") && query.contains_key("nonce"));
    assert_eq!(w.services.fulcio_calls(), 1);
    let mut verify = w.env.gitseal();
    verify.current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        &w.services.issuer_url(),
        "HEAD",
    ]);
    run(&mut verify).success();
}

/// An attacker who learned the authorization URL logs in with the same state and PKCE
/// challenge but a nonce of their own, and delivers that code: the issuer's PKCE check
/// passes (our verifier matches the challenge), but the ID token's nonce is not ours, so
/// the token is not used, Fulcio is never asked, and no commit is written.
#[test]
fn an_id_token_with_another_nonce_is_refused() {
    let w = browser_world();
    let curl = require("curl", "curl");
    let browser = script(
        &w,
        "attacker",
        &format!(
            r#"location=$({curl} -s -o /dev/null -w '%{{redirect_url}}' "$1")
forged=$(echo "$location" | sed 's/nonce=[^&]*/nonce=the-attackers-own/')
exec {curl} -s -L -o /dev/null "$forged""#,
            curl = curl.display()
        ),
    );
    let failed = w.commit(&[("BROWSER", &browser)], "attacker's code");
    assert_ne!(failed.code, 0, "{}", failed.describe());
    assert!(
        failed
            .stderr
            .contains("the ID token's nonce is not this login's"),
        "{}",
        failed.describe()
    );
    assert_eq!(
        w.services.fulcio_calls(),
        0,
        "the token never reached Fulcio"
    );
    assert_eq!(w.head(), None);
}

/// The one-time start URL: fetched by someone else before the browser (or after it), the
/// login ends instead of going on with whoever followed it first.
#[test]
fn the_login_link_answers_once() {
    let w = browser_world();
    let curl = require("curl", "curl");
    let log = w.env.path("second.log");
    let browser = script(
        &w,
        "twice",
        &format!(
            r#"echo "first: $({curl} -s -o /dev/null -w '%{{http_code}}' "$1")" >> {log}
echo "second: $({curl} -s -o /dev/null -w '%{{http_code}}' "$1")" >> {log}"#,
            curl = curl.display(),
            log = log.display()
        ),
    );
    let failed = w.commit(&[("BROWSER", &browser)], "twice");
    assert_ne!(failed.code, 0, "{}", failed.describe());
    assert!(
        failed.stderr.contains("the login link was opened twice"),
        "{}",
        failed.describe()
    );
    // The browser script outlives gitseal by the moment it takes to write its log.
    let deadline = Instant::now() + Duration::from_secs(10);
    let said = loop {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        if said.contains("second:") || Instant::now() > deadline {
            break said;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        said.contains("first: 302") && said.contains("second: 410"),
        "{said}"
    );
    assert_eq!(w.head(), None);
}

/// The honest person whose browser did not open (a `$BROWSER` that starts and shows
/// nothing): the link printed on the terminal still logs them in.
#[test]
fn the_printed_login_link_works_when_no_browser_opens() {
    use std::io::BufRead;
    let w = browser_world();
    let curl = require("curl", "curl");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .arg("login")
        .env("BROWSER", "/bin/true")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("gitseal login");
    let stderr = child.stderr.take().expect("stderr");
    let mut said = Vec::new();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let link = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("no login link printed: {said:?}"))
            .expect("a line");
        said.push(line.clone());
        if line.starts_with("http://127.0.0.1:") {
            break line;
        }
    };
    assert!(
        link.contains("/login/") && !link.contains("state="),
        "{link}"
    );
    // The person opens it in a browser on this machine.
    let opened = std::process::Command::new(curl)
        .args(["-s", "-L", "-o", "/dev/null", "-w", "%{http_code}", &link])
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&opened.stdout), "200");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{said:?} {rest:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Certificate for [alice@example.org]"),
        "{rest:?}"
    );
}

// ---------------------------------------------------------------------------------------
// S3: cached credentials are the configured issuer's

/// A token of another issuer signs one commit; the next commit without a token does not
/// sign as that issuer from the cache (there is no token and no login here, so it fails,
/// and Fulcio is not asked again).
#[test]
fn a_token_of_another_issuer_is_not_reused_from_the_cache() {
    let w = world();
    let mallory = Identity {
        email: "mallory@example.org".into(),
        issuer: "https://other-issuer.test".into(),
    };
    let foreign = w.services.token(&mallory, now() + 300);
    w.commit(
        &[("SIGSTORE_ID_TOKEN", &foreign)],
        "signed by another issuer",
    )
    .success();
    let first = w.head();
    assert_eq!(w.services.fulcio_calls(), 1);
    let next = w.commit(&[], "no token");
    assert_ne!(next.code, 0, "{}", next.describe());
    assert!(
        next.stderr
            .contains(&format!("found no OIDC token for {ISSUER}")),
        "{}",
        next.describe()
    );
    assert_eq!(w.head(), first, "nothing signed as the other issuer");
    assert_eq!(w.services.fulcio_calls(), 1);
    // `gitseal login` finds nothing cached for the configured issuer either.
    let login = gitseal(&w, &[], &["login"]);
    assert_ne!(login.code, 0, "{}", login.describe());
}

/// The honest control: a token of the configured issuer is cached and the next commit
/// signs from the cache as that identity.
#[test]
fn a_token_of_the_configured_issuer_is_reused_from_the_cache() {
    let w = world();
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first")
        .success();
    w.commit(&[], "from the cache").success();
    assert_eq!(w.services.fulcio_calls(), 1);
    let login = gitseal(&w, &[], &["login"]).success();
    assert!(
        login
            .stdout()
            .contains(&format!("[{}]({ISSUER}) still cached", alice().email)),
        "{}",
        login.describe()
    );
}

// ---------------------------------------------------------------------------------------
// S4: the issuer's words on the terminal

/// The device flow's verification URI and user code, and its error description, carry
/// terminal escapes (set the title, hide text, write the clipboard with OSC 52): they are
/// shown escaped; the login itself works.
#[test]
fn device_flow_text_from_the_issuer_is_shown_escaped() {
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    *w.services.services.device_answer.lock().expect("lock") = Some(serde_json::json!({
        "verification_uri": "https://issuer.test/activate\u{1b}]0;pwned\u{7}",
        "user_code": "WDJB\u{1b}[8mHIDDEN\u{1b}]52;c;ZXZpbA==\u{7}\u{202e}",
    }));
    let login = gitseal(&w, &[("GITSEAL_TOKEN_PROVIDER", "device")], &["login"]).success();
    let said = format!("{}{}", login.stdout(), login.stderr);
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{7}') && !said.contains('\u{202e}'),
        "{said:?}"
    );
    assert!(
        said.contains(
            "visit https://issuer.test/activate\\x1b]0;pwned\\x07 on any device and enter the code WDJB\\x1b[8mHIDDEN\\x1b]52;c;ZXZpbA==\\x07\\u{202e}"
        ),
        "{said}"
    );
    assert!(
        said.contains("Certificate for [alice@example.org]"),
        "{said}"
    );

    *w.services.services.device_refusal.lock().expect("lock") = Some(serde_json::json!({
        "error": "access_denied",
        "error_description": "denied\u{1b}]52;c;ZXZpbA==\u{7}\nerror: forged second line",
    }));
    // The certificate just fetched is forgotten, so that the next login asks the issuer.
    gitseal(&w, &[], &["logout"]).success();
    let refused = gitseal(&w, &[("GITSEAL_TOKEN_PROVIDER", "device")], &["login"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains("the device login failed: denied\\x1b]52;c;ZXZpbA==\\x07"),
        "{}",
        refused.describe()
    );
    assert!(
        !refused.stderr.contains('\u{1b}') && !refused.stderr.contains("forged second line"),
        "{}",
        refused.describe()
    );
}

// ---------------------------------------------------------------------------------------
// S5: bounded answers

/// An issuer (or the GitHub Actions token service) that answers without end, or with
/// more than 1 MiB: refused at the bound, quickly, saying so, whichever answer it is; the
/// same services answering normally log in.
#[test]
fn oversized_issuer_answers_are_refused_at_the_bound() {
    for (service, flood) in [
        ("discovery", Flood::Endless),
        ("discovery", Flood::Sized(3 * 1024 * 1024)),
        ("device", Flood::Endless),
        ("token", Flood::Sized(2 * 1024 * 1024 + 1)),
        ("actions", Flood::Endless),
    ] {
        let w = world();
        w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
        // Long enough that only the bound, not the time, can stop the answer.
        w.git(&["config", "gitseal.timeout", "60"]);
        w.services.flood(service, flood);
        let actions_url = w.services.actions_url();
        let env: Vec<(&str, &str)> = if service == "actions" {
            *w.services.services.actions_token.lock().expect("lock") =
                Some(("bearer".into(), w.token()));
            vec![
                ("ACTIONS_ID_TOKEN_REQUEST_URL", actions_url.as_str()),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
            ]
        } else {
            vec![("GITSEAL_TOKEN_PROVIDER", "device")]
        };
        let started = Instant::now();
        let refused = gitseal(&w, &env, &["login"]);
        let took = started.elapsed();
        assert_ne!(refused.code, 0, "{service}: {}", refused.describe());
        assert!(
            refused
                .stderr
                .contains("with an answer of more than 1048576 bytes; refused"),
            "{service} {flood:?}: {}",
            refused.describe()
        );
        assert!(took < Duration::from_secs(20), "{service}: {took:?}");
        assert_eq!(w.services.fulcio_calls(), 0);
    }
    // The honest answers of the same services.
    let w = world();
    w.git(&["config", "gitseal.issuer", &w.services.issuer_url()]);
    gitseal(&w, &[("GITSEAL_TOKEN_PROVIDER", "device")], &["login"]).success();
    let w = world();
    *w.services.services.actions_token.lock().expect("lock") = Some(("bearer".into(), w.token()));
    let actions_url = w.services.actions_url();
    gitseal(
        &w,
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", actions_url.as_str()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
        ],
        &["login"],
    )
    .success();
}

// ---------------------------------------------------------------------------------------
// S6: the listener on loopback only

/// `gitseal.redirectURL` naming every interface, or another host, is refused before any
/// login; `localhost` is taken as 127.0.0.1, where the listener is and what the redirect
/// URI says.
#[test]
fn a_redirect_url_off_loopback_is_refused() {
    let w = browser_world();
    for url in [
        "http://0.0.0.0:8765/auth/callback",
        "http://[::]:8765/auth/callback",
        "http://example.org:8765/auth/callback",
    ] {
        w.git(&["config", "gitseal.redirectURL", url]);
        let refused = gitseal(&w, &[], &["login"]);
        assert_eq!(refused.code, 2, "{url}: {}", refused.describe());
        assert!(
            refused.stderr.contains(&format!(
                "invalid gitseal.redirectURL `{url}`: its host is not a loopback address"
            )),
            "{}",
            refused.describe()
        );
    }
    // The honest form: a fixed port at localhost.
    let curl = require("curl", "curl");
    let log = w.env.path("fixed.log");
    let browser = script(
        &w,
        "fixed-port-browser",
        &format!(
            "echo \"$1\" >> {log}\nexec {curl} -s -L -o /dev/null -w '%{{url_effective}}' \"$1\" >> {log}",
            log = log.display(),
            curl = curl.display()
        ),
    );
    // A port that was free a moment ago: a server of another test (bound to port 0) may
    // have been given it since, and then gitseal cannot listen there; another port is
    // tried only for that.
    let (port, said) = (0..5)
        .find_map(|_| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            w.git(&[
                "config",
                "gitseal.redirectURL",
                &format!("http://localhost:{port}/auth/callback"),
            ]);
            let login = gitseal(&w, &[("BROWSER", &browser)], &["login"]);
            if login
                .stderr
                .contains("cannot listen for the redirect: Address already in use")
            {
                return None;
            }
            login.success();
            Some((port, std::fs::read_to_string(&log).expect("log")))
        })
        .expect("five free ports were all taken before gitseal listened");
    assert!(
        said.starts_with(&format!("http://127.0.0.1:{port}/login/")),
        "{said}"
    );
    assert!(
        said.contains(&format!("http://127.0.0.1:{port}/auth/callback?code=")),
        "the issuer redirected to the IP literal: {said}"
    );
}
