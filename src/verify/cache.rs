//! Signature verdicts remembered between runs, so a push or CI run re-checks only what is new.
//!
//! What is cached is the room's verdict on a commit's signature (who signed, whether the
//! signature is good), never the policy's judgement, which is recomputed every run (it is
//! cheap and depends on the ref and the time).
//!
//! The cache can never say more than the signature said (docs/threat-model.md, "The
//! verdict cache"):
//! - A line is keyed by the commit id *and* a SHA-256 digest of exactly what the verdict
//!   was computed from: the signed payload, the signature, and for OpenPGP the ids of the
//!   parents' `.gitseal/keys` trees whose certificates were used, for Sigstore the trusted
//!   root checked against ([`digest`]). A lookup
//!   reads the commit and recomputes the digest from the bytes the object store holds, so a
//!   line cannot speak for other bytes (a replaced object, an id collision, a line made for
//!   another commit).
//! - Only verdicts that are a pure function of those bytes are written
//!   ([`super::backends::cacheable`]: never a failed Sigstore verdict), so a verdict about
//!   objects a rejected push brought is as true as any other and may stay.
//! - Every field has one exact syntax per format, and text from outside (certificate
//!   issuer and subject, failure details) is percent-encoded: a line that does not read
//!   back exactly as gitseal writes it is ignored, and two different lines for one commit
//!   cancel each other instead of the last one winning.
//! - Writers hold an advisory lock on the file while they check its header and append, so
//!   concurrent pushes neither lose nor tear each other's lines.
//!
//! The file is never held in memory whole: a range reads it once, line by line, keeping
//! only the verdicts of its own commits in compact form ([`Known`]), and new verdicts are
//! appended as they are made. A run therefore costs memory by its range, not by the size
//! of the cache, and adding 100 verdicts writes 100 lines, not the whole file.

use crate::git::Range;
use crate::git::signed::Signed;
use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use gix::hash::ObjectId;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The file's first line: the line format (2: keyed by digest, fields encoded; 4: SSH
/// certificate signatures no longer written as plain keys' lines) and the version that
/// wrote it. A file with any other first line is not read, and the next write
/// starts it afresh, so lines of older formats (or older verifiers) are never believed.
pub(crate) const HEADER: &str = concat!("gitseal-verdicts 4 ", env!("CARGO_PKG_VERSION"));

/// A SHA-256 digest of what a verdict was computed from ([`digest`]).
pub type Digest = [u8; 32];

