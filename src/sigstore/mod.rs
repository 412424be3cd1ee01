//! The Sigstore room: gitsign's keyless x509 signatures (DESIGN.md section 5).
//!
//! A signature is taken apart ([`cms`]), its embedded Rekor entry decoded ([`tlog`]), and
//! the whole re-assembled as a standard Sigstore bundle whose artifact is the DER of the
//! CMS signed attributes, as gitsign's own sigstore-go path does. The Sigstore project's
//! `sigstore-verify` then checks chain, SCT, SET, inclusion proof, checkpoint and times
//! against a trusted root ([`trust`]). gitsign's older online mode embeds no log entry:
//! [`online`] checks what can be checked without the log and says what is missing.

pub mod blob;
pub mod certificate;
pub mod checkpoint;
pub mod cms;
pub mod cms_build;
pub mod credentials;
pub mod identity;
pub mod oidc;
pub mod online;
pub mod rekor_v2;
pub mod sign;
pub mod sign_blob;
pub mod timestamp;
pub mod tlog;
pub mod token;
pub mod trust;
pub mod verifier;
pub mod verify;

use crate::signature::FailureKind;

/// What every network call of the room runs on: a one-thread runtime and an HTTP client
/// whose connections and requests are bounded by `timeout` (`gitseal.timeout`).
pub(crate) fn network(
    timeout: std::time::Duration,
) -> Result<(tokio::runtime::Runtime, reqwest::Client), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    Ok((runtime, http))
}

/// Why a request of [`network`]'s client failed, in a few words on one line: reqwest's
/// own text ("error sending request for url (...)") names neither the cause nor anything
/// a person can act on; the cause is at the end of its source chain.
pub(crate) fn http_failure(error: &reqwest::Error, timeout: std::time::Duration) -> String {
    if error.is_timeout() {
        return timed_out(timeout);
    }
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    transport_cause(&chain, timeout).unwrap_or_else(|| {
        if error.is_decode() || error.is_body() {
            "the answer broke off or is not what the service speaks".into()
        } else {
            one_line(&chain)
        }
    })
}

/// [`http_failure`] for a request sent at `started`: a failure once `timeout` has passed
/// is that bound, whatever reqwest calls it (a body cut off by the bound can be reported
/// as an error decoding it).
pub(crate) fn request_failure(
    error: &reqwest::Error,
    started: std::time::Instant,
    timeout: std::time::Duration,
) -> String {
    if started.elapsed() >= timeout {
        timed_out(timeout)
    } else {
        http_failure(error, timeout)
    }
}

/// Why a request of [`exchange`] brought no answer to use.
pub(crate) enum ExchangeFailure {
    /// The request failed (refused, timed out, TLS, cut off): in a few words.
    Transport(String),
    /// The answer grew past the limit; the HTTP status it came with.
    TooLarge(reqwest::StatusCode),
    /// A status that is not success, with the first line of what the service said.
    Status(String),
}

/// Sends `request` and reads the whole answer, at most `max_bytes` of it, or says why
/// not. [`network`]'s client bounds the whole exchange, the answer's body included, by
/// `timeout`; a slow drip ends there too.
pub(crate) fn exchange(
    runtime: &tokio::runtime::Runtime,
    request: reqwest::RequestBuilder,
    timeout: std::time::Duration,
    max_bytes: usize,
) -> Result<Vec<u8>, ExchangeFailure> {
    let (status, answer) = read_answer(runtime, request, timeout, max_bytes)?;
    if !(200..300).contains(&status) {
        let text = String::from_utf8_lossy(&answer[..answer.len().min(300)]);
        let text = one_line(&text);
        let status = reqwest::StatusCode::from_u16(status)
            .map_or_else(|_| status.to_string(), |s| s.to_string());
        return Err(ExchangeFailure::Status(if text.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {text}")
        }));
    }
    Ok(answer)
}

