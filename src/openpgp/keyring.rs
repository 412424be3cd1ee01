//! Certificates for verification and key selection: GnuPG's public keyring (the keybox
//! `pubring.kbx`, or the legacy `pubring.gpg` packet stream) and keyring files named in
//! configuration. The caller reads the files; this module only parses bytes.
//!
//! A certificate file can hold any packets its writer likes: another person's primary key
//! with no signature, a subkey appended without a binding signature (keyservers that
//! accept any packet make such copies), a user id nobody signed. Only what the primary
//! key's own verified signatures bind is kept ([`bound_only`]), so that merging the copies
//! of one certificate from several files adds nothing but what the certificate's owner
//! signed; verification then also requires the binding to be valid at the time judged
//! ([`super::verify`]).

use super::OpenPgpError;
use super::keybox::{self, Keybox};
use super::select::KeySpec;
use sequoia_openpgp::cert::{Cert, CertParser};
use sequoia_openpgp::parse::{PacketParser, PacketParserResult, Parse};
use sequoia_openpgp::{Fingerprint, KeyHandle, Packet};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Where a certificate came from. Certificates from a keyring file the user configured
/// for gitseal are trusted by that configuration, as SSH's allowed_signers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    GnuPg,
    Configured,
}

/// A certificate and where it came from.
#[derive(Clone, Debug)]
pub struct Found {
    /// Shared with the keyring: a lookup (one per signature checked, thousands in
    /// `gitseal verify`) hands out the certificate without copying it.
    pub cert: Arc<Cert>,
    pub origin: Origin,
    /// Its user ids in the order of the keyblock they were read from: gpg lists them in
    /// that order, and a parsed certificate keeps them sorted instead.
    pub uid_order: UidOrder,
}

/// User ids in keyblock order (shared: one copy per keyblock however often it is found).
pub type UidOrder = Arc<[Vec<u8>]>;

impl Found {
    /// Where a user id stands in its keyblock; one the keyblock does not hold sorts last.
    pub fn keyblock_position(&self, uid: &[u8]) -> usize {
        self.uid_order
            .iter()
            .position(|u| u.as_slice() == uid)
            .unwrap_or(usize::MAX)
    }
}

/// A keyblock's certificate and its user ids in keyblock order.
type Parsed = (Arc<Cert>, UidOrder);

/// A keybox and the certificates parsed from it so far (each keyblock at most once, and
/// only when a lookup names it).
#[derive(Debug)]
struct IndexedKeybox {
    keybox: Keybox,
    parsed: Vec<OnceLock<Option<Parsed>>>,
}

impl IndexedKeybox {
    fn new(keybox: Keybox) -> Self {
        let parsed = keybox.blobs().iter().map(|_| OnceLock::new()).collect();
        Self { keybox, parsed }
    }

    /// The certificate in blob `index` (`None` if its keyblock does not parse), and its
    /// user ids in keyblock order, which the blob's index lists.
    fn cert(&self, index: usize) -> Option<&Parsed> {
        self.parsed[index]
            .get_or_init(|| {
                let blob = &self.keybox.blobs()[index];
                let cert = Cert::from_bytes(self.keybox.keyblock(blob))
                    .ok()
                    .and_then(bound_only)?;
                let order = self.keybox.uids(blob).map(<[u8]>::to_vec).collect();
                Some((Arc::new(cert), order))
            })
            .as_ref()
    }

    fn found(&self, index: usize) -> Option<Found> {
        self.cert(index).map(|(cert, uid_order)| Found {
            cert: cert.clone(),
            origin: Origin::GnuPg,
            uid_order: uid_order.clone(),
        })
    }
}

/// All certificate sources of one run.
#[derive(Debug, Default)]
pub struct Keyring {
    keyboxes: Vec<IndexedKeybox>,
    certs: Vec<Found>,
    /// Whether RSA binding signatures of packet streams are checked by aws-lc first
    /// ([`Keyring::with_fast_rsa_bindings`]).
    fast_rsa_bindings: bool,
}

impl Keyring {
    pub fn new() -> Self {
        Self::default()
    }

