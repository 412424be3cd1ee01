//! Which Sigstore instance to trust: a `trusted_root.json` named by `gitseal.trustedRoot`,
//! else the public-good root, refreshed through TUF (the Sigstore project's client, the
//! TUF root shipped in `sigstore-trust-root`) at most once a day and cached in the user's
//! cache directory, falling back to the cached or built-in copy with a note. The TUF
//! repository is fetched from the public-good CDN or a mirror of it (`gitseal.tufMirror`,
//! `TUF_MIRROR` as in sigstore-go and cosign's `initialize --mirror`); a mirror is trusted
//! for nothing: its metadata must verify against the same shipped TUF root.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use sigstore_crypto::VerificationKey;
use sigstore_trust_root::{
    SIGSTORE_PRODUCTION_TRUSTED_ROOT, SigstoreInstance, TrustedRoot, TufBootstrap, TufConfig,
};
use sigstore_types::{Artifact, Bundle, KindVersion, TransparencyLogEntry};
use sigstore_verify::{Policy, VerificationPolicy, VerificationResult, Verifier};

use super::SigstoreError;
use crate::secret::{PrivateDir, Store};

/// The TUF cache's directory, for its messages.
const TUF_CACHE: Store = Store {
    name: "the TUF cache",
    remedy: "remove it, or set GITSEAL_CACHE_DIR to a directory of your own",
};

/// A trusted root, ready to verify with.
pub struct TrustRoot {
    root: TrustedRoot,
    /// One verifier per Rekor log of the root (v1 and v2), each trusting that log's key
    /// alone.
    logs: Vec<Log>,
    /// Where it came from, in words (reports and `gitseal show`).
    pub source: String,
    /// SHA-256 of certificates whose chain and SCT have been verified (see
    /// [`TrustRoot::chain_known`]).
    chains: Mutex<HashSet<[u8; 32]>>,
}

/// A Rekor log of the root: its entries' SETs and checkpoints are verified by a
/// `sigstore-verify` verifier whose root lists this log and no other. `sigstore-verify`
/// 0.15.1 (the newest release) accepts a checkpoint signed by *any* trusted log key whose
/// four-byte hint matches, and never reads the checkpoint's origin: with every other log
/// left out, the only key that can sign an entry's checkpoint is the key of the log the
/// entry names.
struct Log {
    /// The log id: SHA-256 of the log's DER public key, as Rekor v1 derives it, or (Rekor
    /// v2) the C2SP key id of its key under its name ([`super::checkpoint::key_id`]).
    id: [u8; 32],
    /// A Rekor v2 (tile) log: entries hashedrekord 0.0.2, no SET, no log time.
    rekor_v2: bool,
    /// The host (and port, when the URL has one) of the log's base URL, which Rekor
    /// writes as the origin of its checkpoints (`<host> - <tree id>`).
    host: String,
    verifier: Verifier,
}

impl TrustRoot {
    pub fn new(root: TrustedRoot, source: String) -> Result<TrustRoot, SigstoreError> {
        // The whole root is checked once as `sigstore-verify` checks roots (duplicate log
        // ids, broken keys and certificates), then split per log.
        Verifier::new(&root)?;
        let mut logs = Vec::new();
        for tlog in &root.tlogs {
            let key = tlog.public_key.raw_bytes.as_bytes();
            let host = url_host(&tlog.base_url);
            let v1: [u8; 32] = Sha256::digest(key).into();
            let named = tlog.log_id.key_id.as_bytes();
            // A log whose id is its key's hash is a Rekor v1 log; one whose id is the C2SP
            // key id of its key under its host name signs C2SP checkpoints as Rekor v2
            // does. A log that is neither can have written no entry gitseal would accept.
            let (id, rekor_v2) = if named == v1 {
                (v1, false)
            } else {
                match super::checkpoint::key_id(&host, key) {
                    Some(id) if named == id => (id, true),
                    _ => continue,
                }
            };
            let mut alone = root.clone();
            alone.tlogs = vec![tlog.clone()];
            logs.push(Log {
                id,
                rekor_v2,
                host,
                verifier: Verifier::new(&alone)?,
            });
        }
        Ok(TrustRoot {
            root,
            logs,
            source,
            chains: Mutex::new(HashSet::new()),
        })
    }

