//! Detached signature verification with gpg's judgement: which of GOODSIG, BADSIG,
//! EXPSIG, EXPKEYSIG, REVKEYSIG or ERRSIG a signature earns, and the VALIDSIG and TRUST
//! facts git reads (reference/git-contract.md section 3.3).
//!
//! Like gpg, expiry and revocation are judged at the time given (gpg: "now"), and the
//! outcome order is gpg's `check_sig_and_print`: an expired signature first, then an
//! expired key, then a revoked key.
//!
//! Only a key its certificate binds may sign: the primary key by its own valid
//! self-signature, a subkey by a valid binding signature of the primary (with the
//! subkey's back-signature, since it signs), flagged for signing, all under the
//! standard policy. Any other key packet in a certificate file (a subkey appended without
//! a binding, as keyservers that accept any packet allow, or a primary key with no
//! self-signature at all) is not part of the certificate: gpg drops such packets when it
//! imports them and then says "No public key", and so does this room.

use super::keyring::{Found, Keyring};
use super::trustdb::{TrustDb, Validator};
use super::{OpenPgpError, lowercase_first, policy, unix};
use crate::signature::{Failure, FailureKind, Format, SignatureTime, Trust, Verdict};
use sequoia_openpgp::armor;
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::cert::amalgamation::ValidAmalgamation;
use sequoia_openpgp::cert::amalgamation::key::PrimaryKey;
use sequoia_openpgp::packet::signature::subpacket::{Subpacket, SubpacketValue};
use sequoia_openpgp::packet::{Key, Packet, Signature, key};
use sequoia_openpgp::parse::{Dearmor, PacketParserBuilder, PacketParserResult, Parse};
use sequoia_openpgp::types::{RevocationStatus, SignatureType};
use sequoia_openpgp::{KeyHandle, KeyID};
use std::borrow::Cow;
use std::io::Read;
use std::time::SystemTime;

/// What gpg would call a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Good,
    Bad,
    /// Good, but the signature's own expiration time has passed.
    ExpiredSignature,
    /// Good, made by a key that has expired.
    ExpiredKey,
    /// Good, made by a key that has been revoked.
    RevokedKey,
    /// The signer's key is not in any keyring.
    MissingKey,
    /// The signature uses an algorithm this build cannot check.
    UnsupportedAlgorithm,
    /// Made by a key whose flags do not allow data signatures (an authentication or
    /// encryption subkey, a certification-only primary): gpg's "Wrong key usage".
    WrongKeyUsage,
    /// The signing key was made after the signature claims to have been: gpg's "Time
    /// conflict" (a back-dated signature, or a clock that was wrong).
    TimeConflict,
}

impl Outcome {
    /// A stable name for tests and machine-readable output.
    pub fn reason(self) -> &'static str {
        match self {
            Outcome::Good => "good",
            Outcome::Bad => "bad-signature",
            Outcome::ExpiredSignature => "expired-signature",
            Outcome::ExpiredKey => "expired-key",
            Outcome::RevokedKey => "revoked-key",
            Outcome::MissingKey => "missing-key",
            Outcome::UnsupportedAlgorithm => "unsupported-algorithm",
            Outcome::WrongKeyUsage => "wrong-key-usage",
            Outcome::TimeConflict => "time-conflict",
        }
    }
}

