//! Reading `.gitseal/policy.toml` (version 1) into a [`Policy`]. Unknown keys are errors;
//! every error names the file, the line and the offending key.

use super::{
    Credential, Policy, Principal, Revocation, RevokedCertificate, RevokedForm, Rule, SignerRef,
    SigstoreIdentity,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A policy file that could not be read, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    /// What sort of mistake, for tests and tools; the message says it for people.
    pub kind: PolicyErrorKind,
    pub message: String,
}

/// What is wrong with a policy file: one kind per check, so that tools and tests can tell
/// the mistakes apart without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyErrorKind {
    /// Not TOML at all (a syntax error, a duplicate key or table).
    Syntax,
    /// A key the format does not have (unknown keys are errors, not ignored).
    UnknownKey,
    /// A required key is absent (`version`, `refs`, `revoked.key`, ...).
    MissingKey,
    /// A value of the wrong type (`version = "1"`).
    WrongType,
    /// `version` is not 1.
    Version,
    SshKey,
    /// An `ssh_ca` entry whose key is no public key, or whose principals are missing or
    /// not patterns.
    SshCa,
    OpenPgpFingerprint,
    /// A `subject_regex` without `^` and `$`.
    UnanchoredRegex,
    BadRegex,
    /// Both or neither of `subject` and `subject_regex`.
    SigstoreSubject,
    /// A time without a full date, time of day and zone.
    BadTime,
    /// `valid_before` is not after `valid_after`.
    EmptyWindow,
    UnknownGroup,
    UnknownPrincipal,
    EmptyRefs,
    /// A ref pattern that is not a full ref name (`refs/...`).
    BadRefPattern,
    EmptyRevokedKey,
    /// A `[[revoked]]` key in no form a signature's key is compared in (a key id, an MD5
    /// fingerprint, a mistyped fingerprint): it would never match.
    RevokedKey,
    /// `serial` or `key_id` on a `[[revoked]]` entry whose key is no SSH CA key, both of
    /// them, or a negative serial.
    RevokedCertificate,
    BadGoodlistId,
}

