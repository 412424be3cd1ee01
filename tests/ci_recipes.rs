//! The CI recipes (issue 15): `scripts/ci-verify.sh`, which `action.yml` and
//! `gitlab/gitseal.gitlab-ci.yml` run, against real repositories with the variables GitHub
//! Actions and GitLab CI set (an event file, the SHAs, the branch names), no forge needed;
//! and the installation without a Rust toolchain: `scripts/release.sh`'s tarball and Debian
//! package (assembled from the test's own gitseal: the layout and the install are what is
//! checked), `install.sh` from a tarball, `scripts/ci-install.sh` from a release URL.

use crate::pre_receive::c;
use crate::support::{GITSEAL, Key, Repo, Run, TestEnv, require, run};
use crate::verify_policy::{anchored, key, policy_text, who};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const ZEROS: &str = "0000000000000000000000000000000000000000";

fn script(name: &str) -> PathBuf {
    Path::new(ROOT).join("scripts").join(name)
}

/// alice and bob are principals; release branches take alice's commits only, any other
/// branch any principal's; `extra_rules` come first.
fn policy(alice: &Key, bob: &Key, extra_rules: &str) -> String {
    let rules = format!(
        "{extra_rules}\n[[rules]]\nrefs = [\"refs/heads/release/*\"]\ncommits = [\"alice\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"*\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n"
    );
    policy_text("", &[who("alice", alice), who("bob", bob)], &rules)
}

/// A job's environment: what the forge sets, and the settings the action passes.
#[derive(Default)]
struct Vars(Vec<(String, String)>);

impl Vars {
    fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.push((name.to_string(), value.into()));
        self
    }
}

/// GitHub Actions for `event` (its JSON written to a file), with the anchor as the action
/// passes it.
fn github(env: &TestEnv, event_name: &str, event: &Value, anchor: &str) -> Vars {
    let path = env.write(
        &format!("event-{}.json", rand_suffix()),
        serde_json::to_vec(event).expect("event JSON"),
    );
    Vars::default()
        .set("GITHUB_ACTIONS", "true")
        .set("CI", "true")
        .set("GITHUB_EVENT_NAME", event_name)
        .set("GITHUB_EVENT_PATH", path.display().to_string())
        .set("GITSEAL_ANCHOR", anchor)
}

/// A name no other event file of the test has.
fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// A push of `before..after` to `refname`, as GitHub describes it.
fn github_push(env: &TestEnv, refname: &str, before: &str, after: &str, anchor: &str) -> Vars {
    let event = json!({
        "ref": refname, "before": before, "after": after,
        "created": before == ZEROS, "deleted": false, "forced": false,
        "head_commit": {"id": after, "message": "$(touch pwned-by-message)"},
    });
    github(env, "push", &event, anchor)
        .set("GITHUB_SHA", after)
        .set("GITHUB_REF", refname)
}

/// A pull request from `head_ref` (at `head`) into `base_ref` (at `base`); GitHub checks out
/// its test merge commit `merge` (refs/pull/7/merge).
fn github_pull_request(
    env: &TestEnv,
    (base_ref, base): (&str, &str),
    (head_ref, head): (&str, &str),
    merge: &str,
    anchor: &str,
) -> Vars {
    let event = json!({
        "action": "synchronize", "number": 7,
        "pull_request": {
            "number": 7, "title": "$(touch pwned-by-title)\n::error::forged",
            "base": {"ref": base_ref, "sha": base},
            "head": {"ref": head_ref, "sha": head},
            "merge_commit_sha": merge,
        },
    });
    github(env, "pull_request", &event, anchor)
        .set("GITHUB_SHA", merge)
        .set("GITHUB_REF", "refs/pull/7/merge")
        .set("GITHUB_BASE_REF", base_ref)
        .set("GITHUB_HEAD_REF", head_ref)
}

/// GitLab CI, with the anchor as a CI/CD variable.
fn gitlab(anchor: &str) -> Vars {
    Vars::default()
        .set("GITLAB_CI", "true")
        .set("CI", "true")
        .set("GITSEAL_ANCHOR", anchor)
}

/// Runs scripts/ci-verify.sh in `dir` with `vars`, gitseal on PATH.
fn ci_verify(env: &TestEnv, dir: &Path, vars: &Vars) -> Run {
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).expect("bin directory");
    let link = bin.join("gitseal");
    if !link.exists() {
        std::os::unix::fs::symlink(GITSEAL, &link).expect("gitseal on PATH");
    }
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    )))
    .expect("PATH");
    require("python3", "python3");
    let mut cmd = env.command(require("bash", "bash"));
    cmd.current_dir(dir)
        .env("PATH", path)
        .arg(script("ci-verify.sh"));
    for (name, value) in &vars.0 {
        cmd.env(name, value);
    }
    run(&mut cmd).no_panic()
}

/// The commits a JSON report judged, in order, and the ref each was judged for.
#[track_caller]
fn judged(out: &Run) -> Vec<(String, String)> {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e})\n{}", out.describe()));
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["commit"].as_str().expect("commit").to_string(),
                r["ref"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[track_caller]
fn assert_judged(out: &Run, commits: &[&str], refname: &str) {
    let expected: Vec<(String, String)> = commits
        .iter()
        .map(|c| (c.to_string(), refname.to_string()))
        .collect();
    assert_eq!(judged(out), expected, "{}", out.describe());
}

/// A merge of `head` into `base` nobody signed, as a forge builds to test a pull request,
/// checked out (detached) as the forge's checkout leaves it; returns its id.
fn test_merge(repo: &Repo<'_>, base: &str, head: &str, pull_ref: &str) -> String {
    repo.git(&["checkout", "-q", "--detach", base]).success();
    repo.git_with(
        &[("commit.gpgSign", "false")],
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge pull request #7",
            head,
        ],
    )
    .success();
    let merge = repo.git_out(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", pull_ref, &merge]).success();
    merge
}

// ---------------------------------------------------------------- GitHub: push

#[test]
fn github_push_judges_the_pushed_commits_by_the_pushed_refs_rule() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    c(&repo, Some(&alice), "one");
    let before = c(&repo, Some(&bob), "two");
    let c3 = c(&repo, Some(&bob), "three");
    let c4 = c(&repo, Some(&alice), "four");

    let vars = github_push(&env, "refs/heads/main", &before, &c4, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars.set("GITSEAL_FORMAT", "json")).success();
    assert_judged(&out, &[&c3, &c4], "refs/heads/main");
    assert!(
        out.stderr.contains(&format!(
            "gitseal: push to refs/heads/main: the commits it added: {before}..{c4}, by the rule for refs/heads/main"
        )),
        "{}",
        out.describe()
    );

    // The action's default format: an annotation per failing commit, and the count.
    let bad = c(&repo, None, "unsigned");
    let out = ci_verify(
        &env,
        &repo.dir,
        &github_push(&env, "refs/heads/main", &c4, &bad, &anchor),
    )
    .exit(1);
    let stdout = out.stdout();
    assert!(
        stdout.contains(&format!("::error title=gitseal::commit {bad}: ")),
        "{}",
        out.describe()
    );
    assert!(
        stdout.contains("::notice title=gitseal::1 commits, 0 passed, 1 failed"),
        "{}",
        out.describe()
    );
}

