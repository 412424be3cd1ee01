//! Real gitsign signatures (public Sigstore instance, 2022-2026; third-party data read from
//! the shared folder, `gitseal::testdata`, whose vectors/gitsign-commits/README.md says
//! what each must verify to) checked through real git with gitseal
//! as `gpg.x509.program`, and through `gitseal verify-commit` / `verify-tag` / `show`.
//! Offline and hermetic: the trusted root is the fixture, and the Rekor that online-mode
//! history would be searched in is a closed port.

use crate::support::{Run, TestEnv, run};
use serde_json::Value;
use std::path::PathBuf;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sigstore");
const GOOGLE: &str = "https://accounts.google.com";
const GITHUB: &str = "https://github.com/login/oauth";

/// Vectors with an embedded log entry: file, identity, issuer, log index.
const EMBEDDED: [(&str, &str, &str, i64); 7] = [
    (
        "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
        "billy@chainguard.dev",
        GOOGLE,
        2276584560,
    ),
    (
        "f598d1bd63b44e3e0ec90a3c0a6d65fdc15dbb45.commit",
        "billy@chainguard.dev",
        GOOGLE,
        2281200680,
    ),
    (
        "44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
        "adam.kaplan@chainguard.dev",
        GOOGLE,
        2341259350,
    ),
    (
        "dc68e8ce155fe12ab8fd7c55de6ef336ce716ee8.commit",
        "billy@chainguard.dev",
        GOOGLE,
        2345438208,
    ),
    (
        "138f9d7cb3097a5f04192621a186e54f86390df0.tag",
        "billy@chainguard.dev",
        GOOGLE,
        2282308323,
    ),
    (
        "testdata/e2e-offline.commit",
        "billy@chainguard.dev",
        GOOGLE,
        22784639,
    ),
    (
        "testdata/rekor-oid-commit.txt",
        "billy@chainguard.dev",
        GOOGLE,
        17974796,
    ),
];

/// Online-mode vectors (no entry embedded) and whether Fulcio embedded an SCT.
const ONLINE: [(&str, bool); 12] = [
    ("add1e873fdbdfb9e0e2565c14cc729aa74bd9b86.commit", false),
    ("c2c4cec11ecb6a50cacdc022c419bd5e3ad1f0d4.commit", false),
    ("4f4e3db155dd645fb34eb0a725454c6daac6b6c6.commit", false),
    ("7dc71a2a12805f63b2a209a39e4f422e00670f61.commit", true),
    ("0a6ecec6bf104dc016dd2e02857d4a70260bb5e6.commit", true),
    ("36367a221e7ceec871ca115e32b5e27a9e10dff5.commit", true),
    ("05ca6a291e4504639f44fd74cf04de90dd6ed9cf.commit", true),
    ("7eba26dc4390d3e32ce44a01104565a9550603e3.commit", true),
    ("15cedf154a9218344d23d978f0dfda6828fd694b.commit", true),
    ("bf569cf58e3b5bf539d0e677f1acf6753ee19fdc.commit", true),
    ("a7c0f87e7d8f475cfe66d9c848b77cf3b85d860b.tag", true),
    ("testdata/e2e-online.commit", true),
];

const PROTOTYPE: &str = "c47e8bf5c86212dc9b6db0e3ec4df27a978b3d6e.commit";

/// A repository holding the vectors as loose objects (their trees and parents are not
/// there: verification reads only the signed object), with gitseal as gpg.x509.program.
struct VectorRepo {
    env: TestEnv,
    dir: PathBuf,
}

impl VectorRepo {
    fn new() -> Self {
        let env = TestEnv::new();
        let dir = env.path("repo");
        std::fs::create_dir_all(&dir).expect("repo dir");
        let repo = VectorRepo { env, dir };
        repo.git(&["init", "-q", "-b", "main"]).success();
        for (key, value) in [
            ("gpg.format", "x509".to_string()),
            ("gpg.x509.program", crate::support::GITSEAL.to_string()),
            (
                "gitseal.trustedRoot",
                format!("{FIXTURES}/trusted_root.prod.json"),
            ),
            // Online-mode history is searched in this "Rekor": a closed port, so the
            // search fails at once, as on a machine without network.
            ("gitseal.rekor", "http://127.0.0.1:9".to_string()),
            ("gitseal.timeout", "5".to_string()),
        ] {
            repo.git(&["config", key, &value]).success();
        }
        repo
    }

    fn git(&self, args: &[&str]) -> Run {
        run(self.env.git(&self.dir).args(args))
    }

    fn gitseal(&self, args: &[&str]) -> Run {
        let mut cmd = self.env.gitseal();
        cmd.current_dir(&self.dir).args(args);
        run(&mut cmd)
    }

