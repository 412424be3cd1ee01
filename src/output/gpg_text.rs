//! gpg's human-readable verification text, which git shows in `--show-signature`,
//! `verify-commit` and `%GG`. The lines carry gpg's own `gpg: ` prefix and wording
//! (GnuPG 2.2 `g10/mainproc.c: check_sig_and_print`, `g10/pkclist.c:
//! check_signatures_trust`), because people and tools read "Good signature from".
//! User ids are the signer's own text: escaped as gpg escapes them (escape::text).

use super::escape;
use crate::openpgp::verify::{Extras, Notation, Outcome, SigReport};
use crate::signature::Trust;
use std::io::Write;

/// Writes the text for one checked signature.
pub fn verification(report: &SigReport, w: &mut dyn Write) -> std::io::Result<()> {
    let w = &mut GpgLog {
        inner: w,
        missing_lf: false,
    };
    writeln!(w, "gpg: Signature made {}", time(report.created))?;
    let using = report.fingerprint.as_deref().unwrap_or(&report.key_id);
    writeln!(
        w,
        "gpg:                using {} key {using}",
        algo_name(report.pk_algo)
    )?;
    if let Some(uid) = &report.signers_uid {
        writeln!(w, "gpg:                issuer \"{}\"", escape::text(uid))?;
    }
    let uid = escape::text(report.uid.as_deref().unwrap_or("[?]"));
    let validity = match (report.key_expired_at, report.validity) {
        (Some(_), _) => "expired",
        (None, Some(level)) => validity_word(level),
        (None, None) => "unknown",
    };
    let what = match report.outcome {
        Outcome::MissingKey => {
            // gpg points at where the key may be found, if the signature says.
            for (url, _) in &report.extras.keyservers {
                writeln!(w, "gpg: Key available at: {}", sanitized(url))?;
            }
            return writeln!(w, "gpg: Can't check signature: No public key");
        }
        Outcome::UnsupportedAlgorithm => {
            return writeln!(w, "gpg: Can't check signature: Unknown algorithm");
        }
        Outcome::WrongKeyUsage => {
            return writeln!(w, "gpg: Can't check signature: Wrong key usage");
        }
        Outcome::TimeConflict => {
            // gpg's words (sig-check.c): days once the difference is a day or more.
            let d = report.key_newer_by;
            let (n, unit) = if d >= 86_400 {
                (d / 86_400, "day")
            } else {
                (d, "second")
            };
            let plural = if n == 1 { "" } else { "s" };
            writeln!(
                w,
                "gpg: public key {} is {n} {unit}{plural} newer than the signature",
                report.key_id
            )?;
            return writeln!(w, "gpg: Can't check signature: Time conflict");
        }
        Outcome::Bad => {
            if report.unknown_critical {
                writeln!(
                    w,
                    "gpg: assuming bad signature from key {} due to an unknown critical bit",
                    report.key_id
                )?;
            }
            "BAD signature"
        }
        Outcome::ExpiredSignature => "Expired signature",
        _ => "Good signature",
    };
    writeln!(w, "gpg: {what} from \"{uid}\" [{validity}]")?;
    if report.outcome == Outcome::Bad {
        return Ok(());
    }
    // The other user ids, and what the signature says besides, only for a signature that
    // verifies (GnuPG `check_sig_and_print`).
    for other in &report.other_uids {
        writeln!(
            w,
            "gpg:                 aka \"{}\" [{validity}]",
            escape::text(other)
        )?;
    }
    extras(&report.extras, w)?;
    trust(report, w)?;
    // Last, the signature's own expiry (an expired signature's "Signature expired").
    if let Some(expires) = report.expires {
        let word = if report.outcome == Outcome::ExpiredSignature {
            "expired"
        } else {
            "expires"
        };
        writeln!(w, "gpg: Signature {word} {}", time(expires))?;
    }
    Ok(())
}

/// What gpg's `check_signatures_trust` says: revocation, expiry, validity.
fn trust(report: &SigReport, w: &mut dyn Write) -> std::io::Result<()> {
    if report.revoked {
        writeln!(w, "gpg: WARNING: This key has been revoked by its owner!")?;
        writeln!(
            w,
            "gpg:          This could mean that the signature is forged."
        )?;
    }
    if report.key_expired_at.is_some() {
        writeln!(w, "gpg: Note: This key has expired!")?;
        return fingerprints(report, w);
    }
    match report.validity {
        Some(Trust::Undefined) | None => {
            writeln!(
                w,
                "gpg: WARNING: This key is not certified with a trusted signature!"
            )?;
            writeln!(
                w,
                "gpg:          There is no indication that the signature belongs to the owner."
            )?;
            fingerprints(report, w)
        }
        Some(Trust::Marginal) => {
            writeln!(
                w,
                "gpg: WARNING: This key is not certified with sufficiently trusted signatures!"
            )?;
            writeln!(
                w,
                "gpg:          It is not certain that the signature belongs to the owner."
            )?;
            fingerprints(report, w)
        }
        Some(Trust::Never) => {
            writeln!(w, "gpg: WARNING: We do NOT trust this key!")?;
            writeln!(w, "gpg:          The signature is probably a FORGERY.")
        }
        Some(Trust::Fully | Trust::Ultimate) => Ok(()),
    }
}

