//! What the monitor keeps between runs, per log shard (by checkpoint origin): the last
//! checkpoint it verified (each new one must extend it), where the watch started, and the
//! entries already sorted (known ones are not fetched again; unknown ones are reported
//! once). Written whole to a file beside it, then renamed over it: a run that stops
//! half-way leaves the previous state.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;

/// The most a state file may hold (a watch of many busy identities over years).
const MAX_STATE: u64 = 256 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    #[serde(default)]
    pub logs: BTreeMap<String, LogState>,
}

/// Where a first run starts watching.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// Entries at this log index and after (`--from-index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
    /// Entries logged at this Unix time and after (`--since`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

impl Start {
    pub fn admits(&self, index: i64, time: i64) -> bool {
        self.index.is_none_or(|i| index >= i) && self.time.is_none_or(|t| time >= t)
    }
}

/// What became of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sorted {
    Known,
    /// Unknown, and reported.
    Reported,
    /// Before the watch's start.
    Before,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogState {
    /// The log's URL when the checkpoint was read (for people).
    pub url: String,
    /// Hex SHA-256 of the log's key.
    pub log_id: String,
    pub tree_size: u64,
    /// Hex root hash of that tree.
    pub root_hash: String,
    /// The signed note itself.
    pub checkpoint: String,
    #[serde(default)]
    pub start: Start,
    /// Entry UUIDs and what became of them.
    #[serde(default)]
    pub entries: BTreeMap<String, Sorted>,
}

impl State {
    /// What became of `uuid` in any shard, if it was sorted before.
    pub fn sorted(&self, uuid: &str) -> Option<Sorted> {
        self.logs
            .values()
            .find_map(|l| l.entries.get(uuid).copied())
    }
}

/// Reads the state; none yet is an empty one.
pub fn load(path: &Path) -> Result<State, String> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(State {
                version: VERSION,
                logs: BTreeMap::new(),
            });
        }
        Err(e) => {
            return Err(format!(
                "cannot read {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ));
        }
    };
    let mut text = Vec::new();
    use std::io::Read;
    file.take(MAX_STATE + 1)
        .read_to_end(&mut text)
        .map_err(|e| {
            format!(
                "cannot read {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            )
        })?;
    if text.len() as u64 > MAX_STATE {
        return Err(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_STATE >> 20
        ));
    }
    let state: State = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a gitseal monitor state ({})",
            path.display(),
            crate::sigstore::one_line(&e.to_string())
        )
    })?;
    if state.version != VERSION {
        return Err(format!(
            "{} is a monitor state of version {}, this gitseal reads version {VERSION}",
            path.display(),
            state.version
        ));
    }
    Ok(state)
}

/// Writes the state atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over the old one.
pub fn save(path: &Path, state: &State) -> Result<(), String> {
    let fail = |e: std::io::Error| {
        format!(
            "cannot write {}: {}",
            path.display(),
            crate::error::io_reason(&e)
        )
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut file = tempfile::Builder::new()
        .prefix(".monitor-state")
        .tempfile_in(dir)
        .map_err(fail)?;
    let text = serde_json::to_vec_pretty(state)
        .map_err(|e| format!("cannot write the monitor state: {e}"))?;
    file.write_all(&text).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_garbage_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/monitor.json");
        let empty = load(&path).expect("none yet");
        assert!(empty.logs.is_empty());
        let mut state = empty.clone();
        state.logs.insert(
            "rekor.example - 1".into(),
            LogState {
                url: "http://x".into(),
                log_id: "00".into(),
                tree_size: 3,
                root_hash: "11".into(),
                checkpoint: "note".into(),
                start: Start {
                    index: Some(2),
                    time: None,
                },
                entries: BTreeMap::from([("ab".into(), Sorted::Reported)]),
            },
        );
        save(&path, &state).expect("saved");
        assert_eq!(load(&path).expect("loads"), state);
        assert_eq!(state.sorted("ab"), Some(Sorted::Reported));
        assert!(
            !dir.path().join("sub").read_dir().expect("dir").any(|e| {
                e.expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".monitor-state")
            }),
            "no temporary file left"
        );

        std::fs::write(&path, "{\"version\":1,\"logs\":{},\"extra\":1}").expect("write");
        assert!(
            load(&path)
                .expect_err("unknown field")
                .contains("not a gitseal monitor state")
        );
        std::fs::write(&path, "{\"version\":9}").expect("write");
        assert!(load(&path).expect_err("version").contains("version 9"));
    }

    #[test]
    fn the_start_admits_what_comes_after_it() {
        let start = Start {
            index: Some(10),
            time: Some(100),
        };
        assert!(start.admits(10, 100));
        assert!(!start.admits(9, 200));
        assert!(!start.admits(11, 99));
        assert!(Start::default().admits(0, 0));
    }
}
