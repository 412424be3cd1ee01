//! What `gitseal verify-commit` / `verify-tag` and `gitseal show` write about single
//! objects: text for people and JSON documents. Identities, issuers, CA names, signers'
//! user ids, SSH namespaces and failure details come from the signature: escaped
//! (escape::text, escape::json).

use super::escape::{self, text};
use crate::output::status::date_time;
use crate::signature::{Failure, FailureKind, Verdict};
use crate::sigstore::verify::Report;
use serde_json::{Value, json};
use std::io::Write;

/// A time in every JSON document gitseal writes: an RFC 3339 string in UTC
/// (`2024-05-01T12:00:00Z`), as `gitseal verify` has always written them.
pub fn json_time(unix: i64) -> Value {
    json!(crate::policy::rfc3339(unix))
}

/// The Unix time of a [`json_time`] value, for text made from a JSON document.
fn unix_of(value: &Value) -> Option<i64> {
    value
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
}

/// A pretty JSON document and its newline.
pub fn json_document(out: &mut dyn Write, doc: &Value) -> std::io::Result<()> {
    writeln!(out, "{}", escape::json(&format!("{doc:#}")))
}

/// One object `verify-commit` / `verify-tag` checked.
pub struct Checked {
    /// The revision as the user named it.
    pub spec: String,
    pub id: String,
    /// `commit` or `tag`.
    pub kind: &'static str,
    pub verdict: Verdict,
    pub sigstore: Option<Report>,
}

/// `verify-commit` / `verify-tag` in text: a line per object, then what the signature
/// says of its signer.
pub fn checked_text(r: &Checked, out: &mut dyn Write) -> std::io::Result<()> {
    let short = &r.id[..r.id.len().min(12)];
    let format = r.verdict.format.name();
    let spec = text(&r.spec);
    match &r.verdict.outcome {
        Ok(_) => writeln!(out, "{} {short} ({spec}): good {format} signature", r.kind)?,
        Err(Failure {
            kind: FailureKind::Unsigned,
            ..
        }) => writeln!(out, "{} {short} ({spec}): FAILED: not signed", r.kind)?,
        Err(failure) => writeln!(
            out,
            "{} {short} ({spec}): FAILED: {format} signature: {}",
            r.kind,
            text(&failure.detail)
        )?,
    }
    if let Some(report) = &r.sigstore {
        if let Some(cert) = &report.certificate {
            writeln!(out, "  identity     {}", text(&cert.identity))?;
            writeln!(out, "  issuer       {}", text(&cert.issuer))?;
            writeln!(
                out,
                "  certificate  0x{} from {}",
                cert.fingerprint,
                text(&cert.ca)
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
            writeln!(out, "  signer       {}", text(signer))?;
        }
        if let Some(key) = &r.verdict.key {
            writeln!(out, "  key          {}", text(key))?;
        }
    }
    Ok(())
}

/// One object of the `gitseal.verify-object/v1` document.
pub fn checked_json(r: &Checked) -> Value {
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
        v["time"] = json_time(time.unix);
        v["time_source"] = json!(crate::verify::cache::source_name(time.source));
    }
    if let Some(report) = &r.sigstore {
        if let Some(cert) = &report.certificate {
            v["certificate"] = json!({
                "identity": cert.identity,
                "issuer": cert.issuer,
                "id": cert.fingerprint,
                "ca": cert.ca,
                "not_before": json_time(cert.not_before),
                "not_after": json_time(cert.not_after),
            });
        }
        v["log"] = match &report.log {
            Some(log) => json!({
                "index": log.index,
                "integrated_time": json_time(log.integrated_time),
                "log_id": log.log_id,
            }),
            None => Value::Null,
        };
    }
    v
}

/// `gitseal show` in text, from its JSON document: what the signature says, not verified.
pub fn shown_text(doc: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    let field = |v: &Value, key: &str| text(v[key].as_str().unwrap_or("")).to_string();
    writeln!(out, "{} {}", field(doc, "type"), field(doc, "object"))?;
    match doc["format"].as_str() {
        None => return writeln!(out, "  not signed"),
        Some(format) => writeln!(out, "  format       {}", text(format))?,
    }
    if let Some(problem) = doc["problem"].as_str() {
        writeln!(out, "  unreadable   {}", text(problem))?;
    }
    let sig = &doc["signature"];
    let time = |key: &str| unix_of(&sig[key]).map(date_time);
    match doc["format"].as_str() {
        Some("x509") if sig.is_object() => {
            writeln!(out, "  identity     {}", field(sig, "identity"))?;
            writeln!(out, "  issuer       {}", field(sig, "issuer"))?;
            writeln!(
                out,
                "  certificate  0x{} from {}",
                field(sig, "certificate_id"),
                field(sig, "certificate_ca")
            )?;
            if let (Some(from), Some(to)) = (time("not_before"), time("not_after")) {
                writeln!(out, "  valid        {from} to {to}")?;
            }
            if let Some(at) = time("signing_time") {
                writeln!(out, "  signed at    {at} (the signer's clock)")?;
            }
            let log = &sig["log_entry"];
            match log.as_str() {
                Some(words) => writeln!(out, "  log entry    {}", text(words))?,
                None => writeln!(
                    out,
                    "  log entry    {} at {}",
                    log["index"],
                    unix_of(&log["integrated_time"])
                        .map(date_time)
                        .unwrap_or_default()
                )?,
            }
        }
        Some("ssh") if sig.is_object() => {
            writeln!(
                out,
                "  key          {} {}",
                field(sig, "key_type"),
                field(sig, "key")
            )?;
            writeln!(out, "  namespace    {}", field(sig, "namespace"))?;
        }
        Some("openpgp") => {
            for s in sig.as_array().into_iter().flatten() {
                writeln!(out, "  key id       {}", field(s, "key_id"))?;
                if let Some(fpr) = s["fingerprint"].as_str() {
                    writeln!(out, "  fingerprint  {}", text(fpr))?;
                }
                if let Some(at) = unix_of(&s["created"]) {
                    writeln!(out, "  created      {}", date_time(at))?;
                }
            }
        }
        _ => {}
    }
    writeln!(
        out,
        "  (shown, not verified: use gitseal verify-commit or verify-tag)"
    )
}
