//! Running the ssh-keygen dialect: settings from the environment, files read, the SSH room
//! called, results written through `output::ssh_keygen`.

use crate::cli::ssh_keygen::SshKeygenCommand;
use crate::error::{AppError, io_reason};
use crate::output::exit::Status;
use crate::output::ssh_keygen as out;
use crate::prompt::PassphraseSource;
use crate::ssh::allowed_signers::{self, AllowedSigners};
use crate::ssh::revocation::RevocationList;
use crate::ssh::sign::{SignerRequest, SshSigner};
use crate::ssh::sshsig::{self, MAX_ARMOR_BYTES, SshSignature};
use crate::ssh::{key, public_key, time, verify};
use ssh_key::HashAlg;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Runs one ssh-keygen command.
pub fn run(command: SshKeygenCommand) -> Result<Status, AppError> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut o = stdout.lock();
    let mut e = stderr.lock();
    match command {
        SshKeygenCommand::Sign {
            namespace,
            key_file,
            require_agent,
            files,
            options,
            quiet,
        } => sign(
            &SignArgs {
                namespace: &namespace,
                key_file: &key_file,
                require_agent,
                files: &files,
                options: &options,
                quiet,
            },
            &mut o,
            &mut e,
        ),
        SshKeygenCommand::Verify {
            namespace,
            allowed_signers,
            identity,
            signature_file,
            revocation_file,
            options,
            quiet,
        } => {
            let result = verify_cmd(
                &namespace,
                &allowed_signers,
                &identity,
                &signature_file,
                revocation_file.as_deref(),
                &options,
                quiet,
                &mut o,
                &mut e,
            );
            Ok(verification_status(result, quiet, &mut o))
        }
        SshKeygenCommand::CheckNovalidate {
            namespace,
            signature_file,
            options,
            quiet,
        } => {
            let result =
                check_novalidate(&namespace, &signature_file, &options, quiet, &mut o, &mut e);
            Ok(verification_status(result, quiet, &mut o))
        }
        SshKeygenCommand::FindPrincipals {
            allowed_signers,
            signature_file,
            options,
        } => {
            let found =
                find_principals(&allowed_signers, &signature_file, &options, &mut o, &mut e);
            if found.is_err() {
                out::no_principal(&mut e);
            }
            Ok(found.map_or(Status::CheckFailed, |()| Status::Success))
        }
        SshKeygenCommand::MatchPrincipals {
            allowed_signers,
            identity,
            options,
        } => Ok(match_principals(
            &allowed_signers,
            &identity,
            &options,
            &mut o,
            &mut e,
        )),
        SshKeygenCommand::Fingerprint { file } => fingerprint(&file, &mut o),
    }
}

/// A verification's exit status; a failure also prints ssh-keygen's stdout line for it
/// (unless `-q`).
fn verification_status(result: Result<(), ()>, quiet: bool, o: &mut dyn Write) -> Status {
    match result {
        Ok(()) => Status::Success,
        Err(()) => {
            if !quiet {
                out::could_not_verify(o);
            }
            Status::CheckFailed
        }
    }
}

/// OpenSSH's error numbers that `-Y match-principals` hands to exit (modulo 256).
const SSH_ERR_INVALID_FORMAT: u8 = (256 - 4) as u8;
const SSH_ERR_INVALID_ARGUMENT: u8 = (256 - 10) as u8;
const SSH_ERR_SYSTEM_ERROR: u8 = (256 - 24) as u8;
const SSH_ERR_KEY_NOT_FOUND: u8 = (256 - 46) as u8;

