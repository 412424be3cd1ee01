//! Issue 12, second round: attacks on the merged fixes of `gitseal verify --pre-receive`,
//! by a determined pusher and by a hostile or careless signer. Each attack is refused
//! with its reason asserted, beside the honest flow it imitates, accepted; all through a
//! real bare server and `git push` (`crate::pre_receive`'s helpers).
//!
//! The cast: alice is a maintainer and the policy signer; bob a principal allowed only on
//! refs no rule covers; carol a principal who joins a branch's policy. The rules: main and
//! release/* need @maintainers, `v*` tags need @maintainers.

use crate::adversarial_openpgp::{Person, commit_as, now, signing_subkey, write};
use crate::openpgp_gnupg::{GnuPg, openpgp_repo};
use crate::pre_receive::{Server, assert_rejected, c, push, server};
use crate::support::{Key, Repo, Run, TestEnv, run, run_stdin};
use crate::verify_policy::{MAIN, Who, anchored, commit, key, new_repo, policy_text, short, who};
use sequoia_openpgp::serialize::SerializeInto;

const DAY: i64 = 86_400;
/// The committer date of every anchor here (the test environment's fixed time).
const ANCHOR_TIME: i64 = 1_700_000_000;
const BRANCH_RULE: &str = "refs/heads/main,refs/heads/release/*";

/// main and release/* need @maintainers.
const BRANCHES: &str = "\n[[rules]]\nrefs = [\"refs/heads/main\", \"refs/heads/release/*\"]\n\
     commits = [\"@maintainers\"]\n";
/// Only main needs @maintainers (a policy from before the release rule).
const MAIN_ONLY: &str = "\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n";
/// `v*` tags need @maintainers.
const TAGS: &str = "\n[[rules]]\nrefs = [\"refs/tags/v*\"]\ntags = [\"@maintainers\"]\n";

