//! Revocation files (gpg.ssh.revocationFile, `-r`): binary KRLs and plain key lists, then
//! the questions verification asks of them, for fixed keys and certificates
//! (fuzz/keys/, made by make-corpus.sh, which the KRL seeds name).
#![no_main]

use gitseal::ssh::certificate::SshCertificate;
use gitseal::ssh::public_key::{PublicKeyFile, parse_line};
use gitseal::ssh::revocation::RevocationList;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Keys {
    keys: Vec<PublicKeyFile>,
    certs: Vec<SshCertificate>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let lines = [
            include_str!("../keys/ssh-ed25519.pub"),
            include_str!("../keys/ssh-ecdsa256.pub"),
            include_str!("../keys/ssh-cert.pub"),
            include_str!("../keys/ssh-forever-cert.pub"),
        ];
        let keys: Vec<PublicKeyFile> = lines
            .iter()
            .map(|l| parse_line(l).expect("fuzz/keys parse"))
            .collect();
        let certs = keys
            .iter()
            .filter(|k| k.certificate)
            .map(|k| SshCertificate::decode(&k.blob).expect("fuzz/keys certificate"))
            .collect();
        Keys { keys, certs }
    })
}

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let Ok(list) = RevocationList::parse(data) else {
        return;
    };
    for key in &keys.keys {
        let _ = list.is_key_revoked(&key.key);
        if key.certificate {
            let _ = list.is_certificate_blob_revoked(&key.blob);
        }
    }
    for cert in &keys.certs {
        let _ = list.is_signer_certificate_revoked(cert);
        let _ = list.is_key_revoked(&cert.ca_key);
    }
});
