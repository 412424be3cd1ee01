//! `gitseal verify` with policies that name an SSH certificate authority (`ssh_ca`):
//! commits signed by real git through user certificates that the real `ssh-keygen -s`
//! issued, judged by the CA, the certificate's type, principals, validity at the commit
//! time and critical options; revocation of a CA, or of its certificates by serial or key
//! id; and the same through the pre-receive hook. Also what gitseal writes about them: the
//! reports' certificate details, and `policy export-allowed-signers` as `cert-authority`
//! lines that the real ssh-keygen reads through plain `git verify-commit`.

use crate::pre_receive::{assert_rejected, push, server};

/// Strictly after the anchor's date, as the pre-receive tests' commits.
fn next_date() -> i64 {
    crate::pre_receive::next_date().expect("a date")
}
use crate::support::{Key, Repo, TestEnv, run, set_mode};
use crate::verify_policy::{MAIN, anchored, key, policy_text, reasons, result, verify_json, who};
use std::path::PathBuf;

/// The fixed commit time of these tests (2023-11-14T22:13:20Z), as the other policy tests.
const AT: i64 = 1_700_000_000;

/// A user key certified by a CA: the private key beside its own `-cert.pub`, copied under
/// a name of its own so that every certificate is a file of its own.
struct Certified {
    cert: PathBuf,
}

/// `ssh-keygen -s CA -I KEY_ID ARGS` on a copy of `user`'s key named `name`.
fn certify(
    env: &TestEnv,
    ca: &Key,
    user: &Key,
    name: &str,
    key_id: &str,
    args: &[&str],
) -> Certified {
    let private = env.path(&format!("cert-{name}"));
    let public = env.path(&format!("cert-{name}.pub"));
    std::fs::copy(&user.private, &private).expect("copy private key");
    std::fs::copy(&user.public, &public).expect("copy public key");
    set_mode(&private, 0o600);
    let mut cmd = env.ssh_keygen();
    cmd.args(["-q", "-s"])
        .arg(&ca.private)
        .args(["-I", key_id])
        .args(args)
        .arg(&public);
    run(&mut cmd).success();
    let cert = env.path(&format!("cert-{name}-cert.pub"));
    assert!(cert.exists(), "ssh-keygen -s wrote no {}", cert.display());
    Certified { cert }
}

/// A commit signed with `signing_key` (a key or certificate file) at the fixed time.
fn commit_with(repo: &Repo<'_>, signing_key: &std::path::Path, message: &str) -> String {
    commit_at(repo, signing_key, message, AT)
}

/// [`commit_with`] at `at` (Unix seconds, UTC).
fn commit_at(repo: &Repo<'_>, signing_key: &std::path::Path, message: &str, at: i64) -> String {
    std::fs::write(
        repo.dir.join(format!("{message}.txt")),
        format!("{message}\n"),
    )
    .expect("write file");
    repo.git(&["add", "-A"]).success();
    let date = format!("{at} +0000");
    run(repo
        .env
        .git(&repo.dir)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_AUTHOR_DATE", &date)
        .arg("-c")
        .arg(format!("user.signingKey={}", signing_key.display()))
        .args(["commit", "-q", "-S", "-m", message]))
    .success();
    repo.git_out(&["rev-parse", "HEAD"])
}

/// alice (a plain key) changes the policy; erin is whoever the CA certifies as
/// `erin@example.org` or `erin`; `tail` adds tables (`[[revoked]]`).
fn ca_policy(alice: &Key, ca: &Key, tail: &str) -> String {
    let erin = format!(
        "[principals.erin]\nssh_ca = [{{ key = \"{} ca@example.org\", principals = [\"erin@example.org\", \"erin\"] }}]\n",
        ca.public_line()
    );
    policy_text(
        "",
        &[who("alice", alice)],
        &format!(
            "{erin}\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"*\"]\n\n\
             [policy_changes]\nsigners = [\"alice\"]\n{tail}"
        ),
    )
}

#[track_caller]
fn assert_passes(doc: &serde_json::Value, commit: &str, principal: &str) {
    let r = result(doc, commit);
    assert_eq!(r["ok"], true, "{commit} should pass:\n{doc:#}");
    assert_eq!(r["principal"], principal, "{doc:#}");
    assert_eq!(r["reasons"], serde_json::json!([]), "{doc:#}");
}

