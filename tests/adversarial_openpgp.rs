//! Attacks on OpenPGP certificates and signatures (issue 12: V3, V9, R2, R3), each beside
//! its honest flow, with real gpg making every key and signature and, wherever gpg can
//! judge the same thing, gpg's answer side by side with gitseal's.
//!
//! The cast: alice is a maintainer and the policy signer; carol a principal who may
//! commit but not change the policy; mallory no principal at all.

use crate::openpgp_gnupg::{GnuPg, gitseal_path, openpgp_repo, summary};
use crate::support::{Repo, TestEnv, commit_with_signature, run, run_stdin};
use crate::verify_policy::{reasons, result, verify_json};
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::{Packet, armor};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const DAY: i64 = 86_400;

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// One person: their own GnuPG home, their key, and a `gpg` that signs as them.
pub(crate) struct Person<'e> {
    pub(crate) gnupg: GnuPg<'e>,
    pub(crate) fpr: String,
    pub(crate) gpg: PathBuf,
}

impl<'e> Person<'e> {
    fn new(env: &'e TestEnv, name: &str) -> Self {
        Self::made_at(env, name, None)
    }

    /// A person whose key gpg made at `at` (Unix seconds), so it can sign in the past.
    pub(crate) fn made_at(env: &'e TestEnv, name: &str, at: Option<i64>) -> Self {
        let gnupg = GnuPg::other(env, &format!("gnupg-{name}"));
        let uid = format!("{name} <{name}@example.org>");
        let fpr = gnupg.gen_key_full(&uid, "ed25519", "sign", "never", at, "");
        let gpg = gnupg.wrapper(&format!("gpg-{name}"), None);
        Self { gnupg, fpr, gpg }
    }

    fn key_id(&self) -> &str {
        &self.fpr[24..]
    }

    pub(crate) fn cert(&self) -> Cert {
        Cert::from_bytes(&self.gnupg.export(&self.fpr)).expect("gpg's export parses")
    }
}

/// The packet of `cert`'s primary key as a public subkey, with no binding signature: what
/// a keyserver that takes any packet hands out after someone appended it.
fn as_unbound_subkey(cert: &Cert) -> Vec<u8> {
    let key = cert.primary_key().key().clone().role_into_subordinate();
    Packet::from(key).to_vec().expect("serializes")
}

/// `cert`'s primary key packet alone: no user id, no signature.
fn bare_primary(cert: &Cert) -> Vec<u8> {
    Packet::from(cert.primary_key().key().clone())
        .to_vec()
        .expect("serializes")
}

pub(crate) fn armored_keys(binary: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = armor::Writer::new(&mut out, armor::Kind::PublicKey).expect("armor");
    writer.write_all(binary).expect("writes");
    writer.finalize().expect("finalizes");
    out
}

pub(crate) fn write(repo: &Repo<'_>, path: &str, contents: impl AsRef<[u8]>) {
    let path = repo.dir.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, contents).expect("write");
}

/// Stages everything and commits, signed by `who` with `key` (a fingerprint, `!` for
/// exactly that key) through `gpg`, at `date` (Unix seconds) or the fixed test time.
pub(crate) fn commit_as(
    repo: &Repo<'_>,
    gpg: &Path,
    key: &str,
    message: &str,
    date: Option<i64>,
) -> String {
    let name: String = message
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    write(repo, &format!("{name}.txt"), format!("{message}\n"));
    repo.git(&["add", "-A"]).success();
    let mut cmd = repo.env.git(&repo.dir);
    if let Some(date) = date {
        let date = format!("{date} +0000");
        cmd.env("GIT_COMMITTER_DATE", &date)
            .env("GIT_AUTHOR_DATE", &date);
    }
    cmd.arg("-c")
        .arg(format!("gpg.program={}", gpg.display()))
        .arg("-c")
        .arg(format!("user.signingKey={key}"))
        .args(["commit", "-q", "-S", "-m", message]);
    run(&mut cmd).success();
    repo.git_out(&["rev-parse", "HEAD"])
}

