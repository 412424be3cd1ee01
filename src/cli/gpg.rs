//! The gpg dialect: what git passes to `gpg.program` and `gpg.x509.program`
//! (reference/git-contract.md sections 2.2 and 3.2).

use crate::error::AppError;
use std::ffi::OsString;
use std::path::PathBuf;

/// Where status lines go: git only ever passes 1 or 2, which map to the std handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFd {
    Stdout,
    Stderr,
}

/// One gpg-dialect command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpgCommand {
    /// `--status-fd=N -bsau KEY`: detached, armored signature of stdin on stdout.
    Sign {
        status_fd: Option<StatusFd>,
        local_user: Option<String>,
    },
    /// `[--keyid-format=long] --status-fd=N --verify SIGFILE -`: payload on stdin.
    Verify {
        status_fd: Option<StatusFd>,
        signature_file: PathBuf,
        long_key_ids: bool,
    },
}

/// Whether an argv looks like gpg's as git writes it.
pub fn is_gpg(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        a.starts_with("--status-fd")
            || a == "--verify"
            || a.starts_with("--keyid-format")
            || a == "--detach-sign"
            || (a.starts_with('-')
                && !a.starts_with("--")
                && a.contains('b')
                && a.contains('s')
                && !a.contains('Y'))
    })
}

/// Parses a gpg-dialect argv (without the program name).
pub fn parse(args: &[OsString]) -> Result<GpgCommand, AppError> {
    let mut status_fd = None;
    let mut local_user = None;
    let mut detach = false;
    let mut sign = false;
    let mut verify = None;
    let mut long_key_ids = false;
    let mut positional = Vec::new();
    let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = iter.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if arg.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or_else(|| AppError::usage(format!("option {what} needs a value")))
        };
        match name.as_str() {
            "--status-fd" => status_fd = Some(parse_fd(&value("--status-fd")?)?),
            "--local-user" => local_user = Some(value("--local-user")?),
            "--keyid-format" => {
                long_key_ids = value("--keyid-format")?.eq_ignore_ascii_case("long")
            }
            "--detach-sign" => detach = true,
            "--sign" => sign = true,
            "--armor" => {}
            "--verify" => verify = Some(PathBuf::from(value("--verify")?)),
            short if short.starts_with('-') && !short.starts_with("--") && short.len() > 1 => {
                for flag in short[1..].chars() {
                    match flag {
                        'b' => detach = true,
                        's' => sign = true,
                        'a' => {}
                        'u' => local_user = Some(value("-u")?),
                        other => {
                            return Err(AppError::usage(format!(
                                "unsupported gpg option -{other}: gitseal implements the gpg options git uses"
                            )));
                        }
                    }
                }
            }
            "-" => positional.push(arg),
            other if other.starts_with("--") => {
                return Err(AppError::usage(format!(
                    "unsupported gpg option {other}: gitseal implements the gpg options git uses"
                )));
            }
            _ => positional.push(arg),
        }
    }
    if let Some(signature_file) = verify {
        if positional.iter().any(|p| p != "-") {
            return Err(AppError::usage(
                "--verify reads the signed data from stdin only (`-`)",
            ));
        }
        return Ok(GpgCommand::Verify {
            status_fd,
            signature_file,
            long_key_ids,
        });
    }
    if detach && sign {
        return Ok(GpgCommand::Sign {
            status_fd,
            local_user,
        });
    }
    Err(AppError::usage(
        "expected gpg's `--status-fd=N -bsau KEY` or `--status-fd=N --verify SIGFILE -`",
    ))
}

fn parse_fd(text: &str) -> Result<StatusFd, AppError> {
    match text {
        "1" => Ok(StatusFd::Stdout),
        "2" => Ok(StatusFd::Stderr),
        other => Err(AppError::usage(format!(
            "--status-fd {other}: only 1 (stdout) and 2 (stderr) are supported"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_gits_shapes() {
        assert_eq!(
            parse(&argv(&[
                "--status-fd=2",
                "-bsau",
                "C O Mitter <c@example.com>"
            ]))
            .unwrap(),
            GpgCommand::Sign {
                status_fd: Some(StatusFd::Stderr),
                local_user: Some("C O Mitter <c@example.com>".into()),
            }
        );
        assert_eq!(
            parse(&argv(&[
                "--keyid-format=long",
                "--status-fd=1",
                "--verify",
                "/tmp/sig",
                "-"
            ]))
            .unwrap(),
            GpgCommand::Verify {
                status_fd: Some(StatusFd::Stdout),
                signature_file: "/tmp/sig".into(),
                long_key_ids: true,
            }
        );
        assert_eq!(
            parse(&argv(&["--status-fd", "1", "--verify", "/tmp/sig", "-"])).unwrap(),
            GpgCommand::Verify {
                status_fd: Some(StatusFd::Stdout),
                signature_file: "/tmp/sig".into(),
                long_key_ids: false,
            }
        );
        // An empty key (user.signingKey = "") is passed through.
        assert_eq!(
            parse(&argv(&["--status-fd=2", "-bsau", ""])).unwrap(),
            GpgCommand::Sign {
                status_fd: Some(StatusFd::Stderr),
                local_user: Some(String::new()),
            }
        );
    }

    #[test]
    fn refuses_what_git_never_sends() {
        assert!(parse(&argv(&["--status-fd=3", "-bsau", "k"])).is_err());
        assert!(parse(&argv(&["--encrypt"])).is_err());
        assert!(parse(&argv(&["--status-fd=2", "-bsau"])).is_err());
        assert!(parse(&argv(&["--verify", "sig", "data.txt"])).is_err());
    }

    #[test]
    fn recognises_the_dialect() {
        assert!(is_gpg(&argv(&["--status-fd=2", "-bsau", "K"])));
        assert!(is_gpg(&argv(&["--status-fd=1", "--verify", "f", "-"])));
        assert!(!is_gpg(&argv(&["-Y", "sign", "-n", "git"])));
        assert!(!is_gpg(&argv(&["setup", "--format", "ssh"])));
    }
}