#[track_caller]
fn assert_fails_with(doc: &serde_json::Value, commit: &str, needle: &str) {
    let r = result(doc, commit);
    assert_eq!(r["ok"], false, "{commit} should fail:\n{doc:#}");
    let reasons = reasons(doc, commit);
    assert!(
        reasons.iter().any(|r| r.contains(needle)),
        "no reason of {commit} says `{needle}`: {reasons:?}"
    );
}

#[test]
fn honest_certificates_pass_and_each_forgery_is_refused_with_its_reason() {
    let env = TestEnv::new();
    let (alice, ca, other_ca) = (
        key(&env, "alice"),
        key(&env, "ssh-ca"),
        key(&env, "other-ca"),
    );
    let erin = key(&env, "erin");
    let (repo, anchor) = anchored(&env, &alice, &ca_policy(&alice, &ca, ""));

    let mut good = Vec::new();
    // Forever, a window around the commit time, the short name, a known critical option.
    for (name, args) in [
        ("forever", vec!["-n", "erin@example.org"]),
        ("window", vec!["-n", "erin", "-V", "20231101:20231201"]),
        ("other-names", vec!["-n", "someone,erin"]),
        (
            "force-command",
            vec![
                "-n",
                "erin",
                "-O",
                "force-command=/bin/true",
                "-O",
                "source-address=10.0.0.0/8",
            ],
        ),
    ] {
        let cert = certify(&env, &ca, &erin, name, &format!("erin-{name}"), &args);
        good.push(commit_with(&repo, &cert.cert, &format!("good-{name}")));
    }
    let refused = [
        (
            "other-ca",
            certify(&env, &other_ca, &erin, "other-ca", "erin-other", &["-n", "erin"]),
            format!("through a certificate of CA {} for erin", other_ca.fingerprint()),
        ),
        (
            "host",
            certify(&env, &ca, &erin, "host", "erin-host", &["-h", "-n", "erin"]),
            "(key id \"erin-host\") is a host certificate, not a user certificate".to_string(),
        ),
        (
            "expired",
            certify(&env, &ca, &erin, "expired", "erin-expired", &["-n", "erin", "-V", "20200101:20210101"]),
            "(key id \"erin-expired\") expired at 2021-01-01T00:00:00Z, before the commit time 2023-11-14T22:13:20Z"
                .to_string(),
        ),
        (
            "not-yet-valid",
            certify(&env, &ca, &erin, "early", "erin-early", &["-n", "erin", "-V", "20300101:20310101"]),
            "(key id \"erin-early\") is not valid before 2030-01-01T00:00:00Z".to_string(),
        ),
        (
            "principal",
            certify(&env, &ca, &erin, "mallory", "mallory", &["-n", "mallory,erin@evil.example"]),
            "for mallory,erin@evil.example (key id \"mallory\") is not a principal of the policy"
                .to_string(),
        ),
        (
            "critical-option",
            certify(&env, &ca, &erin, "critical", "erin-critical", &["-n", "erin", "-O", "critical:made-up@example.org=1"]),
            "has the critical option \"made-up@example.org\", which gitseal does not understand"
                .to_string(),
        ),
    ];
    // erin's key itself, without a certificate: the CA's entry does not name it.
    let plain = commit_with(&repo, &erin.private, "plain-key");
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_ne!(code, 0, "{doc:#}");
    for id in &good {
        assert_passes(&doc, id, "erin");
    }
    assert_fails_with(
        &doc,
        &plain,
        &format!(
            "unknown signer: ssh key {} is not a principal of the policy",
            erin.fingerprint()
        ),
    );
    // Certificate verdicts are not cached (the line format has no place for what the
    // certificate says); a second run gives the same answers.
    let cache = std::fs::read_to_string(repo.dir.join(".git/gitseal/verdicts")).unwrap_or_default();
    assert!(
        cache.contains(&plain),
        "the plain key's verdict is cached:\n{cache}"
    );
    for id in &good {
        assert!(!cache.contains(id.as_str()), "{id} cached:\n{cache}");
    }
    let (again, doc2) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!((again, &doc2["results"]), (code, &doc["results"]));
    // Each refused certificate on its own, after the good ones: a refused commit's
    // descendants are refused as unauthenticated, which would hide their own reasons.
    for (name, cert, why) in &refused {
        repo.git(&["reset", "-q", "--hard", good.last().expect("good commits")])
            .success();
        let id = commit_with(&repo, &cert.cert, &format!("bad-{name}"));
        let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
        assert_ne!(code, 0, "{doc:#}");
        assert_fails_with(&doc, &id, why);
        assert_eq!(reasons(&doc, &id).len(), 1, "{doc:#}");
    }
}

