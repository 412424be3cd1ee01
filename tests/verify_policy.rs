//! `gitseal verify` on real repositories: commits signed by real git with gitseal as
//! `gpg.ssh.program`, judged along authenticated paths from an anchor by the policy in each
//! parent's `.gitseal/policy.toml` (DESIGN section 6), one test per rule of judgement.
//! The helpers here are shared with `pre_receive`.

use crate::support::{GITSEAL, Key, KeyType, Program, Repo, Run, TestEnv, run};
use serde_json::Value;

/// The ref every test verifies for.
pub const MAIN: &str = "refs/heads/main";

/// A key for `name`, the same in every test (real ssh-keygen Ed25519 keys).
pub fn key(env: &TestEnv, name: &str) -> Key {
    env.key(KeyType::Ed25519, &format!("policy-{name}"))
}

/// A principal of a policy: name, key, extra lines (`valid_after = ...`).
pub struct Who<'k> {
    pub name: &'static str,
    pub key: &'k Key,
    pub extra: &'static str,
}

pub fn who<'k>(name: &'static str, key: &'k Key) -> Who<'k> {
    Who {
        name,
        key,
        extra: "",
    }
}

/// Rules every policy gets unless it says otherwise: any principal on main, alice changes
/// the policy.
pub const DEFAULT_RULES: &str = "\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"*\"]\n\n\
     [policy_changes]\nsigners = [\"alice\"]\n";

/// A policy text: `head` (top-level keys), the principals, then `tail` (tables).
pub fn policy_text(head: &str, principals: &[Who<'_>], tail: &str) -> String {
    let mut text = format!("version = 1\n{head}\n");
    for p in principals {
        text.push_str(&format!(
            "[principals.{}]\nssh = [\"{}\"]\n{}\n",
            p.name,
            p.key.public_line(),
            p.extra
        ));
    }
    text.push_str(tail);
    text
}

/// A repository signing with gitseal (ssh), with nothing committed.
pub fn new_repo<'e>(env: &'e TestEnv, name: &str, default_key: &Key) -> Repo<'e> {
    let allowed = env.write(&format!("{name}-allowed_signers"), "");
    env.init_repo(name, Program::Gitseal, &default_key.private, &allowed)
}

/// Writes `.gitseal/policy.toml` in the work tree (committed by the next [`commit`]).
pub fn write_policy(repo: &Repo<'_>, text: &str) {
    let dir = repo.dir.join(".gitseal");
    std::fs::create_dir_all(&dir).expect("create .gitseal");
    std::fs::write(dir.join("policy.toml"), text).expect("write policy");
}

/// Adds a file named after `message` (so branches merge without conflicts), stages
/// everything and commits: signed by `signer` (`git commit -S` with that key) or unsigned,
/// at `date` (Unix seconds, UTC) or the fixed test time.
#[track_caller]
pub fn commit(repo: &Repo<'_>, signer: Option<&Key>, message: &str, date: Option<i64>) -> String {
    let name: String = message
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    std::fs::write(repo.dir.join(format!("{name}.txt")), format!("{message}\n"))
        .expect("write file");
    repo.git(&["add", "-A"]).success();
    let mut cmd = repo.env.git(&repo.dir);
    if let Some(date) = date {
        let date = format!("{date} +0000");
        cmd.env("GIT_COMMITTER_DATE", &date)
            .env("GIT_AUTHOR_DATE", &date);
    }
    match signer {
        Some(key) => cmd
            .arg("-c")
            .arg(format!("user.signingKey={}", key.private.display()))
            .args(["commit", "-q", "-S", "-m", message]),
        None => cmd.args(["-c", "commit.gpgSign=false", "commit", "-q", "-m", message]),
    };
    run(&mut cmd).success();
    repo.git_out(&["rev-parse", "HEAD"])
}

/// A repository whose first commit (signed by `alice`) carries `policy`: the anchor.
pub fn anchored<'e>(env: &'e TestEnv, alice: &Key, policy: &str) -> (Repo<'e>, String) {
    let repo = new_repo(env, "work", alice);
    write_policy(&repo, policy);
    let anchor = commit(&repo, Some(alice), "anchor", None);
    (repo, anchor)
}

/// `gitseal verify` run in the repository.
pub fn verify(repo: &Repo<'_>, args: &[&str]) -> Run {
    run(repo
        .env
        .gitseal()
        .current_dir(&repo.dir)
        .arg("verify")
        .args(args))
    .no_panic()
}

/// `gitseal verify --anchor A --ref refs/heads/main --format json <ranges>`, parsed.
pub fn verify_json(repo: &Repo<'_>, anchor: &str, ranges: &[&str]) -> (i32, Value) {
    let mut args = vec!["--anchor", anchor, "--ref", MAIN, "--format", "json"];
    args.extend(ranges);
    let out = verify(repo, &args);
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e})\n{}", out.describe()));
    (out.code, doc)
}

