//! GnuPG's ownertrust (`trustdb.gpg`) and key validity by its default "pgp" trust model,
//! so that `TRUST_*` lines, and with them git's G/U distinction, come out as gpg's.
//!
//! trustdb.gpg is a file of 40-byte records (GnuPG `g10/tdbio.c`). Record 0 is the
//! version record: `01 "gpg" version marginals completes max_cert_depth model ...`.
//! A trust record (type 12) holds `0c 00 <20-byte fingerprint> <ownertrust> <depth> ...`.
//! The cached validity records are not read: validity is computed from the ownertrust and
//! the certifications, as gpg's `--check-trustdb` does, so it is never stale.

use super::OpenPgpError;
use super::keyring::{Keyring, Origin};
use crate::signature::Trust;
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::cert::amalgamation::ValidAmalgamation;
use sequoia_openpgp::policy::Policy;
use sequoia_openpgp::types::RevocationStatus;
use sequoia_openpgp::{Fingerprint, KeyHandle};
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

const RECORD: usize = 40;
const RECTYPE_VERSION: u8 = 1;
const RECTYPE_TRUST: u8 = 12;
const RECTYPE_VALID: u8 = 13;

/// How far the owner of a key is trusted to certify others (`--edit-key trust`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OwnerTrust {
    Unknown,
    Never,
    Marginal,
    Full,
    Ultimate,
}

impl OwnerTrust {
    /// gpg's numeric values (`TRUST_MASK` bits of `g10/trustdb.h`).
    fn from_byte(value: u8) -> Self {
        match value & 0x0f {
            3 => OwnerTrust::Never,
            4 => OwnerTrust::Marginal,
            5 => OwnerTrust::Full,
            6 => OwnerTrust::Ultimate,
            _ => OwnerTrust::Unknown,
        }
    }
}

/// The parts of trustdb.gpg that decide validity.
#[derive(Clone, Debug)]
pub struct TrustDb {
    ownertrust: HashMap<Vec<u8>, OwnerTrust>,
    /// The validity gpg last computed for each key (best over its user ids).
    cached: HashMap<Vec<u8>, Trust>,
    pub marginals_needed: usize,
    pub completes_needed: usize,
    pub max_cert_depth: usize,
}

impl Default for TrustDb {
    /// No trustdb: gpg's defaults and nobody trusted.
    fn default() -> Self {
        Self {
            ownertrust: HashMap::new(),
            cached: HashMap::new(),
            marginals_needed: 3,
            completes_needed: 1,
            max_cert_depth: 5,
        }
    }
}

impl TrustDb {
    pub fn parse(data: &[u8]) -> Result<Self, OpenPgpError> {
        let mut db = TrustDb::default();
        if data.is_empty() {
            return Ok(db);
        }
        if data.len() < RECORD || data[0] != RECTYPE_VERSION || &data[1..4] != b"gpg" {
            return Err(OpenPgpError::TrustDb("not a GnuPG trust database".into()));
        }
        let nonzero = |v: u8, default: usize| if v == 0 { default } else { v as usize };
        db.marginals_needed = nonzero(data[5], 3);
        db.completes_needed = nonzero(data[6], 1);
        db.max_cert_depth = nonzero(data[7], 5);
        let records: Vec<&[u8]> = data.chunks_exact(RECORD).collect();
        for record in &records {
            if record[0] != RECTYPE_TRUST {
                continue;
            }
            let fpr = record[2..22].to_vec();
            db.ownertrust
                .insert(fpr.clone(), OwnerTrust::from_byte(record[22]));
            // The chain of validity records: `0d 00 <namehash 20> <validity> <next u32>`.
            let mut next = u32::from_be_bytes([record[26], record[27], record[28], record[29]]);
            let mut best: Option<Trust> = None;
            let mut steps = 0;
            while next != 0 && steps < 1000 {
                let Some(valid) = records.get(next as usize) else {
                    break;
                };
                if valid[0] != RECTYPE_VALID {
                    break;
                }
                let level = match valid[22] & 0x0f {
                    3 => Trust::Never,
                    4 => Trust::Marginal,
                    5 => Trust::Fully,
                    6 => Trust::Ultimate,
                    _ => Trust::Undefined,
                };
                best = Some(best.map_or(level, |b| b.max(level)));
                next = u32::from_be_bytes([valid[23], valid[24], valid[25], valid[26]]);
                steps += 1;
            }
            if let Some(best) = best {
                db.cached.insert(fpr, best);
            }
        }
        Ok(db)
    }

    /// Sets one key's ownertrust (tests, and `trusted-key` equivalents).
    pub fn set(&mut self, fingerprint: &Fingerprint, trust: OwnerTrust) {
        self.ownertrust
            .insert(fingerprint.as_bytes().to_vec(), trust);
    }

    /// The validity gpg last stored for a key. gpg reports this one for revoked keys,
    /// which its trust computation skips (their ownertrust is cleared on revocation).
    pub fn cached_validity(&self, fingerprint: &Fingerprint) -> Option<Trust> {
        self.cached.get(fingerprint.as_bytes()).copied()
    }

