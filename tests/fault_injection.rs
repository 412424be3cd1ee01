//! Every network call of keyless signing and verification, failing every way a network
//! fails (support/faulty.rs): refused, hanging, HTTP 500, garbage, a slow drip, a TLS
//! failure. The faulty service replaces one of OIDC issuer, Fulcio, Rekor, the RFC 3161
//! timestamp authority, the GitHub Actions token service and the TUF mirror; the others
//! are the working hermetic services (support/sigstore_servers.rs). Each run of the real binary must end within
//! `gitseal.timeout` plus a margin, print one error line naming the service and the
//! cause, write no commit and no credential, and never print the token. A TUF failure is
//! not an error: one `note:` naming TUF and the cause, and verification goes on with the
//! built-in root.

use crate::support::faulty::{Faulty, Mode};
use crate::support::sigstore_servers;
use crate::support::sigstore_stack::Stack;
use crate::support::sigstore_world;
use crate::support::{Run, TestEnv, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `gitseal.timeout` in these tests, in seconds.
const TIMEOUT: u64 = 2;

/// What a run may take beyond the timeout: starting git and gitseal, the other (working)
/// services, and a loaded machine. Generous on purpose: the point is that a run ends,
/// not how fast; an unbounded one (a drip never ends) takes minutes.
const MARGIN: Duration = Duration::from_secs(6);

/// The services a fault can stand in for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Oidc,
    Fulcio,
    Rekor,
    /// The RFC 3161 timestamp authority of `gitseal.timestampURL`.
    Tsa,
    Actions,
    Tuf,
}

/// The cause each fault must be reported with (the service is checked separately).
fn cause(service: Service, mode: Mode) -> &'static str {
    match (service, mode) {
        (_, Mode::Refused) => "connection refused",
        (_, Mode::Hang | Mode::SlowDrip) => "timed out after 2 s",
        (Service::Oidc, Mode::Error500) => "discovery answered HTTP 500",
        (_, Mode::Error500) => "HTTP 500",
        (_, Mode::TlsFailure) => "TLS handshake failed (the server does not speak TLS)",
        (Service::Oidc, Mode::Garbage) => "the discovery document is not OIDC's",
        (Service::Fulcio, Mode::Garbage) => "the answer is not a Fulcio certificate",
        (Service::Rekor, Mode::Garbage) => "the answer is not a Rekor log entry",
        (Service::Tsa, Mode::Garbage) => {
            "RFC 3161 timestamp is malformed: the answer is not a TimeStampResp"
        }
        (Service::Actions, Mode::Garbage) => "the answer is not JSON",
        (Service::Tuf, Mode::Garbage) => "the answer is not TUF metadata",
    }
}

/// A repository set up for keyless signing against the hermetic services
/// (support/sigstore_world.rs), with one unsigned commit, so that "no commit written"
/// compares two commit ids; commits and logins here are timed.
struct World(sigstore_world::World);

impl std::ops::Deref for World {
    type Target = sigstore_world::World;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl World {
    fn new() -> World {
        let world = World(sigstore_world::World::new(|services| {
            vec![
                ("gitseal.issuer", services.issuer_url()),
                ("gitseal.timeout", TIMEOUT.to_string()),
            ]
        }));
        std::fs::write(world.dir.join("file.txt"), "base\n").expect("write");
        world.git(&["add", "file.txt"]);
        world.git(&["commit", "-q", "--no-gpg-sign", "-m", "base"]);
        world
    }

    /// `git commit -S` with the real clock (fresh certificates) and `env` added, timed.
    fn commit(&self, env: &[(&str, &str)], message: &str) -> (Run, Duration) {
        let started = Instant::now();
        let done = self.0.commit(env, message);
        (done, started.elapsed())
    }

    /// `gitseal login`, timed.
    fn login(&self) -> (Run, Duration) {
        let mut cmd = self.env.gitseal();
        cmd.current_dir(&self.dir).arg("login");
        timed(&mut cmd)
    }

    /// The credential cache's files, including half-written ones.
    fn cached(&self) -> Vec<PathBuf> {
        files(&self.env.home().join(".cache/gitseal/credentials"))
    }
}

fn timed(cmd: &mut Command) -> (Run, Duration) {
    let started = Instant::now();
    let done = run(cmd);
    (done, started.elapsed())
}

/// Every file under `dir` (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// gitseal's error lines in what git (or gitseal) printed: git's own framing of a
/// failed signature ("error: gpg failed to sign the data", "fatal: ...") left out.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: ") && !l.starts_with("error: gpg failed to sign"))
        .collect()
}