    /// A keyring for a process that checks many signatures against a few certificates
    /// and keeps no signature cache on disk (`gitseal verify`): the RSA binding
    /// signatures of the certificates it reads from packet streams are checked by aws-lc
    /// and handed to sequoia ([`super::fast_rsa::vouch_for_bindings`]) instead of by
    /// sequoia's backend, ten times slower. The gpg dialect keeps sequoia's cache on disk
    /// instead ([`super::sigcache`]), which only sequoia's own checks add to.
    pub fn with_fast_rsa_bindings() -> Self {
        Self {
            fast_rsa_bindings: true,
            ..Self::new()
        }
    }

    /// Adds GnuPG's public keyring: a keybox (indexed, parsed lazily) or a packet stream.
    pub fn add_gnupg(&mut self, data: Vec<u8>) -> Result<(), OpenPgpError> {
        if keybox::looks_like_keybox(&data) {
            self.keyboxes.push(IndexedKeybox::new(Keybox::parse(data)?));
            Ok(())
        } else {
            self.add_certs(&data, Origin::GnuPg)
        }
    }

    /// Adds a keyring file named in configuration: armored or binary certificates, or a
    /// keybox.
    pub fn add_configured(&mut self, data: Vec<u8>) -> Result<(), OpenPgpError> {
        if keybox::looks_like_keybox(&data) {
            let kbx = Keybox::parse(data)?;
            for blob in kbx.blobs() {
                self.add_certs(kbx.keyblock(blob), Origin::Configured)?;
            }
            Ok(())
        } else {
            self.add_certs(&data, Origin::Configured)
        }
    }

    fn add_certs(&mut self, data: &[u8], origin: Origin) -> Result<(), OpenPgpError> {
        if data.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let parser =
            CertParser::from_bytes(data).map_err(|e| OpenPgpError::Keyring(e.to_string()))?;
        let mut orders = uid_orders(data);
        // A keyring with one damaged keyblock is still usable, as in gpg; a block with
        // nothing its primary key signed is no certificate, and is dropped as gpg does.
        for cert in parser.flatten() {
            if self.fast_rsa_bindings {
                super::fast_rsa::vouch_for_bindings(&cert);
            }
            let Some(cert) = bound_only(cert) else {
                continue;
            };
            let uid_order = orders
                .remove(&cert.fingerprint())
                .unwrap_or_default()
                .into();
            self.certs.push(Found {
                cert: Arc::new(cert),
                origin,
                uid_order,
            });
        }
        Ok(())
    }

    /// Certificates holding a key (primary or subkey) that `handle` names.
    pub fn lookup(&self, handle: &KeyHandle) -> Vec<Found> {
        let id: Vec<u8> = match handle {
            KeyHandle::Fingerprint(f) => f.as_bytes().to_vec(),
            KeyHandle::KeyID(k) => k.as_bytes().to_vec(),
        };
        let mut found: Vec<Found> = self
            .certs
            .iter()
            .filter(|f| f.cert.keys().any(|k| k.key().key_handle().aliases(handle)))
            .cloned()
            .collect();
        for kbx in &self.keyboxes {
            found.extend(kbx.keybox.find(&id).filter_map(|i| kbx.found(i)));
        }
        merge_duplicates(found)
    }

    /// The certificate whose primary key has this fingerprint.
    pub fn by_primary(&self, fingerprint: &Fingerprint) -> Option<Found> {
        self.lookup(&KeyHandle::from(fingerprint.clone()))
            .into_iter()
            .find(|f| &f.cert.fingerprint() == fingerprint)
    }