/// A policy: each principal with its OpenPGP fingerprint, main open to `committers`,
/// `.gitseal/` changed by `policy_signers`, then `tail`.
pub(crate) fn policy(
    principals: &[(&str, &str)],
    committers: &str,
    policy_signers: &str,
    tail: &str,
) -> String {
    let mut text = "version = 1\n\n".to_string();
    for (name, fpr) in principals {
        text.push_str(&format!("[principals.{name}]\nopenpgp = [\"{fpr}\"]\n\n"));
    }
    text.push_str(&format!(
        "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [{committers}]\n\n\
         [policy_changes]\nsigners = [{policy_signers}]\n{tail}"
    ));
    text
}

/// `git log`'s `%G?|%GS|%GK|%GF|%GP|%GT` for `rev` by real gpg whose keyring holds exactly
/// the certificate files `files` (imported as `gpg --import` takes them: blocks gpg
/// refuses are skipped, the rest imported).
fn gpg_summary(env: &TestEnv, repo: &Repo<'_>, view: &str, files: &[&[u8]], rev: &str) -> String {
    let gnupg = GnuPg::other(env, view);
    for file in files {
        // gpg exits non-zero when it skipped a block; what it imported is what counts.
        let _ = run_stdin(gnupg.gpg().arg("--import"), file);
    }
    let gpg = gnupg.wrapper(&format!("{view}.sh"), None);
    let theirs = summary(repo, &gpg, rev);
    // gitseal as gpg.program over the very keybox gpg just wrote says the same, to the
    // trust level (no keyring configured yet when this runs).
    let ours = summary(repo, &gitseal_in(env, &gnupg.home), rev);
    assert_eq!(ours, theirs, "gitseal over gpg's keybox");
    theirs
}

/// gitseal, as a `gpg.program`, reading GnuPG's keyring in `home`.
fn gitseal_in(env: &TestEnv, home: &Path) -> PathBuf {
    let name = format!(
        "gitseal-{}",
        home.file_name().expect("a name").to_string_lossy()
    );
    let script = env.write(
        &name,
        format!(
            "#!/bin/sh\nGNUPGHOME='{}' exec '{}' \"$@\"\n",
            home.display(),
            gitseal_path().display()
        ),
    );
    crate::openpgp_gnupg::make_executable(&script);
    script
}

/// Who a summary names (`%GS|%GK|%GF|%GP`), without the letter and `%GT`, which say how
/// far the key is trusted: gitseal trusts a configured keyring fully (G), gpg has no
/// ownertrust for what it just imported (U).
fn signer(summary: &str) -> Vec<&str> {
    summary.split('|').skip(1).take(4).collect()
}

// V3: keys no binding signature claims.

#[test]
fn a_subkey_appended_without_a_binding_does_not_sign_a_policy_change() {
    let env = TestEnv::new();
    let alice = Person::new(&env, "alice");
    let mallory = Person::new(&env, "mallory");
    let repo = openpgp_repo(&env, "work", &alice.gpg, &alice.fpr);
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(&[("alice", &alice.fpr)], "\"alice\"", "\"alice\"", ""),
    );
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let anchor = commit_as(&repo, &alice.gpg, &alice.fpr, "anchor", None);

    // alice refreshes her certificate from a keyserver where mallory appended her key.
    let refreshed = [
        alice.gnupg.export(&alice.fpr),
        as_unbound_subkey(&mallory.cert()),
    ]
    .concat();
    write(&repo, ".gitseal/keys/alice.asc", armored_keys(&refreshed));
    let refresh = commit_as(
        &repo,
        &alice.gpg,
        &alice.fpr,
        "alice refreshes her certificate",
        None,
    );
    // mallory, signing with her own key, makes herself the policy signer.
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(
            &[("alice", &alice.fpr), ("mallory", &mallory.fpr)],
            "\"mallory\"",
            "\"mallory\"",
            "",
        ),
    );
    let forged = commit_as(
        &repo,
        &mallory.gpg,
        &mallory.fpr,
        "mallory takes over",
        None,
    );

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &refresh)["ok"], true, "{doc:#}");
    assert_eq!(result(&doc, &refresh)["principal"], "alice");
    let attack = result(&doc, &forged);
    assert_eq!(attack["ok"], false, "{doc:#}");
    assert_ne!(attack["signature"]["key"], alice.fpr.as_str(), "{doc:#}");
    assert!(attack["principal"].is_null(), "{doc:#}");
    let why = reasons(&doc, &forged).join("; ");
    assert!(
        why.contains(&format!(
            "no certificate for OpenPGP key {}",
            mallory.key_id()
        )),
        "{why}"
    );

    // gpg with the same certificate file: "No public key".
    let theirs = gpg_summary(&env, &repo, "gpg-view", &[&refreshed], &forged);
    assert!(theirs.starts_with("E|"), "gpg: {theirs}");
}

