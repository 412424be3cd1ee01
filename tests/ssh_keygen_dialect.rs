//! The ssh-keygen command line in detail, each case run through gitseal and the real
//! ssh-keygen and compared: verify-time, revocation after `''`, missing arguments, `-Y sign`
//! and stdin/stdout, find-principals' verbatim patterns, `-l -f`.

use crate::support::{
    Key, KeyType, PRINCIPAL, Program, Run, TestEnv, ecdsa_scalar_len, run, run_stdin,
};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const MESSAGE: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned payload\n";

/// A key, a message signed by ssh-keygen and an allowed_signers file.
struct Fixture {
    env: TestEnv,
    key: Key,
    signature: PathBuf,
}

fn fixture(options: &str) -> Fixture {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, options)]);
    let message = env.write("message", MESSAGE);
    run(env
        .ssh_keygen()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(&message))
    .success();
    Fixture {
        signature: env.path("message.sig"),
        env,
        key,
    }
}

/// Runs the same argv through both programs with `MESSAGE` on stdin.
fn both(env: &TestEnv, args: &[&str]) -> (Run, Run) {
    let ours = run_stdin(env.gitseal().args(args), MESSAGE).no_panic();
    let theirs = run_stdin(env.ssh_keygen().args(args), MESSAGE);
    (ours, theirs)
}

/// Both programs gave the same exit code, stdout and stderr (modulo ssh-keygen's `\r`).
#[track_caller]
fn assert_same(args: &[&str], ours: &Run, theirs: &Run) {
    let context = || {
        format!(
            "argv: {args:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        )
    };
    assert_eq!(ours.code, theirs.code, "exit codes differ\n{}", context());
    assert_eq!(ours.stdout, theirs.stdout, "stdout differs\n{}", context());
    assert_eq!(
        ours.stderr_lines(),
        theirs.stderr_lines(),
        "stderr differs\n{}",
        context()
    );
}

fn verify_args<'a>(sig: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-Y",
        "verify",
        "-n",
        "git",
        "-f",
        "allowed_signers",
        "-I",
        PRINCIPAL,
        "-s",
        sig,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn verify_time_decides_validity_like_ssh_keygen() {
    let f = fixture("valid-after=\"20240101\",valid-before=\"20250101\"");
    let sig = f.signature.to_str().unwrap();
    let good = format!(
        "Good \"git\" signature for {PRINCIPAL} with ED25519 key {}\n",
        f.key.fingerprint()
    );
    for (time, valid) in [
        ("20240601", true),
        ("20240601Z", true),
        ("202406011200", true),
        ("20240601123456", true),
        ("20241231235959Z", true),
        ("20230601", false),
        ("20231231235959", false),
        ("20250102", false),
        ("20260101000000Z", false),
    ] {
        for form in [
            vec![format!("-Overify-time={time}")],
            vec!["-O".to_string(), format!("verify-time={time}")],
        ] {
            let form: Vec<&str> = form.iter().map(String::as_str).collect();
            let args = verify_args(sig, &form);
            let (ours, theirs) = both(&f.env, &args);
            assert_same(&args, &ours, &theirs);
            if valid {
                assert_eq!(ours.code, 0, "{time}: {}", ours.describe());
                assert_eq!(ours.stdout(), good);
            } else {
                assert_eq!(ours.code, 255, "{time}: {}", ours.describe());
                assert_eq!(ours.stdout(), "Could not verify signature.\n");
            }

            let mut args = vec!["-Y", "find-principals", "-f", "allowed_signers", "-s", sig];
            args.extend_from_slice(&form);
            let (ours, theirs) = both(&f.env, &args);
            assert_same(&args, &ours, &theirs);
            assert_eq!(ours.code, if valid { 0 } else { 255 }, "{time}");
        }
    }
}

#[test]
fn invalid_verify_time_is_refused_like_ssh_keygen() {
    let f = fixture("");
    let sig = f.signature.to_str().unwrap();
    for time in [
        "garbage",
        "2024",
        "2024010",
        "20241301",
        "20240132",
        "",
        "20240101X",
    ] {
        let option = format!("-Overify-time={time}");
        for args in [
            verify_args(sig, &[&option]),
            vec!["-Y", "check-novalidate", "-n", "git", "-s", sig, &option],
            vec![
                "-Y",
                "find-principals",
                "-f",
                "allowed_signers",
                "-s",
                sig,
                &option,
            ],
        ] {
            let (ours, theirs) = both(&f.env, &args);
            assert_same(&args, &ours, &theirs);
            assert_eq!(ours.code, 255, "{args:?}");
            assert!(
                ours.stderr.contains("Invalid \"verify-time\" option"),
                "{args:?}: {}",
                ours.stderr
            );
        }
    }
    // Other -O options: unknown ones are refused, print-pubkey adds the key.
    let args = [
        "-Y",
        "check-novalidate",
        "-n",
        "git",
        "-s",
        sig,
        "-Ofrobnicate",
    ];
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.code, 255);
    let args = verify_args(sig, &["-Oprint-pubkey"]);
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert!(ours.stdout().contains(&f.key.public_line()));
}

