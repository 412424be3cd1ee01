//! What `gitseal policy check | describe | export-allowed-signers | diff` writes, and the
//! warnings about rules that cannot apply and `ssh_ca` principal patterns that can never
//! match (also written by `gitseal verify`). A policy's
//! names, patterns, identities and reasons are text from the repository: escaped
//! (escape::text) in what people read, refused where a file format would read them.

use super::escape::text;
use crate::policy::DeadCaPattern;
use crate::policy::diff::{Change, Cred, Right, Sign, Via};
use crate::policy::shadow::{DeadPrincipal, Shadow};
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

/// Every rule that cannot (or cannot always) apply, and every `ssh_ca` principal pattern
/// that can never allow a name, one `warning:` line each, naming the policy by `source`
/// when there may be more than one.
pub fn warnings(err: &mut dyn Write, source: Option<&str>, policy: &Policy) {
    let messages: Vec<String> = crate::policy::shadow::shadows(&policy.rules)
        .iter()
        .map(|shadow| shadow_message(policy, shadow))
        .chain(
            policy
                .dead_ssh_ca_patterns()
                .iter()
                .map(dead_pattern_message),
        )
        .collect();
    for message in messages {
        let _ = match source {
            Some(source) => writeln!(err, "warning: {}: {}", text(source), text(&message)),
            None => writeln!(err, "warning: {}", text(&message)),
        };
    }
}

/// A dead `ssh_ca` pattern in words (unescaped: the caller escapes what it writes).
pub fn dead_pattern_message(found: &DeadCaPattern<'_>) -> String {
    let place = format!("principals.{}.ssh_ca[{}]", found.principal, found.entry);
    let then = if found.allows_nobody {
        ", so the entry lets no certificate in"
    } else {
        ""
    };
    match &found.dead {
        DeadPrincipal::Negated { pattern, by } => format!(
            "{place}: principal pattern {} never matches: every name it matches is refused by {}{then}",
            shown(pattern),
            by.iter().map(|p| shown(p)).collect::<Vec<_>>().join(", ")
        ),
        DeadPrincipal::TooLong { pattern } => format!(
            "{place}: principal pattern {}... is 1023 bytes or longer, and OpenSSH's pattern matcher (which gitseal follows) then matches nothing with the whole list{then}",
            shown(&pattern.chars().take(32).collect::<String>())
        ),
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
    let dead = policy.dead_ssh_ca_patterns();
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
        for found in dead.iter().filter(|d| d.principal == p.name) {
            let _ = writeln!(out, "    warning: {}", text(&dead_pattern_message(found)));
        }
        for c in &p.credentials {
            let _ = match c {
                Credential::Ssh { fingerprint, .. } => {
                    writeln!(out, "    ssh {}", text(fingerprint))
                }
                Credential::SshCa {
                    fingerprint,
                    principals,
                    ..
                } => writeln!(
                    out,
                    "    ssh_ca {} for certificate principals {}",
                    text(fingerprint),
                    text(&principals.join(","))
                ),
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
    if let Some(list) = &policy.release_files {
        let _ = writeln!(out, "release files: {}", text(&signers(list)));
    }
    for r in &policy.revoked {
        let since = r.after.map_or("all history".into(), |a| {
            format!("since {}", crate::policy::rfc3339(a))
        });
        let which = r.certificate.as_ref().map_or(String::new(), |c| {
            format!(" certificates with {}", text(&c.describe()))
        });
        let _ = writeln!(
            out,
            "revoked: {} {}{which} ({since}) {}",
            r.form.name(),
            text(&r.key),
            text(&r.reason)
        );
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "allowed" } else { "refused" }
}

/// `policy export-allowed-signers`: the lines [`crate::policy::export::allowed_signers`]
/// stands behind on `out` (`PRINCIPALS [cert-authority,]namespaces="git"[,valid-after=..]
/// [,valid-before=..] KEY`), and on `err` one `note:` per key or CA left out and per revoked
/// key the file cannot refuse. Nothing is written when a name or pattern is refused.
pub fn allowed_signers(
    out: &mut dyn Write,
    err: &mut dyn Write,
    policy: &Policy,
) -> Result<(), String> {
    let export = crate::policy::export::allowed_signers(policy)?;
    for line in &export.lines {
        let mut options = Vec::new();
        if line.cert_authority {
            options.push("cert-authority".to_string());
        }
        options.push("namespaces=\"git\"".to_string());
        if let Some(after) = line.valid_after {
            options.push(format!("valid-after=\"{}\"", ssh_time(after)));
        }
        if let Some(before) = line.valid_before {
            options.push(format!("valid-before=\"{}\"", ssh_time(before)));
        }
        let _ = writeln!(
            out,
            "{} {} {}",
            line.principals,
            options.join(","),
            line.key
        );
    }
    for omitted in &export.omitted {
        let _ = writeln!(
            err,
            "note: {} of principal {} is not exported: {}; plain git refuses its signatures, gitseal verify judges them",
            text(&omitted.what),
            text(&omitted.principal),
            text(&omitted.why)
        );
    }
    for key in &export.unexpressed_revocations {
        let _ = writeln!(
            err,
            "note: revoked key {} is not refused by the exported file if a certificate of it is signed by an exported CA (allowed_signers cannot say so); gitseal verify refuses it",
            text(key)
        );
    }
    Ok(())
}

/// `policy diff`: a heading naming both sides, then one line per difference (`+` added
/// or gained, `-` removed or lost, `~` changed), in [`crate::policy::diff::diff`]'s order.
/// Every name, pattern, key and reason is shown by [`shown`] (quoted unless plain) and
/// each line escaped, so that a line says exactly one thing whatever the policy holds.
pub fn diff(out: &mut dyn Write, old: &str, new: &str, changes: &[Change]) {
    let count = match changes.len() {
        0 => "no differences".to_string(),
        1 => "1 difference".to_string(),
        n => format!("{n} differences"),
    };
    let _ = writeln!(
        out,
        "{}",
        text(&format!(
            "policy diff {} -> {}: {count}",
            shown(old),
            shown(new)
        ))
    );
    for change in changes {
        let _ = writeln!(out, "{}", text(&diff_line(change)));
    }
}

/// Outside text as a diff line shows it: as it is when plain (ASCII letters, digits and
/// the punctuation of names, ref patterns, URLs and keys), else as a JSON string, so that
/// `a, b` cannot pass for two names, `@x` for a group, nor `any principal` for the phrase.
pub fn shown(value: &str) -> String {
    let plain = !value.is_empty()
        && !value.starts_with('@')
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '.' | '_'
                        | '-'
                        | '+'
                        | '@'
                        | '/'
                        | '*'
                        | '?'
                        | '['
                        | ']'
                        | ':'
                        | '='
                        | '^'
                        | '$'
                        | '~'
                        | '{'
                        | '}'
                        | '('
                        | ')'
                        | '|'
                        | '%'
                        | '&'
                        | '!'
                )
        });
    if plain {
        value.to_string()
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
    }
}

