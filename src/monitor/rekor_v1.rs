//! The Rekor v1 API as the monitor reads it: log info (signed tree heads of every shard),
//! consistency proofs, the search index by e-mail, and entries by UUID. Every call goes
//! through the Sigstore room's bounded client (`gitseal.timeout` on the whole exchange, a
//! size limit on the answer); a failure is a few words on one line.

use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

use crate::sigstore::{ExchangeFailure, exchange, network};

/// The most a single answer may hold: a search by e-mail of a busy CI identity lists
/// tens of thousands of UUIDs (about 70 bytes each).
const MAX_ANSWER: usize = 16 << 20;

/// Log info of a shard, as `GET /api/v1/log` writes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardInfo {
    pub root_hash: String,
    pub tree_size: u64,
    pub signed_tree_head: String,
    #[serde(rename = "treeID", default)]
    pub tree_id: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogInfo {
    #[serde(flatten)]
    pub active: ShardInfo,
    #[serde(default)]
    pub inactive_shards: Vec<ShardInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyAnswer {
    #[serde(default)]
    hashes: Vec<String>,
}

/// A client of one Rekor v1 log.
pub struct Client {
    pub url: String,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    timeout: Duration,
}

impl Client {
    pub fn new(url: &str, timeout: Duration) -> Result<Client, String> {
        let (runtime, http) = network(timeout)?;
        Ok(Client {
            url: url.trim_end_matches('/').to_string(),
            runtime,
            http,
            timeout,
        })
    }

    fn call(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, String> {
        exchange(&self.runtime, request, self.timeout, MAX_ANSWER).map_err(|e| match e {
            ExchangeFailure::Transport(why) | ExchangeFailure::Status(why) => why,
            ExchangeFailure::TooLarge(_) => {
                format!("the answer is larger than {} MiB", MAX_ANSWER >> 20)
            }
        })
    }

    fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        self.call(self.http.get(format!("{}{path}", self.url)))
    }

    /// The signed tree heads of the active shard and of the inactive ones.
    pub fn log_info(&self) -> Result<LogInfo, String> {
        let answer = self.get("/api/v1/log")?;
        parse(&answer, "log info")
    }

    /// The consistency proof between the trees of `first` and `last` leaves of a shard
    /// (`tree_id` for an inactive one).
    pub fn consistency(
        &self,
        first: u64,
        last: u64,
        tree_id: Option<&str>,
    ) -> Result<Vec<[u8; 32]>, String> {
        let mut path = format!("/api/v1/log/proof?firstSize={first}&lastSize={last}");
        if let Some(tree) = tree_id {
            path.push_str(&format!("&treeID={tree}"));
        }
        let answer: ConsistencyAnswer = parse(&self.get(&path)?, "consistency proof")?;
        answer
            .hashes
            .iter()
            .map(|h| hash32(h).ok_or_else(|| format!("consistency proof: `{h}` is not a hash")))
            .collect()
    }

    /// The UUIDs the search index lists for an e-mail address.
    pub fn search_email(&self, email: &str) -> Result<Vec<String>, String> {
        let request = self
            .http
            .post(format!("{}/api/v1/index/retrieve", self.url))
            .json(&json!({ "email": email }));
        let uuids: Vec<String> = parse(&self.call(request)?, "search result")?;
        if let Some(bad) = uuids.iter().find(|u| !is_uuid(u)) {
            return Err(format!(
                "the search result lists `{}`, not an entry UUID",
                bad.chars().take(100).collect::<String>()
            ));
        }
        Ok(uuids)
    }

    /// The entry `uuid`, with its proofs as the log gives them now. The answer is a map
    /// of one UUID to the entry; the UUID it is filed under is returned with it (the
    /// caller checks it names the entry's body).
    pub fn entry(&self, uuid: &str) -> Result<(String, sigstore_rekor::LogEntry), String> {
        let answer = self.get(&format!("/api/v1/log/entries/{uuid}"))?;
        let map: serde_json::Map<String, Value> = parse(&answer, "log entry")?;
        let mut entries = map.into_iter();
        let (Some((key, value)), None) = (entries.next(), entries.next()) else {
            return Err("the answer to an entry's UUID is not exactly one entry".into());
        };
        let entry: sigstore_rekor::LogEntry = serde_json::from_value(value).map_err(|e| {
            format!(
                "not a Rekor log entry: {}",
                crate::sigstore::one_line(&e.to_string())
            )
        })?;
        Ok((key, entry))
    }
}

fn parse<T: serde::de::DeserializeOwned>(answer: &[u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(answer).map_err(|e| {
        format!(
            "the answer is not a Rekor {what} ({})",
            crate::sigstore::one_line(&e.to_string())
        )
    })
}

/// A Rekor v1 entry UUID: 64 hex digits (the leaf hash), or 80 (a tree id, then it).
pub fn is_uuid(text: &str) -> bool {
    (text.len() == 64 || text.len() == 80) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 64 hex digits as 32 bytes.
pub fn hash32(text: &str) -> Option<[u8; 32]> {
    // from_str_radix would take a sign ("+1") as a digit pair.
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_hashes_are_hex_of_their_length() {
        let leaf = "ab".repeat(32);
        assert!(is_uuid(&leaf));
        assert!(is_uuid(&format!("{}{leaf}", "0".repeat(16))));
        assert!(!is_uuid(&leaf[..63]));
        assert!(!is_uuid(&format!("{}zz", &leaf[..62])));
        assert_eq!(hash32(&leaf), Some([0xab; 32]));
        assert_eq!(hash32("ab"), None);
        assert_eq!(hash32(&format!("{}+1", &leaf[..62])), None);
    }

    #[test]
    fn log_info_reads_rekors_shape() {
        let info: LogInfo = serde_json::from_str(
            r#"{"rootHash":"00","signedTreeHead":"n","treeID":"7","treeSize":3,
                "inactiveShards":[{"rootHash":"11","signedTreeHead":"m","treeID":"6","treeSize":9}]}"#,
        )
        .expect("parses");
        assert_eq!(info.active.tree_size, 3);
        assert_eq!(info.inactive_shards[0].tree_id, "6");
    }
}
