//! Issue 12, what `gitseal verify` trusts on disk and in the object store: the verdict cache
//! (V1 and its concurrency), replace refs and grafts (V2), anchors (R4) and the quarantine
//! (the first push carrying its anchor). Each attack is made end to end and refused with
//! its reason; beside it, the honest flow is accepted.
//!
//! The cast: alice is the maintainer (main and the policy are hers), bob a principal
//! allowed only on `tmp/*`, mallory no principal at all.

use crate::support::sigstore_stack::{Identity, Stack};
use crate::support::{GITSEAL, Key, Repo, Run, TestEnv, commit_with_signature, run, set_mode};
use crate::verify_policy::{
    MAIN, anchored, commit, key, policy_text, reasons, result, short, verify, verify_json, who,
};
use gitseal::git::HashKind;
use gitseal::git::signed::split_commit;
use gitseal::verify::cache;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};

/// main is alice's; tmp/* takes any principal and may be rewound and deleted.
const RULES: &str = "\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n\n\
     [[rules]]\nrefs = [\"refs/heads/tmp/*\"]\ncommits = [\"*\"]\nallow_force_push = true\nallow_delete = true\n\n\
     [policy_changes]\nsigners = [\"alice\"]\n";

/// The unsigned commit time of the tests' commits (support's COMMIT_TIME).
const T: i64 = 1_700_000_000;

/// Strictly increasing committer dates after the anchor's.
fn next_date() -> Option<i64> {
    static NEXT: AtomicI64 = AtomicI64::new(T + 1);
    Some(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A commit on the current branch at the next date.
#[track_caller]
fn c(repo: &Repo<'_>, signer: Option<&Key>, message: &str) -> String {
    commit(repo, signer, message, next_date())
}

struct Cast {
    alice: Key,
    bob: Key,
    mallory: Key,
}

fn cast(env: &TestEnv) -> Cast {
    Cast {
        alice: key(env, "alice"),
        bob: key(env, "bob"),
        mallory: key(env, "mallory"),
    }
}

/// A client whose first commit (alice's) carries the policy: alice and bob, [`RULES`].
fn client<'e>(env: &'e TestEnv, cast: &Cast) -> (Repo<'e>, String) {
    let policy = policy_text(
        "",
        &[who("alice", &cast.alice), who("bob", &cast.bob)],
        RULES,
    );
    anchored(env, &cast.alice, &policy)
}

/// The bare repository the client pushes to, its hook running `gitseal verify
/// --pre-receive`.
struct Server<'e> {
    env: &'e TestEnv,
    dir: PathBuf,
}

impl Server<'_> {
    /// A bare repository named `name` with the hook, `gitseal.anchor` and `config` set, and
    /// nothing in it; the client's remote `origin` is it.
    fn empty<'e>(
        client: &Repo<'e>,
        name: &str,
        anchor: &str,
        config: &[(&str, &str)],
    ) -> Server<'e> {
        let env = client.env;
        let dir = env.path(name);
        run(env
            .git(env.root())
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&dir))
        .success();
        client.git(&["remote", "remove", "origin"]);
        client
            .git(&["remote", "add", "origin", dir.to_str().expect("utf-8 path")])
            .success();
        let server = Server { env, dir };
        server.config("gitseal.anchor", anchor);
        for (key, value) in config {
            server.config(key, value);
        }
        let hook = server.dir.join("hooks").join("pre-receive");
        std::fs::write(
            &hook,
            format!("#!/bin/sh\nexec '{GITSEAL}' verify --pre-receive\n"),
        )
        .expect("write hook");
        set_mode(&hook, 0o755);
        server
    }

    /// [`Self::empty`], holding the client's main, as pushed (and accepted) through the hook.
    fn with_main<'e>(client: &Repo<'e>, anchor: &str, config: &[(&str, &str)]) -> Server<'e> {
        let server = Server::empty(client, "server.git", anchor, config);
        push(client, &["main"]).success();
        server
    }

    fn config(&self, key: &str, value: &str) {
        run(self.env.git(&self.dir).args(["config", key, value])).success();
    }

    /// Where `refname` points on the server (`None`: it does not exist).
    fn rev(&self, refname: &str) -> Option<String> {
        let out = run(self
            .env
            .git(self.env.root())
            .arg(format!("--git-dir={}", self.dir.display()))
            .args(["rev-parse", "--verify", "-q", refname]));
        (out.code == 0).then(|| out.stdout().trim().to_string())
    }

    /// The lines of the server's verdict cache, header first (none: no file).
    fn cache_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("gitseal/verdicts"))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }
}

