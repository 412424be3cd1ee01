//! The one place that decides exit codes. They are the API: git, hooks and CI read them.

use crate::error::{AppError, ErrorKind};
use std::process::ExitCode;

/// Which program's conventions an invocation follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `gpg` / `gpgsm` as git runs them: 0 good, 1 bad signature, 2 any other error.
    Gpg,
    /// `ssh-keygen -Y`: 0 good, 255 any failure, 1 for a command line it cannot use.
    SshKeygen,
    /// gitseal's own subcommands: 0 ok, 1 verification or policy failure, 2 usage/config/I/O.
    Own,
}

/// How a run that produced its own output ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    /// A check did not pass; the reason has already been written.
    CheckFailed,
    /// A check could not be made (gpg's "Can't check signature", exit 2); the reason has
    /// already been written, in the dialect's own words.
    CannotCheck,
    /// ssh-keygen's `-Y match-principals` returns OpenSSH's negative error number from main
    /// (its exit code is that number modulo 256: 210 for no match, 246 for a bad `-O`, 232
    /// for an unreadable file); the reason has already been written.
    SshKeygenCode(u8),
}

/// Maps a finished run to the dialect's exit code.
pub fn code(dialect: Dialect, result: &Result<Status, AppError>) -> u8 {
    let kind = match result {
        Ok(Status::Success) => return 0,
        Ok(Status::SshKeygenCode(code)) => return *code,
        Ok(Status::CheckFailed) => ErrorKind::Verification,
        Ok(Status::CannotCheck) => ErrorKind::Operational,
        Err(error) => error.kind,
    };
    match (dialect, kind) {
        (Dialect::SshKeygen, ErrorKind::Usage) => 1,
        (Dialect::SshKeygen, _) => 255,
        (_, ErrorKind::Verification) => 1,
        (_, ErrorKind::Usage | ErrorKind::Operational) => 2,
    }
}

/// Writes the error (if any) and returns the process exit code.
pub fn finish(dialect: Dialect, result: Result<Status, AppError>) -> ExitCode {
    if let Err(error) = &result {
        super::render_error(dialect, error, &mut std::io::stderr().lock());
    }
    let code = code(dialect, &result);
    super::log::finish(code, result.as_ref().err());
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_keeps_its_programs_codes() {
        let usage = Err(AppError::usage("x"));
        let failed = Ok(Status::CheckFailed);
        let broken = Err(AppError::operational("x"));
        assert_eq!(code(Dialect::SshKeygen, &usage), 1);
        assert_eq!(code(Dialect::SshKeygen, &failed), 255);
        assert_eq!(code(Dialect::SshKeygen, &broken), 255);
        assert_eq!(code(Dialect::Gpg, &failed), 1);
        assert_eq!(code(Dialect::Gpg, &broken), 2);
        assert_eq!(code(Dialect::Own, &usage), 2);
        assert_eq!(code(Dialect::Own, &failed), 1);
        assert_eq!(code(Dialect::Own, &Ok(Status::Success)), 0);
    }
}
