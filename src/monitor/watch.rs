//! The identities watched: issuer and subject, exact or by an anchored expression, from a
//! policy's Sigstore principals or from gitsign's (cosign's) identity flags.

use crate::policy::{Credential, Policy, SigstoreIdentity};
use crate::sigstore::identity::Expect;

#[derive(Clone, Debug)]
pub struct Watched {
    pub subject: Expect,
    pub issuer: Expect,
}

impl Watched {
    /// The policy's Sigstore identities.
    pub fn from_policy(policy: &Policy) -> Vec<Watched> {
        let mut watched = Vec::new();
        for principal in &policy.principals {
            for credential in &principal.credentials {
                if let Credential::Sigstore { issuer, subject } = credential {
                    watched.push(Watched {
                        subject: match subject {
                            SigstoreIdentity::Exact(s) => Expect::Exact(s.clone()),
                            SigstoreIdentity::Pattern(re) => Expect::Pattern(re.clone()),
                        },
                        issuer: Expect::Exact(issuer.clone()),
                    });
                }
            }
        }
        watched
    }

    /// The e-mail address the Rekor v1 index can be asked for: an exact subject that is
    /// an address (Rekor indexes certificates' e-mail SANs, lower case).
    pub fn email(&self) -> Option<String> {
        match &self.subject {
            Expect::Exact(s) if is_email(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Whether a certificate's subject is this identity's (whatever its issuer).
    pub fn names_subject(&self, identity: &str) -> bool {
        match &self.subject {
            Expect::Exact(s) if is_email(s) => s.eq_ignore_ascii_case(identity),
            other => other.matches(identity),
        }
    }

    pub fn matches(&self, identity: &str, issuer: &str) -> bool {
        self.names_subject(identity) && self.issuer.matches(issuer)
    }

    /// In words: `alice@example.org (issuer https://...)`.
    pub fn describe(&self) -> String {
        format!(
            "{} (issuer {})",
            describe(&self.subject),
            describe(&self.issuer)
        )
    }
}

fn describe(expect: &Expect) -> String {
    match expect {
        Expect::Exact(s) => s.clone(),
        Expect::Pattern(re) => format!("/{}/", re.as_str()),
    }
}

/// An e-mail address as Fulcio writes one in a SAN: local part, `@`, domain; no scheme.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !text.contains("://")
                && !text.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(subject: &str, issuer: &str) -> Watched {
        Watched {
            subject: Expect::Exact(subject.into()),
            issuer: Expect::Exact(issuer.into()),
        }
    }

    #[test]
    fn only_exact_addresses_can_be_searched() {
        assert_eq!(
            exact("Alice@Example.org", "i").email().as_deref(),
            Some("alice@example.org")
        );
        let workflow = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";
        assert_eq!(exact(workflow, "i").email(), None);
        let pattern = Watched {
            subject: Expect::pattern("alice@example\\.org").expect("re"),
            issuer: Expect::Exact("i".into()),
        };
        assert_eq!(pattern.email(), None);
        assert!(pattern.matches("alice@example.org", "i"));
        assert!(!pattern.matches("alice@example.org.evil.test", "i"));
    }

    #[test]
    fn addresses_match_without_case_and_issuers_exactly() {
        let w = exact("alice@example.org", "https://issuer.test");
        assert!(w.matches("ALICE@example.org", "https://issuer.test"));
        assert!(!w.matches("alice@example.org", "https://other.test"));
        assert!(w.names_subject("alice@example.org"));
        assert!(!w.names_subject("bob@example.org"));
    }
}
