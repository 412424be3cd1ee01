//! `gitseal show <commit-or-tag>`: what is inside a signature, for a person to read. Nothing
//! here is judged: a certificate's identity is what it says, not what was verified.

use std::io::Write;

use serde_json::{Value, json};

use crate::cli::commands::{ObjectReportFormat, ShowArgs};
use crate::error::AppError;
use crate::git::Repo;
use crate::git::signed;
use crate::output::exit::Status;
use crate::output::object::{self, json_time};
use crate::signature::Format;

pub fn run(args: &ShowArgs) -> Result<Status, AppError> {
    let spec = &args.object;
    let (id, kind, signed) = read_signed(spec)?;
    let mut doc = json!({
        "schema": "gitseal.show/v1",
        "object": id.to_string(),
        "type": kind.to_string(),
    });
    match signed {
        None => doc["format"] = Value::Null,
        Some(signed) => describe(&signed.signature, &mut doc),
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        ObjectReportFormat::Json => object::json_document(&mut out, &doc),
        ObjectReportFormat::Text => object::shown_text(&doc, &mut out),
    };
    written.map_err(|e| AppError::operational(format!("cannot write: {e}")))?;
    Ok(Status::Success)
}

/// `gitseal bundle`: the object's Sigstore signature as a bundle, after checking that the
/// object's bytes are what it signed.
pub fn bundle(
    args: &crate::cli::commands::BundleArgs,
    out: &mut dyn Write,
) -> Result<Status, AppError> {
    use crate::sigstore::{cms, verify};
    let spec = &args.object;
    let (_, _, signed) = read_signed(spec)?;
    let signed = signed.ok_or_else(|| AppError::verification(format!("{spec} is not signed")))?;
    if Format::from_armor(&signed.signature) != Some(Format::X509) {
        return Err(AppError::usage(format!(
            "{spec} is not signed with Sigstore (x509)"
        )));
    }
    let sig = cms::parse(&signed.signature)
        .map_err(|e| AppError::verification(format!("{spec}: {e}")))?;
    if sig.tlog_entry.is_none() {
        return Err(AppError::verification(format!(
            "{spec} was signed in gitsign's online mode: no log entry is embedded to put in a bundle"
        )));
    }
    use sha2::Digest;
    if sha2::Sha256::digest(&signed.payload).as_slice() != sig.message_digest.as_slice() {
        return Err(AppError::verification(format!(
            "{spec}: the signature's message digest does not match the object"
        )));
    }
    let doc =
        verify::bundle_json(&sig).map_err(|e| AppError::verification(format!("{spec}: {e}")))?;
    if let Some(path) = &args.artifact {
        std::fs::write(path, &sig.signed_attrs).map_err(|e| {
            AppError::operational(format!(
                "cannot write {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ))
        })?;
    }
    object::json_document(out, &doc)
        .map_err(|e| AppError::operational(format!("cannot write: {e}")))?;
    Ok(Status::Success)
}

/// The object `spec` names (not peeled: a tag's signature is on the tag) and its signed
/// payload and signature, as git extracts them.
fn read_signed(
    spec: &str,
) -> Result<(gix::ObjectId, gix::object::Kind, Option<signed::Signed>), AppError> {
    let repo = Repo::open(None).map_err(|e| AppError::operational(e.to_string()))?;
    let mut reader = repo
        .reader()
        .map_err(|e| AppError::operational(e.to_string()))?;
    let id = reader
        .resolve_object(spec)
        .map_err(|e| AppError::operational(format!("{spec}: {e}")))?;
    let (kind, raw) = reader
        .object(id)
        .map_err(|e| AppError::operational(format!("{spec}: {e}")))?;
    let signed = match kind {
        gix::object::Kind::Commit => signed::split_commit(&raw, reader.hash_kind())
            .map_err(|e| AppError::verification(format!("{spec}: {e}")))?,
        gix::object::Kind::Tag => {
            signed::split_tag(&raw).map_err(|e| AppError::verification(format!("{spec}: {e}")))?
        }
        other => {
            return Err(AppError::usage(format!(
                "{spec} is a {other}, not a commit or tag"
            )));
        }
    };
    Ok((id, kind, signed))
}

fn describe(signature: &[u8], doc: &mut Value) {
    let format = Format::from_armor(signature);
    doc["format"] = json!(format.map_or("unknown", |f| f.name()));
    let details = match format {
        Some(Format::X509) => x509(signature),
        Some(Format::Ssh) => ssh(signature),
        Some(Format::OpenPgp) => openpgp(signature),
        None => Err("the signature has no known armor header".to_string()),
    };
    match details {
        Ok(details) => doc["signature"] = details,
        Err(problem) => doc["problem"] = json!(problem),
    }
}

fn x509(signature: &[u8]) -> Result<Value, String> {
    use crate::sigstore::{certificate, cms, tlog};
    let sig = cms::parse(signature).map_err(|e| e.to_string())?;
    let cert = certificate::facts(&sig.certificate).map_err(|e| e.to_string())?;
    let mut v = json!({
        "identity": cert.identity,
        "issuer": cert.issuer,
        "certificate_id": cert.fingerprint,
        "certificate_ca": cert.ca,
        "not_before": json_time(cert.not_before),
        "not_after": json_time(cert.not_after),
        "signing_time": sig.signing_time.map(json_time),
        "timestamps": sig.timestamps.len(),
        "certificates_in_bag": 1 + sig.extra_certificates.len(),
    });
    v["log_entry"] = match &sig.tlog_entry {
        None => json!(
            "none embedded (gitsign online mode: the entry is in the log, found by the object id)"
        ),
        Some(bytes) => match tlog::decode(bytes) {
            Ok(entry) => json!({
                "index": entry.log_index,
                "integrated_time": json_time(entry.integrated_time),
                "log_id": entry.log_id.map(|id| crate::sigstore::verify::hex(&id.key_id)),
                "tree_size": entry.inclusion_proof.as_ref().map(|p| p.tree_size),
                "set": entry.inclusion_promise.is_some(),
                "checkpoint": entry.inclusion_proof.as_ref().and_then(|p| p.checkpoint.as_ref()).map(|c| c.envelope.lines().next().unwrap_or("").to_string()),
            }),
            Err(e) => json!(e.to_string()),
        },
    };
    Ok(v)
}

fn ssh(signature: &[u8]) -> Result<Value, String> {
    let sig = crate::ssh::sshsig::SshSignature::from_armor(signature).map_err(|e| e.to_string())?;
    let mut v = json!({
        "key_type": sig.signer.type_name(),
        "key": sig.signer.fingerprint(),
        "namespace": sig.namespace,
        "hash": format!("{:?}", sig.hash_alg).to_lowercase(),
    });
    if let Some(cert) = sig.signer.certificate() {
        v["certificate"] = json!({
            "key_id": cert.key_id,
            "principals": cert.principals,
            "valid_after": i64::try_from(cert.valid_after).ok().map(json_time),
            // ssh-keygen's "forever" (all ones) is no end: null.
            "valid_before": i64::try_from(cert.valid_before).ok().map(json_time),
        });
    }
    Ok(v)
}

fn openpgp(signature: &[u8]) -> Result<Value, String> {
    let keyring = crate::openpgp::keyring::Keyring::new();
    let trustdb = crate::openpgp::trustdb::TrustDb::default();
    let context = crate::openpgp::verify::Context {
        keyring: &keyring,
        trustdb: &trustdb,
        now: std::time::SystemTime::now(),
        or_later_signature: false,
    };
    // Nothing to check against: only what the signature packet itself says is used.
    let reports = crate::openpgp::verify::verify_detached(signature, b"", &context)
        .map_err(|e| e.to_string())?;
    Ok(Value::Array(
        reports
            .iter()
            .map(|r| {
                json!({
                    "key_id": r.key_id,
                    "fingerprint": r.fingerprint,
                    "signer_uid": r.signers_uid,
                    "created": json_time(r.created),
                    "public_key_algorithm": r.pk_algo,
                    "hash_algorithm": r.hash_algo,
                })
            })
            .collect(),
    ))
}
