//! What a Sigstore signature must say beyond its identity and issuer: gitsign's
//! `matchCommitter` (the certificate names the object's committer or tagger), at signing
//! (refused before Fulcio is asked) and at verification (gpg.x509.program --verify and
//! `verify-commit` / `verify-tag`); and gitsign's `--certificate-github-workflow-*` flags
//! against the claims Fulcio copies from a GitHub Actions token. Each attack refused with
//! its reason, the honest flow beside it accepted.

use crate::sigstore_stack::{commit, repo as stack_repo};
use crate::support::sigstore_stack::{Identity, San, Stack};
use crate::support::sigstore_world::{ISSUER as WORLD_ISSUER, World, alice as world_alice};
use crate::support::{PRINCIPAL, Repo, TestEnv, run};
use serde_json::Value;

const T: i64 = 1_700_000_000;
const ISSUER: &str = "https://issuer.gitseal.test";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";
const WORKFLOW: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn who(email: &str) -> Identity {
    Identity {
        email: email.into(),
        issuer: ISSUER.into(),
    }
}

fn gitseal(repo: &Repo<'_>, args: &[&str]) -> crate::support::Run {
    run(repo.env.gitseal().current_dir(&repo.dir).args(args)).no_panic()
}

/// `verify-commit --format json` for `id` expecting `identity`; the document and exit code.
fn verify_json(
    repo: &Repo<'_>,
    identity: &str,
    issuer: &str,
    extra: &[&str],
    id: &str,
) -> (Value, i32) {
    let mut args = vec![
        "verify-commit",
        "--format",
        "json",
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        issuer,
    ];
    args.extend_from_slice(extra);
    args.push(id);
    let out = gitseal(repo, &args);
    let doc =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.describe()));
    (doc, out.code)
}

#[test]
fn match_committer_refuses_a_signature_by_someone_else_at_verification() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = stack_repo(&env, &stack);
    // The tests' committer is PRINCIPAL; alice signs a commit that names PRINCIPAL.
    let by_alice = commit(&repo, &[("a.txt", "a\n")], "by alice", |p| {
        stack.sign(p, &who("alice@example.org"), T + 1)
    });
    let honest = commit(&repo, &[("b.txt", "b\n")], "by the committer", |p| {
        stack.sign(p, &who(PRINCIPAL), T + 3)
    });
    // Off (gitsign's default): who signed is all that is asked.
    let (_, code) = verify_json(&repo, "alice@example.org", ISSUER, &[], &by_alice);
    assert_eq!(code, 0);
    assert_eq!(crate::sigstore_stack::letters(&repo, &by_alice), "G|fully");

    for key in ["gitseal.matchCommitter", "gitsign.matchCommitter"] {
        repo.git(&["config", key, "true"]).success();
        let (doc, code) = verify_json(&repo, "alice@example.org", ISSUER, &[], &by_alice);
        assert_eq!(code, 1, "{doc:#}");
        let object = &doc["objects"][0];
        assert_eq!(object["verified"], false);
        assert_eq!(object["failure"]["reason"], "committer-mismatch", "{doc:#}");
        let detail = object["failure"]["detail"].as_str().expect("detail");
        assert!(
            detail.contains(PRINCIPAL) && detail.contains("alice@example.org"),
            "{detail}"
        );
        // git's own verification through gpg.x509.program: a bad signature, and why.
        let letters = crate::sigstore_stack::letters(&repo, &by_alice);
        assert!(letters.starts_with("B|"), "{letters}");
        let git = repo.git(&["verify-commit", &by_alice]);
        assert_ne!(git.code, 0);
        assert!(
            git.stderr.contains("is not the committer"),
            "{}",
            git.stderr
        );
        // The honest commit, signed by its committer, passes both ways.
        let (doc, code) = verify_json(&repo, PRINCIPAL, ISSUER, &[], &honest);
        assert_eq!(code, 0, "{doc:#}");
        assert_eq!(crate::sigstore_stack::letters(&repo, &honest), "G|fully");
        repo.git(&["config", "--unset", key]).success();
    }
    repo.git(&["config", "gitseal.matchCommitter", "maybe"])
        .success();
    let out = gitseal(
        &repo,
        &[
            "verify-commit",
            "--certificate-identity",
            PRINCIPAL,
            "--certificate-oidc-issuer",
            ISSUER,
            &honest,
        ],
    );
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(
        out.stderr
            .contains("invalid gitseal.matchCommitter `maybe`"),
        "{}",
        out.stderr
    );
}