/// A policy: `people` the principals, alice the only maintainer and policy signer, then
/// `rules` (`[[rules]]` tables, first match wins).
fn policy(people: &[Who<'_>], rules: &[&str]) -> String {
    policy_of(people, &["alice"], rules)
}

/// [`policy`] with `maintainers`.
fn policy_of(people: &[Who<'_>], maintainers: &[&str], rules: &[&str]) -> String {
    let names: Vec<String> = maintainers.iter().map(|m| format!("\"{m}\"")).collect();
    let mut tail = format!("\n[groups]\nmaintainers = [{}]\n", names.join(", "));
    for rule in rules {
        tail.push_str(rule);
    }
    tail.push_str("\n[policy_changes]\nsigners = [\"alice\"]\n");
    policy_text("", people, &tail)
}

/// `git --git-dir=<server> <args>`, which must succeed.
fn on_server(server: &Server<'_>, args: &[&str]) {
    run(server
        .env
        .git(server.env.root())
        .arg(format!("--git-dir={}", server.dir.display()))
        .args(args))
    .success();
}

/// The push was accepted and the server's `refname` is `id`.
#[track_caller]
fn assert_accepted(out: &Run, server: &Server<'_>, refname: &str, id: &str) {
    assert_eq!(out.code, 0, "push refused\n{}", out.describe());
    assert_eq!(
        server.rev(refname).as_deref(),
        Some(id),
        "{}",
        out.describe()
    );
}

/// alice writes the policy `text` on the current branch and commits it.
fn policy_commit(client: &Repo<'_>, alice: &Key, text: &str) -> String {
    crate::verify_policy::write_policy(client, text);
    c(client, Some(alice), "policy change")
}

// ---- The current policies: which tips hold them ----

/// A maintainer whose committer clock is two days behind (or who rebased with
/// `--committer-date-is-author-date`) pushes main's tip dated before the anchor. Tips
/// dated well before the anchor were taken for its history and left out of the server's
/// current policies: with main's tip left out, the anchor's policy (no tag rule) was all
/// that was current, and bob's lightweight release tag on the anchor passed.
#[test]
fn a_main_tip_dated_before_the_anchor_keeps_the_current_policy() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let client = new_repo(&env, "work", &alice);
    // History from before gitseal was adopted, years before the anchor.
    commit(
        &client,
        Some(&alice),
        "old history",
        Some(ANCHOR_TIME - 700 * DAY),
    );
    crate::verify_policy::write_policy(&client, &policy(&people, &[BRANCHES]));
    let anchor = commit(&client, Some(&alice), "anchor", None);
    let server = server(&client, &anchor);
    policy_commit(&client, &alice, &policy(&people, &[BRANCHES, TAGS]));
    push(&client, &["main"]).success();

    // The honest part: the skewed commit is a maintainer's fast-forward of main.
    let skewed = commit(
        &client,
        Some(&alice),
        "a clock two days behind",
        Some(ANCHOR_TIME - 2 * DAY),
    );
    assert_accepted(&push(&client, &["main"]), &server, MAIN, &skewed);

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

    let signing_key = format!("user.signingKey={}", bob.private.display());
    client
        .git(&[
            "-c",
            &signing_key,
            "tag",
            "-s",
            "-m",
            "bob's",
            "v2.1",
            &anchor,
        ])
        .success();
    let out = push(&client, &["v2.1"]);
    assert_rejected(
        &out,
        "refs/tags/v2.1",
        &[&format!(
            "by the current policy at {}: signer bob not allowed by rule refs/tags/v*",
            short(&skewed)
        )],
    );

    // alice's signed release tag on the same commit is what the rule asks for.
    let signing_key = format!("user.signingKey={}", alice.private.display());
    client
        .git(&[
            "-c",
            &signing_key,
            "tag",
            "-s",
            "-m",
            "alice's",
            "v1.0",
            &anchor,
        ])
        .success();
    let v1 = client.git_out(&["rev-parse", "refs/tags/v1.0"]);
    assert_accepted(&push(&client, &["v1.0"]), &server, "refs/tags/v1.0", &v1);
}

/// More distinct policies at the server's tips than one bit mask holds (64) were all
/// taken as current, and every tip as holding one: bob points branches at 64 old policy
/// versions, then a branch of his own on the anchor (whose policy has no release rule)
/// was trusted history, naming it a release was judged by the anchor's policy alone, and
/// carol, whom the newest version makes a maintainer, could no longer push to main, the
/// old versions being current too.
#[test]
fn many_old_policies_at_the_tips_do_not_make_every_tip_current() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let two = [who("alice", &alice), who("bob", &bob)];
    let three = [who("alice", &alice), who("bob", &bob), who("carol", &carol)];
    let (client, anchor) = anchored(&env, &alice, &policy(&two, &[MAIN_ONLY]));
    let server = server(&client, &anchor);
    // 64 versions of the policy with the release rule, each its own `.gitseal` tree; the
    // 65th adds carol.
    let mut versions = Vec::new();
    for n in 1..=64 {
        let text = format!("{}# version {n}\n", policy(&two, &[BRANCHES]));
        versions.push(policy_commit(&client, &alice, &text));
    }
    let newest = policy_commit(
        &client,
        &alice,
        &policy_of(&three, &["alice", "carol"], &[BRANCHES]),
    );
    push(&client, &["main"]).success();
    let refspecs: Vec<String> = versions
        .iter()
        .enumerate()
        .map(|(n, id)| format!("{id}:refs/heads/bob/{n}"))
        .collect();
    let refspecs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
    push(&client, &refspecs).success();

    client
        .git(&["checkout", "-q", "-b", "old", &anchor])
        .success();
    let by_bob = c(&client, Some(&bob), "bob on the anchor");
    push(&client, &["old"]).success();

    let out = push(&client, &["old:refs/heads/release/evil"]);
    assert_rejected(
        &out,
        "refs/heads/release/evil",
        &[&format!(
            "refs/heads/release/evil: commit {by_bob}: by the current policy at {}: signer bob not allowed by rule {BRANCH_RULE}",
            short(&newest)
        )],
    );
    assert_eq!(server.rev("refs/heads/release/evil"), None);

    // carol, a maintainer now, on main; a release branch at main's tip.
    client.git(&["checkout", "-q", "main"]).success();
    let by_carol = c(&client, Some(&carol), "carol on main");
    assert_accepted(&push(&client, &["main"]), &server, MAIN, &by_carol);
    assert_accepted(
        &push(&client, &["main:refs/heads/release/1.0"]),
        &server,
        "refs/heads/release/1.0",
        &by_carol,
    );
}

