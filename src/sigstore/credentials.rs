//! The credential cache: a Fulcio certificate and its private key kept for the
//! certificate's ten minutes, so that a rebase signs many commits with one login. One
//! owner-only file per (Fulcio, OIDC issuer) in an owner-only directory; files others can
//! read are refused, as ssh refuses such keys. The key never leaves this file and memory
//! that is wiped when dropped.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A certificate and the key it certifies.
pub struct Credential {
    /// PKCS#8 DER of the P-256 private key.
    pub key: Zeroizing<Vec<u8>>,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    pub identity: String,
    pub issuer: String,
    pub not_after: i64,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("identity", &self.identity)
            .field("issuer", &self.issuer)
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

/// Where the credential for this Fulcio and OIDC issuer lives in `dir`.
pub fn path(dir: &Path, fulcio: &str, issuer: &str) -> PathBuf {
    let scope = Sha256::digest(format!("{fulcio}\n{issuer}").as_bytes());
    let name: String = scope[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.json"))
}

/// The cached credential, if one is there, readable by its owner only, and valid for at
/// least `margin` more seconds at `now`.
pub fn load(file: &Path, now: i64, margin: i64) -> Result<Option<Credential>, String> {
    let metadata = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "{}: {}",
                file.display(),
                crate::error::io_reason(&e)
            ));
        }
    };
    if metadata.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{} is readable by others; refusing to use the cached credential (remove it, or chmod 600)",
            file.display()
        ));
    }
    let text = Zeroizing::new(
        std::fs::read(file)
            .map_err(|e| format!("{}: {}", file.display(), crate::error::io_reason(&e)))?,
    );
    let stored: Stored = serde_json::from_slice(&text)
        .map_err(|_| format!("{} is not a gitseal credential", file.display()))?;
    if stored.version != 1 || stored.not_after < now + margin {
        return Ok(None);
    }
    let key = Zeroizing::new(
        Base64::decode_vec(&stored.key).map_err(|_| format!("{}: bad key", file.display()))?,
    );
    let chain = stored
        .chain
        .iter()
        .map(|c| Base64::decode_vec(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("{}: bad certificate", file.display()))?;
    Ok(Some(Credential {
        key,
        chain,
        identity: stored.identity.clone(),
        issuer: stored.issuer.clone(),
        not_after: stored.not_after,
    }))
}

/// Stores a credential: written to a new owner-only file beside the old one, then renamed
/// over it, so the cache is never half-written.
pub fn store(file: &Path, credential: &Credential) -> std::io::Result<()> {
    let dir = file
        .parent()
        .ok_or_else(|| std::io::Error::other("credential path has no directory"))?;
    crate::secret::private_dir(dir)?;
    let stored = Stored {
        version: 1,
        identity: credential.identity.clone(),
        issuer: credential.issuer.clone(),
        not_after: credential.not_after,
        key: Base64::encode_string(&credential.key),
        chain: credential
            .chain
            .iter()
            .map(|c| Base64::encode_string(c))
            .collect(),
    };
    let text = Zeroizing::new(serde_json::to_vec(&stored).map_err(std::io::Error::other)?);
    let temporary = dir.join(format!(".{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        f.write_all(&text)?;
        f.sync_all()?;
        std::fs::rename(&temporary, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Removes every cached credential in `dir`; returns how many there were.
pub fn remove_all(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(not_after: i64) -> Credential {
        Credential {
            key: Zeroizing::new(vec![1, 2, 3]),
            chain: vec![vec![4, 5]],
            identity: "alice@example.org".into(),
            issuer: "https://issuer.test".into(),
            not_after,
        }
    }

    #[test]
    fn stored_owner_only_and_loaded_while_valid() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = path(
            &base.path().join("creds"),
            "https://fulcio",
            "https://issuer",
        );
        store(&file, &credential(1000)).expect("stored");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("dir")), 0o700);
        let loaded = load(&file, 900, 30).expect("reads").expect("valid");
        assert_eq!(loaded.key.as_slice(), &[1, 2, 3]);
        assert_eq!(loaded.chain, vec![vec![4, 5]]);
        assert!(
            load(&file, 980, 30).expect("reads").is_none(),
            "too close to expiry"
        );
        assert!(!format!("{loaded:?}").contains("[1, 2, 3]"));
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = path(base.path(), "f", "i");
        store(&file, &credential(1000)).expect("stored");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load(&file, 0, 0).expect_err("refused");
        assert!(err.contains("readable by others"), "{err}");
        assert_eq!(remove_all(base.path()).expect("removed"), 1);
        assert!(load(&file, 0, 0).expect("reads").is_none());
    }
}
