//! `gitseal policy diff`: what changes between two policies, for the people who review a
//! policy change. Besides what was edited (principals, credentials, groups, rules,
//! revocations, the goodlist, certificates) it works out who gains or loses which right:
//! adding someone to a group gives them every rule that names the group, though no rule
//! changed. Pure: the caller reads the files and the certificates.

use super::{Credential, Policy, Revocation, Rule, SignerRef, SigstoreIdentity};
use std::collections::{BTreeMap, BTreeSet};

/// An OpenPGP certificate of a policy's keys directory, as the caller read it: the file,
/// the primary fingerprint, and every key fingerprint the certificate binds (primary
/// included), upper-case hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub file: String,
    pub primary: String,
    pub keys: BTreeSet<String>,
}

/// One side of a diff.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub policy: &'a Policy,
    pub certificates: &'a [Certificate],
}

/// Added or gained (`+`), removed or lost (`-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

/// A credential as a diff names it. `value` is an SSH or OpenPGP fingerprint, a Sigstore
/// subject, or a Sigstore subject pattern as written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cred {
    pub kind: &'static str,
    pub value: String,
    pub issuer: Option<String>,
}

/// The right a rule (or `[policy_changes]`) gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Right {
    Commits,
    Merges,
    Tags,
    PolicyChanges,
    ReleaseFiles,
}

impl Right {
    pub fn name(self) -> &'static str {
        match self {
            Right::Commits => "commits",
            Right::Merges => "merges",
            Right::Tags => "tags",
            Right::PolicyChanges => "policy_changes",
            Right::ReleaseFiles => "release_files",
        }
    }
}

/// How a signer list lets a principal in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// The rule has no list for this right: any principal.
    NoList,
    /// `*` in the list.
    Anyone,
    /// By name.
    Name,
    /// Through `@group`.
    Group(String),
}

/// Who may sign what under a rule, as text-free data for the renderer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleView {
    pub refs: Vec<String>,
    /// `None`: any principal (no list); else the list's entries.
    pub commits: Option<Vec<SignerRef>>,
    pub merges: Option<Vec<SignerRef>>,
    pub tags: Option<Vec<SignerRef>>,
    pub allow_force_push: bool,
    pub allow_delete: bool,
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Principal {
        sign: Sign,
        name: String,
        credentials: Vec<Cred>,
    },
    Credential {
        sign: Sign,
        principal: String,
        credential: Cred,
    },
    Window {
        principal: String,
        field: &'static str,
        old: Option<i64>,
        new: Option<i64>,
    },
    Group {
        sign: Sign,
        group: String,
        members: Vec<String>,
    },
    Member {
        sign: Sign,
        group: String,
        member: String,
    },
    Rule {
        sign: Sign,
        /// Its place among the rules of the side it is on.
        index: usize,
        rule: RuleView,
        /// Every ref it matches is matched by an earlier rule of its side.
        never_applies: bool,
    },
    /// The rules both sides have are tried in another order (first match wins).
    Reordered {
        old: Vec<Vec<String>>,
        new: Vec<Vec<String>>,
    },
    Flag {
        refs: Vec<String>,
        flag: &'static str,
        new: bool,
    },
    /// A principal gains or loses a right: on a rule's refs, or to change `.gitseal/`.
    Access {
        sign: Sign,
        principal: String,
        right: Right,
        /// The rule's refs; `None` for policy changes.
        refs: Option<Vec<String>>,
        /// How the side that grants it lets the principal in.
        via: Via,
    },
    /// A right opens to any principal (`+`, also those added later) or stops being open.
    AnyPrincipal {
        sign: Sign,
        right: Right,
        refs: Option<Vec<String>>,
    },
    Revoked {
        sign: Sign,
        key: String,
        form: &'static str,
        after: Option<i64>,
        reason: String,
    },
    RevokedWhen {
        key: String,
        old: Option<i64>,
        new: Option<i64>,
    },
    RevokedReason {
        key: String,
        old: String,
        new: String,
    },
    Goodlist {
        sign: Sign,
        id: String,
    },
    Certificate {
        sign: Sign,
        primary: String,
        files: Vec<String>,
        keys: Vec<String>,
    },
    CertificateKey {
        sign: Sign,
        primary: String,
        key: String,
    },
}