/// The result for `commit` in a JSON report.
#[track_caller]
pub fn result<'d>(doc: &'d Value, commit: &str) -> &'d Value {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["commit"] == commit)
        .unwrap_or_else(|| panic!("{commit} is not in the report:\n{doc:#}"))
}

/// The reasons given for `commit`.
#[track_caller]
pub fn reasons(doc: &Value, commit: &str) -> Vec<String> {
    result(doc, commit)["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("reason").to_string())
        .collect()
}

/// The commit ids a report lists, in order.
pub fn reported(doc: &Value) -> Vec<String> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["commit"].as_str().expect("commit").to_string())
        .collect()
}

/// The 12-digit abbreviation reasons use.
pub fn short(id: &str) -> &str {
    &id[..12]
}

#[track_caller]
fn assert_passes(doc: &Value, commit: &str, principal: &str) {
    let r = result(doc, commit);
    assert_eq!(r["ok"], true, "{commit} should pass:\n{doc:#}");
    assert_eq!(r["principal"], principal, "{doc:#}");
    assert_eq!(r["reasons"], serde_json::json!([]), "{doc:#}");
}

#[track_caller]
fn assert_fails_with(doc: &Value, commit: &str, needle: &str) {
    let r = result(doc, commit);
    assert_eq!(r["ok"], false, "{commit} should fail:\n{doc:#}");
    let reasons = reasons(doc, commit);
    assert!(
        reasons.iter().any(|r| r.contains(needle)),
        "no reason of {commit} says `{needle}`: {reasons:?}"
    );
}

/// alice and bob are principals; the default rules.
fn two_principals(alice: &Key, bob: &Key) -> String {
    policy_text("", &[who("alice", alice), who("bob", bob)], DEFAULT_RULES)
}

#[test]
fn good_history_passes() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let c1 = commit(&repo, Some(&alice), "one", None);
    let c2 = commit(&repo, Some(&bob), "two", None);

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["ok"], true);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"commits": 2, "passed": 2, "failed": 0})
    );
    assert_eq!(reported(&doc), [c1.clone(), c2.clone()], "oldest first");
    assert_passes(&doc, &c1, "alice");
    assert_passes(&doc, &c2, "bob");

    let text = verify(&repo, &["--anchor", &anchor, "--ref", MAIN, "main"]).success();
    let stdout = text.stdout();
    assert!(
        stdout.contains(&format!(
            "ok   {} alice ssh {}",
            short(&c1),
            alice.fingerprint()
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 commits, 2 passed, 0 failed\n"),
        "{stdout}"
    );
}

#[test]
fn unknown_signer_fails() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let good = commit(&repo, Some(&alice), "good", None);
    let bad = commit(&repo, Some(&mallory), "stranger", None);

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["ok"], false);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"commits": 2, "passed": 1, "failed": 1})
    );
    assert_passes(&doc, &good, "alice");
    assert_eq!(result(&doc, &bad)["principal"], Value::Null);
    assert_eq!(
        result(&doc, &bad)["signature"]["key"],
        mallory.fingerprint()
    );
    assert_eq!(
        reasons(&doc, &bad),
        [format!(
            "unknown signer: ssh key {} is not a principal of the policy",
            mallory.fingerprint()
        )]
    );

    let text = verify(&repo, &["--anchor", &anchor, "--ref", MAIN, "HEAD"]).exit(1);
    assert!(
        text.stdout().contains(&mallory.fingerprint()),
        "{}",
        text.describe()
    );
    assert!(text.stdout().contains("1 failed"), "{}", text.describe());
}

#[test]
fn unsigned_commit_fails() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let unsigned = commit(&repo, None, "unsigned", None);

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    let r = result(&doc, &unsigned);
    assert_eq!(r["ok"], false);
    assert_eq!(r["signature"]["format"], "none", "{doc:#}");
    assert_eq!(r["signature"]["key"], Value::Null);
    assert_eq!(r["principal"], Value::Null);
    assert_eq!(reasons(&doc, &unsigned)[0], "unsigned");
}

#[test]
fn policy_change_by_a_signer_not_in_policy_changes_fails_and_so_does_what_follows() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    // bob may commit, but only alice may change the policy: bob adds carol.
    write_policy(
        &repo,
        &policy_text(
            "",
            &[who("alice", &alice), who("bob", &bob), who("carol", &carol)],
            DEFAULT_RULES,
        ),
    );
    let change = commit(&repo, Some(&bob), "add carol", None);
    let by_carol = commit(&repo, Some(&carol), "carol's first", None);

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &change)["principal"], "bob");
    assert_eq!(
        reasons(&doc, &change),
        ["changes .gitseal/ but bob is not a policy_changes signer"]
    );
    // carol is a principal of the changed policy, but that policy is not authenticated.
    assert_eq!(result(&doc, &by_carol)["ok"], false);
    assert_eq!(
        reasons(&doc, &by_carol),
        [format!("parent {} is not authenticated", short(&change))]
    );
}

