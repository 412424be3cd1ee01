//! RFC 3161 timestamps: `git commit -S` with `gitseal.timestampURL` against the hermetic
//! TSA (support/sigstore_servers.rs) embeds a checked token, which openssl reads and
//! verifies as a real RFC 3161 reply, git and gitseal verify, and `time_source` reports;
//! every way the TSA can fail is one error line naming it, within the timeout, and no
//! commit. Tokens made by the test instance that do not hold (for another signature, by an
//! untrusted TSA, garbage, tampered, after the certificate expired) each fail with their
//! own reason.

use crate::support::sigstore_servers::Fault;
use crate::support::sigstore_stack::{Stack, Tsa};
use crate::support::sigstore_world::{ISSUER, World, alice, now};
use crate::support::{COMMIT_TIME, Repo, TestEnv, commit_with_signature, require, run};
use base64ct::{Base64, Encoding};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const T: i64 = 1_700_000_000;

fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).expect("pem")
}

/// A repository signing through the hermetic services, the TSA included, with no
/// credential cache (every commit asks Fulcio, Rekor and the TSA).
fn world() -> World {
    World::new(|services| {
        vec![
            ("gitseal.timestampURL", services.tsa_url()),
            ("gitseal.credentialCache", "false".to_string()),
        ]
    })
}

/// `git commit -S` with a fresh token for alice and `env` added.
fn commit(w: &World, env: &[(&str, &str)], message: &str) -> crate::support::Run {
    let token = w.token();
    let mut env = env.to_vec();
    env.push(("SIGSTORE_ID_TOKEN", &token));
    w.commit(&env, message)
}

fn verify_json(env: &TestEnv, dir: &std::path::Path, id: &str) -> (i32, serde_json::Value) {
    let mut cmd = env.gitseal();
    cmd.current_dir(dir).args([
        "verify-commit",
        "--certificate-identity",
        "alice@example.org",
        "--certificate-oidc-issuer",
        ISSUER,
        "--format",
        "json",
        id,
    ]);
    let out = run(&mut cmd);
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout()).unwrap_or_else(|e| panic!("{e}: {}", out.describe()));
    (out.code, doc["objects"][0].clone())
}

/// The signature of commit `id`, taken apart by gitseal's parser.
fn signature_of(repo: &Repo<'_>, id: &str) -> (String, gitseal::sigstore::cms::CmsSignature) {
    let raw = repo.git_out(&["cat-file", "commit", id]) + "\n";
    let signed =
        gitseal::git::signed::split_commit(raw.as_bytes(), gitseal::git::signed::HashKind::Sha1)
            .expect("one signature")
            .expect("signed");
    let armor = String::from_utf8(signed.signature).expect("ascii armor");
    let parsed = gitseal::sigstore::cms::parse(armor.as_bytes()).expect("parses");
    (armor, parsed)
}

