//! Verification reports: text for people, JSON (`gitseal.verify/v1`) for machines, and
//! GitHub workflow annotations.

use crate::signature::FailureKind;
use crate::verify::{CommitReport, cache::source_name};
use serde_json::json;
use std::io::Write;

/// How to print a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Github,
}

/// Writes the report for `results`.
pub fn write(out: &mut dyn Write, format: ReportFormat, results: &[CommitReport]) {
    let _ = match format {
        ReportFormat::Text => text(out, results),
        ReportFormat::Json => writeln!(out, "{}", json_document(results)),
        ReportFormat::Github => github(out, results),
    };
}

fn text(out: &mut dyn Write, results: &[CommitReport]) -> std::io::Result<()> {
    for r in results {
        let status = if r.ok() { "ok  " } else { "FAIL" };
        let who = r.finding.principal.as_deref().unwrap_or("-");
        let key = r.verdict.key.as_deref().unwrap_or("-");
        writeln!(
            out,
            "{status} {} {who} {} {key}",
            &r.id.to_string()[..12],
            format_name(r)
        )?;
        for reason in &r.finding.reasons {
            writeln!(out, "     {reason}")?;
        }
    }
    let failed = results.iter().filter(|r| !r.ok()).count();
    writeln!(
        out,
        "{} commits, {} passed, {} failed",
        results.len(),
        results.len() - failed,
        failed
    )
}

fn github(out: &mut dyn Write, results: &[CommitReport]) -> std::io::Result<()> {
    for r in results.iter().filter(|r| !r.ok()) {
        // Workflow commands: newlines and % must be escaped in the message.
        let message = r
            .finding
            .reasons
            .join("; ")
            .replace('%', "%25")
            .replace('\n', "%0A");
        writeln!(out, "::error title=gitseal::commit {}: {message}", r.id)?;
    }
    let failed = results.iter().filter(|r| !r.ok()).count();
    writeln!(
        out,
        "::notice title=gitseal::{} commits, {} passed, {} failed",
        results.len(),
        results.len() - failed,
        failed
    )
}

fn format_name(r: &CommitReport) -> &'static str {
    match &r.verdict.outcome {
        Err(f) if f.kind == FailureKind::Unsigned => "none",
        _ => r.verdict.format.name(),
    }
}

/// The JSON document of DESIGN section 6.
pub fn json_document(results: &[CommitReport]) -> serde_json::Value {
    let failed = results.iter().filter(|r| !r.ok()).count();
    let entries: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let time = r.verdict.time.map(|t| crate::policy::rfc3339(t.unix));
            let source = r.verdict.time.map(|t| source_name(t.source));
            json!({
                "commit": r.id.to_string(),
                "ref": r.refname,
                "ok": r.ok(),
                "signature": {
                    "format": format_name(r),
                    "key": r.verdict.key,
                    "time": time,
                    "time_source": source,
                },
                "principal": r.finding.principal,
                "rule": r.finding.rule,
                "reasons": r.finding.reasons,
            })
        })
        .collect();
    json!({
        "schema": "gitseal.verify/v1",
        "ok": failed == 0,
        "summary": {"commits": results.len(), "passed": results.len() - failed, "failed": failed},
        "results": entries,
    })
}

/// One line per rejected commit for a pre-receive hook (git shows them as `remote:`).
pub fn rejection_lines(err: &mut dyn Write, refname: &str, results: &[CommitReport]) {
    for r in results.iter().filter(|r| !r.ok()) {
        let rule = r
            .finding
            .rule
            .as_deref()
            .map(|rule| format!(" (rule {rule})"))
            .unwrap_or_default();
        for reason in &r.finding.reasons {
            let _ = writeln!(err, "gitseal: {refname}: commit {}{rule}: {reason}", r.id);
        }
    }
}

/// A pre-receive message that is not about one commit.
pub fn hook_message(err: &mut dyn Write, text: &str) {
    let _ = writeln!(err, "gitseal: {text}");
}

/// A progress line on a terminal: rewritten in place.
pub fn progress(done: usize, total: usize) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\rverifying signatures: {done}/{total}");
    if done == total {
        let _ = writeln!(err);
    }
}
