//! Real git with gitseal as `gpg.ssh.program`, every outcome SSH signing can produce, each
//! run twice in identical repositories: once with gitseal, once with ssh-keygen. Same keys,
//! same dates, so (Ed25519 being deterministic) the same commit ids, and git must report
//! the same `%G?|%GS|%GK|%GF|%GP|%GT` and the same `verify-commit` exit code.

use crate::support::{Key, KeyType, PRINCIPAL, Program, Repo, TestEnv, commit_with_signature, run};
use std::path::{Path, PathBuf};

/// What git made of one commit's signature.
#[derive(Debug)]
struct Outcome {
    commit: String,
    summary: String,
    verify_code: i32,
    verify_stderr: String,
}

/// Builds the same history with each program and checks git's view of it is the same.
/// Returns gitseal's outcome for the scenario's own expectations.
fn compare(
    env: &TestEnv,
    scenario: &str,
    key: &Key,
    allowed: &Path,
    config: &[(&str, &str)],
    build: impl Fn(&Repo) -> String,
) -> Outcome {
    let mut outcomes = Vec::new();
    for program in Program::BOTH {
        let repo = env.init_repo(
            &format!("{scenario}-{program:?}"),
            program,
            &key.private,
            allowed,
        );
        let commit = build(&repo);
        let summary = repo.signature_summary(&commit, config);
        let verify = repo.git_with(config, &["verify-commit", &commit]);
        outcomes.push(Outcome {
            commit,
            summary,
            verify_code: verify.code,
            verify_stderr: verify.stderr,
        });
    }
    let (ours, theirs) = (&outcomes[0], &outcomes[1]);
    assert_eq!(
        ours.commit, theirs.commit,
        "{scenario}: the repositories differ (signatures not byte-identical?)"
    );
    assert_eq!(
        ours.summary, theirs.summary,
        "{scenario}: %G?|%GS|%GK|%GF|%GP|%GT differ (left gitseal, right ssh-keygen)\n\
         gitseal verify-commit:\n{}\nssh-keygen verify-commit:\n{}",
        ours.verify_stderr, theirs.verify_stderr
    );
    assert_eq!(
        ours.verify_code, theirs.verify_code,
        "{scenario}: verify-commit exit codes differ\ngitseal:\n{}\nssh-keygen:\n{}",
        ours.verify_stderr, theirs.verify_stderr
    );
    assert!(!ours.verify_stderr.contains("panicked"), "{ours:?}");
    outcomes.swap_remove(0)
}

fn signer(env: &TestEnv) -> Key {
    env.key(KeyType::Ed25519, "signer")
}

fn good(fingerprint: &str) -> String {
    format!("G|{PRINCIPAL}|{fingerprint}|{fingerprint}||fully")
}

fn untrusted(fingerprint: &str) -> String {
    format!("U||{fingerprint}|{fingerprint}||undefined")
}

const BAD: &str = "B|||||never";

/// A signature whose key is listed under `options` (may be empty).
fn allowed_with(env: &TestEnv, key: &Key, options: &str) -> PathBuf {
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, options)])
}

#[test]
fn good_signature() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let outcome = compare(&env, "good", &key, &allowed, &[], |repo| {
        let id = repo.signed_commit("good");
        let shown = repo.git_out(&["log", "-1", "--show-signature"]);
        assert!(
            shown.contains(&format!(
                "Good \"git\" signature for {PRINCIPAL} with ED25519 key {}",
                key.fingerprint()
            )),
            "{:?}: {shown}",
            repo.program
        );
        id
    });
    assert_eq!(outcome.summary, good(&key.fingerprint()));
    assert_eq!(outcome.verify_code, 0);
    assert!(
        outcome
            .verify_stderr
            .starts_with("Good \"git\" signature for "),
        "{}",
        outcome.verify_stderr
    );
}

