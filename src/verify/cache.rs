//! Signature verdicts remembered between runs, so a push or CI run re-checks only what is new.
//!
//! What is cached is the room's verdict on a commit's signature (who signed, whether the
//! signature is good), never the policy's judgement, which is recomputed every run (it is
//! cheap and depends on the ref and the time). Entries are keyed by commit id and gitseal
//! version; SSH verdicts do not depend on any policy, so no policy id is part of the key.
//! The file lives in the repository's git directory: whoever can write there can already
//! rewrite the repository.
//!
//! The file is never held in memory whole: a range reads it once, line by line, keeping
//! only the verdicts of its own commits in compact form ([`Known`]), and new verdicts are
//! appended as they are made. A run therefore costs memory by its range, not by the size
//! of the cache, and adding 100 verdicts writes 100 lines, not the whole file.

use crate::git::Range;
use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use gix::hash::ObjectId;
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The file's first line: a file another version wrote is not read.
pub(crate) const HEADER: &str = concat!("gitseal-verdicts ", env!("CARGO_PKG_VERSION"));

/// The verdict file of one repository, or none (`--no-cache`).
pub struct VerdictCache {
    path: Option<PathBuf>,
    /// The file is missing or from another version: the next write starts it afresh.
    stale: bool,
}

impl VerdictCache {
    /// Nothing read from or written to disk (`--no-cache`), and nothing kept in memory.
    pub fn disabled() -> Self {
        Self {
            path: None,
            stale: false,
        }
    }

    /// The cache of the repository whose git directory is `git_dir`; a missing or
    /// unreadable file, or one written by another version, counts as empty.
    pub fn open(git_dir: &Path) -> Self {
        let path = git_dir.join("gitseal").join("verdicts");
        let stale = read_header(&path).as_deref() != Some(HEADER);
        Self {
            path: Some(path),
            stale,
        }
    }

    /// The cached verdicts of the commits of `range`. Damaged lines (a write cut short)
    /// are skipped; if the file cannot be read, the rest counts as not cached.
    pub fn lookup(&self, range: &Range) -> Known {
        let Some(path) = self
            .path
            .as_ref()
            .filter(|_| !self.stale && !range.is_empty())
        else {
            return Known::default();
        };
        let Ok(file) = std::fs::File::open(path) else {
            return Known::default();
        };
        read_known(std::io::BufReader::with_capacity(1 << 16, file), range)
    }

    /// Appends verdicts to the file (one write, whole lines), starting the file afresh when
    /// it is missing or from another version.
    pub fn append<'v>(
        &mut self,
        entries: impl IntoIterator<Item = (ObjectId, &'v Verdict)>,
    ) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut text = String::new();
        for (id, verdict) in entries {
            text.push_str(&format_line(&id, verdict));
            text.push('\n');
        }
        if text.is_empty() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        if self.stale {
            // Written beside and renamed into place: readers see the old file or the new.
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(format!("{HEADER}\n{text}").as_bytes())?;
            tmp.persist(path).map_err(|e| e.error)?;
            self.stale = false;
            return Ok(());
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)?;
        // A line cut short by a crash must not swallow the first new one.
        let mut last = [0u8];
        if file.seek(SeekFrom::End(-1)).is_ok()
            && file.read_exact(&mut last).is_ok()
            && last[0] != b'\n'
        {
            text.insert(0, '\n');
        }
        // One write of whole lines: O_APPEND keeps concurrent runs' lines apart.
        file.write_all(text.as_bytes())
    }
}

/// The verdicts of `range`'s commits in a verdict file read from `lines` (header first).
/// Public for the fuzz target `verdict_cache` (`crate::fuzzing`): the file is gitseal's own,
/// but a crash or another program may have left anything in it.
pub fn read_known(mut lines: impl BufRead, range: &Range) -> Known {
    let mut known = Known::default();
    let index = range.index_by_id();
    let mut line = Vec::new();
    let mut header = true;
    loop {
        line.clear();
        if !matches!(lines.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            break;
        }
        // Only whole lines: one without its newline may have been cut short.
        if line.pop() != Some(b'\n') {
            break;
        }
        if header {
            if line != HEADER.as_bytes() {
                return known;
            }
            header = false;
            continue;
        }
        // Most lines are other commits': only the id is parsed for those.
        let Some(at) = line
            .split(|b| *b == b'\t')
            .next()
            .and_then(|hex| ObjectId::from_hex(hex).ok())
            .and_then(|id| index.find(&id))
        else {
            continue;
        };
        if let Some((_, verdict)) = std::str::from_utf8(&line).ok().and_then(parse_line) {
            known.insert(at, index.len(), verdict);
        }
    }
    known
}

/// The first line of the file, if it can be read.
fn read_header(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut header = String::new();
    std::io::BufReader::new(file)
        .take(HEADER.len() as u64 + 2)
        .read_line(&mut header)
        .ok()?;
    Some(header.trim_end_matches('\n').to_string())
}

/// The cached verdicts of a range's commits, by index in the range: 16 bytes a commit,
/// with keys shared and failure details kept aside (a realistic range has few).
#[derive(Default)]
pub struct Known {
    slots: Vec<Slot>,
    keys: Vec<String>,
    key_ids: HashMap<String, u32>,
    failures: HashMap<u32, Failure>,
}

