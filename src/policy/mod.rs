//! The signing policy (`.gitseal/policy.toml`) and judgement of one signature against it.
//! Pure: no I/O, no crypto, no clock. The rooms say who signed ([`Verdict`]); this says
//! whether that signer may sign this commit on this ref.

pub mod file;

use crate::signature::{Format, Verdict};
use std::collections::BTreeMap;

/// A parsed policy.
#[derive(Debug)]
pub struct Policy {
    pub principals: Vec<Principal>,
    pub groups: BTreeMap<String, Vec<String>>,
    pub rules: Vec<Rule>,
    /// Who may change `.gitseal/`; `None` when the section is absent (nobody may).
    pub policy_changes: Option<Vec<SignerRef>>,
    pub revoked: Vec<Revocation>,
    /// Lower-case commit ids exempt from revocation.
    pub goodlist: Vec<String>,
}

/// A named signer and the credentials that stand for it.
#[derive(Debug)]
pub struct Principal {
    pub name: String,
    pub credentials: Vec<Credential>,
    pub valid_after: Option<i64>,
    pub valid_before: Option<i64>,
}

#[derive(Debug)]
pub enum Credential {
    /// An SSH public key: its `SHA256:...` fingerprint and its `type base64` text.
    Ssh { fingerprint: String, public: String },
    /// Upper-case hex fingerprint of an OpenPGP certificate.
    OpenPgp { fingerprint: String },
    Sigstore {
        issuer: String,
        subject: SigstoreIdentity,
    },
}

#[derive(Debug)]
pub enum SigstoreIdentity {
    Exact(String),
    /// An anchored regular expression (checked when the policy was parsed).
    Pattern(regex::Regex),
}

/// An entry of a signer list: `*`, `name` or `@group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerRef {
    Anyone,
    Principal(String),
    Group(String),
}

#[derive(Debug)]
pub struct Rule {
    pub refs: Vec<String>,
    pub commits: Option<Vec<SignerRef>>,
    pub merges: Option<Vec<SignerRef>>,
    pub tags: Option<Vec<SignerRef>>,
    pub allow_force_push: bool,
    pub allow_delete: bool,
}

impl Rule {
    /// How the rule is named in reports: its ref patterns.
    pub fn name(&self) -> String {
        self.refs.join(",")
    }
}

#[derive(Debug)]
pub struct Revocation {
    /// An SSH fingerprint, an OpenPGP fingerprint (upper case) or a Sigstore subject.
    pub key: String,
    /// Revoked for signatures from this time on; `None`: for all history.
    pub after: Option<i64>,
    pub reason: String,
}

/// What is being signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Commit,
    Merge,
    Tag,
}

/// One object to judge.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// Lower-case hex id (for the goodlist).
    pub id: &'a str,
    pub refname: Option<&'a str>,
    pub kind: ObjectKind,
    /// The object changes something under `.gitseal/` relative to the parent judged.
    pub changes_policy: bool,
    /// Also judge validity at this time (pre-receive: new commits must be valid now).
    pub now: Option<i64>,
}

/// The policy's answer for one signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Finding {
    pub principal: Option<String>,
    pub rule: Option<String>,
    /// Empty when the signature is allowed.
    pub reasons: Vec<String>,
}