/// Two branches each changed the policy since they forked: main's has the release rule,
/// the legacy line's (which added carol) does not. The server's policy is main's (its
/// policy ref), so bob's commit on the legacy line, judged for a release by its parent's
/// legacy policy only, is judged by main's release rule too.
#[test]
fn history_of_one_current_policy_is_judged_by_the_others_rules() {
    let env = TestEnv::new();
    let (alice, bob, carol) = (key(&env, "alice"), key(&env, "bob"), key(&env, "carol"));
    let two = [who("alice", &alice), who("bob", &bob)];
    let three = [who("alice", &alice), who("bob", &bob), who("carol", &carol)];
    let (client, anchor) = anchored(&env, &alice, &policy(&two, &[MAIN_ONLY]));
    let server = server(&client, &anchor);
    let main_change = policy_commit(&client, &alice, &policy(&two, &[BRANCHES]));
    push(&client, &["main"]).success();
    client
        .git(&["checkout", "-q", "-b", "legacy/1.x", &anchor])
        .success();
    let legacy_change = policy_commit(&client, &alice, &policy(&three, &[MAIN_ONLY]));
    push(&client, &["legacy/1.x"]).success();
    let by_bob = c(&client, Some(&bob), "bob on the legacy line");
    push(&client, &["legacy/1.x"]).success();

    let out = push(&client, &["legacy/1.x:refs/heads/release/evil"]);
    assert_rejected(
        &out,
        "refs/heads/release/evil",
        &[&format!(
            "refs/heads/release/evil: commit {by_bob}: by the current policy at {}: signer bob not allowed by rule {BRANCH_RULE}",
            short(&main_change)
        )],
    );
    assert_eq!(server.rev("refs/heads/release/evil"), None);

    // Releases of either line by a maintainer.
    assert_accepted(
        &push(
            &client,
            &[&format!("{legacy_change}:refs/heads/release/1.9")],
        ),
        &server,
        "refs/heads/release/1.9",
        &legacy_change,
    );
    assert_accepted(
        &push(&client, &["main:refs/heads/release/2.0"]),
        &server,
        "refs/heads/release/2.0",
        &main_change,
    );
}

/// A policy signer's draft branch (a fork after main's last policy change, dropping the
/// release rule) does not become the server's policy: the policy ref does (main, the
/// branch HEAD names, or `gitseal.policyRef`). Before, whichever tips looked newest
/// decided, so alice's draft let bob's branch on the anchor become a release.
#[test]
fn a_policy_draft_branch_does_not_supersede_mains_policy() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (client, anchor) = anchored(&env, &alice, &policy(&people, &[MAIN_ONLY]));
    let server = server(&client, &anchor);
    policy_commit(&client, &alice, &policy(&people, &[BRANCHES]));
    push(&client, &["main"]).success();
    client.git(&["checkout", "-q", "-b", "tmp/draft"]).success();
    policy_commit(
        &client,
        &alice,
        &format!("{}# draft\n", policy(&people, &[MAIN_ONLY])),
    );
    push(&client, &["tmp/draft"]).success();
    client.git(&["checkout", "-q", "main"]).success();
    let tip = c(&client, Some(&alice), "more work on main");
    push(&client, &["main"]).success();
    client
        .git(&["checkout", "-q", "-b", "old", &anchor])
        .success();
    let by_bob = c(&client, Some(&bob), "bob on the anchor");
    let out = push(&client, &["old:refs/heads/release/evil"]);
    assert_rejected(
        &out,
        "refs/heads/release/evil",
        &[&format!(
            "refs/heads/release/evil: commit {by_bob}: by the current policy at {}: signer bob not allowed by rule {BRANCH_RULE}",
            short(&tip)
        )],
    );
    assert_eq!(server.rev("refs/heads/release/evil"), None);

    // The server may name another policy ref; the draft then decides, as configured.
    on_server(
        &server,
        &["config", "gitseal.policyRef", "refs/heads/tmp/draft"],
    );
    assert_accepted(
        &push(&client, &["old:refs/heads/release/evil"]),
        &server,
        "refs/heads/release/evil",
        &by_bob,
    );
}