#[derive(Clone, Copy)]
struct Slot {
    unix: i64,
    /// Index into `keys`, or `NO_KEY`.
    key: u32,
    format: Format,
    source: TimeSource,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Missing,
    Good,
    Failed,
}

const NO_KEY: u32 = u32::MAX;

impl Known {
    fn insert(&mut self, at: usize, len: usize, verdict: Verdict) {
        if self.slots.is_empty() {
            let missing = Slot {
                unix: 0,
                key: NO_KEY,
                format: Format::Ssh,
                source: TimeSource::Committer,
                state: State::Missing,
            };
            self.slots = vec![missing; len];
        }
        let key = match verdict.key {
            None => NO_KEY,
            Some(key) => match self.key_ids.get(&key) {
                Some(&k) => k,
                None => {
                    let k = self.keys.len() as u32;
                    self.keys.push(key.clone());
                    self.key_ids.insert(key, k);
                    k
                }
            },
        };
        let time = verdict.time.unwrap_or(SignatureTime {
            unix: 0,
            source: TimeSource::Committer,
        });
        let state = match verdict.outcome {
            Ok(_) => {
                self.failures.remove(&(at as u32));
                State::Good
            }
            Err(failure) => {
                self.failures.insert(at as u32, failure);
                State::Failed
            }
        };
        self.slots[at] = Slot {
            unix: time.unix,
            key,
            format: verdict.format,
            source: time.source,
            state,
        };
    }

    /// Whether commit `at` of the range has a cached verdict.
    pub fn has(&self, at: usize) -> bool {
        self.slots
            .get(at)
            .is_some_and(|s| s.state != State::Missing)
    }

    /// The cached verdict of commit `at`, as the file gave it.
    pub fn verdict(&self, at: usize) -> Option<Verdict> {
        let slot = self.slots.get(at).filter(|s| s.state != State::Missing)?;
        let outcome = match slot.state {
            State::Failed => Err(self.failures.get(&(at as u32))?.clone()),
            _ => Ok(Trust::Undefined),
        };
        Some(Verdict {
            format: slot.format,
            key: self.keys.get(slot.key as usize).cloned(),
            signer: None,
            time: Some(SignatureTime {
                unix: slot.unix,
                source: slot.source,
            }),
            outcome,
        })
    }
}

/// One line of the file (without its newline). Public for the fuzz target `verdict_cache`.
pub fn format_line(id: &ObjectId, verdict: &Verdict) -> String {
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

/// A line of the file (without its newline), if it is whole and known. Public for the fuzz
/// target `verdict_cache`.
pub fn parse_line(line: &str) -> Option<(ObjectId, Verdict)> {
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

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn verdict(key: &str, outcome: Result<Trust, Failure>) -> Verdict {
        Verdict {
            format: Format::Ssh,
            key: Some(key.into()),
            signer: None,
            time: Some(SignatureTime {
                unix: 5,
                source: TimeSource::Committer,
            }),
            outcome,
        }
    }

    /// A range of the given commits, none with parents.
    fn range(ids: &[ObjectId]) -> Range {
        Range::from_ids(ids)
    }

    #[test]
    fn round_trips_and_ignores_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let bad = verdict(
            "SHA256:abc",
            Err(Failure {
                kind: FailureKind::BadSignature,
                detail: "bad\tsig".into(),
            }),
        );
        let good = verdict("SHA256:abc", Ok(Trust::Undefined));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(1), &bad)]).unwrap();
        cache.append([(id(2), &good)]).unwrap();
        let commits = range(&[id(3), id(2), id(1)]);
        let known = VerdictCache::open(dir.path()).lookup(&commits);
        assert!(!known.has(0));
        let got = known.verdict(2).unwrap();
        assert_eq!(got.key, bad.key);
        let failure = got.outcome.as_ref().unwrap_err();
        assert_eq!(failure.kind, FailureKind::BadSignature);
        assert_eq!(failure.detail, "bad sig");
        assert_eq!(known.verdict(1).unwrap().outcome, Ok(Trust::Undefined));

        let file = dir.path().join("gitseal").join("verdicts");
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace(HEADER, "gitseal-verdicts 0.0.0");
        std::fs::write(&file, text).unwrap();
        let mut cache = VerdictCache::open(dir.path());
        assert!(!cache.lookup(&commits).has(2));
        // The next write starts the file afresh, without the other version's lines.
        cache.append([(id(3), &good)]).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(cache.lookup(&commits).has(0));
    }

    #[test]
    fn a_line_cut_short_is_ignored_and_not_joined_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let good = verdict("SHA256:abc", Ok(Trust::Undefined));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(1), &good)]).unwrap();
        let file = dir.path().join("gitseal").join("verdicts");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(&format_line(&id(2), &good)[..50]);
        std::fs::write(&file, text).unwrap();
        let commits = range(&[id(1), id(2), id(3)]);
        let known = VerdictCache::open(dir.path()).lookup(&commits);
        assert!(known.has(0));
        assert!(!known.has(1));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(3), &good)]).unwrap();
        let known = cache.lookup(&commits);
        assert!(known.has(0) && !known.has(1) && known.has(2));
    }

    #[test]
    fn disabled_keeps_nothing() {
        let mut cache = VerdictCache::disabled();
        let good = verdict("SHA256:abc", Ok(Trust::Undefined));
        cache.append([(id(1), &good)]).unwrap();
        assert!(!cache.lookup(&range(&[id(1)])).has(0));
    }
}