/// A runner may keep its checkout from one job to the next, and a pull request's code can
/// write the git directory: the verdict cache there is neither read nor written unless a
/// job says the directory is its own.
#[test]
fn the_verdict_cache_is_left_alone_unless_asked_for() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let before = c(&repo, Some(&alice), "one");
    let after = c(&repo, Some(&bob), "two");
    let cache = repo.dir.join(".git/gitseal/verdicts");
    let push = || github_push(&env, "refs/heads/main", &before, &after, &anchor);

    ci_verify(&env, &repo.dir, &push()).success();
    assert!(!cache.exists(), "the cache was written");
    // What another job left there is neither read nor replaced.
    std::fs::create_dir_all(cache.parent().expect("git directory")).expect("cache directory");
    std::fs::write(&cache, "left by another job\n").expect("plant a cache");
    ci_verify(&env, &repo.dir, &push()).success();
    assert_eq!(
        std::fs::read_to_string(&cache).expect("cache"),
        "left by another job\n"
    );

    // Asked for, the cache is gitseal's: it drops the foreign line and writes its own.
    ci_verify(&env, &repo.dir, &push().set("GITSEAL_CACHE", "true")).success();
    let kept = std::fs::read_to_string(&cache).expect("cache");
    assert!(
        !kept.contains("left by another job") && kept.contains(&after),
        "{kept}"
    );
    let out = ci_verify(&env, &repo.dir, &push().set("GITSEAL_CACHE", "yes")).exit(2);
    assert!(
        out.stderr
            .contains("GITSEAL_CACHE is yes\nhint: use true or false"),
        "{}",
        out.describe()
    );
}

#[test]
fn github_new_branch_is_judged_from_the_anchor() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let c1 = c(&repo, Some(&alice), "on main");
    repo.git(&["checkout", "-q", "-b", "release/1"]).success();
    let c2 = c(&repo, Some(&alice), "release work");
    let c3 = c(&repo, Some(&alice), "more release work");

    let vars = github_push(&env, "refs/heads/release/1", ZEROS, &c3, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars.set("GITSEAL_FORMAT", "json")).success();
    // Everything the new branch holds after the anchor, by the release rule.
    assert_judged(&out, &[&c1, &c2, &c3], "refs/heads/release/1");
    assert!(
        out.stderr
            .contains("new ref refs/heads/release/1: everything from the anchor"),
        "{}",
        out.describe()
    );

    // bob's commit, fine on main, is refused on a new release branch made on it.
    repo.git(&["checkout", "-q", "main"]).success();
    let by_bob = c(&repo, Some(&bob), "bob on main");
    let vars = github_push(&env, "refs/heads/release/2", ZEROS, &by_bob, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars).exit(1);
    assert!(
        out.stdout()
            .contains(&format!("::error title=gitseal::commit {by_bob}: ")),
        "{}",
        out.describe()
    );
}

#[test]
fn github_force_push_judges_what_it_added_or_everything_when_the_old_tip_is_gone() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let c1 = c(&repo, Some(&alice), "kept");
    let old = c(&repo, Some(&alice), "dropped by the force push");
    repo.git(&["reset", "-q", "--hard", &c1]).success();
    let new1 = c(&repo, Some(&bob), "rewritten one");
    let new2 = c(&repo, Some(&alice), "rewritten two");

    let mut event = json!({
        "ref": "refs/heads/main", "before": old, "after": new2,
        "created": false, "deleted": false, "forced": true,
    });
    let vars = github(&env, "push", &event, &anchor)
        .set("GITHUB_SHA", new2.as_str())
        .set("GITHUB_REF", "refs/heads/main")
        .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &vars).success();
    assert_judged(&out, &[&new1, &new2], "refs/heads/main");
    assert!(
        out.stderr
            .contains("force push to refs/heads/main: the commits it added"),
        "{}",
        out.describe()
    );

    // A clone made after the force push lacks the old tip, and the forge no longer has it:
    // everything from the anchor is judged, a superset of what the push added.
    let origin = env.path("origin.git");
    run(env
        .git(env.root())
        .args(["clone", "-q", "--bare"])
        .arg(&repo.dir)
        .arg(&origin))
    .success();
    run(env.git(&origin).args(["gc", "-q", "--prune=now"])).success();
    let clone = env.path("clone");
    run(env
        .git(env.root())
        .args(["clone", "-q", &format!("file://{}", origin.display())])
        .arg(&clone))
    .success();
    assert_ne!(
        run(env.git(&clone).args(["cat-file", "-e", &old])).code,
        0,
        "the old tip should be gone from the clone"
    );
    event["before"] = json!(old);
    let vars = github(&env, "push", &event, &anchor)
        .set("GITHUB_SHA", new2.as_str())
        .set("GITHUB_REF", "refs/heads/main")
        .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &clone, &vars).success();
    assert_judged(&out, &[&c1, &new1, &new2], "refs/heads/main");
    assert!(
        out.stderr.contains(&format!(
            "the ref's old tip {old} is not in this clone (a force push): verifying everything from the anchor"
        )),
        "{}",
        out.describe()
    );
}

#[test]
fn github_deleted_branch_has_nothing_to_judge() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let event = json!({"ref": "refs/heads/gone", "before": anchor, "after": ZEROS,
                       "created": false, "deleted": true, "forced": false});
    let vars = github(&env, "push", &event, &anchor)
        .set("GITHUB_SHA", ZEROS)
        .set("GITHUB_REF", "refs/heads/gone");
    let out = ci_verify(&env, &repo.dir, &vars).success();
    assert!(
        out.stderr
            .contains("refs/heads/gone was deleted: no commit to verify"),
        "{}",
        out.describe()
    );
    assert_eq!(out.stdout(), "", "gitseal did not run");
}

// ---------------------------------------------------------------- GitHub: pull requests

/// main (alice), and a branch `feature` with `signer`'s commit on it; the test merge of the
/// two, unsigned, checked out. Returns (repo, anchor, base, head, merge).
fn pull_request_repo<'e>(
    env: &'e TestEnv,
    alice: &Key,
    bob: &Key,
    signer: Option<&Key>,
    extra_rules: &str,
) -> (Repo<'e>, String, String, String, String) {
    let (repo, anchor) = anchored(env, alice, &policy(alice, bob, extra_rules));
    let base = c(&repo, Some(alice), "main before the pull request");
    repo.git(&["checkout", "-q", "-b", "feature"]).success();
    let head = c(&repo, signer, "the pull request's commit");
    let merge = test_merge(&repo, &base, &head, "refs/pull/7/merge");
    (repo, anchor, base, head, merge)
}

#[test]
fn github_pull_request_with_a_bad_commit_fails_with_an_annotation() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor, base, head, merge) =
        pull_request_repo(&env, &alice, &bob, Some(&mallory), "");

    let vars = github_pull_request(&env, ("main", &base), ("feature", &head), &merge, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars).exit(1);
    let stdout = out.stdout();
    assert!(
        stdout.contains(&format!(
            "::error title=gitseal::commit {head}: unknown signer: ssh key {} is not a principal of the policy",
            mallory.fingerprint()
        )),
        "{}",
        out.describe()
    );
    assert!(
        stdout.contains("::notice title=gitseal::1 commits, 0 passed, 1 failed"),
        "{}",
        out.describe()
    );
    assert!(!stdout.contains(&merge), "{}", out.describe());
    assert!(
        out.stderr.contains(&format!(
            "pull request into refs/heads/main: its own commits: {base}..{head}, by the rule for refs/heads/main"
        )),
        "{}",
        out.describe()
    );
}

#[test]
fn github_pull_request_judges_its_own_commits_never_the_test_merge() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor, base, head, merge) = pull_request_repo(&env, &alice, &bob, Some(&bob), "");

    let vars = github_pull_request(&env, ("main", &base), ("feature", &head), &merge, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars.set("GITSEAL_FORMAT", "json")).success();
    assert_judged(&out, &[&head], "refs/heads/main");
    assert!(
        out.stderr.contains(&format!(
            "the forge's test merge {merge} is not judged: nobody signed it and it is never pushed"
        )),
        "{}",
        out.describe()
    );

    // What judging GITHUB_SHA, the unsigned test merge, would have said.
    let naive = run(env
        .gitseal()
        .current_dir(&repo.dir)
        .args(["verify", "--anchor", &anchor, "--ref", "refs/heads/main"])
        .arg(format!("{base}..{merge}")));
    assert_eq!(naive.code, 1, "{}", naive.describe());
}

