//! gpg's words, side by side: for each case gpg and gitseal verify the same signature in
//! the same GnuPG home, and the exit code, the status lines and the human text (what git
//! shows in `--show-signature` and `verify-commit`) must be gpg's. Left out of the
//! comparison are only lines gpg writes about its own state: `KEY_CONSIDERED` (gpg
//! repeats it as it looks keys up), `SIG_ID`, and its "checking the trustdb" report.

use crate::openpgp_gnupg::{GnuPg, gitseal_path, gitseal_verify};
use crate::support::{Run, TestEnv, run, run_stdin};
use std::path::Path;

const PAYLOAD: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n";

/// What is compared: exit code, status lines, text.
#[derive(Debug, PartialEq, Eq)]
pub struct Said {
    pub code: i32,
    pub status: Vec<String>,
    pub text: Vec<String>,
}

fn what_was_said(run: &Run) -> Said {
    let status = String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter(|l| {
            !l.starts_with("[GNUPG:] KEY_CONSIDERED ") && !l.starts_with("[GNUPG:] SIG_ID ")
        })
        .map(str::to_string)
        .collect();
    let text = run
        .stderr
        .lines()
        .filter(|l| !gpgs_own_state(l))
        .map(str::to_string)
        .collect();
    Said {
        code: run.code,
        status,
        text,
    }
}

/// gpg's verification exactly as git runs it (no `--batch`, which adds a FAILURE line).
fn gpg_verify(g: &GnuPg<'_>, sig: &Path, payload: &[u8]) -> Run {
    let mut cmd = g.env.command("gpg");
    cmd.env("GNUPGHOME", &g.home).args([
        "--keyid-format=long",
        "--status-fd=1",
        "--verify",
        &sig.display().to_string(),
        "-",
    ]);
    run_stdin(&mut cmd, payload)
}

/// gpg's reports about its own files, which gitseal has no reason to write.
fn gpgs_own_state(line: &str) -> bool {
    line.contains("checking the trustdb")
        || line.contains("marginals needed")
        || line.starts_with("gpg: depth: ")
        || line.contains("next trustdb check due")
        || (line.starts_with("gpg: keybox '") && line.ends_with("' created"))
}

/// Verifies with gpg and with gitseal and asserts they say the same; returns what they said.
pub fn same_as_gpg(g: &GnuPg<'_>, env: &TestEnv, sig: &Path, payload: &[u8]) -> Said {
    // Settle gpg's trustdb first, so its cached validity (per user id too) is the one
    // gitseal computes.
    let _ = run(g.gpg().arg("--update-trustdb"));
    let theirs = what_was_said(&gpg_verify(g, sig, payload));
    let ours = what_was_said(&gitseal_verify(env, sig, payload));
    assert_eq!(ours, theirs, "gitseal (left) and gpg (right) differ");
    ours
}

fn gpg_sign(
    g: &GnuPg<'_>,
    env: &TestEnv,
    name: &str,
    args: &[&str],
    payload: &[u8],
) -> std::path::PathBuf {
    let signed = run_stdin(g.gpg().args(args), payload).success();
    env.write(name, &signed.stdout)
}

#[test]
fn other_user_ids_are_listed_in_keyblock_order() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Mid Person <mid@example.com>", "ed25519", "sign", "never");
    // Added in an order that is neither sorted nor reverse-sorted.
    for uid in [
        "Zed Z <zed@example.com>",
        "Abe A <abe@example.com>",
        "Kim K <kim@example.com>",
    ] {
        run(g.gpg().args(["--quick-add-uid", &fpr, uid])).success();
    }
    // Without a primary flag gpg takes the user id with the newest self-signature as
    // primary, which depends on whether the additions crossed a second: flag one.
    run(g.gpg().args([
        "--quick-set-primary-uid",
        &fpr,
        "Mid Person <mid@example.com>",
    ]))
    .success();
    let sig = gpg_sign(&g, &env, "uids.sig", &["-bsau", &fpr], PAYLOAD);
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    let akas: Vec<&String> = said.text.iter().filter(|l| l.contains(" aka ")).collect();
    assert_eq!(akas.len(), 3, "{:?}", said.text);
    // Not sorted: the comparison above would not catch an order both programs share by chance.
    assert!(akas[0].contains("Zed Z"), "{:?}", akas);
}

