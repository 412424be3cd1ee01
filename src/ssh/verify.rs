//! Checking SSHSIG signatures against allowed_signers and revocation lists, with
//! ssh-keygen's semantics (sshsig.c `check_allowed_keys_line`, ssh-keygen.c `sig_verify`,
//! `sig_find_principals`). Pure: time, files' contents and the message are parameters.

use super::allowed_signers::{AllowedSigners, Entry, Validity};
use super::certificate::AuthorityError;
use super::revocation::RevocationList;
use super::sshsig::{SignerKey, SshSigError, SshSignature};
use crate::pattern::match_pattern;

/// Why one allowed_signers line that matched the key still did not allow it. ssh-keygen
/// prints these on stderr as `<file>:<line>: ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineRejection {
    /// `namespaces=` does not include the signature's namespace.
    Namespace { line: usize, namespace: String },
    /// `valid-after=` is later than the verify time.
    NotYetValid {
        line: usize,
        time: i64,
        valid_after: i64,
    },
    /// `valid-before=` is earlier than the verify time.
    Expired {
        line: usize,
        time: i64,
        valid_before: i64,
    },
    /// A `cert-authority` line's CA signed the certificate, but it does not speak for the
    /// principal at this time.
    Certificate { line: usize, reason: AuthorityError },
    /// A `cert-authority` line matched, but none of the certificate's principals is both
    /// allowed by the line and valid now.
    NoValidPrincipals { line: usize },
}

/// Why a signature did not verify.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The signature itself is bad, or was made for another namespace.
    Signature(SshSigError),
    /// The key (or its certificate, or the certificate's CA) is revoked.
    Revoked,
    /// No allowed_signers line allows this key for this principal, namespace and time.
    NotAllowed(Vec<LineRejection>),
}

impl LineRejection {
    /// A stable name for tests and machine-readable output.
    pub fn reason(&self) -> &'static str {
        match self {
            LineRejection::Namespace { .. } => "line-namespace",
            LineRejection::NotYetValid { .. } => "line-not-yet-valid",
            LineRejection::Expired { .. } => "line-expired",
            LineRejection::Certificate { reason, .. } => reason.reason(),
            LineRejection::NoValidPrincipals { .. } => "no-valid-principals",
        }
    }
}

impl Rejection {
    /// A stable name for tests and machine-readable output: the signature's own reason,
    /// `revoked`, or why the first line that named the key refused it (`not-allowed` when
    /// no line names the key at all).
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Signature(e) => e.reason(),
            Rejection::Revoked => "revoked",
            Rejection::NotAllowed(lines) => lines.first().map_or("not-allowed", |l| l.reason()),
        }
    }
}

/// A signature that passed `-Y verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub principal: String,
}

/// What `-Y verify` needs besides the signature and message.
pub struct VerifyRequest<'a> {
    pub namespace: &'a str,
    pub identity: &'a str,
    pub allowed: &'a AllowedSigners,
    pub revoked: Option<&'a RevocationList>,
    /// Unix seconds at which keys, lines and certificates must be valid.
    pub time: i64,
}

/// `-Y verify`: signature, then revocation, then allowed_signers, in ssh-keygen's order.
pub fn verify(
    sig: &SshSignature,
    message: &[u8],
    request: &VerifyRequest<'_>,
) -> Result<Verified, Rejection> {
    sig.verify(request.namespace, message)
        .map_err(Rejection::Signature)?;
    if request
        .revoked
        .is_some_and(|list| is_revoked(list, &sig.signer))
    {
        return Err(Rejection::Revoked);
    }
    let mut rejections = Vec::new();
    for entry in &request.allowed.entries {
        // ssh-keygen checks the principal pattern before anything else on the line.
        if !entry.principals_match(request.identity) {
            continue;
        }
        match allows(
            entry,
            &sig.signer,
            Some(request.identity),
            Some(request.namespace),
            request.time,
        ) {
            LineOutcome::Allowed(_) => {
                return Ok(Verified {
                    principal: request.identity.to_string(),
                });
            }
            LineOutcome::Rejected(why) => rejections.push(why),
            LineOutcome::KeyDiffers => {}
        }
    }
    Err(Rejection::NotAllowed(rejections))
}