fn sign(sign: Sign) -> char {
    match sign {
        Sign::Plus => '+',
        Sign::Minus => '-',
    }
}

fn refs_shown(refs: &[String]) -> String {
    refs.iter().map(|r| shown(r)).collect::<Vec<_>>().join(",")
}

fn cred_shown(c: &Cred) -> String {
    match &c.issuer {
        Some(issuer) => format!("{} {} from {}", c.kind, shown(&c.value), shown(issuer)),
        None => format!("{} {}", c.kind, shown(&c.value)),
    }
}

fn time_shown(t: Option<i64>) -> String {
    t.map_or("none".to_string(), crate::policy::rfc3339)
}

fn list_shown(list: Option<&[SignerRef]>) -> String {
    match list {
        None => "any principal".to_string(),
        Some([]) => "nobody".to_string(),
        Some(list) => list
            .iter()
            .map(|entry| match entry {
                SignerRef::Anyone => "*".to_string(),
                SignerRef::Principal(name) => shown(name),
                SignerRef::Group(group) => format!("@{}", shown(group)),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn right_shown(right: Right, refs: Option<&[String]>) -> String {
    match (right, refs) {
        (Right::ReleaseFiles, _) => "sign release files (release_files)".to_string(),
        (Right::PolicyChanges, _) | (_, None) => "change .gitseal/ (policy_changes)".to_string(),
        (right, Some(refs)) => format!("sign {} on {}", right.name(), refs_shown(refs)),
    }
}

fn via_shown(via: &Via) -> String {
    match via {
        Via::NoList => "the rule has no list: any principal".to_string(),
        Via::Anyone => "through *".to_string(),
        Via::Name => "by name".to_string(),
        Via::Group(group) => format!("through @{}", shown(group)),
    }
}

fn diff_line(change: &Change) -> String {
    match change {
        Change::Principal {
            sign: s,
            name,
            credentials,
        } => {
            let creds = if credentials.is_empty() {
                "no credentials".to_string()
            } else {
                credentials
                    .iter()
                    .map(cred_shown)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match s {
                Sign::Plus => format!(
                    "+ principal {} ({creds}): may sign wherever any principal may",
                    shown(name)
                ),
                Sign::Minus => format!("- principal {} ({creds})", shown(name)),
            }
        }
        Change::Credential {
            sign: s,
            principal,
            credential,
        } => format!(
            "{} credential of {}: {}",
            sign(*s),
            shown(principal),
            cred_shown(credential)
        ),
        Change::Window {
            principal,
            field,
            old,
            new,
        } => format!(
            "~ principal {} {field}: {} -> {}",
            shown(principal),
            time_shown(*old),
            time_shown(*new)
        ),
        Change::Group {
            sign: s,
            group,
            members,
        } => format!(
            "{} group @{} ({})",
            sign(*s),
            shown(group),
            members
                .iter()
                .map(|m| shown(m))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Change::Member {
            sign: s,
            group,
            member,
        } => format!("{} member {} of @{}", sign(*s), shown(member), shown(group)),
        Change::Rule {
            sign: s,
            index,
            rule,
            never_applies,
        } => {
            let merges = match (&rule.merges, &rule.commits) {
                (Some(list), _) => list_shown(Some(list)),
                (None, Some(_)) => "as commits".to_string(),
                (None, None) => "any principal".to_string(),
            };
            format!(
                "{} rule rules[{index}] {}: commits {}; merges {merges}; tags {}; force push {}; delete {}{}",
                sign(*s),
                refs_shown(&rule.refs),
                list_shown(rule.commits.as_deref()),
                list_shown(rule.tags.as_deref()),
                yes_no(rule.allow_force_push),
                yes_no(rule.allow_delete),
                if *never_applies {
                    " (never applies: an earlier rule matches every ref it does)"
                } else {
                    ""
                }
            )
        }
        Change::Reordered { old, new } => {
            let order = |rules: &[Vec<String>]| {
                rules
                    .iter()
                    .map(|r| format!("[{}]", refs_shown(r)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            format!(
                "~ rule order (the first match wins): {} -> {}",
                order(old),
                order(new)
            )
        }
        Change::Flag { refs, flag, new } => {
            format!("~ rule {}: {flag} {} -> {new}", refs_shown(refs), !new)
        }
        Change::Access {
            sign: s,
            principal,
            right,
            refs,
            via,
        } => match s {
            Sign::Plus => format!(
                "+ {} may {} ({})",
                shown(principal),
                right_shown(*right, refs.as_deref()),
                via_shown(via)
            ),
            Sign::Minus => format!(
                "- {} may no longer {} (was {})",
                shown(principal),
                right_shown(*right, refs.as_deref()),
                via_shown(via)
            ),
        },
        Change::AnyPrincipal {
            sign: s,
            right,
            refs,
        } => match s {
            Sign::Plus => format!(
                "+ any principal, also those added later, may {}",
                right_shown(*right, refs.as_deref())
            ),
            Sign::Minus => format!(
                "- no longer any principal may {}",
                right_shown(*right, refs.as_deref())
            ),
        },
        Change::Revoked {
            sign: s,
            key,
            form,
            after,
            reason,
        } => format!(
            "{} revoked {form} {} ({}){}",
            sign(*s),
            shown(key),
            after.map_or("all history".to_string(), |a| format!(
                "since {}",
                crate::policy::rfc3339(a)
            )),
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {}", shown(reason))
            }
        ),
        Change::RevokedWhen { key, old, new } => {
            let when = |t: &Option<i64>| {
                t.map_or("all history".to_string(), |a| {
                    format!("since {}", crate::policy::rfc3339(a))
                })
            };
            format!("~ revoked {}: {} -> {}", shown(key), when(old), when(new))
        }
        Change::RevokedReason { key, old, new } => format!(
            "~ revoked {} reason: {} -> {}",
            shown(key),
            shown(old),
            shown(new)
        ),
        Change::Goodlist { sign: s, id } => format!("{} goodlist {}", sign(*s), shown(id)),
        Change::Certificate {
            sign: s,
            primary,
            files,
            keys,
        } => format!(
            "{} certificate {} in {}{}",
            sign(*s),
            shown(primary),
            files
                .iter()
                .map(|f| shown(f))
                .collect::<Vec<_>>()
                .join(", "),
            if keys.is_empty() {
                String::new()
            } else {
                format!(
                    " (subkeys {})",
                    keys.iter().map(|k| shown(k)).collect::<Vec<_>>().join(", ")
                )
            }
        ),
        Change::CertificateKey {
            sign: s,
            primary,
            key,
        } => match s {
            Sign::Plus => format!("+ certificate {} binds key {}", shown(primary), shown(key)),
            Sign::Minus => format!(
                "- certificate {} no longer binds key {}",
                shown(primary),
                shown(key)
            ),
        },
    }
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

    /// A diff line says one thing: names that could read as two names, a group, the
    /// fixed words or another line are quoted, and what a terminal acts on is escaped.
    #[test]
    fn diff_lines_quote_names_that_are_not_plain() {
        assert_eq!(shown("alice@example.org"), "alice@example.org");
        assert_eq!(shown("refs/heads/release/*"), "refs/heads/release/*");
        assert_eq!(shown("bob, mallory"), "\"bob, mallory\"");
        assert_eq!(shown("@admins"), "\"@admins\"");
        assert_eq!(shown("any principal"), "\"any principal\"");
        assert_eq!(shown(""), "\"\"");
        assert_eq!(shown("a\nb"), "\"a\\nb\"");
        let changes = [Change::Member {
            sign: Sign::Plus,
            group: "ops".into(),
            member: "tim\u{202e}eve".into(),
        }];
        let mut out = Vec::new();
        diff(&mut out, "HEAD~1", "::x", &changes);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "policy diff HEAD~1 -> ::x: 1 difference\n+ member \"tim\\u{202e}eve\" of @ops\n"
        );
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
            let refused = allowed_signers(&mut out, &mut Vec::new(), &p).expect_err(name);
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
        allowed_signers(&mut out, &mut Vec::new(), &p).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("alice@example.org namespaces=\"git\" {ALICE}\n")
        );
    }
}
