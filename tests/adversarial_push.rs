//! Issue 12, ref updates: what a push must prove to `gitseal verify --pre-receive`. One
//! test per attack class (V4 to V8, R5, R6), each refused with its reason, beside the
//! honest flow it imitates, accepted; all through a real bare server and `git push`
//! (`crate::pre_receive`'s helpers). The property test of the judge, in-process, is in
//! `adversarial_push/property.rs`.
//!
//! The cast: alice is a maintainer and the policy signer; bob a principal allowed only on
//! refs no rule covers; mallory no principal at all; carol joins later. The rules: main and
//! release/* need @maintainers, `v*` tags need @maintainers.

mod property;

use crate::pre_receive::{assert_rejected, c, push, server, server_with, tag};
use crate::support::{Key, TestEnv, run};
use crate::verify_policy::{
    MAIN, Who, anchored, commit, key, new_repo, policy_text, short, verify, who, write_policy,
};

const BRANCH_RULE: &str = "refs/heads/main,refs/heads/release/*";

/// The rules of the cast's policy, in the order of `[[rules]]` (first match wins).
#[derive(Clone, Copy)]
struct Rules {
    /// main and release/* need @maintainers.
    branches: bool,
    /// Only main needs @maintainers (the policy before the release rule).
    main_only: bool,
    /// `v*` tags need @maintainers.
    tags: bool,
}

const ALL: Rules = Rules {
    branches: true,
    main_only: false,
    tags: true,
};

/// The cast's policy: `people` are the principals, `maintainers` the group, then `rules`,
/// a rule letting anyone rewind and delete `tmp/*` branches and `tmp-*` tags, alice as the
/// policy signer, and `extra` (more tables).
fn cast(people: &[Who<'_>], maintainers: &[&str], rules: Rules, extra: &str) -> String {
    let group: Vec<String> = maintainers.iter().map(|m| format!("\"{m}\"")).collect();
    let mut tail = format!("\n[groups]\nmaintainers = [{}]\n", group.join(", "));
    if rules.branches {
        tail.push_str(
            "\n[[rules]]\nrefs = [\"refs/heads/main\", \"refs/heads/release/*\"]\n\
             commits = [\"@maintainers\"]\n",
        );
    }
    if rules.main_only {
        tail.push_str("\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n");
    }
    if rules.tags {
        tail.push_str("\n[[rules]]\nrefs = [\"refs/tags/v*\"]\ntags = [\"@maintainers\"]\n");
    }
    tail.push_str(
        "\n[[rules]]\nrefs = [\"refs/heads/tmp/*\", \"refs/tags/tmp-*\"]\ncommits = [\"*\"]\n\
         allow_force_push = true\nallow_delete = true\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n",
    );
    tail.push_str(extra);
    policy_text("", people, &tail)
}

/// alice (maintainer) and bob (principal), with `rules`.
fn alice_and_bob(alice: &Key, bob: &Key, rules: Rules) -> String {
    cast(
        &[who("alice", alice), who("bob", bob)],
        &["alice"],
        rules,
        "",
    )
}

/// `git -C server <args>`, which must succeed; its trimmed output.
fn on_server(server: &crate::pre_receive::Server<'_>, args: &[&str]) -> String {
    run(server
        .env
        .git(server.env.root())
        .arg(format!("--git-dir={}", server.dir.display()))
        .args(args))
    .success()
    .stdout()
    .trim()
    .to_string()
}

/// The push was accepted and the server's `refname` is `id`.
#[track_caller]
fn assert_accepted(
    out: &crate::support::Run,
    server: &crate::pre_receive::Server<'_>,
    refname: &str,
    id: &str,
) {
    assert_eq!(out.code, 0, "push refused\n{}", out.describe());
    assert_eq!(
        server.rev(refname).as_deref(),
        Some(id),
        "{}",
        out.describe()
    );
}

/// A tag named `name` of any object, signed by `signer`; returns the tag object's id.
fn tag_object(client: &crate::support::Repo<'_>, signer: &Key, name: &str, target: &str) -> String {
    let signing_key = format!("user.signingKey={}", signer.private.display());
    client
        .git(&["-c", &signing_key, "tag", "-s", "-m", name, name, target])
        .success();
    client.git_out(&["rev-parse", &format!("refs/tags/{name}")])
}

/// alice changes the policy to `text` on main and pushes it; returns the commit.
fn policy_change(client: &crate::support::Repo<'_>, alice: &Key, text: &str) -> String {
    write_policy(client, text);
    let change = c(client, Some(alice), "policy change");
    push(client, &["main"]).success();
    change
}

// ---- V4: creating a ref judges what the server already holds ----

/// bob's commit reaches the server on a branch no rule covers; then bob names it a
/// release. A release branch promises @maintainers for everything in it, however the ref
/// came to point there.
#[test]
fn v4_a_new_ref_is_judged_for_history_the_server_holds() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    client.git(&["checkout", "-q", "-b", "feature"]).success();
    let by_bob = c(&client, Some(&bob), "bob's feature");
    push(&client, &["feature"]).success();

    let out = push(&client, &["feature:refs/heads/release/1.0"]);
    assert_rejected(
        &out,
        "refs/heads/release/1.0",
        &[&format!(
            "refs/heads/release/1.0: commit {by_bob} (rule {BRANCH_RULE}): signer bob not allowed by rule {BRANCH_RULE}"
        )],
    );
    assert_eq!(server.rev("refs/heads/release/1.0"), None);
    // CI judges that ref the same way.
    verify(
        &client,
        &[
            "--anchor",
            &anchor,
            "--ref",
            "refs/heads/release/1.0",
            "feature",
        ],
    )
    .exit(1);
}

