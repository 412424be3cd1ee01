//! The bodies of the fuzz targets (docs/fuzzing.md): one function per target, taking the
//! raw input. They live in the library, not in `fuzz/`, so that two drivers share them:
//! cargo-fuzz (`fuzz/fuzz_targets/<target>.rs`, each a one-line call, coverage-guided,
//! needs the slow instrumented build) and the stable mutation smoke test of the main test
//! suite (`tests/fuzz_smoke.rs`, which CI runs every time without a second build).
//!
//! Every function must accept any input without panicking, except where it asserts a
//! property of what parsed (each says which); a panic is a finding.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use chrono::{FixedOffset, Utc};

use crate::git::signed::{
    HashKind, header_time, object_id_with_signature, split_commit, split_tag,
};
use crate::openpgp::keyring::Keyring;
use crate::openpgp::trustdb::{TrustDb, Validator};
use crate::policy::{Credential, ObjectKind, SigstoreIdentity, Subject};
use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use crate::sigstore::trust::TrustRoot;
use crate::ssh::allowed_signers::{AllowedSigners, Entry};
use crate::ssh::certificate::SshCertificate;
use crate::ssh::public_key::{PublicKeyFile, parse_line};
use crate::ssh::revocation::RevocationList;

/// A target's body: the input, whole.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz/Cargo.toml` names its binaries and `fuzz/corpus/`
/// its seed directories.
pub const TARGETS: &[(&str, Target)] = &[
    ("sshsig", sshsig),
    ("allowed_signers", allowed_signers),
    ("revocation", revocation),
    ("ssh_certificate", ssh_certificate),
    ("policy", policy),
    ("argv", argv),
    ("git_objects", git_objects),
    ("sigstore_cms", sigstore_cms),
    ("sigstore_tlog", sigstore_tlog),
    ("sigstore_verify", sigstore_verify),
    ("openpgp_signature", openpgp_signature),
    ("openpgp_keyring", openpgp_keyring),
    ("pre_receive_line", pre_receive_line),
    ("range_arg", range_arg),
    ("verdict_cache", verdict_cache),
    ("oidc_token", oidc_token),
    ("oidc_redirect", oidc_redirect),
    ("oidc_answers", oidc_answers),
    ("timestamp", timestamp),
    ("fulcio_answer", fulcio_answer),
];

/// The built-in public-good trusted root, read once (it takes milliseconds).
fn built_in_root() -> &'static TrustRoot {
    static ROOT: OnceLock<TrustRoot> = OnceLock::new();
    ROOT.get_or_init(|| TrustRoot::built_in().expect("built-in trust root"))
}

/// A time the seeds are all valid at: they were made in November 2026 and the OpenPGP
/// ones expire within two years.
const SEED_TIME: u64 = 1_796_000_000;

// ------------------------------------------------------------------------------- SSH

/// SSHSIG signatures as git hands them to `ssh-keygen -Y verify|check-novalidate|
/// find-principals -s FILE`: the armor, the blob inside it, any certificate in it (its CA
/// signature is checked while parsing), and the signature check itself.
pub fn sshsig(data: &[u8]) {
    use crate::ssh::sshsig::SshSignature;
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
}

fn exercise_entry(entry: &Entry, identity: &str) {
    let _ = entry.principals_match(identity);
    let _ = entry.principals_match("alice@example.com");
    let _ = entry.principals_match(&entry.principals);
    let _ = entry.namespace_allowed("git");
    let _ = entry.namespace_allowed(identity);
    for t in [i64::MIN, 0, 1_700_000_000, i64::MAX] {
        let _ = entry.validity_at(t);
    }
    if let Some(t) = entry.valid_after {
        let _ = entry.validity_at(t);
    }
}

/// allowed_signers files (gpg.ssh.allowedSignersFile, and the policy's SSH lines): the
/// whole grammar, lenient and strict, in two time zones, then principal and namespace
/// pattern matching and validity windows on what parsed. Input: an optional identity to
/// match, a NUL, then the file; without a NUL the whole input is the file.
/// Asserts: a file `parse_strict` accepts parses the same leniently, with no problems.
pub fn allowed_signers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (identity, file) = match text.split_once('\0') {
        Some((identity, file)) if identity.len() <= 256 => (identity, file),
        _ => ("alice@example.com", text),
    };
    let lenient = AllowedSigners::parse(file, &Utc);
    for entry in &lenient.entries {
        exercise_entry(entry, identity);
    }
    for problem in &lenient.problems {
        let _ = problem.describe("allowed_signers");
    }
    let east = FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("a valid offset");
    let _ = AllowedSigners::parse(file, &east);
    if let Ok(strict) = AllowedSigners::parse_strict(file, &Utc) {
        assert!(lenient.problems.is_empty());
        assert_eq!(strict.entries, lenient.entries);
    }
}

