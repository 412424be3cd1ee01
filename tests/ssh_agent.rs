//! Signing through a real ssh-agent started by the test: `-U` with a `.pub` key file, git's
//! `key::` literal signing key, and the failure when the agent lacks the key.

use crate::support::{KeyType, PRINCIPAL, Program, TestEnv, run, run_stdin};

const MESSAGE: &[u8] = b"signed through the agent\n";

#[test]
fn signs_with_dash_u_and_a_public_key_file() {
    let env = TestEnv::new();
    let agent = env.start_agent();
    let kinds = [KeyType::Ed25519, KeyType::Ecdsa256, KeyType::Rsa3072];
    let mut lines = Vec::new();
    let keys: Vec<_> = kinds.iter().map(|&k| env.key(k, "agent-key")).collect();
    for key in &keys {
        run(agent
            .with(&mut env.command("ssh-add"))
            .arg("-q")
            .arg(&key.private))
        .success();
        // Only the agent can sign now.
        std::fs::remove_file(&key.private).unwrap();
        lines.push(key.allowed(PRINCIPAL, ""));
    }
    env.allowed_signers("allowed_signers", &lines);

    for key in &keys {
        let kind = key.kind;
        let mut sigs = Vec::new();
        for program in Program::BOTH {
            let message = env.write(&format!("msg-{kind:?}-{program:?}"), MESSAGE);
            let out = run(agent
                .with(&mut env.program(program))
                .args(["-Y", "sign", "-n", "git", "-f"])
                .arg(&key.public)
                .arg("-U")
                .arg(&message))
            .success();
            assert!(out.stdout.is_empty(), "{program:?} printed on stdout");
            let sig = format!("{}.sig", message.display());
            let verified = run_stdin(
                env.ssh_keygen()
                    .args(["-Y", "verify", "-n", "git", "-f", "allowed_signers", "-I"])
                    .arg(PRINCIPAL)
                    .args(["-s", &sig]),
                MESSAGE,
            )
            .success();
            assert!(
                verified.stdout().starts_with(&format!(
                    "Good \"git\" signature for {PRINCIPAL} with {} key",
                    kind.type_name()
                )),
                "{}",
                verified.describe()
            );
            sigs.push(std::fs::read(&sig).unwrap());
        }
        if kind.deterministic() {
            assert_eq!(
                sigs[0], sigs[1],
                "{kind:?}: gitseal's agent signature differs from ssh-keygen's"
            );
        }
    }
}

#[test]
fn git_literal_signing_key_signs_through_the_agent() {
    let env = TestEnv::new();
    let agent = env.start_agent();
    let key = env.key(KeyType::Ed25519, "agent-key");
    run(agent
        .with(&mut env.command("ssh-add"))
        .arg("-q")
        .arg(&key.private))
    .success();
    std::fs::remove_file(&key.private).unwrap();
    let allowed = env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let literal = format!("key::{}", key.public_line());

    let mut ids = Vec::new();
    for program in Program::BOTH {
        let repo = env.init_repo(
            &format!("literal-{program:?}"),
            program,
            &key.public,
            &allowed,
        );
        repo.git(&["config", "user.signingKey", &literal]).success();
        std::fs::write(repo.dir.join("file.txt"), "agent\n").unwrap();
        repo.git(&["add", "file.txt"]).success();
        // git writes the literal key to a temporary file and passes -U.
        let out = run(agent.with(&mut env.git(&repo.dir)).args([
            "commit",
            "-q",
            "-S",
            "-m",
            "signed by the agent",
        ]));
        assert_eq!(out.code, 0, "{program:?}: {}", out.describe());
        let id = repo.git_out(&["rev-parse", "HEAD"]);
        // Verification needs no agent.
        let fp = key.fingerprint();
        assert_eq!(
            repo.signature_summary(&id, &[]),
            format!("G|{PRINCIPAL}|{fp}|{fp}||fully")
        );
        ids.push(id);
    }
    assert_eq!(ids[0], ids[1], "the agent-signed commits differ");
}

#[test]
fn key_missing_from_the_agent_fails_clearly_and_writes_no_signature() {
    let env = TestEnv::new();
    let agent = env.start_agent();
    let held = env.key(KeyType::Ed25519, "agent-key");
    run(agent
        .with(&mut env.command("ssh-add"))
        .arg("-q")
        .arg(&held.private))
    .success();
    let missing = env.key(KeyType::Ed25519, "other");

    let mut codes = Vec::new();
    for program in Program::BOTH {
        let message = env.write(&format!("msg-{program:?}"), MESSAGE);
        let out = run(agent
            .with(&mut env.program(program))
            .args(["-Y", "sign", "-n", "git", "-f"])
            .arg(&missing.public)
            .arg("-U")
            .arg(&message))
        .no_panic();
        assert!(
            !env.path(&format!("msg-{program:?}.sig")).exists(),
            "{program:?} wrote a signature"
        );
        assert!(out.stdout.is_empty());
        codes.push(out.code);
        if program == Program::Gitseal {
            let lines = out.stderr_lines();
            assert_eq!(lines, ["Couldn't find key in agent"], "{}", out.describe());
        }
    }
    assert_eq!(codes, [255, 255]);

    // No agent at all with -U: also a clear failure, nothing written.
    let message = env.write("msg-no-agent", MESSAGE);
    let out = run(env
        .gitseal()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&held.public)
        .arg("-U")
        .arg(&message))
    .exit(255);
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.describe());
    assert!(out.stderr.contains("agent"), "{}", out.stderr);
    assert!(!env.path("msg-no-agent.sig").exists());
}

#[test]
fn agent_holding_a_certificate_without_expiry_still_signs() {
    let env = TestEnv::new();
    let agent = env.start_agent();
    let ca = env.key(KeyType::Ed25519, "ca");
    let key = env.key(KeyType::Ed25519, "agent-key");
    let cert = env.certify(&ca, &key, &["alice"], None);
    // ssh-add adds key-cert.pub along with the key.
    run(agent
        .with(&mut env.command("ssh-add"))
        .arg("-q")
        .arg(&key.private))
    .success();
    let listed = run(agent.with(&mut env.command("ssh-add")).arg("-l")).success();
    assert!(
        listed.stdout().contains("ED25519-CERT"),
        "{}",
        listed.stdout()
    );
    for (file, name) in [(&key.public, "plain"), (&cert, "cert")] {
        let message = env.write(name, MESSAGE);
        let ours = run(agent
            .with(&mut env.gitseal())
            .args(["-Y", "sign", "-n", "git", "-U", "-f"])
            .arg(file)
            .arg(&message));
        assert_eq!(ours.code, 0, "{name}: {}", ours.describe());
    }
}