    /// The certificates `spec` names, in keyring order (GnuPG's first, then configured
    /// files). In a keybox only the blobs whose index (fingerprints, user ids) can match
    /// are parsed, as gpg's keybox search does.
    pub fn matching(&self, spec: &KeySpec) -> Vec<Found> {
        let mut out = Vec::new();
        for kbx in &self.keyboxes {
            for (index, blob) in kbx.keybox.blobs().iter().enumerate() {
                let candidate = blob
                    .fingerprints
                    .iter()
                    .any(|f| spec.may_match_fingerprint(f))
                    || kbx.keybox.uids(blob).any(|uid| spec.may_match_uid(uid));
                if candidate
                    && let Some(found) = kbx.found(index)
                    && spec.matches(&found.cert)
                {
                    out.push(found);
                }
            }
        }
        for origin in [Origin::GnuPg, Origin::Configured] {
            out.extend(
                self.certs
                    .iter()
                    .filter(|f| f.origin == origin && spec.matches(&f.cert))
                    .cloned(),
            );
        }
        out
    }

    /// Every certificate, in keyring order (GnuPG's first, then configured files); parses
    /// the whole keybox.
    pub fn all(&self) -> Vec<Found> {
        let mut all = Vec::new();
        for kbx in &self.keyboxes {
            all.extend((0..kbx.parsed.len()).filter_map(|i| kbx.found(i)));
        }
        for origin in [Origin::GnuPg, Origin::Configured] {
            all.extend(self.certs.iter().filter(|f| f.origin == origin).cloned());
        }
        all
    }
}

/// The certificate reduced to what its primary key's own verified signatures bind:
/// subkeys and user ids with a binding (or revocation) signature by the primary (a
/// signing subkey's binding counts only with the subkey's valid back-signature), and
/// `None` when the primary key signed nothing at all (no self-signature, no direct-key
/// signature, no revocation: a bare key packet, which gpg refuses to import). Brainpool
/// signatures, which sequoia cannot check, are checked first ([`super::brainpool`]).
pub fn bound_only(cert: Cert) -> Option<Cert> {
    // The first look at the self-signatures: sequoia must know the brainpool ones first.
    super::brainpool::vouch_for_bindings(&cert);
    let cert = cert
        .retain_subkeys(|ka| {
            ka.bundle().self_signatures().next().is_some()
                || ka.bundle().self_revocations().next().is_some()
        })
        .retain_userids(|ua| {
            ua.bundle().self_signatures().next().is_some()
                || ua.bundle().self_revocations().next().is_some()
        })
        .retain_user_attributes(|ua| {
            ua.bundle().self_signatures().next().is_some()
                || ua.bundle().self_revocations().next().is_some()
        });
    let primary = cert.primary_key();
    let signed = primary.bundle().self_signatures().next().is_some()
        || primary.bundle().self_revocations().next().is_some()
        || cert.userids().next().is_some()
        || cert.user_attributes().next().is_some();
    signed.then_some(cert)
}

/// The user ids of each keyblock in a packet stream, in stream order, by the primary
/// key's fingerprint (a second pass over the packets, without any cryptography: the
/// certificate parser sorts them).
fn uid_orders(data: &[u8]) -> HashMap<Fingerprint, Vec<Vec<u8>>> {
    let mut orders: HashMap<Fingerprint, Vec<Vec<u8>>> = HashMap::new();
    let Ok(mut ppr) = PacketParser::from_bytes(data) else {
        return orders;
    };
    let mut primary: Option<Fingerprint> = None;
    while let PacketParserResult::Some(pp) = ppr {
        match &pp.packet {
            Packet::PublicKey(key) => primary = Some(key.fingerprint()),
            Packet::SecretKey(key) => primary = Some(key.fingerprint()),
            Packet::UserID(uid) => {
                if let Some(fpr) = &primary {
                    let uids = orders.entry(fpr.clone()).or_default();
                    if !uids.iter().any(|u| u.as_slice() == uid.value()) {
                        uids.push(uid.value().to_vec());
                    }
                }
            }
            _ => {}
        }
        ppr = match pp.recurse() {
            Ok((_, next)) => next,
            Err(_) => break,
        };
    }
    orders
}