/// As an allowed_signers line naming a plain key: a signature made through a certificate
/// of that key is not the key's signature.
#[test]
fn a_plain_ssh_entry_does_not_accept_a_certificate_of_its_key() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let policy = policy_text(
        "",
        &[who("alice", &alice), who("erin", &erin)],
        crate::verify_policy::DEFAULT_RULES,
    );
    let (repo, anchor) = anchored(&env, &alice, &policy);
    let plain = commit_with(&repo, &erin.private, "plain");
    let cert = certify(&env, &ca, &erin, "plain-entry", "erin-1", &["-n", "erin"]);
    let through_cert = commit_with(&repo, &cert.cert, "through-cert");
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_passes(&doc, &plain, "erin");
    assert_fails_with(
        &doc,
        &through_cert,
        &format!(
            "unknown signer: ssh key {} through a certificate of CA {} for erin (key id \"erin-1\")",
            erin.fingerprint(),
            ca.fingerprint()
        ),
    );
}

#[test]
fn revoking_a_ca_or_its_certificates_by_serial_or_key_id() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let by_serial = format!(
        "\n[[revoked]]\nkey = \"{}\"\nserial = 42\nreason = \"laptop lost\"\n\n\
         [[revoked]]\nkey = \"{} ca\"\nkey_id = \"erin-stolen\"\n",
        ca.fingerprint(),
        ca.public_line()
    );
    let (repo, anchor) = anchored(&env, &alice, &ca_policy(&alice, &ca, &by_serial));
    let cert = |name: &str, id: &str, serial: &str| {
        certify(&env, &ca, &erin, name, id, &["-n", "erin", "-z", serial]).cert
    };
    let fine = commit_with(&repo, &cert("s41", "erin-fine", "41"), "serial-41");
    let serial = commit_with(&repo, &cert("s42", "erin-other", "42"), "serial-42");
    let key_id = commit_with(&repo, &cert("stolen", "erin-stolen", "7"), "key-id");
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_passes(&doc, &fine, "erin");
    assert_fails_with(
        &doc,
        &serial,
        &format!(
            "SSH certificate serial 42 of CA {} is revoked (laptop lost)",
            ca.fingerprint()
        ),
    );
    assert_fails_with(
        &doc,
        &key_id,
        &format!(
            "SSH certificate key id \"erin-stolen\" of CA {} is revoked",
            ca.fingerprint()
        ),
    );

    // The CA itself revoked: every certificate it signed, whatever its serial.
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let whole_ca = format!(
        "\n[[revoked]]\nkey = \"{}\"\nreason = \"CA retired\"\n",
        ca.fingerprint()
    );
    let (repo, anchor) = anchored(&env, &alice, &ca_policy(&alice, &ca, &whole_ca));
    let cert = certify(
        &env,
        &ca,
        &erin,
        "any",
        "erin-any",
        &["-n", "erin", "-z", "1"],
    );
    let id = commit_with(&repo, &cert.cert, "any");
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_fails_with(
        &doc,
        &id,
        &format!(
            "CA key {} is revoked (CA retired): so is every certificate it signed",
            ca.fingerprint()
        ),
    );
}