#[test]
fn honest_a_maintainer_creates_a_release_branch_at_mains_tip() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    c(&client, Some(&alice), "one");
    let tip = c(&client, Some(&alice), "two");
    push(&client, &["main"]).success();

    let out = push(&client, &["main:refs/heads/release/1.0"]);
    assert_accepted(&out, &server, "refs/heads/release/1.0", &tip);
    assert!(
        out.stderr.contains(
            "remote: gitseal: refs/heads/release/1.0: 2 commit(s) the server held already verified"
        ),
        "{}",
        out.describe()
    );
}

// ---- V5: symbolic refs ----

/// The server has `master -> main` (a rename kept for old clones). git writes main when
/// master is pushed, so main's rule judges it; deleting master would delete main.
#[test]
fn v5_a_push_through_a_symbolic_ref_is_judged_by_the_ref_git_writes() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    on_server(&server, &["symbolic-ref", "refs/heads/master", MAIN]);
    client.git(&["checkout", "-q", "-b", "topic"]).success();
    let by_bob = c(&client, Some(&bob), "bob through master");

    let out = push(&client, &["topic:refs/heads/master"]);
    assert_rejected(
        &out,
        "refs/heads/master",
        &[
            "refs/heads/master is a symbolic ref: judged as refs/heads/main, which git writes",
            &format!(
                "refs/heads/master: commit {by_bob} (rule {BRANCH_RULE}): signer bob not allowed by rule {BRANCH_RULE}"
            ),
        ],
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(anchor.as_str()));

    let out = push(&client, &[":refs/heads/master"]);
    assert_rejected(
        &out,
        "refs/heads/master",
        &["rejected refs/heads/master: deleting it is not allowed (the rule has no allow_delete)"],
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(anchor.as_str()));
}

#[test]
fn honest_a_maintainer_pushes_through_the_symbolic_ref() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    on_server(&server, &["symbolic-ref", "refs/heads/master", MAIN]);
    let tip = c(&client, Some(&alice), "alice through master");

    let out = push(&client, &["main:refs/heads/master"]);
    assert_accepted(&out, &server, MAIN, &tip);
    assert_eq!(
        on_server(&server, &["symbolic-ref", "refs/heads/master"]),
        MAIN
    );
}