#[test]
fn revocation_after_an_empty_argument_is_honoured_unlike_ssh_keygen() {
    // git passes '' instead of -Overify-time for push certificates, then -r. ssh-keygen
    // 9.2's getopt stops at '' and silently skips the revocation file; gitseal does not
    // (git-contract.md 7.1).
    let f = fixture("");
    let sig = f.signature.to_str().unwrap();
    let revoked = f.env.write(
        "revoked_keys",
        std::fs::read_to_string(&f.key.public).unwrap(),
    );
    let revoked = revoked.to_str().unwrap();

    // '' alone is ignored by both.
    let args = verify_args(sig, &[""]);
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.code, 0, "{}", ours.describe());

    // -r before '' revokes in both. (gitseal also says why on stderr, where ssh-keygen
    // says nothing.)
    let args = verify_args(sig, &["-r", revoked, ""]);
    let (ours, theirs) = both(&f.env, &args);
    assert_eq!((ours.code, &ours.stdout), (theirs.code, &theirs.stdout));
    assert_eq!(ours.code, 255);
    assert_eq!(ours.stdout(), "Could not verify signature.\n");

    // -r after '': the documented difference.
    let args = verify_args(sig, &["", "-r", revoked]);
    let (ours, theirs) = both(&f.env, &args);
    assert_eq!(
        theirs.code,
        0,
        "ssh-keygen now honours -r after '' (update this test and git-contract.md 7.1)\n{}",
        theirs.describe()
    );
    assert!(theirs.stdout().starts_with("Good "));
    assert_eq!(
        ours.code,
        255,
        "gitseal ignored -r after ''\n{}",
        ours.describe()
    );
    assert_eq!(ours.stdout(), "Could not verify signature.\n");
}

#[test]
fn missing_arguments_say_what_ssh_keygen_says() {
    let f = fixture("");
    let sig = f.signature.to_str().unwrap();
    let key = f.key.private.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-Y", "sign", "-n", "git"],
        vec!["-Y", "sign", "-f", key],
        vec!["-Y", "sign", "-n", "", "-f", key, "message"],
        vec![
            "-Y",
            "verify",
            "-n",
            "git",
            "-f",
            "allowed_signers",
            "-I",
            "x",
        ],
        vec!["-Y", "verify", "-n", "git", "-s", sig, "-I", "x"],
        vec![
            "-Y",
            "verify",
            "-n",
            "git",
            "-s",
            sig,
            "-f",
            "allowed_signers",
        ],
        vec![
            "-Y",
            "verify",
            "-s",
            sig,
            "-f",
            "allowed_signers",
            "-I",
            "x",
        ],
        vec!["-Y", "find-principals", "-f", "allowed_signers"],
        vec!["-Y", "find-principals", "-s", sig],
        vec!["-Y", "check-novalidate", "-s", sig],
        vec!["-Y", "check-novalidate", "-n", "git"],
        vec!["-Y", "match-principals", "-I", "x"],
    ];
    for args in cases {
        let (ours, theirs) = both(&f.env, &args);
        assert_eq!(ours.code, 1, "{args:?}: {}", ours.describe());
        assert_eq!(theirs.code, 1, "{args:?}: {}", theirs.describe());
        assert!(
            ours.stdout.is_empty() && theirs.stdout.is_empty(),
            "{args:?}"
        );
        assert_eq!(
            ours.stderr_lines().first(),
            theirs.stderr_lines().first(),
            "{args:?}"
        );
        assert!(
            ours.stderr.starts_with("Too few arguments for "),
            "{args:?}: {}",
            ours.stderr
        );
    }
    // Options missing their value, and unknown operations.
    for args in [
        vec!["-Y", "sign", "-n"],
        vec!["-Y"],
        vec!["-lf"],
        vec!["-Y", "frobnicate"],
    ] {
        let (ours, theirs) = both(&f.env, &args);
        assert_eq!((ours.code, theirs.code), (1, 1), "{args:?}");
        assert_eq!(
            ours.stderr_lines().first(),
            theirs.stderr_lines().first(),
            "{args:?}"
        );
    }
}