/// A server whose policy ref is not authenticated (main pushed before the hook, with a
/// commit nobody signed) has no policy it can trust: every push is refused, saying why,
/// rather than judged by an older policy.
#[test]
fn an_unauthenticated_policy_ref_refuses_pushes_saying_why() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (client, anchor) = anchored(&env, &alice, &policy(&people, &[BRANCHES]));
    let unsigned = c(&client, None, "before the hook");
    let server = crate::pre_receive::server_with(&client, &anchor, &["main"], true);
    assert_eq!(
        server.rev("refs/heads/main").as_deref(),
        Some(unsigned.as_str())
    );
    c(&client, Some(&alice), "alice");
    let out = push(&client, &["main:refs/heads/topic"]);
    assert_rejected(
        &out,
        "refs/heads/topic",
        &[&format!(
            "rejected refs/heads/topic: the server's current policy at {} cannot be read: the policy ref refs/heads/main is not authenticated from the anchor",
            short(&unsigned)
        )],
    );
}

// ---- Refs git keeps where gix does not look ----

/// A bare server whose refs are kept in reftable (`git init --ref-format=reftable`, the
/// default planned for git 3.0), holding the client's main, with the hook.
fn reftable_server<'e>(client: &Repo<'e>, anchor: &str) -> Server<'e> {
    let env = client.env;
    let dir = env.path("server.git");
    run(env
        .git(env.root())
        .args([
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            "--ref-format=reftable",
        ])
        .arg(&dir))
    .success();
    client
        .git(&["remote", "add", "origin", dir.to_str().expect("UTF-8 path")])
        .success();
    client.git(&["push", "-q", "origin", "main"]).success();
    run(env.git(&dir).args(["config", "gitseal.anchor", anchor])).success();
    let server = Server { env, dir };
    server.install_hook();
    server
}

/// gix reads refs from `refs/` and `packed-refs` only: on a reftable server it saw no ref
/// at all, so the current policy was the anchor's (no tag rule) and no symbolic ref was
/// followed (a push to the alias `master` was judged as an unruled branch).
#[test]
fn a_reftable_server_is_judged_by_its_refs() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (client, anchor) = anchored(&env, &alice, &policy(&people, &[BRANCHES]));
    let server = reftable_server(&client, &anchor);
    let change = policy_commit(&client, &alice, &policy(&people, &[BRANCHES, TAGS]));
    let out = push(&client, &["main"]);
    assert_accepted(&out, &server, MAIN, &change);

    client.git(&["tag", "v2.0", &anchor]).success();
    let out = push(&client, &["v2.0"]);
    assert_rejected(
        &out,
        "refs/tags/v2.0",
        &["the rule has a tags list, so the ref must point to a signed annotated tag"],
    );
    assert_eq!(server.rev("refs/tags/v2.0"), None);

    on_server(&server, &["symbolic-ref", "refs/heads/master", MAIN]);
    client
        .git(&["checkout", "-q", "-b", "topic", &change])
        .success();
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
    assert_eq!(server.rev(MAIN).as_deref(), Some(change.as_str()));

    // alice's signed tag, and her commit through the alias.
    let signing_key = format!("user.signingKey={}", alice.private.display());
    client
        .git(&[
            "-c",
            &signing_key,
            "tag",
            "-s",
            "-m",
            "alice's",
            "v1.0",
            &anchor,
        ])
        .success();
    let v1 = client.git_out(&["rev-parse", "refs/tags/v1.0"]);
    assert_accepted(&push(&client, &["v1.0"]), &server, "refs/tags/v1.0", &v1);
    client.git(&["checkout", "-q", "main"]).success();
    let by_alice = c(&client, Some(&alice), "alice through master");
    assert_accepted(
        &push(&client, &["main:refs/heads/master"]),
        &server,
        MAIN,
        &by_alice,
    );
}

// ---- History before the anchor ----