/// The checks every failing run must pass; what is wrong, if anything. Cases are
/// collected and reported together, so one run shows the whole matrix.
fn failed_cleanly(
    case: &str,
    done: &Run,
    elapsed: Duration,
    service: Service,
    mode: Mode,
    secrets: &[&str],
) -> Result<(), String> {
    let name = match service {
        Service::Oidc => "oidc (",
        Service::Fulcio => "fulcio (",
        Service::Rekor => "rekor (",
        Service::Tsa => "timestamp authority (",
        Service::Actions => "github actions token service (",
        Service::Tuf => "TUF (",
    };
    let bound = Duration::from_secs(TIMEOUT) + MARGIN;
    let errors = error_lines(&done.stderr);
    eprintln!("{case}: {elapsed:.1?}: {}", errors.join(" | "));
    let problem = if elapsed >= bound {
        format!("took {elapsed:?}, more than {bound:?}")
    } else if mode.times_out() && elapsed < Duration::from_millis(TIMEOUT * 1000 - 200) {
        // Such a fault ends only when the bound does: sooner, something else stopped it.
        format!("ended after {elapsed:?}, before the {TIMEOUT} s timeout")
    } else if done.code == 0 {
        "succeeded".into()
    } else if errors.len() != 1 {
        "not exactly one error line".into()
    } else if !(errors[0].contains(name) && errors[0].contains(cause(service, mode))) {
        format!(
            "the error does not name {name:?} and {:?}",
            cause(service, mode)
        )
    } else if secrets
        .iter()
        .any(|s| done.stderr.contains(s) || done.stdout().contains(s))
    {
        "a secret was printed".into()
    } else {
        return Ok(());
    };
    Err(format!("{case}: {problem}\n{}", done.describe()))
}

/// Fails the test with every case that went wrong.
#[track_caller]
fn all_passed(problems: Vec<String>) {
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn fulcio_faults() {
    let w = World::new();
    let token = w.token();
    let before = w.head();
    let mut problems = Vec::new();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        w.git(&["config", "gitseal.fulcio", &faulty.url()]);
        let case = format!("fulcio {mode:?}");
        let (done, elapsed) = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], &case);
        problems
            .extend(failed_cleanly(&case, &done, elapsed, Service::Fulcio, mode, &[&token]).err());
        assert_eq!(w.head(), before, "{case}: no commit written");
        assert_eq!(w.cached(), Vec::<PathBuf>::new(), "{case}: nothing cached");
        assert_eq!(
            w.services.rekor_calls(),
            0,
            "{case}: nothing logged without a certificate"
        );
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the fault was reached");
        }
    }
    all_passed(problems);
}

#[test]
fn rekor_faults() {
    let w = World::new();
    let token = w.token();
    let before = w.head();
    let mut problems = Vec::new();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        w.git(&["config", "gitseal.rekor", &faulty.url()]);
        // No cached certificate: each case asks Fulcio (which works) afresh.
        w.git(&["config", "gitseal.credentialCache", "false"]);
        let case = format!("rekor {mode:?}");
        let (done, elapsed) = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], &case);
        problems
            .extend(failed_cleanly(&case, &done, elapsed, Service::Rekor, mode, &[&token]).err());
        assert_eq!(w.head(), before, "{case}: no commit written");
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the fault was reached");
        }
    }
    all_passed(problems);
    assert!(
        w.services.fulcio_calls() >= Mode::ALL.len(),
        "Fulcio was asked"
    );
}

