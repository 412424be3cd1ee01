//! The `ssh-keygen` dialect: the `-Y` signature commands git runs as `gpg.ssh.program`,
//! and `-l -f` (fingerprints).
//!
//! Parsed getopt-style like ssh-keygen (bundled flags, `-Ysign`, `-Overify-time=...`), with
//! one deliberate difference: options after a positional argument still count. git passes an
//! empty `''` where it has no verify time and may put `-r <revocation file>` after it;
//! ssh-keygen 9.2 stops at the `''` and silently ignores the revocation file
//! (reference/git-contract.md section 7.1). We honour it.

use crate::error::AppError;
use std::ffi::OsString;
use std::path::PathBuf;

/// One `ssh-keygen` command, validated as ssh-keygen validates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshKeygenCommand {
    /// `-Y sign -n NS -f KEY [-U] [-O hashalg=...] [FILE...]` (no file: stdin to stdout).
    Sign {
        namespace: String,
        key_file: PathBuf,
        require_agent: bool,
        files: Vec<PathBuf>,
        options: Vec<String>,
        /// `-q`: no progress lines on stderr.
        quiet: bool,
    },
    /// `-Y verify -n NS -f ALLOWED -I ID -s SIG [-r KRL] [-O verify-time=...]`, message on stdin.
    Verify {
        namespace: String,
        allowed_signers: PathBuf,
        identity: String,
        signature_file: PathBuf,
        revocation_file: Option<PathBuf>,
        options: Vec<String>,
        /// `-q`: no "Good ..." / "Could not verify signature." line.
        quiet: bool,
    },
    /// `-Y find-principals -f ALLOWED -s SIG [-O verify-time=...]`.
    FindPrincipals {
        allowed_signers: PathBuf,
        signature_file: PathBuf,
        options: Vec<String>,
    },
    /// `-Y match-principals -f ALLOWED -I ID` (ssh-keygen takes `-O` here but knows none).
    MatchPrincipals {
        allowed_signers: PathBuf,
        identity: String,
        options: Vec<String>,
    },
    /// `-Y check-novalidate -n NS -s SIG`, message on stdin.
    CheckNovalidate {
        namespace: String,
        signature_file: PathBuf,
        options: Vec<String>,
        /// `-q`: no "Good ..." / "Could not verify signature." line.
        quiet: bool,
    },
    /// `-l -f FILE` (`-` for stdin): the key's fingerprint line.
    Fingerprint { file: PathBuf },
}

/// Whether an argv looks like ssh-keygen's: it names `-Y` or asks for `-l`.
pub fn is_ssh_keygen(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        a.starts_with('-')
            && !a.starts_with("--")
            && (a[1..].contains('Y') || a[1..].starts_with('l'))
    })
}

/// Raw flags as getopt would collect them.
#[derive(Default)]
struct Flags {
    operation: Option<String>,
    namespace: Option<String>,
    file: Option<PathBuf>,
    identity: Option<String>,
    signature: Option<PathBuf>,
    revocation: Option<PathBuf>,
    options: Vec<String>,
    require_agent: bool,
    quiet: bool,
    list: bool,
    positional: Vec<OsString>,
}

/// Parses and validates an ssh-keygen argv (without the program name).
pub fn parse(args: &[OsString]) -> Result<SshKeygenCommand, AppError> {
    let flags = collect(args)?;
    build(flags)
}

