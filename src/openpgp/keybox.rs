//! GnuPG's keybox (`pubring.kbx`): a sequence of blobs, each with a 4-byte big-endian
//! length and a type byte; type 2 holds one OpenPGP keyblock plus an index of the
//! fingerprints of its keys (GnuPG `kbx/keybox-blob.c`, "The OpenPGP blob").
//!
//! The index is why gpg answers fast with large keyrings, and why we do too: a lookup
//! reads only the blob headers and parses the one keyblock whose index names the key.

use super::OpenPgpError;

const BLOB_OPENPGP: u8 = 2;
/// Offset of the key-info array inside an OpenPGP blob.
const KEYINFO_OFFSET: usize = 20;
/// A v4 fingerprint; version-5 keys (GnuPG 2.3+ blob version 2) carry 32 bytes.
const V4_FPR_LEN: usize = 20;

/// One OpenPGP blob: where its keyblock is, and which keys and user ids it holds.
#[derive(Clone, Debug)]
pub struct Blob {
    /// The v4 fingerprints of the primary key and its subkeys, in keyblock order.
    pub fingerprints: Vec<[u8; V4_FPR_LEN]>,
    /// Byte range of the raw keyblock within the keybox.
    keyblock: std::ops::Range<usize>,
    /// Byte ranges of the user ids' text within the keybox (the blob's user id index
    /// points into the keyblock's User ID packets).
    uids: Vec<std::ops::Range<usize>>,
}

/// An indexed keybox.
#[derive(Debug, Default)]
pub struct Keybox {
    data: Vec<u8>,
    blobs: Vec<Blob>,
}

impl Keybox {
    /// Reads the blob headers of `data`. Blobs of other types (the header blob, X.509) and
    /// blobs that do not fit are skipped, as gpg skips them.
    pub fn parse(data: Vec<u8>) -> Result<Self, OpenPgpError> {
        let mut blobs = Vec::new();
        let mut at = 0usize;
        while at < data.len() {
            let length = be32(&data, at)
                .ok_or_else(|| OpenPgpError::Keybox(format!("truncated blob at offset {at}")))?
                as usize;
            if length < 5 || at + length > data.len() {
                return Err(OpenPgpError::Keybox(format!(
                    "blob at offset {at} claims {length} bytes"
                )));
            }
            let blob = &data[at..at + length];
            if blob[4] == BLOB_OPENPGP
                && let Some(parsed) = parse_openpgp_blob(blob, at)
            {
                blobs.push(parsed);
            }
            at += length;
        }
        Ok(Self { data, blobs })
    }

    pub fn blobs(&self) -> &[Blob] {
        &self.blobs
    }

    /// The raw keyblock (OpenPGP packets) of a blob.
    pub fn keyblock(&self, blob: &Blob) -> &[u8] {
        &self.data[blob.keyblock.clone()]
    }

    /// The user ids of a blob, as its index names them (raw bytes, normally UTF-8).
    pub fn uids<'a>(&'a self, blob: &'a Blob) -> impl Iterator<Item = &'a [u8]> + 'a {
        blob.uids.iter().map(|r| &self.data[r.clone()])
    }

    /// Indexes (into [`Self::blobs`]) of the blobs whose index holds a key with this
    /// fingerprint, or whose fingerprint ends in this key id (8 bytes).
    pub fn find<'a>(&'a self, id: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        self.blobs
            .iter()
            .enumerate()
            .filter(move |(_, b)| b.fingerprints.iter().any(|f| f.ends_with(id)))
            .map(|(i, _)| i)
    }
}

/// Version 1 OpenPGP blob layout: u32 length, u8 type, u8 version, u16 flags, u32 keyblock
/// offset, u32 keyblock length, u16 number of keys, u16 size of a key info, then per key
/// 20 bytes fingerprint, u32 key id offset, u16 flags, u16 reserved; then u16 size of the
/// serial number and the serial number, u16 number of user ids, u16 size of a user id
/// info, per user id u32 offset (from the blob's start) and u32 length of its text, u16
/// flags, u8 validity, u8 reserved. A user id index that does not fit leaves the blob
/// without user ids (it is still found by fingerprint).
fn parse_openpgp_blob(blob: &[u8], base: usize) -> Option<Blob> {
    let version = blob.get(5).copied()?;
    if version != 1 {
        return None;
    }
    let offset = be32(blob, 8)? as usize;
    let length = be32(blob, 12)? as usize;
    let keys = be16(blob, 16)? as usize;
    let info_size = be16(blob, 18)? as usize;
    if info_size < 28 || offset.checked_add(length)? > blob.len() {
        return None;
    }
    let mut fingerprints = Vec::with_capacity(keys);
    for i in 0..keys {
        let start = KEYINFO_OFFSET + i * info_size;
        let fpr: [u8; V4_FPR_LEN] = blob.get(start..start + V4_FPR_LEN)?.try_into().ok()?;
        fingerprints.push(fpr);
    }
    let uids = parse_uid_index(blob, KEYINFO_OFFSET + keys * info_size)
        .unwrap_or_default()
        .into_iter()
        .map(|r| base + r.start..base + r.end)
        .collect();
    Some(Blob {
        fingerprints,
        keyblock: base + offset..base + offset + length,
        uids,
    })
}

