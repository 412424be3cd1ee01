//! What `gitseal monitor` writes: text for people, one JSON document
//! (`gitseal.monitor/v1`), or GitHub workflow annotations. Identities, issuers, log
//! origins and failure reasons come from the log: escaped (escape::text, escape::json,
//! escape::workflow_*).

use serde_json::{Value, json};
use std::io::Write;

use super::escape::{self, text};
use super::report::ReportFormat;
use crate::monitor::known::Known;
use crate::monitor::{Event, Report};
use crate::policy::rfc3339;

/// Said in every report: what the Rekor v1 lookup cannot prove.
pub const INDEX_NOTE: &str = "the Rekor v1 search index is not verifiable: a log can leave entries out of it; every entry it lists was verified";

pub fn write(
    report: &Report,
    known: &Known,
    format: ReportFormat,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => write_text(report, known, out),
        ReportFormat::Json => writeln!(
            out,
            "{}",
            escape::json(&format!("{:#}", document(report, known)))
        ),
        ReportFormat::Github => write_github(report, out),
    }
}

/// A progress line on a terminal (stderr), rewritten in place.
pub fn progress(done: usize, total: usize) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\rverifying log entries: {done}/{total}");
    if done == total {
        let _ = writeln!(err);
    }
}

fn event_words(e: &Event) -> String {
    let other = if e.issuer_watched {
        ""
    } else {
        " (an issuer the watch does not name)"
    };
    format!(
        "{} (issuer {}{other}) logged at {} in {} index {}, uuid {}",
        e.identity,
        e.issuer,
        rfc3339(e.time),
        e.log,
        e.log_index,
        e.uuid
    )
}

fn write_text(report: &Report, known: &Known, out: &mut dyn Write) -> std::io::Result<()> {
    for log in &report.logs {
        let since = match log.previous {
            Some(size) => format!(" (last run: {size})"),
            None => " (first run)".into(),
        };
        match &log.problem {
            None => writeln!(
                out,
                "log {} at {}: checkpoint of {} entries{since}, consistent",
                text(&log.origin),
                text(&log.url),
                log.tree_size
            )?,
            Some(problem) => writeln!(
                out,
                "LOG PROBLEM {} at {}: {}",
                text(&log.origin),
                text(&log.url),
                text(problem)
            )?,
        }
    }
    for bad in &report.bad_checkpoints {
        writeln!(out, "LOG PROBLEM {}", text(bad))?;
    }
    if !report.searched.is_empty() {
        writeln!(
            out,
            "searched the index for: {}",
            text(&report.searched.join(", "))
        )?;
    }
    for w in &report.unsearchable {
        writeln!(
            out,
            "not searchable in the Rekor v1 index (it is searched by e-mail address): {}",
            text(w)
        )?;
    }
    writeln!(out, "note: {INDEX_NOTE}")?;
    for e in &report.unknown {
        writeln!(out, "UNKNOWN {}", text(&event_words(e)))?;
    }
    for f in &report.failed {
        writeln!(
            out,
            "FAILED entry {} from {}: {}",
            text(&f.uuid),
            text(&report.url),
            text(&f.reason)
        )?;
    }
    writeln!(
        out,
        "{} unknown, {} known, {} failed; {} reported before, {} before the start; {} signatures in the repositories",
        report.unknown.len(),
        report.known_count(),
        report.failed.len(),
        report.already_reported,
        report.before_start,
        known.signatures
    )
}

