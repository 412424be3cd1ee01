//! Writing policy files for `gitseal policy init | add-principal | add-rule`: a new file
//! from a template, or an existing file edited in place with `toml_edit`, which keeps its
//! comments, its layout and the order of what is already there. Pure: text in, text out.
//!
//! Every text returned here has been read back with [`super::file::parse`]: these commands
//! never write a policy that `gitseal policy check` would refuse. The inputs are checked
//! first, so that a mistake is named as the user wrote it, not as a line of the new file.

use super::{Credential, Policy, SignerRef, SigstoreIdentity, file};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// Why an edit was refused: one line, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    pub message: String,
    pub hint: Option<String>,
}

impl EditError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A credential to add, as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewCredential {
    /// An OpenSSH public key line (`type base64 [comment]`); parsed before it is written.
    Ssh(String),
    /// An OpenPGP primary fingerprint, upper-case hex.
    OpenPgp(String),
    /// An SSH CA's public key line and the certificate principal patterns it may sign for.
    SshCa {
        key: String,
        principals: Vec<String>,
    },
    Sigstore {
        issuer: String,
        subject: String,
    },
    SigstoreRegex {
        issuer: String,
        pattern: String,
    },
}

impl NewCredential {
    /// The array of a principal the credential goes in.
    fn field(&self) -> &'static str {
        match self {
            NewCredential::Ssh(_) => "ssh",
            NewCredential::SshCa { .. } => "ssh_ca",
            NewCredential::OpenPgp(_) => "openpgp",
            NewCredential::Sigstore { .. } | NewCredential::SigstoreRegex { .. } => "sigstore",
        }
    }

    fn value(&self) -> Value {
        match self {
            NewCredential::Ssh(line) | NewCredential::OpenPgp(line) => Value::from(line.as_str()),
            NewCredential::SshCa { key, principals } => {
                let mut table = InlineTable::new();
                table.insert("key", Value::from(key.as_str()));
                table.insert(
                    "principals",
                    Value::Array(principals.iter().map(|p| p.as_str()).collect()),
                );
                Value::InlineTable(table)
            }
            NewCredential::Sigstore { issuer, subject } => {
                let mut table = InlineTable::new();
                table.insert("issuer", Value::from(issuer.as_str()));
                table.insert("subject", Value::from(subject.as_str()));
                Value::InlineTable(table)
            }
            NewCredential::SigstoreRegex { issuer, pattern } => {
                let mut table = InlineTable::new();
                table.insert("issuer", Value::from(issuer.as_str()));
                table.insert("subject_regex", literal(pattern));
                Value::InlineTable(table)
            }
        }
    }

    /// Whether `existing` stands for the same signer (so adding it again would be a
    /// duplicate, or make one key two principals').
    fn same_as(&self, existing: &Credential) -> bool {
        match (self, existing) {
            (NewCredential::Ssh(line), Credential::Ssh { fingerprint, .. }) => {
                ssh_fingerprint(line).is_some_and(|f| &f == fingerprint)
            }
            (
                NewCredential::SshCa { key, principals },
                Credential::SshCa {
                    fingerprint,
                    principals: other,
                    ..
                },
            ) => ssh_fingerprint(key).is_some_and(|f| &f == fingerprint) && principals == other,
            (NewCredential::OpenPgp(fpr), Credential::OpenPgp { fingerprint }) => {
                fpr.eq_ignore_ascii_case(fingerprint)
            }
            (
                NewCredential::Sigstore { issuer, subject },
                Credential::Sigstore {
                    issuer: other_issuer,
                    subject: SigstoreIdentity::Exact(other),
                },
            ) => issuer == other_issuer && subject == other,
            (
                NewCredential::SigstoreRegex { issuer, pattern },
                Credential::Sigstore {
                    issuer: other_issuer,
                    subject: SigstoreIdentity::Pattern(re),
                },
            ) => issuer == other_issuer && re.as_str() == format!("^(?:{pattern})$"),
            _ => false,
        }
    }
}

/// A regular expression as a TOML literal string (no backslash escapes to double), when it
/// can be one.
fn literal(pattern: &str) -> Value {
    if pattern.contains('\'') || pattern.chars().any(char::is_control) {
        return Value::from(pattern);
    }
    format!("'{pattern}'")
        .parse::<Value>()
        .unwrap_or_else(|_| Value::from(pattern))
}

