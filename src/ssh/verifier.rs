//! The SSH room behind the backend-neutral [`Verifier`] trait: checks an SSHSIG over a git
//! payload (namespace "git") and names the key. Who the key belongs to is the policy's
//! business, so a good signature carries `Trust::Undefined`. A signature made through a
//! certificate names the certified key and carries what the certificate says (its CA
//! signature checked when the signature was parsed); whether it speaks for anyone at the
//! commit time is the policy's question too (`ssh_ca` credentials).

use super::certificate::CertType;
use super::sshsig::{SshSigError, SshSignature};
use crate::signature::{
    Failure, FailureKind, Format, SignatureTime, SshCertificateFacts, TimeSource, Trust, Verdict,
    Verifier,
};

/// Verifies SSH signatures on git objects.
pub struct SshVerifier;

impl Verifier for SshVerifier {
    fn format(&self) -> Format {
        Format::Ssh
    }

    fn verify(&self, payload: &[u8], signature: &[u8], at: i64) -> Verdict {
        let time = Some(SignatureTime {
            unix: at,
            source: TimeSource::Committer,
        });
        let failed = |kind, detail: String| Verdict {
            format: Format::Ssh,
            key: None,
            signer: None,
            time,
            outcome: Err(Failure { kind, detail }),
            ssh_certificate: None,
        };
        let sig = match SshSignature::from_armor(signature) {
            Ok(sig) => sig,
            Err(e) => {
                return failed(
                    FailureKind::Malformed,
                    format!("malformed SSH signature: {e}"),
                );
            }
        };
        let key = Some(sig.signer.fingerprint());
        let ssh_certificate = sig.signer.certificate().map(|cert| {
            Box::new(SshCertificateFacts {
                ca_fingerprint: super::key::fingerprint(&cert.ca_key),
                user: cert.cert_type == CertType::User,
                principals: cert.principals.clone(),
                valid_after: cert.valid_after,
                valid_before: cert.valid_before,
                serial: cert.serial,
                key_id: cert.key_id.clone(),
                critical_options: cert.critical_options.clone(),
            })
        });
        let outcome = match sig.verify("git", payload) {
            Ok(()) => Ok(Trust::Undefined),
            Err(SshSigError::NamespaceMismatch) => Err(Failure {
                kind: FailureKind::WrongNamespace,
                detail: format!(
                    "SSH signature made for namespace \"{}\", not \"git\"",
                    sig.namespace
                ),
            }),
            Err(e) => Err(Failure {
                kind: FailureKind::BadSignature,
                detail: format!("bad SSH signature: {e}"),
            }),
        };
        Verdict {
            format: Format::Ssh,
            key,
            signer: None,
            time,
            outcome,
            ssh_certificate,
        }
    }
}
