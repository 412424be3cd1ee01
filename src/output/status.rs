//! gpg's machine-readable `[GNUPG:]` status lines (GnuPG `doc/DETAILS`, "Format of the
//! status codes"), typed: one enum, one renderer, the field layouts of GnuPG 2.2.
//!
//! git reads these from `--status-fd` (reference/git-contract.md section 3.3): GOODSIG,
//! BADSIG, ERRSIG, EXPSIG, EXPKEYSIG, REVKEYSIG, VALIDSIG and TRUST_*; when signing it
//! looks for SIG_CREATED. The others are written because gpg writes them and scripts
//! parse them too.

use crate::signature::Trust;
use std::fmt;

/// One status line, without the `[GNUPG:] ` prefix and the newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusLine {
    /// `NEWSIG [<signer's uid>]`: a signature is about to be checked.
    NewSig { signers_uid: Option<String> },
    /// `KEY_CONSIDERED <fpr> <flags>`: bit 1 (2) = the primary key itself is used.
    KeyConsidered { fingerprint: String, flags: u8 },
    /// `BEGIN_SIGNING H<hash-algo>`.
    BeginSigning { hash_algo: u8 },
    /// `SIG_CREATED D <pk-algo> <hash-algo> <class> <timestamp> <fpr>`.
    SigCreated {
        pk_algo: u8,
        hash_algo: u8,
        class: u8,
        timestamp: i64,
        fingerprint: String,
    },
    /// `GOODSIG <long keyid> <uid>`.
    GoodSig { key_id: String, uid: String },
    /// `BADSIG <long keyid> <uid>`.
    BadSig { key_id: String, uid: String },
    /// `EXPSIG <long keyid> <uid>`: good, but the signature has expired.
    ExpSig { key_id: String, uid: String },
    /// `EXPKEYSIG <long keyid> <uid>`: good, made by an expired key.
    ExpKeySig { key_id: String, uid: String },
    /// `REVKEYSIG <long keyid> <uid>`: good, made by a revoked key.
    RevKeySig { key_id: String, uid: String },
    /// `ERRSIG <keyid> <pk-algo> <hash-algo> <class> <timestamp> <rc> <fpr>`: cannot check.
    /// rc 9 = no public key, 4 = unknown algorithm.
    ErrSig {
        key_id: String,
        pk_algo: u8,
        hash_algo: u8,
        class: u8,
        timestamp: i64,
        rc: u8,
        fingerprint: Option<String>,
    },
    /// `NO_PUBKEY <long keyid>`.
    NoPubkey { key_id: String },
    /// `VALIDSIG <fpr> <date> <timestamp> <expire> <version> 0 <pk-algo> <hash-algo> <class> <primary fpr>`.
    ValidSig {
        fingerprint: String,
        timestamp: i64,
        expires: Option<i64>,
        version: u8,
        pk_algo: u8,
        hash_algo: u8,
        class: u8,
        primary_fingerprint: String,
    },
    /// `KEYEXPIRED <expiration timestamp>`.
    KeyExpired { expired_at: i64 },
    /// `KEYREVOKED`.
    KeyRevoked,
    /// `TRUST_<LEVEL> 0 pgp`.
    Trust(Trust),
    /// `TRUST_<LEVEL> 0 shell`: gpgsm's (and gitsign's) form, for x509 signatures.
    TrustX509(Trust),
    /// `INV_SGNR <reason> <key spec>`: reason 9 = no secret key, 0 = not found.
    InvSgnr { reason: u8, key: String },
    /// `NODATA <what>`: 1 = no armored data, 2 = expected a packet, 3 = invalid packet, 4 = bad signature packet.
    NoData { what: u8 },
    /// `FAILURE <location> <code>`.
    Failure { location: &'static str, code: u32 },
    /// `POLICY_URL <url>`: a signature policy in the hashed area of a good signature.
    PolicyUrl { url: Vec<u8> },
    /// `SIG_SUBPACKET <type> <flags> <len> <data>`: gpg writes it for a preferred keyserver
    /// (type 24; flags: 1 hashed, 2 critical), and not for data over 256 octets.
    SigSubpacket {
        tag: u8,
        critical: bool,
        data: Vec<u8>,
    },
    /// `NOTATION_NAME <name>`.
    NotationName { name: String },
    /// `NOTATION_FLAGS <critical> <human readable>`, written when either is set.
    NotationFlags {
        critical: bool,
        human_readable: bool,
    },
    /// `NOTATION_DATA <data>`: a human-readable value in lines of 50 octets, binary data in
    /// lines of 250, each a `NOTATION_DATA` line of its own.
    NotationData { data: Vec<u8>, binary: bool },
}

