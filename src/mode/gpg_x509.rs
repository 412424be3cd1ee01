//! `gpg.x509.program --status-fd=1 --verify SIGFILE -` for gitsign's signatures: the
//! Sigstore room called, its report written as gpgsm and gitsign write theirs (NEWSIG,
//! GOODSIG <certificate id> <subject DN>, TRUST_FULLY 0 shell) and, where gitsign only
//! fails, with the line that tells git why (BADSIG, ERRSIG). Never EXPKEYSIG: git reads it
//! as "good signature, expired key" (`%G?` Y), and a signature whose trusted time lies
//! outside its ten-minute certificate is not good at all.

use super::gpg::StatusOut;
use crate::config::Settings;
use crate::error::AppError;
use crate::output::exit::Status;
use crate::output::sigstore_text;
use crate::output::status::StatusLine;
use crate::signature::Trust;
use crate::sigstore::identity::{Committer, Expectation};
use crate::sigstore::trust;
use crate::sigstore::verify::{Object, Report, verify as check};

/// gpg's algorithm numbers for what Fulcio certificates and gitsign use: ECDSA, SHA-256.
const PK_ECDSA: u8 = 19;
const HASH_SHA256: u8 = 8;

pub fn verify(
    status: &StatusOut,
    signature: &[u8],
    payload: &[u8],
    settings: &Settings,
) -> Result<Status, AppError> {
    let config = settings.sigstore()?;
    let (root, note) =
        trust::load(&config.trust).map_err(|e| AppError::operational(e.to_string()))?;
    let stderr = std::io::stderr();
    let mut text = stderr.lock();
    if let Some(note) = note {
        sigstore_text::note(&note, &mut text);
    }
    // Online-mode gitsign logged the object's id, which git does not pass: rebuilt from
    // the payload and the signature exactly as git stored them.
    let id = crate::git::signed::object_id_with_signature(payload, signature);
    let object = Object {
        payload,
        id: id.as_deref(),
    };
    crate::output::log::event("verify", "x509: Sigstore");
    let mut report = check(&object, signature, &root, &config.online);
    // gitseal.matchCommitter: the certificate must name the committer (tagger) git passed.
    if report.outcome.is_ok()
        && settings.match_committer()?
        && let Some(cert) = &report.certificate
    {
        let (name, email) = crate::git::signed::maker(payload).unwrap_or_default();
        let expectation = Expectation {
            committer: Some(Committer { name, email }),
            ..Expectation::default()
        };
        report.outcome = expectation.check(cert);
    }
    let policy = match &report.outcome {
        Ok(()) => super::gpg_x509_policy::judge(
            payload,
            id.as_deref(),
            &crate::sigstore::verifier::verdict(&report),
        ),
        Err(_) => None,
    };
    crate::output::log::event(
        "verdict",
        &match (&report.outcome, &report.certificate) {
            (Ok(()), Some(cert)) => format!("good, {} ({})", cert.identity, cert.issuer),
            (Ok(()), None) => "good".into(),
            (Err(e), _) => format!("{}: {e}", e.reason()),
        },
    );
    let trust = match &policy {
        Some(view) if view.principal.is_none() => Trust::Undefined,
        _ => Trust::Fully,
    };
    status.write(StatusLine::NewSig { signers_uid: None });
    write_status(status, &report, trust);
    sigstore_text::verification(&report, &mut text);
    if let Some(view) = &policy {
        sigstore_text::policy(view, &mut text);
    }
    Ok(if report.outcome.is_ok() {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

/// `gpg.x509.program --status-fd=2 -bsau KEY`: keyless signing; the key argument is
/// ignored, as gitsign ignores it. Status lines as gitsign writes them: BEGIN_SIGNING,
/// then `SIG_CREATED D 19 <hash of the certificate's signature> 00 <now> <certificate id>`.
pub fn sign(status: &StatusOut, settings: &Settings, payload: &[u8]) -> Result<Status, AppError> {
    let config = settings.sigstore_signing()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    status.write(StatusLine::BeginSigning {
        hash_algo: HASH_SHA256,
    });
    // Messages for the person at the terminal: git shows the program's stderr only when
    // signing fails, so they go to the terminal when there is one (as gitsign's do).
    let mut human: Box<dyn std::io::Write> =
        match std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            Ok(tty) => Box::new(tty),
            Err(_) => Box::new(std::io::stderr()),
        };
    let made = crate::sigstore::sign::sign(payload, &config, now, &mut |note| {
        sigstore_text::note(note, &mut human);
    })
    .map_err(|e| AppError::operational(e.to_string()))?;
    status.write(StatusLine::SigCreated {
        pk_algo: PK_ECDSA,
        hash_algo: made.certificate_hash_algo,
        class: 0,
        timestamp: now,
        fingerprint: made.certificate.fingerprint.clone(),
    });
    crate::output::log::event(
        "signed",
        &format!(
            "as {} ({}), certificate 0x{} {}, log index {}",
            made.certificate.identity,
            made.certificate.issuer,
            made.certificate.fingerprint,
            if made.cached {
                "from the cache"
            } else {
                "from Fulcio"
            },
            made.log_index.map_or("none".into(), |i| i.to_string())
        ),
    );
    sigstore_text::signed(&made, &mut human);
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(made.armored.as_bytes())
        .map_err(|e| AppError::operational(format!("cannot write the signature: {e}")))?;
    Ok(Status::Success)
}

fn write_status(status: &StatusOut, report: &Report, trust: Trust) {
    let (key_id, uid) = report
        .certificate
        .as_ref()
        .map(|c| (c.fingerprint.clone(), c.subject.clone()))
        .unwrap_or_else(|| ("0000000000000000".into(), String::new()));
    match &report.outcome {
        Ok(()) => {
            // TRUST before GOODSIG: with a Fulcio certificate's empty subject, the GOODSIG
            // line ends in a space, and git's parser (gpg-interface.c `parse_gpg_output`)
            // then skips the line after it; gitsign, which writes TRUST_FULLY second, shows
            // as U (docs/sigstore.md). git does not care about the order.
            status.write(StatusLine::TrustX509(trust));
            status.write(StatusLine::GoodSig { key_id, uid });
        }
        Err(e) if e.is_bad_signature() => {
            status.write(StatusLine::BadSig { key_id, uid });
        }
        Err(_) => status.write(StatusLine::ErrSig {
            key_id: key_id.clone(),
            pk_algo: PK_ECDSA,
            hash_algo: HASH_SHA256,
            class: 0,
            timestamp: report.signing_time.unwrap_or(0),
            rc: 1,
            fingerprint: report.certificate.as_ref().map(|_| key_id),
        }),
    }
}