#[test]
fn github_pull_request_is_judged_by_the_rule_of_its_base_branch() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor, base, head, merge) = pull_request_repo(&env, &alice, &bob, Some(&bob), "");
    repo.git(&["branch", "release/1", &base]).success();

    // bob's commit may go to main, not to a release branch.
    let into_main = github_pull_request(&env, ("main", &base), ("feature", &head), &merge, &anchor);
    ci_verify(&env, &repo.dir, &into_main).success();
    let into_release = github_pull_request(
        &env,
        ("release/1", &base),
        ("feature", &head),
        &merge,
        &anchor,
    )
    .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &into_release).exit(1);
    assert_judged(&out, &[&head], "refs/heads/release/1");
    assert!(
        out.stdout().contains("refs/heads/release/1"),
        "{}",
        out.describe()
    );
}

#[test]
fn the_anchor_must_be_a_full_commit_id() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor, base, head, merge) = pull_request_repo(&env, &alice, &bob, Some(&bob), "");
    // A name, an abbreviation, and a value that would be a flag if it were not joined to
    // --anchor=.
    for given in ["main", &anchor[..12], "--policy=/dev/null"] {
        let vars = github_pull_request(&env, ("main", &base), ("feature", &head), &merge, given);
        let out = ci_verify(&env, &repo.dir, &vars).exit(2);
        assert!(
            out.stderr.contains("error: anchor: ") && out.stderr.contains("full"),
            "{}",
            out.describe()
        );
    }
    // No anchor at all: gitseal says where one comes from.
    let vars = github_pull_request(&env, ("main", &base), ("feature", &head), &merge, "");
    let out = ci_verify(&env, &repo.dir, &vars).exit(2);
    assert!(
        out.stderr.contains("no anchor to verify from"),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------- shallow clones

/// A bare copy of the repository, as the forge holds it, and a clone of it with only the
/// newest commit, as actions/checkout makes by default.
fn shallow_clone(env: &TestEnv, repo: &Repo<'_>) -> (PathBuf, PathBuf) {
    let origin = env.path("origin.git");
    run(env
        .git(env.root())
        .args(["clone", "-q", "--bare"])
        .arg(&repo.dir)
        .arg(&origin))
    .success();
    let shallow = env.path("shallow");
    run(env
        .git(env.root())
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            &format!("file://{}", origin.display()),
        ])
        .arg(&shallow))
    .success();
    assert_eq!(
        run(env
            .git(&shallow)
            .args(["rev-parse", "--is-shallow-repository"]))
        .stdout()
        .trim(),
        "true"
    );
    (origin, shallow)
}

#[test]
fn a_shallow_clone_is_deepened_before_anything_is_judged() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let before = c(&repo, Some(&alice), "one");
    let c2 = c(&repo, Some(&bob), "two");
    let (_origin, shallow) = shallow_clone(&env, &repo);

    let vars = github_push(&env, "refs/heads/main", &before, &c2, &anchor);
    let out = ci_verify(&env, &shallow, &vars.set("GITSEAL_FORMAT", "json")).success();
    assert_judged(&out, &[&c2], "refs/heads/main");
    assert!(
        out.stderr.contains(
            "this clone is shallow: fetching its whole history (check out with actions/checkout's `fetch-depth: 0` to start with it)"
        ),
        "{}",
        out.describe()
    );
}

#[test]
fn a_shallow_clone_that_cannot_fetch_says_how_to_check_out() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let before = c(&repo, Some(&alice), "one");
    let c2 = c(&repo, Some(&bob), "two");
    let (origin, shallow) = shallow_clone(&env, &repo);
    std::fs::remove_dir_all(&origin).expect("remove the origin");

    let vars = github_push(&env, "refs/heads/main", &before, &c2, &anchor);
    let out = ci_verify(&env, &shallow, &vars).exit(2);
    assert!(
        out.stderr.contains(
            "gitseal: error: this clone is shallow and its history could not be fetched\n\
             hint: check out with actions/checkout's `fetch-depth: 0`"
        ),
        "{}",
        out.describe()
    );
    // And as an annotation, so the run's summary says it.
    assert!(
        out.stdout().starts_with(
            "::error title=gitseal::this clone is shallow and its history could not be fetched"
        ),
        "{}",
        out.describe()
    );

    let vars = gitlab(&anchor)
        .set("CI_PIPELINE_SOURCE", "push")
        .set("CI_COMMIT_SHA", c2.as_str())
        .set("CI_COMMIT_BEFORE_SHA", before.as_str())
        .set("CI_COMMIT_BRANCH", "main");
    let out = ci_verify(&env, &shallow, &vars).exit(2);
    assert!(
        out.stderr
            .contains("hint: set the job's variable GIT_DEPTH to \"0\""),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------- hostile names

/// Files a branch name or a title would have made, had anything run it.
fn assert_nothing_ran(env: &TestEnv, dirs: &[&Path]) {
    for dir in dirs.iter().copied().chain([env.root(), env.home()]) {
        for name in [
            "pwned",
            "pwned2",
            "pwned-by-title",
            "pwned-by-message",
            "pwned-by-ref",
        ] {
            assert!(
                !dir.join(name).exists(),
                "{} was created: outside text ran as shell code",
                dir.join(name).display()
            );
        }
    }
}

#[test]
fn branch_names_from_the_forge_are_never_run() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    // Names git accepts (no spaces): the shell would run them if they were evaluated.
    let target = "$(touch${IFS}pwned)";
    let source = ";touch${IFS}pwned2;`touch${IFS}pwned2`";
    // The hostile branch takes alice's commits only: judged by its own rule, so the name
    // reached gitseal as it is.
    let rule = format!("[[rules]]\nrefs = [\"refs/heads/{target}\"]\ncommits = [\"alice\"]\n");
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, &rule));
    let base = c(&repo, Some(&alice), "base");
    repo.git(&["branch", target, &base]).success();
    repo.git(&["checkout", "-q", "-b", source]).success();
    let head = c(&repo, Some(&bob), "bob's change");
    let merge = test_merge(&repo, &base, &head, "refs/pull/7/merge");

    let vars = github_pull_request(&env, (target, &base), (source, &head), &merge, &anchor)
        .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &vars).exit(1);
    assert_judged(&out, &[&head], &format!("refs/heads/{target}"));
    assert!(
        out.stderr
            .contains(r"by the rule for refs/heads/\$\(touch\$\{IFS\}pwned\)"),
        "the name is shown quoted: {}",
        out.describe()
    );
    // Into main, the same commit passes: the failure above was the hostile branch's rule.
    let vars = github_pull_request(&env, ("main", &base), (source, &head), &merge, &anchor);
    ci_verify(&env, &repo.dir, &vars).success();

    // A push to the hostile branch, and a GitLab merge request into it.
    repo.git(&["checkout", "-q", target]).success();
    let pushed = c(&repo, Some(&alice), "alice on the hostile branch");
    let refname = format!("refs/heads/{target}");
    let vars = github_push(&env, &refname, &base, &pushed, &anchor).set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &vars).success();
    assert_judged(&out, &[&pushed], &refname);
    let vars = gitlab(&anchor)
        .set("CI_PIPELINE_SOURCE", "merge_request_event")
        .set("CI_MERGE_REQUEST_EVENT_TYPE", "detached")
        .set("CI_COMMIT_SHA", head.as_str())
        .set("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str())
        .set("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", target)
        .set("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", source)
        .set("CI_MERGE_REQUEST_TITLE", "$(touch pwned-by-title)")
        .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &vars).exit(1);
    assert_judged(&out, &[&head], &refname);
    assert_nothing_ran(&env, &[&repo.dir]);
}