/// A policy change by the right signer that leaves no policy able to judge (it does not
/// parse) is refused itself, with the reason, instead of passing and failing every child
/// after it: no later commit could mend it, the broken policy would judge that one too.
#[test]
fn a_policy_change_to_a_policy_that_cannot_judge_is_refused() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    write_policy(
        &repo,
        &format!("{}\nunknown_key = 1\n", two_principals(&alice, &bob)),
    );
    let broken = commit(&repo, Some(&alice), "typo in the policy", None);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &broken)["principal"], "alice");
    let why = reasons(&doc, &broken);
    assert_eq!(why.len(), 1, "{doc:#}");
    assert!(
        why[0].starts_with("changes .gitseal/ to a policy that cannot judge: ")
            && why[0].contains("unknown_key"),
        "{why:?}"
    );

    // The honest change beside it passes.
    repo.git(&["reset", "-q", "--hard", &anchor]).success();
    write_policy(
        &repo,
        &policy_text("", &[who("alice", &alice), who("bob", &bob)], DEFAULT_RULES)
            .replace("version = 1", "version = 1\n# reviewed"),
    );
    let fixed = commit(&repo, Some(&alice), "policy comment", None);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_passes(&doc, &fixed, "alice");
}

#[test]
fn legitimate_policy_change_then_the_new_principal_passes() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    // Before the change, carol is nobody.
    let early = commit(&repo, Some(&carol), "too early", None);
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_fails_with(&doc, &early, "unknown signer");
    repo.git(&["reset", "-q", "--hard", &anchor]).success();

    write_policy(
        &repo,
        &policy_text(
            "",
            &[who("alice", &alice), who("bob", &bob), who("carol", &carol)],
            DEFAULT_RULES,
        ),
    );
    let change = commit(&repo, Some(&alice), "add carol", None);
    let by_carol = commit(&repo, Some(&carol), "carol's first", None);

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_passes(&doc, &change, "alice");
    assert_passes(&doc, &by_carol, "carol");
}

#[test]
fn a_merge_must_be_authorized_by_the_policy_of_every_parent() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let rules = |commits: &str| {
        format!(
            "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [{commits}]\n\n\
             [policy_changes]\nsigners = [\"alice\", \"bob\"]\n"
        )
    };
    let (repo, anchor) = anchored(
        &env,
        &alice,
        &policy_text("", &people, &rules("\"alice\", \"bob\"")),
    );
    // On `side`, alice takes bob off the commit list.
    repo.git(&["checkout", "-q", "-b", "side"]).success();
    write_policy(&repo, &policy_text("", &people, &rules("\"alice\"")));
    let side = commit(&repo, Some(&alice), "only alice", None);
    // On main, bob commits (allowed there), then merges side himself.
    repo.git(&["checkout", "-q", "main"]).success();
    let on_main = commit(&repo, Some(&bob), "bob on main", None);
    let merge_as = |signer: &Key| {
        repo.git(&[
            "-c",
            &format!("user.signingKey={}", signer.private.display()),
            "merge",
            "-q",
            "--no-ff",
            "--no-edit",
            "-S",
            "-m",
            "merge side",
            "side",
        ])
        .success();
        repo.git_out(&["rev-parse", "HEAD"])
    };
    let merge = merge_as(&bob);
    assert_eq!(
        repo.git_out(&["rev-parse", "HEAD^1", "HEAD^2"]),
        format!("{on_main}\n{side}")
    );

    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_passes(&doc, &side, "alice");
    assert_passes(&doc, &on_main, "bob");
    // main's policy lets bob merge (and bring the policy change in); side's does not.
    assert_eq!(
        reasons(&doc, &merge),
        [format!(
            "by the policy of parent {}: signer bob not allowed by rule refs/heads/main",
            short(&side)
        )]
    );

    // The same merge signed by alice is authorized by both parents' policies.
    repo.git(&["reset", "-q", "--hard", &on_main]).success();
    let merge = merge_as(&alice);
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_passes(&doc, &merge, "alice");
}

/// 2026-01-01T00:00:00Z and friends, as Unix seconds.
const JAN_2026: i64 = 1_767_225_600;
const MAR_2026: i64 = 1_772_323_200; // 2026-03-01T00:00:00Z
const JUN_2026: i64 = 1_780_272_000; // 2026-06-01T00:00:00Z

#[test]
fn revoked_key_without_after_fails_at_any_time() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let tail = format!(
        "{DEFAULT_RULES}\n[[revoked]]\nkey = \"{}\"\nreason = \"left the project\"\n",
        bob.fingerprint()
    );
    let (repo, anchor) = anchored(
        &env,
        &alice,
        &policy_text("", &[who("alice", &alice), who("bob", &bob)], &tail),
    );
    for (branch, date) in [("old", 1_000_000_000), ("new", JUN_2026)] {
        repo.git(&["checkout", "-q", "-b", branch, &anchor])
            .success();
        let c = commit(&repo, Some(&bob), branch, Some(date));
        let (code, doc) = verify_json(&repo, &anchor, &[branch]);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(
            reasons(&doc, &c),
            [format!(
                "key {} is revoked (left the project)",
                bob.fingerprint()
            )]
        );
        assert_eq!(result(&doc, &c)["principal"], "bob");
    }
}

