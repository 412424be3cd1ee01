//! OpenPGP signing: gitseal signs through a real gpg-agent (also a passphrase-protected
//! key, asked through the agent's pinentry) and with a key file; gpg verifies what gitseal
//! signs; key selection and the status lines match gpg's.

use crate::openpgp_gnupg::{
    GnuPg, git_visible, gitseal_path, helper_runs, logging_shims, make_executable, openpgp_repo,
    summary,
};
use crate::support::{TestEnv, require, run_stdin};

const PAYLOAD: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1700000000 +0000\n\nmsg\n";

/// The fingerprint in a `SIG_CREATED` line.
fn sig_created_fpr(status: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("[GNUPG:] SIG_CREATED "))
        .and_then(|rest| rest.split(' ').nth(5))
        .map(str::to_string)
}

fn gitseal_sign(env: &TestEnv, key: &str) -> crate::support::Run {
    run_stdin(
        env.gitseal()
            .env("GITSEAL_FORMAT", "openpgp")
            .args(["--status-fd=2", "-bsau", key]),
        PAYLOAD,
    )
}

#[test]
fn commits_and_tags_signed_through_gpg_agent_verify_with_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let gpg = require("gpg", "gnupg");
    let fpr = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    let gitseal = gitseal_path();
    let repo = openpgp_repo(&env, "repo", &gitseal, "committer@example.com");
    let commit = repo.signed_commit("signed by gitseal");
    let ours = summary(&repo, &gitseal, &commit);
    let theirs = summary(&repo, &gpg, &commit);
    assert_eq!(ours, theirs);
    let keyid = &fpr[24..];
    assert_eq!(
        theirs,
        format!("G|C O Mitter <committer@example.com>|{keyid}|{fpr}|{fpr}|ultimate")
    );
    repo.git_with(
        &[("gpg.program", &gpg.display().to_string())],
        &["verify-commit", &commit],
    )
    .success();

    // A signed tag, verified by both.
    repo.git(&["tag", "-s", "v1", "-m", "release"]).success();
    for program in [&gpg, &gitseal] {
        let verified = repo
            .git_with(
                &[("gpg.program", &program.display().to_string())],
                &["verify-tag", "v1"],
            )
            .success();
        assert!(
            verified.stderr.contains("Good signature from"),
            "{}",
            verified.stderr
        );
    }
}