#[test]
fn names_git_refuses_are_refused_and_shown_escaped() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor, base, head, merge) = pull_request_repo(&env, &alice, &bob, Some(&bob), "");
    for name in [
        "$(touch pwned)",
        ";rm -rf ~",
        "main\n::error::forged",
        "main\u{202e}txt.exe",
        "",
    ] {
        // From GITHUB_BASE_REF, and from the event when the variable is not set.
        let from_variable =
            github_pull_request(&env, (name, &base), ("feature", &head), &merge, &anchor);
        let from_event = Vars(
            from_variable
                .0
                .iter()
                .filter(|(n, _)| n != "GITHUB_BASE_REF")
                .cloned()
                .collect(),
        );
        for vars in [from_variable, from_event] {
            let out = ci_verify(&env, &repo.dir, &vars);
            if name.contains('\u{202e}') {
                // git takes it as a branch name; it is shown escaped and judged as any name.
                assert_eq!(out.code, 0, "{}", out.describe());
                assert!(
                    out.stderr
                        .contains(r"$'refs/heads/main\342\200\256txt.exe'")
                        && !out.stderr.contains('\u{202e}'),
                    "the bidi control is shown escaped: {}",
                    out.describe()
                );
            } else {
                assert_eq!(out.code, 2, "{name:?}: {}", out.describe());
                assert!(
                    out.stderr.contains("is not a branch name git accepts"),
                    "{}",
                    out.describe()
                );
            }
            for line in out.stdout().lines().chain(out.stderr.lines()) {
                assert!(
                    !line.starts_with("::error::forged"),
                    "a name wrote a workflow command: {}",
                    out.describe()
                );
            }
        }
    }
    assert_nothing_ran(&env, &[&repo.dir]);
}

// ---------------------------------------------------------------- tags

/// A tag push, as GitHub describes it: GITHUB_SHA is the tagged commit, the ref the tag's.
fn github_tag_push(env: &TestEnv, name: &str, commit: &str, anchor: &str) -> Vars {
    let refname = format!("refs/tags/{name}");
    let event = json!({
        "ref": refname, "before": ZEROS, "after": commit,
        "created": true, "deleted": false, "forced": false,
        "repository": {"default_branch": "main"},
    });
    github(env, "push", &event, anchor)
        .set("GITHUB_SHA", commit)
        .set("GITHUB_REF", refname)
}

