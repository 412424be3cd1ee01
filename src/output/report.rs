//! Verification reports: text for people, JSON (`gitseal.verify/v1`) for machines, and
//! GitHub workflow annotations.

use super::escape;
use crate::signature::FailureKind;
use crate::verify::{CommitReport, cache::source_name};
use serde_json::json;
use std::io::{Read, Seek, Write};

/// How to print a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Github,
}

/// A report written as the results come, so that memory does not grow with the range:
/// text and GitHub lines at once; JSON results to a spill (memory, then a temporary file),
/// since the document's summary comes before them, and the document around it at the end.
pub struct Writer<'o> {
    out: &'o mut dyn Write,
    format: ReportFormat,
    commits: usize,
    failed: usize,
    /// Set once writing `out` failed (a closed pipe): nothing more is tried.
    out_failed: bool,
    spill: Spill,
}

/// What a report counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub commits: usize,
    pub failed: usize,
}

impl<'o> Writer<'o> {
    pub fn new(out: &'o mut dyn Write, format: ReportFormat) -> Self {
        Self {
            out,
            format,
            commits: 0,
            failed: 0,
            out_failed: false,
            spill: Spill::default(),
        }
    }

    /// Reports one commit.
    pub fn add(&mut self, r: &CommitReport) {
        self.commits += 1;
        if !r.ok() {
            self.failed += 1;
        }
        match self.format {
            ReportFormat::Text if !self.out_failed => {
                let written = text_lines(self.out, r);
                self.wrote(written);
            }
            ReportFormat::Github if !self.out_failed && !r.ok() => {
                let written = github_line(self.out, r);
                self.wrote(written);
            }
            ReportFormat::Text | ReportFormat::Github => {}
            ReportFormat::Json => {
                if self.commits > 1 {
                    self.spill.write(b",");
                }
                match serde_json::to_string(&json_entry(r)) {
                    Ok(entry) => self.spill.write(escape::json(&entry).as_bytes()),
                    Err(e) => self.spill.fail(e.into()),
                }
            }
        }
    }

    /// Writes the summary (and, for JSON, the document); an error means the JSON results
    /// could not be kept, never that `out` was closed (which the exit status does not tell).
    pub fn finish(mut self) -> std::io::Result<Summary> {
        let summary = Summary {
            commits: self.commits,
            failed: self.failed,
        };
        let (commits, passed, failed) = (self.commits, self.commits - self.failed, self.failed);
        match self.format {
            ReportFormat::Text => {
                self.line(format_args!(
                    "{commits} commits, {passed} passed, {failed} failed\n"
                ));
            }
            ReportFormat::Github => {
                let summary = format!("{commits} commits, {passed} passed, {failed} failed");
                self.line(format_args!("{}\n", workflow_command("notice", &summary)));
            }
            ReportFormat::Json => {
                // The document as serde_json writes it whole (DESIGN section 6): the head
                // without its closing brace, then the results.
                let head = json!({
                    "schema": "gitseal.verify/v1",
                    "ok": failed == 0,
                    "summary": {"commits": commits, "passed": passed, "failed": failed},
                })
                .to_string();
                let head = head.strip_suffix('}').unwrap_or(&head);
                self.line(format_args!("{head},\"results\":["));
                let spill = std::mem::take(&mut self.spill);
                spill.copy_to(self.out, &mut self.out_failed)?;
                self.line(format_args!("]}}\n"));
            }
        }
        Ok(summary)
    }

    fn wrote(&mut self, result: std::io::Result<()>) {
        if result.is_err() {
            self.out_failed = true;
        }
    }

    /// Writes a summary line unless writing has failed before.
    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        if !self.out_failed {
            let written = self.out.write_fmt(text);
            self.wrote(written);
        }
    }
}

