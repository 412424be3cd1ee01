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