fn push(client: &Repo<'_>, args: &[&str]) -> Run {
    let mut all = vec!["push", "origin"];
    all.extend(args);
    client.git(&all).no_panic()
}

/// The push was refused by the hook, and a `remote: gitseal:` line says each needle.
#[track_caller]
fn assert_rejected(out: &Run, refname: &str, needles: &[&str]) {
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

/// A commit object with `parent`'s tree and `parent` as parent, signed by `sign` (given
/// the payload), written to the object store without moving any ref.
fn signed_object(
    repo: &Repo<'_>,
    parent: &str,
    message: &str,
    sign: impl FnOnce(&[u8]) -> String,
) -> String {
    let tree = repo.git_out(&["rev-parse", &format!("{parent}^{{tree}}")]);
    let unsigned_id = repo.git_out(&["commit-tree", &tree, "-p", parent, "-m", message]);
    let unsigned = repo.git_out(&["cat-file", "commit", &unsigned_id]) + "\n";
    let raw = commit_with_signature(&unsigned, &sign(unsigned.as_bytes()));
    repo.git_stdin(
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        raw.as_bytes(),
    )
    .success()
    .stdout()
    .trim()
    .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ------------------------------------------------------------------ V1: the verdict cache

/// mallory (no principal) signs a commit with a Sigstore certificate of her own making
/// whose issuer text holds whole verdict lines for her target commit (both line formats,
/// the new one with the target's true digest, which she can compute: the bytes are hers).
/// The hook rejects that push; then she pushes the target to main. It must still be judged
/// by its own signature, and nothing she wrote may reach the cache.
#[test]
fn v1_a_certificate_issuer_cannot_plant_a_verdict_in_the_hooks_cache() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (client, anchor) = client(&env, &cast);
    // The server trusts a Sigstore instance mallory has no key of; its log is out of reach.
    let trusted = Stack::new();
    let root = env.write("trusted_root.json", trusted.trusted_root());
    let root = root.display().to_string();
    let sigstore = [
        ("gitseal.trustedRoot", root.as_str()),
        ("gitseal.rekor", "http://127.0.0.1:9"),
    ];
    let server = Server::with_main(&client, &anchor, &sigstore);

    // The target: mallory's commit on main, signed by her own SSH key.
    let target = c(&client, Some(&cast.mallory), "mallory takes over");
    let raw = client
        .git(&["cat-file", "commit", &target])
        .success()
        .stdout;
    let signed = split_commit(&raw, HashKind::Sha1)
        .expect("a commit")
        .expect("signed");
    let digest = hex(&cache::digest(&signed, &[]));
    let alice = cast.alice.fingerprint();
    let forged = format!(
        "https://evil.example\n{target}\tssh\t{alice}\t{T}\tcommitter\tok\t\n\
         {target}\t{digest}\tssh\t{alice}\t{T}\tcommitter\tok\t\n"
    );
    let mut her_stack = Stack::new();
    let planter = signed_object(&client, &anchor, "planter", |payload| {
        her_stack.sign(
            payload,
            &Identity {
                email: "mallory@example.org".into(),
                issuer: forged.clone(),
            },
            T + 3,
        )
    });

    let out = push(&client, &[&format!("{planter}:refs/heads/tmp/plant")]);
    assert_rejected(&out, "refs/heads/tmp/plant", &[short(&planter)]);
    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[&format!(
            "unknown signer: ssh key {}",
            cast.mallory.fingerprint()
        )],
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(anchor.as_str()));

    // Every line of the cache is one gitseal wrote about bytes it checked: no failed
    // Sigstore verdict, nothing of the issuer's text, and the target's own verdict names
    // mallory's key.
    let lines = server.cache_lines();
    assert!(lines[0].starts_with("gitseal-verdicts 4 "), "{lines:?}");
    for line in &lines[1..] {
        let parsed = cache::parse_line(line)
            .unwrap_or_else(|| panic!("a line gitseal would not read: {line:?}"));
        let id = parsed.id.to_string();
        assert_ne!(id, planter, "{line}");
        if id == target {
            assert_eq!(
                parsed.verdict.key,
                Some(cast.mallory.fingerprint()),
                "{line}"
            );
        }
        assert!(!line.contains(&alice), "{line}");
    }

    // The honest flow beside it: alice's commit on main is accepted (from the same cache).
    client.git(&["reset", "-q", "--hard", &anchor]).success();
    let good = c(&client, Some(&cast.alice), "alice's work");
    push(&client, &["--force", "main"]).success();
    assert_eq!(server.rev(MAIN).as_deref(), Some(good.as_str()));
}

