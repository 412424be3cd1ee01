//! What a Fulcio certificate says, for verdicts and for people: identity, issuer, names,
//! validity. The validity and issuer claims come from the Sigstore project's parser
//! (`sigstore-crypto`); the identity, names and fingerprint from `x509-cert`.
//!
//! The identity is the one thing policies and `verify-commit --certificate-identity`
//! match, so it must be a single unambiguous string. Fulcio writes exactly one SAN: an
//! rfc822Name for an e-mail identity, a URI for a workload (CI) identity. cosign instead
//! accepts a certificate when *any* of its SANs (e-mail, URI, DNS, IP, Fulcio's username
//! OtherName) matches, so a certificate naming `[alice, bob]` passes as either;
//! `sigstore-crypto` takes the first e-mail or URI SAN and does not say which type it was.
//! gitseal refuses instead (see [`identity`]): a certificate that names more than one
//! SAN, none, or a SAN whose value is not of its type (a URI SAN `alice@example.org`, an
//! e-mail SAN `https://...`) names no one.

use der::asn1::Ia5String;
use der::{Decode, Encode};
use sha1::{Digest, Sha1};
use sigstore_types::DerCertificate;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use super::SigstoreError;

/// The facts of a signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFacts {
    /// The certificate's one SAN, an e-mail address or an absolute URI: who Fulcio says
    /// signed.
    pub identity: String,
    /// The OIDC issuer that vouched for the identity (Fulcio extension 1.8, else 1.1).
    pub issuer: String,
    /// Lower-case hex SHA-1 of the certificate DER: gitsign's "certificate ID".
    pub fingerprint: String,
    /// The subject DN (empty for Fulcio certificates) and the issuing CA's DN.
    pub subject: String,
    pub ca: String,
    pub not_before: i64,
    pub not_after: i64,
    /// DER SubjectPublicKeyInfo of the signing key.
    pub public_key: Vec<u8>,
    /// What Fulcio copied from a CI workload's token (extensions 1.3.6.1.4.1.57264.1.2-.6
    /// and .9 onwards), read by the Sigstore project's parser: empty for a person.
    pub claims: sigstore_crypto::FulcioCiClaims,
}

/// Reads the facts of a certificate (DER). A certificate that does not name exactly one
/// signer and an OIDC issuer as Fulcio does is refused (`certificate-identity`).
pub fn facts(der: &[u8]) -> Result<CertificateFacts, SigstoreError> {
    let info = sigstore_crypto::parse_certificate_info(&DerCertificate::new(der.to_vec()))
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let cert = Certificate::from_der(der)
        .map_err(|e| SigstoreError::Malformed(format!("signer certificate: {e}")))?;
    let fingerprint = Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let public_key = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| SigstoreError::Malformed(format!("signer key: {e}")))?;
    Ok(CertificateFacts {
        identity: identity(&cert)?,
        issuer: issuer(info.issuer)?,
        fingerprint,
        subject: cert.tbs_certificate.subject.to_string(),
        ca: cert.tbs_certificate.issuer.to_string(),
        not_before: info.not_before.as_second(),
        not_after: info.not_after.as_second(),
        public_key,
        claims: info.ci_claims,
    })
}

