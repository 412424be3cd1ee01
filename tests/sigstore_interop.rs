//! Third-party verification of what gitseal exports: sigstore-python (PyPI `sigstore`,
//! pinned 4.5.1 by scripts/test.sh) verifies the bundles `gitseal bundle` writes, for the
//! real gitsign signatures (against the public-good root shipped in sigstore-python) and
//! for signatures gitseal made against the hermetic services (through a client trust
//! config naming the test instance).

use crate::support::sigstore_stack::{Identity, Stack};
use crate::support::{Run, TestEnv, commit_with_signature, run};
use std::path::PathBuf;

const GOOGLE: &str = "https://accounts.google.com";

/// sigstore-python's CLI: `GITSEAL_SIGSTORE_PYTHON`, else `sigstore` on PATH.
fn sigstore_python() -> PathBuf {
    if let Some(path) = std::env::var_os("GITSEAL_SIGSTORE_PYTHON") {
        return PathBuf::from(path);
    }
    crate::support::find_in_path("sigstore").unwrap_or_else(|| {
        panic!(
            "this test needs sigstore-python: pip install sigstore==4.5.1 (scripts/test.sh installs it in a venv and sets GITSEAL_SIGSTORE_PYTHON)"
        )
    })
}

fn git(env: &TestEnv, dir: &std::path::Path, args: &[&str]) -> Run {
    run(env.git(dir).args(args))
}

fn export(env: &TestEnv, dir: &std::path::Path, id: &str, name: &str) -> (PathBuf, PathBuf) {
    let bundle = env.path(&format!("{name}.sigstore.json"));
    let artifact = env.path(&format!("{name}.der"));
    let mut cmd = env.gitseal();
    cmd.current_dir(dir)
        .arg("bundle")
        .arg("--artifact")
        .arg(&artifact)
        .arg(id);
    let out = run(&mut cmd).success();
    std::fs::write(&bundle, out.stdout()).expect("write bundle");
    (bundle, artifact)
}

fn python_verify(
    env: &TestEnv,
    trust: Option<&PathBuf>,
    bundle: &PathBuf,
    artifact: &PathBuf,
    identity: &str,
    issuer: &str,
) -> Run {
    let mut cmd = env.command(sigstore_python());
    if let Some(config) = trust {
        cmd.arg("--trust-config").arg(config);
    }
    cmd.args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args(["--cert-identity", identity, "--cert-oidc-issuer", issuer])
        .arg(artifact);
    run(&mut cmd)
}

#[test]
fn sigstore_python_verifies_bundles_of_real_gitsign_signatures() {
    let env = TestEnv::new();
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).expect("dir");
    git(&env, &dir, &["init", "-q"]).success();
    for (name, identity) in [
        (
            "fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit",
            "billy@chainguard.dev",
        ),
        (
            "44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit",
            "adam.kaplan@chainguard.dev",
        ),
        (
            "138f9d7cb3097a5f04192621a186e54f86390df0.tag",
            "billy@chainguard.dev",
        ),
        ("testdata/e2e-offline.commit", "billy@chainguard.dev"),
    ] {
        let kind = if name.ends_with(".tag") {
            "tag"
        } else {
            "commit"
        };
        let path = gitseal::testdata::gitsign(name).display().to_string();
        let id = git(
            &env,
            &dir,
            &["hash-object", "-t", kind, "-w", "--literally", &path],
        )
        .success()
        .stdout()
        .trim()
        .to_string();
        let (bundle, artifact) = export(&env, &dir, &id, &id);
        let ok = python_verify(&env, None, &bundle, &artifact, identity, GOOGLE);
        assert_eq!(ok.code, 0, "{name}: {}", ok.describe());
        let wrong = python_verify(
            &env,
            None,
            &bundle,
            &artifact,
            "mallory@example.org",
            GOOGLE,
        );
        assert_ne!(wrong.code, 0, "{name}: a wrong identity must fail");
        // The artifact is bound to the commit: a changed byte fails.
        let mut bytes = std::fs::read(&artifact).expect("artifact");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&artifact, bytes).expect("write");
        let tampered = python_verify(&env, None, &bundle, &artifact, identity, GOOGLE);
        assert_ne!(tampered.code, 0, "{name}: a changed artifact must fail");
    }
}