/// A range of commits says nothing about a tag object: a tag push is judged as a server's
/// hook judges creating the tag, so the rule's tags list holds in CI too.
#[test]
fn a_tag_push_is_judged_by_the_tags_list_as_the_hook_judges_it() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let tag_rule = "[[rules]]\nrefs = [\"refs/tags/v*\"]\ntags = [\"alice\"]\n";
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, tag_rule));
    let c1 = c(&repo, Some(&bob), "bob's work");
    // The default branch as actions/checkout fetches it: its policy is the current one.
    repo.git(&["update-ref", "refs/remotes/origin/main", &c1])
        .success();
    let tag = |signer: &Key, args: &[&str]| crate::pre_receive::tag(&repo, signer, args);

    tag(&alice, &["-s", "-m", "release 1", "v1"]);
    let out = ci_verify(&env, &repo.dir, &github_tag_push(&env, "v1", &c1, &anchor)).success();
    assert!(
        out.stderr
            .contains("with the policy of refs/remotes/origin/main"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("and the tag verified"),
        "{}",
        out.describe()
    );

    // bob may commit, but not sign a release tag.
    let v2 = tag(&bob, &["-s", "-m", "release 2", "v2"]);
    let out = ci_verify(&env, &repo.dir, &github_tag_push(&env, "v2", &c1, &anchor)).exit(1);
    assert!(
        out.stderr.contains(&format!(
            "{v2} (rule refs/tags/v*): signer bob not allowed by rule refs/tags/v*"
        )),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout()
            .contains("::error title=gitseal::the tag refs/tags/v2 breaks the signing policy"),
        "{}",
        out.describe()
    );

    // A lightweight tag carries no signature to satisfy the list.
    repo.git(&["tag", "v3", &c1]).success();
    let out = ci_verify(&env, &repo.dir, &github_tag_push(&env, "v3", &c1, &anchor)).exit(1);
    assert!(
        out.stderr.contains("must point to a signed annotated tag"),
        "{}",
        out.describe()
    );

    // The tag must still be where the forge says it was pushed.
    let c2 = c(&repo, Some(&alice), "later");
    let out = ci_verify(&env, &repo.dir, &github_tag_push(&env, "v1", &c2, &anchor)).exit(2);
    assert!(
        out.stderr.contains("the tag was moved"),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------- GitLab

#[test]
fn gitlab_push_judges_the_pushed_commits_and_a_new_branch_from_the_anchor() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let c1 = c(&repo, Some(&alice), "one");
    let c2 = c(&repo, Some(&bob), "two");
    let push = |before: &str, sha: &str, branch: &str| {
        gitlab(&anchor)
            .set("CI_PIPELINE_SOURCE", "push")
            .set("CI_COMMIT_SHA", sha)
            .set("CI_COMMIT_BEFORE_SHA", before)
            .set("CI_COMMIT_BRANCH", branch)
            .set("CI_COMMIT_REF_NAME", branch)
            .set("GITSEAL_FORMAT", "json")
    };
    let out = ci_verify(&env, &repo.dir, &push(&c1, &c2, "main")).success();
    assert_judged(&out, &[&c2], "refs/heads/main");

    // A new branch: GitLab's before is all zeros.
    repo.git(&["checkout", "-q", "-b", "release/1"]).success();
    let c3 = c(&repo, Some(&alice), "release work");
    let out = ci_verify(&env, &repo.dir, &push(ZEROS, &c3, "release/1")).exit(1);
    // bob's commit on main is under the new release branch: refused by its rule.
    assert_judged(&out, &[&c1, &c2, &c3], "refs/heads/release/1");

    // A tag pipeline: judged as a pre-receive hook judges creating the tag, by its rule
    // (here none: any principal's history will do).
    repo.git(&["tag", "v1.0", &c2]).success();
    let vars = gitlab(&anchor)
        .set("CI_PIPELINE_SOURCE", "push")
        .set("CI_COMMIT_SHA", c2.as_str())
        .set("CI_COMMIT_BEFORE_SHA", ZEROS)
        .set("CI_COMMIT_TAG", "v1.0")
        .set("CI_COMMIT_REF_NAME", "v1.0")
        .set("GITSEAL_FORMAT", "json");
    let out = ci_verify(&env, &repo.dir, &vars).success();
    assert!(
        out.stderr
            .contains("refs/tags/v1.0: 2 commit(s) the server held already verified"),
        "{}",
        out.describe()
    );
    // GitLab's default format is text.
    let vars = push(&c1, &c2, "main").set("GITSEAL_FORMAT", "");
    let out = ci_verify(&env, &repo.dir, &vars).success();
    assert!(
        out.stdout().ends_with("1 commits, 1 passed, 0 failed\n"),
        "{}",
        out.describe()
    );
}

#[test]
fn gitlab_merge_request_judges_its_own_commits_never_the_merged_result() {
    let env = TestEnv::new();
    let (alice, bob, mallory) = (key(&env, "alice"), key(&env, "bob"), key(&env, "mallory"));
    let (repo, anchor, base, head, merge) = pull_request_repo(&env, &alice, &bob, Some(&bob), "");
    let mr = |event_type: &str, commit_sha: &str, source_sha: &str| {
        gitlab(&anchor)
            .set("CI_PIPELINE_SOURCE", "merge_request_event")
            .set("CI_MERGE_REQUEST_EVENT_TYPE", event_type)
            .set("CI_COMMIT_SHA", commit_sha)
            .set("CI_COMMIT_BEFORE_SHA", ZEROS)
            .set("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", source_sha)
            .set("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str())
            .set("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
            .set("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature")
            .set("GITSEAL_FORMAT", "json")
    };
    // A detached pipeline runs on the source branch's head.
    let out = ci_verify(&env, &repo.dir, &mr("detached", &head, "")).success();
    assert_judged(&out, &[&head], "refs/heads/main");
    // A merged results pipeline runs on GitLab's merge: the source branch's head is judged.
    let out = ci_verify(&env, &repo.dir, &mr("merged_result", &merge, &head)).success();
    assert_judged(&out, &[&head], "refs/heads/main");
    assert!(
        out.stderr
            .contains(&format!("the forge's test merge {merge} is not judged")),
        "{}",
        out.describe()
    );
    let out = ci_verify(&env, &repo.dir, &mr("merged_result", &merge, "")).exit(2);
    assert!(
        out.stderr
            .contains("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA is '', not a commit id"),
        "{}",
        out.describe()
    );

    // A bad commit in the merge request fails it.
    repo.git(&["checkout", "-q", "feature"]).success();
    let bad = c(&repo, Some(&mallory), "mallory's change");
    let out = ci_verify(&env, &repo.dir, &mr("detached", &bad, "")).exit(1);
    assert_judged(&out, &[&head, &bad], "refs/heads/main");
}

#[test]
fn outside_a_known_ci_job_it_says_what_to_do() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &policy(&alice, &bob, ""));
    let out = ci_verify(&env, &repo.dir, &Vars::default()).exit(2);
    assert!(
        out.stderr.contains(
            "gitseal: error: neither GitHub Actions (GITHUB_ACTIONS) nor GitLab CI (GITLAB_CI) runs this job"
        ),
        "{}",
        out.describe()
    );
    let vars = github(&env, "issue_comment", &json!({}), &anchor);
    let out = ci_verify(&env, &repo.dir, &vars).exit(2);
    assert!(
        out.stderr
            .contains("the issue_comment event is not one gitseal knows what to verify for"),
        "{}",
        out.describe()
    );
    // An event file that is not what GitHub writes.
    let vars = github(&env, "push", &json!({"before": ["not", "text"]}), &anchor)
        .set("GITHUB_SHA", anchor.as_str())
        .set("GITHUB_REF", "refs/heads/main");
    let out = ci_verify(&env, &repo.dir, &vars).exit(2);
    assert!(
        out.stderr.contains(
            "gitseal: error: the event's before is not text\nhint: GitHub sets GITHUB_EVENT_PATH"
        ),
        "{}",
        out.describe()
    );
    let vars = github_push(&env, "refs/heads/main", "abc", &anchor, &anchor);
    let out = ci_verify(&env, &repo.dir, &vars).exit(2);
    assert!(
        out.stderr
            .contains("the event's before is abc, not a commit id"),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------- the recipes themselves

/// The lines of a `run: |` block's body in a YAML file: indented deeper than `run:`.
fn run_blocks(yaml: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = yaml.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some(rest) = trimmed.strip_prefix("run:") {
            let mut body = rest.trim().to_string();
            i += 1;
            while i < lines.len()
                && (lines[i].trim().is_empty()
                    || lines[i].len() - lines[i].trim_start().len() > indent)
            {
                body.push('\n');
                body.push_str(lines[i]);
                i += 1;
            }
            blocks.push(body);
        } else {
            i += 1;
        }
    }
    blocks
}

/// Expressions are expanded into the text of a `run:` script before the shell reads it: a
/// branch name there would be shell code. The action passes every value through `env:`.
#[test]
fn the_action_writes_no_expression_into_a_script() {
    let action = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).expect("action.yml");
    let blocks = run_blocks(&action);
    assert_eq!(blocks.len(), 3, "{blocks:#?}");
    for block in &blocks {
        assert!(
            !block.contains("${{"),
            "an expression in a script:\n{block}"
        );
    }
    assert!(
        blocks
            .iter()
            .any(|b| b.contains("\"$GITHUB_ACTION_PATH/scripts/ci-verify.sh\"")),
        "{blocks:#?}"
    );
    // Every input reaches the scripts, by name.
    for (input, variable) in [
        ("anchor", "GITSEAL_ANCHOR"),
        ("policy", "GITSEAL_POLICY"),
        ("ref", "GITSEAL_REF"),
        ("format", "GITSEAL_FORMAT"),
        ("cache", "GITSEAL_CACHE"),
        ("install", "GITSEAL_INSTALL"),
        ("release-url", "GITSEAL_RELEASE_URL"),
    ] {
        assert!(
            action.contains(&format!("{variable}: ${{{{ inputs.{input}")),
            "input {input} does not reach {variable}"
        );
        let scripts = std::fs::read_to_string(script("ci-verify.sh")).expect("ci-verify.sh")
            + &std::fs::read_to_string(script("ci-install.sh")).expect("ci-install.sh");
        assert!(scripts.contains(variable), "no script reads {variable}");
    }
    // The checker sees an expression where there is one.
    let bad = "    - shell: bash\n      run: |\n        echo \"${{ github.head_ref }}\"\n";
    assert!(run_blocks(bad)[0].contains("${{"));

    let template = std::fs::read_to_string(Path::new(ROOT).join("gitlab/gitseal.gitlab-ci.yml"))
        .expect("the GitLab template");
    for name in ["ci-install.sh", "ci-verify.sh"] {
        assert!(
            template.contains(&format!(".gitseal-ci/source/scripts/{name}")),
            "the template runs {name}"
        );
    }
    assert!(template.contains("GIT_DEPTH: \"0\""));
}

// ---------------------------------------------------------------- release and install

/// The release files, made once per test run from the test's gitseal.
fn release() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        if let Ok(entries) = std::fs::read_dir(base) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("release-")
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(format!("release-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let env = TestEnv::new();
        let out = run(env
            .command(require("bash", "bash"))
            .current_dir(ROOT)
            .arg(script("release.sh"))
            .args(["--binary", GITSEAL, "--out"])
            .arg(&dir))
        .success();
        assert!(
            out.stdout()
                .contains("release.sh: not signed (--sign makes"),
            "{}",
            out.describe()
        );
        assert!(
            !dir.join(format!("{}.sigstore.json", tarball_name()))
                .exists()
        );
        dir
    })
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn tarball_name() -> String {
    format!("gitseal-{}-x86_64-linux.tar.gz", version())
}

/// Copies the release's tarball and its SHA-256 file into the test's directory.
fn tarball_copy(env: &TestEnv) -> PathBuf {
    let name = tarball_name();
    let dir = env.path("download");
    std::fs::create_dir_all(&dir).expect("download directory");
    for file in [name.clone(), format!("{name}.sha256")] {
        std::fs::copy(release().join(&file), dir.join(&file)).expect("copy release file");
    }
    dir.join(name)
}

fn install_sh(env: &TestEnv, args: &[&Path], root: &Path) -> Run {
    let mut cmd = env.command(require("bash", "bash"));
    cmd.arg(Path::new(ROOT).join("install.sh"))
        .args(args)
        .env("GITSEAL_INSTALL_ROOT", root);
    run(&mut cmd)
}

#[test]
fn release_makes_a_tarball_and_a_debian_package_with_their_sha256() {
    let dir = release();
    let name = tarball_name();
    let top = name.trim_end_matches(".tar.gz");
    let env = TestEnv::new();
    for file in [name.clone(), format!("gitseal_{}_amd64.deb", version())] {
        // sha256sum -c, as a person checks a download.
        run(env.command("sha256sum").current_dir(dir).args([
            "--strict",
            "-c",
            &format!("{file}.sha256"),
        ]))
        .success();
    }
    let listing = run(env.command("tar").args(["-tzf"]).arg(dir.join(&name)))
        .success()
        .stdout();
    for path in [
        "bin/gitseal",
        "install.sh",
        "share/man/man1/gitseal.1",
        "share/man/man1/gitseal-verify-commit.1",
        "share/man/man1/gitseal-policy-check.1",
        "share/bash-completion/completions/gitseal",
        "share/zsh/site-functions/_gitseal",
        "share/fish/vendor_completions.d/gitseal.fish",
        "share/doc/gitseal/LICENSE",
        "share/doc/gitseal/README.md",
        "share/gitseal/source-digest",
    ] {
        assert!(
            listing.lines().any(|l| l == format!("{top}/{path}")),
            "{path} is not in the tarball:\n{listing}"
        );
    }
    assert!(
        listing.lines().all(|l| l.starts_with(&format!("{top}/"))),
        "{listing}"
    );
    // The digest is this source's, which ci-install.sh compares.
    let digest = run(env
        .command("tar")
        .arg("-xzOf")
        .arg(dir.join(&name))
        .arg(format!("{top}/share/gitseal/source-digest")))
    .success()
    .stdout();
    let ours = run(env
        .command(require("bash", "bash"))
        .arg(script("ci-install.sh"))
        .arg("digest"))
    .success()
    .stdout();
    assert_eq!(digest, ours);
    assert_eq!(ours.trim().len(), 64);

    require("dpkg-deb", "dpkg");
    let deb = dir.join(format!("gitseal_{}_amd64.deb", version()));
    let info = run(env.command("dpkg-deb").arg("--info").arg(&deb))
        .success()
        .stdout();
    for field in [
        "Package: gitseal".to_string(),
        format!("Version: {}", version()),
        "Architecture: amd64".to_string(),
        "Depends: libc6 (>= 2.".to_string(),
        "Section: vcs".to_string(),
    ] {
        assert!(info.contains(&field), "no {field}:\n{info}");
    }
    let contents = run(env.command("dpkg-deb").arg("--contents").arg(&deb))
        .success()
        .stdout();
    for path in [
        "./usr/bin/gitseal",
        "./usr/share/man/man1/gitseal.1.gz",
        "./usr/share/man/man1/gitseal-verify-tag.1.gz",
        "./usr/share/bash-completion/completions/gitseal",
        "./usr/share/zsh/vendor-completions/_gitseal",
        "./usr/share/fish/vendor_completions.d/gitseal.fish",
        "./usr/share/doc/gitseal/copyright",
    ] {
        assert!(
            contents
                .lines()
                .any(|l| l.ends_with(&format!(" {path}")) && l.contains("root/root")),
            "{path} is not in the package, owned by root:\n{contents}"
        );
    }
    assert!(
        contents
            .lines()
            .any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with(" ./usr/bin/gitseal")),
        "{contents}"
    );
}

