//! SSH and OpenPGP for `verify-commit` / `verify-tag`: the same sources git uses
//! (`gpg.ssh.allowedSignersFile`, `gpg.ssh.revocationFile`, GnuPG's keyring and trustdb),
//! checked in-process with the rooms of gitseal's ssh-keygen and gpg dialects.

use std::path::PathBuf;

use crate::config::Settings;
use crate::error::{AppError, io_reason};
use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use crate::ssh::allowed_signers::AllowedSigners;
use crate::ssh::revocation::RevocationList;
use crate::ssh::sshsig::SshSignature;
use crate::ssh::verify::{self, Rejection, VerifyRequest};

/// An SSH signature judged as `git verify-commit` with ssh-keygen would: the principals
/// allowed for the key at the committer time, then `-Y verify` for each until one passes.
pub fn ssh(
    settings: &Settings,
    payload: &[u8],
    signature: &[u8],
    time: i64,
) -> Result<Verdict, AppError> {
    let git = settings.git()?;
    let path = git
        .get("gpg.ssh.allowedSignersFile")
        .filter(|p| !p.is_empty())
        .map(|p| expand(p, settings))
        .ok_or_else(|| {
            AppError::operational(
                "gpg.ssh.allowedSignersFile needs to be configured and exist for ssh signature verification",
            )
        })?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::operational(format!("cannot read {}: {}", path.display(), io_reason(&e)))
    })?;
    let allowed = AllowedSigners::parse(&text, &chrono::Local);
    let revoked =
        match git.get("gpg.ssh.revocationFile").filter(|p| !p.is_empty()) {
            Some(p) => {
                let p = expand(p, settings);
                let bytes = std::fs::read(&p).map_err(|e| {
                    AppError::operational(format!("cannot read {}: {}", p.display(), io_reason(&e)))
                })?;
                Some(RevocationList::parse(&bytes).map_err(|e| {
                    AppError::operational(format!("cannot parse {}: {e}", p.display()))
                })?)
            }
            None => None,
        };
    let at = Some(SignatureTime {
        unix: time,
        source: TimeSource::Committer,
    });
    let fail = |key: Option<String>, kind, detail: String| Verdict {
        format: Format::Ssh,
        key,
        signer: None,
        time: at,
        outcome: Err(Failure { kind, detail }),
        ssh_certificate: None,
    };
    let sig = match SshSignature::from_armor(signature) {
        Ok(sig) => sig,
        Err(e) => {
            return Ok(fail(
                None,
                FailureKind::Malformed,
                format!("malformed SSH signature: {e}"),
            ));
        }
    };
    let key = Some(sig.signer.fingerprint());
    let Ok(principals) = verify::find_principals(&sig.signer, &allowed, time) else {
        return Ok(fail(
            key,
            FailureKind::UnknownSigner,
            format!(
                "no principal in {} is allowed to sign with this key",
                path.display()
            ),
        ));
    };
    let mut last = None;
    for principal in principals.iter().flat_map(|p| p.split(',')) {
        let request = VerifyRequest {
            namespace: "git",
            identity: principal,
            allowed: &allowed,
            revoked: revoked.as_ref(),
            time,
        };
        match verify::verify(&sig, payload, &request) {
            Ok(verified) => {
                return Ok(Verdict {
                    format: Format::Ssh,
                    key,
                    signer: Some(verified.principal),
                    time: at,
                    outcome: Ok(Trust::Fully),
                    ssh_certificate: None,
                });
            }
            Err(rejection) => last = Some(rejection),
        }
    }
    let (kind, detail) = match last {
        Some(Rejection::Revoked) => (FailureKind::Revoked, "the key is revoked".to_string()),
        Some(Rejection::Signature(e)) => {
            (FailureKind::BadSignature, format!("bad SSH signature: {e}"))
        }
        _ => (
            FailureKind::UnknownSigner,
            format!(
                "no principal in {} is allowed to sign with this key",
                path.display()
            ),
        ),
    };
    Ok(fail(key, kind, detail))
}

/// An OpenPGP signature against GnuPG's keyring and trustdb, now, as gpg judges it; the
/// verdict's time is the object's committer (tagger) time, `at`.
pub fn openpgp(
    settings: &Settings,
    payload: &[u8],
    signature: &[u8],
    at: i64,
) -> Result<Verdict, AppError> {
    let keyring = super::gpg::gnupg_keyring(settings)?;
    let trustdb = super::gpg::gnupg_trustdb(settings)?;
    let context = crate::openpgp::verify::Context {
        keyring: &keyring,
        trustdb: &trustdb,
        now: std::time::SystemTime::now(),
        or_later_signature: false,
    };
    let reports = crate::openpgp::verify::verify_detached(signature, payload, &context)
        .map_err(|e| AppError::verification(format!("OpenPGP signature: {e}")))?;
    let [report] = reports.as_slice() else {
        return Err(AppError::verification(
            "more than one OpenPGP signature on one object",
        ));
    };
    let time = SignatureTime {
        unix: at,
        source: TimeSource::Committer,
    };
    Ok(crate::openpgp::verify::verdict(report, time))
}

fn expand(value: &str, _settings: &Settings) -> PathBuf {
    match (value.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}