impl StatusLine {
    /// The whole line as written to the status fd, newline included (outside data that
    /// is not UTF-8 shown lossily: [`Self::bytes`] is what is written).
    pub fn line(&self) -> String {
        format!("[GNUPG:] {self}\n")
    }

    /// The octets written to the status fd: outside data goes out as gpg writes it, octet
    /// for octet, whether or not it is UTF-8.
    pub fn bytes(&self) -> Vec<u8> {
        let body = match self {
            StatusLine::PolicyUrl { url } => buffer("POLICY_URL", "", url, 0),
            StatusLine::SigSubpacket {
                tag,
                critical,
                data,
            } => {
                let flags = if *critical { 3 } else { 1 };
                buffer(
                    "SIG_SUBPACKET",
                    &format!("{tag} {flags} {} ", data.len()),
                    data,
                    0,
                )
            }
            StatusLine::NotationName { name } => buffer("NOTATION_NAME", "", name.as_bytes(), 0),
            StatusLine::NotationData { data, binary } => {
                buffer("NOTATION_DATA", "", data, if *binary { 250 } else { 50 })
            }
            _ => return self.line().into_bytes(),
        };
        [b"[GNUPG:] ".as_slice(), &body, b"\n"].concat()
    }
}

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusLine::NewSig { signers_uid: None } => write!(f, "NEWSIG"),
            StatusLine::NewSig {
                signers_uid: Some(uid),
            } => write!(f, "NEWSIG {}", escape(uid)),
            StatusLine::KeyConsidered { fingerprint, flags } => {
                write!(f, "KEY_CONSIDERED {fingerprint} {flags}")
            }
            StatusLine::BeginSigning { hash_algo } => write!(f, "BEGIN_SIGNING H{hash_algo}"),
            StatusLine::SigCreated {
                pk_algo,
                hash_algo,
                class,
                timestamp,
                fingerprint,
            } => write!(
                f,
                "SIG_CREATED D {pk_algo} {hash_algo} {class:02x} {timestamp} {fingerprint}"
            ),
            StatusLine::GoodSig { key_id, uid } => write!(f, "GOODSIG {key_id} {}", escape(uid)),
            StatusLine::BadSig { key_id, uid } => write!(f, "BADSIG {key_id} {}", escape(uid)),
            StatusLine::ExpSig { key_id, uid } => write!(f, "EXPSIG {key_id} {}", escape(uid)),
            StatusLine::ExpKeySig { key_id, uid } => {
                write!(f, "EXPKEYSIG {key_id} {}", escape(uid))
            }
            StatusLine::RevKeySig { key_id, uid } => {
                write!(f, "REVKEYSIG {key_id} {}", escape(uid))
            }
            StatusLine::ErrSig {
                key_id,
                pk_algo,
                hash_algo,
                class,
                timestamp,
                rc,
                fingerprint,
            } => write!(
                f,
                "ERRSIG {key_id} {pk_algo} {hash_algo} {class:02x} {timestamp} {rc} {}",
                fingerprint.as_deref().unwrap_or("-")
            ),
            StatusLine::NoPubkey { key_id } => write!(f, "NO_PUBKEY {key_id}"),
            StatusLine::ValidSig {
                fingerprint,
                timestamp,
                expires,
                version,
                pk_algo,
                hash_algo,
                class,
                primary_fingerprint,
            } => write!(
                f,
                "VALIDSIG {fingerprint} {} {timestamp} {} {version} 0 {pk_algo} {hash_algo} {class:02x} {primary_fingerprint}",
                date(*timestamp),
                expires.unwrap_or(0)
            ),
            StatusLine::KeyExpired { expired_at } => write!(f, "KEYEXPIRED {expired_at}"),
            StatusLine::KeyRevoked => write!(f, "KEYREVOKED"),
            StatusLine::Trust(level) => write!(f, "TRUST_{} 0 pgp", trust_word(*level)),
            StatusLine::TrustX509(level) => write!(f, "TRUST_{} 0 shell", trust_word(*level)),
            StatusLine::InvSgnr { reason, key } => write!(f, "INV_SGNR {reason} {}", escape(key)),
            StatusLine::NoData { what } => write!(f, "NODATA {what}"),
            StatusLine::Failure { location, code } => write!(f, "FAILURE {location} {code}"),
            StatusLine::PolicyUrl { .. }
            | StatusLine::SigSubpacket { .. }
            | StatusLine::NotationName { .. }
            | StatusLine::NotationData { .. } => {
                let bytes = self.bytes();
                let body = &bytes[b"[GNUPG:] ".len()..bytes.len() - 1];
                f.write_str(&String::from_utf8_lossy(body))
            }
            StatusLine::NotationFlags {
                critical,
                human_readable,
            } => write!(
                f,
                "NOTATION_FLAGS {} {}",
                u8::from(*critical),
                u8::from(*human_readable)
            ),
        }
    }
}