/// A signed annotated tag of HEAD named `name`, made by `tagger`, signed by `sign`.
fn signed_tag(
    repo: &Repo<'_>,
    name: &str,
    tagger: &str,
    sign: impl FnOnce(&[u8]) -> String,
) -> String {
    let head = repo.git_out(&["rev-parse", "HEAD"]);
    let unsigned = format!(
        "object {head}\ntype commit\ntag {name}\ntagger {tagger} 1700000000 +0000\n\nrelease\n"
    );
    let armored = sign(unsigned.as_bytes());
    let raw = format!("{unsigned}{armored}");
    let id = repo
        .git_stdin(
            &["hash-object", "-t", "tag", "-w", "--stdin"],
            raw.as_bytes(),
        )
        .success()
        .stdout()
        .trim()
        .to_string();
    repo.git(&["update-ref", &format!("refs/tags/{name}"), &id])
        .success();
    id
}

#[test]
fn match_committer_checks_the_tagger_of_a_tag() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = stack_repo(&env, &stack);
    commit(&repo, &[("a.txt", "a\n")], "base", |p| {
        stack.sign(p, &who(PRINCIPAL), T + 1)
    });
    signed_tag(&repo, "forged", "Bob <bob@example.org>", |p| {
        stack.sign(p, &who("alice@example.org"), T + 3)
    });
    signed_tag(&repo, "honest", "Alice <alice@example.org>", |p| {
        stack.sign(p, &who("alice@example.org"), T + 5)
    });
    repo.git(&["config", "gitseal.matchCommitter", "true"])
        .success();
    let tag = |name: &str| {
        gitseal(
            &repo,
            &[
                "verify-tag",
                "--format",
                "json",
                "--certificate-identity",
                "alice@example.org",
                "--certificate-oidc-issuer",
                ISSUER,
                name,
            ],
        )
    };
    let forged = tag("forged");
    assert_eq!(forged.code, 1, "{}", forged.describe());
    let doc: Value = serde_json::from_slice(&forged.stdout).expect("json");
    assert_eq!(
        doc["objects"][0]["failure"]["reason"], "committer-mismatch",
        "{doc:#}"
    );
    assert!(
        doc["objects"][0]["failure"]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("Bob <bob@example.org>")
    );
    tag("honest").success();
    assert_ne!(repo.git(&["verify-tag", "forged"]).code, 0);
    repo.git(&["verify-tag", "honest"]).success();
}

/// A repository with one commit signed by a GitHub workflow's certificate carrying `claims`.
fn workflow_commit<'a>(env: &'a TestEnv, claims: &[(u32, &str)]) -> (Repo<'a>, String) {
    let mut stack = Stack::new();
    let repo = stack_repo(env, &stack);
    stack.workflow_claims(claims);
    let id = commit(&repo, &[("a.txt", "a\n")], "from CI", |p| {
        stack.sign_naming(p, &[San::Uri(WORKFLOW.into())], ACTIONS, T + 1)
    });
    (repo, id)
}

/// What Fulcio writes today for a push to main: the deprecated claims and their successors.
const BOTH: &[(u32, &str)] = &[
    (2, "push"),
    (3, SHA),
    (4, "Release"),
    (5, "acme/app"),
    (6, "refs/heads/main"),
    (12, "https://github.com/acme/app"),
    (13, SHA),
    (14, "refs/heads/main"),
    (20, "push"),
];

#[test]
fn workflow_flags_match_the_certificates_claims() {
    let env = TestEnv::new();
    let (repo, id) = workflow_commit(&env, BOTH);
    let all = [
        "--certificate-github-workflow-trigger",
        "push",
        "--certificate-github-workflow-sha",
        SHA,
        "--certificate-github-workflow-name",
        "Release",
        "--certificate-github-workflow-repository",
        "acme/app",
        "--certificate-github-workflow-ref",
        "refs/heads/main",
    ];
    let (doc, code) = verify_json(&repo, WORKFLOW, ACTIONS, &all, &id);
    assert_eq!(code, 0, "{doc:#}");
    // Each flag, given a value the certificate does not carry, refuses with its claim.
    for (flag, wrong, claim) in [
        (
            "--certificate-github-workflow-trigger",
            "pull_request_target",
            "trigger",
        ),
        (
            "--certificate-github-workflow-sha",
            "fedcba9876543210fedcba9876543210fedcba98",
            "commit",
        ),
        ("--certificate-github-workflow-name", "Evil", "name"),
        (
            "--certificate-github-workflow-repository",
            "acme/app-fork",
            "repository",
        ),
        (
            "--certificate-github-workflow-ref",
            "refs/heads/attacker",
            "ref",
        ),
    ] {
        let (doc, code) = verify_json(&repo, WORKFLOW, ACTIONS, &[flag, wrong], &id);
        assert_eq!(code, 1, "{flag}: {doc:#}");
        let failure = &doc["objects"][0]["failure"];
        assert_eq!(failure["reason"], "workflow-mismatch", "{flag}: {doc:#}");
        let detail = failure["detail"].as_str().expect("detail");
        assert!(
            detail.contains(claim) && detail.contains(wrong),
            "{flag}: {detail}"
        );
    }
    // The text report says the same in one line.
    let text = gitseal(
        &repo,
        &[
            "verify-commit",
            "--certificate-identity",
            WORKFLOW,
            "--certificate-oidc-issuer",
            ACTIONS,
            "--certificate-github-workflow-ref",
            "refs/heads/attacker",
            &id,
        ],
    );
    assert_eq!(text.code, 1);
    assert!(
        text.stdout()
            .contains("FAILED: x509 signature: certificate GitHub workflow ref"),
        "{}",
        text.stdout()
    );
}

