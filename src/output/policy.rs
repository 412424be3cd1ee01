//! What `gitseal policy check | describe | export-allowed-signers` writes, and the
//! warnings about rules that cannot apply (also written by `gitseal verify`). A policy's
//! names, patterns, identities and reasons are text from the repository: escaped
//! (escape::text) in what people read, refused where a file format would read them.

use super::escape::text;
use crate::policy::shadow::Shadow;
use crate::policy::{Credential, Policy, RevokedForm, SignerRef, SigstoreIdentity};
use std::io::Write;

/// `policy check`: the verdict on stdout, with how each mapped revoked key is compared;
/// warnings on `err`.
pub fn check(out: &mut dyn Write, err: &mut dyn Write, name: &str, policy: &Policy) {
    let _ = writeln!(
        out,
        "{}: ok ({} principals, {} rules)",
        text(name),
        policy.principals.len(),
        policy.rules.len()
    );
    for (i, revoked) in policy.revoked.iter().enumerate() {
        if revoked.form == RevokedForm::SshPublicKey {
            let _ = writeln!(
                out,
                "note: revoked[{i}] is an SSH public key: revoked as its fingerprint {}",
                text(&revoked.key)
            );
        }
    }
    warnings(err, None, policy);
}

/// Every rule that cannot (or cannot always) apply, one `warning:` line each, naming the
/// policy by `source` when there may be more than one.
pub fn warnings(err: &mut dyn Write, source: Option<&str>, policy: &Policy) {
    for shadow in crate::policy::shadow::shadows(&policy.rules) {
        let _ = match source {
            Some(source) => writeln!(
                err,
                "warning: {}: {}",
                text(source),
                text(&shadow_message(policy, &shadow))
            ),
            None => writeln!(err, "warning: {}", text(&shadow_message(policy, &shadow))),
        };
    }
}

/// A rule as messages name it: its place and its patterns.
fn rule_name(policy: &Policy, index: usize) -> String {
    let refs = policy
        .rules
        .get(index)
        .map(|r| r.name())
        .unwrap_or_default();
    format!("rules[{index}] ({refs})")
}