/// [`exchange`] whatever the answer's status: the status and at most `max_bytes` of the
/// body (a protocol that says why in an error's body, as OAuth's token endpoint does). An
/// answer that says it is larger is refused before its body is read.
pub(crate) fn read_answer(
    runtime: &tokio::runtime::Runtime,
    request: reqwest::RequestBuilder,
    timeout: std::time::Duration,
    max_bytes: usize,
) -> Result<(u16, Vec<u8>), ExchangeFailure> {
    let started = std::time::Instant::now();
    let transport =
        |e: reqwest::Error| ExchangeFailure::Transport(request_failure(&e, started, timeout));
    runtime.block_on(async {
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes as u64)
        {
            return Err(ExchangeFailure::TooLarge(status));
        }
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            answer.extend_from_slice(&chunk);
            if answer.len() > max_bytes {
                return Err(ExchangeFailure::TooLarge(status));
            }
        }
        Ok((status.as_u16(), answer))
    })
}

/// The words for a time bound that expired.
pub(crate) fn timed_out(timeout: std::time::Duration) -> String {
    format!("timed out after {} s", timeout.as_secs())
}

/// The cause of a failed connection, found in an error's text with its sources (clients
/// that flatten errors into strings keep them there): refused, timed out, TLS, DNS.
pub(crate) fn transport_cause(chain: &str, timeout: std::time::Duration) -> Option<String> {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("connection refused") {
        Some("connection refused".into())
    } else if lower.contains("timed out") || lower.contains("timedout") {
        Some(timed_out(timeout))
    } else if let Some(at) = [
        "invalid peer certificate",
        "corrupt message",
        "tls",
        "handshake",
    ]
    .iter()
    .find_map(|needle| lower.find(needle))
    {
        // rustls says what it disliked ("received corrupt message of type
        // InvalidContentType": the port does not speak TLS; "invalid peer certificate:
        // UnknownIssuer"); keep that part.
        let detail = chain[at..].split(": ").next().unwrap_or("").trim();
        if detail.contains("InvalidContentType") {
            Some("TLS handshake failed (the server does not speak TLS)".into())
        } else {
            Some(format!("TLS handshake failed ({detail})"))
        }
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Some("cannot resolve the host name".into())
    } else if lower.contains("connection reset") || lower.contains("connection closed") {
        Some("the connection was closed before an answer came".into())
    } else {
        None
    }
}

/// The first line of a text, trimmed (errors are printed on one line).
pub(crate) fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// Why a Sigstore signature was not accepted. Every variant is a distinct reason, so
/// reports and tests can tell them apart; the text is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigstoreError {
    #[error("{0}")]
    WrongFormat(String),
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("unsupported gitsign prototype format: {0}")]
    Prototype(String),
    #[error("malformed log entry: {0}")]
    TlogMalformed(String),
    #[error("the signature's message digest does not match the signed object")]
    PayloadMismatch,
    #[error("the signature does not verify with its certificate: {0}")]
    BadSignature(String),
    #[error("certificate does not chain to the trusted root: {0}")]
    UntrustedChain(String),
    /// A trusted time (the log's, a TSA's) before the certificate's notBefore: nothing
    /// shows the signature was made while the certificate was valid.
    #[error("bad signature: made before its certificate was valid: {0}")]
    NotYetValid(String),
    /// A trusted time after the certificate's notAfter (ten minutes for Fulcio's).
    #[error("bad signature: made after its certificate expired: {0}")]
    Expired(String),
    #[error("certificate transparency: {0}")]
    Sct(String),
    #[error("log entry from a log the trusted root does not know: {0}")]
    UnknownLog(String),
    #[error("signed entry timestamp (SET) does not verify: {0}")]
    Set(String),
    #[error("inclusion proof does not verify: {0}")]
    InclusionProof(String),
    #[error("signed checkpoint does not verify: {0}")]
    Checkpoint(String),
    #[error("log entry is not for this signature: {0}")]
    TlogMismatch(String),
    #[error("log time: {0}")]
    IntegratedTime(String),
    #[error("RFC 3161 timestamp: {0}")]
    Timestamp(String),
    #[error("RFC 3161 timestamp is malformed: {0}")]
    TimestampMalformed(String),
    #[error("RFC 3161 timestamp is not for this signature: {0}")]
    TimestampMismatch(String),
    #[error("RFC 3161 timestamp is not trusted: {0}")]
    TimestampUntrusted(String),
    #[error("{0}")]
    NoLogProof(String),
    #[error("certificate identity {actual} does not match {expected}")]
    IdentityMismatch { expected: String, actual: String },
    #[error("certificate issuer {actual} does not match {expected}")]
    IssuerMismatch { expected: String, actual: String },
    /// `gitseal.matchCommitter`: the certificate names someone other than the object's
    /// committer (tagger).
    #[error(
        "certificate identity {actual} is not the committer {committer} (gitseal.matchCommitter)"
    )]
    CommitterMismatch { committer: String, actual: String },
    /// A `--certificate-github-workflow-*` claim the certificate does not carry.
    #[error("certificate {claim} is {actual}, not {expected}")]
    WorkflowMismatch {
        claim: &'static str,
        expected: String,
        actual: String,
    },
    /// The certificate does not name its signer as a Fulcio certificate does (exactly one
    /// SAN, of the type its value is, and an OIDC issuer), so no identity can be matched.
    #[error("certificate does not name one signer: {0}")]
    CertificateIdentity(String),
    #[error("trusted root: {0}")]
    TrustRoot(String),
    /// A verified certificate whose signer the signing policy does not allow here
    /// (`verify-blob --policy`): unknown, not a release-file signer, expired or revoked.
    #[error("{0}")]
    NotAllowed(String),
}