#[test]
fn status_lines_and_key_choice_match_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let primary = g.gen_key(
        "Eris Discordia <eris@example.com>",
        "ed25519",
        "cert",
        "never",
    );
    let older = g.add_key(&primary, "rsa2048", "sign", "never");
    // gpg picks the newest signing subkey; make sure it is newer by a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let newer = g.add_key(&primary, "ed25519", "sign", "never");
    let solo = g.gen_key("Solo <solo@example.com>", "rsa2048", "sign", "never");
    let p256 = g.gen_key("P <p256@example.com>", "nistp256", "sign", "never");
    let p384 = g.gen_key("Q <p384@example.com>", "nistp384", "sign", "never");
    let p521 = g.gen_key("R <p521@example.com>", "nistp521", "sign", "never");
    // DSA: keygrip over p, q, g, y; SHA-1 for a 160-bit q (DSA-1024), SHA-256 for 256.
    let dsa1024 = g.gen_key("D <dsa1024@example.com>", "dsa1024", "sign", "never");
    let dsa2048 = g.gen_key("E <dsa2048@example.com>", "dsa2048", "sign", "never");

    let specs = [
        "eris@example.com".to_string(),
        "Eris Discordia <eris@example.com>".to_string(),
        "<eris@example.com>".to_string(),
        "discordia".to_string(),
        primary.clone(),
        primary[24..].to_string(),
        primary[32..].to_string(),
        format!("0x{}", &primary[24..]),
        format!("{older}!"),
        solo.clone(),
        p256.clone(),
        p384.clone(),
        // P-521 through the agent needs its keygrip, whose `b` has a leading zero octet.
        p521.clone(),
        "p521@example.com".to_string(),
        dsa1024.clone(),
        dsa2048.clone(),
        "dsa2048@example.com".to_string(),
    ];
    for spec in &specs {
        let theirs = run_stdin(g.gpg().args(["--status-fd=2", "-bsau", spec]), PAYLOAD).success();
        let ours = gitseal_sign(&env, spec).success();
        assert_eq!(
            sig_created_fpr(&ours.stderr),
            sig_created_fpr(&theirs.stderr),
            "key chosen for {spec:?}:\nours: {}\ntheirs: {}",
            ours.stderr,
            theirs.stderr
        );
        // The same status lines, but for SIG_CREATED's timestamp.
        let shape = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| l.starts_with("[GNUPG:] "))
                .map(|l| {
                    let mut f: Vec<&str> = l.split(' ').collect();
                    if f.get(1) == Some(&"SIG_CREATED") && f.len() > 6 {
                        f[6] = "T";
                    }
                    f.join(" ")
                })
                .collect()
        };
        assert_eq!(shape(&ours.stderr), shape(&theirs.stderr), "{spec}");
        // gpg verifies what gitseal made.
        let sig = env.write("ours.sig", &ours.stdout);
        let check = g.verify(&sig, PAYLOAD);
        assert_eq!(check.code, 0, "{}", check.describe());
        assert!(check.stdout().contains("[GNUPG:] GOODSIG "));
    }
    assert_eq!(
        sig_created_fpr(&gitseal_sign(&env, "eris@example.com").stderr),
        Some(newer)
    );

    // No such key: gpg's INV_SGNR and FAILURE, exit 2.
    let missing = gitseal_sign(&env, "nobody@example.com").exit(2);
    assert!(
        missing
            .stderr
            .contains("[GNUPG:] INV_SGNR 9 nobody@example.com"),
        "{}",
        missing.stderr
    );
    assert!(missing.stderr.contains("[GNUPG:] FAILURE sign 17"));

    // A certificate whose secret key is elsewhere: gpg's refusal, line for line (no
    // KEY_CONSIDERED, no BEGIN_SIGNING).
    let other = GnuPg::other(&env, "public-only");
    let public_only = other.gen_key("Pub Only <pub@example.com>", "ed25519", "sign", "never");
    g.import(&other.export(&public_only));
    for spec in ["pub@example.com", public_only.as_str()] {
        let theirs = run_stdin(g.gpg().args(["--status-fd=2", "-bsau", spec]), PAYLOAD);
        let ours = gitseal_sign(&env, spec);
        let lines = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| l.starts_with("[GNUPG:] "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            (ours.code, lines(&ours.stderr)),
            (theirs.code, lines(&theirs.stderr)),
            "{spec}"
        );
    }
}

