//! `gitseal verify` with OpenPGP signatures: the policy names certificate fingerprints, the
//! certificates live in `.gitseal/keys/*.asc` of the parent's tree, and commits are signed
//! by the real gpg (so the fixtures are gpg's, not ours).

use crate::openpgp_gnupg::{GnuPg, openpgp_repo};
use crate::support::{Repo, TestEnv, require};
use crate::verify_policy::{result, verify_json};

const MAIN: &str = "refs/heads/main";

fn policy(alice_fpr: &str) -> String {
    format!(
        "version = 1\n\n[principals.alice]\nopenpgp = [\"{alice_fpr}\"]\n\n[[rules]]\nrefs = [\"{MAIN}\"]\ncommits = [\"alice\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
    )
}

fn commit(repo: &Repo<'_>, key: &str, message: &str) -> String {
    repo.git(&[
        "-c",
        &format!("user.signingKey={key}"),
        "commit",
        "-q",
        "-S",
        "--allow-empty",
        "-m",
        message,
    ])
    .success();
    repo.git_out(&["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn openpgp_signers_are_judged_by_fingerprint_with_certificates_from_the_tree() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let gnupg = GnuPg::main(&env);
    let alice = gnupg.gen_key("Alice <alice@example.org>", "ed25519", "sign", "never");
    let mallory = gnupg.gen_key("Mallory <mallory@example.org>", "ed25519", "sign", "never");
    let repo = openpgp_repo(&env, "work", std::path::Path::new("gpg"), &alice);

    let keys = repo.dir.join(".gitseal/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("alice.asc"), gnupg.export_armored(&alice)).unwrap();
    std::fs::write(repo.dir.join(".gitseal/policy.toml"), policy(&alice)).unwrap();
    repo.git(&["add", "."]).success();
    let anchor = commit(&repo, &alice, "anchor");
    let good = commit(&repo, &alice, "by alice");
    let unknown = commit(&repo, &mallory, "by mallory");

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1);
    let good_result = result(&doc, &good);
    assert_eq!(good_result["ok"], true, "{doc:#}");
    assert_eq!(good_result["principal"], "alice");
    assert_eq!(good_result["signature"]["format"], "openpgp");
    assert_eq!(good_result["signature"]["key"], alice.as_str());
    assert_eq!(good_result["signature"]["time_source"], "committer");

    let bad = result(&doc, &unknown);
    assert_eq!(bad["ok"], false);
    let reasons = bad["reasons"].to_string();
    assert!(
        reasons.contains("no certificate for OpenPGP key"),
        "{reasons}"
    );
    assert!(
        reasons.contains(&mallory[24..]),
        "names the key id: {reasons}"
    );

    // The certificates come from the parents' trees, which the commit id fixes: the
    // verdicts are cached by id, and a second run from the cache judges alike.
    let cache = std::fs::read_to_string(repo.dir.join(".git/gitseal/verdicts"))
        .expect("OpenPGP verdicts are cached");
    for id in [&good, &unknown] {
        assert!(cache.contains(id.as_str()), "{id} not cached:\n{cache}");
    }
    let (again, cached_doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(again, code);
    assert_eq!(
        cached_doc["results"], doc["results"],
        "the cached run differs"
    );
}

#[test]
fn a_signer_whose_certificate_is_missing_from_the_tree_fails_even_if_gnupg_has_it() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let gnupg = GnuPg::main(&env);
    let alice = gnupg.gen_key("Alice <alice@example.org>", "ed25519", "sign", "never");
    let repo = openpgp_repo(&env, "work", std::path::Path::new("gpg"), &alice);
    std::fs::create_dir_all(repo.dir.join(".gitseal")).unwrap();
    std::fs::write(repo.dir.join(".gitseal/policy.toml"), policy(&alice)).unwrap();
    repo.git(&["add", "."]).success();
    let anchor = commit(&repo, &alice, "anchor without keys");
    let next = commit(&repo, &alice, "by alice");

    // Verification uses the repository's own certificates, never the user's GnuPG keyring.
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1);
    let reasons = result(&doc, &next)["reasons"].to_string();
    assert!(reasons.contains(".gitseal/keys"), "{reasons}");
}

/// gpg accepts SHA-1 signatures and 1024-bit RSA keys, and gitseal in gpg's place says what
/// gpg says; a policy does not take them as proof (a SHA-1 signature can be moved onto a
/// colliding payload), while the same signer's SHA-256 signature beside them passes.
#[test]
fn weak_openpgp_signatures_fail_the_policy_with_their_reason() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let gnupg = GnuPg::main(&env);
    let alice = gnupg.gen_key("Alice <alice@example.org>", "rsa2048", "sign", "never");
    let old = gnupg.gen_key("Old <old@example.org>", "rsa1024", "sign", "never");
    let repo = openpgp_repo(&env, "work", std::path::Path::new("gpg"), &alice);
    let keys = repo.dir.join(".gitseal/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("alice.asc"), gnupg.export_armored(&alice)).unwrap();
    std::fs::write(keys.join("old.asc"), gnupg.export_armored(&old)).unwrap();
    std::fs::write(
        repo.dir.join(".gitseal/policy.toml"),
        format!(
            "version = 1\n\n[principals.alice]\nopenpgp = [\"{alice}\"]\n\n[principals.old]\nopenpgp = [\"{old}\"]\n\n[[rules]]\nrefs = [\"{MAIN}\"]\ncommits = [\"alice\", \"old\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
        ),
    )
    .unwrap();
    repo.git(&["add", "."]).success();
    let anchor = commit(&repo, &alice, "anchor");
    let good = commit(&repo, &alice, "SHA-256 by alice");
    let sha1_gpg = gnupg.wrapper_with("gpg-sha1", None, "--digest-algo SHA1");
    repo.git_with(
        &[("gpg.program", &sha1_gpg.display().to_string())],
        &[
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "-m",
            "SHA-1 by alice",
        ],
    )
    .success();
    let sha1 = repo.git_out(&["rev-parse", "HEAD"]).trim().to_string();
    let short = commit(&repo, &old, "by a 1024-bit key");

    // gitseal as gpg.program keeps gpg's verdicts: both are good signatures to git.
    let gitseal = crate::openpgp_gnupg::gitseal_path();
    for id in [&sha1, &short] {
        let shown = crate::openpgp_gnupg::summary(&repo, &gitseal, id);
        let stock = crate::openpgp_gnupg::summary(&repo, std::path::Path::new("gpg"), id);
        assert_eq!(shown, stock, "gitseal in gpg's place differs for {id}");
        assert!(stock.starts_with('G') || stock.starts_with('U'), "{stock}");
    }

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &good)["ok"], true, "{doc:#}");
    let reasons = |id: &str| {
        let r = result(&doc, id);
        assert_eq!(r["ok"], false, "{r:#}");
        r["reasons"].to_string()
    };
    let sha1_reasons = reasons(&sha1);
    assert!(sha1_reasons.contains("made with SHA1"), "{sha1_reasons}");
    assert!(
        sha1_reasons.contains("open to collisions"),
        "{sha1_reasons}"
    );
    let short_reasons = reasons(&short);
    assert!(short_reasons.contains("1024-bit RSA"), "{short_reasons}");
}
