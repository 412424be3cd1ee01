//! What `gitseal policy export-allowed-signers` stands behind: one allowed_signers(5) entry
//! per SSH key (a principal's `ssh` keys) and per SSH CA (its `ssh_ca` entries, as
//! `cert-authority` lines with the entry's certificate principals), each limited to what the
//! policy's principal validity and `[[revoked]]` list still allow. Pure: the lines are
//! written by `output::policy`.
//!
//! allowed_signers can bound a line in time but cannot name a certificate by serial or key
//! id, nor refuse one certified key under a CA line (that takes a KRL). What it cannot say is
//! never written as allowed: such a CA is left out, with the reason, so that plain git
//! refuses more than the policy does, never less.

use super::{Credential, Policy, Principal, RevokedCertificate};

/// One allowed_signers line.
#[derive(Debug, PartialEq, Eq)]
pub struct SignerLine<'a> {
    /// The principals field: the principal's name for a key, the `ssh_ca` entry's
    /// patterns (comma-joined, one OpenSSH pattern list) for a CA.
    pub principals: String,
    /// A `cert-authority` line (a CA's key) rather than a key's own.
    pub cert_authority: bool,
    /// The key, `type base64`.
    pub key: &'a str,
    /// First second the line allows (allowed_signers `valid-after`, inclusive).
    pub valid_after: Option<i64>,
    /// Last second the line allows (allowed_signers `valid-before` is inclusive; the
    /// policy's bounds are exclusive, so this is one second before them).
    pub valid_before: Option<i64>,
}

/// A key or CA of the policy that the export leaves out, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Omitted {
    pub principal: String,
    /// `ssh KEY` or `ssh_ca KEY`, by fingerprint.
    pub what: String,
    pub why: String,
}

/// What the export writes and what it leaves out.
#[derive(Debug, Default)]
pub struct Export<'a> {
    pub lines: Vec<SignerLine<'a>>,
    pub omitted: Vec<Omitted>,
    /// Revoked SSH keys that are none of the exported keys or CAs: if one is a key certified
    /// by an exported CA, plain git accepts its certificates (allowed_signers cannot refuse
    /// it; the policy does).
    pub unexpressed_revocations: Vec<String>,
}

/// The allowed_signers entries of `policy`. Refuses (with the name) a principal name or a
/// CA's principal pattern that ssh-keygen would read as something else: a principal name is
/// one plain principal (no pattern characters), a CA's patterns may use `*`, `?` and `!` as
/// the policy means them; neither may hold blanks, quotes, commas within one entry, control
/// characters or start the line with `#`.
pub fn allowed_signers(policy: &Policy) -> Result<Export<'_>, String> {
    let mut export = Export::default();
    for principal in &policy.principals {
        for credential in &principal.credentials {
            match credential {
                Credential::Ssh {
                    fingerprint,
                    public,
                } => {
                    check_name(&principal.name)?;
                    let what = format!("ssh {fingerprint}");
                    push_bounded(&mut export, policy, principal, what, fingerprint, || {
                        SignerLine {
                            principals: principal.name.clone(),
                            cert_authority: false,
                            key: public,
                            valid_after: None,
                            valid_before: None,
                        }
                    });
                }
                Credential::SshCa {
                    fingerprint,
                    public,
                    principals,
                } => {
                    for pattern in principals {
                        check_pattern(pattern)?;
                    }
                    let what = format!("ssh_ca {fingerprint}");
                    if let Some(which) = policy.revoked.iter().find_map(|r| {
                        r.certificate
                            .as_ref()
                            .filter(|_| r.key == *fingerprint)
                            .map(RevokedCertificate::describe)
                    }) {
                        export.omitted.push(Omitted {
                            principal: principal.name.clone(),
                            what,
                            why: format!(
                                "its certificates with {which} are revoked, which allowed_signers cannot say"
                            ),
                        });
                        continue;
                    }
                    push_bounded(&mut export, policy, principal, what, fingerprint, || {
                        SignerLine {
                            principals: principals.join(","),
                            cert_authority: true,
                            key: public,
                            valid_after: None,
                            valid_before: None,
                        }
                    });
                }
                Credential::OpenPgp { .. } | Credential::Sigstore { .. } => {}
            }
        }
    }
    let has_ca_line = export.lines.iter().any(|l| l.cert_authority);
    if has_ca_line {
        let exported: Vec<&str> = policy
            .principals
            .iter()
            .flat_map(|p| &p.credentials)
            .filter_map(|c| match c {
                Credential::Ssh { fingerprint, .. } | Credential::SshCa { fingerprint, .. } => {
                    Some(fingerprint.as_str())
                }
                _ => None,
            })
            .collect();
        for revoked in &policy.revoked {
            let ssh = revoked.key.starts_with("SHA256:");
            if ssh
                && revoked.certificate.is_none()
                && !exported.contains(&revoked.key.as_str())
                && !export.unexpressed_revocations.contains(&revoked.key)
            {
                export.unexpressed_revocations.push(revoked.key.clone());
            }
        }
    }
    Ok(export)
}

/// Adds the line `make` builds for a key or CA with `fingerprint`, bounded by the
/// principal's window and by the revocations of that key: revoked for all history, it is
/// left out; revoked from a time on, its window ends there.
fn push_bounded<'a>(
    export: &mut Export<'a>,
    policy: &Policy,
    principal: &Principal,
    what: String,
    fingerprint: &str,
    make: impl FnOnce() -> SignerLine<'a>,
) {
    let revocations = policy
        .revoked
        .iter()
        .filter(|r| r.certificate.is_none() && r.key == fingerprint);
    let mut end = principal.valid_before;
    for revocation in revocations {
        match revocation.after {
            None => {
                export.omitted.push(Omitted {
                    principal: principal.name.clone(),
                    what,
                    why: "revoked".to_string(),
                });
                return;
            }
            Some(after) => end = Some(end.map_or(after, |e| e.min(after))),
        }
    }
    if let (Some(start), Some(end)) = (principal.valid_after, end)
        && end <= start
    {
        export.omitted.push(Omitted {
            principal: principal.name.clone(),
            what,
            why: "revoked from before its principal's valid_after".to_string(),
        });
        return;
    }
    let mut line = make();
    line.valid_after = principal.valid_after;
    line.valid_before = end.map(|e| e - 1);
    export.lines.push(line);
}