#[test]
fn match_principals_missing_identity_says_what_ssh_keygen_says() {
    let f = fixture("");
    let args = ["-Y", "match-principals", "-f", "allowed_signers"];
    let (ours, theirs) = both(&f.env, &args);
    assert_eq!((ours.code, theirs.code), (1, 1));
    assert_eq!(ours.stderr_lines().first(), theirs.stderr_lines().first());
}

/// Signs `message` with `program`, stdin taken from a file with other contents.
fn sign_file_with_stdin_file(env: &TestEnv, program: Program, key: &Path, message: &Path) -> Run {
    let stdin = std::fs::File::open(env.write("stdin-contents", "NOT THE MESSAGE\n")).unwrap();
    let mut cmd = env.program(program);
    cmd.args(["-Y", "sign", "-n", "git", "-f"])
        .arg(key)
        .arg(message)
        .stdin(Stdio::from(stdin));
    run(&mut cmd)
}

#[test]
fn sign_with_a_file_is_silent_on_stdout_and_ignores_stdin() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let mut signatures = Vec::new();
    for program in Program::BOTH {
        let message = env.write(&format!("message-{program:?}"), MESSAGE);
        let out = sign_file_with_stdin_file(&env, program, &key.private, &message).success();
        assert!(out.stdout.is_empty(), "{program:?} printed on stdout");
        let shown = message.display().to_string();
        assert_eq!(
            out.stderr_lines(),
            [
                format!("Signing file {shown}"),
                format!("Write signature to {shown}.sig")
            ],
            "{program:?}"
        );
        let sig_path = format!("{shown}.sig");
        let sig = std::fs::read(&sig_path).expect("signature file written");
        // The signature covers the file...
        run_stdin(env.ssh_keygen().args(verify_args(&sig_path, &[])), MESSAGE).success();
        // ...and not what was on stdin.
        run_stdin(
            env.ssh_keygen().args(verify_args(&sig_path, &[])),
            b"NOT THE MESSAGE\n",
        )
        .exit(255);
        signatures.push(sig);
    }
    assert_eq!(
        signatures[0], signatures[1],
        "Ed25519 signatures are deterministic: gitseal's differs from ssh-keygen's"
    );
}

#[test]
fn sign_without_a_file_signs_stdin_to_stdout() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    let args = [
        "-Y",
        "sign",
        "-n",
        "git",
        "-f",
        key.private.to_str().unwrap(),
    ];
    let ours = run_stdin(env.gitseal().args(args), MESSAGE).success();
    let theirs = run_stdin(env.ssh_keygen().args(args), MESSAGE).success();
    assert_eq!(ours.stdout(), theirs.stdout());
    assert!(ours.stdout().starts_with("-----BEGIN SSH SIGNATURE-----\n"));
    assert_eq!(ours.stderr_lines(), ["Signing data on standard input"]);
    assert_eq!(ours.stderr_lines(), theirs.stderr_lines());
    // Nothing was written beside anything.
    assert!(!env.path(".sig").exists() && !env.path("-.sig").exists());
}

#[test]
fn sign_several_files_and_hashalg_sha256() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
    let mut outputs = Vec::new();
    for program in Program::BOTH {
        let a = env.write(&format!("a-{program:?}"), "first\n");
        let b = env.write(&format!("b-{program:?}"), "second\n");
        run(env
            .program(program)
            .args(["-Y", "sign", "-n", "git", "-Ohashalg=sha256", "-f"])
            .arg(&key.private)
            .arg(&a)
            .arg(&b))
        .success();
        for (file, contents) in [(&a, "first\n"), (&b, "second\n")] {
            let sig = format!("{}.sig", file.display());
            run_stdin(
                env.ssh_keygen().args(verify_args(&sig, &[])),
                contents.as_bytes(),
            )
            .success();
            outputs.push(std::fs::read(&sig).unwrap());
        }
    }
    assert_eq!(outputs[0], outputs[2]);
    assert_eq!(outputs[1], outputs[3]);
    let blob = crate::support::sshsig::dearmor(&String::from_utf8(outputs[0].clone()).unwrap());
    assert!(
        blob.windows(6).any(|w| w == b"sha256"),
        "-Ohashalg=sha256 was not honoured"
    );
}

