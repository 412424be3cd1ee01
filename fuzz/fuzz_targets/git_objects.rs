//! Commit and tag objects as they come out of a repository anybody can push to: the split
//! into payload and signature exactly as git makes it (both hash algorithms), the time
//! headers, the header parse of the walker, and the object id of a re-signed object.
#![no_main]

use gitseal::git::parse_commit;
use gitseal::git::signed::{
    HashKind, header_time, object_id_with_signature, split_commit, split_tag,
};
use gitseal::signature::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for hash in [HashKind::Sha1, HashKind::Sha256] {
        if let Ok(Some(signed)) = split_commit(data, hash) {
            // The payload is the object minus the signature header: never longer.
            assert!(signed.payload.len() <= data.len());
            let _ = Format::from_armor(&signed.signature);
            let _ = object_id_with_signature(&signed.payload, &signed.signature);
        }
    }
    if let Ok(Some(signed)) = split_tag(data) {
        assert_eq!(signed.payload.len() + signed.signature.len(), data.len());
        let _ = Format::from_armor(&signed.signature);
        let _ = object_id_with_signature(&signed.payload, &signed.signature);
    }
    for header in ["committer", "tagger", "author"] {
        let _ = header_time(data, header);
    }
    let _ = parse_commit(gix::ObjectId::null(gix::hash::Kind::Sha1), data);
});
