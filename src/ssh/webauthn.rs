//! WebAuthn signatures by `sk-ecdsa-sha2-nistp256@openssh.com` keys
//! (`webauthn-sk-ecdsa-sha2-nistp256@openssh.com`, OpenSSH PROTOCOL.u2f): what a security key
//! makes when a browser, not ssh, asked it. ssh-keygen verifies them in SSHSIG; ssh-key 0.6.7
//! cannot even decode one, so the wire format and the check live here.
//!
//! The signature blob: `string type, string ecdsa_signature(mpint r, mpint s), byte flags,
//! uint32 counter, string origin, string clientData, string extensions`. The authenticator
//! signed SHA-256 of `SHA256(application) || flags || counter || extensions ||
//! SHA256(clientData)`, and clientData must begin with the JSON that names the signed data
//! (base64url, unpadded) as its challenge and the origin as its origin.

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use ssh_encoding::Decode;
use ssh_key::public::SkEcdsaSha2NistP256;
use ssh_key::{Algorithm, Signature};

/// The signature type name.
pub const SIGNATURE_TYPE: &str = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com";

/// WebAuthn authenticator-data flags OpenSSH looks at.
const FLAG_ATTESTED_DATA: u8 = 0x40;
const FLAG_EXTENSION_DATA: u8 = 0x80;

/// The decoded fields after the type name.
struct Fields<'a> {
    ecdsa: &'a [u8],
    flags: u8,
    counter: u32,
    origin: &'a [u8],
    client_data: &'a [u8],
    extensions: &'a [u8],
}

fn string<'a>(reader: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(u32::decode(reader).ok()?).ok()?;
    if reader.len() < len {
        return None;
    }
    let (value, rest) = reader.split_at(len);
    *reader = rest;
    Some(value)
}

fn fields(mut body: &[u8]) -> Option<Fields<'_>> {
    let reader = &mut body;
    let ecdsa = string(reader)?;
    let flags = u8::decode(reader).ok()?;
    let counter = u32::decode(reader).ok()?;
    let origin = string(reader)?;
    let client_data = string(reader)?;
    let extensions = string(reader)?;
    reader.is_empty().then_some(Fields {
        ecdsa,
        flags,
        counter,
        origin,
        client_data,
        extensions,
    })
}

/// Takes a signature blob of this type, keeping the fields after the type name as its
/// bytes; `None` when it is not of this type or has nothing after the name. The fields are
/// read by [`verify`], which refuses malformed ones or data after the last: like OpenSSH,
/// `find-principals` (which never checks the signature) still reads the signer's key.
pub fn decode(signature_blob: &[u8]) -> Option<Signature> {
    let mut reader = signature_blob;
    let name = string(&mut reader)?;
    if name != SIGNATURE_TYPE.as_bytes() {
        return None;
    }
    let algorithm = Algorithm::new(SIGNATURE_TYPE).ok()?;
    Signature::new(algorithm, reader.to_vec()).ok()
}

/// Whether `signature` is one [`decode`] made.
pub fn is_webauthn(signature: &Signature) -> bool {
    signature.algorithm().as_str() == SIGNATURE_TYPE
}

