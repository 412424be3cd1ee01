//! sequoia's signature verification cache, carried from one gpg-dialect process to the
//! next. git runs one `gpg.program` process per commit, and each used to verify the
//! signer's certificate again: the binding signatures of its user ids and subkeys, seven
//! RSA checks for a key with three of each, 85 % of a verification's instructions
//! (docs/benchmarks.md). sequoia remembers every signature it found good, keyed by the
//! SHA-512 of the signature's values, the digest it computed over the signed data and the
//! key's values: an entry speaks for those exact octets and nothing else.
//!
//! Whoever can write the file can make sequoia take any signature for good, as whoever
//! can write the keyring can add keys; the caller therefore reads it only from a
//! directory and a file that are the user's own and that nobody else can write
//! (`mode/gpg.rs`), as gpg treats its home directory. This module only turns the file's
//! octets into entries and back: no I/O.
//!
//! The file: [`MAGIC`], then entries of 32 octets, oldest first, at most [`MAX_ENTRIES`].

use sequoia_openpgp::packet::signature::cache::SignatureVerificationCache;
use sequoia_openpgp::packet::{Key, Signature, key};
use sequoia_openpgp::types::HashAlgorithm;
#[cfg(test)]
use sequoia_openpgp::types::SignatureType;

/// The first line of the file.
pub const MAGIC: &[u8] = b"gitseal openpgp signature cache 1\n";

/// The most entries kept (128 KiB): reading them back must stay cheaper than the RSA
/// checks they save.
pub const MAX_ENTRIES: usize = 4096;

const ENTRY: usize = 32;

/// Whether checks by keys of this algorithm are slow enough to be worth remembering across
/// processes: RSA and DSA (milliseconds each with sequoia's pure-Rust backend); an EdDSA
/// or ECDSA check costs less than reading the cache.
// RSASign, DSA and ElGamalEncryptSign are deprecated for new keys; old ones are here.
#[allow(deprecated)]
pub fn slow_algorithm(algo: sequoia_openpgp::types::PublicKeyAlgorithm) -> bool {
    use sequoia_openpgp::types::PublicKeyAlgorithm as A;
    matches!(
        algo,
        A::RSAEncryptSign | A::RSASign | A::DSA | A::ElGamalEncryptSign
    )
}

/// The entries of a cache file (none if it is not one).
fn entries(file: &[u8]) -> Vec<Vec<u8>> {
    match file.strip_prefix(MAGIC) {
        Some(body) if body.len() % ENTRY == 0 => {
            body.chunks_exact(ENTRY).map(<[u8]>::to_vec).collect()
        }
        _ => Vec::new(),
    }
}

/// Starts loading the entries of `file` into sequoia's cache: sequoia sorts them on a
/// thread of its own, so the caller can read its keyring meanwhile and must
/// [`Restoring::wait`] before it checks a signature.
pub fn restore(file: &[u8]) -> Restoring {
    let entries = entries(file);
    if entries.is_empty() {
        return Restoring(None);
    }
    let (done, finished) = std::sync::mpsc::channel();
    SignatureVerificationCache::restore(entries.into_iter(), move || {
        let _ = done.send(());
    });
    Restoring(Some(finished))
}

/// A [`restore`] under way.
pub struct Restoring(Option<std::sync::mpsc::Receiver<()>>);

impl Restoring {
    /// Waits until sequoia has the entries (a sender dropped without sending, if sequoia's
    /// thread died, ends the wait too: checks then happen without the cache).
    pub fn wait(&mut self) {
        if let Some(finished) = self.0.take() {
            let _ = finished.recv();
        }
    }
}

/// The cache entry sequoia 2.4.2 makes when it finds `sig` good over `digest` by `key`
/// (`Entry::new` in its `packet/signature/cache.rs`, private there; the layout is
/// documented beside it): the first 32 octets of the SHA-512 of a version octet (0), the
/// length of the signature's MPIs (4 octets, little-endian), those MPIs, the hash
/// algorithm, the digest and the key's MPIs. sequoia is pinned (=2.4.2) and a test
/// (`entries_are_the_ones_sequoia_makes` below) fails if its entries ever differ.
pub fn entry(
    sig: &Signature,
    digest: &[u8],
    key: &Key<key::PublicParts, key::UnspecifiedRole>,
) -> Option<Vec<u8>> {
    use sequoia_openpgp::serialize::{Marshal, MarshalInto};
    let mut context = HashAlgorithm::SHA512.context().ok()?.for_digest();
    context.update(&[0u8]);
    let length = u32::try_from(sig.mpis().serialized_len()).ok()?;
    context.update(&length.to_le_bytes());
    sig.mpis().export(&mut context).ok()?;
    context.update(&[u8::from(sig.hash_algo())]);
    context.update(digest);
    key.mpis().export(&mut context).ok()?;
    let mut value = context.into_digest().ok()?;
    value.truncate(ENTRY);
    Some(value)
}

