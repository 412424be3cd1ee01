//! `gitseal verify-commit` on SSH-signed history: the same sources and answers as
//! `git verify-commit` with ssh-keygen (allowed_signers at the committer time).

use crate::support::{KeyType, PRINCIPAL, Program, TestEnv, run};

#[test]
fn verify_commit_judges_ssh_signatures_as_git_does() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    let stranger = env.key(KeyType::Ed25519, "stranger");
    let allowed = env.allowed_signers("allowed", &[key.allowed(PRINCIPAL, "")]);
    let repo = env.init_repo("repo", Program::SshKeygen, &key.private, &allowed);
    let good = repo.signed_commit("good");
    let unsigned = repo.unsigned_commit("unsigned");
    repo.git(&[
        "config",
        "user.signingKey",
        &stranger.private.display().to_string(),
    ])
    .success();
    let foreign = repo.signed_commit("by a stranger");

    let verify = |id: &str| {
        let mut cmd = env.gitseal();
        cmd.current_dir(&repo.dir)
            .args(["verify-commit", "--format", "json", id]);
        run(&mut cmd)
    };
    let json = |r: &crate::support::Run| -> serde_json::Value {
        serde_json::from_str(&r.stdout()).expect("json")
    };
    let ok = json(&verify(&good).success());
    let object = &ok["objects"][0];
    assert_eq!(object["format"], "ssh");
    assert_eq!(object["verified"], true);
    assert_eq!(object["signer"], PRINCIPAL);
    assert_eq!(object["time_source"], "committer");
    // git agrees.
    repo.git(&["verify-commit", &good]).success();

    let stranger_doc = json(&verify(&foreign).exit(1));
    assert_eq!(
        stranger_doc["objects"][0]["failure"]["kind"],
        "unknown-signer"
    );
    assert_ne!(repo.git(&["verify-commit", &foreign]).code, 0);

    let unsigned_doc = json(&verify(&unsigned).exit(1));
    assert_eq!(unsigned_doc["objects"][0]["failure"]["kind"], "unsigned");

    // Several at once: one failure fails the command, every object is reported.
    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir)
        .args(["verify-commit", &good, &foreign]);
    let text = run(&mut cmd).exit(1).stdout();
    assert!(text.contains("good ssh signature"), "{text}");
    assert!(text.contains("FAILED"), "{text}");
}

/// A signature over an object that names two authors: git shows the first, another
/// parser may take the last (gitsign #802). The signature itself is good, so only the
/// refusal of doubled headers stands between it and a pass.
#[test]
fn a_signed_commit_with_a_doubled_author_header_is_refused() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    let allowed = env.allowed_signers("allowed", &[key.allowed(PRINCIPAL, "")]);
    let repo = env.init_repo("repo", Program::SshKeygen, &key.private, &allowed);
    let base = repo.signed_commit("base");
    let tree = repo.git_out(&["rev-parse", &format!("{base}^{{tree}}")]);
    let payload = format!(
        "tree {tree}\nparent {base}\nauthor A U Thor <author@example.org> 1700000000 +0000\n\
         author M Allory <mallory@example.org> 1700000000 +0000\n\
         committer C O Mitter <committer@example.com> 1700000000 +0000\n\ndoubled\n"
    );
    let signature = crate::support::run_stdin(
        env.ssh_keygen()
            .args(["-Y", "sign", "-n", "git", "-f"])
            .arg(&key.private),
        payload.as_bytes(),
    )
    .success()
    .stdout();
    let (headers, body) = payload.split_once("\n\n").expect("headers");
    let mut object = format!("{headers}\ngpgsig");
    for line in signature.lines() {
        object.push(' ');
        object.push_str(line);
        object.push('\n');
    }
    object.push('\n');
    object.push_str(body);
    let path = env.write("doubled.commit", object.as_bytes());
    let id = repo.git_out(&[
        "hash-object",
        "-t",
        "commit",
        "-w",
        "--literally",
        &path.display().to_string(),
    ]);

    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir)
        .args(["verify-commit", "--format", "json", &id]);
    let out = run(&mut cmd);
    assert_ne!(out.code, 0, "{}", out.describe());
    assert!(
        out.describe().contains("more than one author header"),
        "{}",
        out.describe()
    );
}
