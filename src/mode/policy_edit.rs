//! `gitseal policy init | add-principal | add-rule | diff`: getting a policy started and
//! changed without editing TOML by hand, and reviewing a change. This gathers what the
//! pure edits ([`crate::policy::edit`]) and the diff ([`crate::policy::diff`]) need: your
//! signing key from git config, gpg's keyring or the Sigstore credential cache, key and
//! certificate files, the policy of a revision; and writes files whole or not at all.

use crate::cli::commands::{
    AddPrincipalArgs, AddRuleArgs, PolicyDiffArgs, PolicyInitArgs, SetupFormat,
};
use crate::config::Settings;
use crate::error::{AppError, io_reason};
use crate::git::Repo;
use crate::output::{self, escape::text, exit::Status};
use crate::policy::diff::{self, Certificate, Side};
use crate::policy::edit::{self, EditError, NewCredential, NewRule};
use crate::policy::{Policy, file};
use crate::signature::Format;
use crate::verify::{KEYS_DIR, POLICY_FILE};
use sequoia_openpgp::Cert;
use sequoia_openpgp::cert::CertParser;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

impl From<EditError> for AppError {
    fn from(e: EditError) -> Self {
        let error = AppError::usage(e.message);
        match e.hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

/// A certificate to write beside the policy: its primary fingerprint and armored text.
struct CertFile {
    fingerprint: String,
    armored: Vec<u8>,
}

/// `gitseal policy init`.
pub fn init(args: &PolicyInitArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let path = target(args.file.as_deref())?;
    if path.exists() && !args.force {
        return Err(AppError::usage(format!(
            "{} exists already: init does not replace a policy",
            path.display()
        ))
        .with_hint(
            "change it with gitseal policy add-principal / add-rule, or pass --force to replace it",
        ));
    }
    let settings = Settings::load();
    let git = settings.git()?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => git
            .get("user.email")
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                AppError::usage("user.email is not set: cannot name your principal").with_hint(
                    "pass --name NAME, or: git config --global user.email you@example.org",
                )
            })?,
    };
    edit::check_name("principal", &name)?;
    let format = match (args.format, &args.identity) {
        (Some(SetupFormat::X509) | None, Some(_)) => Format::X509,
        (Some(_), Some(_)) => {
            return Err(AppError::usage(
                "--identity and --issuer name a Sigstore identity: they go with --format x509",
            ));
        }
        (Some(SetupFormat::Ssh), None) => Format::Ssh,
        (Some(SetupFormat::Openpgp), None) => Format::OpenPgp,
        (Some(SetupFormat::X509), None) => Format::X509,
        (None, None) => match settings.format()? {
            (_, crate::config::FormatSource::Default) => {
                return Err(AppError::usage(
                    "git is not set up to sign: no gitseal.format or gpg.format",
                )
                .with_hint("run gitseal setup --format ssh (or openpgp, x509), or pass --format"));
            }
            (format, _) => format,
        },
    };
    let (credential, certificate) = match format {
        Format::Ssh => (NewCredential::Ssh(own_ssh_key(git)?), None),
        Format::OpenPgp => {
            let cert = own_openpgp_cert(&settings, git)?;
            (NewCredential::OpenPgp(cert.fingerprint.clone()), Some(cert))
        }
        Format::X509 => {
            let (issuer, subject) = match (&args.identity, &args.issuer) {
                (Some(identity), Some(issuer)) => (issuer.clone(), identity.clone()),
                _ => own_sigstore_identity(&settings)?,
            };
            (NewCredential::Sigstore { issuer, subject }, None)
        }
    };
    let branch = match &args.branch {
        Some(branch) => branch
            .strip_prefix("refs/heads/")
            .unwrap_or(branch)
            .to_string(),
        None => current_branch().unwrap_or_else(|| "main".to_string()),
    };
    if branch.is_empty() || branch.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::usage(format!(
            "--branch: `{branch}` is not a branch name"
        )));
    }
    let policy_text = edit::initial(&name, &credential, &branch)?;
    if let Some(cert) = &certificate {
        write_certificate(&path, cert, args.force, out)?;
    }
    write_file(&path, policy_text.as_bytes(), true)?;
    let policy = file::parse(&policy_text, &path.display().to_string())
        .map_err(|e| AppError::operational(e.to_string()))?;
    let _ = writeln!(
        out,
        "wrote {}: principal {} ({}), group maintainers, rules for refs/heads/{} and refs/tags/v*",
        text(&path.display().to_string()),
        text(&name),
        text(&describe(&credential)),
        text(&branch)
    );
    output::policy::check(
        out,
        &mut std::io::stderr().lock(),
        &path.display().to_string(),
        &policy,
    );
    let _ = writeln!(
        out,
        "next: commit it signed (git add .gitseal && git commit -S -m 'Add the signing policy'),\n  \
         then make that commit the anchor: git config gitseal.anchor \"$(git rev-parse HEAD)\""
    );
    Ok(Status::Success)
}

