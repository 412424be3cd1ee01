//! A repository that signs keyless through the hermetic Sigstore services
//! (sigstore_servers.rs): gitseal as gpg.x509.program, `commit.gpgSign`, the services'
//! trusted root, Fulcio and Rekor; commits made with the real clock, so that certificates
//! and log entries are fresh. Shared by the signing, TSA, fault and credential-store tests.

use super::sigstore_servers::{self, Running};
use super::sigstore_stack::{Identity, Stack};
use super::{GITSEAL, Program, Repo, Run, TestEnv, run};
use std::path::PathBuf;

/// The OIDC issuer of the tokens the test instance mints.
pub const ISSUER: &str = "https://issuer.gitseal.test";

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Who signs: the identity of `user.email`, at the test instance's issuer.
pub fn alice() -> Identity {
    Identity {
        email: "alice@example.org".into(),
        issuer: ISSUER.into(),
    }
}

pub struct World {
    pub env: TestEnv,
    pub services: Running,
    pub dir: PathBuf,
}

impl World {
    /// The repository with the common settings, then `extra` (which may name the services'
    /// URLs, and overrides what comes before it).
    pub fn new(extra: impl FnOnce(&Running) -> Vec<(&'static str, String)>) -> World {
        World::with_stack(Stack::new(), extra)
    }

    /// As [`World::new`], the services run from `stack` (e.g. with CI claims set).
    pub fn with_stack(
        stack: Stack,
        extra: impl FnOnce(&Running) -> Vec<(&'static str, String)>,
    ) -> World {
        let env = TestEnv::new();
        let services = sigstore_servers::start(stack);
        let root = env.write("trusted_root.json", services.trusted_root());
        let dir = env.path("repo");
        std::fs::create_dir_all(&dir).expect("repo dir");
        let world = World { env, services, dir };
        world.git(&["init", "-q", "-b", "main"]);
        let common = vec![
            ("user.name", "Alice".to_string()),
            ("user.email", "alice@example.org".to_string()),
            ("gpg.format", "x509".to_string()),
            ("gpg.x509.program", GITSEAL.to_string()),
            ("commit.gpgSign", "true".to_string()),
            ("gitseal.trustedRoot", root.display().to_string()),
            ("gitseal.fulcio", world.services.fulcio_url()),
            ("gitseal.rekor", world.services.rekor_url()),
            // The issuer the tokens name: cached credentials are used only by runs
            // configured for the issuer they hold.
            ("gitseal.issuer", ISSUER.to_string()),
            ("gitseal.timeout", "3".to_string()),
        ];
        for (key, value) in common.into_iter().chain(extra(&world.services)) {
            world.git(&["config", key, &value]);
        }
        world
    }

    pub fn repo(&self) -> Repo<'_> {
        Repo {
            env: &self.env,
            dir: self.dir.clone(),
            program: Program::Gitseal,
        }
    }

    /// git, which must succeed; its output, trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        self.repo().git_out(args)
    }

    /// git with the real clock and `env` added.
    pub fn git_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = self.env.git(&self.dir);
        cmd.env_remove("GIT_AUTHOR_DATE")
            .env_remove("GIT_COMMITTER_DATE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(cmd.args(args))
    }

    /// A token for alice, good for five minutes.
    pub fn token(&self) -> String {
        self.services.token(&alice(), now() + 300)
    }

    /// `git commit` of a changed file (signed: `commit.gpgSign`), `env` added.
    pub fn commit(&self, env: &[(&str, &str)], message: &str) -> Run {
        std::fs::write(self.dir.join("file.txt"), format!("{message}\n")).expect("write");
        self.git(&["add", "file.txt"]);
        self.git_env(env, &["commit", "-q", "-m", message])
    }

    pub fn head(&self) -> Option<String> {
        let r = self.repo().git(&["rev-parse", "-q", "--verify", "HEAD"]);
        (r.code == 0).then(|| r.stdout().trim().to_string())
    }
}