#[test]
fn revoked_key_with_after_fails_from_then_on() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let tail = format!(
        "{DEFAULT_RULES}\n[[revoked]]\nkey = \"{}\"\nafter = 2026-03-01T00:00:00Z\nreason = \"laptop stolen\"\n",
        bob.fingerprint()
    );
    let (repo, anchor) = anchored(
        &env,
        &alice,
        &policy_text("", &[who("alice", &alice), who("bob", &bob)], &tail),
    );
    let before = commit(&repo, Some(&bob), "before", Some(JAN_2026));
    let at = commit(&repo, Some(&bob), "at", Some(MAR_2026));

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_passes(&doc, &before, "bob");
    assert_eq!(
        result(&doc, &before)["signature"]["time"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(
        reasons(&doc, &at),
        [format!(
            "key {} is revoked since 2026-03-01T00:00:00Z (laptop stolen)",
            bob.fingerprint()
        )]
    );
}

#[test]
fn goodlist_exempts_audited_commits_from_revocation() {
    // The goodlist names commits, so it lives in a policy written after them: --policy FILE.
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let repo = new_repo(&env, "work", &alice);
    let first = commit(&repo, Some(&alice), "first", None);
    let audited = commit(&repo, Some(&bob), "audited", None);
    let unaudited = commit(&repo, Some(&bob), "not audited", None);
    let file = env.write(
        "policy.toml",
        policy_text(
            &format!("goodlist = [\"{}\"]", audited.to_uppercase()),
            &[who("alice", &alice), who("bob", &bob)],
            &format!("[[revoked]]\nkey = \"{}\"\n", bob.fingerprint()),
        ),
    );
    let out = verify(
        &repo,
        &[
            "--policy",
            file.to_str().unwrap(),
            "--format",
            "json",
            "HEAD",
        ],
    )
    .exit(1);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_passes(&doc, &first, "alice");
    assert_passes(&doc, &audited, "bob");
    assert_fails_with(&doc, &unaudited, "is revoked");
}

#[test]
fn validity_window_of_a_principal() {
    let env = TestEnv::new();
    let (alice, carol) = (key(&env, "alice"), key(&env, "carol"));
    let people = [
        who("alice", &alice),
        Who {
            name: "carol",
            key: &carol,
            extra: "valid_after = 2026-01-01T00:00:00Z\nvalid_before = 2026-03-01T00:00:00Z",
        },
    ];
    let (repo, anchor) = anchored(&env, &alice, &policy_text("", &people, DEFAULT_RULES));
    let inside = commit(&repo, Some(&carol), "inside", Some(JAN_2026 + 86_400));
    let late = commit(&repo, Some(&carol), "late", Some(MAR_2026));
    repo.git(&["checkout", "-q", "-b", "early", &anchor])
        .success();
    let early = commit(&repo, Some(&carol), "early", Some(JAN_2026 - 1));

    let (code, doc) = verify_json(&repo, &anchor, &["main", "early"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_passes(&doc, &inside, "carol");
    assert_eq!(
        reasons(&doc, &late),
        ["principal carol expired at 2026-03-01T00:00:00Z"]
    );
    assert_eq!(
        reasons(&doc, &early),
        ["principal carol is not valid before 2026-01-01T00:00:00Z"]
    );
}

#[test]
fn commits_not_descending_from_the_anchor_fail() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let good = commit(&repo, Some(&alice), "good", None);
    // An unrelated history, signed by a principal and carrying the same policy.
    repo.git(&["checkout", "-q", "--orphan", "island"])
        .success();
    let island = commit(&repo, Some(&alice), "island", None);

    let (code, doc) = verify_json(&repo, &anchor, &["island"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(reported(&doc), std::slice::from_ref(&island));
    assert_eq!(reasons(&doc, &island), ["does not descend from the anchor"]);

    // Merged into main, it is still not authenticated, and neither is the merge.
    repo.git(&["checkout", "-q", "main"]).success();
    repo.git(&[
        "-c",
        &format!("user.signingKey={}", alice.private.display()),
        "merge",
        "-q",
        "-S",
        "--no-edit",
        "--allow-unrelated-histories",
        "-s",
        "ours",
        "-m",
        "merge island",
        "island",
    ])
    .success();
    let merge = repo.git_out(&["rev-parse", "HEAD"]);
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_passes(&doc, &good, "alice");
    assert_fails_with(&doc, &island, "does not descend from the anchor");
    assert_fails_with(&doc, &merge, short(&island));
    assert_eq!(doc["summary"]["failed"], 2, "{doc:#}");
}

#[test]
fn a_policy_file_judges_every_commit_of_a_repository_without_one() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let repo = new_repo(&env, "work", &alice);
    let c1 = commit(&repo, Some(&alice), "one", None);
    let c2 = commit(&repo, Some(&bob), "two", None);
    let c3 = commit(&repo, Some(&mallory), "three", None);
    let c4 = commit(&repo, Some(&alice), "four", None);
    assert!(!repo.dir.join(".gitseal").exists());
    let file = env.write(
        "policy.toml",
        policy_text(
            "",
            &[who("alice", &alice), who("bob", &bob)],
            "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n",
        ),
    );
    let path = file.to_str().unwrap();

    // No anchor needed; every commit from the root is judged by the file.
    let out = verify(&repo, &["--policy", path, "--format", "json", "HEAD"]).exit(1);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        reported(&doc),
        [c1.clone(), c2.clone(), c3.clone(), c4.clone()]
    );
    assert_passes(&doc, &c1, "alice");
    assert_passes(&doc, &c2, "bob"); // no --ref: no rule applies
    assert_fails_with(&doc, &c3, "unknown signer");

    // With the ref, the file's rule applies.
    let out = verify(
        &repo,
        &["--policy", path, "--ref", MAIN, "--format", "json", "HEAD"],
    )
    .exit(1);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        reasons(&doc, &c2),
        ["signer bob not allowed by rule refs/heads/main"]
    );
    assert_eq!(result(&doc, &c1)["rule"], MAIN);

    // A broken file is an error, not a verdict.
    let broken = env.write("broken.toml", "version = 1\nprincipal = 1\n");
    let out = verify(&repo, &["--policy", broken.to_str().unwrap(), "HEAD"]).exit(2);
    assert!(
        out.stderr
            .starts_with(&format!("error: {}:2: ", broken.display())),
        "{}",
        out.describe()
    );
}

#[test]
fn json_report_has_exactly_the_documented_fields() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let good = commit(&repo, Some(&alice), "good", None);
    let bad = commit(&repo, Some(&mallory), "bad", Some(JAN_2026));

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1);
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), ["ok", "results", "schema", "summary"]);
    assert_eq!(doc["schema"], "gitseal.verify/v1");
    assert_eq!(doc["ok"], false);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"commits": 2, "passed": 1, "failed": 1})
    );
    for r in doc["results"].as_array().unwrap() {
        assert_eq!(
            keys(r),
            [
                "commit",
                "ok",
                "principal",
                "reasons",
                "ref",
                "rule",
                "signature"
            ]
        );
        assert_eq!(
            keys(&r["signature"]),
            ["format", "key", "time", "time_source"]
        );
    }
    assert_eq!(
        *result(&doc, &good),
        serde_json::json!({
            "commit": good,
            "ref": "refs/heads/main",
            "ok": true,
            "signature": {
                "format": "ssh",
                "key": alice.fingerprint(),
                "time": "2023-11-14T22:13:20Z",
                "time_source": "committer",
            },
            "principal": "alice",
            "rule": "refs/heads/main",
            "reasons": [],
        })
    );
    assert_eq!(
        *result(&doc, &bad),
        serde_json::json!({
            "commit": bad,
            "ref": "refs/heads/main",
            "ok": false,
            "signature": {
                "format": "ssh",
                "key": mallory.fingerprint(),
                "time": "2026-01-01T00:00:00Z",
                "time_source": "committer",
            },
            "principal": null,
            "rule": "refs/heads/main",
            "reasons": [format!(
                "unknown signer: ssh key {} is not a principal of the policy",
                mallory.fingerprint()
            )],
        })
    );
    // One document, nothing else on stdout.
    let out = verify(
        &repo,
        &[
            "--anchor", &anchor, "--ref", MAIN, "--format", "json", "HEAD",
        ],
    );
    assert_eq!(
        out.stdout().trim_end().lines().count(),
        1,
        "{}",
        out.describe()
    );
}

