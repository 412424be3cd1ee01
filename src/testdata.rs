//! Where tests find data that came from other projects' repositories: real gitsign commits
//! and tags, gitsign's own test fixtures, other projects' test suites. None of it is kept
//! in this repository; the project's shared folder keeps it with its provenance
//! (`vectors/gitsign-commits/README.md` there). CI has that folder beside the clone, as
//! `../shared`; `GITSEAL_SHARED` names another place. A test that needs it and cannot find
//! it fails, saying so in one line.
//!
//! What the project generates itself, and data from packages (the Sigstore trusted roots
//! from the sigstore-python wheel), stay in `tests/fixtures/`.

use std::path::{Path, PathBuf};

/// The variable naming the shared folder when it is not `../shared` beside the clone.
pub const ENV: &str = "GITSEAL_SHARED";

/// Real gitsign commits and tags (`<id>.commit`, `<id>.tag`), and gitsign's own test
/// fixtures under `testdata/`, inside the shared folder.
pub const GITSIGN: &str = "vectors/gitsign-commits";

/// sigstore-conformance's offline bundle-verification cases (one folder each, a `_fail`
/// suffix for those that must fail), inside the shared folder (`peer-suites/README.md`).
pub const CONFORMANCE: &str = "peer-suites/sigstore-conformance/bundle-verify";

/// The shared folder: `$GITSEAL_SHARED`, else `../shared` beside the crate.
pub fn dir() -> PathBuf {
    match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// `relative` inside the shared folder. Panics, in one line, when it is not there.
pub fn path(relative: &str) -> PathBuf {
    let path = dir().join(relative);
    if !path.exists() {
        panic!("{}", missing(&path));
    }
    path
}

/// A gitsign vector by its name inside [`GITSIGN`] (`<id>.commit`, `testdata/<file>`).
pub fn gitsign(name: &str) -> PathBuf {
    path(&format!("{GITSIGN}/{name}"))
}

/// The bytes of `relative` inside the shared folder (see [`path`]).
pub fn read(relative: &str) -> Vec<u8> {
    let path = path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bytes of a gitsign vector (see [`gitsign`]).
pub fn read_gitsign(name: &str) -> Vec<u8> {
    read(&format!("{GITSIGN}/{name}"))
}

/// The one line a test fails with when the shared folder, or a file in it, is missing.
pub fn missing(path: &Path) -> String {
    format!(
        "third-party test data not found: {} (the project's shared folder belongs beside \
         the clone as ../shared; set {ENV} to where it is)",
        path.display()
    )
}