#[test]
fn a_signature_less_block_in_carols_file_does_not_make_carol_alice() {
    let env = TestEnv::new();
    let world = CarolsFile::new(&env);
    let repo = &world.repo;
    // carol, signing with her own key, makes herself a policy signer.
    write(
        repo,
        ".gitseal/policy.toml",
        policy(
            &[("alice", &world.alice.fpr), ("carol", &world.carol.fpr)],
            "\"alice\", \"carol\"",
            "\"alice\", \"carol\"",
            "",
        ),
    );
    let forged = commit_as(
        repo,
        &world.carol.gpg,
        &world.carol.fpr,
        "carol takes over",
        None,
    );

    let (code, doc) = verify_json(repo, &world.anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &world.added)["ok"], true, "{doc:#}");
    let attack = result(&doc, &forged);
    assert_eq!(attack["ok"], false, "{doc:#}");
    assert_eq!(
        attack["signature"]["key"],
        world.carol.fpr.as_str(),
        "{doc:#}"
    );
    assert_eq!(attack["principal"], "carol", "{doc:#}");
    assert_eq!(
        reasons(&doc, &forged),
        vec!["changes .gitseal/ but carol is not a policy_changes signer".to_string()]
    );

    // gpg with the same files says carol too (U: gpg has no ownertrust for her).
    let theirs = gpg_summary(
        &env,
        repo,
        "gpg-view",
        &[&world.alice_file, &world.carol_file],
        &forged,
    );
    assert!(theirs.starts_with("U|"), "gpg: {theirs}");
    assert_eq!(
        theirs.split('|').nth(4),
        Some(world.carol.fpr.as_str()),
        "gpg: {theirs}"
    );
}

#[test]
fn alice_and_carol_keep_signing_as_themselves_after_carols_file_is_added() {
    let env = TestEnv::new();
    let world = CarolsFile::new(&env);
    let repo = &world.repo;
    let by_alice = commit_as(
        repo,
        &world.alice.gpg,
        &world.alice.fpr,
        "alice after carol's file",
        None,
    );
    let by_carol = commit_as(
        repo,
        &world.carol.gpg,
        &world.carol.fpr,
        "carol's own work",
        None,
    );
    // alice still changes the policy.
    write(
        repo,
        ".gitseal/policy.toml",
        policy(
            &[("alice", &world.alice.fpr), ("carol", &world.carol.fpr)],
            "\"alice\", \"carol\"",
            "\"alice\"",
            "\n# reviewed\n",
        ),
    );
    let policy_change = commit_as(
        repo,
        &world.alice.gpg,
        &world.alice.fpr,
        "alice changes the policy",
        None,
    );

    let (code, doc) = verify_json(repo, &world.anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    for (commit, who, fpr) in [
        (&world.added, "alice", &world.alice.fpr),
        (&by_alice, "alice", &world.alice.fpr),
        (&by_carol, "carol", &world.carol.fpr),
        (&policy_change, "alice", &world.alice.fpr),
    ] {
        let r = result(&doc, commit);
        assert_eq!(r["ok"], true, "{doc:#}");
        assert_eq!(r["principal"], who, "{doc:#}");
        assert_eq!(r["signature"]["key"], fpr.as_str(), "{doc:#}");
    }
}

/// alice's repository after she added carol, whose new `.gitseal/keys/carol.gpg` holds
/// carol's honest certificate and, hidden before it, a block with alice's bare primary
/// key and carol's key (no signature at all).
struct CarolsFile<'e> {
    alice: Person<'e>,
    carol: Person<'e>,
    repo: Repo<'e>,
    anchor: String,
    added: String,
    alice_file: Vec<u8>,
    carol_file: Vec<u8>,
}