fn ssh_fingerprint(line: &str) -> Option<String> {
    ssh_key::PublicKey::from_openssh(line.trim())
        .ok()
        .map(|k| crate::ssh::key::fingerprint(k.key_data()))
}

/// Checks a name a command will write as a principal's or a group's. The names allowed are
/// fewer than a policy may hold: ones that `policy export-allowed-signers` can write as an
/// allowed_signers principal (no blanks, commas, quotes, wildcards, `!` or `#`, which
/// ssh-keygen reads as patterns or fields), that no signer list mistakes for a group (`@`)
/// or for anyone (`*`), and that read the same on every terminal (ASCII).
pub fn check_name(what: &str, name: &str) -> Result<(), EditError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@');
    let problem = if name.is_empty() {
        Some("is empty".to_string())
    } else if name.len() > 64 {
        Some("is longer than 64 characters".to_string())
    } else if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        Some(format!(
            "has {}, which an allowed_signers principal or a signer list cannot hold",
            describe_char(c)
        ))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("must start with a letter or a digit".to_string())
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(EditError::new(format!("{what} name `{name}` {problem}"))
            .hint("use letters, digits and . _ - + @ (an e-mail address is fine)")),
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a blank".to_string(),
        c if c.is_control() || !c.is_ascii() => format!("U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

/// What `policy init` writes: one principal, the maintainers group holding it, a rule
/// protecting `branch` and one for release tags, and the principal as the one who may
/// change the policy.
pub fn initial(name: &str, credential: &NewCredential, branch: &str) -> Result<String, EditError> {
    check_name("principal", name)?;
    check_credential(credential)?;
    let key = toml_edit::Key::new(name);
    let name_key = key.display_repr();
    let quoted = Value::from(name).to_string();
    let branch_ref = Value::from(format!("refs/heads/{branch}").as_str()).to_string();
    let credential_value = credential.value().to_string();
    let field = credential.field();
    let text = format!(
        "# The signing policy of this repository: who may sign what (docs/policy.md).
# A commit is judged by the policy in its parent's tree; `gitseal policy check` reads it,
# `gitseal policy describe` says what it allows.
version = 1

[principals.{name_key}]
{field} = [{credential_value}]

[groups]
maintainers = [{quoted}]

# Rules are tried in order; the first whose refs match decides. A ref no rule matches
# needs a signature by any principal.
[[rules]]
refs = [{branch_ref}]
commits = [\"@maintainers\"]
allow_force_push = false
allow_delete = false

[[rules]]
refs = [\"refs/tags/v*\"]
tags = [\"@maintainers\"]

# Who may change anything under .gitseal/ (judged by the parent's copy of this file).
[policy_changes]
signers = [{quoted}]
"
    );
    read_back(text)
}

/// The credential's own checks, before it goes near a file.
pub fn check_credential(credential: &NewCredential) -> Result<(), EditError> {
    match credential {
        NewCredential::Ssh(line) => {
            ssh_key::PublicKey::from_openssh(line.trim()).map_err(|e| {
                EditError::new(format!("--ssh: not an OpenSSH public key ({e})"))
                    .hint("give a public key file (~/.ssh/id_ed25519.pub) or its line: ssh-ed25519 AAAA...")
            })?;
        }
        NewCredential::SshCa { key, principals } => {
            ssh_key::PublicKey::from_openssh(key.trim()).map_err(|e| {
                EditError::new(format!("--ssh-ca: not an OpenSSH public key ({e})"))
                    .hint("give the CA's public key file (ca.pub) or its line: ssh-ed25519 AAAA...")
            })?;
            if let Some(bad) = principals
                .iter()
                .find(|p| p.is_empty() || p.contains(',') || p.chars().any(char::is_whitespace))
            {
                return Err(EditError::new(format!(
                    "--cert-principal: `{bad}` is not a name or pattern"
                ))
                .hint("give one --cert-principal per name, without commas or blanks"));
            }
            if principals.is_empty() {
                return Err(EditError::new("--ssh-ca needs a --cert-principal")
                    .hint("name the certificate principals the CA may sign for"));
            }
        }
        NewCredential::OpenPgp(fpr) => {
            if !(fpr.len() == 40 || fpr.len() == 64) || !fpr.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(EditError::new(format!(
                    "--openpgp: `{fpr}` is not a fingerprint (40 or 64 hex digits)"
                ))
                .hint("gpg --fingerprint KEYID prints it; key ids (16 digits) are not enough"));
            }
        }
        NewCredential::Sigstore { issuer, subject } => {
            check_issuer(issuer)?;
            if subject.is_empty() || subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(EditError::new(format!(
                    "--sigstore: subject `{subject}` is not an e-mail address or URI"
                ))
                .hint("give the certificate's identity as `gitseal show` prints it"));
            }
        }
        NewCredential::SigstoreRegex { issuer, pattern } => {
            check_issuer(issuer)?;
            if !pattern.starts_with('^') || !pattern.ends_with('$') {
                return Err(EditError::new(format!(
                    "--sigstore-regex: `{pattern}` must be anchored with ^ and $"
                ))
                .hint("an unanchored pattern matches identities that merely contain it"));
            }
            regex::Regex::new(pattern).map_err(|e| {
                let detail = e.to_string();
                let last = detail
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid")
                    .trim()
                    .to_string();
                EditError::new(format!("--sigstore-regex: {last}"))
            })?;
        }
    }
    Ok(())
}

fn check_issuer(issuer: &str) -> Result<(), EditError> {
    let ok = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .is_some_and(|rest| {
            !rest.is_empty() && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
        });
    if ok {
        Ok(())
    } else {
        Err(
            EditError::new(format!("--sigstore: issuer `{issuer}` is not a URL"))
                .hint("the issuer is the OIDC provider's URL, e.g. https://github.com/login/oauth"),
        )
    }
}

/// What [`add_principal`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// A new principal.
    Principal,
    /// A credential for a principal that was there.
    Credential,
}

/// Adds `credential` to the principal `name` (made if absent), and the principal to each
/// of `groups` (made if absent).
pub fn add_principal(
    text: &str,
    file_name: &str,
    name: &str,
    credential: &NewCredential,
    groups: &[String],
) -> Result<(String, Added), EditError> {
    check_name("principal", name)?;
    for group in groups {
        check_name("group", group)?;
    }
    check_credential(credential)?;
    let policy = current(text, file_name)?;
    for principal in &policy.principals {
        if principal.credentials.iter().any(|c| credential.same_as(c)) {
            let whose = if principal.name == name {
                "already has it".to_string()
            } else {
                format!("is principal `{}`'s", principal.name)
            };
            return Err(EditError::new(format!(
                "that {} credential {whose}",
                credential.field()
            ))
            .hint("one credential stands for one principal: the first principal listing it would be the signer"));
        }
    }
    let mut doc = document(text, file_name)?;
    let exists = policy.principals.iter().any(|p| p.name == name);
    let principals = doc
        .entry("principals")
        .or_insert_with(|| implicit_table().into());
    let principals = principals
        .as_table_like_mut()
        .ok_or_else(|| EditError::new(format!("{file_name}: `principals` is not a table")))?;
    if exists {
        let principal = principals
            .get_mut(name)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| {
                EditError::new(format!("{file_name}: principal `{name}` is not a table"))
            })?;
        match principal.get_mut(credential.field()) {
            Some(item) => {
                let array = item.as_array_mut().ok_or_else(|| {
                    EditError::new(format!(
                        "{file_name}: principals.{name}.{} is not an array",
                        credential.field()
                    ))
                })?;
                push_like_the_others(array, credential.value());
            }
            None => {
                principal.insert(credential.field(), one_value_array(credential.value()));
            }
        }
    } else if doc.get("principals").is_some_and(Item::is_inline_table) {
        let mut array = Array::new();
        array.push(credential.value());
        let mut table = InlineTable::new();
        table.insert(credential.field(), Value::Array(array));
        insert_principal(&mut doc, name, Item::Value(Value::InlineTable(table)))?;
    } else {
        let mut table = Table::new();
        table.insert(credential.field(), one_value_array(credential.value()));
        insert_principal(&mut doc, name, Item::Table(table))?;
    }
    for group in groups {
        add_member(&mut doc, file_name, group, name, &policy)?;
    }
    let added = if exists {
        Added::Credential
    } else {
        Added::Principal
    };
    Ok((read_back(doc.to_string())?, added))
}