/// Every difference from `old` to `new`, in a fixed order: principals, credentials and
/// windows; groups; rules, their order and flags; who gains or loses which right;
/// revocations; the goodlist; certificates.
pub fn diff(old: Side<'_>, new: Side<'_>) -> Vec<Change> {
    let mut changes = Vec::new();
    principals(old.policy, new.policy, &mut changes);
    groups(old.policy, new.policy, &mut changes);
    rules(old.policy, new.policy, &mut changes);
    access(old.policy, new.policy, &mut changes);
    revocations(old.policy, new.policy, &mut changes);
    goodlist(old.policy, new.policy, &mut changes);
    certificates(old.certificates, new.certificates, &mut changes);
    changes
}

fn cred(credential: &Credential) -> Cred {
    match credential {
        Credential::Ssh { fingerprint, .. } => Cred {
            kind: "ssh",
            value: fingerprint.clone(),
            issuer: None,
        },
        Credential::SshCa {
            fingerprint,
            principals,
            ..
        } => Cred {
            kind: "ssh_ca",
            value: format!("{fingerprint} for {}", principals.join(",")),
            issuer: None,
        },
        Credential::OpenPgp { fingerprint } => Cred {
            kind: "openpgp",
            value: fingerprint.clone(),
            issuer: None,
        },
        Credential::Sigstore { issuer, subject } => match subject {
            SigstoreIdentity::Exact(subject) => Cred {
                kind: "sigstore",
                value: subject.clone(),
                issuer: Some(issuer.clone()),
            },
            SigstoreIdentity::Pattern(re) => {
                // The parser compiles `^(?:PATTERN)$`: show the pattern as written.
                let compiled = re.as_str();
                let written = compiled
                    .strip_prefix("^(?:")
                    .and_then(|p| p.strip_suffix(")$"))
                    .unwrap_or(compiled);
                Cred {
                    kind: "sigstore-regex",
                    value: written.to_string(),
                    issuer: Some(issuer.clone()),
                }
            }
        },
    }
}