// ---- V6: the rule comes from the server's current policy, not a tree the pusher picks ----

/// The anchor's policy has no `v*` rule; alice adds it. A lightweight `v*` tag on the
/// anchor would be judged by the anchor's policy, which has no tags list.
#[test]
fn v6_a_lightweight_release_tag_on_a_commit_from_before_the_tag_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let before = Rules { tags: false, ..ALL };
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, before));
    let server = server(&client, &anchor);
    policy_change(&client, &alice, &alice_and_bob(&alice, &bob, ALL));

    client.git(&["tag", "v2.0", &anchor]).success();
    let out = push(&client, &["v2.0"]);
    assert_rejected(
        &out,
        "refs/tags/v2.0",
        &[
            "rejected refs/tags/v2.0: the rule has a tags list, so the ref must point to a signed annotated tag",
        ],
    );
    assert_eq!(server.rev("refs/tags/v2.0"), None);
}

/// The same, with an annotated tag bob signed: the anchor's policy lets any principal tag.
#[test]
fn v6_a_release_tag_signed_by_bob_on_a_commit_from_before_the_tag_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let before = Rules { tags: false, ..ALL };
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, before));
    let server = server(&client, &anchor);
    let change = policy_change(&client, &alice, &alice_and_bob(&alice, &bob, ALL));

    client.git(&["checkout", "-q", &anchor]).success();
    let v2 = tag(&client, &bob, &["-s", "-m", "bob's release", "v2.0"]);
    let out = push(&client, &["v2.0"]);
    assert_rejected(
        &out,
        "refs/tags/v2.0",
        &[&format!(
            "refs/tags/v2.0: tag {v2}: by the current policy at {}: signer bob not allowed by rule refs/tags/v*",
            short(&change)
        )],
    );
    assert_eq!(server.rev("refs/tags/v2.0"), None);

    // alice may tag that old commit.
    let v1 = tag(&client, &alice, &["-s", "-m", "alice's release", "v1.9"]);
    assert_accepted(&push(&client, &["v1.9"]), &server, "refs/tags/v1.9", &v1);
}

/// Tags on a commit from before any policy (an ancestor of the anchor): nothing in that
/// commit's tree can judge them, so the current policy does.
#[test]
fn v6_release_tags_on_a_commit_from_before_any_policy() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let client = new_repo(&env, "work", &alice);
    let old = commit(
        &client,
        Some(&alice),
        "before any policy",
        Some(1_699_990_000),
    );
    write_policy(&client, &alice_and_bob(&alice, &bob, ALL));
    let anchor = commit(&client, Some(&alice), "anchor", None);
    let server = server(&client, &anchor);

    client.git(&["tag", "v0.9", &old]).success();
    let out = push(&client, &["v0.9"]);
    assert_rejected(
        &out,
        "refs/tags/v0.9",
        &["the rule has a tags list, so the ref must point to a signed annotated tag"],
    );

    client.git(&["checkout", "-q", &old]).success();
    let by_bob = tag(&client, &bob, &["-s", "-m", "bob's", "v0.8"]);
    let out = push(&client, &["v0.8"]);
    assert_rejected(
        &out,
        "refs/tags/v0.8",
        &[&format!(
            "refs/tags/v0.8: tag {by_bob}: by the current policy at {}: signer bob not allowed by rule refs/tags/v*",
            short(&anchor)
        )],
    );
    for name in ["refs/tags/v0.9", "refs/tags/v0.8"] {
        assert_eq!(server.rev(name), None);
    }

    let by_alice = tag(&client, &alice, &["-s", "-m", "alice's", "v0.7"]);
    assert_accepted(
        &push(&client, &["v0.7"]),
        &server,
        "refs/tags/v0.7",
        &by_alice,
    );
}

