//! Keyless signing as gitsign does it (DESIGN.md section 5): an OIDC token, a fresh P-256
//! key, a Fulcio certificate for it (checked against the trusted root, our key and the
//! token's identity before it is used), the CMS signature, the Rekor entry (its proofs
//! checked before it is embedded), the armor; with `gitseal.timestampURL`, an RFC 3161
//! timestamp over the signature (checked before it is embedded, [`super::timestamp`]).
//! gitseal's own HTTP client sends the Fulcio and Rekor requests and reads the answers
//! (Rekor's with the Sigstore project's `LogEntry`); every request is bounded by
//! `gitseal.timeout`. The Sigstore crates' clients are not used for them: they flatten a
//! failed request into reqwest's top-level text ("error sending request for url (...)"),
//! which drops the cause (refused, timed out, TLS) that a person needs.

use std::path::PathBuf;
use std::time::Duration;

use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
use prost::Message;
use sha2::{Digest, Sha256};
use sigstore_crypto::KeyPair;
use sigstore_oidc::IdentityToken;
use zeroize::Zeroizing;

use super::certificate::{CertificateFacts, facts};
use super::credentials::{self, Credential};
use super::identity::Committer;
use super::timestamp::{self, TsaSettings};
use super::trust::{self, TrustRoot, TrustSettings};
use super::verify::{Object, verify_parsed};
use super::{SigstoreError, cms, cms_build, online, tlog};
use crate::secret::Secret;

/// gitsign's two ways of logging (reference/gitsign-format.md section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RekorMode {
    /// The entry is embedded in the signature (verifiable offline). gitseal's default.
    Offline,
    /// Nothing embedded; the log holds a signature over the object id (gitsign's legacy
    /// default).
    Online,
}

/// Everything signing needs from configuration.
#[derive(Clone, Debug)]
pub struct SignSettings {
    pub fulcio: String,
    pub rekor: String,
    /// `rekor` is a Rekor v2 log (the signing config's choice): entries hashedrekord
    /// 0.0.2, timed by the timestamp authority, which is then required.
    pub rekor_v2: bool,
    /// The OIDC issuer interactive flows would use (and the credential cache's scope).
    pub issuer: String,
    pub client_id: String,
    /// `gitseal.tokenProvider`: `envvar`, `filesystem`, `github-actions`, `interactive`,
    /// `device`.
    pub token_provider: Option<String>,
    /// `SIGSTORE_ID_TOKEN`.
    pub id_token: Option<Secret>,
    /// GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`.
    pub actions: Option<(String, Secret)>,
    pub rekor_mode: RekorMode,
    pub timeout: Duration,
    pub trust: TrustSettings,
    /// Directory of the credential cache; `None` disables it.
    pub credential_cache: Option<PathBuf>,
    /// `gitseal.credentialStore`: where the cache keeps credentials.
    pub credential_store: credentials::StoreChoice,
    /// `$BROWSER`: the program the browser login opens its URL with.
    pub browser: Option<String>,
    /// Where the browser login listens for its redirect (`gitseal.redirectURL`, loopback
    /// only); default a free port on 127.0.0.1.
    pub redirect: Option<super::oidc::RedirectUrl>,
    /// `gitseal.connectorID`: the Dex connector to go straight to.
    pub connector_id: Option<String>,
    /// `gitseal.interactive`: whether a login may start without a named token provider.
    pub login_allowed: bool,
    /// Whether a terminal is there to tell a person what to do.
    pub terminal: bool,
    /// `gitseal.timestampURL`: an RFC 3161 timestamp authority to stamp every signature.
    pub timestamp: Option<TsaSettings>,
    /// `gitseal.matchCommitter`: sign only as the committer (tagger) of the payload.
    pub match_committer: bool,
}

/// A signature made.
pub struct Made {
    pub armored: String,
    pub certificate: CertificateFacts,
    /// gpg's hash algorithm number of the certificate's own signature (gitsign's
    /// SIG_CREATED reports that, not the CMS digest).
    pub certificate_hash_algo: u8,
    pub log_index: Option<i64>,
    /// The timestamp authority's time (Unix seconds), when one stamped the signature.
    pub timestamp: Option<i64>,
    /// Whether the certificate came from the credential cache (no OIDC, no Fulcio).
    pub cached: bool,
}

