//! gitseal's own command line: help, version, completions, man page, usage errors, and the
//! gpg dialect's answer while OpenPGP and Sigstore are not built.

use crate::support::{TestEnv, run, run_stdin};

#[test]
fn help_exits_0_and_names_the_ssh_keygen_dialect() {
    let env = TestEnv::new();
    let help = run(env.gitseal().arg("--help")).success();
    let text = help.stdout();
    assert!(text.contains("-Y sign"), "{text}");
    assert!(text.contains("setup"), "{text}");
    assert!(help.stderr.is_empty(), "{}", help.stderr);
}

#[test]
fn version_prints_the_package_version() {
    let env = TestEnv::new();
    let expected = format!("gitseal {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        run(env.gitseal().arg("version")).success().stdout(),
        expected
    );
    let flag = run(env.gitseal().arg("--version")).success().stdout();
    assert!(flag.contains(env!("CARGO_PKG_VERSION")), "{flag}");
}

#[test]
fn completion_scripts_are_generated() {
    let env = TestEnv::new();
    let bash = run(env.gitseal().args(["completion", "bash"]))
        .success()
        .stdout();
    assert!(!bash.trim().is_empty());
    assert!(bash.contains("gitseal"), "{bash}");
    assert!(
        bash.contains("setup"),
        "bash completion lacks the subcommands"
    );
    let zsh = run(env.gitseal().args(["completion", "zsh"]))
        .success()
        .stdout();
    assert!(zsh.starts_with("#compdef gitseal"), "{zsh}");
}

#[test]
fn man_page_is_roff() {
    let env = TestEnv::new();
    let man = run(env.gitseal().arg("man")).success().stdout();
    assert!(
        man.starts_with('.'),
        "not roff: {:?}",
        &man[..man.len().min(80)]
    );
    assert!(man.contains("\n.TH gitseal 1"), "no .TH header");
    assert!(man.contains("setup"));
}

#[test]
fn unknown_option_is_one_error_line_and_a_hint() {
    let env = TestEnv::new();
    let out = run(env.gitseal().arg("--frobnicate")).exit(2).no_panic();
    assert!(out.stdout.is_empty(), "{}", out.describe());
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines[0].starts_with("error: "), "{}", out.stderr);
    assert!(lines[0].contains("--frobnicate"), "{}", out.stderr);
    assert!(lines[1].starts_with("hint: "), "{}", out.stderr);
}

#[test]
fn no_arguments_is_a_usage_error() {
    let env = TestEnv::new();
    let out = run(&mut env.gitseal()).exit(2);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("\nhint: "), "{}", out.stderr);
}

#[test]
fn gpg_dialect_x509_without_a_token_fails_in_one_line_and_broken_x509_is_errsig() {
    let env = TestEnv::new();
    // git's signing argv for openpgp and x509, payload on stdin.
    let sign = run_stdin(
        env.gitseal()
            .env("GIT_CONFIG_PARAMETERS", "'gpg.format'='x509'")
            .args(["--status-fd=2", "-bsau", "A U Thor <a@example.com>"]),
        b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmsg\n",
    )
    .exit(2)
    .no_panic();
    // The x509 format (as gitsign users set it): keyless signing, which without any OIDC
    // token source fails in one line, before any network is asked.
    assert!(sign.stdout.is_empty(), "{}", sign.describe());
    let errors: Vec<&str> = sign
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", sign.stderr);
    assert!(errors[0].contains("no OIDC token"), "{}", sign.stderr);

    // git's verification argv: the armor header names the format, and x509 verification
    // exists; a broken one is gpg's "can't check" (ERRSIG, exit 1), in one line.
    let sig = env.write(
        "sig.asc",
        "-----BEGIN SIGNED MESSAGE-----\n\nAAAA\n-----END SIGNED MESSAGE-----\n",
    );
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sigstore/trusted_root.prod.json"
    );
    let verify = run_stdin(
        env.gitseal()
            .env("GITSEAL_TRUSTED_ROOT", root)
            .args(["--status-fd=1", "--verify"])
            .arg(&sig)
            .arg("-"),
        b"payload\n",
    )
    .exit(1)
    .no_panic();
    let status = verify.stdout();
    assert!(
        status.starts_with("[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG "),
        "{}",
        verify.describe()
    );
    assert!(!status.contains("GOODSIG"), "{}", verify.describe());
    assert_eq!(verify.stderr.lines().count(), 1, "{}", verify.stderr);
    assert!(
        verify.stderr.contains("malformed signature"),
        "{}",
        verify.stderr
    );
}

#[test]
fn unsupported_ssh_keygen_option_is_a_usage_error_with_exit_1() {
    let env = TestEnv::new();
    let out = run(env
        .gitseal()
        .args(["-Y", "sign", "-n", "git", "-f", "k", "-X"]))
    .exit(1)
    .no_panic();
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}
