//! `gitseal setup`: writes the git config that makes git sign with gitseal, and says what
//! it changed. Config is written with git itself, so includes and scopes behave as git's.

use crate::cli::commands::{SetupArgs, SetupFormat};
use crate::error::{AppError, io_reason};
use crate::output::exit::Status;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `gitseal setup`.
pub fn run(args: &SetupArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    match args.format {
        SetupFormat::Ssh => setup_ssh(args, out),
        SetupFormat::Openpgp => setup_openpgp(args, out),
        SetupFormat::X509 => setup_x509(args, out),
    }
}

/// x509 (keyless Sigstore): gitseal becomes `gpg.x509.program`; there is no key to name,
/// the certificate comes from Fulcio at each signature (or from the credential cache).
fn setup_x509(args: &SetupArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    if args.key.is_some() {
        return Err(AppError::usage(
            "--key does not apply to the x509 format: keyless signing makes a fresh key each time",
        ));
    }
    let git = GitConfig::new(args.global)?;
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| AppError::operational(format!("cannot find gitseal's own path: {e}")))?;
    let settings = [
        ("gpg.format", "x509".to_string()),
        ("gpg.x509.program", program.display().to_string()),
        ("commit.gpgSign", "true".to_string()),
        ("tag.gpgSign", "true".to_string()),
    ];
    apply(&git, &settings, out)?;
    let _ = writeln!(
        out,
        "Commits and tags are now signed keylessly with Sigstore; `gitseal login` gets a certificate ahead of time."
    );
    Ok(Status::Success)
}

/// OpenPGP: gitseal becomes `gpg.openpgp.program`; the key is a key id or fingerprint
/// (or a secret key file), by default the first secret key gpg has for user.email.
fn setup_openpgp(args: &SetupArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let git = GitConfig::new(args.global)?;
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| AppError::operational(format!("cannot find gitseal's own path: {e}")))?;
    let key = match &args.key {
        Some(key) if key.to_string_lossy().contains('/') => {
            let path = absolute(key)?;
            if !path.is_file() {
                return Err(AppError::operational(format!(
                    "no secret key file at {}",
                    path.display()
                )));
            }
            path.display().to_string()
        }
        Some(key) => secret_key_fingerprint(&key.to_string_lossy())?,
        None => {
            let email = git.effective("user.email")?.ok_or_else(|| {
                AppError::operational("user.email is not set: cannot pick your OpenPGP key")
                    .with_hint(
                        "pass --key KEYID, or: git config --global user.email you@example.org",
                    )
            })?;
            secret_key_fingerprint(&format!("<{email}>"))?
        }
    };
    let settings = [
        ("gpg.format", "openpgp".to_string()),
        ("gpg.openpgp.program", program.display().to_string()),
        ("user.signingKey", key),
        ("commit.gpgSign", "true".to_string()),
        ("tag.gpgSign", "true".to_string()),
    ];
    apply(&git, &settings, out)?;
    Ok(Status::Success)
}

/// Writes each setting that differs, saying what changed and what was already so.
fn apply(
    git: &GitConfig,
    settings: &[(&str, String)],
    out: &mut dyn Write,
) -> Result<(), AppError> {
    for (key, value) in settings {
        if git.get(key)?.as_deref() == Some(value.as_str()) {
            let _ = writeln!(out, "unchanged {key} = {value}");
        } else {
            git.set(key, value)?;
            let _ = writeln!(out, "set {key} = {value} ({})", git.scope_name());
        }
    }
    Ok(())
}

/// The fingerprint of the first secret key gpg lists for `spec`.
fn secret_key_fingerprint(spec: &str) -> Result<String, AppError> {
    let output = Command::new("gpg")
        .args(["--batch", "--with-colons", "--list-secret-keys", spec])
        .output()
        .map_err(|e| {
            AppError::operational(format!("cannot run gpg: {e}"))
                .with_hint("pass --key with a secret key file, or install GnuPG")
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    // `sec` is followed by its `fpr` line (gpg's --with-colons format, doc/DETAILS).
    let mut after_sec = false;
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.first().copied() {
            Some("sec") => after_sec = true,
            Some("fpr") if after_sec => {
                if let Some(fpr) = fields.get(9).filter(|f| !f.is_empty()) {
                    return Ok(fpr.to_string());
                }
            }
            _ => after_sec = false,
        }
    }
    Err(
        AppError::operational(format!("gpg has no secret key for {spec}")).with_hint(
            "create one with: gpg --quick-gen-key 'Your Name <you@example.org>' ed25519 sign",
        ),
    )
}

fn setup_ssh(args: &SetupArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let git = GitConfig::new(args.global)?;
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| AppError::operational(format!("cannot find gitseal's own path: {e}")))?;
    let key_path = match &args.key {
        Some(path) => absolute(path)?,
        None => default_ssh_key()?,
    };
    let public_line = public_key_line(&key_path)?;
    let email = git.effective("user.email")?.ok_or_else(|| {
        AppError::operational(
            "user.email is not set: allowed_signers needs your e-mail as principal",
        )
        .with_hint("git config --global user.email you@example.org")
    })?;

    let allowed_path = match git.effective("gpg.ssh.allowedSignersFile")? {
        Some(configured) => expand_home(&configured),
        None => dirs::config_dir()
            .ok_or_else(|| AppError::operational("cannot find the user's config directory"))?
            .join("git")
            .join("allowed_signers"),
    };
    let own_line = format!("{email} namespaces=\"git\" {public_line}\n");
    if allowed_path.exists() {
        let existing = std::fs::read_to_string(&allowed_path).map_err(|e| {
            AppError::operational(format!(
                "cannot read {}: {}",
                allowed_path.display(),
                io_reason(&e)
            ))
        })?;
        if !existing.contains(&public_line) {
            let _ = writeln!(
                out,
                "note: {} does not list your key; to verify your own signatures add:\n  {}",
                allowed_path.display(),
                own_line.trim_end()
            );
        }
    } else {
        create_file(&allowed_path, own_line.as_bytes())?;
        let _ = writeln!(
            out,
            "created {} with your key for {email}",
            allowed_path.display()
        );
    }

    let settings = [
        ("gpg.format", "ssh".to_string()),
        ("gpg.ssh.program", program.display().to_string()),
        ("user.signingKey", key_path.display().to_string()),
        (
            "gpg.ssh.allowedSignersFile",
            allowed_path.display().to_string(),
        ),
        ("commit.gpgSign", "true".to_string()),
        ("tag.gpgSign", "true".to_string()),
    ];
    apply(&git, &settings, out)?;
    Ok(Status::Success)
}

