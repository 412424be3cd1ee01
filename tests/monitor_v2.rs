//! `gitseal monitor` scanning a Rekor v2 shard by its tiles (issue 16 item 3), against the
//! hermetic v2 log (support/rekor_v2.rs) listed in the test trust root: commits signed to
//! it are known, the same identity signing in another repository is the unknown finding,
//! a run resumes where the last stopped, and a log that forks, rewrites an entry or signs
//! its checkpoint with another key is caught, one line naming the log, the state kept.

use crate::sigstore_rekor_v2::{V2World, world};
use crate::support::rekor_v2::TileFault;
use crate::support::run;
use crate::support::sigstore_world::{ISSUER, World};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sign_commit(w: &World, message: &str) {
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], message)
        .success();
}

/// Another repository signing as alice to the same logs (its config copied).
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
    run(w.env.git(&dir).env("SIGSTORE_ID_TOKEN", w.token()).args([
        "commit",
        "-q",
        "-m",
        "elsewhere",
    ]))
    .success();
    dir
}

fn monitor(w: &World, state: &Path, extra: &[&str], code: i32) -> String {
    let state = state.display().to_string();
    let mut cmd = w.env.gitseal();
    // The services' Rekor v1 log is read too (the signing config names only the v2 one).
    cmd.env("GITSEAL_REKOR_URL", w.services.rekor_url());
    cmd.current_dir(&w.dir).args([
        "monitor",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
        "--state",
        &state,
    ]);
    cmd.args(extra);
    run(&mut cmd).exit(code).stdout()
}

fn json(w: &World, state: &Path, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    let out = monitor(w, state, &args, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn v2_log<'a>(doc: &'a Value, origin: &str) -> &'a Value {
    doc["logs"]
        .as_array()
        .and_then(|logs| logs.iter().find(|l| l["log"] == origin))
        .unwrap_or_else(|| panic!("no log {origin}: {doc:#}"))
}

#[test]
fn known_and_unknown_v2_entries_are_sorted_and_a_run_resumes() {
    let V2World { w, log } = world(true);
    sign_commit(&w, "one");
    sign_commit(&w, "two");
    sign_elsewhere(&w);
    assert_eq!(log.size(), 3, "three entries in the v2 log");
    let state = w.env.path("monitor.json");

    // A first run without a start watches from the log's present on: nothing read.
    let fresh = w.env.path("fresh.json");
    let doc = json(&w, &fresh, &[], 0);
    assert_eq!(v2_log(&doc, &log.origin)["tree_size"], 3);
    assert_eq!(doc["known"], 0, "{doc:#}");

    let doc = json(&w, &state, &["--from-index", "0"], 1);
    assert_eq!(doc["known"], 2, "the two commits: {doc:#}");
    let unknown = doc["unknown"].as_array().expect("unknown");
    assert_eq!(unknown.len(), 1, "{doc:#}");
    assert_eq!(unknown[0]["log"], log.origin.as_str());
    assert_eq!(unknown[0]["log_index"], 2);
    assert_eq!(unknown[0]["identity"], "alice@example.org");
    assert_eq!(unknown[0]["issuer"], ISSUER);
    assert_eq!(unknown[0]["uuid"].as_str().map(str::len), Some(64));
    let reached = v2_log(&doc, &log.origin);
    assert_eq!(reached["tree_size"], 3);
    assert_eq!(reached["consistent"], true);
    let kept: Value = serde_json::from_slice(&std::fs::read(&state).expect("state")).expect("json");
    assert_eq!(kept["logs"][&log.origin]["tree_size"], 3);

    // The next run reads only what is new: one more commit, known; the unknown entry
    // was reported already. A regular expression watches the same identity.
    sign_commit(&w, "three");
    let mut cmd = w.env.gitseal();
    cmd.env("GITSEAL_REKOR_URL", w.services.rekor_url());
    cmd.current_dir(&w.dir).args([
        "monitor",
        "--certificate-identity-regexp",
        "^alice@example\\.org$",
        "--certificate-oidc-issuer",
        ISSUER,
        "--format",
        "json",
        "--state",
        &state.display().to_string(),
    ]);
    let doc: Value = serde_json::from_str(&run(&mut cmd).success().stdout()).expect("json");
    assert_eq!(doc["known"], 1, "{doc:#}");
    assert_eq!(doc["unknown"].as_array().map(Vec::len), Some(0));
    let reached = v2_log(&doc, &log.origin);
    assert_eq!(reached["tree_size"], 4);
    assert_eq!(reached["previous_tree_size"], 3);
    let text = monitor(&w, &state, &[], 0);
    assert!(
        text.contains(&format!(
            "log {} at {}: checkpoint of 4 entries (last run: 4), consistent",
            log.origin, log.url
        )),
        "{text}"
    );
}

