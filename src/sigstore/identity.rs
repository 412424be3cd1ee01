//! Whom a Sigstore signature must come from: gitsign's (cosign's) identity and issuer
//! flags, exact or by regular expression. Expressions are anchored at both ends, so
//! `alice@example\.org` cannot match `alice@example.org.evil.test`. Beside them: gitsign's
//! `matchCommitter` (the object's committer must be the certificate's identity) and its
//! `--certificate-github-workflow-*` flags (claims Fulcio copies from a GitHub Actions
//! token).

use regex::Regex;

use super::SigstoreError;
use super::certificate::CertificateFacts;

#[derive(Clone, Debug)]
pub enum Expect {
    Exact(String),
    Pattern(Regex),
}

impl Expect {
    /// An expression that must match the whole value.
    pub fn pattern(expression: &str) -> Result<Expect, String> {
        Regex::new(&format!("^(?:{expression})$"))
            .map(Expect::Pattern)
            .map_err(|e| {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or("").trim().to_string();
                format!("invalid regular expression `{expression}`: {last}")
            })
    }

    pub fn matches(&self, value: &str) -> bool {
        match self {
            Expect::Exact(expected) => expected == value,
            Expect::Pattern(re) => re.is_match(value),
        }
    }

    fn describe(&self) -> String {
        match self {
            Expect::Exact(expected) => expected.clone(),
            Expect::Pattern(re) => format!("/{}/", re.as_str()),
        }
    }
}

/// The identity and issuer a signature must have.
#[derive(Clone, Debug, Default)]
pub struct Expectation {
    pub identity: Option<Expect>,
    pub issuer: Option<Expect>,
    /// `gitseal.matchCommitter`: the committer (tagger) of the signed object.
    pub committer: Option<Committer>,
    /// The `--certificate-github-workflow-*` claims asked for.
    pub workflow: Workflow,
}

/// Who an object says committed (tagged) it: `Name <email>` of its `committer` (`tagger`)
/// header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committer {
    pub name: String,
    pub email: String,
}

impl Committer {
    /// gitsign's rule (docs/committer-verification.md there): an e-mail identity must be
    /// the committer's e-mail; a URI identity (a CI workload, which has no e-mail) the
    /// committer's name. An identity is one or the other: an e-mail has no `:`, a URI
    /// always has one ([`super::certificate`]).
    pub fn is(&self, identity: &str) -> bool {
        if identity.contains(':') {
            identity == self.name
        } else {
            identity == self.email
        }
    }

