//! What `gitseal verify-blob` prints: on success, who signed the file, vouched for by whom,
//! logged where and stamped when (stdout); otherwise why not, with a stable reason name
//! (stderr). Identities, issuers and file names are outside text: escaped.

use crate::output::escape::text;
use crate::output::status::date_time;
use crate::sigstore::blob::BlobReport;
use std::io::Write;

pub fn verified(artifact: &str, report: &BlobReport, out: &mut dyn Write, err: &mut dyn Write) {
    match &report.outcome {
        Ok(()) => {
            let who = match &report.certificate {
                Some(c) => format!("[{}]({})", text(&c.identity), text(&c.issuer)),
                None => "the given key".into(),
            };
            let what = if report.dsse {
                "attestation"
            } else {
                "signature"
            };
            let _ = writeln!(out, "Verified OK: {} {what} by {who}", text(artifact));
            if let Some((principal, policy)) = &report.principal {
                let _ = writeln!(out, "  principal: {} of {}", text(principal), text(policy));
            }
            if let Some(log) = &report.log {
                let version = if log.rekor_v2 { "Rekor v2" } else { "Rekor v1" };
                let _ = writeln!(
                    out,
                    "  logged: {version} log {} index {}",
                    &log.log_id[..log.log_id.len().min(16)],
                    log.index
                );
            }
            if let Some(first) = report.times.iter().min() {
                let _ = writeln!(out, "  signed at: {}", date_time(*first));
            }
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "error: {}: verification failed ({}): {}",
                text(artifact),
                e.reason(),
                text(&e.to_string())
            );
        }
    }
}

/// After `gitseal sign-blob`: who signed (stderr, as after signing a commit) and which
/// bundle was written for which file, with its log index (stdout).
pub fn signed(
    signed: &crate::sigstore::sign_blob::Signed,
    targets: &[std::path::PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    let from = if signed.cached {
        " (cached certificate)"
    } else {
        ""
    };
    let _ = writeln!(
        err,
        "gitseal: Signed as [{}]({}){from}",
        text(&signed.certificate.identity),
        text(&signed.certificate.issuer)
    );
    for (bundle, target) in signed.bundles.iter().zip(targets) {
        let _ = writeln!(
            out,
            "{} (tlog index {})",
            text(&target.display().to_string()),
            bundle.log_index
        );
    }
}