/// Why signing failed: the service and the cause, in one line.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0}")]
    Token(String),
    /// No token source is configured and no login may start (no terminal, or
    /// `gitseal.interactive=false`).
    #[error("{0}")]
    NoLogin(String),
    #[error("fulcio ({url}): {cause}")]
    Fulcio { url: String, cause: String },
    #[error("rekor ({url}): {cause}")]
    Rekor { url: String, cause: String },
    #[error("timestamp authority ({url}): {cause}")]
    Tsa { url: String, cause: SigstoreError },
    /// `gitseal.matchCommitter`: the identity signing would certify is not the committer.
    #[error(
        "gitseal.matchCommitter: you would sign as {identity}, but the committer is {committer}; \
         commit as {identity} (git config user.email) or sign in as the committer"
    )]
    NotCommitter { identity: String, committer: String },
    #[error("{0}")]
    Local(String),
}

/// Signs `payload` (a commit or tag without its signature) at `now` (Unix seconds).
pub fn sign(
    payload: &[u8],
    settings: &SignSettings,
    now: i64,
    notes: &mut dyn FnMut(&str),
) -> Result<Made, SignError> {
    let (runtime, http) = super::network(settings.timeout).map_err(SignError::Local)?;

    let committer = match settings.match_committer {
        false => None,
        true => {
            let (name, email) = crate::git::signed::maker(payload).ok_or_else(|| {
                SignError::Local(
                    "gitseal.matchCommitter: what git asked to sign names no committer or tagger"
                        .into(),
                )
            })?;
            Some(Committer { name, email })
        }
    };
    let mut root = None;
    let (credential, cached) = credential(
        settings,
        committer.as_ref(),
        &mut root,
        &runtime,
        &http,
        now,
        notes,
    )?;
    let root = trust_root(&mut root, settings, notes)?;
    let key_pair = KeyPair::from_pkcs8_der(&credential.key)
        .map_err(|e| SignError::Local(format!("signing key: {e}")))?;
    let leaf = credential
        .chain
        .first()
        .ok_or_else(|| SignError::Local("empty certificate chain".into()))?;
    let certificate = facts(leaf).map_err(|e| SignError::Local(e.to_string()))?;

    let attributes =
        cms_build::signed_attributes(payload, now).map_err(|e| SignError::Local(e.to_string()))?;
    let signature = key_pair
        .sign(&attributes.der)
        .map_err(|e| SignError::Local(format!("signing: {e}")))?
        .into_bytes();
    // As gitsign: the timestamp is asked for before the log is written to, so a TSA that
    // fails leaves no entry behind in the log.
    let stamp = match &settings.timestamp {
        None => None,
        Some(tsa) => Some(stamp(
            tsa,
            &signature,
            root,
            &runtime,
            &http,
            settings.timeout,
        )?),
    };
    let token = stamp.as_ref().map(|s| s.token.as_slice());
    let log = |entry| create_entry(settings, &runtime, &http, entry);

    let (der, log_index) = match settings.rekor_mode {
        RekorMode::Offline => {
            let digest = Sha256::digest(&attributes.der);
            let entry = if settings.rekor_v2 {
                if stamp.is_none() {
                    return Err(v2_needs_timestamp(settings));
                }
                log_v2(settings, &runtime, &http, &digest, &signature, leaf)?
            } else {
                let logged = log(hashedrekord(&digest, &signature, leaf)?)?;
                logged
                    .to_bundle_entry(sigstore_types::KindVersion::HashedRekordV001)
                    .map_err(|e| rekor_error(settings, format!("unreadable entry: {e}")))?
            };
            let index = entry.log_index.as_i64();
            let proto = tlog::from_bundle_entry(&entry).encode_to_vec();
            let der =
                cms_build::assemble_stamped(leaf, attributes, &signature, Some(&proto), token)
                    .map_err(|e| SignError::Local(e.to_string()))?;
            (der, Some(index))
        }
        RekorMode::Online if settings.rekor_v2 => {
            return Err(rekor_error(
                settings,
                "gitsign's online mode logs in a Rekor v1 log; with a Rekor v2 log use gitseal.rekorMode=offline".into(),
            ));
        }
        RekorMode::Online => {
            let der = cms_build::assemble_stamped(leaf, attributes, &signature, None, token)
                .map_err(|e| SignError::Local(e.to_string()))?;
            let armored = cms_build::armor(&der).map_err(|e| SignError::Local(e.to_string()))?;
            let id = crate::git::signed::object_id_with_signature(payload, armored.as_bytes())
                .ok_or_else(|| {
                    SignError::Local("online mode signs commits and tags only".into())
                })?;
            let over_id = key_pair
                .sign(id.as_bytes())
                .map_err(|e| SignError::Local(format!("signing: {e}")))?;
            let entry = hashedrekord(&Sha256::digest(id.as_bytes()), over_id.as_bytes(), leaf)?;
            let logged = log(entry)?;
            (der, Some(logged.log_index.as_i64()))
        }
    };
    let armored = cms_build::armor(&der).map_err(|e| SignError::Local(e.to_string()))?;

    // What is handed to git must verify: the log's SET, inclusion proof and checkpoint,
    // the chain at the log's time, and the body the log holds.
    if settings.rekor_mode == RekorMode::Offline {
        let parsed = cms::parse(armored.as_bytes()).map_err(|e| SignError::Local(e.to_string()))?;
        let object = Object { payload, id: None };
        let report = verify_parsed(&object, &parsed, root, &online::Settings::default());
        match (report.outcome, &settings.timestamp) {
            (Ok(()), _) => {}
            // Checked against timestampCertChain when signing, but verifiers believe the
            // trusted root's authorities: a signature they would reject is not handed out.
            (Err(e), Some(tsa)) if e.reason().starts_with("timestamp") => {
                return Err(SignError::Tsa {
                    url: tsa.url.clone(),
                    cause: SigstoreError::TimestampUntrusted(format!(
                        "the trusted root's authorities do not accept the token, so no \
                         verifier would: {e}"
                    )),
                });
            }
            (Err(e), _) => {
                return Err(rekor_error(
                    settings,
                    format!("the returned entry does not verify: {e}"),
                ));
            }
        }
    }
    Ok(Made {
        armored,
        certificate_hash_algo: certificate_hash_algo(leaf),
        certificate,
        log_index,
        timestamp: stamp.map(|s| s.time),
        cached,
    })
}