fn rule_list(policy: &Policy, rules: &[usize]) -> String {
    rules
        .iter()
        .map(|i| rule_name(policy, *i))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// One shadow in words (unescaped: the caller escapes what it writes).
pub fn shadow_message(policy: &Policy, shadow: &Shadow) -> String {
    match shadow {
        Shadow::Whole { rule, by } => format!(
            "{} never applies: every ref it matches is matched first by {} (rules are tried in order; the first match wins)",
            rule_name(policy, *rule),
            rule_list(policy, by)
        ),
        Shadow::Pattern { rule, pattern, by } => format!(
            "{}: its pattern {pattern} never applies: every ref it matches is matched first by {}",
            rule_name(policy, *rule),
            rule_list(policy, by)
        ),
        Shadow::Overlap { rule, by, example } => format!(
            "{} is partly shadowed by {}: refs such as {example} match both and are judged by the earlier rule (the first match wins)",
            rule_name(policy, *rule),
            rule_name(policy, *by)
        ),
        Shadow::NoRef { rule, pattern } => format!(
            "{}: its pattern {pattern} matches no ref name git allows",
            rule_name(policy, *rule)
        ),
    }
}

/// `policy describe`: who may sign what, rules in the order they are tried, then the
/// warnings about them.
pub fn describe(out: &mut dyn Write, policy: &Policy) {
    let signers = |list: &[SignerRef]| -> String {
        list.iter()
            .map(|s| match s {
                SignerRef::Anyone => "any principal".to_string(),
                SignerRef::Principal(name) => name.clone(),
                SignerRef::Group(group) => format!(
                    "@{group} ({})",
                    policy
                        .groups
                        .get(group)
                        .map(|m| m.join(", "))
                        .unwrap_or_default()
                ),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "principals:");
    for p in &policy.principals {
        let window = match (p.valid_after, p.valid_before) {
            (None, None) => String::new(),
            (a, b) => format!(
                " (valid {} to {})",
                a.map_or("always".into(), crate::policy::rfc3339),
                b.map_or("forever".into(), crate::policy::rfc3339)
            ),
        };
        let _ = writeln!(out, "  {}{window}", text(&p.name));
        for c in &p.credentials {
            let _ = match c {
                Credential::Ssh { fingerprint, .. } => {
                    writeln!(out, "    ssh {}", text(fingerprint))
                }
                Credential::OpenPgp { fingerprint } => {
                    writeln!(out, "    openpgp {}", text(fingerprint))
                }
                Credential::Sigstore { issuer, subject } => match subject {
                    SigstoreIdentity::Exact(s) => {
                        writeln!(out, "    sigstore {} from {}", text(s), text(issuer))
                    }
                    SigstoreIdentity::Pattern(re) => writeln!(
                        out,
                        "    sigstore /{}/ from {}",
                        text(re.as_str()),
                        text(issuer)
                    ),
                },
            };
        }
    }
    let _ = writeln!(
        out,
        "rules (tried in this order, the first match wins; a ref no rule matches needs any principal):"
    );
    for rule in &policy.rules {
        let _ = writeln!(out, "  {}", text(&rule.name()));
        if let Some(list) = &rule.commits {
            let _ = writeln!(out, "    commits: {}", text(&signers(list)));
        }
        if let Some(list) = rule.merges.as_ref().or(rule.commits.as_ref()) {
            let _ = writeln!(out, "    merges: {}", text(&signers(list)));
        }
        if let Some(list) = &rule.tags {
            let _ = writeln!(out, "    tags: {}", text(&signers(list)));
        }
        let _ = writeln!(
            out,
            "    force push: {}, delete: {}",
            yes_no(rule.allow_force_push),
            yes_no(rule.allow_delete)
        );
    }
    for shadow in crate::policy::shadow::shadows(&policy.rules) {
        let _ = writeln!(out, "  warning: {}", text(&shadow_message(policy, &shadow)));
    }
    let _ = match &policy.policy_changes {
        Some(list) => writeln!(out, "policy changes: {}", text(&signers(list))),
        None => writeln!(out, "policy changes: nobody (no [policy_changes])"),
    };
    for r in &policy.revoked {
        let since = r.after.map_or("all history".into(), |a| {
            format!("since {}", crate::policy::rfc3339(a))
        });
        let _ = writeln!(
            out,
            "revoked: {} {} ({since}) {}",
            r.form.name(),
            text(&r.key),
            text(&r.reason)
        );
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "allowed" } else { "refused" }
}

/// `policy export-allowed-signers`: one allowed_signers line per SSH key. A principal's
/// name becomes the line's principals field, which ssh-keygen reads as a pattern list:
/// a name that is not one plain principal there (`*`, `a,b`, `!a`, blanks, quotes, a
/// leading `#`, control characters) would grant more than the policy does, or add a
/// line, so it is refused with the name.
pub fn allowed_signers(out: &mut dyn Write, policy: &Policy) -> Result<(), String> {
    for (principal, _) in policy.ssh_keys() {
        let name = &principal.name;
        let unsafe_char = name.chars().find(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | '*' | '?' | '!' | '"')
        });
        if name.is_empty() || name.starts_with('#') || unsafe_char.is_some() {
            return Err(format!(
                "principal `{name}` cannot be an allowed_signers principal: ssh-keygen would read it as a pattern or more than one field; rename it"
            ));
        }
    }
    for (principal, key) in policy.ssh_keys() {
        let mut options = vec!["namespaces=\"git\"".to_string()];
        if let Some(after) = principal.valid_after {
            options.push(format!("valid-after=\"{}\"", ssh_time(after)));
        }
        if let Some(before) = principal.valid_before {
            options.push(format!("valid-before=\"{}\"", ssh_time(before)));
        }
        let _ = writeln!(out, "{} {} {key}", principal.name, options.join(","));
    }
    Ok(())
}

/// allowed_signers wants `YYYYMMDDHHMMSSZ`.
fn ssh_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::file;

    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";

    fn policy(text: &str) -> Policy {
        file::parse(text, "p").expect("policy")
    }

    #[test]
    fn shadow_warnings_name_both_rules() {
        let p = policy(&format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n\
             [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"*\"]\n\
             [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n\
             [[rules]]\nrefs = [\"refs/tags/v1.0\", \"refs/notes/v1.0\"]\n\
             [[rules]]\nrefs = [\"refs/tags/*\"]\n"
        ));
        let mut err = Vec::new();
        warnings(&mut err, None, &p);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "warning: rules[1] (refs/heads/main) never applies: every ref it matches is matched first by rules[0] (refs/heads/*) (rules are tried in order; the first match wins)\n\
             warning: rules[3] (refs/tags/*) is partly shadowed by rules[2] (refs/tags/v1.0,refs/notes/v1.0): refs such as refs/tags/v1.0 match both and are judged by the earlier rule (the first match wins)\n"
        );
        let mut out = Vec::new();
        describe(&mut out, &p);
        let described = String::from_utf8(out).unwrap();
        assert!(
            described.contains("the first match wins")
                && described.find("  refs/heads/*\n") < described.find("  refs/heads/main\n"),
            "{described}"
        );
        assert!(
            described.contains("  warning: rules[1] (refs/heads/main) never applies"),
            "{described}"
        );
    }

    #[test]
    fn check_says_how_a_revoked_public_key_is_compared() {
        let p = policy(&format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n\
             [[revoked]]\nkey = \"SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE\"\n\
             [[revoked]]\nkey = \"{BOB} bob@laptop\"\n"
        ));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        check(&mut out, &mut err, "policy.toml", &p);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "policy.toml: ok (1 principals, 0 rules)\n\
             note: revoked[1] is an SSH public key: revoked as its fingerprint SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE\n"
        );
        assert!(err.is_empty());
    }

    #[test]
    fn describe_escapes_the_policys_text() {
        let p = policy(&format!(
            "version = 1\n[principals.\"eve\\nok   0123456789ab alice\"]\nssh = [\"{ALICE}\"]\n\
             [[rules]]\nrefs = [\"refs/heads/\\u001b[2J*\"]\n\
             [[revoked]]\nkey = \"{BOB}\"\nreason = \"::error::lost\\r\\n\"\n"
        ));
        let mut out = Vec::new();
        describe(&mut out, &p);
        let described = String::from_utf8(out).unwrap();
        assert!(
            described.contains("  eve\\nok   0123456789ab alice\n"),
            "{described}"
        );
        assert!(
            described.contains("  refs/heads/\\x1b[2J*\n"),
            "{described}"
        );
        assert!(described.contains(r"\x3a:error::lost\r\n"), "{described}");
        assert!(!described.contains('\x1b') && !described.contains('\r'));
        assert!(described.lines().all(|l| !l.trim_start().starts_with("::")));
    }

    #[test]
    fn export_refuses_names_that_are_patterns_or_fields() {
        for name in [
            "*",
            "alice,bob",
            "!alice",
            "a b",
            "\\\"a\\\"",
            "#a",
            "a\\nb",
        ] {
            let p = policy(&format!(
                "version = 1\n[principals.\"{name}\"]\nssh = [\"{ALICE}\"]\n"
            ));
            let mut out = Vec::new();
            let refused = allowed_signers(&mut out, &p).expect_err(name);
            assert!(
                refused.contains("cannot be an allowed_signers principal"),
                "{refused}"
            );
            assert!(out.is_empty());
        }
        let p = policy(&format!(
            "version = 1\n[principals.\"alice@example.org\"]\nssh = [\"{ALICE}\"]\n"
        ));
        let mut out = Vec::new();
        allowed_signers(&mut out, &p).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("alice@example.org namespaces=\"git\" {ALICE}\n")
        );
    }
}