/// The digest a verdict line is keyed by: SHA-256 over the signed payload and the
/// signature exactly as git extracts them, and what else the room was given (`context`):
/// for OpenPGP the ids of the `.gitseal/keys` trees whose certificates it used, for
/// Sigstore the id of the trusted root ([`super::backends::sigstore_root_id`]), for SSH
/// nothing. Every part is length-prefixed, so that no two inputs hash alike.
pub fn digest(signed: &Signed, context: &[&[u8]]) -> Digest {
    let mut hash = Sha256::new();
    hash.update(b"gitseal verdict input 1\0");
    for part in [&signed.payload[..], &signed.signature[..]]
        .into_iter()
        .chain(context.iter().copied())
    {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// The verdict file of one repository, or none (`--no-cache`).
pub struct VerdictCache {
    path: Option<PathBuf>,
}

impl VerdictCache {
    /// Nothing read from or written to disk (`--no-cache`), and nothing kept in memory.
    pub fn disabled() -> Self {
        Self { path: None }
    }

    /// The cache of the repository whose git directory is `git_dir`; a missing or
    /// unreadable file, or one written by another version, counts as empty.
    pub fn open(git_dir: &Path) -> Self {
        Self {
            path: Some(git_dir.join("gitseal").join("verdicts")),
        }
    }

    /// The cached verdicts of the commits of `range`. Lines that are not exactly right are
    /// skipped; if the file cannot be read, the rest counts as not cached.
    pub fn lookup(&self, range: &Range) -> Known {
        let Some(path) = self.path.as_ref().filter(|_| !range.is_empty()) else {
            return Known::default();
        };
        let Ok(file) = std::fs::File::open(path) else {
            return Known::default();
        };
        read_known(std::io::BufReader::with_capacity(1 << 16, file), range)
    }

    /// Appends verdicts (commit, digest of its signed bytes, verdict) to the file, one write
    /// of whole lines under the file's lock, starting the file afresh when it is missing or
    /// from another version. Verdicts that cannot be written exactly ([`format_line`]) are
    /// left out.
    pub fn append<'v>(
        &mut self,
        entries: impl IntoIterator<Item = (ObjectId, Digest, &'v Verdict)>,
    ) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut text = String::new();
        for (id, digest, verdict) in entries {
            if let Some(line) = format_line(&id, &digest, verdict) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        if text.is_empty() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        // Held until `file` is closed: every writer checks the header and appends under it.
        // A replacement file (write beside, rename) would leave writers waiting on the old
        // one appending to a file nobody reads, and O_APPEND alone does not keep a large
        // write from interleaving with another; readers need no lock, as they take only
        // whole lines.
        file.lock()?;
        if read_header(&mut file).as_deref() != Some(HEADER) {
            // Missing, empty, cut short or another version's: started afresh in place.
            file.set_len(0)?;
            text.insert_str(0, &format!("{HEADER}\n"));
        } else {
            // A line cut short by a crash must not swallow the first new one.
            let mut last = [0u8];
            if file.seek(SeekFrom::End(-1)).is_ok()
                && file.read_exact(&mut last).is_ok()
                && last[0] != b'\n'
            {
                text.insert(0, '\n');
            }
        }
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

/// The verdicts of `range`'s commits in a verdict file read from `lines` (header first).
/// Public for the fuzz target `verdict_cache` (`crate::fuzzing`): the file is gitseal's own,
/// but a crash, another program or someone with write access to the git directory may have
/// left anything in it.
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
        if line
            .split(|b| *b == b'\t')
            .next()
            .and_then(|hex| ObjectId::from_hex(hex).ok())
            .and_then(|id| index.find(&id))
            .is_none()
        {
            continue;
        }
        if let Some(parsed) = std::str::from_utf8(&line).ok().and_then(parse_line)
            && let Some(at) = index.find(&parsed.id)
        {
            known.insert(at, index.len(), parsed.digest, parsed.verdict);
        }
    }
    known
}

/// The first line of the file, read from its start, if it can be read.
fn read_header(file: &mut std::fs::File) -> Option<String> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut header = String::new();
    std::io::BufReader::new(file)
        .take(HEADER.len() as u64 + 2)
        .read_line(&mut header)
        .ok()?;
    header.strip_suffix('\n').map(str::to_string)
}

/// The cached verdicts of a range's commits, by index in the range: 16 bytes a commit and
/// its 32-byte digest, with keys shared and failure details kept aside (a realistic range
/// has few).
#[derive(Default)]
pub struct Known {
    slots: Vec<Slot>,
    digests: Vec<Digest>,
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
    /// Two lines disagree about the commit: neither is believed, the signature is checked.
    Conflict,
}

const NO_KEY: u32 = u32::MAX;

impl Known {
    fn insert(&mut self, at: usize, len: usize, digest: Digest, verdict: Verdict) {
        if self.slots.is_empty() {
            let missing = Slot {
                unix: 0,
                key: NO_KEY,
                format: Format::Ssh,
                source: TimeSource::Committer,
                state: State::Missing,
            };
            self.slots = vec![missing; len];
            self.digests = vec![[0; 32]; len];
        }
        match self.slots[at].state {
            State::Missing => {}
            State::Conflict => return,
            // The same verdict twice (two runs checked the same commit) is one verdict.
            _ if self.digests[at] == digest
                && self.stored(at).as_ref() == Some(&cached_form(&verdict)) =>
            {
                return;
            }
            _ => {
                self.failures.remove(&(at as u32));
                self.slots[at].state = State::Conflict;
                return;
            }
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
        // Every line has a time: `parse_line` gives one.
        let time = verdict.time.unwrap_or(SignatureTime {
            unix: 0,
            source: TimeSource::Committer,
        });
        let state = match verdict.outcome {
            Ok(_) => State::Good,
            Err(failure) => {
                self.failures.insert(at as u32, failure);
                State::Failed
            }
        };
        self.digests[at] = digest;
        self.slots[at] = Slot {
            unix: time.unix,
            key,
            format: verdict.format,
            source: time.source,
            state,
        };
    }

    /// Whether commit `at` of the range has a usable cached line (for some digest).
    pub fn has(&self, at: usize) -> bool {
        self.slots
            .get(at)
            .is_some_and(|s| matches!(s.state, State::Good | State::Failed))
    }

    /// The cached verdict of commit `at`, if its line was computed from bytes whose
    /// digest is `digest`.
    pub fn verdict(&self, at: usize, digest: &Digest) -> Option<Verdict> {
        if self.digests.get(at) != Some(digest) {
            return None;
        }
        self.stored(at)
    }

    /// The digest of commit `at`'s usable line, if it has one.
    pub fn digest(&self, at: usize) -> Option<&Digest> {
        self.has(at).then(|| &self.digests[at])
    }

    /// The verdict the line for `at` gave, whatever its digest.
    fn stored(&self, at: usize) -> Option<Verdict> {
        let slot = self.slots.get(at)?;
        let outcome = match slot.state {
            State::Good => Ok(Trust::Undefined),
            State::Failed => Err(self.failures.get(&(at as u32))?.clone()),
            State::Missing | State::Conflict => return None,
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
            ssh_certificate: None,
        })
    }
}

/// A verdict as the cache keeps it: the signer's name and the trust level are not kept
/// (the policy decides both from the key).
fn cached_form(verdict: &Verdict) -> Verdict {
    Verdict {
        signer: None,
        outcome: verdict.outcome.clone().map(|_| Trust::Undefined),
        ..verdict.clone()
    }
}

/// One line of the file (without its newline), or `None` when the verdict may not be
/// cached or cannot be written so that it reads back exactly. Public for the fuzz target
/// `verdict_cache`.
pub fn format_line(id: &ObjectId, digest: &Digest, verdict: &Verdict) -> Option<String> {
    if !super::backends::cacheable(verdict) {
        return None;
    }
    let time = verdict.time?;
    let key = match &verdict.key {
        None => "-".to_string(),
        Some(key) => {
            let field = encode(key);
            key_syntax(verdict.format, &field).then_some(field)?
        }
    };
    let (state, detail) = match &verdict.outcome {
        Ok(_) => ("ok", String::new()),
        Err(failure) => (failure.kind.name(), encode(&failure.detail)),
    };
    let line = format!(
        "{id}\t{}\t{}\t{key}\t{}\t{}\t{state}\t{detail}",
        hex(digest),
        verdict.format.name(),
        time.unix,
        source_name(time.source),
    );
    // What is written is what will be read: anything else stays out of the file.
    (parse_line(&line).as_ref().map(|p| &p.verdict) == Some(&cached_form(verdict))).then_some(line)
}

/// A line of the file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub id: ObjectId,
    pub digest: Digest,
    pub verdict: Verdict,
}

