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
