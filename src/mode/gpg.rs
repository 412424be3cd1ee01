//! The gpg dialect (gpg.program, gpg.x509.program): settings read, files and stdin read,
//! the clock asked, then the OpenPGP room called and its results written as gpg writes
//! them (reference/git-contract.md sections 2.2 and 3.2).

use crate::cli::gpg::{GpgCommand, StatusFd};
use crate::config::Settings;
use crate::error::{AppError, io_reason};
use crate::openpgp::agent::{self, Agent, SessionOptions};
use crate::openpgp::keygrip::Keygrip;
use crate::openpgp::keyring::{Found, Keyring, Origin};
use crate::openpgp::select::{self, KeySpec};
use crate::openpgp::sign::{self, AgentSigner, Made};
use crate::openpgp::trustdb::TrustDb;
use crate::openpgp::verify::{self, Outcome, SigReport};
use crate::openpgp::{self, OpenPgpError};
use crate::output::exit::Status;
use crate::output::gpg_text;
use crate::output::status::StatusLine;
use crate::prompt::PassphraseSource;
use crate::signature::{Format, Trust};
use sequoia_openpgp::cert::Cert;
use sequoia_openpgp::packet::{Key, Signature, key};
use sequoia_openpgp::parse::Parse;
use std::collections::HashMap;
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

/// A public (sub)key of a certificate.
type PublicKey = Key<key::PublicParts, key::UnspecifiedRole>;

/// Where `--status-fd` lines go (nowhere without the option, as with gpg).
pub(super) struct StatusOut(Option<StatusFd>);

impl StatusOut {
    pub(super) fn write(&self, line: StatusLine) {
        crate::output::log::event("status", line.line().trim_end());
        let bytes = line.bytes();
        let _ = match self.0 {
            Some(StatusFd::Stdout) => std::io::stdout().lock().write_all(&bytes),
            Some(StatusFd::Stderr) => std::io::stderr().lock().write_all(&bytes),
            None => Ok(()),
        };
    }
}

fn verify_cmd(status: StatusOut, signature_file: &Path) -> Result<Status, AppError> {
    // Read one byte more than any signature may have, so that a huge file is refused
    // without being read (the armor decides the format, so the bound is the larger one).
    let limit =
        verify::MAX_SIGNATURE_BYTES.max(crate::sigstore::cms::MAX_SIGNATURE_BYTES) as u64 + 1;
    let signature = read_limited(signature_file, limit).map_err(|e| {
        AppError::operational(format!(
            "can't open '{}': {}",
            signature_file.display(),
            io_reason(&e)
        ))
    })?;
    // The armor decides the format; git config is not needed for that.
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut payload)
        .map_err(|e| AppError::operational(format!("cannot read the signed data: {e}")))?;
    let settings = Settings::load();
    if Format::from_armor(&signature) == Some(Format::X509) {
        return super::gpg_x509::verify(&status, &signature, &payload, &settings);
    }
    let now = SystemTime::now();
    let signatures = parse(&status, &signature)?;
    // Certificates of RSA and DSA keys were checked by earlier runs: sequoia remembers.
    let mut cache = super::gpg_sigcache::SignatureCache::open(&settings, &signatures);
    let mut keyring = gnupg_keyring(&settings)?;
    let trustdb = gnupg_trustdb(&settings)?;
    if let Some(cache) = &mut cache {
        cache.ready();
    }
    let mut reports = check(&signatures, &payload, &keyring, &trustdb, now);
    // gitseal.openpgpKeyring (and with it git config) only when GnuPG's keyring leaves
    // the answer open: the key is missing or expired there, or not fully valid, which a
    // configured copy would change (docs/openpgp.md, "Speed").
    if reports.iter().any(configured_keyring_may_matter)
        && let Some(path) = settings.openpgp_keyring()?
    {
        keyring
            .add_configured(read_keyring(&path)?)
            .map_err(room_error)?;
        reports = check(&signatures, &payload, &keyring, &trustdb, now);
    }

    if let Some(cache) = cache {
        cache.save();
    }

    // Each report's text leaves in one write, not one per piece: git reads it from a pipe,
    // and every write wakes git for it. Flushed per report, so that with --status-fd=2
    // each report's status lines still come before its text, as gpg orders them.
    let mut text = std::io::BufWriter::new(std::io::stderr().lock());
    let mut worst = Outcome::Good;
    for report in &reports {
        write_status(&status, report);
        let _ = gpg_text::verification(report, &mut text);
        let _ = text.flush();
        worst = worse(worst, report.outcome);
    }
    // gpg's text has said what happened ("Can't check signature: No public key"), and
    // git shows it as it is: nothing is added, only gpg's exit code.
    Ok(match worst {
        Outcome::Good | Outcome::ExpiredKey | Outcome::RevokedKey => Status::Success,
        Outcome::Bad | Outcome::ExpiredSignature => Status::CheckFailed,
        Outcome::MissingKey
        | Outcome::UnsupportedAlgorithm
        | Outcome::WrongKeyUsage
        | Outcome::TimeConflict => Status::CannotCheck,
    })
}