/// bob creates release/2.0 on the anchor, from before the release rule, and adds his
/// commit: its parent's policy has no release rule. Then the same in two steps: first to a
/// branch no rule covers, then naming that a release.
#[test]
fn v6_a_release_branch_rolled_back_to_before_its_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let before = Rules {
        branches: false,
        main_only: true,
        tags: true,
    };
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, before));
    let server = server(&client, &anchor);
    let change = policy_change(&client, &alice, &alice_and_bob(&alice, &bob, ALL));

    client
        .git(&["checkout", "-q", "-b", "old", &anchor])
        .success();
    let by_bob = c(&client, Some(&bob), "bob on old history");
    let by_current = format!(
        "refs/heads/release/2.0: commit {by_bob}: by the current policy at {}: signer bob not allowed by rule {BRANCH_RULE}",
        short(&change)
    );
    let out = push(&client, &["old:refs/heads/release/2.0"]);
    assert_rejected(&out, "refs/heads/release/2.0", &[&by_current]);

    // Two steps: the commit reaches the server where no rule is, then becomes a release.
    push(&client, &["old:refs/heads/bob-old"]).success();
    let out = push(&client, &["old:refs/heads/release/2.0"]);
    assert_rejected(&out, "refs/heads/release/2.0", &[&by_current]);
    assert_eq!(server.rev("refs/heads/release/2.0"), None);

    // A maintainer may branch a release from old history.
    client
        .git(&["checkout", "-q", "-b", "maintenance", &anchor])
        .success();
    let fix = c(&client, Some(&alice), "alice's fix on old history");
    let out = push(&client, &["maintenance:refs/heads/release/0.9"]);
    assert_accepted(&out, &server, "refs/heads/release/0.9", &fix);
}

/// Fast-forwards cannot roll back: a merge is judged by every parent's policy, a commit
/// that puts an old policy back needs a policy_changes signer, and commits a merge brings
/// from old history are judged by the current policy too.
#[test]
fn v6_fast_forwards_cannot_roll_back_a_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let before = Rules {
        branches: false,
        main_only: true,
        tags: true,
    };
    let old_policy = alice_and_bob(&alice, &bob, before);
    let (client, anchor) = anchored(&env, &alice, &old_policy);
    let server = server(&client, &anchor);
    let change = policy_change(&client, &alice, &alice_and_bob(&alice, &bob, ALL));
    push(&client, &["main:refs/heads/release/1.0"]).success();

    // bob puts the old policy back on top of the release.
    client
        .git(&["checkout", "-q", "-b", "release/1.0", "main"])
        .success();
    write_policy(&client, &old_policy);
    let revert = c(&client, Some(&bob), "bob reverts the policy");
    let out = push(&client, &["release/1.0"]);
    assert_rejected(
        &out,
        "refs/heads/release/1.0",
        &[&format!(
            "commit {revert} (rule {BRANCH_RULE}): changes .gitseal/ but bob is not a policy_changes signer"
        )],
    );

    // alice merges a branch bob built on old history: the merge is hers, but bob's commit
    // is judged by the current policy.
    client
        .git(&["checkout", "-q", "-b", "old", &anchor])
        .success();
    let by_bob = c(&client, Some(&bob), "bob on old history");
    client
        .git(&["checkout", "-q", "-B", "release/1.0", "main"])
        .success();
    let signing_key = format!("user.signingKey={}", alice.private.display());
    client
        .git(&["-c", &signing_key, "merge", "-q", "-S", "--no-edit", "old"])
        .success();
    let out = push(&client, &["release/1.0"]);
    assert_rejected(
        &out,
        "refs/heads/release/1.0",
        &[&format!(
            "commit {by_bob}: by the current policy at {}: signer bob not allowed by rule {BRANCH_RULE}",
            short(&change)
        )],
    );
    assert_eq!(
        server.rev("refs/heads/release/1.0"),
        server.rev(MAIN),
        "the release moved"
    );
}

// ---- V7: revocations reach tags ----

