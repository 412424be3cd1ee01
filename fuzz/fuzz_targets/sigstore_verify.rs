//! The whole offline Sigstore check (digest, chain at the log's time, SCT, SET, inclusion
//! proof, checkpoint, body, RFC 3161) against the built-in public-good root. Input: a
//! little-endian u32 payload length, the payload (the object without its signature), then
//! the signature. Never touches the network: no Rekor is configured.
#![no_main]

use gitseal::git::signed::object_id_with_signature;
use gitseal::sigstore::identity::{Expect, Expectation};
use gitseal::sigstore::online::Settings;
use gitseal::sigstore::trust::TrustRoot;
use gitseal::sigstore::verify::{Object, verify};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn root() -> &'static TrustRoot {
    static ROOT: OnceLock<TrustRoot> = OnceLock::new();
    ROOT.get_or_init(|| TrustRoot::built_in().expect("built-in trust root"))
}

fn expectation() -> &'static Expectation {
    static EXPECT: OnceLock<Expectation> = OnceLock::new();
    EXPECT.get_or_init(|| Expectation {
        identity: Some(Expect::pattern(r".*@chainguard\.dev").expect("regex")),
        issuer: Some(Expect::Exact("https://accounts.google.com".into())),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (payload, signature) = rest.split_at(len);
    let id = object_id_with_signature(payload, signature);
    let object = Object {
        payload,
        id: id.as_deref(),
    };
    let report = verify(&object, signature, root(), &Settings::default());
    if let Some(cert) = &report.certificate {
        let _ = expectation().check(cert);
    }
    let _ = report.trusted_time();
    if let Err(e) = &report.outcome {
        let _ = e.to_string();
    }
});
