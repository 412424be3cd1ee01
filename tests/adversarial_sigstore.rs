//! Issue 12, Sigstore verification: attacks by a misissuing instance, each refused with its
//! reason, each beside the honest flow it imitates. The tests' own Sigstore instance
//! (support/sigstore_stack.rs) stands for a CA and logs whose keys the attacker holds:
//! every certificate, SET and checkpoint below is correctly signed by a key of the trusted
//! root; only what they say is wrong.
//!
//! - L1: a signature whose authenticated time (log or TSA) lies outside its ten-minute
//!   certificate is a bad signature (`%G?` B, BADSIG), never "good signature, expired key"
//!   (Y, EXPKEYSIG), which scripts and forges that accept Y would take.
//! - L2: the certificate must name exactly one signer, in a SAN of the type its value is
//!   (docs/sigstore.md, "Whose signature"): a URI SAN `alice@example.org`, or a certificate
//!   naming `[alice, bob]`, is nobody's, for git, `verify-commit --certificate-identity` and
//!   a policy alike.
//! - H2: a log entry's checkpoint must be signed by the key of the log the entry names and
//!   name that log's origin; another log of the same root cannot vouch for it.

use serde_json::Value;

use crate::sigstore_stack::{commit, letters, repo};
use crate::support::sigstore_stack::{Identity, LOG_A, LOG_B, San, Stack};
use crate::support::{Repo, TestEnv, run};

const T: i64 = 1_700_000_000;
const ISSUER: &str = "https://issuer.gitseal.test";
const ALICE: &str = "alice@example.org";
const BOB: &str = "bob@example.org";
const WORKFLOW: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

fn alice() -> Identity {
    Identity {
        email: ALICE.into(),
        issuer: ISSUER.into(),
    }
}

/// `git verify-commit --raw`'s status lines for `id`.
fn status_lines(repo: &Repo<'_>, id: &str) -> Vec<String> {
    repo.git(&["verify-commit", "--raw", id]).stderr_lines()
}

/// `gitseal verify-commit --format json` expecting `identity` from [`ISSUER`]: exit code
/// and the object's report.
fn verify_commit(env: &TestEnv, repo: &Repo<'_>, id: &str, identity: &str) -> (i32, Value) {
    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir).args([
        "verify-commit",
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        ISSUER,
        "--format",
        "json",
        id,
    ]);
    let out = run(&mut cmd);
    let doc: Value =
        serde_json::from_str(&out.stdout()).unwrap_or_else(|e| panic!("{e}: {}", out.describe()));
    (out.code, doc["objects"][0].clone())
}

/// The same in text: exit code and stdout.
fn verify_commit_text(env: &TestEnv, repo: &Repo<'_>, id: &str, identity: &str) -> (i32, String) {
    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir).args([
        "verify-commit",
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        ISSUER,
        id,
    ]);
    let out = run(&mut cmd);
    (out.code, out.stdout())
}

/// Asserts that gitseal verify-commit refuses `id` with `reason` and `kind`, in JSON and in
/// text, and returns the failure's detail.
fn refused(
    env: &TestEnv,
    repo: &Repo<'_>,
    id: &str,
    identity: &str,
    reason: &str,
    kind: &str,
) -> String {
    let (code, report) = verify_commit(env, repo, id, identity);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verified"], false, "{report:#}");
    assert_eq!(report["failure"]["reason"], reason, "{report:#}");
    assert_eq!(report["failure"]["kind"], kind, "{report:#}");
    let detail = report["failure"]["detail"]
        .as_str()
        .expect("a detail")
        .to_string();
    let (code, text) = verify_commit_text(env, repo, id, identity);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAILED: x509 signature: ") && text.contains(&detail),
        "{text}"
    );
    detail
}

