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

/// Whether a verdict may be cached: only when it is a pure function of the bytes its cache
/// line is keyed by (`cache::digest`: payload, signature, and for OpenPGP the ids of the
/// `.gitseal/keys` trees used), so that a line, however it came to be written (a rejected
/// push included), says nothing a fresh check of the same bytes would not. Decided per
/// format and per failure kind:
/// - SSH: good, bad signature, malformed, wrong namespace. The room reads only the payload
///   and the signature (the time is the committer's, inside the payload) and names no
///   signer trust: the policy does that every run.
/// - OpenPGP: good and every failure the room makes from the certificates it is given
///   (bad signature, malformed, unknown signer, not yet valid, expired, revoked): the
///   certificates are the blobs of the keys trees in the digest, the time is the
///   signature's own, and no outside trust database is read.
/// - Sigstore: good only, judged at a log or timestamp time. A good verdict rests on
///   proofs that are offline and fixed by the bytes (the certificate chain, the SET or
///   inclusion proof, the TSA token). A failure is not: a log out of reach (unlogged), a
///   trusted root refreshed since (untrusted), an online lookup that may succeed later; and
///   failing signatures are the ones whose certificate text an attacker chose, which the
///   cache has no reason to hold (issue 12, V1). Failures are cheap to find again.
/// - SSH signatures made through a certificate: not cached (the line format has no place
///   for the certificate's facts, and a line without them would read back as a plain key's
///   signature, which a plain `ssh` credential would then accept). Parsing the certificate
///   and checking its CA signature again is cheap.
/// - Anything without a time, and every other kind (unsigned, unlogged...): not cached.
pub fn cacheable(verdict: &Verdict) -> bool {
    use FailureKind as K;
    let Some(time) = verdict.time else {
        return false;
    };
    if verdict.ssh_certificate.is_some() {
        return false;
    }
    let committer = time.source == TimeSource::Committer;
    match (verdict.format, &verdict.outcome) {
        (Format::Ssh | Format::OpenPgp, Ok(_)) => committer && verdict.key.is_some(),
        (Format::Ssh, Err(f)) => {
            committer && matches!(f.kind, K::BadSignature | K::Malformed | K::WrongNamespace)
        }
        (Format::OpenPgp, Err(f)) => {
            committer
                && matches!(
                    f.kind,
                    K::BadSignature
                        | K::Malformed
                        | K::UnknownSigner
                        | K::NotYetValid
                        | K::Expired
                        | K::Revoked
                )
        }
        (Format::X509, Ok(_)) => !committer && verdict.key.is_some(),
        (Format::X509, Err(_)) => false,
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

/// SHA-256 of the Sigstore trusted root this process checks with (its serialization), or
/// `None` when none can be loaded. A good Sigstore verdict holds under the root it was
/// checked against, so its cache line is keyed by this too: after the root changes (a CA
/// or log key removed by a TUF update, another `gitseal.trustedRoot`), the signature is
/// checked again.
pub fn sigstore_root_id() -> Option<[u8; 32]> {
    use sha2::{Digest, Sha256};
    static ID: std::sync::OnceLock<Option<[u8; 32]>> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        let (trust, _, _) = sigstore().ok()?;
        let json = serde_json::to_vec(trust.root()).ok()?;
        Some(Sha256::digest(json).into())
    })
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
        verdict.outcome = match crate::openpgp::verify::weakness(report) {
            Some(why) => Err(Failure {
                kind: FailureKind::WeakAlgorithm,
                detail: format!("OpenPGP signature {why}"),
            }),
            None => Ok(crate::signature::Trust::Undefined),
        };
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
        ssh_certificate: None,
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
        ssh_certificate: None,
    }
}