/// The signatures in `signature`; an unreadable signature is gpg's `NODATA` and an error.
fn parse(status: &StatusOut, signature: &[u8]) -> Result<Vec<Signature>, AppError> {
    verify::parse_detached(signature).map_err(|error| match error {
        OpenPgpError::NoSignature
        | OpenPgpError::Malformed(_)
        | OpenPgpError::TooLarge
        | OpenPgpError::TooManyPackets => {
            status.write(StatusLine::NoData { what: 3 });
            AppError::operational(format!("verify signatures failed: {error}"))
        }
        other => room_error(other),
    })
}

/// The reports for every signature.
fn check(
    signatures: &[Signature],
    payload: &[u8],
    keyring: &Keyring,
    trustdb: &TrustDb,
    now: SystemTime,
) -> Vec<SigReport> {
    let context = verify::Context {
        keyring,
        trustdb,
        now,
        or_later_signature: false,
    };
    verify::verify_parsed(signatures, payload, &context)
}

/// Whether a certificate from `gitseal.openpgpKeyring` could change this report: it
/// could supply a missing key, a newer copy of an expired one, or raise the validity to
/// fully valid (configured keys are). An ultimately or fully valid key, a bad signature
/// or a revoked key stay what they are.
fn configured_keyring_may_matter(report: &SigReport) -> bool {
    match report.outcome {
        Outcome::MissingKey | Outcome::ExpiredKey => true,
        Outcome::UnsupportedAlgorithm | Outcome::WrongKeyUsage | Outcome::TimeConflict => false,
        _ => report.validity.is_some_and(|v| v < Trust::Fully),
    }
}

