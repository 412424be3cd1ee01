//! Secrets (passphrases, tokens) that zeroize on drop and never print, and the owner-only
//! directories where gitseal keeps what it must keep ([`PrivateDir`]).

use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A secret string: wiped from memory when dropped, `[redacted]` in `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The secret itself; call sites are the only places it is ever read.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Which store a [`PrivateDir`] is, for its messages: what it is called and what the
/// person can do when it is refused.
pub struct Store {
    /// "the credential cache"
    pub name: &'static str,
    /// "remove it, or point gitseal.credentialCache at a directory of your own"
    pub remedy: &'static str,
}

impl Store {
    fn refused(&self, path: &Path, why: &str) -> String {
        format!(
            "{} {} {why}; it is neither used nor changed ({})",
            self.name,
            path.display(),
            self.remedy
        )
    }

    fn failed(&self, path: &Path, error: &std::io::Error) -> String {
        format!(
            "{} {}: {}",
            self.name,
            path.display(),
            crate::error::io_reason(error)
        )
    }
}

/// A directory of the user's own that keeps secrets or caches (the Sigstore credential
/// cache, the TUF cache): owner-only (0700), as ssh and gpg keep theirs.
///
/// It is opened once, without following a symbolic link, and judged by what the open
/// descriptor is, not by its name: a directory another user owns is neither used nor
/// changed (a root run whose `HOME` or cache variable names another user's directory
/// must not leave its signing key there, nor chmod that directory), and every file in it
/// is then reached through the descriptor (`openat`, `renameat`), so renaming the path
/// afterwards cannot redirect a write.
pub struct PrivateDir {
    path: PathBuf,
    fd: rustix::fd::OwnedFd,
}

impl std::fmt::Debug for PrivateDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateDir")
            .field("path", &self.path)
            .finish()
    }
}

/// The user gitseal runs as: files it creates belong to its effective uid.
fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

impl PrivateDir {
    /// The store at `path`, created (with its parents) when it does not exist yet.
    pub fn create(path: &Path, store: &Store) -> Result<PrivateDir, String> {
        if let Some(dir) = Self::existing(path, store)? {
            return Ok(dir);
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| store.failed(path, &e))?;
        }
        match rustix::fs::mkdir(path, rustix::fs::Mode::from_raw_mode(0o700)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(store.failed(path, &e.into())),
        }
        Self::existing(path, store)?
            .ok_or_else(|| store.failed(path, &std::io::ErrorKind::NotFound.into()))
    }

    /// The store at `path` if it exists: a directory (not a symbolic link to one) that
    /// belongs to this user. Access by group or others is taken away.
    pub fn existing(path: &Path, store: &Store) -> Result<Option<PrivateDir>, String> {
        use rustix::fs::{FileType, Mode, OFlags};
        let link = || store.refused(path, "is a symbolic link");
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(store.failed(path, &e)),
            Ok(m) if m.file_type().is_symlink() => return Err(link()),
            Ok(m) if !m.is_dir() => return Err(store.refused(path, "is not a directory")),
            Ok(_) => {}
        }
        // What is judged is what was opened: a swap after the look above is caught here.
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => link(),
            rustix::io::Errno::NOTDIR => store.refused(path, "is not a directory"),
            other => store.failed(path, &other.into()),
        })?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| store.failed(path, &e.into()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
            return Err(store.refused(path, "is not a directory"));
        }
        if stat.st_uid != me() {
            return Err(store.refused(
                path,
                &format!("belongs to uid {}, not to you (uid {})", stat.st_uid, me()),
            ));
        }
        if Mode::from_raw_mode(stat.st_mode).intersects(Mode::RWXG | Mode::RWXO) {
            rustix::fs::fchmod(&fd, Mode::RWXU).map_err(|e| store.failed(path, &e.into()))?;
        }
        Ok(Some(PrivateDir {
            path: path.to_path_buf(),
            fd,
        }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file `name` (at most `max` bytes), if there is one: a regular file, not a
    /// symbolic link, of this user's, that nobody else can read (as ssh refuses such keys).
    pub fn read(&self, name: &str, max: u64) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
        use rustix::fs::{FileType, Mode, OFlags};
        use std::io::Read;
        let path = self.path.join(name);
        let failed =
            |e: std::io::Error| format!("{}: {}", path.display(), crate::error::io_reason(&e));
        let fd = match rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP) => {
                return Err(format!(
                    "{} is a symbolic link; gitseal does not follow it (remove it)",
                    path.display()
                ));
            }
            Err(e) => return Err(failed(e.into())),
        };
        let stat = rustix::fs::fstat(&fd).map_err(|e| failed(e.into()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(format!(
                "{} is not a regular file (remove it)",
                path.display()
            ));
        }
        if stat.st_uid != me() {
            return Err(format!(
                "{} belongs to uid {}, not to you (uid {}); refusing to use it (remove it)",
                path.display(),
                stat.st_uid,
                me()
            ));
        }
        if Mode::from_raw_mode(stat.st_mode).intersects(Mode::RWXG | Mode::RWXO) {
            return Err(format!(
                "{} is readable by others; refusing to use it (remove it, or chmod 600)",
                path.display()
            ));
        }
        let mut text = Zeroizing::new(Vec::new());
        std::fs::File::from(fd)
            .take(max.saturating_add(1))
            .read_to_end(&mut text)
            .map_err(failed)?;
        if text.len() as u64 > max {
            return Err(format!(
                "{} is larger than {max} bytes (remove it)",
                path.display()
            ));
        }
        Ok(Some(text))
    }

    /// Writes `name` whole (owner-only): a new file beside it, renamed over it, so a reader
    /// sees the old contents or the new, never half.
    pub fn write(&self, name: &str, contents: &[u8]) -> std::io::Result<()> {
        use rustix::fs::{AtFlags, Mode, OFlags};
        use std::io::Write;
        let temporary = format!(".{}.{name}.tmp", std::process::id());
        // A temporary left by a crashed run of the same process id.
        let _ = rustix::fs::unlinkat(&self.fd, temporary.as_str(), AtFlags::empty());
        let written = (|| -> std::io::Result<()> {
            let fd = rustix::fs::openat(
                &self.fd,
                temporary.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::RUSR | Mode::WUSR,
            )?;
            let mut file = std::fs::File::from(fd);
            file.write_all(contents)?;
            file.sync_all()?;
            rustix::fs::renameat(&self.fd, temporary.as_str(), &self.fd, name)?;
            Ok(())
        })();
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&self.fd, temporary.as_str(), AtFlags::empty());
        }
        written
    }

    /// Removes `name`; whether it was there.
    pub fn remove(&self, name: &str) -> std::io::Result<bool> {
        match rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The names of the entries in the directory.
    pub fn names(&self) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            if let Ok(name) = entry.file_name().to_str()
                && name != "."
                && name != ".."
            {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }
}

/// Appends `contents` to the file at `path` with one `write` (O_APPEND: whole, after
/// whatever another process appended), creating it owner-only (0600). A file that is a
/// symbolic link, not a regular file, or another user's is refused; one that others can
/// read is made owner-only first. For the debug log, which names what a run did.
pub fn append_private(path: &Path, contents: &[u8]) -> Result<(), String> {
    use rustix::fs::{FileType, Mode, OFlags};
    let failed = |e: std::io::Error| crate::error::io_reason(&e);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let fd = rustix::fs::open(
        path,
        OFlags::WRONLY
            | OFlags::APPEND
            | OFlags::CREATE
            | OFlags::NOFOLLOW
            | OFlags::CLOEXEC
            | OFlags::NOCTTY
            | OFlags::NONBLOCK,
        Mode::RUSR | Mode::WUSR,
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP => "it is a symbolic link; gitseal does not follow it".into(),
        other => failed(other.into()),
    })?;
    let stat = rustix::fs::fstat(&fd).map_err(|e| failed(e.into()))?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err("it is not a regular file".into());
    }
    if stat.st_uid != me() {
        return Err(format!(
            "it belongs to uid {}, not to you (uid {})",
            stat.st_uid,
            me()
        ));
    }
    if Mode::from_raw_mode(stat.st_mode).intersects(Mode::RWXG | Mode::RWXO) {
        rustix::fs::fchmod(&fd, Mode::RUSR | Mode::WUSR).map_err(|e| failed(e.into()))?;
    }
    let written = rustix::io::write(&fd, contents).map_err(|e| failed(e.into()))?;
    if written != contents.len() {
        return Err(format!(
            "only {written} of {} bytes written",
            contents.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2".into());
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }

    const TEST: Store = Store {
        name: "the test store",
        remedy: "remove it",
    };

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn private_dirs_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().expect("tempdir");
        let dir = base.path().join("a/b");
        let store = PrivateDir::create(&dir, &TEST).expect("created");
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        PrivateDir::create(&dir, &TEST).expect("again");
        assert_eq!(mode(&dir), 0o700, "tightened");

        store.write("f.json", b"one").expect("written");
        assert_eq!(mode(&dir.join("f.json")), 0o600);
        store.write("f.json", b"two").expect("rewritten");
        let read = store.read("f.json", 16).expect("reads").expect("there");
        assert_eq!(read.as_slice(), b"two");
        assert_eq!(store.names().expect("names"), vec!["f.json".to_string()]);
        assert!(
            store
                .read("f.json", 2)
                .expect_err("too large")
                .contains("larger")
        );
        assert!(store.read("missing", 16).expect("reads").is_none());
        assert!(store.remove("f.json").expect("removed"));
        assert!(!store.remove("f.json").expect("gone"));
    }

    #[test]
    fn links_and_others_files_are_not_followed() {
        let base = tempfile::tempdir().expect("tempdir");
        let real = base.path().join("real");
        let store = PrivateDir::create(&real, &TEST).expect("created");
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let err = PrivateDir::existing(&link, &TEST).expect_err("a link");
        assert!(
            err.contains("is a symbolic link") && err.contains("remove it"),
            "{err}"
        );
        let err = PrivateDir::create(&link, &TEST).expect_err("a link");
        assert!(err.contains("is a symbolic link"), "{err}");

        std::fs::write(base.path().join("secret"), b"theirs").expect("write");
        std::os::unix::fs::symlink(base.path().join("secret"), real.join("f.json"))
            .expect("symlink");
        let err = store.read("f.json", 16).expect_err("a link");
        assert!(err.contains("symbolic link"), "{err}");

        let plain = base.path().join("plain");
        std::fs::write(&plain, b"").expect("write");
        let err = PrivateDir::create(&plain, &TEST).expect_err("a file");
        assert!(err.contains("is not a directory"), "{err}");
    }
}