/// History before the anchor was never judged by any policy: a new ref pointing into it
/// was judged by nothing (no commit between the anchor and it), so bob could publish an
/// old, unsigned version as `release/2.0`.
#[test]
fn a_new_ref_into_history_before_the_anchor_is_refused() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let client = new_repo(&env, "work", &alice);
    let old = commit(
        &client,
        None,
        "old unsigned history",
        Some(ANCHOR_TIME - DAY),
    );
    crate::verify_policy::write_policy(&client, &policy(&people, &[BRANCHES, TAGS]));
    let anchor = commit(&client, Some(&alice), "anchor", None);
    let server = server(&client, &anchor);

    for refname in ["refs/heads/release/2.0", "refs/heads/bob/old"] {
        let out = push(&client, &[&format!("{old}:{refname}")]);
        assert_rejected(
            &out,
            refname,
            &[&format!(
                "rejected {refname}: it would point to {}, which does not descend from the anchor {}: history before the anchor is judged by no policy",
                short(&old),
                short(&anchor)
            )],
        );
        assert_eq!(server.rev(refname), None);
    }

    // The anchor itself is trusted; and alice's signed tag vouches for the old commit.
    assert_accepted(
        &push(&client, &[&format!("{anchor}:refs/heads/release/1.0")]),
        &server,
        "refs/heads/release/1.0",
        &anchor,
    );
    let signing_key = format!("user.signingKey={}", alice.private.display());
    client
        .git(&[
            "-c",
            &signing_key,
            "tag",
            "-s",
            "-m",
            "old release",
            "v0.9",
            &old,
        ])
        .success();
    let v09 = client.git_out(&["rev-parse", "refs/tags/v0.9"]);
    assert_accepted(&push(&client, &["v0.9"]), &server, "refs/tags/v0.9", &v09);
}

// ---- What git checks out against what gitseal reads ----

/// `tree`'s entries, with a second `.gitseal` entry (the tree `second`) right after the
/// first, written as git would never write them (`git fsck`: duplicateEntries).
fn with_second_gitseal(repo: &Repo<'_>, tree: &str, second: &str) -> String {
    let mut raw = Vec::new();
    for line in repo.git_out(&["ls-tree", tree]).lines() {
        let (meta, name) = line.split_once('\t').expect("mode type id<TAB>name");
        let fields: Vec<&str> = meta.split(' ').collect();
        let [mode, _, id] = fields[..] else {
            panic!("ls-tree line {line:?}")
        };
        let mut entry = |id: &str| {
            raw.extend_from_slice(mode.trim_start_matches('0').as_bytes());
            raw.push(b' ');
            raw.extend_from_slice(name.as_bytes());
            raw.push(0);
            raw.extend(
                (0..20).map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).expect("hex")),
            );
        };
        entry(id);
        if name == ".gitseal" {
            entry(second);
        }
    }
    repo.git_stdin(
        &["hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
        &raw,
    )
    .success()
    .stdout()
    .trim()
    .to_string()
}

/// A root tree with two entries named `.gitseal`: gitseal read the first (the policy as it
/// was: no policy change, no policy signer needed), while `git checkout` writes the second
/// (`git show HEAD:.gitseal/policy.toml` shows the first). bob planted a policy making him
/// a maintainer on his own branch; whoever next commits from a checkout of it commits that
/// policy, and when alice does (merging or building on his work) it is her signed policy
/// change, which the hook accepts.
#[test]
fn a_tree_with_two_gitseal_entries_is_refused() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (client, anchor) = anchored(&env, &alice, &policy(&people, &[BRANCHES]));
    let server = server(&client, &anchor);
    client.git(&["checkout", "-q", "-b", "feature"]).success();
    let honest = c(&client, Some(&bob), "bob's feature");
    assert_accepted(
        &push(&client, &["feature"]),
        &server,
        "refs/heads/feature",
        &honest,
    );

    let planted = policy_of(&people, &["alice", "bob"], &[BRANCHES]);
    let blob = client
        .git_stdin(&["hash-object", "-w", "--stdin"], planted.as_bytes())
        .success()
        .stdout()
        .trim()
        .to_string();
    let evil_dir = client
        .git_stdin(
            &["mktree"],
            format!("100644 blob {blob}\tpolicy.toml\n").as_bytes(),
        )
        .success()
        .stdout()
        .trim()
        .to_string();
    let root = with_second_gitseal(&client, "HEAD^{tree}", &evil_dir);
    let signing_key = format!("user.signingKey={}", bob.private.display());
    let smuggled = client.git_out(&[
        "-c",
        &signing_key,
        "commit-tree",
        "-S",
        "-p",
        "HEAD",
        "-m",
        "bob's second policy",
        &root,
    ]);
    client
        .git(&["update-ref", "refs/heads/feature", &smuggled])
        .success();
    client.git(&["checkout", "-q", "-f", "feature"]).success();
    let checked_out =
        std::fs::read_to_string(client.dir.join(".gitseal/policy.toml")).expect("policy");
    assert_eq!(checked_out, planted, "git checks out the second entry");

    let out = push(&client, &["feature"]);
    assert_rejected(
        &out,
        "refs/heads/feature",
        &[&format!(
            "rejected refs/heads/feature: tree {root} has more than one entry named `.gitseal`"
        )],
    );
    assert_eq!(
        server.rev("refs/heads/feature").as_deref(),
        Some(honest.as_str())
    );
}