#[test]
fn install_sh_installs_a_release_tarball_checked_against_its_sha256() {
    let env = TestEnv::new();
    let tarball = tarball_copy(&env);
    let root = env.path("root");
    let out = install_sh(&env, &[&tarball], &root).success();
    assert!(
        out.stderr.contains(&format!(
            "{} matches {}.sha256",
            tarball.display(),
            tarball.display()
        )),
        "{}",
        out.describe()
    );
    for path in [
        "bin/gitseal",
        "share/man/man1/gitseal.1",
        "share/bash-completion/completions/gitseal",
        "share/zsh/site-functions/_gitseal",
        "share/fish/vendor_completions.d/gitseal.fish",
        "share/doc/gitseal/LICENSE",
    ] {
        assert!(root.join(path).is_file(), "{path} was not installed");
    }
    let installed = run(env.command(root.join("bin/gitseal")).arg("version")).success();
    assert_eq!(installed.stdout(), format!("gitseal {}\n", version()));
    assert!(
        out.stdout().contains(&format!(
            "{}/bin/gitseal setup --format ssh --global",
            root.display()
        )),
        "{}",
        out.describe()
    );

    // A damaged download is refused, and nothing is installed.
    let mut bytes = std::fs::read(&tarball).expect("tarball");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&tarball, &bytes).expect("damage the tarball");
    let elsewhere = env.path("root2");
    let out = install_sh(&env, &[&tarball], &elsewhere).exit(1);
    assert!(
        out.stderr.contains(&format!(
            "install.sh: {} does not match {}.sha256",
            tarball.display(),
            tarball.display()
        )),
        "{}",
        out.describe()
    );
    assert!(!elsewhere.exists(), "something was installed");

    // Without its SHA-256 file it installs, saying it could not check.
    let lone = tarball_copy(&env);
    std::fs::remove_file(format!("{}.sha256", lone.display())).expect("remove the .sha256");
    let out = install_sh(&env, &[&lone], &elsewhere).success();
    assert!(
        out.stderr.contains("warning: no ") && out.stderr.contains("its SHA-256 is not checked"),
        "{}",
        out.describe()
    );

    // The install.sh inside an unpacked tarball installs that release.
    let unpacked = env.path("unpacked");
    std::fs::create_dir_all(&unpacked).expect("unpack directory");
    run(env
        .command("tar")
        .arg("-xzf")
        .arg(&lone)
        .arg("-C")
        .arg(&unpacked))
    .success();
    let top = unpacked.join(tarball_name().trim_end_matches(".tar.gz"));
    let third = env.path("root3");
    let mut cmd = env.command(require("bash", "bash"));
    cmd.arg(top.join("install.sh"))
        .env("GITSEAL_INSTALL_ROOT", &third);
    run(&mut cmd).success();
    assert!(third.join("bin/gitseal").is_file());
}

/// A tarball that is not what release.sh makes: a link in it, an entry climbing out of its
/// directory. Refused before anything is unpacked or installed.
#[test]
fn install_sh_refuses_a_tarball_with_links_or_entries_outside_its_directory() {
    let env = TestEnv::new();
    let top = tarball_name().trim_end_matches(".tar.gz").to_string();
    let stage = env.path("stage");
    std::fs::create_dir_all(stage.join(&top).join("bin")).expect("stage");
    std::fs::write(
        stage.join(&top).join("bin/gitseal"),
        "#!/bin/sh\necho hostile\n",
    )
    .expect("fake binary");
    std::os::unix::fs::symlink("/etc/passwd", stage.join(&top).join("bin/gitseal-link"))
        .expect("link");
    let tar = |tarball: &Path, transform: Option<String>, member: &str| {
        let mut cmd = env.command("tar");
        cmd.arg("-czf").arg(tarball);
        if let Some(transform) = transform {
            cmd.arg(format!("--transform={transform}"));
        }
        run(cmd.arg("-C").arg(&stage).arg(member)).success();
    };
    let root = env.path("root");

    let link = env.path("link.tar.gz");
    tar(&link, None, &top);
    let out = install_sh(&env, &[&link], &root).exit(2);
    assert!(
        out.stderr
            .contains("holds something other than files and directories"),
        "{}",
        out.describe()
    );

    let outside = env.path("outside.tar.gz");
    tar(
        &outside,
        Some(format!("s,^{top}/bin/gitseal$,{top}/../escaped,")),
        &format!("{top}/bin/gitseal"),
    );
    let listed = run(env.command("tar").arg("-tzf").arg(&outside))
        .success()
        .stdout();
    assert_eq!(listed, format!("{top}/../escaped\n"), "the hostile entry");
    let out = install_sh(&env, &[&outside], &root).exit(2);
    assert!(
        out.stderr.contains("holds an entry outside"),
        "{}",
        out.describe()
    );
    assert!(!root.exists(), "something was installed");
    assert!(!env.path("escaped").exists());

    // What release.sh makes passes the same checks.
    install_sh(&env, &[&tarball_copy(&env)], &root).success();
}