#[test]
fn policy_check_refuses_bad_ssh_ca_entries_and_certificate_revocations() {
    let env = TestEnv::new();
    let (alice, ca) = (key(&env, "alice"), key(&env, "ssh-ca"));
    let base = policy_text("", &[who("alice", &alice)], "");
    let cases = [
        (
            format!("[principals.erin]\nssh_ca = [{{ key = \"{}\", principals = [] }}]\n", ca.public_line()),
            "principals.erin.ssh_ca: principals is empty",
        ),
        (
            format!("[principals.erin]\nssh_ca = [{{ key = \"{}\", principals = [\"a,b\"] }}]\n", ca.public_line()),
            "principals.erin.ssh_ca: principal `a,b` is not a pattern",
        ),
        (
            "[principals.erin]\nssh_ca = [{ key = \"ssh-ed25519 AAAAnotakey\", principals = [\"erin\"] }]\n".to_string(),
            "principals.erin.ssh_ca: key is not an OpenSSH public key",
        ),
        (
            format!("[[revoked]]\nkey = \"{}\"\nserial = 1\nkey_id = \"x\"\n", ca.fingerprint()),
            "give serial or key_id, not both",
        ),
        (
            "[[revoked]]\nkey = \"F7173B3C7C685CD9ECC4191B74E445BA0E15C957\"\nserial = 1\n".to_string(),
            "revoked.serial needs key to be the SSH CA's key or fingerprint",
        ),
        (
            format!("[[revoked]]\nkey = \"{}\"\nserial = -1\n", ca.fingerprint()),
            "revoked.serial is negative",
        ),
    ];
    for (extra, needle) in cases {
        let path = env.write("policy.toml", format!("{base}\n{extra}"));
        let out = run(env.gitseal().args(["policy", "check", "--file"]).arg(&path)).no_panic();
        assert_ne!(out.code, 0, "{extra}\n{}", out.describe());
        assert!(
            out.stderr.contains(needle),
            "`{needle}` not said\n{}",
            out.describe()
        );
    }
    // And a good one passes, and describe names the CA and the revoked serial.
    let good = format!(
        "{base}\n[principals.erin]\nssh_ca = [{{ key = \"{}\", principals = [\"erin\", \"*@example.org\"] }}]\n\
         [[revoked]]\nkey = \"{}\"\nserial = 42\n",
        ca.public_line(),
        ca.fingerprint()
    );
    let path = env.write("policy.toml", good);
    let out = run(env.gitseal().args(["policy", "check", "--file"]).arg(&path)).no_panic();
    assert_eq!(out.code, 0, "{}", out.describe());
    let out = run(env
        .gitseal()
        .args(["policy", "describe", "--file"])
        .arg(&path))
    .no_panic();
    assert_eq!(out.code, 0, "{}", out.describe());
    let text = out.stdout();
    assert!(
        text.contains(&format!(
            "ssh_ca {} for certificate principals erin,*@example.org",
            ca.fingerprint()
        )),
        "{text}"
    );
    assert!(text.contains("certificates with serial 42"), "{text}");
}

#[test]
fn pre_receive_accepts_an_honest_certificate_and_rejects_an_expired_one() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let (client, anchor) = anchored(&env, &alice, &ca_policy(&alice, &ca, ""));
    let server = server(&client, &anchor);
    let good = certify(
        &env,
        &ca,
        &erin,
        "push-good",
        "erin-push",
        &["-n", "erin@example.org"],
    );
    let tip = commit_at(&client, &good.cert, "pushed", next_date());
    let out = push(&client, &["main"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(server.rev(MAIN).as_deref(), Some(tip.as_str()));

    let expired = certify(
        &env,
        &ca,
        &erin,
        "push-expired",
        "erin-old",
        &["-n", "erin", "-V", "20200101:20210101"],
    );
    let bad = commit_at(&client, &expired.cert, "pushed-expired", next_date());
    let out = push(&client, &["main"]);
    assert_rejected(
        &out,
        MAIN,
        &[
            &format!("commit {bad}"),
            "(key id \"erin-old\") expired at 2021-01-01T00:00:00Z",
        ],
    );
    assert_eq!(
        server.rev(MAIN).as_deref(),
        Some(tip.as_str()),
        "the server's ref moved"
    );
}

#[test]
fn policy_add_principal_names_an_ssh_ca() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let path = env.write("policy.toml", ca_policy(&alice, &alice, ""));
    let add = |args: &[&str]| {
        run(env
            .gitseal()
            .args(["policy", "add-principal"])
            .args(args)
            .arg("--file")
            .arg(&path))
        .no_panic()
    };
    let out = add(&["frank", "--ssh-ca", ca.public.to_str().expect("path")]);
    assert_ne!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr.contains("--cert-principal"),
        "{}",
        out.describe()
    );
    let out = add(&[
        "frank",
        "--ssh-ca",
        ca.public.to_str().expect("path"),
        "--cert-principal",
        "frank@example.org",
        "--cert-principal",
        "a,b",
    ]);
    assert_ne!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr.contains("`a,b` is not a name or pattern"),
        "{}",
        out.describe()
    );

    let out = add(&[
        "frank",
        "--ssh-ca",
        ca.public.to_str().expect("path"),
        "--cert-principal",
        "frank@example.org",
        "--cert-principal",
        "frank",
    ]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stdout().contains(&format!(
            "ssh_ca {} for frank@example.org,frank",
            ca.fingerprint()
        )),
        "{}",
        out.describe()
    );
    let text = std::fs::read_to_string(&path).expect("policy");
    assert!(
        text.contains("principals = [\"frank@example.org\", \"frank\"]"),
        "{text}"
    );

    // The policy it wrote judges: frank's certificate passes, erin's (same CA) is erin's.
    let (repo, anchor) = anchored(&env, &alice, &text);
    let frank = certify(&env, &ca, &erin, "frank", "frank-1", &["-n", "frank"]);
    let id = commit_with(&repo, &frank.cert, "frank");
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_passes(&doc, &id, "frank");
}