#[test]
fn github_format_prints_error_annotations() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let good = commit(&repo, Some(&alice), "good", None);
    let bad = commit(&repo, Some(&mallory), "bad", None);

    let out = verify(
        &repo,
        &[
            "--anchor", &anchor, "--ref", MAIN, "--format", "github", "HEAD",
        ],
    )
    .exit(1);
    let stdout = out.stdout();
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(errors[0].contains(&bad), "{stdout}");
    assert!(errors[0].contains("unknown signer"), "{stdout}");
    assert!(!stdout.contains(&good), "{stdout}");
    // Workflow commands are `::name params::message`.
    assert!(
        errors[0].starts_with("::error::") || errors[0].starts_with("::error "),
        "{stdout}"
    );
    assert!(errors[0]["::error".len()..].contains("::"), "{stdout}");

    let clean = verify(
        &repo,
        &[
            "--anchor", &anchor, "--ref", MAIN, "--format", "github", "HEAD~1",
        ],
    )
    .success();
    assert!(!clean.stdout().contains("::error"), "{}", clean.describe());
}

#[test]
fn a_range_reports_only_itself_but_authenticates_the_path_to_it() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let g1 = commit(&repo, Some(&alice), "g1", None);
    let g2 = commit(&repo, Some(&bob), "g2", None);
    let g3 = commit(&repo, Some(&alice), "g3", None);

    let range = format!("{g1}..{g3}");
    let (code, doc) = verify_json(&repo, &anchor, &[&range]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(reported(&doc), [g2.clone(), g3.clone()]);

    // A bad commit before X still breaks X..Y.
    repo.git(&["checkout", "-q", "-b", "tainted", &anchor])
        .success();
    let bad = commit(&repo, Some(&mallory), "bad", None);
    let x = commit(&repo, Some(&alice), "x", None);
    let y1 = commit(&repo, Some(&alice), "y1", None);
    let y2 = commit(&repo, Some(&bob), "y2", None);
    let range = format!("{x}..{y2}");
    let (code, doc) = verify_json(&repo, &anchor, &[&range]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        reported(&doc),
        [y1.clone(), y2.clone()],
        "only X..Y is reported"
    );
    assert!(!doc.to_string().contains(&bad), "{doc:#}");
    assert_eq!(
        reasons(&doc, &y1),
        [format!("parent {} is not authenticated", short(&x))]
    );
    assert_eq!(
        reasons(&doc, &y2),
        [format!("parent {} is not authenticated", short(&y1))]
    );
}

