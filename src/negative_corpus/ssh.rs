//! SSH: SSHSIG armor and blob, payload, keys, certificates, allowed_signers lines and
//! revocation lists. Keys and certificates are made in process (ssh-key); signatures are
//! made the way `ssh-keygen -Y sign` makes them, then taken apart and broken one field
//! at a time. Every check goes through the library's own `-Y verify`
//! ([`crate::ssh::verify::verify`]) or parser.

use super::{ACCEPTED, Area};
use crate::ssh::allowed_signers::AllowedSigners;
use crate::ssh::key;
use crate::ssh::revocation::RevocationList;
use crate::ssh::sshsig::{self, SshSignature};
use crate::ssh::verify::{VerifyRequest, verify};
use sha2::{Digest, Sha256};
use ssh_encoding::Encode;
use ssh_key::certificate::{Builder, CertType};
use ssh_key::{Algorithm, EcdsaCurve, HashAlg, PrivateKey, Signature};
use std::sync::Arc;

/// The fixed clock: every key, line and certificate is judged at this time.
const NOW: i64 = 1_750_000_000;
const DAY: i64 = 86_400;
const ALICE: &str = "alice@example.org";
const MESSAGE: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@example.org> 1750000000 +0000\n\
committer A <a@example.org> 1750000000 +0000\n\nthe commit\n";
const OTHER_MESSAGE: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@example.org> 1750000100 +0000\n\
committer A <a@example.org> 1750000100 +0000\n\nanother commit\n";

/// The keys of the corpus.
struct Lab {
    alice: PrivateKey,
    bob: PrivateKey,
    ecdsa: PrivateKey,
    ca: PrivateKey,
    other_ca: PrivateKey,
}

/// An SSHSIG blob's fields, to be changed one at a time and encoded again.
#[derive(Clone)]
struct Blob {
    magic: Vec<u8>,
    version: u32,
    key: Vec<u8>,
    namespace: Vec<u8>,
    reserved: Vec<u8>,
    hash: Vec<u8>,
    signature: Vec<u8>,
    trailer: Vec<u8>,
}

impl Blob {
    fn encode(&self) -> Vec<u8> {
        let mut out = self.magic.clone();
        out.extend(self.version.to_be_bytes());
        for field in [
            &self.key,
            &self.namespace,
            &self.reserved,
            &self.hash,
            &self.signature,
        ] {
            out.extend(string(field));
        }
        out.extend(&self.trailer);
        out
    }

    fn armor(&self) -> Vec<u8> {
        sshsig::armor(&self.encode()).into_bytes()
    }
}

/// An SSH `string`: uint32 length, then the bytes.
fn string(data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).expect("short test data");
    [&len.to_be_bytes()[..], data].concat()
}

fn sign_raw(key: &PrivateKey, data: &[u8]) -> Signature {
    signature::Signer::try_sign(key, data).expect("signs")
}

fn signature_blob(sig: &Signature) -> Vec<u8> {
    let mut out = Vec::new();
    sig.encode(&mut out).expect("encodes");
    out
}

fn public_blob(key: &PrivateKey) -> Vec<u8> {
    key::to_blob(key.public_key().key_data())
}

fn openssh(key: &PrivateKey) -> String {
    let mut public = key.public_key().clone();
    public.set_comment("");
    public.to_openssh().expect("encodes").trim().to_string()
}

