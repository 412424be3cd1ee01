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

/// Each error names the next step (issue 15): the usage errors people meet first.
#[test]
fn gitsigns_verify_habit_points_at_verify_commit() {
    let env = TestEnv::new();
    let out = run(env.gitseal().args([
        "verify",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        "https://accounts.google.com",
        "HEAD",
    ]))
    .exit(2)
    .no_panic();
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 2, "{}", out.describe());
    assert!(
        lines[0].contains("--certificate-identity"),
        "{}",
        out.stderr
    );
    assert!(
        lines[1].starts_with("hint: ")
            && lines[1].contains("gitseal verify-commit --certificate-identity"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_takes_a_command_and_every_subcommand_has_a_man_page() {
    let env = TestEnv::new();
    let top = run(env.gitseal().arg("help")).success().stdout();
    assert!(
        top.contains("verify-commit") && top.contains("Usage: gitseal"),
        "{top}"
    );
    let tag = run(env.gitseal().args(["help", "verify-tag"]))
        .success()
        .stdout();
    assert!(
        tag.contains("Usage: gitseal verify-tag") && tag.contains("<TAG>..."),
        "{tag}"
    );
    assert!(
        !tag.contains("[OBJECT]"),
        "verify-tag's argument is required: {tag}"
    );
    let check = run(env.gitseal().args(["help", "policy", "check"]))
        .success()
        .stdout();
    assert!(check.contains("Usage: gitseal policy check"), "{check}");
    // One page per subcommand, each with EXIT STATUS, ENVIRONMENT and FILES.
    let page = run(env.gitseal().args(["man", "verify-commit"]))
        .success()
        .stdout();
    assert!(page.contains("\n.TH gitseal-verify-commit 1"), "{page}");
    for heading in ["EXIT STATUS", "ENVIRONMENT", "FILES"] {
        assert!(page.contains(&format!(".SH \"{heading}\"")), "no {heading}");
    }
    assert!(page.contains("GITSEAL_LOG"), "{page}");
    let dir = env.path("man1");
    run(env.gitseal().arg("man").arg("--dir").arg(&dir)).success();
    for name in [
        "gitseal.1",
        "gitseal-verify.1",
        "gitseal-policy-check.1",
        "gitseal-policy-init.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".SH \"FILES\""), "{name}");
    }
    let unknown = run(env.gitseal().args(["man", "frobnicate"])).exit(2);
    assert!(
        unknown.stderr.contains("no man page for `frobnicate`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn login_without_a_terminal_names_the_ways_that_need_none() {
    let env = TestEnv::new();
    let setsid = crate::support::require("setsid", "util-linux");
    let out = run(env
        .command(setsid)
        .arg("-w")
        .arg(crate::support::GITSEAL)
        .arg("login")
        .env("GITSEAL_CREDENTIAL_STORE", "file")
        .env_remove("GITSEAL_INTERACTIVE"))
    .exit(2)
    .no_panic();
    let text = out.stderr.clone();
    assert_eq!(out.stderr_lines().len(), 1, "{}", out.describe());
    assert!(text.contains("no terminal to log in from"), "{text}");
    assert!(text.contains("gitseal login found no OIDC token"), "{text}");
    for way in [
        "SIGSTORE_ID_TOKEN",
        "id-token: write",
        "gitseal.tokenProvider device",
        "gitseal.tokenProvider filesystem",
    ] {
        assert!(text.contains(way), "{way} not named: {text}");
    }
    assert!(
        !text.contains("(gitseal login)"),
        "it does not send you back to itself: {text}"
    );
}

#[test]
fn policy_check_before_the_first_commit_says_there_is_none() {
    let env = TestEnv::new();
    let dir = env.path("fresh");
    std::fs::create_dir_all(&dir).expect("dir");
    run(env.git(&dir).args(["init", "-q", "-b", "main"])).success();
    let out = run(env.gitseal().current_dir(&dir).args(["policy", "check"]))
        .exit(2)
        .no_panic();
    let lines = out.stderr_lines();
    assert!(
        lines[0].contains("there is no commit yet"),
        "{}",
        out.stderr
    );
    assert!(
        lines[1].contains("gitseal policy check --file .gitseal/policy.toml"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_shallow_clone_says_to_fetch_the_history() {
    let env = TestEnv::new();
    let origin = env.path("origin");
    std::fs::create_dir_all(&origin).expect("dir");
    let git = |dir: &std::path::Path, args: &[&str]| {
        run(env.git(dir).args(args))
            .success()
            .stdout()
            .trim()
            .to_string()
    };
    git(&origin, &["init", "-q", "-b", "main"]);
    for n in 0..3 {
        git(
            &origin,
            &["commit", "-q", "--allow-empty", "-m", &format!("c{n}")],
        );
    }
    let first = git(&origin, &["rev-list", "--max-parents=0", "HEAD"]);
    let policy = env.write("policy.toml", "version = 1\n");
    let clone = env.path("clone");
    run(env
        .git(env.home())
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", origin.display()))
        .arg(&clone))
    .success();
    assert!(clone.join(".git/shallow").is_file());
    for args in [
        vec![
            "verify".to_string(),
            "--policy".into(),
            policy.display().to_string(),
            format!("{first}..HEAD"),
        ],
        vec![
            "verify".to_string(),
            "--anchor".into(),
            first.clone(),
            "--ref".into(),
            "refs/heads/main".into(),
            "HEAD".into(),
        ],
    ] {
        let out = run(env.gitseal().current_dir(&clone).args(&args))
            .exit(2)
            .no_panic();
        assert!(
            out.stderr
                .contains("hint: a shallow clone lacks the history"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("git fetch --unshallow"),
            "{}",
            out.stderr
        );
    }
}
