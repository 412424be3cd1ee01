//! Encrypted private keys: with no terminal, the passphrase comes from `SSH_ASKPASS`. A
//! wrong one fails with one clear line, writes no signature, and no passphrase is ever
//! printed.

use crate::support::{Key, PRINCIPAL, Program, Run, TestEnv, require, run, run_stdin, set_mode};
use std::path::Path;
use std::process::Command;

const PASSPHRASE: &str = "correct horse battery staple";
const WRONG: &str = "incorrect donkey";
const MESSAGE: &[u8] = b"signed with an encrypted key\n";

/// An SSH_ASKPASS program that records its prompt and answers `answer`.
fn askpass(env: &TestEnv, name: &str, answer: &str) -> std::path::PathBuf {
    let prompt_log = env.path(&format!("{name}.prompt"));
    let script = env.write(
        name,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}'\nprintf '%s\\n' '{answer}'\n",
            prompt_log.display()
        ),
    );
    set_mode(&script, 0o755);
    script
}

/// `cmd` with no controlling terminal (`setsid -w`), asking `askpass` for passphrases.
fn detached(env: &TestEnv, program: Program, askpass: Option<&Path>) -> Command {
    let setsid = require("setsid", "util-linux");
    let mut cmd = env.command(setsid);
    cmd.arg("-w").arg(match program {
        Program::Gitseal => crate::support::GITSEAL.to_string(),
        Program::SshKeygen => require("ssh-keygen", "openssh-client")
            .display()
            .to_string(),
    });
    if let Some(askpass) = askpass {
        cmd.env("SSH_ASKPASS", askpass);
        if program == Program::SshKeygen {
            // ssh-keygen only uses askpass with a DISPLAY, unless forced.
            cmd.env("SSH_ASKPASS_REQUIRE", "force");
        }
    }
    cmd
}

fn sign_detached(
    env: &TestEnv,
    program: Program,
    key: &Key,
    askpass: Option<&Path>,
    name: &str,
) -> Run {
    let message = env.write(name, MESSAGE);
    run(detached(env, program, askpass)
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(&message))
}

#[track_caller]
fn assert_no_passphrase(out: &Run) {
    for secret in [PASSPHRASE, WRONG] {
        assert!(
            !out.stdout().contains(secret) && !out.stderr.contains(secret),
            "a passphrase was printed\n{}",
            out.describe()
        );
    }
}

#[test]
fn encrypted_key_unlocked_through_ssh_askpass() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", PASSPHRASE);
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let helper = askpass(&env, "askpass", PASSPHRASE);

    let ours = sign_detached(&env, Program::Gitseal, &key, Some(&helper), "ours").success();
    assert_no_passphrase(&ours);
    assert!(ours.stdout.is_empty());
    let prompt = std::fs::read_to_string(env.path("askpass.prompt")).unwrap();
    assert!(
        prompt.to_lowercase().contains("passphrase"),
        "askpass was not asked for a passphrase: {prompt:?}"
    );
    sign_detached(&env, Program::SshKeygen, &key, Some(&helper), "theirs").success();
    let ours_sig = std::fs::read(env.path("ours.sig")).unwrap();
    assert_eq!(ours_sig, std::fs::read(env.path("theirs.sig")).unwrap());
    assert!(!String::from_utf8_lossy(&ours_sig).contains(PASSPHRASE));
    run_stdin(
        env.ssh_keygen()
            .args(["-Y", "verify", "-n", "git", "-f", "allowed_signers", "-I"])
            .arg(PRINCIPAL)
            .args(["-s", "ours.sig"]),
        MESSAGE,
    )
    .success();

    // SSH_ASKPASS_REQUIRE=force uses the helper even where a terminal might exist.
    let message = env.write("forced", MESSAGE);
    let forced = run(env
        .gitseal()
        .env("SSH_ASKPASS", &helper)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(&message))
    .success();
    assert_no_passphrase(&forced);
    assert_eq!(std::fs::read(env.path("forced.sig")).unwrap(), ours_sig);
}

#[test]
fn wrong_passphrase_fails_with_one_line_and_no_signature() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", PASSPHRASE);
    let helper = askpass(&env, "askpass", WRONG);
    let ours = sign_detached(&env, Program::Gitseal, &key, Some(&helper), "ours")
        .exit(255)
        .no_panic();
    assert_no_passphrase(&ours);
    assert!(ours.stdout.is_empty());
    let lines = ours.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", ours.describe());
    assert!(lines[0].contains("passphrase"), "{}", ours.stderr);
    assert!(!env.path("ours.sig").exists());

    let theirs = sign_detached(&env, Program::SshKeygen, &key, Some(&helper), "theirs");
    assert_ne!(theirs.code, 0);
    assert!(!env.path("theirs.sig").exists());
}

#[test]
fn no_terminal_and_no_askpass_fails_clearly() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", PASSPHRASE);
    let ours = sign_detached(&env, Program::Gitseal, &key, None, "ours")
        .exit(255)
        .no_panic();
    assert_eq!(ours.stderr_lines().len(), 1, "{}", ours.describe());
    assert!(!env.path("ours.sig").exists());
}

#[test]
fn git_commit_with_an_encrypted_key_through_ssh_askpass() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", PASSPHRASE);
    let allowed = env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let helper = askpass(&env, "askpass", PASSPHRASE);
    let repo = env.init_repo("repo", Program::Gitseal, &key.private, &allowed);
    std::fs::write(repo.dir.join("file.txt"), "x\n").unwrap();
    repo.git(&["add", "file.txt"]).success();
    let setsid = require("setsid", "util-linux");
    let mut cmd = env.command(setsid);
    cmd.arg("-w")
        .arg(require("git", "git"))
        .args(["commit", "-q", "-S", "-m", "encrypted"])
        .current_dir(&repo.dir)
        .env("SSH_ASKPASS", &helper);
    let out = run(&mut cmd).success();
    assert_no_passphrase(&out);
    let fp = key.fingerprint();
    assert_eq!(
        repo.signature_summary("HEAD", &[]),
        format!("G|{PRINCIPAL}|{fp}|{fp}||fully")
    );

    // With the wrong passphrase git fails and shows gitseal's one line.
    let wrong = askpass(&env, "wrong-askpass", WRONG);
    let mut cmd = env.command(require("setsid", "util-linux"));
    cmd.arg("-w")
        .arg(require("git", "git"))
        .args(["commit", "-q", "--allow-empty", "-S", "-m", "wrong"])
        .current_dir(&repo.dir)
        .env("SSH_ASKPASS", &wrong);
    let out = run(&mut cmd);
    assert_ne!(out.code, 0, "{}", out.describe());
    assert_no_passphrase(&out);
    assert!(out.stderr.contains("passphrase"), "{}", out.describe());
}