/// carol's key is stolen; alice revokes it. The thief tags an older commit, whose policy
/// predates the revocation, with a back-dated tagger date.
#[test]
fn v7_a_revoked_key_cannot_publish_a_release_tag_on_an_older_commit() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let people = [who("alice", &alice), who("bob", &bob), who("carol", &carol)];
    let maintainers = ["alice", "carol"];
    let (client, anchor) = anchored(&env, &alice, &cast(&people, &maintainers, ALL, ""));
    let server = server(&client, &anchor);
    let older = c(&client, Some(&alice), "release candidate");
    push(&client, &["main"]).success();
    let revoked = format!(
        "\n[[revoked]]\nkey = \"{}\"\nafter = 2025-01-01T00:00:00Z\nreason = \"laptop stolen\"\n",
        carol.fingerprint()
    );
    let change = policy_change(&client, &alice, &cast(&people, &maintainers, ALL, &revoked));

    client.git(&["checkout", "-q", &older]).success();
    let stolen = tag(&client, &carol, &["-s", "-m", "release", "v1.1"]);
    let out = push(&client, &["v1.1"]);
    assert_rejected(
        &out,
        "refs/tags/v1.1",
        &[&format!(
            "refs/tags/v1.1: tag {stolen} (rule refs/tags/v*): by the current policy at {}: key {} is revoked since 2025-01-01T00:00:00Z (laptop stolen)",
            short(&change),
            carol.fingerprint()
        )],
    );
    assert_eq!(server.rev("refs/tags/v1.1"), None);

    let good = tag(&client, &alice, &["-s", "-m", "release", "v1.0"]);
    assert_accepted(&push(&client, &["v1.0"]), &server, "refs/tags/v1.0", &good);
}

// ---- V8: a tag is published under its own name ----

#[test]
fn v8_a_signed_tag_republished_under_another_name() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    let v1 = tag(&client, &alice, &["-s", "-m", "release 1.0", "v1.0"]);
    assert_accepted(&push(&client, &["v1.0"]), &server, "refs/tags/v1.0", &v1);

    let out = push(&client, &["refs/tags/v1.0:refs/tags/v9.0"]);
    assert_rejected(
        &out,
        "refs/tags/v9.0",
        &[&format!(
            "refs/tags/v9.0: tag {v1} (rule refs/tags/v*): the tag object is named `v1.0`, not `v9.0`"
        )],
    );
    assert_eq!(server.rev("refs/tags/v9.0"), None);
}

// ---- R5: refs to trees and blobs are judged line by line ----

#[test]
fn r5_refs_to_trees_and_blobs_are_judged_on_their_own_line() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let release_tags =
        "\n[[rules]]\nrefs = [\"refs/tags/release-*\"]\ncommits = [\"@maintainers\"]\n";
    let policy = cast(
        &[who("alice", &alice), who("bob", &bob)],
        &["alice"],
        ALL,
        release_tags,
    );
    let (client, anchor) = anchored(&env, &alice, &policy);
    let server = server(&client, &anchor);
    let tree = client.git_out(&["rev-parse", "HEAD^{tree}"]);

    // A signed tag of a tree under no rule passes, in the same push as a commit to main.
    let tip = c(&client, Some(&alice), "alice");
    let tree_tag = tag_object(&client, &alice, "tree-tag", &tree);
    let out = push(&client, &["main", "tree-tag"]);
    assert_accepted(&out, &server, "refs/tags/tree-tag", &tree_tag);
    assert_eq!(server.rev(MAIN).as_deref(), Some(tip.as_str()));

    // A bare blob is no signature of anyone; the other line is still judged.
    let blob = client
        .git_stdin(&["hash-object", "-w", "--stdin"], b"a key\n")
        .success()
        .stdout()
        .trim()
        .to_string();
    client.git(&["tag", "blob-ref", &blob]).success();
    let next = c(&client, Some(&alice), "alice again");
    let out = push(&client, &["main", "blob-ref"]);
    assert_rejected(
        &out,
        "refs/tags/blob-ref",
        &["rejected refs/tags/blob-ref: it would point to a blob, not to a commit or a signed tag"],
    );
    assert!(
        out.stderr
            .contains("remote: gitseal: refs/heads/main: 1 new commit(s)"),
        "{}",
        out.describe()
    );
    assert_ne!(server.rev(MAIN).as_deref(), Some(next.as_str()));

    // Under a rule that says who signs commits, a tag of a tree has no commit to show.
    tag_object(&client, &alice, "release-tree", &tree);
    let out = push(&client, &["release-tree"]);
    assert_rejected(
        &out,
        "refs/tags/release-tree",
        &[
            "the tag points to a tree, not to a commit, and rule refs/tags/release-* says who signs commits",
        ],
    );
    assert_eq!(server.rev("refs/tags/release-tree"), None);

    // Refs to trees on the server (from before the hook) are deleted as their rule says.
    on_server(&server, &["update-ref", "refs/tags/tmp-tree", &tree_tag]);
    on_server(&server, &["update-ref", "refs/tags/keep-tree", &tree_tag]);
    let out = push(&client, &[":refs/tags/keep-tree"]);
    assert_rejected(
        &out,
        "refs/tags/keep-tree",
        &["deleting it is not allowed (the rule has no allow_delete)"],
    );
    let out = push(&client, &[":refs/tags/tmp-tree"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev("refs/tags/tmp-tree"), None);
}