#[test]
fn passphrase_protected_key_asks_through_the_agents_pinentry() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key_full(
        "Locked <locked@example.com>",
        "ed25519",
        "sign",
        "never",
        None,
        "correct horse",
    );
    // Stop the agent that cached the passphrase; the next one uses our pinentry, which
    // answers like a person would and logs what it was shown.
    let _ = env
        .command("gpgconf")
        .env("GNUPGHOME", &g.home)
        .args(["--kill", "gpg-agent"])
        .output();
    let log = env.path("pinentry.log");
    let pinentry = env.write(
        "pinentry",
        format!(
            "#!/bin/sh\necho 'OK Pleased to meet you'\nwhile read -r cmd rest; do\n  echo \"$cmd $rest\" >> '{}'\n  case \"$cmd\" in\n    GETPIN) echo 'D correct horse'; echo OK;;\n    BYE) echo OK; exit 0;;\n    *) echo OK;;\n  esac\ndone\n",
            log.display()
        ),
    );
    make_executable(&pinentry);
    std::fs::write(
        g.home.join("gpg-agent.conf"),
        format!("pinentry-program {}\n", pinentry.display()),
    )
    .expect("write gpg-agent.conf");

    // The format from git config is x509: refused before the agent is asked to sign
    // (git config runs while the key is chosen), so nobody is asked for a passphrase.
    std::fs::write(env.home().join(".gitconfig"), "[gpg]\n\tformat = x509\n")
        .expect("write gitconfig");
    let refused = run_stdin(
        env.gitseal()
            .args(["--status-fd=2", "-bsau", "locked@example.com"]),
        PAYLOAD,
    )
    .exit(2);
    assert!(refused.stderr.contains("x509"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("GETPIN"),
        "pinentry was asked for an x509 signature"
    );
    std::fs::remove_file(env.home().join(".gitconfig")).expect("remove gitconfig");

    let ours = gitseal_sign(&env, "locked@example.com").success();
    let asked = std::fs::read_to_string(&log).expect("pinentry was run");
    assert!(asked.contains("GETPIN"), "{asked}");
    assert!(
        asked.contains("Please enter the passphrase to unlock the OpenPGP secret key"),
        "{asked}"
    );
    let sig = env.write("locked.sig", &ours.stdout);
    let check = g.verify(&sig, PAYLOAD);
    assert!(
        check.stdout().contains(&format!("VALIDSIG {fpr} ")),
        "{}",
        check.stdout()
    );

    // gpg-preset-passphrase (GnuPG's libexec) works as well: no pinentry at all.
    let preset = [
        "/usr/lib/gnupg/gpg-preset-passphrase",
        "/usr/libexec/gpg-preset-passphrase",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists());
    if let Some(preset) = preset {
        let _ = env
            .command("gpgconf")
            .env("GNUPGHOME", &g.home)
            .args(["--kill", "gpg-agent"])
            .output();
        std::fs::write(
            g.home.join("gpg-agent.conf"),
            "allow-preset-passphrase\npinentry-program /bin/false\n",
        )
        .expect("write gpg-agent.conf");
        let _ = env
            .command("gpgconf")
            .env("GNUPGHOME", &g.home)
            .args(["--launch", "gpg-agent"])
            .output();
        let grip = g.keygrips(&fpr)[0].clone();
        run_stdin(
            env.command(preset)
                .env("GNUPGHOME", &g.home)
                .args(["--preset", &grip]),
            b"correct horse\n",
        )
        .success();
        gitseal_sign(&env, &fpr).success();
    }
}

#[test]
fn a_secret_key_file_signs_without_gnupg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("File Key <file@example.com>", "ed25519", "sign", "never");
    let key_file = env.write("keys/signing.asc", g.export_secret(&fpr));
    let ours = gitseal_sign(&env, &key_file.display().to_string()).success();
    assert_eq!(sig_created_fpr(&ours.stderr), Some(fpr.clone()));
    let sig = env.write("file.sig", &ours.stdout);
    assert!(
        g.verify(&sig, PAYLOAD)
            .success()
            .stdout()
            .contains("GOODSIG")
    );

    // In a repository, through user.signingKey; verified by gitseal and gpg alike.
    let gitseal = gitseal_path();
    let gpg = require("gpg", "gnupg");
    let repo = openpgp_repo(&env, "repo", &gitseal, &key_file.display().to_string());
    let commit = repo.signed_commit("key file");
    assert_eq!(
        summary(&repo, &gitseal, &commit),
        summary(&repo, &gpg, &commit)
    );
    assert!(summary(&repo, &gitseal, &commit).starts_with("G|"));

    // A file that is not a key.
    let bogus = env.write("keys/bogus.asc", "not a key");
    let failed = gitseal_sign(&env, &bogus.display().to_string()).exit(2);
    assert!(
        failed.stderr.contains("not an OpenPGP secret key"),
        "{}",
        failed.stderr
    );
}

