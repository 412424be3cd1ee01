//! OpenSSH certificates and public key lines: the certificate blob (gitseal's own decoder,
//! with the CA signature check), the second reader revocation uses for blobs, and
//! `type base64 comment` lines (`ssh-keygen -l -f`, key files, policy keys).
#![no_main]

use gitseal::ssh::certificate::SshCertificate;
use gitseal::ssh::public_key::parse_line;
use gitseal::ssh::revocation::RevocationList;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn empty_list() -> &'static RevocationList {
    static LIST: OnceLock<RevocationList> = OnceLock::new();
    LIST.get_or_init(|| RevocationList::parse(b"").expect("empty list"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = SshCertificate::decode(data) {
        for time in [0, cert.valid_after, cert.valid_before, u64::MAX] {
            let _ = cert.check_authority(time, None);
            let _ = cert.check_authority(time, Some("alice"));
        }
        let _ = empty_list().is_signer_certificate_revoked(&cert);
    }
    let _ = empty_list().is_certificate_blob_revoked(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(file) = parse_line(text)
    {
        if file.certificate {
            let _ = SshCertificate::decode(&file.blob);
        }
        let _ = empty_list().is_key_revoked(&file.key);
    }
});
