//! The OpenPGP certificate files of a `.gitseal/keys` directory, as the policy beside them
//! sees them: which files hold certificates, and the `[[revoked]]` entries that name a
//! key no verdict can carry.
//!
//! Verdicts name a certificate by its primary fingerprint, which is what policies list
//! (verify::backends). A `[[revoked]]` entry naming one of a certificate's subkeys would
//! therefore never match, and the subkey would keep signing while the policy looks as if
//! it revoked it; DESIGN section 6 makes such an entry an error.

use crate::policy::Policy;
use sequoia_openpgp::cert::CertParser;
use sequoia_openpgp::parse::Parse;

/// Whether a file of `.gitseal/keys` holds certificates, by its name.
pub fn is_certificate_file(name: &str) -> bool {
    [".asc", ".gpg", ".pgp"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Why `policy`'s `[[revoked]]` entries can never match, given the certificate files of
/// its keys directory (name, contents): one line for each entry that names a subkey of a
/// certificate there and no certificate's primary key (the policy file already refuses
/// key ids and other forms that cannot match).
pub fn unmatchable_revocations(policy: &Policy, files: &[(String, Vec<u8>)]) -> Vec<String> {
    let hex = |key: &&str| key.chars().all(|c| c.is_ascii_hexdigit());
    let keys: Vec<&str> = policy
        .revoked
        .iter()
        .map(|r| r.key.as_str())
        .filter(|key| [40, 64].contains(&key.len()) && hex(key))
        .collect();
    if keys.is_empty() {
        return Vec::new();
    }
    // (file, primary, subkeys) of every certificate; damaged blocks are skipped, as when
    // the keyring is built.
    let mut certs = Vec::new();
    for (name, data) in files.iter().filter(|(name, _)| is_certificate_file(name)) {
        let Ok(parser) = CertParser::from_bytes(data) else {
            continue;
        };
        for cert in parser.flatten() {
            let subkeys: Vec<String> = cert
                .keys()
                .subkeys()
                .map(|k| k.key().fingerprint().to_hex())
                .collect();
            certs.push((name.as_str(), cert.fingerprint().to_hex(), subkeys));
        }
    }
    let mut problems = Vec::new();
    for key in keys {
        let fingerprint = key;
        let same = |other: &String| other.eq_ignore_ascii_case(fingerprint);
        if certs.iter().any(|(_, primary, _)| same(primary)) {
            continue;
        }
        if let Some((file, primary, _)) = certs.iter().find(|(_, _, subs)| subs.iter().any(same)) {
            problems.push(format!(
                "[[revoked]] key {fingerprint} is a subkey of certificate {primary} in .gitseal/keys/{}, and signatures are judged by the certificate's primary fingerprint, so the entry never matches: revoke {primary} (every key of the certificate), or add the subkey's revocation signature to that file and remove the entry",
                file.escape_debug()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::cert::CertBuilder;
    use sequoia_openpgp::serialize::SerializeInto;

    fn policy(revoked: &str) -> Policy {
        let text = format!("version = 1\n\n[[revoked]]\nkey = \"{revoked}\"\n");
        crate::policy::file::parse(&text, "policy.toml").expect("policy parses")
    }

    #[test]
    fn a_subkey_fingerprint_is_refused_and_a_primary_one_is_not() {
        let (cert, _) = CertBuilder::new()
            .add_userid("Alice <alice@example.org>")
            .add_signing_subkey()
            .generate()
            .expect("generates");
        let files = vec![("alice.asc".to_string(), cert.to_vec().expect("serializes"))];
        let subkey = cert
            .keys()
            .subkeys()
            .next()
            .expect("a subkey")
            .key()
            .fingerprint()
            .to_hex();
        let problems = unmatchable_revocations(&policy(&subkey.to_lowercase()), &files);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(&cert.fingerprint().to_hex()));
        assert!(problems[0].contains(".gitseal/keys/alice.asc"));
        assert!(problems[0].contains("never matches"));

        let primary = cert.fingerprint().to_hex();
        assert!(unmatchable_revocations(&policy(&primary), &files).is_empty());
        // Not a key of any certificate there: another room's key, or a certificate kept
        // elsewhere; nothing to say.
        assert!(unmatchable_revocations(&policy(&"AB".repeat(20)), &files).is_empty());
        // A key id never matches a verdict: the policy file refuses it before this runs.
        let by_id = format!("version = 1\n\n[[revoked]]\nkey = \"{}\"\n", &primary[24..]);
        let refused = crate::policy::file::parse(&by_id, "policy.toml").unwrap_err();
        assert_eq!(
            refused.kind,
            crate::policy::file::PolicyErrorKind::RevokedKey
        );
        // A file that is no certificate file is not read.
        let other = vec![("alice.txt".to_string(), files[0].1.clone())];
        assert!(unmatchable_revocations(&policy(&subkey), &other).is_empty());
    }
}