/// Gives sequoia `entries` (from [`entry`], for signatures checked outside sequoia) and
/// waits until it has them. sequoia merges every restore into its cache (the first one
/// fills a sorted list, later ones its buckets), so this may run before, after or while
/// the file's entries are [`restore`]d. Restored entries are not "inserted": they are
/// never written to the file ([`updated`]), and are made again by every process.
pub fn vouch(entries: Vec<Vec<u8>>) {
    if entries.is_empty() {
        return;
    }
    let (done, finished) = std::sync::mpsc::channel();
    SignatureVerificationCache::restore(entries.into_iter(), move || {
        let _ = done.send(());
    });
    let _ = finished.recv();
}

/// The new contents of the cache file: what `previous` held, then what this process found
/// good, the oldest dropped beyond [`MAX_ENTRIES`]; `None` when nothing was added.
pub fn updated(previous: &[u8]) -> Option<Vec<u8>> {
    let mut kept = entries(previous);
    let mut added = false;
    for entry in SignatureVerificationCache::dump() {
        if entry.inserted() && !kept.iter().any(|k| k.as_slice() == entry.value()) {
            kept.push(entry.value().to_vec());
            added = true;
        }
    }
    if !added {
        return None;
    }
    let start = kept.len().saturating_sub(MAX_ENTRIES);
    let mut file = MAGIC.to_vec();
    for entry in &kept[start..] {
        file.extend_from_slice(entry);
    }
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::Packet;
    use sequoia_openpgp::cert::CertBuilder;

    /// [`entry`] against sequoia itself: sequoia checks a binding signature and inserts
    /// its entry, which must be the one [`entry`] computes. Fails if sequoia's format
    /// changes (it is pinned, but this says so first).
    #[test]
    fn entries_are_the_ones_sequoia_makes() {
        let (cert, _) = CertBuilder::new()
            .add_userid("Format <format@example.com>")
            .generate()
            .expect("a certificate");
        let primary = cert.primary_key().key().clone();
        let uid = cert.userids().next().expect("a user id").userid().clone();
        let sig = cert
            .clone()
            .into_packets()
            .find_map(|p| match p {
                Packet::Signature(s) if s.typ() == SignatureType::PositiveCertification => Some(s),
                _ => None,
            })
            .expect("the user id's binding");
        let mut hash = sig
            .hash_algo()
            .context()
            .expect("hash")
            .for_signature(sig.version());
        sig.hash_userid_binding(&mut hash, &primary, &uid)
            .expect("hashed");
        let digest = hash.into_digest().expect("digest");
        let ours =
            entry(&sig, &digest, &primary.clone().role_into_unspecified()).expect("an entry");
        assert_eq!(ours.len(), ENTRY);
        sig.verify_userid_binding(&primary, &primary, &uid)
            .expect("sequoia verifies");
        assert!(
            SignatureVerificationCache::dump()
                .into_iter()
                .any(|e| e.value() == ours.as_slice()),
            "sequoia's cache holds the entry computed here"
        );
        // Another digest is another entry.
        let other = entry(&sig, &[0u8; 64], &primary.role_into_unspecified()).expect("entry");
        assert_ne!(ours, other);
    }

    /// Entries vouched for after the file's are restored are there too (sequoia's second
    /// restore goes to its buckets), and are not written back to the file.
    #[test]
    fn vouched_entries_join_restored_ones_and_stay_out_of_the_file() {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&[0x5au8; ENTRY]);
        restore(&file).wait();
        vouch(vec![vec![0xa5u8; ENTRY]]);
        let held: Vec<Vec<u8>> = SignatureVerificationCache::dump()
            .into_iter()
            .map(|e| e.value().to_vec())
            .collect();
        assert!(held.contains(&vec![0x5au8; ENTRY]));
        assert!(held.contains(&vec![0xa5u8; ENTRY]));
        let written = updated(&file).unwrap_or(file);
        assert!(
            !entries(&written).contains(&vec![0xa5u8; ENTRY]),
            "a vouched entry is not persisted"
        );
    }

    #[test]
    fn only_well_formed_files_give_entries() {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&[7u8; 64]);
        assert_eq!(entries(&file).len(), 2);
        file.push(0);
        assert!(
            entries(&file).is_empty(),
            "a torn entry makes the file unreadable"
        );
        assert!(entries(b"garbage").is_empty());
        assert!(entries(&[7u8; 64]).is_empty(), "no magic, no entries");
    }
}