#[test]
fn find_principals_prints_patterns_verbatim() {
    let f = fixture("");
    let other = f.env.key(KeyType::Ed25519, "other");
    f.env.allowed_signers(
        "allowed_signers",
        &[
            other.allowed("someone@else.example", ""),
            "# a comment line".to_string(),
            String::new(),
            f.key
                .allowed("*@example.com,release-?@ci,!evil@example.com", ""),
            f.key.allowed("second-line@example.com", ""),
        ],
    );
    let sig = f.signature.to_str().unwrap();
    let args = ["-Y", "find-principals", "-f", "allowed_signers", "-s", sig];
    let (ours, theirs) = both(&f.env, &args);
    // Same answer; stderr differs on purpose: ssh-keygen 9.2 warns "allowed_signers:3:
    // missing key" about the blank line, which gitseal skips silently, as documented.
    assert_eq!((ours.code, &ours.stdout), (theirs.code, &theirs.stdout));
    assert_eq!(
        ours.stdout(),
        "*@example.com\nrelease-?@ci\n!evil@example.com\n"
    );
    assert!(ours.stderr.is_empty(), "{}", ours.stderr);

    // git passes the pattern back as the identity; it matches itself.
    let args = [
        "-Y",
        "verify",
        "-n",
        "git",
        "-f",
        "allowed_signers",
        "-I",
        "*@example.com",
        "-s",
        sig,
    ];
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert!(
        ours.stdout()
            .starts_with("Good \"git\" signature for *@example.com with")
    );

    // The negated principal is refused by both.
    let args = verify_args(sig, &[]);
    let mut args: Vec<&str> = args;
    args[7] = "evil@example.com";
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.code, 255);

    // Quoted principals with spaces, as git's own tests use.
    f.env.allowed_signers(
        "allowed_signers",
        &[f.key.allowed("\"principal with number 1\"", "")],
    );
    let args = ["-Y", "find-principals", "-f", "allowed_signers", "-s", sig];
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.stdout(), "principal with number 1\n");
}

#[test]
fn verification_failures_print_what_ssh_keygen_prints() {
    let f = fixture("namespaces=\"git,file\"");
    let sig = f.signature.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        // Wrong namespace asked for.
        vec!["-Y", "check-novalidate", "-n", "file", "-s", sig],
        vec![
            "-Y",
            "verify",
            "-n",
            "file",
            "-f",
            "allowed_signers",
            "-I",
            PRINCIPAL,
            "-s",
            sig,
        ],
        // Identity not listed.
        vec![
            "-Y",
            "verify",
            "-n",
            "git",
            "-f",
            "allowed_signers",
            "-I",
            "nobody@example.com",
            "-s",
            sig,
        ],
        // Files that do not exist.
        vec!["-Y", "check-novalidate", "-n", "git", "-s", "missing.sig"],
        vec!["-Y", "find-principals", "-f", "missing_signers", "-s", sig],
    ];
    for args in cases {
        let (ours, theirs) = both(&f.env, &args);
        assert_eq!(ours.code, 255, "{args:?}: {}", ours.describe());
        assert_eq!(ours.code, theirs.code, "{args:?}: {}", theirs.describe());
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
    }
    // A message that is not the signed one.
    let args = ["-Y", "check-novalidate", "-n", "git", "-s", sig];
    let ours = run_stdin(f.env.gitseal().args(args), b"other\n").exit(255);
    let theirs = run_stdin(f.env.ssh_keygen().args(args), b"other\n").exit(255);
    assert_eq!(ours.stdout, theirs.stdout);
    assert_eq!(ours.stdout(), "Could not verify signature.\n");
    // A namespace the allowed_signers line does not permit.
    f.env.allowed_signers(
        "allowed_signers",
        &[f.key.allowed(PRINCIPAL, "namespaces=\"file\"")],
    );
    let args = verify_args(sig, &[]);
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.code, 255);
}