#[test]
fn unknown_key() {
    let env = TestEnv::new();
    let key = signer(&env);
    let other = env.key(KeyType::Ed25519, "other");
    let allowed = allowed_with(&env, &other, "");
    let outcome = compare(&env, "unknown", &key, &allowed, &[], |repo| {
        repo.signed_commit("unknown")
    });
    assert_eq!(outcome.summary, untrusted(&key.fingerprint()));
    assert_eq!(outcome.verify_code, 1);
    assert!(
        outcome.verify_stderr.contains("No principal matched."),
        "{}",
        outcome.verify_stderr
    );
}

#[test]
fn key_expired_before_the_commit() {
    let env = TestEnv::new();
    let key = signer(&env);
    // The commits are made on 2023-11-14.
    let allowed = allowed_with(&env, &key, "valid-before=\"20230101\"");
    let outcome = compare(&env, "expired", &key, &allowed, &[], |repo| {
        repo.signed_commit("expired")
    });
    assert_eq!(outcome.summary, untrusted(&key.fingerprint()));
    assert_eq!(outcome.verify_code, 1);
    assert!(
        outcome.verify_stderr.contains("key has expired"),
        "{}",
        outcome.verify_stderr
    );
}

#[test]
fn key_not_yet_valid_at_the_commit() {
    let env = TestEnv::new();
    let key = signer(&env);
    // Valid from 2024 on: after the commit, before today. Only the commit time decides.
    let allowed = allowed_with(&env, &key, "valid-after=\"20240101\"");
    let outcome = compare(&env, "not-yet-valid", &key, &allowed, &[], |repo| {
        repo.signed_commit("not yet valid")
    });
    assert_eq!(outcome.summary, untrusted(&key.fingerprint()));
    assert_eq!(outcome.verify_code, 1);
    assert!(
        outcome.verify_stderr.contains("key is not yet valid"),
        "{}",
        outcome.verify_stderr
    );
}

#[test]
fn key_expired_today_but_valid_at_the_commit() {
    let env = TestEnv::new();
    let key = signer(&env);
    // Expired on 2024-01-01, after the 2023 commit: git passes the commit time.
    let allowed = allowed_with(&env, &key, "valid-before=\"20240101\"");
    let outcome = compare(&env, "valid-then", &key, &allowed, &[], |repo| {
        repo.signed_commit("valid then")
    });
    assert_eq!(outcome.summary, good(&key.fingerprint()));
    assert_eq!(outcome.verify_code, 0);
}

#[test]
fn wrong_namespace() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let outcome = compare(&env, "namespace", &key, &allowed, &[], |repo| {
        // The payload signed by ssh-keygen for the "file" namespace, put on a commit.
        let unsigned = repo.unsigned_commit("wrong namespace");
        let payload = repo
            .git(&["cat-file", "commit", &unsigned])
            .success()
            .stdout;
        let payload_path = repo.dir.join("payload");
        std::fs::write(&payload_path, &payload).unwrap();
        run(repo
            .env
            .ssh_keygen()
            .args(["-Y", "sign", "-n", "file", "-f"])
            .arg(&key.private)
            .arg(&payload_path))
        .success();
        let armored = std::fs::read_to_string(repo.dir.join("payload.sig")).unwrap();
        let crafted = commit_with_signature(&String::from_utf8(payload).unwrap(), &armored);
        repo.write_commit(crafted.as_bytes())
    });
    assert_eq!(outcome.summary, BAD);
    assert_eq!(outcome.verify_code, 1);
    assert!(
        outcome.verify_stderr.contains("namespace"),
        "{}",
        outcome.verify_stderr
    );
}

