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

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openpgp");

/// The binary packets of an armored signature.
fn dearmor(armored: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut reader = sequoia_openpgp::armor::Reader::from_bytes(
        armored,
        sequoia_openpgp::armor::ReaderMode::Tolerant(None),
    );
    let mut out = Vec::new();
    reader.read_to_end(&mut out).expect("an armored signature");
    out
}

/// Binary packets armored as a signature.
fn armor(binary: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut writer =
        sequoia_openpgp::armor::Writer::new(&mut out, sequoia_openpgp::armor::Kind::Signature)
            .expect("armor writer");
    writer.write_all(binary).expect("armor");
    writer.finalize().expect("armor");
    out
}

/// A copy of a one-packet v4 signature whose first MPI carries `extra` more leading zero
/// octets and a bit count of eight times its octets, as GitHub's web-flow signer writes
/// MPIs: the same signature to gpg (the MPIs are not hashed), a malformed one to a strict
/// parser.
fn pad_first_mpi(packet: &[u8], extra: usize) -> Vec<u8> {
    let ctb = packet[0];
    let (header, len) = if ctb & 0x40 != 0 {
        match packet[1] {
            l @ 0..=191 => (2, l as usize),
            l @ 192..=223 => (3, ((l as usize - 192) << 8) + packet[2] as usize + 192),
            _ => (
                6,
                u32::from_be_bytes(packet[2..6].try_into().unwrap()) as usize,
            ),
        }
    } else {
        match ctb & 3 {
            0 => (2, packet[1] as usize),
            1 => (3, u16::from_be_bytes([packet[1], packet[2]]) as usize),
            _ => (
                5,
                u32::from_be_bytes(packet[1..5].try_into().unwrap()) as usize,
            ),
        }
    };
    let body = &packet[header..header + len];
    assert_eq!(body[0], 4, "a version 4 signature");
    let hashed = u16::from_be_bytes([body[4], body[5]]) as usize;
    let unhashed = u16::from_be_bytes([body[6 + hashed], body[7 + hashed]]) as usize;
    let mpi = 6 + hashed + 2 + unhashed + 2;
    let bits = u16::from_be_bytes([body[mpi], body[mpi + 1]]) as usize;
    let octets = bits.div_ceil(8);
    let mut value = vec![0u8; extra];
    value.extend_from_slice(&body[mpi + 2..mpi + 2 + octets]);
    let mut new_body = body[..mpi].to_vec();
    new_body.extend_from_slice(&((value.len() * 8) as u16).to_be_bytes());
    new_body.extend_from_slice(&value);
    new_body.extend_from_slice(&body[mpi + 2 + octets..]);
    let mut out = vec![0xc2];
    let n = new_body.len();
    if n < 192 {
        out.push(n as u8);
    } else {
        out.push(((n - 192) >> 8) as u8 + 192);
        out.push((n - 192) as u8);
    }
    out.extend_from_slice(&new_body);
    out
}

/// An unsigned commit object and the armored signature of a signed one.
fn split_gpgsig(raw: &str) -> (String, String) {
    let mut unsigned = String::new();
    let mut signature = String::new();
    let mut in_sig = false;
    for line in raw.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("gpgsig ") {
            in_sig = true;
            signature.push_str(rest);
        } else if in_sig && line.starts_with(' ') {
            signature.push_str(&line[1..]);
        } else {
            in_sig = false;
            unsigned.push_str(line);
        }
    }
    (unsigned, signature)
}

