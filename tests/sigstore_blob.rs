//! Release files (issue 17): `gitseal sign-blob` against the hermetic services, with the
//! login and services commits are signed with, and `gitseal verify-blob` judging what it
//! wrote: by path and by digest, by whom it names, and refusing a changed file, another
//! signer, another issuer and a bundle moved onto another file.

use crate::support::sigstore_world::{ISSUER, World};
use crate::support::{Run, run};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn world(tsa: bool) -> World {
    World::new(|services| {
        let mut extra = vec![("gitseal.credentialStore", "file".to_string())];
        if tsa {
            extra.push(("gitseal.timestampURL", services.tsa_url()));
        }
        extra
    })
}

fn sign_blob(w: &World, token: Option<&str>, files: &[&Path]) -> Run {
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).arg("sign-blob").args(files);
    if let Some(token) = token {
        cmd.env("SIGSTORE_ID_TOKEN", token);
    }
    run(&mut cmd).no_panic()
}

fn verify_blob(w: &World, subject: &str, bundle: &Path, identity: &str, issuer: &str) -> Run {
    let root = w.env.path("trusted_root.json");
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .args(["verify-blob", "--bundle"])
        .arg(bundle)
        .args(["--certificate-identity", identity])
        .args(["--certificate-oidc-issuer", issuer])
        .arg("--trusted-root")
        .arg(root)
        .arg(subject);
    run(&mut cmd).no_panic()
}

fn write(w: &World, name: &str, contents: &[u8]) -> PathBuf {
    let path = w.dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

#[test]
fn release_files_are_signed_and_verify_by_path_and_digest() {
    let w = world(false);
    let tarball = write(&w, "gitseal-1.0.tar.gz", b"a release tarball\n");
    let deb = write(&w, "gitseal_1.0_amd64.deb", b"a debian package\n");
    let signed = sign_blob(&w, Some(&w.token()), &[&tarball, &deb]).success();
    // One certificate for both files, one log entry each.
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 2)
    );
    assert!(
        signed.stderr.contains("Signed as [alice@example.org]"),
        "{}",
        signed.describe()
    );
    for file in [&tarball, &deb] {
        let bundle = PathBuf::from(format!("{}.sigstore.json", file.display()));
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle written"))
                .expect("JSON");
        assert_eq!(
            doc["mediaType"],
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        assert!(signed.stdout().contains(&bundle.display().to_string()));
        let path = file.display().to_string();
        let digest = format!(
            "sha256:{:x}",
            Sha256::digest(std::fs::read(file).expect("file"))
        );
        for subject in [&path, &digest] {
            let ok = verify_blob(&w, subject, &bundle, "alice@example.org", ISSUER).success();
            assert!(
                ok.stdout().starts_with("Verified OK: "),
                "{}",
                ok.describe()
            );
            assert!(ok.stdout().contains("Rekor v1"), "{}", ok.describe());
        }
    }
}

#[test]
fn a_changed_file_another_signer_or_a_moved_bundle_is_refused() {
    let w = world(false);
    let tarball = write(&w, "release.tar.gz", b"the release\n");
    write(&w, "other.tar.gz", b"another file\n");
    sign_blob(&w, Some(&w.token()), &[&tarball]).success();
    let bundle = w.dir.join("release.tar.gz.sigstore.json");
    verify_blob(
        &w,
        &tarball.display().to_string(),
        &bundle,
        "alice@example.org",
        ISSUER,
    )
    .success();
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "other.tar.gz",
            "alice@example.org",
            ISSUER,
            "payload-mismatch",
        ),
        (
            "release.tar.gz",
            "mallory@example.org",
            ISSUER,
            "identity-mismatch",
        ),
        (
            "release.tar.gz",
            "alice@example.org",
            "https://accounts.google.com",
            "issuer-mismatch",
        ),
        (
            &format!("sha256:{}", "00".repeat(32)),
            "alice@example.org",
            ISSUER,
            "payload-mismatch",
        ),
    ];
    for (subject, identity, issuer, reason) in cases {
        let refused = verify_blob(&w, subject, &bundle, identity, issuer).exit(1);
        assert!(
            refused
                .stderr
                .contains(&format!("verification failed ({reason})")),
            "{subject}: {}",
            refused.describe()
        );
    }
    // The file changed after signing.
    std::fs::write(&tarball, b"the release, patched\n").expect("write");
    let refused = verify_blob(&w, "release.tar.gz", &bundle, "alice@example.org", ISSUER).exit(1);
    assert!(
        refused.stderr.contains("(payload-mismatch)"),
        "{}",
        refused.describe()
    );
}

#[test]
fn a_timestamped_bundle_carries_the_tsa_token() {
    let w = world(true);
    let file = write(&w, "release.tar.gz", b"the release\n");
    sign_blob(&w, Some(&w.token()), &[&file]).success();
    assert_eq!(w.services.tsa_calls(), 1);
    let bundle = w.dir.join("release.tar.gz.sigstore.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle")).expect("JSON");
    assert!(
        doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
            ["signedTimestamp"]
            .is_string(),
        "{doc:#}"
    );
    verify_blob(&w, "release.tar.gz", &bundle, "alice@example.org", ISSUER).success();
}

