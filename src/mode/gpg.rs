//! The gpg dialect (gpg.program, gpg.x509.program): settings read, files and stdin read,
//! the clock asked, then the OpenPGP room called and its results written as gpg writes
//! them (reference/git-contract.md sections 2.2 and 3.2).

use crate::cli::gpg::{GpgCommand, StatusFd};
use crate::config::Settings;
use crate::error::{AppError, io_reason};
use crate::openpgp::agent::{Agent, SessionOptions};
use crate::openpgp::keygrip::Keygrip;
use crate::openpgp::keyring::Keyring;
use crate::openpgp::select::{self, KeySpec};
use crate::openpgp::sign::{self, AgentSigner, Made};
use crate::openpgp::trustdb::TrustDb;
use crate::openpgp::verify::{self, Outcome, SigReport};
use crate::openpgp::{self, OpenPgpError};
use crate::output::exit::Status;
use crate::output::gpg_text;
use crate::output::status::StatusLine;
use crate::prompt::PassphraseSource;
use crate::signature::Format;
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::packet::{Key, key};
use sequoia_openpgp::parse::Parse;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Runs a gpg-dialect command.
pub fn run(command: GpgCommand) -> Result<Status, AppError> {
    match command {
        GpgCommand::Sign {
            status_fd,
            local_user,
        } => sign_cmd(StatusOut(status_fd), local_user.unwrap_or_default()),
        GpgCommand::Verify {
            status_fd,
            signature_file,
            ..
        } => verify_cmd(StatusOut(status_fd), &signature_file),
    }
}

/// Where `--status-fd` lines go (nowhere without the option, as with gpg).
struct StatusOut(Option<StatusFd>);

impl StatusOut {
    fn write(&self, line: StatusLine) {
        let text = line.line();
        let _ = match self.0 {
            Some(StatusFd::Stdout) => std::io::stdout().lock().write_all(text.as_bytes()),
            Some(StatusFd::Stderr) => std::io::stderr().lock().write_all(text.as_bytes()),
            None => Ok(()),
        };
    }
}

fn verify_cmd(status: StatusOut, signature_file: &Path) -> Result<Status, AppError> {
    let signature = std::fs::read(signature_file).map_err(|e| {
        AppError::operational(format!(
            "can't open '{}': {}",
            signature_file.display(),
            io_reason(&e)
        ))
    })?;
    if Format::from_armor(&signature) == Some(Format::X509) {
        return Err(unavailable("verifying x509 (Sigstore) signatures"));
    }
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut payload)
        .map_err(|e| AppError::operational(format!("cannot read the signed data: {e}")))?;
    let settings = Settings::load()?;
    let (keyring, trustdb) = load_certificates(&settings)?;
    let context = verify::Context {
        keyring: &keyring,
        trustdb: &trustdb,
        now: SystemTime::now(),
    };
    let reports = match verify::verify_detached(&signature, &payload, &context) {
        Ok(reports) => reports,
        Err(error @ (OpenPgpError::NoSignature | OpenPgpError::Malformed(_))) => {
            status.write(StatusLine::NoData { what: 3 });
            return Err(AppError::operational(format!(
                "verify signatures failed: {error}"
            )));
        }
        Err(other) => return Err(room_error(other)),
    };

    let stderr = std::io::stderr();
    let mut text = stderr.lock();
    let mut worst = Outcome::Good;
    for report in &reports {
        write_status(&status, report);
        let _ = gpg_text::verification(report, &mut text);
        worst = worse(worst, report.outcome);
    }
    match worst {
        Outcome::Good | Outcome::ExpiredKey | Outcome::RevokedKey => Ok(Status::Success),
        Outcome::Bad | Outcome::ExpiredSignature => Ok(Status::CheckFailed),
        Outcome::MissingKey => Err(AppError::operational(
            "can't check signature: no public key",
        )
        .with_hint(
            "import the signer's certificate into GnuPG, or name a keyring file in git config gitseal.openpgpKeyring",
        )),
        Outcome::UnsupportedAlgorithm => Err(AppError::operational(
            "can't check signature: unsupported algorithm",
        )),
    }
}

