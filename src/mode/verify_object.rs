//! `gitseal verify-commit` / `verify-tag`: exactly the named objects, any format, with
//! gitsign's identity flags for Sigstore; SSH against `gpg.ssh.allowedSignersFile` at the
//! committer time and OpenPGP against GnuPG's keyring, as git would check them.

use serde_json::json;

use crate::cli::commands::{ObjectReportFormat, VerifyObjectArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::git::Repo;
use crate::git::signed::{self, HashKind};
use crate::output::exit::Status;
use crate::output::object::{self, Checked};
use crate::signature::Format;
use crate::sigstore::identity::{Committer, Expect, Expectation, Workflow};
use crate::sigstore::verify::Object;
use crate::sigstore::{trust, verifier};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tag,
}

pub fn run(args: &VerifyObjectArgs, kind: Kind) -> Result<Status, AppError> {
    let mut expectation = expectation(args)?;
    let settings = Settings::load();
    let repo = Repo::open(None).map_err(|e| AppError::operational(e.to_string()))?;
    let mut reader = repo
        .reader()
        .map_err(|e| AppError::operational(e.to_string()))?;
    let specs = if args.objects.is_empty() {
        if kind == Kind::Tag {
            return Err(AppError::usage("verify-tag needs at least one tag"));
        }
        vec!["HEAD".to_string()]
    } else {
        args.objects.clone()
    };
    let mut sigstore = None;
    let mut results = Vec::new();
    for spec in &specs {
        let id = reader
            .resolve_object(spec)
            .map_err(|e| AppError::operational(format!("{spec}: {e}")))?;
        let id = match kind {
            Kind::Commit => reader
                .peel_to_commit(id)
                .map_err(|e| AppError::operational(format!("{spec}: {e}")))?,
            Kind::Tag => id,
        };
        let (object_kind, raw) = reader
            .object(id)
            .map_err(|e| AppError::operational(format!("{spec}: {e}")))?;
        let (kind_name, signed, time) = match (kind, object_kind) {
            (Kind::Commit, gix::object::Kind::Commit) => (
                "commit",
                signed::split_commit(&raw, reader.hash_kind())
                    .map_err(|e| AppError::verification(format!("{spec}: {e}")))?,
                signed::header_time(&raw, "committer"),
            ),
            (Kind::Tag, gix::object::Kind::Tag) => (
                "tag",
                signed::split_tag(&raw)
                    .map_err(|e| AppError::verification(format!("{spec}: {e}")))?,
                signed::header_time(&raw, "tagger"),
            ),
            (Kind::Tag, _) => {
                return Err(AppError::usage(format!("{spec} is not an annotated tag")));
            }
            (Kind::Commit, other) => {
                return Err(AppError::usage(format!(
                    "{spec} is a {other}, not a commit"
                )));
            }
        };
        let time = time.unwrap_or(0);
        let id_hex = id.to_string();
        let (verdict, report) = match signed {
            None => (crate::verify::backends::unsigned(time), None),
            Some(signed) => match Format::from_armor(&signed.signature) {
                Some(Format::X509) => {
                    if expectation.identity.is_none() || expectation.issuer.is_none() {
                        return Err(AppError::usage(format!(
                            "{spec} has a Sigstore signature: say whom you expect with --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer (or --certificate-oidc-issuer-regexp)"
                        )));
                    }
                    if sigstore.is_none() {
                        sigstore = Some((load_sigstore(&settings)?, settings.match_committer()?));
                    }
                    let ((root, online), match_committer) = sigstore.as_ref().ok_or_else(|| {
                        AppError::operational("the Sigstore trusted root is not loaded")
                    })?;
                    // gitseal.matchCommitter: this object's committer (tagger), or nobody
                    // when it names none (then no certificate matches).
                    expectation.committer = match_committer.then(|| {
                        let (name, email) = signed::maker(&signed.payload).unwrap_or_default();
                        Committer { name, email }
                    });
                    let object = Object {
                        payload: &signed.payload,
                        id: (reader.hash_kind() == HashKind::Sha1).then_some(id_hex.as_str()),
                    };
                    let v = verifier::SigstoreVerifier {
                        trust: root,
                        online,
                    };
                    let (_, mut report) = v.verify_object(&object, &signed.signature);
                    if report.outcome.is_ok()
                        && let Some(cert) = &report.certificate
                    {
                        report.outcome = expectation.check(cert);
                    }
                    (verifier::verdict(&report), Some(report))
                }
                Some(Format::Ssh) => (
                    super::verify_object_keys::ssh(
                        &settings,
                        &signed.payload,
                        &signed.signature,
                        time,
                    )?,
                    None,
                ),
                Some(Format::OpenPgp) => (
                    super::verify_object_keys::openpgp(
                        &settings,
                        &signed.payload,
                        &signed.signature,
                        time,
                    )?,
                    None,
                ),
                None => (
                    crate::verify::backends::malformed(time, "signature has no known armor header"),
                    None,
                ),
            },
        };
        crate::output::log::event(
            "verdict",
            &format!(
                "{kind_name} {id_hex} ({spec}): {} {}",
                verdict.format.name(),
                match &verdict.outcome {
                    Ok(_) => "good".to_string(),
                    Err(failure) => format!("{}: {}", failure.kind.name(), failure.detail),
                }
            ),
        );
        results.push(Checked {
            spec: spec.clone(),
            id: id_hex,
            kind: kind_name,
            verdict,
            sigstore: report,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        ObjectReportFormat::Text => results
            .iter()
            .try_for_each(|r| object::checked_text(r, &mut out)),
        ObjectReportFormat::Json => {
            let doc = json!({
                "schema": "gitseal.verify-object/v2",
                "objects": results.iter().map(object::checked_json).collect::<Vec<_>>(),
            });
            object::json_document(&mut out, &doc)
        }
    };
    written.map_err(|e| AppError::operational(format!("cannot write the report: {e}")))?;
    Ok(if results.iter().all(|r| r.verdict.is_good()) {
        Status::Success
    } else {
        Status::CheckFailed
    })
}

fn expectation(args: &VerifyObjectArgs) -> Result<Expectation, AppError> {
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
    Ok(Expectation {
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
    })
}

fn load_sigstore(
    settings: &Settings,
) -> Result<(trust::TrustRoot, crate::sigstore::online::Settings), AppError> {
    let config = settings.sigstore()?;
    let (root, note) =
        trust::load(&config.trust).map_err(|e| AppError::operational(e.to_string()))?;
    if let Some(note) = note {
        crate::output::sigstore_text::note(&note, &mut std::io::stderr().lock());
    }
    Ok((root, config.online))
}
