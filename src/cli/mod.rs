//! Reading the command line: which dialect git (or a person) is speaking, parsed into
//! plain data. Nothing here reads config or touches files.

pub mod commands;
pub mod gpg;
pub mod ssh_keygen;

use crate::error::AppError;
use crate::output::exit::Dialect;
use clap::Parser;
use std::ffi::OsString;

/// A classified, parsed command line.
#[derive(Debug)]
pub enum Invocation {
    Gpg(gpg::GpgCommand),
    SshKeygen(ssh_keygen::SshKeygenCommand),
    Own(commands::Cli),
    /// `--help` / `--version` text, printed as is with exit 0.
    Info(String),
}

/// Decides the dialect, then parses in it. An error carries the dialect whose exit codes
/// apply (ssh-keygen's usage errors exit 1, ours 2).
pub fn classify(args: &[OsString]) -> Result<Invocation, (Dialect, AppError)> {
    if gpg::is_gpg(args) {
        return gpg::parse(args)
            .map(Invocation::Gpg)
            .map_err(|e| (Dialect::Gpg, e));
    }
    if ssh_keygen::is_ssh_keygen(args) {
        return ssh_keygen::parse(args)
            .map(Invocation::SshKeygen)
            .map_err(|e| (Dialect::SshKeygen, e));
    }
    let argv = std::iter::once(OsString::from("gitseal")).chain(args.iter().cloned());
    match commands::Cli::try_parse_from(argv) {
        Ok(cli) => Ok(Invocation::Own(cli)),
        // clap reports `--help` and `--version` as errors; they are answers.
        Err(e) => match from_clap(e, args) {
            ClapOutcome::Info(text) => Ok(Invocation::Info(text)),
            ClapOutcome::Error(e) => Err((Dialect::Own, e)),
        },
    }
}

enum ClapOutcome {
    Info(String),
    Error(AppError),
}

/// Turns clap's multi-line error into our one line plus a hint.
fn from_clap(error: clap::Error, args: &[OsString]) -> ClapOutcome {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            return ClapOutcome::Info(error.render().to_string());
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return ClapOutcome::Error(AppError::usage("no command given").with_hint(
                "gitseal --help lists the commands; git runs gitseal with gpg's or ssh-keygen's arguments",
            ));
        }
        _ => {}
    }
    let rendered = error.render().to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    // gitsign's habit: `gitsign verify --certificate-identity ...` checks one commit; that
    // is `gitseal verify-commit`, while `gitseal verify` judges ranges by the policy.
    let invalid = error
        .get(clap::error::ContextKind::InvalidArg)
        .map(|v| v.to_string())
        .unwrap_or_default();
    if error.kind() == ErrorKind::UnknownArgument
        && args.first().is_some_and(|a| a == "verify")
        && invalid.starts_with("--certificate-")
    {
        return ClapOutcome::Error(AppError::usage(first).with_hint(
            "gitseal verify judges commit ranges by the signing policy; to check one commit's \
             (or tag's) signature against an identity as `gitsign verify` does, use gitseal \
             verify-commit --certificate-identity ID --certificate-oidc-issuer URL [COMMIT] \
             (or gitseal verify-tag)",
        ));
    }
    let hint = match error.kind() {
        ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument => {
            "gitseal understands gpg's command line (--status-fd=N -bsau KEY, --verify SIG -), \
             ssh-keygen's (-Y sign|verify|find-principals|check-novalidate) and its own \
             subcommands (gitseal --help)"
        }
        _ => "see gitseal --help",
    };
    ClapOutcome::Error(AppError::usage(first).with_hint(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn each_dialect_is_recognised() {
        assert!(matches!(
            classify(&argv(&["-Y", "sign", "-n", "git", "-f", "k", "f"])),
            Ok(Invocation::SshKeygen(_))
        ));
        assert!(matches!(
            classify(&argv(&["--status-fd=2", "-bsau", "k"])),
            Ok(Invocation::Gpg(_))
        ));
        assert!(matches!(
            classify(&argv(&["version"])),
            Ok(Invocation::Own(_))
        ));
        assert!(matches!(
            classify(&argv(&["--help"])),
            Ok(Invocation::Info(_))
        ));
    }

    #[test]
    fn gitsigns_verify_habit_is_pointed_at_verify_commit() {
        let Err((_, error)) = classify(&argv(&["verify", "--certificate-identity", "a@b", "HEAD"]))
        else {
            panic!("accepted");
        };
        assert!(
            error.message.contains("--certificate-identity"),
            "{}",
            error.message
        );
        assert!(
            error
                .hint
                .unwrap()
                .contains("gitseal verify-commit --certificate-identity")
        );
    }

    #[test]
    fn help_takes_a_command() {
        for args in [
            &["help"][..],
            &["help", "verify-commit"],
            &["help", "policy", "check"],
        ] {
            let Ok(Invocation::Info(text)) = classify(&argv(args)) else {
                panic!("{args:?} is not help");
            };
            assert!(text.contains("Usage: gitseal"), "{args:?}: {text}");
        }
        let Ok(Invocation::Info(text)) = classify(&argv(&["help", "verify-tag"])) else {
            panic!("no help");
        };
        assert!(text.contains("<TAG>..."), "{text}");
    }

    #[test]
    fn unknown_argv_is_a_usage_error_that_says_what_was_expected() {
        let Err((dialect, error)) = classify(&argv(&["--frobnicate"])) else {
            panic!("accepted nonsense");
        };
        assert_eq!(dialect, Dialect::Own);
        assert!(error.message.contains("--frobnicate"), "{}", error.message);
        assert!(error.hint.unwrap().contains("-Y sign"));
        let Err((dialect, _)) = classify(&argv(&["-Y", "sign"])) else {
            panic!("accepted incomplete ssh-keygen argv");
        };
        assert_eq!(dialect, Dialect::SshKeygen);
    }
}