/// `gitseal policy add-principal`.
pub fn add_principal(args: &AddPrincipalArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let path = target(args.file.as_deref())?;
    let current = read_existing(&path)?;
    let name = path.display().to_string();
    let c = &args.credential;
    let (credential, certificate) = if let Some(key) = &c.ssh {
        (NewCredential::Ssh(ssh_key_arg(key)?), None)
    } else if let Some(key) = &c.ssh_ca {
        (
            NewCredential::SshCa {
                key: ssh_key_arg(key)?,
                principals: args.cert_principal.clone(),
            },
            None,
        )
    } else if let Some(fpr) = &c.openpgp {
        let fingerprint: String = fpr
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .trim_start_matches("0x")
            .to_ascii_uppercase();
        let credential = NewCredential::OpenPgp(fingerprint.clone());
        // The fingerprint's own check first: a key id is refused as such.
        edit::check_credential(&credential)?;
        let cert = match &args.cert {
            Some(file) => Some(certificate_from_file(file, &fingerprint)?),
            None => {
                require_certificate_beside(&path, &fingerprint)?;
                None
            }
        };
        (credential, cert)
    } else if let Some([issuer, subject]) = c.sigstore.as_deref() {
        (
            NewCredential::Sigstore {
                issuer: issuer.clone(),
                subject: subject.clone(),
            },
            None,
        )
    } else if let Some([issuer, pattern]) = c.sigstore_regex.as_deref() {
        (
            NewCredential::SigstoreRegex {
                issuer: issuer.clone(),
                pattern: pattern.clone(),
            },
            None,
        )
    } else {
        return Err(AppError::usage(
            "give one credential: --ssh, --ssh-ca, --openpgp, --sigstore or --sigstore-regex",
        ));
    };
    let (new_text, added) =
        edit::add_principal(&current, &name, &args.name, &credential, &args.group)?;
    if let Some(cert) = &certificate {
        write_certificate(&path, cert, args.force, out)?;
    }
    write_file(&path, new_text.as_bytes(), true)?;
    let what = match added {
        edit::Added::Principal => "added principal",
        edit::Added::Credential => "added a credential to principal",
    };
    let groups = if args.group.is_empty() {
        String::new()
    } else {
        format!(", member of {}", args.group.join(", "))
    };
    let _ = writeln!(
        out,
        "{}",
        text(&format!(
            "{what} {} ({}){groups} in {name}",
            args.name,
            describe(&credential)
        ))
    );
    checked(out, &new_text, &name)
}

/// `gitseal policy add-rule`.
pub fn add_rule(args: &AddRuleArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let path = target(args.file.as_deref())?;
    let current = read_existing(&path)?;
    let name = path.display().to_string();
    let rule = NewRule {
        refs: args.refs.clone(),
        commits: args.commits.clone(),
        merges: args.merges.clone(),
        tags: args.tags.clone(),
        allow_force_push: args.allow_force_push,
        allow_delete: args.allow_delete,
    };
    let (new_text, index) = edit::add_rule(&current, &name, &rule, args.first)?;
    let policy = file::parse(&new_text, &name).map_err(|e| AppError::operational(e.to_string()))?;
    if let Some(shadow) = edit::never_applies(&policy, index) {
        let error = AppError::usage(format!(
            "the new rule would never apply: {}",
            output::policy::shadow_message(&policy, &shadow)
        ));
        return Err(if args.first {
            error
        } else {
            error.with_hint("pass --first to try it before the other rules")
        });
    }
    write_file(&path, new_text.as_bytes(), true)?;
    let _ = writeln!(
        out,
        "{}",
        text(&format!(
            "added rule rules[{index}] ({}) in {name}",
            args.refs.join(",")
        ))
    );
    checked(out, &new_text, &name)
}