/// A line of the file (without its newline), if every field is exactly as gitseal writes
/// it and the verdict is one gitseal caches. Public for the fuzz target `verdict_cache`.
pub fn parse_line(line: &str) -> Option<Line> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [id, digest, format, key, unix, source, state, detail] = fields[..] else {
        return None;
    };
    if !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let id = ObjectId::from_hex(id.as_bytes()).ok()?;
    let digest = unhex(digest)?;
    let format = match format {
        "ssh" => Format::Ssh,
        "openpgp" => Format::OpenPgp,
        "x509" => Format::X509,
        _ => return None,
    };
    let key = match key {
        "-" => None,
        field if key_syntax(format, field) => Some(decode(field)?),
        _ => return None,
    };
    let unix: i64 = unix.parse().ok().filter(|n: &i64| n.to_string() == unix)?;
    let source = match source {
        "committer" => TimeSource::Committer,
        "tlog" => TimeSource::Tlog,
        "tsa" => TimeSource::Tsa,
        _ => return None,
    };
    let outcome = match state {
        "ok" if detail.is_empty() => Ok(Trust::Undefined),
        "ok" => return None,
        kind => Err(Failure {
            kind: FailureKind::from_name(kind)?,
            detail: decode(detail)?,
        }),
    };
    let verdict = Verdict {
        format,
        key,
        signer: None,
        time: Some(SignatureTime { unix, source }),
        outcome,
        ssh_certificate: None,
    };
    super::backends::cacheable(&verdict).then_some(Line {
        id,
        digest,
        verdict,
    })
}

