//! A signed push (`git push --signed`) whose certificate gitseal signs and the receiving
//! side verifies with gitseal: the pre-receive hook sees `GIT_PUSH_CERT_STATUS=G`
//! (reference/git-contract.md section 5).

use crate::openpgp_gnupg::{GnuPg, gitseal_path, make_executable, openpgp_repo};
use crate::support::TestEnv;

#[test]
fn signed_push_certificate_verifies_in_the_pre_receive_hook() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    let gitseal = gitseal_path();
    let repo = openpgp_repo(&env, "client", &gitseal, &fpr);
    repo.signed_commit("to push");

    let server = env.path("server.git");
    crate::support::run(env.command("git").args([
        "init",
        "-q",
        "--bare",
        &server.display().to_string(),
    ]))
    .success();
    for (k, v) in [
        ("receive.certNonceSeed", "sekrit"),
        ("gpg.program", &gitseal.display().to_string()),
    ] {
        crate::support::run(env.git(&server).args(["config", k, v])).success();
    }
    let seen = env.path("hook.out");
    let hook = server.join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$GIT_PUSH_CERT_STATUS\" \"$GIT_PUSH_CERT_KEY\" \"$GIT_PUSH_CERT_SIGNER\" \"$GIT_PUSH_CERT_NONCE_STATUS\" > '{}'\n",
            seen.display()
        ),
    )
    .expect("write hook");
    make_executable(&hook);

    repo.git(&[
        "push",
        "-q",
        "--signed",
        &server.display().to_string(),
        "main",
    ])
    .success();
    let got = std::fs::read_to_string(&seen).expect("the hook ran");
    assert_eq!(
        got.trim(),
        format!("G|{}|C O Mitter <committer@example.com>|OK", &fpr[24..])
    );
}