#[test]
fn notations_policy_urls_and_keyservers_are_reported_as_gpg_reports_them() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Noted <noted@example.com>", "ed25519", "sign", "never");
    // Human-readable notations (one longer than a NOTATION_DATA line, with spaces and a
    // percent sign), a policy URL and a preferred keyserver.
    let sig = gpg_sign(
        &g,
        &env,
        "noted.sig",
        &[
            "--sig-notation",
            "first@example.com=plain",
            "--sig-notation",
            "long@example.com=a value with spaces and 100% more than fifty characters in one line",
            "--sig-policy-url",
            "https://policy.example/signing",
            "--sig-keyserver-url",
            "hkps://keys.example",
            "-bsau",
            &fpr,
        ],
        PAYLOAD,
    );
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    assert!(
        said.status
            .contains(&"[GNUPG:] NOTATION_NAME long@example.com".to_string()),
        "{:?}",
        said.status
    );
    assert!(
        said.status
            .iter()
            .filter(|l| l.starts_with("[GNUPG:] NOTATION_DATA "))
            .count()
            >= 3,
        "the long value takes two lines: {:?}",
        said.status
    );
    assert!(
        said.status
            .contains(&"[GNUPG:] POLICY_URL https://policy.example/signing".to_string())
    );
    assert!(
        said.text
            .iter()
            .any(|l| l == "gpg: Signature policy: https://policy.example/signing")
    );

    // A binary notation: sequoia's salt in what gitseal signs, which gpg reports too.
    let signed = run_stdin(
        env.gitseal().args(["--status-fd=2", "-bsau", &fpr]),
        PAYLOAD,
    )
    .success();
    let ours = env.write("salted.sig", &signed.stdout);
    let said = same_as_gpg(&g, &env, &ours, PAYLOAD);
    assert!(
        said.status
            .contains(&"[GNUPG:] NOTATION_NAME salt@notations.sequoia-pgp.org".to_string()),
        "{:?}",
        said.status
    );

    // The same signature with the key missing: "Key available at" and nothing of ours.
    let elsewhere = GnuPg::other(&env, "elsewhere");
    let said = {
        let theirs = what_was_said(&gpg_verify(&elsewhere, &sig, PAYLOAD));
        let mut cmd = env.gitseal();
        cmd.env("GNUPGHOME", &elsewhere.home).args([
            "--keyid-format=long",
            "--status-fd=1",
            "--verify",
            &sig.display().to_string(),
            "-",
        ]);
        let ours = what_was_said(&run_stdin(&mut cmd, PAYLOAD));
        assert_eq!(ours, theirs, "gitseal (left) and gpg (right) differ");
        ours
    };
    assert_eq!(said.code, 2);
    assert!(
        said.text
            .iter()
            .any(|l| l == "gpg: Key available at: hkps://keys.example"),
        "{:?}",
        said.text
    );
}

#[test]
fn an_unknown_critical_notation_makes_a_good_signature_bad_and_a_known_one_does_not() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Crit <crit@example.com>", "ed25519", "sign", "never");
    let unknown = gpg_sign(
        &g,
        &env,
        "unknown.sig",
        &[
            "--sig-notation",
            "!must-understand@example.com=x",
            "-bsau",
            &fpr,
        ],
        PAYLOAD,
    );
    let said = same_as_gpg(&g, &env, &unknown, PAYLOAD);
    assert_eq!(said.code, 1, "{:?}", said);
    assert!(
        said.status
            .iter()
            .any(|l| l.starts_with("[GNUPG:] BADSIG ")),
        "{:?}",
        said.status
    );
    assert!(
        said.text
            .iter()
            .any(|l| l.contains("due to an unknown critical bit")),
        "{:?}",
        said.text
    );
    // gitseal's verdict for a policy is bad too (the same room judges it).
    let known = gpg_sign(
        &g,
        &env,
        "known.sig",
        &[
            "--sig-notation",
            "!pka-address@gnupg.org=crit@example.com",
            "-bsau",
            &fpr,
        ],
        PAYLOAD,
    );
    let said = same_as_gpg(&g, &env, &known, PAYLOAD);
    assert_eq!(said.code, 0, "{:?}", said);
}

#[test]
fn text_mode_signatures_verify_over_any_line_ends_as_with_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Text <text@example.com>", "ed25519", "sign", "never");
    for (i, data) in [
        &b"line one\r\nline two\r\n"[..],
        b"line one\nline two\n",
        b"mixed\r\nends\nand\r\r\nmore",
        b"trailing spaces  \r\nstay signed \t\n",
        b"lone\rcarriage\r",
        b"\r\n\r\n",
        b"",
    ]
    .iter()
    .enumerate()
    {
        let file = env.write(&format!("text{i}.txt"), data);
        let sig = env.path(&format!("text{i}.sig"));
        run(g
            .gpg()
            .args(["--textmode", "-bsau", &fpr, "-o"])
            .arg(&sig)
            .arg(&file))
        .success();
        let said = same_as_gpg(&g, &env, &sig, data);
        assert_eq!(said.code, 0, "{data:?}: {said:?}");
        assert!(
            said.status
                .iter()
                .any(|l| l.starts_with("[GNUPG:] VALIDSIG ") && l.contains(" 01 ")),
            "class 01: {:?}",
            said.status
        );
        // Different text is still BAD: canonical form is not "anything goes".
        let mut tampered = data.to_vec();
        tampered.extend_from_slice(b"x");
        let said = same_as_gpg(&g, &env, &sig, &tampered);
        assert_eq!(said.code, 1, "{tampered:?}: {said:?}");
    }
}