/// Whether `field` (the key as written) has the syntax of a key of `format`: SSH
/// `SHA256:` and 43 base64 digits, OpenPGP a v4 or v6 fingerprint in upper-case hex, x509
/// an encoded `<issuer> <subject>` with neither empty and no control characters.
fn key_syntax(format: Format, field: &str) -> bool {
    match format {
        Format::Ssh => field.strip_prefix("SHA256:").is_some_and(|b64| {
            b64.len() == 43
                && b64
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        }),
        Format::OpenPgp => {
            matches!(field.len(), 40 | 64)
                && field
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
        }
        Format::X509 => decode(field).is_some_and(|key| {
            key.split_once(' ')
                .is_some_and(|(issuer, subject)| !issuer.is_empty() && !subject.is_empty())
                && !key.chars().any(char::is_control)
        }),
    }
}

/// Bytes written as themselves in an encoded field; every other byte is `%XX`.
fn plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~:/@+=,".contains(&byte)
}

/// Percent-encodes every byte outside [`plain`] (upper-case hex): the field then holds no
/// tab, newline, space or anything a terminal would act on.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if plain(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The text of an encoded field, if it is exactly what [`encode`] writes for that text
/// (one spelling per text: no needless or lower-case escapes) and UTF-8.
fn decode(field: &str) -> Option<String> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'%' {
            let digits = bytes.get(at + 1..at + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
            if plain(value) || digits.iter().any(u8::is_ascii_lowercase) {
                return None;
            }
            out.push(value);
            at += 3;
        } else if plain(byte) {
            out.push(byte);
            at += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 64 lower-case hex digits.
fn unhex(field: &str) -> Option<Digest> {
    if field.len() != 64
        || !field
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&field[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
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

    const ALICE: &str = "SHA256:AVbuM9fMKiR1UEbujGStWRNlLOUsU3DBak/ncDKrH+4";
    const BOB: &str = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn signed(payload: &str, signature: &str) -> Signed {
        Signed {
            payload: payload.as_bytes().to_vec(),
            signature: signature.as_bytes().to_vec(),
        }
    }

    /// The digest of a commit `n` signed by nothing in particular.
    fn dig(n: u8) -> Digest {
        digest(&signed(&format!("tree {n}\n"), "sig"), &[])
    }

    /// The digest context of OpenPGP verdicts: the keys trees.
    fn trees(ids: &[ObjectId]) -> Vec<&[u8]> {
        ids.iter().map(|id| id.as_slice()).collect()
    }

    fn ssh(key: &str, outcome: Result<Trust, Failure>) -> Verdict {
        Verdict {
            format: Format::Ssh,
            key: Some(key.into()),
            signer: None,
            time: Some(SignatureTime {
                unix: 5,
                source: TimeSource::Committer,
            }),
            outcome,
            ssh_certificate: None,
        }
    }

    fn x509(key: &str, outcome: Result<Trust, Failure>) -> Verdict {
        Verdict {
            format: Format::X509,
            key: Some(key.into()),
            signer: Some("alice@example.org".into()),
            time: Some(SignatureTime {
                unix: 1_700_000_002,
                source: TimeSource::Tlog,
            }),
            outcome,
            ssh_certificate: None,
        }
    }

    fn bad(kind: FailureKind, detail: &str) -> Result<Trust, Failure> {
        Err(Failure {
            kind,
            detail: detail.into(),
        })
    }

    /// A range of the given commits, none with parents.
    fn range(ids: &[ObjectId]) -> Range {
        Range::from_ids(ids)
    }

    fn file(dir: &Path) -> PathBuf {
        dir.join("gitseal").join("verdicts")
    }

    #[test]
    fn round_trips_and_ignores_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let failed = ssh(ALICE, bad(FailureKind::BadSignature, "bad\tsig\nok"));
        let good = ssh(ALICE, Ok(Trust::Undefined));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(1), dig(1), &failed)]).unwrap();
        cache.append([(id(2), dig(2), &good)]).unwrap();
        let commits = range(&[id(3), id(2), id(1)]);
        let known = VerdictCache::open(dir.path()).lookup(&commits);
        assert!(!known.has(0));
        let got = known.verdict(2, &dig(1)).unwrap();
        assert_eq!(got.key, failed.key);
        // The detail comes back exactly, tab and newline included, from one line.
        assert_eq!(got.outcome, failed.outcome);
        assert_eq!(
            known.verdict(1, &dig(2)).unwrap().outcome,
            Ok(Trust::Undefined)
        );
        let text = std::fs::read_to_string(file(dir.path())).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");

        let text = text.replace(HEADER, "gitseal-verdicts 3 0.0.0");
        std::fs::write(file(dir.path()), text).unwrap();
        let mut cache = VerdictCache::open(dir.path());
        assert!(!cache.lookup(&commits).has(2));
        // The next write starts the file afresh, without the other version's lines.
        cache.append([(id(3), dig(3), &good)]).unwrap();
        let text = std::fs::read_to_string(file(dir.path())).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(cache.lookup(&commits).has(0));
    }

    #[test]
    fn a_line_speaks_only_for_the_bytes_it_was_computed_from() {
        let dir = tempfile::tempdir().unwrap();
        let good = ssh(ALICE, Ok(Trust::Undefined));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(1), dig(1), &good)]).unwrap();
        let known = cache.lookup(&range(&[id(1)]));
        assert!(known.verdict(0, &dig(1)).is_some());
        // The same id with other bytes (a replaced object, a collision): not cached.
        assert!(known.verdict(0, &dig(2)).is_none());
        // The digest separates payload from signature and from what the room was given
        // besides (keys trees, a trusted root), in order.
        let a = digest(&signed("ab", "c"), &[]);
        assert_ne!(a, digest(&signed("a", "bc"), &[]));
        assert_ne!(a, digest(&signed("ab", ""), &[b"c"]));
        assert_ne!(a, digest(&signed("ab", "c"), &trees(&[id(7)])));
        assert_ne!(
            digest(&signed("ab", "c"), &trees(&[id(7), id(8)])),
            digest(&signed("ab", "c"), &trees(&[id(8), id(7)]))
        );
        assert_ne!(
            digest(&signed("ab", "c"), &[&[1; 32]]),
            digest(&signed("ab", "c"), &[&[2; 32]])
        );
    }

    #[test]
    fn outside_text_is_encoded_and_cannot_plant_a_line() {
        // A certificate issuer carrying a whole forged line (issue 12, V1).
        let forged = format!(
            "https://evil\n{}\t{}\tssh\t{ALICE}\t5\tcommitter\tok\t",
            id(9),
            hex(&dig(9))
        );
        // Encoding alone keeps it inside its field...
        let field = encode(&forged);
        assert!(!field.contains(['\n', '\t', ' ']), "{field}");
        assert_eq!(decode(&field).as_deref(), Some(forged.as_str()));
        // ...and a key with control characters is no certificate key gitseal caches.
        let verdict = x509(&format!("{forged} mallory@example.org"), Ok(Trust::Fully));
        assert_eq!(format_line(&id(1), &dig(1), &verdict), None);

        // Printable outside text (spaces, escapes, `%`, non-ASCII) is written encoded and
        // read back exactly.
        let key = "https://issuer.example/a b%20 mallory@exämple.org\u{2028}";
        let verdict = x509(key, Ok(Trust::Fully));
        let line = format_line(&id(1), &dig(1), &verdict).expect("a good x509 verdict");
        assert_eq!(line.split('\t').count(), 8, "{line:?}");
        assert!(line.is_ascii(), "{line:?}");
        let parsed = parse_line(&line).unwrap();
        assert_eq!(parsed.verdict.key.as_deref(), Some(key));

        let dir = tempfile::tempdir().unwrap();
        let mut cache = VerdictCache::open(dir.path());
        let planted = ssh(ALICE, bad(FailureKind::Malformed, &forged));
        cache
            .append([(id(1), dig(1), &verdict), (id(2), dig(2), &planted)])
            .unwrap();
        let known = cache.lookup(&range(&[id(1), id(2), id(9)]));
        assert!(known.has(0) && known.has(1));
        assert_eq!(known.verdict(1, &dig(2)).unwrap().outcome, planted.outcome);
        assert!(!known.has(2), "a detail planted a verdict");

        // The encoding has one spelling: no needless or lower-case escapes, no raw bytes
        // outside the plain set.
        assert_eq!(decode("a%20b").as_deref(), Some("a b"));
        for wrong in ["a%41", "a%0a", "a b", "a%2", "a%zz", "a%FF"] {
            assert_eq!(decode(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn only_exact_lines_are_read() {
        let good = ssh(ALICE, Ok(Trust::Undefined));
        let line = format_line(&id(1), &dig(1), &good).unwrap();
        assert!(parse_line(&line).is_some());
        let fields: Vec<&str> = line.split('\t').collect();
        let with = |at: usize, value: &str| {
            let mut f = fields.clone();
            f[at] = value;
            f.join("\t")
        };
        let upper_id = id(0xab).to_string().to_uppercase();
        let upper_digest = hex(&dig(1)).to_uppercase();
        for wrong in [
            format!("{line}\textra"),
            fields[..7].join("\t"),
            with(0, &upper_id),
            with(0, "ab"),
            with(1, &upper_digest),
            with(1, &hex(&dig(1))[..63]),
            with(2, "SSH"),
            with(3, "SHA256:short"),
            with(3, "ssh-ed25519 AAAA"),
            with(3, &format!("{ALICE}%20x")),
            with(4, "+5"),
            with(4, "05"),
            with(4, "5 "),
            with(5, "tlog"),
            with(5, "Committer"),
            with(6, "OK"),
            with(6, "good"),
            with(6, "unlogged"),
            with(7, "detail on a good verdict"),
        ] {
            assert_eq!(parse_line(&wrong), None, "{wrong:?}");
        }
        // Per-format keys: OpenPGP fingerprints in upper-case hex, 40 or 64 digits.
        let fpr = "F7173B3C7C685CD9ECC4191B74E445BA0E15C957";
        let pgp = |key: &str| Verdict {
            format: Format::OpenPgp,
            ..ssh(key, Ok(Trust::Undefined))
        };
        assert!(format_line(&id(1), &dig(1), &pgp(fpr)).is_some());
        assert!(format_line(&id(1), &dig(1), &pgp(&"AB".repeat(32))).is_some());
        for key in [&fpr.to_lowercase(), &fpr[..16], ALICE] {
            assert_eq!(format_line(&id(1), &dig(1), &pgp(key)), None, "{key}");
        }
        // x509: issuer and subject, both there, no control characters once decoded.
        for key in ["https://issuer", " alice", "https://issuer alice\u{7}"] {
            let verdict = x509(key, Ok(Trust::Fully));
            assert_eq!(format_line(&id(1), &dig(1), &verdict), None, "{key:?}");
        }
    }

    #[test]
    fn failed_sigstore_verdicts_are_never_cached() {
        for kind in FailureKind::ALL {
            let verdict = x509("https://issuer alice@example.org", bad(kind, "no"));
            assert_eq!(format_line(&id(1), &dig(1), &verdict), None, "{kind:?}");
        }
        // Nor read, if someone wrote one.
        let good = x509("https://issuer alice@example.org", Ok(Trust::Fully));
        let line = format_line(&id(1), &dig(1), &good).unwrap();
        let failed = line.replace("\tok\t", "\tuntrusted\t");
        assert_eq!(parse_line(&failed), None, "{failed}");
    }

    #[test]
    fn two_lines_that_disagree_cancel_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = VerdictCache::open(dir.path());
        let by_alice = ssh(ALICE, Ok(Trust::Undefined));
        let by_bob = ssh(BOB, Ok(Trust::Undefined));
        // The same verdict twice (two pushes checked the same commit) is still a verdict.
        cache.append([(id(1), dig(1), &by_alice)]).unwrap();
        cache.append([(id(1), dig(1), &by_alice)]).unwrap();
        assert!(cache.lookup(&range(&[id(1)])).verdict(0, &dig(1)).is_some());
        // A later line for the same commit does not win: neither is believed.
        cache.append([(id(1), dig(1), &by_bob)]).unwrap();
        let known = cache.lookup(&range(&[id(1)]));
        assert!(!known.has(0));
        assert!(known.verdict(0, &dig(1)).is_none());
        // Nor does a line for other bytes under the same id.
        cache.append([(id(2), dig(2), &by_alice)]).unwrap();
        cache.append([(id(2), dig(3), &by_alice)]).unwrap();
        assert!(!cache.lookup(&range(&[id(2)])).has(0));
    }

    #[test]
    fn a_line_cut_short_is_ignored_and_not_joined_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let good = ssh(ALICE, Ok(Trust::Undefined));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(1), dig(1), &good)]).unwrap();
        let mut text = std::fs::read_to_string(file(dir.path())).unwrap();
        text.push_str(&format_line(&id(2), &dig(2), &good).unwrap()[..50]);
        std::fs::write(file(dir.path()), text).unwrap();
        let commits = range(&[id(1), id(2), id(3)]);
        let known = VerdictCache::open(dir.path()).lookup(&commits);
        assert!(known.has(0));
        assert!(!known.has(1));
        let mut cache = VerdictCache::open(dir.path());
        cache.append([(id(3), dig(3), &good)]).unwrap();
        let known = cache.lookup(&commits);
        assert!(known.has(0) && !known.has(1) && known.has(2));
    }

    #[test]
    fn concurrent_writers_lose_and_tear_no_line() {
        const WRITERS: u8 = 16;
        const EACH: u8 = 40;
        let dir = tempfile::tempdir().unwrap();
        // A detail long enough that one write of a writer's lines is tens of kilobytes.
        let detail = "x".repeat(800);
        let failed = ssh(ALICE, bad(FailureKind::BadSignature, &detail));
        let ids: Vec<ObjectId> = (0..WRITERS)
            .flat_map(|w| {
                (0..EACH).map(move |n| {
                    ObjectId::from_bytes_or_panic(&[
                        w, n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                    ])
                })
            })
            .collect();
        // Another version's file: the first writers race to start it afresh.
        std::fs::create_dir_all(dir.path().join("gitseal")).unwrap();
        std::fs::write(file(dir.path()), "gitseal-verdicts 1 0.0.0\nold line\n").unwrap();
        let start = std::sync::Barrier::new(WRITERS as usize);
        std::thread::scope(|scope| {
            for w in 0..WRITERS as usize {
                let (ids, failed, path, start) = (&ids, &failed, dir.path(), &start);
                scope.spawn(move || {
                    start.wait();
                    // Each writer opens the cache itself, as a separate run would.
                    for n in 0..EACH as usize {
                        let mut cache = VerdictCache::open(path);
                        let at = w * EACH as usize + n;
                        cache.append([(ids[at], dig(at as u8), failed)]).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(file(dir.path())).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(HEADER));
        assert_eq!(lines.count(), ids.len());
        let known = VerdictCache::open(dir.path()).lookup(&range(&ids));
        for (at, _) in ids.iter().enumerate() {
            assert!(
                known.verdict(at, &dig(at as u8)).is_some(),
                "line {at} lost"
            );
        }
    }

    #[test]
    fn disabled_keeps_nothing() {
        let mut cache = VerdictCache::disabled();
        let good = ssh(ALICE, Ok(Trust::Undefined));
        cache.append([(id(1), dig(1), &good)]).unwrap();
        assert!(!cache.lookup(&range(&[id(1)])).has(0));
    }
}