#[test]
fn signing_format_follows_env_then_config_else_openpgp() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    let sign = |config: &str| {
        std::fs::write(env.home().join(".gitconfig"), config).expect("write gitconfig");
        run_stdin(
            env.gitseal()
                .args(["--status-fd=2", "-bsau", "committer@example.com"]),
            PAYLOAD,
        )
    };
    // Nothing set: OpenPGP, git's own default (git calls gpg.program only for openpgp).
    let unset = sign("");
    assert_eq!(unset.code, 0, "{}", unset.describe());
    let sig = env.write("unset.sig", &unset.stdout);
    assert!(
        g.verify(&sig, PAYLOAD)
            .success()
            .stdout()
            .contains("GOODSIG")
    );
    let x509 = sign("[gpg]\n\tformat = x509\n");
    assert_eq!(x509.code, 2);
    assert!(x509.stderr.contains("OIDC"), "{}", x509.stderr);
    assert_eq!(sign("[gpg]\n\tformat = openpgp\n").code, 0);
    assert_eq!(
        sign("[gpg]\n\tformat = openpgp\n[gitseal]\n\tformat = x509\n").code,
        2
    );
    assert_eq!(
        sign("[gitseal]\n\tformat = openpgp\n[gpg]\n\tformat = x509\n").code,
        0
    );
    // git -c reaches us through GIT_CONFIG_PARAMETERS.
    std::fs::write(env.home().join(".gitconfig"), "").expect("write gitconfig");
    let via_c = run_stdin(
        env.gitseal()
            .env("GIT_CONFIG_PARAMETERS", "'gpg.format'='openpgp'")
            .args(["--status-fd=2", "-bsau", "committer@example.com"]),
        PAYLOAD,
    );
    assert_eq!(via_c.code, 0, "{}", via_c.describe());
    let lines = git_visible(&via_c.stderr);
    assert!(lines.is_empty());
}

#[test]
fn keygrips_match_gpgs() {
    use sequoia_openpgp::parse::Parse;
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    for (uid, algo) in [
        ("E <e@example.com>", "ed25519"),
        ("P <p256@example.com>", "nistp256"),
        ("Q <p384@example.com>", "nistp384"),
        ("R <p521@example.com>", "nistp521"),
        ("B <bp256@example.com>", "brainpoolP256r1"),
        ("C <bp384@example.com>", "brainpoolP384r1"),
        ("D <bp512@example.com>", "brainpoolP512r1"),
        ("S <rsa@example.com>", "rsa2048"),
        ("T <dsa@example.com>", "dsa2048"),
        ("U <dsa1024@example.com>", "dsa1024"),
    ] {
        let fpr = g.gen_key(uid, algo, "sign", "never");
        let cert = sequoia_openpgp::Cert::from_bytes(&g.export(&fpr)).expect("certificate");
        let ours = gitseal::openpgp::keygrip::Keygrip::of(cert.primary_key().key().mpis())
            .expect("a keygrip")
            .to_string();
        assert_eq!(ours, g.keygrips(&fpr)[0], "{algo}");
    }
}

#[test]
fn setup_openpgp_configures_git_with_gpgs_key_for_user_email() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    std::fs::write(
        env.home().join(".gitconfig"),
        "[user]\n\temail = committer@example.com\n\tname = C O Mitter\n",
    )
    .expect("write gitconfig");
    let out = crate::support::run(
        env.gitseal()
            .args(["setup", "--format", "openpgp", "--global"]),
    )
    .success();
    assert!(
        out.stdout()
            .contains(&format!("set user.signingKey = {fpr}")),
        "{}",
        out.stdout()
    );
    let get = |key: &str| {
        crate::support::run(env.command("git").args(["config", "--global", key]))
            .stdout()
            .trim()
            .to_string()
    };
    assert_eq!(get("gpg.format"), "openpgp");
    assert_eq!(get("commit.gpgSign"), "true");
    let program = std::path::PathBuf::from(get("gpg.openpgp.program"));
    assert_eq!(
        program.canonicalize().expect("program path"),
        gitseal_path().canonicalize().expect("gitseal path")
    );

    // git now signs with gitseal, and gpg agrees with the result.
    let repo_dir = env.path("repo");
    std::fs::create_dir_all(&repo_dir).expect("mkdir");
    let repo = crate::support::Repo {
        env: &env,
        dir: repo_dir,
        program: crate::support::Program::Gitseal,
    };
    repo.git(&["init", "-q", "-b", "main"]).success();
    let commit = repo.signed_commit("after setup");
    let gpg = require("gpg", "gnupg");
    assert!(summary(&repo, &gpg, &commit).starts_with("G|"));

    // An explicit key that gpg does not have is refused.
    let refused = crate::support::run(env.gitseal().args([
        "setup",
        "--format",
        "openpgp",
        "--global",
        "--key",
        "0123456789ABCDEF",
    ]))
    .exit(2);
    assert!(
        refused.stderr.contains("no secret key"),
        "{}",
        refused.stderr
    );
}

