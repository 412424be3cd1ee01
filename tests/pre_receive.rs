//! `gitseal verify --pre-receive` as a real server hook: a bare repository whose
//! `hooks/pre-receive` runs gitseal (anchor in the server's config), and a client pushing
//! with `git push`. git runs the hook with the pushed objects in a quarantine directory
//! (`GIT_QUARANTINE_PATH`), so every accepted push also shows gitseal reads them there.

use crate::support::{GITSEAL, Key, Repo, Run, TestEnv, run, set_mode};
use crate::verify_policy::{
    DEFAULT_RULES, MAIN, Who, anchored, commit, key, policy_text, short, verify, who, write_policy,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};

/// Commits in these tests get strictly increasing committer dates after the anchor's
/// (equal dates trip a gitseal bug that has its own test below).
pub fn next_date() -> Option<i64> {
    static NEXT: AtomicI64 = AtomicI64::new(1_700_000_001);
    Some(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// [`commit`] at the next date.
#[track_caller]
pub fn c(repo: &Repo<'_>, signer: Option<&Key>, message: &str) -> String {
    commit(repo, signer, message, next_date())
}

/// The bare repository the client pushes to.
pub struct Server<'e> {
    pub env: &'e TestEnv,
    pub dir: PathBuf,
}

impl Server<'_> {
    /// Where `refname` points on the server (`None`: it does not exist).
    pub fn rev(&self, refname: &str) -> Option<String> {
        let out = run(self
            .env
            .git(self.env.root())
            .arg(format!("--git-dir={}", self.dir.display()))
            .args(["rev-parse", "--verify", "-q", refname]));
        (out.code == 0).then(|| out.stdout().trim().to_string())
    }

    pub fn install_hook(&self) {
        let hook = self.dir.join("hooks").join("pre-receive");
        std::fs::write(
            &hook,
            format!("#!/bin/sh\nexec '{GITSEAL}' verify --pre-receive\n"),
        )
        .expect("write hook");
        set_mode(&hook, 0o755);
    }
}

/// A bare server holding the client's `main` (pushed before the hook exists), with
/// `gitseal.anchor` set and the hook installed. The client's remote is `origin`.
pub fn server<'e>(client: &Repo<'e>, anchor: &str) -> Server<'e> {
    server_with(client, anchor, &["main"], true)
}

pub fn server_with<'e>(client: &Repo<'e>, anchor: &str, push: &[&str], hook: bool) -> Server<'e> {
    let env = client.env;
    let dir = env.path("server.git");
    run(env
        .git(env.root())
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(&dir))
    .success();
    client
        .git(&["remote", "add", "origin", dir.to_str().unwrap()])
        .success();
    let mut args = vec!["push", "-q", "origin"];
    args.extend(push);
    client.git(&args).success();
    run(env.git(&dir).args(["config", "gitseal.anchor", anchor])).success();
    let server = Server { env, dir };
    if hook {
        server.install_hook();
    }
    server
}

pub fn push(client: &Repo<'_>, args: &[&str]) -> Run {
    let mut all = vec!["push", "origin"];
    all.extend(args);
    client.git(&all).no_panic()
}

/// The push was refused by the hook, and the client saw why.
#[track_caller]
pub fn assert_rejected(out: &Run, refname: &str, needles: &[&str]) {
    assert_ne!(out.code, 0, "push accepted\n{}", out.describe());
    assert!(
        out.stderr.contains("pre-receive hook declined"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr
            .contains(&format!("remote: gitseal: rejected {refname}")),
        "{}",
        out.describe()
    );
    for needle in needles {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("remote: gitseal: ") && l.contains(needle)),
            "no `remote: gitseal:` line says `{needle}`\n{}",
            out.describe()
        );
    }
}

fn two_principals(alice: &Key, bob: &Key, rules: &str) -> String {
    policy_text("", &[who("alice", alice), who("bob", bob)], rules)
}

/// main takes any principal; release/* only alice; tmp/* anyone and may be rewound and
/// deleted; v* tags only alice; alice changes the policy.
const RULES: &str = "\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"*\"]\n\n\
     [[rules]]\nrefs = [\"refs/heads/release/*\"]\ncommits = [\"alice\"]\n\n\
     [[rules]]\nrefs = [\"refs/tags/v*\"]\ntags = [\"alice\"]\n\n\
     [[rules]]\nrefs = [\"refs/heads/tmp/*\"]\ncommits = [\"*\"]\nallow_force_push = true\nallow_delete = true\n\n\
     [policy_changes]\nsigners = [\"alice\"]\n";

