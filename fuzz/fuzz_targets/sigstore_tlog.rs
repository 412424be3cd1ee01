//! The Rekor entry gitsign embeds in the CMS (attribute 1.3.6.1.4.1.57264.3.1, a
//! `dev.sigstore.rekor.v1.TransparencyLogEntry` protobuf), decoded and turned into the
//! bundle's tlog entry, which the Sigstore bundle reader then takes.
#![no_main]

use gitseal::sigstore::tlog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = tlog::decode(data) else {
        return;
    };
    let body = tlog::hashedrekord_body(&"00".repeat(32), b"sig", "-----BEGIN CERTIFICATE-----\n");
    let json = tlog::bundle_entry(&entry, &body);
    let _ = json.to_string();
});
