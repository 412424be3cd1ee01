//! The file behind `openpgp::sigcache`: read before a gpg-dialect verification of an RSA
//! or DSA signature, written back after it. It is read only if both it and its directory
//! belong to the user running gitseal and nobody else may write them: an entry in it makes
//! sequoia take a signature for good, so a file another user can write would let them
//! forge any signature (docs/openpgp.md, "Speed"). Failing to read or write it changes
//! nothing but speed, and is not reported.

use crate::config::Settings;
use crate::openpgp::sigcache;
use sequoia_openpgp::packet::Signature;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The cache of one verification.
pub(super) struct SignatureCache {
    path: PathBuf,
    /// The file's contents as read (empty if there was none, or it was not trusted).
    previous: Vec<u8>,
    restoring: sigcache::Restoring,
}

impl SignatureCache {
    /// Restores the cache for a verification of `signature`, if it is one that the cache
    /// speeds up; `None` otherwise.
    pub(super) fn open(settings: &Settings, signatures: &[Signature]) -> Option<Self> {
        if !crate::openpgp::verify::slow_to_check(signatures) {
            return None;
        }
        Some(Self::start(settings.openpgp_signature_cache()?))
    }

    /// Reads the file and starts restoring it (see [`Self::ready`]).
    fn start(path: PathBuf) -> Self {
        let previous = read_private(&path).unwrap_or_default();
        let restoring = sigcache::restore(&previous);
        Self {
            path,
            previous,
            restoring,
        }
    }

    /// Waits until sequoia has the entries: before the first certificate is checked. The
    /// keyring is read meanwhile.
    pub(super) fn ready(&mut self) {
        self.restoring.wait();
    }

    /// Restores the cache for choosing a signing key, whose certificate is checked as for
    /// a verification; whether it was worth it is known only once the key is chosen
    /// ([`Self::save_for`]). Without a cache file this costs one failed open.
    pub(super) fn open_for_signing(settings: &Settings) -> Option<Self> {
        Some(Self::start(settings.openpgp_signature_cache()?))
    }

    /// [`Self::save`] if signing with `algo` is one the cache speeds up.
    pub(super) fn save_for(self, algo: sequoia_openpgp::types::PublicKeyAlgorithm) {
        if sigcache::slow_algorithm(algo) {
            self.save();
        }
    }

    /// Writes back what this process added (owner-only, renamed into place).
    pub(super) fn save(mut self) {
        self.ready();
        if let Some(contents) = sigcache::updated(&self.previous) {
            let _ = write_private(&self.path, &contents);
        }
    }
}

/// How the cache's directory is named when it cannot be used.
const STORE: crate::secret::Store = crate::secret::Store {
    name: "the OpenPGP signature cache",
    remedy: "remove it, or set GITSEAL_CACHE_DIR to a directory of your own",
};

/// The user id gitseal runs as (the owner of `/proc/self`), without `unsafe`.
fn own_uid() -> Option<u32> {
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Whether metadata describes something of the user's that nobody else may write.
fn private(meta: &std::fs::Metadata, uid: u32) -> bool {
    meta.uid() == uid && meta.mode() & 0o022 == 0
}

/// The file, if it and its directory are the user's own and nobody else's to write.
pub(super) fn read_private(path: &Path) -> Option<Vec<u8>> {
    let uid = own_uid()?;
    let dir = std::fs::metadata(path.parent()?).ok()?;
    if !dir.is_dir() || !private(&dir, uid) {
        return None;
    }
    // Judged by what was opened (a symbolic link is followed only to a file that passes
    // the same test).
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || !private(&meta, uid) {
        return None;
    }
    let limit = (sigcache::MAGIC.len() + 32 * sigcache::MAX_ENTRIES) as u64;
    let mut contents = Vec::new();
    file.take(limit).read_to_end(&mut contents).ok()?;
    Some(contents)
}

/// Writes `contents` to a new owner-only file beside `path` and renames it into place,
/// in a directory made owner-only.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache path has no directory"))?;
    crate::secret::PrivateDir::create(dir, &STORE).map_err(std::io::Error::other)?;
    let uid = own_uid().ok_or_else(|| std::io::Error::other("unknown user"))?;
    if !private(&std::fs::metadata(dir)?, uid) {
        return Err(std::io::Error::other(
            "cache directory is not the user's own",
        ));
    }
    let temporary = dir.join(format!(".openpgp-signatures.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(contents)?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