/// gitseal reads objects as stored and ignores replace refs, but git on the server, and
/// every mirror clone (which copies `refs/replace/*`), shows the replacement in the
/// replaced object's place: bob's `refs/replace/<main's tip>` made `git log main`, `git
/// archive main` and a mirror's checkout of main show his commit under alice's id.
#[test]
fn a_replace_ref_is_refused_and_may_be_deleted() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (client, anchor) = anchored(&env, &alice, &policy(&people, &[BRANCHES]));
    let server = server(&client, &anchor);
    let tip = c(&client, Some(&alice), "alice's work");
    assert_accepted(&push(&client, &["main"]), &server, MAIN, &tip);
    client
        .git(&["checkout", "-q", "-b", "evil", &anchor])
        .success();
    let by_bob = c(&client, Some(&bob), "bob's build script");
    assert_accepted(
        &push(&client, &["evil"]),
        &server,
        "refs/heads/evil",
        &by_bob,
    );
    let replace = format!("refs/replace/{tip}");

    let out = push(&client, &[&format!("evil:{replace}")]);
    assert_rejected(
        &out,
        &replace,
        &[&format!(
            "rejected {replace}: a replace ref makes git show another object in place of {}",
            short(&tip)
        )],
    );
    assert_eq!(server.rev(&replace), None);
    let shown = run(server
        .env
        .git(server.env.root())
        .arg(format!("--git-dir={}", server.dir.display()))
        .args(["log", "-1", "--format=%s", MAIN]))
    .success()
    .stdout();
    assert_eq!(shown.trim(), "alice's work");

    // One made on the server before (by an administrator, or before the hook) may be
    // deleted by a push: that only shows the stored object again.
    on_server(&server, &["update-ref", &replace, &by_bob]);
    let out = push(&client, &[&format!(":{replace}")]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev(&replace), None);
}

// ---- OpenPGP certificates of the current policy ----

/// alice's OpenPGP policy: she is the only principal, main and release/* need her, `v*`
/// tags need her, she changes the policy.
fn openpgp_policy(fpr: &str) -> String {
    format!(
        "version = 1\n\n[principals.alice]\nopenpgp = [\"{fpr}\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\", \"refs/heads/release/*\"]\ncommits = [\"alice\"]\n\n\
         [[rules]]\nrefs = [\"refs/tags/v*\"]\ntags = [\"alice\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n"
    )
}

/// alice (a primary key that signs, and a signing subkey), her repository with her
/// policy and certificate, and the thief's copy of her secret keys; returns the anchor.
fn openpgp_world<'e>(env: &'e TestEnv) -> (Person<'e>, String, GnuPg<'e>, Repo<'e>, String) {
    let t = now();
    let alice = Person::made_at(env, "alice", Some(t - 10 * DAY));
    let subkey = signing_subkey(&alice, t - 9 * DAY);
    let thief = GnuPg::other(env, "gnupg-thief");
    thief.import(&alice.gnupg.export_secret(&alice.fpr));
    let repo = openpgp_repo(env, "work", &alice.gpg, &alice.fpr);
    write(&repo, ".gitseal/policy.toml", openpgp_policy(&alice.fpr));
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let anchor = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "anchor",
        None,
    );
    (alice, subkey, thief, repo, anchor)
}