    /// Whether this certificate's chain and SCT were already verified in this process, so
    /// that another signature made with it (gitsign's credential cache: a rebase signs many
    /// commits with one ten-minute certificate) need not check them again. The log still
    /// proves, for every signature, that its time lies inside the certificate's validity.
    pub fn chain_known(&self, certificate: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(certificate).into();
        self.chains.lock().is_ok_and(|set| set.contains(&digest))
    }

    /// Forgets the verified chains (benchmarks measure the full check with it).
    pub fn forget_chains(&self) {
        if let Ok(mut set) = self.chains.lock() {
            set.clear();
        }
    }

    /// Records a verified chain, when the answer cannot depend on the time within the
    /// certificate's validity: no CA window of the root begins or ends inside it.
    pub fn remember_chain(&self, certificate: &[u8], not_before: i64, not_after: i64) {
        let inside = |t: jiff::Timestamp| (not_before..=not_after).contains(&t.as_second());
        let straddled = self.root.certificate_authorities.iter().any(|ca| {
            ca.valid_for
                .is_some_and(|w| inside(w.start) || w.end.is_some_and(inside))
        });
        if straddled {
            return;
        }
        let digest: [u8; 32] = Sha256::digest(certificate).into();
        if let Ok(mut set) = self.chains.lock() {
            set.insert(digest);
        }
    }

    /// The public-good root built into gitseal.
    pub fn built_in() -> Result<TrustRoot, SigstoreError> {
        let root = TrustedRoot::from_json(SIGSTORE_PRODUCTION_TRUSTED_ROOT)
            .map_err(|e| SigstoreError::TrustRoot(format!("built-in root: {e}")))?;
        TrustRoot::new(root, "the built-in public-good root".into())
    }