// ---- R6: tags are reported as tags ----

#[test]
fn r6_tag_reports_say_tag() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    let by_bob = tag(&client, &bob, &["-s", "-m", "bob's", "v2"]);
    let out = push(&client, &["v2"]);
    assert_rejected(
        &out,
        "refs/tags/v2",
        &[&format!(
            "refs/tags/v2: tag {by_bob} (rule refs/tags/v*): signer bob not allowed by rule refs/tags/v*"
        )],
    );
    assert!(
        !out.stderr.contains(&format!("commit {by_bob}")),
        "{}",
        out.describe()
    );

    c(&client, Some(&alice), "alice");
    let v1 = tag(&client, &alice, &["-s", "-m", "release", "v1"]);
    let out = push(&client, &["main", "v1"]);
    assert_accepted(&out, &server, "refs/tags/v1", &v1);
    assert!(
        out.stderr.contains(
            "remote: gitseal: refs/tags/v1: 1 commit(s) the server held already and the tag verified"
        ) || out
            .stderr
            .contains("remote: gitseal: refs/tags/v1: 1 new commit(s) and the tag verified"),
        "{}",
        out.describe()
    );
}

// ---- Honest flows ----

#[test]
fn honest_alice_pushes_to_main() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    c(&client, Some(&alice), "one");
    let tip = c(&client, Some(&alice), "two");
    let out = push(&client, &["main"]);
    assert_accepted(&out, &server, MAIN, &tip);
    assert!(
        out.stderr
            .contains("remote: gitseal: refs/heads/main: 2 new commit(s) verified"),
        "{}",
        out.describe()
    );
}

#[test]
fn honest_alice_publishes_a_signed_release_tag() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    c(&client, Some(&alice), "release");
    push(&client, &["main"]).success();
    let v1 = tag(&client, &alice, &["-s", "-m", "release 1.0", "v1.0"]);
    assert_accepted(&push(&client, &["v1.0"]), &server, "refs/tags/v1.0", &v1);
}

/// alice adds carol as a maintainer; carol's commits are accepted once that change is on
/// the server. In the same push they are not: the server's current policy does not know
/// carol yet, and a push cannot vouch for itself.
#[test]
fn honest_a_policy_change_then_the_new_maintainer_in_a_later_push() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server(&client, &anchor);
    let people = [who("alice", &alice), who("bob", &bob), who("carol", &carol)];
    write_policy(&client, &cast(&people, &["alice", "carol"], ALL, ""));
    let change = c(&client, Some(&alice), "carol joins");
    let by_carol = c(&client, Some(&carol), "carol's first");

    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[&format!(
            "commit {by_carol} (rule {BRANCH_RULE}): by the current policy at {}: unknown signer: ssh key {} is not a principal of the policy",
            short(&anchor),
            carol.fingerprint()
        )],
    );

    let out = push(&client, &[&format!("{change}:refs/heads/main")]);
    assert_accepted(&out, &server, MAIN, &change);
    let out = push(&client, &["main"]);
    assert_accepted(&out, &server, MAIN, &by_carol);
}