#[test]
fn good_history_is_accepted() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    c(&client, Some(&alice), "one");
    c(&client, Some(&bob), "two");
    let tip = c(&client, Some(&alice), "three");

    let out = push(&client, &["main"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr
            .contains("remote: gitseal: refs/heads/main: 3 new commit(s) verified"),
        "{}",
        out.describe()
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(tip.as_str()));
    // The server keeps verdicts for the next push.
    assert!(server.dir.join("gitseal/verdicts").is_file());
}

#[test]
fn unknown_signer_is_rejected() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    let before = server.rev(MAIN);
    c(&client, Some(&alice), "good");
    let bad = c(&client, Some(&mallory), "bad");

    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[&format!(
            "refs/heads/main: commit {bad} (rule refs/heads/main): unknown signer: ssh key {} is not a principal of the policy",
            mallory.fingerprint()
        )],
    );
    assert_eq!(server.rev(MAIN), before, "the server's ref moved");
}

#[test]
fn unsigned_commit_is_rejected() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    let before = server.rev(MAIN);
    let unsigned = c(&client, None, "unsigned");

    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[&format!(
            "commit {unsigned} (rule refs/heads/main): unsigned"
        )],
    );
    assert_eq!(server.rev(MAIN), before);
}

#[test]
fn unauthorized_policy_change_is_rejected() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    let before = server.rev(MAIN);
    write_policy(
        &client,
        &policy_text(
            "",
            &[who("alice", &alice), who("bob", &bob), who("carol", &carol)],
            RULES,
        ),
    );
    let change = c(&client, Some(&bob), "bob adds carol");
    let by_carol = c(&client, Some(&carol), "carol");

    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[
            &format!(
                "commit {change} (rule refs/heads/main): changes .gitseal/ but bob is not a policy_changes signer"
            ),
            &format!(
                "commit {by_carol}: parent {} is not authenticated",
                short(&change)
            ),
        ],
    );
    assert_eq!(server.rev(MAIN), before);
}

#[test]
fn force_push_without_allow_force_push_is_rejected() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    c(&client, Some(&alice), "one");
    let published = c(&client, Some(&alice), "two");
    assert_eq!(push(&client, &["main"]).success().code, 0);

    // Rewrite history with good signatures: still not a fast-forward.
    client.git(&["reset", "-q", "--hard", &anchor]).success();
    c(&client, Some(&alice), "rewritten");
    let out = push(&client, &["--force", "main"]);
    assert_rejected(
        &out,
        MAIN,
        &["not a fast-forward, and the rule has no allow_force_push"],
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(published.as_str()));
}

#[test]
fn deletion_without_allow_delete_is_rejected() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    client.git(&["branch", "release/1"]).success();
    client.git(&["branch", "feature"]).success();
    let server = server_with(&client, &anchor, &["main", "release/1", "feature"], true);

    // A rule without allow_delete, and a ref no rule matches.
    for branch in ["release/1", "feature"] {
        let refname = format!("refs/heads/{branch}");
        let out = push(&client, &["--delete", branch]);
        assert_rejected(&out, &refname, &["deleting it is not allowed"]);
        assert_eq!(server.rev(&refname).as_deref(), Some(anchor.as_str()));
    }
}

