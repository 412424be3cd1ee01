//! OpenPGP verification, differential: the same commits verified by git with
//! `gpg.program=gpg` and with `gpg.program=gitseal` must give the same `%G?|%GS|%GK|%GF|
//! %GP|%GT`, the same `git verify-commit` exit codes, and the same status lines wherever
//! git reads them, for every letter (G U B X Y R E N) and trust level.

use crate::openpgp_gnupg::{
    GnuPg, git_visible, gitseal_path, gitseal_verify, openpgp_repo, summary,
};
use crate::support::{Repo, TestEnv, require, run};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Commits a file signed by `program` with `key`.
fn commit_signed_by(repo: &Repo<'_>, program: &Path, key: &str, message: &str) -> String {
    std::fs::write(repo.dir.join("file.txt"), format!("{message}\n")).expect("write file");
    repo.git(&["add", "file.txt"]).success();
    repo.git_with(
        &[
            ("gpg.program", &program.display().to_string()),
            ("user.signingKey", key),
        ],
        &["commit", "-q", "-S", "-m", message],
    )
    .success();
    repo.git_out(&["rev-parse", "HEAD"])
}

/// git's verdict on one commit with `program`: summary, verify-commit exit, status lines.
fn judge(repo: &Repo<'_>, program: &Path, rev: &str) -> (String, i32, Vec<String>) {
    let summary = summary(repo, program, rev);
    let verify = repo.git_with(
        &[("gpg.program", &program.display().to_string())],
        &["verify-commit", "--raw", rev],
    );
    let mut lines = git_visible(&verify.stderr);
    lines.sort();
    (summary, verify.code, lines)
}

#[test]
fn every_letter_and_trust_level_matches_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let gpg = require("gpg", "gnupg");
    let t0 = now();
    let past = t0 - 10 * 86_400;

    // G, ultimate: a key gpg made here is ultimately trusted.
    let good = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    // U: a signing subkey of a key nobody vouches for.
    let eris = g.gen_key("Eris <eris@example.com>", "ed25519", "cert", "never");
    g.add_key(&eris, "ed25519", "sign", "never");
    g.set_ownertrust(&eris, 2);
    // G, full: certified by the ultimately trusted key.
    let fiona = g.gen_key("Fiona <fiona@example.com>", "nistp256", "sign", "never");
    g.set_ownertrust(&fiona, 2);
    // G, marginal: certified by a fully valid key with marginal ownertrust (1 of 3).
    let ivan = g.gen_key("Ivan <ivan@example.com>", "ed25519", "sign,cert", "never");
    g.set_ownertrust(&ivan, 4);
    let zed = g.gen_key("Zed <zed@example.com>", "ed25519", "sign", "never");
    g.set_ownertrust(&zed, 2);
    g.certify(&good, &fiona);
    g.certify(&good, &ivan);
    g.certify(&ivan, &zed);
    // Y: a key that expired a day after it was made, ten days ago.
    let old = g.gen_key_full(
        "Old <old@example.com>",
        "ed25519",
        "sign",
        "1d",
        Some(past),
        "",
    );
    // X: a signature that expired after a day; RSA for variety.
    let pasty = g.gen_key_full(
        "Past <past@example.com>",
        "rsa2048",
        "sign",
        "never",
        Some(past),
        "",
    );
    // R: revoked after signing.
    let rev = g.gen_key("Rev <rev@example.com>", "ed25519", "sign", "never");
    // E: a key only another keyring has.
    let other = GnuPg::other(&env, "elsewhere");
    let stranger = other.gen_key(
        "Stranger <stranger@example.com>",
        "ed25519",
        "sign",
        "never",
    );

    let now_gpg = g.wrapper("gpg-now", None);
    let then_gpg = g.wrapper("gpg-then", Some(past + 3600));
    let expiring_gpg = g.wrapper_with("gpg-expiring", Some(past + 3600), "--default-sig-expire 1d");
    let other_gpg = other.wrapper("gpg-other", None);

    let repo = openpgp_repo(&env, "repo", &gpg, &good);
    let mut commits = vec![
        ("G", commit_signed_by(&repo, &now_gpg, &good, "good")),
        (
            "U",
            commit_signed_by(&repo, &now_gpg, "eris@example.com", "untrusted"),
        ),
        ("G", commit_signed_by(&repo, &now_gpg, &fiona, "full")),
        ("G", commit_signed_by(&repo, &now_gpg, &zed, "marginal")),
        ("Y", commit_signed_by(&repo, &then_gpg, &old, "expired key")),
        (
            "X",
            commit_signed_by(&repo, &expiring_gpg, &pasty, "expired signature"),
        ),
        ("R", commit_signed_by(&repo, &now_gpg, &rev, "revoked")),
        (
            "E",
            commit_signed_by(&repo, &other_gpg, &stranger, "unknown key"),
        ),
    ];
    // B: the good commit with its message changed under the same signature.
    let raw = repo.git_out(&["cat-file", "commit", &commits[0].1]);
    let forged = raw.replace("\n\ngood", "\n\nforged") + "\n";
    commits.push(("B", repo.write_commit(forged.as_bytes())));
    commits.push(("N", repo.unsigned_commit("unsigned")));
    g.revoke(&rev);

    let gitseal = gitseal_path();
    for (letter, commit) in &commits {
        let theirs = judge(&repo, &gpg, commit);
        let ours = judge(&repo, &gitseal, commit);
        assert_eq!(
            ours, theirs,
            "gitseal and gpg disagree on the {letter} commit"
        );
        assert!(
            ours.0.starts_with(&format!("{letter}|")),
            "expected {letter}, got {}",
            ours.0
        );
    }
    // The trust levels that made the G commits differ.
    assert!(
        judge(&repo, &gitseal, &commits[0].1)
            .0
            .ends_with("|ultimate")
    );
    assert!(judge(&repo, &gitseal, &commits[2].1).0.ends_with("|fully"));
    assert!(
        judge(&repo, &gitseal, &commits[3].1)
            .0
            .ends_with("|marginal")
    );
    assert!(
        judge(&repo, &gitseal, &commits[1].1)
            .0
            .ends_with("|undefined")
    );
    // The signing subkey is what %GK names, the primary what %GP names.
    let eris_line = judge(&repo, &gitseal, &commits[1].1).0;
    assert!(
        eris_line.ends_with(&format!("|{eris}|undefined")),
        "{eris_line}"
    );

    // git shows gpg's words in --show-signature.
    let shown = repo.git_with(
        &[("gpg.program", &gitseal.display().to_string())],
        &["log", "-1", "--show-signature", &commits[0].1],
    );
    assert!(
        shown
            .stdout()
            .contains("gpg: Good signature from \"C O Mitter <committer@example.com>\" [ultimate]"),
        "{}",
        shown.stdout()
    );
    let _ = t0;
}