impl SigstoreError {
    /// A stable name for reports and tests.
    pub fn reason(&self) -> &'static str {
        match self {
            SigstoreError::WrongFormat(_) => "wrong-format",
            SigstoreError::Malformed(_) => "malformed",
            SigstoreError::Prototype(_) => "prototype-format",
            SigstoreError::TlogMalformed(_) => "tlog-malformed",
            SigstoreError::PayloadMismatch => "payload-mismatch",
            SigstoreError::BadSignature(_) => "bad-signature",
            SigstoreError::UntrustedChain(_) => "untrusted-chain",
            SigstoreError::NotYetValid(_) => "not-yet-valid",
            SigstoreError::Expired(_) => "expired",
            SigstoreError::Sct(_) => "sct",
            SigstoreError::UnknownLog(_) => "unknown-log",
            SigstoreError::Set(_) => "set",
            SigstoreError::InclusionProof(_) => "inclusion-proof",
            SigstoreError::Checkpoint(_) => "checkpoint",
            SigstoreError::TlogMismatch(_) => "tlog-mismatch",
            SigstoreError::IntegratedTime(_) => "integrated-time",
            SigstoreError::Timestamp(_) => "timestamp",
            SigstoreError::TimestampMalformed(_) => "timestamp-malformed",
            SigstoreError::TimestampMismatch(_) => "timestamp-mismatch",
            SigstoreError::TimestampUntrusted(_) => "timestamp-untrusted",
            SigstoreError::NoLogProof(_) => "no-log-proof",
            SigstoreError::IdentityMismatch { .. } => "identity-mismatch",
            SigstoreError::IssuerMismatch { .. } => "issuer-mismatch",
            SigstoreError::CommitterMismatch { .. } => "committer-mismatch",
            SigstoreError::WorkflowMismatch { .. } => "workflow-mismatch",
            SigstoreError::CertificateIdentity(_) => "certificate-identity",
            SigstoreError::TrustRoot(_) => "trust-root",
            SigstoreError::NotAllowed(_) => "policy",
        }
    }

    /// The backend-neutral kind the policy engine and reports know.
    pub fn kind(&self) -> FailureKind {
        match self {
            SigstoreError::WrongFormat(_)
            | SigstoreError::Malformed(_)
            | SigstoreError::Prototype(_)
            | SigstoreError::TlogMalformed(_)
            | SigstoreError::TimestampMalformed(_) => FailureKind::Malformed,
            // A signature whose trusted time lies outside its ten-minute certificate is bad,
            // not "good, expired key": nothing shows it was made while the key was certified.
            SigstoreError::PayloadMismatch
            | SigstoreError::BadSignature(_)
            | SigstoreError::NotYetValid(_)
            | SigstoreError::Expired(_) => FailureKind::BadSignature,
            // Signed by someone, but not by the committer the object names: as gitsign
            // refuses to make such a signature, it is bad for this object (BADSIG).
            SigstoreError::CommitterMismatch { .. } => FailureKind::BadSignature,
            SigstoreError::IdentityMismatch { .. }
            | SigstoreError::IssuerMismatch { .. }
            | SigstoreError::WorkflowMismatch { .. }
            | SigstoreError::NotAllowed(_) => FailureKind::UnknownSigner,
            SigstoreError::NoLogProof(_) => FailureKind::Unlogged,
            SigstoreError::UntrustedChain(_)
            | SigstoreError::Sct(_)
            | SigstoreError::UnknownLog(_)
            | SigstoreError::Set(_)
            | SigstoreError::InclusionProof(_)
            | SigstoreError::Checkpoint(_)
            | SigstoreError::TlogMismatch(_)
            | SigstoreError::IntegratedTime(_)
            | SigstoreError::Timestamp(_)
            | SigstoreError::TimestampMismatch(_)
            | SigstoreError::TimestampUntrusted(_)
            | SigstoreError::CertificateIdentity(_)
            | SigstoreError::TrustRoot(_) => FailureKind::Untrusted,
        }
    }

    /// Whether git is told BADSIG (`%G?` B): the signature does not hold for this object
    /// at any time the certificate was valid.
    pub fn is_bad_signature(&self) -> bool {
        self.kind() == FailureKind::BadSignature
    }
}