    /// The committer as a refusal names them.
    pub fn describe(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// gitsign's (cosign's) `--certificate-github-workflow-trigger / -sha / -name /
/// -repository / -ref`: each set one must be what the certificate says.
#[derive(Clone, Debug, Default)]
pub struct Workflow {
    pub trigger: Option<String>,
    pub sha: Option<String>,
    pub name: Option<String>,
    pub repository: Option<String>,
    pub reference: Option<String>,
}

impl Workflow {
    /// Whether any claim is asked for.
    pub fn is_empty(&self) -> bool {
        self.trigger.is_none()
            && self.sha.is_none()
            && self.name.is_none()
            && self.repository.is_none()
            && self.reference.is_none()
    }

    /// Each claim asked for against the certificate's. Fulcio writes a GitHub workflow's
    /// claims twice: in the extensions 1.3.6.1.4.1.57264.1.2-.6 it has deprecated, and in
    /// their successors (.20 trigger, .13 commit, .12 repository URL, .14 ref; the
    /// workflow's name has none). cosign's flags read the deprecated ones; a certificate
    /// from after Fulcio drops them has only the successors. So every one the certificate
    /// carries must match, and one at least must be there: a claim is never matched by
    /// its absence, nor by one extension while its twin disagrees.
    pub fn check(&self, claims: &sigstore_crypto::FulcioCiClaims) -> Result<(), SigstoreError> {
        let old = &claims.deprecated_github;
        let repository_path = claims
            .source_repository_uri
            .as_deref()
            .map(repository_of_url);
        let checks: [Claim<'_>; 5] = [
            (
                "GitHub workflow trigger (1.3.6.1.4.1.57264.1.2, .20)",
                &self.trigger,
                vec![
                    old.workflow_trigger.as_deref(),
                    claims.build_trigger.as_deref(),
                ],
            ),
            (
                "GitHub workflow commit (1.3.6.1.4.1.57264.1.3, .13)",
                &self.sha,
                vec![
                    old.workflow_sha.as_deref(),
                    claims.source_repository_digest.as_deref(),
                ],
            ),
            (
                "GitHub workflow name (1.3.6.1.4.1.57264.1.4)",
                &self.name,
                vec![old.workflow_name.as_deref()],
            ),
            (
                "GitHub workflow repository (1.3.6.1.4.1.57264.1.5, .12)",
                &self.repository,
                vec![old.workflow_repository.as_deref(), repository_path],
            ),
            (
                "GitHub workflow ref (1.3.6.1.4.1.57264.1.6, .14)",
                &self.reference,
                vec![
                    old.workflow_ref.as_deref(),
                    claims.source_repository_ref.as_deref(),
                ],
            ),
        ];
        for (claim, expected, found) in checks {
            let Some(expected) = expected else { continue };
            let present: Vec<&str> = found.into_iter().flatten().collect();
            if present.is_empty() {
                return Err(SigstoreError::WorkflowMismatch {
                    claim,
                    expected: expected.clone(),
                    actual: "absent".into(),
                });
            }
            if let Some(other) = present.iter().find(|v| **v != expected.as_str()) {
                return Err(SigstoreError::WorkflowMismatch {
                    claim,
                    expected: expected.clone(),
                    actual: (*other).to_string(),
                });
            }
        }
        Ok(())
    }
}

/// A claim's name, the value asked for, and the certificate's copies of it.
type Claim<'a> = (&'static str, &'a Option<String>, Vec<Option<&'a str>>);

/// `owner/repository` of a repository URL (`https://github.com/owner/repository`), the
/// form the deprecated extension and cosign's flag use; the URL itself if it has no path.
fn repository_of_url(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(url, |(_, path)| path.trim_end_matches('/'))
}

impl Expectation {
    pub fn check(&self, cert: &CertificateFacts) -> Result<(), SigstoreError> {
        if let Some(expect) = &self.issuer
            && !expect.matches(&cert.issuer)
        {
            return Err(SigstoreError::IssuerMismatch {
                expected: expect.describe(),
                actual: cert.issuer.clone(),
            });
        }
        if let Some(expect) = &self.identity
            && !expect.matches(&cert.identity)
        {
            return Err(SigstoreError::IdentityMismatch {
                expected: expect.describe(),
                actual: cert.identity.clone(),
            });
        }
        self.workflow.check(&cert.claims)?;
        if let Some(committer) = &self.committer
            && !committer.is(&cert.identity)
        {
            return Err(SigstoreError::CommitterMismatch {
                committer: committer.describe(),
                actual: cert.identity.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_anchored() {
        let p = Expect::pattern(r"alice@example\.org").expect("valid");
        assert!(p.matches("alice@example.org"));
        assert!(!p.matches("alice@example.org.evil.test"));
        assert!(!p.matches("mallory+alice@example.org"));
        let alt = Expect::pattern("a|b").expect("valid");
        assert!(!alt.matches("ab"), "alternation stays inside the anchors");
        assert!(Expect::pattern("(").is_err());
    }

    #[test]
    fn the_committer_is_matched_by_e_mail_or_by_name_for_a_uri() {
        let person = Committer {
            name: "Alice".into(),
            email: "alice@example.org".into(),
        };
        assert!(person.is("alice@example.org"));
        assert!(!person.is("mallory@example.org"));
        assert!(
            !person.is("Alice"),
            "an e-mail identity is not matched by name"
        );
        let workflow = "https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main";
        let bot = Committer {
            name: workflow.into(),
            email: "1+github-actions@users.noreply.github.com".into(),
        };
        assert!(bot.is(workflow));
        let sneaky = Committer {
            name: "mallory@example.org".into(),
            email: "alice@example.org".into(),
        };
        assert!(
            !sneaky.is("mallory@example.org"),
            "a name never matches an e-mail"
        );
    }

    fn claims(
        old_trigger: Option<&str>,
        new_trigger: Option<&str>,
        repository_url: Option<&str>,
    ) -> sigstore_crypto::FulcioCiClaims {
        let mut claims = sigstore_crypto::FulcioCiClaims::default();
        claims.deprecated_github.workflow_trigger = old_trigger.map(str::to_string);
        claims.build_trigger = new_trigger.map(str::to_string);
        claims.source_repository_uri = repository_url.map(str::to_string);
        claims
    }

    #[test]
    fn workflow_claims_must_all_agree_and_one_must_be_there() {
        let push = Workflow {
            trigger: Some("push".into()),
            ..Workflow::default()
        };
        assert!(
            push.check(&claims(Some("push"), Some("push"), None))
                .is_ok()
        );
        assert!(push.check(&claims(None, Some("push"), None)).is_ok());
        assert!(push.check(&claims(Some("push"), None, None)).is_ok());
        let err = push
            .check(&claims(Some("push"), Some("pull_request_target"), None))
            .expect_err("twins disagree");
        assert_eq!(err.reason(), "workflow-mismatch");
        assert!(err.to_string().contains("pull_request_target"), "{err}");
        let absent = push.check(&claims(None, None, None)).expect_err("absent");
        assert!(absent.to_string().contains("absent"), "{absent}");
        let repo = Workflow {
            repository: Some("acme/app".into()),
            ..Workflow::default()
        };
        assert!(
            repo.check(&claims(None, None, Some("https://github.com/acme/app")))
                .is_ok()
        );
        assert!(
            repo.check(&claims(
                None,
                None,
                Some("https://github.com/acme/app-evil")
            ))
            .is_err()
        );
        assert!(Workflow::default().check(&claims(None, None, None)).is_ok());
    }
}
