//! `gitseal monitor` against the hermetic services (support/rekor_index.rs over the test
//! instance's Merkle tree): commits and tags signed through the keyless flow are known,
//! the same identity signing in another repository is the unknown finding, and a log
//! that forks, drops an entry, serves bad proofs or another entry's body, signs with
//! another key, hangs or answers garbage is caught, one line naming the log, the state
//! never advanced past what was verified.

use crate::support::rekor_index::LogFault;
use crate::support::sigstore_world::{ISSUER, World};
use crate::support::{Run, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn world() -> World {
    World::new(|_| vec![("gitseal.credentialStore", "file".to_string())])
}

/// A signed commit in the world's repository.
fn sign_commit(w: &World, message: &str) {
    let token = w.token();
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], message)
        .success();
}

/// Another repository signing as alice through the same services: what the monitored
/// repository does not hold.
fn sign_elsewhere(w: &World) -> PathBuf {
    let dir = w.env.path("elsewhere");
    std::fs::create_dir_all(&dir).expect("dir");
    run(w.env.git(&dir).args(["init", "-q", "-b", "main"])).success();
    let config = w.git(&["config", "--local", "--list"]);
    for line in config.lines().filter(|l| !l.starts_with("core.")) {
        let (key, value) = line.split_once('=').expect("key=value");
        run(w.env.git(&dir).args(["config", key, value])).success();
    }
    std::fs::write(dir.join("f"), "elsewhere\n").expect("write");
    run(w.env.git(&dir).args(["add", "f"])).success();
    let token = w.token();
    run(w
        .env
        .git(&dir)
        .env_remove("GIT_AUTHOR_DATE")
        .env_remove("GIT_COMMITTER_DATE")
        .env("SIGSTORE_ID_TOKEN", &token)
        .args(["commit", "-q", "-m", "elsewhere"]))
    .success();
    dir
}

fn monitor(w: &World, args: &[&str]) -> Run {
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).arg("monitor").args(args);
    run(&mut cmd)
}

/// The flags that watch alice.
const ALICE: [&str; 4] = [
    "--certificate-identity",
    "alice@example.org",
    "--certificate-oidc-issuer",
    ISSUER,
];

fn json_run(w: &World, state: &Path, extra: &[&str], code: i32) -> Value {
    let state = state.display().to_string();
    let mut args: Vec<&str> = ALICE.to_vec();
    args.extend(["--format", "json", "--state", &state]);
    args.extend(extra);
    let out = monitor(w, &args).exit(code);
    serde_json::from_str(&out.stdout()).unwrap_or_else(|e| panic!("{e}: {}", out.describe()))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("state file")
}

