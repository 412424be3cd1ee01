//! Certificates for verification and key selection: GnuPG's public keyring (the keybox
//! `pubring.kbx`, or the legacy `pubring.gpg` packet stream) and keyring files named in
//! configuration. The caller reads the files; this module only parses bytes.

use super::OpenPgpError;
use super::keybox::{self, Keybox};
use sequoia_openpgp::cert::{Cert, CertParser};
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::{Fingerprint, KeyHandle};

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
    pub cert: Cert,
    pub origin: Origin,
}

/// All certificate sources of one run.
#[derive(Debug, Default)]
pub struct Keyring {
    keyboxes: Vec<Keybox>,
    certs: Vec<Found>,
}

impl Keyring {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds GnuPG's public keyring: a keybox (indexed, parsed lazily) or a packet stream.
    pub fn add_gnupg(&mut self, data: Vec<u8>) -> Result<(), OpenPgpError> {
        if keybox::looks_like_keybox(&data) {
            self.keyboxes.push(Keybox::parse(data)?);
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
        // A keyring with one damaged keyblock is still usable, as in gpg.
        for cert in parser.flatten() {
            self.certs.push(Found { cert, origin });
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
            for blob in kbx.find(&id) {
                if let Ok(cert) = Cert::from_bytes(kbx.keyblock(blob)) {
                    found.push(Found {
                        cert,
                        origin: Origin::GnuPg,
                    });
                }
            }
        }
        merge_duplicates(found)
    }

    /// The certificate whose primary key has this fingerprint.
    pub fn by_primary(&self, fingerprint: &Fingerprint) -> Option<Found> {
        self.lookup(&KeyHandle::from(fingerprint.clone()))
            .into_iter()
            .find(|f| &f.cert.fingerprint() == fingerprint)
    }

    /// Every certificate, in keyring order (GnuPG's first, then configured files); parses
    /// the whole keybox, so only key selection by user id uses it.
    pub fn all(&self) -> Vec<Found> {
        let mut all = Vec::new();
        for kbx in &self.keyboxes {
            for blob in kbx.blobs() {
                if let Ok(cert) = Cert::from_bytes(kbx.keyblock(blob)) {
                    all.push(Found {
                        cert,
                        origin: Origin::GnuPg,
                    });
                }
            }
        }
        all.extend(
            self.certs
                .iter()
                .filter(|f| f.origin == Origin::GnuPg)
                .cloned(),
        );
        all.extend(
            self.certs
                .iter()
                .filter(|f| f.origin == Origin::Configured)
                .cloned(),
        );
        all
    }
}

/// The same certificate from two sources is one certificate: merged, and configured if
/// either copy is.
fn merge_duplicates(found: Vec<Found>) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        match out
            .iter_mut()
            .find(|o| o.cert.fingerprint() == f.cert.fingerprint())
        {
            Some(existing) => {
                if f.origin == Origin::Configured {
                    existing.origin = Origin::Configured;
                }
                if let Ok(merged) = existing.cert.clone().merge_public(f.cert) {
                    existing.cert = merged;
                }
            }
            None => out.push(f),
        }
    }
    out
}
