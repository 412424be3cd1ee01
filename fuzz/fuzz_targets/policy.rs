//! `.gitseal/policy.toml`, read from any commit's tree (so written by whoever pushes):
//! the strict parser, then judgement of signatures by every credential it names, on the
//! refs and object kinds its rules are about.
#![no_main]

use gitseal::policy::file::parse;
use gitseal::policy::{Credential, ObjectKind, SigstoreIdentity, Subject};
use gitseal::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use libfuzzer_sys::fuzz_target;

fn verdict(format: Format, key: String, unix: i64) -> Verdict {
    Verdict {
        format,
        key: Some(key),
        signer: None,
        time: Some(SignatureTime {
            unix,
            source: TimeSource::Committer,
        }),
        outcome: Ok(Trust::Fully),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match parse(text, ".gitseal/policy.toml") {
        Ok(policy) => policy,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let mut verdicts = Vec::new();
    for principal in &policy.principals {
        let times = [
            principal.valid_after,
            principal.valid_before,
            Some(1_700_000_000),
        ];
        for credential in &principal.credentials {
            let (format, key) = match credential {
                Credential::Ssh { fingerprint, .. } => (Format::Ssh, fingerprint.clone()),
                Credential::OpenPgp { fingerprint } => {
                    (Format::OpenPgp, fingerprint.to_lowercase())
                }
                Credential::Sigstore { issuer, subject } => {
                    let subject = match subject {
                        SigstoreIdentity::Exact(s) => s.clone(),
                        SigstoreIdentity::Pattern(re) => re.as_str().to_string(),
                    };
                    (Format::X509, format!("{issuer} {subject}"))
                }
            };
            for t in times.into_iter().flatten() {
                verdicts.push(verdict(format, key.clone(), t));
            }
        }
    }
    for revocation in &policy.revoked {
        let at = revocation.after.unwrap_or(0);
        verdicts.push(verdict(Format::Ssh, revocation.key.clone(), at));
        verdicts.push(verdict(Format::X509, format!("i {}", revocation.key), at));
    }
    verdicts.push(Verdict {
        format: Format::Ssh,
        key: None,
        signer: None,
        time: None,
        outcome: Err(Failure {
            kind: FailureKind::Unsigned,
            detail: "unsigned".into(),
        }),
    });
    let mut refs: Vec<String> = policy
        .rules
        .iter()
        .flat_map(|r| r.refs.iter().map(|p| p.replace('*', "x")))
        .take(8)
        .collect();
    refs.extend(["refs/heads/main".into(), "refs/tags/v1.0".into()]);
    let id = policy
        .goodlist
        .first()
        .cloned()
        .unwrap_or_else(|| "0".repeat(40));
    for verdict in verdicts.iter().take(32) {
        for refname in &refs {
            for kind in [ObjectKind::Commit, ObjectKind::Merge, ObjectKind::Tag] {
                let subject = Subject {
                    id: &id,
                    refname: Some(refname),
                    kind,
                    changes_policy: kind == ObjectKind::Merge,
                    now: Some(1_800_000_000),
                };
                let _ = policy.judge(&subject, verdict);
            }
        }
    }
    let _ = policy.ssh_keys().count();
});
