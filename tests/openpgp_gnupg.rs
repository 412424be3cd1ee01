//! Helpers for the OpenPGP tests: real GnuPG 2.2 in throwaway homes, keys made with
//! `--quick-gen-key`, past signatures made with gpg's own `--faked-system-time`, and git
//! repositories whose `gpg.program` is gpg or gitseal.

use crate::support::{GITSEAL, Program, Repo, Run, TestEnv, require, run, run_stdin};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A GnuPG home directory; its gpg-agent is stopped when this drops.
pub struct GnuPg<'a> {
    pub env: &'a TestEnv,
    pub home: PathBuf,
}

impl<'a> GnuPg<'a> {
    /// The test's own GNUPGHOME (the one gitseal and git's gpg see).
    pub fn main(env: &'a TestEnv) -> Self {
        require("gpg", "gnupg");
        Self {
            env,
            home: env.home().join(".gnupg"),
        }
    }

    /// Another home, for keys the main keyring must not hold.
    pub fn other(env: &'a TestEnv, name: &str) -> Self {
        let home = env.path(name);
        std::fs::create_dir_all(&home).expect("create GNUPGHOME");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700))
                .expect("chmod GNUPGHOME");
        }
        Self { env, home }
    }

    /// `gpg --batch` in this home.
    pub fn gpg(&self) -> Command {
        let mut cmd = self.env.command("gpg");
        cmd.env("GNUPGHOME", &self.home).arg("--batch");
        cmd
    }

    /// gpg with an empty passphrase through loopback, optionally at a past time.
    fn keygen(&self, at: Option<i64>, passphrase: &str) -> Command {
        let mut cmd = self.gpg();
        cmd.args(["--pinentry-mode", "loopback", "--passphrase", passphrase]);
        if let Some(at) = at {
            cmd.arg("--faked-system-time").arg(at.to_string());
        }
        cmd
    }

    /// `--quick-gen-key UID ALGO USAGE EXPIRE`; returns the primary fingerprint.
    pub fn gen_key(&self, uid: &str, algo: &str, usage: &str, expire: &str) -> String {
        self.gen_key_full(uid, algo, usage, expire, None, "")
    }

    pub fn gen_key_full(
        &self,
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
        at: Option<i64>,
        passphrase: &str,
    ) -> String {
        run(self
            .keygen(at, passphrase)
            .args(["--quick-gen-key", uid, algo, usage, expire]))
        .success();
        self.fingerprints(uid)[0].clone()
    }

    /// `--quick-add-key FPR ALGO USAGE EXPIRE`; returns the new subkey's fingerprint.
    pub fn add_key(&self, fpr: &str, algo: &str, usage: &str, expire: &str) -> String {
        run(self
            .keygen(None, "")
            .args(["--quick-add-key", fpr, algo, usage, expire]))
        .success();
        self.fingerprints(fpr)
            .last()
            .expect("the new subkey")
            .clone()
    }

    /// Fingerprints of the key `spec` names: primary first, then subkeys.
    pub fn fingerprints(&self, spec: &str) -> Vec<String> {
        let out = run(self.gpg().args(["--with-colons", "--list-keys", spec])).success();
        out.stdout()
            .lines()
            .filter(|l| l.starts_with("fpr:"))
            .map(|l| l.split(':').nth(9).unwrap_or_default().to_string())
            .collect()
    }

    /// Keygrips of the key `spec` names, as gpg computes them, primary first.
    pub fn keygrips(&self, spec: &str) -> Vec<String> {
        let out = run(self
            .gpg()
            .args(["--with-colons", "--with-keygrip", "--list-keys", spec]))
        .success();
        out.stdout()
            .lines()
            .filter(|l| l.starts_with("grp:"))
            .map(|l| l.split(':').nth(9).unwrap_or_default().to_string())
            .collect()
    }

    pub fn export(&self, spec: &str) -> Vec<u8> {
        run(self.gpg().args(["--export", spec])).success().stdout
    }

    pub fn export_armored(&self, spec: &str) -> Vec<u8> {
        run(self.gpg().args(["--armor", "--export", spec]))
            .success()
            .stdout
    }

    pub fn export_secret(&self, spec: &str) -> Vec<u8> {
        run(self
            .keygen(None, "")
            .args(["--armor", "--export-secret-keys", spec]))
        .success()
        .stdout
    }

    pub fn import(&self, data: &[u8]) {
        run_stdin(self.gpg().arg("--import"), data).success();
    }

    /// Sets ownertrust: 2 undefined, 3 never, 4 marginal, 5 full, 6 ultimate.
    pub fn set_ownertrust(&self, fpr: &str, level: u8) {
        run_stdin(
            self.gpg().arg("--import-ownertrust"),
            format!("{fpr}:{level}:\n").as_bytes(),
        )
        .success();
    }

    /// `signer` certifies every user id of `target`.
    pub fn certify(&self, signer: &str, target: &str) {
        run(self
            .keygen(None, "")
            .args(["--yes", "-u", signer, "--quick-sign-key", target]))
        .success();
    }

    /// Imports the revocation certificate gpg made when it generated `fpr`.
    pub fn revoke(&self, fpr: &str) {
        let path = self
            .home
            .join("openpgp-revocs.d")
            .join(format!("{fpr}.rev"));
        let text = std::fs::read_to_string(&path).expect("revocation certificate");
        // gpg prefixes the armor with ':' so that it is not imported by accident.
        let text = text.replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----",
        );
        self.import(text.as_bytes());
    }

    /// A `gpg` wrapper (git cannot pass arguments) that uses this home and, when `at` is
    /// given, believes it is that Unix time.
    pub fn wrapper(&self, name: &str, at: Option<i64>) -> PathBuf {
        self.wrapper_with(name, at, "")
    }

    /// [`Self::wrapper`] with extra gpg options (e.g. `--default-sig-expire 1d`).
    pub fn wrapper_with(&self, name: &str, at: Option<i64>, extra: &str) -> PathBuf {
        let gpg = require("gpg", "gnupg");
        let mut faked = at
            .map(|t| format!(" --faked-system-time {t}"))
            .unwrap_or_default();
        if !extra.is_empty() {
            faked.push(' ');
            faked.push_str(extra);
        }
        let script = format!(
            "#!/bin/sh\nGNUPGHOME='{}' exec '{}'{faked} \"$@\"\n",
            self.home.display(),
            gpg.display()
        );
        let path = self.env.write(name, script);
        make_executable(&path);
        path
    }

    /// gpg's verification of `signature` over `payload`: (exit code, status lines).
    pub fn verify(&self, signature: &Path, payload: &[u8]) -> Run {
        run_stdin(
            self.gpg().args([
                "--keyid-format=long",
                "--status-fd=1",
                "--verify",
                &signature.display().to_string(),
                "-",
            ]),
            payload,
        )
    }
}

