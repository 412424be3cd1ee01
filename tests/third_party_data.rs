//! Third-party data (real gitsign commits and tags, gitsign's own fixtures) is read from the
//! project's shared folder (`gitseal::testdata`), not kept in the repository: the folder
//! holds the objects its README names, byte for byte, and no file of the repository is a
//! copy of one of them.

use crate::support::{TestEnv, run};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Every file of the shared folder's gitsign vectors, with what its name says it is.
fn vectors() -> Vec<(PathBuf, Option<&'static str>)> {
    let dir = gitseal::testdata::path(gitseal::testdata::GITSIGN);
    let mut found = Vec::new();
    for sub in [dir.clone(), dir.join("testdata")] {
        let entries = std::fs::read_dir(&sub).unwrap_or_else(|e| panic!("{}: {e}", sub.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let kind = match path.extension().and_then(|e| e.to_str()) {
                Some("commit") if sub == dir => Some("commit"),
                Some("tag") => Some("tag"),
                _ => None,
            };
            if path.is_file() && path.file_name().is_some_and(|n| n != "README.md") {
                found.push((path, kind));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_shared_vectors_are_the_objects_their_names_say() {
    let env = TestEnv::new();
    let mut checked = 0;
    for (path, kind) in vectors() {
        let Some(kind) = kind else { continue };
        let id = run(env
            .git(env.root())
            .args(["hash-object", "-t", kind, "--literally"])
            .arg(&path))
        .success()
        .stdout();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(
            id.trim(),
            stem,
            "{} is not the object it names",
            path.display()
        );
        checked += 1;
    }
    // 23 commits and 3 tags (vectors/gitsign-commits/README.md).
    assert_eq!(checked, 26, "the gitsign vectors in the shared folder");
    // The web-flow commit the OpenPGP tests use: gitsign's pkg/attest/testdata/gpg.in.txt.
    let web_flow = gitseal::testdata::gitsign("testdata/attest-gpg.in.txt");
    let id = run(env
        .git(env.root())
        .args(["hash-object", "-t", "commit"])
        .arg(&web_flow))
    .success()
    .stdout();
    assert_eq!(id.trim(), "262c05491554c57ee641461f315bf4023d0e93c7");
}

#[test]
fn no_file_of_the_repository_is_a_copy_of_third_party_data() {
    let vectors: Vec<(PathBuf, Vec<u8>)> = vectors()
        .into_iter()
        .map(|(path, _)| {
            let data = std::fs::read(&path).expect("vector");
            (path, data)
        })
        .collect();
    assert!(vectors.len() > 26, "the vectors and gitsign's fixtures");
    let sizes: HashSet<usize> = vectors.iter().map(|(_, d)| d.len()).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = TestEnv::new();
    let listed = run(env.git(root).args(["ls-files", "-z"])).success().stdout;
    let mut copies = Vec::new();
    for name in listed.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let path = root.join(String::from_utf8_lossy(name).as_ref());
        // Files deleted in the working tree are still listed until committed.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !sizes.contains(&(meta.len() as usize)) {
            continue;
        }
        let data = std::fs::read(&path).expect("repository file");
        if let Some((vector, _)) = vectors.iter().find(|(_, d)| *d == data) {
            copies.push(format!("{} is {}", path.display(), vector.display()));
        }
    }
    assert!(
        copies.is_empty(),
        "third-party data belongs in the shared folder, not the repository:\n{}",
        copies.join("\n")
    );
}