/// A timestamp over `signature` from the configured TSA, believed only if it is signed by
/// the authority of `gitseal.timestampCertChain`, or else one of the trusted root's.
pub(super) fn stamp(
    tsa: &TsaSettings,
    signature: &[u8],
    root: &TrustRoot,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<timestamp::Stamped, SignError> {
    let failed = |cause| SignError::Tsa {
        url: tsa.url.clone(),
        cause,
    };
    let authorities = match &tsa.cert_chain {
        Some(path) => vec![
            timestamp::authority_from_pem(path)
                .map_err(|e| failed(SigstoreError::TimestampUntrusted(e)))?,
        ],
        None => root.root().tsa_authorities(),
    };
    timestamp::fetch(runtime, http, &tsa.url, signature, &authorities, timeout).map_err(failed)
}

/// `gitseal login`: a certificate fetched (or still cached) and kept for the next
/// signatures; returns its facts and whether it came from the cache.
pub fn login(
    settings: &SignSettings,
    now: i64,
    notes: &mut dyn FnMut(&str),
) -> Result<(CertificateFacts, bool), SignError> {
    if settings.credential_cache.is_none() {
        return Err(SignError::Local(
            "the credential cache is off (gitseal.credentialCache): nothing to log in to".into(),
        ));
    }
    let (runtime, http) = super::network(settings.timeout).map_err(SignError::Local)?;
    let (credential, cached) = credential(settings, None, &mut None, &runtime, &http, now, notes)
        .map_err(|e| match e {
        // `gitseal login` itself is what the signing message suggests: name the ways
        // that need no terminal instead.
        SignError::NoLogin(_) => SignError::NoLogin(format!(
            "gitseal login found no OIDC token for {} and {}; give it one: SIGSTORE_ID_TOKEN, \
             GitHub Actions' ambient token (permissions: id-token: write), \
             gitseal.tokenProvider filesystem (a token file), or gitseal.tokenProvider device \
             (prints a code to approve in a browser elsewhere)",
            settings.issuer,
            if settings.login_allowed {
                "no terminal to log in from"
            } else {
                "gitseal.interactive is false, so no login is started"
            },
        )),
        other => other,
    })?;
    let leaf = credential
        .chain
        .first()
        .ok_or_else(|| SignError::Local("empty certificate chain".into()))?;
    Ok((facts(leaf)?, cached))
}

/// The hashedrekord 0.0.1 upload, with the certificate as gitsign sends it: PEM with LF
/// line ends (Go's `pem.EncodeToMemory`). Rekor logs the bytes it is given, and verifiers
/// (gitsign's and ours) rebuild the body with exactly that PEM; the Sigstore crate's own
/// constructor writes CRLF, which no gitsign verifier would match.
pub(super) fn hashedrekord(
    digest: &[u8],
    signature: &[u8],
    leaf: &[u8],
) -> Result<sigstore_rekor::HashedRekord, SignError> {
    use base64ct::{Base64, Encoding};
    let pem = super::certificate::to_pem(leaf)?;
    let body: serde_json::Value = serde_json::from_str(&tlog::hashedrekord_body(
        &super::verify::hex(digest),
        signature,
        &pem,
    ))
    .map_err(|e| SignError::Local(format!("log entry: {e}")))?;
    debug_assert_eq!(
        body["spec"]["signature"]["publicKey"]["content"],
        Base64::encode_string(pem.as_bytes())
    );
    serde_json::from_value(body).map_err(|e| SignError::Local(format!("log entry: {e}")))
}

/// The most a Fulcio or Rekor answer may be: a certificate chain, or a log entry with its
/// proofs, is a few KiB.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// POSTs `body` as JSON to `url` and returns the answer's body, or why there is none in
/// a few words (see [`super::exchange`]).
fn post_json(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    use super::ExchangeFailure;
    super::exchange(
        runtime,
        http.post(url).json(body),
        timeout,
        MAX_ANSWER_BYTES,
    )
    .map_err(|failure| match failure {
        ExchangeFailure::Transport(why) | ExchangeFailure::Status(why) => why,
        ExchangeFailure::TooLarge(status) => {
            format!("HTTP {status} with an answer of more than {MAX_ANSWER_BYTES} bytes")
        }
    })
}

/// Fulcio's v2 `signingCert` for `key_pair`'s public key, with the token and the proof of
/// possession (the token's identity signed with the key): the chain, leaf first, DER.
fn signing_certificate(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    token: &IdentityToken,
    key_pair: &KeyPair,
) -> Result<Vec<Vec<u8>>, SignError> {
    let public_key = key_pair
        .public_key_der()
        .map_err(|e| SignError::Local(format!("signing key: {e}")))?
        .to_pem();
    let proof = key_pair
        .sign(token.identity().as_bytes())
        .map_err(|e| SignError::Local(format!("proof of possession: {e}")))?;
    let request = serde_json::json!({
        "credentials": { "oidcIdentityToken": token.expose_secret() },
        "publicKeyRequest": {
            "publicKey": { "algorithm": "ECDSA", "content": public_key },
            "proofOfPossession": proof.to_base64(),
        },
    });
    let url = format!(
        "{}/api/v2/signingCert",
        settings.fulcio.trim_end_matches('/')
    );
    let answer = post_json(runtime, http, &url, &request, settings.timeout)
        .map_err(|cause| fulcio_error(settings, cause))?;
    fulcio_chain(&answer).map_err(|cause| fulcio_error(settings, cause))
}

/// The chain of a `signingCert` answer (`signedCertificateEmbeddedSct`: gitsign's
/// verifiers, and gitseal's, read the SCT from the certificate), leaf first, DER.
fn fulcio_chain(answer: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        signed_certificate_embedded_sct: Option<Embedded>,
        signed_certificate_detached_sct: Option<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    struct Embedded {
        chain: Chain,
    }
    #[derive(serde::Deserialize)]
    struct Chain {
        certificates: Vec<String>,
    }
    let not_fulcio = |e: &dyn std::fmt::Display| {
        format!(
            "the answer is not a Fulcio certificate: {}",
            super::one_line(&e.to_string())
        )
    };
    let answer: Answer = serde_json::from_slice(answer).map_err(|e| not_fulcio(&e))?;
    let chain = match answer {
        Answer {
            signed_certificate_embedded_sct: Some(embedded),
            signed_certificate_detached_sct: None,
        } => embedded.chain.certificates,
        Answer {
            signed_certificate_detached_sct: Some(_),
            ..
        } => return Err("the certificate's SCT is detached, not embedded as gitsign's".into()),
        _ => return Err(not_fulcio(&"no certificate in it")),
    };
    if chain.is_empty() {
        return Err(not_fulcio(&"an empty certificate chain"));
    }
    chain
        .iter()
        .map(|pem| {
            sigstore_types::DerCertificate::from_pem(pem)
                .map(|der| der.as_bytes().to_vec())
                .map_err(|e| not_fulcio(&e))
        })
        .collect()
}

/// Rekor v1's `POST /api/v1/log/entries`: the entry as the log answers it (the map of
/// its UUID to the entry, as Rekor writes it).
pub(super) fn create_entry(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    entry: sigstore_rekor::HashedRekord,
) -> Result<sigstore_rekor::LogEntry, SignError> {
    let body =
        serde_json::to_value(&entry).map_err(|e| SignError::Local(format!("log entry: {e}")))?;
    let url = format!(
        "{}/api/v1/log/entries",
        settings.rekor.trim_end_matches('/')
    );
    let answer = post_json(runtime, http, &url, &body, settings.timeout)
        .map_err(|cause| rekor_error(settings, cause))?;
    let not_rekor = |e: &dyn std::fmt::Display| {
        rekor_error(
            settings,
            format!(
                "the answer is not a Rekor log entry: {}",
                super::one_line(&e.to_string())
            ),
        )
    };
    let entries: std::collections::BTreeMap<String, sigstore_rekor::LogEntry> =
        serde_json::from_slice(&answer).map_err(|e| not_rekor(&e))?;
    let mut entries = entries.into_iter();
    match (entries.next(), entries.next()) {
        (Some((uuid, mut logged)), None) => {
            logged.uuid = sigstore_types::EntryUuid::new(uuid);
            Ok(logged)
        }
        (None, _) => Err(not_rekor(&"no entry in it")),
        (Some(_), Some(_)) => Err(not_rekor(&"more than one entry in it")),
    }
}

/// Logs a signature over `digest` in the Rekor v2 log of `settings`.
pub(super) fn log_v2(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    digest: &[u8],
    signature: &[u8],
    leaf: &[u8],
) -> Result<sigstore_types::TransparencyLogEntry, SignError> {
    let cert = facts(leaf)?;
    let details = super::rekor_v2::key_details(&cert.public_key).map_err(SignError::Local)?;
    let request = super::rekor_v2::request(digest, signature, leaf, details);
    super::rekor_v2::create_entry(runtime, http, &settings.rekor, &request, settings.timeout)
        .map_err(|cause| rekor_error(settings, cause))
}

/// Rekor v2 records no time: without a timestamp nothing would show when the ten-minute
/// certificate signed.
pub(super) fn v2_needs_timestamp(settings: &SignSettings) -> SignError {
    rekor_error(
        settings,
        "a Rekor v2 log records no time, so signing to it needs a timestamp authority: set gitseal.timestampURL, or use a signing config that lists one (tsaUrls)".into(),
    )
}

pub(super) fn rekor_error(settings: &SignSettings, cause: String) -> SignError {
    SignError::Rekor {
        url: settings.rekor.clone(),
        cause: first_line(&cause),
    }
}

fn fulcio_error(settings: &SignSettings, cause: String) -> SignError {
    SignError::Fulcio {
        url: settings.fulcio.clone(),
        cause: first_line(&cause),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// A certificate and key: from the cache when no token source is named and one is
/// valid for another minute, else a fresh key certified by Fulcio (then cached).
/// The trusted root, loaded the first time it is needed (a TUF refresh may ask the
/// network: not before a token or a cached certificate is known to be there).
pub(super) fn trust_root<'a>(
    slot: &'a mut Option<TrustRoot>,
    settings: &SignSettings,
    notes: &mut dyn FnMut(&str),
) -> Result<&'a TrustRoot, SignError> {
    if slot.is_none() {
        let (root, note) =
            trust::load(&settings.trust).map_err(|e| SignError::Local(e.to_string()))?;
        if let Some(note) = note {
            notes(&note);
        }
        *slot = Some(root);
    }
    slot.as_ref()
        .ok_or_else(|| SignError::Local("the trusted root is not loaded".into()))
}

/// With `gitseal.matchCommitter`, refuses an identity that is not the committer's: checked
/// on the token's identity before Fulcio is asked, and on a cached certificate's before it
/// is used.
fn require_committer(committer: Option<&Committer>, identity: &str) -> Result<(), SignError> {
    match committer {
        Some(committer) if !committer.is(identity) => Err(SignError::NotCommitter {
            identity: identity.to_string(),
            committer: committer.describe(),
        }),
        _ => Ok(()),
    }
}

pub(super) fn credential(
    settings: &SignSettings,
    committer: Option<&Committer>,
    root: &mut Option<TrustRoot>,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    now: i64,
    notes: &mut dyn FnMut(&str),
) -> Result<(Credential, bool), SignError> {
    // A cache directory that is not the user's own is refused before anything is read
    // from it or written to it (it would receive the signing key).
    if let Some(dir) = &settings.credential_cache {
        credentials::check_dir(settings.credential_store, dir).map_err(SignError::Local)?;
    }
    let token = super::token::explicit(settings, runtime, http)?;
    if token.is_none()
        && let Some(dir) = &settings.credential_cache
    {
        let wanted = credentials::Wanted {
            fulcio: &settings.fulcio,
            issuer: &settings.issuer,
        };
        match credentials::load(settings.credential_store, dir, wanted, now, 60) {
            Ok(Some(credential)) => {
                require_committer(committer, &credential.identity)?;
                // Used only under the trusted root of this run.
                let root = trust_root(root, settings, notes)?;
                let chained = match credential.chain.split_first() {
                    Some((leaf, rest)) => online::chain_at(leaf, rest, root, now)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    None => Err("no certificate".to_string()),
                };
                match chained {
                    Ok(()) => return Ok((credential, true)),
                    Err(e) => notes(&format!(
                        "the cached certificate does not chain to the trusted root ({e}); logging in again"
                    )),
                }
            }
            Ok(None) => {}
            Err(problem) => notes(&problem),
        }
    }
    let token = match token {
        Some(token) => token,
        None => super::token::interactive(settings, runtime, http, notes)?,
    };
    require_committer(committer, token.identity())?;

    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let pkcs8 = Zeroizing::new(
        key.to_pkcs8_der()
            .map_err(|e| SignError::Local(format!("signing key: {e}")))?
            .as_bytes()
            .to_vec(),
    );
    let spki = key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| SignError::Local(format!("signing key: {e}")))?
        .as_bytes()
        .to_vec();
    let key_pair = KeyPair::from_pkcs8_der(&pkcs8)
        .map_err(|e| SignError::Local(format!("signing key: {e}")))?;
    let chain = signing_certificate(settings, runtime, http, &token, &key_pair)?;
    let leaf = chain
        .first()
        .ok_or_else(|| fulcio_error(settings, "no certificate in the answer".into()))?;
    let cert = facts(leaf).map_err(|e| fulcio_error(settings, e.to_string()))?;
    let root = trust_root(root, settings, notes)?;
    check_issued(&cert, &chain, &spki, &token, root, now).map_err(|e| fulcio_error(settings, e))?;
    let credential = Credential {
        key: pkcs8,
        chain,
        identity: cert.identity.clone(),
        issuer: cert.issuer.clone(),
        fulcio: settings.fulcio.clone(),
        not_after: cert.not_after,
    };
    // Kept under the issuer the certificate names: a token of another issuer is not
    // found by the next run configured for this one.
    if let Some(dir) = &settings.credential_cache
        && let Err(e) = credentials::store(settings.credential_store, dir, &credential, now)
    {
        // With `credentialStore=keyring` the file is not involved: name the keyring.
        let place = if settings.credential_store == credentials::StoreChoice::Keyring {
            "the OS keyring".to_string()
        } else {
            dir.display().to_string()
        };
        notes(&format!(
            "could not cache the certificate in {place}: {}",
            crate::error::io_reason(&e)
        ));
    }
    Ok((credential, false))
}

