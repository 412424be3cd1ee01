//! Settings: the environment first, then git config, each read only when a value is needed,
//! here only.
//!
//! git config is read lazily, at most once per run, with ONE `git config -z --list`
//! subprocess rather than by parsing the files ourselves: git then applies exactly its own
//! rules — `include`/`includeIf`, the `-c` overrides it hands to children through
//! `GIT_CONFIG_PARAMETERS` (how `git -c gpg.format=openpgp commit` reaches us),
//! `GIT_CONFIG_GLOBAL`/`NOSYSTEM`, its compiled-in system file, and `safe.directory`.
//!
//! Why not gix's config API (gix is a dependency): `ThreadSafeRepository::
//! discover_with_environment_overrides` + `config_snapshot()` would save the process, but
//! gix 0.90 does not read `GIT_CONFIG_PARAMETERS` (only `GIT_CONFIG_COUNT`), so `git -c`
//! would be ignored, and it takes the system file from `GIT_CONFIG_SYSTEM` or
//! `/etc/gitconfig`, not from git's `$(prefix)/etc/gitconfig` (on the machine this was
//! measured on git reads `/usr/local/etc/gitconfig`; gix finds git's own path only by
//! running git, the cost we wanted to avoid). A wrong `gpg.format` would make gitseal sign
//! in the wrong format, so exactness wins; instead the process is not started at all when
//! nothing needs it (see docs/openpgp.md, "Speed"):
//! - verification takes its format from the armor and needs git config only for
//!   `gitseal.openpgpKeyring`, which is consulted only when GnuPG's keyring cannot settle
//!   the matter by itself;
//! - signing needs it for the format unless `GITSEAL_FORMAT` is set, and for
//!   `gitseal.openpgpKeyring` only when GnuPG's keyring has no matching key. When it is
//!   needed for the format, the process is started first thing
//!   ([`Settings::load_prefetching`]) and runs while gitseal reads the keys and prepares
//!   the signature; its answer is awaited before anything visible happens.

use crate::error::AppError;
use crate::signature::Format;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

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

/// How git config is obtained when a value first needs it (called at most once).
pub type Loader = Box<dyn FnOnce() -> Result<GitConfig, AppError>>;

/// Everything a run needs from its surroundings. The environment is read at once (it is
/// free); git config when a value first needs it, and then only once.
pub struct Settings {
    /// `GITSEAL_FORMAT`, if set and not empty.
    format_env: Option<String>,
    /// `GNUPGHOME`, else `~/.gnupg`.
    pub gnupg_home: Option<PathBuf>,
    home: Option<PathBuf>,
    /// The Sigstore variables of [`SIGSTORE_ENV`] that are set.
    sigstore_env: HashMap<&'static str, String>,
    /// `SIGSTORE_ID_TOKEN` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: secrets, kept apart.
    id_token: Option<crate::secret::Secret>,
    actions_token: Option<crate::secret::Secret>,
    git: OnceCell<Result<GitConfig, String>>,
    loader: RefCell<Option<Loader>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("format_env", &self.format_env)
            .field("gnupg_home", &self.gnupg_home)
            .field("git", &self.git.get())
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Reads the environment; git config waits until a value needs it.
    pub fn load() -> Self {
        Self::with(&process_env, dirs::home_dir(), Box::new(read_git_config))
    }

    /// Like [`Self::load`], but when the signing format is not in the environment the
    /// `git config` process that will tell it is started now, to run while the caller
    /// does other work; [`Self::format`] then waits for its answer.
    pub fn load_prefetching() -> Self {
        let mut settings = Self::load();
        if settings.format_env.is_none() {
            let started = start_git_config();
            settings.loader = RefCell::new(Some(Box::new(move || finish_git_config(started))));
        }
        settings
    }

