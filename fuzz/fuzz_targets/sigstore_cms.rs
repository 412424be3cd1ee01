//! gitsign signatures (`-----BEGIN SIGNED MESSAGE-----`, or raw DER): PEM armor, the CMS
//! SignedData, the signer's certificate chosen by issuer and serial, the embedded Rekor
//! entry (protobuf) and the Sigstore bundle gitseal rebuilds from them.
#![no_main]

use gitseal::sigstore::certificate::{facts, to_pem};
use gitseal::sigstore::{cms, tlog, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cms::unarmor(data);
    let Ok(sig) = cms::parse(data) else {
        return;
    };
    if let Some(entry) = &sig.tlog_entry {
        let _ = tlog::decode(entry);
    }
    let _ = facts(&sig.certificate);
    let _ = to_pem(&sig.certificate);
    for extra in &sig.extra_certificates {
        let _ = facts(extra);
    }
    let _ = verify::rekor_body(&sig);
    if let Ok(bundle) = verify::bundle_json(&sig) {
        let _ = bundle.to_string();
    }
});