fn collect(args: &[OsString]) -> Result<Flags, AppError> {
    let mut flags = Flags::default();
    let mut iter = args.iter();
    let mut options_done = false;
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if options_done || !text.starts_with('-') || text == "-" {
            flags.positional.push(arg.clone());
            continue;
        }
        if text == "--" {
            options_done = true;
            continue;
        }
        let chars: Vec<char> = text[1..].chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let flag = chars[i];
            if takes_value(flag) {
                let inline: String = chars[i + 1..].iter().collect();
                let value = if inline.is_empty() {
                    iter.next().cloned().ok_or_else(|| {
                        AppError::usage(format!("option requires an argument -- {flag}"))
                    })?
                } else {
                    OsString::from(inline)
                };
                store(&mut flags, flag, value)?;
                break;
            }
            match flag {
                'U' => flags.require_agent = true,
                'l' => flags.list = true,
                'q' => flags.quiet = true,
                // Verbose changes nothing git reads.
                'v' => {}
                other => {
                    return Err(AppError::usage(format!(
                        "unsupported ssh-keygen option -{other}: gitseal implements -Y sign, verify, \
                         find-principals, match-principals, check-novalidate and -l"
                    )));
                }
            }
            i += 1;
        }
    }
    Ok(flags)
}

fn takes_value(flag: char) -> bool {
    matches!(flag, 'Y' | 'n' | 'f' | 'I' | 's' | 'r' | 'O' | 'E')
}

fn store(flags: &mut Flags, flag: char, value: OsString) -> Result<(), AppError> {
    let text = || value.to_string_lossy().into_owned();
    match flag {
        'Y' => flags.operation = Some(text()),
        'n' => flags.namespace = Some(text()),
        'f' => flags.file = Some(PathBuf::from(&value)),
        'I' => flags.identity = Some(text()),
        's' => flags.signature = Some(PathBuf::from(&value)),
        'r' => flags.revocation = Some(PathBuf::from(&value)),
        'O' => flags.options.push(text()),
        // -E picks the fingerprint hash for -l; only SHA256 is printed, as by default.
        'E' if text().eq_ignore_ascii_case("sha256") => {}
        'E' => {
            return Err(AppError::usage(format!(
                "unsupported fingerprint hash \"{}\"",
                text()
            )));
        }
        _ => unreachable!("takes_value and store list the same flags"),
    }
    Ok(())
}