/// Asserts that gitseal verify-commit accepts `id` as signed by `identity`.
fn accepted(env: &TestEnv, repo: &Repo<'_>, id: &str, identity: &str) -> Value {
    let (code, report) = verify_commit(env, repo, id, identity);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verified"], true, "{report:#}");
    assert_eq!(report["certificate"]["identity"], identity, "{report:#}");
    report
}

/// A policy naming alice by her e-mail identity and the release workflow by its URI, both
/// allowed on every branch.
fn policy() -> String {
    format!(
        "version = 1\n\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"{ALICE}\" }}]\n\n\
         [principals.release]\nsigstore = [{{ issuer = \"{ISSUER}\", subject_regex = '^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/heads/main$' }}]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"alice\", \"release\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
    )
}

/// `gitseal verify` of `range` for main, as JSON: exit code and the result per commit.
fn verify_policy(env: &TestEnv, repo: &Repo<'_>, anchor: &str, range: &str) -> (i32, Value) {
    let mut cmd = env.gitseal();
    cmd.current_dir(&repo.dir).args([
        "verify",
        "--anchor",
        anchor,
        "--ref",
        "refs/heads/main",
        "--no-cache",
        "--jobs",
        "1",
        "--format",
        "json",
        range,
    ]);
    let out = run(&mut cmd);
    let doc: Value =
        serde_json::from_str(&out.stdout()).unwrap_or_else(|e| panic!("{e}: {}", out.describe()));
    (out.code, doc)
}

fn result_for<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .and_then(|r| r.iter().find(|c| c["commit"] == id))
        .unwrap_or_else(|| panic!("{id} is not reported: {doc:#}"))
}

// ---- L1: a trusted time outside the certificate's validity ----

#[test]
fn l1_a_signature_logged_after_its_certificate_expired_is_bad() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let honest = commit(&repo, &[("a.txt", "a\n")], "honest", |p| {
        stack.sign_with(p, &alice(), T + 3, T + 5, |_| {})
    });
    // The ten-minute certificate ends at T + 603; the log's SET says T + 1800.
    let late = commit(&repo, &[("b.txt", "b\n")], "late", |p| {
        stack.sign_with(p, &alice(), T + 3, T + 1800, |_| {})
    });

    assert_eq!(letters(&repo, &honest), "G|fully");
    accepted(&env, &repo, &honest, ALICE);

    assert_eq!(letters(&repo, &late), "B|undefined");
    let raw = status_lines(&repo, &late);
    assert!(
        raw.iter().any(|l| l.starts_with("[GNUPG:] BADSIG ")),
        "{raw:?}"
    );
    assert!(!raw.iter().any(|l| l.contains("EXPKEYSIG")), "{raw:?}");
    let text = repo
        .git(&["verify-commit", &late])
        .exit(1)
        .stderr_lines()
        .join("\n");
    assert!(
        text.contains("gitseal: BAD signature from [alice@example.org]")
            && text.contains("made after its certificate expired: logged at 2023-11-14 22:43:20 UTC, the certificate expired at 2023-11-14 22:23:23 UTC"),
        "{text}"
    );
    let detail = refused(&env, &repo, &late, ALICE, "expired", "bad-signature");
    assert!(detail.starts_with("bad signature: "), "{detail}");
}

#[test]
fn l1_a_signature_logged_before_its_certificate_was_valid_is_bad() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let early = commit(&repo, &[("a.txt", "a\n")], "early", |p| {
        stack.sign_with(p, &alice(), T + 3, T - 60, |_| {})
    });
    let honest = commit(&repo, &[("b.txt", "b\n")], "honest", |p| {
        stack.sign_with(p, &alice(), T + 3, T + 3, |_| {})
    });

    assert_eq!(letters(&repo, &honest), "G|fully");
    accepted(&env, &repo, &honest, ALICE);

    assert_eq!(letters(&repo, &early), "B|undefined");
    let raw = status_lines(&repo, &early);
    assert!(
        raw.iter().any(|l| l.starts_with("[GNUPG:] BADSIG ")),
        "{raw:?}"
    );
    assert!(!raw.iter().any(|l| l.contains("ERRSIG")), "{raw:?}");
    let detail = refused(&env, &repo, &early, ALICE, "not-yet-valid", "bad-signature");
    assert!(
        detail.contains("made before its certificate was valid: logged at"),
        "{detail}"
    );
}