    /// A `trusted_root.json` file.
    pub fn from_file(path: &Path) -> Result<TrustRoot, SigstoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SigstoreError::TrustRoot(format!(
                "cannot read {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ))
        })?;
        let root = TrustedRoot::from_json(&text)
            .map_err(|e| SigstoreError::TrustRoot(format!("{}: {e}", path.display())))?;
        TrustRoot::new(root, path.display().to_string())
    }

    pub fn root(&self) -> &TrustedRoot {
        &self.root
    }

    /// Verifies `bundle` (one Rekor v1 entry) over `artifact` with `sigstore-verify`,
    /// trusting for its SET and checkpoint only the key of the log the entry names, then
    /// checks that the checkpoint's origin is that log's (DESIGN.md section 5: the
    /// checkpoint proves inclusion in *this* log, which monitors watch, not in any log of
    /// the root).
    pub fn verify_logged<'a>(
        &self,
        artifact: impl Into<sigstore_types::Artifact<'a>>,
        bundle: &Bundle,
        policy: &VerificationPolicy,
    ) -> Result<VerificationResult, SigstoreError> {
        self.verify_bundle(artifact.into(), bundle, policy)
    }

    /// [`TrustRoot::verify_logged`] for any artifact (its bytes or its digest), any
    /// policy (a certificate's or a managed key's), and entries of Rekor v1 or v2 logs. A
    /// Rekor v2 entry must name a v2 log of the root, its checkpoint must carry that
    /// log's signature under the log's C2SP key id and name the log's host as its origin,
    /// and its time comes from RFC 3161 timestamps only.
    pub fn verify_bundle(
        &self,
        artifact: Artifact<'_>,
        bundle: &Bundle,
        policy: &dyn Policy,
    ) -> Result<VerificationResult, SigstoreError> {
        let [entry] = bundle.verification_material.tlog_entries.as_slice() else {
            return Err(SigstoreError::TlogMalformed(format!(
                "{} log entries; a signature is logged once",
                bundle.verification_material.tlog_entries.len()
            )));
        };
        let id = entry.log_id.key_id.as_bytes();
        let Some(log) = self.logs.iter().find(|log| log.id == id) else {
            let listed = self
                .root
                .tlogs
                .iter()
                .any(|t| t.log_id.key_id.as_bytes() == id);
            return Err(SigstoreError::UnknownLog(if listed {
                format!(
                    "{} (the trusted root lists it, but its id is neither the SHA-256 of its key (Rekor v1) nor the C2SP key id of its key under its host name (Rekor v2))",
                    hex(id)
                )
            } else {
                hex(id)
            }));
        };
        let v2_entry = entry.kind_version == KindVersion::HashedRekordV002;
        if v2_entry != log.rekor_v2 {
            return Err(SigstoreError::TlogMismatch(format!(
                "a {} entry from log {} ({}), which is a Rekor {} log",
                if v2_entry {
                    "Rekor v2 (hashedrekord 0.0.2)"
                } else {
                    "Rekor v1"
                },
                hex(&log.id),
                log.host,
                if log.rekor_v2 { "v2" } else { "v1" }
            )));
        }
        if v2_entry && entry.inclusion_proof.is_none() {
            return Err(SigstoreError::InclusionProof(
                "a Rekor v2 entry carries no inclusion proof (Rekor v2 gives no signed entry timestamp: the proof is the only evidence of logging)".into(),
            ));
        }
        let result =
            log.verifier.verify(artifact, bundle, policy).map_err(
                |e| match SigstoreError::from(e) {
                    SigstoreError::Checkpoint(detail) => {
                        SigstoreError::Checkpoint(self.who_signed(entry, log).unwrap_or(detail))
                    }
                    other => other,
                },
            )?;
        let checkpoint = entry
            .inclusion_proof
            .as_ref()
            .and_then(|p| p.checkpoint.checkpoint())
            .ok_or_else(|| {
                SigstoreError::Checkpoint("the entry has no signed checkpoint".into())
            })?;
        let origin_ok = if log.rekor_v2 {
            // A C2SP log's origin is its name, exactly; the key id binds that name.
            checkpoint.origin().eq_ignore_ascii_case(&log.host)
        } else {
            origin_of(checkpoint.origin(), &log.host)
        };
        if !origin_ok {
            return Err(SigstoreError::Checkpoint(format!(
                "the checkpoint signed by log {} names the origin {:?}, not that log's ({}, from its URL in the trusted root)",
                hex(&log.id),
                checkpoint.origin(),
                log.host
            )));
        }
        Ok(result)
    }

    /// When an entry's checkpoint is not signed by its own log: which other log of the
    /// root signed it, if one did, in words.
    fn who_signed(&self, entry: &TransparencyLogEntry, own: &Log) -> Option<String> {
        let checkpoint = entry.inclusion_proof.as_ref()?.checkpoint.checkpoint()?;
        let signer = self.root.tlogs.iter().find(|tlog| {
            let key = tlog.log_id.key_id.as_bytes();
            key != own.id
                && VerificationKey::from_spki(&tlog.public_key.raw_bytes).is_ok_and(|k| {
                    checkpoint.signatures().iter().any(|sig| {
                        key.starts_with(sig.key_id.as_bytes())
                            && k.verify(checkpoint.signed_data(), &sig.signature).is_ok()
                    })
                })
        })?;
        Some(format!(
            "the checkpoint is signed by log {} ({}), not by log {} ({}) that the entry names",
            hex(signer.log_id.key_id.as_bytes()),
            url_host(&signer.base_url),
            hex(&own.id),
            own.host
        ))
    }
}

/// The host (with its port, when there is one) of a URL, lower case: what a Rekor log
/// writes as its checkpoints' origin.
pub(crate) fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.to_ascii_lowercase()
}

/// Whether a checkpoint origin is the log at `host`'s: Rekor v1 writes `<host> - <tree
/// id>` (one per shard of the log), Rekor v2 and C2SP logs `<host>`.
pub(crate) fn origin_of(origin: &str, host: &str) -> bool {
    let name = match origin.split_once(" - ") {
        Some((name, tree)) if !tree.is_empty() && tree.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return false,
        None => origin,
    };
    !host.is_empty() && name.eq_ignore_ascii_case(host)
}

fn hex(bytes: &[u8]) -> String {
    super::verify::hex(bytes)
}