/// The fixed keys the SSH targets ask about (fuzz/keys/, made by make-corpus.sh, which
/// the KRL seeds name).
struct SshKeys {
    keys: Vec<PublicKeyFile>,
    certs: Vec<SshCertificate>,
}

fn ssh_keys() -> &'static SshKeys {
    static KEYS: OnceLock<SshKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let lines = [
            include_str!("../fuzz/keys/ssh-ed25519.pub"),
            include_str!("../fuzz/keys/ssh-ecdsa256.pub"),
            include_str!("../fuzz/keys/ssh-cert.pub"),
            include_str!("../fuzz/keys/ssh-forever-cert.pub"),
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
        SshKeys { keys, certs }
    })
}

/// Revocation files (gpg.ssh.revocationFile, `-r`): binary KRLs and plain key lists, then
/// the questions verification asks of them, for fixed keys and certificates.
pub fn revocation(data: &[u8]) {
    let keys = ssh_keys();
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
}

fn empty_revocation_list() -> &'static RevocationList {
    static LIST: OnceLock<RevocationList> = OnceLock::new();
    LIST.get_or_init(|| RevocationList::parse(b"").expect("empty list"))
}

/// OpenSSH certificates and public key lines: the certificate blob (gitseal's own decoder,
/// with the CA signature check), the second reader revocation uses for blobs, and
/// `type base64 comment` lines (`ssh-keygen -l -f`, key files, policy keys).
pub fn ssh_certificate(data: &[u8]) {
    let empty = empty_revocation_list();
    if let Ok(cert) = SshCertificate::decode(data) {
        for time in [0, cert.valid_after, cert.valid_before, u64::MAX] {
            let _ = cert.check_authority(time, None);
            let _ = cert.check_authority(time, Some("alice"));
        }
        let _ = empty.is_signer_certificate_revoked(&cert);
    }
    let _ = empty.is_certificate_blob_revoked(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(file) = parse_line(text)
    {
        if file.certificate {
            let _ = SshCertificate::decode(&file.blob);
        }
        let _ = empty.is_key_revoked(&file.key);
    }
}

// ------------------------------------------------------------------------------ policy

fn policy_verdict(format: Format, key: String, unix: i64) -> Verdict {
    Verdict {
        format,
        key: Some(key),
        signer: None,
        time: Some(SignatureTime {
            unix,
            source: TimeSource::Committer,
        }),
        outcome: Ok(Trust::Fully),
        ssh_certificate: None,
    }
}

/// `.gitseal/policy.toml`, read from any commit's tree (so written by whoever pushes):
/// the strict parser, then judgement of signatures by every credential it names, on the
/// refs and object kinds its rules are about.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match crate::policy::file::parse(text, ".gitseal/policy.toml") {
        Ok(policy) => policy,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let mut verdicts = Vec::new();
    for principal in &policy.principals {
        let times = [
            principal.valid_after,
            principal.valid_before,
            Some(1_700_000_000),
        ];
        for credential in &principal.credentials {
            let (format, key) = match credential {
                Credential::Ssh { fingerprint, .. } | Credential::SshCa { fingerprint, .. } => {
                    (Format::Ssh, fingerprint.clone())
                }
                Credential::OpenPgp { fingerprint } => {
                    (Format::OpenPgp, fingerprint.to_lowercase())
                }
                Credential::Sigstore { issuer, subject } => {
                    let subject = match subject {
                        SigstoreIdentity::Exact(s) => s.clone(),
                        SigstoreIdentity::Pattern(re) => re.as_str().to_string(),
                    };
                    (Format::X509, format!("{issuer} {subject}"))
                }
            };
            for t in times.into_iter().flatten() {
                verdicts.push(policy_verdict(format, key.clone(), t));
            }
        }
    }
    for revocation in &policy.revoked {
        let at = revocation.after.unwrap_or(0);
        verdicts.push(policy_verdict(Format::Ssh, revocation.key.clone(), at));
        verdicts.push(policy_verdict(
            Format::X509,
            format!("i {}", revocation.key),
            at,
        ));
    }
    verdicts.push(Verdict {
        format: Format::Ssh,
        key: None,
        signer: None,
        time: None,
        outcome: Err(Failure {
            kind: FailureKind::Unsigned,
            detail: "unsigned".into(),
        }),
        ssh_certificate: None,
    });
    let mut refs: Vec<String> = policy
        .rules
        .iter()
        .flat_map(|r| r.refs.iter().map(|p| p.replace('*', "x")))
        .take(8)
        .collect();
    refs.extend(["refs/heads/main".into(), "refs/tags/v1.0".into()]);
    let id = policy
        .goodlist
        .first()
        .cloned()
        .unwrap_or_else(|| "0".repeat(40));
    for verdict in verdicts.iter().take(32) {
        for refname in &refs {
            for kind in [ObjectKind::Commit, ObjectKind::Merge, ObjectKind::Tag] {
                let subject = Subject {
                    id: &id,
                    refname: Some(refname),
                    kind,
                    changes_policy: kind == ObjectKind::Merge,
                    now: Some(1_800_000_000),
                };
                let _ = policy.judge(&subject, verdict);
            }
        }
    }
    let _ = policy.ssh_keys().count();
}