impl Lab {
    fn new() -> Self {
        let mut rng = rand_core::OsRng;
        let ed = |rng: &mut rand_core::OsRng| {
            PrivateKey::random(rng, Algorithm::Ed25519).expect("ed25519 key")
        };
        Self {
            alice: ed(&mut rng),
            bob: ed(&mut rng),
            ecdsa: PrivateKey::random(
                &mut rng,
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP256,
                },
            )
            .expect("ecdsa key"),
            ca: ed(&mut rng),
            other_ca: ed(&mut rng),
        }
    }

    /// The blob `ssh-keygen -Y sign -n <namespace>` makes, signed by `signer` and naming
    /// `key_blob` (a key or a certificate).
    fn blob(&self, signer: &PrivateKey, key_blob: Vec<u8>, namespace: &str, msg: &[u8]) -> Blob {
        let data = sshsig::signed_data(namespace, HashAlg::Sha512, msg).expect("namespace");
        Blob {
            magic: b"SSHSIG".to_vec(),
            version: 1,
            key: key_blob,
            namespace: namespace.as_bytes().to_vec(),
            reserved: Vec::new(),
            hash: b"sha512".to_vec(),
            signature: signature_blob(&sign_raw(signer, &data)),
            trailer: Vec::new(),
        }
    }

    /// Alice's good signature of [`MESSAGE`].
    fn good(&self) -> Blob {
        self.blob(&self.alice, public_blob(&self.alice), "git", MESSAGE)
    }

    /// A user certificate for alice's key, signed by `ca`.
    fn cert(&self, ca: &PrivateKey, edit: impl FnOnce(&mut CertSpec)) -> Vec<u8> {
        let mut spec = CertSpec {
            valid_after: NOW - DAY,
            valid_before: NOW + DAY,
            principals: vec![ALICE.to_string()],
            cert_type: CertType::User,
            serial: 42,
            key_id: "alice-laptop".into(),
        };
        edit(&mut spec);
        let mut builder = Builder::new(
            vec![7u8; 16],
            self.alice.public_key().key_data().clone(),
            spec.valid_after as u64,
            spec.valid_before as u64,
        )
        .expect("builder");
        builder.serial(spec.serial).expect("serial");
        builder.key_id(spec.key_id).expect("key id");
        builder.cert_type(spec.cert_type).expect("type");
        if spec.principals.is_empty() {
            builder.all_principals_valid().expect("no principals");
        }
        for p in spec.principals {
            builder.valid_principal(p).expect("principal");
        }
        builder
            .sign(ca)
            .expect("CA signs")
            .to_bytes()
            .expect("encodes")
    }

    /// Alice's signature through a certificate made by `ca` with `edit` applied.
    fn cert_blob(&self, ca: &PrivateKey, edit: impl FnOnce(&mut CertSpec)) -> Blob {
        self.blob(&self.alice, self.cert(ca, edit), "git", MESSAGE)
    }

    fn alice_line(&self, options: &str) -> String {
        format!("{ALICE} {options} {}\n", openssh(&self.alice))
    }

    fn ca_line(&self, ca: &PrivateKey, options: &str) -> String {
        format!("{ALICE} {options} {}\n", openssh(ca))
    }
}

struct CertSpec {
    valid_after: i64,
    valid_before: i64,
    principals: Vec<String>,
    cert_type: CertType,
    serial: u64,
    key_id: String,
}

/// `-Y verify -n git -I alice -f <allowed> [-r <revoked>]` at [`NOW`], as the library does
/// it: the parse error, the verify rejection, or [`ACCEPTED`].
fn outcome(armored: &[u8], msg: &[u8], allowed: &str, revoked: Option<&[u8]>) -> String {
    let sig = match SshSignature::from_armor(armored) {
        Ok(sig) => sig,
        Err(e) => return e.reason().to_string(),
    };
    let allowed = AllowedSigners::parse(allowed, &chrono::Utc);
    assert!(
        allowed.problems.is_empty(),
        "fixture allowed_signers has bad lines: {:?}",
        allowed.problems
    );
    let revoked = revoked.map(|bytes| RevocationList::parse(bytes).expect("fixture list parses"));
    let request = VerifyRequest {
        namespace: "git",
        identity: ALICE,
        allowed: &allowed,
        revoked: revoked.as_ref(),
        time: NOW,
    };
    match verify(&sig, msg, &request) {
        Ok(_) => ACCEPTED.to_string(),
        Err(rejection) => rejection.reason().to_string(),
    }
}

// KRL building blocks (OpenSSH PROTOCOL.krl).
const KRL_MAGIC: &[u8] = b"SSHKRL\n\0";

fn krl_header(version: u32, comment: &[u8]) -> Vec<u8> {
    let mut out = KRL_MAGIC.to_vec();
    out.extend(version.to_be_bytes());
    out.extend([0u8; 24]); // krl version, generated date, flags
    out.extend(string(b""));
    out.extend(string(comment));
    out
}

fn section(kind: u8, data: &[u8]) -> Vec<u8> {
    [&[kind][..], &string(data)].concat()
}

fn cert_section(ca: &[u8], subsections: &[u8]) -> Vec<u8> {
    section(1, &[string(ca), string(b""), subsections.to_vec()].concat())
}

fn krl(sections: &[Vec<u8>]) -> Vec<u8> {
    [krl_header(1, b"corpus"), sections.concat()].concat()
}