/// The user id index that starts at `at` (with the serial number before it).
fn parse_uid_index(blob: &[u8], at: usize) -> Option<Vec<std::ops::Range<usize>>> {
    let serial = be16(blob, at)? as usize;
    let at = at + 2 + serial;
    let count = be16(blob, at)? as usize;
    let info_size = be16(blob, at + 2)? as usize;
    if info_size < 8 {
        return None;
    }
    let mut uids = Vec::with_capacity(count);
    for i in 0..count {
        let info = at + 4 + i * info_size;
        let offset = be32(blob, info)? as usize;
        let length = be32(blob, info + 4)? as usize;
        if offset.checked_add(length)? > blob.len() {
            return None;
        }
        uids.push(offset..offset + length);
    }
    Some(uids)
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

/// Whether `data` starts like a keybox (its first blob is the header blob, type 1, whose
/// bytes 8..12 read "KBXf").
pub fn looks_like_keybox(data: &[u8]) -> bool {
    data.len() >= 12 && data[4] == 1 && &data[8..12] == b"KBXf"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 1 OpenPGP blob whose user id index names the whole keyblock as one
    /// user id.
    fn blob(fprs: &[[u8; 20]], keyblock: &[u8]) -> Vec<u8> {
        let info = 28usize;
        let uid_info = 12usize;
        let header = KEYINFO_OFFSET + fprs.len() * info + 2 + 4 + uid_info;
        let total = header + keyblock.len();
        let mut b = Vec::new();
        b.extend_from_slice(&(total as u32).to_be_bytes());
        b.extend_from_slice(&[BLOB_OPENPGP, 1, 0, 0]);
        b.extend_from_slice(&(header as u32).to_be_bytes());
        b.extend_from_slice(&(keyblock.len() as u32).to_be_bytes());
        b.extend_from_slice(&(fprs.len() as u16).to_be_bytes());
        b.extend_from_slice(&(info as u16).to_be_bytes());
        for f in fprs {
            b.extend_from_slice(f);
            b.extend_from_slice(&[0; 8]);
        }
        b.extend_from_slice(&0u16.to_be_bytes()); // no serial number
        b.extend_from_slice(&1u16.to_be_bytes());
        b.extend_from_slice(&(uid_info as u16).to_be_bytes());
        b.extend_from_slice(&(header as u32).to_be_bytes());
        b.extend_from_slice(&(keyblock.len() as u32).to_be_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(keyblock);
        b
    }

    #[test]
    fn indexes_blobs_and_skips_others() {
        let mut data = Vec::new();
        // Header blob (type 1), 32 bytes.
        let mut header = vec![0u8; 32];
        header[..4].copy_from_slice(&32u32.to_be_bytes());
        header[4] = 1;
        header[8..12].copy_from_slice(b"KBXf");
        data.extend_from_slice(&header);
        data.extend(blob(&[[1; 20], [2; 20]], b"first"));
        data.extend(blob(&[[3; 20]], b"second"));
        assert!(looks_like_keybox(&data));
        let kbx = Keybox::parse(data).unwrap();
        assert_eq!(kbx.blobs().len(), 2);
        let hit: Vec<_> = kbx.find(&[2; 8]).collect();
        assert_eq!(hit, [0]);
        assert_eq!(kbx.keyblock(&kbx.blobs()[0]), b"first");
        let hit: Vec<_> = kbx.find(&[3; 20]).collect();
        assert_eq!(kbx.keyblock(&kbx.blobs()[hit[0]]), b"second");
        assert_eq!(kbx.find(&[9; 8]).count(), 0);
        let uids: Vec<_> = kbx.uids(&kbx.blobs()[1]).collect();
        assert_eq!(uids, [b"second"]);
    }

    #[test]
    fn rejects_lengths_past_the_end() {
        let mut data = 500u32.to_be_bytes().to_vec();
        data.extend_from_slice(&[2, 1, 0, 0]);
        assert!(Keybox::parse(data).is_err());
        assert!(Keybox::parse(vec![0, 0]).is_err());
    }
}