// ------------------------------------------------------------------- command line, git

/// The command line: which dialect (gpg, ssh-keygen, gitseal's own) and its parse, as git
/// or a person calls gitseal. Input: the arguments without the program name, separated by
/// NUL bytes (bytes, not necessarily UTF-8, as argv can be).
pub fn argv(data: &[u8]) {
    use crate::output::exit::Dialect;
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::OsStrExt;
    if data.len() > 4096 {
        return;
    }
    let args: Vec<OsString> = if data.is_empty() {
        Vec::new()
    } else {
        data.split(|b| *b == 0)
            .map(|a| OsStr::from_bytes(a).to_os_string())
            .collect()
    };
    match crate::cli::classify(&args) {
        Ok(invocation) => {
            let _ = format!("{invocation:?}");
        }
        Err((dialect, error)) => {
            let mut sink = Vec::new();
            crate::output::render_error(dialect, &error, &mut sink);
            if dialect != Dialect::Own {
                crate::output::render_error(Dialect::Own, &error, &mut sink);
            }
        }
    }
}

/// Commit and tag objects as they come out of a repository anybody can push to: the split
/// into payload and signature exactly as git makes it (both hash algorithms), the time
/// headers, the header parse of the walker, and the object id of a re-signed object.
/// Asserts: a commit's payload is never longer than the object, and a split tag's payload
/// and signature add up to the object.
pub fn git_objects(data: &[u8]) {
    for hash in [HashKind::Sha1, HashKind::Sha256] {
        if let Ok(Some(signed)) = split_commit(data, hash) {
            assert!(signed.payload.len() <= data.len());
            let _ = Format::from_armor(&signed.signature);
            let _ = object_id_with_signature(&signed.payload, &signed.signature);
        }
    }
    if let Ok(Some(signed)) = split_tag(data) {
        assert_eq!(signed.payload.len() + signed.signature.len(), data.len());
        let _ = Format::from_armor(&signed.signature);
        let _ = object_id_with_signature(&signed.payload, &signed.signature);
    }
    for header in ["committer", "tagger", "author"] {
        let _ = header_time(data, header);
    }
    let _ = crate::git::parse_commit(gix::ObjectId::null(gix::hash::Kind::Sha1), data);
}