/// `policy export-allowed-signers` writes an `ssh_ca` entry as a `cert-authority` line with
/// the entry's principals: the real ssh-keygen, through plain `git verify-commit` with the
/// exported file, accepts the honest certificate and refuses another CA's, a principal the
/// entry does not allow and an expired certificate. What the policy revokes is not written
/// as allowed: a CA with certificates revoked by serial is left out (allowed_signers cannot
/// name a serial; refusing all of its certificates is the side to err on), a CA revoked
/// from a time on ends its window there.
#[test]
fn exported_cert_authority_lines_let_plain_git_verify_certificate_commits() {
    let env = TestEnv::new();
    let (alice, ca, other_ca, erin) = (
        key(&env, "alice"),
        key(&env, "ssh-ca"),
        key(&env, "other-ca"),
        key(&env, "erin"),
    );
    let policy = ca_policy(&alice, &ca, "");
    let (repo, _) = anchored(&env, &alice, &policy);
    let cert = |ca: &Key, name: &str, args: &[&str]| {
        certify(&env, ca, &erin, name, &format!("erin-{name}"), args).cert
    };
    let good = commit_with(&repo, &cert(&ca, "good", &["-n", "erin"]), "good");
    let long_name = commit_with(
        &repo,
        &cert(&ca, "long", &["-n", "erin@example.org"]),
        "long",
    );
    let bad = [
        ("other CA", cert(&other_ca, "other", &["-n", "erin"])),
        ("other principal", cert(&ca, "mallory", &["-n", "mallory"])),
        (
            "expired",
            cert(&ca, "expired", &["-n", "erin", "-V", "20200101:20210101"]),
        ),
    ]
    .map(|(what, path)| (what, commit_with(&repo, &path, what)));

    let export = |args: &[&str]| {
        let out = run(env
            .gitseal()
            .current_dir(&repo.dir)
            .args(["policy", "export-allowed-signers"])
            .args(args))
        .success();
        (out.stdout(), out.stderr.clone())
    };
    let (exported, notes) = export(&[]);
    assert_eq!(notes, "", "no notes for a policy without revocations");
    assert_eq!(
        exported,
        format!(
            "alice namespaces=\"git\" {}\nerin@example.org,erin cert-authority,namespaces=\"git\" {}\n",
            alice.public_line(),
            ca.public_line()
        )
    );

    // Plain git with the real ssh-keygen from here on.
    repo.git(&["config", "--unset", "gpg.ssh.program"])
        .success();
    let verify_commit = |file: &std::path::Path, rev: &str| {
        repo.git_with(
            &[("gpg.ssh.allowedSignersFile", file.to_str().expect("path"))],
            &["verify-commit", rev],
        )
    };
    let file = env.write("exported", &exported);
    for (rev, principal) in [(&good, "erin"), (&long_name, "erin@example.org")] {
        let out = verify_commit(&file, rev);
        assert_eq!(out.code, 0, "{}", out.describe());
        assert!(
            out.stderr.contains(&format!(
                "Good \"git\" signature for {principal} with ED25519-CERT"
            )),
            "{}",
            out.describe()
        );
    }
    for (what, rev) in &bad {
        let out = verify_commit(&file, rev);
        assert_ne!(out.code, 0, "{what} accepted: {}", out.describe());
    }

    // Certificates revoked by serial: the CA is left out, and says so.
    let revoked = env.write(
        "revoked-serial.toml",
        ca_policy(
            &alice,
            &ca,
            &format!(
                "\n[[revoked]]\nkey = \"{}\"\nserial = 42\n",
                ca.fingerprint()
            ),
        ),
    );
    let (exported, notes) = export(&["--file", revoked.to_str().expect("path")]);
    assert_eq!(
        exported,
        format!("alice namespaces=\"git\" {}\n", alice.public_line())
    );
    assert_eq!(
        notes,
        format!(
            "note: ssh_ca {} of principal erin is not exported: its certificates with serial 42 are revoked, which allowed_signers cannot say; plain git refuses its signatures, gitseal verify judges them\n",
            ca.fingerprint()
        )
    );
    let file = env.write("exported-serial", &exported);
    let out = verify_commit(&file, &good);
    assert_ne!(out.code, 0, "{}", out.describe());

    // The CA revoked from one second after the commit time: its window ends there.
    let revoked = env.write(
        "revoked-after.toml",
        ca_policy(
            &alice,
            &ca,
            &format!(
                "\n[[revoked]]\nkey = \"{}\"\nafter = 2023-11-14T22:13:21Z\n",
                ca.fingerprint()
            ),
        ),
    );
    let (exported, _) = export(&["--file", revoked.to_str().expect("path")]);
    assert!(
        exported.contains(&format!(
            "erin@example.org,erin cert-authority,namespaces=\"git\",valid-before=\"20231114221320Z\" {}",
            ca.public_line()
        )),
        "{exported}"
    );
    let file = env.write("exported-after", &exported);
    let out = verify_commit(&file, &good);
    assert_eq!(out.code, 0, "{}", out.describe());
    repo.git(&["config", "gpg.ssh.program", crate::support::GITSEAL])
        .success();
    let late = commit_at(&repo, &cert(&ca, "late", &["-n", "erin"]), "late", AT + 1);
    repo.git(&["config", "--unset", "gpg.ssh.program"])
        .success();
    let out = verify_commit(&file, &late);
    assert_ne!(out.code, 0, "{}", out.describe());

    // Revoked for all history: left out.
    let revoked = env.write(
        "revoked-all.toml",
        ca_policy(
            &alice,
            &ca,
            &format!("\n[[revoked]]\nkey = \"{}\"\n", ca.fingerprint()),
        ),
    );
    let (exported, notes) = export(&["--file", revoked.to_str().expect("path")]);
    assert!(!exported.contains("cert-authority"), "{exported}");
    assert!(
        notes.contains(&format!(
            "note: ssh_ca {} of principal erin is not exported: revoked;",
            ca.fingerprint()
        )),
        "{notes}"
    );
}