/// A certificate is used only if it chains to the trusted root now, certifies our key,
/// and names the token's identity and issuer.
pub fn check_issued(
    cert: &CertificateFacts,
    chain: &[Vec<u8>],
    spki: &[u8],
    token: &IdentityToken,
    root: &TrustRoot,
    now: i64,
) -> Result<(), String> {
    if cert.public_key != spki {
        return Err("the certificate is for another key".into());
    }
    let expected = token.identity();
    if cert.identity != expected {
        return Err(format!(
            "the certificate is for {}, the token for {expected}",
            cert.identity
        ));
    }
    if cert.issuer != token.issuer() {
        return Err(format!(
            "the certificate names issuer {}, the token {}",
            cert.issuer,
            token.issuer()
        ));
    }
    let issuer_spki = online::chain_at(&chain[0], &chain[1..], root, now.max(cert.not_before))
        .map_err(|e| format!("the certificate does not chain to the trusted root: {e}"))?;
    online::sct(&chain[0], &issuer_spki, root).map_err(|e| e.to_string())?;
    Ok(())
}

/// gpg's number for the hash of the certificate's signature algorithm (ecdsa-with-SHA256
/// 8, -SHA384 9, -SHA512 10), which gitsign reports in SIG_CREATED.
fn certificate_hash_algo(der: &[u8]) -> u8 {
    use der::Decode;
    match x509_cert::Certificate::from_der(der)
        .map(|c| c.signature_algorithm.oid.to_string())
        .as_deref()
    {
        Ok("1.2.840.10045.4.3.3") => 9,
        Ok("1.2.840.10045.4.3.4") => 10,
        _ => 8,
    }
}

