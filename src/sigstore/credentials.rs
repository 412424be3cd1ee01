//! The credential cache: a Fulcio certificate and its private key kept for the
//! certificate's ten minutes, so that a rebase signs many commits with one login.
//!
//! One credential per (Fulcio, OIDC issuer) that it holds, kept where
//! `gitseal.credentialStore` says:
//! `auto` (the default) in the OS keyring (the kernel keyring on Linux, the login keychain
//! on macOS, through `keyring-core`) and, on any error of the keyring, in an owner-only file
//! of an owner-only directory; `keyring` only in the keyring; `file` only in the file, never
//! touching the keyring. Reading looks in the keyring first, then in the file. The
//! directory must be the user's own and no symbolic link, and so must the file, which
//! nobody else may read (as ssh refuses such keys): [`crate::secret::PrivateDir`]. An entry
//! is used only by a run configured for the Fulcio instance and OIDC issuer it holds, and
//! only if its certificate says what the entry says. The serialized credential (the same
//! JSON in both places) is wiped from memory once written or read, never logged, and never
//! part of an error message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use base64ct::{Base64, Encoding};
use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::secret::{PrivateDir, Store};

/// The credential cache's directory, for its messages.
const CACHE: Store = Store {
    name: "the credential cache",
    remedy: "remove it, or set gitseal.credentialCache to a directory of your own",
};

/// The most a cached credential may be: a key and a chain of two certificates are a few KiB.
const MAX_STORED_BYTES: u64 = 256 * 1024;

/// What a cached credential must hold to be used by a run: the Fulcio instance and OIDC
/// issuer the run is configured for.
#[derive(Clone, Copy, Debug)]
pub struct Wanted<'a> {
    pub fulcio: &'a str,
    pub issuer: &'a str,
}

/// A certificate and the key it certifies.
pub struct Credential {
    /// PKCS#8 DER of the P-256 private key.
    pub key: Zeroizing<Vec<u8>>,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub identity: String,
    pub issuer: String,
    /// The Fulcio instance that issued it (the URL it was asked at).
    pub fulcio: String,
    pub not_after: i64,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("identity", &self.identity)
            .field("issuer", &self.issuer)
            .field("fulcio", &self.fulcio)
            .field("not_after", &self.not_after)
            .field("key", &"[redacted]")
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    identity: String,
    issuer: String,
    fulcio: String,
    not_after: i64,
    key: String,
    chain: Vec<String>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.key.zeroize();
    }
}

/// `gitseal.credentialStore`: where credentials are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoreChoice {
    /// The OS keyring, else (on any error of it) the owner-only file.
    #[default]
    Auto,
    /// Only the OS keyring: nothing is written to disk.
    Keyring,
    /// Only the owner-only file: the keyring is never touched.
    File,
}

impl StoreChoice {
    /// `auto`, `keyring` or `file`.
    pub fn parse(text: &str) -> Option<StoreChoice> {
        match text.trim() {
            "auto" => Some(StoreChoice::Auto),
            "keyring" => Some(StoreChoice::Keyring),
            "file" => Some(StoreChoice::File),
            _ => None,
        }
    }
}

/// Where a credential is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// The OS keyring.
    Keyring,
    /// This owner-only file.
    File(PathBuf),
}

impl std::fmt::Display for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kept::Keyring => write!(f, "in {KEYRING}"),
            Kept::File(file) => write!(f, "in {}", file.display()),
        }
    }
}

/// The keyring entries' service; their user is the scope name of [`path`].
const SERVICE: &str = "gitseal";

#[cfg(target_os = "linux")]
const KEYRING: &str = "the kernel keyring";
#[cfg(target_os = "macos")]
const KEYRING: &str = "the login keychain";
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
const KEYRING: &str = "the OS keyring";

/// Opens the keyring; called only when the choice is not `file`.
type Opener<'a> = &'a dyn Fn() -> Result<Arc<CredentialStore>, String>;