fn build(flags: Flags) -> Result<SshKeygenCommand, AppError> {
    let Some(operation) = flags.operation.clone() else {
        if flags.list {
            let file = flags
                .file
                .ok_or_else(|| AppError::usage("ssh-keygen -l needs -f FILE"))?;
            return Ok(SshKeygenCommand::Fingerprint { file });
        }
        return Err(AppError::usage("expected -Y <operation> or -l"));
    };
    let missing = |what: &str| AppError::usage(format!("Too few arguments for {what}"));
    let namespace = flags.namespace.filter(|n| !n.is_empty());
    // ssh-keygen matches operation names by prefix (strncmp); so do we.
    let op = operation.as_str();
    if op.starts_with("find-principals") {
        let signature_file = flags
            .signature
            .ok_or_else(|| missing("find-principals:missing signature file"))?;
        let allowed_signers = flags
            .file
            .ok_or_else(|| missing("find-principals:missing allowed keys file"))?;
        return Ok(SshKeygenCommand::FindPrincipals {
            allowed_signers,
            signature_file,
            options: flags.options,
        });
    }
    if op.starts_with("match-principals") {
        let allowed_signers = flags
            .file
            .ok_or_else(|| missing("match-principals:missing allowed keys file"))?;
        let identity = flags
            .identity
            .ok_or_else(|| missing("match-principals: missing principal ID"))?;
        return Ok(SshKeygenCommand::MatchPrincipals {
            allowed_signers,
            identity,
            options: flags.options,
        });
    }
    if op.starts_with("sign") {
        let namespace = namespace.ok_or_else(|| missing("sign: missing namespace"))?;
        let key_file = flags.file.ok_or_else(|| missing("sign: missing key"))?;
        return Ok(SshKeygenCommand::Sign {
            namespace,
            key_file,
            require_agent: flags.require_agent,
            files: flags.positional.into_iter().map(PathBuf::from).collect(),
            options: flags.options,
            quiet: flags.quiet,
        });
    }
    if op.starts_with("check-novalidate") {
        let namespace = namespace.ok_or_else(|| missing("check-novalidate: missing namespace"))?;
        let signature_file = flags
            .signature
            .ok_or_else(|| missing("check-novalidate: missing signature file"))?;
        return Ok(SshKeygenCommand::CheckNovalidate {
            namespace,
            signature_file,
            options: flags.options,
            quiet: flags.quiet,
        });
    }
    if op.starts_with("verify") {
        let namespace = namespace.ok_or_else(|| missing("verify: missing namespace"))?;
        let signature_file = flags
            .signature
            .ok_or_else(|| missing("verify: missing signature file"))?;
        // ssh-keygen 9.2 really says "sign" here.
        let allowed_signers = flags
            .file
            .ok_or_else(|| missing("sign: missing allowed keys file"))?;
        let identity = flags
            .identity
            .ok_or_else(|| missing("verify: missing principal identity"))?;
        return Ok(SshKeygenCommand::Verify {
            namespace,
            allowed_signers,
            identity,
            signature_file,
            revocation_file: flags.revocation,
            options: flags.options,
            quiet: flags.quiet,
        });
    }
    Err(AppError::usage(format!(
        "Unsupported operation for -Y: \"{operation}\""
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_gits_sign_shape() {
        let cmd = parse(&argv(&[
            "-Y", "sign", "-n", "git", "-f", "/k", "-U", "/tmp/buf",
        ]))
        .unwrap();
        assert_eq!(
            cmd,
            SshKeygenCommand::Sign {
                namespace: "git".into(),
                key_file: "/k".into(),
                require_agent: true,
                files: vec!["/tmp/buf".into()],
                options: vec![],
                quiet: false,
            }
        );
    }

    #[test]
    fn honours_revocation_after_an_empty_argument() {
        let cmd = parse(&argv(&[
            "-Y", "verify", "-n", "git", "-f", "as", "-I", "p", "-s", "sig", "", "-r", "krl",
        ]))
        .unwrap();
        let SshKeygenCommand::Verify {
            revocation_file,
            options,
            ..
        } = cmd
        else {
            panic!("not verify");
        };
        assert_eq!(revocation_file, Some("krl".into()));
        assert!(options.is_empty());
    }

    #[test]
    fn bundled_and_attached_values() {
        let cmd = parse(&argv(&[
            "-Yfind-principals",
            "-fas",
            "-s",
            "sig",
            "-Overify-time=20260101",
        ]))
        .unwrap();
        assert_eq!(
            cmd,
            SshKeygenCommand::FindPrincipals {
                allowed_signers: "as".into(),
                signature_file: "sig".into(),
                options: vec!["verify-time=20260101".into()],
            }
        );
        assert_eq!(
            parse(&argv(&["-lf", "-"])).unwrap(),
            SshKeygenCommand::Fingerprint { file: "-".into() }
        );
    }

    #[test]
    fn missing_arguments_say_what_ssh_keygen_says() {
        let err = parse(&argv(&["-Y", "verify", "-n", "git", "-s", "x", "-f", "y"])).unwrap_err();
        assert_eq!(
            err.message,
            "Too few arguments for verify: missing principal identity"
        );
        let err = parse(&argv(&["-Y", "frob"])).unwrap_err();
        assert_eq!(err.message, "Unsupported operation for -Y: \"frob\"");
        let err = parse(&argv(&["-Y", "sign", "-n"])).unwrap_err();
        assert!(err.message.contains("requires an argument"));
        assert!(parse(&argv(&["-Y", "sign", "-n", "git", "-f", "k", "-X"])).is_err());
    }

    #[test]
    fn recognises_the_dialect() {
        assert!(is_ssh_keygen(&argv(&["-Y", "sign"])));
        assert!(is_ssh_keygen(&argv(&["-lf", "x"])));
        assert!(!is_ssh_keygen(&argv(&["--status-fd=2", "-bsau", "KEY"])));
        assert!(!is_ssh_keygen(&argv(&["verify", "HEAD"])));
    }
}