fn insert_principal(doc: &mut DocumentMut, name: &str, item: Item) -> Result<(), EditError> {
    doc.get_mut("principals")
        .and_then(Item::as_table_like_mut)
        .map(|t| t.insert(name, item))
        .ok_or_else(|| EditError::new("`principals` is not a table"))?;
    Ok(())
}

fn implicit_table() -> Table {
    let mut table = Table::new();
    table.set_implicit(true);
    table
}

fn one_value_array(value: Value) -> Item {
    let mut array = Array::new();
    array.push(value);
    Item::Value(Value::Array(array))
}

/// Appends `value` laid out as the array's last element is (one per line stays one per
/// line).
fn push_like_the_others(array: &mut Array, mut value: Value) {
    let prefix = array
        .iter()
        .last()
        .and_then(|last| last.decor().prefix())
        .and_then(|p| p.as_str())
        .map(str::to_string);
    match prefix {
        Some(prefix) if !prefix.is_empty() => {
            value.decor_mut().set_prefix(prefix);
            value.decor_mut().set_suffix("");
            array.push_formatted(value);
        }
        _ => array.push(value),
    }
}

fn add_member(
    doc: &mut DocumentMut,
    file_name: &str,
    group: &str,
    member: &str,
    policy: &Policy,
) -> Result<(), EditError> {
    if policy
        .groups
        .get(group)
        .is_some_and(|m| m.iter().any(|n| n == member))
    {
        return Ok(());
    }
    let groups = doc
        .entry("groups")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| EditError::new(format!("{file_name}: `groups` is not a table")))?;
    match groups.get_mut(group) {
        Some(item) => {
            let array = item.as_array_mut().ok_or_else(|| {
                EditError::new(format!("{file_name}: groups.{group} is not an array"))
            })?;
            push_like_the_others(array, Value::from(member));
        }
        None => {
            groups.insert(group, one_value_array(Value::from(member)));
        }
    }
    Ok(())
}