impl From<sigstore_verify::Error> for SigstoreError {
    fn from(error: sigstore_verify::Error) -> Self {
        use sigstore_verify::{CertificateError as C, Error as E, TransparencyLogError as T};
        let text = error.to_string();
        match error {
            E::IdentityMismatch { expected, actual } => SigstoreError::IdentityMismatch {
                expected: expected.to_string(),
                actual: actual.map_or_else(|| "(none)".into(), |a| a.to_string()),
            },
            E::IssuerMismatch { expected, actual } => SigstoreError::IssuerMismatch {
                expected,
                actual: actual.unwrap_or_else(|| "(none)".into()),
            },
            E::SignatureInvalid(detail) => SigstoreError::BadSignature(detail),
            E::ArtifactMismatch(_) => SigstoreError::PayloadMismatch,
            E::Certificate(c) => match c {
                C::NotYetValid { .. } => SigstoreError::NotYetValid(c.to_string()),
                C::Expired { .. } => SigstoreError::Expired(c.to_string()),
                C::Sct(detail) => SigstoreError::Sct(detail),
                C::Malformed(detail) => SigstoreError::Malformed(detail),
                other => SigstoreError::UntrustedChain(other.to_string()),
            },
            E::TransparencyLog(t) => match t {
                T::UnknownLog { log_id } => SigstoreError::UnknownLog(log_id),
                T::InclusionProof(d) => SigstoreError::InclusionProof(d),
                T::Checkpoint(d) => SigstoreError::Checkpoint(d),
                T::InclusionPromise(d) => SigstoreError::Set(d),
                T::EntryMismatch(d) => SigstoreError::TlogMismatch(d),
                T::IntegratedTime(d) => SigstoreError::IntegratedTime(d),
                T::MalformedEntry(d) => SigstoreError::TlogMalformed(d),
                other => SigstoreError::TlogMalformed(other.to_string()),
            },
            E::Timestamp(t) => SigstoreError::Timestamp(t.to_string()),
            // The bundle's own consistency: for a signature gitsign wrote, these can only
            // come from its embedded entry.
            E::Bundle(b) => match b {
                sigstore_bundle::Error::CheckpointRootMismatch
                | sigstore_bundle::Error::LogIndexOutOfRange { .. } => {
                    SigstoreError::InclusionProof(b.to_string())
                }
                sigstore_bundle::Error::MissingCheckpoint => {
                    SigstoreError::Checkpoint(b.to_string())
                }
                sigstore_bundle::Error::MissingInclusionPromise(_) => {
                    SigstoreError::Set(b.to_string())
                }
                other => SigstoreError::TlogMalformed(other.to_string()),
            },
            E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => {
                SigstoreError::TrustRoot(text)
            }
            _ => SigstoreError::Malformed(text),
        }
    }
}
