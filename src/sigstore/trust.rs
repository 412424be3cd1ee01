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

use sigstore_trust_root::{
    SIGSTORE_PRODUCTION_TRUSTED_ROOT, SigstoreInstance, TrustedRoot, TufBootstrap, TufConfig,
};
use sigstore_verify::Verifier;

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
    verifier: Verifier,
    /// Where it came from, in words (reports and `gitseal show`).
    pub source: String,
    /// SHA-256 of certificates whose chain and SCT have been verified (see
    /// [`TrustRoot::chain_known`]).
    chains: Mutex<HashSet<[u8; 32]>>,
}

impl TrustRoot {
    pub fn new(root: TrustedRoot, source: String) -> Result<TrustRoot, SigstoreError> {
        let verifier = Verifier::new(&root)?;
        Ok(TrustRoot {
            root,
            verifier,
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

    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
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