/// `-Y find-principals`: the principals of the first line that allows the signer's key at
/// `time` (no namespace check; the signature itself is not verified, as in ssh-keygen).
pub fn find_principals(
    signer: &SignerKey,
    allowed: &AllowedSigners,
    time: i64,
) -> Result<Vec<String>, Vec<LineRejection>> {
    let mut rejections = Vec::new();
    for entry in &allowed.entries {
        match allows(entry, signer, None, None, time) {
            LineOutcome::Allowed(principals) => return Ok(principals),
            LineOutcome::Rejected(why) => rejections.push(why),
            LineOutcome::KeyDiffers => {}
        }
    }
    Err(rejections)
}

/// Whether a revocation list names the signer, its certificate, or the certificate's CA.
pub fn is_revoked(list: &RevocationList, signer: &SignerKey) -> bool {
    match signer {
        SignerKey::Plain(key) => list.is_key_revoked(key),
        SignerKey::Certificate(cert) => list.is_signer_certificate_revoked(cert),
    }
}

enum LineOutcome {
    /// The line allows the key; these are the principals it allows it for.
    Allowed(Vec<String>),
    Rejected(LineRejection),
    KeyDiffers,
}

fn allows(
    entry: &Entry,
    signer: &SignerKey,
    principal: Option<&str>,
    namespace: Option<&str>,
    time: i64,
) -> LineOutcome {
    let line = entry.line;
    let cert_time = u64::try_from(time).unwrap_or(0);
    let principals = match (entry.cert_authority, signer.certificate()) {
        // A plain line matches what signed exactly, as ssh-keygen's sshkey_equal: a key line
        // only a signature by that key alone, a certificate line only that certificate.
        (false, None) if entry.certificate.is_none() && &entry.key == signer.key() => {
            split(&entry.principals)
        }
        (false, Some(cert)) if entry.certificate.as_deref() == Some(cert.blob.as_slice()) => {
            split(&entry.principals)
        }
        (true, Some(cert)) if entry.key == cert.ca_key => match principal {
            Some(name) => match cert.check_authority(cert_time, Some(name)) {
                Ok(()) => vec![name.to_string()],
                Err(reason) => {
                    return LineOutcome::Rejected(LineRejection::Certificate { line, reason });
                }
            },
            None => {
                // ssh-keygen 9.2 (cert_filter_principals) keeps a certificate principal
                // that any single pattern of the line matches, reading `!` literally, so
                // `*@x,!mallory@x` still yields mallory@x. `-Y verify` then rejects it;
                // mirroring the quirk keeps git's %G? letters identical to ssh-keygen's.
                let valid: Vec<String> = cert
                    .principals
                    .iter()
                    .filter(|p| {
                        entry
                            .principals
                            .split(',')
                            .any(|pattern| match_pattern(p, pattern))
                    })
                    .filter(|p| cert.check_authority(cert_time, Some(p)).is_ok())
                    .cloned()
                    .collect();
                if valid.is_empty() {
                    return LineOutcome::Rejected(LineRejection::NoValidPrincipals { line });
                }
                valid
            }
        },
        _ => return LineOutcome::KeyDiffers,
    };
    if let Some(ns) = namespace.filter(|ns| !entry.namespace_allowed(ns)) {
        return LineOutcome::Rejected(LineRejection::Namespace {
            line,
            namespace: ns.to_string(),
        });
    }
    match entry.validity_at(time) {
        Validity::Valid => LineOutcome::Allowed(principals),
        Validity::NotYetValid { valid_after } => {
            LineOutcome::Rejected(LineRejection::NotYetValid {
                line,
                time,
                valid_after,
            })
        }
        Validity::Expired { valid_before } => LineOutcome::Rejected(LineRejection::Expired {
            line,
            time,
            valid_before,
        }),
    }
}

/// find-principals prints a plain line's patterns verbatim, one per line.
fn split(principals: &str) -> Vec<String> {
    principals
        .split(',')
        .take_while(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