    /// Stores a vector and returns its object id.
    fn add(&self, name: &str) -> String {
        let path = gitseal::testdata::gitsign(name);
        let kind = if name.ends_with(".tag") {
            "tag"
        } else {
            "commit"
        };
        let path = path.display().to_string();
        self.git(&["hash-object", "-t", kind, "-w", "--literally", &path])
            .success()
            .stdout()
            .trim()
            .to_string()
    }

    fn letters(&self, id: &str) -> String {
        self.git(&["log", "--no-walk", "--format=%G?|%GS|%GK|%GT", id])
            .success()
            .stdout()
            .trim_end()
            .to_string()
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

fn certificate_id(repo: &VectorRepo, id: &str) -> String {
    let shown = json(&repo.gitseal(&["show", "--format", "json", id]).success());
    assert_eq!(shown["schema"], "gitseal.show/v1", "{shown:#}");
    for key in ["not_before", "not_after", "signing_time"] {
        let text = shown["signature"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{key}: {shown:#}"));
        chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{key} {text}: {e}"));
    }
    shown["signature"]["certificate_id"]
        .as_str()
        .expect("certificate id")
        .to_string()
}

#[test]
fn embedded_entries_verify_offline_through_git() {
    let repo = VectorRepo::new();
    for (name, identity, issuer, index) in EMBEDDED {
        let id = repo.add(name);
        let verb = if name.ends_with(".tag") {
            "verify-tag"
        } else {
            "verify-commit"
        };
        let run = repo.git(&[verb, &id]).success();
        let text = run.stderr_lines().join("\n");
        assert!(
            text.contains(&format!("Good signature from [{identity}]({issuer})")),
            "{name}: {text}"
        );
        assert!(text.contains(&format!("entry {index}")), "{name}: {text}");
        assert!(
            text.contains("Logged in the transparency log at 20"),
            "{name}: {text}"
        );

        let raw = repo.git(&[verb, "--raw", &id]).success().stderr_lines();
        assert_eq!(
            raw.first().map(String::as_str),
            Some("[GNUPG:] NEWSIG"),
            "{name}: {raw:?}"
        );
        assert!(
            raw.iter().any(|l| l == "[GNUPG:] TRUST_FULLY 0 shell"),
            "{name}: {raw:?}"
        );
        let fpr = certificate_id(&repo, &id);
        assert!(
            raw.iter().any(|l| *l == format!("[GNUPG:] GOODSIG {fpr} ")),
            "{name}: {raw:?}"
        );
        if verb == "verify-commit" {
            assert_eq!(repo.letters(&id), format!("G||{fpr}|fully"), "{name}");
        }
    }
}

#[test]
fn verify_commit_and_tag_check_identity_and_issuer() {
    let repo = VectorRepo::new();
    for (name, identity, issuer, index) in EMBEDDED {
        let id = repo.add(name);
        let verb = if name.ends_with(".tag") {
            "verify-tag"
        } else {
            "verify-commit"
        };
        let good = repo
            .gitseal(&[
                verb,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                issuer,
                "--format",
                "json",
                &id,
            ])
            .success();
        let doc = json(&good);
        let object = &doc["objects"][0];
        assert_eq!(doc["schema"], "gitseal.verify-object/v2");
        assert_eq!(object["verified"], true, "{name}: {doc:#}");
        assert_eq!(object["format"], "x509");
        assert_eq!(object["certificate"]["identity"], identity);
        assert_eq!(object["certificate"]["issuer"], issuer);
        assert_eq!(object["log"]["index"], index);
        assert_eq!(object["time_source"], "tlog");
        assert_eq!(object["time"], object["log"]["integrated_time"]);
        // Every time is an RFC 3339 string, as `gitseal verify` writes them.
        for time in [
            &object["time"],
            &object["log"]["integrated_time"],
            &object["certificate"]["not_before"],
            &object["certificate"]["not_after"],
        ] {
            let text = time.as_str().unwrap_or_else(|| panic!("{name}: {time}"));
            chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(text.ends_with('Z'), "{text}");
        }

        // The same identity by an anchored expression; a partial one does not match.
        repo.gitseal(&[
            verb,
            "--certificate-identity-regexp",
            r"[a-z.]+@chainguard\.dev",
            "--certificate-oidc-issuer-regexp",
            r"https://accounts\.google\.com",
            &id,
        ])
        .success();
        let partial = repo
            .gitseal(&[
                verb,
                "--certificate-identity-regexp",
                "chainguard",
                "--certificate-oidc-issuer",
                issuer,
                "--format",
                "json",
                &id,
            ])
            .exit(1);
        assert_eq!(
            json(&partial)["objects"][0]["failure"]["reason"],
            "identity-mismatch"
        );

        let wrong_identity = repo
            .gitseal(&[
                verb,
                "--certificate-identity",
                "mallory@example.com",
                "--certificate-oidc-issuer",
                issuer,
                "--format",
                "json",
                &id,
            ])
            .exit(1);
        let failure = &json(&wrong_identity)["objects"][0]["failure"];
        assert_eq!(failure["reason"], "identity-mismatch", "{name}");
        assert_eq!(failure["kind"], "unknown-signer");

        let wrong_issuer = repo
            .gitseal(&[
                verb,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                GITHUB,
                "--format",
                "json",
                &id,
            ])
            .exit(1);
        assert_eq!(
            json(&wrong_issuer)["objects"][0]["failure"]["reason"],
            "issuer-mismatch",
            "{name}"
        );
    }
}

#[test]
fn an_identity_must_be_named_for_sigstore_signatures() {
    let repo = VectorRepo::new();
    let id = repo.add(EMBEDDED[0].0);
    let run = repo.gitseal(&["verify-commit", &id]).exit(2);
    let text = run.stderr_lines().join("\n");
    assert!(text.contains("--certificate-identity"), "{text}");
    assert_eq!(
        run.stderr_lines()
            .iter()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );
}

#[test]
fn online_mode_history_checks_chain_and_sct_then_fails_without_the_log() {
    let repo = VectorRepo::new();
    for (name, has_sct) in ONLINE {
        let id = repo.add(name);
        let verb = if name.ends_with(".tag") {
            "verify-tag"
        } else {
            "verify-commit"
        };
        let run = repo.git(&[verb, &id]);
        assert_ne!(run.code, 0, "{name} must not pass without a log proof");
        let text = run.stderr_lines().join("\n");
        let reason = json(
            &repo
                .gitseal(&[
                    verb,
                    "--certificate-identity-regexp",
                    ".*",
                    "--certificate-oidc-issuer-regexp",
                    ".*",
                    "--format",
                    "json",
                    &id,
                ])
                .exit(1),
        )["objects"][0]["failure"]["reason"]
            .clone();
        if has_sct {
            // Signature, chain at NotBefore and SCT all held: only the log is missing.
            assert_eq!(reason, "no-log-proof", "{name}");
            assert!(text.contains("no log proof is embedded"), "{name}: {text}");
            assert!(
                text.contains("http://127.0.0.1:9 could not be searched"),
                "{name}: {text}"
            );
        } else {
            assert_eq!(reason, "sct", "{name}");
            assert!(text.contains("carries no SCT"), "{name}: {text}");
        }
        if verb == "verify-commit" {
            assert!(repo.letters(&id).starts_with("E|"), "{name}");
        }
    }
}

#[test]
fn the_prototype_format_is_rejected() {
    let repo = VectorRepo::new();
    let id = repo.add(PROTOTYPE);
    let run = repo.git(&["verify-commit", &id]).exit(1);
    let text = run.stderr_lines().join("\n");
    assert!(text.contains("prototype format"), "{text}");
    assert!(repo.letters(&id).starts_with("E|"));
}

#[test]
fn show_prints_what_is_inside_without_judging() {
    let repo = VectorRepo::new();
    let id = repo.add(EMBEDDED[0].0);
    let text = repo.gitseal(&["show", &id]).success().stdout();
    for expected in [
        "format       x509",
        "identity     billy@chainguard.dev",
        "issuer       https://accounts.google.com",
        "log entry    2276584560 at 2026-07-28",
        "not verified",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    let online = repo.add(ONLINE[4].0);
    let text = repo.gitseal(&["show", &online]).success().stdout();
    assert!(text.contains("gitsign online mode"), "{text}");
}

#[test]
fn the_built_in_root_is_used_when_none_is_configured() {
    let repo = VectorRepo::new();
    repo.git(&["config", "--unset", "gitseal.trustedRoot"])
        .success();
    // A fresh refresh stamp: no TUF request is made, the built-in root is used quietly.
    let cache = repo.env.path("cache");
    std::fs::create_dir_all(cache.join("tuf")).expect("cache");
    std::fs::write(cache.join("tuf/gitseal-last-refresh"), b"").expect("stamp");
    let id = repo.add(EMBEDDED[1].0);
    let mut cmd = repo.env.git(&repo.dir);
    cmd.env("GITSEAL_CACHE_DIR", &cache)
        .args(["verify-commit", &id]);
    let run = run(&mut cmd).success();
    let text = run.stderr_lines().join("\n");
    assert!(text.contains("Good signature"), "{text}");
    assert!(!text.contains("note:"), "{text}");
}

#[test]
fn a_foreign_root_trusts_nothing() {
    let repo = VectorRepo::new();
    repo.git(&[
        "config",
        "gitseal.trustedRoot",
        &format!("{FIXTURES}/trusted_root.staging.json"),
    ])
    .success();
    for (name, ..) in EMBEDDED {
        let id = repo.add(name);
        let verb = if name.ends_with(".tag") {
            "verify-tag"
        } else {
            "verify-commit"
        };
        let run = repo.git(&[verb, &id]).exit(1);
        let text = run.stderr_lines().join("\n");
        assert!(text.contains("Can't verify signature"), "{name}: {text}");
    }
}