    /// Settings from an environment lookup, a home directory and a way to read git
    /// config: for tests.
    pub fn with(
        env: &dyn Fn(&str) -> Option<OsString>,
        home: Option<PathBuf>,
        loader: Loader,
    ) -> Self {
        let gnupg_home = env("GNUPGHOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".gnupg")));
        Self {
            format_env: env("GITSEAL_FORMAT").map(|v| v.to_string_lossy().into_owned()),
            gnupg_home,
            home,
            sigstore_env: SIGSTORE_ENV
                .iter()
                .filter_map(|name| env(name).map(|v| (*name, v.to_string_lossy().into_owned())))
                .collect(),
            id_token: env("SIGSTORE_ID_TOKEN")
                .map(|v| crate::secret::Secret::new(v.to_string_lossy().trim().to_string())),
            actions_token: env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
                .map(|v| crate::secret::Secret::new(v.to_string_lossy().into_owned())),
            git: OnceCell::new(),
            loader: RefCell::new(Some(loader)),
        }
    }

    /// git config, read now if it has not been yet (one `git config` process per run at
    /// most, whether it succeeds or not).
    pub fn git(&self) -> Result<&GitConfig, AppError> {
        self.git
            .get_or_init(|| match self.loader.borrow_mut().take() {
                Some(load) => load()
                    .inspect(|git| {
                        // The debug log git config names (output::log says when it counts).
                        let path = ["gitseal.logPath", "gitsign.logPath"]
                            .iter()
                            .find_map(|k| git.get(k))
                            .filter(|v| !v.is_empty())
                            .map(|v| expand_home(v, self.home.as_ref()));
                        crate::output::log::configured(path);
                    })
                    .map_err(|e| e.message),
                None => Ok(GitConfig::default()),
            })
            .as_ref()
            .map_err(|message| AppError::operational(message.clone()))
    }

    /// Whether the signing format is known without git config (`GITSEAL_FORMAT`).
    pub fn format_in_env(&self) -> bool {
        self.format_env.is_some()
    }

    /// Whether git config has been read (tests check that fast paths stay fast).
    pub fn git_was_read(&self) -> bool {
        self.git.get().is_some()
    }

    /// The signing format: env `GITSEAL_FORMAT` (no git config read), `gitseal.format`,
    /// `gpg.format`, else OpenPGP, as in git: git calls `gpg.program` only for the openpgp
    /// format, its default, and gitsign users set `gpg.format=x509` (DESIGN.md section 1).
    pub fn format(&self) -> Result<(Format, FormatSource), AppError> {
        if let Some(value) = &self.format_env {
            return Ok((parse_format(value, "GITSEAL_FORMAT")?, FormatSource::Env));
        }
        let git = self.git()?;
        if let Some(value) = git.get("gitseal.format") {
            Ok((
                parse_format(value, "gitseal.format")?,
                FormatSource::GitsealFormat,
            ))
        } else if let Some(value) = git.get("gpg.format") {
            Ok((parse_format(value, "gpg.format")?, FormatSource::GpgFormat))
        } else {
            Ok((Format::OpenPgp, FormatSource::Default))
        }
    }

    /// `gitseal.openpgpKeyring`: certificates trusted for verification (reads git config).
    pub fn openpgp_keyring(&self) -> Result<Option<PathBuf>, AppError> {
        Ok(self
            .git()?
            .get("gitseal.openpgpKeyring")
            .filter(|v| !v.is_empty())
            .map(|v| expand_home(v, self.home.as_ref())))
    }
}

/// Environment variables of the Sigstore room: ours, then gitsign's, which are honoured
/// when ours are unset so that gitsign users switch by changing one program name. The
/// only ones read (with `GITSEAL_FORMAT`, `GNUPGHOME`, `SIGSTORE_ID_TOKEN` and
/// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, read apart): every one the docs name must be here
/// (tests/adversarial_signing.rs checks the docs against this list).
pub const SIGSTORE_ENV: [&str; 36] = [
    "BROWSER",
    "GITSEAL_OIDC_REDIRECT_URL",
    "GITSIGN_OIDC_REDIRECT_URL",
    "GITSEAL_CONNECTOR_ID",
    "GITSIGN_CONNECTOR_ID",
    "GITSEAL_TRUSTED_ROOT",
    "GITSEAL_REKOR_URL",
    "GITSEAL_TIMEOUT",
    "GITSIGN_REKOR_URL",
    "SIGSTORE_REKOR_URL",
    "XDG_CACHE_HOME",
    "GITSEAL_CACHE_DIR",
    "GITSEAL_FULCIO_URL",
    "GITSIGN_FULCIO_URL",
    "SIGSTORE_FULCIO_URL",
    "GITSEAL_OIDC_ISSUER",
    "GITSIGN_OIDC_ISSUER",
    "SIGSTORE_OIDC_ISSUER",
    "GITSEAL_OIDC_CLIENT_ID",
    "GITSIGN_OIDC_CLIENT_ID",
    "SIGSTORE_OIDC_CLIENT_ID",
    "GITSEAL_TOKEN_PROVIDER",
    "GITSIGN_TOKEN_PROVIDER",
    "GITSEAL_REKOR_MODE",
    "GITSIGN_REKOR_MODE",
    "GITSEAL_CREDENTIAL_CACHE",
    "GITSEAL_CREDENTIAL_STORE",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "GITSEAL_TUF_MIRROR",
    "TUF_MIRROR",
    "GITSEAL_TIMESTAMP_URL",
    "GITSIGN_TIMESTAMP_SERVER_URL",
    "GITSEAL_TIMESTAMP_CERT_CHAIN",
    "GITSIGN_TIMESTAMP_CERT_CHAIN",
    "GITSEAL_SIGNING_CONFIG",
    "GITSEAL_INTERACTIVE",
];

/// Every git config key of gitseal's own (`gitseal.*`) and of gitsign's that it honours
/// (`gitsign.*`, read when ours is unset). The documentation may name only these
/// (tests/docs.rs); the unit test `every_config_key_read_is_listed` holds this list to the
/// keys the code reads.
pub const KEYS: &[&str] = &[
    "gitseal.anchor",
    "gitseal.clientID",
    "gitseal.connectorID",
    "gitseal.credentialCache",
    "gitseal.credentialStore",
    "gitseal.format",
    "gitseal.fulcio",
    "gitseal.interactive",
    "gitseal.issuer",
    "gitseal.logPath",
    "gitseal.matchCommitter",
    "gitseal.openpgpKeyring",
    "gitseal.policyRef",
    "gitseal.redirectURL",
    "gitseal.rekor",
    "gitseal.rekorMode",
    "gitseal.signingConfig",
    "gitseal.timeout",
    "gitseal.timestampCertChain",
    "gitseal.timestampURL",
    "gitseal.tokenProvider",
    "gitseal.trustedRoot",
    "gitseal.tufMirror",
    "gitsign.clientID",
    "gitsign.connectorID",
    "gitsign.fulcio",
    "gitsign.issuer",
    "gitsign.logPath",
    "gitsign.matchCommitter",
    "gitsign.redirectURL",
    "gitsign.rekor",
    "gitsign.rekorMode",
    "gitsign.timestampCertChain",
    "gitsign.timestampServerURL",
    "gitsign.tokenProvider",
];

/// What the Sigstore room needs from the surroundings.
#[derive(Clone, Debug)]
pub struct SigstoreSettings {
    pub trust: crate::sigstore::trust::TrustSettings,
    pub online: crate::sigstore::online::Settings,
}

impl Settings {
    /// The first of: an environment variable, then git config keys, in order. Only the
    /// variables of [`SIGSTORE_ENV`] were read from the environment: asking for another
    /// would silently find nothing (how `GITSEAL_SIGNING_CONFIG` and `GITSEAL_INTERACTIVE`
    /// were once documented and ignored), so that is a bug the tests catch here.
    fn sigstore_value(&self, vars: &[&str], keys: &[&str]) -> Result<Option<String>, AppError> {
        debug_assert!(
            vars.iter().all(|v| SIGSTORE_ENV.contains(v)),
            "{vars:?}: add the variable to SIGSTORE_ENV, or it is never read"
        );
        if let Some(value) = vars.iter().find_map(|v| self.sigstore_env.get(v)) {
            return Ok(Some(value.clone()));
        }
        let git = self.git()?;
        Ok(keys
            .iter()
            .find_map(|k| git.get(k))
            .filter(|v| !v.is_empty())
            .map(str::to_string))
    }