#[test]
fn tampered_commit() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let outcome = compare(&env, "tampered", &key, &allowed, &[], |repo| {
        let signed = repo.signed_commit("original message");
        let raw = repo
            .git(&["cat-file", "commit", &signed])
            .success()
            .stdout();
        assert!(raw.contains("\ngpgsig "), "{raw}");
        let edited = raw.replace("\n\noriginal message\n", "\n\nedited message\n");
        assert_ne!(edited, raw);
        let id = repo.write_commit(edited.as_bytes());
        assert_ne!(id, signed);
        id
    });
    assert_eq!(outcome.summary, BAD);
    assert_eq!(outcome.verify_code, 1);
}

#[test]
fn revoked_by_a_key_list() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let other = env.key(KeyType::Ed25519, "other");
    let list = env.write(
        "revoked_keys",
        format!(
            "# revoked\n{}\n{}\n",
            std::fs::read_to_string(&other.public).unwrap().trim(),
            std::fs::read_to_string(&key.public).unwrap().trim()
        ),
    );
    let config = [("gpg.ssh.revocationFile", list.to_str().unwrap())];
    let outcome = compare(&env, "revoked-list", &key, &allowed, &config, |repo| {
        let id = repo.signed_commit("revoked");
        // Without the revocation file the same commit is good.
        assert_eq!(repo.signature_summary(&id, &[]), good(&key.fingerprint()));
        id
    });
    assert_eq!(outcome.summary, BAD);
    assert_eq!(outcome.verify_code, 1);
}

#[test]
fn revoked_by_a_krl() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let krl = env.path("revoked.krl");
    run(env
        .ssh_keygen()
        .args(["-k", "-f"])
        .arg(&krl)
        .arg(&key.public))
    .success();
    assert!(std::fs::read(&krl).unwrap().starts_with(b"SSHKRL\n\0"));
    let config = [("gpg.ssh.revocationFile", krl.to_str().unwrap())];
    let outcome = compare(&env, "revoked-krl", &key, &allowed, &config, |repo| {
        repo.signed_commit("revoked")
    });
    assert_eq!(outcome.summary, BAD);
    assert_eq!(outcome.verify_code, 1);

    // A KRL that revokes another key leaves this one good.
    let other = env.key(KeyType::Ed25519, "other");
    let other_krl = env.path("other.krl");
    run(env
        .ssh_keygen()
        .args(["-k", "-f"])
        .arg(&other_krl)
        .arg(&other.public))
    .success();
    let config = [("gpg.ssh.revocationFile", other_krl.to_str().unwrap())];
    let outcome = compare(&env, "not-revoked-krl", &key, &allowed, &config, |repo| {
        repo.signed_commit("not revoked")
    });
    assert_eq!(outcome.summary, good(&key.fingerprint()));
}

#[test]
fn wildcard_principal_is_the_signer() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = env.allowed_signers(
        "allowed_signers",
        &[key.allowed("*@example.com", "namespaces=\"git\"")],
    );
    let outcome = compare(&env, "wildcard", &key, &allowed, &[], |repo| {
        repo.signed_commit("wildcard")
    });
    let fp = key.fingerprint();
    assert_eq!(outcome.summary, format!("G|*@example.com|{fp}|{fp}||fully"));
}

