//! Reading `.gitseal/policy.toml` (version 1) into a [`Policy`]. Unknown keys are errors;
//! every error names the file, the line and the offending key.

use super::{Credential, Policy, Principal, Revocation, Rule, SignerRef, SigstoreIdentity};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A policy file that could not be read, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    pub message: String,
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
struct RawRule {
    refs: Vec<Spanned<String>>,
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
    after: Option<Spanned<toml::value::Datetime>>,
    reason: Option<String>,
}

/// Parses a policy file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
    let lines = LineIndex::new(text);
    let error = |span: std::ops::Range<usize>, message: String| PolicyError {
        file: file.to_string(),
        line: lines.line_of(span.start),
        message,
    };
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| lines.line_of(s.start));
        PolicyError {
            file: file.to_string(),
            line,
            message: e.message().trim_end().to_string(),
        }
    })?;
    if *raw.version.get_ref() != 1 {
        return Err(error(
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
        for fpr in &p.openpgp {
            let hex: String = fpr
                .get_ref()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !(hex.len() == 40 || hex.len() == 64) || !hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(error(
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
                            identity.span(),
                            format!(
                                "principals.{name}.sigstore: subject_regex `{pattern}` must be anchored with ^ and $"
                            ),
                        ));
                    }
                    let compiled = regex::Regex::new(pattern).map_err(|e| {
                        error(
                            identity.span(),
                            format!("principals.{name}.sigstore: subject_regex: {e}"),
                        )
                    })?;
                    SigstoreIdentity::Pattern(compiled)
                }
                _ => {
                    return Err(error(
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
                to_unix(t)
                    .map_err(|m| error(t.span(), format!("principals.{name}.valid_after: {m}")))
            })
            .transpose()?;
        let valid_before = p
            .valid_before
            .as_ref()
            .map(|t| {
                to_unix(t)
                    .map_err(|m| error(t.span(), format!("principals.{name}.valid_before: {m}")))
            })
            .transpose()?;
        if let (Some(after), Some(before), Some(span)) =
            (valid_after, valid_before, p.valid_before.as_ref())
            && before <= after
        {
            return Err(error(
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
                who.span(),
                format!("{context}: no group named `{group}`"),
            ));
        }
        if raw.principals.contains_key(text) {
            return Ok(SignerRef::Principal(text.clone()));
        }
        Err(error(
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
        if rule.refs.is_empty() {
            return Err(PolicyError {
                file: file.to_string(),
                line: 1,
                message: format!("rules[{i}]: refs is empty"),
            });
        }
        for pattern in &rule.refs {
            if !pattern.get_ref().starts_with("refs/") {
                return Err(error(
                    pattern.span(),
                    format!(
                        "rules[{i}].refs: `{}` is not a full ref name or pattern (refs/...)",
                        pattern.get_ref()
                    ),
                ));
            }
        }
        rules.push(Rule {
            refs: rule.refs.iter().map(|r| r.get_ref().clone()).collect(),
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
    let mut revoked = Vec::new();
    for entry in &raw.revoked {
        let after = entry
            .after
            .as_ref()
            .map(|t| to_unix(t).map_err(|m| error(t.span(), format!("revoked.after: {m}"))))
            .transpose()?;
        let key = entry.key.get_ref().trim();
        if key.is_empty() {
            return Err(error(entry.key.span(), "revoked.key is empty".into()));
        }
        revoked.push(Revocation {
            key: normalise_key(key),
            after,
            reason: entry.reason.clone().unwrap_or_default(),
        });
    }
    let mut goodlist = Vec::new();
    for id in &raw.goodlist {
        let text = id.get_ref().trim().to_ascii_lowercase();
        if !(text.len() == 40 || text.len() == 64) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(error(
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
        revoked,
        goodlist,
    })
}

/// OpenPGP fingerprints compare uppercase without spaces; other keys as written.
fn normalise_key(key: &str) -> String {
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    if (compact.len() == 40 || compact.len() == 64)
        && compact.chars().all(|c| c.is_ascii_hexdigit())
    {
        compact.to_ascii_uppercase()
    } else {
        key.to_string()
    }
}

/// A TOML offset date-time as Unix seconds; local times are refused (ambiguous).
fn to_unix(value: &Spanned<toml::value::Datetime>) -> Result<i64, String> {
    let text = value.get_ref().to_string();
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.timestamp())
        .map_err(|_| {
            format!("`{text}` needs a full date, time and zone (e.g. 2026-01-01T00:00:00Z)")
        })
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