#[test]
fn ci_install_takes_the_release_built_from_its_source_and_caches_it() {
    let env = TestEnv::new();
    let root = env.path("cache/root");
    let url = format!("file://{}", release().display());
    let ci_install = |vars: &[(&str, &str)]| {
        let mut cmd = env.command(require("bash", "bash"));
        cmd.arg(script("ci-install.sh"))
            .env("GITSEAL_INSTALL_ROOT", &root);
        for (name, value) in vars {
            cmd.env(name, value);
        }
        run(&mut cmd)
    };
    let out = ci_install(&[
        ("GITSEAL_RELEASE_URL", &url),
        ("GITSEAL_INSTALL", "release"),
    ])
    .success();
    assert!(
        out.stderr.contains(&format!(
            "gitseal {} installed in {} from the release at {url}",
            version(),
            root.display()
        )),
        "{}",
        out.describe()
    );
    assert_eq!(out.stdout(), format!("gitseal {}\n", version()));
    // The next job restores the cache: nothing to download or build.
    let out = ci_install(&[("GITSEAL_INSTALL", "release")]).success();
    assert!(
        out.stderr
            .contains(&format!("gitseal {} from the cache", version())),
        "{}",
        out.describe()
    );
    let key = run(env
        .command(require("bash", "bash"))
        .arg(script("ci-install.sh"))
        .arg("key"))
    .success()
    .stdout();
    assert!(
        key.starts_with(&format!("gitseal-Linux-x86_64-{}-", version())),
        "{key}"
    );

    // A release built from other source is not taken.
    std::fs::remove_dir_all(&root).expect("empty the cache");
    let other = env.path("other-release");
    std::fs::create_dir_all(&other).expect("other release");
    let name = tarball_name();
    let top = name.trim_end_matches(".tar.gz");
    let unpacked = env.path("unpacked");
    std::fs::create_dir_all(&unpacked).expect("unpack");
    run(env
        .command("tar")
        .arg("-xzf")
        .arg(release().join(&name))
        .arg("-C")
        .arg(&unpacked))
    .success();
    std::fs::write(
        unpacked.join(top).join("share/gitseal/source-digest"),
        format!("{}\n", "0".repeat(64)),
    )
    .expect("another digest");
    run(env
        .command("tar")
        .arg("-czf")
        .arg(other.join(&name))
        .arg("-C")
        .arg(&unpacked)
        .arg(top))
    .success();
    let sum = run(env.command("sha256sum").current_dir(&other).arg(&name))
        .success()
        .stdout();
    std::fs::write(other.join(format!("{name}.sha256")), sum).expect("sha256");
    let other_url = format!("file://{}", other.display());
    let out = ci_install(&[
        ("GITSEAL_RELEASE_URL", &other_url),
        ("GITSEAL_INSTALL", "release"),
    ])
    .exit(2);
    assert!(
        out.stderr.contains(&format!(
            "the release at {other_url} was built from other source than this"
        )) && out.stderr.contains("no release of gitseal"),
        "{}",
        out.describe()
    );
    assert!(!root.join("bin/gitseal").exists());

    // A tarball that does not match its SHA-256 file is refused outright.
    std::fs::write(
        other.join(format!("{name}.sha256")),
        format!("{}  {name}\n", "1".repeat(64)),
    )
    .expect("wrong sha256");
    let out = ci_install(&[
        ("GITSEAL_RELEASE_URL", &other_url),
        ("GITSEAL_INSTALL", "release"),
    ])
    .exit(2);
    assert!(
        out.stderr.contains("does not match its SHA-256 file"),
        "{}",
        out.describe()
    );
    assert!(!root.join("bin/gitseal").exists());
}

/// A directory holding a `cargo` that records its arguments and "builds" by copying the
/// test's gitseal to `--root`/bin, first on PATH: the wiring of a source install, without
/// six minutes of release build.
fn cargo_stand_in(env: &TestEnv) -> (PathBuf, PathBuf) {
    let dir = env.path("cargo-stand-in");
    let log = env.path("cargo-args");
    std::fs::create_dir_all(&dir).expect("stand-in directory");
    let cargo = dir.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >'{log}'\npwd >'{log}.cwd'\nroot=\nwhile [ $# -gt 0 ]; do\n  \
             [ \"$1\" = --root ] && root=$2\n  shift\ndone\nmkdir -p \"$root/bin\"\n\
             cp '{GITSEAL}' \"$root/bin/gitseal\"\n",
            log = log.display()
        ),
    )
    .expect("write the stand-in");
    crate::support::set_mode(&cargo, 0o755);
    let path = std::env::join_paths(std::iter::once(dir.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    )))
    .expect("PATH");
    (PathBuf::from(path), log)
}

/// A PATH with bash and the few programs install.sh needs before it looks for cargo, and
/// no cargo.
fn path_without_cargo(env: &TestEnv) -> PathBuf {
    let dir = env.path("no-cargo");
    std::fs::create_dir_all(&dir).expect("directory");
    for program in ["bash", "dirname", "uname"] {
        std::os::unix::fs::symlink(require(program, "coreutils"), dir.join(program))
            .expect("link a program");
    }
    dir
}

#[test]
fn install_sh_without_a_tarball_builds_the_checkout() {
    let env = TestEnv::new();
    let root = env.path("root");
    let (path, log) = cargo_stand_in(&env);
    let out = run(env
        .command(require("bash", "bash"))
        .arg(Path::new(ROOT).join("install.sh"))
        .env("PATH", &path)
        .env("GITSEAL_INSTALL_ROOT", &root))
    .success();
    let args = std::fs::read_to_string(&log).expect("cargo ran");
    assert_eq!(
        args,
        format!(
            "install\n--locked\n--path\n{ROOT}\n--root\n{}\n",
            root.display()
        )
    );
    // In the checkout, so that its .cargo/config.toml (how aws-lc is built) applies.
    let cwd = std::fs::read_to_string(format!("{}.cwd", log.display())).expect("cargo ran");
    assert_eq!(cwd.trim_end(), ROOT);
    assert!(
        out.stdout()
            .starts_with(&format!("gitseal {}\n", version())),
        "{}",
        out.describe()
    );

    // Without cargo it says what to do instead.
    let out = run(env
        .command(require("bash", "bash"))
        .arg(Path::new(ROOT).join("install.sh"))
        .env("PATH", path_without_cargo(&env))
        .env("GITSEAL_INSTALL_ROOT", env.path("root2")))
    .exit(2);
    assert_eq!(
        out.stderr,
        "install.sh: cargo is needed to build from source (a Rust toolchain, 1.89 or newer)\n\
         hint: or install a release: ./install.sh gitseal-VERSION-x86_64-linux.tar.gz (docs/install.md)\n"
    );
}

#[test]
fn ci_install_builds_the_source_when_no_release_was_built_from_it() {
    let env = TestEnv::new();
    let root = env.path("cache/root");
    let (path, log) = cargo_stand_in(&env);
    // No release URL: GitHub's default needs an action path, and this is not one.
    let out = run(env
        .command(require("bash", "bash"))
        .arg(script("ci-install.sh"))
        .env("PATH", &path)
        .env("GITSEAL_INSTALL_ROOT", &root))
    .success();
    assert!(log.exists(), "cargo did not run\n{}", out.describe());
    assert!(
        out.stderr.contains("no release URL (GITSEAL_RELEASE_URL)")
            && out.stderr.contains(&format!(
                "gitseal {} installed in {} from a build of {ROOT}",
                version(),
                root.display()
            )),
        "{}",
        out.describe()
    );
    // The build is cached like a release.
    std::fs::remove_file(&log).expect("reset the log");
    let out = run(env
        .command(require("bash", "bash"))
        .arg(script("ci-install.sh"))
        .env("PATH", &path)
        .env("GITSEAL_INSTALL_ROOT", &root))
    .success();
    assert!(!log.exists(), "cargo ran again\n{}", out.describe());
}

/// On GitHub the action finds the release of its own repository: the runner keeps an action
/// used as OWNER/REPO@REF in `.../_actions/OWNER/REPO/REF` (the variables that should say so
/// are empty in composite actions).
#[test]
fn ci_install_finds_the_action_repositorys_release_on_github() {
    let env = TestEnv::new();
    let server = env.path("server");
    let releases = server.join("acme/gitseal/releases/download");
    std::fs::create_dir_all(&releases).expect("release tree");
    std::os::unix::fs::symlink(release(), releases.join(format!("v{}", version())))
        .expect("link the release");
    let root = env.path("root");
    let out = run(env
        .command(require("bash", "bash"))
        .arg(script("ci-install.sh"))
        .env("GITSEAL_INSTALL_ROOT", &root)
        .env("GITSEAL_INSTALL", "release")
        .env("GITHUB_SERVER_URL", format!("file://{}", server.display()))
        .env(
            "GITHUB_ACTION_PATH",
            "/home/runner/work/_actions/acme/gitseal/v0.1.0",
        ))
    .success();
    assert!(
        out.stderr.contains(&format!(
            "from the release at file://{}/acme/gitseal/releases/download/v{}",
            server.display(),
            version()
        )),
        "{}",
        out.describe()
    );
    assert!(root.join("bin/gitseal").is_file());
}