/// Where trust comes from, as configured.
#[derive(Clone, Debug, Default)]
pub struct TrustSettings {
    /// `gitseal.trustedRoot` / `GITSEAL_TRUSTED_ROOT`.
    pub file: Option<PathBuf>,
    /// The TUF cache (`<user cache>/gitseal/tuf`); no refresh without one.
    pub cache_dir: Option<PathBuf>,
    /// Bound on the refresh (`gitseal.timeout`).
    pub timeout: Duration,
    /// `gitseal.tufMirror` / `TUF_MIRROR`: where the public-good TUF repository is
    /// fetched from; `None` is the public-good CDN.
    pub mirror: Option<String>,
}

impl TrustSettings {
    /// The TUF repository asked for the public-good root.
    pub fn mirror_url(&self) -> &str {
        self.mirror
            .as_deref()
            .unwrap_or(SigstoreInstance::PublicGood.tuf_url())
    }
}

/// How long a refreshed (or attempted) root is used before TUF is asked again.
const REFRESH_EVERY: Duration = Duration::from_secs(24 * 3600);
const STAMP: &str = "gitseal-last-refresh";

/// Loads the configured root. The second value is a note for the user when the
/// public-good root could not be refreshed.
pub fn load(settings: &TrustSettings) -> Result<(TrustRoot, Option<String>), SigstoreError> {
    if let Some(file) = &settings.file {
        return Ok((TrustRoot::from_file(file)?, None));
    }
    let Some(cache) = &settings.cache_dir else {
        return Ok((TrustRoot::built_in()?, None));
    };
    // The TUF client reads and writes the cache by its path: only a directory of the
    // user's own (no symbolic link) is handed to it, made owner-only first.
    if let Err(refused) = PrivateDir::create(cache, &TUF_CACHE) {
        return Ok((
            TrustRoot::built_in()?,
            Some(format!("{refused}; using the built-in trusted root")),
        ));
    }
    let fresh = stamp_age(cache).is_some_and(|age| age < REFRESH_EVERY);
    if fresh {
        // The cache's metadata is checked by the TUF client, offline.
        if let Ok(root) = tuf(settings, cache, true) {
            return Ok((
                TrustRoot::new(root, "the public-good root (TUF cache)".into())?,
                None,
            ));
        }
        return Ok((TrustRoot::built_in()?, None));
    }
    let attempt = tuf(settings, cache, false);
    // Stamped whatever the outcome, so that an offline machine asks once a day, not on
    // every verification.
    stamp(cache);
    match attempt {
        Ok(root) => Ok((
            TrustRoot::new(root, "the public-good root (refreshed through TUF)".into())?,
            None,
        )),
        Err(reason) => {
            let (root, which) = match tuf(settings, cache, true) {
                Ok(cached) => (
                    TrustRoot::new(cached, "the public-good root (TUF cache)".into())?,
                    "the cached copy",
                ),
                Err(_) => (TrustRoot::built_in()?, "the built-in copy"),
            };
            let note = format!(
                "could not refresh the Sigstore trusted root: TUF ({}): {reason}; using {which}",
                settings.mirror_url()
            );
            Ok((root, Some(note)))
        }
    }
}

/// The public-good root through TUF, from the network or (`offline`) the verified cache;
/// the error is one line of cause.
fn tuf(settings: &TrustSettings, cache: &Path, offline: bool) -> Result<TrustedRoot, String> {
    let timeout = settings.timeout;
    let mut config = TufConfig::custom(
        settings.mirror_url(),
        TufBootstrap::trusted(SigstoreInstance::PublicGood.tuf_root()),
    )
    .with_cache_dir(cache.to_path_buf());
    if offline {
        config = config.offline();
    }
    let (runtime, http) = super::network(timeout)?;
    // Each request bounded on its own too: the TUF client's default allows two minutes.
    config = config.with_http_client(http);
    runtime.block_on(async {
        // The whole refresh (several requests) is bounded by one timeout, not one each.
        match tokio::time::timeout(timeout, TrustedRoot::from_tuf(config)).await {
            Ok(Ok(root)) => Ok(root),
            Ok(Err(e)) => Err(tuf_cause(&e.to_string(), timeout)),
            Err(_) => Err(super::timed_out(timeout)),
        }
    })
}