/// A rule to add.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    pub refs: Vec<String>,
    pub commits: Option<Vec<String>>,
    pub merges: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub allow_force_push: bool,
    pub allow_delete: bool,
}

/// Adds `rule` last, or first with `first`; the new text and the rule's index. The caller
/// refuses a rule that could never apply there ([`never_applies`]): the first match wins,
/// so it would look like protection and be none.
pub fn add_rule(
    text: &str,
    file_name: &str,
    rule: &NewRule,
    first: bool,
) -> Result<(String, usize), EditError> {
    let policy = current(text, file_name)?;
    if rule.refs.is_empty() {
        return Err(EditError::new("--refs: give at least one ref pattern"));
    }
    for pattern in &rule.refs {
        if !pattern.starts_with("refs/") {
            return Err(EditError::new(format!(
                "--refs: `{pattern}` is not a full ref name or pattern"
            ))
            .hint(format!(
                "write refs/heads/{pattern} for a branch, refs/tags/{pattern} for tags"
            )));
        }
        if pattern.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EditError::new(format!(
                "--refs: `{pattern}` holds a blank or a control character, which no ref name has"
            )));
        }
    }
    for (flag, list) in [
        ("--commits", &rule.commits),
        ("--merges", &rule.merges),
        ("--tags", &rule.tags),
    ] {
        for who in list.iter().flatten() {
            check_signer(&policy, flag, who)?;
        }
    }
    let mut table = Table::new();
    table.insert("refs", strings(&rule.refs));
    for (key, list) in [
        ("commits", &rule.commits),
        ("merges", &rule.merges),
        ("tags", &rule.tags),
    ] {
        if let Some(list) = list {
            table.insert(key, strings(list));
        }
    }
    if rule.allow_force_push {
        table.insert("allow_force_push", toml_edit::value(true));
    }
    if rule.allow_delete {
        table.insert("allow_delete", toml_edit::value(true));
    }
    let mut doc = document(text, file_name)?;
    let index = if first { 0 } else { policy.rules.len() };
    match doc.get_mut("rules") {
        None => {
            let mut rules = ArrayOfTables::new();
            rules.push(table);
            doc.insert("rules", Item::ArrayOfTables(rules));
        }
        Some(Item::ArrayOfTables(rules)) => {
            if first {
                // Placed where the first rule was: its position, and before it.
                table.set_position(rules.get(0).and_then(Table::position));
                rules.insert(0, table);
            } else {
                rules.push(table);
            }
        }
        Some(Item::Value(Value::Array(rules))) => {
            let inline = Value::InlineTable(table.into_inline_table());
            if first {
                rules.insert(0, inline);
            } else {
                push_like_the_others(rules, inline);
            }
        }
        Some(_) => {
            return Err(EditError::new(format!(
                "{file_name}: `rules` is not an array of tables"
            )));
        }
    }
    Ok((read_back(doc.to_string())?, index))
}