/// A file that cannot be read stops the run before anything is signed or logged, and no
/// bundle is left behind.
#[test]
fn a_missing_file_signs_nothing() {
    let w = world(false);
    let file = write(&w, "release.tar.gz", b"the release\n");
    let missing = w.dir.join("missing.deb");
    let refused = sign_blob(&w, Some(&w.token()), &[&file, &missing]).exit(2);
    assert!(
        refused.stderr.contains("missing.deb"),
        "{}",
        refused.describe()
    );
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (0, 0)
    );
    assert!(!w.dir.join("release.tar.gz.sigstore.json").exists());
}

/// A token for `email` at the test issuer, good for five minutes.
fn token_for(w: &World, email: &str) -> String {
    let who = crate::support::sigstore_stack::Identity {
        email: email.into(),
        issuer: ISSUER.into(),
    };
    w.services
        .token(&who, crate::support::sigstore_world::now() + 300)
}

/// `gitseal verify-blob FILE --bundle FILE.sigstore.json` with the test root and `args`.
fn verify_by(w: &World, file: &str, args: &[&str]) -> Run {
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir)
        .arg("verify-blob")
        .arg("--bundle")
        .arg(format!("{file}.sigstore.json"))
        .arg("--trusted-root")
        .arg(w.env.path("trusted_root.json"))
        .args(args)
        .arg(file);
    run(&mut cmd).no_panic()
}

const RELEASE_POLICY: &str = r#"version = 1

[principals.release-ci]
sigstore = [{ issuer = "https://issuer.gitseal.test", subject = "alice@example.org" }]

[principals.dev]
sigstore = [{ issuer = "https://issuer.gitseal.test", subject = "mallory@example.org" }]

[groups]
developers = ["dev"]

[[rules]]
refs = ["refs/tags/v*"]
tags = ["release-ci"]

[release_files]
signers = ["release-ci"]
"#;

/// "Only the release workflow may sign" written once, for tags and release files: a bundle
/// by the principal `[release_files]` names is accepted and says so; one by another
/// principal, by someone the policy does not know, or by a revoked or expired signer is
/// refused with its reason; `--principal` picks other signers; without `--policy` the
/// repository's policy at HEAD is read.
#[test]
fn a_policy_names_who_may_sign_release_files() {
    let w = world(false);
    for (file, email) in [
        ("release.tar.gz", "alice@example.org"),
        ("dev.tar.gz", "mallory@example.org"),
        ("eve.tar.gz", "eve@example.org"),
    ] {
        let path = write(&w, file, format!("{file}\n").as_bytes());
        sign_blob(&w, Some(&token_for(&w, email)), &[&path]).success();
    }
    let policy = w.env.write("policy.toml", RELEASE_POLICY);
    let policy = policy.display().to_string();

    let ok = verify_by(&w, "release.tar.gz", &["--policy", &policy]).success();
    assert!(
        ok.stdout().starts_with("Verified OK: ")
            && ok.stdout().contains("principal: release-ci of "),
        "{}",
        ok.describe()
    );
    let refusals: [(&str, &[&str], &str); 4] = [
        (
            "dev.tar.gz",
            &[],
            "signer dev may not sign release files (allowed: release-ci)",
        ),
        (
            "eve.tar.gz",
            &[],
            "unknown signer: x509 key https://issuer.gitseal.test eve@example.org is not a principal",
        ),
        (
            "release.tar.gz",
            &["--principal", "@developers"],
            "signer release-ci may not sign release files (allowed: @developers)",
        ),
        (
            "eve.tar.gz",
            &["--principal", "dev"],
            "is not a principal of the policy",
        ),
    ];
    for (file, extra, reason) in refusals {
        let mut args = vec!["--policy", policy.as_str()];
        args.extend_from_slice(extra);
        let refused = verify_by(&w, file, &args).exit(1);
        assert!(
            refused.stderr.contains("verification failed (policy)")
                && refused.stderr.contains(reason),
            "{file} {extra:?}: {}",
            refused.describe()
        );
        assert!(refused.stdout().is_empty(), "{}", refused.describe());
    }
    // `--principal` lets the developer's bundle through: the policy's signers, not a flag.
    verify_by(
        &w,
        "dev.tar.gz",
        &["--policy", &policy, "--principal", "dev"],
    )
    .success();

    // A revoked identity, and a principal whose window has closed, are refused at the
    // bundle's signing time.
    let revoked = w.env.write(
        "revoked.toml",
        format!(
            "{RELEASE_POLICY}\n[[revoked]]\nkey = \"alice@example.org\"\nreason = \"token leaked\"\n"
        ),
    );
    let refused = verify_by(
        &w,
        "release.tar.gz",
        &["--policy", &revoked.display().to_string()],
    )
    .exit(1);
    assert!(
        refused.stderr.contains("(policy)") && refused.stderr.contains("is revoked (token leaked)"),
        "{}",
        refused.describe()
    );
    let expired = w.env.write(
        "expired.toml",
        RELEASE_POLICY.replace(
            "subject = \"alice@example.org\" }]\n",
            "subject = \"alice@example.org\" }]\nvalid_before = 2020-01-01T00:00:00Z\n",
        ),
    );
    let refused = verify_by(
        &w,
        "release.tar.gz",
        &["--policy", &expired.display().to_string()],
    )
    .exit(1);
    assert!(
        refused
            .stderr
            .contains("principal release-ci expired at 2020-01-01T00:00:00Z"),
        "{}",
        refused.describe()
    );

    // Bad asks: a principal the policy lacks, a policy without [release_files].
    let usage = verify_by(
        &w,
        "release.tar.gz",
        &["--policy", &policy, "--principal", "nobody"],
    )
    .exit(2);
    assert!(
        usage.stderr.contains("has no principal `nobody`"),
        "{}",
        usage.describe()
    );
    let bare = w.env.write(
        "bare.toml",
        RELEASE_POLICY.replace("[release_files]\nsigners = [\"release-ci\"]\n", ""),
    );
    let usage = verify_by(
        &w,
        "release.tar.gz",
        &["--policy", &bare.display().to_string()],
    )
    .exit(2);
    assert!(
        usage.stderr.contains("has no [release_files] signers"),
        "{}",
        usage.describe()
    );

    // No flags, no policy committed yet: the question stands.
    let usage = verify_by(&w, "release.tar.gz", &[]).exit(2);
    assert!(
        usage.stderr.contains("say whom you expect"),
        "{}",
        usage.describe()
    );
    // The repository's policy at HEAD, with its [release_files].
    std::fs::create_dir_all(w.dir.join(".gitseal")).expect("mkdir");
    std::fs::write(w.dir.join(".gitseal/policy.toml"), RELEASE_POLICY).expect("write");
    w.git(&["add", ".gitseal/policy.toml"]);
    w.git(&["-c", "commit.gpgSign=false", "commit", "-q", "-m", "policy"]);
    let ok = verify_by(&w, "release.tar.gz", &[]).success();
    assert!(
        ok.stdout()
            .contains("principal: release-ci of HEAD:.gitseal/policy.toml"),
        "{}",
        ok.describe()
    );
    let refused = verify_by(&w, "dev.tar.gz", &[]).exit(1);
    assert!(
        refused.stderr.contains("(policy)"),
        "{}",
        refused.describe()
    );
}