/// The subkey is stolen; alice adds its revocation (key compromised) to her certificate
/// file, as `policy check` tells her to. A commit's certificates come from its parents'
/// trees, which the pusher picks: the thief's commit on the anchor was checked against
/// the anchor's copy of the certificate, without the revocation, and judged good by the
/// current policy too.
#[test]
fn a_subkey_revoked_in_the_current_certificate_does_not_sign_on_old_history() {
    let env = TestEnv::new();
    let (alice, subkey, thief, repo, anchor) = openpgp_world(&env);
    let server = server(&repo, &anchor);
    run_stdin(
        alice.gnupg.gpg().args([
            "--command-fd",
            "0",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--edit-key",
            &alice.fpr,
        ]),
        b"key 1\nrevkey\ny\n1\n\ny\nsave\n",
    )
    .success();
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let revocation = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "alice revokes her stolen subkey",
        None,
    );
    assert_accepted(&push(&repo, &["main"]), &server, MAIN, &revocation);

    repo.git(&["checkout", "-q", "-b", "thief", &anchor])
        .success();
    let thief_gpg = thief.wrapper("gpg-thief", None);
    let stolen = commit_as(&repo, &thief_gpg, &format!("{subkey}!"), "the thief", None);
    let out = push(&repo, &["thief:refs/heads/release/evil"]);
    assert_rejected(
        &out,
        "refs/heads/release/evil",
        &[&format!(
            "refs/heads/release/evil: commit {stolen} (rule {BRANCH_RULE}): by the current policy at {}: the signing key is revoked",
            short(&revocation)
        )],
    );
    assert_eq!(server.rev("refs/heads/release/evil"), None);

    // alice's own fix on the old line, with her primary key, is a release.
    repo.git(&["checkout", "-q", "-b", "maint", &anchor])
        .success();
    let fix = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "alice's fix on the old line",
        None,
    );
    assert_accepted(
        &push(&repo, &["maint:refs/heads/release/1.1"]),
        &server,
        "refs/heads/release/1.1",
        &fix,
    );
}

/// alice takes a lost subkey out of her certificate file. A tag's certificates were those
/// of the tagged commit's tree and the current policies' merged: the tag names an old
/// commit, whose tree still binds the subkey, so the thief's release tag was alice's.
#[test]
fn a_subkey_taken_out_of_the_current_certificate_does_not_sign_tags_on_old_commits() {
    let env = TestEnv::new();
    let (alice, subkey, thief, repo, anchor) = openpgp_world(&env);
    let server = server(&repo, &anchor);
    let without = alice
        .cert()
        .retain_subkeys(|k| k.key().fingerprint().to_hex() != subkey);
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        without.armored().to_vec().expect("serializes"),
    );
    let removal = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "alice drops her lost subkey",
        None,
    );
    assert_accepted(&push(&repo, &["main"]), &server, MAIN, &removal);

    let thief_gpg = thief.wrapper("gpg-thief", None);
    repo.git_with(
        &[
            ("gpg.program", &thief_gpg.display().to_string()),
            ("user.signingKey", &format!("{subkey}!")),
        ],
        &["tag", "-s", "-m", "the thief's release", "v9.9", &anchor],
    )
    .success();
    let forged = repo.git_out(&["rev-parse", "refs/tags/v9.9"]);
    let out = push(&repo, &["v9.9"]);
    assert_rejected(
        &out,
        "refs/tags/v9.9",
        &[&format!(
            "refs/tags/v9.9: tag {forged} (rule refs/tags/v*): by the current policy at {}: no certificate for OpenPGP key {}",
            short(&removal),
            &subkey[24..]
        )],
    );
    assert_eq!(server.rev("refs/tags/v9.9"), None);

    repo.git_with(
        &[("user.signingKey", &format!("{}!", alice.fpr))],
        &["tag", "-s", "-m", "alice's release", "v1.0", &anchor],
    )
    .success();
    let v1 = repo.git_out(&["rev-parse", "refs/tags/v1.0"]);
    assert_accepted(&push(&repo, &["v1.0"]), &server, "refs/tags/v1.0", &v1);
}
