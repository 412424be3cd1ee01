//! The signing policy (`.gitseal/policy.toml`) and judgement of one signature against it.
//! Pure: no I/O, no crypto, no clock. The rooms say who signed ([`Verdict`]); this says
//! whether that signer may sign this commit on this ref.

pub mod diff;
pub mod edit;
pub mod export;
pub mod file;
pub mod shadow;

use crate::signature::{Format, SshCertificateFacts, Verdict};
use std::collections::BTreeMap;

/// A parsed policy.
#[derive(Debug)]
pub struct Policy {
    pub principals: Vec<Principal>,
    pub groups: BTreeMap<String, Vec<String>>,
    pub rules: Vec<Rule>,
    /// Who may change `.gitseal/`; `None` when the section is absent (nobody may).
    pub policy_changes: Option<Vec<SignerRef>>,
    /// Who may sign release files (`gitseal verify-blob --policy`); `None` when the section
    /// is absent (then `--principal` must say).
    pub release_files: Option<Vec<SignerRef>>,
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
    /// An SSH public key: its `SHA256:...` fingerprint and its `type base64` text. It
    /// matches signatures made with the key itself, not through a certificate of it (as an
    /// allowed_signers line naming a plain key does).
    Ssh { fingerprint: String, public: String },
    /// An SSH certificate authority: signatures made through a user certificate it signed
    /// that lists a principal matching `principals` (OpenSSH patterns, read as one
    /// allowed_signers principals list).
    SshCa {
        fingerprint: String,
        public: String,
        principals: Vec<String>,
    },
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
    /// An SSH fingerprint, an OpenPGP fingerprint (upper case) or a Sigstore subject
    /// (`subject` or `issuer subject`): always in the form a verdict's key is compared in.
    pub key: String,
    /// How the entry was written (an SSH public key is revoked as its fingerprint).
    pub form: RevokedForm,
    /// Only the certificates of the CA `key` with this serial or key id; `None`: the key
    /// itself and, for a CA, every certificate it signed.
    pub certificate: Option<RevokedCertificate>,
    /// Revoked for signatures from this time on; `None`: for all history.
    pub after: Option<i64>,
    pub reason: String,
}

/// Certificates of one SSH CA revoked by what the CA wrote into them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokedCertificate {
    Serial(u64),
    KeyId(String),
}

impl RevokedCertificate {
    fn matches(&self, cert: &SshCertificateFacts) -> bool {
        match self {
            RevokedCertificate::Serial(serial) => cert.serial == *serial,
            RevokedCertificate::KeyId(key_id) => cert.key_id == *key_id,
        }
    }

    /// How reasons and `policy describe` name it.
    pub fn describe(&self) -> String {
        match self {
            RevokedCertificate::Serial(serial) => format!("serial {serial}"),
            RevokedCertificate::KeyId(key_id) => format!("key id \"{key_id}\""),
        }
    }
}

/// The forms of `[[revoked]]` key that can match a signature (issue 12, R2): any other
/// text is refused when the policy is read, since it would be accepted and never match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokedForm {
    /// `SHA256:` and 43 base64 characters, as `ssh-keygen -l` prints.
    SshFingerprint,
    /// An OpenSSH public key line, revoked as its SHA256 fingerprint.
    SshPublicKey,
    /// 40 or 64 hex digits (spaces allowed, as gpg prints them).
    OpenPgpFingerprint,
    /// An e-mail address or URI, as a certificate's SAN names it, optionally after the
    /// issuer's URL.
    SigstoreSubject,
}