/// Everything gpg reports about one signature.
#[derive(Clone, Debug)]
pub struct SigReport {
    pub outcome: Outcome,
    /// The signer's user id subpacket (NEWSIG's argument).
    pub signers_uid: Option<String>,
    /// The issuer's long key id, upper-case hex.
    pub key_id: String,
    /// The signing key's fingerprint: from the key when found, else the issuer subpacket.
    pub fingerprint: Option<String>,
    pub primary_fingerprint: Option<String>,
    /// The signer's primary user id.
    pub uid: Option<String>,
    /// The key's other user ids (gpg's "aka" lines).
    pub other_uids: Vec<String>,
    pub created: i64,
    pub expires: Option<i64>,
    pub version: u8,
    pub pk_algo: u8,
    pub hash_algo: u8,
    pub class: u8,
    /// Key validity; `None` when the key was not found or has expired (gpg then prints no
    /// TRUST line; for BADSIG it prints none either, but names the validity in its text).
    pub validity: Option<Trust>,
    pub key_expired_at: Option<i64>,
    pub revoked: bool,
    /// Whether the signing key is a subkey (gpg then prints the subkey fingerprint too).
    pub by_subkey: bool,
    /// Seconds by which the signing key is newer than the signature (a time conflict).
    pub key_newer_by: i64,
    /// The signature verifies, but a subpacket gpg does not understand is marked critical
    /// (hashed or unhashed area, GnuPG `g10/parse-packet.c: can_handle_critical`): gpg
    /// then calls it BAD, and so does this room.
    pub unknown_critical: bool,
    /// What the hashed area says besides the facts above, as gpg reports it for a signature
    /// that verifies: policy URLs, preferred keyservers and notations, in gpg's order.
    pub extras: Extras,
    /// The size in bits of the key that made the signature, when it was found.
    pub key_bits: Option<usize>,
}

/// The hashed subpackets gpg shows for a good signature (GnuPG `g10/keylist.c:
/// show_policy_url, show_keyserver_url, show_notation`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// Signature policy URLs and whether each is critical.
    pub policy_urls: Vec<(Vec<u8>, bool)>,
    /// Preferred keyservers and whether each is critical.
    pub keyservers: Vec<(Vec<u8>, bool)>,
    /// Notations, last first: gpg builds its list by prepending.
    pub notations: Vec<Notation>,
}

/// One notation (RFC 9580 section 5.2.3.24).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notation {
    pub name: String,
    pub value: Vec<u8>,
    pub critical: bool,
    /// The human-readable flag: the value is text.
    pub human_readable: bool,
}

/// The inputs of a verification: certificates, ownertrust, and the time to judge at.
pub struct Context<'a> {
    pub keyring: &'a Keyring,
    pub trustdb: &'a TrustDb,
    /// When the key's expiry and revocation are judged (gpg: now).
    pub now: SystemTime,
    /// Judge at the signature's creation time instead when it is later than `now`.
    /// `gitseal verify` passes the committer time as `now`: a signature that says it was
    /// made later than its commit is judged at that later time too, so the key must have
    /// been valid whenever the object claims to have been signed. gpg judges at now only.
    pub or_later_signature: bool,
}

/// The most bytes of a detached signature (armored or binary) that are parsed. A real
/// one is a few hundred bytes (1 KiB for RSA-4096, about 2.5 KiB for RSA-16384 in armor)
/// and a git object can be as large as whoever pushes it likes: anything larger is
/// refused before any decoding, as SSH signatures (64 KiB) and CMS (256 KiB) are.
pub const MAX_SIGNATURE_BYTES: usize = 64 * 1024;

/// The most packets in one detached signature. git signs with one key; `gpg -bs` with
/// several `-u` makes one signature packet per key, and nothing else belongs in the file.
pub const MAX_PACKETS: usize = 16;

/// Checks every signature in `signature` (armored or binary) over `payload`.
pub fn verify_detached(
    signature: &[u8],
    payload: &[u8],
    ctx: &Context<'_>,
) -> Result<Vec<SigReport>, OpenPgpError> {
    Ok(verify_parsed(&parse_detached(signature)?, payload, ctx))
}

/// The signatures of a detached signature (armored or binary), as [`verify_detached`]
/// reads them: bounded, MPIs made minimal, at least one.
pub fn parse_detached(signature: &[u8]) -> Result<Vec<Signature>, OpenPgpError> {
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(OpenPgpError::TooLarge);
    }
    let signatures = read_signatures(signature)?;
    if signatures.is_empty() {
        return Err(OpenPgpError::NoSignature);
    }
    Ok(signatures)
}

