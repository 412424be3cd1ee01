//! Commit and tag objects: where the signature is taken from ([`crate::git::signed`]).
//! A commit with two signature headers of the repository's kind is refused rather than
//! read one way or the other; a signature where git would not look for one is no
//! signature at all.

use super::{ACCEPTED, Area};
use crate::git::signed::{HashKind, SignedError, split_commit, split_tag};

const COMMIT: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@example.org> 1700000000 +0000\n\
committer C <c@example.org> 1700000001 +0000\n\
gpgsig -----BEGIN SSH SIGNATURE-----\n \
U1NIU0lH\n \
-----END SSH SIGNATURE-----\n\
\n\
message\n";

const TAG: &[u8] = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
type commit\ntag v1\ntagger T <t@example.org> 5 +0000\n\nrelease\n\
-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";

fn commit(raw: &[u8], hash: HashKind) -> String {
    match split_commit(raw, hash) {
        Ok(Some(_)) => ACCEPTED.to_string(),
        Ok(None) => "unsigned".to_string(),
        Err(SignedError::DuplicateSignature(_)) => "duplicate-signature".to_string(),
        Err(SignedError::DuplicateHeader(_, header)) => format!("duplicate-{header}"),
    }
}

fn tag(raw: &[u8]) -> String {
    match split_tag(raw) {
        Ok(Some(_)) => ACCEPTED.to_string(),
        Ok(None) => "unsigned".to_string(),
        Err(SignedError::DuplicateSignature(_)) => "duplicate-signature".to_string(),
        Err(SignedError::DuplicateHeader(_, header)) => format!("duplicate-{header}"),
    }
}

/// `raw` with `extra` inserted before the blank line that ends the headers.
fn with_header(raw: &[u8], extra: &[u8]) -> Vec<u8> {
    let end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("end of headers")
        + 1;
    [&raw[..end], extra, &raw[end..]].concat()
}

pub(crate) fn corpus() -> Area {
    let mut area = Area::new("headers");
    area.base("signed commit", || commit(COMMIT, HashKind::Sha1));
    area.base("signed tag", || tag(TAG));
    let sha256 = with_header(
        &String::from_utf8_lossy(COMMIT)
            .replace("gpgsig ", "gpgsig-sha256 ")
            .into_bytes(),
        b"",
    );
    {
        let s = sha256.clone();
        area.base("signed commit (SHA-256)", move || {
            commit(&s, HashKind::Sha256)
        });
    }

    let cases: Vec<(&str, &str, Vec<u8>, HashKind)> = vec![
        (
            "two gpgsig headers",
            "duplicate-signature",
            with_header(COMMIT, b"gpgsig -----BEGIN SSH SIGNATURE-----\n AAAA\n"),
            HashKind::Sha1,
        ),
        (
            "two gpgsig headers, the second empty",
            "duplicate-signature",
            with_header(COMMIT, b"gpgsig \n"),
            HashKind::Sha1,
        ),
        (
            "two gpgsig-sha256 headers",
            "duplicate-signature",
            with_header(&sha256, b"gpgsig-sha256 x\n"),
            HashKind::Sha256,
        ),
        (
            "only the other hash algorithm's signature",
            "unsigned",
            COMMIT.to_vec(),
            HashKind::Sha256,
        ),
        (
            "signature header moved into the message",
            "unsigned",
            String::from_utf8_lossy(COMMIT)
                .replacen("gpgsig ", "", 1)
                .replace("\nmessage\n", "\ngpgsig x\n")
                .into_bytes(),
            HashKind::Sha1,
        ),
        (
            "signature header name misspelt",
            "unsigned",
            String::from_utf8_lossy(COMMIT)
                .replacen("gpgsig ", "gpgsign ", 1)
                .into_bytes(),
            HashKind::Sha1,
        ),
    ];
    for (name, expected, raw, hash) in cases {
        area.case(name, expected, move || commit(&raw, hash));
    }
    // Headers git reads once, doubled: one parser would see the first, another the last
    // (gitsign #802); none is trusted.
    for (header, line) in [
        (
            "tree",
            &b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"[..],
        ),
        ("author", b"author M <m@example.org> 1 +0000\n"),
        ("committer", b"committer M <m@example.org> 1 +0000\n"),
    ] {
        let raw = with_header(COMMIT, line);
        area.case(
            &format!("two {header} headers"),
            &format!("duplicate-{header}"),
            move || commit(&raw, HashKind::Sha1),
        );
    }
    for (header, line) in [
        (
            "object",
            &b"object 0000000000000000000000000000000000000000\n"[..],
        ),
        ("type", b"type tree\n"),
        ("tag", b"tag v2\n"),
        ("tagger", b"tagger M <m@example.org> 1 +0000\n"),
    ] {
        let raw = with_header(TAG, line);
        area.case(
            &format!("tag with two {header} headers"),
            &format!("duplicate-{header}"),
            move || tag(&raw),
        );
    }
    // A tag's signature is the armor appended to its message; a commit-style header in
    // a tag is not one (git does not read it either).
    let armor_at = TAG
        .windows(10)
        .position(|w| w == b"-----BEGIN")
        .expect("armor");
    let header_in_tag = with_header(
        &TAG[..armor_at],
        b"gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n",
    );
    area.case("signature header in a tag", "unsigned", move || {
        tag(&header_in_tag)
    });
    let indented = String::from_utf8_lossy(TAG)
        .replace("\n-----BEGIN SSH", "\n -----BEGIN SSH")
        .into_bytes();
    area.case("tag armor indented", "unsigned", move || tag(&indented));
    area
}
