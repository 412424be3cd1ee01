//! allowed_signers lines of every shape (ssh-keygen(1) "ALLOWED SIGNERS"), each judged by
//! gitseal and ssh-keygen for the same signature: `-Y verify`, `find-principals` and
//! `match-principals` must give the same answers.

use crate::support::{KeyType, PRINCIPAL, Run, TestEnv, run, run_stdin};

const MESSAGE: &[u8] = b"allowed signers payload\n";

/// Runs `args` with both programs, checks they agree on exit code and stdout, returns ours.
#[track_caller]
fn agree(env: &TestEnv, label: &str, args: &[&str]) -> Run {
    let ours = run_stdin(env.gitseal().args(args), MESSAGE).no_panic();
    let theirs = run_stdin(env.ssh_keygen().args(args), MESSAGE);
    assert_eq!(
        (ours.code, ours.stdout()),
        (theirs.code, theirs.stdout()),
        "{label}: {args:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
        ours.describe(),
        theirs.describe()
    );
    ours
}

#[test]
fn line_shapes_are_judged_like_ssh_keygen() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "signer");
    let other = env.key(KeyType::Ed25519, "other");
    let message = env.write("message", MESSAGE);
    run(env
        .ssh_keygen()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key.private)
        .arg(&message))
    .success();
    let k = key.public_line();
    let o = other.public_line();
    let p = PRINCIPAL;
    // (label, allowed_signers contents, whether `-Y verify -I PRINCIPAL` passes)
    let cases: Vec<(&str, String, bool)> = vec![
        ("plain", format!("{p} {k}"), true),
        ("comment after the key", format!("{p} {k} my laptop"), true),
        ("leading whitespace", format!("  \t{p} {k}"), true),
        ("other key", format!("{p} {o}"), false),
        ("namespaces", format!("{p} namespaces=\"git\" {k}"), true),
        (
            "namespaces upper-case",
            format!("{p} NAMESPACES=\"git\" {k}"),
            true,
        ),
        (
            "namespace list",
            format!("{p} namespaces=\"file,git\" {k}"),
            true,
        ),
        (
            "namespace pattern",
            format!("{p} namespaces=\"g?t\" {k}"),
            true,
        ),
        (
            "other namespace",
            format!("{p} namespaces=\"file\" {k}"),
            false,
        ),
        (
            "negated namespace",
            format!("{p} namespaces=\"*,!git\" {k}"),
            false,
        ),
        (
            "valid now",
            format!("{p} valid-after=\"20230101\",valid-before=\"20250101\" {k}"),
            true,
        ),
        (
            "valid with Z",
            format!("{p} valid-after=\"20231231235959Z\" {k}"),
            true,
        ),
        (
            "valid minutes",
            format!("{p} valid-before=\"202401010001\" {k}"),
            true,
        ),
        (
            "expired",
            format!("{p} valid-before=\"20231231\" {k}"),
            false,
        ),
        (
            "not yet valid",
            format!("{p} valid-after=\"20240102\" {k}"),
            false,
        ),
        (
            "inverted window",
            format!("{p} valid-after=\"20250101\",valid-before=\"20230101\" {k}"),
            false,
        ),
        (
            "duplicate option",
            format!("{p} namespaces=\"git\",namespaces=\"git\" {k}"),
            false,
        ),
        ("unknown option", format!("{p} frobnicate {k}"), false),
        ("bad time", format!("{p} valid-after=\"2023\" {k}"), false),
        (
            "cert-authority on a plain key",
            format!("{p} cert-authority {k}"),
            false,
        ),
        ("wildcard principal", format!("*@example.com {k}"), true),
        (
            "question mark principal",
            format!("signer@example.co? {k}"),
            true,
        ),
        ("principal list", format!("a@x,{p},b@y {k}"), true),
        (
            "negated principal",
            format!("*@example.com,!{p} {k}"),
            false,
        ),
        ("case differs", format!("SIGNER@example.com {k}"), false),
        ("quoted principal", format!("\"{p}\" {k}"), true),
        ("partially quoted", format!("\"a b\",{p} {k}"), false),
        (
            "broken line first",
            format!("{p} frobnicate {k}\n{p} {k}"),
            true,
        ),
        ("first line other key", format!("{p} {o}\n{p} {k}"), true),
        ("comment line", format!("# {p} {k}"), false),
        ("empty file", String::new(), false),
        ("garbage", "\u{0}\u{1}garbage\n".into(), false),
    ];
    for (label, contents, verifies) in cases {
        env.write("allowed_signers", format!("{contents}\n"));
        let out = agree(
            &env,
            label,
            &[
                "-Y",
                "verify",
                "-n",
                "git",
                "-f",
                "allowed_signers",
                "-I",
                p,
                "-s",
                "message.sig",
                "-Overify-time=20240101",
            ],
        );
        assert_eq!(out.code == 0, verifies, "{label}: {}", out.describe());
        agree(
            &env,
            label,
            &[
                "-Y",
                "find-principals",
                "-f",
                "allowed_signers",
                "-s",
                "message.sig",
                "-Overify-time=20240101",
            ],
        );
        // match-principals (which git never runs): the same answer and exit code, also where
        // ssh-keygen stops at a malformed line that names the principal (252).
        let args = ["-Y", "match-principals", "-f", "allowed_signers", "-I", p];
        let ours = run(env.gitseal().args(args)).no_panic();
        let theirs = run(env.ssh_keygen().args(args));
        assert_eq!(
            (ours.code, ours.stdout()),
            (theirs.code, theirs.stdout()),
            "{label}: match-principals\n--- gitseal\n{}\n--- ssh-keygen\n{}",
            ours.describe(),
            theirs.describe()
        );
    }
}
