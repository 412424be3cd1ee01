//! Whom a Sigstore signature must come from: gitsign's (cosign's) identity and issuer
//! flags, exact or by regular expression. Expressions are anchored at both ends, so
//! `alice@example\.org` cannot match `alice@example.org.evil.test`.

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
}