/// A principal's name as a key line's principals field: one plain principal, since
/// ssh-keygen reads the field as a pattern list.
fn check_name(name: &str) -> Result<(), String> {
    let unsafe_char = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '*' | '?' | '!' | '"'));
    if name.is_empty() || name.starts_with('#') || unsafe_char.is_some() {
        return Err(format!(
            "principal `{name}` cannot be an allowed_signers principal: ssh-keygen would read it as a pattern or more than one field; rename it"
        ));
    }
    Ok(())
}

/// One pattern of an `ssh_ca` entry as part of a `cert-authority` line's principals field:
/// wildcards and negation mean there what they mean to the policy; anything that would end
/// the field, quote it, start a comment or add a pattern is refused.
fn check_pattern(pattern: &str) -> Result<(), String> {
    let unsafe_char = pattern
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"'));
    if pattern.is_empty() || pattern.starts_with('#') || unsafe_char.is_some() {
        return Err(format!(
            "ssh_ca principal `{pattern}` cannot be written in an allowed_signers principals field: ssh-keygen would read it as more than one pattern or field; change the pattern"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::file;

    // Real keys made by ssh-keygen 9.2, as in policy::tests.
    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const CAROL: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEi3f+2IvWsFJfPjlvH7oxr2PvfMhF8IGAyBtJtces5w";
    const CAROL_FPR: &str = "SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc";
    const STRANGER_FPR: &str = "SHA256:uUy7bD6Ztc1yKQ0WW33pY1ynZ3Ii3iQR3q5HKyuUeCk";

    fn policy(principals: &[&str], tail: &str) -> Policy {
        let list = principals
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ");
        file::parse(
            &format!(
                "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n\
                 valid_after = 2020-01-01T00:00:00Z\nvalid_before = 2030-01-01T00:00:00Z\n\
                 [principals.erin]\nssh_ca = [{{ key = \"{CAROL}\", principals = [{list}] }}]\n{tail}"
            ),
            "p",
        )
        .expect("policy")
    }

    #[test]
    fn a_ca_is_a_cert_authority_line_with_its_patterns_and_windows_end_inclusive() {
        let p = policy(&["*@example.org", "!mallory@example.org"], "");
        let export = allowed_signers(&p).expect("export");
        assert_eq!(
            export.lines,
            [
                SignerLine {
                    principals: "alice".into(),
                    cert_authority: false,
                    key: ALICE,
                    valid_after: Some(1_577_836_800),
                    // The policy's bound is exclusive, allowed_signers' inclusive.
                    valid_before: Some(1_893_456_000 - 1),
                },
                SignerLine {
                    principals: "*@example.org,!mallory@example.org".into(),
                    cert_authority: true,
                    key: CAROL,
                    valid_after: None,
                    valid_before: None,
                },
            ]
        );
        assert!(export.omitted.is_empty() && export.unexpressed_revocations.is_empty());
    }

    #[test]
    fn patterns_that_would_change_the_line_are_refused() {
        for pattern in ["#erin", "er\\\"in", "er\\u0007in"] {
            let p = policy(&[pattern], "");
            let refused = allowed_signers(&p).expect_err(pattern);
            assert!(
                refused.contains("cannot be written in an allowed_signers principals field"),
                "{refused}"
            );
        }
    }

    #[test]
    fn revocations_end_or_drop_lines_and_a_revoked_user_key_is_named() {
        // A key revoked from a time on, before its principal's own end: the earlier wins.
        let p = policy(
            &["erin"],
            &format!(
                "[[revoked]]\nkey = \"{CAROL_FPR}\"\nafter = 2025-01-01T00:00:00Z\n\
                 [[revoked]]\nkey = \"{STRANGER_FPR}\"\n"
            ),
        );
        let export = allowed_signers(&p).expect("export");
        assert_eq!(export.lines[1].valid_before, Some(1_735_689_600 - 1));
        // The stranger may be a key the CA certified: allowed_signers cannot refuse it.
        assert_eq!(export.unexpressed_revocations, [STRANGER_FPR]);

        // Revoked from before its principal's start: nothing left to allow.
        let p = policy(
            &["erin"],
            "[[revoked]]\nkey = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI\"\nafter = 2019-01-01T00:00:00Z\n",
        );
        let export = allowed_signers(&p).expect("export");
        assert_eq!(export.lines.len(), 1);
        assert!(export.lines[0].cert_authority);
        assert_eq!(export.omitted[0].principal, "alice");
        assert!(
            export.omitted[0]
                .why
                .contains("before its principal's valid_after")
        );

        // By key id: the CA is left out.
        let p = policy(
            &["erin"],
            &format!("[[revoked]]\nkey = \"{CAROL_FPR}\"\nkey_id = \"erin-1\"\n"),
        );
        let export = allowed_signers(&p).expect("export");
        assert_eq!(export.lines.len(), 1);
        assert_eq!(
            export.omitted,
            [Omitted {
                principal: "erin".into(),
                what: format!("ssh_ca {CAROL_FPR}"),
                why: "its certificates with key id \"erin-1\" are revoked, which allowed_signers cannot say".into(),
            }]
        );
    }
}