#[test]
fn workflow_claims_are_never_matched_by_absence_or_by_one_of_two_disagreeing_copies() {
    let env = TestEnv::new();
    // A newer certificate: only the successors; the workflow's name has none.
    let (repo, id) = workflow_commit(
        &env,
        &[
            (12, "https://github.com/acme/app"),
            (13, SHA),
            (14, "refs/heads/main"),
            (20, "push"),
        ],
    );
    let (doc, code) = verify_json(
        &repo,
        WORKFLOW,
        ACTIONS,
        &[
            "--certificate-github-workflow-trigger",
            "push",
            "--certificate-github-workflow-repository",
            "acme/app",
            "--certificate-github-workflow-ref",
            "refs/heads/main",
            "--certificate-github-workflow-sha",
            SHA,
        ],
        &id,
    );
    assert_eq!(code, 0, "{doc:#}");
    let (doc, code) = verify_json(
        &repo,
        WORKFLOW,
        ACTIONS,
        &["--certificate-github-workflow-name", "Release"],
        &id,
    );
    assert_eq!(code, 1);
    assert!(
        doc["objects"][0]["failure"]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("absent"),
        "{doc:#}"
    );

    // A certificate whose two copies of the trigger disagree matches neither value.
    let env = TestEnv::new();
    let (repo, id) = workflow_commit(&env, &[(2, "push"), (20, "pull_request_target")]);
    for trigger in ["push", "pull_request_target"] {
        let (doc, code) = verify_json(
            &repo,
            WORKFLOW,
            ACTIONS,
            &["--certificate-github-workflow-trigger", trigger],
            &id,
        );
        assert_eq!(code, 1, "{trigger}: {doc:#}");
        assert_eq!(doc["objects"][0]["failure"]["reason"], "workflow-mismatch");
    }
    // A person's certificate carries no workflow claims at all.
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = stack_repo(&env, &stack);
    let id = commit(&repo, &[("a.txt", "a\n")], "by hand", |p| {
        stack.sign(p, &who("alice@example.org"), T + 1)
    });
    let (doc, code) = verify_json(
        &repo,
        "alice@example.org",
        ISSUER,
        &["--certificate-github-workflow-trigger", "push"],
        &id,
    );
    assert_eq!(code, 1, "{doc:#}");
}

#[test]
fn match_committer_refuses_to_sign_for_someone_else_before_asking_fulcio() {
    let w = World::new(|_| {
        vec![
            ("gitseal.credentialStore", "file".to_string()),
            ("gitsign.matchCommitter", "true".to_string()),
        ]
    });
    let token = w.token();
    assert_eq!(world_alice().issuer, WORLD_ISSUER);
    // The tests' committer is PRINCIPAL; the token is alice's.
    let refused = w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "as someone else");
    assert_ne!(refused.code, 0, "{}", refused.describe());
    assert_eq!(w.head(), None, "no commit was made");
    assert_eq!(w.services.fulcio_calls(), 0, "Fulcio was not asked");
    let line = refused
        .stderr_lines()
        .into_iter()
        .find(|l| l.contains("gitseal.matchCommitter"))
        .unwrap_or_else(|| panic!("{}", refused.describe()));
    assert!(
        line.contains("alice@example.org") && line.contains(PRINCIPAL),
        "{line}"
    );

    // The committer alice signs.
    let as_alice = [
        ("SIGSTORE_ID_TOKEN", token.as_str()),
        ("GIT_COMMITTER_EMAIL", "alice@example.org"),
    ];
    w.commit(&as_alice, "as alice").success();
    assert_eq!(w.services.fulcio_calls(), 1);
    // Her cached certificate is not used for another committer's commit either.
    let refused = w.commit(&[], "cached, someone else");
    assert_ne!(refused.code, 0, "{}", refused.describe());
    assert!(
        refused.stderr.contains("gitseal.matchCommitter"),
        "{}",
        refused.stderr
    );
    assert_eq!(w.services.fulcio_calls(), 1);
    w.commit(
        &[("GIT_COMMITTER_EMAIL", "alice@example.org")],
        "cached, alice",
    )
    .success();
    assert_eq!(
        w.services.fulcio_calls(),
        1,
        "the cached certificate signed"
    );
}