/// cosign's `--certificate-github-workflow-*` flags on verify-blob: each claim asked for
/// must be the certificate's; a wrong one refuses with the claim named.
#[test]
fn workflow_flags_match_the_release_certificates_claims() {
    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
    let mut stack = crate::support::sigstore_stack::Stack::new();
    stack.workflow_claims(&[
        (2, "push"),
        (3, SHA),
        (4, "Release"),
        (5, "acme/app"),
        (6, "refs/tags/v1.0"),
        (12, "https://github.com/acme/app"),
        (13, SHA),
        (14, "refs/tags/v1.0"),
        (20, "push"),
    ]);
    let w = World::with_stack(stack, |_| {
        vec![("gitseal.credentialStore", "file".to_string())]
    });
    let file = write(&w, "release.tar.gz", b"the release\n");
    sign_blob(&w, Some(&w.token()), &[&file]).success();
    let who = [
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
    ];
    let mut all = who.to_vec();
    all.extend([
        "--certificate-github-workflow-trigger",
        "push",
        "--certificate-github-workflow-sha",
        SHA,
        "--certificate-github-workflow-name",
        "Release",
        "--certificate-github-workflow-repository",
        "acme/app",
        "--certificate-github-workflow-ref",
        "refs/tags/v1.0",
    ]);
    verify_by(&w, "release.tar.gz", &all).success();
    for (flag, wrong) in [
        (
            "--certificate-github-workflow-trigger",
            "pull_request_target",
        ),
        ("--certificate-github-workflow-repository", "acme/app-fork"),
        ("--certificate-github-workflow-ref", "refs/heads/attacker"),
    ] {
        let mut args = who.to_vec();
        args.extend([flag, wrong]);
        let refused = verify_by(&w, "release.tar.gz", &args).exit(1);
        assert!(
            refused.stderr.contains("(workflow-mismatch)") && refused.stderr.contains(wrong),
            "{flag}: {}",
            refused.describe()
        );
    }
    // With a policy, too: the claims narrow its principals further.
    let policy = w.env.write("policy.toml", RELEASE_POLICY);
    let policy = policy.display().to_string();
    verify_by(
        &w,
        "release.tar.gz",
        &[
            "--policy",
            &policy,
            "--certificate-github-workflow-ref",
            "refs/tags/v1.0",
        ],
    )
    .success();
    let refused = verify_by(
        &w,
        "release.tar.gz",
        &[
            "--policy",
            &policy,
            "--certificate-github-workflow-ref",
            "refs/heads/main",
        ],
    )
    .exit(1);
    assert!(
        refused.stderr.contains("(workflow-mismatch)"),
        "{}",
        refused.describe()
    );
}