/// gpg's exit status is the worst of its signatures': 2 (cannot check) over 1 (bad).
fn worse(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Good | Outcome::ExpiredKey | Outcome::RevokedKey => 0,
        Outcome::Bad | Outcome::ExpiredSignature => 1,
        Outcome::MissingKey
        | Outcome::UnsupportedAlgorithm
        | Outcome::WrongKeyUsage
        | Outcome::TimeConflict => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The status lines gpg 2.2 writes for one signature, in its order.
fn write_status(status: &StatusOut, r: &SigReport) {
    status.write(StatusLine::NewSig {
        signers_uid: r.signers_uid.clone(),
    });
    match r.outcome {
        Outcome::MissingKey
        | Outcome::UnsupportedAlgorithm
        | Outcome::WrongKeyUsage
        | Outcome::TimeConflict => {
            let missing = r.outcome == Outcome::MissingKey;
            status.write(StatusLine::ErrSig {
                key_id: r.key_id.clone(),
                pk_algo: r.pk_algo,
                hash_algo: r.hash_algo,
                class: r.class,
                timestamp: r.created,
                // gpg-error codes: 9 no public key, 4 unknown algorithm, 125 wrong key
                // usage, 39 time conflict.
                rc: match r.outcome {
                    Outcome::MissingKey => 9,
                    Outcome::WrongKeyUsage => 125,
                    Outcome::TimeConflict => 39,
                    _ => 4,
                },
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
    write_extras(status, &r.extras);
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

/// What gpg writes between GOODSIG (or EXPSIG, EXPKEYSIG, REVKEYSIG) and VALIDSIG: the
/// policy URLs, preferred keyservers and notations of the hashed area (GnuPG
/// `g10/mainproc.c: check_sig_and_print`).
fn write_extras(status: &StatusOut, extras: &verify::Extras) {
    for (url, _) in &extras.policy_urls {
        status.write(StatusLine::PolicyUrl { url: url.clone() });
    }
    for (url, critical) in &extras.keyservers {
        if url.len() <= 256 {
            status.write(StatusLine::SigSubpacket {
                tag: 24,
                critical: *critical,
                data: url.clone(),
            });
        }
    }
    for notation in &extras.notations {
        status.write(StatusLine::NotationName {
            name: notation.name.clone(),
        });
        if notation.critical || notation.human_readable {
            status.write(StatusLine::NotationFlags {
                critical: notation.critical,
                human_readable: notation.human_readable,
            });
        }
        status.write(StatusLine::NotationData {
            data: gpg_text::notation_value(notation),
            binary: !notation.human_readable && !notation.value.is_empty(),
        });
    }
}

/// GnuPG's public keyring under `GNUPGHOME`: `pubring.kbx`, else `pubring.gpg`. A keybox
/// is only indexed here; certificates are parsed when a lookup names them.
pub(super) fn gnupg_keyring(settings: &Settings) -> Result<Keyring, AppError> {
    let mut keyring = Keyring::new();
    if let Some(home) = &settings.gnupg_home {
        for name in ["pubring.kbx", "pubring.gpg"] {
            if let Some(data) = read_optional(&home.join(name))? {
                keyring.add_gnupg(data).map_err(room_error)?;
                break;
            }
        }
    }
    Ok(keyring)
}

/// GnuPG's ownertrust, `GNUPGHOME/trustdb.gpg` (none: nobody trusted).
pub(super) fn gnupg_trustdb(settings: &Settings) -> Result<TrustDb, AppError> {
    if let Some(home) = &settings.gnupg_home
        && let Some(data) = read_optional(&home.join("trustdb.gpg"))?
    {
        return TrustDb::parse(&data).map_err(room_error);
    }
    Ok(TrustDb::default())
}

/// The file `gitseal.openpgpKeyring` names.
fn read_keyring(path: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(path).map_err(|e| {
        AppError::operational(format!(
            "cannot read gitseal.openpgpKeyring {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })
}

/// At most `limit` bytes of a file.
fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
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
    // Unless GITSEAL_FORMAT gives the format, the `git config` that tells it runs from
    // here on, while the data and the keys are read and, where that asks nobody anything,
    // the signature is made; nothing visible happens before its answer (`require_openpgp`).
    let settings = Settings::load_prefetching();
    let mut payload = Vec::new();
    let read = std::io::stdin()
        .lock()
        .read_to_end(&mut payload)
        .map_err(|e| AppError::operational(format!("cannot read the data to sign: {e}")));
    let now = SystemTime::now();
    if settings.format_in_env() && settings.format()?.0 == Format::X509 {
        crate::output::log::event("sign", "x509 (GITSEAL_FORMAT): keyless Sigstore");
        read?;
        return super::gpg_x509::sign(&status, &settings, &payload);
    }
    let attempt = read.map(|_| match key_file(&spec) {
        Some(path) => (
            sign_with_file(&status, &settings, &path, &payload, now),
            false,
        ),
        None => (
            sign_with_agent(&status, &settings, &spec, &payload, now),
            true,
        ),
    });
    if settings.format()?.0 == Format::X509 {
        crate::output::log::event("sign", "x509: keyless Sigstore");
        // The OpenPGP attempt made while git config was read is dropped unseen.
        let _ = attempt?;
        return super::gpg_x509::sign(&status, &settings, &payload);
    }
    require_openpgp(&settings)?;
    let (made, through_agent) = attempt?;
    crate::output::log::event(
        "sign",
        if through_agent {
            "openpgp: through gpg-agent"
        } else {
            "openpgp: with a key file"
        },
    );
    let made = made.inspect_err(|_| {
        if through_agent {
            status.write(StatusLine::InvSgnr {
                reason: 9,
                key: spec.clone(),
            });
            status.write(StatusLine::Failure {
                location: "sign",
                code: 17,
            });
        }
    })?;
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

/// The signing format must be OpenPGP (env `GITSEAL_FORMAT`, else git config; waits for
/// the `git config` started by [`Settings::load_prefetching`]).
fn require_openpgp(settings: &Settings) -> Result<(), AppError> {
    match settings.format()?.0 {
        Format::OpenPgp => Ok(()),
        Format::X509 => Err(AppError::operational(
            "x509 signing does not go through an OpenPGP key",
        )),
        Format::Ssh => Err(AppError::operational(
            "the ssh format signs through gpg.ssh.program, not gpg.program",
        )),
    }
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
    settings: &Settings,
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
    // Brainpool bindings count only once checked outside sequoia (openpgp::brainpool).
    crate::openpgp::brainpool::vouch_for_bindings(&cert);
    let everything = KeySpec::Substring(String::new());
    let has_secret = &mut |k: &PublicKey| secret_of(&cert, k).is_some();
    let public = select::signing_key(&cert, &everything, now, has_secret).ok_or_else(|| {
        AppError::operational(format!(
            "{} has no usable signing key (expired, revoked or not signing-capable)",
            path.display()
        ))
    })?;
    if crate::openpgp::brainpool::is_brainpool(public.mpis()) {
        // sequoia's backend cannot make brainpool signatures; gpg-agent can.
        return Err(AppError::operational(format!(
            "{} holds a brainpool key, which gitseal signs with only through gpg-agent",
            path.display()
        ))
        .with_hint(
            "import it with: gpg --import FILE, and set user.signingKey to its fingerprint",
        ));
    }
    let mut secret = secret_of(&cert, &public).ok_or_else(not_a_key)?;
    let encrypted = secret.secret().is_encrypted();
    if encrypted {
        // Asking for the passphrase is visible: only once the format is settled, and
        // after gpg's status lines, as gpg asks after BEGIN_SIGNING.
        require_openpgp(settings)?;
        announce(status, &cert, &public);
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
    let made = sign::sign_detached(&mut keypair, payload, now, signers_uid).map_err(room_error)?;
    if !encrypted {
        require_openpgp(settings)?;
        announce(status, &cert, &public);
    }
    Ok(made)
}

fn secret_of(
    cert: &Cert,
    public: &PublicKey,
) -> Option<Key<key::SecretParts, key::UnspecifiedRole>> {
    cert.keys()
        .secret()
        .key_handle(public.fingerprint())
        .next()
        .map(|ka| ka.key().clone())
}

/// KEY_CONSIDERED and BEGIN_SIGNING, as gpg writes them for the key it signs with.
fn announce(status: &StatusOut, cert: &Cert, key: &PublicKey) {
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
    let spec = KeySpec::parse(spec_text);
    // Certificates of RSA and DSA keys checked by earlier runs (see `verify_cmd`).
    let mut cache = super::gpg_sigcache::SignatureCache::open_for_signing(settings);
    let mut keyring = gnupg_keyring(settings)?;
    if let Some(cache) = &mut cache {
        cache.ready();
    }
    let mut agent: Option<Agent> = None;
    let mut chosen = choose_agent_key(settings, &mut agent, keyring.matching(&spec), &spec, now)?;
    if chosen.is_none()
        && let Some(path) = settings.openpgp_keyring()?
    {
        // Only GnuPG's own keyring had no usable key: the configured one may name it.
        keyring
            .add_configured(read_keyring(&path)?)
            .map_err(room_error)?;
        let configured = keyring
            .matching(&spec)
            .into_iter()
            .filter(|f| f.origin == Origin::Configured)
            .collect();
        chosen = choose_agent_key(settings, &mut agent, configured, &spec, now)?;
    }
    let no_secret_key = || {
        AppError::operational(format!("skipped \"{spec_text}\": no secret key"))
            .with_hint("list your secret keys with: gpg --list-secret-keys")
    };
    let (Some(chosen), Some(mut agent)) = (chosen, agent) else {
        return Err(no_secret_key());
    };
    let Chosen {
        cert,
        key: public,
        silent,
    } = chosen;
    if let Some(cache) = cache {
        cache.save_for(cert.primary_key().key().pk_algo());
    }
    let grip = Keygrip::of(public.mpis()).ok_or_else(|| {
        AppError::operational(format!(
            "gpg-agent signing with {} keys is not supported",
            public.pk_algo()
        ))
    })?;
    // A signature that may ask for a passphrase (or a smartcard PIN) waits for the format;
    // one that asks nobody is made while git config runs.
    if !silent {
        require_openpgp(settings)?;
    }
    let signers_uid = spec.mailbox(&cert);
    let description = key_description(&cert, &public);
    let mut signer = AgentSigner {
        agent: &mut agent,
        public: public.clone(),
        grip,
        description,
    };
    let made = match sign::sign_detached(&mut signer, payload, now, signers_uid.as_deref()) {
        Ok(made) => made,
        // The one candidate key turned out not to be in the agent: gpg's refusal.
        Err(OpenPgpError::NoSecretKey(_)) => return Err(no_secret_key()),
        Err(other) => return Err(room_error(other)),
    };
    // gpg writes these before its PKSIGN; nothing reads stderr before we exit, and
    // written now they are not written for a key the agent turned out not to hold.
    require_openpgp(settings)?;
    announce(status, &cert, &public);
    Ok(made)
}

/// The key to sign with through the agent.
struct Chosen {
    cert: std::sync::Arc<Cert>,
    key: PublicKey,
    /// The agent said signing with it asks nobody anything (see [`agent::KeyInfo`]).
    silent: bool,
}

/// The certificate and key gpg would sign with among the certificates `found` for
/// `spec`: the first candidate key ([`select::signing_candidates`]) whose secret the
/// agent holds. gpg-agent's own key files say that for most keys without a word to the
/// agent; the others are asked about in one round trip, or, when the format is known and
/// there is one candidate, by the signing commands themselves. Connects the agent.
fn choose_agent_key(
    settings: &Settings,
    agent: &mut Option<Agent>,
    found: Vec<Found>,
    spec: &KeySpec,
    now: SystemTime,
) -> Result<Option<Chosen>, AppError> {
    let keys: Vec<(std::sync::Arc<Cert>, PublicKey, Option<agent::KeyInfo>)> = found
        .into_iter()
        .flat_map(|f| {
            let keys = select::signing_candidates(&f.cert, spec, now);
            keys.into_iter().map(move |key| (f.cert.clone(), key))
        })
        .map(|(cert, key)| {
            let info = agent_key_file(settings, &key);
            (cert, key, info)
        })
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let agent = match agent {
        Some(agent) => agent,
        None => agent.insert(connect_agent(settings)?),
    };
    // Keys before the first one with a key file are asked about.
    let first_known = keys
        .iter()
        .position(|(_, _, info)| info.is_some())
        .unwrap_or(keys.len());
    let unknown: Vec<Keygrip> = keys[..first_known]
        .iter()
        .filter_map(|(_, key, _)| Keygrip::of(key.mpis()))
        .collect();
    let asked: HashMap<Keygrip, agent::KeyInfo> = if unknown.is_empty() {
        HashMap::new()
    } else if keys.len() == 1 && settings.format_in_env() {
        let not_silent = agent::KeyInfo {
            signs_silently: false,
        };
        unknown.iter().map(|grip| (*grip, not_silent)).collect()
    } else {
        unknown
            .iter()
            .zip(agent.key_info(&unknown))
            .filter_map(|(grip, info)| info.map(|info| (*grip, info)))
            .collect()
    };
    Ok(keys.into_iter().find_map(|(cert, key, info)| {
        let info = info.or_else(|| Keygrip::of(key.mpis()).and_then(|g| asked.get(&g).copied()))?;
        Some(Chosen {
            cert,
            key,
            silent: info.signs_silently,
        })
    }))
}

/// What gpg-agent's key file for `key` (`GNUPGHOME/private-keys-v1.d/<GRIP>.key`) says,
/// from its first octets; `None` if there is no such file. Saves asking the agent.
fn agent_key_file(settings: &Settings, key: &PublicKey) -> Option<agent::KeyInfo> {
    let grip = Keygrip::of(key.mpis())?;
    let path = settings
        .gnupg_home
        .as_ref()?
        .join("private-keys-v1.d")
        .join(format!("{grip}.key"));
    let mut head = zeroize::Zeroizing::new(vec![0u8; 1024]);
    let mut file = std::fs::File::open(path).ok()?;
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => return None,
        }
    }
    agent::KeyInfo::from_key_file(&head[..filled])
}

/// The pinentry text gpg writes (GnuPG `g10/passphrase.c: gpg_format_keydesc`).
fn key_description(cert: &Cert, key: &PublicKey) -> String {
    let uid = cert
        .userids()
        .next()
        .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
        .unwrap_or_default();
    let bits = key.mpis().bits().unwrap_or(0);
    let algo = match u8::from(key.pk_algo()) {
        1..=3 => "RSA",
        17 => "DSA",
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

/// Connects to gpg-agent and tells it about the terminal, as gpg does.
fn connect_agent(settings: &Settings) -> Result<Agent, AppError> {
    let mut agent = connect_agent_socket(settings)?;
    agent.set_session(&session_from_env());
    Ok(agent)
}

/// Connects to gpg-agent where GnuPG would find its socket ([`agent_sockets`]), without
/// running gpgconf; failing that, where `gpgconf --list-dirs agent-socket` says, starting
/// the agent with `gpgconf --launch gpg-agent` if needed, as gpg does.
fn connect_agent_socket(settings: &Settings) -> Result<Agent, AppError> {
    for socket in agent_sockets(settings) {
        if let Ok(agent) = Agent::connect(&socket) {
            return Ok(agent);
        }
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

/// Where gpg-agent listens, computed as GnuPG does (`common/homedir.c:
/// _gnupg_socketdir_internal`): in `/run/user/<uid>/gnupg` (or `/var/run/user/...`) when
/// that directory exists, in its `d.<hash>` subdirectory for a home directory other than
/// `~/.gnupg`; else in the home directory. Saves a gpgconf process per signature.
fn agent_sockets(settings: &Settings) -> Vec<PathBuf> {
    let Some(home) = settings.gnupg_home.as_deref().and_then(absolute) else {
        return Vec::new();
    };
    let mut sockets = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid())
            && let Some(run) = ["/run", "/var/run"]
                .iter()
                .map(|base| PathBuf::from(format!("{base}/user/{uid}")))
                .find(|dir| dir.is_dir())
        {
            let mut dir = run.join("gnupg");
            let default = dirs::home_dir()
                .and_then(|h| absolute(&h.join(".gnupg")))
                .is_some_and(|d| d == home);
            if !default {
                dir = dir.join(agent::socket_subdir(&home.to_string_lossy()));
            }
            sockets.push(dir.join("S.gpg-agent"));
        }
    }
    sockets.push(home.join("S.gpg-agent"));
    sockets
}

/// An absolute path without `.` components or trailing slashes, as GnuPG names its home
/// directory.
fn absolute(path: &Path) -> Option<PathBuf> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    Some(path.components().collect())
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