#[test]
fn the_verdict_cache_gives_the_same_results() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    commit(&repo, Some(&alice), "one", None);
    let unsigned = commit(&repo, None, "unsigned", None);
    repo.git(&["checkout", "-q", "-b", "other", &anchor])
        .success();
    commit(&repo, Some(&bob), "two", None);
    commit(&repo, Some(&mallory), "three", Some(JAN_2026));

    let cache = repo.dir.join(".git/gitseal/verdicts");
    assert!(!cache.exists());
    let first = verify_json(&repo, &anchor, &["main", "other"]);
    assert!(cache.is_file(), "no cache written");
    let cached = std::fs::read_to_string(&cache).unwrap();
    // Every signature checked; an unsigned commit had none to check.
    for id in reported(&first.1) {
        assert_eq!(
            cached.contains(&id),
            id != unsigned,
            "{id} (unsigned: {unsigned}):\n{cached}"
        );
    }
    let second = verify_json(&repo, &anchor, &["main", "other"]);
    assert_eq!(first.0, 1);
    assert_eq!(first, second, "the cached run differs");
    assert_eq!(std::fs::read_to_string(&cache).unwrap(), cached);
}

/// `count` unsigned commits on `branch` (one `git fast-import`), from `from` or where the
/// branch is; `merge`: the first one also merges that commit. Commit `i` is dated
/// `JAN_2026 + i`, so two branches written this way have commits of equal times.
fn fast_commits(repo: &Repo<'_>, branch: &str, from: &str, merge: Option<&str>, count: usize) {
    let mut stream = String::new();
    for i in 0..count {
        let message = format!("{branch} {i}");
        stream.push_str(&format!(
            "commit refs/heads/{branch}\ncommitter T <t@example.org> {} +0000\ndata {}\n{message}\n",
            JAN_2026 + i as i64,
            message.len()
        ));
        if i == 0 {
            stream.push_str(&format!("from {from}\n"));
            if let Some(other) = merge {
                stream.push_str(&format!("merge {other}\n"));
            }
        }
        stream.push('\n');
    }
    repo.git_stdin(&["fast-import", "--quiet", "--force"], stream.as_bytes())
        .success();
}

