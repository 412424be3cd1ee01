//! Cross-verification with the real ssh-keygen, both ways: ssh-keygen verifies what gitseal
//! signs and gitseal verifies what ssh-keygen signs, for every key type, for OpenSSH
//! certificates, and for a security-key (sk-ssh-ed25519) signature.

use crate::support::{Key, KeyType, PRINCIPAL, Program, Run, TestEnv, run, run_stdin, sshsig};
use std::path::Path;

const MESSAGE: &[u8] =
    b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 0 +0000\n\nmsg\n";

/// Signs `MESSAGE` with `program` (`-Y sign -f key_file`) into `<name>`, `<name>.sig`.
fn sign(env: &TestEnv, program: Program, key_file: &Path, name: &str) -> Vec<u8> {
    let message = env.write(name, MESSAGE);
    run(env
        .program(program)
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(key_file)
        .arg(&message))
    .success();
    std::fs::read(env.path(&format!("{name}.sig"))).expect("signature written")
}

fn verify(env: &TestEnv, program: Program, sig: &str, identity: &str, extra: &[&str]) -> Run {
    run_stdin(
        env.program(program)
            .args(["-Y", "verify", "-n", "git", "-f", "allowed_signers", "-I"])
            .arg(identity)
            .args(["-s", sig])
            .args(extra),
        MESSAGE,
    )
}

fn check_novalidate(env: &TestEnv, program: Program, sig: &str) -> Run {
    run_stdin(
        env.program(program)
            .args(["-Y", "check-novalidate", "-n", "git", "-s", sig]),
        MESSAGE,
    )
}

fn find_principals(env: &TestEnv, program: Program, sig: &str, extra: &[&str]) -> Run {
    run(env
        .program(program)
        .args(["-Y", "find-principals", "-f", "allowed_signers", "-s", sig])
        .args(extra))
}

/// Every verifying command gives the same answer from both programs.
fn verify_with_both(env: &TestEnv, sig: &str, identity: &str, extra: &[&str]) -> Run {
    let ours = verify(env, Program::Gitseal, sig, identity, extra).no_panic();
    let theirs = verify(env, Program::SshKeygen, sig, identity, extra);
    assert_eq!(
        (ours.code, ours.stdout()),
        (theirs.code, theirs.stdout()),
        "verify {sig} -I {identity} {extra:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
        ours.describe(),
        theirs.describe()
    );
    let ours_fp = find_principals(env, Program::Gitseal, sig, extra).no_panic();
    let theirs_fp = find_principals(env, Program::SshKeygen, sig, extra);
    assert_eq!(
        (ours_fp.code, ours_fp.stdout()),
        (theirs_fp.code, theirs_fp.stdout()),
        "find-principals {sig} {extra:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
        ours_fp.describe(),
        theirs_fp.describe()
    );
    ours
}

#[test]
fn every_key_type_cross_verifies() {
    let env = TestEnv::new();
    let mut lines = Vec::new();
    let keys: Vec<Key> = KeyType::ALL
        .iter()
        .map(|&kind| {
            let key = env.key(kind, "signer");
            lines.push(key.allowed(PRINCIPAL, ""));
            key
        })
        .collect();
    env.allowed_signers("allowed_signers", &lines);

    for key in &keys {
        let kind = key.kind;
        let ours = sign(
            &env,
            Program::Gitseal,
            &key.private,
            &format!("{kind:?}-ours"),
        );
        let theirs = sign(
            &env,
            Program::SshKeygen,
            &key.private,
            &format!("{kind:?}-theirs"),
        );
        if kind.deterministic() {
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{kind:?}: signatures are deterministic, gitseal's differs from ssh-keygen's"
            );
        }
        let good = format!(
            "Good \"git\" signature for {PRINCIPAL} with {} key {}\n",
            kind.type_name(),
            key.fingerprint()
        );
        for signer in ["ours", "theirs"] {
            let sig = format!("{kind:?}-{signer}.sig");
            let out = verify_with_both(&env, &sig, PRINCIPAL, &[]);
            assert_eq!(out.stdout(), good, "{kind:?} {signer}: {}", out.describe());
            assert_eq!(out.code, 0);
            for program in Program::BOTH {
                let out = check_novalidate(&env, program, &sig);
                assert_eq!(
                    out.stdout(),
                    format!(
                        "Good \"git\" signature with {} key {}\n",
                        kind.type_name(),
                        key.fingerprint()
                    ),
                    "{kind:?} {signer} checked by {program:?}: {}",
                    out.describe()
                );
            }
        }
        // Signing with the .pub path finds the private key beside it.
        let from_pub = sign(
            &env,
            Program::Gitseal,
            &key.public,
            &format!("{kind:?}-pub"),
        );
        if kind.deterministic() {
            assert_eq!(from_pub, theirs, "{kind:?}");
        }
        let out = verify(
            &env,
            Program::SshKeygen,
            &format!("{kind:?}-pub.sig"),
            PRINCIPAL,
            &[],
        );
        assert_eq!(out.stdout(), good, "{kind:?}: {}", out.describe());
    }
}

