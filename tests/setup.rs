//! `gitseal setup --format ssh`: the config it writes makes git sign and verify with no
//! further step.

use crate::support::{GITSEAL, KeyType, PRINCIPAL, TestEnv, run};

fn global_config(env: &TestEnv, key: &str) -> Option<String> {
    let out = run(env
        .git(env.root())
        .args(["config", "--global", "--get", key]));
    match out.code {
        0 => Some(out.stdout().trim_end().to_string()),
        1 => None,
        _ => panic!("git config failed\n{}", out.describe()),
    }
}

#[test]
fn setup_global_makes_git_sign_and_verify() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "setup-key");
    run(env
        .git(env.root())
        .args(["config", "--global", "user.email", PRINCIPAL]))
    .success();

    let first = run(env
        .gitseal()
        .args(["setup", "--format", "ssh", "--global", "--key"])
        .arg(&key.public))
    .success();
    let allowed_path = env.home().join(".config/git/allowed_signers");
    let report = first.stdout();
    assert!(
        report.contains(&format!("created {}", allowed_path.display())),
        "{report}"
    );

    let program = std::fs::canonicalize(GITSEAL).expect("gitseal path");
    let expected = [
        ("gpg.format", "ssh".to_string()),
        ("gpg.ssh.program", program.display().to_string()),
        ("user.signingkey", key.public.display().to_string()),
        (
            "gpg.ssh.allowedsignersfile",
            allowed_path.display().to_string(),
        ),
        ("commit.gpgsign", "true".to_string()),
        ("tag.gpgsign", "true".to_string()),
    ];
    for (name, value) in &expected {
        assert_eq!(
            global_config(&env, name).as_deref(),
            Some(value.as_str()),
            "{name} after setup; setup said:\n{report}"
        );
        assert!(
            report.contains(&format!(" = {value} (global)")),
            "setup did not report {name}:\n{report}"
        );
    }
    let allowed = std::fs::read_to_string(&allowed_path).expect("allowed_signers written");
    assert_eq!(
        allowed,
        format!("{PRINCIPAL} namespaces=\"git\" {}\n", key.public_line())
    );

    // A fresh repository needs nothing more: commit.gpgSign signs, the allowed signers
    // file verifies.
    let repo = env.path("fresh");
    std::fs::create_dir_all(&repo).unwrap();
    run(env.git(&repo).args(["init", "-q"])).success();
    run(env
        .git(&repo)
        .args(["commit", "-q", "--allow-empty", "-m", "signed by setup"]))
    .success();
    let object = run(env.git(&repo).args(["cat-file", "commit", "HEAD"]))
        .success()
        .stdout();
    assert!(
        object.contains("gpgsig -----BEGIN SSH SIGNATURE-----"),
        "{object}"
    );
    let verified = run(env.git(&repo).args(["verify-commit", "HEAD"])).success();
    assert!(
        verified.stderr.starts_with(&format!(
            "Good \"git\" signature for {PRINCIPAL} with ED25519 key {}",
            key.fingerprint()
        )),
        "{}",
        verified.describe()
    );
    run(env.git(&repo).args(["tag", "-m", "release", "v1"])).success();
    run(env.git(&repo).args(["verify-tag", "v1"])).success();

    // Running it again changes nothing and says so.
    let before = std::fs::read(env.home().join(".gitconfig")).unwrap();
    let second = run(env
        .gitseal()
        .args(["setup", "--format", "ssh", "--global", "--key"])
        .arg(&key.public))
    .success();
    let report = second.stdout();
    for (name, value) in &expected {
        let name = expected_case(name);
        assert!(
            report.contains(&format!("unchanged {name} = {value}")),
            "second run did not report {name} unchanged:\n{report}"
        );
    }
    assert!(!report.contains("created"), "{report}");
    assert!(!report.contains("\nset "), "{report}");
    assert_eq!(
        std::fs::read(env.home().join(".gitconfig")).unwrap(),
        before
    );
    assert_eq!(std::fs::read_to_string(&allowed_path).unwrap(), allowed);
}

/// The key names as setup spells them in its report.
fn expected_case(name: &str) -> &str {
    match name {
        "user.signingkey" => "user.signingKey",
        "gpg.ssh.allowedsignersfile" => "gpg.ssh.allowedSignersFile",
        "commit.gpgsign" => "commit.gpgSign",
        "tag.gpgsign" => "tag.gpgSign",
        other => other,
    }
}

#[test]
fn setup_without_user_email_fails_with_a_hint_and_writes_nothing() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "setup-key");
    let out = run(env
        .gitseal()
        .args(["setup", "--format", "ssh", "--global", "--key"])
        .arg(&key.public))
    .exit(2)
    .no_panic();
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.describe());
    assert!(lines[0].starts_with("error: "), "{}", out.stderr);
    assert!(lines[0].contains("user.email"), "{}", out.stderr);
    assert!(lines[1].starts_with("hint: "), "{}", out.stderr);
    assert_eq!(global_config(&env, "gpg.format"), None);
    assert!(!env.home().join(".config/git/allowed_signers").exists());
}

#[test]
fn setup_without_global_outside_a_repository_is_a_usage_error() {
    let env = TestEnv::new();
    let key = env.key(KeyType::Ed25519, "setup-key");
    let out = run(env
        .gitseal()
        .args(["setup", "--format", "ssh", "--key"])
        .arg(&key.public))
    .exit(2);
    assert!(
        out.stderr.starts_with("error: not in a git repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn setup_for_x509_points_git_at_gitseal_and_takes_no_key() {
    let env = TestEnv::new();
    let out = run(env
        .gitseal()
        .args(["setup", "--format", "x509", "--global"]))
    .success();
    assert!(
        out.stdout().contains("set gpg.x509.program"),
        "{}",
        out.stdout()
    );
    assert_eq!(global_config(&env, "gpg.format").as_deref(), Some("x509"));
    assert_eq!(
        global_config(&env, "commit.gpgsign").as_deref(),
        Some("true")
    );
    let program = global_config(&env, "gpg.x509.program").expect("program set");
    assert!(program.ends_with("gitseal"), "{program}");
    // Again: nothing changes.
    let again = run(env
        .gitseal()
        .args(["setup", "--format", "x509", "--global"]))
    .success();
    assert!(
        again.stdout().contains("unchanged gpg.format = x509"),
        "{}",
        again.stdout()
    );
    run(env
        .gitseal()
        .args(["setup", "--format", "x509", "--key", "k"]))
    .exit(2);
}
