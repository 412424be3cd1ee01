//! The C2SP tlog-tiles API as the monitor reads a Rekor v2 shard: the checkpoint, hash
//! tiles (`tile/<L>/<N>[.p/<W>]`, 256 hashes of Merkle level 8L each) and entry bundles
//! (`tile/entries/<N>[.p/<W>]`, big-endian 16-bit length, then the entry), and the RFC
//! 6962 tree rebuilt from them: the hashes of a tree's full subtrees (its "frontier"),
//! extended leaf by leaf, hash to the tree's root. Every call goes through the Sigstore
//! room's bounded client.

use sha2::{Digest, Sha256};
use std::time::Duration;

use crate::sigstore::{ExchangeFailure, exchange, network};

/// Hashes per tile and entries per bundle: 2^8.
pub const WIDTH: u64 = 256;
const HEIGHT: u32 = 8;
/// A full entry bundle of 256 entries of at most 64 KiB each.
const MAX_BUNDLE: usize = 256 * (2 + 65535);
const MAX_CHECKPOINT: usize = 64 * 1024;

/// A client of one tile log.
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

    fn get(&self, path: &str, limit: usize) -> Result<Vec<u8>, String> {
        let request = self.http.get(format!("{}/{path}", self.url));
        exchange(&self.runtime, request, self.timeout, limit).map_err(|e| match e {
            ExchangeFailure::Transport(why) | ExchangeFailure::Status(why) => {
                format!("{path}: {why}")
            }
            ExchangeFailure::TooLarge(_) => format!("{path}: the answer is larger than it can be"),
        })
    }

    /// The signed note the log serves as its checkpoint.
    pub fn checkpoint(&self) -> Result<String, String> {
        let answer = self.get("checkpoint", MAX_CHECKPOINT)?;
        String::from_utf8(answer).map_err(|_| "checkpoint: the answer is not UTF-8".into())
    }

    /// The `width` hashes of tile `index` of `level`.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Result<Vec<[u8; 32]>, String> {
        let path = format!("tile/{level}/{}", tile_path(index, width));
        let answer = self.get(&path, WIDTH as usize * 32)?;
        if answer.len() as u64 != width * 32 {
            return Err(format!(
                "{path}: {} bytes, not the {width} hashes of that tile",
                answer.len()
            ));
        }
        Ok(answer
            .chunks_exact(32)
            .map(|c| {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(c);
                hash
            })
            .collect())
    }

    /// The `width` entries of bundle `index`, each handed to `each` in order.
    pub fn entries(
        &self,
        index: u64,
        width: u64,
        each: &mut dyn FnMut(&[u8]),
    ) -> Result<(), String> {
        let path = format!("tile/entries/{}", tile_path(index, width));
        let answer = self.get(&path, MAX_BUNDLE)?;
        let mut rest = &answer[..];
        let mut count = 0;
        while !rest.is_empty() {
            let (Some(&high), Some(&low)) = (rest.first(), rest.get(1)) else {
                return Err(format!("{path}: a length cut short"));
            };
            let length = usize::from(u16::from_be_bytes([high, low]));
            let Some(entry) = rest.get(2..2 + length) else {
                return Err(format!("{path}: an entry cut short"));
            };
            count += 1;
            if count > width {
                break;
            }
            each(entry);
            rest = &rest[2 + length..];
        }
        if count != width {
            return Err(format!(
                "{path}: {count} entries, not the {width} of that bundle"
            ));
        }
        Ok(())
    }
}

/// A tile's (or bundle's) path: its index in 3-digit elements, all but the last prefixed
/// `x` (1234067 is `x001/x234/067`), then `.p/<W>` for a partial one.
pub fn tile_path(index: u64, width: u64) -> String {
    let mut elements = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        elements.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    elements.reverse();
    let mut path = elements.join("/");
    if width < WIDTH {
        path.push_str(&format!(".p/{width}"));
    }
    path
}

/// How many of tile `index`'s hashes (or bundle `index`'s entries) a level of `count`
/// nodes has: 256, or fewer for the rightmost, partial one.
pub fn width(count: u64, index: u64) -> u64 {
    count.saturating_sub(index * WIDTH).min(WIDTH)
}

pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update([0u8]);
    hash.update(entry);
    hash.finalize().into()
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update([1u8]);
    hash.update(left);
    hash.update(right);
    hash.finalize().into()
}

/// The full subtrees of a tree of `size` leaves, left to right, by height: what its root
/// and the root of every larger tree that extends it are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    subtrees: Vec<(u32, [u8; 32])>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf, merging equal subtrees.
    pub fn push(&mut self, leaf: [u8; 32]) {
        let mut top = (0u32, leaf);
        while let Some(&(height, hash)) = self.subtrees.last() {
            if height != top.0 {
                break;
            }
            self.subtrees.pop();
            top = (height + 1, node(&hash, &top.1));
        }
        self.subtrees.push(top);
        self.size += 1;
    }

    /// MTH of the tree (RFC 6962: the hash of no leaves is SHA-256 of nothing).
    pub fn root(&self) -> [u8; 32] {
        let mut subtrees = self.subtrees.iter().rev();
        let Some(&(_, mut root)) = subtrees.next() else {
            return Sha256::digest([]).into();
        };
        for (_, left) in subtrees {
            root = node(left, &root);
        }
        root
    }

    /// The frontier of the first `size` leaves of the log whose current tree has `now`
    /// leaves, from its hash tiles: each full subtree's hash is in a tile of level
    /// height / 8, or is hashed up from 2^(height % 8) consecutive hashes of one. Nothing
    /// here is trusted until the root computed from it is compared with a checkpoint.
    pub fn from_tiles(client: &Client, size: u64, now: u64) -> Result<Frontier, String> {
        let mut frontier = Frontier {
            size,
            subtrees: Vec::new(),
        };
        let mut offset = 0u64;
        for height in (0..64u32).rev() {
            if size & (1u64 << height) == 0 {
                continue;
            }
            let level = height / HEIGHT;
            let up = height % HEIGHT;
            // Nodes of Merkle level 8 * level: the subtree starts at node `first`.
            let first = offset >> (level * HEIGHT);
            let tile = first / WIDTH;
            let count = now >> (level * HEIGHT);
            let hashes = client.tile(level, tile, width(count, tile))?;
            let start = (first % WIDTH) as usize;
            let mut layer: Vec<[u8; 32]> = hashes
                .get(start..start + (1usize << up))
                .ok_or_else(|| format!("tile {level}/{tile} is shorter than the tree needs"))?
                .to_vec();
            while layer.len() > 1 {
                layer = layer.chunks_exact(2).map(|p| node(&p[0], &p[1])).collect();
            }
            frontier.subtrees.push((height, layer[0]));
            offset += 1u64 << height;
        }
        Ok(frontier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_three_digit_elements() {
        assert_eq!(tile_path(1234067, 256), "x001/x234/067");
        assert_eq!(tile_path(5, 256), "005");
        assert_eq!(tile_path(5, 17), "005.p/17");
        assert_eq!(tile_path(1000, 256), "x001/000");
        assert_eq!(width(600, 2), 88);
        assert_eq!(width(600, 1), 256);
        assert_eq!(width(512, 2), 0);
    }

    /// The frontier's root is RFC 6962's MTH (the RFC's seven-leaf tree, written out).
    #[test]
    fn the_frontier_hashes_to_the_tree_root() {
        let d: Vec<[u8; 32]> = (0u8..7).map(|n| leaf_hash(&[n])).collect();
        let mut frontier = Frontier::default();
        for leaf in &d {
            frontier.push(*leaf);
        }
        let a = node(&d[0], &d[1]);
        let b = node(&d[2], &d[3]);
        let i = node(&d[4], &d[5]);
        let k = node(&node(&a, &b), &node(&i, &d[6]));
        assert_eq!(frontier.root(), k);
        assert_eq!(frontier.size(), 7);
        assert_eq!(
            Frontier::default().root(),
            <[u8; 32]>::from(Sha256::digest([]))
        );
    }
}