/// The lines a pre-receive hook reads on its standard input, `<old> <new> <ref>`, as
/// `gitseal verify --pre-receive` splits them (whoever pushes chooses the ref names).
/// Asserts: an accepted line's ref name is one of its whitespace-free fields.
pub fn pre_receive_line(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        // The hook stops at the first line that is not UTF-8, before this parse.
        return;
    };
    // `str::lines` ends lines where `BufRead::lines` does (`\n`, a `\r` before it dropped).
    for line in text.lines() {
        match crate::mode::verify::update_line(line) {
            Ok((old, new, refname)) => {
                assert!(!refname.is_empty() && !refname.contains(char::is_whitespace));
                let _ = (old.is_null(), new.is_null(), old.to_hex().to_string());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// The range arguments of `gitseal verify` (`A..B`, `A..`, `..B`, a revision; `A...B`
/// refused) as they are split before git resolves each side.
/// Asserts: the sides are parts of the argument and neither is a symmetric difference.
pub fn range_arg(data: &[u8]) {
    let Ok(range) = std::str::from_utf8(data) else {
        // Arguments reach `verify` as UTF-8 (clap refuses others).
        return;
    };
    match crate::mode::verify::range_specs(range) {
        Ok((tip, hidden)) => {
            assert!(!range.contains("..."));
            assert!(tip == "HEAD" || range.contains(tip));
            if let Some(hidden) = hidden {
                assert!(hidden == "HEAD" || range.contains(hidden));
            }
        }
        Err(e) => {
            assert!(range.contains("..."));
            let _ = e.to_string();
        }
    }
}

/// The verdict cache (`<git dir>/gitseal/verdicts`): gitseal writes it, but a crash, a
/// full disk, another program or anyone who can write the git directory can leave
/// anything in it. Every line through the line parser, then the whole file through the
/// reader a range uses, with and without the current header, for a range of the commits
/// the file names.
/// Asserts: a line that parses is exactly the line gitseal writes for what it says (one
/// spelling per verdict, so nothing in a field can carry another field or line); the
/// reader gives a commit's verdict only for the digest its line was keyed by.
pub fn verdict_cache(data: &[u8]) {
    use crate::verify::cache::{HEADER, format_line, parse_line, read_known};
    let mut ids = vec![gix::ObjectId::from_bytes_or_panic(&[1; 20])];
    for line in data.split(|b| *b == b'\n') {
        if let Some(id) = line
            .split(|b| *b == b'\t')
            .next()
            .and_then(|hex| gix::ObjectId::from_hex(hex).ok())
            && ids.len() < 16
        {
            ids.push(id);
        }
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        if let Some(parsed) = parse_line(line) {
            let again = format_line(&parsed.id, &parsed.digest, &parsed.verdict);
            assert_eq!(again.as_deref(), Some(line), "read {parsed:?}");
        }
    }
    let range = crate::git::Range::from_ids(&ids);
    let mut with_header = format!("{HEADER}\n").into_bytes();
    with_header.extend_from_slice(data);
    for file in [data, &with_header[..]] {
        let known = read_known(file, &range);
        for at in 0..range.len() {
            match known.digest(at) {
                Some(digest) => {
                    assert!(known.has(at) && known.verdict(at, digest).is_some());
                    let mut other = *digest;
                    other[0] ^= 1;
                    assert!(known.verdict(at, &other).is_none());
                }
                None => assert!(!known.has(at)),
            }
        }
    }
}

// ---------------------------------------------------------------------------- Sigstore

/// gitsign signatures (`-----BEGIN SIGNED MESSAGE-----`, or raw DER): PEM armor, the CMS
/// SignedData, the signer's certificate chosen by issuer and serial, the embedded Rekor
/// entry (protobuf) and the Sigstore bundle gitseal rebuilds from them.
pub fn sigstore_cms(data: &[u8]) {
    use crate::sigstore::certificate::{facts, to_pem};
    use crate::sigstore::{cms, tlog, verify};
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
}

/// The Rekor entry gitsign embeds in the CMS (attribute 1.3.6.1.4.1.57264.3.1, a
/// `dev.sigstore.rekor.v1.TransparencyLogEntry` protobuf), decoded and turned into the
/// bundle's tlog entry, which the Sigstore bundle reader then takes.
pub fn sigstore_tlog(data: &[u8]) {
    use crate::sigstore::tlog;
    let Ok(entry) = tlog::decode(data) else {
        return;
    };
    let body = tlog::hashedrekord_body(&"00".repeat(32), b"sig", "-----BEGIN CERTIFICATE-----\n");
    let json = tlog::bundle_entry(&entry, &body);
    let _ = json.to_string();
}

/// The whole offline Sigstore check (digest, chain at the log's time, SCT, SET, inclusion
/// proof, checkpoint, body, RFC 3161) against the built-in public-good root. Input: a
/// little-endian u32 payload length, the payload (the object without its signature), then
/// the signature. Never touches the network: no Rekor is configured.
pub fn sigstore_verify(data: &[u8]) {
    use crate::sigstore::identity::{Expect, Expectation};
    use crate::sigstore::online::Settings;
    use crate::sigstore::verify::{Object, verify};
    static EXPECT: OnceLock<Expectation> = OnceLock::new();
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
    let report = verify(&object, signature, built_in_root(), &Settings::default());
    if let Some(cert) = &report.certificate {
        let expectation = EXPECT.get_or_init(|| Expectation {
            identity: Some(Expect::pattern(r".*@chainguard\.dev").expect("regex")),
            issuer: Some(Expect::Exact("https://accounts.google.com".into())),
            ..Expectation::default()
        });
        let _ = expectation.check(cert);
    }
    let _ = report.trusted_time();
    if let Err(e) = &report.outcome {
        let _ = e.to_string();
    }
}

/// An identity token (`SIGSTORE_ID_TOKEN`, a token provider's file, GitHub Actions'
/// answer, an issuer's token endpoint) as signing reads it before handing it to Fulcio:
/// the input as the whole JWT, then as the claims of a JWT (so mutations reach the claims
/// without having to keep the base64 valid).
pub fn oidc_token(data: &[u8]) {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let Ok(text) = std::str::from_utf8(data) else {
        // Environment variables, files and JSON strings reach `parse` as UTF-8.
        return;
    };
    let claims = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        Base64UrlUnpadded::encode_string(data)
    );
    for raw in [text.trim().to_string(), claims] {
        let secret = crate::secret::Secret::new(raw);
        // What the logins check of a token they were handed (audience, nonce).
        let _ = crate::sigstore::oidc::check_claims(&secret, "sigstore", Some("fuzznonce"));
        match crate::sigstore::token::parse(&secret) {
            Ok(token) => {
                let _ = (token.identity(), token.issuer(), token.expiration());
                let _ = token.claims().aud.contains("sigstore");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// The request line of a connection to the browser login's loopback port, which any
/// local process can send: `GET /auth/callback?code=...&state=... HTTP/1.1`. The login's
/// state is `fuzzstate` (the seeds use it), its start path `/login/fuzzstart`.
/// Asserts: what an error says carries no control character once escaped.
pub fn oidc_redirect(data: &[u8]) {
    use crate::sigstore::oidc::{Loopback, Redirect, redirect};
    let Ok(line) = std::str::from_utf8(data) else {
        // `read_line` refuses a request line that is not UTF-8.
        return;
    };
    let login = Loopback {
        start_path: "/login/fuzzstart",
        authorization_url: "https://issuer.test/auth",
        callback_path: "/auth/callback",
        state: "fuzzstate",
    };
    if let Redirect::Login(page, outcome) = redirect(line, &login) {
        let _ = page.len();
        match outcome {
            Ok(code) => {
                let _ = code.expose().len();
            }
            Err(why) => assert!(
                !crate::output::escape::text(&why)
                    .to_string()
                    .chars()
                    .any(char::is_control)
            ),
        }
    }
}

/// The JSON answers of an OIDC issuer the interactive logins read: the discovery document,
/// the device authorization answer (RFC 8628) with the polling schedule it sets, and the
/// token endpoint's answer.
/// Asserts: no answer makes gitseal wait longer than the login window at once, however
/// often the issuer says `slow_down`.
pub fn oidc_answers(data: &[u8]) {
    use crate::sigstore::oidc::{
        LOGIN_WAIT, device_answer, discovery_document, poll_schedule, slowed_down, token_answer,
    };
    let _ = discovery_document(data);
    let _ = token_answer(400, data);
    if let Ok(answer) = device_answer(data) {
        let (mut interval, window) = poll_schedule(&answer);
        assert!(window <= LOGIN_WAIT, "polling window {window:?}");
        for _ in 0..100 {
            assert!(
                interval >= Duration::from_secs(1) && interval <= LOGIN_WAIT,
                "polling interval {interval:?}"
            );
            interval = slowed_down(interval);
        }
    }
}

/// The RFC 3161 timestamp authorities the `timestamp` target believes: the built-in
/// root's and the one that signed the seeds (fuzz/keys/tsa-chain.pem, made by
/// make-corpus.sh), so that a seed's check runs to the end.
fn tsa_authorities() -> &'static [sigstore_types::TsaAuthority] {
    static AUTHORITIES: OnceLock<Vec<sigstore_types::TsaAuthority>> = OnceLock::new();
    AUTHORITIES.get_or_init(|| {
        let chain = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/keys/tsa-chain.pem"
        ));
        let mut authorities = built_in_root().root().tsa_authorities();
        authorities.push(
            crate::sigstore::timestamp::authority_from_pem(chain)
                .expect("fuzz/keys/tsa-chain.pem (make-corpus.sh)"),
        );
        authorities
    })
}

/// What a TSA answers (a DER TimeStampResp) and the token kept in a signature (the
/// ContentInfo of a TimeStampToken): the status, the token, its TSTInfo, the re-wrapping
/// a bundle export does, and the whole check over the signature the seeds were stamped
/// for (`fuzz signature\n`).
pub fn timestamp(data: &[u8]) {
    use crate::sigstore::timestamp::{as_response, token_of_response, tst_info, verify};
    const SIGNATURE: &[u8] = b"fuzz signature\n";
    let authorities = tsa_authorities();
    let token = token_of_response(data);
    for token in [token.as_deref().ok(), Some(data)].into_iter().flatten() {
        let _ = tst_info(token);
        let _ = as_response(token);
        let _ = verify(token, SIGNATURE, authorities).map_err(|e| e.to_string());
    }
}

/// Fulcio's answer to a signing request: the chain it issued (PEM certificates, leaf
/// first, as its JSON lists them), checked as signing checks it before using it (our key,
/// the token's identity and issuer, the chain to the trusted root, the SCT). The token is
/// made to match the leaf, and the key is the leaf's, so that the checks run to the end;
/// then once each with the wrong key and the wrong identity.
pub fn fulcio_answer(data: &[u8]) {
    use crate::sigstore::certificate::facts;
    use crate::sigstore::sign::check_issued;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use sigstore_types::DerCertificate;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    const END: &str = "-----END CERTIFICATE-----";
    let mut chain = Vec::new();
    for block in text.split_inclusive(END).take(8) {
        if block.trim().is_empty() {
            continue;
        }
        let Ok(der) = DerCertificate::from_pem(block.trim_start()) else {
            // Fulcio's client refuses the whole answer if one certificate is not PEM.
            return;
        };
        chain.push(der.as_bytes().to_vec());
    }
    // As signing does: the facts of the first certificate, else no further check.
    let Some(leaf) = chain.first() else {
        return;
    };
    let Ok(cert) = facts(leaf) else {
        return;
    };
    let token = |email: &str| {
        let claims = serde_json::json!({
            "iss": cert.issuer,
            "sub": "fuzz",
            "email": email,
            "exp": 4_000_000_000u64,
        });
        let jwt = format!(
            "eyJhbGciOiJub25lIn0.{}.",
            Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
        );
        sigstore_oidc::IdentityToken::from_jwt(&jwt).expect("a JWT of our own")
    };
    let root = built_in_root();
    let right = token(&cert.identity);
    for now in [cert.not_before, cert.not_after, SEED_TIME as i64] {
        let _ = check_issued(&cert, &chain, &cert.public_key, &right, root, now);
    }
    let wrong = token("someone-else@example.com");
    let _ = check_issued(
        &cert,
        &chain,
        &cert.public_key,
        &wrong,
        root,
        cert.not_before,
    );
    let _ = check_issued(&cert, &chain, b"another key", &right, root, cert.not_before);
}

// ----------------------------------------------------------------------------- OpenPGP

struct OpenPgpState {
    empty: Keyring,
    loaded: Keyring,
    trustdb: TrustDb,
}

fn openpgp_state() -> &'static OpenPgpState {
    static STATE: OnceLock<OpenPgpState> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut loaded = Keyring::new();
        loaded
            .add_configured(include_bytes!("../fuzz/keys/openpgp.asc").to_vec())
            .expect("fuzz/keys/openpgp.asc");
        OpenPgpState {
            empty: Keyring::new(),
            loaded,
            trustdb: TrustDb::default(),
        }
    })
}