impl Drop for GnuPg<'_> {
    fn drop(&mut self) {
        let _ = self
            .env
            .command("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "all"])
            .output();
    }
}

pub fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// gitseal's own verification of a detached signature, as git runs it.
pub fn gitseal_verify(env: &TestEnv, signature: &Path, payload: &[u8]) -> Run {
    run_stdin(
        env.gitseal().args([
            "--keyid-format=long",
            "--status-fd=1",
            "--verify",
            &signature.display().to_string(),
            "-",
        ]),
        payload,
    )
}

/// A repository that signs and verifies with `program` (gpg or gitseal) in OpenPGP format.
pub fn openpgp_repo<'e>(env: &'e TestEnv, name: &str, program: &Path, key: &str) -> Repo<'e> {
    let dir = env.path(name);
    std::fs::create_dir_all(&dir).expect("create repository directory");
    let repo = Repo {
        env,
        dir,
        program: Program::Gitseal,
    };
    repo.git(&["init", "-q", "-b", "main"]).success();
    for (k, v) in [
        ("user.name", "C O Mitter"),
        ("user.email", "committer@example.com"),
        ("gpg.format", "openpgp"),
        ("gpg.program", &program.display().to_string()),
        ("user.signingKey", key),
    ] {
        repo.git(&["config", k, v]).success();
    }
    repo
}

/// `git log` placeholders git fills from the status lines, for one commit.
pub fn summary(repo: &Repo<'_>, program: &Path, rev: &str) -> String {
    repo.git_with(
        &[("gpg.program", &program.display().to_string())],
        &["log", "-1", "--format=%G?|%GS|%GK|%GF|%GP|%GT", rev],
    )
    .success()
    .stdout()
    .trim_end()
    .to_string()
}

/// The status lines git parses, from `git verify-commit --raw`-style output.
pub fn git_visible(status: &str) -> Vec<String> {
    const READ: [&str; 12] = [
        "NEWSIG",
        "GOODSIG",
        "BADSIG",
        "ERRSIG",
        "EXPSIG",
        "EXPKEYSIG",
        "REVKEYSIG",
        "VALIDSIG",
        "TRUST_",
        "NO_PUBKEY",
        "KEYEXPIRED",
        "KEYREVOKED",
    ];
    status
        .lines()
        .filter_map(|l| l.strip_prefix("[GNUPG:] "))
        .filter(|l| READ.iter().any(|r| l.starts_with(r)))
        .map(str::to_string)
        .collect()
}

pub fn gitseal_path() -> PathBuf {
    PathBuf::from(GITSEAL)
}

/// A directory of `git` and `gpgconf` stand-ins that log each run to `<dir>/runs` and then
/// run the real program: how the tests see which helper processes gitseal starts.
pub fn logging_shims(env: &TestEnv) -> (String, PathBuf) {
    let dir = env.path("shims");
    std::fs::create_dir_all(&dir).expect("mkdir shims");
    let log = dir.join("runs");
    for program in ["git", "gpgconf"] {
        let real = require(program, if program == "git" { "git" } else { "gnupg" });
        let shim = dir.join(program);
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\necho \"{program} $*\" >> '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                real.display()
            ),
        )
        .expect("write shim");
        make_executable(&shim);
    }
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (path, log)
}

/// The helper processes logged so far (and forgets them).
pub fn helper_runs(log: &std::path::Path) -> Vec<String> {
    let runs = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    runs.lines().map(str::to_string).collect()
}
