//! Signing to Rekor v2 (issue 17) against the hermetic services and the hermetic Rekor v2
//! log (support/rekor_v2.rs): a signing config that lists a v2 log sends commits, tags and
//! release files there as hashedrekord 0.0.2, stamped by the config's timestamp
//! authority; the entry and the token are embedded, so the signature verifies offline,
//! timed by the TSA. Without a timestamp authority nothing is signed.

use crate::support::rekor_v2::RekorV2;
use crate::support::run;
use crate::support::sigstore_world::{ISSUER, World};

pub struct V2World {
    pub w: World,
    pub log: RekorV2,
}

/// The usual world, with the log added to its trusted root and a signing config listing
/// the v2 log beside the services' v1 log (and, when `tsa`, the services' TSA) in place of
/// the explicit `gitseal.rekor`.
pub fn world(tsa: bool) -> V2World {
    let w = World::new(|_| vec![("gitseal.credentialStore", "file".to_string())]);
    let log = RekorV2::start();
    let root_path = w.env.path("trusted_root.json");
    let root = std::fs::read_to_string(&root_path).expect("root");
    std::fs::write(&root_path, log.add_to_root(&root)).expect("write root");
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let endpoint = |url: String, major: u32| serde_json::json!({"url": url, "majorApiVersion": major, "validFor": valid, "operator": "gitseal.test"});
    let tsa_urls = if tsa {
        vec![endpoint(w.services.tsa_url(), 1)]
    } else {
        Vec::new()
    };
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": [endpoint(w.services.fulcio_url(), 1)],
        "oidcUrls": [endpoint(w.services.issuer_url(), 1)],
        "rekorTlogUrls": [endpoint(w.services.rekor_url(), 1), endpoint(log.url.clone(), 2)],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaUrls": tsa_urls,
        "tsaConfig": {"selector": "ANY"}
    });
    let config_path = w.env.write("signing_config.json", config.to_string());
    w.git(&["config", "--unset", "gitseal.rekor"]);
    w.git(&[
        "config",
        "gitseal.signingConfig",
        &config_path.display().to_string(),
    ]);
    V2World { w, log }
}

#[test]
fn a_commit_and_a_tag_are_logged_in_rekor_v2_and_verify_offline_at_the_tsa_time() {
    let V2World { w, log } = world(true);
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first")
        .success();
    let id = w.head().expect("a commit");
    assert_eq!(log.calls(), 1, "the v2 log was written to");
    assert_eq!(w.services.rekor_calls(), 0, "the v1 log was not");
    assert_eq!(w.services.tsa_calls(), 1, "the TSA stamped the signature");
    let verified = w.git_env(&[], &["verify-commit", &id]).success();
    assert!(
        verified
            .stderr
            .contains("Good signature from [alice@example.org]"),
        "{}",
        verified.describe()
    );
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
        "--format",
        "json",
        &id,
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&run(&mut cmd).success().stdout()).expect("json");
    let object = &doc["objects"][0];
    assert_eq!(object["log"]["index"], 0, "{object:#}");
    assert_eq!(object["time_source"], "tsa", "{object:#}");
    // A second signature is leaf 1 of a tree of two: its proof is checked against the
    // larger checkpoint.
    w.git_env(
        &[("SIGSTORE_ID_TOKEN", &w.token())],
        &["tag", "-s", "-m", "release", "v1"],
    )
    .success();
    assert_eq!(log.calls(), 2);
    w.git_env(&[], &["verify-tag", "v1"]).success();

    // The same history under a root that does not list the v2 log: not trusted.
    let root_path = w.env.path("trusted_root.json");
    let mut root: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&root_path).expect("root")).expect("json");
    root["tlogs"]
        .as_array_mut()
        .expect("tlogs")
        .retain(|t| t["baseUrl"] != log.url.as_str());
    std::fs::write(&root_path, root.to_string()).expect("write");
    let refused = run(cmd.current_dir(&w.dir)).exit(1);
    let doc: serde_json::Value = serde_json::from_str(&refused.stdout()).expect("json");
    assert!(
        doc.to_string().contains("\"reason\":\"unknown-log\""),
        "{}",
        refused.describe()
    );
    let refused = w.git_env(&[], &["verify-commit", &id]);
    assert_ne!(refused.code, 0, "{}", refused.describe());
}

#[test]
fn release_files_are_logged_in_rekor_v2() {
    let V2World { w, log } = world(true);
    let file = w.dir.join("release.tar.gz");
    std::fs::write(&file, b"the release\n").expect("write");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .env("SIGSTORE_ID_TOKEN", w.token())
        .arg("sign-blob")
        .arg(&file);
    run(&mut cmd).success();
    assert_eq!((log.calls(), w.services.rekor_calls()), (1, 0));
    let bundle = w.dir.join("release.tar.gz.sigstore.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle")).expect("json");
    let entry = &doc["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["kindVersion"]["version"], "0.0.2", "{doc:#}");
    assert!(entry.get("integratedTime").is_none(), "{doc:#}");
    let mut verify = w.env.gitseal();
    verify
        .current_dir(&w.dir)
        .args(["verify-blob", "release.tar.gz", "--bundle"])
        .arg(&bundle)
        .args(["--certificate-identity", "alice@example.org"])
        .args(["--certificate-oidc-issuer", ISSUER, "--trusted-root"])
        .arg(w.env.path("trusted_root.json"));
    let ok = run(&mut verify).success();
    assert!(ok.stdout().contains("Rekor v2"), "{}", ok.describe());
    // The bundle without its timestamp has no trusted time: refused.
    let mut stripped = doc.clone();
    stripped["verificationMaterial"]
        .as_object_mut()
        .expect("material")
        .remove("timestampVerificationData");
    std::fs::write(&bundle, stripped.to_string()).expect("write");
    let refused = run(&mut verify).exit(1);
    assert!(
        refused.stderr.contains("(timestamp)"),
        "{}",
        refused.describe()
    );
}

#[test]
fn without_a_timestamp_authority_nothing_is_signed() {
    let V2World { w, log } = world(false);
    let failed = w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first");
    assert_ne!(failed.code, 0, "{}", failed.describe());
    assert!(w.head().is_none(), "no commit");
    assert_eq!(log.calls(), 0, "nothing logged");
    let file = w.dir.join("release.tar.gz");
    std::fs::write(&file, b"the release\n").expect("write");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .env("SIGSTORE_ID_TOKEN", w.token())
        .arg("sign-blob")
        .arg(&file);
    let refused = run(&mut cmd).exit(2);
    assert!(
        refused.stderr.contains("timestamp authority"),
        "{}",
        refused.describe()
    );
    assert!(!w.dir.join("release.tar.gz.sigstore.json").exists());
}