#[test]
fn certificates_verify_against_a_cert_authority_line() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let rsa_ca = env.key(KeyType::Rsa3072, "ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    let ecdsa_user = env.key(KeyType::Ecdsa256, "cert-user");
    let cert = env.certify(&ca, &user, &["alice", "bob"], None);
    let ecdsa_cert = env.certify(&rsa_ca, &ecdsa_user, &["alice"], None);
    env.allowed_signers(
        "allowed_signers",
        &[
            ca.allowed("alice,carol", "cert-authority"),
            rsa_ca.allowed("alice", "cert-authority,namespaces=\"git\""),
        ],
    );

    // ed25519 under an ed25519 CA: signatures are byte-identical.
    let ours = sign(&env, Program::Gitseal, &cert, "cert-ours");
    let theirs = sign(&env, Program::SshKeygen, &cert, "cert-theirs");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
    let good = format!(
        "Good \"git\" signature for alice with ED25519-CERT key {}\n",
        user.fingerprint()
    );
    let out = verify_with_both(&env, "cert-ours.sig", "alice", &[]);
    assert_eq!(out.stdout(), good);
    let found = find_principals(&env, Program::Gitseal, "cert-ours.sig", &[]).success();
    assert_eq!(found.stdout(), "alice\n");
    for program in Program::BOTH {
        let out = check_novalidate(&env, program, "cert-ours.sig").success();
        assert!(out.stdout().contains("ED25519-CERT"), "{}", out.describe());
    }

    // Principals: carol is allowed by the line but not in the certificate, bob the reverse.
    for identity in ["carol", "bob", "mallory"] {
        let out = verify_with_both(&env, "cert-ours.sig", identity, &[]);
        assert_eq!(out.code, 255, "{identity}: {}", out.describe());
    }

    // ECDSA key certified by an RSA CA, both ways.
    sign(&env, Program::Gitseal, &ecdsa_cert, "ecdsa-ours");
    sign(&env, Program::SshKeygen, &ecdsa_cert, "ecdsa-theirs");
    for sig in ["ecdsa-ours.sig", "ecdsa-theirs.sig"] {
        let out = verify_with_both(&env, sig, "alice", &[]);
        assert_eq!(
            out.stdout(),
            format!(
                "Good \"git\" signature for alice with ECDSA-CERT key {}\n",
                ecdsa_user.fingerprint()
            )
        );
    }

    // The plain key signing is not the certificate: the CA line does not cover it.
    sign(&env, Program::Gitseal, &user.private, "plain");
    let out = verify_with_both(&env, "plain.sig", "alice", &[]);
    assert_eq!(out.code, 255);
}

#[test]
fn expired_and_future_certificates_are_refused_by_both() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    env.allowed_signers("allowed_signers", &[ca.allowed("alice", "cert-authority")]);
    // Valid during 2020 only.
    let cert = env.certify(&ca, &user, &["alice"], Some("20200101:20210101"));
    let ours = sign(&env, Program::Gitseal, &cert, "expired-ours");
    let theirs = sign(&env, Program::SshKeygen, &cert, "expired-theirs");
    assert_eq!(ours, theirs);
    for sig in ["expired-ours.sig", "expired-theirs.sig"] {
        // Now: expired.
        let out = verify_with_both(&env, sig, "alice", &[]);
        assert_eq!(out.code, 255, "{}", out.describe());
        assert_eq!(out.stdout(), "Could not verify signature.\n");
        // At a time inside its validity: good (git passes the commit time).
        let out = verify_with_both(&env, sig, "alice", &["-Overify-time=20200601"]);
        assert_eq!(out.code, 0, "{}", out.describe());
        // Before it: not yet valid.
        let out = verify_with_both(&env, sig, "alice", &["-Overify-time=20190601"]);
        assert_eq!(out.code, 255, "{}", out.describe());
    }
}

