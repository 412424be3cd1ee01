//! SSHSIG signatures as git hands them to `ssh-keygen -Y verify|check-novalidate|
//! find-principals -s FILE`: the armor, the blob inside it, any certificate in it (its CA
//! signature is checked while parsing), and the signature check itself.
#![no_main]

use gitseal::ssh::sshsig::SshSignature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for parsed in [
        SshSignature::from_armor(data),
        SshSignature::from_blob(data),
    ] {
        let Ok(sig) = parsed else { continue };
        let _ = sig.signer.type_name();
        let _ = sig.signer.fingerprint();
        if let Some(cert) = sig.signer.certificate() {
            let _ = cert.check_authority(1_700_000_000, Some("alice"));
            let _ = cert.check_authority(u64::MAX, None);
        }
        // The seeds sign this payload, so the check runs to the end for them.
        let _ = sig.verify(&sig.namespace.clone(), b"fuzz payload\n");
        let _ = sig.verify("git", b"other payload\n");
    }
});