/// A status line carrying outside data as gpg writes it (GnuPG `g10/cpr.c:
/// write_status_text_and_buffer`): `%XX` for `%`, DEL and every octet up to and including
/// space; with `wrap`, a new line of the same keyword after every `wrap` octets of data.
/// The keyword of the first line is left to the caller's `[GNUPG:] ` prefix.
fn buffer(keyword: &str, prefix: &str, data: &[u8], wrap: usize) -> Vec<u8> {
    let new_line = format!("\n[GNUPG:] {keyword} ");
    let mut out = format!("{keyword} {prefix}").into_bytes();
    let mut count = 0;
    let mut rest = data;
    while let Some((&byte, tail)) = rest.split_first() {
        count += 1;
        let escaped = byte == b'%' || byte <= b' ' || byte == 0x7f;
        if wrap > 0 && count > wrap && !escaped {
            // gpg starts a new line before an octet that would pass the width...
            out.extend_from_slice(new_line.as_bytes());
            count = 0;
            continue;
        }
        if escaped {
            out.extend_from_slice(format!("%{byte:02X}").as_bytes());
        } else {
            out.push(byte);
        }
        rest = tail;
        // ...but writes an escaped octet first and then breaks the line.
        if wrap > 0 && count > wrap && !rest.is_empty() {
            out.extend_from_slice(new_line.as_bytes());
            count = 0;
        }
    }
    out
}

/// gpg's word for a trust level in `TRUST_*` lines.
pub fn trust_word(level: Trust) -> &'static str {
    match level {
        Trust::Undefined => "UNDEFINED",
        Trust::Never => "NEVER",
        Trust::Marginal => "MARGINAL",
        Trust::Fully => "FULLY",
        Trust::Ultimate => "ULTIMATE",
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time, as VALIDSIG's second field.
pub fn date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".into())
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time, for people.
pub fn date_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{unix} (Unix time)"))
}