impl PolicyErrorKind {
    /// A stable name for tests and machine-readable output.
    pub fn name(self) -> &'static str {
        match self {
            PolicyErrorKind::Syntax => "syntax",
            PolicyErrorKind::UnknownKey => "unknown-key",
            PolicyErrorKind::MissingKey => "missing-key",
            PolicyErrorKind::WrongType => "wrong-type",
            PolicyErrorKind::Version => "version",
            PolicyErrorKind::SshKey => "ssh-key",
            PolicyErrorKind::SshCa => "ssh-ca",
            PolicyErrorKind::OpenPgpFingerprint => "openpgp-fingerprint",
            PolicyErrorKind::UnanchoredRegex => "unanchored-regex",
            PolicyErrorKind::BadRegex => "bad-regex",
            PolicyErrorKind::SigstoreSubject => "sigstore-subject",
            PolicyErrorKind::BadTime => "bad-time",
            PolicyErrorKind::EmptyWindow => "empty-window",
            PolicyErrorKind::UnknownGroup => "unknown-group",
            PolicyErrorKind::UnknownPrincipal => "unknown-principal",
            PolicyErrorKind::EmptyRefs => "empty-refs",
            PolicyErrorKind::BadRefPattern => "bad-ref-pattern",
            PolicyErrorKind::EmptyRevokedKey => "empty-revoked-key",
            PolicyErrorKind::RevokedKey => "revoked-key",
            PolicyErrorKind::RevokedCertificate => "revoked-certificate",
            PolicyErrorKind::BadGoodlistId => "bad-goodlist-id",
        }
    }

    /// The kind of an error the TOML reader reported. serde's messages for these start
    /// with fixed words (`unknown field`, `missing field`, `invalid type`); the corpus in
    /// `negative_corpus::policy` pins them, so a change in the reader shows up there.
    fn of_toml(message: &str) -> Self {
        if message.starts_with("unknown field") {
            PolicyErrorKind::UnknownKey
        } else if message.starts_with("missing field") {
            PolicyErrorKind::MissingKey
        } else if message.starts_with("invalid type") {
            PolicyErrorKind::WrongType
        } else {
            PolicyErrorKind::Syntax
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<i64>,
    #[serde(default)]
    principals: BTreeMap<String, RawPrincipal>,
    #[serde(default)]
    groups: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    rules: Vec<RawRule>,
    policy_changes: Option<RawPolicyChanges>,
    release_files: Option<RawPolicyChanges>,
    #[serde(default)]
    revoked: Vec<RawRevoked>,
    #[serde(default)]
    goodlist: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrincipal {
    #[serde(default)]
    ssh: Vec<Spanned<String>>,
    #[serde(default)]
    ssh_ca: Vec<Spanned<RawSshCa>>,
    #[serde(default)]
    openpgp: Vec<Spanned<String>>,
    #[serde(default)]
    sigstore: Vec<Spanned<RawSigstore>>,
    valid_after: Option<Spanned<toml::value::Datetime>>,
    valid_before: Option<Spanned<toml::value::Datetime>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSigstore {
    issuer: String,
    subject: Option<String>,
    subject_regex: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSshCa {
    key: String,
    principals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    refs: Spanned<Vec<Spanned<String>>>,
    commits: Option<Vec<Spanned<String>>>,
    merges: Option<Vec<Spanned<String>>>,
    tags: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    allow_force_push: bool,
    #[serde(default)]
    allow_delete: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyChanges {
    signers: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevoked {
    key: Spanned<String>,
    serial: Option<Spanned<i64>>,
    key_id: Option<Spanned<String>>,
    after: Option<Spanned<toml::value::Datetime>>,
    reason: Option<String>,
}

/// Parses a policy file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
    let lines = LineIndex::new(text);
    let error =
        |kind: PolicyErrorKind, span: std::ops::Range<usize>, message: String| PolicyError {
            file: file.to_string(),
            line: lines.line_of(span.start),
            kind,
            message,
        };
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| lines.line_of(s.start));
        PolicyError {
            file: file.to_string(),
            line,
            kind: PolicyErrorKind::of_toml(e.message()),
            message: e.message().trim_end().to_string(),
        }
    })?;
    if *raw.version.get_ref() != 1 {
        return Err(error(
            PolicyErrorKind::Version,
            raw.version.span(),
            format!(
                "version {} is not supported (expected 1)",
                raw.version.get_ref()
            ),
        ));
    }

    let mut principals = Vec::new();
    for (name, p) in &raw.principals {
        let mut credentials = Vec::new();
        for key in &p.ssh {
            let parsed = ssh_key::PublicKey::from_openssh(key.get_ref().trim()).map_err(|e| {
                error(
                    PolicyErrorKind::SshKey,
                    key.span(),
                    format!("principals.{name}.ssh: not an OpenSSH public key ({e})"),
                )
            })?;
            let mut plain = parsed.clone();
            plain.set_comment("");
            credentials.push(Credential::Ssh {
                fingerprint: crate::ssh::key::fingerprint(parsed.key_data()),
                public: plain
                    .to_openssh()
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default(),
            });
        }
        for ca in &p.ssh_ca {
            credentials.push(ssh_ca(ca.get_ref()).map_err(|why| {
                error(
                    PolicyErrorKind::SshCa,
                    ca.span(),
                    format!("principals.{name}.ssh_ca: {why}"),
                )
            })?);
        }
        for fpr in &p.openpgp {
            let hex: String = fpr
                .get_ref()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !(hex.len() == 40 || hex.len() == 64) || !hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(error(
                    PolicyErrorKind::OpenPgpFingerprint,
                    fpr.span(),
                    format!(
                        "principals.{name}.openpgp: `{}` is not a fingerprint (40 or 64 hex digits)",
                        fpr.get_ref()
                    ),
                ));
            }
            credentials.push(Credential::OpenPgp {
                fingerprint: hex.to_ascii_uppercase(),
            });
        }
        for identity in &p.sigstore {
            let raw_id = identity.get_ref();
            let subject = match (&raw_id.subject, &raw_id.subject_regex) {
                (Some(subject), None) => SigstoreIdentity::Exact(subject.clone()),
                (None, Some(pattern)) => {
                    if !pattern.starts_with('^') || !pattern.ends_with('$') {
                        return Err(error(
                            PolicyErrorKind::UnanchoredRegex,
                            identity.span(),
                            format!(
                                "principals.{name}.sigstore: subject_regex `{pattern}` must be anchored with ^ and $"
                            ),
                        ));
                    }
                    // `^a|b$` passes the check above but means `(^a)|(b$)`: compile the
                    // pattern inside a group, so the anchors hold for the whole of it.
                    let compiled = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                        let detail = e.to_string();
                        let last = detail
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .unwrap_or("invalid");
                        error(
                            PolicyErrorKind::BadRegex,
                            identity.span(),
                            format!("principals.{name}.sigstore: subject_regex: {}", last.trim()),
                        )
                    })?;
                    SigstoreIdentity::Pattern(compiled)
                }
                _ => {
                    return Err(error(
                        PolicyErrorKind::SigstoreSubject,
                        identity.span(),
                        format!(
                            "principals.{name}.sigstore: give exactly one of subject and subject_regex"
                        ),
                    ));
                }
            };
            credentials.push(Credential::Sigstore {
                issuer: raw_id.issuer.clone(),
                subject,
            });
        }
        let valid_after = p
            .valid_after
            .as_ref()
            .map(|t| {
                to_unix(t).map_err(|m| {
                    error(
                        PolicyErrorKind::BadTime,
                        t.span(),
                        format!("principals.{name}.valid_after: {m}"),
                    )
                })
            })
            .transpose()?;
        let valid_before = p
            .valid_before
            .as_ref()
            .map(|t| {
                to_unix(t).map_err(|m| {
                    error(
                        PolicyErrorKind::BadTime,
                        t.span(),
                        format!("principals.{name}.valid_before: {m}"),
                    )
                })
            })
            .transpose()?;
        if let (Some(after), Some(before), Some(span)) =
            (valid_after, valid_before, p.valid_before.as_ref())
            && before <= after
        {
            return Err(error(
                PolicyErrorKind::EmptyWindow,
                span.span(),
                format!("principals.{name}: valid_before is not after valid_after"),
            ));
        }
        principals.push(Principal {
            name: name.clone(),
            credentials,
            valid_after,
            valid_before,
        });
    }

    let known = |who: &Spanned<String>, context: &str| -> Result<SignerRef, PolicyError> {
        let text = who.get_ref();
        if text == "*" {
            return Ok(SignerRef::Anyone);
        }
        if let Some(group) = text.strip_prefix('@') {
            if raw.groups.contains_key(group) {
                return Ok(SignerRef::Group(group.to_string()));
            }
            return Err(error(
                PolicyErrorKind::UnknownGroup,
                who.span(),
                format!("{context}: no group named `{group}`"),
            ));
        }
        if raw.principals.contains_key(text) {
            return Ok(SignerRef::Principal(text.clone()));
        }
        Err(error(
            PolicyErrorKind::UnknownPrincipal,
            who.span(),
            format!("{context}: no principal named `{text}`"),
        ))
    };

    let mut groups = BTreeMap::new();
    for (name, members) in &raw.groups {
        let mut list = Vec::new();
        for member in members {
            if !raw.principals.contains_key(member.get_ref()) {
                return Err(error(
                    PolicyErrorKind::UnknownPrincipal,
                    member.span(),
                    format!("groups.{name}: no principal named `{}`", member.get_ref()),
                ));
            }
            list.push(member.get_ref().clone());
        }
        groups.insert(name.clone(), list);
    }

    let signer_list = |list: &Option<Vec<Spanned<String>>>,
                       context: &str|
     -> Result<Option<Vec<SignerRef>>, PolicyError> {
        list.as_ref()
            .map(|items| items.iter().map(|who| known(who, context)).collect())
            .transpose()
    };
    let mut rules = Vec::new();
    for (i, rule) in raw.rules.iter().enumerate() {
        if rule.refs.get_ref().is_empty() {
            return Err(error(
                PolicyErrorKind::EmptyRefs,
                rule.refs.span(),
                format!("rules[{i}]: refs is empty"),
            ));
        }
        for pattern in rule.refs.get_ref() {
            if !pattern.get_ref().starts_with("refs/") {
                return Err(error(
                    PolicyErrorKind::BadRefPattern,
                    pattern.span(),
                    format!(
                        "rules[{i}].refs: `{}` is not a full ref name or pattern (refs/...)",
                        pattern.get_ref()
                    ),
                ));
            }
        }
        rules.push(Rule {
            refs: rule
                .refs
                .get_ref()
                .iter()
                .map(|r| r.get_ref().clone())
                .collect(),
            commits: signer_list(&rule.commits, &format!("rules[{i}].commits"))?,
            merges: signer_list(&rule.merges, &format!("rules[{i}].merges"))?,
            tags: signer_list(&rule.tags, &format!("rules[{i}].tags"))?,
            allow_force_push: rule.allow_force_push,
            allow_delete: rule.allow_delete,
        });
    }
    let policy_changes = match &raw.policy_changes {
        Some(changes) => Some(
            changes
                .signers
                .iter()
                .map(|who| known(who, "policy_changes.signers"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let release_files = match &raw.release_files {
        Some(section) => Some(
            section
                .signers
                .iter()
                .map(|who| known(who, "release_files.signers"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let mut revoked = Vec::new();
    for entry in &raw.revoked {
        let after = entry
            .after
            .as_ref()
            .map(|t| {
                to_unix(t).map_err(|m| {
                    error(
                        PolicyErrorKind::BadTime,
                        t.span(),
                        format!("revoked.after: {m}"),
                    )
                })
            })
            .transpose()?;
        let key = entry.key.get_ref().trim();
        if key.is_empty() {
            return Err(error(
                PolicyErrorKind::EmptyRevokedKey,
                entry.key.span(),
                "revoked.key is empty".into(),
            ));
        }
        let (key, form) = revoked_key(key).map_err(|why| {
            error(
                PolicyErrorKind::RevokedKey,
                entry.key.span(),
                format!("revoked.key `{key}` {why}"),
            )
        })?;
        let certificate = revoked_certificate(entry, form)
            .map_err(|(span, why)| error(PolicyErrorKind::RevokedCertificate, span, why))?;
        revoked.push(Revocation {
            key,
            form,
            certificate,
            after,
            reason: entry.reason.clone().unwrap_or_default(),
        });
    }
    let mut goodlist = Vec::new();
    for id in &raw.goodlist {
        let text = id.get_ref().trim().to_ascii_lowercase();
        if !(text.len() == 40 || text.len() == 64) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(error(
                PolicyErrorKind::BadGoodlistId,
                id.span(),
                format!("goodlist: `{}` is not a full commit id", id.get_ref()),
            ));
        }
        goodlist.push(text);
    }
    Ok(Policy {
        principals,
        groups,
        rules,
        policy_changes,
        release_files,
        revoked,
        goodlist,
    })
}

/// An `ssh_ca` entry: the CA's public key and the certificate principals it may speak for,
/// each an OpenSSH pattern (`*`, `?`, a leading `!` negates), read together as the
/// principals field of an allowed_signers line is.
fn ssh_ca(raw: &RawSshCa) -> Result<Credential, String> {
    let parsed = ssh_key::PublicKey::from_openssh(raw.key.trim())
        .map_err(|e| format!("key is not an OpenSSH public key ({e})"))?;
    if raw.principals.is_empty() {
        return Err(
            "principals is empty: name the certificate principals this CA may sign for".into(),
        );
    }
    if let Some(bad) = raw
        .principals
        .iter()
        .find(|p| p.is_empty() || p.contains(',') || p.chars().any(char::is_whitespace))
    {
        return Err(format!(
            "principal `{bad}` is not a pattern (no commas, spaces or empty names)"
        ));
    }
    if raw.principals.iter().all(|p| p.starts_with('!')) {
        return Err("principals are all negations: such a list allows nobody".into());
    }
    let mut plain = parsed.clone();
    plain.set_comment("");
    Ok(Credential::SshCa {
        fingerprint: crate::ssh::key::fingerprint(parsed.key_data()),
        public: plain
            .to_openssh()
            .map(|t| t.trim().to_string())
            .unwrap_or_default(),
        principals: raw.principals.clone(),
    })
}

/// The certificates of a CA a `[[revoked]]` entry names by `serial` or `key_id`, if any.
fn revoked_certificate(
    entry: &RawRevoked,
    form: RevokedForm,
) -> Result<Option<RevokedCertificate>, (std::ops::Range<usize>, String)> {
    let ssh = matches!(
        form,
        RevokedForm::SshFingerprint | RevokedForm::SshPublicKey
    );
    match (&entry.serial, &entry.key_id) {
        (None, None) => Ok(None),
        (Some(serial), Some(_)) => Err((
            serial.span(),
            "revoked: give serial or key_id, not both (write two entries)".into(),
        )),
        (Some(serial), None) if !ssh => Err((
            serial.span(),
            "revoked.serial needs key to be the SSH CA's key or fingerprint".into(),
        )),
        (None, Some(key_id)) if !ssh => Err((
            key_id.span(),
            "revoked.key_id needs key to be the SSH CA's key or fingerprint".into(),
        )),
        (Some(serial), None) => u64::try_from(*serial.get_ref())
            .map(|n| Some(RevokedCertificate::Serial(n)))
            .map_err(|_| (serial.span(), "revoked.serial is negative".into())),
        (None, Some(key_id)) => Ok(Some(RevokedCertificate::KeyId(key_id.get_ref().clone()))),
    }
}

/// A `[[revoked]]` key in the form a verdict's key is compared in, or why it could never
/// match one: SSH fingerprints as written, SSH public keys as their fingerprint, OpenPGP
/// fingerprints upper case without spaces, Sigstore subjects as `subject` or
/// `issuer subject` (the verdict's `<issuer> <subject>`).
fn revoked_key(key: &str) -> Result<(String, RevokedForm), String> {
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("md5:") {
        return Err("is an MD5 fingerprint: write the SHA256 one (ssh-keygen -l -E sha256)".into());
    }
    if lower.starts_with("sha256:") {
        return ssh_fingerprint(key)
            .map(|fpr| (fpr, RevokedForm::SshFingerprint))
            .ok_or_else(|| {
                "is not an SSH fingerprint (SHA256: and 43 base64 characters, as ssh-keygen -l prints it)"
                    .into()
            });
    }
    let first = key.split_whitespace().next().unwrap_or_default();
    if ["ssh-", "ecdsa-", "sk-"]
        .iter()
        .any(|p| first.starts_with(p))
    {
        let parsed = ssh_key::PublicKey::from_openssh(key).map_err(|e| {
            format!(
                "is not an OpenSSH public key ({e}); revoke a key by its fingerprint (SHA256:...) or public key"
            )
        })?;
        return Ok((
            crate::ssh::key::fingerprint(parsed.key_data()),
            RevokedForm::SshPublicKey,
        ));
    }
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let hex = compact.strip_prefix("0x").unwrap_or(&compact);
    if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return match hex.len() {
            40 | 64 => Ok((hex.to_ascii_uppercase(), RevokedForm::OpenPgpFingerprint)),
            8 | 16 => Err(
                "is an OpenPGP key id: write the certificate's full fingerprint (40 or 64 hex digits)"
                    .into(),
            ),
            _ => Err("is not an OpenPGP fingerprint (40 or 64 hex digits)".into()),
        };
    }
    if let Some(subject) = sigstore_subject(key) {
        return Ok((subject, RevokedForm::SigstoreSubject));
    }
    Err("can never match a signature: it is not an SSH fingerprint (SHA256:...), an SSH public key, \
         an OpenPGP fingerprint (40 or 64 hex digits) or a Sigstore subject (an e-mail address or URI, \
         optionally after the issuer's URL)"
        .into())
}

/// `SHA256:<43 unpadded base64 characters of 32 bytes>`, as `ssh-keygen -l` prints and
/// SSH verdicts carry.
fn ssh_fingerprint(key: &str) -> Option<String> {
    use base64ct::{Base64Unpadded, Encoding};
    let body = key.get("SHA256:".len()..)?;
    let prefix = &key[.."SHA256:".len()];
    let bytes = Base64Unpadded::decode_vec(body).ok()?;
    (prefix == "SHA256:" && bytes.len() == 32).then(|| key.to_string())
}

/// `subject` or `issuer subject`, the subject an e-mail address or a URI and the issuer a
/// URL (what gitseal reads from a certificate: SAN e-mail or URI, and the issuer
/// extension), joined by one space as a verdict's key is.
fn sigstore_subject(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split_whitespace().collect();
    let (issuer, subject) = match parts[..] {
        [subject] => (None, subject),
        [issuer, subject] => (Some(issuer), subject),
        _ => return None,
    };
    let url = |text: &str| {
        text.split_once("://")
            .is_some_and(|(scheme, rest)| uri_scheme(scheme) && !rest.is_empty())
    };
    let email = |text: &str| {
        text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
    };
    let uri = |text: &str| {
        text.split_once(':')
            .is_some_and(|(scheme, rest)| uri_scheme(scheme) && !rest.is_empty())
    };
    if issuer.is_some_and(|i| !url(i)) || !(email(subject) || uri(subject)) {
        return None;
    }
    Some(parts.join(" "))
}

/// RFC 3986 section 3.1: a letter, then letters, digits, `+`, `-` and `.`.
fn uri_scheme(scheme: &str) -> bool {
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A TOML offset date-time as Unix seconds; local times are refused (ambiguous).
fn to_unix(value: &Spanned<toml::value::Datetime>) -> Result<i64, String> {
    let datetime = value.get_ref();
    let refuse =
        || format!("`{datetime}` needs a full date, time and zone (e.g. 2026-01-01T00:00:00Z)");
    let (Some(date), Some(time), Some(offset)) = (datetime.date, datetime.time, datetime.offset)
    else {
        return Err(refuse());
    };
    let day = chrono::NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or_else(refuse)?;
    let clock = chrono::NaiveTime::from_hms_opt(
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second.unwrap_or(0)),
    )
    .ok_or_else(refuse)?;
    let offset_seconds = match offset {
        toml::value::Offset::Z => 0,
        toml::value::Offset::Custom { minutes } => i64::from(minutes) * 60,
    };
    Ok(day.and_time(clock).and_utc().timestamp() - offset_seconds)
}

/// Byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Credential, SignerRef, SigstoreIdentity};

    // Real keys made by ssh-keygen 9.2; the fingerprints are what `ssh-keygen -lf` printed.
    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const ALICE_FPR: &str = "SHA256:AVbuM9fMKiR1UEbujGStWRNlLOUsU3DBak/ncDKrH+4";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";
    const BOB_FPR: &str = "SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE";

    /// A policy using every part of the format (DESIGN section 6, with real keys).
    fn full_policy() -> String {
        format!(
            r#"version = 1
goodlist = ["0123456789ABCDEF0123456789abcdef01234567"]

[principals.alice]
ssh      = ["{ALICE} alice@laptop"]
openpgp  = ["F717 3B3C 7C68 5CD9 ECC4  191B 74E4 45BA 0E15 c957"]
sigstore = [{{ issuer = "https://github.com/login/oauth", subject = "alice@example.org" }}]
valid_after  = 2025-01-01T00:00:00Z
valid_before = 2027-01-01T01:00:00+01:00

[principals.bob]
ssh = ["{BOB}"]

[principals.release-ci]
sigstore = [{{ issuer = "https://token.actions.githubusercontent.com",
              subject_regex = '^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*$' }}]

[groups]
maintainers = ["alice", "bob"]

[[rules]]                      # first match wins; refs are glob patterns
refs    = ["refs/heads/main", "refs/heads/release/*"]
commits = ["@maintainers", "release-ci"]
merges  = ["@maintainers"]
allow_force_push = false
allow_delete     = true

[[rules]]
refs = ["refs/tags/v*"]
tags = ["release-ci", "@maintainers"]

[[rules]]
refs = ["refs/heads/scratch/*"]
commits = ["*"]
allow_force_push = true

[policy_changes]
signers = ["@maintainers"]

[[revoked]]
key    = "{BOB_FPR}"
after  = 2026-03-01T00:00:00Z
reason = "laptop stolen"

[[revoked]]
key = "f7173b3c7c685cd9ecc4191b74e445ba0e15c957"
"#
        )
    }

    fn parse_err(text: &str) -> PolicyError {
        match parse(text, "policy.toml") {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e,
        }
    }

    /// The error is on `line`, names the file, and says `needle`.
    #[track_caller]
    fn assert_error(text: &str, line: usize, needle: &str) {
        let e = parse_err(text);
        let shown = e.to_string();
        assert_eq!(e.file, "policy.toml", "{shown}");
        assert_eq!(e.line, line, "wrong line in `{shown}` for\n{text}");
        assert!(
            shown.starts_with(&format!("policy.toml:{line}: ")),
            "not file:line: message: {shown}"
        );
        assert!(shown.contains(needle), "`{shown}` does not say `{needle}`");
        assert!(!shown.contains('\n'), "error is not one line: {shown:?}");
    }

    fn time(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    /// A minimal valid policy with `extra` appended (alice and bob are principals).
    fn with(extra: &str) -> String {
        format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n[principals.bob]\nssh = [\"{BOB}\"]\n{extra}"
        )
    }

    #[test]
    fn a_full_policy_parses() {
        let policy = parse(&full_policy(), "policy.toml").unwrap();
        let names: Vec<&str> = policy.principals.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "release-ci"]);

        let alice = &policy.principals[0];
        assert_eq!(alice.credentials.len(), 3);
        match &alice.credentials[0] {
            Credential::Ssh {
                fingerprint,
                public,
            } => {
                assert_eq!(fingerprint, ALICE_FPR);
                assert_eq!(public, ALICE, "the comment is dropped");
            }
            other => panic!("not ssh: {other:?}"),
        }
        match &alice.credentials[1] {
            Credential::OpenPgp { fingerprint } => {
                assert_eq!(fingerprint, "F7173B3C7C685CD9ECC4191B74E445BA0E15C957")
            }
            other => panic!("not openpgp: {other:?}"),
        }
        match &alice.credentials[2] {
            Credential::Sigstore {
                issuer,
                subject: SigstoreIdentity::Exact(subject),
            } => {
                assert_eq!(issuer, "https://github.com/login/oauth");
                assert_eq!(subject, "alice@example.org");
            }
            other => panic!("not an exact sigstore identity: {other:?}"),
        }
        assert_eq!(alice.valid_after, Some(time("2025-01-01T00:00:00Z")));
        // The zone is honoured: 01:00 at +01:00 is midnight UTC.
        assert_eq!(alice.valid_before, Some(time("2027-01-01T00:00:00Z")));

        let bob = &policy.principals[1];
        assert_eq!((bob.valid_after, bob.valid_before), (None, None));

        match &policy.principals[2].credentials[..] {
            [
                Credential::Sigstore {
                    issuer,
                    subject: SigstoreIdentity::Pattern(re),
                },
            ] => {
                assert_eq!(issuer, "https://token.actions.githubusercontent.com");
                assert!(re.is_match(
                    "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2"
                ));
                assert!(!re.is_match(
                    "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
                ));
            }
            other => panic!("release-ci: {other:?}"),
        }

        assert_eq!(policy.groups["maintainers"], ["alice", "bob"]);
        assert_eq!(policy.rules.len(), 3);
        let main = &policy.rules[0];
        assert_eq!(main.refs, ["refs/heads/main", "refs/heads/release/*"]);
        assert_eq!(
            main.commits.as_deref(),
            Some(
                &[
                    SignerRef::Group("maintainers".into()),
                    SignerRef::Principal("release-ci".into())
                ][..]
            )
        );
        assert_eq!(
            main.merges.as_deref(),
            Some(&[SignerRef::Group("maintainers".into())][..])
        );
        assert_eq!(main.tags, None);
        assert!(!main.allow_force_push);
        assert!(main.allow_delete);
        assert_eq!(main.name(), "refs/heads/main,refs/heads/release/*");
        let tags = &policy.rules[1];
        assert_eq!((tags.commits.as_ref(), tags.merges.as_ref()), (None, None));
        assert_eq!(tags.tags.as_ref().map(Vec::len), Some(2));
        assert!(!tags.allow_delete && !tags.allow_force_push, "defaults");
        assert_eq!(
            policy.rules[2].commits.as_deref(),
            Some(&[SignerRef::Anyone][..])
        );
        assert!(policy.rules[2].allow_force_push);

        assert_eq!(
            policy.policy_changes.as_deref(),
            Some(&[SignerRef::Group("maintainers".into())][..])
        );
        assert_eq!(policy.revoked.len(), 2);
        assert_eq!(
            policy.revoked[0].key, BOB_FPR,
            "ssh fingerprints kept as written"
        );
        assert_eq!(policy.revoked[0].after, Some(time("2026-03-01T00:00:00Z")));
        assert_eq!(policy.revoked[0].reason, "laptop stolen");
        assert_eq!(
            policy.revoked[1].key, "F7173B3C7C685CD9ECC4191B74E445BA0E15C957",
            "openpgp fingerprints upper-cased"
        );
        assert_eq!(policy.revoked[1].after, None);
        assert_eq!(policy.revoked[1].reason, "");
        assert_eq!(
            policy.goodlist,
            ["0123456789abcdef0123456789abcdef01234567"]
        );
    }

    #[test]
    fn a_minimal_policy_has_no_rules_and_no_policy_changers() {
        let policy = parse("version = 1\n", "p").unwrap();
        assert!(policy.principals.is_empty() && policy.rules.is_empty());
        assert!(policy.policy_changes.is_none());
        assert!(policy.revoked.is_empty() && policy.goodlist.is_empty());
    }

    #[test]
    fn the_design_example_shape_parses() {
        // Multi-line inline tables (TOML 1.1), as DESIGN section 6 writes them, with a
        // 64-digit (v6) OpenPGP fingerprint and a SHA-256 commit id in the goodlist.
        let text = format!(
            "version = 1\ngoodlist = [\"{}\"]\n[principals.ci]\nsigstore = [{{ issuer = \"https://x\",\n  subject = \"s\" }}]\n\
             openpgp = [\"{}\"]\n",
            "cd".repeat(32),
            "ab".repeat(32)
        );
        let policy = parse(&text, "p").unwrap();
        assert_eq!(policy.goodlist, ["cd".repeat(32)]);
    }

    #[test]
    fn unknown_top_level_key() {
        assert_error("version = 1\nrule = []\n[principals.alice]\n", 2, "rule");
        assert_error("version = 1\n\n[policy]\nx = 1\n", 3, "policy");
    }

    #[test]
    fn unknown_key_in_a_principal() {
        let text =
            format!("version = 1\n\n[principals.alice]\nssh = [\"{ALICE}\"]\nemail = \"a@x\"\n");
        assert_error(&text, 5, "email");
    }

    #[test]
    fn unknown_key_in_a_rule() {
        let text = with("\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommit = [\"alice\"]\n");
        assert_error(&text, 9, "commit");
    }

    #[test]
    fn unknown_key_in_policy_changes_and_revoked() {
        assert_error(
            &with("[policy_changes]\nsigner = [\"alice\"]\n"),
            7,
            "signer",
        );
        assert_error(
            &with("[[revoked]]\nkey = \"SHA256:x\"\nsince = 2026-01-01T00:00:00Z\n"),
            8,
            "since",
        );
    }

    #[test]
    fn bad_ssh_key() {
        let text = "version = 1\n[principals.alice]\nssh = [\n  \"ssh-ed25519 AAAAnotakey\",\n]\n";
        assert_error(text, 4, "principals.alice.ssh: not an OpenSSH public key");
        let text = "version = 1\n[principals.alice]\nssh = [\"alice@example.org\"]\n";
        assert_error(text, 3, "principals.alice.ssh");
    }

    #[test]
    fn bad_openpgp_fingerprint() {
        let text = "version = 1\n\n[principals.dave]\nopenpgp = [\"74E445BA0E15C957\"]\n";
        assert_error(
            text,
            4,
            "principals.dave.openpgp: `74E445BA0E15C957` is not a fingerprint",
        );
        let text = format!(
            "version = 1\n[principals.dave]\nopenpgp = [\"{}\"]\n",
            "g".repeat(40)
        );
        assert_error(&text, 3, "is not a fingerprint");
    }

    #[test]
    fn unanchored_subject_regex() {
        for pattern in [
            "https://github\\.com/acme/.*$",
            "^https://github\\.com/acme/.*",
        ] {
            let text = format!(
                "version = 1\n[principals.ci]\n\nsigstore = [{{ issuer = \"https://i\", subject_regex = '{pattern}' }}]\n"
            );
            assert_error(&text, 4, "must be anchored");
        }
    }

    #[test]
    fn an_invalid_subject_regex_is_a_one_line_error() {
        let text = "version = 1\n[principals.ci]\nsigstore = [{ issuer = \"i\", subject_regex = '^(unclosed$' }]\n";
        assert_error(text, 3, "principals.ci.sigstore: subject_regex");
    }

    /// `^a|b$` starts with `^` and ends with `$`, yet `|` binds looser than the anchors:
    /// as written it matches any subject starting with `a` or ending with `b`. Either the parser refuses it or
    /// the compiled pattern must be anchored as a whole.
    #[test]
    fn an_alternation_does_not_escape_the_anchors() {
        let text = "version = 1\n[principals.ci]\nsigstore = [{ issuer = \"i\", subject_regex = '^alice@example\\.org|.*@example\\.org$' }]\n";
        let Ok(policy) = parse(text, "p") else {
            return; // refused: fine
        };
        let Credential::Sigstore {
            subject: SigstoreIdentity::Pattern(re),
            ..
        } = &policy.principals[0].credentials[0]
        else {
            panic!("not a pattern");
        };
        assert!(re.is_match("alice@example.org") && re.is_match("bob@example.org"));
        assert!(
            !re.is_match("alice@example.org.evil.test"),
            "subject_regex `{}` is not anchored as a whole",
            re.as_str()
        );
        // An escaped dollar is a literal `$`, not an anchor.
        let text = "version = 1\n[principals.ci]\nsigstore = [{ issuer = \"i\", subject_regex = '^alice\\$' }]\n";
        if let Ok(policy) = parse(text, "p") {
            let Credential::Sigstore {
                subject: SigstoreIdentity::Pattern(re),
                ..
            } = &policy.principals[0].credentials[0]
            else {
                panic!("not a pattern");
            };
            assert!(re.is_match("alice$"));
            assert!(
                !re.is_match("alice$.evil"),
                "subject_regex `{}` is not anchored at the end",
                re.as_str()
            );
        }
    }

    #[test]
    fn subject_and_subject_regex_together_or_neither() {
        let text = "version = 1\n[principals.ci]\nsigstore = [\n  { issuer = \"i\", subject = \"s\", subject_regex = '^s$' },\n]\n";
        assert_error(text, 4, "exactly one of subject and subject_regex");
        let text = "version = 1\n[principals.ci]\nsigstore = [{ issuer = \"i\" }]\n";
        assert_error(text, 3, "exactly one of subject and subject_regex");
    }

    #[test]
    fn unknown_principal_in_a_rule() {
        let text = with(
            "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\n  \"alice\",\n  \"carol\",\n]\n",
        );
        assert_error(&text, 10, "rules[0].commits: no principal named `carol`");
        let text = with(
            "[[rules]]\nrefs = [\"refs/heads/main\"]\n[[rules]]\nrefs = [\"refs/tags/*\"]\ntags = [\"eve\"]\n",
        );
        assert_error(&text, 10, "rules[1].tags: no principal named `eve`");
        let text = with("[policy_changes]\nsigners = [\"mallory\"]\n");
        assert_error(
            &text,
            7,
            "policy_changes.signers: no principal named `mallory`",
        );
        let text = with("[release_files]\nsigners = [\"mallory\"]\n");
        assert_error(
            &text,
            7,
            "release_files.signers: no principal named `mallory`",
        );
        let policy = parse(&with("[release_files]\nsigners = [\"alice\"]\n"), "p").unwrap();
        assert_eq!(
            policy.release_files,
            Some(vec![SignerRef::Principal("alice".into())])
        );
        assert!(parse(&with(""), "p").unwrap().release_files.is_none());
    }

    #[test]
    fn unknown_group() {
        let text = with(
            "[groups]\nops = [\"alice\"]\n[[rules]]\nrefs = [\"refs/heads/main\"]\nmerges = [\"@ops\", \"@devs\"]\n",
        );
        assert_error(&text, 10, "rules[0].merges: no group named `devs`");
    }

    #[test]
    fn group_member_that_is_not_a_principal() {
        let text = with("[groups]\nops = [\"alice\"]\ndevs = [\"bob\",\n  \"@ops\"]\n");
        assert_error(&text, 9, "groups.devs: no principal named `@ops`");
    }

    #[test]
    fn version_2() {
        assert_error("# policy\nversion = 2\n", 2, "version 2 is not supported");
        assert_error("version = \"1\"\n", 1, "");
        // Without a version the file is not a policy at all.
        assert!(parse("[groups]\n", "p").is_err());
    }

    #[test]
    fn valid_before_not_after_valid_after() {
        let text = "version = 1\n[principals.alice]\nvalid_after = 2026-01-01T00:00:00Z\nvalid_before = 2026-01-01T00:00:00Z\n";
        assert_error(
            text,
            4,
            "principals.alice: valid_before is not after valid_after",
        );
        let text = "version = 1\n[principals.alice]\nvalid_before = 2025-01-01T00:00:00Z\nvalid_after = 2026-01-01T00:00:00Z\n";
        assert_error(text, 3, "valid_before is not after valid_after");
    }

    #[test]
    fn a_datetime_without_zone_is_refused() {
        let text = "version = 1\n[principals.alice]\nvalid_after = 2026-01-01T00:00:00\n";
        assert_error(
            text,
            3,
            "principals.alice.valid_after: `2026-01-01T00:00:00` needs a full date, time and zone",
        );
        let text = "version = 1\n[principals.alice]\n\nvalid_before = 2026-01-01\n";
        assert_error(text, 4, "principals.alice.valid_before");
        let text = with("[[revoked]]\nkey = \"SHA256:x\"\nafter = 2026-03-01T00:00:00\n");
        assert_error(&text, 8, "revoked.after");
    }

    #[test]
    fn goodlist_entry_that_is_not_a_full_id() {
        let text = "version = 1\ngoodlist = [\n  \"0123456789abcdef0123456789abcdef01234567\",\n  \"0123456789ab\",\n]\n";
        assert_error(text, 4, "goodlist: `0123456789ab` is not a full commit id");
        let text = format!("version = 1\ngoodlist = [\"{}\"]\n", "z".repeat(40));
        assert_error(&text, 2, "is not a full commit id");
    }

    #[test]
    fn ref_pattern_not_starting_with_refs() {
        let text = with("\n[[rules]]\nrefs = [\"refs/heads/main\",\n        \"main\"]\n");
        assert_error(
            &text,
            9,
            "rules[0].refs: `main` is not a full ref name or pattern (refs/...)",
        );
    }

    #[test]
    fn empty_revoked_key() {
        assert_error(
            &with("[[revoked]]\nkey = \" \"\n"),
            7,
            "revoked.key is empty",
        );
    }

    /// Issue 12, R2: a revoked key in a form no signature's key is compared in would be
    /// accepted and never match; it is refused, saying what to write instead.
    #[test]
    fn revoked_keys_that_could_never_match_are_refused() {
        for (key, says) in [
            ("B62DFB8CEF57DB05", "is an OpenPGP key id"),
            ("0xEF57DB05", "is an OpenPGP key id"),
            (
                "F7173B3C7C685CD9ECC4191B74E445BA0E15C9",
                "is not an OpenPGP fingerprint",
            ),
            (
                "SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa",
                "is not an SSH fingerprint",
            ),
            (
                "sha256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE",
                "is not an SSH fingerprint",
            ),
            ("MD5:d4:5f:0c:8b:3c", "is an MD5 fingerprint"),
            (
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1Fz",
                "is not an OpenSSH public key",
            ),
            ("laptop stolen", "can never match a signature"),
            ("bob", "can never match a signature"),
            (
                "alice@example.org https://issuer.example",
                "can never match a signature",
            ),
        ] {
            let text = with(&format!("[[revoked]]\nkey = \"{key}\"\n"));
            assert_error(&text, 7, &format!("revoked.key `{key}` {says}"));
            assert_eq!(parse_err(&text).kind, PolicyErrorKind::RevokedKey);
        }
    }

    /// An SSH public key is revoked as its SHA256 fingerprint, the form SSH verdicts carry.
    #[test]
    fn a_revoked_ssh_public_key_is_revoked_as_its_fingerprint() {
        let entries = [
            (
                format!("{BOB} bob@laptop"),
                BOB_FPR,
                RevokedForm::SshPublicKey,
            ),
            (BOB_FPR.to_string(), BOB_FPR, RevokedForm::SshFingerprint),
            (
                "F717 3B3C 7C68 5CD9 ECC4  191B 74E4 45BA 0E15 c957".to_string(),
                "F7173B3C7C685CD9ECC4191B74E445BA0E15C957",
                RevokedForm::OpenPgpFingerprint,
            ),
            (
                "alice@example.org".to_string(),
                "alice@example.org",
                RevokedForm::SigstoreSubject,
            ),
            (
                "https://github.com/login/oauth   alice@example.org".to_string(),
                "https://github.com/login/oauth alice@example.org",
                RevokedForm::SigstoreSubject,
            ),
            (
                "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0"
                    .to_string(),
                "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0",
                RevokedForm::SigstoreSubject,
            ),
        ];
        for (written, key, form) in entries {
            let policy = parse(&with(&format!("[[revoked]]\nkey = \"{written}\"\n")), "p")
                .unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(policy.revoked[0].key, key, "{written}");
            assert_eq!(policy.revoked[0].form, form, "{written}");
        }
    }

    #[test]
    fn line_numbers_count_crlf_files_too() {
        let text = "version = 1\r\n[principals.alice]\r\n\r\nfoo = 1\r\n";
        assert_error(text, 4, "foo");
    }

    #[test]
    fn a_datetime_without_seconds_is_a_full_datetime() {
        // TOML 1.1 lets the seconds be left out; the zone is still there.
        let text = "version = 1\n[principals.alice]\nvalid_after = 2026-01-01T00:00Z\n";
        let policy = parse(text, "p").unwrap();
        assert_eq!(
            policy.principals[0].valid_after,
            Some(time("2026-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn an_empty_refs_list_is_reported_at_its_rule() {
        let text = with("\n[[rules]]\nrefs = []\ncommits = [\"alice\"]\n");
        assert_error(&text, 8, "rules[0]: refs is empty");
    }
}