/// An RFC 3161 time of the instance's own TSA after the certificate's end (the log's time
/// inside it): the chain is checked at every verified time, and fails as bad too.
#[test]
fn l1_a_timestamp_after_the_certificate_expired_is_bad() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let honest = commit(&repo, &[("a.txt", "a\n")], "honest", |p| {
        stack.sign_stamped(p, &alice(), T + 3, T + 5, |tsa, sig| {
            tsa.token_for(sig, T + 4)
        })
    });
    let late = commit(&repo, &[("b.txt", "b\n")], "late", |p| {
        stack.sign_stamped(p, &alice(), T + 3, T + 5, |tsa, sig| {
            tsa.token_for(sig, T + 3 + 700)
        })
    });

    assert_eq!(letters(&repo, &honest), "G|fully");
    let report = accepted(&env, &repo, &honest, ALICE);
    assert_eq!(report["time_source"], "tsa", "{report:#}");

    assert_eq!(letters(&repo, &late), "B|undefined");
    let detail = refused(&env, &repo, &late, ALICE, "expired", "bad-signature");
    assert!(
        detail.contains("made after its certificate expired: timestamped at"),
        "{detail}"
    );
}

/// gitseal remembers a certificate whose chain it verified and skips the chain for its next
/// signature in the same process (`gitseal verify` over a rebase's commits, signed with one
/// cached certificate). The log's own time check then catches a late entry; it must still
/// say bad, with the same reason.
#[test]
fn l1_the_chain_cache_does_not_soften_an_expired_signature() {
    use gitseal::sigstore::verify::{Object, verify};
    let mut stack = Stack::new();
    let (key, cert) = stack.credential(&alice(), T + 3);
    let payloads = [b"first\n".as_slice(), b"second\n".as_slice()];
    let on_time = stack.sign_using(payloads[0], &key, &cert, T + 3, LOG_A, T + 5, |_| {});
    let late = stack.sign_using(payloads[1], &key, &cert, T + 3, LOG_A, T + 1800, |_| {});
    let root = sigstore_trust_root::TrustedRoot::from_json(&stack.trusted_root()).expect("root");
    let trust = gitseal::sigstore::trust::TrustRoot::new(root, "the test instance".into())
        .expect("trust root");
    let settings = gitseal::sigstore::online::Settings::default();
    let check = |payload: &[u8], armored: &str| {
        let object = Object { payload, id: None };
        verify(&object, armored.as_bytes(), &trust, &settings)
    };

    assert_eq!(check(payloads[0], &on_time).outcome, Ok(()));
    assert!(trust.chain_known(&cert), "the chain is remembered");
    let report = check(payloads[1], &late);
    let error = report.outcome.expect_err("refused");
    assert_eq!(error.reason(), "expired", "{error}");
    assert!(error.is_bad_signature(), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("bad signature: made after its certificate expired: logged at"),
        "{error}"
    );
}

// ---- L2: whom the certificate names ----

#[test]
fn l2_a_uri_san_holding_the_email_identity_is_refused() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let policy = policy();
    let anchor = commit(&repo, &[(".gitseal/policy.toml", &policy)], "policy", |p| {
        stack.sign(p, &alice(), T + 1)
    });
    let honest = commit(&repo, &[("a.txt", "a\n")], "honest", |p| {
        stack.sign(p, &alice(), T + 10)
    });
    let forged = commit(&repo, &[("b.txt", "b\n")], "uri alice", |p| {
        stack.sign_naming(p, &[San::Uri(ALICE.into())], ISSUER, T + 20)
    });

    accepted(&env, &repo, &honest, ALICE);
    assert_eq!(letters(&repo, &honest), "G|fully");

    assert_eq!(letters(&repo, &forged), "E|undefined");
    let text = repo
        .git(&["verify-commit", &forged])
        .exit(1)
        .stderr_lines()
        .join("\n");
    assert!(
        text.contains("certificate does not name one signer: its SAN URI \"alice@example.org\" is a URI holding an e-mail address"),
        "{text}"
    );
    refused(
        &env,
        &repo,
        &forged,
        ALICE,
        "certificate-identity",
        "untrusted",
    );

    let (code, doc) = verify_policy(&env, &repo, &anchor, &format!("{anchor}..{forged}"));
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result_for(&doc, &honest)["principal"], "alice", "{doc:#}");
    let judged = result_for(&doc, &forged);
    assert_eq!(judged["ok"], false, "{doc:#}");
    assert!(judged["principal"].is_null(), "{doc:#}");
    assert!(
        judged["reasons"]
            .to_string()
            .contains("certificate does not name one signer"),
        "{doc:#}"
    );
}