impl Policy {
    /// The first rule whose ref patterns match `refname`.
    pub fn rule_for(&self, refname: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| {
            rule.refs
                .iter()
                .any(|pattern| crate::pattern::match_pattern(refname, pattern))
        })
    }

    /// The principal a verified signer is, if any.
    pub fn principal_for(&self, verdict: &Verdict) -> Option<&Principal> {
        let key = verdict.key.as_deref()?;
        self.principals.iter().find(|p| {
            p.credentials
                .iter()
                .any(|c| credential_matches(c, verdict.format, key))
        })
    }

    /// Whether `principal` is in a signer list.
    fn allows(&self, list: &[SignerRef], principal: &str) -> bool {
        list.iter().any(|entry| match entry {
            SignerRef::Anyone => true,
            SignerRef::Principal(name) => name == principal,
            SignerRef::Group(group) => self
                .groups
                .get(group)
                .is_some_and(|m| m.iter().any(|n| n == principal)),
        })
    }

    /// Judges one signature. `verdict` is what the room found; a failed verdict fails here
    /// with its own reason.
    pub fn judge(&self, subject: &Subject<'_>, verdict: &Verdict) -> Finding {
        let rule = subject.refname.and_then(|r| self.rule_for(r));
        let mut finding = Finding {
            principal: None,
            rule: rule.map(Rule::name),
            reasons: Vec::new(),
        };
        if let Err(failure) = &verdict.outcome {
            finding.reasons.push(failure.detail.clone());
            return finding;
        }
        let Some(principal) = self.principal_for(verdict) else {
            finding.reasons.push(format!(
                "unknown signer: {} key {} is not a principal of the policy",
                verdict.format,
                verdict.key.as_deref().unwrap_or("(none)")
            ));
            return finding;
        };
        finding.principal = Some(principal.name.clone());
        let signed_at = verdict.time.map(|t| t.unix);
        for at in [signed_at, subject.now].into_iter().flatten() {
            if let Some(after) = principal.valid_after.filter(|after| at < *after) {
                finding.reasons.push(format!(
                    "principal {} is not valid before {}",
                    principal.name,
                    rfc3339(after)
                ));
            }
            if let Some(before) = principal.valid_before.filter(|before| at >= *before) {
                finding.reasons.push(format!(
                    "principal {} expired at {}",
                    principal.name,
                    rfc3339(before)
                ));
            }
        }
        if !self.goodlist.iter().any(|id| id == subject.id) {
            for revocation in self.revocations_for(verdict) {
                let applies = match revocation.after {
                    None => true,
                    Some(after) => [signed_at, subject.now]
                        .into_iter()
                        .flatten()
                        .any(|at| at >= after),
                };
                if applies {
                    let when = revocation
                        .after
                        .map_or(String::new(), |a| format!(" since {}", rfc3339(a)));
                    let why = if revocation.reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", revocation.reason)
                    };
                    finding
                        .reasons
                        .push(format!("key {} is revoked{when}{why}", revocation.key));
                }
            }
        }
        if let Some(rule) = rule {
            let list = match subject.kind {
                ObjectKind::Commit => rule.commits.as_ref(),
                ObjectKind::Merge => rule.merges.as_ref().or(rule.commits.as_ref()),
                ObjectKind::Tag => rule.tags.as_ref(),
            };
            if list.is_some_and(|list| !self.allows(list, &principal.name)) {
                finding.reasons.push(format!(
                    "signer {} not allowed by rule {}",
                    principal.name,
                    rule.name()
                ));
            }
        }
        if subject.changes_policy {
            match &self.policy_changes {
                Some(list) if self.allows(list, &principal.name) => {}
                Some(_) => finding.reasons.push(format!(
                    "changes .gitseal/ but {} is not a policy_changes signer",
                    principal.name
                )),
                None => finding.reasons.push(
                    "changes .gitseal/ but the policy has no [policy_changes] signers".to_string(),
                ),
            }
        }
        finding
    }

    fn revocations_for<'a>(
        &'a self,
        verdict: &'a Verdict,
    ) -> impl Iterator<Item = &'a Revocation> + 'a {
        let key = verdict.key.as_deref().unwrap_or_default();
        let subject = sigstore_subject(verdict.format, key);
        self.revoked.iter().filter(move |r| {
            r.key == key || r.key.eq_ignore_ascii_case(key) || subject.is_some_and(|s| s == r.key)
        })
    }

    /// Every SSH key with its principal (`type base64` text): for allowed_signers export.
    pub fn ssh_keys(&self) -> impl Iterator<Item = (&Principal, &str)> {
        self.principals.iter().flat_map(|p| {
            p.credentials.iter().filter_map(move |c| match c {
                Credential::Ssh { public, .. } => Some((p, public.as_str())),
                _ => None,
            })
        })
    }
}

/// Sigstore keys are reported as `<issuer> <subject>`.
fn sigstore_subject(format: Format, key: &str) -> Option<&str> {
    (format == Format::X509).then(|| key.split_once(' ').map_or(key, |(_, subject)| subject))
}

fn credential_matches(credential: &Credential, format: Format, key: &str) -> bool {
    match (credential, format) {
        (Credential::Ssh { fingerprint, .. }, Format::Ssh) => fingerprint == key,
        (Credential::OpenPgp { fingerprint }, Format::OpenPgp) => {
            fingerprint.eq_ignore_ascii_case(key)
        }
        (Credential::Sigstore { issuer, subject }, Format::X509) => {
            let Some((got_issuer, got_subject)) = key.split_once(' ') else {
                return false;
            };
            got_issuer == issuer
                && match subject {
                    SigstoreIdentity::Exact(s) => s == got_subject,
                    SigstoreIdentity::Pattern(re) => re.is_match(got_subject),
                }
        }
        _ => false,
    }
}

/// A Unix time as RFC 3339 UTC, for reasons people read.
pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| unix.to_string())
}