fn principals(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    fn by_name(p: &Policy) -> BTreeMap<String, &super::Principal> {
        p.principals.iter().map(|p| (p.name.clone(), p)).collect()
    }
    let (a, b) = (by_name(old), by_name(new));
    let creds =
        |p: &super::Principal| -> BTreeSet<Cred> { p.credentials.iter().map(cred).collect() };
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        match (a.get(name), b.get(name)) {
            (None, Some(p)) => changes.push(Change::Principal {
                sign: Sign::Plus,
                name: name.clone(),
                credentials: creds(p).into_iter().collect(),
            }),
            (Some(p), None) => changes.push(Change::Principal {
                sign: Sign::Minus,
                name: name.clone(),
                credentials: creds(p).into_iter().collect(),
            }),
            (Some(x), Some(y)) => {
                let (cx, cy) = (creds(x), creds(y));
                for c in cy.difference(&cx) {
                    changes.push(Change::Credential {
                        sign: Sign::Plus,
                        principal: name.clone(),
                        credential: c.clone(),
                    });
                }
                for c in cx.difference(&cy) {
                    changes.push(Change::Credential {
                        sign: Sign::Minus,
                        principal: name.clone(),
                        credential: c.clone(),
                    });
                }
                for (field, old, new) in [
                    ("valid_after", x.valid_after, y.valid_after),
                    ("valid_before", x.valid_before, y.valid_before),
                ] {
                    if old != new {
                        changes.push(Change::Window {
                            principal: name.clone(),
                            field,
                            old,
                            new,
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }
}

fn groups(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    let names: BTreeSet<&String> = old.groups.keys().chain(new.groups.keys()).collect();
    for group in names {
        match (old.groups.get(group), new.groups.get(group)) {
            (None, Some(members)) | (Some(members), None) => changes.push(Change::Group {
                sign: if old.groups.contains_key(group) {
                    Sign::Minus
                } else {
                    Sign::Plus
                },
                group: group.clone(),
                members: members.clone(),
            }),
            (Some(x), Some(y)) => {
                for member in y.iter().filter(|m| !x.contains(m)) {
                    changes.push(Change::Member {
                        sign: Sign::Plus,
                        group: group.clone(),
                        member: member.clone(),
                    });
                }
                for member in x.iter().filter(|m| !y.contains(m)) {
                    changes.push(Change::Member {
                        sign: Sign::Minus,
                        group: group.clone(),
                        member: member.clone(),
                    });
                }
            }
            (None, None) => {}
        }
    }
}

/// A rule's identity across the two sides: its ref patterns, and which of the rules with
/// those patterns it is (a later twin never applies, but is still a difference).
type RuleKey = (Vec<String>, usize);

fn keyed(rules: &[Rule]) -> Vec<(RuleKey, &Rule)> {
    let mut seen: BTreeMap<&Vec<String>, usize> = BTreeMap::new();
    rules
        .iter()
        .map(|rule| {
            let n = seen.entry(&rule.refs).or_insert(0);
            *n += 1;
            ((rule.refs.clone(), *n), rule)
        })
        .collect()
}

fn view(rule: &Rule) -> RuleView {
    RuleView {
        refs: rule.refs.clone(),
        commits: rule.commits.clone(),
        merges: rule.merges.clone(),
        tags: rule.tags.clone(),
        allow_force_push: rule.allow_force_push,
        allow_delete: rule.allow_delete,
    }
}

fn rules(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    let (a, b) = (keyed(&old.rules), keyed(&new.rules));
    let shadowed = |policy: &Policy| -> BTreeSet<usize> {
        super::shadow::shadows(&policy.rules)
            .into_iter()
            .filter_map(|s| match s {
                super::shadow::Shadow::Whole { rule, .. } => Some(rule),
                _ => None,
            })
            .collect()
    };
    let (shadowed_a, shadowed_b) = (shadowed(old), shadowed(new));
    let in_a = |k: &RuleKey| a.iter().any(|(key, _)| key == k);
    let in_b = |k: &RuleKey| b.iter().any(|(key, _)| key == k);
    for (index, (key, rule)) in b.iter().enumerate() {
        if !in_a(key) {
            changes.push(Change::Rule {
                sign: Sign::Plus,
                index,
                rule: view(rule),
                never_applies: shadowed_b.contains(&index),
            });
        }
    }
    for (index, (key, rule)) in a.iter().enumerate() {
        if !in_b(key) {
            changes.push(Change::Rule {
                sign: Sign::Minus,
                index,
                rule: view(rule),
                never_applies: shadowed_a.contains(&index),
            });
        }
    }
    let common_a: Vec<&RuleKey> = a.iter().map(|(k, _)| k).filter(|k| in_b(k)).collect();
    let common_b: Vec<&RuleKey> = b.iter().map(|(k, _)| k).filter(|k| in_a(k)).collect();
    if common_a != common_b {
        changes.push(Change::Reordered {
            old: common_a.iter().map(|(refs, _)| refs.clone()).collect(),
            new: common_b.iter().map(|(refs, _)| refs.clone()).collect(),
        });
    }
    for (key, y) in &b {
        let Some((_, x)) = a.iter().find(|(k, _)| k == key) else {
            continue;
        };
        for (flag, old, new) in [
            ("allow_force_push", x.allow_force_push, y.allow_force_push),
            ("allow_delete", x.allow_delete, y.allow_delete),
        ] {
            if old != new {
                changes.push(Change::Flag {
                    refs: y.refs.clone(),
                    flag,
                    new,
                });
            }
        }
    }
}

/// The list a right is judged by under `rule` (`None`: no list, any principal).
fn list_for(rule: &Rule, right: Right) -> Option<&[SignerRef]> {
    match right {
        Right::Commits => rule.commits.as_deref(),
        Right::Merges => rule.merges.as_deref().or(rule.commits.as_deref()),
        Right::Tags => rule.tags.as_deref(),
        Right::PolicyChanges | Right::ReleaseFiles => None,
    }
}

/// How `list` lets the principal `name` of `policy` in, if it does.
fn admits(policy: &Policy, list: Option<&[SignerRef]>, name: &str) -> Option<Via> {
    if !policy.principals.iter().any(|p| p.name == name) {
        return None;
    }
    let Some(list) = list else {
        return Some(Via::NoList);
    };
    list.iter().find_map(|entry| match entry {
        SignerRef::Anyone => Some(Via::Anyone),
        SignerRef::Principal(p) if p == name => Some(Via::Name),
        SignerRef::Group(g)
            if policy
                .groups
                .get(g)
                .is_some_and(|m| m.iter().any(|n| n == name)) =>
        {
            Some(Via::Group(g.clone()))
        }
        _ => None,
    })
}

fn open(list: Option<&[SignerRef]>) -> bool {
    list.is_none_or(|l| l.contains(&SignerRef::Anyone))
}

/// Who gains or loses each right of the rules both sides have, and of `[policy_changes]`.
/// A principal on one side only gains (or loses) every right open to any principal with
/// it; its `+ principal` line says so once, instead of a line per open right.
fn access(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    let on_both = |name: &str| {
        old.principals.iter().any(|p| p.name == name)
            && new.principals.iter().any(|p| p.name == name)
    };
    let everyone: BTreeSet<&String> = old
        .principals
        .iter()
        .chain(&new.principals)
        .map(|p| &p.name)
        .collect();
    let a = keyed(&old.rules);
    let mut compare = |right: Right,
                       refs: Option<&Vec<String>>,
                       x: Option<&[SignerRef]>,
                       y: Option<&[SignerRef]>| {
        for name in &everyone {
            let (before, after) = (admits(old, x, name), admits(new, y, name));
            let (sign, via) = match (before, after) {
                (None, Some(via)) => (Sign::Plus, via),
                (Some(via), None) => (Sign::Minus, via),
                _ => continue,
            };
            if matches!(via, Via::NoList | Via::Anyone) && !on_both(name) {
                continue;
            }
            changes.push(Change::Access {
                sign,
                principal: (*name).clone(),
                right,
                refs: refs.cloned(),
                via,
            });
        }
        if open(x) != open(y) {
            changes.push(Change::AnyPrincipal {
                sign: if open(y) { Sign::Plus } else { Sign::Minus },
                right,
                refs: refs.cloned(),
            });
        }
    };
    for (key, y) in keyed(&new.rules) {
        let Some((_, x)) = a.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        for right in [Right::Commits, Right::Merges, Right::Tags] {
            compare(right, Some(&y.refs), list_for(x, right), list_for(y, right));
        }
    }
    // No [policy_changes]: nobody may change the policy (an empty list, not an open one).
    let none: &[SignerRef] = &[];
    compare(
        Right::PolicyChanges,
        None,
        Some(old.policy_changes.as_deref().unwrap_or(none)),
        Some(new.policy_changes.as_deref().unwrap_or(none)),
    );
    // No [release_files]: `verify-blob --policy` needs `--principal`; nobody by default.
    compare(
        Right::ReleaseFiles,
        None,
        Some(old.release_files.as_deref().unwrap_or(none)),
        Some(new.release_files.as_deref().unwrap_or(none)),
    );
}

fn revocations(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    fn by_key(p: &Policy) -> BTreeMap<String, &Revocation> {
        let mut map = BTreeMap::new();
        for r in &p.revoked {
            // A CA's certificates revoked by serial or key id are entries of their own.
            let key = match &r.certificate {
                Some(which) => format!("{} certificate {}", r.key, which.describe()),
                None => r.key.clone(),
            };
            map.entry(key).or_insert(r);
        }
        map
    }
    let (a, b) = (by_key(old), by_key(new));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (None, Some(r)) | (Some(r), None) => changes.push(Change::Revoked {
                sign: if a.contains_key(key) {
                    Sign::Minus
                } else {
                    Sign::Plus
                },
                key: key.clone(),
                form: r.form.name(),
                after: r.after,
                reason: r.reason.clone(),
            }),
            (Some(x), Some(y)) => {
                if x.after != y.after {
                    changes.push(Change::RevokedWhen {
                        key: key.clone(),
                        old: x.after,
                        new: y.after,
                    });
                }
                if x.reason != y.reason {
                    changes.push(Change::RevokedReason {
                        key: key.clone(),
                        old: x.reason.clone(),
                        new: y.reason.clone(),
                    });
                }
            }
            (None, None) => {}
        }
    }
}

fn goodlist(old: &Policy, new: &Policy, changes: &mut Vec<Change>) {
    let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
        (old.goodlist.iter().collect(), new.goodlist.iter().collect());
    for id in b.difference(&a) {
        changes.push(Change::Goodlist {
            sign: Sign::Plus,
            id: (*id).clone(),
        });
    }
    for id in a.difference(&b) {
        changes.push(Change::Goodlist {
            sign: Sign::Minus,
            id: (*id).clone(),
        });
    }
}

/// Certificates by primary fingerprint (copies in several files merged: verification
/// merges them too).
fn certificates(old: &[Certificate], new: &[Certificate], changes: &mut Vec<Change>) {
    type Merged = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;
    let merge = |certs: &[Certificate]| -> Merged {
        let mut map: Merged = BTreeMap::new();
        for c in certs {
            let entry = map.entry(c.primary.clone()).or_default();
            entry.0.insert(c.file.clone());
            entry.1.extend(c.keys.iter().cloned());
        }
        map
    };
    let (a, b) = (merge(old), merge(new));
    let primaries: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for primary in primaries {
        match (a.get(primary), b.get(primary)) {
            (None, Some((files, keys))) | (Some((files, keys)), None) => {
                changes.push(Change::Certificate {
                    sign: if a.contains_key(primary) {
                        Sign::Minus
                    } else {
                        Sign::Plus
                    },
                    primary: primary.clone(),
                    files: files.iter().cloned().collect(),
                    keys: keys.iter().filter(|k| *k != primary).cloned().collect(),
                })
            }
            (Some((_, x)), Some((_, y))) => {
                for key in y.difference(x) {
                    changes.push(Change::CertificateKey {
                        sign: Sign::Plus,
                        primary: primary.clone(),
                        key: key.clone(),
                    });
                }
                for key in x.difference(y) {
                    changes.push(Change::CertificateKey {
                        sign: Sign::Minus,
                        primary: primary.clone(),
                        key: key.clone(),
                    });
                }
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::file;

    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";
    const BOB_FPR: &str = "SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE";

    fn parse(text: &str) -> Policy {
        file::parse(text, "p").expect("policy")
    }

    fn changes(old: &str, new: &str) -> Vec<Change> {
        let (a, b) = (parse(old), parse(new));
        diff(
            Side {
                policy: &a,
                certificates: &[],
            },
            Side {
                policy: &b,
                certificates: &[],
            },
        )
    }

    fn base(extra_members: &str, extra: &str) -> String {
        format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n[principals.bob]\nssh = [\"{BOB}\"]\n{extra}\
             [groups]\nmaintainers = [\"alice\"{extra_members}]\n\
             [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n\
             [policy_changes]\nsigners = [\"alice\"]\n"
        )
    }

    #[test]
    fn the_same_policy_has_no_differences() {
        assert_eq!(changes(&base("", ""), &base("", "")), []);
    }

    /// Adding bob to a group changes no rule, yet bob gains every right the group has.
    #[test]
    fn a_new_group_member_gains_the_groups_rights() {
        let found = changes(&base("", ""), &base(", \"bob\"", ""));
        let main = Some(vec!["refs/heads/main".to_string()]);
        assert_eq!(
            found,
            [
                Change::Member {
                    sign: Sign::Plus,
                    group: "maintainers".into(),
                    member: "bob".into()
                },
                Change::Access {
                    sign: Sign::Plus,
                    principal: "bob".into(),
                    right: Right::Commits,
                    refs: main.clone(),
                    via: Via::Group("maintainers".into())
                },
                Change::Access {
                    sign: Sign::Plus,
                    principal: "bob".into(),
                    right: Right::Merges,
                    refs: main,
                    via: Via::Group("maintainers".into())
                },
            ]
        );
    }

    #[test]
    fn a_removed_principal_loses_its_rights_and_credentials() {
        let old = base(", \"bob\"", "");
        let new = format!(
            "version = 1\n[principals.alice]\nssh = [\"{ALICE}\"]\n[groups]\nmaintainers = [\"alice\"]\n\
             [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n\
             [policy_changes]\nsigners = [\"alice\"]\n"
        );
        let found = changes(&old, &new);
        assert_eq!(
            found[0],
            Change::Principal {
                sign: Sign::Minus,
                name: "bob".into(),
                credentials: vec![Cred {
                    kind: "ssh",
                    value: BOB_FPR.into(),
                    issuer: None
                }]
            }
        );
        assert!(found.contains(&Change::Access {
            sign: Sign::Minus,
            principal: "bob".into(),
            right: Right::Commits,
            refs: Some(vec!["refs/heads/main".into()]),
            via: Via::Group("maintainers".into())
        }));
    }

    #[test]
    fn opening_a_rule_to_anyone_is_said_as_such() {
        let old = base("", "");
        let new = old.replace(
            "commits = [\"@maintainers\"]",
            "commits = [\"*\"]\nallow_force_push = true",
        );
        let found = changes(&old, &new);
        let main = Some(vec!["refs/heads/main".to_string()]);
        assert!(found.contains(&Change::Flag {
            refs: vec!["refs/heads/main".into()],
            flag: "allow_force_push",
            new: true
        }));
        assert!(found.contains(&Change::Access {
            sign: Sign::Plus,
            principal: "bob".into(),
            right: Right::Commits,
            refs: main.clone(),
            via: Via::Anyone
        }));
        assert!(found.contains(&Change::AnyPrincipal {
            sign: Sign::Plus,
            right: Right::Commits,
            refs: main
        }));
    }

    /// Who may sign release files is a right like the others: gained through a group.
    #[test]
    fn release_file_signers() {
        let old = base("", "");
        let new = format!(
            "{}[release_files]\nsigners = [\"@maintainers\"]\n",
            base(", \"bob\"", "")
        );
        let found = changes(&old, &new);
        for name in ["alice", "bob"] {
            assert!(
                found.contains(&Change::Access {
                    sign: Sign::Plus,
                    principal: name.into(),
                    right: Right::ReleaseFiles,
                    refs: None,
                    via: Via::Group("maintainers".into())
                }),
                "{name}: {found:?}"
            );
        }
        assert!(changes(&new, &new).is_empty());
    }

    #[test]
    fn policy_changes_revocations_goodlist_and_order() {
        let old = base("", "");
        let new = format!(
            "version = 1\ngoodlist = [\"{}\"]\n[principals.alice]\nssh = [\"{ALICE}\"]\n[principals.bob]\nssh = [\"{BOB}\"]\n\
             [groups]\nmaintainers = [\"alice\"]\n\
             [[rules]]\nrefs = [\"refs/tags/*\"]\n\
             [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n\
             [policy_changes]\nsigners = [\"alice\", \"bob\"]\n\
             [[revoked]]\nkey = \"{BOB_FPR}\"\nreason = \"lost\"\n",
            "ab".repeat(20)
        );
        let found = changes(&old, &new);
        assert!(found.iter().any(|c| matches!(
            c,
            Change::Rule {
                sign: Sign::Plus,
                index: 0,
                never_applies: false,
                ..
            }
        )));
        assert!(found.contains(&Change::Access {
            sign: Sign::Plus,
            principal: "bob".into(),
            right: Right::PolicyChanges,
            refs: None,
            via: Via::Name
        }));
        assert!(found.contains(&Change::Revoked {
            sign: Sign::Plus,
            key: BOB_FPR.into(),
            form: "ssh",
            after: None,
            reason: "lost".into()
        }));
        assert!(found.contains(&Change::Goodlist {
            sign: Sign::Plus,
            id: "ab".repeat(20)
        }));
        // Only one rule is on both sides: nothing to reorder.
        assert!(!found.iter().any(|c| matches!(c, Change::Reordered { .. })));
        let swapped = new.replace(
            "[[rules]]\nrefs = [\"refs/tags/*\"]\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n",
            "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n[[rules]]\nrefs = [\"refs/tags/*\"]\n",
        );
        assert_ne!(swapped, new);
        assert!(
            changes(&new, &swapped)
                .iter()
                .any(|c| matches!(c, Change::Reordered { .. }))
        );
    }

    #[test]
    fn certificates_gain_and_lose_keys() {
        let policy = parse("version = 1\n");
        let cert = |keys: &[&str]| Certificate {
            file: "a.asc".into(),
            primary: "AA".into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
        };
        let (old, new) = ([cert(&["AA", "BB"])], [cert(&["AA", "CC"])]);
        let found = diff(
            Side {
                policy: &policy,
                certificates: &old,
            },
            Side {
                policy: &policy,
                certificates: &new,
            },
        );
        assert_eq!(
            found,
            [
                Change::CertificateKey {
                    sign: Sign::Plus,
                    primary: "AA".into(),
                    key: "CC".into()
                },
                Change::CertificateKey {
                    sign: Sign::Minus,
                    primary: "AA".into(),
                    key: "BB".into()
                },
            ]
        );
    }
}