/// The TSA is asked after Fulcio (which works) and before Rekor: a failing TSA leaves no
/// entry in the log, as with gitsign.
#[test]
fn tsa_faults() {
    let w = World::new();
    let token = w.token();
    let before = w.head();
    // No cached certificate: each case asks Fulcio afresh, so each reaches the TSA the same
    // way.
    w.git(&["config", "gitseal.credentialCache", "false"]);
    let mut problems = Vec::new();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        let url = format!("{}/api/v1/timestamp", faulty.url());
        w.git(&["config", "gitseal.timestampURL", &url]);
        let case = format!("tsa {mode:?}");
        let fulcio_before = w.services.fulcio_calls();
        let (done, elapsed) = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], &case);
        problems.extend(failed_cleanly(&case, &done, elapsed, Service::Tsa, mode, &[&token]).err());
        assert!(
            error_lines(&done.stderr)
                .iter()
                .all(|l| l.contains(&format!("timestamp authority ({url})"))),
            "{case}: the error names the TSA's URL\n{}",
            done.describe()
        );
        assert_eq!(w.head(), before, "{case}: no commit written");
        assert_eq!(
            w.services.fulcio_calls(),
            fulcio_before + 1,
            "{case}: Fulcio was asked first"
        );
        assert_eq!(
            w.services.rekor_calls(),
            0,
            "{case}: nothing logged when the TSA fails"
        );
        assert_eq!(
            w.services.tsa_calls(),
            0,
            "{case}: only the faulty TSA asked"
        );
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the fault was reached");
        }
        if ![Mode::Refused, Mode::TlsFailure].contains(&mode) {
            assert!(
                faulty
                    .requests()
                    .iter()
                    .any(|r| r == "POST /api/v1/timestamp HTTP/1.1"),
                "{case}: the timestamp request reached the TSA: {:?}",
                faulty.requests()
            );
        }
    }
    all_passed(problems);
    // The same repository signs again, stamped, once the TSA works.
    w.git(&["config", "gitseal.timestampURL", &w.services.tsa_url()]);
    let (done, _) = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "tsa works");
    assert_eq!(done.code, 0, "{}", done.describe());
    assert_ne!(w.head(), before, "a commit written");
    assert_eq!(
        (w.services.tsa_calls(), w.services.rekor_calls()),
        (1, 1),
        "stamped, then logged"
    );
}

#[test]
fn oidc_issuer_faults() {
    let w = World::new();
    // The device flow: no browser is needed, and it starts from the issuer's discovery.
    w.git(&["config", "gitseal.tokenProvider", "device"]);
    let mut problems = Vec::new();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        w.git(&["config", "gitseal.issuer", &faulty.url()]);
        let case = format!("oidc {mode:?}");
        let (done, elapsed) = w.login();
        problems.extend(failed_cleanly(&case, &done, elapsed, Service::Oidc, mode, &[]).err());
        assert_eq!(w.cached(), Vec::<PathBuf>::new(), "{case}: nothing cached");
        assert_eq!(w.services.fulcio_calls(), 0, "{case}: Fulcio not asked");
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the fault was reached");
        }
    }
    all_passed(problems);
}

#[test]
fn github_actions_token_service_faults() {
    let w = World::new();
    let before = w.head();
    let bearer = "actions-request-bearer-secret";
    let mut problems = Vec::new();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        let url = format!("{}/token?api-version=2.0", faulty.url());
        let case = format!("actions {mode:?}");
        let (done, elapsed) = w.commit(
            &[
                ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", bearer),
            ],
            &case,
        );
        problems
            .extend(failed_cleanly(&case, &done, elapsed, Service::Actions, mode, &[bearer]).err());
        assert_eq!(w.head(), before, "{case}: no commit written");
        assert_eq!(w.cached(), Vec::<PathBuf>::new(), "{case}: nothing cached");
        assert_eq!(w.services.fulcio_calls(), 0, "{case}: Fulcio not asked");
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the fault was reached");
        }
    }
    all_passed(problems);
}

/// A gitsign commit from the public instance with its log entry embedded: it verifies
/// offline with the built-in root, whatever the TUF mirror does.
const VECTOR: (&str, &str, &str) = (
    "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
    "billy@chainguard.dev",
    "https://accounts.google.com",
);

