//! OpenPGP: detached signatures over a commit payload, checked by the library's gpg
//! judgement ([`crate::openpgp::verify::verify_detached`]). Certificates are made in
//! process with sequoia (Ed25519), signatures as `gpg -bsau` makes them; each case
//! changes one thing: the armor, the packets, the key, its validity, the signature's
//! subpackets.

use super::{ACCEPTED, Area};
use crate::openpgp::keyring::Keyring;
use crate::openpgp::trustdb::TrustDb;
use crate::openpgp::verify::{Context, MAX_PACKETS, MAX_SIGNATURE_BYTES, Outcome, verify_detached};
use sequoia_openpgp::armor;
use sequoia_openpgp::cert::{CertBuilder, CipherSuite};
use sequoia_openpgp::crypto::KeyPair;
use sequoia_openpgp::packet::signature::SignatureBuilder;
use sequoia_openpgp::packet::{Literal, Signature, key};
use sequoia_openpgp::serialize::{Serialize, SerializeInto};
use sequoia_openpgp::types::{CompressionAlgorithm, DataFormat, KeyFlags, SignatureType};
use sequoia_openpgp::{Cert, Packet};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// Certificates are made at this time, signatures a little later, judged a minute after.
const CREATED: i64 = 1_700_000_000;
const SIGNED: i64 = CREATED + 1_000;
const NOW: i64 = SIGNED + 60;
const DAY: i64 = 86_400;
const PAYLOAD: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@example.org> 1700001000 +0000\n\
committer A <a@example.org> 1700001000 +0000\n\nthe commit\n";
const OTHER_PAYLOAD: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@example.org> 1700002000 +0000\n\
committer A <a@example.org> 1700002000 +0000\n\nanother commit\n";