/// A commit's line and its reasons, each reason on a line of its own: outside text in
/// them (a principal's name, a key, a certificate's identity, a failure detail quoting it)
/// is escaped, so that it cannot start a line that looks like another commit's.
fn text_lines(out: &mut dyn Write, r: &CommitReport) -> std::io::Result<()> {
    let status = if r.ok() { "ok  " } else { "FAIL" };
    let who = r.finding.principal.as_deref().unwrap_or("-");
    let key = r.verdict.key.as_deref().unwrap_or("-");
    let certificate = r
        .verdict
        .ssh_certificate
        .as_deref()
        .map(|cert| format!(" ({})", super::ssh_certificate::text_summary(cert)))
        .unwrap_or_default();
    writeln!(
        out,
        "{status} {} {} {} {}{certificate}",
        &r.id.to_string()[..12],
        escape::text(who),
        format_name(r),
        escape::text(key)
    )?;
    for reason in &r.finding.reasons {
        writeln!(out, "     {}", escape::text(reason))?;
    }
    Ok(())
}

fn github_line(out: &mut dyn Write, r: &CommitReport) -> std::io::Result<()> {
    let message = format!("commit {}: {}", r.id, r.finding.reasons.join("; "));
    writeln!(out, "{}", workflow_command("error", &message))
}

/// One GitHub workflow command, `::<command> title=gitseal::<message>`, its message and
/// properties escaped as the runner reads them (escape::workflow_data, _property).
fn workflow_command(command: &str, message: &str) -> String {
    format!(
        "::{command} title={}::{}",
        escape::workflow_property("gitseal"),
        escape::workflow_data(message)
    )
}

fn format_name(r: &CommitReport) -> &'static str {
    match &r.verdict.outcome {
        Err(f) if f.kind == FailureKind::Unsigned => "none",
        _ => r.verdict.format.name(),
    }
}

/// One result of the JSON document of DESIGN section 6.
pub fn json_entry(r: &CommitReport) -> serde_json::Value {
    let time = r.verdict.time.map(|t| crate::policy::rfc3339(t.unix));
    let source = r.verdict.time.map(|t| source_name(t.source));
    let mut signature = json!({
        "format": format_name(r),
        "key": r.verdict.key,
        "time": time,
        "time_source": source,
    });
    // Only for a signature made through an SSH certificate, so that other results keep
    // their size (the results of a long range wait in memory).
    if let Some(cert) = &r.verdict.ssh_certificate {
        signature["ssh_certificate"] = super::ssh_certificate::json(cert);
    }
    json!({
        "commit": r.id.to_string(),
        "ref": r.refname,
        "ok": r.ok(),
        "signature": signature,
        "principal": r.finding.principal,
        "rule": r.finding.rule,
        "reasons": r.finding.reasons,
    })
}

/// Bytes kept for later: in memory up to `SPILL_IN_MEMORY`, then in an unnamed temporary
/// file (about 300 bytes a commit: 30 MB for 100,000).
#[derive(Default)]
struct Spill {
    memory: Vec<u8>,
    file: Option<std::io::BufWriter<std::fs::File>>,
    error: Option<std::io::Error>,
}

const SPILL_IN_MEMORY: usize = 1 << 20;

impl Spill {
    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if self.file.is_none() && self.memory.len() + bytes.len() > SPILL_IN_MEMORY {
            let file = tempfile::tempfile().map(std::io::BufWriter::new);
            match file {
                Ok(mut file) => match file.write_all(&self.memory) {
                    Ok(()) => {
                        self.memory = Vec::new();
                        self.file = Some(file);
                    }
                    Err(e) => return self.fail(e),
                },
                Err(e) => return self.fail(e),
            }
        }
        match &mut self.file {
            Some(file) => {
                if let Err(e) = file.write_all(bytes) {
                    self.fail(e);
                }
            }
            None => self.memory.extend_from_slice(bytes),
        }
    }

    fn fail(&mut self, error: std::io::Error) {
        self.error.get_or_insert(error);
    }

    /// Writes everything kept to `out`, unless writing `out` has failed before.
    fn copy_to(self, out: &mut dyn Write, out_failed: &mut bool) -> std::io::Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let Some(file) = self.file else {
            if !*out_failed && out.write_all(&self.memory).is_err() {
                *out_failed = true;
            }
            return Ok(());
        };
        let mut file = file.into_inner().map_err(|e| e.into_error())?;
        file.seek(std::io::SeekFrom::Start(0))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 || *out_failed {
                return Ok(());
            }
            if out.write_all(&buf[..n]).is_err() {
                *out_failed = true;
            }
        }
    }
}

