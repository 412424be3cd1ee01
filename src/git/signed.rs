//! Splitting a commit or tag object into the signed payload and its signature, exactly as
//! git does (commit.c `parse_buffer_signed_by_header`, gpg-interface.c
//! `parse_signed_buffer`), so that we check the same bytes git would hand the signer.

/// Headers that carry a commit signature, by the repository's hash algorithm.
const SIG_HEADERS: [&[u8]; 2] = [b"gpgsig", b"gpgsig-sha256"];

/// Armor lines that start a signature appended to a tag (or push certificate).
const ARMOR_HEADERS: [&[u8]; 4] = [
    b"-----BEGIN PGP SIGNATURE-----",
    b"-----BEGIN PGP MESSAGE-----",
    b"-----BEGIN SSH SIGNATURE-----",
    b"-----BEGIN SIGNED MESSAGE-----",
];

/// The hash algorithm of the repository, which decides which header is *the* signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKind {
    Sha1,
    Sha256,
}

/// A signed object split in two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Why an object's signature could not be taken out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    #[error("the commit carries more than one {0} header")]
    DuplicateSignature(&'static str),
    /// A header that git reads once appears twice: parsers that take the first and those
    /// that take the last would see different objects (gitsign #802), so none is trusted.
    #[error("the {0} carries more than one {1} header")]
    DuplicateHeader(&'static str, &'static str),
}

/// Headers a commit has at most once (git's own parser reads the first).
const COMMIT_SINGLETONS: [&str; 3] = ["tree", "author", "committer"];
/// Headers a tag has at most once.
const TAG_SINGLETONS: [&str; 4] = ["object", "type", "tag", "tagger"];

/// Fails when a header of `singletons` appears a second time; `seen` has one flag each.
fn note_header(
    line: &[u8],
    singletons: &[&'static str],
    seen: &mut [bool],
    object: &'static str,
) -> Result<(), SignedError> {
    for (i, name) in singletons.iter().enumerate() {
        if line
            .strip_prefix(name.as_bytes())
            .is_some_and(|r| r.first() == Some(&b' '))
        {
            if seen[i] {
                return Err(SignedError::DuplicateHeader(object, name));
            }
            seen[i] = true;
        }
    }
    Ok(())
}

/// Splits a commit: the payload is the object with every `gpgsig*` header (and its
/// continuation lines) removed; the signature is the header for `hash`, unfolded.
/// `Ok(None)` when the commit carries no signature for this hash algorithm.
pub fn split_commit(raw: &[u8], hash: HashKind) -> Result<Option<Signed>, SignedError> {
    let wanted = match hash {
        HashKind::Sha1 => 0,
        HashKind::Sha256 => 1,
    };
    let mut payload = Vec::with_capacity(raw.len());
    let mut signature: Option<Vec<u8>> = None;
    let mut in_header: Option<usize> = None;
    let mut in_body = false;
    let mut seen = [false; COMMIT_SINGLETONS.len()];
    let mut rest = raw;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, next) = rest.split_at(end);
        rest = next;
        if in_body {
            payload.extend_from_slice(line);
            continue;
        }
        if line == b"\n" {
            in_body = true;
            in_header = None;
            payload.extend_from_slice(line);
            continue;
        }
        if let (Some(kind), Some(cont)) = (in_header, line.strip_prefix(b" ")) {
            if let Some(sig) = signature.as_mut().filter(|_| kind == wanted) {
                sig.extend_from_slice(cont);
            }
            continue;
        }
        in_header = SIG_HEADERS.iter().position(|h| {
            line.strip_prefix(*h)
                .is_some_and(|r| r.first() == Some(&b' '))
        });
        match in_header {
            Some(kind) => {
                if kind == wanted {
                    if signature.is_some() {
                        return Err(SignedError::DuplicateSignature(if kind == 0 {
                            "gpgsig"
                        } else {
                            "gpgsig-sha256"
                        }));
                    }
                    signature = Some(line[SIG_HEADERS[kind].len() + 1..].to_vec());
                }
            }
            None => {
                note_header(line, &COMMIT_SINGLETONS, &mut seen, "commit")?;
                payload.extend_from_slice(line);
            }
        }
    }
    Ok(signature.map(|signature| Signed { payload, signature }))
}

/// Splits a tag: the signature starts at the last line that begins with a known armor
/// header; everything before it is the payload. `Ok(None)` for an unsigned tag.
pub fn split_tag(raw: &[u8]) -> Result<Option<Signed>, SignedError> {
    let mut start = None;
    let mut offset = 0;
    let mut in_headers = true;
    let mut seen = [false; TAG_SINGLETONS.len()];
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if in_headers {
            if line == b"\n" {
                in_headers = false;
            } else {
                note_header(line, &TAG_SINGLETONS, &mut seen, "tag")?;
            }
        }
        if ARMOR_HEADERS.iter().any(|h| line.starts_with(h)) {
            start = Some(offset);
        }
        offset += line.len();
    }
    Ok(start.map(|at| Signed {
        payload: raw[..at].to_vec(),
        signature: raw[at..].to_vec(),
    }))
}