/// Says that the written file reads, as `policy check` would, with its warnings.
fn checked(out: &mut dyn Write, written: &str, name: &str) -> Result<Status, AppError> {
    let policy = file::parse(written, name).map_err(|e| AppError::operational(e.to_string()))?;
    output::policy::check(out, &mut std::io::stderr().lock(), name, &policy);
    let _ = writeln!(
        out,
        "next: review it (gitseal policy diff HEAD {name}), then commit it signed by a policy_changes signer"
    );
    Ok(Status::Success)
}

/// `gitseal policy diff`.
pub fn diff(args: &PolicyDiffArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let (old_policy, old_certs) = side(&args.old)?;
    let (new_policy, new_certs) = side(&args.new)?;
    let changes = diff::diff(
        Side {
            policy: &old_policy,
            certificates: &old_certs,
        },
        Side {
            policy: &new_policy,
            certificates: &new_certs,
        },
    );
    output::policy::diff(out, &args.old, &args.new, &changes);
    Ok(if args.exit_code && !changes.is_empty() {
        Status::CheckFailed
    } else {
        Status::Success
    })
}

/// A side of a diff: a file (with `keys/` beside it) or a revision (its `.gitseal/`); a
/// revision without a policy is an empty one. A name that is both is refused.
fn side(spec: &str) -> Result<(Policy, Vec<Certificate>), AppError> {
    let path = Path::new(spec);
    let repo = Repo::open(None).ok();
    let revision = repo.as_ref().and_then(|repo| {
        let mut reader = repo.reader().ok()?;
        let commit = reader.resolve(spec).ok()?;
        Some((reader, commit))
    });
    match (path.is_file(), revision) {
        (true, Some(_)) => Err(
            AppError::usage(format!("`{spec}` is both a file and a revision")).with_hint(format!(
                "write ./{spec} for the file, or {spec}^{{commit}} for the revision"
            )),
        ),
        (true, None) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::operational(format!("cannot read {spec}: {}", io_reason(&e)))
            })?;
            let policy =
                file::parse(&text, spec).map_err(|e| AppError::operational(e.to_string()))?;
            let files = keys_beside(path)?;
            Ok((policy, certificates(&files)))
        }
        (false, Some((mut reader, commit))) => {
            let tree = reader.commit(commit)?.tree;
            let name = format!("{spec}:{POLICY_FILE}");
            let policy = match reader.read_path(tree, POLICY_FILE)? {
                Some((_, bytes)) => {
                    let text = String::from_utf8(bytes)
                        .map_err(|_| AppError::operational(format!("{name} is not UTF-8")))?;
                    file::parse(&text, &name).map_err(|e| AppError::operational(e.to_string()))?
                }
                None => empty_policy(),
            };
            let files = reader.read_dir(tree, KEYS_DIR)?;
            Ok((policy, certificates(&files)))
        }
        (false, None) => Err(AppError::usage(format!(
            "`{spec}` is neither a policy file nor a revision"
        ))
        .with_hint("give two revisions (HEAD~1 HEAD) or files (old.toml .gitseal/policy.toml)")),
    }
}

fn empty_policy() -> Policy {
    Policy {
        principals: Vec::new(),
        groups: Default::default(),
        rules: Vec::new(),
        policy_changes: None,
        release_files: None,
        revoked: Vec::new(),
        goodlist: Vec::new(),
    }
}

/// The certificate files of the `keys` directory beside a policy file, by name.
pub(super) fn keys_beside(policy: &Path) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let dir = keys_dir(policy);
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(files);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if crate::verify::keys::is_certificate_file(&name) {
            let data = std::fs::read(entry.path()).map_err(|e| {
                AppError::operational(format!(
                    "cannot read {}: {}",
                    entry.path().display(),
                    io_reason(&e)
                ))
            })?;
            files.push((name, data));
        }
    }
    files.sort();
    Ok(files)
}

/// What each certificate binds, as verification reads it (only what the primary key's
/// own signatures bind).
fn certificates(files: &[(String, Vec<u8>)]) -> Vec<Certificate> {
    let mut out = Vec::new();
    for (name, data) in files
        .iter()
        .filter(|(n, _)| crate::verify::keys::is_certificate_file(n))
    {
        let Ok(parser) = CertParser::from_bytes(data) else {
            continue;
        };
        for cert in parser
            .flatten()
            .filter_map(crate::openpgp::keyring::bound_only)
        {
            out.push(Certificate {
                file: name.clone(),
                primary: cert.fingerprint().to_hex(),
                keys: cert
                    .keys()
                    .map(|k| k.key().fingerprint().to_hex())
                    .collect(),
            });
        }
    }
    out
}

