//! Non-minimal MPIs in signature packets, rewritten into the minimal form before sequoia
//! sees them (DESIGN.md section 9).
//!
//! An MPI is a two-octet bit count followed by `(bits + 7) / 8` octets of big-endian value
//! (RFC 4880 section 3.2). The count should be exact, but GitHub's web-flow signer writes
//! `8 * octets` whatever the value, and some signers pad the value with zero octets.
//! sequoia rejects both ("leading bit is not set"); gpg reads the count only to know how
//! many octets follow (libgcrypt's `GCRYMPI_FMT_PGP`), so it accepts them. The count and
//! the value's octets are not covered by the signature's hash, so re-encoding them
//! changes nothing that is signed: we strip leading zero octets and recompute the count,
//! exactly the number gpg ends up with.
//!
//! Only version 3 and 4 signature packets of the algorithms whose signatures are MPIs
//! (RSA, DSA, ElGamal, ECDSA, EdDSA-legacy) are touched; everything else, and anything
//! that does not parse, is passed through unchanged for sequoia to judge.

use std::borrow::Cow;

const TAG_SIGNATURE: u8 = 2;

/// `packets` (binary OpenPGP packets) with every signature packet's MPIs in minimal form;
/// borrowed when nothing needed rewriting.
pub fn signatures(packets: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut at = 0;
    while at < packets.len() {
        let Some(header) = Header::parse(&packets[at..]) else {
            break;
        };
        let start = at + header.length;
        let Some(end) = header.body.and_then(|len| start.checked_add(len)) else {
            break;
        };
        if end > packets.len() {
            break;
        }
        let body = &packets[start..end];
        if header.tag == TAG_SIGNATURE
            && let Some(body) = signature_body(body)
        {
            let out = out.get_or_insert_with(|| packets[..at].to_vec());
            write_header(out, TAG_SIGNATURE, body.len());
            out.extend_from_slice(&body);
        } else if let Some(out) = out.as_mut() {
            out.extend_from_slice(&packets[at..end]);
        }
        at = end;
    }
    match out {
        Some(mut out) => {
            out.extend_from_slice(&packets[at..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(packets),
    }
}

/// A packet header: its tag, its own length, and the body length (`None` for partial or
/// indeterminate lengths, which signature packets never use; we stop there).
struct Header {
    tag: u8,
    length: usize,
    body: Option<usize>,
}

impl Header {
    fn parse(data: &[u8]) -> Option<Header> {
        let ctb = *data.first()?;
        if ctb & 0x80 == 0 {
            return None;
        }
        if ctb & 0x40 != 0 {
            // New format (RFC 4880 section 4.2.2).
            let tag = ctb & 0x3f;
            let first = *data.get(1)? as usize;
            return Some(match first {
                0..=191 => Header {
                    tag,
                    length: 2,
                    body: Some(first),
                },
                192..=223 => Header {
                    tag,
                    length: 3,
                    body: Some(((first - 192) << 8) + *data.get(2)? as usize + 192),
                },
                255 => Header {
                    tag,
                    length: 6,
                    body: Some(u32::from_be_bytes(data.get(2..6)?.try_into().ok()?) as usize),
                },
                _ => Header {
                    tag,
                    length: 2,
                    body: None,
                },
            });
        }
        // Old format: tag in bits 5-2, length type in bits 1-0.
        let tag = (ctb >> 2) & 0x0f;
        let (length, body) = match ctb & 0x03 {
            0 => (2, Some(*data.get(1)? as usize)),
            1 => (
                3,
                Some(u16::from_be_bytes(data.get(1..3)?.try_into().ok()?) as usize),
            ),
            2 => (
                5,
                Some(u32::from_be_bytes(data.get(1..5)?.try_into().ok()?) as usize),
            ),
            _ => (1, None),
        };
        Some(Header { tag, length, body })
    }
}

/// A new-format header for a body of `len` octets.
fn write_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(0xc0 | tag);
    if len < 192 {
        out.push(len as u8);
    } else if len < 8384 {
        let v = len - 192;
        out.push((v >> 8) as u8 + 192);
        out.push(v as u8);
    } else {
        out.push(255);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// How many MPIs a signature of this public-key algorithm holds (RFC 4880 section
/// 5.2.2; 22 is EdDSA in its legacy MPI encoding), or `None` for algorithms whose
/// signatures are not MPIs (or are unknown).
fn mpi_count(pk_algo: u8) -> Option<usize> {
    match pk_algo {
        1 | 3 => Some(1),
        16 | 17 | 19 | 20 | 22 => Some(2),
        _ => None,
    }
}

/// The body of a signature packet with minimal MPIs, or `None` if it already was (or is
/// not a signature we know how to read).
fn signature_body(body: &[u8]) -> Option<Vec<u8>> {
    let (pk_algo, mpis_at) = match *body.first()? {
        // version, hashed length (5), type, time, key id, pk algo, hash algo, left 16.
        3 => (*body.get(15)?, 19),
        4 => {
            let hashed = u16::from_be_bytes(body.get(4..6)?.try_into().ok()?) as usize;
            let unhashed_at = 6 + hashed;
            let unhashed =
                u16::from_be_bytes(body.get(unhashed_at..unhashed_at + 2)?.try_into().ok()?)
                    as usize;
            (*body.get(2)?, unhashed_at + 2 + unhashed + 2)
        }
        _ => return None,
    };
    let count = mpi_count(pk_algo)?;
    let mut out = body.get(..mpis_at)?.to_vec();
    let mut at = mpis_at;
    let mut changed = false;
    for _ in 0..count {
        let bits = u16::from_be_bytes(body.get(at..at + 2)?.try_into().ok()?) as usize;
        let octets = bits.div_ceil(8);
        let value = body.get(at + 2..at + 2 + octets)?;
        let minimal = minimal(value);
        let minimal_bits = bit_length(minimal);
        if minimal_bits != bits {
            changed = true;
        }
        out.extend_from_slice(&(minimal_bits as u16).to_be_bytes());
        out.extend_from_slice(minimal);
        at += 2 + octets;
    }
    if !changed {
        return None;
    }
    out.extend_from_slice(&body[at..]);
    Some(out)
}

/// The value without leading zero octets.
fn minimal(value: &[u8]) -> &[u8] {
    let zeros = value.iter().take_while(|b| **b == 0).count();
    &value[zeros..]
}

/// The number of significant bits of a minimal big-endian value.
fn bit_length(value: &[u8]) -> usize {
    match value.first() {
        Some(first) => value.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v4 RSA signature body with the given MPI (bit count, octets).
    fn rsa_body(bits: u16, value: &[u8]) -> Vec<u8> {
        let mut b = vec![4, 0x00, 1, 8];
        b.extend_from_slice(&[0, 6, 5, 2, 0x65, 0x6e, 0x6f, 0x75]); // hashed: creation time
        b.extend_from_slice(&[0, 0]); // no unhashed subpackets
        b.extend_from_slice(&[0xab, 0xcd]); // left 16 bits of the digest
        b.extend_from_slice(&bits.to_be_bytes());
        b.extend_from_slice(value);
        b
    }

    fn packet(body: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        write_header(&mut p, TAG_SIGNATURE, body.len());
        p.extend_from_slice(body);
        p
    }

    #[test]
    fn minimal_signatures_are_borrowed() {
        let good = packet(&rsa_body(15, &[0x4b, 0xf3]));
        assert!(matches!(signatures(&good), Cow::Borrowed(_)));
        assert!(matches!(signatures(b"garbage"), Cow::Borrowed(_)));
        assert!(matches!(signatures(b""), Cow::Borrowed(_)));
    }

    #[test]
    fn github_style_bit_counts_are_recomputed() {
        // GitHub writes 8 * octets: 16 bits for a 15-bit value.
        let sloppy = packet(&rsa_body(16, &[0x4b, 0xf3]));
        assert_eq!(
            signatures(&sloppy).as_ref(),
            packet(&rsa_body(15, &[0x4b, 0xf3]))
        );
    }

    #[test]
    fn leading_zero_octets_are_stripped() {
        let padded = packet(&rsa_body(24, &[0x00, 0x4b, 0xf3]));
        let both = [padded.clone(), padded].concat();
        let minimal = packet(&rsa_body(15, &[0x4b, 0xf3]));
        assert_eq!(
            signatures(&both).as_ref(),
            [minimal.clone(), minimal].concat()
        );
        // Old-format headers and packets of other types pass through.
        let mut old = vec![0x88, 0];
        let body = rsa_body(24, &[0x00, 0x4b, 0xf3]);
        old[1] = body.len() as u8;
        old.extend_from_slice(&body);
        let marker = [0xca, 3, b'P', b'G', b'P'];
        let stream = [marker.to_vec(), old].concat();
        let expected = [marker.to_vec(), packet(&rsa_body(15, &[0x4b, 0xf3]))].concat();
        assert_eq!(signatures(&stream).as_ref(), expected);
    }

    #[test]
    fn truncated_packets_are_left_alone() {
        let body = rsa_body(24, &[0x00, 0x4b]);
        let p = packet(&body);
        assert!(matches!(signatures(&p), Cow::Borrowed(_)));
        assert!(matches!(signatures(&p[..p.len() - 1]), Cow::Borrowed(_)));
    }

    #[test]
    fn header_lengths_round_trip() {
        for len in [0usize, 191, 192, 8383, 8384, 70000] {
            let mut out = Vec::new();
            write_header(&mut out, TAG_SIGNATURE, len);
            let header = Header::parse(&out).unwrap();
            assert_eq!(
                (header.tag, header.body, header.length),
                (2, Some(len), out.len())
            );
        }
    }
}