/// [`verify_detached`] of signatures already read by [`parse_detached`].
pub fn verify_parsed(
    signatures: &[Signature],
    payload: &[u8],
    ctx: &Context<'_>,
) -> Vec<SigReport> {
    signatures
        .iter()
        .map(|sig| check_one(sig, payload, ctx))
        .collect()
}

/// Whether signatures are by keys whose checks are slow enough for the certificate's
/// binding signatures to be worth remembering across processes ([`super::sigcache`]):
/// RSA and DSA.
pub fn slow_to_check(signatures: &[Signature]) -> bool {
    signatures
        .iter()
        .any(|s| super::sigcache::slow_algorithm(s.pk_algo()))
}

/// The signature packets of a detached signature (armored or binary), their MPIs made
/// minimal first as gpg reads them ([`super::normalize`]).
fn read_signatures(data: &[u8]) -> Result<Vec<Signature>, OpenPgpError> {
    let binary = dearmor(data)?;
    let packets = super::normalize::signatures(&binary);
    let mut out = Vec::new();
    let mut ppr = PacketParserBuilder::from_bytes(packets.as_ref())
        .and_then(|b| b.dearmor(Dearmor::Disabled).build())
        .map_err(|e| OpenPgpError::Malformed(super::reason(&e)))?;
    let mut count = 0;
    while let PacketParserResult::Some(pp) = ppr {
        count += 1;
        if count > MAX_PACKETS {
            return Err(OpenPgpError::TooManyPackets);
        }
        let (packet, next) = pp
            .next()
            .map_err(|e| OpenPgpError::Malformed(super::reason(&e)))?;
        match packet {
            Packet::Signature(sig) => out.push(sig),
            Packet::Unknown(u) => {
                return Err(OpenPgpError::Malformed(format!(
                    "unreadable {} packet",
                    u.tag()
                )));
            }
            _ => {}
        }
        ppr = next;
    }
    Ok(out)
}

/// The binary packets of a signature: armor removed if there is armor. Binary OpenPGP
/// starts with a packet tag, whose high bit is always set; armor is text.
fn dearmor(data: &[u8]) -> Result<Cow<'_, [u8]>, OpenPgpError> {
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_none_or(|b| b & 0x80 != 0) {
        return Ok(Cow::Borrowed(data));
    }
    let mut reader = armor::Reader::from_bytes(data, armor::ReaderMode::Tolerant(None));
    // Room for all of it at once (what is dearmored is shorter than its armor): sequoia's
    // armor reader allocates a zeroed buffer of 64 KiB and more for each read it cannot
    // answer from the last one, and `read_to_end` into an empty vector starts with reads
    // of 32 octets. Two such buffers per signature instead of three.
    let mut out = Vec::with_capacity(data.len());
    reader
        .read_to_end(&mut out)
        .map_err(|e| OpenPgpError::Malformed(lowercase_first(&e.to_string())))?;
    Ok(Cow::Owned(out))
}

