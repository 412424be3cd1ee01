//! Key selection as gpg does it for `-u <spec>` (GnuPG `common/userids.c:
//! classify_user_id` and `g10/getkey.c: finish_lookup`).
//!
//! - `0x`-optional hex: 8 digits = short key id, 16 = long key id, 40 = fingerprint; a
//!   trailing `!` means exactly that (sub)key.
//! - `<mail>`: exact address; `@text`: substring of the address; `=uid`: the whole user
//!   id; anything else (`*` optional): case-insensitive substring of a user id.
//! - Among the matching certificate's keys: the newest signing-capable, live, unrevoked
//!   subkey whose secret is available, else the primary key.

use super::policy;
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::packet::{Key, key};
use sequoia_openpgp::types::RevocationStatus;
use std::time::SystemTime;

/// A parsed `-u` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// Hex digits (short id, long id or fingerprint), upper-case; `exact` for `!`.
    Hex {
        digits: String,
        exact: bool,
    },
    Mail(String),
    MailSub(String),
    Exact(String),
    Substring(String),
}

impl KeySpec {
    pub fn parse(spec: &str) -> KeySpec {
        let spec = spec.trim();
        let (body, exact) = match spec.strip_suffix('!') {
            Some(b) => (b, true),
            None => (spec, false),
        };
        let hex = body
            .strip_prefix("0x")
            .or_else(|| body.strip_prefix("0X"))
            .unwrap_or(body);
        if matches!(hex.len(), 8 | 16 | 40) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return KeySpec::Hex {
                digits: hex.to_ascii_uppercase(),
                exact,
            };
        }
        if let Some(mail) = spec.strip_prefix('<') {
            return KeySpec::Mail(mail.trim_end_matches('>').to_ascii_lowercase());
        }
        if let Some(sub) = spec.strip_prefix('@') {
            return KeySpec::MailSub(sub.to_ascii_lowercase());
        }
        if let Some(whole) = spec.strip_prefix('=') {
            return KeySpec::Exact(whole.to_string());
        }
        KeySpec::Substring(spec.strip_prefix('*').unwrap_or(spec).to_lowercase())
    }

    /// The e-mail address the spec names, which gpg writes as the signer's user id.
    pub fn mailbox(&self, cert: &Cert) -> Option<String> {
        let text = match self {
            KeySpec::Mail(m) => return Some(m.clone()),
            KeySpec::Substring(s) | KeySpec::Exact(s) => s,
            _ => return None,
        };
        let candidate = match (text.rfind('<'), text.rfind('>')) {
            (Some(a), Some(b)) if a < b => &text[a + 1..b],
            _ => text.as_str(),
        };
        let candidate = candidate.to_ascii_lowercase();
        let is_mail = candidate.contains('@') && !candidate.contains(' ');
        let owned = cert.userids().any(|u| {
            u.userid()
                .email()
                .ok()
                .flatten()
                .is_some_and(|m| m.eq_ignore_ascii_case(&candidate))
        });
        (is_mail && owned).then_some(candidate)
    }

    /// Whether a key with this (v4) fingerprint could be what the spec names: the
    /// keybox index prefilter for [`Self::matches`].
    pub fn may_match_fingerprint(&self, fingerprint: &[u8]) -> bool {
        let KeySpec::Hex { digits, .. } = self else {
            return false;
        };
        let wanted: Option<Vec<u8>> = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
            .collect();
        wanted.is_some_and(|w| fingerprint.ends_with(&w))
    }

    /// Whether a user id with this text could be what the spec names: the keybox index
    /// prefilter for [`Self::matches`] (never false when `matches` would be true).
    pub fn may_match_uid(&self, uid: &[u8]) -> bool {
        let uid = String::from_utf8_lossy(uid);
        match self {
            KeySpec::Hex { .. } => false,
            KeySpec::Exact(e) => uid == e.as_str(),
            // The same case folding as `matches`: ASCII for addresses, full for text.
            KeySpec::Mail(s) | KeySpec::MailSub(s) => uid.to_ascii_lowercase().contains(s.as_str()),
            KeySpec::Substring(s) => uid.to_lowercase().contains(s.as_str()),
        }
    }

    /// Whether this spec names `cert` (by any of its keys or user ids).
    pub fn matches(&self, cert: &Cert) -> bool {
        match self {
            KeySpec::Hex { digits, .. } => cert
                .keys()
                .any(|k| k.key().fingerprint().to_hex().ends_with(digits.as_str())),
            _ => cert.userids().any(|u| {
                let uid = String::from_utf8_lossy(u.userid().value());
                let mail = u
                    .userid()
                    .email()
                    .ok()
                    .flatten()
                    .map(str::to_ascii_lowercase);
                match self {
                    KeySpec::Mail(m) => mail.as_deref() == Some(m.as_str()),
                    KeySpec::MailSub(s) => mail.is_some_and(|m| m.contains(s.as_str())),
                    KeySpec::Exact(e) => uid == e.as_str(),
                    KeySpec::Substring(s) => uid.to_lowercase().contains(s.as_str()),
                    KeySpec::Hex { .. } => false,
                }
            }),
        }
    }
}