#[test]
fn non_minimal_mpis_verify_as_with_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let gpg = require("gpg", "gnupg");
    let gitseal = gitseal_path();
    let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmerged on the web\n";
    for (uid, algo) in [
        ("R S A <rsa@example.com>", "rsa2048"),
        ("E D <ed@example.com>", "ed25519"),
    ] {
        let fpr = g.gen_key(uid, algo, "sign", "never");
        let signed =
            crate::support::run_stdin(g.gpg().args(["--status-fd=2", "-bsau", &fpr]), payload)
                .success();
        for extra in [1, 2] {
            let crafted = armor(&pad_first_mpi(&dearmor(&signed.stdout), extra));
            let sig = env.write(&format!("{algo}-{extra}.sig"), &crafted);
            // The fixture is proven by gpg: it must still call the signature good.
            let theirs = g.verify(&sig, payload);
            assert!(
                theirs.stdout().contains("[GNUPG:] GOODSIG "),
                "gpg rejects the crafted signature: {}",
                theirs.describe()
            );
            let ours = gitseal_verify(&env, &sig, payload);
            assert_eq!(
                (ours.code, git_visible(&ours.stdout())),
                (theirs.code, git_visible(&theirs.stdout())),
                "{algo}, {extra} zero octets: {}",
                ours.describe()
            );
        }

        // In a commit, through git: G from both.
        let repo = openpgp_repo(&env, &format!("repo-{algo}"), &gpg, &fpr);
        repo.signed_commit("signed by gpg");
        let raw = repo.git(&["cat-file", "commit", "HEAD"]).success().stdout();
        let (unsigned, armored) = split_gpgsig(&raw);
        let crafted = armor(&pad_first_mpi(&dearmor(armored.as_bytes()), 1));
        let commit = repo.write_commit(
            crate::support::commit_with_signature(
                &unsigned,
                &String::from_utf8(crafted).expect("armor is text"),
            )
            .as_bytes(),
        );
        let theirs = judge(&repo, &gpg, &commit);
        assert!(theirs.0.starts_with("G|"), "{theirs:?}");
        assert_eq!(judge(&repo, &gitseal, &commit), theirs);
    }
}

#[test]
fn github_web_flow_signatures_verify_as_with_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let gpg = require("gpg", "gnupg");
    g.import(&std::fs::read(format!("{FIXTURES}/github-web-flow.asc")).expect("fixture"));
    // gitsign's pkg/attest/testdata/gpg.in.txt: third-party data, from the shared folder.
    let raw = gitseal::testdata::read_gitsign("testdata/attest-gpg.in.txt");
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let repo = Repo {
        env: &env,
        dir,
        program: crate::support::Program::Gitseal,
    };
    repo.git(&["init", "-q"]).success();
    let id = repo
        .git_stdin(&["hash-object", "-t", "commit", "-w", "--stdin"], &raw)
        .success()
        .stdout()
        .trim()
        .to_string();
    assert_eq!(id, "262c05491554c57ee641461f315bf4023d0e93c7");
    // Its parent is not here: `--no-walk`, and verify-commit, look at this commit only.
    let verdict = |program: &Path| {
        let program = program.display().to_string();
        let log = repo
            .git_with(
                &[("gpg.program", &program)],
                &["log", "--no-walk", "--format=%G?|%GS|%GK|%GF|%GP|%GT", &id],
            )
            .success()
            .stdout();
        let verify = repo.git_with(
            &[("gpg.program", &program)],
            &["verify-commit", "--raw", &id],
        );
        let mut lines = git_visible(&verify.stderr);
        lines.sort();
        (log, verify.code, lines)
    };
    let theirs = verdict(&gpg);
    // gpg's verdict proves the fixture: a good signature by web-flow's key, which
    // expired on 2024-01-16 (Y).
    assert!(
        theirs.0.starts_with(
            "Y|GitHub (web-flow commit signing) <noreply@github.com>|4AEE18F83AFDEB23|"
        ),
        "{theirs:?}"
    );
    assert_eq!(verdict(&gitseal_path()), theirs);
}