#[test]
fn sigstore_python_verifies_what_gitseal_signed() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).expect("dir");
    git(&env, &dir, &["init", "-q", "-b", "main"]).success();
    let alice = Identity {
        email: "alice@example.org".into(),
        issuer: "https://issuer.gitseal.test".into(),
    };
    std::fs::write(dir.join("a.txt"), "a\n").expect("write");
    git(&env, &dir, &["add", "a.txt"]).success();
    let tree = git(&env, &dir, &["write-tree"])
        .success()
        .stdout()
        .trim()
        .to_string();
    let unsigned_id = git(&env, &dir, &["commit-tree", &tree, "-m", "signed"])
        .success()
        .stdout()
        .trim()
        .to_string();
    let unsigned = git(&env, &dir, &["cat-file", "commit", &unsigned_id])
        .success()
        .stdout();
    // Signed now, so that sigstore-python's check that a log time is not in its future holds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let armored = stack.sign_with(unsigned.as_bytes(), &alice, now - 5, now - 3, |_| {});
    let raw = commit_with_signature(&unsigned, &armored);
    let id = crate::support::run_stdin(
        env.git(&dir)
            .args(["hash-object", "-t", "commit", "-w", "--stdin"]),
        raw.as_bytes(),
    )
    .success()
    .stdout()
    .trim()
    .to_string();
    let (bundle, artifact) = export(&env, &dir, &id, "own");

    let config_path = client_trust_config(&env, &stack.trusted_root());
    let ok = python_verify(
        &env,
        Some(&config_path),
        &bundle,
        &artifact,
        "alice@example.org",
        "https://issuer.gitseal.test",
    );
    assert_eq!(ok.code, 0, "{}", ok.describe());
    let wrong = python_verify(
        &env,
        Some(&config_path),
        &bundle,
        &artifact,
        "alice@example.org",
        "https://other.test",
    );
    assert_ne!(wrong.code, 0, "a wrong issuer must fail");
}

/// sigstore-python's client trust config for the hermetic instance whose trusted root is
/// `root` (its signing config is required by the format, and unused offline).
fn client_trust_config(env: &TestEnv, root: &str) -> PathBuf {
    let root: serde_json::Value = serde_json::from_str(root).expect("root");
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [{"url": "http://fulcio.gitseal.test", "majorApiVersion": 1, "validFor": valid, "operator": "gitseal.test"}],
            "oidcUrls": [{"url": "https://issuer.gitseal.test", "majorApiVersion": 1, "validFor": valid, "operator": "gitseal.test"}],
            "rekorTlogUrls": [{"url": "http://rekor.gitseal.test", "majorApiVersion": 1, "validFor": valid, "operator": "gitseal.test"}],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": [],
            "tsaConfig": {"selector": "ANY"}
        }
    });
    env.write("trust-config.json", config.to_string())
}

/// The bundles `gitseal sign-blob` writes for release files verify with sigstore-python,
/// timestamped or not, and a changed file does not.
#[test]
fn sigstore_python_verifies_the_bundles_sign_blob_writes() {
    use crate::support::sigstore_world::{ISSUER, World};
    let w = World::new(|services| {
        vec![
            ("gitseal.credentialStore", "file".to_string()),
            ("gitseal.timestampURL", services.tsa_url()),
        ]
    });
    let file = w.dir.join("release.tar.gz");
    std::fs::write(&file, b"the release\n").expect("write");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .env("SIGSTORE_ID_TOKEN", w.token())
        .arg("sign-blob")
        .arg(&file);
    run(&mut cmd).success();
    let bundle = w.dir.join("release.tar.gz.sigstore.json");
    let config = client_trust_config(&w.env, &w.services.trusted_root());
    let ok = python_verify(
        &w.env,
        Some(&config),
        &bundle,
        &file,
        "alice@example.org",
        ISSUER,
    );
    assert_eq!(ok.code, 0, "{}", ok.describe());
    std::fs::write(&file, b"the release, patched\n").expect("write");
    let changed = python_verify(
        &w.env,
        Some(&config),
        &bundle,
        &file,
        "alice@example.org",
        ISSUER,
    );
    assert_ne!(changed.code, 0, "a changed file must fail");
}