#[test]
fn tuf_mirror_faults_fall_back_to_the_built_in_root() {
    let env = TestEnv::new();
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).expect("repo dir");
    let git = |args: &[&str]| run(env.git(&dir).args(args)).success();
    git(&["init", "-q", "-b", "main"]);
    // No gitseal.trustedRoot: the public-good root, refreshed through TUF.
    git(&["config", "gitseal.timeout", &TIMEOUT.to_string()]);
    let path = gitseal::testdata::gitsign(VECTOR.0).display().to_string();
    let id = git(&["hash-object", "-t", "commit", "-w", "--literally", &path])
        .stdout()
        .trim()
        .to_string();
    for mode in Mode::ALL {
        let faulty = Faulty::start(mode);
        let case = format!("tuf {mode:?}");
        let cache = env.path(&format!("cache-{mode:?}"));
        let mut cmd = env.gitseal();
        cmd.current_dir(&dir)
            .env("GITSEAL_CACHE_DIR", &cache)
            .env("TUF_MIRROR", faulty.url())
            .args([
                "verify-commit",
                "--certificate-identity",
                VECTOR.1,
                "--certificate-oidc-issuer",
                VECTOR.2,
                &id,
            ]);
        let (done, elapsed) = timed(&mut cmd);
        let bound = Duration::from_secs(TIMEOUT) + MARGIN;
        assert!(
            elapsed < bound,
            "{case}: took {elapsed:?}\n{}",
            done.describe()
        );
        assert_eq!(
            done.code,
            0,
            "{case}: verification goes on\n{}",
            done.describe()
        );
        let notes: Vec<_> = done
            .stderr
            .lines()
            .filter(|l| l.contains("note:"))
            .collect();
        assert_eq!(notes.len(), 1, "{case}: one note\n{}", done.describe());
        assert!(
            notes[0].contains("TUF")
                && notes[0].contains(&faulty.url())
                && notes[0].contains(cause(Service::Tuf, mode))
                && notes[0].contains("built-in"),
            "{case}: the note names TUF, the mirror, the cause and the fallback\n{}",
            done.describe()
        );
        assert!(
            error_lines(&done.stderr).is_empty(),
            "{case}: a failed refresh is no error\n{}",
            done.describe()
        );
        // Only the attempt is recorded (so an offline machine asks once a day, not on
        // every verification); nothing the mirror sent is kept.
        // The TUF client stores the root it starts from (the one shipped in gitseal) as it
        // begins; anything else would have come from the mirror.
        let shipped = sigstore_trust_root::SigstoreInstance::PublicGood.tuf_root();
        let kept: Vec<_> = files(&cache)
            .into_iter()
            .filter(|f| !f.ends_with("tuf/gitseal-last-refresh"))
            .filter(|f| std::fs::read(f).ok().as_deref() != Some(shipped))
            .collect();
        assert_eq!(
            kept,
            Vec::<PathBuf>::new(),
            "{case}: nothing from the mirror kept"
        );
        if mode != Mode::Refused {
            assert!(faulty.connections() > 0, "{case}: the mirror was asked");
        }
        eprintln!("{case}: {elapsed:.1?}: {}", notes[0]);

        // Within the day the mirror is not asked again, and nothing is said.
        let asked = faulty.connections();
        let (again, _) = timed(&mut cmd);
        assert_eq!(again.code, 0, "{case}: {}", again.describe());
        assert!(
            !again.stderr.contains("note:"),
            "{case}: {}",
            again.describe()
        );
        assert_eq!(faulty.connections(), asked, "{case}: asked once a day");
    }
}