    /// `gitseal.matchCommitter` (gitsign's `gitsign.matchCommitter`): whether a Sigstore
    /// signature must name the object's committer (tagger), at signing and verification.
    /// A git boolean; anything else is an error rather than a silent `false`.
    pub fn match_committer(&self) -> Result<bool, AppError> {
        let git = self.git()?;
        let Some(value) = ["gitseal.matchCommitter", "gitsign.matchCommitter"]
            .iter()
            .find_map(|k| git.get(k))
        else {
            return Ok(false);
        };
        parse_bool(value).ok_or_else(|| {
            AppError::operational(format!("invalid gitseal.matchCommitter `{value}`"))
                .with_hint("use true or false")
        })
    }

    /// Trusted root, Rekor and timeout for verifying Sigstore signatures (reads git config).
    pub fn sigstore(&self) -> Result<SigstoreSettings, AppError> {
        let timeout = match self.sigstore_value(&["GITSEAL_TIMEOUT"], &["gitseal.timeout"])? {
            None => 30,
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    AppError::operational(format!("invalid gitseal.timeout `{text}`"))
                        .with_hint("give a whole number of seconds, e.g. 30")
                })?,
        };
        let timeout = std::time::Duration::from_secs(timeout);
        let file = self
            .sigstore_value(&["GITSEAL_TRUSTED_ROOT"], &["gitseal.trustedRoot"])?
            .map(|v| expand_home(&v, self.home.as_ref()));
        let rekor = self
            .sigstore_value(
                &[
                    "GITSEAL_REKOR_URL",
                    "GITSIGN_REKOR_URL",
                    "SIGSTORE_REKOR_URL",
                ],
                &["gitseal.rekor", "gitsign.rekor"],
            )?
            .unwrap_or_else(|| "https://rekor.sigstore.dev".into());
        let cache_dir = self.cache_dir();
        // sigstore-go's variable; a mirror must serve metadata the shipped TUF root signs.
        let mirror = self
            .sigstore_value(
                &["GITSEAL_TUF_MIRROR", "TUF_MIRROR"],
                &["gitseal.tufMirror"],
            )?
            .map(|url| url.trim_end_matches('/').to_string());
        Ok(SigstoreSettings {
            trust: crate::sigstore::trust::TrustSettings {
                file,
                cache_dir: cache_dir.map(|d| d.join("tuf")),
                timeout,
                mirror,
            },
            online: crate::sigstore::online::Settings {
                rekor: Some(rekor),
                timeout,
            },
        })
    }

    /// Where the gpg dialect keeps sequoia's signature verification cache
    /// (`openpgp::sigcache`): `openpgp-signatures` in gitseal's cache directory.
    pub fn openpgp_signature_cache(&self) -> Option<PathBuf> {
        self.cache_dir().map(|d| d.join("openpgp-signatures"))
    }

    /// gitseal's cache directory: `GITSEAL_CACHE_DIR`, `$XDG_CACHE_HOME/gitseal`,
    /// `~/.cache/gitseal`.
    fn cache_dir(&self) -> Option<PathBuf> {
        self.sigstore_env
            .get("GITSEAL_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                self.sigstore_env
                    .get("XDG_CACHE_HOME")
                    .map(|d| PathBuf::from(d).join("gitseal"))
            })
            .or_else(|| self.home.as_ref().map(|h| h.join(".cache/gitseal")))
    }

    /// Everything keyless signing needs (reads git config): gitseal's keys and
    /// variables, gitsign's when ours are unset.
    pub fn sigstore_signing(&self) -> Result<crate::sigstore::sign::SignSettings, AppError> {
        use crate::sigstore::sign::RekorMode;
        let verify = self.sigstore()?;
        let value = |vars: &[&str], keys: &[&str], default: &str| -> Result<String, AppError> {
            Ok(self
                .sigstore_value(vars, keys)?
                .unwrap_or_else(|| default.to_string()))
        };
        let trim = |url: String| url.trim_end_matches('/').to_string();
        // A signing_config.json names an instance's services; explicit URLs win over it.
        let service =
            match self.sigstore_value(&["GITSEAL_SIGNING_CONFIG"], &["gitseal.signingConfig"])? {
                None => None,
                Some(path) => {
                    let path = expand_home(&path, self.home.as_ref());
                    Some(
                        sigstore_trust_root::SigningConfig::from_file(&path).map_err(|e| {
                            AppError::operational(format!(
                                "gitseal.signingConfig {}: {e}",
                                path.display()
                            ))
                        })?,
                    )
                }
            };
        let from_config = |pick: fn(&sigstore_trust_root::SigningConfig) -> Option<String>,
                           default: &str| {
            service
                .as_ref()
                .and_then(pick)
                .unwrap_or_else(|| default.to_string())
        };
        let fulcio = trim(value(
            &[
                "GITSEAL_FULCIO_URL",
                "GITSIGN_FULCIO_URL",
                "SIGSTORE_FULCIO_URL",
            ],
            &["gitseal.fulcio", "gitsign.fulcio"],
            &from_config(
                |c| c.fulcio_url().map(|e| e.url.clone()),
                "https://fulcio.sigstore.dev",
            ),
        )?);
        let issuer = trim(value(
            &[
                "GITSEAL_OIDC_ISSUER",
                "GITSIGN_OIDC_ISSUER",
                "SIGSTORE_OIDC_ISSUER",
            ],
            &["gitseal.issuer", "gitsign.issuer"],
            &from_config(
                |c| c.oidc_url().map(|e| e.url.clone()),
                "https://oauth2.sigstore.dev/auth",
            ),
        )?);
        // Rekor v1 is what gitsign's embedded entries and gitseal's clients speak.
        let explicit_rekor = self.sigstore_value(
            &[
                "GITSEAL_REKOR_URL",
                "GITSIGN_REKOR_URL",
                "SIGSTORE_REKOR_URL",
            ],
            &["gitseal.rekor", "gitsign.rekor"],
        )?;
        // A signing config's log: the newest API version it lists that gitseal speaks (v2
        // where the config lists a v2 log, as the public instance's will), never a shard
        // of gitseal's own choosing. An explicit URL is a Rekor v1 log.
        let (rekor, rekor_v2) = match (&service, explicit_rekor) {
            (_, Some(explicit)) => (explicit, false),
            (Some(config), None) => {
                let log = crate::sigstore::rekor_v2::choose_log(config)
                    .map_err(|why| AppError::operational(format!("gitseal.signingConfig: {why}"))
                        .with_hint("set gitseal.rekor to a Rekor v1 URL, or use a signing config that lists a log (rekorTlogUrls)"))?;
                (log.url.clone(), log.major_api_version == 2)
            }
            (None, None) => (verify.online.rekor.clone().unwrap_or_default(), false),
        };
        let client_id = value(
            &[
                "GITSEAL_OIDC_CLIENT_ID",
                "GITSIGN_OIDC_CLIENT_ID",
                "SIGSTORE_OIDC_CLIENT_ID",
            ],
            &["gitseal.clientID", "gitsign.clientID"],
            "sigstore",
        )?;
        let token_provider = self.sigstore_value(
            &["GITSEAL_TOKEN_PROVIDER", "GITSIGN_TOKEN_PROVIDER"],
            &["gitseal.tokenProvider", "gitsign.tokenProvider"],
        )?;
        let rekor_mode = match value(
            &["GITSEAL_REKOR_MODE", "GITSIGN_REKOR_MODE"],
            &["gitseal.rekorMode", "gitsign.rekorMode"],
            "offline",
        )?
        .as_str()
        {
            "offline" => RekorMode::Offline,
            "online" => RekorMode::Online,
            other => {
                return Err(AppError::operational(format!(
                    "invalid gitseal.rekorMode `{other}`"
                ))
                .with_hint("use offline (the log entry embedded) or online (gitsign's legacy mode)"));
            }
        };
        let credential_cache = match self
            .sigstore_value(&["GITSEAL_CREDENTIAL_CACHE"], &["gitseal.credentialCache"])?
            .as_deref()
        {
            Some("false" | "off" | "no" | "0") => None,
            Some("true" | "on" | "yes" | "1") | None => {
                self.cache_dir().map(|d| d.join("credentials"))
            }
            Some(path) => Some(expand_home(path, self.home.as_ref())),
        };
        // Where the cache keeps credentials: the OS keyring, else a file (`auto`), or one.
        let store = self
            .sigstore_value(&["GITSEAL_CREDENTIAL_STORE"], &["gitseal.credentialStore"])?
            .map(|text| {
                crate::sigstore::credentials::StoreChoice::parse(&text).ok_or_else(|| {
                    AppError::operational(format!("invalid gitseal.credentialStore `{text}`"))
                        .with_hint("use auto (the OS keyring, else a file), keyring or file")
                })
            })
            .transpose()?
            .unwrap_or_default();
        let redirect = self
            .sigstore_value(
                &["GITSEAL_OIDC_REDIRECT_URL", "GITSIGN_OIDC_REDIRECT_URL"],
                &["gitseal.redirectURL", "gitsign.redirectURL"],
            )?
            .map(|url| {
                crate::sigstore::oidc::RedirectUrl::parse(&url).map_err(|why| {
                    AppError::operational(format!("invalid gitseal.redirectURL `{url}`: {why}"))
                        .with_hint("give a loopback URL with a port, e.g. http://127.0.0.1:8765/auth/callback (or http://[::1]:8765/...)")
                })
            })
            .transpose()?;
        let connector_id = self.sigstore_value(
            &["GITSEAL_CONNECTOR_ID", "GITSIGN_CONNECTOR_ID"],
            &["gitseal.connectorID", "gitsign.connectorID"],
        )?;
        // A person can log in when there is a terminal to tell them what to do, unless
        // `gitseal.interactive=false` says never to wait for one (CI, scripts).
        let login_allowed = !matches!(
            self.sigstore_value(&["GITSEAL_INTERACTIVE"], &["gitseal.interactive"])?
                .as_deref(),
            Some("false" | "0" | "no" | "off")
        );
        // An RFC 3161 authority to stamp signatures with, and the chain to believe it by.
        let timestamp = self
            .sigstore_value(
                &["GITSEAL_TIMESTAMP_URL", "GITSIGN_TIMESTAMP_SERVER_URL"],
                &["gitseal.timestampURL", "gitsign.timestampServerURL"],
            )?
            .map(|url| -> Result<_, AppError> {
                let cert_chain = self
                    .sigstore_value(
                        &[
                            "GITSEAL_TIMESTAMP_CERT_CHAIN",
                            "GITSIGN_TIMESTAMP_CERT_CHAIN",
                        ],
                        &["gitseal.timestampCertChain", "gitsign.timestampCertChain"],
                    )?
                    .map(|path| expand_home(&path, self.home.as_ref()));
                Ok(crate::sigstore::timestamp::TsaSettings { url, cert_chain })
            })
            .transpose()?;
        // Rekor v2 gives no log time: the signing config's timestamp authority then stamps
        // every signature, unless gitseal.timestampURL names one.
        let timestamp = match (timestamp, &service) {
            (None, Some(config)) if rekor_v2 => Some(crate::sigstore::timestamp::TsaSettings {
                url: config
                    .tsa_url()
                    .map(|e| e.url.clone())
                    .ok_or_else(|| {
                        AppError::operational(
                            "gitseal.signingConfig lists a Rekor v2 log but no timestamp authority, which Rekor v2 signatures need",
                        )
                        .with_hint("set gitseal.timestampURL")
                    })?,
                cert_chain: None,
            }),
            (timestamp, _) => timestamp,
        };
        let terminal = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/tty")
            .is_ok();
        Ok(crate::sigstore::sign::SignSettings {
            browser: self.sigstore_env.get("BROWSER").cloned(),
            redirect,
            connector_id,
            login_allowed,
            terminal,
            fulcio,
            rekor: trim(rekor),
            rekor_v2,
            issuer,
            client_id,
            token_provider,
            id_token: self.id_token.clone().filter(|t| !t.expose().is_empty()),
            actions: self
                .sigstore_env
                .get("ACTIONS_ID_TOKEN_REQUEST_URL")
                .cloned()
                .zip(self.actions_token.clone()),
            rekor_mode,
            timeout: verify.trust.timeout,
            trust: verify.trust,
            credential_cache,
            credential_store: store,
            timestamp,
            match_committer: self.match_committer()?,
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

/// git's booleans (git-config(1) "boolean"), case-insensitive.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

/// git's path interpolation for `~/`.
fn expand_home(value: &str, home: Option<&PathBuf>) -> PathBuf {
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}

/// The debug log the environment names: `GITSEAL_LOG`, else gitsign's `GITSIGN_LOG`
/// (output::log).
pub fn log_path_in_env() -> Option<PathBuf> {
    ["GITSEAL_LOG", "GITSIGN_LOG"]
        .iter()
        .find_map(|name| process_env(name))
        .map(|v| expand_home(&v.to_string_lossy(), dirs::home_dir().as_ref()))
}

fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

fn read_git_config() -> Result<GitConfig, AppError> {
    finish_git_config(start_git_config())
}

fn start_git_config() -> std::io::Result<Child> {
    Command::new("git")
        .args(["config", "-z", "--list"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn finish_git_config(started: std::io::Result<Child>) -> Result<GitConfig, AppError> {
    let output: Output = match started.and_then(Child::wait_with_output) {
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
    use std::cell::Cell;
    use std::rc::Rc;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    /// Settings whose git config is `config`, counting how often it is read.
    fn settings(
        pairs: &'static [(&'static str, &'static str)],
        config: &'static [u8],
        home: Option<&str>,
    ) -> (Settings, Rc<Cell<usize>>) {
        let reads = Rc::new(Cell::new(0));
        let counter = reads.clone();
        let loader: Loader = Box::new(move || {
            counter.set(counter.get() + 1);
            Ok(GitConfig::parse(config))
        });
        (
            Settings::with(&env(pairs), home.map(PathBuf::from), loader),
            reads,
        )
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
        let both = b"gpg.format\nopenpgp\0gitseal.format\nx509\0";
        let (s, _) = settings(&[], both, None);
        assert_eq!(
            s.format().unwrap(),
            (Format::X509, FormatSource::GitsealFormat)
        );
        let (s, reads) = settings(&[("GITSEAL_FORMAT", "openpgp")], both, None);
        assert_eq!(s.format().unwrap(), (Format::OpenPgp, FormatSource::Env));
        assert_eq!(reads.get(), 0, "GITSEAL_FORMAT must not read git config");
        assert!(!s.git_was_read());
        let (s, _) = settings(&[], b"gpg.format\nopenpgp\0", None);
        assert_eq!(s.format().unwrap().0, Format::OpenPgp);
        let (s, _) = settings(&[], b"", None);
        assert_eq!(
            s.format().unwrap(),
            (Format::OpenPgp, FormatSource::Default)
        );
        let (s, _) = settings(&[], b"gpg.format\nOpenPGP\0", None);
        assert!(s.format().is_err());
    }

    #[test]
    fn git_config_is_read_once_and_only_when_needed() {
        let (s, reads) = settings(
            &[("GNUPGHOME", "/g")],
            b"gitseal.openpgpkeyring\n/k\0gpg.format\nopenpgp\0",
            None,
        );
        assert_eq!(s.gnupg_home, Some(PathBuf::from("/g")));
        assert_eq!(reads.get(), 0);
        assert_eq!(s.openpgp_keyring().unwrap(), Some(PathBuf::from("/k")));
        assert_eq!(s.format().unwrap().0, Format::OpenPgp);
        assert_eq!(reads.get(), 1);

        // A failed read is not retried.
        let failures = Rc::new(Cell::new(0));
        let counter = failures.clone();
        let s = Settings::with(
            &env(&[]),
            None,
            Box::new(move || {
                counter.set(counter.get() + 1);
                Err(AppError::operational("git config failed: boom"))
            }),
        );
        assert!(s.format().is_err());
        assert!(s.openpgp_keyring().is_err());
        assert_eq!(failures.get(), 1);
    }

    #[test]
    fn match_committer_is_a_git_boolean_ours_first() {
        let (s, _) = settings(&[], b"", None);
        assert!(!s.match_committer().unwrap());
        let (s, _) = settings(&[], b"gitsign.matchcommitter\ntrue\0", None);
        assert!(s.match_committer().unwrap());
        let (s, _) = settings(
            &[],
            b"gitsign.matchcommitter\ntrue\0gitseal.matchcommitter\nOff\0",
            None,
        );
        assert!(!s.match_committer().unwrap());
        let (s, _) = settings(&[], b"gitseal.matchcommitter\0", None);
        assert!(s.match_committer().unwrap(), "a bare key is true");
        let (s, _) = settings(&[], b"gitseal.matchcommitter\nmaybe\0", None);
        assert!(s.match_committer().is_err());
    }

    #[test]
    fn paths_expand_home() {
        let (s, _) = settings(&[], b"gitseal.openpgpkeyring\n~/keys.asc\0", Some("/h"));
        assert_eq!(
            s.openpgp_keyring().unwrap(),
            Some(PathBuf::from("/h/keys.asc"))
        );
        assert_eq!(s.gnupg_home, Some(PathBuf::from("/h/.gnupg")));
    }

    /// [`KEYS`] is exactly the set of `"gitseal.*"` / `"gitsign.*"` keys the sources
    /// read: a key read but not listed, or listed but no longer read, fails here.
    #[test]
    fn every_config_key_read_is_listed() {
        fn sources(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("src directory") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let literal =
            regex::Regex::new(r#""((?:gitseal|gitsign)\.[A-Za-z][A-Za-z0-9]*)""#).expect("regex");
        let mut read = std::collections::BTreeSet::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("source");
            // The list itself does not count as reading a key.
            let text = match text.find("pub const KEYS") {
                Some(start) => {
                    let end = text[start..]
                        .find("\n];\n")
                        .map_or(text.len(), |e| start + e);
                    format!("{}{}", &text[..start], &text[end..])
                }
                None => text,
            };
            for found in literal.captures_iter(&text) {
                read.insert(found[1].to_string());
            }
        }
        let listed: std::collections::BTreeSet<String> =
            KEYS.iter().map(|k| k.to_string()).collect();
        assert!(read.len() > 20, "the scan found the keys: {read:?}");
        assert_eq!(
            read.difference(&listed).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "read but not in config::KEYS"
        );
        assert_eq!(
            listed.difference(&read).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "in config::KEYS but read nowhere"
        );
    }
}