/// The OS keyring of this process, opened once.
fn os_keyring() -> Result<Arc<CredentialStore>, String> {
    static STORE: OnceLock<Result<Arc<CredentialStore>, String>> = OnceLock::new();
    STORE.get_or_init(open_os_keyring).clone()
}

/// Linux: keyutils. A process outside a login session (no pam_keyinit: containers, CI,
/// services) has no session keyring; the kernel lends it the user-session keyring, where a
/// key can be added but then neither read back nor removed (AccessDenied), so the secret
/// would be stranded. gitseal therefore joins a session keyring of its own when it has
/// none (it lives as long as the process) and keeps entries through the user's persistent
/// keyring, which outlives processes; without a persistent keyring there is nothing to
/// keep them in, and the keyring is not used.
#[cfg(target_os = "linux")]
fn open_os_keyring() -> Result<Arc<CredentialStore>, String> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let refused = |e: linux_keyutils::KeyError| format!("{KEYRING}: {e}");
    let in_session = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .and_then(|ring| ring.metadata())
        .is_ok_and(|m| !m.get_description().starts_with("_uid_ses."));
    KeyRing::from_special_id(KeyRingIdentifier::Session, true).map_err(refused)?;
    if !in_session {
        KeyRing::get_persistent(KeyRingIdentifier::Session).map_err(refused)?;
    }
    let store: Arc<CredentialStore> =
        linux_keyutils_keyring_store::Store::new().map_err(|e| failed(&e))?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn open_os_keyring() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> =
        apple_native_keyring_store::keychain::Store::new().map_err(|e| failed(&e))?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn open_os_keyring() -> Result<Arc<CredentialStore>, String> {
    Err(format!("{KEYRING}: none on this system"))
}

/// Linux: the kernel forgets the entry when the certificate expires, `not_after` seen
/// from `now` (best effort; a stale entry is ignored when read anyway).
#[cfg(target_os = "linux")]
fn expire(entry: &Entry, not_after: i64, now: i64) {
    let seconds = usize::try_from(not_after.saturating_sub(now).max(1)).unwrap_or(1);
    if let Some(cred) = entry
        .as_any()
        .downcast_ref::<linux_keyutils_keyring_store::Cred>()
        && let Ok(key) = cred.session.search(&cred.description)
    {
        let _ = key.set_timeout(seconds);
    }
}

#[cfg(not(target_os = "linux"))]
fn expire(_: &Entry, _: i64, _: i64) {}

/// A keyring error in one line, without the secret some variants carry.
fn failed(error: &keyring_core::Error) -> String {
    use keyring_core::Error;
    let what = match error {
        Error::NoStorageAccess(e) => format!("no access ({e})"),
        Error::PlatformFailure(e) => format!("failed ({e})"),
        Error::NoEntry => "no such entry".into(),
        Error::BadEncoding(_) | Error::BadDataFormat(..) => "the entry is malformed".into(),
        Error::BadStoreFormat(_) => "the store is malformed".into(),
        Error::TooLong(name, limit) => format!("the {name} is longer than its limit ({limit})"),
        Error::Invalid(name, why) => format!("invalid {name}: {why}"),
        Error::Ambiguous(_) => "more than one entry matches".into(),
        Error::NotSupportedByStore(why) => format!("not supported: {why}"),
        _ => "failed".into(),
    };
    let line = what.lines().next().unwrap_or("").trim().to_string();
    format!("{KEYRING}: {line}")
}

/// The version of [`Stored`] written and read: 2 names the Fulcio instance (version 1
/// entries, kept under the configured issuer whatever issuer they held, are not read).
const VERSION: u32 = 2;

