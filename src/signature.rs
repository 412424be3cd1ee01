//! Backend-neutral vocabulary: what every room (ssh, openpgp, sigstore) speaks, so that the
//! policy engine and the range walker know verdicts, never how a signature was checked.

use std::fmt;

/// The three signature formats git knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Ssh,
    OpenPgp,
    X509,
}

impl Format {
    /// The name used in git config (`gpg.format`) and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ssh => "ssh",
            Format::OpenPgp => "openpgp",
            Format::X509 => "x509",
        }
    }

    /// The format a signature claims by its armor header, as git decides it
    /// (gpg-interface.c `get_format_by_sig`: the text must start with the header).
    pub fn from_armor(signature: &[u8]) -> Option<Format> {
        const HEADERS: [(&[u8], Format); 4] = [
            (b"-----BEGIN SSH SIGNATURE-----", Format::Ssh),
            (b"-----BEGIN PGP SIGNATURE-----", Format::OpenPgp),
            (b"-----BEGIN PGP MESSAGE-----", Format::OpenPgp),
            (b"-----BEGIN SIGNED MESSAGE-----", Format::X509),
        ];
        HEADERS
            .iter()
            .find(|(header, _)| signature.starts_with(header))
            .map(|(_, format)| *format)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the time a signature is judged at came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// What the committer (or tagger) wrote: a claim, not a proof.
    Committer,
    /// A transparency log's integrated time.
    Tlog,
    /// An RFC 3161 timestamp authority.
    Tsa,
}

/// Seconds since the Unix epoch, with where they came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureTime {
    pub unix: i64,
    pub source: TimeSource,
}

/// Trust in the signer, in git's words (`%GT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    Undefined,
    Never,
    Marginal,
    Fully,
    Ultimate,
}

/// Why a signature did not pass. The kinds are what reports and policies tell apart;
/// the detail is for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The signature does not verify over this payload.
    BadSignature,
    /// The signature could not be parsed.
    Malformed,
    /// Made for another namespace or purpose.
    WrongNamespace,
    /// No trusted key or identity matches the signer.
    UnknownSigner,
    /// The key or certificate was not yet valid at the time judged.
    NotYetValid,
    /// The key or certificate had expired at the time judged.
    Expired,
    /// The key was revoked.
    Revoked,
    /// There is no signature at all.
    Unsigned,
    /// The proofs around the signature fail: the certificate does not chain to the trusted
    /// root, or its transparency-log or timestamp proofs do not verify.
    Untrusted,
    /// No transparency-log proof: gitsign's online mode with the log out of reach.
    Unlogged,
    /// The signature verifies, but with a hash or key too weak to prove who made it.
    WeakAlgorithm,
}

impl FailureKind {
    pub const ALL: [FailureKind; 11] = [
        FailureKind::BadSignature,
        FailureKind::Malformed,
        FailureKind::WrongNamespace,
        FailureKind::UnknownSigner,
        FailureKind::NotYetValid,
        FailureKind::Expired,
        FailureKind::Revoked,
        FailureKind::Unsigned,
        FailureKind::Untrusted,
        FailureKind::Unlogged,
        FailureKind::WeakAlgorithm,
    ];

    /// A stable name, for caches and machine-readable output.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::BadSignature => "bad-signature",
            FailureKind::Malformed => "malformed",
            FailureKind::WrongNamespace => "wrong-namespace",
            FailureKind::UnknownSigner => "unknown-signer",
            FailureKind::NotYetValid => "not-yet-valid",
            FailureKind::Expired => "expired",
            FailureKind::Revoked => "revoked",
            FailureKind::Unsigned => "unsigned",
            FailureKind::Untrusted => "untrusted",
            FailureKind::Unlogged => "unlogged",
            FailureKind::WeakAlgorithm => "weak-algorithm",
        }
    }

    pub fn from_name(name: &str) -> Option<FailureKind> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A failed check: what kind, and the words that explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// What a room concluded about one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub format: Format,
    /// The key as git shows it (`%GK`): `SHA256:...`, a fingerprint, or issuer and subject.
    pub key: Option<String>,
    /// Who signed, when the room could tell: a principal, a user id, a certificate identity.
    pub signer: Option<String>,
    pub time: Option<SignatureTime>,
    pub outcome: Result<Trust, Failure>,
    /// For an SSH signature made through a certificate: what the certificate says. The
    /// policy decides whether it speaks for anyone (`ssh_ca` credentials).
    pub ssh_certificate: Option<Box<SshCertificateFacts>>,
}

/// What an OpenSSH certificate inside a signature says, its CA's signature over it checked
/// (by the SSH room) and nothing else: type, principals, validity and options are judged by
/// the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshCertificateFacts {
    /// `SHA256:...` of the CA key that signed the certificate.
    pub ca_fingerprint: String,
    /// A user certificate (not a host certificate).
    pub user: bool,
    pub principals: Vec<String>,
    /// Unix seconds; `valid_before` is `u64::MAX` for a certificate without an expiry.
    pub valid_after: u64,
    pub valid_before: u64,
    pub serial: u64,
    pub key_id: String,
    /// The names of the critical options, in the certificate's order.
    pub critical_options: Vec<String>,
}

impl Verdict {
    pub fn is_good(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// A room that can make signatures in its format.
pub trait Signer {
    fn format(&self) -> Format;
    /// Signs `payload`, returning the armored detached signature git stores.
    fn sign(&self, payload: &[u8]) -> Result<String, crate::error::AppError>;
}

/// A room that can check signatures in its format. Time is a parameter: rooms never ask
/// the clock, so old history and short-lived certificates can be judged deterministically.
pub trait Verifier {
    fn format(&self) -> Format;
    /// Checks `signature` over `payload`, judging validity at `at` (Unix seconds).
    fn verify(&self, payload: &[u8], signature: &[u8], at: i64) -> Verdict;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_header_decides_the_format() {
        assert_eq!(
            Format::from_armor(b"-----BEGIN SSH SIGNATURE-----\nAAA"),
            Some(Format::Ssh)
        );
        assert_eq!(
            Format::from_armor(b"-----BEGIN SIGNED MESSAGE-----\n"),
            Some(Format::X509)
        );
        assert_eq!(
            Format::from_armor(b"-----BEGIN PGP SIGNATURE-----\n"),
            Some(Format::OpenPgp)
        );
        // git requires the header at the very start.
        assert_eq!(Format::from_armor(b"\n-----BEGIN SSH SIGNATURE-----"), None);
    }
}