#[test]
fn fingerprints_match_ssh_keygen_for_every_key_type() {
    let env = TestEnv::new();
    for kind in KeyType::ALL {
        let key = env.key(kind, "signer");
        // A private key with no .pub beside it.
        let lone = env.path(&format!("lone-{kind:?}"));
        std::fs::copy(&key.private, &lone).unwrap();
        let mut files = vec![&key.public, &key.private, &lone];
        if kind == KeyType::Ecdsa521 && ecdsa_scalar_len(&key.private) < 66 {
            // Covered, deterministically, by fingerprint_of_a_p521_key_with_a_short_scalar.
            files.truncate(1);
        }
        for file in files {
            let args = ["-l", "-f", file.to_str().unwrap()];
            let ours = run(env.gitseal().args(args)).success();
            let theirs = run(env.ssh_keygen().args(args)).success();
            assert_eq!(
                ours.stdout(),
                theirs.stdout(),
                "{kind:?} {}",
                file.display()
            );
            assert!(
                ours.stdout().contains(&format!("{} ", key.fingerprint())),
                "{}",
                ours.stdout()
            );
            let bundled = ["-lf", file.to_str().unwrap()];
            assert_eq!(
                run(env.gitseal().args(bundled)).success().stdout,
                theirs.stdout
            );
        }
        let public = std::fs::read(&key.public).unwrap();
        let ours = run_stdin(env.gitseal().args(["-lf", "-"]), &public).success();
        let theirs = run_stdin(env.ssh_keygen().args(["-lf", "-"]), &public).success();
        assert_eq!(ours.stdout(), theirs.stdout(), "{kind:?} on stdin");
    }
    // A key without a comment, and a file that is not a key.
    let bare = env.write(
        "bare.pub",
        format!("{}\n", env.key(KeyType::Ed25519, "signer").public_line()),
    );
    let ours = run(env.gitseal().arg("-lf").arg(&bare)).success();
    let theirs = run(env.ssh_keygen().arg("-lf").arg(&bare)).success();
    assert_eq!(ours.stdout(), theirs.stdout());
    assert!(ours.stdout().contains(" no comment (ED25519)"));
    let junk = env.write("junk.pub", "not a key\n");
    let ours = run(env.gitseal().arg("-lf").arg(&junk)).no_panic();
    let theirs = run(env.ssh_keygen().arg("-lf").arg(&junk));
    assert_eq!(ours.code, theirs.code);
    // gitseal drops the final period ssh-keygen puts on this message.
    let trimmed = |run: &Run| -> Vec<String> {
        run.stderr_lines()
            .iter()
            .map(|l| l.trim_end_matches('.').to_string())
            .collect()
    };
    assert_eq!(trimmed(&ours), trimmed(&theirs));
}

#[test]
fn fingerprint_of_a_certificate_matches_ssh_keygen() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let user = env.key(KeyType::Ed25519, "cert-user");
    let cert = env.certify(&ca, &user, &["alice"], None);
    let ours = run(env.gitseal().arg("-lf").arg(&cert));
    let theirs = run(env.ssh_keygen().arg("-lf").arg(&cert)).success();
    assert_eq!(ours.stdout(), theirs.stdout(), "{}", ours.describe());
}

#[test]
fn fingerprint_of_an_encrypted_key_uses_the_public_file_like_ssh_keygen() {
    let env = TestEnv::new();
    let key = env.encrypted_key("encrypted", "secret words");
    let ours = run(env.gitseal().arg("-lf").arg(&key.private));
    let theirs = run(env.ssh_keygen().arg("-lf").arg(&key.private)).success();
    assert_eq!(ours.stdout(), theirs.stdout(), "{}", ours.describe());
}

#[test]
fn fingerprint_of_a_p521_key_with_a_short_scalar() {
    let env = TestEnv::new();
    let key = env.p521_key_with_short_scalar("short");
    // Without its .pub, so that ssh-keygen reads the private key too.
    std::fs::remove_file(&key.public).unwrap();
    let ours = run(env.gitseal().arg("-lf").arg(&key.private));
    let theirs = run(env.ssh_keygen().arg("-lf").arg(&key.private)).success();
    assert_eq!(ours.stdout(), theirs.stdout(), "{}", ours.describe());
}

#[test]
fn a_private_key_others_can_read_is_refused_like_ssh_keygen() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "loose");
    crate::support::set_mode(&key.private, 0o644);
    let message = env.write("message.txt", MESSAGE);
    for path in [
        key.private.display().to_string(),
        key.public.display().to_string(),
    ] {
        let args = [
            "-Y",
            "sign",
            "-n",
            "git",
            "-f",
            path.as_str(),
            message.to_str().unwrap_or(""),
        ];
        let (ours, theirs) = both(&env, &args);
        assert_same(&args, &ours, &theirs);
        assert_eq!(ours.code, 255);
        assert!(
            !env.path("message.txt.sig").exists(),
            "no signature written"
        );
    }
    // Owner-only again: signs.
    crate::support::set_mode(&key.private, 0o600);
    let path = key.private.display().to_string();
    let file = message.display().to_string();
    let signed = run_stdin(
        env.gitseal().args([
            "-Y",
            "sign",
            "-n",
            "git",
            "-f",
            path.as_str(),
            file.as_str(),
        ]),
        b"",
    );
    assert_eq!(signed.code, 0, "{}", signed.describe());
    assert!(env.path("message.txt.sig").exists());
}

