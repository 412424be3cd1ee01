//! A few lines of SSHSIG (PROTOCOL.sshsig) written independently of gitseal, to build
//! fixtures the real ssh-keygen then judges: the sk-ssh-ed25519 signature, and hostile
//! variations of real signatures.

use base64ct::{Base64, Encoding};
use sha2::Digest;

/// Appends an SSH `string` (u32 big-endian length, then the bytes).
pub fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).expect("short").to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Armors a blob as ssh-keygen does: base64 wrapped at 70 columns.
pub fn armor(blob: &[u8]) -> String {
    armor_body(&Base64::encode_string(blob))
}

/// Armors already encoded text (which may be garbage), wrapped at 70 columns.
pub fn armor_body(encoded: &str) -> String {
    let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in encoded.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).expect("ASCII"));
        out.push('\n');
    }
    out.push_str("-----END SSH SIGNATURE-----\n");
    out
}

/// The blob inside an armored signature.
pub fn dearmor(text: &str) -> Vec<u8> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    Base64::decode_vec(&body).expect("signature base64")
}

/// What the key signs: `"SSHSIG" || string(namespace) || string("") || string("sha512") ||
/// string(SHA-512(message))`.
pub fn signed_data(namespace: &str, message: &[u8]) -> Vec<u8> {
    let mut data = b"SSHSIG".to_vec();
    put_string(&mut data, namespace.as_bytes());
    put_string(&mut data, b"");
    put_string(&mut data, b"sha512");
    put_string(&mut data, &sha2::Sha512::digest(message));
    data
}

/// The SSHSIG blob around a public key blob and an SSH signature blob.
pub fn blob(public_key: &[u8], namespace: &str, signature: &[u8]) -> Vec<u8> {
    let mut out = b"SSHSIG".to_vec();
    out.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut out, public_key);
    put_string(&mut out, namespace.as_bytes());
    put_string(&mut out, b"");
    put_string(&mut out, b"sha512");
    put_string(&mut out, signature);
    out
}

/// A FIDO (`sk-ssh-ed25519@openssh.com`) signature, made the way a security key makes it
/// (PROTOCOL.u2f): the authenticator signs `SHA-256(application) || flags || counter ||
/// SHA-256(data)`. Returns the armored signature and the public key line.
pub fn sk_ed25519_signature(seed: [u8; 32], namespace: &str, message: &[u8]) -> (String, String) {
    use signature::Signer;
    const TYPE: &[u8] = b"sk-ssh-ed25519@openssh.com";
    const APPLICATION: &[u8] = b"ssh:";
    const FLAGS: u8 = 0x01; // user present
    const COUNTER: u32 = 42;
    let keypair = ssh_key::private::Ed25519Keypair::from_seed(&seed);

    let mut public_key = Vec::new();
    put_string(&mut public_key, TYPE);
    put_string(&mut public_key, &keypair.public.0);
    put_string(&mut public_key, APPLICATION);

    let mut to_sign = sha2::Sha256::digest(APPLICATION).to_vec();
    to_sign.push(FLAGS);
    to_sign.extend_from_slice(&COUNTER.to_be_bytes());
    to_sign.extend_from_slice(&sha2::Sha256::digest(signed_data(namespace, message)));
    let raw: ssh_key::Signature = keypair.try_sign(&to_sign).expect("ed25519 signs");
    assert_eq!(raw.as_bytes().len(), 64);

    let mut signature = Vec::new();
    put_string(&mut signature, TYPE);
    put_string(&mut signature, raw.as_bytes());
    signature.push(FLAGS);
    signature.extend_from_slice(&COUNTER.to_be_bytes());

    let armored = armor(&blob(&public_key, namespace, &signature));
    let line = format!(
        "sk-ssh-ed25519@openssh.com {}",
        Base64::encode_string(&public_key)
    );
    (armored, line)
}

/// How a WebAuthn fixture departs from what a browser and authenticator make.
#[derive(Clone, Copy, Default)]
pub struct WebauthnTweak {
    /// clientData names this message's signed data as its challenge instead.
    pub challenge_for: Option<&'static [u8]>,
    /// The origin holds a `"` (OpenSSH refuses it: it could close the JSON string).
    pub quote_in_origin: bool,
    /// The "attested credential data" flag is set (never in an assertion).
    pub attested_flag: bool,
    /// A byte after the extensions field.
    pub trailing_byte: bool,
}

/// An SSH `mpint` of a positive big-endian number.
fn mpint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        &bytes[start..]
    };
    let mut body = Vec::new();
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    let mut out = Vec::new();
    put_string(&mut out, &body);
    out
}

/// A `webauthn-sk-ecdsa-sha2-nistp256@openssh.com` signature (PROTOCOL.u2f), made as a
/// browser's WebAuthn assertion by a P-256 security key: clientData is the JSON whose
/// challenge is the base64url of the signed data, and the authenticator signs
/// `SHA-256(application) || flags || counter || extensions || SHA-256(clientData)`.
/// Returns the armored signature and the public key line.
pub fn webauthn_signature(
    seed: [u8; 32],
    namespace: &str,
    message: &[u8],
    tweak: WebauthnTweak,
) -> (String, String) {
    use base64ct::Base64UrlUnpadded;
    use p256::ecdsa::signature::Signer;
    const KEY_TYPE: &[u8] = b"sk-ecdsa-sha2-nistp256@openssh.com";
    const SIG_TYPE: &[u8] = b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com";
    const APPLICATION: &[u8] = b"ssh:";
    const COUNTER: u32 = 7;
    let signing_key = p256::ecdsa::SigningKey::from_slice(&seed).expect("p256 scalar");
    let point = signing_key.verifying_key().to_encoded_point(false);

    let mut public_key = Vec::new();
    put_string(&mut public_key, KEY_TYPE);
    put_string(&mut public_key, b"nistp256");
    put_string(&mut public_key, point.as_bytes());
    put_string(&mut public_key, APPLICATION);

    let origin = if tweak.quote_in_origin {
        "https://example.org\"".to_string()
    } else {
        "https://example.org".to_string()
    };
    let challenge_data = signed_data(namespace, tweak.challenge_for.unwrap_or(message));
    let client_data = format!(
        "{{\"type\":\"webauthn.get\",\"challenge\":\"{}\",\"origin\":\"{origin}\",\"crossOrigin\":false}}",
        Base64UrlUnpadded::encode_string(&challenge_data)
    );
    let flags: u8 = if tweak.attested_flag { 0x41 } else { 0x01 };
    let mut to_sign = sha2::Sha256::digest(APPLICATION).to_vec();
    to_sign.push(flags);
    to_sign.extend_from_slice(&COUNTER.to_be_bytes());
    to_sign.extend_from_slice(&sha2::Sha256::digest(client_data.as_bytes()));
    let ecdsa: p256::ecdsa::Signature = signing_key.sign(&to_sign);
    let (r, s) = ecdsa.split_bytes();

    let mut signature = Vec::new();
    put_string(&mut signature, SIG_TYPE);
    put_string(&mut signature, &[mpint(&r), mpint(&s)].concat());
    signature.push(flags);
    signature.extend_from_slice(&COUNTER.to_be_bytes());
    put_string(&mut signature, origin.as_bytes());
    put_string(&mut signature, client_data.as_bytes());
    put_string(&mut signature, b"");
    if tweak.trailing_byte {
        signature.push(0);
    }

    let armored = armor(&blob(&public_key, namespace, &signature));
    let line = format!(
        "sk-ecdsa-sha2-nistp256@openssh.com {}",
        Base64::encode_string(&public_key)
    );
    (armored, line)
}
