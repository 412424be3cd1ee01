//! What a person reads after a Sigstore verification (stderr in the gpg dialect, shown by
//! `git verify-commit` and `git log --show-signature`): who, vouched for by whom, logged
//! where and when, in words; or why not. A certificate's identity, issuer and CA name
//! are whatever its maker wrote, and errors quote them: all escaped (escape::text).

use crate::output::escape::text;
use crate::output::status::date_time;
use crate::sigstore::verify::Report;
use std::io::Write;

pub fn verification(report: &Report, w: &mut dyn Write) {
    let _ = write_report(report, w);
}

/// After signing: who the certificate names and where the log put the entry.
pub fn signed(made: &crate::sigstore::sign::Made, w: &mut dyn Write) {
    let from = if made.cached {
        " (cached certificate)"
    } else {
        ""
    };
    let _ = writeln!(
        w,
        "gitseal: Signed as [{}]({}){from}",
        text(&made.certificate.identity),
        text(&made.certificate.issuer)
    );
    if let Some(index) = made.log_index {
        let _ = writeln!(w, "gitseal: tlog entry created with index: {index}");
    }
}

/// `gitseal login`: whose certificate Fulcio issued, and where it is kept until when.
pub fn logged_in(
    certificate: &crate::sigstore::certificate::CertificateFacts,
    kept: &str,
    w: &mut dyn Write,
) {
    let _ = writeln!(
        w,
        "Certificate for [{}]({}) {} until {}",
        text(&certificate.identity),
        text(&certificate.issuer),
        text(kept),
        date_time(certificate.not_after)
    );
}

/// A note of gitseal's own, line by line: its lines are gitseal's (the login's link on a
/// line of its own, for people to copy), each escaped, since they quote outside text.
pub fn note(note: &str, w: &mut dyn Write) {
    for (n, line) in note.split('\n').enumerate() {
        let _ = match n {
            0 => writeln!(w, "gitseal: note: {}", text(line)),
            _ => writeln!(w, "{}", text(line)),
        };
    }
}

/// What the repository's policy said of a good signature (`git verify-commit` in a
/// repository with a policy and an anchor).
pub fn policy(view: &crate::mode::gpg_x509_policy::PolicyView, w: &mut dyn Write) {
    let Some(commit) = &view.policy_commit else {
        let _ = writeln!(
            w,
            "gitseal: No policy applied, so this signer is not known to be allowed: {}",
            text(&view.reasons.join("; "))
        );
        return;
    };
    let short = &commit[..commit.len().min(12)];
    let _ = match &view.principal {
        Some(principal) => writeln!(
            w,
            "gitseal: The policy at {short} allows this signer as principal {}",
            text(principal)
        ),
        None => writeln!(
            w,
            "gitseal: The policy at {short} does not allow this signer: {}",
            text(&view.reasons.join("; "))
        ),
    };
}

fn write_report(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    if let Some(cert) = &report.certificate {
        writeln!(
            w,
            "gitseal: Signature made using certificate ID 0x{} | {}",
            cert.fingerprint,
            text(&cert.ca)
        )?;
    }
    match (&report.outcome, &report.certificate) {
        (Ok(()), Some(cert)) => {
            writeln!(
                w,
                "gitseal: Good signature from [{}]({})",
                text(&cert.identity),
                text(&cert.issuer)
            )?;
        }
        (Err(e), Some(cert)) if e.is_bad_signature() => {
            writeln!(
                w,
                "gitseal: BAD signature from [{}]({}): {}",
                text(&cert.identity),
                text(&cert.issuer),
                text(&e.to_string())
            )?;
        }
        (Err(e), Some(cert)) => {
            writeln!(
                w,
                "gitseal: Can't verify signature from [{}]({}): {}",
                text(&cert.identity),
                text(&cert.issuer),
                text(&e.to_string())
            )?;
        }
        (Err(e), None) => writeln!(
            w,
            "gitseal: Can't check signature: {}",
            text(&e.to_string())
        )?,
        (Ok(()), None) => {}
    }
    if let Some(log) = &report.log {
        writeln!(
            w,
            "gitseal: Logged in the transparency log at {}, entry {}",
            date_time(log.integrated_time),
            log.index
        )?;
    }
    if let Some(at) = report.timestamp {
        writeln!(
            w,
            "gitseal: Timestamped by a timestamp authority at {}",
            date_time(at)
        )?;
    }
    Ok(())
}