/// Configuration trust: a repository owned by someone else (git's `safe.directory`
/// rules) cannot point gitseal at another OIDC issuer, Fulcio or Rekor, under gitseal's
/// names or gitsign's. The hostile repository's config names a server that records every
/// connection; the user's own (global) config names the working services. Then the same
/// repository, declared safe, is obeyed: the test can tell the two apart.
#[test]
fn a_repository_owned_by_someone_else_cannot_redirect_the_services() {
    for prefix in ["gitseal", "gitsign"] {
        let env = TestEnv::new();
        let services = sigstore_servers::start(Stack::new());
        let hostile = Faulty::start(Mode::Error500);
        let root = env.write("trusted_root.json", services.trusted_root());
        let global = |key: &str, value: &str| {
            run(env.command("git").args(["config", "--global", key, value])).success();
        };
        global("gpg.format", "x509");
        global("gitseal.trustedRoot", &root.display().to_string());
        global("gitseal.timeout", &TIMEOUT.to_string());
        global(&format!("{prefix}.fulcio"), &services.fulcio_url());
        global(&format!("{prefix}.rekor"), &services.rekor_url());
        global(&format!("{prefix}.issuer"), &services.issuer_url());
        global(&format!("{prefix}.tokenProvider"), "device");

        let dir = env.path("theirs");
        std::fs::create_dir_all(&dir).expect("repo dir");
        let local = |args: &[&str]| run(env.git(&dir).args(args)).success();
        local(&["init", "-q", "-b", "main"]);
        for key in ["fulcio", "rekor", "issuer"] {
            local(&["config", &format!("{prefix}.{key}"), &hostile.url()]);
        }
        local(&[
            "config",
            "gitseal.trustedRoot",
            "/nonexistent/hostile-root.json",
        ]);
        local(&["config", "gitseal.tufMirror", &hostile.url()]);
        // Tests run as root; 65534 is nobody.
        chown_all(&dir, 65534);

        let gitseal = |args: &[&str], input: Option<&[u8]>| {
            let mut cmd = env.gitseal();
            cmd.current_dir(&dir).args(args);
            match input {
                Some(input) => crate::support::run_stdin(&mut cmd, input),
                None => run(&mut cmd),
            }
        };
        let case = format!("{prefix}.* in a repository owned by someone else");
        let login = gitseal(&["login"], None);
        assert_eq!(login.code, 0, "{case}: {}", login.describe());
        assert!(
            login.stdout().contains("alice@example.org"),
            "{case}: {}",
            login.describe()
        );
        // Signing from inside it (as a program run there would): the cached certificate,
        // then the user's Rekor.
        let signed = gitseal(
            &["--status-fd=2", "-bsau", "ignored"],
            Some(b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n"),
        );
        assert_eq!(signed.code, 0, "{case}: {}", signed.describe());
        assert!(
            signed.stdout().contains("-----BEGIN SIGNED MESSAGE-----"),
            "{case}: {}",
            signed.describe()
        );
        assert_eq!(
            (hostile.connections(), hostile.requests()),
            (0, Vec::<String>::new()),
            "{case}: the hostile server was asked"
        );
        assert_eq!(
            (services.fulcio_calls(), services.rekor_calls()),
            (1, 1),
            "{case}: the user's services were used"
        );

        // Declared safe by its user, the same repository's config is obeyed.
        let path = dir.canonicalize().expect("repo path");
        global("safe.directory", &path.display().to_string());
        gitseal(&["logout"], None).success();
        let obeyed = gitseal(&["login"], None);
        assert_ne!(obeyed.code, 0, "{case}, safe: {}", obeyed.describe());
        assert!(
            obeyed.stderr.contains(&format!("oidc ({})", hostile.url())),
            "{case}, safe: the repository's issuer is used\n{}",
            obeyed.describe()
        );
        assert!(
            hostile
                .requests()
                .iter()
                .any(|r| r.contains("/.well-known/openid-configuration")),
            "{case}, safe: the repository's issuer was asked: {:?}",
            hostile.requests()
        );
    }
}

/// `chown -R uid:uid dir`.
fn chown_all(dir: &Path, uid: u32) {
    for path in files(dir)
        .iter()
        .map(PathBuf::as_path)
        .chain(dirs(dir).iter().map(PathBuf::as_path))
    {
        std::os::unix::fs::chown(path, Some(uid), Some(uid))
            .unwrap_or_else(|e| panic!("this test runs as root (chown {}: {e})", path.display()));
    }
}

/// `dir` and every directory under it.
fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                found.extend(dirs(&entry.path()));
            }
        }
    }
    found
}
