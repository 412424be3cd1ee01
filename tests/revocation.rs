//! `-r` revocation files of every kind ssh-keygen writes (`ssh-keygen -k`: serials, serial
//! ranges, key ids, keys, SHA-1 and SHA-256 hashes, fingerprints; plain key lists), each
//! judged by gitseal and ssh-keygen for a certificate signature and a plain-key signature.

use crate::support::{Key, KeyType, PRINCIPAL, Run, TestEnv, run, run_stdin};
use std::path::{Path, PathBuf};

const MESSAGE: &[u8] = b"revocation test payload\n";

struct Bench {
    env: TestEnv,
    ca: Key,
    user: Key,
    cert: PathBuf,
}

impl Bench {
    fn new() -> Self {
        let env = TestEnv::new();
        let ca = env.key(KeyType::Ed25519, "ca");
        let user = env.key(KeyType::Ed25519, "cert-user");
        run(env
            .ssh_keygen()
            .args(["-q", "-s"])
            .arg(&ca.private)
            .args(["-I", "build-bot", "-n", PRINCIPAL, "-z", "7"])
            .arg(&user.public))
        .success();
        let cert = user.cert_path();
        env.allowed_signers(
            "allowed_signers",
            &[
                ca.allowed(PRINCIPAL, "cert-authority"),
                user.allowed(PRINCIPAL, ""),
            ],
        );
        for (file, name) in [(&cert, "by-cert"), (&user.private, "by-key")] {
            run(env
                .ssh_keygen()
                .args(["-Y", "sign", "-n", "git", "-f"])
                .arg(file)
                .arg(env.write(name, MESSAGE)))
            .success();
        }
        let bench = Self {
            env,
            ca,
            user,
            cert,
        };
        assert_eq!(bench.revoked(None), [false, false], "no revocation file");
        bench
    }

    fn public(&self, key: &Key) -> String {
        std::fs::read_to_string(&key.public)
            .unwrap()
            .trim()
            .to_string()
    }

    /// A KRL made by `ssh-keygen -k` from `spec`, with the CA given by `-s` when asked.
    fn krl(&self, name: &str, spec: &str, with_ca: bool) -> PathBuf {
        let spec_file = self.env.write(&format!("{name}.spec"), format!("{spec}\n"));
        let krl = self.env.path(&format!("{name}.krl"));
        let mut cmd = self.env.ssh_keygen();
        cmd.args(["-k", "-f"]).arg(&krl);
        if with_ca {
            cmd.arg("-s").arg(&self.ca.public);
        }
        run(cmd.arg(&spec_file)).success();
        krl
    }

    /// Whether the certificate and the plain-key signatures are refused with `revocation`,
    /// after checking that gitseal and ssh-keygen agree.
    #[track_caller]
    fn revoked(&self, revocation: Option<&Path>) -> [bool; 2] {
        let mut verdicts = [false; 2];
        for (i, sig) in ["by-cert.sig", "by-key.sig"].iter().enumerate() {
            let verify = |mut cmd: std::process::Command| -> Run {
                cmd.args(["-Y", "verify", "-n", "git", "-f", "allowed_signers", "-I"])
                    .arg(PRINCIPAL)
                    .args(["-s", sig, "-Overify-time=20240101"]);
                if let Some(path) = revocation {
                    cmd.arg("-r").arg(path);
                }
                run_stdin(&mut cmd, MESSAGE)
            };
            let ours = verify(self.env.gitseal()).no_panic();
            let theirs = verify(self.env.ssh_keygen());
            assert_eq!(
                (ours.code, ours.stdout()),
                (theirs.code, theirs.stdout()),
                "{sig} with {revocation:?}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
                ours.describe(),
                theirs.describe()
            );
            verdicts[i] = ours.code != 0;
        }
        verdicts
    }
}

#[test]
fn krl_sections_revoke_like_ssh_keygen() {
    let b = Bench::new();
    let user = b.public(&b.user);
    let ca = b.public(&b.ca);
    let other = b.public(&b.env.key(KeyType::Ed25519, "other"));
    // (name, spec, needs -s CA, expected [certificate signature, plain signature])
    let cases: Vec<(&str, String, bool, [bool; 2])> = vec![
        ("serial", "serial: 7".into(), true, [true, false]),
        ("serial-range", "serial: 1-10".into(), true, [true, false]),
        ("serial-hex", "serial: 0x7".into(), true, [true, false]),
        ("other-serials", "serial: 8-20".into(), true, [false, false]),
        ("key-id", "id: build-bot".into(), true, [true, false]),
        (
            "other-key-id",
            "id: someone-else".into(),
            true,
            [false, false],
        ),
        ("key", format!("key: {user}"), false, [true, true]),
        ("sha1", format!("sha1: {user}"), false, [true, true]),
        ("sha256", format!("sha256: {user}"), false, [true, true]),
        (
            "hash",
            format!("hash: {}", b.user.fingerprint()),
            false,
            [true, true],
        ),
        ("ca-key", format!("key: {ca}"), false, [true, false]),
        ("other-key", format!("key: {other}"), false, [false, false]),
        (
            "several",
            format!("# comment\nserial: 100\nid: nobody\nkey: {other}\nsha256: {user}"),
            true,
            [true, true],
        ),
    ];
    for (name, spec, with_ca, expected) in cases {
        let krl = b.krl(name, &spec, with_ca);
        assert!(std::fs::read(&krl).unwrap().starts_with(b"SSHKRL\n\0"));
        assert_eq!(b.revoked(Some(&krl)), expected, "{name}: {spec}");
    }

    // The certificate file itself given to -k: revoked by serial under its CA.
    let krl = b.env.path("cert.krl");
    run(b.env.ssh_keygen().args(["-k", "-f"]).arg(&krl).arg(&b.cert)).success();
    assert!(b.revoked(Some(&krl))[0], "certificate file in the KRL");

    // An updated KRL (-u) keeps what it had and adds more.
    let krl = b.krl("updated", &format!("key: {other}"), false);
    let more = b.env.write("more.spec", "serial: 7\n");
    run(b
        .env
        .ssh_keygen()
        .args(["-k", "-u", "-f"])
        .arg(&krl)
        .arg("-s")
        .arg(&b.ca.public)
        .arg(&more))
    .success();
    assert_eq!(b.revoked(Some(&krl)), [true, false]);
}

#[test]
fn plain_key_lists_revoke_like_ssh_keygen() {
    let b = Bench::new();
    let other = b.env.key(KeyType::Ed25519, "other");
    for (name, contents, expected) in [
        ("user", b.public(&b.user), [true, true]),
        ("ca", b.public(&b.ca), [true, false]),
        ("other", b.public(&other), [false, false]),
        (
            "commented",
            format!("# revoked keys\n\n{}\n", b.public(&b.user)),
            [true, true],
        ),
        ("empty", String::new(), [false, false]),
    ] {
        let list = b
            .env
            .write(&format!("{name}.list"), format!("{contents}\n"));
        assert_eq!(b.revoked(Some(&list)), expected, "{name}");
    }
    // A revocation file that cannot be read refuses everything, in both.
    assert_eq!(b.revoked(Some(&b.env.path("no-such-file"))), [true, true]);
}
