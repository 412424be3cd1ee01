//! `gitseal verify-commit` / `verify-tag`: exactly the named objects, any format, with
//! gitsign's identity flags for Sigstore; SSH against `gpg.ssh.allowedSignersFile` at the
//! committer time and OpenPGP against GnuPG's keyring, as git would check them.

use std::io::Write;

use serde_json::{Value, json};

use crate::cli::commands::{ObjectReportFormat, VerifyObjectArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::git::Repo;
use crate::git::signed::{self, HashKind};
use crate::output::exit::Status;
use crate::output::status::date_time;
use crate::signature::{Failure, FailureKind, Format, Verdict};
use crate::sigstore::identity::{Expect, Expectation};
use crate::sigstore::verify::{Object, Report};
use crate::sigstore::{trust, verifier};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tag,
}

/// One object's result.
struct Checked {
    spec: String,
    id: String,
    kind: &'static str,
    verdict: Verdict,
    sigstore: Option<Report>,
}

pub fn run(args: &VerifyObjectArgs, kind: Kind) -> Result<Status, AppError> {
    let expectation = expectation(args)?;
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
                        sigstore = Some(load_sigstore(&settings)?);
                    }
                    let (root, online) = sigstore.as_ref().ok_or_else(|| {
                        AppError::operational("the Sigstore trusted root is not loaded")
                    })?;
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
        ObjectReportFormat::Text => results.iter().try_for_each(|r| text(r, &mut out)),
        ObjectReportFormat::Json => {
            let doc = json!({
                "schema": "gitseal.verify-object/v1",
                "objects": results.iter().map(json_of).collect::<Vec<_>>(),
            });
            writeln!(out, "{doc:#}")
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

fn text(r: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    let short = &r.id[..r.id.len().min(12)];
    let format = r.verdict.format.name();
    match &r.verdict.outcome {
        Ok(_) => writeln!(
            out,
            "{} {short} ({}): good {format} signature",
            r.kind, r.spec
        )?,
        Err(Failure {
            kind: FailureKind::Unsigned,
            ..
        }) => writeln!(out, "{} {short} ({}): FAILED: not signed", r.kind, r.spec)?,
        Err(failure) => writeln!(
            out,
            "{} {short} ({}): FAILED: {format} signature: {}",
            r.kind, r.spec, failure.detail
        )?,
    }
    if let Some(report) = &r.sigstore {
        if let Some(cert) = &report.certificate {
            writeln!(out, "  identity     {}", cert.identity)?;
            writeln!(out, "  issuer       {}", cert.issuer)?;
            writeln!(
                out,
                "  certificate  0x{} from {}",
                cert.fingerprint, cert.ca
            )?;
        }
        if let Some(log) = &report.log {
            writeln!(
                out,
                "  logged       {}, entry {}",
                date_time(log.integrated_time),
                log.index
            )?;
        } else if report.online_mode {
            writeln!(
                out,
                "  logged       no entry embedded (gitsign online mode)"
            )?;
        }
    } else if r.verdict.key.is_some() || r.verdict.signer.is_some() {
        if let Some(signer) = &r.verdict.signer {
            writeln!(out, "  signer       {signer}")?;
        }
        if let Some(key) = &r.verdict.key {
            writeln!(out, "  key          {key}")?;
        }
    }
    Ok(())
}

fn json_of(r: &Checked) -> Value {
    let mut v = json!({
        "object": r.id,
        "spec": r.spec,
        "type": r.kind,
        "format": r.verdict.format.name(),
        "verified": r.verdict.is_good(),
        "signer": r.verdict.signer,
        "key": r.verdict.key,
    });
    if let Err(failure) = &r.verdict.outcome {
        v["failure"] = json!({"kind": failure.kind.name(), "detail": failure.detail});
        if let Some(Err(e)) = r.sigstore.as_ref().map(|s| &s.outcome) {
            v["failure"]["reason"] = json!(e.reason());
        }
    }
    if let Some(time) = &r.verdict.time {
        v["time"] = json!(time.unix);
        v["time_source"] = json!(crate::verify::cache::source_name(time.source));
    }
    if let Some(report) = &r.sigstore {
        if let Some(cert) = &report.certificate {
            v["certificate"] = json!({
                "identity": cert.identity,
                "issuer": cert.issuer,
                "id": cert.fingerprint,
                "ca": cert.ca,
                "not_before": cert.not_before,
                "not_after": cert.not_after,
            });
        }
        v["log"] = match &report.log {
            Some(log) => json!({
                "index": log.index,
                "integrated_time": log.integrated_time,
                "log_id": log.log_id,
            }),
            None => Value::Null,
        };
    }
    v
}