#[test]
fn a_v2_log_that_forks_rewrites_or_signs_with_another_key_is_caught() {
    let V2World { w, log } = world(true);
    sign_commit(&w, "one");
    sign_commit(&w, "two");
    let state = w.env.path("monitor.json");
    json(&w, &state, &["--from-index", "0"], 0);
    let kept = std::fs::read(&state).expect("state");

    // Another history under the same key: the kept root is not the tiles' tree.
    log.set_fault(TileFault::Fork);
    let text = monitor(&w, &state, &[], 1);
    let line = text
        .lines()
        .find(|l| l.starts_with("LOG PROBLEM"))
        .unwrap_or_else(|| panic!("no problem line: {text}"));
    assert!(line.contains(&log.origin), "{line}");
    assert!(line.contains("forked or rewritten"), "{line}");
    assert_eq!(std::fs::read(&state).expect("state"), kept, "state kept");

    // A new entry whose bundle is not what the checkpoint covers.
    log.set_fault(TileFault::Honest);
    sign_commit(&w, "three");
    log.set_fault(TileFault::RewriteEntry);
    let doc = json(&w, &state, &[], 1);
    let problem = v2_log(&doc, &log.origin)["problem"]
        .as_str()
        .unwrap_or_else(|| panic!("a problem: {doc:#}"))
        .to_string();
    assert!(
        problem.contains("do not hash to its checkpoint"),
        "{problem}"
    );
    assert_eq!(doc["known"], 0, "nothing accepted from a lying log");
    assert_eq!(std::fs::read(&state).expect("state"), kept, "state kept");

    // A checkpoint signed by a key that is not the log's.
    log.set_fault(TileFault::WrongKey);
    let doc = json(&w, &state, &[], 1);
    let bad = doc["bad_checkpoints"][0]
        .as_str()
        .expect("a bad checkpoint");
    assert!(bad.contains(&log.url), "{bad}");
    assert!(bad.contains("not signed by the log's key"), "{bad}");
    assert_eq!(std::fs::read(&state).expect("state"), kept, "state kept");

    // The honest log again: the new commit is known, the state advances.
    log.set_fault(TileFault::Honest);
    let doc = json(&w, &state, &[], 0);
    assert_eq!(doc["known"], 1, "{doc:#}");
    assert_eq!(v2_log(&doc, &log.origin)["tree_size"], 3);

    // Past a full tile: 600 entries of others (bundles 0-2, a level-1 tile of two
    // hashes), then a commit; read from the kept tree, and by a first run from 300 (its
    // frontier partly from the level-1 tile).
    log.append_bodies((0..600).map(|n| format!("{{\"other\":{n}}}").into_bytes()));
    sign_commit(&w, "four");
    let doc = json(&w, &state, &[], 0);
    assert_eq!(doc["known"], 1, "{doc:#}");
    assert_eq!(v2_log(&doc, &log.origin)["tree_size"], 604);
    let doc = json(&w, &w.env.path("late.json"), &["--from-index", "300"], 0);
    assert_eq!(doc["known"], 1, "{doc:#}");
    assert_eq!(v2_log(&doc, &log.origin)["consistent"], true);
    log.set_fault(TileFault::RewriteEntry);
    let doc = json(&w, &w.env.path("late2.json"), &["--from-index", "300"], 1);
    assert_eq!(v2_log(&doc, &log.origin)["consistent"], false, "{doc:#}");
}