fn check_one(sig: &Signature, payload: &[u8], ctx: &Context<'_>) -> SigReport {
    let issuers = sig.get_issuers();
    let key_id = issuers
        .iter()
        .map(|h| KeyID::from(h.clone()))
        .next()
        .map(|k| k.to_hex())
        .unwrap_or_else(|| "0000000000000000".into());
    let issuer_fpr = issuers.iter().find_map(|h| match h {
        KeyHandle::Fingerprint(f) => Some(f.to_hex()),
        KeyHandle::KeyID(_) => None,
    });
    let mut report = SigReport {
        outcome: Outcome::MissingKey,
        signers_uid: sig
            .signers_user_id()
            .map(|u| String::from_utf8_lossy(u).into_owned()),
        key_id,
        fingerprint: issuer_fpr,
        primary_fingerprint: None,
        uid: None,
        other_uids: Vec::new(),
        created: sig.signature_creation_time().map(unix).unwrap_or(0),
        expires: sig.signature_expiration_time().map(unix),
        version: sig.version(),
        pk_algo: sig.pk_algo().into(),
        hash_algo: sig.hash_algo().into(),
        class: sig.typ().into(),
        validity: None,
        key_expired_at: None,
        revoked: false,
        by_subkey: false,
        key_newer_by: 0,
        unknown_critical: false,
        extras: extras(sig),
        key_bits: None,
    };
    // gpg rejects MD5 data signatures by default (its weak-digest list holds MD5 alone):
    // "Note: signatures using the MD5 algorithm are rejected".
    if !sig.pk_algo().is_supported()
        || !sig.hash_algo().is_supported()
        || sig.hash_algo() == sequoia_openpgp::types::HashAlgorithm::MD5
    {
        report.outcome = Outcome::UnsupportedAlgorithm;
        return report;
    }

    let created = sig.signature_creation_time();
    let now = match created {
        Some(created) if ctx.or_later_signature && created > ctx.now => created,
        _ => ctx.now,
    };

    // Every key the issuer subpackets name that its certificate binds; a key packet no
    // valid binding signature claims is no key of the certificate (the module comment).
    let mut candidates: Vec<(Found, Key<key::PublicParts, key::UnspecifiedRole>, Usage)> =
        Vec::new();
    for issuer in &issuers {
        for found in ctx.keyring.lookup(issuer) {
            for ka in found.cert.keys() {
                let key = ka.key();
                if !key.key_handle().aliases(issuer)
                    || candidates.iter().any(|(f, k, _)| {
                        k.fingerprint() == key.fingerprint()
                            && f.cert.fingerprint() == found.cert.fingerprint()
                    })
                {
                    continue;
                }
                if let Some(usage) = binding(&found.cert, key, now, created) {
                    candidates.push((found.clone(), key.clone(), usage));
                }
            }
        }
    }
    // The first key that verifies and may sign wins, else the first that verifies (whose
    // usage then refuses it), else the first found decides what BADSIG names. A key bound
    // by two certificates (one of them without the signing flag, so without the key's
    // back-signature) is judged as the certificate that may sign with it.
    // gpg hashes a text signature's data as canonical text, whatever its line ends.
    let payload = match sig.typ() {
        SignatureType::Text => Cow::Owned(canonical_text(payload)),
        _ => Cow::Borrowed(payload),
    };
    let verifies: Vec<bool> = candidates
        .iter()
        .map(|(_, key, _)| {
            super::fast_rsa::verifies(sig, key, payload.as_ref())
                || super::brainpool::data_signature_verifies(sig, key, payload.as_ref())
                || sig.verify_message(key, payload.as_ref()).is_ok()
        })
        .collect();
    let pick = (0..candidates.len())
        .find(|&i| verifies[i] && candidates[i].2 == Usage::Signing)
        .or_else(|| verifies.iter().position(|v| *v))
        .or((!candidates.is_empty()).then_some(0));
    let Some(pick) = pick else {
        return report;
    };
    let good = verifies[pick];
    report.unknown_critical = good && has_unknown_critical(sig);
    let (found, key, usage) = candidates.swap_remove(pick);
    describe_signer(&mut report, &found, &key, now, created);
    let (expired_at, revoked) = key_state(&found.cert, &key, now);
    report.revoked = revoked;
    report.key_expired_at = expired_at;
    let validator = Validator {
        keyring: ctx.keyring,
        trustdb: ctx.trustdb,
        policy: &policy(),
        now,
    };
    if expired_at.is_none() {
        let computed = validator.validity(&found.cert, found.origin);
        report.validity = Some(if revoked {
            ctx.trustdb
                .cached_validity(&found.cert.fingerprint())
                .map_or(computed, |cached| cached.max(computed))
        } else {
            computed
        });
    }
    let now = unix(now);
    report.key_newer_by = unix(key.creation_time()) - report.created;
    report.outcome = if usage != Usage::Signing {
        // gpg checks the key's usage before the signature itself (sig-check.c).
        Outcome::WrongKeyUsage
    } else if report.key_newer_by > 0 {
        // Then the signature's metadata against the key, still before the signature
        // itself (check_signature_metadata_validity): a key cannot sign before it exists.
        Outcome::TimeConflict
    } else if !good || report.unknown_critical {
        Outcome::Bad
    } else if report.expires.is_some_and(|e| e <= now) {
        Outcome::ExpiredSignature
    } else if expired_at.is_some() {
        Outcome::ExpiredKey
    } else if revoked {
        Outcome::RevokedKey
    } else {
        Outcome::Good
    };
    report
}