#[test]
fn quiet_drops_the_status_lines_like_ssh_keygen() {
    let f = fixture("");
    let sig = f.signature.to_str().unwrap();
    let public_line = f.key.public_line();
    let cases: Vec<(Vec<&str>, i32, String)> = vec![
        (verify_args(sig, &["-q"]), 0, String::new()),
        (
            verify_args(sig, &["-q", "-O", "print-pubkey"]),
            0,
            format!("{public_line}\n"),
        ),
        (
            vec!["-q", "-Y", "check-novalidate", "-n", "git", "-s", sig],
            0,
            String::new(),
        ),
        (
            vec![
                "-Y",
                "check-novalidate",
                "-q",
                "-n",
                "git",
                "-s",
                sig,
                "-Oprint-pubkey",
            ],
            0,
            format!("{public_line}\n"),
        ),
        // Failures are silent on stdout too, and keep their exit code.
        (
            vec!["-q", "-Y", "check-novalidate", "-n", "file", "-s", sig],
            255,
            String::new(),
        ),
        (
            vec![
                "-Y",
                "verify",
                "-q",
                "-n",
                "git",
                "-f",
                "allowed_signers",
                "-I",
                "nobody@example.com",
                "-s",
                sig,
                "-O",
                "print-pubkey",
            ],
            255,
            String::new(),
        ),
    ];
    for (args, code, stdout) in cases {
        let (ours, theirs) = both(&f.env, &args);
        assert_eq!(
            (ours.code, ours.stdout()),
            (theirs.code, theirs.stdout()),
            "{args:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        );
        assert_eq!((ours.code, ours.stdout()), (code, stdout), "{args:?}");
    }
    // Without -q the same commands print the Good line first.
    let (ours, theirs) = both(&f.env, &verify_args(sig, &["-O", "print-pubkey"]));
    assert_eq!(ours.stdout, theirs.stdout);
    assert!(ours.stdout().starts_with("Good \"git\" signature for "));

    // -q signing: no progress lines on stderr, the same signature on stdout.
    let key = f.key.private.to_str().unwrap();
    let args = ["-q", "-Y", "sign", "-n", "git", "-f", key];
    let (ours, theirs) = both(&f.env, &args);
    assert_same(&args, &ours, &theirs);
    assert_eq!(ours.stdout, theirs.stdout, "Ed25519 is deterministic");
    assert!(ours.stderr_lines().is_empty(), "{}", ours.describe());
}

#[test]
fn match_principals_answers_and_exit_codes_like_ssh_keygen() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    env.allowed_signers(
        "allowed_signers",
        &[
            key.allowed("principal1", ""),
            key.allowed("princi*", "namespaces=\"git\""),
            key.allowed("unique,other", ""),
        ],
    );
    let mp = |identity: &'static str, extra: &[&'static str]| {
        let mut args = vec![
            "-Y",
            "match-principals",
            "-f",
            "allowed_signers",
            "-I",
            identity,
        ];
        args.extend_from_slice(extra);
        args
    };
    // (argv, exit code, stdout): OpenSSH's main returns its negative error number, so
    // no match is 210, an -O option 246 (it takes none here), an unreadable file 232.
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (mp("unique", &[]), 0, "unique,other\n"),
        (mp("princip", &[]), 0, "princi*\n"),
        (mp("principal1", &[]), 0, "principal1\nprinci*\n"),
        (mp("prince", &[]), 210, ""),
        (mp("unknown", &[]), 210, ""),
        (mp("unique", &["-O", "print-pubkey"]), 246, ""),
        (
            vec![
                "-Y",
                "match-principals",
                "-f",
                "missing_signers",
                "-I",
                "unique",
            ],
            232,
            "",
        ),
    ];
    for (args, code, stdout) in cases {
        let (ours, theirs) = both(&env, &args);
        assert_eq!(
            (ours.code, ours.stdout()),
            (theirs.code, theirs.stdout()),
            "{args:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        );
        assert_eq!(
            (ours.code, ours.stdout().as_str()),
            (code, stdout),
            "{args:?}"
        );
        if code != 0 {
            assert!(!ours.stderr_lines().is_empty(), "{args:?}: says nothing");
        }
    }

    // A malformed line: skipped when its principals do not match, else the end of the
    // search with no answer and OpenSSH's "invalid format" (252), even after a match; a
    // principals field that cannot be read at all (an unclosed quote, a last line without a
    // line break that is one field) ends it whatever the principal.
    let k = key.public_line();
    let files: Vec<(&str, String)> = vec![
        (
            "bad key",
            format!("alice {k}\nbob notakey AAAA\nalice ssh-ed25519 AAAAbad\ncarol {k}\n"),
        ),
        (
            "unclosed quote",
            format!("alice {k}\n\"unclosed {k}\ncarol {k}\n"),
        ),
        ("unended last line", format!("alice {k}\ncarol {k}\nlonely")),
        (
            "unended last line with a blank",
            format!("alice {k}\nlonely\t"),
        ),
        ("partly quoted", format!("alice {k}\n\"x y\",z {k}\n")),
        (
            "missing key, blank and comment lines",
            format!("alice {k}\nalice\n\n  \n# alice\n"),
        ),
        (
            "NUL before the line break",
            format!("carol {k}\nalice\0 {k}\n"),
        ),
        ("bad option", format!("alice frobnicate {k}\nalice {k}\n")),
    ];
    // (file, identity, exit code, stdout)
    let cases: Vec<(&str, &str, i32, &str)> = vec![
        ("bad key", "alice", 252, ""),
        ("bad key", "bob", 252, ""),
        ("bad key", "carol", 0, "carol\n"),
        ("bad key", "dave", 210, ""),
        ("unclosed quote", "alice", 252, ""),
        ("unended last line", "carol", 252, ""),
        ("unended last line with a blank", "alice", 0, "alice\n"),
        ("unended last line with a blank", "lonely", 252, ""),
        ("partly quoted", "x y", 252, ""),
        ("partly quoted", "z", 210, ""),
        ("partly quoted", "alice", 0, "alice\n"),
        ("missing key, blank and comment lines", "alice", 252, ""),
        ("NUL before the line break", "carol", 252, ""),
        ("bad option", "alice", 252, ""),
        ("bad option", "carol", 210, ""),
    ];
    for (file, identity, code, stdout) in cases {
        let contents = &files
            .iter()
            .find(|(name, _)| *name == file)
            .expect("file")
            .1;
        env.write("allowed_signers", contents);
        let args = mp(identity, &[]);
        let (ours, theirs) = both(&env, &args);
        assert_eq!(
            (ours.code, ours.stdout()),
            (theirs.code, theirs.stdout()),
            "{file}: {args:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        );
        assert_eq!(
            (ours.code, ours.stdout().as_str()),
            (code, stdout),
            "{file}: {identity}"
        );
    }
}

#[test]
fn print_pubkey_prints_the_certificate_that_signed_like_ssh_keygen() {
    let env = TestEnv::new();
    let ca = env.key(KeyType::Ed25519, "ca");
    let user = env.key(KeyType::Ecdsa256, "cert-user");
    let cert = env.certify(&ca, &user, &[PRINCIPAL], None);
    env.allowed_signers(
        "allowed_signers",
        &[ca.allowed(PRINCIPAL, "cert-authority")],
    );
    let message = env.write("message", MESSAGE);
    run(env
        .gitseal()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&cert)
        .arg(&message))
    .success();
    let cert_line = {
        let text = std::fs::read_to_string(&cert).expect("certificate");
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    for args in [
        verify_args("message.sig", &["-q", "-O", "print-pubkey"]),
        vec![
            "-q",
            "-Y",
            "check-novalidate",
            "-n",
            "git",
            "-s",
            "message.sig",
            "-O",
            "print-pubkey",
        ],
    ] {
        let (ours, theirs) = both(&env, &args);
        assert_eq!(ours.code, 0, "{args:?}: {}", ours.describe());
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
        assert_eq!(ours.stdout(), format!("{cert_line}\n"), "{args:?}");
    }
}

#[test]
fn hash_algorithms_are_taken_and_refused_like_ssh_keygen() {
    let f = fixture("");
    let key = f.key.private.to_str().unwrap();
    // The option's name is case-insensitive; the algorithm's name is not.
    for (option, code) in [
        ("hashalg=sha256", 0),
        ("HASHALG=sha512", 0),
        ("hashalg=sha1", 255),
        ("hashalg=SHA256", 255),
        ("hashalg=", 255),
        ("bogus", 255),
    ] {
        let args = ["-q", "-Y", "sign", "-n", "git", "-f", key, "-O", option];
        let (ours, theirs) = both(&f.env, &args);
        assert_eq!(
            (ours.code, &ours.stdout),
            (theirs.code, &theirs.stdout),
            "{option}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        );
        assert_eq!(ours.code, code, "{option}: {}", ours.describe());
    }
}

/// The SSH `string`s of an SSHSIG blob after its magic and version: public key,
/// namespace, reserved, hash algorithm, signature.
fn sshsig_fields(blob: &[u8]) -> Vec<Vec<u8>> {
    let mut rest = &blob[10..];
    let mut fields = Vec::new();
    while rest.len() >= 4 {
        let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        fields.push(rest[4..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    assert_eq!(fields.len(), 5, "an SSHSIG blob has five fields");
    fields
}

/// ssh-keygen's find-principals reads only the signature's preamble and public key
/// (sshsig_get_pubkey): a signature whose namespace, hash algorithm or signature blob is
/// malformed still finds its principals, in both programs. `-Y verify` refuses every one
/// of them in both, so none passes for a signature; and what find-principals does read (the
/// magic, the version, the key) still fails both when broken.
#[test]
fn find_principals_reads_only_the_signer_like_ssh_keygen() {
    use crate::support::sshsig::{armor, dearmor, put_string};
    let f = fixture("");
    let armored = std::fs::read_to_string(&f.signature).expect("signature");
    let blob = dearmor(&armored);
    let fields = sshsig_fields(&blob);
    let [key, namespace, reserved, hash, signature] = &fields[..] else {
        unreachable!("five fields")
    };
    let build = |key: &[u8], rest: &[&[u8]], tail: &[u8]| {
        let mut out = b"SSHSIG".to_vec();
        out.extend_from_slice(&1u32.to_be_bytes());
        put_string(&mut out, key);
        for field in rest {
            put_string(&mut out, field);
        }
        out.extend_from_slice(tail);
        out
    };
    let typed = |name: &[u8]| {
        // The signature blob with its type name replaced, the raw signature kept.
        let raw_len = u32::from_be_bytes(signature[..4].try_into().expect("4 bytes")) as usize;
        let mut out = Vec::new();
        put_string(&mut out, name);
        out.extend_from_slice(&signature[4 + raw_len..]);
        out
    };
    let unknown_type = typed(b"ssh-foo@example.com");
    let rsa_type = typed(b"ssh-rsa");
    let webauthn_type = typed(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com");
    let not_a_string = vec![0xff, 0xff, 0xff, 0xff, 1];
    let found: Vec<(&str, Vec<u8>)> = vec![
        (
            "unknown signature type",
            build(key, &[namespace, reserved, hash, &unknown_type], b""),
        ),
        (
            "ssh-rsa signature type",
            build(key, &[namespace, reserved, hash, &rsa_type], b""),
        ),
        (
            "webauthn type on an ed25519 signature",
            build(key, &[namespace, reserved, hash, &webauthn_type], b""),
        ),
        (
            "signature blob not a string",
            build(key, &[namespace, reserved, hash, &not_a_string], b""),
        ),
        (
            "unknown hash algorithm",
            build(key, &[namespace, reserved, b"md5", signature], b""),
        ),
        (
            "empty namespace",
            build(key, &[b"", reserved, hash, signature], b""),
        ),
        (
            "trailing data",
            build(key, &[namespace, reserved, hash, signature], b"\0"),
        ),
        ("nothing after the key", build(key, &[], b"")),
    ];
    let mut bad_magic = blob.clone();
    bad_magic[0] = b'X';
    let mut version_2 = blob.clone();
    version_2[9] = 2;
    let mut bad_key = key.clone();
    let last = bad_key.len() - 1;
    bad_key.truncate(last);
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("bad magic", bad_magic),
        ("version 2", version_2),
        (
            "truncated key",
            build(&bad_key, &[namespace, reserved, hash, signature], b""),
        ),
        ("no key", blob[..10].to_vec()),
    ];
    for (cases, finds) in [(found, true), (refused, false)] {
        for (label, bytes) in cases {
            let path = f.env.write("variant.sig", armor(&bytes));
            let sig = path.to_str().expect("path");
            let args = ["-Y", "find-principals", "-f", "allowed_signers", "-s", sig];
            let (ours, theirs) = both(&f.env, &args);
            assert_eq!(
                (ours.code, &ours.stdout),
                (theirs.code, &theirs.stdout),
                "{label}: find-principals\n--- gitseal\n{}\n--- ssh-keygen\n{}",
                ours.describe(),
                theirs.describe()
            );
            if finds {
                assert_eq!(ours.code, 0, "{label}: {}", ours.describe());
                assert_eq!(ours.stdout(), format!("{PRINCIPAL}\n"), "{label}");
            } else {
                assert_ne!(ours.code, 0, "{label}: {}", ours.describe());
            }
            let args = verify_args(sig, &[]);
            let (ours, theirs) = both(&f.env, &args);
            assert_eq!(
                (ours.code, &ours.stdout),
                (theirs.code, &theirs.stdout),
                "{label}: verify\n--- gitseal\n{}\n--- ssh-keygen\n{}",
                ours.describe(),
                theirs.describe()
            );
            assert_ne!(ours.code, 0, "{label} verified: {}", ours.describe());
        }
    }
}