#[test]
fn signing_starts_no_helper_process_unless_a_setting_needs_it() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Fast <fast@example.com>", "ed25519", "sign", "never");
    let key_file = env.write("keys/fast.asc", g.export_secret(&fpr));
    // The agent is running (gen_key started it); its socket is in GNUPGHOME.
    let (path, log) = logging_shims(&env);
    let sign = |key: &str, format: Option<&str>| {
        let mut cmd = env.gitseal();
        cmd.env("PATH", &path).args(["--status-fd=2", "-bsau", key]);
        if let Some(format) = format {
            cmd.env("GITSEAL_FORMAT", format);
        }
        run_stdin(&mut cmd, PAYLOAD)
    };

    // GITSEAL_FORMAT: neither git config nor gpgconf, through the agent or a key file.
    let ours = sign(&fpr, Some("openpgp")).success();
    assert_eq!(sig_created_fpr(&ours.stderr), Some(fpr.clone()));
    sign("fast@example.com", Some("openpgp")).success();
    sign(&key_file.display().to_string(), Some("openpgp")).success();
    assert_eq!(helper_runs(&log), Vec::<String>::new());

    // The format from git config: exactly one `git config`.
    std::fs::write(env.home().join(".gitconfig"), "[gpg]\n\tformat = openpgp\n")
        .expect("write gitconfig");
    let ours = sign(&fpr, None).success();
    let sig = env.write("fast.sig", &ours.stdout);
    assert!(
        g.verify(&sig, PAYLOAD)
            .success()
            .stdout()
            .contains("GOODSIG")
    );
    assert_eq!(helper_runs(&log), ["git config -z --list"]);

    // A key GnuPG does not have: git config is read for gitseal.openpgpKeyring, once,
    // even though the format came from it too.
    sign("nobody@example.com", None).exit(2);
    assert_eq!(helper_runs(&log), ["git config -z --list"]);
}

#[test]
fn a_forwarded_agent_is_asked_which_keys_it_holds() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Far <far@example.com>", "ed25519", "sign", "never");
    // Another home with the certificate and a socket leading to the first home's agent,
    // as `ssh -R` forwarding gives: no key files here, so the agent must be asked.
    let forwarded = GnuPg::other(&env, "forwarded");
    forwarded.import(&g.export(&fpr));
    // The import started an agent of its own there: stop it, take its socket's place.
    let _ = env
        .command("gpgconf")
        .env("GNUPGHOME", &forwarded.home)
        .args(["--kill", "gpg-agent"])
        .output();
    let _ = std::fs::remove_file(forwarded.home.join("S.gpg-agent"));
    std::os::unix::fs::symlink(
        g.home.join("S.gpg-agent"),
        forwarded.home.join("S.gpg-agent"),
    )
    .expect("symlink the agent socket");
    std::fs::write(env.home().join(".gitconfig"), "[gpg]\n\tformat = openpgp\n")
        .expect("write gitconfig");
    for format in [Some("openpgp"), None] {
        let mut cmd = env.gitseal();
        cmd.env("GNUPGHOME", &forwarded.home)
            .args(["--status-fd=2", "-bsau", "far@example.com"]);
        if let Some(format) = format {
            cmd.env("GITSEAL_FORMAT", format);
        }
        let ours = run_stdin(&mut cmd, PAYLOAD).success();
        assert_eq!(
            sig_created_fpr(&ours.stderr),
            Some(fpr.clone()),
            "{format:?}"
        );
        let sig = env.write("far.sig", &ours.stdout);
        assert!(
            g.verify(&sig, PAYLOAD)
                .success()
                .stdout()
                .contains("GOODSIG")
        );
    }
}
