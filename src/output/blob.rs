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