/// The TUF client's errors carry every cause in one long text ("TUF repository load
/// failed: transport error: GET <url> failed: error sending request ...: tcp connect
/// error: Connection refused (os error 111)"): the cause, in a few words.
fn tuf_cause(text: &str, timeout: Duration) -> String {
    if let Some(cause) = super::transport_cause(text, timeout) {
        return cause;
    }
    if let Some(at) = text.find("returned status ") {
        let status = text[at + "returned status ".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        return format!("HTTP {status}");
    }
    if text.contains("parse") || text.contains("JSON") || text.contains("json") {
        return "the answer is not TUF metadata".into();
    }
    super::one_line(text)
}

fn stamp_age(cache: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(cache.join(STAMP)).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

fn stamp(cache: &Path) {
    // Best effort: without a writable cache the refresh is simply tried again next time.
    if let Ok(dir) = PrivateDir::create(cache, &TUF_CACHE) {
        let _ = dir.write(STAMP, b"");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_root_loads() {
        let root = TrustRoot::built_in().expect("built-in root");
        assert!(!root.root().certificate_authorities.is_empty());
        assert!(!root.root().tlogs.is_empty());
    }

    #[test]
    fn a_missing_or_broken_file_is_a_trust_root_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.json");
        let err = TrustRoot::from_file(&missing).err().expect("missing file");
        assert_eq!(err.reason(), "trust-root");
        std::fs::write(&missing, "{").expect("write");
        let err = TrustRoot::from_file(&missing).err().expect("broken file");
        assert!(err.to_string().contains("nope.json"), "{err}");
    }

    #[test]
    fn a_checkpoint_origin_is_the_host_of_the_logs_url() {
        assert_eq!(url_host("https://rekor.sigstore.dev"), "rekor.sigstore.dev");
        assert_eq!(url_host("http://127.0.0.1:3000/api"), "127.0.0.1:3000");
        assert_eq!(url_host("https://Rekor.Example.org/"), "rekor.example.org");
        let host = "rekor.sigstore.dev";
        assert!(origin_of("rekor.sigstore.dev - 2605736670972794746", host));
        assert!(origin_of("rekor.sigstore.dev", host));
        for other in [
            "rekor.sigstage.dev - 2605736670972794746",
            "rekor.sigstore.dev.evil.test - 1",
            "rekor.sigstore.dev - ",
            "rekor.sigstore.dev - 12a",
            "rekor.sigstore.dev - 1 - 2",
            "evil rekor.sigstore.dev",
            "",
        ] {
            assert!(!origin_of(other, host), "{other}");
        }
        assert!(!origin_of("", ""));
    }

    /// The built-in root's Rekor v1 log and its Rekor v2 log (whose id is the C2SP key
    /// id of its key) each get a verifier of their own.
    #[test]
    fn each_log_is_verified_alone() {
        let root = TrustRoot::built_in().expect("built-in root");
        assert!(root.root().tlogs.len() >= 2);
        let v1: Vec<_> = root.logs.iter().filter(|l| !l.rekor_v2).collect();
        assert_eq!(v1.len(), 1);
        assert_eq!(v1[0].host, "rekor.sigstore.dev");
        assert!(
            root.logs
                .iter()
                .any(|l| l.rekor_v2 && l.host == "log2025-1.rekor.sigstore.dev")
        );
    }

    #[test]
    fn an_explicit_file_wins_and_asks_no_network() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("root.json");
        std::fs::write(&file, SIGSTORE_PRODUCTION_TRUSTED_ROOT).expect("write");
        let settings = TrustSettings {
            file: Some(file.clone()),
            cache_dir: Some(dir.path().join("cache")),
            timeout: Duration::from_secs(1),
            mirror: None,
        };
        let (root, note) = load(&settings).expect("loads");
        assert_eq!(root.source, file.display().to_string());
        assert!(note.is_none());
        assert!(!dir.path().join("cache").exists(), "no TUF cache touched");
    }
}