/// sigstore-python verifies the bundle of a release file logged in the hermetic Rekor v2
/// log: the hashedrekord 0.0.2 body, the inclusion proof against the C2SP checkpoint
/// signed by the log's key in the trust root, and the TSA time.
#[test]
fn sigstore_python_verifies_rekor_v2_bundles() {
    use crate::support::sigstore_world::ISSUER;
    let v2 = crate::sigstore_rekor_v2::world(true);
    let w = &v2.w;
    let file = w.dir.join("release.tar.gz");
    std::fs::write(&file, b"the release\n").expect("write");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .env("SIGSTORE_ID_TOKEN", w.token())
        .arg("sign-blob")
        .arg(&file);
    run(&mut cmd).success();
    assert_eq!(v2.log.calls(), 1);
    let bundle = w.dir.join("release.tar.gz.sigstore.json");
    let root = std::fs::read_to_string(w.env.path("trusted_root.json")).expect("root");
    let config = client_trust_config(&w.env, &root);
    let ok = python_verify(
        &w.env,
        Some(&config),
        &bundle,
        &file,
        "alice@example.org",
        ISSUER,
    );
    assert_eq!(ok.code, 0, "{}", ok.describe());
    let wrong = python_verify(
        &w.env,
        Some(&config),
        &bundle,
        &file,
        "mallory@example.org",
        ISSUER,
    );
    assert_ne!(wrong.code, 0, "another identity must fail");
}

/// sigstore-python's client trust config naming the hermetic services for signing:
/// Fulcio, the v1 log (or, given, a v2 log in its place) and the TSA.
fn signing_trust_config(
    w: &crate::support::sigstore_world::World,
    root: &str,
    v2_log: Option<&str>,
) -> PathBuf {
    let root: serde_json::Value = serde_json::from_str(root).expect("root");
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let endpoint = |url: String, major: u32| serde_json::json!({"url": url, "majorApiVersion": major, "validFor": valid, "operator": "gitseal.test"});
    let log = match v2_log {
        Some(url) => endpoint(url.to_string(), 2),
        None => endpoint(w.services.rekor_url(), 1),
    };
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [endpoint(w.services.fulcio_url(), 1)],
            "oidcUrls": [endpoint(w.services.issuer_url(), 1)],
            "rekorTlogUrls": [log],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": [endpoint(w.services.tsa_url(), 1)],
            "tsaConfig": {"selector": "ANY"}
        }
    });
    w.env.write("signing-trust-config.json", config.to_string())
}