/// The cache is keyed by the bytes a verdict was computed from: with alice's verdict on a
/// commit cached, the object store is made to hold other bytes under that commit's id (a
/// collision, or a replaced object file). The next run reads the bytes, finds the digest
/// changed, and judges them afresh.
#[test]
fn v1_a_cached_verdict_does_not_speak_for_other_bytes_under_the_same_id() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (repo, anchor) = client(&env, &cast);
    repo.git(&["checkout", "-q", "-b", "side"]).success();
    let other = c(&repo, Some(&cast.mallory), "mallory's");
    repo.git(&["checkout", "-q", "main"]).success();
    let good = c(&repo, Some(&cast.alice), "alice's");

    // Honest: cached and fresh runs agree that alice's commit passes.
    let (code, fresh) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 0, "{fresh:#}");
    let (code, cached) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!((code, &cached), (0, &fresh));

    // The loose object of `good` now holds mallory's commit (same parent, same tree).
    let object = |id: &str| repo.dir.join(".git/objects").join(&id[..2]).join(&id[2..]);
    std::fs::remove_file(object(&good)).expect("loose object");
    std::fs::copy(object(&other), object(&good)).expect("copy object");
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        reasons(&doc, &good),
        [format!(
            "unknown signer: ssh key {} is not a principal of the policy",
            cast.mallory.fingerprint()
        )]
    );
}

/// A good Sigstore verdict rests on the trusted root it was checked against: once the
/// root no longer trusts the CA (another root configured, or a CA removed by an update),
/// the cached line is not believed and the signature fails afresh.
#[test]
fn v1_a_cached_sigstore_verdict_holds_only_under_its_trusted_root() {
    const ISSUER: &str = "https://issuer.gitseal.test";
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = crate::sigstore_stack::repo(&env, &stack);
    crate::verify_policy::write_policy(
        &repo,
        &format!(
            "version = 1\n\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", \
             subject = \"alice@example.org\" }}]\n\n[[rules]]\nrefs = [\"refs/heads/*\"]\n\
             commits = [\"alice\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
        ),
    );
    repo.git(&["add", "-A"]).success();
    repo.git_with(
        &[("commit.gpgSign", "false")],
        &["commit", "-q", "-m", "anchor"],
    )
    .success();
    let anchor = repo.git_out(&["rev-parse", "HEAD"]);
    let alice = Identity {
        email: "alice@example.org".into(),
        issuer: ISSUER.into(),
    };
    let good = signed_object(&repo, &anchor, "by alice", |p| {
        stack.sign(p, &alice, T + 20)
    });
    repo.git(&["update-ref", MAIN, &good]).success();

    // Honest: checked, cached, and the cached run agrees.
    let (code, fresh) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 0, "{fresh:#}");
    let lines = std::fs::read_to_string(repo.dir.join(".git/gitseal/verdicts")).expect("cache");
    assert!(
        lines
            .lines()
            .any(|l| l.starts_with(&good) && l.contains("\tx509\t")),
        "{lines}"
    );
    assert_eq!(verify_json(&repo, &anchor, &["main"]), (0, fresh));

    // Another trusted root: the same cache file no longer speaks for the commit.
    let other = env.write("other_root.json", Stack::new().trusted_root());
    repo.git(&[
        "config",
        "gitseal.trustedRoot",
        other.to_str().expect("utf-8"),
    ])
    .success();
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &good)["ok"], false, "{doc:#}");
    assert_eq!(result(&doc, &good)["principal"], serde_json::Value::Null);
}

/// 16 pushes to one repository at once, each adding commits of its own: every verdict is
/// kept, none torn (the issue saw 390 of 481 kept).
#[test]
fn v1_concurrent_pushes_keep_every_verdict() {
    const PUSHES: usize = 16;
    const EACH: usize = 3;
    let env = TestEnv::new();
    let cast = cast(&env);
    let (client, anchor) = client(&env, &cast);
    let server = Server::with_main(&client, &anchor, &[]);
    let mut made = Vec::new();
    for p in 0..PUSHES {
        client
            .git(&["checkout", "-q", "-b", &format!("tmp/{p}"), &anchor])
            .success();
        for n in 0..EACH {
            made.push(c(&client, Some(&cast.bob), &format!("push {p} commit {n}")));
        }
    }
    std::thread::scope(|scope| {
        let pushes: Vec<_> = (0..PUSHES)
            .map(|p| {
                let client = &client;
                scope.spawn(move || push(client, &[&format!("tmp/{p}")]))
            })
            .collect();
        for push in pushes {
            push.join().expect("push thread").success();
        }
    });
    let lines = server.cache_lines();
    let mut cached = Vec::new();
    for line in &lines[1..] {
        let parsed =
            cache::parse_line(line).unwrap_or_else(|| panic!("a torn or damaged line: {line:?}"));
        assert_eq!(parsed.verdict.key, Some(cast.bob.fingerprint()), "{line}");
        cached.push(parsed.id.to_string());
    }
    for id in &made {
        assert!(cached.contains(id), "the verdict on {id} was lost");
    }
    assert_eq!(cached.len(), made.len(), "{lines:#?}");
}