#[test]
fn known_and_unknown_entries_are_sorted_and_reported_once() {
    let w = world();
    sign_commit(&w, "one");
    sign_commit(&w, "two");
    let token = w.token();
    w.git_env(
        &[("SIGSTORE_ID_TOKEN", &token)],
        &["tag", "-s", "-m", "release", "v1"],
    )
    .success();
    let elsewhere = sign_elsewhere(&w);

    // The policy's principals are watched; a CI workflow's URI cannot be searched in v1.
    let policy = w.env.write(
        "policy.toml",
        format!(
            "version = 1\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"alice@example.org\" }}]\n\
             [principals.ci]\nsigstore = [{{ issuer = \"https://token.actions.githubusercontent.com\", subject_regex = '^https://github\\.com/acme/.*$' }}]\n"
        ),
    );
    let out = monitor(
        &w,
        &[
            "--policy",
            &policy.display().to_string(),
            "--format",
            "json",
        ],
    )
    .exit(1);
    let doc: Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(doc["schema"], "gitseal.monitor/v1");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["known"], 3, "two commits and a tag: {doc:#}");
    let unknown = doc["unknown"].as_array().expect("unknown");
    assert_eq!(unknown.len(), 1, "{doc:#}");
    assert_eq!(unknown[0]["identity"], "alice@example.org");
    assert_eq!(unknown[0]["issuer"], ISSUER);
    assert_eq!(unknown[0]["log_index"], 3, "the fourth entry logged");
    assert_eq!(unknown[0]["log"], "rekor.gitseal.test - 4242");
    assert_eq!(unknown[0]["uuid"].as_str().map(str::len), Some(64));
    assert!(
        unknown[0]["time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(doc["logs"][0]["tree_size"], 4);
    assert_eq!(doc["logs"][0]["consistent"], true);
    assert_eq!(doc["index_verifiable"], false);
    assert_eq!(doc["not_searchable"].as_array().map(Vec::len), Some(1));
    let objects: Vec<&str> = doc["known_entries"]
        .as_array()
        .expect("known entries")
        .iter()
        .filter_map(|k| k["object"].as_str())
        .collect();
    assert!(objects.iter().any(|o| o.starts_with("tag ")), "{objects:?}");

    // The next run resumes: nothing new, the unknown entry was reported; text says so.
    let state = w.dir.join(".git/gitseal/monitor.json");
    let kept: Value = serde_json::from_slice(&read(&state)).expect("state");
    assert_eq!(kept["logs"]["rekor.gitseal.test - 4242"]["tree_size"], 4);
    let again = monitor(&w, &["--policy", &policy.display().to_string()]).success();
    let text = again.stdout();
    assert!(
        text.contains("0 unknown, 3 known, 0 failed; 1 reported before"),
        "{text}"
    );
    assert!(text.contains("(last run: 4), consistent"), "{text}");
    assert!(
        text.contains("the Rekor v1 search index is not verifiable"),
        "{text}"
    );

    // With the other repository monitored too, its commit is known.
    let fresh = w.env.path("fresh.json");
    let both = json_run(&w, &fresh, &["--repo", &elsewhere.display().to_string()], 0);
    assert_eq!(
        (
            both["known"].as_u64(),
            both["unknown"].as_array().map(Vec::len)
        ),
        (Some(4), Some(0))
    );

    // A first run may start later: nothing before it is a finding, and later runs keep it.
    let later = w.env.path("later.json");
    let doc = json_run(&w, &later, &["--since", "2999-01-01T00:00:00Z"], 0);
    assert_eq!(doc["before_start"], 4, "{doc:#}");
    let doc = json_run(&w, &w.env.path("index.json"), &["--from-index", "3"], 1);
    assert_eq!(doc["before_start"], 3, "{doc:#}");
    assert_eq!(doc["unknown"][0]["log_index"], 3);
}

#[test]
fn a_forked_log_and_a_log_that_drops_an_entry_are_caught() {
    let w = world();
    sign_commit(&w, "one");
    sign_commit(&w, "two");
    let state = w.env.path("state.json");
    json_run(&w, &state, &[], 0);
    let kept = read(&state);

    // A fork: the log shows a history whose first entry is another.
    *w.services.services.log_fault.lock().expect("lock") = LogFault::Fork;
    let doc = json_run(&w, &state, &[], 1);
    let problem = doc["logs"][0]["problem"].as_str().expect("a problem");
    assert!(problem.contains("forked or rewritten"), "{problem}");
    assert_eq!(doc["logs"][0]["consistent"], false);
    assert_eq!(read(&state), kept, "the state is not advanced past a fork");
    let out = monitor(
        &w,
        &[
            &ALICE[..],
            &[
                "--state",
                &state.display().to_string(),
                "--format",
                "github",
            ],
        ]
        .concat(),
    )
    .exit(1);
    assert!(
        out.stdout().lines().any(|l| l
            .starts_with("::error title=gitseal monitor::log rekor.gitseal.test - 4242 at http")),
        "{}",
        out.stdout()
    );

    // The honest log again, grown by one: consistent with what was kept.
    *w.services.services.log_fault.lock().expect("lock") = LogFault::None;
    sign_commit(&w, "three");
    let doc = json_run(&w, &state, &[], 0);
    assert_eq!(
        (
            doc["logs"][0]["previous_tree_size"].as_u64(),
            doc["logs"][0]["tree_size"].as_u64()
        ),
        (Some(2), Some(3))
    );
    let kept = read(&state);

    // A log that drops its first entry and logs another: the same size, another tree.
    *w.services.services.log_fault.lock().expect("lock") = LogFault::Drop;
    sign_commit(&w, "four");
    let doc = json_run(&w, &state, &[], 1);
    let problem = doc["logs"][0]["problem"].as_str().expect("a problem");
    assert!(
        problem.contains("does not extend the tree of 3 entries"),
        "{problem}"
    );
    assert_eq!(
        read(&state),
        kept,
        "the state is not advanced past a dropped entry"
    );
}

fn set(w: &World, fault: LogFault) {
    *w.services.services.log_fault.lock().expect("lock") = fault;
}

#[test]
fn lying_entries_are_reported_and_not_kept() {
    let w = world();
    sign_commit(&w, "one");
    sign_commit(&w, "two");

    for (fault, reason) in [
        (LogFault::BadInclusion, "inclusion proof"),
        (LogFault::BodySwap, "is not that entry's"),
    ] {
        set(&w, fault);
        let state = w.env.path(&format!("{fault:?}.json"));
        let doc = json_run(&w, &state, &[], 1);
        let failed = doc["failed"].as_array().expect("failed");
        assert_eq!(failed.len(), 2, "{fault:?}: {doc:#}");
        for f in failed {
            let why = f["reason"].as_str().expect("reason");
            assert!(why.contains(reason), "{fault:?}: {why}");
            assert!(f["log"].as_str().is_some_and(|l| l.ends_with("/rekor")));
        }
        assert_eq!(doc["known"], 0);
        let kept: Value = serde_json::from_slice(&read(&state)).expect("state");
        let entries = &kept["logs"]["rekor.gitseal.test - 4242"]["entries"];
        assert!(
            entries.as_object().is_none_or(|m| m.is_empty()),
            "{fault:?}: failed entries are not kept: {kept:#}"
        );
    }

    // A consistency proof that does not hold is an inconsistent log.
    set(&w, LogFault::None);
    let state = w.env.path("honest.json");
    json_run(&w, &state, &[], 0);
    let kept = read(&state);
    sign_commit(&w, "three");
    set(&w, LogFault::BadConsistency);
    let doc = json_run(&w, &state, &[], 1);
    assert!(
        doc["logs"][0]["problem"]
            .as_str()
            .is_some_and(|p| p.contains("does not extend")),
        "{doc:#}"
    );
    assert_eq!(read(&state), kept);

    // A checkpoint signed by another log's key under this log's name.
    set(&w, LogFault::ForeignCheckpoint);
    let doc = json_run(&w, &w.env.path("foreign.json"), &[], 1);
    let bad = doc["bad_checkpoints"][0]
        .as_str()
        .expect("a bad checkpoint");
    assert!(bad.contains("not signed by that log's key"), "{bad}");
    assert_eq!(
        doc["known"], 0,
        "no entry is accepted under a foreign checkpoint: {doc:#}"
    );
}

#[test]
fn a_log_that_hangs_or_answers_garbage_fails_naming_it() {
    let w = world();
    sign_commit(&w, "one");
    let state = w.env.path("state.json");
    for (fault, words) in [
        (LogFault::Hang, "log info: timed out after 3 s"),
        (
            LogFault::Garbage,
            "log info: the answer is not a Rekor log info",
        ),
    ] {
        set(&w, fault);
        let started = std::time::Instant::now();
        let out = monitor(
            &w,
            &[&ALICE[..], &["--state", &state.display().to_string()]].concat(),
        )
        .exit(2);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "bounded by gitseal.timeout"
        );
        let lines = out.stderr_lines();
        assert!(
            lines[0].starts_with("error: the log at http://127.0.0.1:"),
            "{lines:?}"
        );
        assert!(lines[0].contains(words), "{fault:?}: {lines:?}");
        assert!(out.stdout().is_empty(), "no half report");
        assert!(!state.exists(), "no state written");
    }

    // Nothing to watch is a usage error.
    set(&w, LogFault::None);
    let out = monitor(&w, &[]).exit(2);
    assert!(
        out.stderr_lines()[0].contains("nothing to watch"),
        "{}",
        out.describe()
    );
    let out = monitor(&w, &["--certificate-identity", "alice@example.org"]).exit(2);
    assert!(
        out.stderr_lines()[0].contains("--certificate-oidc-issuer"),
        "{}",
        out.describe()
    );
}