/// Why the rule at `index` of `policy` could never apply as written, if so: every ref it
/// matches is matched by an earlier rule, or one of its patterns matches no ref git allows.
pub fn never_applies(policy: &Policy, index: usize) -> Option<super::shadow::Shadow> {
    super::shadow::shadows(&policy.rules)
        .into_iter()
        .find(|shadow| match shadow {
            super::shadow::Shadow::Whole { rule, .. }
            | super::shadow::Shadow::NoRef { rule, .. } => *rule == index,
            _ => false,
        })
}

/// A signer list entry must name a principal, a group or `*`.
fn check_signer(policy: &Policy, flag: &str, who: &str) -> Result<(), EditError> {
    if who == "*" {
        return Ok(());
    }
    if let Some(group) = who.strip_prefix('@') {
        if policy.groups.contains_key(group) {
            return Ok(());
        }
        return Err(
            EditError::new(format!("{flag}: no group named `{group}`")).hint(format!(
                "add a member first: gitseal policy add-principal NAME --ssh KEY --group {group}"
            )),
        );
    }
    if policy.principals.iter().any(|p| p.name == who) {
        return Ok(());
    }
    Err(
        EditError::new(format!("{flag}: no principal named `{who}`")).hint(format!(
            "add it first: gitseal policy add-principal {who} --ssh KEY (or --openpgp, --sigstore)"
        )),
    )
}

fn strings(list: &[String]) -> Item {
    let mut array = Array::new();
    for s in list {
        array.push(s.as_str());
    }
    Item::Value(Value::Array(array))
}

/// The policy as it is: an edit starts from a file that reads.
fn current(text: &str, file_name: &str) -> Result<Policy, EditError> {
    file::parse(text, file_name).map_err(|e| {
        EditError::new(e.to_string())
            .hint("fix the policy first (gitseal policy check --file FILE)")
    })
}

fn document(text: &str, file_name: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::new(format!("{file_name}: {}", e.message())))
}

/// The text, once it reads back as a policy.
fn read_back(text: String) -> Result<String, EditError> {
    match file::parse(&text, "the new policy") {
        Ok(_) => Ok(text),
        Err(e) => Err(EditError::new(format!(
            "the edited policy would not read ({e}); nothing was written"
        ))),
    }
}