/// What a certificate lets one of its keys do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Usage {
    /// Bound and flagged for data signatures (a signing subkey's binding carries the
    /// subkey's back-signature: sequoia checks it with the binding).
    Signing,
    /// Bound, but for something else (encryption, authentication, certification only):
    /// gpg's "Wrong key usage".
    Other,
}

/// How the certificate binds `key`: judged by the binding valid at `now`, else at the
/// signature's creation time (a key rebound later, or one whose certificate was only
/// valid then); `None` when no valid binding signature covers it at either time, so the
/// key is not part of the certificate. A primary key without key flags may sign (gpg then
/// goes by the algorithm, and every algorithm that made a signature can sign); a subkey
/// must say so, since only then is its back-signature required and checked.
fn binding(
    cert: &Cert,
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
    now: SystemTime,
    created: Option<SystemTime>,
) -> Option<Usage> {
    let policy = policy();
    let handle = KeyHandle::from(key.fingerprint());
    [Some(now), created].into_iter().flatten().find_map(|at| {
        let vc = cert.with_policy(&policy, at).ok()?;
        let ka = vc.keys().key_handle(handle.clone()).next()?;
        let signing = match ka.key_flags() {
            Some(flags) => flags.for_signing(),
            None => ka.primary(),
        };
        Some(if signing {
            Usage::Signing
        } else {
            Usage::Other
        })
    })
}

/// Fills in who the key belongs to: the user ids the certificate binds at `now`, else at
/// the signature's creation time (never one without a valid self-signature, which
/// another file could have added to the certificate).
fn describe_signer(
    report: &mut SigReport,
    found: &Found,
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
    now: SystemTime,
    created: Option<SystemTime>,
) {
    let cert = &found.cert;
    report.fingerprint = Some(key.fingerprint().to_hex());
    report.key_id = key.keyid().to_hex();
    report.primary_fingerprint = Some(cert.fingerprint().to_hex());
    report.by_subkey = key.fingerprint() != cert.fingerprint();
    report.key_bits = key.mpis().bits();
    let policy = policy();
    let Some(valid) = [Some(now), created]
        .into_iter()
        .flatten()
        .find_map(|at| cert.with_policy(&policy, at).ok())
    else {
        return;
    };
    let text =
        |u: &sequoia_openpgp::packet::UserID| String::from_utf8_lossy(u.value()).into_owned();
    let usable: Vec<_> = valid
        .userids()
        .filter(|u| !matches!(u.revocation_status(), RevocationStatus::Revoked(_)))
        .collect();
    // gpg's primary user id (GnuPG `g10/getkey.c: merge_selfsigs_main`): of those whose
    // self-signature says primary, the one signed last, else of all the one signed last;
    // a tie goes to the longer, then the greater user id (`cmp_user_ids`).
    let rank = |u: &&sequoia_openpgp::cert::amalgamation::ValidUserIDAmalgamation<'_>| {
        let sig = u.binding_signature();
        (
            sig.primary_userid().unwrap_or(false),
            sig.signature_creation_time(),
            u.userid().value().len(),
            u.userid().value().to_vec(),
        )
    };
    let primary = usable.iter().max_by_key(rank).map(|u| u.userid().clone());
    report.uid = primary.as_ref().map(text);
    // gpg lists the others in keyblock order, which the certificate no longer knows
    // (sequoia sorts them); the keyring remembered it.
    let mut others: Vec<&sequoia_openpgp::packet::UserID> = usable
        .iter()
        .map(|u| u.userid())
        .filter(|u| Some(*u) != primary.as_ref())
        .collect();
    others.sort_by_key(|u| found.keyblock_position(u.value()));
    report.other_uids = others.into_iter().map(text).collect();
}