// --------------------------------------------------------------- V2: replace refs, grafts

/// bob's commit N sits on his own branch; `refs/replace/N` names alice's commit Y, then bob
/// moves main to N. git stores N on main: the hook must judge N, not Y. Alice's own push of
/// Y to main is accepted beside it. A push of the replace ref itself is refused (git on the
/// server and mirror clones would show Y in N's place: adversarial_redteam), so here it is
/// one made on the server before the hook, or by an administrator.
#[test]
fn v2_a_replace_ref_does_not_change_what_the_hook_judges() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (client, anchor) = client(&env, &cast);
    let server = Server::with_main(&client, &anchor, &[]);
    client.git(&["checkout", "-q", "-b", "tmp/alice"]).success();
    let y = c(&client, Some(&cast.alice), "alice's work");
    push(&client, &["tmp/alice"]).success();
    client
        .git(&["checkout", "-q", "-b", "tmp/bob", &anchor])
        .success();
    let n = c(&client, Some(&cast.bob), "bob's takeover");
    push(&client, &["tmp/bob"]).success();

    let out = push(&client, &[&format!("{y}:refs/replace/{n}")]);
    assert_rejected(&out, &format!("refs/replace/{n}"), &["a replace ref"]);
    run(server
        .env
        .git(server.env.root())
        .arg(format!("--git-dir={}", server.dir.display()))
        .args(["update-ref", &format!("refs/replace/{n}"), &y]))
    .success();
    assert_eq!(
        server.rev(&format!("refs/replace/{n}")).as_deref(),
        Some(y.as_str())
    );
    let out = push(&client, &[&format!("{n}:{MAIN}")]);
    assert_rejected(&out, MAIN, &[short(&n), "signer bob not allowed by rule"]);
    assert_eq!(server.rev(MAIN).as_deref(), Some(anchor.as_str()));

    push(&client, &[&format!("{y}:{MAIN}")]).success();
    assert_eq!(server.rev(MAIN).as_deref(), Some(y.as_str()));
}

/// In CI, a `git replace` in the checkout makes git show alice's commit where bob's is
/// stored; `gitseal verify` judges bob's.
#[test]
fn v2_verify_judges_the_stored_commit_not_its_replacement() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (repo, anchor) = client(&env, &cast);
    repo.git(&["checkout", "-q", "-b", "side"]).success();
    let y = c(&repo, Some(&cast.alice), "alice's work");
    repo.git(&["checkout", "-q", "main"]).success();
    let n = c(&repo, Some(&cast.bob), "bob's takeover");
    repo.git(&["replace", &n, &y]).success();
    // git itself now shows alice's commit as main.
    assert_eq!(
        repo.git_out(&["log", "-1", "--format=%s", "main"]),
        "alice's work"
    );

    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &n)["principal"], "bob", "{doc:#}");
    assert_eq!(
        reasons(&doc, &n),
        ["signer bob not allowed by rule refs/heads/main"]
    );

    // Honest: alice's commit, judged under its own id, passes.
    let (code, doc) = verify_json(&repo, &anchor, &[&format!("{anchor}..{y}")]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &y)["principal"], "alice");
}

/// `info/grafts` gives a commit other parents in git's eyes (git still honours it, with a
/// deprecation warning); gitseal reads the parents the commit object stores, so a graft
/// cannot hide an unsigned commit from the range.
#[test]
fn v2_grafts_do_not_hide_a_commit() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (repo, anchor) = client(&env, &cast);
    let unsigned = c(&repo, None, "unsigned");
    let tip = c(&repo, Some(&cast.alice), "alice's");
    std::fs::write(
        repo.dir.join(".git/info/grafts"),
        format!("{tip} {anchor}\n"),
    )
    .expect("grafts");
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(reasons(&doc, &unsigned), ["unsigned"]);
    assert_eq!(
        reasons(&doc, &tip),
        [format!("parent {} is not authenticated", short(&unsigned))]
    );

    // Honest: alice's commit straight on the anchor passes, though a graft gives it the
    // unsigned commit as parent in git's eyes.
    std::fs::remove_file(repo.dir.join(".git/info/grafts")).expect("grafts");
    repo.git(&["reset", "-q", "--hard", &anchor]).success();
    let good = c(&repo, Some(&cast.alice), "alice's again");
    std::fs::write(
        repo.dir.join(".git/info/grafts"),
        format!("{good} {unsigned}\n"),
    )
    .expect("grafts");
    let (code, doc) = verify_json(&repo, &anchor, &["main"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &good)["principal"], "alice");
}