/// The key of `cert` that gpg would sign with for `spec`, given which keys have their
/// secret available. `None`: no usable signing key.
pub fn signing_key(
    cert: &Cert,
    spec: &KeySpec,
    now: SystemTime,
    has_secret: &mut dyn FnMut(&Key<key::PublicParts, key::UnspecifiedRole>) -> bool,
) -> Option<Key<key::PublicParts, key::UnspecifiedRole>> {
    signing_candidates(cert, spec, now)
        .into_iter()
        .find(|k| has_secret(k))
}

/// The keys of `cert` gpg would consider signing with for `spec`, in its order of
/// preference: the one key a `!` spec names, else the live, unrevoked, signing-capable
/// keys, subkeys first, newest first, the primary key last (gpg's `finish_lookup`). The
/// first whose secret is available is the one gpg signs with.
pub fn signing_candidates(
    cert: &Cert,
    spec: &KeySpec,
    now: SystemTime,
) -> Vec<Key<key::PublicParts, key::UnspecifiedRole>> {
    let policy = policy();
    let Ok(vc) = cert.with_policy(&policy, now) else {
        return Vec::new();
    };
    if vc.alive().is_err() || matches!(vc.revocation_status(), RevocationStatus::Revoked(_)) {
        return Vec::new();
    }
    if let KeySpec::Hex {
        digits,
        exact: true,
    } = spec
    {
        return vc
            .keys()
            .find(|k| k.key().fingerprint().to_hex().ends_with(digits.as_str()))
            .map(|k| k.key().clone())
            .into_iter()
            .collect();
    }
    let primary_fpr = cert.fingerprint();
    let mut usable: Vec<Key<key::PublicParts, key::UnspecifiedRole>> = vc
        .keys()
        .for_signing()
        .alive()
        .revoked(false)
        .supported()
        .map(|ka| ka.key().clone())
        .collect();
    usable.sort_by_key(|k| {
        (
            k.fingerprint() == primary_fpr,
            std::cmp::Reverse(k.creation_time()),
        )
    });
    usable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_gpg() {
        assert_eq!(
            KeySpec::parse("0xc84c7c266aeaaf6e"),
            KeySpec::Hex {
                digits: "C84C7C266AEAAF6E".into(),
                exact: false
            }
        );
        assert_eq!(
            KeySpec::parse("6AEAAF6E!"),
            KeySpec::Hex {
                digits: "6AEAAF6E".into(),
                exact: true
            }
        );
        assert_eq!(
            KeySpec::parse("<Committer@Example.com>"),
            KeySpec::Mail("committer@example.com".into())
        );
        assert_eq!(
            KeySpec::parse("@example.com"),
            KeySpec::MailSub("example.com".into())
        );
        assert_eq!(
            KeySpec::parse("C O Mitter <committer@example.com>"),
            KeySpec::Substring("c o mitter <committer@example.com>".into())
        );
        // Not 8/16/40 hex digits: a user id substring.
        assert_eq!(
            KeySpec::parse("DEADBEEF1"),
            KeySpec::Substring("deadbeef1".into())
        );
    }
}
