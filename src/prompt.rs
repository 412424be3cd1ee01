//! Asking the user for a passphrase: on the terminal, or through `SSH_ASKPASS` when there
//! is none, following ssh's `read_passphrase` (`SSH_ASKPASS_REQUIRE=force|never|prefer`).
//! This is the one place that reads the terminal; rooms receive it as a callback.

use crate::secret::Secret;
use std::process::{Command, Stdio};

/// Where to get a passphrase from, decided from the environment once.
pub struct PassphraseSource {
    askpass: Option<String>,
    require: AskpassRequire,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AskpassRequire {
    /// Terminal when there is one, else askpass (ssh's default, without its DISPLAY test).
    Prefer,
    Force,
    Never,
}

impl PassphraseSource {
    /// Reads `SSH_ASKPASS` and `SSH_ASKPASS_REQUIRE`.
    pub fn from_env() -> Self {
        let require = match std::env::var("SSH_ASKPASS_REQUIRE").as_deref() {
            Ok("force") => AskpassRequire::Force,
            Ok("never") => AskpassRequire::Never,
            _ => AskpassRequire::Prefer,
        };
        Self {
            askpass: std::env::var("SSH_ASKPASS").ok().filter(|p| !p.is_empty()),
            require,
        }
    }

    /// Asks with `prompt`; the answer never reaches logs or errors.
    pub fn ask(&self, prompt: &str) -> Result<Secret, String> {
        let askpass = self
            .askpass
            .as_deref()
            .filter(|_| self.require != AskpassRequire::Never);
        if let (Some(program), AskpassRequire::Force) = (askpass, self.require) {
            return run_askpass(program, prompt);
        }
        match rpassword::prompt_password(prompt) {
            Ok(answer) => Ok(Secret::new(answer)),
            Err(tty_error) => match askpass {
                Some(program) => run_askpass(program, prompt),
                None => Err(format!(
                    "no terminal to ask on ({tty_error}) and SSH_ASKPASS is not set"
                )),
            },
        }
    }
}

fn run_askpass(program: &str, prompt: &str) -> Result<Secret, String> {
    let output = Command::new(program)
        .arg(prompt)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run SSH_ASKPASS program {program}: {e}"))?;
    let mut bytes = zeroize::Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err("passphrase entry was cancelled".into());
    }
    // The answer is the first line, without its line break.
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    bytes.truncate(end);
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| "SSH_ASKPASS answer is not UTF-8".to_string())?;
    Ok(Secret::new(text.to_string()))
}