#[test]
fn certificate_signed_commits_verify_in_git_with_both_programs() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    let cert = env.certify(&ca, &user, &[PRINCIPAL], None);
    let allowed = env.allowed_signers(
        "allowed_signers",
        &[ca.allowed("*@example.com", "cert-authority")],
    );
    let mut seen = Vec::new();
    for program in Program::BOTH {
        let repo = env.init_repo(&format!("cert-{program:?}"), program, &cert, &allowed);
        let id = repo.signed_commit("signed with a certificate");
        let summary = repo.signature_summary(&id, &[]);
        repo.git(&["verify-commit", &id]).success();
        seen.push((id, summary));
    }
    assert_eq!(seen[0], seen[1]);
    let fp = user.fingerprint();
    assert_eq!(seen[0].1, format!("G|{PRINCIPAL}|{fp}|{fp}||fully"));
}

#[test]
fn security_key_signature_verifies_in_both() {
    // No hardware here: the fixture is made in the test the way a FIDO authenticator makes
    // it, and proven by ssh-keygen before gitseal is asked.
    let env = TestEnv::new();
    let (armored, public_line) = sshsig::sk_ed25519_signature([7; 32], "git", MESSAGE);
    env.write("sk.sig", &armored);
    let pub_file = env.write("sk.pub", format!("{public_line} fixture\n"));
    env.allowed_signers("allowed_signers", &[format!("{PRINCIPAL} {public_line}")]);
    let fingerprint = run(env.ssh_keygen().arg("-lf").arg(&pub_file))
        .success()
        .stdout()
        .split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_string();

    let theirs = check_novalidate(&env, Program::SshKeygen, "sk.sig");
    assert_eq!(
        theirs.stdout(),
        format!("Good \"git\" signature with ED25519-SK key {fingerprint}\n"),
        "ssh-keygen rejects the fixture: {}",
        theirs.describe()
    );
    let ours = check_novalidate(&env, Program::Gitseal, "sk.sig").no_panic();
    assert_eq!(ours.stdout(), theirs.stdout(), "{}", ours.describe());
    assert_eq!(ours.code, 0);

    let out = verify_with_both(&env, "sk.sig", PRINCIPAL, &[]);
    assert_eq!(
        out.stdout(),
        format!("Good \"git\" signature for {PRINCIPAL} with ED25519-SK key {fingerprint}\n")
    );
    let lf = run(env.gitseal().arg("-lf").arg(&pub_file)).success();
    assert_eq!(
        lf.stdout(),
        format!("256 {fingerprint} fixture (ED25519-SK)\n")
    );

    // Another message, and the same signature made for another namespace: both refuse.
    for program in Program::BOTH {
        let out = run_stdin(
            env.program(program)
                .args(["-Y", "check-novalidate", "-n", "git", "-s", "sk.sig"]),
            b"another message\n",
        );
        assert_eq!(out.code, 255, "{program:?}: {}", out.describe());
    }
    let (other_ns, _) = sshsig::sk_ed25519_signature([7; 32], "file", MESSAGE);
    env.write("sk-file.sig", other_ns);
    for program in Program::BOTH {
        let out = check_novalidate(&env, program, "sk-file.sig");
        assert_eq!(out.code, 255, "{program:?}: {}", out.describe());
    }
}

#[test]
fn p521_key_with_a_short_scalar_signs() {
    // OpenSSH stores the scalar as an mpint, dropping leading zeros; such keys must load.
    let env = TestEnv::new();
    let key = env.p521_key_with_short_scalar("short");
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let out = run(env
        .gitseal()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(env.write("short-msg", MESSAGE)));
    assert_eq!(out.code, 0, "{}", out.describe());
    let verified = verify_with_both(&env, "short-msg.sig", PRINCIPAL, &[]);
    assert_eq!(verified.code, 0, "{}", verified.describe());
}