/// Policy URLs, preferred keyservers and the standard notations (names without `@`; user
/// notations only reach the status lines), as gpg's default `--verify-options` show them
/// (GnuPG `g10/keylist.c`). Outside text: control characters escaped as gpg escapes them.
fn extras(extras: &Extras, w: &mut GpgLog<'_>) -> std::io::Result<()> {
    for (url, critical) in &extras.policy_urls {
        let what = if *critical {
            "Critical signature policy"
        } else {
            "Signature policy"
        };
        writeln!(w, "gpg: {what}: {}", sanitized(url))?;
        // gpg ends this line outside its logger, which then starts its next line with a
        // newline of its own: a blank line, kept.
        w.missing_lf = true;
    }
    for (url, critical) in &extras.keyservers {
        let what = if *critical {
            "Critical preferred keyserver"
        } else {
            "Preferred keyserver"
        };
        writeln!(w, "gpg: {what}: {}", sanitized(url))?;
        w.missing_lf = true;
    }
    for notation in extras.notations.iter().filter(|n| !n.name.contains('@')) {
        let what = if notation.critical {
            "Critical signature notation"
        } else {
            "Signature notation"
        };
        let name = notation.name.split('\0').next().unwrap_or_default();
        let value = notation_text(notation);
        writeln!(
            w,
            "gpg: {what}: {}={}",
            sanitized(name.as_bytes()),
            sanitized(&value)
        )?;
    }
    Ok(())
}

/// The value gpg shows for a notation: the text up to any NUL, or for binary data a
/// description of it (GnuPG `notation_value_to_human_readable_string`).
fn notation_text(notation: &Notation) -> Vec<u8> {
    if notation.human_readable {
        let end = notation
            .value
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(notation.value.len());
        return notation.value[..end].to_vec();
    }
    let preview: String = notation
        .value
        .iter()
        .take(19)
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '?'
            }
        })
        .collect();
    let more = if notation.value.len() > 19 { "..." } else { "" };
    format!(
        "[ not human readable ({} bytes: {preview}{more}) ]",
        notation.value.len()
    )
    .into_bytes()
}

/// `NOTATION_DATA`'s value: binary data as it is, unless empty; otherwise the text gpg
/// shows.
pub fn notation_value(notation: &Notation) -> Vec<u8> {
    if !notation.human_readable && !notation.value.is_empty() {
        notation.value.clone()
    } else {
        notation_text(notation)
    }
}

/// Outside text as gpg's log writes it (`es_write_sanitized`): control characters and
/// DEL as `\n`, `\r`, `\f`, `\v`, `\b`, `\0` or `\xNN`.
fn sanitized(text: &[u8]) -> String {
    // gpg's rule for C0 controls and DEL is escape::text's; it also shows C1 and bidi
    // controls, which gpg passes through to the terminal.
    escape::text(&String::from_utf8_lossy(text)).to_string()
}

/// gpg's log stream: after a line gpg ended outside its logger, the logger's next line
/// starts with a newline of its own (GnuPG `common/logging.c`, `missing_lf`). Lines
/// written straight to the stream (the fingerprints) do not.
struct GpgLog<'a> {
    inner: &'a mut dyn Write,
    missing_lf: bool,
}

impl Write for GpgLog<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.missing_lf && buf.starts_with(b"gpg:") {
            self.missing_lf = false;
            self.inner.write_all(b"\n")?;
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn fingerprints(report: &SigReport, w: &mut dyn Write) -> std::io::Result<()> {
    if let Some(primary) = &report.primary_fingerprint {
        writeln!(w, "Primary key fingerprint: {}", spaced(primary))?;
    }
    if report.by_subkey
        && let Some(sub) = &report.fingerprint
    {
        writeln!(w, "     Subkey fingerprint: {}", spaced(sub))?;
    }
    Ok(())
}

/// gpg's fingerprint grouping: blocks of four, an extra space in the middle.
fn spaced(fpr: &str) -> String {
    let mut out = String::new();
    for (i, chunk) in fpr.as_bytes().chunks(4).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == 5 {
            out.push(' ');
        }
        out.push_str(&String::from_utf8_lossy(chunk));
    }
    out
}

fn validity_word(level: Trust) -> &'static str {
    match level {
        Trust::Undefined => "unknown",
        Trust::Never => "never",
        Trust::Marginal => "marginal",
        Trust::Fully => "full",
        Trust::Ultimate => "ultimate",
    }
}

/// gpg's names for public-key algorithms in "using ... key".
fn algo_name(algo: u8) -> String {
    match algo {
        1..=3 => "RSA".into(),
        17 => "DSA".into(),
        19 => "ECDSA".into(),
        22 => "EDDSA".into(),
        other => format!("algorithm {other}"),
    }
}

/// `Tue Nov 24 22:11:36 2026 UTC`: gpg's `asctimestamp` in the C locale, in UTC.
fn time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%a %b %e %H:%M:%S %Y UTC").to_string())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_and_times_look_like_gpgs() {
        assert_eq!(
            spaced("E79ADACB7E3710673857A933B62DFB8CEF57DB05"),
            "E79A DACB 7E37 1067 3857  A933 B62D FB8C EF57 DB05"
        );
        assert_eq!(time(1795558296), "Tue Nov 24 22:11:36 2026 UTC");
        assert_eq!(time(0), "Thu Jan  1 00:00:00 1970 UTC");
    }
}