// ------------------------------------------------------------------------ R4: anchors

/// A pusher can create a ref named like an abbreviated anchor (here a branch at mallory's
/// own commit, whose policy makes her a maintainer). Anchors are full ids: an abbreviation
/// or a name is refused before anything is judged, with the way to the full id.
#[test]
fn r4_an_anchor_that_is_not_a_full_object_id_is_refused() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (repo, anchor) = client(&env, &cast);
    let abbreviated = &anchor[..7];
    repo.git(&["checkout", "-q", "--orphan", "hers"]).success();
    let hers = policy_text("", &[who("alice", &cast.mallory)], RULES);
    crate::verify_policy::write_policy(&repo, &hers);
    let planted = c(&repo, None, "mallory's policy");
    repo.git(&["branch", abbreviated, &planted]).success();
    repo.git(&["checkout", "-q", "main"]).success();
    let by_mallory = c(&repo, Some(&cast.mallory), "mallory's");

    for spec in [abbreviated, "main", "HEAD", &anchor.to_uppercase()[..39]] {
        let out = verify(&repo, &["--anchor", spec, "--ref", MAIN, "main"]).exit(2);
        let lines = out.stderr_lines();
        assert_eq!(
            lines,
            [
                format!("error: anchor: `{spec}` is not a full object id (40 hex digits)"),
                "hint: give the full id of a commit you checked: `git rev-parse --verify \
                 'REV^{commit}'` prints it (a name or an abbreviation could be a ref anyone \
                 who pushes can create)"
                    .to_string()
            ],
            "{}",
            out.describe()
        );
        assert!(out.stdout.is_empty());
    }
    // The same from git config.
    repo.git(&["config", "gitseal.anchor", abbreviated])
        .success();
    let out = verify(&repo, &["--ref", MAIN, "main"]).exit(2);
    assert!(
        out.stderr.contains("is not a full object id"),
        "{}",
        out.describe()
    );

    // Honest: the full id (any case) judges mallory's commit by alice's policy.
    repo.git(&["config", "gitseal.anchor", &anchor.to_uppercase()])
        .success();
    let out = verify(&repo, &["--ref", MAIN, "--format", "json", "main"]).exit(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        reasons(&doc, &by_mallory),
        [format!(
            "unknown signer: ssh key {} is not a principal of the policy",
            cast.mallory.fingerprint()
        )]
    );
    let out = verify(&repo, &["--anchor", &"0".repeat(40), "main"]).exit(2);
    assert!(
        out.stderr.contains("unknown revision"),
        "{}",
        out.describe()
    );
}

// ------------------------------------------------------------ the quarantine, anchor too

/// The first push to a new server, as docs/policy.md sets one up: the anchor is in the
/// push itself, so the hook finds it in the quarantine.
#[test]
fn the_first_push_carrying_its_anchor_is_accepted() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (client, anchor) = client(&env, &cast);
    c(&client, Some(&cast.alice), "one");
    let tip = c(&client, Some(&cast.alice), "two");
    let server = Server::empty(&client, "new.git", &anchor, &[]);
    let out = push(&client, &["main"]).success();
    assert!(
        out.stderr
            .contains("remote: gitseal: refs/heads/main: 2 new commit(s) verified"),
        "{}",
        out.describe()
    );
    assert_eq!(server.rev(MAIN).as_deref(), Some(tip.as_str()));
}

/// Reading the quarantine admits nothing unjudged: a first push carrying its anchor and an
/// unsigned commit is refused for that commit.
#[test]
fn the_first_push_carrying_its_anchor_still_judges_every_commit() {
    let env = TestEnv::new();
    let cast = cast(&env);
    let (client, anchor) = client(&env, &cast);
    let unsigned = c(&client, None, "unsigned");
    c(&client, Some(&cast.alice), "two");
    let server = Server::empty(&client, "new.git", &anchor, &[]);
    let out = push(&client, &["main"]);
    assert_rejected(&out, MAIN, &[short(&unsigned), "unsigned"]);
    assert_eq!(server.rev(MAIN), None);
}