/// The JSON report carries the certificate a signature was made through (its CA, key id,
/// serial, type, principals, window, critical options) exactly, as RFC 3339 times and the
/// serial as a decimal string; the text line names it, the key id quoted and escaped.
/// A plain key's result has no `ssh_certificate`.
#[test]
fn reports_carry_the_certificate_details() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let (repo, anchor) = anchored(&env, &alice, &ca_policy(&alice, &ca, ""));
    let key_id = "erin\u{202e}\"laptop\"";
    let cert = certify(
        &env,
        &ca,
        &erin,
        "details",
        key_id,
        &[
            "-n",
            "erin,erin@example.org",
            "-z",
            "18446744073709551000",
            "-V",
            "20231101:20231201",
            "-O",
            "force-command=/bin/true",
        ],
    );
    let id = commit_with(&repo, &cert.cert, "details");
    let forever = certify(&env, &ca, &erin, "forever", "erin-2", &["-n", "erin"]);
    let id_forever = commit_with(&repo, &forever.cert, "forever");

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, &id)["signature"],
        serde_json::json!({
            "format": "ssh",
            "key": erin.fingerprint(),
            "time": "2023-11-14T22:13:20Z",
            "time_source": "committer",
            "ssh_certificate": {
                "ca": ca.fingerprint(),
                "key_id": key_id,
                "serial": "18446744073709551000",
                "type": "user",
                "principals": ["erin", "erin@example.org"],
                "valid_after": "2023-11-01T00:00:00Z",
                "valid_before": "2023-12-01T00:00:00Z",
                "critical_options": ["force-command"],
            },
        }),
        "{doc:#}"
    );
    let no_end = &result(&doc, &id_forever)["signature"]["ssh_certificate"];
    assert_eq!(no_end["valid_after"], "1970-01-01T00:00:00Z", "{doc:#}");
    assert_eq!(no_end["valid_before"], serde_json::Value::Null, "{doc:#}");
    assert_eq!(no_end["critical_options"], serde_json::json!([]), "{doc:#}");
    // The bidi control is a JSON escape in the bytes, not the character.
    let raw = crate::verify_policy::verify(
        &repo,
        &[
            "--anchor", &anchor, "--ref", MAIN, "--format", "json", "HEAD",
        ],
    );
    let raw = raw.stdout();
    assert!(
        !raw.contains('\u{202e}') && raw.contains("erin\\u202e\\\"laptop\\\""),
        "{raw}"
    );
    // A plain key's signature has no certificate.
    let plain = commit_with(&repo, &alice.private, "plain");
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert!(
        result(&doc, &plain)["signature"]
            .get("ssh_certificate")
            .is_none(),
        "{doc:#}"
    );

    let out = crate::verify_policy::verify(&repo, &["--anchor", &anchor, "--ref", MAIN, "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    let text = out.stdout();
    let line = format!(
        "ok   {} erin ssh {} (certificate \"erin\\u{{202e}}\\\"laptop\\\"\" serial 18446744073709551000 by CA {} for \"erin\",\"erin@example.org\", valid 2023-11-01T00:00:00Z to 2023-12-01T00:00:00Z)",
        &id[..12],
        erin.fingerprint(),
        ca.fingerprint()
    );
    assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("ok   {}", &plain[..12]))
                && l.ends_with(&alice.fingerprint())),
        "{text}"
    );
}