/// Checks a WebAuthn signature by `key` over `data`, as OpenSSH's `ssh_ecdsa_sk_verify`.
pub fn verify(
    key: &SkEcdsaSha2NistP256,
    data: &[u8],
    signature: &Signature,
) -> Result<(), signature::Error> {
    use p256::ecdsa::signature::Verifier;
    let bad = signature::Error::new;
    let f = fields(signature.as_bytes()).ok_or_else(bad)?;
    // OpenSSH's consistency rules: no attested credential data, and extension data
    // exactly when the flag says so; an origin that cannot break out of the JSON string.
    if f.origin.contains(&b'"')
        || f.flags & FLAG_ATTESTED_DATA != 0
        || (f.flags & FLAG_EXTENSION_DATA == 0) != f.extensions.is_empty()
    {
        return Err(bad());
    }
    let mut expected = b"{\"type\":\"webauthn.get\",\"challenge\":\"".to_vec();
    expected.extend_from_slice(Base64UrlUnpadded::encode_string(data).as_bytes());
    expected.extend_from_slice(b"\",\"origin\":\"");
    expected.extend_from_slice(f.origin);
    expected.push(b'"');
    if !f.client_data.starts_with(&expected) {
        return Err(bad());
    }
    let mut signed = Vec::with_capacity(32 + 1 + 4 + f.extensions.len() + 32);
    signed.extend_from_slice(&Sha256::digest(key.application().as_bytes()));
    signed.push(f.flags);
    signed.extend_from_slice(&f.counter.to_be_bytes());
    signed.extend_from_slice(f.extensions);
    signed.extend_from_slice(&Sha256::digest(f.client_data));

    let mut ecdsa = f.ecdsa;
    let r = string(&mut ecdsa).ok_or_else(bad)?;
    let s = string(&mut ecdsa).ok_or_else(bad)?;
    if !ecdsa.is_empty() {
        return Err(bad());
    }
    let sig = p256::ecdsa::Signature::from_scalars(scalar(r)?, scalar(s)?)?;
    let verifying_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key.ec_point().as_bytes())?;
    // The authenticator signed SHA-256(signed); the verifier hashes with SHA-256 itself.
    verifying_key.verify(&signed, &sig)
}

/// An mpint (positive, big-endian, maybe with a leading zero) as a 32-byte field element.
fn scalar(mpint: &[u8]) -> Result<p256::FieldBytes, signature::Error> {
    if mpint.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(signature::Error::new()); // negative
    }
    let trimmed = match mpint {
        [0, rest @ ..] => rest,
        other => other,
    };
    if trimmed.len() > 32 {
        return Err(signature::Error::new());
    }
    let mut bytes = p256::FieldBytes::default();
    bytes[32 - trimmed.len()..].copy_from_slice(trimmed);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_string(out: &mut Vec<u8>, value: &[u8]) {
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }

    fn key() -> SkEcdsaSha2NistP256 {
        let point = p256::ecdsa::SigningKey::from_slice(&[5; 32])
            .unwrap()
            .verifying_key()
            .to_encoded_point(false);
        let mut blob = Vec::new();
        put_string(&mut blob, b"nistp256");
        put_string(&mut blob, point.as_bytes());
        put_string(&mut blob, b"ssh:");
        SkEcdsaSha2NistP256::decode(&mut blob.as_slice()).unwrap()
    }

    #[test]
    fn malformed_blobs_are_refused() {
        let mut blob = Vec::new();
        put_string(&mut blob, SIGNATURE_TYPE.as_bytes());
        put_string(&mut blob, b"\0\0\0\x01\x01\0\0\0\x01\x01");
        blob.push(0x01);
        blob.extend_from_slice(&7u32.to_be_bytes());
        put_string(&mut blob, b"https://example.org");
        put_string(&mut blob, b"{}");
        put_string(&mut blob, b"");
        let whole = decode(&blob).expect("decodes");
        assert!(fields(whole.as_bytes()).is_some());
        // Truncated or with a byte after the last field: the signature never verifies.
        let mut trailing = blob.clone();
        trailing.push(0);
        for broken in (0..blob.len())
            .map(|len| &blob[..len])
            .chain([trailing.as_slice()])
        {
            if let Some(signature) = decode(broken) {
                assert!(verify(&key(), b"data", &signature).is_err());
            }
        }
        assert!(decode(&blob[..blob.len() - 1]).is_some_and(|s| fields(s.as_bytes()).is_none()));
    }

    #[test]
    fn scalars_take_openssh_mpints() {
        assert!(scalar(&[0x80; 33]).is_err());
        assert!(scalar(&[0x80]).is_err(), "a negative mpint");
        let padded = scalar(&[0, 0x80]).unwrap();
        assert_eq!(
            scalar(&[[0].as_slice(), &[0xb5; 32]].concat()).unwrap(),
            [0xb5; 32].into()
        );
        assert_eq!(padded[31], 0x80);
        assert_eq!(scalar(&[1, 2]).unwrap()[30..], [1, 2]);
    }
}
