//! Everything gitseal writes for people and for git goes through here: error lines,
//! ssh-keygen's result lines, and the exit code policy.

pub mod blob;
pub mod escape;
pub mod exit;
pub mod gpg_text;
pub mod log;
pub mod man;
pub mod monitor;
pub mod object;
pub mod policy;
pub mod report;
pub mod sigstore_text;
pub mod ssh_certificate;
pub mod ssh_keygen;
pub mod status;

use crate::error::AppError;
use std::io::Write;

/// Renders an error as one lowercase line plus an optional `hint:` line.
///
/// ssh-keygen's own messages carry no prefix, and git prepends `error: ` to whatever
/// `gpg.ssh.program` printed, so that dialect gets the bare message. Messages quote
/// arguments, ref names and what files and servers said: escaped (escape::text), so that
/// an error stays one line. The one exception is ssh-keygen's own banner about a private
/// key others can read, which is several lines in ssh-keygen too: in that dialect each
/// line is escaped by itself.
pub fn render_error(dialect: exit::Dialect, error: &AppError, err: &mut dyn Write) {
    let message = error.message.trim_end_matches('.');
    let _ = match dialect {
        exit::Dialect::SshKeygen => message
            .split('\n')
            .try_for_each(|line| writeln!(err, "{}", escape::text(line))),
        exit::Dialect::Gpg | exit::Dialect::Own => {
            writeln!(err, "error: {}", escape::text(message))
        }
    };
    if let Some(hint) = &error.hint {
        let _ = writeln!(err, "hint: {}", escape::text(hint));
    }
}

/// Prints `--help` / `--version` text as clap rendered it.
pub fn info(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line_plus_hint() {
        let error = AppError::operational("cannot read key file `k`: no such file.")
            .with_hint("run gitseal setup");
        let mut out = Vec::new();
        render_error(exit::Dialect::Own, &error, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: cannot read key file `k`: no such file\nhint: run gitseal setup\n"
        );
        // A message quoting outside text stays one line.
        let hostile = AppError::usage("range `main\nok   all good`: unknown revision");
        let mut out = Vec::new();
        render_error(exit::Dialect::Own, &hostile, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: range `main\\nok   all good`: unknown revision\n"
        );
        let mut out = Vec::new();
        render_error(exit::Dialect::SshKeygen, &error, &mut out);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("cannot read key file")
        );
    }
}