impl<'e> CarolsFile<'e> {
    fn new(env: &'e TestEnv) -> Self {
        let alice = Person::new(env, "alice");
        let carol = Person::new(env, "carol");
        let repo = openpgp_repo(env, "work", &alice.gpg, &alice.fpr);
        let alice_file = alice.gnupg.export_armored(&alice.fpr);
        write(
            &repo,
            ".gitseal/policy.toml",
            policy(&[("alice", &alice.fpr)], "\"alice\"", "\"alice\"", ""),
        );
        write(&repo, ".gitseal/keys/alice.asc", &alice_file);
        let anchor = commit_as(&repo, &alice.gpg, &alice.fpr, "anchor", None);
        // The hidden block comes first, so that it is the first certificate found for
        // carol's key.
        let carol_file = [
            bare_primary(&alice.cert()),
            as_unbound_subkey(&carol.cert()),
            carol.gnupg.export(&carol.fpr),
        ]
        .concat();
        write(&repo, ".gitseal/keys/carol.gpg", &carol_file);
        write(
            &repo,
            ".gitseal/policy.toml",
            policy(
                &[("alice", &alice.fpr), ("carol", &carol.fpr)],
                "\"alice\", \"carol\"",
                "\"alice\"",
                "",
            ),
        );
        let added = commit_as(&repo, &alice.gpg, &alice.fpr, "alice adds carol", None);
        Self {
            alice,
            carol,
            repo,
            anchor,
            added,
            alice_file,
            carol_file,
        }
    }
}

#[test]
fn the_drop_in_says_no_public_key_for_an_appended_subkey_as_gpg_does() {
    let env = TestEnv::new();
    let alice = Person::new(&env, "alice");
    let mallory = Person::new(&env, "mallory");
    let forged = [
        alice.gnupg.export(&alice.fpr),
        as_unbound_subkey(&mallory.cert()),
    ]
    .concat();
    let repo = openpgp_repo(&env, "work", &mallory.gpg, &mallory.fpr);
    let commit = commit_as(&repo, &mallory.gpg, &mallory.fpr, "by mallory", None);
    let theirs = gpg_summary(&env, &repo, "gpg-view", &[&forged], &commit);
    assert!(theirs.starts_with("E|"), "gpg: {theirs}");

    // The certificate in gitseal.openpgpKeyring (trusted fully by that configuration).
    let keyring = env.write("forged.asc", armored_keys(&forged));
    repo.git(&[
        "config",
        "gitseal.openpgpKeyring",
        &keyring.display().to_string(),
    ])
    .success();
    let ours = summary(&repo, &gitseal_path(), &commit);
    assert_eq!(ours, theirs, "gitseal.openpgpKeyring");
    let verify = repo.git_with(
        &[("gpg.program", &gitseal_path().display().to_string())],
        &["verify-commit", &commit],
    );
    assert_ne!(verify.code, 0, "{}", verify.describe());
    assert!(
        verify
            .stderr
            .contains("gpg: Can't check signature: No public key"),
        "{}",
        verify.describe()
    );

    // The same packets as GnuPG's own keyring file (a legacy pubring.gpg), read by both.
    repo.git(&["config", "--unset", "gitseal.openpgpKeyring"])
        .success();
    let home = GnuPg::other(&env, "legacy");
    std::fs::write(home.home.join("pubring.gpg"), &forged).expect("write pubring.gpg");
    let theirs = summary(&repo, &home.wrapper("gpg-legacy", None), &commit);
    let ours = summary(&repo, &gitseal_in(&env, &home.home), &commit);
    assert!(!ours.starts_with("G|"), "{ours}");
    assert_eq!(ours, theirs, "GnuPG keyring");
}

