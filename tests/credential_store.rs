//! Where the credential cache keeps the certificate and key (`gitseal.credentialStore`):
//! through real git against the hermetic services, a second commit within the
//! certificate's life signs from the cache wherever this machine keeps it, and
//! `gitseal login` says where that is. On Linux the keyring is the kernel's (keyutils),
//! whose entries `/proc/keys` shows by description (`keyring:<scope>@gitseal`): when the
//! kernel keyring works here nothing is written to disk; when it does not, the file is
//! owner-only in an owner-only directory. Each test says on stderr which branch ran.

use crate::support::sigstore_world;
use crate::support::{Run, run};
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The issuer the world is configured for: the one its tokens name (a credential is kept
/// under the issuer it holds, and used only by runs configured for that issuer).
const SETTINGS_ISSUER: &str = sigstore_world::ISSUER;

/// A repository signing through the hermetic services (support/sigstore_world.rs), with
/// `gitseal.credentialStore` as a test asks.
struct World(sigstore_world::World);

impl std::ops::Deref for World {
    type Target = sigstore_world::World;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Where `gitseal login` said the credential is.
#[derive(Debug, PartialEq)]
enum Kept {
    KernelKeyring,
    File(PathBuf),
    Nowhere,
}

impl World {
    fn new(store: Option<&str>) -> World {
        let store = store.map(str::to_string);
        let world = World(sigstore_world::World::new(|_| {
            store
                .into_iter()
                .map(|store| ("gitseal.credentialStore", store))
                .chain([("gitseal.issuer", SETTINGS_ISSUER.to_string())])
                .collect()
        }));
        // The kernel keyring is the user's, not the test's: a test that ran before, whose
        // services had the same port (the kernel's pick, one of some 14,000) and so the
        // same Fulcio URL, may have left its credential there for ten minutes, under the
        // description this test asserts nothing writes. Removed first (an error is a
        // keyring that cannot be used, which holds nothing).
        let _ = world.gitseal(&[("GITSEAL_CREDENTIAL_STORE", "keyring")], &["logout"]);
        assert!(
            kernel_key(&world.description()).is_none(),
            "a credential for this Fulcio and issuer is left in the kernel keyring"
        );
        world
    }

    fn gitseal(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = self.env.gitseal();
        cmd.current_dir(&self.dir).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd)
    }

    /// `gitseal login` with no token: the cached certificate, and where it is kept.
    fn login(&self, env: &[(&str, &str)]) -> (Run, Kept) {
        let login = self.gitseal(env, &["login"]).success();
        let line = login.stdout();
        assert!(
            line.contains("[alice@example.org](https://issuer.gitseal.test)"),
            "{}",
            login.describe()
        );
        let kept = if line.contains(" in the kernel keyring until ") {
            Kept::KernelKeyring
        } else if let Some(rest) = line.split(" cached in ").nth(1) {
            let file = rest.split(" until ").next().expect("a file");
            Kept::File(PathBuf::from(file))
        } else {
            assert!(line.contains(" not cached until "), "{}", login.describe());
            Kept::Nowhere
        };
        (login, kept)
    }

    fn cache_dir(&self) -> PathBuf {
        self.env.home().join(".cache/gitseal/credentials")
    }

    /// The kernel keyring's entry for this world's Fulcio and issuer.
    fn description(&self) -> String {
        let scope =
            Sha256::digest(format!("{}\n{SETTINGS_ISSUER}", self.services.fulcio_url()).as_bytes());
        let scope: String = scope[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("keyring:{scope}@gitseal")
    }
}

/// The files under `dir` (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// The line of `/proc/keys` for the key described `description`, if the kernel lists one
/// (not invalidated).
fn kernel_key(description: &str) -> Option<String> {
    let keys = std::fs::read_to_string("/proc/keys").unwrap_or_default();
    keys.lines()
        .find(|line| {
            line.split_whitespace().nth(8) == Some(&format!("{description}:"))
                && line
                    .split_whitespace()
                    .nth(1)
                    .is_some_and(|f| !f.contains('i'))
        })
        .map(str::to_string)
}

fn owner_only_file(w: &World, file: &Path) {
    assert_eq!(files(&w.cache_dir()), vec![file.to_path_buf()]);
    assert_eq!(mode(file), 0o600, "{}", file.display());
    assert_eq!(mode(&w.cache_dir()), 0o700);
    assert!(
        kernel_key(&w.description()).is_none(),
        "a file, and nothing in the kernel keyring"
    );
}

#[test]
fn a_second_commit_signs_from_the_cache_wherever_this_machine_keeps_it() {
    let w = World::new(None);
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first")
        .success();
    let (login, kept) = w.login(&[]);
    assert!(
        login.stdout().contains("still cached in "),
        "{}",
        login.describe()
    );
    match &kept {
        Kept::KernelKeyring => {
            eprintln!("credential store on this machine: the kernel keyring");
            assert_eq!(files(&w.cache_dir()), Vec::<PathBuf>::new(), "no file");
            let key = kernel_key(&w.description()).expect("the kernel lists the entry");
            // The kernel forgets it when the certificate expires.
            let expiry = key.split_whitespace().nth(3).unwrap_or("");
            assert!(expiry.ends_with('m') || expiry.ends_with('s'), "{key}");
        }
        Kept::File(file) => {
            eprintln!(
                "credential store on this machine: the file {} (no usable kernel keyring)",
                file.display()
            );
            owner_only_file(&w, file);
        }
        Kept::Nowhere => panic!("auto always keeps it: {}", login.describe()),
    }

    // No token now: the cached certificate signs, Fulcio is not asked again.
    w.commit(&[], "second").success();
    assert_eq!(
        (w.services.fulcio_calls(), w.services.rekor_calls()),
        (1, 2)
    );
    let mut verify = w.env.git(&w.dir);
    run(verify.args(["verify-commit", "HEAD"])).success();

    // `gitseal logout` removes it wherever it was; then there is nothing to sign with.
    let logout = w.gitseal(&[], &["logout"]).success();
    let said = logout.stdout();
    match kept {
        Kept::KernelKeyring => {
            assert!(
                said.contains("Removed the cached credential in the kernel keyring"),
                "{}",
                logout.describe()
            );
            assert!(kernel_key(&w.description()).is_none(), "invalidated");
        }
        _ => assert!(
            said.contains("Removed 1 cached credential(s)"),
            "{}",
            logout.describe()
        ),
    }
    assert_eq!(files(&w.cache_dir()), Vec::<PathBuf>::new());
    let again = w.gitseal(&[], &["login"]);
    assert_ne!(again.code, 0, "{}", again.describe());
    assert!(
        again.stderr.contains("no OIDC token"),
        "{}",
        again.describe()
    );
}

#[test]
fn file_keeps_it_in_an_owner_only_file_and_never_in_the_keyring() {
    let w = World::new(Some("file"));
    w.commit(&[("SIGSTORE_ID_TOKEN", &w.token())], "first")
        .success();
    let (login, kept) = w.login(&[]);
    let Kept::File(file) = kept else {
        panic!("file: {}", login.describe());
    };
    assert_eq!(file.parent(), Some(w.cache_dir().as_path()));
    owner_only_file(&w, &file);
    w.commit(&[], "second").success();
    assert_eq!(w.services.fulcio_calls(), 1);
    assert!(kernel_key(&w.description()).is_none());
    let logout = w.gitseal(&[], &["logout"]).success();
    assert!(
        !logout.stdout().contains("keyring"),
        "{}",
        logout.describe()
    );
    assert_eq!(files(&w.cache_dir()), Vec::<PathBuf>::new());
}

#[test]
fn keyring_only_never_writes_a_file_and_never_fails_signing() {
    // The environment variable names the store (and wins over git config).
    let w = World::new(Some("file"));
    let keyring = ("GITSEAL_CREDENTIAL_STORE", "keyring");
    let token = w.token();
    let (login, kept) = w.login(&[keyring, ("SIGSTORE_ID_TOKEN", &token)]);
    assert_eq!(files(&w.cache_dir()), Vec::<PathBuf>::new(), "no file");
    match kept {
        Kept::KernelKeyring => {
            eprintln!("keyring only on this machine: kept in the kernel keyring");
            assert!(kernel_key(&w.description()).is_some());
            w.commit(&[keyring], "first").success();
            assert_eq!(w.services.fulcio_calls(), 1, "signed from the keyring");
            let logout = w.gitseal(&[keyring], &["logout"]).success();
            assert!(
                logout.stdout().contains("in the kernel keyring"),
                "{}",
                logout.describe()
            );
            assert!(kernel_key(&w.description()).is_none(), "invalidated");
        }
        Kept::Nowhere => {
            eprintln!("keyring only on this machine: not kept (no usable kernel keyring)");
            // The login said why nothing was kept; signing works all the same.
            assert!(login.stderr.contains("keyring"), "{}", login.describe());
            w.commit(&[keyring, ("SIGSTORE_ID_TOKEN", &token)], "first")
                .success();
        }
        Kept::File(_) => panic!("keyring only wrote a file: {}", login.describe()),
    }
    assert_eq!(files(&w.cache_dir()), Vec::<PathBuf>::new(), "no file");
}

#[test]
fn an_unknown_store_is_refused_in_one_line() {
    let w = World::new(Some("vault"));
    let login = w.gitseal(&[], &["login"]);
    assert_ne!(login.code, 0);
    assert!(
        login
            .stderr
            .contains("invalid gitseal.credentialStore `vault`"),
        "{}",
        login.describe()
    );
    assert_eq!(w.services.fulcio_calls(), 0);
}