/// One line per reason a commit or tag (`object`) was rejected for, for a pre-receive
/// hook (git shows them as `remote:`).
pub fn rejection_lines(err: &mut dyn Write, refname: &str, object: &str, results: &[CommitReport]) {
    for r in results.iter().filter(|r| !r.ok()) {
        let rule = r
            .finding
            .rule
            .as_deref()
            .map(|rule| format!(" (rule {})", escape::text(rule)))
            .unwrap_or_default();
        for reason in &r.finding.reasons {
            let _ = writeln!(
                err,
                "gitseal: {}: {object} {}{rule}: {}",
                escape::text(refname),
                r.id,
                escape::text(reason)
            );
        }
    }
}

/// A pre-receive message that is not about one commit. Callers put the pushed ref name
/// (whoever pushes chooses it) and reasons into `text`; gitseal's own words have no
/// control characters, so the whole of it is escaped (escape::text).
pub fn hook_message(err: &mut dyn Write, text: &str) {
    let _ = writeln!(err, "gitseal: {}", escape::text(text));
}

/// A progress line on a terminal: rewritten in place.
pub fn progress(done: usize, total: usize) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\rverifying signatures: {done}/{total}");
    if done == total {
        let _ = writeln!(err);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Finding;
    use crate::signature::{Failure, Format, SignatureTime, TimeSource, Trust, Verdict};
    use gix::hash::ObjectId;

    fn report(n: u8, ok: bool) -> CommitReport {
        CommitReport {
            id: ObjectId::from_bytes_or_panic(&[n; 20]),
            refname: Some("refs/heads/main".into()),
            verdict: Verdict {
                format: Format::Ssh,
                key: Some("SHA256:k\"ey".into()),
                signer: None,
                time: Some(SignatureTime {
                    unix: 1_700_000_000,
                    source: TimeSource::Committer,
                }),
                outcome: if ok {
                    Ok(Trust::Undefined)
                } else {
                    Err(Failure {
                        kind: FailureKind::Unsigned,
                        detail: "unsigned".into(),
                    })
                },
                ssh_certificate: None,
            },
            finding: Finding {
                principal: ok.then(|| "alice".into()),
                rule: Some("refs/heads/main".into()),
                reasons: if ok {
                    vec![]
                } else {
                    vec!["unsigned\n50%".into()]
                },
            },
        }
    }

    fn written(format: ReportFormat, reports: &[CommitReport]) -> (String, Summary) {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out, format);
        for r in reports {
            writer.add(r);
        }
        let summary = writer.finish().unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    /// The streamed JSON is byte for byte what serde_json writes for the whole document.
    #[test]
    fn streamed_json_is_the_whole_document() {
        for count in [0usize, 1, 3, 5000] {
            let reports: Vec<_> = (0..count).map(|i| report(i as u8, i % 3 != 1)).collect();
            let failed = reports.iter().filter(|r| !r.ok()).count();
            let whole = json!({
                "schema": "gitseal.verify/v1",
                "ok": failed == 0,
                "summary": {"commits": count, "passed": count - failed, "failed": failed},
                "results": reports.iter().map(json_entry).collect::<Vec<_>>(),
            });
            let (text, summary) = written(ReportFormat::Json, &reports);
            assert_eq!(text, format!("{whole}\n"), "{count} results");
            assert_eq!(
                summary,
                Summary {
                    commits: count,
                    failed
                }
            );
        }
    }

    #[test]
    fn text_and_github_lines() {
        let reports = [report(1, true), report(2, false)];
        let (text, _) = written(ReportFormat::Text, &reports);
        assert_eq!(
            text,
            "ok   010101010101 alice ssh SHA256:k\"ey\n\
             FAIL 020202020202 - none SHA256:k\"ey\n     unsigned\\n50%\n\
             2 commits, 1 passed, 1 failed\n"
        );
        let (github, _) = written(ReportFormat::Github, &reports);
        assert_eq!(
            github,
            format!(
                "::error title=gitseal::commit {}: unsigned\\n50%25\n\
                 ::notice title=gitseal::2 commits, 1 passed, 1 failed\n",
                reports[1].id
            )
        );
    }
}
