//! `git verify-commit` with gitseal as gpg.x509.program, in a repository that has a signing
//! policy and an anchor (`gitseal.anchor`): a good signature whose identity the policy does
//! not name is reported with TRUST_UNDEFINED (git shows U), so plain git commands show who
//! is allowed, not only who signed.
//!
//! git passes only the payload, not the object's name or ref, so this is a cheaper check
//! than `gitseal verify`: the policy is the one in the first parent's tree (for a tag, the
//! tagged commit's), used only when that commit descends from the anchor, and judged with
//! no ref rule (principal, validity window, revocation, goodlist). It can only lower the
//! trust git is told, never raise it above what the signature alone earns; the branch
//! rules and the authenticated path from the anchor are `gitseal verify`'s.

use crate::git::Repo;
use crate::policy::{ObjectKind, Subject};
use crate::signature::Verdict;

/// What the policy said, when one applied.
pub struct PolicyView {
    /// The principal the identity is, when the policy allows it.
    pub principal: Option<String>,
    /// Why not, when it does not.
    pub reasons: Vec<String>,
    /// The commit whose policy was used; `None` when the configured anchor is unusable.
    pub policy_commit: Option<String>,
}

/// The policy's view of a good verdict, or `None` when no policy applies here.
pub fn judge(payload: &[u8], object_id: Option<&str>, verdict: &Verdict) -> Option<PolicyView> {
    let repo = Repo::open(None).ok()?;
    let mut reader = repo.reader().ok()?;
    let anchor = reader.config_string("gitseal.anchor")?;
    let anchor = match reader.anchor(&anchor) {
        Ok(anchor) => anchor,
        // A configured anchor that cannot be used (an abbreviation, a name) must not make
        // git show a better letter than with a usable one: the signer is not known allowed.
        Err(e) => {
            return Some(PolicyView {
                principal: None,
                reasons: vec![format!("gitseal.anchor: {e}")],
                policy_commit: None,
            });
        }
    };
    let (base, kind) = if payload.starts_with(b"tree ") {
        let parent = header(payload, "parent")?;
        let merges = payload
            .split(|b| *b == b'\n')
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with(b"parent "))
            .count();
        let kind = if merges > 1 {
            ObjectKind::Merge
        } else {
            ObjectKind::Commit
        };
        (parent, kind)
    } else if payload.starts_with(b"object ") {
        (header(payload, "object")?, ObjectKind::Tag)
    } else {
        return None;
    };
    let base = gix::ObjectId::from_hex(base.as_bytes()).ok()?;
    let base = reader.peel_to_commit(base).ok()?;
    if !reader.is_ancestor(anchor, base).ok()? {
        return None;
    }
    let tree = reader.commit(base).ok()?.tree;
    let (_, text) = reader.read_path(tree, ".gitseal/policy.toml").ok()??;
    let text = String::from_utf8(text).ok()?;
    let policy = crate::policy::file::parse(&text, ".gitseal/policy.toml").ok()?;
    let subject = Subject {
        id: object_id.unwrap_or(""),
        refname: None,
        kind,
        changes_policy: false,
        now: None,
    };
    let finding = policy.judge(&subject, verdict);
    Some(PolicyView {
        principal: finding
            .reasons
            .is_empty()
            .then_some(finding.principal)
            .flatten(),
        reasons: finding.reasons,
        policy_commit: Some(base.to_string()),
    })
}

fn header(payload: &[u8], name: &str) -> Option<String> {
    let prefix = format!("{name} ");
    payload
        .split(|b| *b == b'\n')
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(prefix.as_bytes()))
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(str::to_string)
}