/// `-Y match-principals`: the principal patterns of every line that names `identity`; a
/// bad line among them ends it with OpenSSH's "invalid format" (allowed_signers.rs).
fn match_principals(
    allowed_path: &Path,
    identity: &str,
    options: &[String],
    o: &mut dyn Write,
    e: &mut dyn Write,
) -> Status {
    // ssh-keygen reads -O here with nothing to accept: any option is invalid.
    if let Some(option) = options.first() {
        out::message(e, &format!("Invalid option \"{option}\""));
        return Status::SshKeygenCode(SSH_ERR_INVALID_ARGUMENT);
    }
    let bytes = match std::fs::read(allowed_path) {
        Ok(bytes) => bytes,
        Err(err) => {
            out::message(
                e,
                &format!(
                    "Unable to open allowed keys file \"{}\": {}",
                    allowed_path.display(),
                    io_reason(&err)
                ),
            );
            return Status::SshKeygenCode(SSH_ERR_SYSTEM_ERROR);
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let matched = match allowed_signers::match_principals(&text, identity, &chrono::Local) {
        Ok(matched) => matched,
        Err(problem) => {
            out::allowed_signers_problem(e, &allowed_path.display().to_string(), &problem);
            out::no_principal(e);
            return Status::SshKeygenCode(SSH_ERR_INVALID_FORMAT);
        }
    };
    if matched.is_empty() {
        out::no_principal(e);
        return Status::SshKeygenCode(SSH_ERR_KEY_NOT_FOUND);
    }
    out::principals(o, &matched);
    Status::Success
}

/// Signature options (`-O`), as ssh-keygen's `sig_process_opts` reads them.
#[derive(Default)]
struct SigOptions {
    hash_alg: Option<HashAlg>,
    verify_time: Option<i64>,
    print_pubkey: bool,
}

fn sig_options(options: &[String]) -> Result<SigOptions, String> {
    let mut parsed = SigOptions::default();
    for option in options {
        let lower = option.to_ascii_lowercase();
        if lower.starts_with("hashalg=") {
            // The option name is case-insensitive, the algorithm's name is not (sshsig.c).
            let value = &option["hashalg=".len()..];
            parsed.hash_alg = Some(match value {
                "sha256" => HashAlg::Sha256,
                "sha512" => HashAlg::Sha512,
                _ => return Err(format!("Unsupported hash algorithm \"{value}\"")),
            });
        } else if lower.starts_with("verify-time=") {
            let value = &option["verify-time=".len()..];
            let t = time::parse_absolute_time(value, &chrono::Local)
                .map_err(|_| "Invalid \"verify-time\" option".to_string())?;
            parsed.verify_time = Some(t);
        } else if lower == "print-pubkey" {
            parsed.print_pubkey = true;
        } else {
            return Err(format!("Invalid option \"{option}\""));
        }
    }
    Ok(parsed)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What `-Y sign` was asked.
struct SignArgs<'a> {
    namespace: &'a str,
    key_file: &'a Path,
    require_agent: bool,
    files: &'a [PathBuf],
    options: &'a [String],
    quiet: bool,
}

fn sign(args: &SignArgs<'_>, o: &mut dyn Write, e: &mut dyn Write) -> Result<Status, AppError> {
    let SignArgs {
        namespace,
        key_file,
        require_agent,
        files,
        options,
        quiet,
    } = *args;
    let options = sig_options(options).map_err(AppError::operational)?;
    let hash_alg = options.hash_alg.unwrap_or(HashAlg::Sha512);
    let agent_socket = std::env::var_os("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let request = SignerRequest {
        key_path: key_file,
        require_agent,
        agent_socket: agent_socket.as_deref(),
    };
    let passphrases = PassphraseSource::from_env();
    let mut signer = SshSigner::load(&request, &mut |prompt| passphrases.ask(prompt))
        .map_err(|err| AppError::operational(err.to_string()))?;

    if files.is_empty() {
        if !quiet {
            out::signing_stdin(e);
        }
        let mut message = Vec::new();
        std::io::stdin()
            .read_to_end(&mut message)
            .map_err(|err| AppError::operational(format!("Couldn't read standard input: {err}")))?;
        let armored = signer
            .sign(namespace, hash_alg, &message)
            .map_err(|err| AppError::operational(err.to_string()))?;
        out::signature(o, &armored);
        return Ok(Status::Success);
    }
    for file in files {
        let shown = file.display().to_string();
        if !quiet {
            out::signing_file(e, &shown);
        }
        let message = std::fs::read(file).map_err(|err| {
            AppError::operational(format!("Couldn't open {shown}: {}", io_reason(&err)))
        })?;
        let armored = signer
            .sign(namespace, hash_alg, &message)
            .map_err(|err| AppError::operational(err.to_string()))?;
        let mut sig_path = file.clone().into_os_string();
        sig_path.push(".sig");
        let sig_path = PathBuf::from(sig_path);
        write_atomically(&sig_path, armored.as_bytes()).map_err(|err| {
            AppError::operational(format!("Couldn't write {}: {err}", sig_path.display()))
        })?;
        if !quiet {
            out::wrote_signature(e, &sig_path.display().to_string());
        }
    }
    Ok(Status::Success)
}

/// Writes `path` whole or not at all: a temporary file beside it, renamed into place.
/// No fsync: git reads the file at once and deletes it; the rename alone keeps readers
/// from ever seeing half a signature, and a sync per commit made signing slower than
/// ssh-keygen (docs/benchmarks.md).
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".gitseal-sig")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    // Signatures are public: readable like ssh-keygen's (0644 under the usual umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads and parses a signature file; failures are printed as ssh-keygen prints them.
fn read_signature(path: &Path, e: &mut dyn Write) -> Result<SshSignature, ()> {
    let bytes = read_signature_file(path, e)?;
    SshSignature::from_armor(&bytes).map_err(|err| {
        out::message(e, &format!("Couldn't parse signature: {err}"));
    })
}

/// The signature file's bytes, up to one more than an armored signature may have.
fn read_signature_file(path: &Path, e: &mut dyn Write) -> Result<Vec<u8>, ()> {
    read_limited(path, MAX_ARMOR_BYTES as u64 + 1).map_err(|err| {
        out::message(
            e,
            &format!("Couldn't read signature file: {}", io_reason(&err)),
        );
    })
}

fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn read_message() -> Result<Vec<u8>, std::io::Error> {
    let mut message = Vec::new();
    std::io::stdin().read_to_end(&mut message)?;
    Ok(message)
}

/// Reads allowed_signers; broken lines are reported and skipped, as ssh-keygen does.
fn read_allowed(path: &Path, e: &mut dyn Write) -> Result<AllowedSigners, String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        let msg = format!(
            "Couldn't open allowed keys file {shown}: {}",
            io_reason(&err)
        );
        out::message(e, &msg);
        msg
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let allowed = AllowedSigners::parse(&text, &chrono::Local);
    for problem in &allowed.problems {
        out::allowed_signers_problem(e, &shown, problem);
    }
    Ok(allowed)
}

