//! The Sigstore room behind the backend-neutral [`Verifier`] trait: a [`Report`] turned
//! into a [`Verdict`] that policies match as `<issuer> <identity>`.

use crate::signature::{Failure, Format, SignatureTime, TimeSource, Trust, Verdict, Verifier};

use super::online;
use super::trust::TrustRoot;
use super::verify::{Object, Report, verify};

pub struct SigstoreVerifier<'a> {
    pub trust: &'a TrustRoot,
    pub online: &'a online::Settings,
}

impl SigstoreVerifier<'_> {
    /// Checks the signature of an object whose id is known (online-mode history is found
    /// in the log by that id).
    pub fn verify_object(&self, object: &Object<'_>, signature: &[u8]) -> (Verdict, Report) {
        let report = verify(object, signature, self.trust, self.online);
        (verdict(&report), report)
    }
}

impl Verifier for SigstoreVerifier<'_> {
    fn format(&self) -> Format {
        Format::X509
    }

    /// `at` is not used: a Sigstore signature is judged at the time its log entry (or
    /// timestamp authority) proves, never at a time the committer claims.
    fn verify(&self, payload: &[u8], signature: &[u8], _at: i64) -> Verdict {
        let object = Object { payload, id: None };
        self.verify_object(&object, signature).0
    }
}

/// The verdict a report amounts to.
pub fn verdict(report: &Report) -> Verdict {
    let key = report
        .certificate
        .as_ref()
        .map(|c| format!("{} {}", c.issuer, c.identity));
    // A verified RFC 3161 time is what the signer asked to be judged by (DESIGN.md section
    // 6, `time_source: tsa`); the log's time otherwise.
    let time = match (report.timestamp, &report.log) {
        (Some(unix), _) => Some(SignatureTime {
            unix,
            source: TimeSource::Tsa,
        }),
        (None, Some(log)) => Some(SignatureTime {
            unix: log.integrated_time,
            source: TimeSource::Tlog,
        }),
        (None, None) => None,
    };
    Verdict {
        format: Format::X509,
        key,
        signer: report.certificate.as_ref().map(|c| c.identity.clone()),
        time,
        outcome: match &report.outcome {
            Ok(()) => Ok(Trust::Fully),
            Err(e) => Err(Failure {
                kind: e.kind(),
                detail: e.to_string(),
            }),
        },
        ssh_certificate: None,
    }
}