/// OpenPGP detached signatures as gitseal reads them for `gpg --verify SIG -`: armor,
/// MPI normalisation (GitHub web-flow), the packet parse, and gpg's judgement, once with
/// an empty keyring (every signer missing) and once with the keys that signed the seeds
/// (fuzz/keys/openpgp.asc) so that the signature checks run too.
pub fn openpgp_signature(data: &[u8]) {
    use crate::openpgp::verify::{Context, verdict, verify_detached};
    let _ = crate::openpgp::normalize::signatures(data);
    let state = openpgp_state();
    let now = UNIX_EPOCH + Duration::from_secs(SEED_TIME);
    for keyring in [&state.empty, &state.loaded] {
        let ctx = Context {
            keyring,
            trustdb: &state.trustdb,
            now,
            or_later_signature: false,
        };
        if let Ok(reports) = verify_detached(data, b"fuzz payload\n", &ctx) {
            for report in &reports {
                let time = crate::signature::SignatureTime {
                    unix: report.created,
                    source: crate::signature::TimeSource::Committer,
                };
                let _ = verdict(report, time);
            }
        }
    }
}

/// OpenPGP certificates from outside: `.gitseal/keys/*.asc` in any pushed tree,
/// `gitseal.openpgpKeyring`, GnuPG's pubring.kbx / pubring.gpg (keybox or packets), and
/// GnuPG's trustdb.gpg; then key validity by gpg's pgp trust model over what was read.
pub fn openpgp_keyring(data: &[u8]) {
    let trustdb = TrustDb::parse(data).unwrap_or_default();
    let mut configured = Keyring::new();
    let _ = configured.add_configured(data.to_vec());
    let mut gnupg = Keyring::new();
    let _ = gnupg.add_gnupg(data.to_vec());
    let policy = crate::openpgp::policy();
    for keyring in [&configured, &gnupg] {
        let validator = Validator {
            keyring,
            trustdb: &trustdb,
            policy: &policy,
            now: UNIX_EPOCH + Duration::from_secs(SEED_TIME),
        };
        for found in keyring.all().iter().take(8) {
            let _ = validator.validity(&found.cert, found.origin);
            let _ = keyring.by_primary(&found.cert.fingerprint());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(target: &str, name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The seeds of the newer targets reach the end of what they are for (fuzzing from
    /// seeds that fail early would test only the first check).
    #[test]
    fn seeds_reach_the_checks_they_are_made_for() {
        use crate::sigstore::timestamp::{token_of_response, verify};
        let answer = seed("timestamp", "cert.tsr");
        let token = token_of_response(&answer).expect("a granted answer");
        verify(&token, b"fuzz signature\n", tsa_authorities()).expect("a trusted timestamp");

        // A real gitsign leaf (third-party data, not a committed seed) before the
        // public-good CA chain of the `ca-only` seed, as Fulcio answers.
        let commit =
            crate::testdata::read_gitsign("05ca6a291e4504639f44fd74cf04de90dd6ed9cf.commit");
        let signed = crate::git::signed::split_commit(&commit, crate::git::signed::HashKind::Sha1)
            .unwrap()
            .unwrap();
        let leaf = crate::sigstore::cms::parse(&signed.signature)
            .unwrap()
            .certificate;
        let text = String::from_utf8(seed("fulcio_answer", "ca-only")).unwrap();
        let chain: Vec<Vec<u8>> = std::iter::once(leaf)
            .chain(
                text.split_inclusive("-----END CERTIFICATE-----")
                    .filter(|b| !b.trim().is_empty())
                    .map(|b| {
                        sigstore_types::DerCertificate::from_pem(b.trim_start())
                            .unwrap()
                            .as_bytes()
                            .to_vec()
                    }),
            )
            .collect();
        let cert = crate::sigstore::certificate::facts(&chain[0]).unwrap();
        let claims = serde_json::json!({
            "iss": cert.issuer, "sub": "s", "email": cert.identity, "exp": 4_000_000_000u64,
        });
        use base64ct::{Base64UrlUnpadded, Encoding};
        let jwt = format!(
            "e30.{}.",
            Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
        );
        let token = sigstore_oidc::IdentityToken::from_jwt(&jwt).unwrap();
        crate::sigstore::sign::check_issued(
            &cert,
            &chain,
            &cert.public_key,
            &token,
            built_in_root(),
            cert.not_before,
        )
        .expect("the fixture's certificate passes Fulcio's checks");
    }
}