#[allow(clippy::too_many_arguments)]
fn verify_cmd(
    namespace: &str,
    allowed_path: &Path,
    identity: &str,
    signature_file: &Path,
    revocation_file: Option<&Path>,
    options: &[String],
    quiet: bool,
    o: &mut dyn Write,
    e: &mut dyn Write,
) -> Result<(), ()> {
    let options = sig_options(options).map_err(|msg| out::message(e, &msg))?;
    let sig = read_signature(signature_file, e)?;
    let message =
        read_message().map_err(|err| out::message(e, &format!("Couldn't read message: {err}")))?;
    let revoked = match revocation_file {
        Some(path) => Some(read_revocation(path, e)?),
        None => None,
    };
    let allowed = read_allowed(allowed_path, e).map_err(|_| ())?;
    let request = verify::VerifyRequest {
        namespace,
        identity,
        allowed: &allowed,
        revoked: revoked.as_ref(),
        time: options.verify_time.unwrap_or_else(now),
    };
    let shown = allowed_path.display().to_string();
    match verify::verify(&sig, &message, &request) {
        Ok(verified) => {
            if !quiet {
                out::good(
                    o,
                    namespace,
                    Some(&verified.principal),
                    &sig.signer.type_name(),
                    &sig.signer.fingerprint(),
                );
            }
            if options.print_pubkey {
                print_pubkey(o, &sig);
            }
            Ok(())
        }
        Err(verify::Rejection::Signature(err)) => {
            out::signature_error(e, &err);
            Err(())
        }
        Err(verify::Rejection::Revoked) => {
            out::revoked(e, &sig.signer.fingerprint());
            Err(())
        }
        Err(verify::Rejection::NotAllowed(rejections)) => {
            for rejection in &rejections {
                out::line_rejection(e, &shown, rejection);
            }
            Err(())
        }
    }
}