/// Someone signing your commit's content again under a certificate of their own (a
/// stolen session replaying what you signed) logs the same digest; it is not your
/// signature, and the monitor says so, beside your own entry, which stays known.
#[test]
fn the_same_content_signed_under_another_certificate_is_unknown() {
    use base64ct::{Base64, Encoding};
    use p256::ecdsa::signature::Signer;
    use sha2::{Digest, Sha256};
    let w = world();
    sign_commit(&w, "one");
    let raw = w.git(&["cat-file", "commit", "HEAD"]) + "\n";
    let signed =
        gitseal::git::signed::split_commit(raw.as_bytes(), gitseal::git::signed::HashKind::Sha1)
            .expect("one signature")
            .expect("signed");
    let cms = gitseal::sigstore::cms::parse(&signed.signature).expect("cms");

    let (key, cert) = w.services.services.stack.lock().expect("lock").credential(
        &crate::support::sigstore_world::alice(),
        crate::support::sigstore_world::now(),
    );
    let signature: p256::ecdsa::DerSignature = key.sign(&cms.signed_attrs);
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &cert).expect("pem");
    let digest: String = Sha256::digest(&cms.signed_attrs)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let request = serde_json::json!({
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest}},
            "signature": {"content": Base64::encode_string(signature.as_bytes()),
                          "publicKey": {"content": Base64::encode_string(pem.as_bytes())}},
        }
    });
    let (status, _) = crate::support::sigstore_servers::rekor_create(
        &w.services.services,
        request.to_string().as_bytes(),
    );
    assert_eq!(status, 201);

    let doc = json_run(&w, &w.env.path("state.json"), &[], 1);
    assert_eq!(doc["known"], 1, "{doc:#}");
    let unknown = doc["unknown"].as_array().expect("unknown");
    assert_eq!(unknown.len(), 1, "{doc:#}");
    assert_eq!(
        unknown[0]["digest"], digest,
        "the replayed content, under another certificate"
    );
    assert_eq!(unknown[0]["log_index"], 1);
}

/// A shard the last run kept that the log's info no longer lists is a log hiding part of
/// its history.
#[test]
fn a_shard_that_disappears_is_reported() {
    let w = world();
    sign_commit(&w, "one");
    let state = w.env.path("state.json");
    json_run(&w, &state, &[], 0);
    let mut kept: Value = serde_json::from_slice(&read(&state)).expect("state");
    let shard = kept["logs"]["rekor.gitseal.test - 4242"].clone();
    kept["logs"]["rekor.gitseal.test - 1"] = shard;
    std::fs::write(&state, kept.to_string()).expect("write");
    let doc = json_run(&w, &state, &[], 1);
    let gone = doc["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .find(|l| l["log"] == "rekor.gitseal.test - 1")
        .expect("the kept shard is reported");
    assert!(
        gone["problem"]
            .as_str()
            .is_some_and(|p| p.contains("no longer lists")),
        "{doc:#}"
    );
    assert_eq!(doc["known"], 1, "the listed shard is still read: {doc:#}");
}