#[test]
fn the_drop_in_keeps_carols_key_carols_beside_a_block_claiming_it_for_alice() {
    let env = TestEnv::new();
    let alice = Person::new(&env, "alice");
    let carol = Person::new(&env, "carol");
    let file = [
        alice.gnupg.export(&alice.fpr),
        bare_primary(&alice.cert()),
        as_unbound_subkey(&carol.cert()),
        carol.gnupg.export(&carol.fpr),
    ]
    .concat();
    let repo = openpgp_repo(&env, "work", &carol.gpg, &carol.fpr);
    let by_carol = commit_as(&repo, &carol.gpg, &carol.fpr, "by carol", None);
    let by_alice = commit_as(&repo, &alice.gpg, &alice.fpr, "by alice", None);
    let keyring = env.write("keys.gpg", &file);
    let theirs: Vec<String> = [&by_carol, &by_alice]
        .iter()
        .enumerate()
        .map(|(i, commit)| gpg_summary(&env, &repo, &format!("gpg-view-{i}"), &[&file], commit))
        .collect();
    repo.git(&[
        "config",
        "gitseal.openpgpKeyring",
        &keyring.display().to_string(),
    ])
    .success();
    for ((commit, who), theirs) in [(&by_carol, &carol.fpr), (&by_alice, &alice.fpr)]
        .into_iter()
        .zip(&theirs)
    {
        let ours = summary(&repo, &gitseal_path(), commit);
        assert!(ours.starts_with("G|"), "{ours}");
        assert!(theirs.starts_with("U|"), "gpg: {theirs}");
        assert_eq!(ours.split('|').nth(4), Some(who.as_str()), "{ours}");
        assert_eq!(signer(&ours), signer(theirs));
    }
}

// R3: size.

#[test]
fn oversized_signatures_are_refused_before_they_are_parsed() {
    let env = TestEnv::new();
    let alice = Person::new(&env, "alice");
    let repo = openpgp_repo(&env, "work", &alice.gpg, &alice.fpr);
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(&[("alice", &alice.fpr)], "\"alice\"", "\"alice\"", ""),
    );
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let anchor = commit_as(&repo, &alice.gpg, &alice.fpr, "anchor", None);
    let honest = commit_as(&repo, &alice.gpg, &alice.fpr, "a real signature", None);
    let raw = repo.git_out(&["cat-file", "commit", &honest]);
    let (head, body) = raw.split_once("\ngpgsig ").expect("a signed commit");
    let (signature, rest) = body.split_once("\n\n").expect("headers end");
    let armored: String = signature
        .lines()
        .map(|l| l.trim_start())
        .collect::<Vec<_>>()
        .join("\n");
    let unsigned = format!("{head}\n\n{rest}\n");

    // 1 MiB of base64 (the attack took 32 MiB and 786 MB of memory).
    let line = "A".repeat(64);
    let huge = format!(
        "-----BEGIN PGP SIGNATURE-----\n\n{}-----END PGP SIGNATURE-----\n",
        format!("{line}\n").repeat(16_384)
    );
    repo.git(&["update-ref", "HEAD", &honest]).success();
    let large = repo.write_commit(commit_with_signature(&unsigned, &huge).as_bytes());
    // alice's real signature behind 16 marker packets: 17 packets.
    let binary = {
        use std::io::Read;
        let mut reader =
            armor::Reader::from_bytes(armored.as_bytes(), armor::ReaderMode::Tolerant(None));
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("dearmors");
        out
    };
    let marker: &[u8] = &[0xca, 0x03, b'P', b'G', b'P'];
    let many = [marker.repeat(16), binary].concat();
    let mut many_armored = Vec::new();
    {
        let mut writer =
            armor::Writer::new(&mut many_armored, armor::Kind::Signature).expect("armor");
        writer.write_all(&many).expect("writes");
        writer.finalize().expect("finalizes");
    }
    let many_armored = String::from_utf8(many_armored).expect("armor is text");
    repo.git(&["update-ref", "HEAD", &honest]).success();
    let packets = repo.write_commit(commit_with_signature(&unsigned, &many_armored).as_bytes());

    for (commit, why) in [
        (&large, "signature is larger than the 64 KiB gitseal reads"),
        (&packets, "more than 16 packets in one signature"),
    ] {
        let (code, doc) = verify_json(&repo, &anchor, &[&format!("{honest}..{commit}")]);
        assert_eq!(code, 1, "{doc:#}");
        let reasons = reasons(&doc, commit).join("; ");
        assert!(reasons.contains(why), "{reasons}");
    }
    let (code, doc) = verify_json(&repo, &anchor, &[&honest]);
    assert_eq!(code, 0, "{doc:#}");

    // The drop-in reads no more than it would parse: a 32 MiB file is refused like gpg's
    // NODATA (exit 2), with the bound named.
    let file = env.write(
        "huge.sig",
        format!("-----BEGIN PGP SIGNATURE-----\n\n{}", "A".repeat(32 << 20)),
    );
    let ours = run_stdin(
        env.gitseal().args([
            "--status-fd=1",
            "--verify",
            &file.display().to_string(),
            "-",
        ]),
        unsigned.as_bytes(),
    );
    assert_eq!(ours.code, 2, "{}", ours.describe());
    assert!(
        ours.stdout().contains("[GNUPG:] NODATA"),
        "{}",
        ours.describe()
    );
    assert!(
        ours.stderr.contains("larger than the 64 KiB gitseal reads"),
        "{}",
        ours.describe()
    );
}