fn read_revocation(path: &Path, e: &mut dyn Write) -> Result<RevocationList, ()> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        out::message(
            e,
            &format!("Couldn't read revocation file {shown}: {}", io_reason(&err)),
        );
    })?;
    RevocationList::parse(&bytes).map_err(|err| {
        out::message(e, &format!("Couldn't parse revocation file {shown}: {err}"));
    })
}

fn check_novalidate(
    namespace: &str,
    signature_file: &Path,
    options: &[String],
    quiet: bool,
    o: &mut dyn Write,
    e: &mut dyn Write,
) -> Result<(), ()> {
    let options = sig_options(options).map_err(|msg| out::message(e, &msg))?;
    let sig = read_signature(signature_file, e)?;
    let message =
        read_message().map_err(|err| out::message(e, &format!("Couldn't read message: {err}")))?;
    sig.verify(namespace, &message)
        .map_err(|err| out::signature_error(e, &err))?;
    if !quiet {
        out::good(
            o,
            namespace,
            None,
            &sig.signer.type_name(),
            &sig.signer.fingerprint(),
        );
    }
    if options.print_pubkey {
        print_pubkey(o, &sig);
    }
    Ok(())
}

/// `-O print-pubkey`: the key in the signature as ssh-keygen writes it, the certificate
/// itself when a certificate signed.
fn print_pubkey(o: &mut dyn Write, sig: &SshSignature) {
    out::public_key(o, &sig.signer.openssh_line());
}

fn find_principals(
    allowed_path: &Path,
    signature_file: &Path,
    options: &[String],
    o: &mut dyn Write,
    e: &mut dyn Write,
) -> Result<(), ()> {
    let options = sig_options(options).map_err(|msg| out::message(e, &msg))?;
    // Only the signer, as ssh-keygen reads it here (sshsig_get_pubkey): the rest of the
    // signature may be malformed, find-principals still answers.
    let signer = read_signature_file(signature_file, e).and_then(|bytes| {
        sshsig::signer_from_armor(&bytes)
            .map_err(|err| out::message(e, &format!("Couldn't parse signature: {err}")))
    })?;
    let allowed = read_allowed(allowed_path, e).map_err(|_| ())?;
    let shown = allowed_path.display().to_string();
    match verify::find_principals(&signer, &allowed, options.verify_time.unwrap_or_else(now)) {
        Ok(principals) => {
            out::principals(o, &principals);
            Ok(())
        }
        Err(rejections) => {
            for rejection in &rejections {
                out::line_rejection(e, &shown, rejection);
            }
            Err(())
        }
    }
}

fn fingerprint(file: &Path, o: &mut dyn Write) -> Result<Status, AppError> {
    let not_a_key =
        || AppError::operational(format!("{} is not a public key file", file.display()));
    let found = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| AppError::operational(format!("Couldn't read standard input: {err}")))?;
        public_key::parse_line(&text).map_err(|_| not_a_key())?
    } else {
        public_key::load(file).map_err(|err| match err {
            public_key::PublicKeyError::Read(reason) => {
                AppError::operational(format!("{}: {reason}", file.display()))
            }
            _ => not_a_key(),
        })?
    };
    out::fingerprint(
        o,
        key::bits(&found.key),
        &key::fingerprint(&found.key),
        &found.comment,
        &key::type_name(&found.key, found.certificate),
    );
    Ok(Status::Success)
}
