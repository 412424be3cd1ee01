//! Settings: read once per run, here only. The environment first, then git config.
//!
//! git config is read with ONE `git config -z --list` subprocess rather than by parsing the
//! files ourselves: git then applies exactly its own rules — `include`/`includeIf`, the
//! `-c` overrides it hands to children through `GIT_CONFIG_PARAMETERS` (how
//! `git -c gpg.format=openpgp commit` reaches us), `GIT_CONFIG_GLOBAL`/`NOSYSTEM`, and
//! `safe.directory` (repository config of a repository owned by someone else is not read).
//! One process costs about a millisecond, far less than the gpg process we stand in for.

use crate::error::AppError;
use crate::signature::Format;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// git config as `git config -z --list` printed it: keys with lower-case section and name
/// (subsections keep their case), every value of multi-valued keys in order.
#[derive(Clone, Debug, Default)]
pub struct GitConfig {
    values: HashMap<String, Vec<String>>,
}

impl GitConfig {
    /// Parses `git config -z --list` output: `key\nvalue\0` entries (`key\0` for a key
    /// without `=`, which git treats as boolean true).
    pub fn parse(output: &[u8]) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for entry in output.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let (key, value) = match entry.split_once('\n') {
                Some((k, v)) => (k, v.to_string()),
                None => (entry.as_ref(), "true".to_string()),
            };
            values.entry(normalize_key(key)).or_default().push(value);
        }
        Self { values }
    }

    /// The last value of `key` (git's "last one wins"), key case-insensitive except for
    /// the subsection.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(&normalize_key(key))
            .and_then(|v| v.last())
            .map(String::as_str)
    }
}

/// Lower-cases the section and the variable name, keeps the subsection.
fn normalize_key(key: &str) -> String {
    match (key.find('.'), key.rfind('.')) {
        (Some(first), Some(last)) if first != last => format!(
            "{}{}{}",
            key[..first].to_ascii_lowercase(),
            &key[first..last],
            key[last..].to_ascii_lowercase()
        ),
        _ => key.to_ascii_lowercase(),
    }
}

/// Where the signing format came from (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatSource {
    Env,
    GitsealFormat,
    GpgFormat,
    Default,
}

/// Everything a run needs from its surroundings, read once.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The signing format: env `GITSEAL_FORMAT`, `gitseal.format`, `gpg.format`, else x509.
    pub format: Format,
    pub format_source: FormatSource,
    /// `GNUPGHOME`, else `~/.gnupg`.
    pub gnupg_home: Option<PathBuf>,
    /// `gitseal.openpgpKeyring`: certificates trusted for verification.
    pub openpgp_keyring: Option<PathBuf>,
    /// The whole git config, for the rooms that need more keys.
    pub git: GitConfig,
}

impl Settings {
    /// Reads the environment and git config.
    pub fn load() -> Result<Self, AppError> {
        let git = read_git_config()?;
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self::resolve(&env, git, dirs::home_dir())
    }

    /// Builds settings from an environment lookup and a git config: pure, for tests.
    pub fn resolve(
        env: &dyn Fn(&str) -> Option<OsString>,
        git: GitConfig,
        home: Option<PathBuf>,
    ) -> Result<Self, AppError> {
        let (format, format_source) = if let Some(value) = env("GITSEAL_FORMAT") {
            let value = value.to_string_lossy().into_owned();
            (parse_format(&value, "GITSEAL_FORMAT")?, FormatSource::Env)
        } else if let Some(value) = git.get("gitseal.format") {
            (
                parse_format(value, "gitseal.format")?,
                FormatSource::GitsealFormat,
            )
        } else if let Some(value) = git.get("gpg.format") {
            (parse_format(value, "gpg.format")?, FormatSource::GpgFormat)
        } else {
            (Format::X509, FormatSource::Default)
        };
        let gnupg_home = env("GNUPGHOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".gnupg")));
        let openpgp_keyring = git
            .get("gitseal.openpgpKeyring")
            .filter(|v| !v.is_empty())
            .map(|v| expand_home(v, home.as_ref()));
        Ok(Self {
            format,
            format_source,
            gnupg_home,
            openpgp_keyring,
            git,
        })
    }
}

/// git's `gpg.format` values are case-sensitive (reference/git-contract.md section 1.1).
fn parse_format(value: &str, from: &str) -> Result<Format, AppError> {
    match value {
        "openpgp" => Ok(Format::OpenPgp),
        "x509" => Ok(Format::X509),
        "ssh" => Ok(Format::Ssh),
        other => Err(
            AppError::operational(format!("invalid value for {from}: `{other}`"))
                .with_hint("use openpgp, x509 or ssh"),
        ),
    }
}

/// git's path interpolation for `~/`.
fn expand_home(value: &str, home: Option<&PathBuf>) -> PathBuf {
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}

fn read_git_config() -> Result<GitConfig, AppError> {
    let output = match Command::new("git")
        .args(["config", "-z", "--list"])
        .output()
    {
        Ok(output) => output,
        // No git at all: no git config, as for a program run outside git.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(GitConfig::default()),
        Err(e) => return Err(AppError::operational(format!("cannot run git config: {e}"))),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Outside a repository with no config files git lists nothing and fails quietly.
        if stderr.trim().is_empty() {
            return Ok(GitConfig::default());
        }
        return Err(AppError::operational(format!(
            "git config failed: {}",
            stderr.lines().next().unwrap_or("").trim()
        )));
    }
    Ok(GitConfig::parse(&output.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn parses_git_config_list() {
        let config = GitConfig::parse(
            b"gpg.format\nssh\0gpg.format\nopenpgp\0core.bare\0url.Https://X.insteadof\ny\0",
        );
        assert_eq!(config.get("gpg.format"), Some("openpgp"));
        assert_eq!(config.get("GPG.Format"), Some("openpgp"));
        assert_eq!(config.get("core.bare"), Some("true"));
        assert_eq!(config.get("url.Https://X.insteadOf"), Some("y"));
        assert_eq!(config.get("url.https://x.insteadof"), None);
    }

    #[test]
    fn format_precedence() {
        let git = GitConfig::parse(b"gpg.format\nopenpgp\0gitseal.format\nx509\0");
        let s = Settings::resolve(&env(&[]), git.clone(), None).unwrap();
        assert_eq!(
            (s.format, s.format_source),
            (Format::X509, FormatSource::GitsealFormat)
        );
        let s = Settings::resolve(&env(&[("GITSEAL_FORMAT", "openpgp")]), git, None).unwrap();
        assert_eq!(
            (s.format, s.format_source),
            (Format::OpenPgp, FormatSource::Env)
        );
        let s =
            Settings::resolve(&env(&[]), GitConfig::parse(b"gpg.format\nopenpgp\0"), None).unwrap();
        assert_eq!(s.format, Format::OpenPgp);
        let s = Settings::resolve(&env(&[]), GitConfig::default(), None).unwrap();
        assert_eq!(
            (s.format, s.format_source),
            (Format::X509, FormatSource::Default)
        );
        assert!(
            Settings::resolve(&env(&[]), GitConfig::parse(b"gpg.format\nOpenPGP\0"), None).is_err()
        );
    }

    #[test]
    fn paths_expand_home() {
        let git = GitConfig::parse(b"gitseal.openpgpkeyring\n~/keys.asc\0");
        let s = Settings::resolve(&env(&[("GNUPGHOME", "/g")]), git, Some("/h".into())).unwrap();
        assert_eq!(s.openpgp_keyring, Some(PathBuf::from("/h/keys.asc")));
        assert_eq!(s.gnupg_home, Some(PathBuf::from("/g")));
    }
}
