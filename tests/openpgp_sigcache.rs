//! The gpg dialect's signature cache (`src/openpgp/sigcache.rs`, `src/mode/gpg_sigcache.rs`)
//! and the aws-lc path for RSA (`src/openpgp/fast_rsa.rs`), against gpg.
//!
//! The cache holds sequoia's verification cache entries: each is the SHA-512 of a
//! signature's values, the digest computed over what it signs and the key's values. An
//! entry therefore speaks only for those octets; but whoever writes an entry for a forged
//! signature makes sequoia accept it, so the file is read only when it and its directory
//! are the user's own and nobody else may write them. These tests plant such an entry
//! and show it refused in every file the user does not alone control, and honoured only
//! where the user could as well have changed their own keyring.

use crate::openpgp_gnupg::{GnuPg, gitseal_verify};
use crate::support::{TestEnv, run_stdin};
use sequoia_openpgp::crypto::hash::Hash as _;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::Marshal;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const SIGNED: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nthe commit alice signed\n";
const FORGED: &[u8] =
    b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nthe commit mallory wants\n";
const MAGIC: &[u8] = b"gitseal openpgp signature cache 1\n";

fn cache_file(env: &TestEnv) -> PathBuf {
    env.home().join(".cache/gitseal/openpgp-signatures")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// sequoia's cache entry (sequoia-openpgp 2.4 `packet/signature/cache.rs`): SHA-512 of
/// version 0, the length of the signature's values (u32, little endian), the values, the
/// hash algorithm, the digest and the key's values, cut to 32 octets. What an attacker
/// with write access to the file would compute for the signature they want accepted.
fn planted_entry(
    sig: &sequoia_openpgp::packet::Signature,
    key: &sequoia_openpgp::packet::Key<
        sequoia_openpgp::packet::key::PublicParts,
        sequoia_openpgp::packet::key::UnspecifiedRole,
    >,
    data: &[u8],
) -> Vec<u8> {
    use sequoia_openpgp::types::HashAlgorithm;
    let mut digest = sig
        .hash_algo()
        .context()
        .expect("hash")
        .for_signature(sig.version());
    digest.update(data);
    sig.hash(&mut digest).expect("trailer");
    let digest = digest.into_digest().expect("digest");
    let mut mpis = Vec::new();
    sig.mpis().serialize(&mut mpis).expect("mpis");
    let mut key_mpis = Vec::new();
    key.mpis().serialize(&mut key_mpis).expect("key mpis");
    let mut entry = HashAlgorithm::SHA512
        .context()
        .expect("sha512")
        .for_digest();
    entry.update(&[0u8]);
    entry.update(&(mpis.len() as u32).to_le_bytes());
    entry.update(&mpis);
    entry.update(&[u8::from(sig.hash_algo())]);
    entry.update(&digest);
    entry.update(&key_mpis);
    entry.into_digest().expect("entry")[..32].to_vec()
}

struct World<'a> {
    env: &'a TestEnv,
    gnupg: GnuPg<'a>,
    sig: PathBuf,
    /// The entry that makes alice's signature over SIGNED pass for one over FORGED.
    forged_entry: Vec<u8>,
}

fn world(env: &TestEnv) -> World<'_> {
    let gnupg = GnuPg::main(env);
    let fpr = gnupg.gen_key("Alice <alice@example.com>", "rsa2048", "sign", "never");
    let signed = run_stdin(gnupg.gpg().args(["--status-fd=2", "-bsau", &fpr]), SIGNED).success();
    let sig = env.write("alice.sig", &signed.stdout);
    let cert = sequoia_openpgp::Cert::from_bytes(&gnupg.export(&fpr)).expect("certificate");
    let packet = sequoia_openpgp::PacketPile::from_bytes(&signed.stdout).expect("signature");
    let Some(sequoia_openpgp::Packet::Signature(signature)) = packet.path_ref(&[0]) else {
        panic!("a signature packet");
    };
    let forged_entry = planted_entry(
        signature,
        cert.primary_key().key().role_as_unspecified(),
        FORGED,
    );
    World {
        env,
        gnupg,
        sig,
        forged_entry,
    }
}

impl World<'_> {
    fn verdict(&self, data: &[u8]) -> (i32, bool) {
        let run = gitseal_verify(self.env, &self.sig, data);
        (run.code, run.stdout().contains("[GNUPG:] GOODSIG "))
    }

    /// Writes a cache file holding the forged entry (and what the honest runs left).
    fn plant(&self) {
        let file = cache_file(self.env);
        let mut contents = std::fs::read(&file).unwrap_or_else(|_| MAGIC.to_vec());
        contents.extend_from_slice(&self.forged_entry);
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, contents).expect("plant");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::set_permissions(
            file.parent().expect("dir"),
            std::fs::Permissions::from_mode(0o700),
        )
        .expect("chmod");
    }
}