/// The same certificate from two sources is one certificate: merged (each copy holding
/// only what the primary key bound, [`bound_only`]), and configured if either copy is.
/// Copies that cannot be merged stay apart rather than one being lost.
fn merge_duplicates(found: Vec<Found>) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        match out
            .iter_mut()
            .find(|o| o.cert.fingerprint() == f.cert.fingerprint())
        {
            Some(existing) => {
                match Cert::clone(&existing.cert).merge_public(Cert::clone(&f.cert)) {
                    Ok(merged) => {
                        if f.origin == Origin::Configured {
                            existing.origin = Origin::Configured;
                        }
                        existing.cert = Arc::new(merged);
                        // Keyblock order: the first copy's, then what only the other holds.
                        let extra: Vec<Vec<u8>> = f
                            .uid_order
                            .iter()
                            .filter(|u| !existing.uid_order.contains(u))
                            .cloned()
                            .collect();
                        if !extra.is_empty() {
                            existing.uid_order =
                                existing.uid_order.iter().cloned().chain(extra).collect();
                        }
                    }
                    Err(_) => out.push(f),
                }
            }
            None => out.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::cert::CertBuilder;
    use sequoia_openpgp::packet::UserID;
    use sequoia_openpgp::serialize::SerializeInto;

    fn cert(uid: &str) -> Cert {
        CertBuilder::new()
            .add_userid(uid)
            .add_signing_subkey()
            .generate()
            .expect("generates")
            .0
    }

    fn fingerprints(cert: &Cert) -> Vec<Fingerprint> {
        let mut all: Vec<Fingerprint> = cert.keys().map(|k| k.key().fingerprint()).collect();
        all.sort();
        all
    }

    #[test]
    fn merging_adds_only_what_the_primary_key_bound() {
        let alice = cert("Alice <alice@example.org>");
        let carol = cert("Carol <carol@example.org>");
        let carols_key = carol
            .keys()
            .subkeys()
            .next()
            .expect("signing subkey")
            .key()
            .clone();
        // A file holding alice's bare primary key with carol's key and a user id, none of
        // it signed by alice; and alice's own certificate with carol's key appended.
        let forged: Vec<u8> = [
            Packet::from(alice.primary_key().key().clone()),
            Packet::from(carols_key.clone()),
            Packet::from(UserID::from("Alice <alice@example.org>, really")),
        ]
        .iter()
        .flat_map(|p| p.to_vec().expect("serializes"))
        .collect();
        let appended = [
            alice.to_vec().expect("serializes"),
            Packet::from(carols_key.clone())
                .to_vec()
                .expect("serializes"),
        ]
        .concat();

        for (name, files) in [
            (
                "a bare block in another file",
                vec![alice.to_vec().expect("serializes"), forged],
            ),
            ("a key appended to the certificate", vec![appended]),
        ] {
            let mut keyring = Keyring::new();
            for file in files {
                keyring.add_configured(file).expect("parses");
            }
            let found = keyring
                .by_primary(&alice.fingerprint())
                .unwrap_or_else(|| panic!("{name}: alice's certificate"));
            assert_eq!(fingerprints(&found.cert), fingerprints(&alice), "{name}");
            assert_eq!(found.cert.userids().count(), 1, "{name}");
            assert!(
                keyring
                    .lookup(&KeyHandle::from(carols_key.fingerprint()))
                    .is_empty(),
                "{name}: carol's key belongs to no certificate here"
            );
        }
    }

    #[test]
    fn a_block_its_primary_key_never_signed_is_no_certificate() {
        let alice = cert("Alice <alice@example.org>");
        let bare = Packet::from(alice.primary_key().key().clone())
            .to_vec()
            .expect("serializes");
        let mut keyring = Keyring::new();
        keyring.add_configured(bare).expect("parses");
        assert!(keyring.all().is_empty());
        // A revocation certificate alone (the primary key and its revocation) is kept.
        let (revocable, revocation) = CertBuilder::new()
            .add_userid("Rev <rev@example.org>")
            .generate()
            .expect("generates");
        let only_revocation: Vec<u8> = [
            Packet::from(revocable.primary_key().key().clone()),
            Packet::from(revocation),
        ]
        .iter()
        .flat_map(|p| p.to_vec().expect("serializes"))
        .collect();
        keyring.add_configured(only_revocation).expect("parses");
        assert_eq!(keyring.all().len(), 1);
    }
}