#[test]
fn force_push_and_deletion_allowed_by_the_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    client.git(&["checkout", "-q", "-b", "tmp/x"]).success();
    c(&client, Some(&bob), "scratch");
    let out = push(&client, &["tmp/x"]);
    assert_eq!(out.code, 0, "{}", out.describe());

    client.git(&["reset", "-q", "--hard", &anchor]).success();
    let rewritten = c(&client, Some(&bob), "scratch again");
    let out = push(&client, &["--force", "tmp/x"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(
        server.rev("refs/heads/tmp/x").as_deref(),
        Some(rewritten.as_str())
    );

    let out = push(&client, &["--delete", "tmp/x"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev("refs/heads/tmp/x"), None);

    // A force push still has its new commits checked.
    let mallory = key(&env, "mallory");
    client.git(&["reset", "-q", "--hard", &anchor]).success();
    let scratch = c(&client, Some(&bob), "scratch");
    push(&client, &["tmp/x"]).success();
    client.git(&["reset", "-q", "--hard", &anchor]).success();
    let bad = c(&client, Some(&mallory), "bad");
    let out = push(&client, &["--force", "tmp/x"]);
    assert_rejected(
        &out,
        "refs/heads/tmp/x",
        &[&format!("commit {bad}"), "unknown signer"],
    );
    assert_eq!(
        server.rev("refs/heads/tmp/x").as_deref(),
        Some(scratch.as_str())
    );
}

/// A new ref is judged for everything it will point to from the anchor; the hook counts
/// what is new to the server apart from what it held already (under other refs' rules).
#[test]
fn a_new_branch_is_judged_from_the_anchor_and_counts_what_is_new() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    for i in 0..4 {
        c(&client, Some(&alice), &format!("main {i}"));
    }
    push(&client, &["main"]).success();

    client.git(&["checkout", "-q", "-b", "feature"]).success();
    let new = c(&client, Some(&bob), "feature");
    let out = push(&client, &["feature"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr.contains(
            "remote: gitseal: refs/heads/feature: 1 new commit(s) and 4 commit(s) the server held already verified"
        ),
        "{}",
        out.describe()
    );
    assert_eq!(
        server.rev("refs/heads/feature").as_deref(),
        Some(new.as_str())
    );

    // A new branch at an existing commit adds nothing new, and its history is judged.
    client.git(&["branch", "same", "main"]).success();
    let out = push(&client, &["same"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr.contains(
            "remote: gitseal: refs/heads/same: 4 commit(s) the server held already verified"
        ),
        "{}",
        out.describe()
    );

    // A new branch with a bad new commit is refused, naming only that commit.
    client
        .git(&["checkout", "-q", "-b", "evil", "main"])
        .success();
    let bad = c(&client, Some(&mallory), "evil");
    let out = push(&client, &["evil"]);
    assert_rejected(&out, "refs/heads/evil", &[&format!("commit {bad}")]);
    let commit_lines = out
        .stderr
        .lines()
        .filter(|l| l.contains(": commit "))
        .count();
    assert_eq!(commit_lines, 1, "{}", out.describe());
    assert_eq!(server.rev("refs/heads/evil"), None);
}

/// One push updating two refs with the same new commit: each ref's rule must judge it.
#[test]
fn each_ref_of_a_push_is_judged_by_its_own_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    client.git(&["branch", "release/1"]).success();
    let server = server_with(&client, &anchor, &["main", "release/1"], true);
    // bob may commit to main, not to release/*.
    let by_bob = c(&client, Some(&bob), "bob");
    client.git(&["branch", "-f", "release/1", "main"]).success();

    let out = push(&client, &["main", "release/1"]);
    assert_rejected(
        &out,
        "refs/heads/release/1",
        &[&format!(
            "commit {by_bob} (rule refs/heads/release/*): signer bob not allowed by rule refs/heads/release/*"
        )],
    );
    assert_eq!(
        server.rev("refs/heads/release/1").as_deref(),
        Some(anchor.as_str())
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(anchor.as_str()));
}

/// 2024-06-01T00:00:00Z: inside carol's window.
const JUNE_2024: i64 = 1_717_200_000;

fn carol_until_2025<'k>(carol: &'k Key) -> Who<'k> {
    Who {
        name: "carol",
        key: carol,
        extra: "valid_after = 2024-01-01T00:00:00Z\nvalid_before = 2025-01-01T00:00:00Z",
    }
}

#[test]
fn new_commits_must_also_be_valid_now() {
    let env = TestEnv::new();
    let (alice, carol) = (key(&env, "alice"), key(&env, "carol"));
    let people = [who("alice", &alice), carol_until_2025(&carol)];
    let (client, anchor) = anchored(&env, &alice, &policy_text("", &people, DEFAULT_RULES));
    let server = server(&client, &anchor);
    let before = server.rev(MAIN);
    // Dated inside carol's window, pushed after it closed.
    let late = commit(&client, Some(&carol), "backdated", Some(JUNE_2024));
    verify(&client, &["--anchor", &anchor, "--ref", MAIN, "HEAD"]).success();

    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[&format!(
            "commit {late} (rule refs/heads/main): principal carol expired at 2025-01-01T00:00:00Z"
        )],
    );
    assert_eq!(server.rev(MAIN), before);
}