#[test]
fn exit_codes_and_status_lines_match_gpg_outside_git() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let fpr = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n";
    let signed = crate::support::run_stdin(g.gpg().args(["--status-fd=2", "-bsau", &fpr]), payload)
        .success();
    let sig = env.write("payload.sig", &signed.stdout);
    for data in [&payload[..], b"tampered"] {
        let theirs = g.verify(&sig, data);
        let ours = gitseal_verify(&env, &sig, data);
        assert_eq!(ours.code, theirs.code, "{}", ours.describe());
        assert_eq!(git_visible(&ours.stdout()), git_visible(&theirs.stdout()));
    }
    // Missing key: ERRSIG and NO_PUBKEY, exit 2.
    let other = GnuPg::other(&env, "elsewhere");
    let stranger = other.gen_key("S <s@example.com>", "nistp384", "sign", "never");
    let signed = crate::support::run_stdin(
        other.gpg().args(["--status-fd=2", "-bsau", &stranger]),
        payload,
    )
    .success();
    let sig = env.write("stranger.sig", &signed.stdout);
    let theirs = g.verify(&sig, payload);
    let ours = gitseal_verify(&env, &sig, payload);
    assert_eq!(
        (ours.code, git_visible(&ours.stdout())),
        (theirs.code, git_visible(&theirs.stdout()))
    );
    assert_eq!(ours.code, 2);
}

#[test]
fn configured_keyring_and_legacy_pubring_supply_certificates() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let other = GnuPg::other(&env, "elsewhere");
    let fpr = other.gen_key("Team <team@example.com>", "ed25519", "sign", "never");
    let payload = b"payload\n";
    let signed =
        crate::support::run_stdin(other.gpg().args(["--status-fd=2", "-bsau", &fpr]), payload)
            .success();
    let sig = env.write("team.sig", &signed.stdout);
    // Not in GnuPG's keyring: E.
    assert_eq!(gitseal_verify(&env, &sig, payload).code, 2);

    // Named in gitseal.openpgpKeyring: good, and trusted by that configuration.
    let keyring = env.write("team.asc", other.export_armored(&fpr));
    std::fs::write(
        env.home().join(".gitconfig"),
        format!("[gitseal]\n\topenpgpKeyring = {}\n", keyring.display()),
    )
    .expect("write gitconfig");
    let ours = gitseal_verify(&env, &sig, payload).success();
    let lines = git_visible(&ours.stdout());
    assert!(lines.iter().any(|l| l.starts_with("GOODSIG ")), "{lines:?}");
    assert!(
        lines.contains(&"TRUST_FULLY 0 pgp".to_string()),
        "{lines:?}"
    );
    std::fs::remove_file(env.home().join(".gitconfig")).expect("remove gitconfig");

    // A legacy pubring.gpg (binary packets, no keybox) in GNUPGHOME.
    drop(g);
    let legacy = env.home().join(".gnupg").join("pubring.gpg");
    std::fs::write(&legacy, other.export(&fpr)).expect("write pubring.gpg");
    let ours = gitseal_verify(&env, &sig, payload).success();
    assert!(
        git_visible(&ours.stdout())
            .iter()
            .any(|l| l == "TRUST_UNDEFINED 0 pgp"),
        "{}",
        ours.stdout()
    );
}

#[test]
fn malformed_and_foreign_signatures_are_errors_not_crashes() {
    let env = TestEnv::new();
    let _g = GnuPg::main(&env);
    for (name, body) in [
        ("empty", &b""[..]),
        (
            "truncated",
            b"-----BEGIN PGP SIGNATURE-----\n\niHUEABYIAB0WIQ\n-----END PGP SIGNATURE-----\n",
        ),
        ("garbage", b"\x00\x01\x02 not openpgp"),
    ] {
        let sig = env.write(name, body);
        let ours = gitseal_verify(&env, &sig, b"data").no_panic();
        assert_eq!(ours.code, 2, "{name}: {}", ours.describe());
        assert!(!ours.stdout().contains("GOODSIG"));
    }
    let missing = run(env
        .gitseal()
        .args(["--status-fd=1", "--verify", "/nonexistent", "-"]));
    assert_eq!(missing.code, 2);
}