#[test]
fn l2_a_certificate_naming_two_identities_is_refused() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let policy = policy();
    let anchor = commit(&repo, &[(".gitseal/policy.toml", &policy)], "policy", |p| {
        stack.sign(p, &alice(), T + 1)
    });
    let honest = commit(&repo, &[("c.txt", "c\n")], "honest", |p| {
        stack.sign(p, &alice(), T + 5)
    });
    let alice_first = commit(&repo, &[("a.txt", "a\n")], "alice, bob", |p| {
        stack.sign_naming(
            p,
            &[San::Email(ALICE.into()), San::Email(BOB.into())],
            ISSUER,
            T + 10,
        )
    });
    let bob_first = commit(&repo, &[("b.txt", "b\n")], "bob, alice", |p| {
        stack.sign_naming(
            p,
            &[San::Email(BOB.into()), San::Email(ALICE.into())],
            ISSUER,
            T + 20,
        )
    });

    for id in [&alice_first, &bob_first] {
        assert_eq!(letters(&repo, id), "E|undefined");
        // Neither name is taken: not the first, as cosign's any-SAN rule would take either.
        for who in [ALICE, BOB] {
            let detail = refused(&env, &repo, id, who, "certificate-identity", "untrusted");
            assert!(
                detail.contains("2 subject alternative names")
                    && detail.contains("Fulcio writes exactly one"),
                "{detail}"
            );
        }
    }
    accepted(&env, &repo, &honest, ALICE);
    let (code, doc) = verify_policy(&env, &repo, &anchor, &format!("{anchor}..{bob_first}"));
    assert_eq!(code, 1, "{doc:#}");
    for id in [&alice_first, &bob_first] {
        let judged = result_for(&doc, id);
        assert_eq!(judged["ok"], false, "{doc:#}");
        assert!(judged["principal"].is_null(), "{doc:#}");
        assert!(
            judged["reasons"][0]
                .as_str()
                .is_some_and(|r| r.contains("2 subject alternative names")),
            "{doc:#}"
        );
    }
    let judged = result_for(&doc, &honest);
    assert_eq!(judged["principal"], "alice", "{doc:#}");
    assert_eq!(judged["ok"], true, "{doc:#}");
}

/// A certificate naming no e-mail or URI identity (a DNS name, or an empty SAN list), or an
/// issuer that is not one word (reports and policies read `<issuer> <identity>`).
#[test]
fn l2_a_certificate_without_a_usable_identity_or_issuer_is_refused() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let cases: [(&str, Vec<San>, String, &str); 4] = [
        (
            "dns",
            vec![San::Dns("example.org".into())],
            ISSUER.into(),
            "its only SAN is DNS name \"example.org\"",
        ),
        (
            "no san",
            Vec::new(),
            ISSUER.into(),
            "0 subject alternative names",
        ),
        (
            "e-mail SAN holding a URI",
            vec![San::Email(format!("{ISSUER}/alice"))],
            ISSUER.into(),
            "is not an e-mail address",
        ),
        (
            "issuer with a space",
            vec![San::Email(ALICE.into())],
            format!("{ISSUER} {ALICE}"),
            "contains spaces or control characters",
        ),
    ];
    for (i, (name, sans, issuer, why)) in cases.into_iter().enumerate() {
        let id = commit(&repo, &[("a.txt", name)], name, |p| {
            stack.sign_naming(p, &sans, &issuer, T + 10 * i as i64)
        });
        assert_eq!(letters(&repo, &id), "E|undefined", "{name}");
        let detail = refused(&env, &repo, &id, ALICE, "certificate-identity", "untrusted");
        assert!(detail.contains(why), "{name}: {detail}");
    }
    let honest = commit(&repo, &[("b.txt", "b\n")], "honest", |p| {
        stack.sign(p, &alice(), T + 100)
    });
    accepted(&env, &repo, &honest, ALICE);
}