#[test]
fn long_ranges_report_the_same_with_any_threads_and_the_cache() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    // More commits than one thread checks at once (2,048), a side branch of equal dates
    // merged back: signatures are checked in chunks on several threads and judged in order.
    let main = repo.git_out(&["rev-parse", "HEAD"]);
    fast_commits(&repo, "side", &main, None, 300);
    fast_commits(&repo, "main", &main, None, 2000);
    let side = repo.git_out(&["rev-parse", "refs/heads/side"]);
    let tip = repo.git_out(&["rev-parse", "refs/heads/main"]);
    fast_commits(&repo, "main", &tip, Some(&side), 200);
    let total = 2500;

    let cache = repo.dir.join(".git/gitseal/verdicts");
    let mut outputs = Vec::new();
    for options in [
        &["--no-cache", "--jobs", "1"][..],
        &["--no-cache", "--jobs", "3"],
        &["--jobs", "2"],
        &["--jobs", "2"],
        &["--jobs", "1"],
    ] {
        let mut args = vec!["--anchor", &anchor, "--ref", MAIN, "--format", "json"];
        args.extend(options);
        args.push("main");
        let out = verify(&repo, &args).exit(1);
        outputs.push((options, out.stdout));
    }
    for (options, stdout) in &outputs[1..] {
        assert!(
            *stdout == outputs[0].1,
            "{options:?} reports differently from --jobs 1 --no-cache"
        );
    }
    let doc: Value = serde_json::from_slice(&outputs[0].1).expect("one JSON document");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"commits": total, "passed": 0, "failed": total})
    );
    // Parents before children.
    let order = reported(&doc);
    let position: std::collections::HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let parents = repo.git_out(&["rev-list", "--parents", "main", &format!("^{anchor}")]);
    for line in parents.lines() {
        let mut ids = line.split(' ');
        let child = position[ids.next().expect("commit")];
        for parent in ids.filter(|id| *id != anchor) {
            assert!(
                position[parent] < child,
                "{parent} reported after its child"
            );
        }
    }
    let text = |options: &[&str]| {
        let mut args = vec!["--anchor", &anchor, "--ref", MAIN];
        args.extend(options);
        args.push("main");
        verify(&repo, &args).exit(1).stdout
    };
    assert_eq!(
        text(&["--no-cache", "--jobs", "1"]),
        text(&["--no-cache", "--jobs", "2"])
    );

    // Unsigned commits leave nothing to cache; the verdicts of signatures checked later
    // are appended, and what was cached stays as it was.
    assert!(!cache.exists(), "verdicts cached for unsigned commits");
    commit(&repo, Some(&alice), "signed one", None);
    commit(&repo, Some(&bob), "signed two", None);
    text(&["--jobs", "2"]);
    let before = std::fs::read_to_string(&cache).expect("cache written");
    assert_eq!(before.lines().count(), 1 + 2, "{before}");
    commit(&repo, Some(&alice), "signed three", None);
    text(&["--jobs", "2"]);
    let after = std::fs::read_to_string(&cache).expect("cache");
    assert!(after.starts_with(&before), "the cache was rewritten");
    assert_eq!(after.lines().count(), 1 + 3, "{after}");
}

#[test]
fn no_cache_writes_nothing() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    commit(&repo, Some(&alice), "one", None);
    verify(
        &repo,
        &["--no-cache", "--anchor", &anchor, "--ref", MAIN, "HEAD"],
    )
    .success();
    assert!(
        !repo.dir.join(".git/gitseal").exists(),
        "--no-cache wrote into the git directory"
    );
}

#[test]
fn without_an_anchor_it_is_a_usage_error_with_a_hint() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    commit(&repo, Some(&alice), "one", None);

    let out = verify(&repo, &["--ref", MAIN, "HEAD"]).exit(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 2, "{}", out.describe());
    assert!(lines[0].starts_with("error: "), "{}", out.describe());
    assert!(lines[1].starts_with("hint: "), "{}", out.describe());
    assert!(lines[1].contains("--anchor"), "{}", out.describe());
    assert!(out.stdout.is_empty(), "{}", out.describe());

    // An anchor that is not a commit here.
    let out = verify(&repo, &["--anchor", "nosuchrev", "HEAD"]).exit(2);
    assert!(out.stderr.starts_with("error: "), "{}", out.describe());

    // git config gitseal.anchor is an anchor.
    repo.git(&["config", "gitseal.anchor", &anchor]).success();
    verify(&repo, &["--ref", MAIN, "HEAD"]).success();
}

#[test]
fn policy_check_reports_ok_or_the_error_with_file_and_line() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, _) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let gitseal = |args: &[&str]| {
        run(env
            .gitseal()
            .current_dir(&repo.dir)
            .arg("policy")
            .args(args))
        .no_panic()
    };

    let out = gitseal(&["check"]).success();
    assert_eq!(
        out.stdout(),
        "HEAD:.gitseal/policy.toml: ok (2 principals, 1 rules)\n"
    );

    let good = env.write("good.toml", two_principals(&alice, &bob));
    let out = gitseal(&["check", "--file", good.to_str().unwrap()]).success();
    assert!(out.stdout().contains(": ok ("), "{}", out.describe());

    let bad = env.write(
        "bad.toml",
        "version = 1\n[principals.alice]\nssh = [\"ssh-ed25519 AAAAbroken\"]\n",
    );
    let out = gitseal(&["check", "--file", bad.to_str().unwrap()]).exit(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", out.describe());
    assert!(
        lines[0].starts_with(&format!("error: {}:3: principals.alice.ssh", bad.display())),
        "{}",
        out.describe()
    );

    // A broken policy committed in the tree, checked by revision.
    write_policy(&repo, "version = 1\n\n[[rules]]\nrefs = [\"main\"]\n");
    commit(&repo, Some(&alice), "break it", None);
    let out = gitseal(&["check", "--rev", "HEAD"]).exit(2);
    assert!(
        out.stderr
            .starts_with("error: HEAD:.gitseal/policy.toml:4: rules[0].refs: `main`"),
        "{}",
        out.describe()
    );
    gitseal(&["check", "--rev", "HEAD~1"]).success();
}