/// The in-process decision and `git push` agree: a push of refs to the same server, one
/// good and one bad, gets one decision each (`verify::push::decide` is what the hook runs).
#[test]
fn the_hooks_decision_is_the_library_decision() {
    use gitseal::verify::push::{Update, decide};
    use gitseal::verify::{Options, Walker, cache::VerdictCache};
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (client, anchor) = anchored(&env, &alice, &alice_and_bob(&alice, &bob, ALL));
    let server = server_with(&client, &anchor, &["main"], false);
    let good = c(&client, Some(&alice), "alice");
    let bad = c(&client, Some(&bob), "bob");
    // The objects reach the server as a quarantine would hold them; no ref moves.
    client
        .git(&[
            "push",
            "-q",
            "origin",
            &format!("{bad}:refs/heads/tmp/objects"),
        ])
        .success();
    on_server(&server, &["update-ref", "-d", "refs/heads/tmp/objects"]);

    let repo = gitseal::git::Repo::open_in(&server.dir, None).expect("open the server");
    let anchor_id = gix::ObjectId::from_hex(anchor.as_bytes()).expect("anchor id");
    let options = Options {
        anchor: Some(anchor_id),
        fixed_policy: None,
        now: Some(1_800_000_000),
        jobs: 1,
        progress: None,
    };
    let mut walker = Walker::new(&repo, options, VerdictCache::disabled()).expect("walker");
    let id = |hex: &str| gix::ObjectId::from_hex(hex.as_bytes()).expect("id");
    let updates = [
        Update {
            old: anchor_id,
            new: id(&good),
            refname: MAIN.to_string(),
        },
        Update {
            old: gix::ObjectId::null(gix::hash::Kind::Sha1),
            new: id(&bad),
            refname: "refs/heads/release/1".to_string(),
        },
    ];
    let decisions = decide(&mut walker, &updates).expect("decide");
    assert!(decisions[0].accepted(), "{:?}", decisions[0]);
    assert_eq!(decisions[0].new_commits, 1);
    assert!(!decisions[1].accepted());
    assert_eq!(
        decisions[1].reasons(),
        [format!("signer bob not allowed by rule {BRANCH_RULE}")]
    );
    assert_eq!(decisions[1].failures[0].id, id(&bad));
}

/// With `--policy FILE` (repositories that carry no policy) the file is the one policy: a
/// new ref is judged by it for everything in it, and it alone grants deletions.
#[test]
fn a_hook_with_one_policy_file_judges_new_refs_from_the_root() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let client = new_repo(&env, "work", &alice);
    let first = commit(&client, Some(&alice), "first", None);
    let file = env.write("policy.toml", alice_and_bob(&alice, &bob, ALL));
    let server = server_with(&client, &first, &["main"], false);
    let hook = server.dir.join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' verify --pre-receive --policy '{}'\n",
            crate::support::GITSEAL,
            file.display()
        ),
    )
    .expect("write hook");
    crate::support::set_mode(&hook, 0o755);

    client.git(&["checkout", "-q", "-b", "feature"]).success();
    let by_bob = c(&client, Some(&bob), "bob's feature");
    push(&client, &["feature"]).success();
    let out = push(&client, &["feature:refs/heads/release/1.0"]);
    assert_rejected(
        &out,
        "refs/heads/release/1.0",
        &[&format!(
            "commit {by_bob} (rule {BRANCH_RULE}): signer bob not allowed by rule {BRANCH_RULE}"
        )],
    );
    let out = push(&client, &["--delete", "feature"]);
    assert_rejected(&out, "refs/heads/feature", &["deleting it is not allowed"]);

    client.git(&["checkout", "-q", "main"]).success();
    let tip = c(&client, Some(&alice), "alice");
    assert_accepted(&push(&client, &["main"]), &server, MAIN, &tip);
}