impl From<SigstoreError> for SignError {
    fn from(e: SigstoreError) -> Self {
        SignError::Local(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fulcio_answer_gives_its_embedded_chain_or_says_what_is_wrong() {
        let pem = sigstore_types::DerCertificate::from(vec![0x30, 0x03, 0x02, 0x01, 0x07]).to_pem();
        let embedded = serde_json::json!({
            "signedCertificateEmbeddedSct": { "chain": { "certificates": [pem] } }
        });
        assert_eq!(
            fulcio_chain(embedded.to_string().as_bytes()),
            Ok(vec![vec![0x30, 0x03, 0x02, 0x01, 0x07]])
        );
        let cases = [
            (
                serde_json::json!({ "signedCertificateDetachedSct": {
                    "chain": { "certificates": [pem] }, "signedCertificateTimestamp": "" } }),
                "detached",
            ),
            (
                serde_json::json!({
                    "signedCertificateEmbeddedSct": { "chain": { "certificates": [] } }
                }),
                "an empty certificate chain",
            ),
            (serde_json::json!({}), "no certificate in it"),
            (
                serde_json::json!({
                    "signedCertificateEmbeddedSct": { "chain": { "certificates": ["x"] } }
                }),
                "the answer is not a Fulcio certificate",
            ),
        ];
        for (answer, expected) in cases {
            let err = fulcio_chain(answer.to_string().as_bytes()).expect_err("refused");
            assert!(err.contains(expected), "{answer}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        let err = fulcio_chain(b"<html>\n<body>").expect_err("garbage");
        assert!(
            err.starts_with("the answer is not a Fulcio certificate:") && !err.contains('\n'),
            "{err}"
        );
    }
}