fn cert(edit: impl FnOnce(CertBuilder<'static>) -> CertBuilder<'static>) -> Cert {
    let builder = CertBuilder::new()
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_creation_time(crate::openpgp::at(CREATED))
        .add_userid("Alice <alice@example.org>");
    edit(builder).generate().expect("generates").0
}

/// The secret key of `cert` whose fingerprint `pick` chooses, as a signer.
fn keypair(cert: &Cert, pick: impl Fn(&sequoia_openpgp::Fingerprint) -> bool) -> KeyPair {
    cert.keys()
        .secret()
        .find(|k| pick(&k.key().fingerprint()))
        .expect("the key")
        .key()
        .clone()
        .into_keypair()
        .expect("keypair")
}

/// The signing subkey of `cert` (the one `add_signing_subkey` made).
fn signing_subkey(cert: &Cert) -> KeyPair {
    let policy = crate::openpgp::policy();
    let fpr = cert
        .keys()
        .with_policy(&policy, crate::openpgp::at(SIGNED))
        .for_signing()
        .next()
        .expect("signing subkey")
        .key()
        .fingerprint();
    keypair(cert, |f| *f == fpr)
}

/// A binary-document signature as `gpg -bs` makes it, with `edit` applied to the builder.
fn sign(
    signer: &mut KeyPair,
    payload: &[u8],
    at: i64,
    edit: impl FnOnce(SignatureBuilder) -> SignatureBuilder,
) -> Signature {
    let public = signer.public().clone();
    let builder = SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(crate::openpgp::at(at))
        .expect("time")
        .set_issuer_fingerprint(public.fingerprint())
        .expect("issuer fingerprint")
        .set_issuer(public.keyid())
        .expect("issuer");
    edit(builder).sign_message(signer, payload).expect("signs")
}

fn binary(packets: &[Packet]) -> Vec<u8> {
    packets
        .iter()
        .flat_map(|p| p.to_vec().expect("serializes"))
        .collect()
}

fn armored(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = armor::Writer::new(&mut out, armor::Kind::Signature).expect("armor");
    writer.write_all(bytes).expect("writes");
    writer.finalize().expect("finalizes");
    out
}

fn armored_sig(sig: &Signature) -> Vec<u8> {
    armored(&binary(&[Packet::from(sig.clone())]))
}

/// The library's verdict on `signature` over `payload` with `certs` configured, at `now`:
/// the error, gpg's outcome, or [`ACCEPTED`] for GOODSIG.
fn outcome(signature: &[u8], payload: &[u8], certs: &[u8], now: i64) -> String {
    let mut keyring = Keyring::new();
    keyring
        .add_configured(certs.to_vec())
        .expect("fixture keyring");
    let trustdb = TrustDb::default();
    let context = Context {
        keyring: &keyring,
        trustdb: &trustdb,
        now: crate::openpgp::at(now),
        or_later_signature: false,
    };
    match verify_detached(signature, payload, &context) {
        Err(e) => e.reason().to_string(),
        // gitseal verify refuses more than one signature on an object
        // (verify::backends), whatever each says.
        Ok(reports) if reports.len() != 1 => "multiple-signatures".to_string(),
        Ok(reports) => match reports[0].outcome {
            Outcome::Good => ACCEPTED.to_string(),
            other => other.reason().to_string(),
        },
    }
}

/// Offset of the body of the first packet (new-format header, as sequoia writes).
fn body_offset(packet: &[u8]) -> usize {
    match packet[1] {
        0..=191 => 2,
        192..=223 => 3,
        _ => 6,
    }
}

pub(crate) fn corpus() -> Area {
    let mut area = Area::new("openpgp");
    let alice = cert(|b| b.add_signing_subkey());
    let bob = cert(|b| b.add_signing_subkey());
    let alice_certs = Arc::new(alice.to_vec().expect("serializes"));
    let mut signer = signing_subkey(&alice);
    let good = sign(&mut signer, PAYLOAD, SIGNED, |b| b);
    let good_binary = binary(&[Packet::from(good.clone())]);
    let good_armor = armored(&good_binary);
    let text = String::from_utf8(good_armor.clone()).expect("ascii armor");

    {
        let (s, c) = (good_armor.clone(), Arc::clone(&alice_certs));
        area.base("armored signature", move || outcome(&s, PAYLOAD, &c, NOW));
        let (s, c) = (good_binary.clone(), Arc::clone(&alice_certs));
        area.base("binary signature", move || outcome(&s, PAYLOAD, &c, NOW));
    }

    let add = |area: &mut Area,
               name: &str,
               expected: &str,
               sig: Vec<u8>,
               payload: &'static [u8],
               certs: Vec<u8>,
               now: i64| {
        area.case(name, expected, move || outcome(&sig, payload, &certs, now));
    };
    let certs = alice_certs.as_ref().clone();

    // Armor.
    let body_line = text
        .lines()
        .find(|l| l.len() > 40 && !l.starts_with("-----"))
        .expect("a base64 line")
        .to_string();
    let mut broken_line = body_line.clone();
    broken_line.replace_range(10..11, "!");
    let armor_cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "armor cut in the middle",
            "malformed",
            good_armor[..good_armor.len() / 2].to_vec(),
        ),
        (
            "armor with a character outside base64",
            "malformed",
            text.replace(&body_line, &broken_line).into_bytes(),
        ),
        (
            "armor footer missing",
            "malformed",
            text.replace("-----END PGP SIGNATURE-----", "").into_bytes(),
        ),
        ("empty signature", "no-signature", Vec::new()),
        (
            "armor around nothing",
            "no-signature",
            b"-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n".to_vec(),
        ),
        ("binary garbage", "malformed", vec![0xff; 64]),
        (
            "binary packet cut short",
            "malformed",
            good_binary[..good_binary.len() - 10].to_vec(),
        ),
    ];
    for (name, expected, sig) in armor_cases {
        add(&mut area, name, expected, sig, PAYLOAD, certs.clone(), NOW);
    }

    // Payload, moved signatures, wrong keys.
    let mut tampered = PAYLOAD.to_vec();
    tampered[PAYLOAD.len() - 3] ^= 0x20;
    let tampered: &'static [u8] = Box::leak(tampered.into_boxed_slice());
    add(
        &mut area,
        "payload: one letter changed",
        "bad-signature",
        good_armor.clone(),
        tampered,
        certs.clone(),
        NOW,
    );
    add(
        &mut area,
        "payload: another commit",
        "bad-signature",
        good_armor.clone(),
        OTHER_PAYLOAD,
        certs.clone(),
        NOW,
    );
    let moved = armored_sig(&sign(&mut signer, OTHER_PAYLOAD, SIGNED, |b| b));
    add(
        &mut area,
        "signature of another commit moved here",
        "bad-signature",
        moved,
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let mut bob_signer = signing_subkey(&bob);
    let by_bob = armored_sig(&sign(&mut bob_signer, PAYLOAD, SIGNED, |b| b));
    add(
        &mut area,
        "signed by a key not in the keyring",
        "missing-key",
        by_bob,
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let alice_fpr = signer.public().fingerprint();
    let alice_id = signer.public().keyid();
    let impostor = armored_sig(&sign(&mut bob_signer, PAYLOAD, SIGNED, |_| {
        SignatureBuilder::new(SignatureType::Binary)
            .set_signature_creation_time(crate::openpgp::at(SIGNED))
            .and_then(|b| b.set_issuer_fingerprint(alice_fpr.clone()))
            .and_then(|b| b.set_issuer(alice_id.clone()))
            .expect("builder")
    }));
    add(
        &mut area,
        "another key signed, naming alice's as issuer",
        "bad-signature",
        impostor,
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let anonymous = {
        // sequoia adds issuer subpackets when signing; take them out afterwards (which
        // also breaks the hash, but the key is never found to check it with).
        use sequoia_openpgp::packet::signature::subpacket::SubpacketTag;
        let mut sig = good.clone();
        sig.hashed_area_mut().remove_all(SubpacketTag::Issuer);
        sig.hashed_area_mut()
            .remove_all(SubpacketTag::IssuerFingerprint);
        sig.unhashed_area_mut().remove_all(SubpacketTag::Issuer);
        sig.unhashed_area_mut()
            .remove_all(SubpacketTag::IssuerFingerprint);
        armored_sig(&sig)
    };
    add(
        &mut area,
        "no issuer subpacket",
        "missing-key",
        anonymous,
        PAYLOAD,
        certs.clone(),
        NOW,
    );

    // Validity of the key and the signature.
    let expiring = cert(|b| {
        b.add_signing_subkey()
            .set_validity_period(Duration::from_secs(DAY as u64))
    });
    let sig = armored_sig(&sign(
        &mut signing_subkey(&expiring),
        PAYLOAD,
        SIGNED,
        |b| b,
    ));
    add(
        &mut area,
        "key expired at the time judged",
        "expired-key",
        sig,
        PAYLOAD,
        expiring.to_vec().expect("cert"),
        CREATED + 2 * DAY,
    );
    let short_lived = armored_sig(&sign(&mut signer, PAYLOAD, SIGNED, |b| {
        b.set_signature_validity_period(Duration::from_secs(60))
            .expect("validity")
    }));
    add(
        &mut area,
        "signature expired at the time judged",
        "expired-signature",
        short_lived,
        PAYLOAD,
        certs.clone(),
        SIGNED + 3_600,
    );
    let (revoked, revocation) = CertBuilder::new()
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_creation_time(crate::openpgp::at(CREATED))
        .add_userid("Alice <alice@example.org>")
        .add_signing_subkey()
        .generate()
        .expect("generates");
    let (revoked, _) = revoked.insert_packets(revocation).expect("revokes");
    let sig = armored_sig(&sign(&mut signing_subkey(&revoked), PAYLOAD, SIGNED, |b| b));
    add(
        &mut area,
        "key revoked",
        "revoked-key",
        sig,
        PAYLOAD,
        revoked.to_vec().expect("cert"),
        NOW,
    );

    // Keys that may not make data signatures.
    let auth = cert(|b| b.add_authentication_subkey());
    let auth_fpr = auth
        .keys()
        .subkeys()
        .next()
        .expect("authentication subkey")
        .key()
        .fingerprint();
    let sig = armored_sig(&sign(
        &mut keypair(&auth, |f| *f == auth_fpr),
        PAYLOAD,
        SIGNED,
        |b| b,
    ));
    add(
        &mut area,
        "subkey flagged for authentication only",
        "wrong-key-usage",
        sig,
        PAYLOAD,
        auth.to_vec().expect("cert"),
        NOW,
    );
    let primary_fpr = alice.fingerprint();
    let sig = armored_sig(&sign(
        &mut keypair(&alice, |f| *f == primary_fpr),
        PAYLOAD,
        SIGNED,
        |b| b,
    ));
    add(
        &mut area,
        "primary key flagged for certification only",
        "wrong-key-usage",
        sig,
        PAYLOAD,
        certs.clone(),
        NOW,
    );

    // A signature dated before its key existed (gpg: "Time conflict").
    let primary_fpr = alice.fingerprint();
    let signing_fpr = alice
        .keys()
        .subkeys()
        .find(|k| k.key().fingerprint() != primary_fpr)
        .map(|k| k.key().fingerprint())
        .expect("a signing subkey");
    let sig = armored_sig(&sign(
        &mut keypair(&alice, |f| *f == signing_fpr),
        PAYLOAD,
        CREATED - DAY,
        |b| b,
    ));
    add(
        &mut area,
        "signature dated before its key was made",
        "time-conflict",
        sig,
        PAYLOAD,
        certs.clone(),
        NOW,
    );

    // Packets changed in place.
    let at = body_offset(&good_binary);
    let mut bytes_cases: Vec<(&str, &str, Vec<u8>)> = Vec::new();
    let mut unknown_hash = good_binary.clone();
    unknown_hash[at + 3] = 110; // a private/experimental hash algorithm
    bytes_cases.push((
        "hash algorithm unknown",
        "unsupported-algorithm",
        unknown_hash,
    ));
    let mut unknown_pk = good_binary.clone();
    unknown_pk[at + 2] = 100;
    bytes_cases.push((
        "public-key algorithm unknown",
        "unsupported-algorithm",
        unknown_pk,
    ));
    let mut class = good_binary.clone();
    class[at + 1] = 0x13;
    bytes_cases.push((
        "signature class 0x13 (a certification)",
        "bad-signature",
        class,
    ));
    let mut flipped = good_binary.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    bytes_cases.push(("signature value flipped", "bad-signature", flipped));
    let mut version = good_binary.clone();
    version[at] = 9;
    bytes_cases.push(("signature packet version 9", "malformed", version));
    for (name, expected, sig) in bytes_cases {
        add(
            &mut area,
            name,
            expected,
            armored(&sig),
            PAYLOAD,
            certs.clone(),
            NOW,
        );
    }

    // A real signature over an MD5 digest: gpg rejects MD5 outright.
    let md5 = armored_sig(&sign(&mut signer, PAYLOAD, SIGNED, |b| {
        b.set_hash_algo(sequoia_openpgp::types::HashAlgorithm::MD5)
    }));
    add(
        &mut area,
        "hash algorithm MD5",
        "unsupported-algorithm",
        md5,
        PAYLOAD,
        certs.clone(),
        NOW,
    );

    // Packets where a detached signature is expected.
    let two = armored(&[good_binary.clone(), good_binary.clone()].concat());
    add(
        &mut area,
        "two signatures",
        "multiple-signatures",
        two,
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let mut literal = Literal::new(DataFormat::Binary);
    literal.set_body(PAYLOAD.to_vec());
    let literal = Packet::from(literal);
    add(
        &mut area,
        "a literal data packet instead",
        "no-signature",
        armored(&binary(std::slice::from_ref(&literal))),
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    // Not in the corpus: an inline-signed message (one-pass, literal, signature) is read
    // for its signature packet, which still has to verify over the payload, so it is
    // accepted; gpg would say "not a detached signature". Harmless, noted for the lead.
    let mut compressed_bytes = Vec::new();
    {
        use sequoia_openpgp::serialize::stream::{Compressor, Message};
        let mut compressor = Compressor::new(Message::new(&mut compressed_bytes))
            .algo(CompressionAlgorithm::Zip)
            .build()
            .expect("compressor");
        Packet::from(good.clone())
            .serialize(&mut compressor)
            .expect("serializes");
        compressor.finalize().expect("finalizes");
    }
    add(
        &mut area,
        "the signature inside a compressed packet",
        "no-signature",
        armored(&compressed_bytes),
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let key_packet = armored(&binary(&[Packet::from(alice.primary_key().key().clone())]));
    add(
        &mut area,
        "a public key instead",
        "no-signature",
        key_packet,
        PAYLOAD,
        certs.clone(),
        NOW,
    );

    // Key packets the certificate does not bind (issue 12, V3): gpg drops them when it
    // imports the file and says "No public key"; so must the library.
    unbound_keys(&mut area, &alice, &bob);

    // Size: refused before any decoding (issue 12, R3).
    let padded = [good_armor.clone(), vec![b' '; MAX_SIGNATURE_BYTES]].concat();
    add(
        &mut area,
        "signature over 64 KiB",
        "too-large",
        padded,
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    // Marker packets ("PGP", RFC 9580 section 5.8) are otherwise ignored, so they only
    // count here: one signature behind more packets than a signature file holds.
    let marker: &[u8] = &[0xca, 0x03, b'P', b'G', b'P'];
    let many = [marker.repeat(MAX_PACKETS), good_binary.clone()].concat();
    add(
        &mut area,
        "more packets than a signature file holds",
        "too-many-packets",
        armored(&many),
        PAYLOAD,
        certs.clone(),
        NOW,
    );
    let few = [marker.repeat(MAX_PACKETS - 1), good_binary.clone()].concat();
    area.base("a signature behind a few marker packets", move || {
        outcome(&armored(&few), PAYLOAD, &alice_certs, NOW)
    });

    // Not in the corpus: a signature made after the committer time is normal (signing
    // happens after committing), and a key made after the committer time is accepted
    // today where gpg says "time conflict"; see the report.
    area
}

/// bob's signing key as a key of alice's certificate without alice binding it: appended
/// to alice's certificate with no binding signature, in a block of its own holding only
/// alice's bare primary key, or bound by alice as a signing subkey without the subkey's
/// back-signature. bob's own certificate beside them still signs as bob.
fn unbound_keys(area: &mut Area, alice: &Cert, bob: &Cert) {
    let mut bob_signer = signing_subkey(bob);
    let bob_sig = armored_sig(&sign(&mut bob_signer, PAYLOAD, SIGNED, |b| b));
    let bob_subkey: sequoia_openpgp::packet::Key<_, key::SubordinateRole> =
        bob_signer.public().clone().role_into_subordinate();
    let alice_bytes = alice.to_vec().expect("serializes");
    let bare_primary = Packet::from(alice.primary_key().key().clone());

    let appended = [
        alice_bytes.clone(),
        binary(&[Packet::from(bob_subkey.clone())]),
    ]
    .concat();
    let hidden_block = [
        alice_bytes.clone(),
        binary(&[bare_primary.clone(), Packet::from(bob_subkey.clone())]),
    ]
    .concat();
    let mut alice_primary = keypair(alice, |f| *f == alice.fingerprint());
    let no_backsig = SignatureBuilder::new(SignatureType::SubkeyBinding)
        .set_signature_creation_time(crate::openpgp::at(CREATED))
        .and_then(|b| b.set_key_flags(KeyFlags::empty().set_signing()))
        .and_then(|b| b.sign_subkey_binding(&mut alice_primary, None, &bob_subkey))
        .expect("binding without back-signature");
    let without_backsig = [
        alice_bytes.clone(),
        binary(&[Packet::from(bob_subkey.clone()), Packet::from(no_backsig)]),
    ]
    .concat();
    for (name, certs) in [
        ("a subkey appended without a binding signature", &appended),
        (
            "a bare copy of alice's primary key holding bob's key",
            &hidden_block,
        ),
        (
            "a signing subkey bound without its back-signature",
            &without_backsig,
        ),
    ] {
        let (sig, certs) = (bob_sig.clone(), certs.clone());
        area.case(name, "missing-key", move || {
            outcome(&sig, PAYLOAD, &certs, NOW)
        });
    }
    let with_bob = [hidden_block, bob.to_vec().expect("serializes")].concat();
    area.base(
        "bob's own key beside a block that claims it for alice",
        move || outcome(&bob_sig, PAYLOAD, &with_bob, NOW),
    );
}