/// Who a signer list names, for callers that show it.
pub fn signer_text(entry: &SignerRef) -> String {
    match entry {
        SignerRef::Anyone => "*".to_string(),
        SignerRef::Principal(name) => name.clone(),
        SignerRef::Group(group) => format!("@{group}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";

    fn alice() -> NewCredential {
        NewCredential::Ssh(format!("{ALICE} alice@laptop"))
    }

    #[test]
    fn the_initial_policy_reads_and_protects_the_branch() {
        let text = initial("alice@example.org", &alice(), "main").unwrap();
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.principals[0].name, "alice@example.org");
        assert_eq!(policy.groups["maintainers"], ["alice@example.org"]);
        assert_eq!(policy.rules[0].refs, ["refs/heads/main"]);
        assert_eq!(
            policy.rules[0].commits.as_deref(),
            Some(&[SignerRef::Group("maintainers".into())][..])
        );
        assert!(!policy.rules[0].allow_force_push && !policy.rules[0].allow_delete);
        assert_eq!(policy.rules[1].refs, ["refs/tags/v*"]);
        assert_eq!(
            policy.policy_changes.as_deref(),
            Some(&[SignerRef::Principal("alice@example.org".into())][..])
        );
        assert!(
            text.contains("[principals.\"alice@example.org\"]"),
            "{text}"
        );
    }

    #[test]
    fn names_an_allowed_signers_file_would_misread_are_refused() {
        for name in [
            "a b", "a,b", "*", "!a", "#a", "a\"b", "@team", "a\nb", "ålice", "",
        ] {
            let e = initial(name, &alice(), "main").expect_err(name);
            assert!(e.message.starts_with("principal name"), "{e:?}");
            assert!(e.hint.is_some());
        }
        let e = check_name("principal", "a b").unwrap_err();
        assert_eq!(
            e.message,
            "principal name `a b` has a blank, which an allowed_signers principal or a signer list cannot hold"
        );
        assert!(check_name("principal", "release-ci").is_ok());
        assert!(check_name("principal", "alice+git@example.org").is_ok());
    }

    #[test]
    fn a_key_that_does_not_parse_is_refused_before_any_edit() {
        let e = initial(
            "alice",
            &NewCredential::Ssh("ssh-ed25519 AAAAnotakey".into()),
            "main",
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("--ssh: not an OpenSSH public key"),
            "{e:?}"
        );
        let e = initial(
            "alice",
            &NewCredential::OpenPgp("74E445BA0E15C957".into()),
            "main",
        )
        .unwrap_err();
        assert!(e.message.contains("is not a fingerprint"), "{e:?}");
        let unanchored = NewCredential::SigstoreRegex {
            issuer: "https://token.actions.githubusercontent.com".into(),
            pattern: "https://github\\.com/acme/.*".into(),
        };
        assert!(
            initial("ci", &unanchored, "main")
                .unwrap_err()
                .message
                .contains("anchored")
        );
    }

    const EXISTING: &str = "# Our policy: reviewed by the security team.
version = 1

[principals.alice]   # the lead
ssh = [
  \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI\",
]

# Release tags come from CI.
[[rules]]
refs = [\"refs/heads/main\"]   # protected
commits = [\"alice\"]

[policy_changes]
signers = [\"alice\"]
";

    #[test]
    fn adding_a_principal_keeps_comments_and_order() {
        let (text, added) = add_principal(
            EXISTING,
            "p",
            "bob",
            &NewCredential::Ssh(BOB.into()),
            &["maintainers".into()],
        )
        .unwrap();
        assert_eq!(added, Added::Principal);
        // Everything that was there is there, in order; bob comes after alice.
        let mut at = 0;
        for line in EXISTING.lines().filter(|l| !l.is_empty()) {
            let found = text[at..]
                .find(line)
                .unwrap_or_else(|| panic!("lost {line:?}:\n{text}"));
            at += found + line.len();
        }
        let alice = text.find("[principals.alice]").unwrap();
        let bob = text.find("[principals.bob]").unwrap();
        let rules = text.find("[[rules]]").unwrap();
        assert!(alice < bob && bob < rules, "{text}");
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.groups["maintainers"], ["bob"]);
    }

    #[test]
    fn a_second_credential_joins_the_principals_list_laid_out_alike() {
        let (text, added) =
            add_principal(EXISTING, "p", "alice", &NewCredential::Ssh(BOB.into()), &[]).unwrap();
        assert_eq!(added, Added::Credential);
        assert!(
            text.contains(&format!("  \"{ALICE}\",\n  \"{BOB}\",\n]")),
            "{text}"
        );
    }

    #[test]
    fn one_key_cannot_be_two_principals() {
        let e = add_principal(
            EXISTING,
            "p",
            "mallory",
            &NewCredential::Ssh(format!("{ALICE} other comment")),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.message, "that ssh credential is principal `alice`'s");
        let e = add_principal(EXISTING, "p", "alice", &alice(), &[]).unwrap_err();
        assert_eq!(e.message, "that ssh credential already has it");
    }

    #[test]
    fn rules_go_last_or_first_and_name_only_known_signers() {
        let rule = NewRule {
            refs: vec!["refs/heads/release/*".into()],
            commits: Some(vec!["alice".into()]),
            ..NewRule::default()
        };
        let (text, index) = add_rule(EXISTING, "p", &rule, false).unwrap();
        assert_eq!(index, 1);
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.rules[1].refs, ["refs/heads/release/*"]);
        assert!(text.contains("# Release tags come from CI."));
        let (text, index) = add_rule(EXISTING, "p", &rule, true).unwrap();
        assert_eq!(index, 0);
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.rules[0].refs, ["refs/heads/release/*"]);
        assert!(
            text.find("refs/heads/release/*") < text.find("refs/heads/main"),
            "{text}"
        );

        let unknown = NewRule {
            commits: Some(vec!["carol".into()]),
            ..rule.clone()
        };
        let e = add_rule(EXISTING, "p", &unknown, false).unwrap_err();
        assert_eq!(e.message, "--commits: no principal named `carol`");
        let e = add_rule(
            EXISTING,
            "p",
            &NewRule {
                tags: Some(vec!["@devs".into()]),
                ..rule.clone()
            },
            false,
        )
        .unwrap_err();
        assert_eq!(e.message, "--tags: no group named `devs`");
        let e = add_rule(
            EXISTING,
            "p",
            &NewRule {
                refs: vec!["main".into()],
                ..rule
            },
            false,
        )
        .unwrap_err();
        assert!(e.message.contains("is not a full ref name"), "{e:?}");
    }

    #[test]
    fn a_rule_that_could_never_apply_is_refused() {
        let shadowed = NewRule {
            refs: vec!["refs/heads/main".into()],
            commits: Some(vec!["*".into()]),
            ..NewRule::default()
        };
        let (text, index) = add_rule(EXISTING, "p", &shadowed, false).unwrap();
        let policy = file::parse(&text, "p").unwrap();
        assert!(matches!(
            never_applies(&policy, index),
            Some(crate::policy::shadow::Shadow::Whole { rule: 1, .. })
        ));
        let (text, index) = add_rule(EXISTING, "p", &shadowed, true).unwrap();
        assert_eq!(
            never_applies(&file::parse(&text, "p").unwrap(), index),
            None
        );
    }

    #[test]
    fn an_existing_policy_that_does_not_read_is_not_edited() {
        let broken = "version = 1\n[principals.alice]\nemail = \"a\"\n";
        let e =
            add_principal(broken, "p", "bob", &NewCredential::Ssh(BOB.into()), &[]).unwrap_err();
        assert!(e.message.starts_with("p:3:"), "{e:?}");
        assert!(e.hint.unwrap().contains("policy check"));
    }

    #[test]
    fn inline_tables_are_edited_as_inline_tables() {
        let text = format!(
            "version = 1\nprincipals = {{ alice = {{ ssh = [\"{ALICE}\"] }} }}\nrules = [{{ refs = [\"refs/heads/main\"], commits = [\"alice\"] }}]\n"
        );
        let (text, _) =
            add_principal(&text, "p", "bob", &NewCredential::Ssh(BOB.into()), &[]).unwrap();
        let rule = NewRule {
            refs: vec!["refs/heads/dev".into()],
            commits: Some(vec!["bob".into()]),
            ..NewRule::default()
        };
        let (text, _) = add_rule(&text, "p", &rule, false).unwrap();
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.principals.len(), 2);
        assert_eq!(policy.rules.len(), 2);
    }

    #[test]
    fn sigstore_credentials_are_inline_tables() {
        let ci = NewCredential::SigstoreRegex {
            issuer: "https://token.actions.githubusercontent.com".into(),
            pattern:
                r"^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*$"
                    .into(),
        };
        let (text, _) = add_principal(EXISTING, "p", "release-ci", &ci, &[]).unwrap();
        assert!(
            text.contains(r"subject_regex = '^https://github\.com/acme/app/"),
            "{text}"
        );
        let policy = file::parse(&text, "p").unwrap();
        assert_eq!(policy.principals[1].name, "release-ci");
        let e = add_principal(&text, "p", "ci2", &ci, &[]).unwrap_err();
        assert!(e.message.contains("is principal `release-ci`'s"), "{e:?}");
    }
}