/// `sigstore sign` (sigstore-python) against the hermetic services, logging in Rekor v1 or
/// (given the v2 world) Rekor v2; gitseal verify-blob then judges the bundle it wrote: the
/// signer accepted, by identity and by policy; another identity and a changed file refused.
fn python_signs_gitseal_verifies(w: &crate::support::sigstore_world::World, v2_log: Option<&str>) {
    use crate::support::sigstore_world::ISSUER;
    let root_path = w.env.path("trusted_root.json");
    let root = std::fs::read_to_string(&root_path).expect("root");
    let config = signing_trust_config(w, &root, v2_log);
    let file = w.dir.join("python.tar.gz");
    std::fs::write(&file, b"signed by sigstore-python\n").expect("write");
    let bundle = w.dir.join("python.tar.gz.sigstore.json");
    let mut cmd = w.env.command(sigstore_python());
    cmd.arg("--trust-config")
        .arg(&config)
        .args(["sign", "--identity-token", &w.token(), "--bundle"])
        .arg(&bundle)
        .arg(&file);
    let signed = run(&mut cmd);
    assert_eq!(signed.code, 0, "sigstore sign: {}", signed.describe());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle")).expect("JSON");
    let kind = &doc["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["version"];
    assert_eq!(
        kind,
        if v2_log.is_some() { "0.0.2" } else { "0.0.1" },
        "{doc:#}"
    );
    let verify = |identity: &str, extra: &[&str]| {
        let mut cmd = w.env.gitseal();
        cmd.current_dir(&w.dir)
            .args(["verify-blob", "--bundle"])
            .arg(&bundle)
            .arg("--trusted-root")
            .arg(&root_path);
        if !identity.is_empty() {
            cmd.args(["--certificate-identity", identity])
                .args(["--certificate-oidc-issuer", ISSUER]);
        }
        cmd.args(extra).arg("python.tar.gz");
        run(&mut cmd)
    };
    let ok = verify("alice@example.org", &[]).success();
    let version = if v2_log.is_some() {
        "Rekor v2"
    } else {
        "Rekor v1"
    };
    assert!(ok.stdout().contains(version), "{}", ok.describe());
    let policy = w.env.write(
        "python-policy.toml",
        format!(
            "version = 1\n[principals.release-ci]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"alice@example.org\" }}]\n[release_files]\nsigners = [\"release-ci\"]\n"
        ),
    );
    verify("", &["--policy", &policy.display().to_string()]).success();
    let refused = verify("mallory@example.org", &[]).exit(1);
    assert!(
        refused.stderr.contains("(identity-mismatch)"),
        "{}",
        refused.describe()
    );
    std::fs::write(&file, b"signed by sigstore-python, then changed\n").expect("write");
    let refused = verify("alice@example.org", &[]).exit(1);
    assert!(
        refused.stderr.contains("(payload-mismatch)"),
        "{}",
        refused.describe()
    );
}

#[test]
fn gitseal_verifies_what_sigstore_python_signs_in_rekor_v1() {
    let w = crate::support::sigstore_world::World::new(|_| Vec::new());
    python_signs_gitseal_verifies(&w, None);
}

#[test]
fn gitseal_verifies_what_sigstore_python_signs_in_rekor_v2() {
    let v2 = crate::sigstore_rekor_v2::world(true);
    python_signs_gitseal_verifies(&v2.w, Some(&v2.log.url));
}

/// sigstore-js's verifier (tests/interop/verify-bundle.mjs) under node 22, from the npm
/// prefix scripts/interop.sh installs and names in `GITSEAL_INTEROP_NODE`.
fn sigstore_js(env: &TestEnv) -> std::process::Command {
    let prefix = std::env::var_os("GITSEAL_INTEROP_NODE").map(PathBuf::from).unwrap_or_else(|| {
        panic!("this test needs sigstore-js under node 22: scripts/interop.sh installs them and runs it with GITSEAL_INTEROP_NODE set")
    });
    let node = prefix.join("node_modules/node/bin/node");
    assert!(node.is_file(), "no node 22 at {}", node.display());
    let mut cmd = env.command(node);
    cmd.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/verify-bundle.mjs"))
        .arg("--prefix")
        .arg(prefix);
    cmd
}

/// sigstore-js verifies the bundles `gitseal sign-blob` writes against the hermetic
/// services, logged in Rekor v1 and in Rekor v2 (timed by the TSA only), and refuses
/// another identity, another issuer and a changed file. scripts/interop.sh runs it.
#[test]
#[ignore = "needs sigstore-js under node 22: scripts/interop.sh installs them and runs it"]
fn sigstore_js_verifies_the_bundles_sign_blob_writes() {
    use crate::support::sigstore_world::{ISSUER, World};
    let v1 = World::new(|services| {
        vec![
            ("gitseal.credentialStore", "file".to_string()),
            ("gitseal.timestampURL", services.tsa_url()),
        ]
    });
    let v2 = crate::sigstore_rekor_v2::world(true);
    for (w, version) in [(&v1, "0.0.1"), (&v2.w, "0.0.2")] {
        let file = w.dir.join("release.tar.gz");
        std::fs::write(&file, b"the release\n").expect("write");
        let mut cmd = w.env.gitseal();
        cmd.current_dir(&w.dir)
            .env("SIGSTORE_ID_TOKEN", w.token())
            .arg("sign-blob")
            .arg(&file);
        run(&mut cmd).success();
        let bundle = w.dir.join("release.tar.gz.sigstore.json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle")).expect("JSON");
        assert_eq!(
            doc["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["version"], version,
            "{doc:#}"
        );
        let root = w.env.path("trusted_root.json");
        let js = |artifact: &PathBuf, identity: &str, issuer: &str| {
            let mut cmd = sigstore_js(&w.env);
            cmd.arg("--bundle")
                .arg(&bundle)
                .arg("--artifact")
                .arg(artifact)
                .arg("--trusted-root")
                .arg(&root)
                .args(["--identity", identity, "--issuer", issuer]);
            run(&mut cmd)
        };
        let ok = js(&file, "alice@example.org", ISSUER);
        assert_eq!(ok.code, 0, "Rekor {version}: {}", ok.describe());
        assert!(ok.stdout().contains("sigstore-js: OK alice@example.org"));
        for (identity, issuer, what) in [
            ("mallory@example.org", ISSUER, "certificate identity error"),
            (
                "alice@example.org",
                "https://other.test",
                "expected issuer=",
            ),
        ] {
            let refused = js(&file, identity, issuer);
            assert_eq!(refused.code, 1, "{}", refused.describe());
            assert!(refused.stderr.contains(what), "{}", refused.describe());
        }
        let changed = w.dir.join("changed.tar.gz");
        std::fs::write(&changed, b"the release, patched\n").expect("write");
        let refused = js(&changed, "alice@example.org", ISSUER);
        assert_eq!(refused.code, 1, "{}", refused.describe());
    }
}