/// gpg's canonical form of text-mode data (GnuPG `g10/textfilter.c`, with its default
/// `--no-rfc2440-text`): every line loses its trailing CR and LF characters and, if it
/// ended in LF, gets CR LF back. gpg also cuts lines after 19,995 octets, which would
/// leave the rest of a long line unsigned; that is not copied: such a signature is BAD
/// here, the safe difference.
pub fn canonical_text(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 2);
    for line in data.split_inclusive(|b| *b == b'\n') {
        let ends_in_lf = line.last() == Some(&b'\n');
        let kept = line
            .iter()
            .rposition(|b| *b != b'\r' && *b != b'\n')
            .map_or(0, |last| last + 1);
        out.extend_from_slice(&line[..kept]);
        if ends_in_lf {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Whether a subpacket is marked critical that gpg does not understand, in either area.
fn has_unknown_critical(sig: &Signature) -> bool {
    sig.hashed_area()
        .iter()
        .chain(sig.unhashed_area().iter())
        .filter(|sp| sp.critical())
        .any(|sp| !gpg_handles_critical(sp))
}

/// GnuPG's `can_handle_critical`: the subpackets it acts on, and of the notations only the
/// two it knows.
fn gpg_handles_critical(sp: &Subpacket) -> bool {
    match sp.value() {
        SubpacketValue::NotationData(n) => {
            ["preferred-email-encoding@pgp.com", "pka-address@gnupg.org"].contains(&n.name())
        }
        // Key Block (38): only with its first octet zero.
        SubpacketValue::Unknown { tag, body } if u8::from(*tag) == 38 => body.first() == Some(&0),
        _ => matches!(
            u8::from(sp.tag()),
            2 | 3
                | 4
                | 5
                | 6
                | 7
                | 9
                | 11
                | 12
                | 16
                | 21
                | 22
                | 24
                | 25
                | 26
                | 27
                | 29
                | 30
                | 32
                | 33
        ),
    }
}

/// The policy URLs, preferred keyservers and notations of the hashed area.
fn extras(sig: &Signature) -> Extras {
    let mut extras = Extras::default();
    for sp in sig.hashed_area().iter() {
        match sp.value() {
            SubpacketValue::PolicyURI(url) => extras.policy_urls.push((url.clone(), sp.critical())),
            SubpacketValue::PreferredKeyServer(url) => {
                extras.keyservers.push((url.clone(), sp.critical()))
            }
            SubpacketValue::NotationData(n) => extras.notations.insert(
                0,
                Notation {
                    name: n.name().to_string(),
                    value: n.value().to_vec(),
                    critical: sp.critical(),
                    human_readable: n.flags().human_readable(),
                },
            ),
            _ => {}
        }
    }
    extras
}

/// When the signing key (or its primary) expired, if it has by `now`, and whether the
/// certificate or the signing subkey is revoked.
fn key_state(
    cert: &Cert,
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
    now: SystemTime,
) -> (Option<i64>, bool) {
    let policy = policy();
    let Ok(vc) = cert.with_policy(&policy, now) else {
        let revoked = matches!(
            cert.revocation_status(&policy, now),
            RevocationStatus::Revoked(_)
        );
        return (None, revoked);
    };
    let mut revoked = matches!(vc.revocation_status(), RevocationStatus::Revoked(_));
    let mut expiry = vc.primary_key().key_expiration_time();
    if let Some(vka) = vc.keys().key_handle(key.key_handle()).next() {
        if matches!(vka.revocation_status(), RevocationStatus::Revoked(_)) {
            revoked = true;
        }
        if let Some(sub) = vka.key_expiration_time() {
            expiry = Some(expiry.map_or(sub, |e| e.min(sub)));
        }
    }
    let expired = expiry.filter(|e| *e <= now).map(unix);
    (expired, revoked)
}

/// The backend-neutral verdict for one report (for `gitseal verify` and policies), at the
/// time the caller judged it by (the committer or tagger time: DESIGN section 6).
/// Why a signature that verifies is still too weak to prove anything to a policy, or
/// `None`. gpg accepts these (and the gpg dialect stays gpg), but a policy verifier must
/// not: a SHA-1 or RIPEMD-160 signature can be moved onto a colliding payload (SHA-1
/// chosen-prefix collisions were shown on OpenPGP in 2020), and RSA or DSA keys under
/// 2048 bits have been disallowed for signing since 2013 (NIST SP 800-131A). ElGamal
/// never signs in OpenPGP today.
pub fn weakness(report: &SigReport) -> Option<String> {
    use sequoia_openpgp::types::{HashAlgorithm, PublicKeyAlgorithm};
    let hash = HashAlgorithm::from(report.hash_algo);
    if matches!(hash, HashAlgorithm::SHA1 | HashAlgorithm::RipeMD) {
        return Some(format!(
            "made with {hash}, which is open to collisions: sign with SHA-256 or better \
             (gpg: personal-digest-preferences SHA512 SHA256)"
        ));
    }
    #[allow(deprecated)]
    let name = match PublicKeyAlgorithm::from(report.pk_algo) {
        PublicKeyAlgorithm::RSAEncryptSign | PublicKeyAlgorithm::RSASign => "RSA",
        PublicKeyAlgorithm::DSA => "DSA",
        PublicKeyAlgorithm::ElGamalEncryptSign => "ElGamal",
        _ => return None,
    };
    match report.key_bits {
        Some(bits) if bits < 2048 => Some(format!(
            "made by a {bits}-bit {name} key, too short to sign with: use a key of 2048 bits \
             or more, or Ed25519"
        )),
        _ => None,
    }
}

pub fn verdict(report: &SigReport, time: SignatureTime) -> Verdict {
    let failure = |kind, detail: &str| {
        Err(Failure {
            kind,
            detail: detail.to_string(),
        })
    };
    let outcome = match report.outcome {
        Outcome::Good => Ok(report.validity.unwrap_or(Trust::Undefined)),
        Outcome::Bad => failure(FailureKind::BadSignature, "bad signature"),
        Outcome::ExpiredSignature => failure(FailureKind::Expired, "the signature has expired"),
        Outcome::ExpiredKey => failure(FailureKind::Expired, "the signing key has expired"),
        Outcome::RevokedKey => failure(FailureKind::Revoked, "the signing key is revoked"),
        Outcome::MissingKey => failure(FailureKind::UnknownSigner, "no public key"),
        Outcome::UnsupportedAlgorithm => failure(FailureKind::Malformed, "unsupported algorithm"),
        Outcome::WrongKeyUsage => failure(
            FailureKind::BadSignature,
            "made by a key that is not flagged for signing",
        ),
        Outcome::TimeConflict => failure(
            FailureKind::BadSignature,
            "the signature is older than the key that made it",
        ),
    };
    Verdict {
        format: Format::OpenPgp,
        key: Some(report.key_id.clone()),
        signer: report.uid.clone(),
        time: Some(time),
        outcome,
        ssh_certificate: None,
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_text;

    #[test]
    fn text_is_made_canonical_as_gpg_does() {
        assert_eq!(canonical_text(b"a\nb\n"), b"a\r\nb\r\n");
        assert_eq!(canonical_text(b"a\r\nb"), b"a\r\nb");
        assert_eq!(canonical_text(b"a\r\r\nb\r"), b"a\r\nb");
        assert_eq!(canonical_text(b"lone\rcr\n"), b"lone\rcr\r\n");
        assert_eq!(canonical_text(b"spaces  \n"), b"spaces  \r\n");
        assert_eq!(canonical_text(b""), b"");
        assert_eq!(canonical_text(b"\n\n"), b"\r\n\r\n");
    }
}