#[test]
fn a_timestamped_commit_embeds_the_token_and_is_judged_at_the_tsa_time() {
    let w = world();
    let before = now();
    commit(&w, &[], "stamped").success();
    let after = now();
    let id = w.head().expect("a commit");
    assert_eq!(
        (
            w.services.fulcio_calls(),
            w.services.tsa_calls(),
            w.services.rekor_calls()
        ),
        (1, 1, 1)
    );

    // The token is where gitsign keeps it, beside the log entry, and covers the signature.
    let (armor, sig) = signature_of(&w.repo(), &id);
    assert!(sig.tlog_entry.is_some(), "the log entry is still embedded");
    let [token] = sig.timestamps.as_slice() else {
        panic!("one timestamp token, got {}", sig.timestamps.len());
    };
    let info = gitseal::sigstore::timestamp::tst_info(token).expect("a TSTInfo");
    assert_eq!(
        info.message_imprint.hashed_message.as_bytes(),
        Sha256::digest(&sig.signature).as_slice(),
        "imprint = SHA-256 of SignerInfo.signature"
    );
    assert!(info.nonce.is_some(), "the request's nonce is echoed");

    // git and gitseal verify it; gitseal judges it at the TSA's time.
    let verified = w.git_env(&[], &["verify-commit", &id]).success();
    let text = verified.stderr_lines().join("\n");
    assert!(
        text.contains("Timestamped by a timestamp authority"),
        "{text}"
    );
    assert_eq!(w.git(&["log", "-1", "--format=%G?|%GT"]), "G|fully");
    let (code, object) = verify_json(&w.env, &w.dir, &id);
    assert_eq!(code, 0, "{object:#}");
    assert_eq!(object["time_source"], "tsa", "{object:#}");
    // RFC 3339, as every JSON time gitseal writes.
    let time = chrono::DateTime::parse_from_rfc3339(object["time"].as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp();
    assert!(
        (before - 1..=after + 1).contains(&time),
        "{time} {object:#}"
    );

    // Third-party parsers: openssl reads the unsigned attribute and the token as a reply,
    // and verifies the token against the TSA's chain with the signature's digest.
    let openssl = require("openssl", "openssl");
    let cms_pem = w
        .env
        .write("sig.pem", armor.replace("SIGNED MESSAGE", "CMS"));
    let mut cmd = w.env.command(&openssl);
    cmd.args(["cms", "-cmsout", "-print", "-inform", "PEM", "-in"])
        .arg(&cms_pem);
    let printed = run(&mut cmd).success().stdout();
    assert!(
        printed.contains("id-smime-aa-timeStampToken"),
        "openssl names the attribute: {printed}"
    );
    let reply = gitseal::sigstore::timestamp::as_response(token).expect("wrapped");
    let tsr = w.env.write("reply.tsr", &reply);
    let mut cmd = w.env.command(&openssl);
    cmd.args(["ts", "-reply", "-text", "-in"]).arg(&tsr);
    let shown = run(&mut cmd).success().stdout();
    assert!(shown.contains("Status: Granted."), "{shown}");
    assert!(shown.contains("Hash Algorithm: sha256"), "{shown}");
    assert!(shown.contains("Policy OID: 1.3.6.1.4.1.57264.2"), "{shown}");
    let root: serde_json::Value = serde_json::from_str(&w.services.trusted_root()).expect("json");
    let chain = &root["timestampAuthorities"][0]["certChain"]["certificates"];
    let cert = |i: usize| {
        Base64::decode_vec(chain[i]["rawBytes"].as_str().expect("raw bytes")).expect("base64")
    };
    let leaf = w.env.write("tsa-leaf.pem", pem(&cert(0)));
    let ca = w.env.write("tsa-root.pem", pem(&cert(1)));
    let digest: String = Sha256::digest(&sig.signature)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut cmd = w.env.command(&openssl);
    cmd.args(["ts", "-verify", "-digest", &digest, "-in"])
        .arg(&tsr)
        .arg("-CAfile")
        .arg(&ca)
        .arg("-untrusted")
        .arg(&leaf);
    let checked = run(&mut cmd);
    assert!(
        checked.stdout().contains("Verification: OK"),
        "{}",
        checked.describe()
    );

    // `gitseal bundle` exports it as a bundle's RFC 3161 timestamp: a granted
    // TimeStampResp holding the same token.
    let mut cmd = w.env.gitseal();
    cmd.current_dir(&w.dir).args(["bundle", &id]);
    let bundle: serde_json::Value =
        serde_json::from_str(&run(&mut cmd).success().stdout()).expect("bundle json");
    let exported = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
        [0]["signedTimestamp"]
        .as_str()
        .expect("a signed timestamp");
    let response = Base64::decode_vec(exported).expect("base64");
    let parsed = x509_tsp::TimeStampResp::from_der(&response).expect("a TimeStampResp");
    assert_eq!(parsed.status.status, cmpv2::status::PkiStatus::Accepted);
    assert_eq!(
        parsed
            .time_stamp_token
            .expect("a token")
            .to_der()
            .expect("der"),
        *token
    );
}

#[test]
fn gitsign_names_are_honoured_and_the_cert_chain_pins_the_tsa() {
    let w = world();
    w.git(&["config", "--unset", "gitseal.timestampURL"]);
    // No TSA configured: nothing asked, nothing embedded.
    commit(&w, &[], "plain").success();
    assert_eq!(w.services.tsa_calls(), 0);
    let (_, sig) = signature_of(&w.repo(), "HEAD");
    assert!(sig.timestamps.is_empty());

    // gitsign's key, and its chain key naming the TSA's own chain.
    w.git(&[
        "config",
        "gitsign.timestampServerURL",
        &w.services.tsa_url(),
    ]);
    let root: serde_json::Value = serde_json::from_str(&w.services.trusted_root()).expect("json");
    let chain = &root["timestampAuthorities"][0]["certChain"]["certificates"];
    let pems: String = (0..2)
        .map(|i| {
            pem(&Base64::decode_vec(chain[i]["rawBytes"].as_str().expect("raw")).expect("b64"))
        })
        .collect();
    let own = w.env.write("tsa-chain.pem", pems);
    w.git(&[
        "config",
        "gitsign.timestampCertChain",
        &own.display().to_string(),
    ]);
    commit(&w, &[], "gitsign keys").success();
    assert_eq!(w.services.tsa_calls(), 1);
    let (_, sig) = signature_of(&w.repo(), "HEAD");
    assert_eq!(sig.timestamps.len(), 1);

    // The environment wins over git config, gitseal's name over gitsign's.
    let other = Tsa::new("someone-else");
    let foreign = w
        .env
        .write("foreign.pem", pem(other.leaf()) + &pem(other.root()));
    let before = w.head();
    let pinned = commit(
        &w,
        &[(
            "GITSEAL_TIMESTAMP_CERT_CHAIN",
            &foreign.display().to_string(),
        )],
        "pinned elsewhere",
    );
    assert_ne!(pinned.code, 0);
    assert!(
        pinned.stderr.contains("RFC 3161 timestamp is not trusted"),
        "{}",
        pinned.describe()
    );
    assert_eq!(w.head(), before, "no commit written");
    let unreachable = commit(
        &w,
        &[
            ("GITSEAL_TIMESTAMP_URL", "http://127.0.0.1:9/tsa"),
            ("GITSIGN_TIMESTAMP_SERVER_URL", &w.services.tsa_url()),
        ],
        "env url",
    );
    assert_ne!(unreachable.code, 0);
    assert!(
        unreachable
            .stderr
            .contains("timestamp authority (http://127.0.0.1:9/tsa)"),
        "{}",
        unreachable.describe()
    );
    assert_eq!(w.head(), before, "no commit written");
}

/// gitsign's online mode (nothing embedded but the token): the token is checked, the
/// certificate must have been valid at its time, and that time is the one reported.
#[test]
fn online_mode_signatures_carry_a_checked_timestamp() {
    let w = world();
    w.git(&["config", "gitseal.rekorMode", "online"]);
    commit(&w, &[], "online").success();
    let id = w.head().expect("a commit");
    let (_, sig) = signature_of(&w.repo(), &id);
    assert!(sig.tlog_entry.is_none());
    assert_eq!(sig.timestamps.len(), 1);
    w.git_env(&[], &["verify-commit", &id]).success();
    let (code, object) = verify_json(&w.env, &w.dir, &id);
    assert_eq!(code, 0, "{object:#}");
    assert_eq!(object["time_source"], "tsa", "{object:#}");
    assert!(
        object["log"]["index"].is_number(),
        "found in the log: {object:#}"
    );
}

/// Every way the TSA fails: one error line naming it and the cause, within the timeout
/// (3 s), nothing written to the log, no commit.
#[test]
fn tsa_failures_are_one_line_and_write_nothing() {
    let w = world();
    let url = w.services.tsa_url();
    let cases: Vec<(&str, Fault, &str)> = vec![
        ("hangs", Fault::Hang, "timed out"),
        ("500", Fault::Error500, "HTTP 500"),
        ("garbage", Fault::Garbage, "RFC 3161 timestamp is malformed"),
        (
            "wrong nonce",
            Fault::WrongNonce,
            "nonce is not the request's",
        ),
        (
            "wrong imprint",
            Fault::WrongImprint,
            "imprint is not the signature's",
        ),
        (
            "untrusted key",
            Fault::UntrustedKey,
            "no trusted timestamp authority signed it",
        ),
    ];
    let before = w.head();
    let rekor_before = w.services.rekor_calls();
    for (name, fault, cause) in cases {
        w.services.set_tsa(fault);
        let started = Instant::now();
        let failed = commit(&w, &[], name);
        let took = started.elapsed();
        assert_ne!(failed.code, 0, "{name}: {}", failed.describe());
        let lines: Vec<&str> = failed
            .stderr
            .lines()
            .filter(|l| l.contains("timestamp authority ("))
            .collect();
        assert_eq!(lines.len(), 1, "{name}: {}", failed.describe());
        assert!(
            lines[0].starts_with("error: ")
                && lines[0].contains(&format!("timestamp authority ({url})"))
                && lines[0].contains(cause),
            "{name}: {}",
            failed.describe()
        );
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
        assert_eq!(w.head(), before, "{name}: no commit written");
    }
    assert_eq!(
        w.services.rekor_calls(),
        rekor_before,
        "the TSA is asked before the log is written to"
    );
    // A refused connection names it too; then a working TSA signs again.
    w.services.set_tsa(Fault::None);
    w.git(&["config", "gitseal.timestampURL", "http://127.0.0.1:9/tsa"]);
    let refused = commit(&w, &[], "refused");
    assert!(
        refused
            .stderr
            .contains("error: timestamp authority (http://127.0.0.1:9/tsa)"),
        "{}",
        refused.describe()
    );
    w.git(&["config", "gitseal.timestampURL", &url]);
    commit(&w, &[], "works again").success();
}

/// Makes a token from the instance's TSA and the signature it is to cover.
type MakeToken<'a> = Box<dyn Fn(&Tsa, &[u8]) -> Vec<u8> + 'a>;

/// A commit of `message` whose signature `sign` makes over the unsigned object.
fn signed_commit(repo: &Repo<'_>, message: &str, sign: impl FnOnce(&[u8]) -> String) -> String {
    std::fs::write(repo.dir.join("a.txt"), message).expect("write");
    repo.git(&["add", "a.txt"]).success();
    let tree = repo.git_out(&["write-tree"]);
    let unsigned_id = repo.git_out(&["commit-tree", tree.as_str(), "-m", message]);
    let unsigned = repo.git_out(&["cat-file", "commit", &unsigned_id]) + "\n";
    let armored = sign(unsigned.as_bytes());
    repo.write_commit(commit_with_signature(&unsigned, &armored).as_bytes())
}

#[test]
fn tokens_that_do_not_hold_fail_with_their_own_reason() {
    assert_eq!(COMMIT_TIME, "1700000000 +0000", "the times below assume it");
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = crate::sigstore_stack::repo(&env, &stack);
    let stranger = Tsa::new("gitseal-test-tsa");

    // A good token: verified, and the TSA's time (not the log's) is the one reported.
    let tsa_time = T + 4;
    let good = signed_commit(&repo, "good", |p| {
        stack.sign_stamped(p, &alice(), T + 3, T + 5, |tsa, sig| {
            tsa.token_for(sig, tsa_time)
        })
    });
    let (code, object) = verify_json(&env, &repo.dir, &good);
    assert_eq!(code, 0, "{object:#}");
    assert_eq!(object["time_source"], "tsa", "{object:#}");
    let stamped = chrono::DateTime::from_timestamp(tsa_time, 0).expect("time");
    assert_eq!(
        object["time"],
        stamped.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "{object:#}"
    );
    repo.git(&["verify-commit", &good]).success();

    let cases: Vec<(&str, &str, MakeToken<'_>)> = vec![
        (
            "another signature's token",
            "timestamp-mismatch",
            Box::new(|tsa: &Tsa, _sig: &[u8]| tsa.token_for(b"another signature", T + 4)),
        ),
        (
            "an untrusted TSA",
            "timestamp-untrusted",
            Box::new(|_tsa: &Tsa, sig: &[u8]| stranger.token_for(sig, T + 4)),
        ),
        (
            "garbage",
            "timestamp-malformed",
            // Valid DER (the attribute holds any value) but no timestamp token.
            Box::new(|_tsa: &Tsa, _sig: &[u8]| {
                der::asn1::OctetString::new(b"not a token".to_vec())
                    .expect("octets")
                    .to_der()
                    .expect("der")
            }),
        ),
        (
            "a tampered time",
            "timestamp-untrusted",
            Box::new(|tsa: &Tsa, sig: &[u8]| {
                let mut token = tsa.token_for(sig, T + 4);
                // The TSTInfo's genTime, GeneralizedTime 20231114221504Z: one digit moved
                // back a day, after the TSA signed it.
                let at = token
                    .windows(8)
                    .position(|w| w == b"20231114")
                    .expect("genTime in the token");
                token[at + 7] = b'3';
                token
            }),
        ),
        (
            "a time after the certificate expired",
            "expired",
            Box::new(|tsa: &Tsa, sig: &[u8]| tsa.token_for(sig, T + 3 + 700)),
        ),
    ];
    for (name, reason, make) in cases {
        let id = signed_commit(&repo, name, |p| {
            stack.sign_stamped(p, &alice(), T + 3, T + 5, |tsa, sig| make(tsa, sig))
        });
        let (code, object) = verify_json(&env, &repo.dir, &id);
        assert_eq!(code, 1, "{name}: {object:#}");
        assert_eq!(object["failure"]["reason"], reason, "{name}: {object:#}");
        let git = repo.git(&["verify-commit", &id]);
        assert_ne!(git.code, 0, "{name}: git verify-commit fails too");
    }
}

/// sigstore-python 4.5.1 (`GITSEAL_SIGSTORE_PYTHON`, else `sigstore` on PATH, as
/// tests/sigstore_interop.rs) verifies the bundle `gitseal bundle` exports for a
/// timestamped signature, through a client trust config naming the test instance and its
/// TSA. It drops timestamps it cannot verify and goes on with the log's time, so passing
/// proves little alone: a token of the trusted TSA stamped after the certificate expired
/// must make it fail, which it can only do by having verified the token.
#[test]
fn sigstore_python_verifies_an_exported_timestamp() {
    let python = std::env::var_os("GITSEAL_SIGSTORE_PYTHON")
        .map(std::path::PathBuf::from)
        .or_else(|| crate::support::find_in_path("sigstore"))
        .unwrap_or_else(|| {
            panic!("this test needs sigstore-python: pip install sigstore==4.5.1 (scripts/test.sh installs it in a venv and sets GITSEAL_SIGSTORE_PYTHON)")
        });
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = crate::sigstore_stack::repo(&env, &stack);
    let root: serde_json::Value = serde_json::from_str(&stack.trusted_root()).expect("root");
    let valid = serde_json::json!({"start": "2020-01-01T00:00:00Z"});
    let service = |url: &str| serde_json::json!([{"url": url, "majorApiVersion": 1, "validFor": valid, "operator": "gitseal.test"}]);
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": service("http://fulcio.gitseal.test"),
            "oidcUrls": service("https://issuer.gitseal.test"),
            "rekorTlogUrls": service("http://rekor.gitseal.test"),
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": service("http://tsa.gitseal.test"),
            "tsaConfig": {"selector": "ANY"}
        }
    });
    let config = env.write("trust-config.json", config.to_string());

    // Certificates from 800 s ago (valid 600 s): all times in sigstore-python's past.
    let at = now() - 800;
    let mut check = |name: &str, stamped_at: i64| {
        let id = signed_commit(&repo, name, |p| {
            stack.sign_stamped(p, &alice(), at, at + 2, |tsa, sig| {
                tsa.token_for(sig, stamped_at)
            })
        });
        let bundle = env.path(&format!("{name}.sigstore.json"));
        let artifact = env.path(&format!("{name}.der"));
        let mut cmd = env.gitseal();
        cmd.current_dir(&repo.dir)
            .arg("bundle")
            .arg("--artifact")
            .arg(&artifact)
            .arg(&id);
        let exported = run(&mut cmd).success().stdout();
        let doc: serde_json::Value = serde_json::from_str(&exported).expect("json");
        assert!(
            doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
                ["signedTimestamp"]
                .is_string(),
            "{doc:#}"
        );
        std::fs::write(&bundle, exported).expect("bundle");
        let mut cmd = env.command(&python);
        cmd.arg("--trust-config")
            .arg(&config)
            .args(["verify", "identity", "--offline", "--bundle"])
            .arg(&bundle)
            .args([
                "--cert-identity",
                "alice@example.org",
                "--cert-oidc-issuer",
                ISSUER,
            ])
            .arg(&artifact);
        run(&mut cmd)
    };
    let good = check("stamped", at + 1);
    assert_eq!(good.code, 0, "{}", good.describe());
    let late = check("stamped-late", at + 700);
    assert_ne!(late.code, 0, "{}", late.describe());
}