#[test]
fn signed_tags_verify_the_same() {
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let mut tags = Vec::new();
    for program in Program::BOTH {
        let repo = env.init_repo(&format!("tag-{program:?}"), program, &key.public, &allowed);
        repo.signed_commit("tagged");
        repo.git(&["tag", "-s", "-m", "release 1", "v1"]).success();
        let tag = repo.git_out(&["rev-parse", "v1"]);
        let object = repo.git(&["cat-file", "tag", "v1"]).success().stdout();
        assert!(
            object.contains("-----BEGIN SSH SIGNATURE-----"),
            "{program:?}: {object}"
        );
        let verified = repo.git(&["verify-tag", "v1"]).success();
        assert!(
            verified.stderr.starts_with(&format!(
                "Good \"git\" signature for {PRINCIPAL} with ED25519 key {}",
                key.fingerprint()
            )),
            "{program:?}: {}",
            verified.describe()
        );
        let format = repo.git_out(&["verify-tag", "--format=%(objectname) %(tag)", "v1"]);
        assert_eq!(format, format!("{tag} v1"));
        // `git tag -v` is the verbose form of the same check.
        repo.git(&["tag", "-v", "v1"]).success();

        // Tampering with the tag message breaks it.
        let edited = object.replace("release 1", "release 2");
        let forged = repo
            .git_stdin(
                &["hash-object", "-t", "tag", "-w", "--stdin"],
                edited.as_bytes(),
            )
            .success()
            .stdout()
            .trim()
            .to_string();
        let failed = repo.git(&["verify-tag", &forged]).exit(1);
        tags.push((tag, verified.stderr, failed.stderr));
    }
    assert_eq!(tags[0].0, tags[1].0, "tag objects differ");
    assert_eq!(tags[0].1, tags[1].1, "verify-tag output differs");
    assert_eq!(
        tags[0].2.lines().next(),
        tags[1].2.lines().next(),
        "forged tag output differs"
    );
}

#[test]
fn commit_tree_prints_only_the_commit_id() {
    // t7528: the signing program inherits git's stdout and must print nothing there.
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let repo = env.init_repo("commit-tree", Program::Gitseal, &key.private, &allowed);
    repo.unsigned_commit("base");
    let out = repo
        .git(&["commit-tree", "-S", "-m", "signed", "HEAD^{tree}"])
        .success();
    let stdout = out.stdout();
    assert_eq!(stdout.lines().count(), 1, "{}", out.describe());
    let id = stdout.trim();
    assert_eq!(repo.signature_summary(id, &[]), good(&key.fingerprint()));
}

#[test]
fn literal_public_key_without_agent_fails_cleanly() {
    // `key::` makes git pass -U; with no agent, signing must fail, not fall back.
    let env = TestEnv::new();
    let key = signer(&env);
    let allowed = allowed_with(&env, &key, "");
    let repo = env.init_repo("literal", Program::Gitseal, &key.private, &allowed);
    std::fs::write(repo.dir.join("file.txt"), "x\n").unwrap();
    repo.git(&["add", "file.txt"]).success();
    let literal = format!("key::{}", key.public_line());
    let out = repo.git_with(
        &[("user.signingKey", &literal)],
        &["commit", "-q", "-S", "-m", "x"],
    );
    assert_ne!(out.code, 0, "{}", out.describe());
    assert!(out.stderr.contains("agent"), "{}", out.describe());
    assert!(!out.stderr.contains("panicked"), "{}", out.describe());
}

#[test]
fn every_key_type_signs_commits_that_ssh_keygen_verifies() {
    let env = TestEnv::new();
    for kind in KeyType::ALL {
        let key = env.key(kind, "signer");
        let allowed =
            env.allowed_signers(&format!("allowed-{kind:?}"), &[key.allowed(PRINCIPAL, "")]);
        let repo = env.init_repo(
            &format!("types-{kind:?}"),
            Program::Gitseal,
            &key.private,
            &allowed,
        );
        let id = repo.signed_commit(&format!("signed with {kind:?}"));
        let expected = format!("G|{PRINCIPAL}|{fp}|{fp}||fully", fp = key.fingerprint());
        assert_eq!(repo.signature_summary(&id, &[]), expected, "{kind:?}");
        let ssh_keygen = crate::support::require("ssh-keygen", "openssh-client");
        let with_reference = [("gpg.ssh.program", ssh_keygen.to_str().unwrap())];
        assert_eq!(
            repo.signature_summary(&id, &with_reference),
            expected,
            "{kind:?}: ssh-keygen does not verify gitseal's commit signature"
        );
        let verified = repo.git(&["verify-commit", &id]).success();
        assert!(
            verified
                .stderr
                .contains(&format!("with {} key", kind.type_name())),
            "{kind:?}: {}",
            verified.stderr
        );
    }
}
