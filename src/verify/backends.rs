//! Picks the room for a signature by its own bytes (the armor header), never by name.
//! The only place the verifier names concrete backends.

use crate::signature::{
    Failure, FailureKind, Format, SignatureTime, TimeSource, Verdict, Verifier,
};

/// Certificates a room needs besides the signature: for OpenPGP, those in the parents'
/// `.gitseal/keys/*.asc` (the policy names fingerprints; the keys directory holds them).
pub struct Certificates<'a> {
    pub openpgp: Option<&'a crate::openpgp::keyring::Keyring>,
}

/// Whether a verdict is fixed by the commit id (and so may be cached by it). SSH verdicts
/// depend on the signature and payload only; OpenPGP verdicts also on the certificates in
/// the parents' `.gitseal/keys`, which the id fixes too (the parents are part of the
/// commit). A Sigstore signature without a log proof may find one when the log can be
/// reached, so that verdict is not kept.
pub fn cacheable(verdict: &Verdict) -> bool {
    match verdict.format {
        Format::X509 => !matches!(&verdict.outcome, Err(f) if f.kind == FailureKind::Unlogged),
        Format::OpenPgp | Format::Ssh => true,
    }
}

/// What the Sigstore room needs to verify: the trusted root, the log settings, and the
/// note to show when the root could not be refreshed.
type SigstoreContext = (
    crate::sigstore::trust::TrustRoot,
    crate::sigstore::online::Settings,
    Option<String>,
);

static SIGSTORE: std::sync::OnceLock<Result<SigstoreContext, String>> = std::sync::OnceLock::new();

/// The Sigstore trusted root and log settings, loaded once per process when the first
/// x509 signature is met (from the repository's git config, like every other setting).
fn sigstore() -> Result<&'static SigstoreContext, &'static str> {
    SIGSTORE
        .get_or_init(|| {
            let config = crate::config::Settings::load()
                .sigstore()
                .map_err(|e| e.message)?;
            let (root, note) =
                crate::sigstore::trust::load(&config.trust).map_err(|e| e.to_string())?;
            Ok((root, config.online, note))
        })
        .as_ref()
        .map_err(String::as_str)
}

/// The note for people when the Sigstore trusted root was needed and could not be
/// refreshed (a TUF failure is no verification failure); the mode prints it.
pub fn sigstore_note() -> Option<&'static str> {
    SIGSTORE.get()?.as_ref().ok()?.2.as_deref()
}

/// Checks a git object's signature with the room its armor names. The object's id (hex),
/// when known, finds gitsign's online-mode signatures in the log.
pub fn verify(
    payload: &[u8],
    signature: &[u8],
    committer_time: i64,
    object_id: Option<&str>,
    certs: &Certificates<'_>,
) -> Verdict {
    let Some(format) = Format::from_armor(signature) else {
        return unsupported(
            Format::OpenPgp,
            "signature has no known armor header",
            FailureKind::Malformed,
            committer_time,
        );
    };
    match format {
        Format::Ssh => crate::ssh::verifier::SshVerifier.verify(payload, signature, committer_time),
        Format::OpenPgp => openpgp(payload, signature, committer_time, certs.openpgp),
        Format::X509 => match sigstore() {
            Ok((trust, online, _)) => {
                let verifier = crate::sigstore::verifier::SigstoreVerifier { trust, online };
                let object = crate::sigstore::verify::Object {
                    payload,
                    id: object_id,
                };
                verifier.verify_object(&object, signature).0
            }
            Err(problem) => unsupported(
                Format::X509,
                &format!("cannot check Sigstore signatures: {problem}"),
                FailureKind::Untrusted,
                committer_time,
            ),
        },
    }
}

/// OpenPGP against the given certificates; the key is the certificate's primary
/// fingerprint, which is what policies name.
///
/// The verdict's time is the committer (tagger) time `at`, as for SSH, and the policy
/// judges there: that is the time `git log` shows, and the signature's own creation time
/// is the signer's claim as much as the committer time is. The key itself (expiry,
/// revocation signatures in its certificate) is judged at the later of the two, so a
/// signature claiming either time must have been made by a key valid then; back-dating
/// only the signature gains nothing (docs/threat-model.md, "Time is a claim").
fn openpgp(
    payload: &[u8],
    signature: &[u8],
    at: i64,
    keyring: Option<&crate::openpgp::keyring::Keyring>,
) -> Verdict {
    use crate::openpgp::verify::{Context, Outcome, verify_detached};
    let empty = crate::openpgp::keyring::Keyring::new();
    let trustdb = crate::openpgp::trustdb::TrustDb::default();
    let context = Context {
        keyring: keyring.unwrap_or(&empty),
        trustdb: &trustdb,
        now: crate::openpgp::at(at),
        or_later_signature: true,
    };
    let reports = match verify_detached(signature, payload, &context) {
        Ok(reports) => reports,
        Err(e) => {
            return unsupported(
                Format::OpenPgp,
                &format!("OpenPGP signature: {e}"),
                FailureKind::Malformed,
                at,
            );
        }
    };
    let [report] = reports.as_slice() else {
        return unsupported(
            Format::OpenPgp,
            "more than one OpenPGP signature on one object",
            FailureKind::Malformed,
            at,
        );
    };
    let time = SignatureTime {
        unix: at,
        source: TimeSource::Committer,
    };
    let mut verdict = crate::openpgp::verify::verdict(report, time);
    verdict.key = report
        .primary_fingerprint
        .clone()
        .or_else(|| report.fingerprint.clone())
        .or(verdict.key);
    if report.outcome == Outcome::MissingKey {
        verdict.outcome = Err(Failure {
            kind: FailureKind::UnknownSigner,
            detail: format!(
                "no certificate for OpenPGP key {} in .gitseal/keys",
                report.key_id
            ),
        });
    }
    if verdict.outcome.is_ok() {
        verdict.outcome = Ok(crate::signature::Trust::Undefined);
    }
    verdict
}

/// The verdict for an object with no signature.
pub fn unsigned(committer_time: i64) -> Verdict {
    Verdict {
        format: Format::Ssh,
        key: None,
        signer: None,
        time: Some(SignatureTime {
            unix: committer_time,
            source: TimeSource::Committer,
        }),
        outcome: Err(Failure {
            kind: FailureKind::Unsigned,
            detail: "unsigned".into(),
        }),
    }
}

/// The verdict for an object whose signature could not even be taken out.
pub fn malformed(committer_time: i64, detail: &str) -> Verdict {
    unsupported(Format::Ssh, detail, FailureKind::Malformed, committer_time)
}

fn unsupported(format: Format, detail: &str, kind: FailureKind, at: i64) -> Verdict {
    Verdict {
        format,
        key: None,
        signer: None,
        time: Some(SignatureTime {
            unix: at,
            source: TimeSource::Committer,
        }),
        outcome: Err(Failure {
            kind,
            detail: detail.to_string(),
        }),
    }
}