/// Status lines are line-based: a free-text field (a user id, a key spec) is escaped by
/// gpg's `%XX` rule so that it cannot forge a second line (escape::status).
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    super::escape::status(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FPR: &str = "DA7403D6A7E832055135631DC84C7C266AEAAF6E";

    // The expected strings are gpg 2.2.40's own output for the same values.
    #[test]
    fn lines_have_gpgs_field_layout() {
        assert_eq!(
            StatusLine::SigCreated {
                pk_algo: 22,
                hash_algo: 8,
                class: 0,
                timestamp: 1795558296,
                fingerprint: FPR.into()
            }
            .line(),
            format!("[GNUPG:] SIG_CREATED D 22 8 00 1795558296 {FPR}\n")
        );
        assert_eq!(
            StatusLine::ValidSig {
                fingerprint: FPR.into(),
                timestamp: 1795558296,
                expires: None,
                version: 4,
                pk_algo: 22,
                hash_algo: 8,
                class: 0,
                primary_fingerprint: FPR.into(),
            }
            .to_string(),
            format!("VALIDSIG {FPR} 2026-11-24 1795558296 0 4 0 22 8 00 {FPR}")
        );
        assert_eq!(
            StatusLine::ErrSig {
                key_id: "1CF1653EC7B0C6CA".into(),
                pk_algo: 22,
                hash_algo: 8,
                class: 0,
                timestamp: 1795558314,
                rc: 9,
                fingerprint: Some("C2E6502014E7027A88DCB1771CF1653EC7B0C6CA".into()),
            }
            .to_string(),
            "ERRSIG 1CF1653EC7B0C6CA 22 8 00 1795558314 9 C2E6502014E7027A88DCB1771CF1653EC7B0C6CA"
        );
        assert_eq!(
            StatusLine::Trust(Trust::Ultimate).to_string(),
            "TRUST_ULTIMATE 0 pgp"
        );
        assert_eq!(
            StatusLine::BeginSigning { hash_algo: 8 }.to_string(),
            "BEGIN_SIGNING H8"
        );
        assert_eq!(
            StatusLine::KeyConsidered {
                fingerprint: FPR.into(),
                flags: 2
            }
            .to_string(),
            format!("KEY_CONSIDERED {FPR} 2")
        );
        assert_eq!(
            StatusLine::NewSig { signers_uid: None }.to_string(),
            "NEWSIG"
        );
    }

    #[test]
    fn outside_data_is_escaped_and_wrapped_as_gpg_writes_it() {
        let data = |data: &[u8], binary| StatusLine::NotationData {
            data: data.to_vec(),
            binary,
        };
        assert_eq!(
            data(b"hello world", false).bytes(),
            b"[GNUPG:] NOTATION_DATA hello%20world\n"
        );
        // 50 octets a line; the 51st starts the next.
        let long = [b'a'; 60];
        let expected = format!(
            "[GNUPG:] NOTATION_DATA {}\n[GNUPG:] NOTATION_DATA {}\n",
            "a".repeat(50),
            "a".repeat(10)
        );
        assert_eq!(data(&long, false).bytes(), expected.as_bytes());
        // An escaped 51st octet still ends the first line.
        let mut edge = vec![b'a'; 50];
        edge.extend_from_slice(b" b");
        let expected = format!(
            "[GNUPG:] NOTATION_DATA {}%20\n[GNUPG:] NOTATION_DATA b\n",
            "a".repeat(50)
        );
        assert_eq!(data(&edge, false).bytes(), expected.as_bytes());
        // Binary data goes out octet for octet, in lines of 250.
        assert_eq!(
            data(&[0xff, 0x00, b'%'], true).bytes(),
            b"[GNUPG:] NOTATION_DATA \xff%00%25\n"
        );
        assert_eq!(
            StatusLine::SigSubpacket {
                tag: 24,
                critical: false,
                data: b"hkps://ks.example".to_vec()
            }
            .bytes(),
            b"[GNUPG:] SIG_SUBPACKET 24 1 17 hkps://ks.example\n"
        );
        // A line break in outside data cannot start a status line of its own.
        assert_eq!(
            StatusLine::PolicyUrl {
                url: b"x\n[GNUPG:] GOODSIG".to_vec()
            }
            .bytes(),
            b"[GNUPG:] POLICY_URL x%0A[GNUPG:]%20GOODSIG\n"
        );
    }

    #[test]
    fn free_text_cannot_start_a_new_line() {
        let line = StatusLine::GoodSig {
            key_id: "C84C7C266AEAAF6E".into(),
            uid: "Mallory\n[GNUPG:] GOODSIG 100%".into(),
        }
        .line();
        assert_eq!(
            line,
            "[GNUPG:] GOODSIG C84C7C266AEAAF6E Mallory%0A[GNUPG:] GOODSIG 100%25\n"
        );
        let line = StatusLine::NewSig {
            signers_uid: Some("a\r\x1b]0;t\x07\x7f\u{9b}".into()),
        }
        .line();
        assert_eq!(line, "[GNUPG:] NEWSIG a%0D%1B]0;t%07%7F%C2%9B\n");
        assert_eq!(
            StatusLine::InvSgnr {
                reason: 0,
                key: "x\ny".into()
            }
            .to_string(),
            "INV_SGNR 0 x%0Ay"
        );
    }
}