/// History the server already holds was judged when it came in; "valid now" is for new
/// commits, so a principal expiring later does not lock the branch.
#[test]
fn old_history_by_a_since_expired_principal_does_not_block_new_pushes() {
    let env = TestEnv::new();
    let (alice, carol) = (key(&env, "alice"), key(&env, "carol"));
    let people = [who("alice", &alice), carol_until_2025(&carol)];
    let (client, anchor) = anchored(&env, &alice, &policy_text("", &people, DEFAULT_RULES));
    // carol's commit reached the server while she was valid (no hook yet to say so).
    commit(&client, Some(&carol), "carol in 2024", Some(JUNE_2024));
    let server = server_with(&client, &anchor, &["main"], false);
    server.install_hook();
    verify(&client, &["--anchor", &anchor, "--ref", MAIN, "HEAD"]).success();

    let tip = commit(&client, Some(&alice), "alice today", Some(JUNE_2024 + 60));
    let out = push(&client, &["main"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev(MAIN).as_deref(), Some(tip.as_str()));
}

/// A push whose new commit is dated before its parent (a skewed clock): git's receive-pack
/// sees a fast-forward, and so must gitseal.
#[test]
fn a_fast_forward_with_a_skewed_clock_is_a_fast_forward() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    // An hour before the anchor's committer date.
    let skewed = commit(&client, Some(&alice), "skewed", Some(1_700_000_000 - 3600));
    let out = push(&client, &["main"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev(MAIN).as_deref(), Some(skewed.as_str()));
}

/// Commits made within one second share their committer date (scripts, rebases).
#[test]
fn a_fast_forward_within_the_same_second_is_a_fast_forward() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, mut anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    // Same date as the anchor (the fixed test time); the walk's queue breaks the tie by
    // id, so the child must be a commit whose id sorts below the anchor's. An anchor id in
    // the upper half makes each try below succeed at least one time in two (a low anchor,
    // such as 010e..., once made 64 tries too few).
    let signing_key = format!("user.signingKey={}", alice.private.display());
    for i in 0..64 {
        if anchor.as_str() >= "8" {
            break;
        }
        let message = format!("anchor {i}");
        client
            .git(&[
                "-c",
                &signing_key,
                "commit",
                "-q",
                "-S",
                "--amend",
                "-m",
                &message,
            ])
            .success();
        anchor = client.git_out(&["rev-parse", "HEAD"]);
    }
    assert!(
        anchor.as_str() >= "8",
        "no anchor id in the upper half in 64 tries"
    );
    let server = server(&client, &anchor);
    let mut same = String::new();
    for i in 0..64 {
        client.git(&["reset", "-q", "--hard", &anchor]).success();
        same = commit(&client, Some(&alice), &format!("same second {i}"), None);
        if same < anchor {
            break;
        }
    }
    assert!(same < anchor, "no commit id below {anchor} in 64 tries");
    let out = push(&client, &["main"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev(MAIN).as_deref(), Some(same.as_str()));
}

/// `git tag` with `args`, signing (if `-s`) with `signer`; returns the tag object's id.
pub fn tag(client: &Repo<'_>, signer: &Key, args: &[&str]) -> String {
    let signing_key = format!("user.signingKey={}", signer.private.display());
    let mut all = vec!["-c", signing_key.as_str(), "tag"];
    all.extend(args);
    client.git(&all).success();
    let name = args.last().expect("tag name");
    client.git_out(&["rev-parse", &format!("refs/tags/{name}")])
}

#[test]
fn annotated_tags_are_judged_by_the_tags_list() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    c(&client, Some(&bob), "bob on main");
    push(&client, &["main"]).success();

    let v1 = tag(&client, &alice, &["-s", "-m", "release 1", "v1"]);
    assert_ne!(
        v1,
        client.git_out(&["rev-parse", "HEAD"]),
        "not a tag object"
    );
    let out = push(&client, &["v1"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev("refs/tags/v1").as_deref(), Some(v1.as_str()));

    let v2 = tag(&client, &bob, &["-s", "-m", "release 2", "v2"]);
    let out = push(&client, &["v2"]);
    assert_rejected(
        &out,
        "refs/tags/v2",
        &[&format!(
            "{v2} (rule refs/tags/v*): signer bob not allowed by rule refs/tags/v*"
        )],
    );
    assert_eq!(server.rev("refs/tags/v2"), None);

    let v3 = tag(&client, &alice, &["-a", "-m", "release 3", "v3"]);
    let out = push(&client, &["v3"]);
    assert_rejected(
        &out,
        "refs/tags/v3",
        &[&format!("{v3} (rule refs/tags/v*): unsigned")],
    );
    assert_eq!(server.rev("refs/tags/v3"), None);

    // Outside the rule, a tag by any principal will do.
    tag(&client, &bob, &["-s", "-m", "bob's", "bob-1"]);
    push(&client, &["bob-1"]).success();
}

/// A lightweight tag is no signature at all: under a rule that says who may sign tags, it
/// cannot be the release tag.
#[test]
fn a_lightweight_tag_does_not_pass_a_tags_list() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &two_principals(&alice, &bob, RULES));
    let server = server(&client, &anchor);
    client.git(&["tag", "v9"]).success();
    let out = push(&client, &["v9"]);
    assert_ne!(out.code, 0, "lightweight v9 accepted\n{}", out.describe());
    assert_eq!(server.rev("refs/tags/v9"), None);
}