#[test]
fn a_missing_key_is_gpgs_three_lines_and_exit_2_and_nothing_more() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let other = GnuPg::other(&env, "other");
    let stranger = other.gen_key("S <s@example.com>", "ed25519", "sign", "never");
    let sig = gpg_sign(&other, &env, "stranger.sig", &["-bsau", &stranger], PAYLOAD);
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    assert_eq!(said.code, 2);
    assert_eq!(said.text.len(), 3, "{:?}", said.text);
    assert_eq!(said.text[2], "gpg: Can't check signature: No public key");

    // What git shows: gpg's lines and git's own, no `error:` or `hint:` of gitseal's. git
    // signs with gpg in the other home here.
    let repo = crate::openpgp_gnupg::openpgp_repo(
        &env,
        "repo",
        &other.wrapper("gpg-other", None),
        &stranger,
    );
    std::fs::write(repo.dir.join("f"), "x").expect("write");
    repo.git(&["add", "f"]).success();
    repo.git(&["commit", "-q", "-S", "-m", "stranger"])
        .success();
    let shown = repo
        .git_with(
            &[("gpg.program", &gitseal_path().display().to_string())],
            &["verify-commit", "HEAD"],
        )
        .exit(1);
    assert!(
        shown
            .stderr
            .contains("gpg: Can't check signature: No public key"),
        "{}",
        shown.stderr
    );
    assert!(
        !shown.stderr.contains("error: can't check"),
        "{}",
        shown.stderr
    );
    assert!(!shown.stderr.contains("hint:"), "{}", shown.stderr);
}

#[test]
fn expiring_and_expired_signatures_say_when_as_gpg_does() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key("Exp <exp@example.com>", "ed25519", "sign", "never");
    let expiring = gpg_sign(
        &g,
        &env,
        "expiring.sig",
        &["--default-sig-expire", "5y", "-bsau", &fpr],
        PAYLOAD,
    );
    let said = same_as_gpg(&g, &env, &expiring, PAYLOAD);
    assert!(
        said.text
            .iter()
            .any(|l| l.starts_with("gpg: Signature expires ")),
        "{:?}",
        said.text
    );
    let expired = gpg_sign(
        &g,
        &env,
        "expired.sig",
        &["--default-sig-expire", "seconds=1", "-bsau", &fpr],
        PAYLOAD,
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let said = same_as_gpg(&g, &env, &expired, PAYLOAD);
    assert_eq!(said.code, 1);
    assert!(
        said.text
            .last()
            .is_some_and(|l| l.starts_with("gpg: Signature expired ")),
        "{:?}",
        said.text
    );
}

#[test]
fn an_untrusted_key_with_a_policy_url_keeps_gpgs_blank_line() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let other = GnuPg::other(&env, "other");
    let fpr = other.gen_key("Unknown <unknown@example.com>", "ed25519", "sign", "never");
    g.import(&other.export(&fpr));
    let sig = gpg_sign(
        &other,
        &env,
        "policy.sig",
        &["--sig-policy-url", "https://policy.example/", "-bsau", &fpr],
        PAYLOAD,
    );
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    assert!(
        said.status
            .contains(&"[GNUPG:] TRUST_UNDEFINED 0 pgp".to_string()),
        "{:?}",
        said.status
    );
    let policy = said
        .text
        .iter()
        .position(|l| l.starts_with("gpg: Signature policy: "))
        .expect("policy line");
    assert_eq!(said.text[policy + 1], "", "{:?}", said.text);
}

#[test]
fn rsa_and_dsa_signatures_of_every_size_and_digest_say_what_gpg_says() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    // RSA goes through aws-lc where it can (1024 to 8192 bits; SHA-1 and SHA-2 but
    // SHA-224, SHA-384 from 2048 bits), through sequoia otherwise; DSA through sequoia.
    let keys = [
        (
            "rsa1024",
            vec!["SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "RIPEMD160"],
        ),
        ("rsa2048", vec!["SHA1", "SHA256", "SHA384", "SHA512"]),
        ("rsa3072", vec!["SHA512"]),
        ("dsa1024", vec!["SHA1"]),
        ("dsa2048", vec!["SHA256"]),
    ];
    for (algo, digests) in keys {
        let fpr = g.gen_key(
            &format!("K {algo} <{algo}@example.com>"),
            algo,
            "sign",
            "never",
        );
        for digest in digests {
            let sig = gpg_sign(
                &g,
                &env,
                &format!("{algo}-{digest}.sig"),
                &["--digest-algo", digest, "-bsau", &fpr],
                PAYLOAD,
            );
            let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
            assert_eq!(said.code, 0, "{algo} {digest}: {said:?}");
            let said = same_as_gpg(&g, &env, &sig, b"other data");
            assert_eq!(said.code, 1, "{algo} {digest}: {said:?}");
        }
    }
}