impl RevokedForm {
    /// How `policy describe` and `policy check` name the form.
    pub fn name(self) -> &'static str {
        match self {
            RevokedForm::SshFingerprint => "ssh",
            RevokedForm::SshPublicKey => "ssh (public key)",
            RevokedForm::OpenPgpFingerprint => "openpgp",
            RevokedForm::SigstoreSubject => "sigstore",
        }
    }
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
                .any(|c| credential_matches(c, verdict, key))
        })
    }

    /// Why the certificate a principal was matched through does not speak for it at the
    /// commit time: a host certificate, outside its validity, or a critical option gitseal
    /// does not understand (OpenSSH refuses those too). Only the commit time is judged, as
    /// `git verify-commit` does (`-Overify-time`): short-lived certificates are expected to
    /// have expired by the time their commits are pushed.
    fn certificate_reasons(cert: &SshCertificateFacts, signed_at: Option<i64>) -> Vec<String> {
        let mut reasons = Vec::new();
        if !cert.user {
            reasons.push(format!(
                "SSH certificate (key id \"{}\") is a host certificate, not a user certificate",
                cert.key_id
            ));
        }
        if let Some(at) = signed_at {
            // Times before 1970 are before every certificate's start.
            let at_u = u64::try_from(at).unwrap_or(0);
            if at < 0 || at_u < cert.valid_after {
                reasons.push(format!(
                    "SSH certificate (key id \"{}\") is not valid before {}, after the commit time {}",
                    cert.key_id,
                    cert_time(cert.valid_after),
                    rfc3339(at)
                ));
            }
            if at_u >= cert.valid_before {
                reasons.push(format!(
                    "SSH certificate (key id \"{}\") expired at {}, before the commit time {}",
                    cert.key_id,
                    cert_time(cert.valid_before),
                    rfc3339(at)
                ));
            }
        }
        for option in cert
            .critical_options
            .iter()
            .filter(|o| !UNDERSTOOD_CRITICAL_OPTIONS.contains(&o.as_str()))
        {
            reasons.push(format!(
                "SSH certificate (key id \"{}\") has the critical option \"{option}\", which gitseal does not understand",
                cert.key_id
            ));
        }
        reasons
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
            finding.reasons.push(match &verdict.ssh_certificate {
                Some(cert) => format!(
                    "unknown signer: ssh key {} through a certificate of CA {} for {} (key id \"{}\") is not a principal of the policy",
                    verdict.key.as_deref().unwrap_or("(none)"),
                    cert.ca_fingerprint,
                    if cert.principals.is_empty() {
                        "no principals".to_string()
                    } else {
                        cert.principals.join(",")
                    },
                    cert.key_id
                ),
                None => format!(
                    "unknown signer: {} key {} is not a principal of the policy",
                    verdict.format,
                    verdict.key.as_deref().unwrap_or("(none)")
                ),
            });
            return finding;
        };
        finding.principal = Some(principal.name.clone());
        let signed_at = verdict.time.map(|t| t.unix);
        if let Some(cert) = &verdict.ssh_certificate {
            finding
                .reasons
                .extend(Self::certificate_reasons(cert, signed_at));
        }
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
        finding
            .reasons
            .extend(self.revocation_reasons(subject, verdict));
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

    /// Judges the signer of a release file: a verified Sigstore certificate (`verdict`,
    /// its key `issuer subject`) must be a principal of `signers` (names and `@groups`),
    /// valid at the signing time and not revoked then. No ref, no rule: a release file is
    /// not on a ref.
    pub fn judge_release_file(&self, verdict: &Verdict, signers: &[SignerRef]) -> Finding {
        let subject = Subject {
            id: "",
            refname: None,
            kind: ObjectKind::Tag,
            changes_policy: false,
            now: None,
        };
        let mut finding = self.judge(&subject, verdict);
        if let Some(principal) = &finding.principal
            && !self.allows(signers, principal)
        {
            finding.reasons.push(format!(
                "signer {principal} may not sign release files (allowed: {})",
                describe_signers(signers)
            ));
        }
        finding
    }

    /// Why this policy's `[[revoked]]` list refuses the signature (none if the commit is in
    /// its goodlist). Also applied with the policy at a range's tip, so that a revocation
    /// added later reaches commits whose parents' policies predate it.
    pub fn revocation_reasons(&self, subject: &Subject<'_>, verdict: &Verdict) -> Vec<String> {
        if verdict.outcome.is_err() || self.goodlist.iter().any(|id| id == subject.id) {
            return Vec::new();
        }
        let signed_at = verdict.time.map(|t| t.unix);
        self.revocations_for(verdict)
            .filter(|revocation| match revocation.after {
                None => true,
                Some(after) => [signed_at, subject.now]
                    .into_iter()
                    .flatten()
                    .any(|at| at >= after),
            })
            .map(|revocation| {
                let when = revocation
                    .after
                    .map_or(String::new(), |a| format!(" since {}", rfc3339(a)));
                let why = if revocation.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", revocation.reason)
                };
                let certified_by = verdict
                    .ssh_certificate
                    .as_ref()
                    .is_some_and(|cert| cert.ca_fingerprint == revocation.key);
                match &revocation.certificate {
                    Some(which) => format!(
                        "SSH certificate {} of CA {} is revoked{when}{why}",
                        which.describe(),
                        revocation.key
                    ),
                    None if certified_by => format!(
                        "CA key {} is revoked{when}{why}: so is every certificate it signed",
                        revocation.key
                    ),
                    None => format!("key {} is revoked{when}{why}", revocation.key),
                }
            })
            .collect()
    }

    fn revocations_for<'a>(
        &'a self,
        verdict: &'a Verdict,
    ) -> impl Iterator<Item = &'a Revocation> + 'a {
        let key = verdict.key.as_deref().unwrap_or_default();
        let subject = sigstore_subject(verdict.format, key);
        let certificate = verdict
            .ssh_certificate
            .as_deref()
            .filter(|_| verdict.format == Format::Ssh);
        self.revoked.iter().filter(move |r| match &r.certificate {
            // A CA's certificates by serial or key id: only signatures made through them.
            Some(which) => {
                certificate.is_some_and(|cert| cert.ca_fingerprint == r.key && which.matches(cert))
            }
            None => {
                r.key == key
                    || r.key.eq_ignore_ascii_case(key)
                    || subject.is_some_and(|s| s == r.key)
                    // A revoked CA key revokes every certificate it signed.
                    || certificate.is_some_and(|cert| cert.ca_fingerprint == r.key)
            }
        })
    }

    /// The certificate-principal patterns of `ssh_ca` entries that can never allow a
    /// name, with the principal, the entry's place among its `ssh_ca` entries, and whether
    /// the entry then allows no certificate principal at all.
    pub fn dead_ssh_ca_patterns(&self) -> Vec<DeadCaPattern<'_>> {
        let mut found = Vec::new();
        for principal in &self.principals {
            let entries = principal.credentials.iter().filter_map(|c| match c {
                Credential::SshCa { principals, .. } => Some(principals),
                _ => None,
            });
            for (entry, patterns) in entries.enumerate() {
                let dead = shadow::dead_principal_patterns(patterns);
                let positive = patterns.iter().filter(|p| !p.starts_with('!')).count();
                let allows_nobody = dead
                    .iter()
                    .any(|d| matches!(d, shadow::DeadPrincipal::TooLong { .. }))
                    || dead.len() == positive;
                found.extend(dead.into_iter().map(|dead| DeadCaPattern {
                    principal: &principal.name,
                    entry,
                    dead,
                    allows_nobody,
                }));
            }
        }
        found
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