/// The signer's identity: the value of the certificate's one SAN, which must be an
/// rfc822Name holding an e-mail address or a URI holding an absolute URI. An e-mail
/// address has no `:` and an absolute URI always has one (after its scheme), so the value
/// alone tells which type it came from, and an expected identity can match only the type
/// it is written in.
fn identity(cert: &Certificate) -> Result<String, SigstoreError> {
    let refuse = |why: String| SigstoreError::CertificateIdentity(why);
    let san = cert.tbs_certificate.get::<SubjectAltName>().map_err(|_| {
        refuse(
            "more than one subject alternative name extension, or one that cannot be read".into(),
        )
    })?;
    let names = match san {
        Some((_, SubjectAltName(names))) => names,
        None => Vec::new(),
    };
    let [name] = names.as_slice() else {
        return Err(refuse(format!(
            "the certificate has {} subject alternative names ({}); Fulcio writes exactly one",
            names.len(),
            names.iter().map(describe).collect::<Vec<_>>().join(", ")
        )));
    };
    match name {
        GeneralName::Rfc822Name(email) if is_email(email) => Ok(email.to_string()),
        GeneralName::UniformResourceIdentifier(uri) if is_absolute_uri(uri) => Ok(uri.to_string()),
        GeneralName::Rfc822Name(_) => Err(refuse(format!(
            "its e-mail SAN {} is not an e-mail address",
            describe(name)
        ))),
        GeneralName::UniformResourceIdentifier(uri) if is_email(uri) => Err(refuse(format!(
            "its SAN {} is a URI holding an e-mail address; Fulcio writes an e-mail identity as an rfc822Name",
            describe(name)
        ))),
        GeneralName::UniformResourceIdentifier(_) => Err(refuse(format!(
            "its URI SAN {} is not an absolute URI",
            describe(name)
        ))),
        _ => Err(refuse(format!(
            "its only SAN is {}, which names no e-mail or URI identity",
            describe(name)
        ))),
    }
}

/// A SAN in words for a refusal: its type and, for text types, its value (quoted with
/// Rust's escapes, as it comes from the certificate).
fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::Rfc822Name(v) => format!("e-mail {:?}", v.to_string()),
        GeneralName::UniformResourceIdentifier(v) => format!("URI {:?}", v.to_string()),
        GeneralName::DnsName(v) => format!("DNS name {:?}", v.to_string()),
        GeneralName::OtherName(other) => format!("an OtherName ({})", other.type_id),
        GeneralName::IpAddress(_) => "an IP address".into(),
        GeneralName::DirectoryName(_) => "a directory name".into(),
        GeneralName::RegisteredId(_) => "a registered id".into(),
        GeneralName::EdiPartyName(_) => "an EDI party name".into(),
    }
}

/// `local@domain`: one `@`, both parts present, no `:` (which every absolute URI has),
/// nothing blank or invisible.
fn is_email(value: &Ia5String) -> bool {
    let text = value.as_str();
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !text.contains(':')
        && plain(text)
}

/// RFC 3986 section 4.3: a scheme (a letter, then letters, digits, `+`, `-`, `.`), a
/// colon and more; nothing blank or invisible.
fn is_absolute_uri(value: &Ia5String) -> bool {
    let text = value.as_str();
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && plain(text)
}