/// The committer's (or tagger's) timestamp, as git reads it for `-Overify-time`.
/// The id (hex SHA-1) of the object git stores when it signs `payload` with
/// `signature`: a commit gets a `gpgsig` header at the end of its headers (gpg-interface.c
/// `add_header_signature`), a tag gets the signature appended. `None` for anything else.
pub fn object_id_with_signature(payload: &[u8], signature: &[u8]) -> Option<String> {
    use sha1::{Digest, Sha1};
    let (kind, object) = if payload.starts_with(b"tree ") {
        let end_of_headers = payload.windows(2).position(|w| w == b"\n\n")? + 1;
        let mut object = payload[..end_of_headers].to_vec();
        object.extend_from_slice(b"gpgsig");
        for line in signature.split_inclusive(|b| *b == b'\n') {
            object.push(b' ');
            object.extend_from_slice(line);
        }
        if !object.ends_with(b"\n") {
            object.push(b'\n');
        }
        object.extend_from_slice(&payload[end_of_headers..]);
        ("commit", object)
    } else if payload.starts_with(b"object ") {
        ("tag", [payload, signature].concat())
    } else {
        return None;
    };
    let mut hasher = Sha1::new();
    hasher.update(format!("{kind} {}\0", object.len()).as_bytes());
    hasher.update(&object);
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

pub fn header_time(raw: &[u8], header: &str) -> Option<i64> {
    let prefix = format!("{header} ");
    raw.split(|b| *b == b'\n')
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix(prefix.as_bytes()))
        .and_then(|ident| {
            // "Name <email> 1700000000 +0000": the time is the second-to-last field.
            let text = std::str::from_utf8(ident).ok()?;
            let after_email = &text[text.rfind('>')? + 1..];
            after_email.split_whitespace().next()?.parse().ok()
        })
}

/// Who made an object, as its header says: the `committer` of a commit (payloads begin
/// with `tree`), the `tagger` of a tag (`object`); `(name, email)`. The first such header
/// before the message; nothing for other objects or an ident without `<email>`.
pub fn maker(raw: &[u8]) -> Option<(String, String)> {
    let header = if raw.starts_with(b"tree ") {
        "committer "
    } else if raw.starts_with(b"object ") {
        "tagger "
    } else {
        return None;
    };
    let ident = raw
        .split(|b| *b == b'\n')
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix(header.as_bytes()))?;
    let text = String::from_utf8_lossy(ident);
    let open = text.find('<')?;
    let close = open + text[open..].find('>')?;
    Some((
        text[..open].trim().to_string(),
        text[open + 1..close].to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A <a@x> 1700000000 +0000\n\
committer C <c@x> 1700000001 +0100\n\
gpgsig -----BEGIN SSH SIGNATURE-----\n \
U1NIU0lH\n \
-----END SSH SIGNATURE-----\n\
\n\
message\n";

    #[test]
    fn the_maker_is_the_committer_of_a_commit_and_the_tagger_of_a_tag() {
        assert_eq!(maker(SIGNED), Some(("C".into(), "c@x".into())));
        let tag = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\n\
tagger T Name <t@x> 1700000000 +0000\n\ncommitter M <m@x> 1 +0000\n";
        assert_eq!(maker(tag), Some(("T Name".into(), "t@x".into())));
        // A commit's `tagger` line, or a committer in the message, is not its maker.
        let odd = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntagger M <m@x> 1 +0000\n\ncommitter M <m@x> 1 +0000\n";
        assert_eq!(maker(odd), None);
    }

    #[test]
    fn commit_payload_is_the_object_without_the_header() {
        let signed = split_commit(SIGNED, HashKind::Sha1).unwrap().unwrap();
        assert_eq!(
            signed.payload,
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1700000000 +0000\n\
committer C <c@x> 1700000001 +0100\n\nmessage\n"
        );
        assert_eq!(
            signed.signature,
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"
        );
        assert_eq!(header_time(SIGNED, "committer"), Some(1700000001));
    }

    #[test]
    fn the_other_algorithms_header_is_removed_but_not_used() {
        assert_eq!(split_commit(SIGNED, HashKind::Sha256).unwrap(), None);
        let both = [
            &SIGNED[..SIGNED.len() - 9],
            b"gpgsig-sha256 other\n \n",
            &SIGNED[SIGNED.len() - 9..],
        ]
        .concat();
        let signed = split_commit(&both, HashKind::Sha1).unwrap().unwrap();
        assert!(!signed.payload.windows(6).any(|w| w == b"gpgsig"));
    }

    #[test]
    fn duplicate_signature_headers_are_rejected() {
        let doubled = [
            &SIGNED[..SIGNED.len() - 9],
            b"gpgsig x\n",
            &SIGNED[SIGNED.len() - 9..],
        ]
        .concat();
        assert_eq!(
            split_commit(&doubled, HashKind::Sha1),
            Err(SignedError::DuplicateSignature("gpgsig"))
        );
    }

    #[test]
    fn a_header_word_in_the_message_is_not_a_signature() {
        let raw = b"tree t\ncommitter C <c@x> 1 +0000\n\ngpgsig not a header\n";
        assert_eq!(split_commit(raw, HashKind::Sha1).unwrap(), None);
    }

    #[test]
    fn tag_signature_is_the_last_armor_block() {
        let raw = b"object o\ntype commit\ntag v1\ntagger T <t@x> 5 +0000\n\nquote:\n\
-----BEGIN SSH SIGNATURE-----\nnot it\n-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n";
        let signed = split_tag(raw).unwrap().unwrap();
        assert!(signed.payload.ends_with(b"not it\n"));
        assert!(
            signed
                .signature
                .starts_with(b"-----BEGIN SSH SIGNATURE-----\nAAAA")
        );
        assert_eq!(header_time(raw, "tagger"), Some(5));
        assert_eq!(split_tag(b"object o\n\nplain\n"), Ok(None));
    }
}