/// One pattern of an `ssh_ca` entry that can never allow a certificate principal.
#[derive(Debug, PartialEq, Eq)]
pub struct DeadCaPattern<'p> {
    pub principal: &'p str,
    /// The entry's index among the principal's `ssh_ca` entries.
    pub entry: usize,
    pub dead: shadow::DeadPrincipal,
    /// No pattern of the entry can allow a name: it lets no certificate in.
    pub allows_nobody: bool,
}

/// A signer list as the policy writes it: `alice, @maintainers, *`.
pub fn describe_signers(list: &[SignerRef]) -> String {
    if list.is_empty() {
        return "nobody".into();
    }
    list.iter()
        .map(|entry| match entry {
            SignerRef::Anyone => "*".to_string(),
            SignerRef::Principal(name) => name.clone(),
            SignerRef::Group(group) => format!("@{group}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sigstore keys are reported as `<issuer> <subject>`.
fn sigstore_subject(format: Format, key: &str) -> Option<&str> {
    (format == Format::X509).then(|| key.split_once(' ').map_or(key, |(_, subject)| subject))
}

/// The critical options of an SSH certificate that do not stop it from speaking for its
/// principals in a signature: they restrict logins (the command run, the addresses
/// connected from), not signing. `verify-required` (user verification on a FIDO key) is
/// not among them: gitseal does not check the signature's flags for it, so refuses it.
pub const UNDERSTOOD_CRITICAL_OPTIONS: [&str; 2] = ["force-command", "source-address"];

fn credential_matches(credential: &Credential, verdict: &Verdict, key: &str) -> bool {
    let certificate = verdict.ssh_certificate.as_deref();
    match (credential, verdict.format) {
        // As an allowed_signers line naming a plain key: not a signature made through a
        // certificate of that key.
        (Credential::Ssh { fingerprint, .. }, Format::Ssh) => {
            certificate.is_none() && fingerprint == key
        }
        (
            Credential::SshCa {
                fingerprint,
                principals,
                ..
            },
            Format::Ssh,
        ) => certificate.is_some_and(|cert| {
            cert.ca_fingerprint == *fingerprint && certificate_principal_allowed(cert, principals)
        }),
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

/// Whether the certificate lists a principal the `ssh_ca` entry's patterns allow: the
/// patterns are one OpenSSH pattern list, as an allowed_signers line's principals are.
fn certificate_principal_allowed(cert: &SshCertificateFacts, patterns: &[String]) -> bool {
    let list = patterns.join(",");
    cert.principals.iter().any(|name| {
        crate::pattern::match_pattern_list(name, &list) == crate::pattern::PatternMatch::Matched
    })
}

/// A certificate's time bound: `forever` for OpenSSH's "no expiry" (2^64-1).
fn cert_time(unix: u64) -> String {
    i64::try_from(unix).map_or_else(|_| "forever".to_string(), rfc3339)
}

/// A Unix time as RFC 3339 UTC, for reasons people read.
pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{Failure, FailureKind, SignatureTime, TimeSource, Trust};

    // Real keys made by ssh-keygen 9.2; fingerprints as `ssh-keygen -lf` printed them.
    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const ALICE_FPR: &str = "SHA256:AVbuM9fMKiR1UEbujGStWRNlLOUsU3DBak/ncDKrH+4";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";
    const BOB_FPR: &str = "SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE";
    const CAROL: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEi3f+2IvWsFJfPjlvH7oxr2PvfMhF8IGAyBtJtces5w";
    const CAROL_FPR: &str = "SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc";
    const DAVE_FPR: &str = "F7173B3C7C685CD9ECC4191B74E445BA0E15C957";
    const STRANGER_FPR: &str = "SHA256:uUy7bD6Ztc1yKQ0WW33pY1ynZ3Ii3iQR3q5HKyuUeCk";
    const GH: &str = "https://token.actions.githubusercontent.com";
    const RELEASE: &str =
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0";
    const GOOD_ID: &str = "0123456789abcdef0123456789abcdef01234567";
    const OTHER_ID: &str = "89abcdef0123456789abcdef0123456789abcdef";

    fn policy() -> Policy {
        let text = format!(
            r#"version = 1
goodlist = ["{GOOD_ID}"]

[principals.alice]
ssh = ["{ALICE}"]

[principals.bob]
ssh = ["{BOB}"]

[principals.carol]
ssh = ["{CAROL}"]
valid_after  = 2024-01-01T00:00:00Z
valid_before = 2025-01-01T00:00:00Z

[principals.dave]
openpgp = ["{DAVE_FPR}"]

[principals.ci]
sigstore = [{{ issuer = "{GH}", subject_regex = '^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*$' }}]

[groups]
maintainers = ["alice", "carol"]

[[rules]]
refs    = ["refs/heads/main", "refs/heads/release/*"]
commits = ["@maintainers", "bob", "dave"]
merges  = ["@maintainers"]

[[rules]]
refs = ["refs/heads/main"]
commits = ["bob"]

[[rules]]
refs = ["refs/tags/v*"]
tags = ["ci"]

[[rules]]
refs = ["refs/heads/open/*"]
commits = ["*"]

[policy_changes]
signers = ["@maintainers"]

[[revoked]]
key = "{BOB_FPR}"
after = 2026-03-01T00:00:00Z
reason = "laptop stolen"

[[revoked]]
key = "f717 3b3c 7c68 5cd9 ecc4 191b 74e4 45ba 0e15 c957"
reason = "key lost"
"#
        );
        file::parse(&text, "policy.toml").unwrap()
    }

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    fn verdict(format: Format, key: &str, time: &str) -> Verdict {
        Verdict {
            format,
            key: Some(key.to_string()),
            signer: None,
            time: Some(SignatureTime {
                unix: at(time),
                source: TimeSource::Committer,
            }),
            outcome: Ok(Trust::Undefined),
            ssh_certificate: None,
        }
    }

    fn ssh(key: &str, time: &str) -> Verdict {
        verdict(Format::Ssh, key, time)
    }

    fn subject<'a>(refname: &'a str, kind: ObjectKind) -> Subject<'a> {
        Subject {
            id: OTHER_ID,
            refname: Some(refname),
            kind,
            changes_policy: false,
            now: None,
        }
    }

    fn commit_on(refname: &str) -> Subject<'_> {
        subject(refname, ObjectKind::Commit)
    }

    const MAIN: &str = "refs/heads/main";
    const MAIN_RULE: &str = "refs/heads/main,refs/heads/release/*";
    const T: &str = "2024-06-01T12:00:00Z";

    #[track_caller]
    fn assert_ok(finding: &Finding, principal: &str) {
        assert_eq!(finding.principal.as_deref(), Some(principal), "{finding:?}");
        assert!(finding.reasons.is_empty(), "{finding:?}");
    }

    #[track_caller]
    fn assert_one_reason(finding: &Finding, expected: &str) {
        assert_eq!(finding.reasons, [expected.to_string()], "{finding:?}");
    }

    #[test]
    fn good_path() {
        let finding = policy().judge(&commit_on(MAIN), &ssh(ALICE_FPR, T));
        assert_eq!(
            finding,
            Finding {
                principal: Some("alice".into()),
                rule: Some(MAIN_RULE.into()),
                reasons: vec![],
            }
        );
        // The first matching rule decides, even when a later one also matches.
        let bob = policy().judge(&commit_on("refs/heads/release/1.0"), &ssh(BOB_FPR, T));
        assert_ok(&bob, "bob");
        assert_eq!(bob.rule.as_deref(), Some(MAIN_RULE));
    }

    #[test]
    fn unknown_signer() {
        let finding = policy().judge(&commit_on(MAIN), &ssh(STRANGER_FPR, T));
        assert_eq!(finding.principal, None);
        assert_eq!(finding.rule.as_deref(), Some(MAIN_RULE));
        assert_one_reason(
            &finding,
            &format!("unknown signer: ssh key {STRANGER_FPR} is not a principal of the policy"),
        );
        // The same key text in another format is not that principal.
        let finding = policy().judge(&commit_on(MAIN), &verdict(Format::OpenPgp, ALICE_FPR, T));
        assert_eq!(finding.principal, None, "{finding:?}");
        assert_eq!(finding.reasons.len(), 1);
        // No key at all.
        let mut keyless = ssh(ALICE_FPR, T);
        keyless.key = None;
        let finding = policy().judge(&commit_on(MAIN), &keyless);
        assert!(finding.reasons[0].contains("(none)"), "{finding:?}");
    }

    #[test]
    fn a_failed_signature_fails_with_its_own_reason() {
        let mut bad = ssh(ALICE_FPR, T);
        bad.outcome = Err(Failure {
            kind: FailureKind::BadSignature,
            detail: "bad SSH signature: verification failed".into(),
        });
        let finding = policy().judge(&commit_on(MAIN), &bad);
        assert_eq!(finding.principal, None);
        assert_one_reason(&finding, "bad SSH signature: verification failed");
    }

    #[test]
    fn signer_not_allowed_by_rule() {
        // ci is a principal, but not in the main rule's commits list.
        let key = format!("{GH} {RELEASE}");
        let finding = policy().judge(&commit_on(MAIN), &verdict(Format::X509, &key, T));
        assert_eq!(finding.principal.as_deref(), Some("ci"));
        assert_one_reason(
            &finding,
            &format!("signer ci not allowed by rule {MAIN_RULE}"),
        );
    }

    #[test]
    fn merges_have_their_own_list() {
        let p = policy();
        // bob may commit on main but not merge; carol (through the group) may do both.
        assert_ok(&p.judge(&commit_on(MAIN), &ssh(BOB_FPR, T)), "bob");
        assert_one_reason(
            &p.judge(&subject(MAIN, ObjectKind::Merge), &ssh(BOB_FPR, T)),
            &format!("signer bob not allowed by rule {MAIN_RULE}"),
        );
        assert_ok(
            &p.judge(&subject(MAIN, ObjectKind::Merge), &ssh(CAROL_FPR, T)),
            "carol",
        );
        // Without a merges list, merges follow the commits list.
        assert_ok(
            &p.judge(
                &subject("refs/heads/open/x", ObjectKind::Merge),
                &ssh(BOB_FPR, T),
            ),
            "bob",
        );
    }

    #[test]
    fn tags_have_their_own_list() {
        let p = policy();
        let ci = verdict(Format::X509, &format!("{GH} {RELEASE}"), T);
        let tag = subject("refs/tags/v1.0", ObjectKind::Tag);
        let finding = p.judge(&tag, &ci);
        assert_ok(&finding, "ci");
        assert_eq!(finding.rule.as_deref(), Some("refs/tags/v*"));
        assert_one_reason(
            &p.judge(&tag, &ssh(ALICE_FPR, T)),
            "signer alice not allowed by rule refs/tags/v*",
        );
        // A workflow of another repository is not the ci principal.
        let other = verdict(
            Format::X509,
            &format!(
                "{GH} https://github.com/evil/app/.github/workflows/release.yml@refs/tags/v1.0"
            ),
            T,
        );
        assert_eq!(p.judge(&tag, &other).principal, None);
        // Nor is the right subject from another issuer.
        let other = verdict(
            Format::X509,
            &format!("https://accounts.google.com {RELEASE}"),
            T,
        );
        assert_eq!(p.judge(&tag, &other).principal, None);
    }

    #[test]
    fn no_matching_rule_means_any_principal() {
        let p = policy();
        for refname in [Some("refs/heads/feature"), None] {
            let s = Subject {
                refname,
                ..commit_on(MAIN)
            };
            let finding = p.judge(&s, &ssh(BOB_FPR, T));
            assert_ok(&finding, "bob");
            assert_eq!(finding.rule, None);
            // ... but it must still be a principal.
            assert_eq!(p.judge(&s, &ssh(STRANGER_FPR, T)).reasons.len(), 1);
        }
    }

    #[test]
    fn validity_window() {
        let p = policy();
        let judge = |time: &str| p.judge(&commit_on(MAIN), &ssh(CAROL_FPR, time));
        assert_one_reason(
            &judge("2023-12-31T23:59:59Z"),
            "principal carol is not valid before 2024-01-01T00:00:00Z",
        );
        assert_ok(&judge("2024-01-01T00:00:00Z"), "carol");
        assert_ok(&judge("2024-12-31T23:59:59Z"), "carol");
        assert_one_reason(
            &judge("2025-01-01T00:00:00Z"),
            "principal carol expired at 2025-01-01T00:00:00Z",
        );
        let finding = judge("2030-01-01T00:00:00Z");
        assert_eq!(finding.principal.as_deref(), Some("carol"));
    }

    #[test]
    fn revoked_without_after_is_revoked_at_any_time() {
        let p = policy();
        for time in ["1990-01-01T00:00:00Z", T, "2040-01-01T00:00:00Z"] {
            for key in [DAVE_FPR, &DAVE_FPR.to_ascii_lowercase()] {
                let finding = p.judge(&commit_on(MAIN), &verdict(Format::OpenPgp, key, time));
                assert_eq!(finding.principal.as_deref(), Some("dave"));
                assert_one_reason(&finding, &format!("key {DAVE_FPR} is revoked (key lost)"));
            }
        }
    }

    #[test]
    fn revoked_with_after_is_revoked_from_then_on() {
        let p = policy();
        assert_ok(
            &p.judge(&commit_on(MAIN), &ssh(BOB_FPR, "2026-02-28T23:59:59Z")),
            "bob",
        );
        for time in ["2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"] {
            assert_one_reason(
                &p.judge(&commit_on(MAIN), &ssh(BOB_FPR, time)),
                &format!("key {BOB_FPR} is revoked since 2026-03-01T00:00:00Z (laptop stolen)"),
            );
        }
    }

    #[test]
    fn goodlist_exempts_from_revocation() {
        let p = policy();
        let listed = Subject {
            id: GOOD_ID,
            ..commit_on(MAIN)
        };
        assert_ok(
            &p.judge(&listed, &ssh(BOB_FPR, "2027-01-01T00:00:00Z")),
            "bob",
        );
        assert_ok(
            &p.judge(&listed, &verdict(Format::OpenPgp, DAVE_FPR, T)),
            "dave",
        );
        // Only from revocation: an expired principal stays expired.
        let finding = p.judge(&listed, &ssh(CAROL_FPR, "2026-01-01T00:00:00Z"));
        assert_one_reason(&finding, "principal carol expired at 2025-01-01T00:00:00Z");
    }

    #[test]
    fn policy_change_needs_a_policy_changes_signer() {
        let p = policy();
        let change = Subject {
            changes_policy: true,
            ..commit_on("refs/heads/open/x")
        };
        assert_ok(&p.judge(&change, &ssh(ALICE_FPR, T)), "alice");
        assert_one_reason(
            &p.judge(&change, &ssh(BOB_FPR, T)),
            "changes .gitseal/ but bob is not a policy_changes signer",
        );
    }

    #[test]
    fn policy_change_without_a_policy_changes_section() {
        let text = format!("version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n");
        let p = file::parse(&text, "p").unwrap();
        let plain = commit_on(MAIN);
        assert_ok(&p.judge(&plain, &ssh(ALICE_FPR, T)), "alice");
        let change = Subject {
            changes_policy: true,
            ..plain
        };
        assert_one_reason(
            &p.judge(&change, &ssh(ALICE_FPR, T)),
            "changes .gitseal/ but the policy has no [policy_changes] signers",
        );
    }

    #[test]
    fn now_also_has_to_be_inside_the_window() {
        let p = policy();
        let push = Subject {
            now: Some(at("2025-06-01T00:00:00Z")),
            ..commit_on(MAIN)
        };
        // Committed inside carol's window, pushed after it closed.
        let finding = p.judge(&push, &ssh(CAROL_FPR, T));
        assert_one_reason(&finding, "principal carol expired at 2025-01-01T00:00:00Z");
        // Inside the window both times: fine.
        let early = Subject {
            now: Some(at("2024-07-01T00:00:00Z")),
            ..push
        };
        assert_ok(&p.judge(&early, &ssh(CAROL_FPR, T)), "carol");
        // A key revoked from a time on is revoked for pushes from then on.
        let late = Subject {
            now: Some(at("2026-06-01T00:00:00Z")),
            ..push
        };
        let finding = p.judge(&late, &ssh(BOB_FPR, "2026-01-01T00:00:00Z"));
        assert_one_reason(
            &finding,
            &format!("key {BOB_FPR} is revoked since 2026-03-01T00:00:00Z (laptop stolen)"),
        );
    }

    #[test]
    fn revocation_by_sigstore_subject() {
        let text = format!(
            "version = 1\n[principals.ci]\nsigstore = [{{ issuer = \"{GH}\", subject = \"{RELEASE}\" }}]\n\
             [[revoked]]\nkey = \"{RELEASE}\"\n"
        );
        let p = file::parse(&text, "p").unwrap();
        let finding = p.judge(
            &commit_on(MAIN),
            &verdict(Format::X509, &format!("{GH} {RELEASE}"), T),
        );
        assert_eq!(finding.principal.as_deref(), Some("ci"));
        assert_one_reason(&finding, &format!("key {RELEASE} is revoked"));
    }

    /// Issue 12, R2: a key revoked by its public key (not its fingerprint) revokes the
    /// signatures it makes; before, the entry was kept as text and never matched.
    #[test]
    fn a_key_revoked_by_its_public_key_is_revoked() {
        let text = format!(
            "version = 1\n[principals.bob]\nssh = [\"{BOB}\"]\n\
             [[revoked]]\nkey = \"{BOB} bob@laptop\"\nreason = \"laptop stolen\"\n"
        );
        let p = file::parse(&text, "p").unwrap();
        assert_eq!(p.revoked[0].form, RevokedForm::SshPublicKey);
        let finding = p.judge(&commit_on(MAIN), &ssh(BOB_FPR, T));
        assert_eq!(finding.principal.as_deref(), Some("bob"));
        assert_one_reason(
            &finding,
            &format!("key {BOB_FPR} is revoked (laptop stolen)"),
        );
        // Another key of the same principal's kind is not touched.
        let other = format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n\
             [[revoked]]\nkey = \"{BOB}\"\n"
        );
        let p = file::parse(&other, "p").unwrap();
        assert_ok(&p.judge(&commit_on(MAIN), &ssh(ALICE_FPR, T)), "alice");
    }

    /// One CA for a whole organisation: the certificate's principals decide whose a
    /// signature is; the key and CA named by fingerprint (the verdict's facts are what the
    /// SSH room read from a certificate `ssh-keygen -s` made; tests/verify_ssh_ca.rs).
    fn ca_policy(tail: &str) -> Policy {
        let text = format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n\
             [principals.erin]\nssh_ca = [{{ key = \"{CAROL}\", principals = [\"*@example.org\", \"!mallory@example.org\"] }}]\n\
             [principals.bob]\nssh_ca = [{{ key = \"{CAROL}\", principals = [\"bob\"] }}]\n{tail}"
        );
        file::parse(&text, "p").unwrap()
    }

    fn through_cert(principals: &[&str], edit: impl FnOnce(&mut SshCertificateFacts)) -> Verdict {
        let mut cert = SshCertificateFacts {
            ca_fingerprint: CAROL_FPR.into(),
            user: true,
            principals: principals.iter().map(|p| p.to_string()).collect(),
            valid_after: 0,
            valid_before: u64::MAX,
            serial: 7,
            key_id: "id-7".into(),
            critical_options: vec![],
        };
        edit(&mut cert);
        Verdict {
            ssh_certificate: Some(Box::new(cert)),
            ..ssh(ALICE_FPR, T)
        }
    }

    #[test]
    fn ssh_ca_principals_decide_whose_certificate_it_is() {
        let p = ca_policy("");
        assert_ok(
            &p.judge(
                &commit_on(MAIN),
                &through_cert(&["erin@example.org"], |_| {}),
            ),
            "erin",
        );
        assert_ok(
            &p.judge(&commit_on(MAIN), &through_cert(&["x", "bob"], |_| {})),
            "bob",
        );
        // A negated pattern excludes, as in allowed_signers.
        let finding = p.judge(
            &commit_on(MAIN),
            &through_cert(&["mallory@example.org"], |_| {}),
        );
        assert_eq!(finding.principal, None, "{finding:?}");
        assert!(
            finding.reasons[0].starts_with("unknown signer: ssh key"),
            "{finding:?}"
        );
        // Another CA: nobody's.
        let other = through_cert(&["bob"], |c| c.ca_fingerprint = BOB_FPR.into());
        assert_eq!(p.judge(&commit_on(MAIN), &other).principal, None);
        // A plain key entry (alice) does not take a certificate of alice's key...
        assert_eq!(
            p.judge(&commit_on(MAIN), &through_cert(&["alice"], |_| {}))
                .principal,
            None
        );
        // ... and an ssh_ca entry never takes a plain signature, even by the CA key.
        assert_eq!(
            p.judge(&commit_on(MAIN), &ssh(CAROL_FPR, T)).principal,
            None
        );
        assert_ok(&p.judge(&commit_on(MAIN), &ssh(ALICE_FPR, T)), "alice");
    }

    #[test]
    fn ssh_ca_certificate_checks() {
        let p = ca_policy("");
        let t = u64::try_from(at(T)).unwrap();
        type Edit = fn(&mut SshCertificateFacts);
        let cases: [(Edit, &str); 5] = [
            (
                |c| c.user = false,
                "is a host certificate, not a user certificate",
            ),
            (
                |c| c.valid_before = 1_717_243_200,
                "expired at 2024-06-01T12:00:00Z, before the commit time",
            ),
            (
                |c| c.valid_after = 1_717_243_201,
                "is not valid before 2024-06-01T12:00:01Z",
            ),
            (
                |c| c.critical_options = vec!["verify-required".into()],
                "has the critical option \"verify-required\", which gitseal does not understand",
            ),
            (
                |c| c.critical_options = vec!["force-command".into(), "x@y".into()],
                "has the critical option \"x@y\"",
            ),
        ];
        for (edit, needle) in cases {
            let finding = p.judge(&commit_on(MAIN), &through_cert(&["bob"], edit));
            assert_eq!(finding.principal.as_deref(), Some("bob"));
            assert_eq!(finding.reasons.len(), 1, "{finding:?}");
            assert!(finding.reasons[0].contains(needle), "{finding:?}");
        }
        // The window's edges: valid_after inclusive, valid_before exclusive.
        let edges = through_cert(&["bob"], |c| {
            c.valid_after = t;
            c.valid_before = t + 1;
            c.critical_options = vec!["source-address".into()];
        });
        assert_ok(&p.judge(&commit_on(MAIN), &edges), "bob");
    }

    #[test]
    fn ssh_ca_revocations() {
        let serial = ca_policy(&format!("[[revoked]]\nkey = \"{CAROL_FPR}\"\nserial = 7\n"));
        let cert = through_cert(&["bob"], |_| {});
        assert_one_reason(
            &serial.judge(&commit_on(MAIN), &cert),
            &format!("SSH certificate serial 7 of CA {CAROL_FPR} is revoked"),
        );
        let other = through_cert(&["bob"], |c| c.serial = 8);
        assert_ok(&serial.judge(&commit_on(MAIN), &other), "bob");
        // A plain signature by the CA key is not a certificate with that serial.
        assert!(
            serial
                .revocation_reasons(&commit_on(MAIN), &ssh(CAROL_FPR, T))
                .is_empty()
        );
        let key_id = ca_policy(&format!(
            "[[revoked]]\nkey = \"{CAROL}\"\nkey_id = \"id-7\"\n"
        ));
        assert_eq!(key_id.judge(&commit_on(MAIN), &cert).reasons.len(), 1);
        assert_ok(
            &key_id.judge(
                &commit_on(MAIN),
                &through_cert(&["bob"], |c| c.key_id = "id-8".into()),
            ),
            "bob",
        );
        // The certified key revoked: with or without a certificate.
        let user = ca_policy(&format!("[[revoked]]\nkey = \"{ALICE_FPR}\"\n"));
        assert_one_reason(
            &user.judge(&commit_on(MAIN), &cert),
            &format!("key {ALICE_FPR} is revoked"),
        );
    }

    #[test]
    fn rfc3339_is_utc_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