/// The policy file a command works on: the one given, else `.gitseal/policy.toml` at the
/// top of the work tree.
fn target(file: Option<&Path>) -> Result<PathBuf, AppError> {
    if let Some(file) = file {
        return Ok(file.to_path_buf());
    }
    let output = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|e| AppError::operational(format!("cannot run git: {e}")))?;
    let top = String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_string();
    if !output.status.success() || top.is_empty() {
        return Err(
            AppError::usage("not in a git work tree: no .gitseal/policy.toml to work on")
                .with_hint("run it inside a repository's work tree, or pass --file FILE"),
        );
    }
    Ok(Path::new(&top).join(POLICY_FILE))
}

fn keys_dir(policy: &Path) -> PathBuf {
    policy
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("keys")
}

fn read_existing(path: &Path) -> Result<String, AppError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::usage(format!(
            "there is no policy at {}",
            path.display()
        ))
        .with_hint("start one with: gitseal policy init")),
        Err(e) => Err(AppError::operational(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(&e)
        ))),
    }
}

/// Writes `contents` to `path` whole or not at all: a temporary file in the same
/// directory, flushed to disk, then renamed over `path` (or, without `replace`, renamed
/// only if nothing is there).
fn write_file(path: &Path, contents: &[u8], replace: bool) -> Result<(), AppError> {
    let fail = |e: std::io::Error| {
        AppError::operational(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".gitseal-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    if replace {
        tmp.persist(path).map_err(|e| fail(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| fail(e.error))?;
    }
    Ok(())
}

/// Writes a certificate as `keys/<FINGERPRINT>.asc` beside the policy; a file there that
/// holds something else is replaced only with `force`.
fn write_certificate(
    policy: &Path,
    cert: &CertFile,
    force: bool,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let path = keys_dir(policy).join(format!("{}.asc", cert.fingerprint));
    match std::fs::read(&path) {
        Ok(existing) if existing == cert.armored => return Ok(()),
        Ok(_) if !force => {
            return Err(AppError::usage(format!(
                "{} exists and holds another certificate text",
                path.display()
            ))
            .with_hint("compare them, then pass --force to replace it"));
        }
        _ => {}
    }
    write_file(&path, &cert.armored, true)?;
    let _ = writeln!(
        out,
        "wrote {}: the certificate of {}",
        text(&path.display().to_string()),
        cert.fingerprint
    );
    Ok(())
}

/// A credential in words, for what the commands print.
fn describe(credential: &NewCredential) -> String {
    match credential {
        NewCredential::Ssh(line) => ssh_key::PublicKey::from_openssh(line)
            .map(|k| format!("ssh {}", crate::ssh::key::fingerprint(k.key_data())))
            .unwrap_or_else(|_| "ssh".to_string()),
        NewCredential::SshCa { key, principals } => ssh_key::PublicKey::from_openssh(key)
            .map(|k| {
                format!(
                    "ssh_ca {} for {}",
                    crate::ssh::key::fingerprint(k.key_data()),
                    principals.join(",")
                )
            })
            .unwrap_or_else(|_| "ssh_ca".to_string()),
        NewCredential::OpenPgp(fpr) => format!("openpgp {fpr}"),
        NewCredential::Sigstore { issuer, subject } => format!("sigstore {subject} from {issuer}"),
        NewCredential::SigstoreRegex { issuer, pattern } => {
            format!("sigstore {pattern} from {issuer}")
        }
    }
}

/// The SSH key `user.signingKey` names, as git reads it: `key::` and a public key, a
/// public key line (git's older literal form), or a key file (public or private; `~/`).
fn own_ssh_key(git: &crate::config::GitConfig) -> Result<String, AppError> {
    let Some(value) = git.get("user.signingKey").filter(|v| !v.is_empty()) else {
        return Err(AppError::usage(
            "user.signingKey is not set: no SSH key to name",
        )
        .with_hint("run gitseal setup --format ssh, or git config user.signingKey ~/.ssh/id_ed25519.pub"));
    };
    ssh_key_arg(value).map_err(|e| {
        let message = format!(
            "user.signingKey: {}",
            e.message.trim_start_matches("--ssh: ")
        );
        let error = AppError::usage(message);
        match e.hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    })
}

/// An SSH public key given as a line (`ssh-ed25519 AAAA... comment`, or after `key::`) or
/// as a key file: its line, comment kept when it is printable text.
fn ssh_key_arg(value: &str) -> Result<String, AppError> {
    let literal = value.strip_prefix("key::").unwrap_or(value).trim();
    let first = literal.split_whitespace().next().unwrap_or_default();
    let looks_like_key = ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|p| first.starts_with(p))
        && literal.contains(' ');
    if value.starts_with("key::") || looks_like_key {
        let key = ssh_key::PublicKey::from_openssh(literal).map_err(|e| {
            AppError::usage(format!("--ssh: not an OpenSSH public key ({e})")).with_hint(
                "give a public key file (~/.ssh/id_ed25519.pub) or its line: ssh-ed25519 AAAA...",
            )
        })?;
        return Ok(key_line(key.key_data().clone(), key.comment()));
    }
    let path = expand_home(value);
    let found = crate::ssh::public_key::load(&path).map_err(|e| {
        let reason = match e {
            crate::ssh::public_key::PublicKeyError::Read(reason) => {
                format!("cannot read {}: {reason}", path.display())
            }
            other => format!(
                "{} is not an SSH key in OpenSSH format ({other})",
                path.display()
            ),
        };
        AppError::usage(format!("--ssh: {reason}")).with_hint(
            "give a public key file (~/.ssh/id_ed25519.pub) or its line: ssh-ed25519 AAAA...",
        )
    })?;
    Ok(key_line(found.key, &found.comment))
}

fn key_line(key: ssh_key::public::KeyData, comment: &str) -> String {
    let printable = !comment.is_empty()
        && comment.len() <= 100
        && comment.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    let public = ssh_key::PublicKey::new(key, if printable { comment.trim() } else { "" });
    public
        .to_openssh()
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}

/// The certificate of the OpenPGP key git would sign with: `user.signingKey` (a key id,
/// fingerprint or user id, or a secret key file), else the committer's `Name <email>`, as
/// git passes it to gpg's `-u`; among the certificates that match, the first with a
/// signing key whose secret gpg-agent keeps (`private-keys-v1.d`), as gpg chooses.
fn own_openpgp_cert(
    settings: &Settings,
    git: &crate::config::GitConfig,
) -> Result<CertFile, AppError> {
    let spec = match git.get("user.signingKey").filter(|v| !v.is_empty()) {
        Some(spec) => spec.to_string(),
        None => committer_ident()?,
    };
    if spec.contains('/') {
        let path = expand_home(&spec);
        let data = std::fs::read(&path).map_err(|e| {
            AppError::operational(format!(
                "cannot read user.signingKey {}: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        let cert = Cert::from_bytes(&data)
            .map_err(|_| AppError::usage(format!("{} is not an OpenPGP key", path.display())))?;
        return cert_file(cert);
    }
    let keyring = super::gpg::gnupg_keyring(settings)?;
    let key_spec = crate::openpgp::select::KeySpec::parse(&spec);
    let now = std::time::SystemTime::now();
    let secrets = settings
        .gnupg_home
        .as_ref()
        .map(|home| home.join("private-keys-v1.d"));
    for found in keyring.matching(&key_spec) {
        let candidates = crate::openpgp::select::signing_candidates(&found.cert, &key_spec, now);
        let has_secret = candidates.iter().any(|key| {
            let grip = crate::openpgp::keygrip::Keygrip::of(key.mpis());
            match (grip, &secrets) {
                (Some(grip), Some(dir)) => dir.join(format!("{grip}.key")).is_file(),
                _ => false,
            }
        });
        if has_secret {
            return cert_file(Cert::clone(&found.cert));
        }
    }
    Err(
        AppError::usage(format!("gpg has no secret signing key for \"{spec}\"")).with_hint(
            "list your keys with gpg --list-secret-keys, then git config user.signingKey FINGERPRINT",
        ),
    )
}

/// The public certificate to publish (secret key material never leaves).
fn cert_file(cert: Cert) -> Result<CertFile, AppError> {
    let fingerprint = cert.fingerprint().to_hex();
    let public = cert.strip_secret_key_material();
    let armored = public.armored().to_vec().map_err(|e| {
        AppError::operational(format!("cannot write certificate {fingerprint}: {e}"))
    })?;
    Ok(CertFile {
        fingerprint,
        armored,
    })
}

/// `Name <email>` of the committer, as git hands gpg when no signing key is set.
fn committer_ident() -> Result<String, AppError> {
    let output = Command::new("git")
        .args(["var", "GIT_COMMITTER_IDENT"])
        .output()
        .map_err(|e| AppError::operational(format!("cannot run git: {e}")))?;
    let ident = String::from_utf8_lossy(&output.stdout);
    match ident.find('>') {
        Some(end) if output.status.success() => Ok(ident[..=end].to_string()),
        _ => Err(
            AppError::usage("neither user.signingKey nor a committer identity is set")
                .with_hint("git config user.signingKey FINGERPRINT"),
        ),
    }
}

/// The Sigstore identity (issuer, subject) of the certificate `gitseal login` cached.
fn own_sigstore_identity(settings: &Settings) -> Result<(String, String), AppError> {
    let signing = settings.sigstore_signing()?;
    let none = || {
        AppError::usage("no cached Sigstore certificate to take your identity from").with_hint(
            "run gitseal login first (the certificate is kept ten minutes), or pass --identity and --issuer",
        )
    };
    let Some(dir) = &signing.credential_cache else {
        return Err(none());
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let wanted = crate::sigstore::credentials::Wanted {
        fulcio: &signing.fulcio,
        issuer: &signing.issuer,
    };
    let credential =
        crate::sigstore::credentials::load(signing.credential_store, dir, wanted, now, 0)
            .map_err(|problem| AppError::operational(format!("the credential cache: {problem}")))?
            .ok_or_else(none)?;
    let leaf = credential.chain.first().ok_or_else(none)?;
    let facts = crate::sigstore::certificate::facts(leaf)
        .map_err(|e| AppError::operational(format!("the cached certificate: {e}")))?;
    Ok((facts.issuer, facts.identity))
}

/// The branch HEAD names, if it names one.
fn current_branch() -> Option<String> {
    let output = Command::new("git")
        .args(["symbolic-ref", "-q", "--short", "HEAD"])
        .output()
        .ok()?;
    let branch = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !branch.is_empty()).then_some(branch)
}

/// The certificate with primary fingerprint `fingerprint` from a file of certificates.
fn certificate_from_file(file: &Path, fingerprint: &str) -> Result<CertFile, AppError> {
    let data = std::fs::read(file).map_err(|e| {
        AppError::usage(format!(
            "--cert: cannot read {}: {}",
            file.display(),
            io_reason(&e)
        ))
    })?;
    let parser = CertParser::from_bytes(&data).map_err(|e| {
        AppError::usage(format!(
            "--cert: {} holds no OpenPGP certificate ({e})",
            file.display()
        ))
    })?;
    let certs: Vec<Cert> = parser.flatten().collect();
    if certs.is_empty() {
        return Err(AppError::usage(format!(
            "--cert: {} holds no OpenPGP certificate",
            file.display()
        ))
        .with_hint("export one with: gpg --export --armor FINGERPRINT > FILE"));
    }
    if let Some(cert) = certs
        .iter()
        .find(|c| c.fingerprint().to_hex() == fingerprint)
    {
        let cert = crate::openpgp::keyring::bound_only(cert.clone()).ok_or_else(|| {
            AppError::usage(format!(
                "--cert: certificate {fingerprint} binds nothing to its primary key (no self-signature)"
            ))
        })?;
        return cert_file(cert);
    }
    if let Some(cert) = certs.iter().find(|c| {
        c.keys()
            .subkeys()
            .any(|k| k.key().fingerprint().to_hex() == fingerprint)
    }) {
        return Err(AppError::usage(format!(
            "--openpgp: {fingerprint} is a subkey of certificate {}",
            cert.fingerprint().to_hex()
        ))
        .with_hint("name the certificate's primary fingerprint: signatures are judged by it"));
    }
    let held: Vec<String> = certs.iter().map(|c| c.fingerprint().to_hex()).collect();
    Err(AppError::usage(format!(
        "--cert: {} holds no certificate {fingerprint} (it holds {})",
        file.display(),
        held.join(", ")
    ))
    .with_hint("name one of the certificates it holds by its primary fingerprint"))
}

/// Without `--cert`, the certificate must be in the keys directory already: a principal
/// whose certificate is missing could never sign.
fn require_certificate_beside(policy: &Path, fingerprint: &str) -> Result<(), AppError> {
    let files = keys_beside(policy)?;
    if certificates(&files)
        .iter()
        .any(|c| c.primary == fingerprint)
    {
        return Ok(());
    }
    Err(AppError::usage(format!(
        "no certificate {fingerprint} in {}",
        keys_dir(policy).display()
    ))
    .with_hint("pass --cert FILE (gpg --export --armor FINGERPRINT > FILE)"))
}