/// `release.sh --sign` signs the tarball and the package with `gitseal sign-blob` against
/// the hermetic Sigstore services; install.sh then takes the tarball only when its bundle
/// names the expected identity. A forger who replaces the tarball and its SHA-256 file
/// (both from one place) is refused by the bundle, as is a bundle by someone else, a
/// missing bundle and a verifier that is not there; ci-install.sh fetches the bundle beside
/// the tarball and stops at a refusal instead of installing.
#[test]
fn a_signed_release_is_installed_only_when_its_bundle_names_the_signer() {
    use crate::support::sigstore_servers;
    use crate::support::sigstore_stack::{Identity, Stack};
    use crate::support::sigstore_world::{ISSUER, now};
    let env = TestEnv::new();
    let services = sigstore_servers::start(Stack::new());
    let trusted_root = env.write("trusted_root.json", services.trusted_root());
    for (key, value) in [
        ("gitseal.fulcio", services.fulcio_url()),
        ("gitseal.rekor", services.rekor_url()),
        ("gitseal.issuer", ISSUER.to_string()),
        ("gitseal.trustedRoot", trusted_root.display().to_string()),
        ("gitseal.credentialStore", "file".to_string()),
        ("gitseal.timeout", "3".to_string()),
    ] {
        run(env.command("git").args(["config", "--global", key, &value])).success();
    }
    let token = services.token(
        &Identity {
            email: "release@example.org".into(),
            issuer: ISSUER.into(),
        },
        now() + 300,
    );
    let dist = env.path("dist");
    let out = run(env
        .command(require("bash", "bash"))
        .current_dir(ROOT)
        .arg(script("release.sh"))
        .args(["--binary", GITSEAL, "--sign", "--out"])
        .arg(&dist)
        .env("SIGSTORE_ID_TOKEN", &token))
    .success();
    let name = tarball_name();
    let deb = format!("gitseal_{}_amd64.deb", version());
    for file in [&name, &deb] {
        assert!(
            dist.join(format!("{file}.sigstore.json")).is_file()
                && out.stdout().contains(&format!("{file}.sigstore.json")),
            "{file}: {}",
            out.describe()
        );
    }
    assert!(!out.stdout().contains("not signed"), "{}", out.describe());
    assert_eq!(services.rekor_calls(), 2);

    let root = env.path("installed");
    let install = |tarball: &Path, identity: Option<&str>, verifier: Option<&str>| {
        let mut cmd = env.command(require("bash", "bash"));
        cmd.arg(Path::new(ROOT).join("install.sh"))
            .arg(tarball)
            .env("GITSEAL_INSTALL_ROOT", &root)
            .env("GITSEAL_RELEASE_ISSUER", ISSUER)
            .env("GITSEAL_RELEASE_TRUSTED_ROOT", &trusted_root)
            .env("GITSEAL_VERIFIER", verifier.unwrap_or(GITSEAL));
        if let Some(identity) = identity {
            cmd.env("GITSEAL_RELEASE_IDENTITY", identity);
        }
        run(&mut cmd)
    };
    let tarball = dist.join(&name);

    // Someone else's identity expected: refused, nothing installed.
    let refused = install(&tarball, Some("mallory@example.org"), None).exit(1);
    assert!(
        refused.stderr.contains("(identity-mismatch)")
            && refused
                .stderr
                .contains("is not signed by mallory@example.org"),
        "{}",
        refused.describe()
    );
    assert!(!root.join("bin/gitseal").exists());
    // No verifier to run: refused, not skipped.
    let refused = install(
        &tarball,
        Some("release@example.org"),
        Some("/nonexistent/gitseal"),
    );
    assert_ne!(refused.code, 0, "{}", refused.describe());
    assert!(!root.join("bin/gitseal").exists());
    // The honest release, by the expected signer.
    let ok = install(&tarball, Some("release@example.org"), None).success();
    assert!(
        ok.stderr.contains(&format!(
            "{} is signed by release@example.org",
            tarball.display()
        )),
        "{}",
        ok.describe()
    );
    assert!(root.join("bin/gitseal").is_file());
    std::fs::remove_dir_all(&root).expect("uninstall");
    // Without an expected identity the bundle is only mentioned.
    let ok = install(&tarball, None, None).success();
    assert!(
        ok.stderr
            .contains("is not checked: set GITSEAL_RELEASE_IDENTITY"),
        "{}",
        ok.describe()
    );
    std::fs::remove_dir_all(&root).expect("uninstall");

    // A forger replaces the tarball and its SHA-256 file, keeping the old bundle.
    let forged_dir = env.path("forged");
    std::fs::create_dir_all(&forged_dir).expect("forged dir");
    let forged = forged_dir.join(&name);
    let mut bytes = std::fs::read(&tarball).expect("tarball");
    bytes.extend_from_slice(&[0; 512]);
    std::fs::write(&forged, &bytes).expect("forged tarball");
    let sum = run(env.command("sha256sum").current_dir(&forged_dir).arg(&name))
        .success()
        .stdout();
    std::fs::write(forged_dir.join(format!("{name}.sha256")), sum).expect("sha256");
    std::fs::copy(
        dist.join(format!("{name}.sigstore.json")),
        forged_dir.join(format!("{name}.sigstore.json")),
    )
    .expect("bundle");
    let refused = install(&forged, Some("release@example.org"), None).exit(1);
    assert!(
        refused.stderr.contains(&format!("{name}.sha256"))
            && refused.stderr.contains("(payload-mismatch)"),
        "{}",
        refused.describe()
    );
    assert!(!root.join("bin/gitseal").exists());
    // The bundle missing while one is expected.
    std::fs::remove_file(forged_dir.join(format!("{name}.sigstore.json"))).expect("rm");
    let refused = install(&forged, Some("release@example.org"), None).exit(1);
    assert!(
        refused
            .stderr
            .contains("GITSEAL_RELEASE_IDENTITY asks for one"),
        "{}",
        refused.describe()
    );

    // ci-install.sh: the bundle is fetched beside the tarball and must verify.
    let cache = env.path("cache");
    let ci_install = |url: &str, identity: &str| {
        let mut cmd = env.command(require("bash", "bash"));
        cmd.arg(script("ci-install.sh"))
            .env("GITSEAL_INSTALL_ROOT", &cache)
            .env("GITSEAL_INSTALL", "release")
            .env("GITSEAL_RELEASE_URL", url)
            .env("GITSEAL_RELEASE_IDENTITY", identity)
            .env("GITSEAL_RELEASE_ISSUER", ISSUER)
            .env("GITSEAL_RELEASE_TRUSTED_ROOT", &trusted_root)
            .env("GITSEAL_VERIFIER", GITSEAL);
        run(&mut cmd)
    };
    let url = format!("file://{}", dist.display());
    let refused = ci_install(&url, "mallory@example.org").exit(2);
    assert!(
        refused.stderr.contains("(identity-mismatch)")
            && refused
                .stderr
                .contains("was refused (above); nothing was installed"),
        "{}",
        refused.describe()
    );
    assert!(!cache.join("bin/gitseal").exists());
    let ok = ci_install(&url, "release@example.org").success();
    assert!(
        ok.stderr.contains(&format!(
            "installed in {} from the release at {url}",
            cache.display()
        )),
        "{}",
        ok.describe()
    );
    std::fs::remove_dir_all(&cache).expect("empty the cache");
    let refused = ci_install(
        &format!("file://{}", forged_dir.display()),
        "release@example.org",
    )
    .exit(2);
    assert!(
        refused.stderr.contains("no Sigstore bundle"),
        "{}",
        refused.describe()
    );
}