// V9: the time a signature claims.

#[test]
fn a_back_dated_signature_is_judged_at_the_committer_time_against_a_revocation() {
    let env = TestEnv::new();
    let t = now();
    let alice = Person::made_at(&env, "alice", Some(t - 30 * DAY));
    let revoked_after = t - 10 * DAY;
    let after = chrono::DateTime::from_timestamp(revoked_after, 0)
        .expect("a time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let repo = openpgp_repo(&env, "work", &alice.gpg, &alice.fpr);
    let revocation = format!(
        "\n[[revoked]]\nkey = \"{}\"\nafter = {after}\nreason = \"laptop stolen\"\n",
        alice.fpr
    );
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(
            &[("alice", &alice.fpr)],
            "\"alice\"",
            "\"alice\"",
            &revocation,
        ),
    );
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let at = |when: i64| alice.gnupg.wrapper(&format!("gpg-at-{when}"), Some(when));
    let anchor_time = t - 29 * DAY;
    let anchor = commit_as(
        &repo,
        &at(anchor_time),
        &alice.fpr,
        "anchor",
        Some(anchor_time),
    );
    // Before the revocation, both times: alice's own commit.
    let before = t - 12 * DAY;
    let honest = commit_as(
        &repo,
        &at(before),
        &alice.fpr,
        "before the theft",
        Some(before),
    );
    // The thief commits today and back-dates only the signature, to before the revocation.
    let today = t - 3_600;
    let back_dated = commit_as(
        &repo,
        &at(t - 11 * DAY),
        &alice.fpr,
        "the thief",
        Some(today),
    );

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &honest)["ok"], true, "{doc:#}");
    let attack = result(&doc, &back_dated);
    assert_eq!(attack["ok"], false, "{doc:#}");
    assert_eq!(attack["signature"]["time_source"], "committer", "{doc:#}");
    let reported =
        chrono::DateTime::parse_from_rfc3339(attack["signature"]["time"].as_str().expect("a time"))
            .expect("RFC 3339")
            .timestamp();
    assert_eq!(
        reported, today,
        "the committer time, not the signature's claim"
    );
    assert_eq!(
        reasons(&doc, &back_dated),
        vec![format!(
            "key {} is revoked since {after} (laptop stolen)",
            alice.fpr
        )]
    );
}

// R2: a revocation entry that names a subkey.

/// alice with a signing subkey made at `at`; returns the subkey's fingerprint.
pub(crate) fn signing_subkey(alice: &Person<'_>, at: i64) -> String {
    run(alice.gnupg.gpg().args([
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--faked-system-time",
        &at.to_string(),
        "--quick-add-key",
        &alice.fpr,
        "ed25519",
        "sign",
        "never",
    ]))
    .success();
    alice
        .gnupg
        .fingerprints(&alice.fpr)
        .last()
        .expect("the subkey")
        .clone()
}