/// No spaces or control characters: an identity is one word in every report and in the
/// verdict's `<issuer> <identity>` key.
fn plain(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The OIDC issuer: present (every Fulcio certificate names one) and one word, since
/// reports and policies read `<issuer> <identity>` with the issuer up to the first space.
fn issuer(issuer: Option<String>) -> Result<String, SigstoreError> {
    match issuer {
        Some(issuer) if plain(&issuer) => Ok(issuer),
        Some(issuer) => Err(SigstoreError::CertificateIdentity(format!(
            "its OIDC issuer {issuer:?} contains spaces or control characters"
        ))),
        None => Err(SigstoreError::CertificateIdentity(
            "it names no OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8 or 1.1)".into(),
        )),
    }
}

/// PEM of a DER certificate exactly as Go's `pem.EncodeToMemory` writes it (64-column
/// lines, LF), which is what gitsign uploaded to Rekor and what the log's body holds.
pub fn to_pem(der: &[u8]) -> Result<String, SigstoreError> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map(|mut pem| {
            if !pem.ends_with('\n') {
                pem.push('\n');
            }
            pem
        })
        .map_err(|e| SigstoreError::Malformed(format!("certificate PEM: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::signed::{HashKind, split_commit};
    use der::asn1::OctetString;
    use x509_cert::ext::pkix::name::OtherName;

    /// A real gitsign certificate (e-mail SAN), to change one extension of.
    fn real() -> Certificate {
        let raw = crate::testdata::read_gitsign("fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit");
        let signed = split_commit(&raw, HashKind::Sha1)
            .ok()
            .flatten()
            .expect("signed");
        let sig = super::super::cms::parse(&signed.signature).expect("cms");
        Certificate::from_der(&sig.certificate).expect("certificate")
    }

    /// The real certificate with its SAN extension's names replaced (its signature no
    /// longer verifies, which reading facts does not check).
    fn with_sans(names: Vec<GeneralName>) -> Vec<u8> {
        let mut cert = real();
        let san_oid = const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
        let value = SubjectAltName(names).to_der().expect("SAN");
        for ext in cert.tbs_certificate.extensions.iter_mut().flatten() {
            if ext.extn_id == san_oid {
                ext.extn_value = OctetString::new(value.clone()).expect("octets");
            }
        }
        cert.to_der().expect("certificate")
    }

    fn email(v: &str) -> GeneralName {
        GeneralName::Rfc822Name(Ia5String::new(v).expect("ascii"))
    }

    fn uri(v: &str) -> GeneralName {
        GeneralName::UniformResourceIdentifier(Ia5String::new(v).expect("ascii"))
    }

    fn refused(der: &[u8]) -> String {
        match facts(der) {
            Ok(f) => panic!("accepted as {}", f.identity),
            Err(e) => {
                assert_eq!(e.reason(), "certificate-identity", "{e}");
                e.to_string()
            }
        }
    }

    #[test]
    fn one_email_or_uri_san_is_the_identity() {
        let f = facts(&with_sans(vec![email("alice@example.org")])).expect("e-mail");
        assert_eq!(f.identity, "alice@example.org");
        let workflow = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";
        let f = facts(&with_sans(vec![uri(workflow)])).expect("URI");
        assert_eq!(f.identity, workflow);
        assert_eq!(f.issuer, "https://accounts.google.com");
    }

    #[test]
    fn more_or_fewer_than_one_san_names_no_one() {
        let two = refused(&with_sans(vec![
            email("alice@example.org"),
            email("bob@example.org"),
        ]));
        assert!(two.contains("2 subject alternative names"), "{two}");
        assert!(two.contains("\"bob@example.org\""), "{two}");
        let mixed = refused(&with_sans(vec![
            uri("https://example.org/alice"),
            email("alice@example.org"),
        ]));
        assert!(mixed.contains("Fulcio writes exactly one"), "{mixed}");
        let none = refused(&with_sans(Vec::new()));
        assert!(none.contains("0 subject alternative names"), "{none}");
        // No SAN extension at all.
        let mut cert = real();
        if let Some(exts) = cert.tbs_certificate.extensions.as_mut() {
            exts.retain(|e| e.extn_id != const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME);
        }
        refused(&cert.to_der().expect("der"));
    }

    #[test]
    fn a_san_must_be_of_the_type_its_value_is() {
        let text = refused(&with_sans(vec![uri("alice@example.org")]));
        assert!(text.contains("a URI holding an e-mail address"), "{text}");
        let text = refused(&with_sans(vec![email("https://example.org/alice")]));
        assert!(text.contains("is not an e-mail address"), "{text}");
        refused(&with_sans(vec![email("mailto:alice@example.org")]));
        refused(&with_sans(vec![email("alice@bob@example.org")]));
        refused(&with_sans(vec![email("alice @example.org")]));
        refused(&with_sans(vec![uri("1https://example.org")]));
        refused(&with_sans(vec![uri("https://example.org/a\nb")]));
        let dns = refused(&with_sans(vec![GeneralName::DnsName(
            Ia5String::new("example.org").expect("ascii"),
        )]));
        assert!(dns.contains("DNS name"), "{dns}");
        let username = refused(&with_sans(vec![GeneralName::OtherName(OtherName {
            type_id: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7"),
            value: der::Any::encode_from(&der::asn1::Utf8StringRef::new("alice").expect("utf8"))
                .expect("any"),
        })]));
        assert!(username.contains("1.3.6.1.4.1.57264.1.7"), "{username}");
    }

    #[test]
    fn the_issuer_is_present_and_one_word() {
        assert!(issuer(Some("https://accounts.google.com".into())).is_ok());
        for bad in [
            None,
            Some(String::new()),
            Some("https://accounts.google.com alice@example.org".into()),
            Some("https://issuer\n".into()),
        ] {
            let err = issuer(bad).expect_err("refused");
            assert_eq!(err.reason(), "certificate-identity");
        }
    }
}