#[test]
fn rsa_verifications_remember_the_certificate_and_agree_with_gpg() {
    let env = TestEnv::new();
    let w = world(&env);
    // Honest flow: the first run checks the certificate and remembers it, owner-only.
    assert_eq!(w.verdict(SIGNED), (0, true));
    let file = cache_file(&env);
    let first = std::fs::read(&file).expect("the cache was written");
    assert!(first.starts_with(MAGIC));
    assert_eq!(
        (first.len() - MAGIC.len()) / 32,
        1,
        "the user id's self-signature, and not the data signature"
    );
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().expect("dir")), 0o700);
    // The second run uses it, adds nothing (the data signature is not kept), and says
    // what gpg says, for the signed data and for other data.
    assert_eq!(w.verdict(SIGNED), (0, true));
    assert_eq!(
        std::fs::read(&file).expect("cache"),
        first,
        "nothing new to keep"
    );
    for data in [SIGNED, FORGED] {
        let theirs = w.gnupg.verify(&w.sig, data);
        let ours = gitseal_verify(&env, &w.sig, data);
        assert_eq!(ours.code, theirs.code, "{}", ours.describe());
    }
    assert_eq!(
        w.verdict(FORGED),
        (1, false),
        "a warm cache does not vouch for other data"
    );
}

#[test]
fn a_planted_entry_is_refused_unless_the_user_alone_could_write_it() {
    let env = TestEnv::new();
    let w = world(&env);
    let file = cache_file(&env);
    let dir = file.parent().expect("dir").to_path_buf();
    // Without the entry, the forgery is what it is.
    assert_eq!(w.verdict(FORGED), (1, false));

    // A file others may write: refused, and replaced by one of gitseal's own that holds
    // what this run checked and not the planted entry.
    w.plant();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    assert_eq!(w.verdict(FORGED), (1, false), "world-writable cache file");
    assert_eq!(mode(&file), 0o600);
    let own = std::fs::read(&file).expect("cache");
    assert!(
        !own[MAGIC.len()..]
            .chunks(32)
            .any(|e| e == w.forged_entry.as_slice()),
        "the planted entry was not carried over"
    );

    // A directory others may write (they could swap the file): refused.
    w.plant();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    assert_eq!(
        w.verdict(FORGED),
        (1, false),
        "world-writable cache directory"
    );

    // A file that belongs to someone else (tests run as root; 65534 is nobody): refused.
    w.plant();
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
    assert_eq!(w.verdict(FORGED), (1, false), "cache file of another user");
    std::os::unix::fs::chown(&file, Some(0), Some(0)).expect("chown back");

    // A symbolic link to a file of someone else's: refused (the opened file is judged).
    let elsewhere = env.write(
        "elsewhere/openpgp-signatures",
        [MAGIC, &w.forged_entry[..]].concat(),
    );
    std::os::unix::fs::chown(&elsewhere, Some(65534), Some(65534)).expect("chown");
    std::fs::remove_file(&file).expect("remove");
    std::os::unix::fs::symlink(&elsewhere, &file).expect("symlink");
    assert_eq!(
        w.verdict(FORGED),
        (1, false),
        "symbolic link to another user's file"
    );
    std::fs::remove_file(&file).expect("remove link");

    // The honest flow beside it: the signed data is good, with and without a cache.
    assert_eq!(w.verdict(SIGNED), (0, true));
    assert_eq!(w.verdict(SIGNED), (0, true));

    // Why the checks matter: in a file only the user can write, sequoia takes the entry
    // as it takes the user's own keyring. Such a file is as much the user's word as
    // ~/.gnupg is.
    w.plant();
    assert_eq!(
        w.verdict(FORGED),
        (0, true),
        "an entry in the user's own file is honoured"
    );
}

#[test]
fn signing_through_the_agent_with_an_rsa_key_remembers_the_certificate_too() {
    let env = TestEnv::new();
    let gnupg = GnuPg::main(&env);
    let fpr = gnupg.gen_key("Rsa Signer <rsa@example.com>", "rsa2048", "sign", "never");
    let sign = || run_stdin(env.gitseal().args(["--status-fd=2", "-bsau", &fpr]), SIGNED).success();
    let first = sign();
    let file = cache_file(&env);
    let kept = std::fs::read(&file).expect("the certificate's checks were kept");
    assert_eq!(mode(&file), 0o600);
    // The second signature finds them and adds nothing; gpg verifies both.
    let second = sign();
    assert_eq!(std::fs::read(&file).expect("cache"), kept);
    for (i, signed) in [first, second].iter().enumerate() {
        let sig = env.write(&format!("signed{i}.sig"), &signed.stdout);
        let check = gnupg.verify(&sig, SIGNED);
        assert_eq!(check.code, 0, "{}", check.describe());
    }

    // An Ed25519 key leaves no cache behind: its checks cost less than reading one.
    let other = TestEnv::new();
    let g2 = GnuPg::main(&other);
    let ed = g2.gen_key("Ed Signer <ed@example.com>", "ed25519", "sign", "never");
    run_stdin(
        other.gitseal().args(["--status-fd=2", "-bsau", &ed]),
        SIGNED,
    )
    .success();
    assert!(!cache_file(&other).exists());
}