/// `policy check` (and `describe`) warn about an `ssh_ca` principal pattern that can never
/// match, naming the negations that refuse it and whether the entry then lets no
/// certificate in; and the policy judges as warned: a certificate for that name is not
/// erin's, while one for a name the entry still allows is.
#[test]
fn policy_check_warns_about_ssh_ca_patterns_that_never_match() {
    let env = TestEnv::new();
    let (alice, ca, erin) = (key(&env, "alice"), key(&env, "ssh-ca"), key(&env, "erin"));
    let policy = policy_text(
        "",
        &[who("alice", &alice)],
        &format!(
            "[principals.erin]\nssh_ca = [{{ key = \"{ca}\", principals = [\"!*@example.org\", \"erin@example.org\", \"erin\"] }},\n\
             {{ key = \"{ca}\", principals = [\"!*\", \"bob\"] }}]\n\
             [principals.fine]\nssh_ca = [{{ key = \"{ca}\", principals = [\"*@example.org\", \"!mallory@example.org\"] }}]\n\
             {}",
            crate::verify_policy::DEFAULT_RULES,
            ca = ca.public_line()
        ),
    );
    let path = env.write("policy.toml", &policy);
    let out = run(env.gitseal().args(["policy", "check", "--file"]).arg(&path)).no_panic();
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(
        out.stderr_lines(),
        [
            "warning: principals.erin.ssh_ca[0]: principal pattern erin@example.org never matches: every name it matches is refused by !*@example.org",
            "warning: principals.erin.ssh_ca[1]: principal pattern bob never matches: every name it matches is refused by !*, so the entry lets no certificate in",
        ],
        "{}",
        out.describe()
    );
    let out = run(env
        .gitseal()
        .args(["policy", "describe", "--file"])
        .arg(&path))
    .success();
    assert!(
        out.stdout().contains(
            "  erin\n    warning: principals.erin.ssh_ca[0]: principal pattern erin@example.org never matches"
        ),
        "{}",
        out.describe()
    );

    let (repo, anchor) = anchored(&env, &alice, &policy);
    let dead = certify(
        &env,
        &ca,
        &erin,
        "dead",
        "erin-dead",
        &["-n", "erin@example.org"],
    );
    let alive = certify(&env, &ca, &erin, "alive", "erin-alive", &["-n", "erin"]);
    let by_alive = commit_with(&repo, &alive.cert, "alive");
    let by_dead = commit_with(&repo, &dead.cert, "dead");
    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_passes(&doc, &by_alive, "erin");
    // *@example.org is fine's (its own entry), not erin's: the warned pattern never applies.
    assert_passes(&doc, &by_dead, "fine");
}