/// gpg's exit status is the worst of its signatures': 2 (cannot check) over 1 (bad).
fn worse(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Good | Outcome::ExpiredKey | Outcome::RevokedKey => 0,
        Outcome::Bad | Outcome::ExpiredSignature => 1,
        Outcome::MissingKey | Outcome::UnsupportedAlgorithm => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The status lines gpg 2.2 writes for one signature, in its order.
fn write_status(status: &StatusOut, r: &SigReport) {
    status.write(StatusLine::NewSig {
        signers_uid: r.signers_uid.clone(),
    });
    match r.outcome {
        Outcome::MissingKey | Outcome::UnsupportedAlgorithm => {
            let missing = r.outcome == Outcome::MissingKey;
            status.write(StatusLine::ErrSig {
                key_id: r.key_id.clone(),
                pk_algo: r.pk_algo,
                hash_algo: r.hash_algo,
                class: r.class,
                timestamp: r.created,
                rc: if missing { 9 } else { 4 },
                fingerprint: r.fingerprint.clone(),
            });
            if missing {
                status.write(StatusLine::NoPubkey {
                    key_id: r.key_id.clone(),
                });
            }
            return;
        }
        _ => {}
    }
    let primary = r.primary_fingerprint.clone().unwrap_or_default();
    status.write(StatusLine::KeyConsidered {
        fingerprint: primary.clone(),
        flags: 0,
    });
    if let Some(expired_at) = r.key_expired_at {
        status.write(StatusLine::KeyExpired { expired_at });
    }
    let key_id = r.key_id.clone();
    let uid = r.uid.clone().unwrap_or_else(|| "[?]".into());
    status.write(match r.outcome {
        Outcome::Bad => StatusLine::BadSig { key_id, uid },
        Outcome::ExpiredSignature => StatusLine::ExpSig { key_id, uid },
        Outcome::ExpiredKey => StatusLine::ExpKeySig { key_id, uid },
        Outcome::RevokedKey => StatusLine::RevKeySig { key_id, uid },
        _ => StatusLine::GoodSig { key_id, uid },
    });
    if r.outcome == Outcome::Bad {
        return;
    }
    status.write(StatusLine::ValidSig {
        fingerprint: r.fingerprint.clone().unwrap_or_default(),
        timestamp: r.created,
        expires: r.expires,
        version: r.version,
        pk_algo: r.pk_algo,
        hash_algo: r.hash_algo,
        class: r.class,
        primary_fingerprint: primary,
    });
    if r.revoked {
        status.write(StatusLine::KeyRevoked);
    }
    if r.key_expired_at.is_none()
        && let Some(level) = r.validity
    {
        status.write(StatusLine::Trust(level));
    }
}

/// GnuPG's public keyring and trustdb under `GNUPGHOME`, and `gitseal.openpgpKeyring`.
fn load_certificates(settings: &Settings) -> Result<(Keyring, TrustDb), AppError> {
    let mut keyring = Keyring::new();
    let mut trustdb = TrustDb::default();
    if let Some(home) = &settings.gnupg_home {
        for name in ["pubring.kbx", "pubring.gpg"] {
            if let Some(data) = read_optional(&home.join(name))? {
                keyring.add_gnupg(data).map_err(room_error)?;
                break;
            }
        }
        if let Some(data) = read_optional(&home.join("trustdb.gpg"))? {
            trustdb = TrustDb::parse(&data).map_err(room_error)?;
        }
    }
    if let Some(path) = &settings.openpgp_keyring {
        let data = std::fs::read(path).map_err(|e| {
            AppError::operational(format!(
                "cannot read gitseal.openpgpKeyring {}: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        keyring.add_configured(data).map_err(room_error)?;
    }
    Ok((keyring, trustdb))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, AppError> {
    match std::fs::read(path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::operational(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(&e)
        ))),
    }
}

fn sign_cmd(status: StatusOut, spec: String) -> Result<Status, AppError> {
    let settings = Settings::load()?;
    match settings.format {
        Format::OpenPgp => {}
        Format::X509 => {
            return Err(unavailable("signing in the x509 (Sigstore) format").with_hint(
                "to sign with OpenPGP keys: git config gpg.format openpgp (or gitseal.format openpgp)",
            ));
        }
        Format::Ssh => {
            return Err(AppError::operational(
                "the ssh format signs through gpg.ssh.program, not gpg.program",
            ));
        }
    }
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut payload)
        .map_err(|e| AppError::operational(format!("cannot read the data to sign: {e}")))?;
    let now = SystemTime::now();
    let made = match key_file(&spec) {
        Some(path) => sign_with_file(&status, &path, &payload, now)?,
        None => sign_with_agent(&status, &settings, &spec, &payload, now).inspect_err(|_| {
            status.write(StatusLine::InvSgnr {
                reason: 9,
                key: spec.clone(),
            });
            status.write(StatusLine::Failure {
                location: "sign",
                code: 17,
            });
        })?,
    };
    status.write(StatusLine::SigCreated {
        pk_algo: made.pk_algo,
        hash_algo: made.hash_algo,
        class: made.class,
        timestamp: made.created,
        fingerprint: made.fingerprint.clone(),
    });
    std::io::stdout()
        .lock()
        .write_all(made.armored.as_bytes())
        .map_err(|e| AppError::operational(format!("cannot write the signature: {e}")))?;
    Ok(Status::Success)
}

/// `user.signingKey` naming a secret key file (a path with a `/`, or `~/...`).
fn key_file(spec: &str) -> Option<PathBuf> {
    if !spec.contains('/') {
        return None;
    }
    let path = match (spec.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(spec),
    };
    Some(path)
}

fn sign_with_file(
    status: &StatusOut,
    path: &Path,
    payload: &[u8],
    now: SystemTime,
) -> Result<Made, AppError> {
    let data = std::fs::read(path).map_err(|e| {
        AppError::operational(format!(
            "cannot read key file {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let not_a_key = || {
        AppError::operational(format!("{} is not an OpenPGP secret key", path.display()))
            .with_hint("export one with: gpg --export-secret-keys --armor KEYID > FILE")
    };
    let cert = Cert::from_bytes(&data).map_err(|_| not_a_key())?;
    if !cert.is_tsk() {
        return Err(not_a_key());
    }
    let everything = KeySpec::Substring(String::new());
    let has_secret =
        &mut |k: &Key<key::PublicParts, key::UnspecifiedRole>| secret_of(&cert, k).is_some();
    let public = select::signing_key(&cert, &everything, now, has_secret).ok_or_else(|| {
        AppError::operational(format!(
            "{} has no usable signing key (expired, revoked or not signing-capable)",
            path.display()
        ))
    })?;
    let mut secret = secret_of(&cert, &public).ok_or_else(not_a_key)?;
    announce(status, &cert, &public);
    if secret.secret().is_encrypted() {
        let prompt = format!(
            "Enter passphrase for OpenPGP key {} ({}): ",
            public.keyid(),
            path.display()
        );
        let passphrase = PassphraseSource::from_env()
            .ask(&prompt)
            .map_err(|e| AppError::operational(format!("cannot ask for the passphrase: {e}")))?;
        let password = sequoia_openpgp::crypto::Password::from(passphrase.expose().as_bytes());
        secret = secret.decrypt_secret(&password).map_err(|_| {
            AppError::operational(format!(
                "wrong passphrase for the key in {}",
                path.display()
            ))
        })?;
    }
    let mut keypair = secret
        .into_keypair()
        .map_err(|e| AppError::operational(format!("cannot use the key: {e}")))?;
    let signers_uid = None;
    sign::sign_detached(&mut keypair, payload, now, signers_uid).map_err(room_error)
}

fn secret_of(
    cert: &Cert,
    public: &Key<key::PublicParts, key::UnspecifiedRole>,
) -> Option<Key<key::SecretParts, key::UnspecifiedRole>> {
    cert.keys()
        .secret()
        .key_handle(public.fingerprint())
        .next()
        .map(|ka| ka.key().clone())
}

/// KEY_CONSIDERED and BEGIN_SIGNING, written before the private-key operation as gpg does.
fn announce(status: &StatusOut, cert: &Cert, key: &Key<key::PublicParts, key::UnspecifiedRole>) {
    let primary = key.fingerprint() == cert.fingerprint();
    status.write(StatusLine::KeyConsidered {
        fingerprint: cert.fingerprint().to_hex(),
        flags: if primary { 2 } else { 0 },
    });
    status.write(StatusLine::BeginSigning {
        hash_algo: sign::hash_for(key).into(),
    });
}

fn sign_with_agent(
    status: &StatusOut,
    settings: &Settings,
    spec_text: &str,
    payload: &[u8],
    now: SystemTime,
) -> Result<Made, AppError> {
    let (keyring, _) = load_certificates(settings)?;
    let spec = KeySpec::parse(spec_text);
    let mut agent = connect_agent(settings)?;
    agent.set_session(&session_from_env()).map_err(room_error)?;
    let mut chosen = None;
    for found in keyring.all() {
        if !spec.matches(&found.cert) {
            continue;
        }
        let mut in_agent = |k: &Key<key::PublicParts, key::UnspecifiedRole>| {
            Keygrip::of(k.mpis()).is_some_and(|g| agent.has_key(&g))
        };
        if let Some(key) = select::signing_key(&found.cert, &spec, now, &mut in_agent) {
            chosen = Some((found.cert, key));
            break;
        }
    }
    let Some((cert, public)) = chosen else {
        return Err(
            AppError::operational(format!("skipped \"{spec_text}\": no secret key"))
                .with_hint("list your secret keys with: gpg --list-secret-keys"),
        );
    };
    let grip = Keygrip::of(public.mpis()).ok_or_else(|| {
        AppError::operational(format!(
            "gpg-agent signing with {} keys is not supported",
            public.pk_algo()
        ))
    })?;
    announce(status, &cert, &public);
    let signers_uid = spec.mailbox(&cert);
    let description = key_description(&cert, &public);
    let mut signer = AgentSigner {
        agent: &mut agent,
        public,
        grip,
        description,
    };
    sign::sign_detached(&mut signer, payload, now, signers_uid.as_deref()).map_err(room_error)
}

/// The pinentry text gpg writes (GnuPG `g10/passphrase.c: gpg_format_keydesc`).
fn key_description(cert: &Cert, key: &Key<key::PublicParts, key::UnspecifiedRole>) -> String {
    let uid = cert
        .userids()
        .next()
        .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
        .unwrap_or_default();
    let bits = key.mpis().bits().unwrap_or(0);
    let algo = match u8::from(key.pk_algo()) {
        1..=3 => "RSA",
        19 => "ECDSA",
        22 => "EDDSA",
        _ => "OpenPGP",
    };
    let created = crate::output::status::date(openpgp::unix(key.creation_time()));
    let main = if key.fingerprint() != cert.fingerprint() {
        format!(" (main key ID {})", cert.keyid())
    } else {
        String::new()
    };
    format!(
        "Please enter the passphrase to unlock the OpenPGP secret key:\n\"{uid}\"\n{bits}-bit {algo} key, ID {},\ncreated {created}{main}.\n",
        key.keyid()
    )
}

/// The agent's socket: first `$GNUPGHOME/S.gpg-agent` (where it lives when there is no
/// /run/user directory; saves a gpgconf process per signature), else as gpgconf names it
/// (it knows the /run/user rules), started on demand like gpg does.
fn connect_agent(settings: &Settings) -> Result<Agent, AppError> {
    if let Some(home) = &settings.gnupg_home
        && let Ok(agent) = Agent::connect(&home.join("S.gpg-agent"))
    {
        return Ok(agent);
    }
    let output = Command::new("gpgconf")
        .args(["--list-dirs", "agent-socket"])
        .output()
        .map_err(|e| {
            AppError::operational(format!("cannot run gpgconf: {e}"))
                .with_hint("signing with GnuPG keys needs GnuPG (gpg-agent) installed")
        })?;
    let socket = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if let Ok(agent) = Agent::connect(&socket) {
        return Ok(agent);
    }
    let _ = Command::new("gpgconf")
        .args(["--launch", "gpg-agent"])
        .output();
    Agent::connect(&socket).map_err(room_error)
}

/// What gpg tells the agent about the terminal (GnuPG `common/session-env.c`).
fn session_from_env() -> SessionOptions {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    SessionOptions {
        ttyname: var("GPG_TTY"),
        ttytype: var("TERM"),
        display: var("DISPLAY"),
        xauthority: var("XAUTHORITY"),
        lc_ctype: var("LC_CTYPE"),
        lc_messages: var("LC_MESSAGES"),
    }
}

fn unavailable(what: &str) -> AppError {
    AppError::operational(format!(
        "{what} is not available in this version of gitseal"
    ))
}

/// The room's error at the edge: one line, with a hint where one helps.
fn room_error(error: OpenPgpError) -> AppError {
    let hint = match &error {
        OpenPgpError::Agent(_) => Some("is gpg-agent running? try: gpgconf --launch gpg-agent"),
        OpenPgpError::NoSecretKey(_) => Some("list your secret keys with: gpg --list-secret-keys"),
        _ => None,
    };
    let app = AppError::operational(error.to_string());
    match hint {
        Some(hint) => app.with_hint(hint),
        None => app,
    }
}