fn document(report: &Report, known: &Known) -> Value {
    let event = |e: &Event| {
        json!({
            "log": e.log, "log_index": e.log_index, "uuid": e.uuid,
            "identity": e.identity, "issuer": e.issuer, "issuer_watched": e.issuer_watched,
            "time": rfc3339(e.time), "digest": e.digest,
        })
    };
    json!({
        "schema": "gitseal.monitor/v1",
        "ok": report.ok(),
        "unknown": report.unknown.iter().map(event).collect::<Vec<_>>(),
        "known": report.known_count(),
        "known_entries": report.known.iter().map(|(e, place)| {
            let mut v = event(e);
            v["object"] = json!(place.object);
            v["repository"] = json!(place.repository);
            v
        }).collect::<Vec<_>>(),
        "failed": report.failed.iter().map(|f| json!({
            "log": report.url, "uuid": f.uuid, "reason": f.reason,
        })).collect::<Vec<_>>(),
        "logs": report.logs.iter().map(|l| json!({
            "log": l.origin, "url": l.url, "tree_size": l.tree_size, "root_hash": l.root_hash,
            "previous_tree_size": l.previous, "consistent": l.problem.is_none(),
            "problem": l.problem,
        })).collect::<Vec<_>>(),
        "bad_checkpoints": report.bad_checkpoints,
        "searched": report.searched,
        "not_searchable": report.unsearchable,
        "already_reported": report.already_reported,
        "before_start": report.before_start,
        "signatures_read": known.signatures,
        "index_verifiable": false,
        "notes": [INDEX_NOTE],
    })
}

fn annotation(command: &str, message: &str) -> String {
    format!(
        "::{command} title={}::{}",
        escape::workflow_property("gitseal monitor"),
        escape::workflow_data(message)
    )
}

fn write_github(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for log in &report.logs {
        if let Some(problem) = &log.problem {
            let message = format!("log {} at {}: {problem}", log.origin, log.url);
            writeln!(out, "{}", annotation("error", &message))?;
        }
    }
    for bad in &report.bad_checkpoints {
        writeln!(out, "{}", annotation("error", bad))?;
    }
    for e in &report.unknown {
        let message = format!("unknown signing event: {}", event_words(e));
        writeln!(out, "{}", annotation("error", &message))?;
    }
    for f in &report.failed {
        let message = format!("entry {} from {}: {}", f.uuid, report.url, f.reason);
        writeln!(out, "{}", annotation("error", &message))?;
    }
    for w in &report.unsearchable {
        let message = format!("not searchable in the Rekor v1 index: {w}");
        writeln!(out, "{}", annotation("warning", &message))?;
    }
    let summary = format!(
        "{} unknown, {} known, {} failed; {INDEX_NOTE}",
        report.unknown.len(),
        report.known_count(),
        report.failed.len()
    );
    writeln!(out, "{}", annotation("notice", &summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::Failed;

    fn hostile_report() -> Report {
        Report {
            unknown: vec![Event {
                log: "rekor.test - 1".into(),
                log_index: 7,
                uuid: "ab".repeat(32),
                identity: "mallory@example.org\n::error::fake".into(),
                issuer: "https://issuer.test\u{1b}[31m".into(),
                time: 0,
                digest: "00".repeat(32),
                issuer_watched: false,
            }],
            failed: vec![Failed {
                uuid: "cd".repeat(32),
                reason: "bad\nline".into(),
            }],
            url: "http://log.test".into(),
            ..Report::default()
        }
    }

    /// Outside text cannot start a line of its own or drive a terminal, in any format.
    #[test]
    fn outside_text_is_escaped_in_every_format() {
        let report = hostile_report();
        for format in [ReportFormat::Text, ReportFormat::Json, ReportFormat::Github] {
            let mut out = Vec::new();
            write(&report, &Known::default(), format, &mut out).expect("written");
            let out = String::from_utf8(out).expect("utf8");
            assert!(!out.contains('\u{1b}'), "{format:?}: {out}");
            assert!(
                !out.lines()
                    .any(|l| l.trim_start().starts_with("::error::fake")
                        || l.trim_start().starts_with("line")),
                "{format:?}: {out}"
            );
        }
        let mut out = Vec::new();
        write(&report, &Known::default(), ReportFormat::Json, &mut out).expect("written");
        let doc: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(doc["schema"], "gitseal.monitor/v1");
        assert_eq!(doc["ok"], false);
        assert_eq!(
            doc["unknown"][0]["identity"],
            "mallory@example.org\n::error::fake"
        );
        assert_eq!(doc["unknown"][0]["log_index"], 7);
        assert_eq!(doc["known"], 0);
        assert_eq!(doc["index_verifiable"], false);
    }
}
