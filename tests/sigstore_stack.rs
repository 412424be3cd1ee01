//! Sigstore signatures made by the tests' own instance (support/sigstore_stack.rs): what
//! real vectors cannot show, because nobody can sign with the public instance's keys:
//! a correctly logged signature whose certificate was not valid at the log time, and a
//! repository policy that allows some identities and not others.

use crate::support::sigstore_stack::{Identity, Stack};
use crate::support::{COMMIT_TIME, GITSEAL, Repo, TestEnv, commit_with_signature, run};

const T: i64 = 1_700_000_000;
const ISSUER: &str = "https://issuer.gitseal.test";

fn alice() -> Identity {
    Identity {
        email: "alice@example.org".into(),
        issuer: ISSUER.into(),
    }
}

fn mallory() -> Identity {
    Identity {
        email: "mallory@example.org".into(),
        issuer: ISSUER.into(),
    }
}

/// A policy naming alice's identity, allowing her on every branch and to change the policy.
fn alice_policy() -> String {
    format!(
        "version = 1\n\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"alice@example.org\" }}]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"alice\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
    )
}

/// A repository with gitseal as gpg.x509.program, trusting `stack`, verifying offline (its
/// Rekor is a closed port).
pub fn repo<'a>(env: &'a TestEnv, stack: &Stack) -> Repo<'a> {
    let root = env.write("trusted_root.json", stack.trusted_root());
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).expect("repo dir");
    let repo = Repo {
        env,
        dir,
        program: crate::support::Program::Gitseal,
    };
    repo.git(&["init", "-q", "-b", "main"]).success();
    for (key, value) in [
        ("user.name", "A U Thor".to_string()),
        ("user.email", "alice@example.org".to_string()),
        ("gpg.format", "x509".to_string()),
        ("gpg.x509.program", GITSEAL.to_string()),
        ("gitseal.trustedRoot", root.display().to_string()),
        ("gitseal.rekor", "http://127.0.0.1:9".to_string()),
    ] {
        repo.git(&["config", key, &value]).success();
    }
    repo
}

/// Commits the index's tree (after writing `files`) with a Sigstore signature made by
/// `sign`, moves main to it, and returns its id.
pub fn commit(
    repo: &Repo<'_>,
    files: &[(&str, &str)],
    message: &str,
    sign: impl FnOnce(&[u8]) -> String,
) -> String {
    for (path, text) in files {
        let full = repo.dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(full, text).expect("write");
        repo.git(&["add", path]).success();
    }
    let tree = repo.git_out(&["write-tree"]);
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
    let head = repo.git(&["rev-parse", "-q", "--verify", "HEAD"]);
    let parent = head.stdout().trim().to_string();
    if head.code == 0 {
        args.extend(["-p", parent.as_str()]);
    }
    let unsigned_id = repo.git_out(&args);
    let unsigned = repo.git_out(&["cat-file", "commit", &unsigned_id]) + "\n";
    let armored = sign(unsigned.as_bytes());
    repo.write_commit(commit_with_signature(&unsigned, &armored).as_bytes())
}

pub fn letters(repo: &Repo<'_>, id: &str) -> String {
    repo.git_out(&["log", "--no-walk", "--format=%G?|%GT", id])
}

#[test]
fn the_test_instance_signs_what_git_and_gitseal_verify() {
    assert_eq!(
        COMMIT_TIME, "1700000000 +0000",
        "the signing times below assume it"
    );
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    // Earlier entries, so that the log's tree has more than one leaf.
    for i in 0..5 {
        stack.log(&format!("{{\"filler\":{i}}}"), T - 100);
    }
    let id = commit(&repo, &[("a.txt", "a\n")], "first", |p| {
        stack.sign(p, &alice(), T + 3)
    });
    let verified = repo.git(&["verify-commit", &id]).success();
    let text = verified.stderr_lines().join("\n");
    assert!(
        text.contains("Good signature from [alice@example.org](https://issuer.gitseal.test)"),
        "{text}"
    );
    assert!(text.contains("entry 5"), "{text}");
    assert_eq!(letters(&repo, &id), "G|fully");
    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
        &id,
    ]);
    run(&mut cmd).success();
}

#[test]
fn a_certificate_not_valid_at_the_log_time_is_rejected() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    // Logged (with a valid SET and proof) twenty minutes after the ten-minute certificate
    // expired, and once before it was issued. Both are bad signatures (B), not "good
    // signature, expired key" (Y): nothing shows they were made while the certificate was
    // valid (tests/adversarial_sigstore.rs holds the rest of this attack).
    let late = commit(&repo, &[("a.txt", "a\n")], "late", |p| {
        stack.sign_with(p, &alice(), T + 3, T + 1800, |_| {})
    });
    let run = repo.git(&["verify-commit", &late]).exit(1);
    let text = run.stderr_lines().join("\n");
    assert!(
        text.contains("BAD signature from [alice@example.org]")
            && text.contains("made after its certificate expired: logged at"),
        "{text}"
    );
    assert!(
        letters(&repo, &late).starts_with("B|"),
        "{}",
        letters(&repo, &late)
    );
    let early = commit(&repo, &[("b.txt", "b\n")], "early", |p| {
        stack.sign_with(p, &alice(), T + 3, T - 60, |_| {})
    });
    let run = repo.git(&["verify-commit", &early]).exit(1);
    let text = run.stderr_lines().join("\n");
    assert!(
        text.contains("made before its certificate was valid: logged at"),
        "{text}"
    );
    assert!(
        letters(&repo, &early).starts_with("B|"),
        "{}",
        letters(&repo, &early)
    );
}

