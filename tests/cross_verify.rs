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

#[test]
fn webauthn_signature_verifies_in_both_and_its_forgeries_in_neither() {
    // A browser-made security-key signature (PROTOCOL.u2f), built in the test and proven by
    // ssh-keygen first; then each rule OpenSSH applies to one, broken in turn.
    use sshsig::{WebauthnTweak, webauthn_signature};
    let env = TestEnv::new();
    let (armored, public_line) =
        webauthn_signature([9; 32], "git", MESSAGE, WebauthnTweak::default());
    env.write("webauthn.sig", &armored);
    env.allowed_signers("allowed_signers", &[format!("{PRINCIPAL} {public_line}")]);
    let theirs = check_novalidate(&env, Program::SshKeygen, "webauthn.sig");
    assert_eq!(
        theirs.code,
        0,
        "ssh-keygen rejects the fixture: {}",
        theirs.describe()
    );
    let ours = check_novalidate(&env, Program::Gitseal, "webauthn.sig").no_panic();
    assert_eq!(ours.stdout(), theirs.stdout(), "{}", ours.describe());
    assert!(
        ours.stdout().contains("with ECDSA-SK key"),
        "{}",
        ours.describe()
    );
    let out = verify_with_both(&env, "webauthn.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 0, "{}", out.describe());

    let forgeries = [
        (
            "challenge names another message",
            WebauthnTweak {
                challenge_for: Some(b"another message\n"),
                ..WebauthnTweak::default()
            },
        ),
        (
            "quote in origin",
            WebauthnTweak {
                quote_in_origin: true,
                ..WebauthnTweak::default()
            },
        ),
        (
            "attested-data flag",
            WebauthnTweak {
                attested_flag: true,
                ..WebauthnTweak::default()
            },
        ),
        (
            "trailing byte",
            WebauthnTweak {
                trailing_byte: true,
                ..WebauthnTweak::default()
            },
        ),
    ];
    for (what, tweak) in forgeries {
        let (armored, _) = webauthn_signature([9; 32], "git", MESSAGE, tweak);
        env.write("forged.sig", &armored);
        for program in Program::BOTH {
            let out = check_novalidate(&env, program, "forged.sig").no_panic();
            assert_eq!(
                out.code,
                255,
                "{what}: {program:?} accepted it: {}",
                out.describe()
            );
        }
        let out = verify_with_both(&env, "forged.sig", PRINCIPAL, &[]);
        assert_eq!(out.stdout(), "Could not verify signature.\n", "{what}");
    }
}

#[test]
fn dsa_keys_and_certificates_sign_and_verify_both_ways() {
    // ssh-keygen 9.2 still makes DSA keys; OpenSSH's own tests sign with them.
    let env = TestEnv::new();
    let key = env.path("dsa");
    run(env
        .ssh_keygen()
        .args(["-q", "-t", "dsa", "-N", "", "-f"])
        .arg(&key))
    .success();
    let public = std::fs::read_to_string(env.path("dsa.pub")).expect("dsa.pub");
    let public_line: String = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let ca = env.key(KeyType::Ed25519, "ca");
    run(env
        .ssh_keygen()
        .args(["-q", "-s"])
        .arg(&ca.private)
        .args(["-I", "dsa-cert", "-n", "alice"])
        .arg(env.path("dsa.pub")))
    .success();
    env.allowed_signers(
        "allowed_signers",
        &[
            format!("{PRINCIPAL} {public_line}"),
            ca.allowed("alice", "cert-authority"),
        ],
    );
    for program in Program::BOTH {
        sign(&env, program, &key, &format!("dsa-{program:?}"));
        sign(
            &env,
            program,
            &env.path("dsa-cert.pub"),
            &format!("dsa-cert-{program:?}"),
        );
    }
    for program in Program::BOTH {
        let out = verify_with_both(&env, &format!("dsa-{program:?}.sig"), PRINCIPAL, &[]);
        assert!(out.stdout().contains("with DSA key"), "{}", out.describe());
        let out = verify_with_both(&env, &format!("dsa-cert-{program:?}.sig"), "alice", &[]);
        assert!(
            out.stdout().contains("with DSA-CERT key"),
            "{}",
            out.describe()
        );
    }
}

#[test]
fn an_allowed_signers_line_naming_a_certificate_allows_that_certificate_only() {
    // ssh-keygen compares such a line with the signature's key whole (sshkey_equal): the
    // same key signing alone, or through another certificate, is not that certificate.
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    let cert = env.certify(&ca, &user, &["alice"], None);
    let cert_line = {
        let text = std::fs::read_to_string(&cert).expect("certificate");
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    env.allowed_signers("allowed_signers", &[format!("{PRINCIPAL} {cert_line}")]);
    sign(&env, Program::Gitseal, &cert, "by-cert");
    let out = verify_with_both(&env, "by-cert.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 0, "the certificate itself: {}", out.describe());

    // The bare key the certificate certifies.
    sign(&env, Program::Gitseal, &user.private, "by-key");
    let out = verify_with_both(&env, "by-key.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 255, "the bare key: {}", out.describe());
    // The same key under a second certificate (another serial) from the same CA.
    std::fs::remove_file(&cert).expect("remove first certificate");
    run(env
        .ssh_keygen()
        .args(["-q", "-s"])
        .arg(&ca.private)
        .args(["-I", "second", "-z", "2", "-n", "alice"])
        .arg(&user.public))
    .success();
    sign(&env, Program::Gitseal, &cert, "by-other-cert");
    let out = verify_with_both(&env, "by-other-cert.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 255, "another certificate: {}", out.describe());
    // And a plain key line does not allow the certificate.
    env.allowed_signers("allowed_signers", &[user.allowed(PRINCIPAL, "")]);
    let out = verify_with_both(&env, "by-other-cert.sig", PRINCIPAL, &[]);
    assert_eq!(
        out.code,
        255,
        "plain line, certificate signature: {}",
        out.describe()
    );
    let out = verify_with_both(&env, "by-key.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 0, "plain line, bare key: {}", out.describe());
}

/// `ssh-keygen -s CA -I ID -z SERIAL -n PRINCIPALS [-h] KEY.pub`: the certificate path.
fn certify_as(env: &TestEnv, ca: &Key, key: &Key, id: &str, serial: &str, host: bool) -> String {
    let mut cmd = env.ssh_keygen();
    cmd.args(["-q", "-s"])
        .arg(&ca.private)
        .args(["-I", id, "-z", serial, "-n", PRINCIPAL]);
    if host {
        cmd.arg("-h");
    }
    run(cmd.arg(&key.public)).success();
    key.cert_path().display().to_string()
}

fn first_two_fields(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("key file");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn certificates_as_git_signing_keys_from_a_file_or_the_agent() {
    // user.signingKey names the certificate file (the private key beside it) or holds the
    // certificate itself (`key::`, git then requires the agent, -U); verify-commit goes
    // through a cert-authority line. Both programs, the same commits and the same verdicts,
    // the refusals beside the honest flow.
    let env = TestEnv::new();
    let agent = env.start_agent();
    let ca = env.key(KeyType::Ed25519, "ca");
    let other_ca = env.key(KeyType::Ed25519, "other-ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    let cert = certify_as(&env, &ca, &user, "alice-laptop", "5", false);
    run(agent
        .with(&mut env.command("ssh-add"))
        .arg("-q")
        .arg(&user.private))
    .success();
    let literal = format!("key::{}", first_two_fields(Path::new(&cert)));
    let allowed = env.allowed_signers(
        "allowed_signers",
        &[ca.allowed("*@example.com", "cert-authority")],
    );
    let fp = user.fingerprint();
    let good = format!("G|{PRINCIPAL}|{fp}|{fp}||fully");

    let mut repos = Vec::new();
    for (how, signing_key) in [("file", cert.clone()), ("literal", literal)] {
        for program in Program::BOTH {
            let repo = env.init_repo(
                &format!("{how}-{program:?}"),
                program,
                Path::new(&signing_key),
                &allowed,
            );
            std::fs::write(repo.dir.join("file.txt"), "certified\n").expect("write");
            repo.git(&["add", "file.txt"]).success();
            let commit = run(agent.with(&mut env.git(&repo.dir)).args([
                "commit",
                "-q",
                "-S",
                "-m",
                "signed with a certificate",
            ]));
            assert_eq!(commit.code, 0, "{how} {program:?}: {}", commit.describe());
            let id = repo.git_out(&["rev-parse", "HEAD"]);
            assert_eq!(repo.signature_summary(&id, &[]), good, "{how} {program:?}");
            repo.git(&["verify-commit", &id]).success();
            repos.push((how, repo, id));
        }
    }
    let first = &repos[0].2;
    assert!(
        repos.iter().all(|(_, _, id)| id == first),
        "the certificate signs byte-identically from a file and from the agent, with both programs"
    );

    // What must be refused, each judged by both programs through git.
    let krl = |name: &str, spec: &str| {
        let spec_file = env.write(&format!("{name}.spec"), spec);
        let krl = env.path(name);
        run(env
            .ssh_keygen()
            .args(["-q", "-k", "-f"])
            .arg(&krl)
            .arg("-s")
            .arg(&ca.public)
            .arg(&spec_file))
        .success();
        krl.display().to_string()
    };
    let other_ca_only = env.allowed_signers(
        "other-ca",
        &[other_ca.allowed("*@example.com", "cert-authority")],
    );
    let other_principal = env.allowed_signers(
        "other-principal",
        &[ca.allowed("bob@example.com", "cert-authority")],
    );
    let cases = [
        (
            "another CA",
            vec![(
                "gpg.ssh.allowedSignersFile",
                other_ca_only.display().to_string(),
            )],
            false,
        ),
        (
            "principal not allowed",
            vec![(
                "gpg.ssh.allowedSignersFile",
                other_principal.display().to_string(),
            )],
            false,
        ),
        (
            "revoked by serial",
            vec![("gpg.ssh.revocationFile", krl("krl-serial", "serial: 5\n"))],
            false,
        ),
        (
            "revoked by key id",
            vec![(
                "gpg.ssh.revocationFile",
                krl("krl-id", "id: alice-laptop\n"),
            )],
            false,
        ),
        (
            "another serial revoked",
            vec![(
                "gpg.ssh.revocationFile",
                krl("krl-other", "serial: 6\nid: bob-laptop\n"),
            )],
            true,
        ),
    ];
    for (what, config, accepted) in cases {
        let config: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut verdicts = Vec::new();
        for (_, repo, id) in repos.iter().filter(|(how, _, _)| *how == "file") {
            let summary = repo.signature_summary(id, &config);
            let verify = repo.git_with(&config, &["verify-commit", id]);
            assert!(!verify.stderr.contains("panicked"), "{}", verify.describe());
            verdicts.push((summary.chars().next(), verify.code == 0));
        }
        assert_eq!(
            verdicts[0], verdicts[1],
            "{what}: gitseal and ssh-keygen disagree"
        );
        assert_eq!(verdicts[0].1, accepted, "{what}: {verdicts:?}");
        assert_eq!(verdicts[0].0 == Some('G'), accepted, "{what}: {verdicts:?}");
    }
}

#[test]
fn host_certificates_and_other_cas_do_not_speak_for_users() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let other_ca = env.key(KeyType::Ed25519, "other-ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    env.allowed_signers(
        "allowed_signers",
        &[ca.allowed(PRINCIPAL, "cert-authority")],
    );

    let cert = certify_as(&env, &ca, &user, "host", "1", true);
    sign(&env, Program::Gitseal, Path::new(&cert), "host-cert");
    let out = verify_with_both(&env, "host-cert.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 255, "a host certificate: {}", out.describe());
    assert!(
        out.stderr.contains("not a user certificate"),
        "{}",
        out.describe()
    );

    let cert = certify_as(&env, &other_ca, &user, "user", "1", false);
    sign(&env, Program::Gitseal, Path::new(&cert), "other-ca");
    let out = verify_with_both(&env, "other-ca.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 255, "another CA: {}", out.describe());

    let cert = certify_as(&env, &ca, &user, "user", "1", false);
    sign(&env, Program::Gitseal, Path::new(&cert), "honest");
    let out = verify_with_both(&env, "honest.sig", PRINCIPAL, &[]);
    assert_eq!(out.code, 0, "the honest certificate: {}", out.describe());
}