/// The scope name of a (Fulcio, OIDC issuer).
fn scope(fulcio: &str, issuer: &str) -> String {
    let digest = Sha256::digest(format!("{fulcio}\n{issuer}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the credential for this Fulcio and OIDC issuer lives in `dir` (and, in the
/// keyring, the entry named by the file's stem). A credential is kept under the issuer it
/// holds, not the one configured: a token of another issuer signs once, and its
/// credential is not found by a run configured for the usual one.
pub fn path(dir: &Path, fulcio: &str, issuer: &str) -> PathBuf {
    dir.join(format!("{}.json", scope(fulcio, issuer)))
}

/// Checks the cache's directory before anything is read from or written to it, unless
/// only the keyring is used: an existing directory must be the user's own and not a
/// symbolic link (it is then made owner-only). One line naming the directory and what to
/// do, when not.
pub fn check_dir(choice: StoreChoice, dir: &Path) -> Result<(), String> {
    if choice == StoreChoice::Keyring {
        return Ok(());
    }
    PrivateDir::existing(dir, &CACHE).map(|_| ())
}

/// The keyring entry of the credential whose file is `file`.
fn entry(store: &Arc<CredentialStore>, file: &Path) -> Result<Entry, String> {
    let user = file
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{KEYRING}: {} names no scope", file.display()))?;
    Entry::new_in_store(store, SERVICE, user).map_err(|e| failed(&e))
}

/// The cached credential for `wanted`, if one is there (in the keyring, or in a file
/// readable by its owner only), valid for at least `margin` more seconds at `now`.
pub fn load(
    choice: StoreChoice,
    dir: &Path,
    wanted: Wanted,
    now: i64,
    margin: i64,
) -> Result<Option<Credential>, String> {
    let file = path(dir, wanted.fulcio, wanted.issuer);
    Ok(load_in(choice, &os_keyring, &file, wanted, now, margin)?.map(|(credential, _)| credential))
}

/// Where the cached credential for `wanted`, valid for `margin` more seconds at `now`, is
/// kept, if any.
pub fn locate(
    choice: StoreChoice,
    dir: &Path,
    wanted: Wanted,
    now: i64,
    margin: i64,
) -> Result<Option<Kept>, String> {
    let file = path(dir, wanted.fulcio, wanted.issuer);
    Ok(load_in(choice, &os_keyring, &file, wanted, now, margin)?.map(|(_, kept)| kept))
}

/// Stores a credential, under the Fulcio instance and issuer it holds: in the keyring,
/// else (`auto`, on any error of the keyring) in a new owner-only file renamed over the
/// old one, so the cache is never half-written. A keyring entry expires with the
/// certificate, counted from `now`.
pub fn store(
    choice: StoreChoice,
    dir: &Path,
    credential: &Credential,
    now: i64,
) -> std::io::Result<()> {
    let file = path(dir, &credential.fulcio, &credential.issuer);
    store_in(choice, &os_keyring, &file, credential, now).map(|_| ())
}

/// Removes the keyring entry of the credential whose file is `file`; whether there was
/// one. Nothing with `file`; errors of the keyring only with `keyring`.
pub fn remove(choice: StoreChoice, file: &Path) -> Result<bool, String> {
    remove_in(choice, &os_keyring, file)
}

fn load_in(
    choice: StoreChoice,
    open: Opener,
    file: &Path,
    wanted: Wanted,
    now: i64,
    margin: i64,
) -> Result<Option<(Credential, Kept)>, String> {
    if choice != StoreChoice::File {
        match load_keyring(open, file, wanted, now, margin) {
            Ok(Some(credential)) => return Ok(Some((credential, Kept::Keyring))),
            Ok(None) => {}
            Err(problem) if choice == StoreChoice::Keyring => return Err(problem),
            // `auto`: a keyring that cannot be read is one without the credential.
            Err(_) => {}
        }
        if choice == StoreChoice::Keyring {
            return Ok(None);
        }
    }
    Ok(load_file(file, wanted, now, margin)?.map(|c| (c, Kept::File(file.to_path_buf()))))
}

fn load_keyring(
    open: Opener,
    file: &Path,
    wanted: Wanted,
    now: i64,
    margin: i64,
) -> Result<Option<Credential>, String> {
    let store = open()?;
    let entry = entry(&store, file)?;
    let secret = match entry.get_secret() {
        Ok(secret) => Zeroizing::new(secret),
        Err(keyring_core::Error::NoEntry) => return Ok(None),
        Err(e) => return Err(failed(&e)),
    };
    decode(
        &secret,
        wanted,
        now,
        margin,
        &format!("the entry of {KEYRING}"),
    )
}

/// The credential in `file`, read through its directory (the user's own, no symbolic
/// link) as a file of the user's that nobody else can read.
fn load_file(
    file: &Path,
    wanted: Wanted,
    now: i64,
    margin: i64,
) -> Result<Option<Credential>, String> {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return Err(format!("{} names no file", file.display()));
    };
    let Some(dir) = PrivateDir::existing(dir, &CACHE)? else {
        return Ok(None);
    };
    match dir.read(name, MAX_STORED_BYTES)? {
        Some(text) => decode(&text, wanted, now, margin, &file.display().to_string()),
        None => Ok(None),
    }
}

/// The credential in `text` (named `name` in errors), if it holds what the run wants and
/// is still valid for `margin`.
fn decode(
    text: &[u8],
    wanted: Wanted,
    now: i64,
    margin: i64,
    name: &str,
) -> Result<Option<Credential>, String> {
    let stored: Stored =
        serde_json::from_slice(text).map_err(|_| format!("{name} is not a gitseal credential"))?;
    if stored.version != VERSION || stored.not_after < now + margin {
        return Ok(None);
    }
    if stored.fulcio != wanted.fulcio || stored.issuer != wanted.issuer {
        return Err(format!(
            "{name} holds a credential of {} from {}, not of {} from {}; not used",
            crate::output::escape::text(&stored.issuer),
            crate::output::escape::text(&stored.fulcio),
            wanted.issuer,
            wanted.fulcio
        ));
    }
    let key =
        Zeroizing::new(Base64::decode_vec(&stored.key).map_err(|_| format!("{name}: bad key"))?);
    let chain = stored
        .chain
        .iter()
        .map(|c| Base64::decode_vec(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("{name}: bad certificate"))?;
    // The entry's words are believed only as far as its certificate says them.
    let leaf = chain
        .first()
        .and_then(|leaf| super::certificate::facts(leaf).ok())
        .ok_or_else(|| format!("{name}: bad certificate"))?;
    if leaf.identity != stored.identity
        || leaf.issuer != stored.issuer
        || leaf.not_after != stored.not_after
    {
        return Err(format!(
            "{name}: the certificate is not the one the entry describes; not used"
        ));
    }
    Ok(Some(Credential {
        key,
        chain,
        identity: stored.identity.clone(),
        issuer: stored.issuer.clone(),
        fulcio: stored.fulcio.clone(),
        not_after: stored.not_after,
    }))
}

/// The credential serialized, in a buffer sized once (so no copy is left behind by its
/// growing) and wiped when dropped.
fn encode(credential: &Credential) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let stored = Stored {
        version: VERSION,
        identity: credential.identity.clone(),
        issuer: credential.issuer.clone(),
        fulcio: credential.fulcio.clone(),
        not_after: credential.not_after,
        key: Base64::encode_string(&credential.key),
        chain: credential
            .chain
            .iter()
            .map(|c| Base64::encode_string(c))
            .collect(),
    };
    let size = 256
        + stored.identity.len()
        + stored.issuer.len()
        + stored.fulcio.len()
        + stored.key.len()
        + stored.chain.iter().map(|c| c.len() + 3).sum::<usize>();
    let mut text = Zeroizing::new(Vec::with_capacity(size));
    serde_json::to_writer(&mut *text, &stored).map_err(std::io::Error::other)?;
    Ok(text)
}

fn store_in(
    choice: StoreChoice,
    open: Opener,
    file: &Path,
    credential: &Credential,
    now: i64,
) -> std::io::Result<Kept> {
    let text = encode(credential)?;
    if choice != StoreChoice::File {
        match store_keyring(open, file, &text, credential.not_after, now) {
            Ok(()) => {
                // An older credential of this scope no longer lies on disk.
                let _ = std::fs::remove_file(file);
                return Ok(Kept::Keyring);
            }
            Err(problem) if choice == StoreChoice::Keyring => {
                return Err(std::io::Error::other(problem));
            }
            // `auto`: any error of the keyring, and the file keeps the credential.
            Err(_) => {}
        }
    }
    store_file(file, &text)?;
    Ok(Kept::File(file.to_path_buf()))
}

fn store_keyring(
    open: Opener,
    file: &Path,
    text: &[u8],
    not_after: i64,
    now: i64,
) -> Result<(), String> {
    let store = open()?;
    let entry = entry(&store, file)?;
    entry.set_secret(text).map_err(|e| failed(&e))?;
    expire(&entry, not_after, now);
    Ok(())
}

/// Written to a new owner-only file beside the old one, then renamed over it, in a
/// directory of the user's own.
fn store_file(file: &Path, text: &[u8]) -> std::io::Result<()> {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return Err(std::io::Error::other("the credential path names no file"));
    };
    PrivateDir::create(dir, &CACHE)
        .map_err(std::io::Error::other)?
        .write(name, text)
}

fn remove_in(choice: StoreChoice, open: Opener, file: &Path) -> Result<bool, String> {
    if choice == StoreChoice::File {
        return Ok(false);
    }
    let removed = open()
        .and_then(|store| entry(&store, file))
        .and_then(|entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(failed(&e)),
        });
    match removed {
        Err(_) if choice == StoreChoice::Auto => Ok(false),
        other => other,
    }
}