#[test]
fn a_revoked_entry_naming_a_subkey_is_refused_with_what_to_do() {
    let env = TestEnv::new();
    let t = now();
    let alice = Person::made_at(&env, "alice", Some(t - 2 * DAY));
    let subkey = signing_subkey(&alice, t - DAY);
    let repo = openpgp_repo(&env, "work", &alice.gpg, &alice.fpr);
    let revocation = format!("\n[[revoked]]\nkey = \"{subkey}\"\nreason = \"laptop stolen\"\n");
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(
            &[("alice", &alice.fpr)],
            "\"alice\"",
            "\"alice\"",
            &revocation,
        ),
    );
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let anchor = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "anchor",
        None,
    );
    let by_subkey = commit_as(
        &repo,
        &alice.gpg,
        &format!("{subkey}!"),
        "by the stolen subkey",
        None,
    );

    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    let why = reasons(&doc, &by_subkey).join("; ");
    for part in [
        format!(
            "[[revoked]] key {subkey} is a subkey of certificate {}",
            alice.fpr
        ),
        ".gitseal/keys/alice.asc".to_string(),
        format!("revoke {}", alice.fpr),
        "add the subkey's revocation signature".to_string(),
    ] {
        assert!(why.contains(&part), "{part:?} not in: {why}");
    }

    // policy check says so, from the commit and from the file beside its keys directory.
    for args in [
        vec!["policy", "check"],
        vec!["policy", "check", "--file", ".gitseal/policy.toml"],
    ] {
        let check = run(env.gitseal().current_dir(&repo.dir).args(&args));
        assert_eq!(check.code, 1, "{args:?}: {}", check.describe());
        assert!(
            check
                .stderr
                .contains(&format!("[[revoked]] key {subkey} is a subkey")),
            "{args:?}: {}",
            check.describe()
        );
    }
}

#[test]
fn a_subkey_revocation_in_the_certificate_file_stops_the_subkey() {
    let env = TestEnv::new();
    let t = now();
    let alice = Person::made_at(&env, "alice", Some(t - 10 * DAY));
    let subkey = signing_subkey(&alice, t - 9 * DAY);
    // The thief's copy of alice's secret keys, taken before she revoked the subkey.
    let thief = GnuPg::other(&env, "gnupg-thief");
    thief.import(&alice.gnupg.export_secret(&alice.fpr));
    let thief_gpg = thief.wrapper("gpg-thief", None);

    let repo = openpgp_repo(&env, "work", &alice.gpg, &alice.fpr);
    write(
        &repo,
        ".gitseal/policy.toml",
        policy(&[("alice", &alice.fpr)], "\"alice\"", "\"alice\"", ""),
    );
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let anchor = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "anchor",
        None,
    );
    let five_days_ago = t - 5 * DAY;
    let old_work = commit_as(
        &repo,
        &alice.gnupg.wrapper("gpg-alice-past", Some(five_days_ago)),
        &format!("{subkey}!"),
        "alice's work with the subkey",
        Some(five_days_ago),
    );

    // alice retires the subkey ("no longer used") and commits her updated certificate.
    run_stdin(
        alice.gnupg.gpg().args([
            "--command-fd",
            "0",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--edit-key",
            &alice.fpr,
        ]),
        b"key 1\nrevkey\ny\n3\n\ny\nsave\n",
    )
    .success();
    write(
        &repo,
        ".gitseal/keys/alice.asc",
        alice.gnupg.export_armored(&alice.fpr),
    );
    let update = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "alice revokes her subkey",
        None,
    );
    // The thief's commit on a branch of its own, so that alice's next one does not
    // descend from it.
    repo.git(&["checkout", "-q", "-b", "thief"]).success();
    let stolen = commit_as(&repo, &thief_gpg, &format!("{subkey}!"), "the thief", None);
    repo.git(&["checkout", "-q", "main"]).success();
    let after = commit_as(
        &repo,
        &alice.gpg,
        &format!("{}!", alice.fpr),
        "alice goes on",
        None,
    );

    let (code, doc) = verify_json(&repo, &anchor, &["main", "thief"]);
    assert_eq!(code, 1, "{doc:#}");
    for commit in [&old_work, &update, &after] {
        assert_eq!(result(&doc, commit)["ok"], true, "{doc:#}");
        assert_eq!(result(&doc, commit)["principal"], "alice", "{doc:#}");
    }
    assert_eq!(
        reasons(&doc, &stolen),
        vec!["the signing key is revoked".to_string()],
        "{doc:#}"
    );
    let check = run(env
        .gitseal()
        .current_dir(&repo.dir)
        .args(["policy", "check"]));
    assert_eq!(check.code, 0, "{}", check.describe());
}