/// The honest URI identity (a CI workflow): one URI SAN with a scheme, matched exactly by
/// `verify-commit` and by the policy's `subject_regex`; as an e-mail it matches nothing.
#[test]
fn l2_a_workflow_uri_identity_is_accepted() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let policy = policy();
    let anchor = commit(&repo, &[(".gitseal/policy.toml", &policy)], "policy", |p| {
        stack.sign(p, &alice(), T + 1)
    });
    let release = commit(&repo, &[("a.txt", "a\n")], "release", |p| {
        stack.sign_naming(p, &[San::Uri(WORKFLOW.into())], ISSUER, T + 10)
    });
    assert_eq!(letters(&repo, &release), "G|fully");
    accepted(&env, &repo, &release, WORKFLOW);
    refused(
        &env,
        &repo,
        &release,
        ALICE,
        "identity-mismatch",
        "unknown-signer",
    );
    let (code, doc) = verify_policy(&env, &repo, &anchor, &format!("{anchor}..{release}"));
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result_for(&doc, &release)["principal"],
        "release",
        "{doc:#}"
    );
}

// ---- H2: the checkpoint belongs to the entry's log ----

/// The hex id of log `which`.
fn log_id(stack: &Stack, which: usize) -> String {
    stack
        .log_of(which)
        .id()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A signature of alice logged in log `which`, whose checkpoint is then replaced by one
/// of the same tree signed by log `signer`'s key and naming `origin`.
fn with_checkpoint(
    stack: &mut Stack,
    payload: &[u8],
    at: i64,
    which: usize,
    signer: usize,
    origin: &str,
) -> String {
    let signer = stack.log_of(signer).clone();
    let (key, cert) = stack.credential(&alice(), at);
    stack.sign_using(payload, &key, &cert, at, which, at + 2, |entry| {
        let proof = entry.inclusion_proof.as_mut().expect("an inclusion proof");
        let envelope = signer.checkpoint(origin, proof.tree_size, &proof.root_hash);
        proof.checkpoint = Some(gitseal::sigstore::tlog::Checkpoint { envelope });
    })
}

/// What `sigstore-verify` 0.15.1 says of a signature on its own, with the whole trusted
/// root: the gap gitseal closes (`Ok` for a checkpoint of another log).
fn upstream_alone(stack: &Stack, repo: &Repo<'_>, id: &str) -> Result<(), String> {
    let raw = repo.git_out(&["cat-file", "commit", id]) + "\n";
    let signed =
        gitseal::git::signed::split_commit(raw.as_bytes(), gitseal::git::signed::HashKind::Sha1)
            .expect("one signature")
            .expect("signed");
    let sig = gitseal::sigstore::cms::parse(&signed.signature).expect("CMS");
    let bundle = gitseal::sigstore::verify::bundle(&sig).expect("bundle");
    let root = sigstore_trust_root::TrustedRoot::from_json(&stack.trusted_root()).expect("root");
    sigstore_verify::Verifier::new(&root)
        .expect("verifier")
        .verify(
            sig.signed_attrs.as_slice(),
            &bundle,
            &sigstore_verify::VerificationPolicy::any_identity(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn h2_a_checkpoint_signed_by_another_log_of_the_root_is_refused() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    for i in 0..3 {
        stack.log(&format!("{{\"filler\":{i}}}"), T - 100);
    }
    let honest = commit(&repo, &[("a.txt", "a\n")], "honest", |p| {
        stack.sign(p, &alice(), T + 3)
    });
    // Log A's entry (A's SET, A's tree) with a checkpoint of that very tree signed by log
    // B's key, once naming A's origin and once B's own.
    let a_origin = stack.log_of(LOG_A).origin().to_string();
    let b_origin = stack.log_of(LOG_B).origin().to_string();
    let (a_id, b_id) = (log_id(&stack, LOG_A), log_id(&stack, LOG_B));
    for (i, origin) in [&a_origin, &b_origin].into_iter().enumerate() {
        let forged = commit(&repo, &[("b.txt", origin)], origin, |p| {
            with_checkpoint(&mut stack, p, T + 10 * (i as i64 + 1), LOG_A, LOG_B, origin)
        });
        assert_eq!(
            upstream_alone(&stack, &repo, &forged),
            Ok(()),
            "sigstore-verify on its own accepts a checkpoint of another log; if it no longer \
             does, upstream closed the gap (docs/sigstore.md)"
        );
        assert_eq!(letters(&repo, &forged), "E|undefined", "{origin}");
        let text = repo
            .git(&["verify-commit", &forged])
            .exit(1)
            .stderr_lines()
            .join("\n");
        let why = format!(
            "signed checkpoint does not verify: the checkpoint is signed by log {b_id} (rekor-b.gitseal.test), not by log {a_id} (rekor.gitseal.test) that the entry names"
        );
        assert!(text.contains(&why), "{text}");
        let detail = refused(&env, &repo, &forged, ALICE, "checkpoint", "untrusted");
        assert!(detail.contains(&why), "{detail}");
    }
    assert_eq!(upstream_alone(&stack, &repo, &honest), Ok(()));
    assert_eq!(letters(&repo, &honest), "G|fully");
    let report = accepted(&env, &repo, &honest, ALICE);
    assert_eq!(report["log"]["log_id"], a_id, "{report:#}");
}

#[test]
fn h2_a_checkpoint_naming_another_logs_origin_is_refused() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let b_origin = stack.log_of(LOG_B).origin().to_string();
    let a_id = log_id(&stack, LOG_A);
    // Signed by log A's own key, but naming log B as the tree's origin.
    let forged = commit(&repo, &[("a.txt", "a\n")], "origin b", |p| {
        with_checkpoint(&mut stack, p, T + 3, LOG_A, LOG_A, &b_origin)
    });
    let honest = commit(&repo, &[("b.txt", "b\n")], "honest", |p| {
        stack.sign(p, &alice(), T + 20)
    });
    assert_eq!(upstream_alone(&stack, &repo, &forged), Ok(()));
    assert_eq!(letters(&repo, &forged), "E|undefined");
    let detail = refused(&env, &repo, &forged, ALICE, "checkpoint", "untrusted");
    assert!(
        detail.contains(&format!(
            "the checkpoint signed by log {a_id} names the origin \"rekor-b.gitseal.test - 4343\", not that log's (rekor.gitseal.test"
        )),
        "{detail}"
    );
    assert_eq!(letters(&repo, &honest), "G|fully");
    accepted(&env, &repo, &honest, ALICE);
}

/// The honest flow in a root of two logs: an entry of either log, with its own log's
/// checkpoint, verifies, and reports the log it is in.
#[test]
fn h2_entries_of_either_log_of_a_multi_log_root_are_accepted() {
    let env = TestEnv::new();
    let mut stack = Stack::new();
    let repo = repo(&env, &stack);
    let root: Value = serde_json::from_str(&stack.trusted_root()).expect("root");
    assert_eq!(root["tlogs"].as_array().map(Vec::len), Some(2), "{root:#}");
    for (i, which) in [LOG_A, LOG_B, LOG_A].into_iter().enumerate() {
        let at = T + 20 * i as i64;
        let id = commit(&repo, &[("a.txt", &format!("{i}\n"))], "honest", |p| {
            let (key, cert) = stack.credential(&alice(), at);
            stack.sign_using(p, &key, &cert, at, which, at + 2, |_| {})
        });
        assert_eq!(letters(&repo, &id), "G|fully", "log {which}");
        let report = accepted(&env, &repo, &id, ALICE);
        assert_eq!(report["log"]["log_id"], log_id(&stack, which), "{report:#}");
    }
}