#[test]
fn policy_describe_lists_principals_and_rules() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let text = policy_text(
        "",
        &[
            who("alice", &alice),
            Who {
                name: "bob",
                key: &bob,
                extra: "valid_before = 2030-01-01T00:00:00Z",
            },
        ],
        "[groups]\nmaintainers = [\"alice\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\", \"bob\"]\nallow_delete = true\n\n\
         [policy_changes]\nsigners = [\"@maintainers\"]\n",
    );
    let file = env.write("policy.toml", &text);
    let out = run(env
        .gitseal()
        .args(["policy", "describe", "--file"])
        .arg(&file))
    .success();
    let stdout = out.stdout();
    for needle in [
        "principals:".to_string(),
        "  alice\n".to_string(),
        format!("    ssh {}", alice.fingerprint()),
        "  bob (valid always to 2030-01-01T00:00:00Z)".to_string(),
        format!("    ssh {}", bob.fingerprint()),
        "  refs/heads/main\n".to_string(),
        "    commits: @maintainers (alice), bob".to_string(),
        "    force push: refused, delete: allowed".to_string(),
        "policy changes: @maintainers (alice)".to_string(),
    ] {
        assert!(stdout.contains(&needle), "no `{needle}` in:\n{stdout}");
    }
}

#[test]
fn exported_allowed_signers_let_plain_git_verify_the_commits() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let people = [
        who("alice", &alice),
        Who {
            name: "bob",
            key: &bob,
            extra: "valid_after = 2020-01-01T00:00:00Z\nvalid_before = 2030-01-01T00:00:00Z",
        },
    ];
    let (repo, _) = anchored(&env, &alice, &policy_text("", &people, DEFAULT_RULES));
    let by_bob = commit(&repo, Some(&bob), "bob", None);
    let by_mallory = commit(&repo, Some(&mallory), "mallory", None);

    let out = run(env
        .gitseal()
        .current_dir(&repo.dir)
        .args(["policy", "export-allowed-signers"]))
    .success();
    let exported = out.stdout();
    assert_eq!(exported.lines().count(), 2, "{exported}");
    assert!(
        exported.contains(&format!("alice namespaces=\"git\" {}", alice.public_line())),
        "{exported}"
    );
    let file = env.write("exported_allowed_signers", &exported);

    // Plain git with ssh-keygen: gitseal is not involved any more.
    repo.git(&["config", "--unset", "gpg.ssh.program"])
        .success();
    let verify_commit = |rev: &str| {
        repo.git_with(
            &[("gpg.ssh.allowedSignersFile", file.to_str().unwrap())],
            &["verify-commit", rev],
        )
    };
    for (rev, who) in [("HEAD~2", "alice"), (by_bob.as_str(), "bob")] {
        let out = verify_commit(rev);
        assert_eq!(out.code, 0, "{}", out.describe());
        assert!(
            out.stderr
                .contains(&format!("Good \"git\" signature for {who}")),
            "{}",
            out.describe()
        );
    }
    let out = verify_commit(&by_mallory);
    assert_ne!(out.code, 0, "{}", out.describe());

    // bob's window is honoured by ssh-keygen: a commit dated after it is refused.
    repo.git(&["reset", "-q", "--hard", &by_bob]).success();
    repo.git(&["config", "gpg.ssh.program", GITSEAL]).success();
    let late = commit(&repo, Some(&bob), "late", Some(1_900_000_000));
    repo.git(&["config", "--unset", "gpg.ssh.program"])
        .success();
    let out = verify_commit(&late);
    assert_ne!(out.code, 0, "{}", out.describe());
}

/// `X..Y` means what it means to git, whatever the committer dates say: here X is dated
/// before its parent P (a skewed clock) and Y merges a branch that forked at P.
#[test]
fn a_range_is_what_git_rev_list_says_with_skewed_dates() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob));
    let t = 1_700_000_000;
    let p = commit(&repo, Some(&alice), "p", Some(t + 10));
    let x = commit(&repo, Some(&alice), "x", Some(t + 5));
    repo.git(&["checkout", "-q", "-b", "side", &p]).success();
    commit(&repo, Some(&bob), "s", Some(t + 20));
    repo.git(&["checkout", "-q", "main"]).success();
    let date = format!("{} +0000", t + 30);
    run(repo
        .env
        .git(&repo.dir)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_AUTHOR_DATE", &date)
        .arg("-c")
        .arg(format!("user.signingKey={}", alice.private.display()))
        .args(["merge", "-q", "-S", "--no-edit", "-m", "y", "side"]))
    .success();

    let range = format!("{x}..main");
    let mut expected: Vec<String> = repo
        .git_out(&["rev-list", &range])
        .lines()
        .map(str::to_string)
        .collect();
    let (code, doc) = verify_json(&repo, &anchor, &[&range]);
    let mut got = reported(&doc);
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{p} is reachable from {x}\n{doc:#}");
    assert_eq!(code, 0, "every commit is good\n{doc:#}");
}
