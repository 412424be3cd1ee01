//! `gitseal sign-blob`: release files signed with the services commits are signed with,
//! a Sigstore bundle beside each; `gitseal verify-blob`: a release file (or its digest)
//! against its Sigstore bundle, with cosign's identity flags or a managed key.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::commands::{PolicySource, SignBlobArgs, VerifyBlobArgs};
use crate::config::Settings;
use crate::error::{AppError, io_reason};
use crate::output::escape;
use crate::output::exit::Status;
use crate::policy::{Policy, SignerRef};
use crate::signature::{Format, SignatureTime, TimeSource, Trust, Verdict};
use crate::sigstore::SigstoreError;
use crate::sigstore::blob::{self, Signer, Subject};
use crate::sigstore::identity::{Expect, Expectation, Workflow};
use crate::sigstore::trust::{self, TrustRoot};

pub fn verify(args: &VerifyBlobArgs) -> Result<Status, AppError> {
    let (signer, judge) = signer(args)?;
    let subject = subject(&args.artifact)?;
    let text = std::fs::read_to_string(&args.bundle).map_err(|e| {
        AppError::operational(format!(
            "cannot read the bundle {}: {}",
            args.bundle.display(),
            io_reason(&e)
        ))
    })?;
    let root = trust_root(args)?;
    let mut report = match blob::parse_bundle(&text) {
        Ok(bundle) => blob::verify(&subject, &bundle, &root, &signer),
        Err(e) => blob::BlobReport {
            certificate: None,
            log: None,
            times: Vec::new(),
            dsse: false,
            principal: None,
            outcome: Err(e),
        },
    };
    if let Some(judge) = &judge {
        judge.apply(&mut report);
    }
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    crate::output::blob::verified(
        &args.artifact,
        &report,
        &mut stdout.lock(),
        &mut stderr.lock(),
    );
    Ok(if report.outcome.is_ok() {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

/// The signing policy that judges a verified certificate, and whom of it it asks for.
struct PolicyJudge {
    policy: Policy,
    /// How the policy is named in reports (`FILE`, `HEAD:.gitseal/policy.toml`).
    name: String,
    signers: Vec<SignerRef>,
}

impl PolicyJudge {
    /// A bundle that verified is refused unless its certificate is one of the signers'
    /// Sigstore identities, valid and not revoked at the earliest time the bundle proves.
    fn apply(&self, report: &mut blob::BlobReport) {
        if report.outcome.is_err() {
            return;
        }
        let Some(cert) = &report.certificate else {
            return;
        };
        let verdict = Verdict {
            format: Format::X509,
            key: Some(format!("{} {}", cert.issuer, cert.identity)),
            signer: Some(cert.identity.clone()),
            time: report.times.iter().min().map(|unix| SignatureTime {
                unix: *unix,
                source: TimeSource::Tsa,
            }),
            outcome: Ok(Trust::Undefined),
            ssh_certificate: None,
        };
        let finding = self.policy.judge_release_file(&verdict, &self.signers);
        if finding.reasons.is_empty() {
            report.principal = finding.principal.map(|p| (p, self.name.clone()));
        } else {
            report.outcome = Err(SigstoreError::NotAllowed(format!(
                "{} (by {})",
                finding.reasons.join("; "),
                self.name
            )));
        }
    }
}

/// Whom the bundle must come from: a key, an identity and an issuer (both: a signature
/// only proves who signed when you say whom you expect), or the principals a signing
/// policy names.
fn signer(args: &VerifyBlobArgs) -> Result<(Signer, Option<PolicyJudge>), AppError> {
    if let Some(path) = &args.key {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::operational(format!(
                "cannot read the key {}: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        let der = blob::public_key_from_pem(&text)
            .map_err(|e| AppError::usage(format!("{}: {e}", path.display())))?;
        return Ok((Signer::Key(der), None));
    }
    let pick =
        |exact: &Option<String>, pattern: &Option<String>| -> Result<Option<Expect>, AppError> {
            match (exact, pattern) {
                (Some(value), _) => Ok(Some(Expect::Exact(value.clone()))),
                (None, Some(expression)) => Expect::pattern(expression)
                    .map(Some)
                    .map_err(AppError::usage),
                (None, None) => Ok(None),
            }
        };
    let expectation = Expectation {
        identity: pick(
            &args.certificate_identity,
            &args.certificate_identity_regexp,
        )?,
        issuer: pick(
            &args.certificate_oidc_issuer,
            &args.certificate_oidc_issuer_regexp,
        )?,
        committer: None,
        workflow: Workflow {
            trigger: args.certificate_github_workflow_trigger.clone(),
            sha: args.certificate_github_workflow_sha.clone(),
            name: args.certificate_github_workflow_name.clone(),
            repository: args.certificate_github_workflow_repository.clone(),
            reference: args.certificate_github_workflow_ref.clone(),
        },
    };
    if expectation.identity.is_some() || expectation.issuer.is_some() {
        if expectation.identity.is_none() || expectation.issuer.is_none() {
            return Err(AppError::usage(SAY_WHOM));
        }
        return Ok((Signer::Certificate(Box::new(expectation)), None));
    }
    let judge = policy_judge(args)?;
    Ok((Signer::Certificate(Box::new(expectation)), Some(judge)))
}

const SAY_WHOM: &str = "say whom you expect: --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer (or --certificate-oidc-issuer-regexp), --key for a key-signed bundle, or --policy FILE / --principal NAME for a signing policy's principals";

/// The policy (`--policy FILE`, else `.gitseal/policy.toml` at HEAD) and its signers
/// (`--principal`, else its `[release_files]`). Without either flag a repository's policy
/// is used only when it has `[release_files]`: otherwise the old question stands.
fn policy_judge(args: &VerifyBlobArgs) -> Result<PolicyJudge, AppError> {
    let asked = args.policy.is_some() || !args.principal.is_empty();
    let source = PolicySource {
        file: args.policy.clone(),
        rev: "HEAD".into(),
    };
    let (policy, name) = match super::verify::load(&source) {
        Ok(found) => found,
        Err(e) if asked => return Err(e),
        Err(_) => return Err(AppError::usage(SAY_WHOM)),
    };
    let signers = if args.principal.is_empty() {
        match &policy.release_files {
            Some(list) => list.clone(),
            None if asked => {
                return Err(AppError::usage(format!(
                    "{name} has no [release_files] signers"
                ))
                .with_hint(
                    "add `[release_files]` with `signers = [\"NAME\"]` to the policy, or give --principal NAME",
                ));
            }
            None => return Err(AppError::usage(SAY_WHOM)),
        }
    } else {
        args.principal
            .iter()
            .map(|who| signer_ref(&policy, &name, who))
            .collect::<Result<_, _>>()?
    };
    Ok(PolicyJudge {
        policy,
        name,
        signers,
    })
}

/// `NAME` or `@GROUP`, which the policy must have.
fn signer_ref(policy: &Policy, name: &str, who: &str) -> Result<SignerRef, AppError> {
    if let Some(group) = who.strip_prefix('@') {
        if policy.groups.contains_key(group) {
            return Ok(SignerRef::Group(group.to_string()));
        }
        return Err(AppError::usage(format!(
            "--principal {}: {name} has no group `{}`",
            escape::text(who),
            escape::text(group)
        ))
        .with_hint("see its groups with `gitseal policy describe`"));
    }
    if policy.principals.iter().any(|p| p.name == who) {
        return Ok(SignerRef::Principal(who.to_string()));
    }
    Err(AppError::usage(format!(
        "--principal {}: {name} has no principal `{}`",
        escape::text(who),
        escape::text(who)
    ))
    .with_hint("see its principals with `gitseal policy describe`"))
}

fn subject(argument: &str) -> Result<Subject, AppError> {
    if let Some(digest) = Subject::digest(argument) {
        return digest.map_err(|e| AppError::usage(format!("`{argument}`: {e}")));
    }
    std::fs::read(argument)
        .map(Subject::Bytes)
        .map_err(|e| AppError::operational(format!("cannot read {argument}: {}", io_reason(&e))))
}

fn trust_root(args: &VerifyBlobArgs) -> Result<TrustRoot, AppError> {
    if let Some(path) = &args.trusted_root {
        return TrustRoot::from_file(path).map_err(|e| AppError::operational(e.to_string()));
    }
    let config = Settings::load().sigstore()?;
    let (root, note) =
        trust::load(&config.trust).map_err(|e| AppError::operational(e.to_string()))?;
    if let Some(note) = note {
        crate::output::sigstore_text::note(&note, &mut std::io::stderr().lock());
    }
    Ok(root)
}

/// Reads every file first (a missing one stops the run before anything is signed or
/// logged), signs them with one certificate, then writes each bundle whole (a temporary
/// file renamed into place) as `FILE.sigstore.json`.
pub fn sign(args: &SignBlobArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    let contents = args
        .files
        .iter()
        .map(|path| {
            std::fs::read(path).map_err(|e| {
                AppError::operational(format!("cannot read {}: {}", path.display(), io_reason(&e)))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let targets: Vec<PathBuf> = args.files.iter().map(|p| bundle_path(p)).collect();
    let settings = Settings::load().sigstore_signing()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut err = std::io::stderr();
    let slices: Vec<&[u8]> = contents.iter().map(|c| c.as_slice()).collect();
    let signed = crate::sigstore::sign_blob::sign_blobs(&slices, &settings, now, &mut |note| {
        crate::output::sigstore_text::note(note, &mut err);
    })
    .map_err(|e| AppError::operational(e.to_string()))?;
    for (bundle, target) in signed.bundles.iter().zip(&targets) {
        write_whole(target, bundle.bundle.as_bytes())?;
    }
    crate::output::blob::signed(&signed, &targets, out, &mut std::io::stderr());
    Ok(Status::Success)
}

fn bundle_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sigstore.json");
    PathBuf::from(name)
}

fn write_whole(target: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let cannot = |e: &std::io::Error| {
        AppError::operational(format!(
            "cannot write {}: {}",
            target.display(),
            io_reason(e)
        ))
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| cannot(&e))?;
    temp.write_all(bytes).map_err(|e| cannot(&e))?;
    temp.as_file().sync_all().map_err(|e| cannot(&e))?;
    temp.persist(target).map_err(|e| cannot(&e.error))?;
    Ok(())
}