/// Removes every cached credential file in `dir` (the user's own, no symbolic link);
/// returns how many there were.
pub fn remove_all(dir: &Path) -> Result<usize, String> {
    let Some(store) = PrivateDir::existing(dir, &CACHE)? else {
        return Ok(0);
    };
    let failed = |e: std::io::Error| {
        format!(
            "cannot remove credentials in {}: {}",
            dir.display(),
            crate::error::io_reason(&e)
        )
    };
    let mut removed = 0;
    for name in store.names().map_err(failed)? {
        if name.ends_with(".json") && store.remove(&name).map_err(failed)? {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const FULCIO: &str = "https://fulcio";
    const GITHUB: &str = "https://github.com/login/oauth";

    /// The leaf certificate of a real gitsign commit (billy@chainguard.dev at GitHub).
    fn leaf(commit: &[u8]) -> Vec<u8> {
        let signature =
            crate::git::signed::split_commit(commit, crate::git::signed::HashKind::Sha1)
                .ok()
                .flatten()
                .map(|s| s.signature)
                .expect("a signed commit");
        super::super::cms::parse(&signature)
            .expect("a gitsign signature")
            .certificate
    }

    /// A credential whose chain is a real Fulcio leaf, as the cache keeps them: the first
    /// expires before the second.
    fn credential(n: usize) -> Credential {
        let mut leaves = [
            leaf(&crate::testdata::read_gitsign(
                "45d6e8d224a6995f61b08b843a77e9dbc81761d2.commit",
            )),
            leaf(&crate::testdata::read_gitsign(
                "4f4e3db155dd645fb34eb0a725454c6daac6b6c6.commit",
            )),
        ];
        let expiry = |l: &Vec<u8>| {
            super::super::certificate::facts(l)
                .expect("facts")
                .not_after
        };
        leaves.sort_by_key(expiry);
        let leaf = leaves[n].clone();
        let facts = super::super::certificate::facts(&leaf).expect("facts");
        assert_eq!(facts.issuer, GITHUB);
        Credential {
            key: Zeroizing::new(vec![1, 2, 3]),
            chain: vec![leaf],
            identity: facts.identity,
            issuer: facts.issuer,
            fulcio: FULCIO.into(),
            not_after: facts.not_after,
        }
    }

    /// When the later credential expires.
    fn t() -> i64 {
        credential(1).not_after
    }

    fn wanted() -> Wanted<'static> {
        Wanted {
            fulcio: FULCIO,
            issuer: GITHUB,
        }
    }

    fn scoped(dir: &Path) -> PathBuf {
        path(dir, FULCIO, GITHUB)
    }

    #[test]
    fn stored_owner_only_and_loaded_while_valid() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(&base.path().join("creds"));
        store_file(&file, &encode(&credential(1)).expect("encoded")).expect("stored");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("dir")), 0o700);
        let loaded = load_file(&file, wanted(), t() - 100, 30)
            .expect("reads")
            .expect("valid");
        assert_eq!(loaded.key.as_slice(), &[1, 2, 3]);
        assert_eq!(loaded.chain, credential(1).chain);
        assert!(
            load_file(&file, wanted(), t() - 20, 30)
                .expect("reads")
                .is_none(),
            "too close to expiry"
        );
        assert!(!format!("{loaded:?}").contains("[1, 2, 3]"));
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(base.path());
        store_file(&file, &encode(&credential(1)).expect("encoded")).expect("stored");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load_file(&file, wanted(), 0, 0).expect_err("refused");
        assert!(err.contains("readable by others"), "{err}");
        assert_eq!(remove_all(base.path()).expect("removed"), 1);
        assert!(load_file(&file, wanted(), 0, 0).expect("reads").is_none());
    }

    /// A credential is found only under the Fulcio and issuer it holds, and one put under
    /// another scope's name is not used there.
    #[test]
    fn an_entry_is_used_only_by_the_fulcio_and_issuer_it_holds() {
        let base = tempfile::tempdir().expect("tempdir");
        let text = encode(&credential(1)).expect("encoded");
        let other = Wanted {
            fulcio: FULCIO,
            issuer: "https://accounts.google.com",
        };
        let misplaced = path(base.path(), other.fulcio, other.issuer);
        store_file(&misplaced, &text).expect("stored");
        let err = load_file(&misplaced, other, t() - 100, 30).expect_err("not this issuer");
        assert!(
            err.contains("holds a credential of https://github.com/login/oauth")
                && err.contains("not used"),
            "{err}"
        );
        let elsewhere = Wanted {
            fulcio: "https://fulcio.other",
            issuer: GITHUB,
        };
        let err = decode(&text, elsewhere, t() - 100, 30, "entry").expect_err("not this Fulcio");
        assert!(err.contains("from https://fulcio, not"), "{err}");
        // An entry whose words are not its certificate's.
        let mut lying = credential(1);
        lying.identity = "mallory@example.org".into();
        let err = decode(
            &encode(&lying).expect("encoded"),
            wanted(),
            t() - 100,
            30,
            "entry",
        )
        .expect_err("lying entry");
        assert!(err.contains("not the one the entry describes"), "{err}");
        // A version 1 entry (kept under the configured issuer) is not read.
        let mut old: serde_json::Value = serde_json::from_slice(&text).expect("json");
        old["version"] = 1.into();
        let old = serde_json::to_vec(&old).expect("json");
        assert!(
            decode(&old, wanted(), t() - 100, 30, "entry")
                .expect("reads")
                .is_none()
        );
    }

    /// keyring-core's in-memory mock store, as the OS keyring.
    fn mock() -> Arc<CredentialStore> {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
        store
    }

    /// The mock entry of `file`'s credential, to look into or to make fail.
    fn mock_entry(store: &Arc<CredentialStore>, file: &Path) -> Entry {
        Entry::new_in_store(store, SERVICE, &file_stem(file)).expect("entry")
    }

    fn file_stem(file: &Path) -> String {
        file.file_stem()
            .and_then(|s| s.to_str())
            .expect("stem")
            .to_string()
    }

    fn fail_next(entry: &Entry, error: keyring_core::Error) {
        entry
            .as_any()
            .downcast_ref::<keyring_core::mock::Cred>()
            .expect("a mock credential")
            .set_error(error);
    }

    fn denied() -> keyring_core::Error {
        keyring_core::Error::NoStorageAccess("AccessDenied".into())
    }

    #[test]
    fn the_keyring_stores_loads_and_removes() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(&base.path().join("creds"));
        let store = mock();
        let open = || Ok(store.clone());
        for choice in [StoreChoice::Auto, StoreChoice::Keyring] {
            let kept = store_in(choice, &open, &file, &credential(1), t() - 100).expect("stored");
            assert_eq!(kept, Kept::Keyring, "{choice:?}");
            assert!(!file.exists(), "{choice:?}: nothing on disk");
            // The entry holds the same JSON the file would, under gitseal/<scope>.
            let secret = Zeroizing::new(mock_entry(&store, &file).get_secret().expect("set"));
            let stored: serde_json::Value = serde_json::from_slice(&secret).expect("json");
            assert_eq!(stored["identity"], "billy@chainguard.dev");
            assert_eq!(stored["fulcio"], FULCIO);
            assert_eq!(stored["key"], Base64::encode_string(&[1, 2, 3]));
            assert_eq!(file_stem(&file).len(), 16);

            let (loaded, kept) = load_in(choice, &open, &file, wanted(), t() - 100, 30)
                .expect("reads")
                .expect("valid");
            assert_eq!(kept, Kept::Keyring);
            assert_eq!(loaded.key.as_slice(), &[1, 2, 3]);
            assert_eq!(loaded.chain, credential(1).chain);
            assert!(
                load_in(choice, &open, &file, wanted(), t() - 20, 30)
                    .expect("reads")
                    .is_none()
            );

            assert!(remove_in(choice, &open, &file).expect("removed"));
            assert!(!remove_in(choice, &open, &file).expect("nothing left"));
            assert!(
                load_in(choice, &open, &file, wanted(), t() - 100, 30)
                    .expect("reads")
                    .is_none()
            );
        }
    }

    #[test]
    fn a_keyring_error_degrades_to_the_file() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(&base.path().join("creds"));
        let store = mock();
        let open = || Ok(store.clone());
        fail_next(&mock_entry(&store, &file), denied());
        let kept =
            store_in(StoreChoice::Auto, &open, &file, &credential(1), t() - 100).expect("stored");
        assert_eq!(kept, Kept::File(file.clone()));
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("dir")), 0o700);
        assert!(
            mock_entry(&store, &file).get_secret().is_err(),
            "nothing in the keyring"
        );

        // Read: the keyring (empty, or failing) first, then the file.
        fail_next(&mock_entry(&store, &file), denied());
        let (loaded, kept) = load_in(StoreChoice::Auto, &open, &file, wanted(), t() - 100, 30)
            .expect("reads")
            .expect("valid");
        assert_eq!(
            (loaded.key.as_slice(), kept),
            (&[1u8, 2, 3][..], Kept::File(file.clone()))
        );

        // A keyring that cannot be opened at all is one more error of the keyring.
        let closed = || Err::<Arc<CredentialStore>, _>("the kernel keyring: no access".to_string());
        std::fs::remove_file(&file).expect("rm");
        let kept =
            store_in(StoreChoice::Auto, &closed, &file, &credential(1), t() - 100).expect("stored");
        assert_eq!(kept, Kept::File(file.clone()));
        assert!(!remove_in(StoreChoice::Auto, &closed, &file).expect("auto ignores it"));

        // A valid entry in the keyring wins over the file; an expired one does not hide it.
        let a = credential(0).not_after;
        store_in(StoreChoice::Keyring, &open, &file, &credential(0), a - 100).expect("stored");
        assert!(
            !file.exists(),
            "the keyring's success removes the older file"
        );
        store_file(&file, &encode(&credential(1)).expect("encoded")).expect("file");
        let (loaded, kept) = load_in(StoreChoice::Auto, &open, &file, wanted(), a - 100, 30)
            .expect("reads")
            .expect("valid");
        assert_eq!((loaded.not_after, kept), (a, Kept::Keyring));
        let (loaded, kept) = load_in(StoreChoice::Auto, &open, &file, wanted(), a - 20, 30)
            .expect("reads")
            .expect("valid");
        assert_eq!((loaded.not_after, kept), (t(), Kept::File(file.clone())));
    }

    #[test]
    fn keyring_only_reports_its_errors_and_writes_no_file() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(&base.path().join("creds"));
        let store = mock();
        let open = || Ok(store.clone());
        let secret = encode(&credential(1)).expect("encoded");
        fail_next(
            &mock_entry(&store, &file),
            keyring_core::Error::BadDataFormat(secret.to_vec(), "bad".into()),
        );
        let err = store_in(
            StoreChoice::Keyring,
            &open,
            &file,
            &credential(1),
            t() - 100,
        )
        .expect_err("the keyring failed");
        let message = err.to_string();
        assert!(message.starts_with(KEYRING), "{message}");
        assert!(
            !message.contains("billy") && !message.contains("AQID"),
            "{message}"
        );
        assert!(!file.exists() && !file.parent().expect("dir").exists());

        fail_next(&mock_entry(&store, &file), denied());
        let err =
            load_in(StoreChoice::Keyring, &open, &file, wanted(), 0, 0).expect_err("reported");
        assert_eq!(err, format!("{KEYRING}: no access (AccessDenied)"));
        fail_next(&mock_entry(&store, &file), denied());
        assert!(remove_in(StoreChoice::Keyring, &open, &file).is_err());

        // A file left by the file store is not read with `keyring`.
        store_file(&file, &secret).expect("file");
        assert!(
            load_in(StoreChoice::Keyring, &open, &file, wanted(), 0, 0)
                .expect("reads")
                .is_none()
        );
    }

    #[test]
    fn file_never_touches_the_keyring() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = scoped(&base.path().join("creds"));
        let opened = std::cell::Cell::new(0);
        let open = || {
            opened.set(opened.get() + 1);
            Ok(mock())
        };
        let kept =
            store_in(StoreChoice::File, &open, &file, &credential(1), t() - 100).expect("stored");
        assert_eq!(kept, Kept::File(file.clone()));
        let (_, kept) = load_in(StoreChoice::File, &open, &file, wanted(), t() - 100, 30)
            .expect("reads")
            .expect("valid");
        assert_eq!(kept, Kept::File(file.clone()));
        assert!(!remove_in(StoreChoice::File, &open, &file).expect("nothing"));
        assert_eq!(opened.get(), 0, "the keyring was opened");
        assert_eq!(format!("{kept}"), format!("in {}", file.display()));
    }

    #[test]
    fn keyring_errors_never_carry_the_secret() {
        let secret = b"{\"key\":\"c2VjcmV0\"}".to_vec();
        for error in [
            keyring_core::Error::BadEncoding(secret.clone()),
            keyring_core::Error::BadDataFormat(secret.clone(), "not json".into()),
            keyring_core::Error::PlatformFailure("line one\nline two".into()),
        ] {
            let message = failed(&error);
            assert!(!message.contains("c2VjcmV0"), "{message}");
            assert!(!message.contains('\n'), "{message}");
            assert!(message.starts_with(KEYRING), "{message}");
        }
    }

    #[test]
    fn the_choice_is_parsed() {
        assert_eq!(StoreChoice::parse("auto"), Some(StoreChoice::Auto));
        assert_eq!(StoreChoice::parse(" keyring"), Some(StoreChoice::Keyring));
        assert_eq!(StoreChoice::parse("file"), Some(StoreChoice::File));
        assert_eq!(StoreChoice::parse("vault"), None);
        assert_eq!(StoreChoice::default(), StoreChoice::Auto);
    }
}