#[test]
fn a_tampered_entry_from_the_test_log_is_rejected() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let id = commit(&repo, &[("a.txt", "a\n")], "x", |p| {
        stack.sign_with(p, &alice(), T + 3, T + 5, |entry| {
            entry.integrated_time += 1
        })
    });
    let run = repo.git(&["verify-commit", &id]).exit(1);
    assert!(
        run.stderr_lines()
            .join("\n")
            .contains("signed entry timestamp"),
        "{}",
        run.describe()
    );
}

#[test]
fn plain_git_shows_who_the_policy_allows() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let policy = alice_policy();
    let anchor = commit(&repo, &[(".gitseal/policy.toml", &policy)], "policy", |p| {
        stack.sign(p, &alice(), T + 3)
    });
    repo.git(&["config", "gitseal.anchor", &anchor]).success();

    let by_alice = commit(&repo, &[("a.txt", "a\n")], "by alice", |p| {
        stack.sign(p, &alice(), T + 20)
    });
    let run = repo.git(&["verify-commit", &by_alice]).success();
    assert!(
        run.stderr_lines()
            .join("\n")
            .contains("allows this signer as principal alice"),
        "{}",
        run.describe()
    );
    assert_eq!(letters(&repo, &by_alice), "G|fully");

    let by_mallory = commit(&repo, &[("b.txt", "b\n")], "by mallory", |p| {
        stack.sign(p, &mallory(), T + 40)
    });
    // A good signature by an identity the policy does not name: U, and verify-commit still
    // succeeds, as git does for a good signature of undefined trust.
    let run = repo.git(&["verify-commit", &by_mallory]).success();
    let text = run.stderr_lines().join("\n");
    assert!(
        text.contains("Good signature from [mallory@example.org]"),
        "{text}"
    );
    assert!(text.contains("does not allow this signer"), "{text}");
    assert_eq!(letters(&repo, &by_mallory), "U|undefined");
    let raw = repo
        .git(&["verify-commit", "--raw", &by_mallory])
        .success()
        .stderr_lines();
    assert!(
        raw.iter().any(|l| l == "[GNUPG:] TRUST_UNDEFINED 0 shell"),
        "{raw:?}"
    );

    // An anchor that cannot be used (an abbreviation a pusher could shadow with a ref)
    // never shows a better letter than a usable one: U, saying why.
    repo.git(&["config", "gitseal.anchor", &anchor[..7]])
        .success();
    assert_eq!(letters(&repo, &by_alice), "U|undefined");
    let run = repo.git(&["verify-commit", &by_alice]).success();
    assert!(
        run.stderr_lines().join("\n").contains(
            "No policy applied, so this signer is not known to be allowed: gitseal.anchor:"
        ),
        "{}",
        run.describe()
    );

    // Without an anchor, no policy is consulted.
    repo.git(&["config", "--unset", "gitseal.anchor"]).success();
    assert_eq!(letters(&repo, &by_mallory), "G|fully");
}

#[test]
fn gitseal_verify_judges_sigstore_commits_by_the_policy() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let policy = alice_policy();
    let anchor = commit(&repo, &[(".gitseal/policy.toml", &policy)], "policy", |p| {
        stack.sign(p, &alice(), T + 3)
    });
    let good = commit(&repo, &[("a.txt", "a\n")], "by alice", |p| {
        stack.sign(p, &alice(), T + 20)
    });
    let verify = |rev: &str| {
        let mut cmd = env.gitseal();
        cmd.current_dir(&repo.dir).args([
            "verify",
            "--anchor",
            &anchor,
            "--ref",
            "refs/heads/main",
            "--no-cache",
            "--format",
            "json",
            rev,
        ]);
        run(&mut cmd)
    };
    let ok = verify(&good).success();
    let doc: serde_json::Value = serde_json::from_str(&ok.stdout()).expect("json");
    let entry = |doc: &serde_json::Value, id: &str| {
        doc["results"]
            .as_array()
            .and_then(|r| r.iter().find(|c| c["commit"] == id).cloned())
            .unwrap_or_else(|| panic!("{id} is not reported: {doc:#}"))
    };
    let judged = entry(&doc, &good);
    assert_eq!(judged["signature"]["format"], "x509", "{doc:#}");
    assert_eq!(judged["signature"]["time_source"], "tlog", "{doc:#}");
    assert_eq!(
        judged["signature"]["key"],
        format!("{ISSUER} alice@example.org"),
        "{doc:#}"
    );
    assert_eq!(judged["principal"], "alice", "{doc:#}");

    let bad = commit(&repo, &[("b.txt", "b\n")], "by mallory", |p| {
        stack.sign(p, &mallory(), T + 40)
    });
    let failed = verify(&bad).exit(1);
    let doc: serde_json::Value = serde_json::from_str(&failed.stdout()).expect("json");
    let judged = entry(&doc, &bad);
    assert_eq!(judged["ok"], false, "{doc:#}");
    assert!(
        judged["reasons"].to_string().contains("unknown signer"),
        "{doc:#}"
    );
}