    pub fn ownertrust(&self, fingerprint: &Fingerprint) -> OwnerTrust {
        self.ownertrust
            .get(fingerprint.as_bytes())
            .copied()
            .unwrap_or(OwnerTrust::Unknown)
    }
}

/// Computes key validity by the pgp trust model.
pub struct Validator<'a> {
    pub keyring: &'a Keyring,
    pub trustdb: &'a TrustDb,
    pub policy: &'a dyn Policy,
    pub now: SystemTime,
}

impl Validator<'_> {
    /// The validity of `cert` (the best of its user ids), as gpg's TRUST_* line says it.
    /// Keys from a configured keyring file are fully valid by that configuration.
    pub fn validity(&self, cert: &Cert, origin: Origin) -> Trust {
        let own = self.trustdb.ownertrust(&cert.fingerprint());
        if own == OwnerTrust::Ultimate {
            return Trust::Ultimate;
        }
        let computed = self.compute(cert, 0, &mut HashSet::new());
        if origin == Origin::Configured {
            return computed.max(Trust::Fully);
        }
        computed
    }

    fn compute(&self, cert: &Cert, depth: usize, visiting: &mut HashSet<Fingerprint>) -> Trust {
        if self.trustdb.ownertrust(&cert.fingerprint()) == OwnerTrust::Ultimate {
            return Trust::Ultimate;
        }
        if depth >= self.trustdb.max_cert_depth || !visiting.insert(cert.fingerprint()) {
            return Trust::Undefined;
        }
        let Ok(valid) = cert.with_policy(self.policy, self.now) else {
            visiting.remove(&cert.fingerprint());
            return Trust::Undefined;
        };
        let primary = cert.primary_key().key().clone();
        let mut best = Trust::Undefined;
        for uid in valid.userids() {
            if matches!(uid.revocation_status(), RevocationStatus::Revoked(_)) {
                continue;
            }
            let (mut full, mut marginal) = (0usize, 0usize);
            let mut counted: HashSet<Fingerprint> = HashSet::new();
            for certification in uid.certifications() {
                if certification
                    .signature_alive(self.now, std::time::Duration::ZERO)
                    .is_err()
                {
                    continue;
                }
                for issuer in certification.get_issuers() {
                    let Some(certifier) = self.certifier(&issuer, cert) else {
                        continue;
                    };
                    let certifier_fpr = certifier.fingerprint();
                    if counted.contains(&certifier_fpr) {
                        continue;
                    }
                    let good = super::brainpool::certification_verifies(
                        certification,
                        certifier.primary_key().key(),
                        &primary,
                        uid.userid(),
                    ) || certification
                        .clone()
                        .verify_userid_binding(
                            certifier.primary_key().key(),
                            &primary,
                            uid.userid(),
                        )
                        .is_ok();
                    if !good {
                        continue;
                    }
                    let own = self.trustdb.ownertrust(&certifier_fpr);
                    if own < OwnerTrust::Marginal {
                        continue;
                    }
                    // Only fully valid keys introduce others (gpg's key list per depth).
                    let certifier_validity = self.compute(&certifier, depth + 1, visiting);
                    if certifier_validity < Trust::Fully {
                        continue;
                    }
                    counted.insert(certifier_fpr);
                    if own >= OwnerTrust::Full {
                        full += 1;
                    } else {
                        marginal += 1;
                    }
                }
            }
            let level = if full >= self.trustdb.completes_needed
                || marginal >= self.trustdb.marginals_needed
            {
                Trust::Fully
            } else if full + marginal > 0 {
                Trust::Marginal
            } else {
                Trust::Undefined
            };
            best = best.max(level);
        }
        visiting.remove(&cert.fingerprint());
        best
    }

    /// The certificate whose primary key made a certification, other than `subject`.
    fn certifier(&self, issuer: &KeyHandle, subject: &Cert) -> Option<std::sync::Arc<Cert>> {
        self.keyring
            .lookup(issuer)
            .into_iter()
            .map(|f| f.cert)
            .find(|c| {
                c.fingerprint() != subject.fingerprint()
                    && c.primary_key().key().key_handle().aliases(issuer)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_and_trust_records() {
        let mut data = vec![0u8; RECORD * 3];
        data[0] = RECTYPE_VERSION;
        data[1..4].copy_from_slice(b"gpg");
        data[4] = 3;
        data[5] = 2;
        data[6] = 1;
        data[7] = 4;
        let t = RECORD * 2;
        data[t] = RECTYPE_TRUST;
        data[t + 2..t + 22].copy_from_slice(&[0xAB; 20]);
        data[t + 22] = 6;
        let db = TrustDb::parse(&data).unwrap();
        assert_eq!(db.marginals_needed, 2);
        assert_eq!(db.max_cert_depth, 4);
        let fpr = Fingerprint::from_bytes(4, &[0xAB; 20]).unwrap();
        assert_eq!(db.ownertrust(&fpr), OwnerTrust::Ultimate);
        let other = Fingerprint::from_bytes(4, &[0xCD; 20]).unwrap();
        assert_eq!(db.ownertrust(&other), OwnerTrust::Unknown);
        assert!(TrustDb::parse(b"not a trustdb at all, no, not at all....").is_err());
        assert_eq!(TrustDb::parse(b"").unwrap().completes_needed, 1);
    }
}