#[test]
fn verification_reads_git_config_only_when_the_configured_keyring_could_matter() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let (path, log) = crate::openpgp_gnupg::logging_shims(&env);
    let payload = b"payload\n";
    let verify = |sig: &Path, extra: &[(&str, &str)]| {
        let mut cmd = env.gitseal();
        cmd.env("PATH", &path).args([
            "--keyid-format=long",
            "--status-fd=1",
            "--verify",
            &sig.display().to_string(),
            "-",
        ]);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        crate::support::run_stdin(&mut cmd, payload)
    };
    let sign = |home: &GnuPg<'_>, fpr: &str, name: &str| {
        let signed =
            crate::support::run_stdin(home.gpg().args(["--status-fd=2", "-bsau", fpr]), payload)
                .success();
        env.write(name, &signed.stdout)
    };

    // An ultimately trusted key in GnuPG's keyring: no helper process at all, also under
    // `git -c` (GIT_CONFIG_PARAMETERS set).
    let own = g.gen_key("Own <own@example.com>", "ed25519", "sign", "never");
    let sig = sign(&g, &own, "own.sig");
    let ours = verify(&sig, &[("GIT_CONFIG_PARAMETERS", "'gpg.format'='openpgp'")]).success();
    assert!(
        ours.stdout().contains("TRUST_ULTIMATE 0 pgp"),
        "{}",
        ours.stdout()
    );
    assert_eq!(
        crate::openpgp_gnupg::helper_runs(&log),
        Vec::<String>::new()
    );

    // A key only a configured keyring has: git config once, and it is fully valid.
    let other = GnuPg::other(&env, "elsewhere");
    let team = other.gen_key("Team <team@example.com>", "ed25519", "sign", "never");
    let sig = sign(&other, &team, "team.sig");
    let keyring = env.write("team.asc", other.export_armored(&team));
    std::fs::write(
        env.home().join(".gitconfig"),
        format!("[gitseal]\n\topenpgpKeyring = {}\n", keyring.display()),
    )
    .expect("write gitconfig");
    let ours = verify(&sig, &[]).success();
    assert!(
        ours.stdout().contains("TRUST_FULLY 0 pgp"),
        "{}",
        ours.stdout()
    );
    assert_eq!(
        crate::openpgp_gnupg::helper_runs(&log),
        ["git config -z --list"]
    );

    // In GnuPG's keyring but not valid there: the configured copy makes it fully valid
    // (read once); without one, gpg's TRUST_UNDEFINED.
    g.import(&other.export(&team));
    let ours = verify(&sig, &[]).success();
    assert!(
        ours.stdout().contains("TRUST_FULLY 0 pgp"),
        "{}",
        ours.stdout()
    );
    assert_eq!(
        crate::openpgp_gnupg::helper_runs(&log),
        ["git config -z --list"]
    );
    std::fs::remove_file(env.home().join(".gitconfig")).expect("remove gitconfig");
    let theirs = g.verify(&sig, payload);
    let ours = verify(&sig, &[]).success();
    assert_eq!(git_visible(&ours.stdout()), git_visible(&theirs.stdout()));
    assert!(ours.stdout().contains("TRUST_UNDEFINED 0 pgp"));
}

#[test]
fn a_signature_older_than_its_key_is_a_time_conflict_as_with_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    require("gpg", "gnupg");
    let fpr = g.gen_key(
        "C O Mitter <committer@example.com>",
        "ed25519",
        "sign",
        "never",
    );
    let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n";
    // gpg signs "in the past" only when told to ignore the conflict; it then refuses to
    // verify what it made, and so must gitseal: a key cannot sign before it exists.
    // Back-dated from the key's own creation time, not the clock's (which may have
    // moved on by a second since, making "3 days" read "2 days").
    let listed = run(g.gpg().args(["--with-colons", "--list-keys", &fpr])).success();
    let created: i64 = listed
        .stdout()
        .lines()
        .find(|l| l.starts_with("pub:"))
        .and_then(|l| l.split(':').nth(5))
        .and_then(|t| t.parse().ok())
        .expect("the key's creation time");
    for (name, back) in [("by-days", 3 * 86_400), ("by-seconds", 90)] {
        let at = created - back;
        let signed = crate::support::run_stdin(
            g.gpg().args([
                "--ignore-time-conflict",
                "--faked-system-time",
                &format!("{at}!"),
                "-bsau",
                &fpr,
            ]),
            payload,
        )
        .success();
        let sig = env.write(&format!("{name}.sig"), &signed.stdout);
        let theirs = g.verify(&sig, payload);
        let ours = gitseal_verify(&env, &sig, payload);
        assert_eq!(theirs.code, 2, "gpg: {}", theirs.describe());
        assert_eq!(
            (ours.code, git_visible(&ours.stdout())),
            (theirs.code, git_visible(&theirs.stdout())),
            "{name}: {}",
            ours.describe()
        );
        assert!(
            ours.stdout().contains(" 39 "),
            "ERRSIG with gpg's time-conflict code: {}",
            ours.stdout()
        );
        let text = &ours.stderr;
        let words = if back >= 86_400 {
            "3 days newer"
        } else {
            "seconds newer"
        };
        assert!(
            text.contains(words) && text.contains("Can't check signature: Time conflict"),
            "{name}: {text}"
        );
    }
}