/// `git config` in one scope.
struct GitConfig {
    global: bool,
}

impl GitConfig {
    fn new(global: bool) -> Result<Self, AppError> {
        if !global {
            let inside = Command::new("git")
                .args(["rev-parse", "--git-dir"])
                .output()
                .map_err(|e| AppError::operational(format!("cannot run git: {e}")))?;
            if !inside.status.success() {
                return Err(AppError::usage("not in a git repository")
                    .with_hint("run it inside a repository, or pass --global"));
            }
        }
        Ok(Self { global })
    }

    fn scope_flag(&self) -> &'static str {
        if self.global { "--global" } else { "--local" }
    }

    fn scope_name(&self) -> &'static str {
        if self.global { "global" } else { "local" }
    }

    /// The value in our scope only.
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        self.query(&[self.scope_flag(), "--get", key])
    }

    /// The value git would use, from any scope.
    fn effective(&self, key: &str) -> Result<Option<String>, AppError> {
        self.query(&["--get", key])
    }

    fn query(&self, args: &[&str]) -> Result<Option<String>, AppError> {
        let output = Command::new("git")
            .arg("config")
            .args(args)
            .output()
            .map_err(|e| AppError::operational(format!("cannot run git config: {e}")))?;
        match output.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&output.stdout)
                    .trim_end()
                    .to_string(),
            )),
            // 1: the key is not set.
            Some(1) => Ok(None),
            _ => Err(AppError::operational(format!(
                "git config failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        let output = Command::new("git")
            .args(["config", self.scope_flag(), key, value])
            .output()
            .map_err(|e| AppError::operational(format!("cannot run git config: {e}")))?;
        if !output.status.success() {
            return Err(AppError::operational(format!(
                "cannot set {key}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }
}

/// The first of the usual key files that exists, preferring the public half (which signs
/// through ssh-agent when the key is there, else with the private key beside it).
fn default_ssh_key() -> Result<PathBuf, AppError> {
    let home =
        dirs::home_dir().ok_or_else(|| AppError::operational("cannot find the home directory"))?;
    for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
        for candidate in [format!("{name}.pub"), name.to_string()] {
            let path = home.join(".ssh").join(candidate);
            if path.exists() {
                return Ok(path);
            }
        }
    }
    Err(AppError::operational("no SSH key found in ~/.ssh")
        .with_hint("pass --key PATH, or make one with: ssh-keygen -t ed25519"))
}

/// `<type> <base64>` of the key in `path` (a public key, or an OpenSSH private key).
fn public_key_line(path: &Path) -> Result<String, AppError> {
    let found = crate::ssh::public_key::load(path).map_err(|e| {
        AppError::operational(format!(
            "{} is not an SSH key in OpenSSH format ({e})",
            path.display()
        ))
    })?;
    ssh_key::PublicKey::new(found.key, "")
        .to_openssh()
        .map(|s| s.trim().to_string())
        .map_err(|e| AppError::operational(format!("cannot encode key {}: {e}", path.display())))
}

fn absolute(path: &Path) -> Result<PathBuf, AppError> {
    std::path::absolute(path).map_err(|e| AppError::operational(format!("{}: {e}", path.display())))
}

fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}

/// Creates a file whole or not at all, with its directory.
fn create_file(path: &Path, contents: &[u8]) -> Result<(), AppError> {
    let fail = |e: std::io::Error| {
        AppError::operational(format!(
            "cannot create {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    tmp.persist_noclobber(path).map_err(|e| fail(e.error))?;
    Ok(())
}
