//! Signature verdicts remembered between runs, so a push or CI run re-checks only what is new.
//!
//! What is cached is the room's verdict on a commit's signature (who signed, whether the
//! signature is good), never the policy's judgement, which is recomputed every run (it is
//! cheap and depends on the ref and the time). Entries are keyed by commit id and gitseal
//! version; SSH verdicts do not depend on any policy, so no policy id is part of the key.
//! The file lives in the repository's git directory: whoever can write there can already
//! rewrite the repository.

use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use gix::hash::ObjectId;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = concat!("gitseal-verdicts ", env!("CARGO_PKG_VERSION"));

/// Verdicts by commit id, loaded from and saved to one file.
pub struct VerdictCache {
    path: Option<PathBuf>,
    entries: HashMap<ObjectId, Verdict>,
    added: usize,
}

impl VerdictCache {
    /// Nothing read from or written to disk (`--no-cache`).
    pub fn disabled() -> Self {
        Self {
            path: None,
            entries: HashMap::new(),
            added: 0,
        }
    }

    /// Loads the cache of the repository whose git directory is `git_dir`; a missing or
    /// unreadable file, or one written by another version, starts empty.
    pub fn load(git_dir: &Path) -> Self {
        let path = git_dir.join("gitseal").join("verdicts");
        let mut entries = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut lines = text.lines();
            if lines.next() == Some(HEADER) {
                entries.extend(lines.filter_map(parse_line));
            }
        }
        Self {
            path: Some(path),
            entries,
            added: 0,
        }
    }

    pub fn get(&self, id: &ObjectId) -> Option<&Verdict> {
        self.entries.get(id)
    }

    /// Remembers a verdict (in memory always, so one run never checks a signature twice;
    /// on disk at `save` unless the cache is disabled).
    pub fn insert(&mut self, id: ObjectId, verdict: Verdict) {
        if self.entries.insert(id, verdict).is_none() {
            self.added += 1;
        }
    }

    /// Writes the cache back when something was added: whole or not at all.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.added == 0 {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        writeln!(out, "{HEADER}")?;
        for (id, verdict) in &self.entries {
            writeln!(out, "{}", format_line(id, verdict))?;
        }
        out.flush()?;
        drop(out);
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn format_line(id: &ObjectId, verdict: &Verdict) -> String {
    let (state, detail) = match &verdict.outcome {
        Ok(_) => ("ok".to_string(), String::new()),
        Err(failure) => (
            failure.kind.name().to_string(),
            failure.detail.replace(['\t', '\n'], " "),
        ),
    };
    let (time, source) = verdict
        .time
        .map_or((0, "committer"), |t| (t.unix, source_name(t.source)));
    format!(
        "{id}\t{}\t{}\t{time}\t{source}\t{state}\t{detail}",
        verdict.format.name(),
        verdict.key.as_deref().unwrap_or("-")
    )
}

fn parse_line(line: &str) -> Option<(ObjectId, Verdict)> {
    let mut fields = line.split('\t');
    let id = ObjectId::from_hex(fields.next()?.as_bytes()).ok()?;
    let format = match fields.next()? {
        "ssh" => Format::Ssh,
        "openpgp" => Format::OpenPgp,
        "x509" => Format::X509,
        _ => return None,
    };
    let key = Some(fields.next()?)
        .filter(|k| *k != "-")
        .map(str::to_string);
    let unix = fields.next()?.parse().ok()?;
    let source = match fields.next()? {
        "tlog" => TimeSource::Tlog,
        "tsa" => TimeSource::Tsa,
        _ => TimeSource::Committer,
    };
    let outcome = match fields.next()? {
        "ok" => Ok(Trust::Undefined),
        kind => Err(Failure {
            kind: FailureKind::from_name(kind)?,
            detail: fields.next().unwrap_or_default().to_string(),
        }),
    };
    Some((
        id,
        Verdict {
            format,
            key,
            signer: None,
            time: Some(SignatureTime { unix, source }),
            outcome,
        },
    ))
}

/// `committer`, `tlog` or `tsa`, as reports name it.
pub fn source_name(source: TimeSource) -> &'static str {
    match source {
        TimeSource::Committer => "committer",
        TimeSource::Tlog => "tlog",
        TimeSource::Tsa => "tsa",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let id = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
        let verdict = Verdict {
            format: Format::Ssh,
            key: Some("SHA256:abc".into()),
            signer: None,
            time: Some(SignatureTime {
                unix: 5,
                source: TimeSource::Committer,
            }),
            outcome: Err(Failure {
                kind: FailureKind::BadSignature,
                detail: "bad\tsig".into(),
            }),
        };
        let mut cache = VerdictCache::load(dir.path());
        cache.insert(id, verdict.clone());
        cache.save().unwrap();
        let loaded = VerdictCache::load(dir.path());
        let got = loaded.get(&id).unwrap();
        assert_eq!(got.key, verdict.key);
        assert_eq!(
            got.outcome.as_ref().unwrap_err().kind,
            FailureKind::BadSignature
        );
        assert_eq!(got.outcome.as_ref().unwrap_err().detail, "bad sig");

        let file = dir.path().join("gitseal").join("verdicts");
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace(HEADER, "gitseal-verdicts 0.0.0");
        std::fs::write(&file, text).unwrap();
        assert!(VerdictCache::load(dir.path()).get(&id).is_none());
    }
}