fn u64s(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Parses a revocation file: its error kind, or [`ACCEPTED`].
fn parse_list(bytes: &[u8]) -> String {
    match RevocationList::parse(bytes) {
        Ok(_) => ACCEPTED.to_string(),
        Err(e) => e.kind().to_string(),
    }
}

/// Parses an allowed_signers file strictly: the first bad line's reason, or [`ACCEPTED`].
fn parse_allowed(text: &str) -> String {
    match AllowedSigners::parse_strict(text, &chrono::Utc) {
        Ok(_) => ACCEPTED.to_string(),
        Err((_, reason)) => reason.kind().to_string(),
    }
}

pub(crate) fn corpus() -> Area {
    let lab = Arc::new(Lab::new());
    let mut area = Area::new("ssh");
    let allowed = lab.alice_line("");
    let ca_allowed = lab.ca_line(&lab.ca, "cert-authority");
    let good = lab.good();
    let good_armor = String::from_utf8(good.armor()).expect("ascii");

    // Bases: a plain key's signature and a certificate's, each accepted as made.
    {
        let (a, allowed) = (good.armor(), allowed.clone());
        area.base("plain key", move || outcome(&a, MESSAGE, &allowed, None));
        let c = lab.cert_blob(&lab.ca, |_| {}).armor();
        let ca_allowed = ca_allowed.clone();
        area.base("certificate", move || {
            outcome(&c, MESSAGE, &ca_allowed, None)
        });
    }

    // Armor: one armored text, changed as text.
    let armor_cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "armor truncated in the middle",
            "missing-footer",
            good_armor.as_bytes()[..good_armor.len() / 2].to_vec(),
        ),
        ("armor empty", "missing-header", Vec::new()),
        (
            "armor header misspelt",
            "missing-header",
            good_armor
                .replacen("BEGIN SSH SIGNATURE", "BEGIN SSH SIG", 1)
                .into_bytes(),
        ),
        (
            "armor header indented",
            "missing-header",
            format!(" {good_armor}").into_bytes(),
        ),
        (
            "armor of another format (PGP)",
            "missing-header",
            good_armor
                .replace("SSH SIGNATURE", "PGP SIGNATURE")
                .into_bytes(),
        ),
        (
            "armor header glued to the base64",
            "missing-header",
            good_armor.replacen("-----\n", "-----", 1).into_bytes(),
        ),
        (
            "armor footer misspelt",
            "missing-footer",
            good_armor
                .replace("END SSH SIGNATURE", "END SSH SIG")
                .into_bytes(),
        ),
        (
            "armor footer missing",
            "missing-footer",
            good_armor
                .replace("-----END SSH SIGNATURE-----\n", "")
                .into_bytes(),
        ),
        (
            "armor with a character outside base64",
            "base64",
            good_armor.replacen("U1NI", "U1N!", 1).into_bytes(),
        ),
        (
            "armor with base64 cut short of a quantum",
            "base64",
            good_armor.replacen("U1NI", "U1N", 1).into_bytes(),
        ),
        (
            "armor with base64 after the padding",
            "base64",
            good_armor
                .replace("\n-----END", "AAAA\n-----END")
                .into_bytes(),
        ),
        (
            "armor over 64 KiB",
            "too-large",
            [good_armor.as_bytes(), &vec![b' '; sshsig::MAX_ARMOR_BYTES]].concat(),
        ),
        (
            "armor around nothing",
            "magic",
            b"-----BEGIN SSH SIGNATURE-----\n\n-----END SSH SIGNATURE-----\n".to_vec(),
        ),
    ];
    for (name, expected, bytes) in armor_cases {
        let allowed = allowed.clone();
        area.case(name, expected, move || {
            outcome(&bytes, MESSAGE, &allowed, None)
        });
    }

    // Blob fields: the decoded blob, one field changed, armored again.
    let ecdsa_sig = {
        let data = sshsig::signed_data("git", HashAlg::Sha512, MESSAGE).expect("ns");
        signature_blob(&sign_raw(&lab.ecdsa, &data))
    };
    let ed_key = public_blob(&lab.alice);
    let mut key_type_swapped = string(b"ecdsa-sha2-nistp256");
    key_type_swapped.extend(&ed_key[4 + 11..]);
    let mut unknown_type = string(b"ssh-foo");
    unknown_type.extend(&ed_key[4 + 11..]);
    let mut long_key = ed_key.clone();
    long_key.push(0);
    let mut flipped_sig = good.signature.clone();
    *flipped_sig.last_mut().expect("bytes") ^= 1;
    let short_sig = {
        // A well-framed signature whose Ed25519 bytes are one short.
        let raw = &good.signature[4 + 11 + 4..];
        [string(b"ssh-ed25519"), string(&raw[..raw.len() - 1])].concat()
    };
    let sha1_rsa = [string(b"ssh-rsa"), string(&[0x5a; 256])].concat();
    let wrong_hash = {
        // A valid algorithm name, but not the one the signature was made with.
        let mut b = good.clone();
        b.hash = b"sha256".to_vec();
        b
    };
    type Edit = Box<dyn Fn(&mut Blob)>;
    let blob_cases: Vec<(&str, &str, Edit)> = vec![
        (
            "magic changed",
            "magic",
            Box::new(|b| b.magic = b"SSHSIH".to_vec()),
        ),
        ("version 2", "version", Box::new(|b| b.version = 2)),
        (
            "version 2^32-1",
            "version",
            Box::new(|b| b.version = u32::MAX),
        ),
        (
            "namespace field says gix",
            "namespace-mismatch",
            Box::new(|b| b.namespace = b"gix".to_vec()),
        ),
        (
            "namespace empty",
            "empty-namespace",
            Box::new(|b| b.namespace.clear()),
        ),
        (
            "namespace not UTF-8",
            "malformed",
            Box::new(|b| b.namespace = vec![0xff, 0xfe]),
        ),
        (
            "hash algorithm sha1",
            "hash-algorithm",
            Box::new(|b| b.hash = b"sha1".to_vec()),
        ),
        (
            "hash algorithm in capitals",
            "hash-algorithm",
            Box::new(|b| b.hash = b"SHA512".to_vec()),
        ),
        (
            "hash algorithm swapped for another known one",
            "incorrect-signature",
            Box::new(move |b| b.hash = wrong_hash.hash.clone()),
        ),
        (
            "signature algorithm differs from the key's (ECDSA signature, Ed25519 key)",
            "incorrect-signature",
            Box::new(move |b| b.signature = ecdsa_sig.clone()),
        ),
        (
            "key type name swapped (ecdsa name, Ed25519 body)",
            "unsupported-key",
            Box::new(move |b| b.key = key_type_swapped.clone()),
        ),
        (
            "key type unknown",
            "unsupported-key",
            Box::new(move |b| b.key = unknown_type.clone()),
        ),
        (
            "key truncated",
            "unsupported-key",
            Box::new(move |b| b.key.truncate(b.key.len() - 5)),
        ),
        (
            "key non-canonical (a byte too long)",
            "unsupported-key",
            Box::new(move |b| b.key = long_key.clone()),
        ),
        ("key field empty", "malformed", Box::new(|b| b.key.clear())),
        (
            "signature bytes flipped",
            "incorrect-signature",
            Box::new(move |b| b.signature = flipped_sig.clone()),
        ),
        (
            "signature bytes one short",
            "malformed",
            Box::new(move |b| b.signature = short_sig.clone()),
        ),
        (
            "signature field with trailing bytes",
            "trailing-data",
            Box::new(|b| b.signature.extend([0, 0, 0, 0])),
        ),
        (
            "signature type ssh-rsa (SHA-1)",
            "signature-type",
            Box::new(move |b| b.signature = sha1_rsa.clone()),
        ),
        (
            "signature field empty",
            "malformed",
            Box::new(|b| b.signature.clear()),
        ),
        (
            "bytes after the last field",
            "trailing-data",
            Box::new(|b| b.trailer = vec![0, 0, 0, 1, 0]),
        ),
    ];
    for (name, expected, edit) in blob_cases {
        let mut blob = good.clone();
        edit(&mut blob);
        let armored = blob.armor();
        let allowed = allowed.clone();
        area.case(name, expected, move || {
            outcome(&armored, MESSAGE, &allowed, None)
        });
    }
    {
        // Cut inside the blob at a length field and inside a value.
        let bytes = good.encode();
        for (name, len) in [
            ("blob cut inside the version", 8),
            ("blob cut inside the key", 30),
            (
                "blob cut before the signature",
                bytes.len() - good.signature.len() - 4,
            ),
            ("blob cut one byte short", bytes.len() - 1),
        ] {
            let armored = sshsig::armor(&bytes[..len]).into_bytes();
            let allowed = allowed.clone();
            area.case(name, "malformed", move || {
                outcome(&armored, MESSAGE, &allowed, None)
            });
        }
    }

    // Payload and moved signatures.
    {
        let armored = good.armor();
        let mut tampered = MESSAGE.to_vec();
        tampered[MESSAGE.len() - 3] ^= 0x20;
        let payloads: Vec<(&str, Vec<u8>)> = vec![
            ("payload: one letter changed", tampered),
            ("payload: a newline appended", [MESSAGE, b"\n"].concat()),
            ("payload: empty", Vec::new()),
            (
                "payload: another commit (moved signature)",
                OTHER_MESSAGE.to_vec(),
            ),
        ];
        for (name, payload) in payloads {
            let (armored, allowed) = (armored.clone(), allowed.clone());
            area.case(name, "incorrect-signature", move || {
                outcome(&armored, &payload, &allowed, None)
            });
        }
        // Another commit's good signature, moved onto this one.
        let moved = lab
            .blob(&lab.alice, public_blob(&lab.alice), "git", OTHER_MESSAGE)
            .armor();
        let a = allowed.clone();
        area.case(
            "signature of another commit moved here",
            "incorrect-signature",
            move || outcome(&moved, MESSAGE, &a, None),
        );
        // Made for another namespace (file signatures are not commit signatures).
        let file_ns = lab
            .blob(&lab.alice, public_blob(&lab.alice), "file", MESSAGE)
            .armor();
        let a = allowed.clone();
        area.case(
            "signature made for namespace file",
            "namespace-mismatch",
            move || outcome(&file_ns, MESSAGE, &a, None),
        );
    }

    // Wrong keys.
    {
        let by_bob = lab
            .blob(&lab.bob, public_blob(&lab.bob), "git", MESSAGE)
            .armor();
        let a = allowed.clone();
        let b = by_bob.clone();
        area.case("signed by a key no line names", "not-allowed", move || {
            outcome(&b, MESSAGE, &a, None)
        });
        let bob_line = format!("bob@example.org {}\n{allowed}", openssh(&lab.bob));
        area.case(
            "signed by a key listed for another principal",
            "not-allowed",
            move || outcome(&by_bob, MESSAGE, &bob_line, None),
        );
        // Alice's key in the blob, bob's signature: the key is allowed, the bytes are not.
        let swapped = lab
            .blob(&lab.bob, public_blob(&lab.alice), "git", MESSAGE)
            .armor();
        let a = allowed.clone();
        area.case(
            "allowed key named, another key signed",
            "incorrect-signature",
            move || outcome(&swapped, MESSAGE, &a, None),
        );
        let negated = format!("!{ALICE},* {}\n", openssh(&lab.alice));
        let g = good.armor();
        area.case("principal negated on the line", "not-allowed", move || {
            outcome(&g, MESSAGE, &negated, None)
        });
    }

    // allowed_signers options that refuse the key.
    let option_cases: Vec<(&str, &str, String)> = vec![
        (
            "line namespaces=\"file\"",
            "line-namespace",
            lab.alice_line("namespaces=\"file\""),
        ),
        (
            "line namespaces=\"!git,*\"",
            "line-namespace",
            lab.alice_line("namespaces=\"!git,*\""),
        ),
        (
            "line valid-after tomorrow",
            "line-not-yet-valid",
            lab.alice_line(&format!("valid-after=\"{}\"", ssh_time(NOW + DAY))),
        ),
        (
            "line valid-before yesterday",
            "line-expired",
            lab.alice_line(&format!("valid-before=\"{}\"", ssh_time(NOW - DAY))),
        ),
        (
            "line is cert-authority for the signing key itself",
            "not-allowed",
            lab.alice_line("cert-authority"),
        ),
    ];
    for (name, expected, line) in option_cases {
        let g = good.armor();
        area.case(name, expected, move || outcome(&g, MESSAGE, &line, None));
    }

    // Certificates.
    let cert_cases: Vec<(&str, &str, Vec<u8>, String)> = vec![
        (
            "certificate expired",
            "certificate-expired",
            lab.cert_blob(&lab.ca, |c| {
                c.valid_after = NOW - 2 * DAY;
                c.valid_before = NOW - DAY;
            })
            .armor(),
            ca_allowed.clone(),
        ),
        (
            "certificate not yet valid",
            "certificate-not-yet-valid",
            lab.cert_blob(&lab.ca, |c| {
                c.valid_after = NOW + DAY;
                c.valid_before = NOW + 2 * DAY;
            })
            .armor(),
            ca_allowed.clone(),
        ),
        (
            "certificate for another principal",
            "certificate-principal-not-listed",
            lab.cert_blob(&lab.ca, |c| c.principals = vec!["bob@example.org".into()])
                .armor(),
            ca_allowed.clone(),
        ),
        (
            "certificate without principals",
            "certificate-no-principals",
            lab.cert_blob(&lab.ca, |c| c.principals.clear()).armor(),
            ca_allowed.clone(),
        ),
        (
            "host certificate",
            "certificate-not-user",
            lab.cert_blob(&lab.ca, |c| c.cert_type = CertType::Host)
                .armor(),
            ca_allowed.clone(),
        ),
        (
            "certificate by a CA nobody trusts",
            "not-allowed",
            lab.cert_blob(&lab.other_ca, |_| {}).armor(),
            ca_allowed.clone(),
        ),
        (
            "CA key listed without cert-authority",
            "not-allowed",
            lab.cert_blob(&lab.ca, |_| {}).armor(),
            lab.ca_line(&lab.ca, ""),
        ),
        (
            "cert-authority line for another namespace",
            "line-namespace",
            lab.cert_blob(&lab.ca, |_| {}).armor(),
            lab.ca_line(&lab.ca, "cert-authority,namespaces=\"file\""),
        ),
        (
            "cert-authority line expired",
            "line-expired",
            lab.cert_blob(&lab.ca, |_| {}).armor(),
            lab.ca_line(
                &lab.ca,
                &format!("cert-authority,valid-before=\"{}\"", ssh_time(NOW - DAY)),
            ),
        ),
    ];
    for (name, expected, armored, allowed) in cert_cases {
        area.case(name, expected, move || {
            outcome(&armored, MESSAGE, &allowed, None)
        });
    }
    {
        // A certificate with one byte of its CA signature flipped, or cut short.
        let good_cert = lab.cert(&lab.ca, |_| {});
        let mut bad_sig = good_cert.clone();
        *bad_sig.last_mut().expect("bytes") ^= 1;
        let mut truncated = good_cert.clone();
        truncated.truncate(good_cert.len() - 10);
        let mut unknown = string(b"ssh-foo-cert-v01@openssh.com");
        unknown.extend(&good_cert[4 + "ssh-ed25519-cert-v01@openssh.com".len()..]);
        let mut valid_before_moved = good_cert.clone();
        // A field the CA signed: the validity window, pushed a year out by a forger.
        let at = find(&good_cert, &((NOW + DAY) as u64).to_be_bytes()).expect("valid_before");
        valid_before_moved[at + 4] ^= 0x01;
        for (name, expected, cert) in [
            (
                "certificate CA signature flipped",
                "certificate-signature",
                bad_sig,
            ),
            ("certificate truncated", "certificate-malformed", truncated),
            ("certificate type unknown", "certificate-type", unknown),
            (
                "certificate validity extended after signing",
                "certificate-signature",
                valid_before_moved,
            ),
        ] {
            let armored = lab.blob(&lab.alice, cert, "git", MESSAGE).armor();
            let allowed = ca_allowed.clone();
            area.case(name, expected, move || {
                outcome(&armored, MESSAGE, &allowed, None)
            });
        }
    }

    // Revocation: each list names the key, its certificate or the CA one way.
    {
        let alice_blob = public_blob(&lab.alice);
        let ca_blob = public_blob(&lab.ca);
        let sha256: Vec<u8> = Sha256::digest(&alice_blob).to_vec();
        let sha1: Vec<u8> = {
            use sha1::Digest as _;
            sha1::Sha1::digest(&alice_blob).to_vec()
        };
        let plain = good.armor();
        let certified = lab.cert_blob(&lab.ca, |_| {}).armor();
        let revocations: Vec<(&str, Vec<u8>, &[u8])> = vec![
            (
                "revoked: plain key list names the key",
                format!("# revoked\n{}\n", openssh(&lab.alice)).into_bytes(),
                &plain,
            ),
            (
                "revoked: KRL explicit key",
                krl(&[section(2, &string(&alice_blob))]),
                &plain,
            ),
            (
                "revoked: KRL SHA-256 fingerprint",
                krl(&[section(5, &string(&sha256))]),
                &plain,
            ),
            (
                "revoked: KRL SHA-1 fingerprint",
                krl(&[section(3, &string(&sha1))]),
                &plain,
            ),
            (
                "revoked: KRL certificate serial",
                krl(&[cert_section(
                    &ca_blob,
                    &[&[0x20][..], &string(&u64s(&[42]))].concat(),
                )]),
                &certified,
            ),
            (
                "revoked: KRL certificate serial range",
                krl(&[cert_section(
                    &ca_blob,
                    &[&[0x21][..], &string(&u64s(&[40, 50]))].concat(),
                )]),
                &certified,
            ),
            (
                "revoked: KRL certificate serial bitmap",
                krl(&[cert_section(
                    &ca_blob,
                    // Offset 40, bit 2: serial 42.
                    &[
                        &[0x22][..],
                        &string(&[u64s(&[40]), string(&[0x04])].concat()),
                    ]
                    .concat(),
                )]),
                &certified,
            ),
            (
                "revoked: KRL certificate key id",
                krl(&[cert_section(
                    &ca_blob,
                    &[&[0x23][..], &string(&string(b"alice-laptop"))].concat(),
                )]),
                &certified,
            ),
            (
                "revoked: KRL any-CA serial",
                krl(&[cert_section(
                    b"",
                    &[&[0x20][..], &string(&u64s(&[42]))].concat(),
                )]),
                &certified,
            ),
            (
                "revoked: KRL names the certificate's key",
                krl(&[section(2, &string(&alice_blob))]),
                &certified,
            ),
            (
                "revoked: plain list names the CA",
                format!("{}\n", openssh(&lab.ca)).into_bytes(),
                &certified,
            ),
        ];
        for (name, list, sig) in revocations {
            let sig = sig.to_vec();
            let allowed = if sig == plain {
                allowed.clone()
            } else {
                ca_allowed.clone()
            };
            area.case(name, "revoked", move || {
                outcome(&sig, MESSAGE, &allowed, Some(&list))
            });
        }
        // A list that names someone else lets the signature through: the base for the
        // list-parsing cases below.
        let other = krl(&[
            section(2, &string(&public_blob(&lab.bob))),
            cert_section(&ca_blob, &[&[0x20][..], &string(&u64s(&[7]))].concat()),
        ]);
        let (p, a, o) = (plain.clone(), allowed.clone(), other.clone());
        area.base("KRL naming others", move || {
            outcome(&p, MESSAGE, &a, Some(&o))
        });
        let o = other.clone();
        area.base("KRL parses", move || parse_list(&o));
    }

    // Revocation lists that cannot be read (a broken list must fail the check).
    {
        let ca_blob = public_blob(&lab.ca);
        let serials = |sub: &[u8]| krl(&[cert_section(&ca_blob, sub)]);
        let good_krl = krl(&[section(2, &string(&public_blob(&lab.bob)))]);
        let mut signature_section = good_krl.clone();
        signature_section.extend(section(4, &string(b"sig")));
        let lists: Vec<(&str, &str, Vec<u8>)> = vec![
            (
                "KRL truncated",
                "truncated",
                good_krl[..good_krl.len() - 3].to_vec(),
            ),
            ("KRL format version 2", "format-version", {
                let mut k = good_krl.clone();
                k[11] = 2;
                k
            }),
            (
                "KRL unknown section",
                "unknown-section",
                krl(&[section(9, b"")]),
            ),
            (
                "KRL unknown certificate subsection",
                "unknown-cert-subsection",
                serials(&[&[0x30][..], &string(b"")].concat()),
            ),
            (
                "KRL with a signature section",
                "signed-krl",
                signature_section,
            ),
            (
                "KRL serial range upside down",
                "bad-serial-range",
                serials(&[&[0x21][..], &string(&u64s(&[50, 40]))].concat()),
            ),
            (
                "KRL revokes serial 0",
                "zero-serial",
                serials(&[&[0x20][..], &string(&u64s(&[0]))].concat()),
            ),
            (
                "KRL negative serial bitmap",
                "bad-serial-bitmap",
                serials(
                    &[
                        &[0x22][..],
                        &string(&[u64s(&[1]), string(&[0x80])].concat()),
                    ]
                    .concat(),
                ),
            ),
            (
                "KRL serial range with a third number",
                "trailing-data",
                serials(&[&[0x21][..], &string(&u64s(&[40, 50, 60]))].concat()),
            ),
            (
                "KRL SHA-256 fingerprint of 31 bytes",
                "bad-fingerprint-length",
                krl(&[section(5, &string(&[1; 31]))]),
            ),
            (
                "KRL comment with a NUL",
                "nul-in-string",
                [krl_header(1, b"co\0mment")].concat(),
            ),
            (
                "KRL CA key that is not a key",
                "bad-ca-key",
                krl(&[cert_section(b"\0\0\0\x07ssh-foo", &[])]),
            ),
            (
                "KRL critical extension",
                "critical-extension",
                krl(&[section(
                    255,
                    &[string(b"x@example.org"), vec![1], string(b"")].concat(),
                )]),
            ),
            (
                "plain key list with a broken line",
                "bad-key-line",
                format!("{}\nssh-ed25519 AAAA!\n", openssh(&lab.bob)).into_bytes(),
            ),
        ];
        for (name, expected, list) in lists {
            area.case(name, expected, move || parse_list(&list));
        }
    }

    // allowed_signers lines that cannot be read (strict parsing names the first).
    {
        let key = openssh(&lab.alice);
        // A certificate whose CA signature is broken (its last byte flipped): OpenSSH
        // checks that signature when it reads the line.
        let ca_key = {
            let mut cert = lab.cert(&lab.ca, |_| {});
            if let Some(last) = cert.last_mut() {
                *last ^= 1;
            }
            format!(
                "ssh-ed25519-cert-v01@openssh.com {}",
                <base64ct::Base64 as base64ct::Encoding>::encode_string(&cert)
            )
        };
        let (k, a) = (key.clone(), allowed.clone());
        area.base("allowed_signers parses", move || {
            parse_allowed(&format!("# people\n{a}{ALICE} namespaces=\"git\" {k}\n"))
        });
        let ed_b64 = key.split(' ').nth(1).expect("base64").to_string();
        let lines: Vec<(&str, &str, String)> = vec![
            (
                "line principals quote unterminated",
                "unterminated-quote",
                format!("\"{ALICE} {key}"),
            ),
            (
                "line principals partly quoted",
                "partially-quoted-principals",
                format!("\"{ALICE}\",x {key}"),
            ),
            ("line without a key", "missing-key", ALICE.to_string()),
            (
                "line option quote unterminated",
                "unterminated-option-quote",
                format!("{ALICE} namespaces=\"git {key}"),
            ),
            (
                "line key base64 broken",
                "invalid-key",
                format!("{ALICE} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5!"),
            ),
            (
                "line key type and blob disagree",
                "invalid-key",
                format!("{ALICE} ssh-rsa {ed_b64}"),
            ),
            (
                "line key is a certificate with a broken CA signature",
                "invalid-key",
                format!("{ALICE} {ca_key}"),
            ),
            (
                "line option unknown",
                "unknown-option",
                format!("{ALICE} no-touch-required {key}"),
            ),
            (
                "line option value unquoted",
                "missing-start-quote",
                format!("{ALICE} namespaces=git {key}"),
            ),
            (
                "line option given twice",
                "duplicate-option",
                format!("{ALICE} namespaces=\"git\",namespaces=\"file\" {key}"),
            ),
            (
                "line valid-after not a time",
                "bad-time",
                format!("{ALICE} valid-after=\"2024\" {key}"),
            ),
            (
                "line valid-after is the epoch",
                "bad-time",
                format!("{ALICE} valid-after=\"19700101Z\" {key}"),
            ),
            (
                "line valid-before on 30 February",
                "bad-time",
                format!("{ALICE} valid-before=\"20240230Z\" {key}"),
            ),
            (
                "line window empty",
                "valid-before-not-after",
                format!("{ALICE} valid-after=\"20250102Z\",valid-before=\"20250101Z\" {key}"),
            ),
            (
                "line options end with a comma",
                "trailing-comma",
                format!("{ALICE} cert-authority, {key}"),
            ),
        ];
        for (name, expected, line) in lines {
            let text = format!("# people\n{allowed}{line}\n");
            area.case(name, expected, move || parse_allowed(&text));
        }
    }
    area
}

/// `YYYYMMDDHHMMSSZ`, as allowed_signers writes times.
fn ssh_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .expect("in range")
        .format("%Y%m%d%H%M%SZ")
        .to_string()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
