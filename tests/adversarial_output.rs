//! Issue 12, R1 and R8 and the SSH half of R2: everything gitseal writes, fed text chosen
//! by an attacker. A certificate identity (from the tests' own Sigstore instance, standing
//! for a misissuing CA or a hostile issuer), an OpenPGP user id, SSH principals and key
//! comments, ref names and a policy's own names carry line breaks, fake `ok` and
//! `[GNUPG:]` lines, GitHub `::command::` and `##[command]` lines, ESC and C1 sequences
//! and bidi overrides. Each output must show them escaped (the reason, asserted), keep to
//! its lines, and print the honest text beside them exactly as before.

use crate::openpgp_gnupg::gitseal_verify;
use crate::support::sigstore_stack::{Identity, Stack};
use crate::support::{KeyType, Repo, Run, TestEnv, commit_with_signature, run, run_stdin};
use crate::verify_policy::{
    DEFAULT_RULES, anchored, commit, key, policy_text, short, verify, who, write_policy,
};
use serde_json::Value;

const T: i64 = 1_700_000_000;
const ISSUER: &str = "https://issuer.gitseal.test";

/// An e-mail SAN (IA5: any ASCII) that ends its line and writes the report's next ones.
const HOSTILE_EMAIL: &str = "mallory@example.org\nok   000000000000 alice x509 \
    https://issuer.gitseal.test alice@example.org\n::error title=gitseal::all good \
    ##[notice]fine\x1b[2J\x1b]0;pwned\x07";
/// Since issue 12's L2 such an identity is no identity: the certificate is refused, and
/// its text reaches people only inside the reason, escaped.
const REFUSED: &str = r#"certificate does not name one signer: its e-mail SAN e-mail "mallory@example.org\nok   000000000000 alice x509 https://issuer.gitseal.test alice@example.org\n::error title=gitseal::all good ##\x5bnotice]fine"#;
/// The issuer extension is UTF-8: a bidi override and a C1 CSI as well.
const HOSTILE_ISSUER: &str = "https://issuer.gitseal.test\u{202e}\u{9b}31m\r\n::warning::x";

/// Characters no line gitseal writes may carry raw: C0 (but the line feed), DEL, C1,
/// the bidi controls, the line and paragraph separators.
fn raw_control(c: char) -> bool {
    (c < ' ' && c != '\n')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{2028}'
        || c == '\u{2029}'
}

/// Nothing in `output` drives a terminal or a CI runner, and only the lines `ours` allows
/// start with `::`.
#[track_caller]
fn assert_inert(output: &str, ours: &[&str]) {
    assert!(
        !output.chars().any(raw_control),
        "a raw control character:\n{output:?}"
    );
    assert!(!output.contains("##["), "a runner command:\n{output}");
    for line in output.lines() {
        let start = line.trim_start();
        if start.starts_with("::") {
            assert!(
                ours.iter().any(|prefix| line.starts_with(prefix)),
                "a line that is not gitseal's starts a workflow command: {line}"
            );
        }
    }
}

fn alice() -> Identity {
    Identity {
        email: "alice@example.org".into(),
        issuer: ISSUER.into(),
    }
}

fn mallory() -> Identity {
    Identity {
        email: HOSTILE_EMAIL.into(),
        issuer: HOSTILE_ISSUER.into(),
    }
}

/// A Sigstore history: the anchor (alice's policy), alice's commit, mallory's.
struct Keyless<'e> {
    repo: Repo<'e>,
    anchor: String,
    honest: String,
    hostile: String,
}

fn keyless(env: &TestEnv) -> Keyless<'_> {
    let mut stack = Stack::new();
    let repo = crate::sigstore_stack::repo(env, &stack);
    let policy = format!(
        "version = 1\n\n[principals.alice]\nsigstore = [{{ issuer = \"{ISSUER}\", subject = \"alice@example.org\" }}]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"alice\"]\n\n[policy_changes]\nsigners = [\"alice\"]\n"
    );
    let anchor = signed_commit(&repo, (".gitseal/policy.toml", &policy), "anchor", |p| {
        stack.sign(p, &alice(), T + 1)
    });
    let honest = signed_commit(&repo, ("a.txt", "a\n"), "honest", |p| {
        stack.sign(p, &alice(), T + 3)
    });
    let hostile = signed_commit(&repo, ("b.txt", "b\n"), "hostile", |p| {
        stack.sign(p, &mallory(), T + 5)
    });
    Keyless {
        repo,
        anchor,
        honest,
        hostile,
    }
}

/// Commits `file` with a signature made by `sign` over the commit, moves main to it.
fn signed_commit(
    repo: &Repo<'_>,
    (path, text): (&str, &str),
    message: &str,
    sign: impl FnOnce(&[u8]) -> String,
) -> String {
    let full = repo.dir.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("dir");
    std::fs::write(full, text).expect("write");
    repo.git(&["add", path]).success();
    let tree = repo.git_out(&["write-tree"]);
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
    let head = repo.git(&["rev-parse", "-q", "--verify", "HEAD"]);
    let parent = head.stdout().trim().to_string();
    if head.code == 0 {
        args.extend(["-p", parent.as_str()]);
    }
    let unsigned_id = repo.git_out(&args);
    let unsigned = repo.git_out(&["cat-file", "commit", &unsigned_id]) + "\n";
    let armored = sign(unsigned.as_bytes());
    repo.write_commit(commit_with_signature(&unsigned, &armored).as_bytes())
}

fn gitseal_in(repo: &Repo<'_>, args: &[&str]) -> Run {
    run(repo.env.gitseal().current_dir(&repo.dir).args(args)).no_panic()
}

#[test]
fn text_report_shows_a_certificate_identity_escaped_on_its_own_line() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let range = format!("{}..HEAD", k.anchor);
    let out = verify(
        &k.repo,
        &["--anchor", &k.anchor, "--ref", "refs/heads/main", &range],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let text = out.stdout();
    assert_inert(&text, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "one line per commit, one reason, the summary:\n{text}"
    );
    // The honest line, as before.
    assert_eq!(
        lines[0],
        format!(
            "ok   {} alice x509 {ISSUER} alice@example.org",
            short(&k.honest)
        )
    );
    // The forged `ok` line is inside mallory's reason, escaped.
    assert_eq!(lines[1], format!("FAIL {} - x509 -", short(&k.hostile)));
    assert!(lines[2].starts_with(&format!("     {REFUSED}")), "{text}");
    assert_eq!(lines[3], "2 commits, 1 passed, 1 failed");
    assert_eq!(lines.iter().filter(|l| l.starts_with("ok ")).count(), 1);
}

#[test]
fn json_report_keeps_the_identity_exact_and_its_bytes_inert() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let range = format!("{}..HEAD", k.anchor);
    let out = verify(
        &k.repo,
        &[
            "--anchor",
            &k.anchor,
            "--ref",
            "refs/heads/main",
            "--format",
            "json",
            &range,
        ],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let text = out.stdout();
    assert_inert(&text, &[]);
    let doc: Value = serde_json::from_str(&text).expect("one JSON document");
    let result = |id: &str| {
        doc["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["commit"] == id)
            .cloned()
            .expect("in the report")
    };
    // No identity is taken from the refused certificate; the reason says why.
    assert_eq!(result(&k.hostile)["signature"]["key"], Value::Null);
    let reason = result(&k.hostile)["reasons"][0]
        .as_str()
        .expect("a reason")
        .to_string();
    assert!(
        reason.starts_with("certificate does not name one signer: its e-mail SAN e-mail"),
        "{reason}"
    );
    assert_eq!(
        result(&k.honest)["signature"]["key"],
        format!("{ISSUER} alice@example.org")
    );
    assert_eq!(result(&k.honest)["principal"], "alice");
}

#[test]
fn github_annotations_carry_no_command_of_the_signers() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let range = format!("{}..HEAD", k.anchor);
    let out = verify(
        &k.repo,
        &[
            "--anchor",
            &k.anchor,
            "--ref",
            "refs/heads/main",
            "--format",
            "github",
            &range,
        ],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let text = out.stdout();
    assert_inert(
        &text,
        &["::error title=gitseal::", "::notice title=gitseal::"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("::error title=gitseal::commit {}: ", k.hostile))
            && lines[0].contains(REFUSED),
        "{text}"
    );
    // The honest commit has no annotation; the summary is as before.
    assert!(!text.contains(&k.honest));
    assert_eq!(
        lines[1],
        "::notice title=gitseal::2 commits, 1 passed, 1 failed"
    );
}

/// A principal named in the policy (a quoted TOML key holds anything) with a line break,
/// a fake `ok` line and a workflow command.
const EVE: &str = "eve\nok   000000000000 alice ssh SHA256:x\n::error::forged\x1b]0;t\x07";
const EVE_TOML: &str =
    r"eve\nok   000000000000 alice ssh SHA256:x\n::error::forged\u001b]0;t\u0007";
const EVE_SHOWN: &str = r"eve\nok   000000000000 alice ssh SHA256:x\n::error::forged\x1b]0;t\x07";

/// alice may sign main; eve (a principal with that name) may sign other branches.
fn eve_policy(alice: &crate::support::Key, eve: &crate::support::Key) -> String {
    let base = policy_text("", &[who("alice", alice)], "");
    format!(
        "{base}[principals.\"{EVE_TOML}\"]\nssh = [\"{}\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"*\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n",
        eve.public_line()
    )
}

#[test]
fn text_report_shows_a_policys_principal_name_escaped() {
    let env = TestEnv::new();
    let (alice, eve) = (key(&env, "alice"), key(&env, "eve"));
    let (repo, anchor) = anchored(&env, &alice, &eve_policy(&alice, &eve));
    let by_alice = commit(&repo, Some(&alice), "alice", None);
    let by_eve = commit(&repo, Some(&eve), "eve", None);
    let out = verify(
        &repo,
        &["--anchor", &anchor, "--ref", "refs/heads/main", "HEAD"],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let text = out.stdout();
    assert_inert(&text, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "ok   {} alice ssh {}",
                short(&by_alice),
                alice.fingerprint()
            ),
            format!(
                "FAIL {} {EVE_SHOWN} ssh {}",
                short(&by_eve),
                eve.fingerprint()
            ),
            format!("     signer {EVE_SHOWN} not allowed by rule refs/heads/main"),
            "2 commits, 1 passed, 1 failed".to_string(),
        ]
    );
    // A machine gets the name exactly.
    let (_, doc) = crate::verify_policy::verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(
        crate::verify_policy::result(&doc, &by_eve)["principal"],
        EVE
    );
}

#[test]
fn pre_receive_lines_escape_pushed_ref_names_and_policy_names() {
    let env = TestEnv::new();
    let (alice, eve) = (key(&env, "alice"), key(&env, "eve"));
    let (repo, anchor) = anchored(&env, &alice, &eve_policy(&alice, &eve));
    repo.git(&["config", "gitseal.anchor", &anchor]).success();
    let by_alice = commit(&repo, Some(&alice), "alice", None);
    repo.git(&["checkout", "-q", "--detach", &anchor]).success();
    let by_eve = commit(&repo, Some(&eve), "eve", None);
    repo.git(&["checkout", "-q", "--detach", &anchor]).success();
    let unsigned = commit(&repo, None, "unsigned", None);
    let hook = |lines: &str| {
        run_stdin(
            env.gitseal()
                .current_dir(&repo.dir)
                .args(["verify", "--pre-receive"]),
            lines.as_bytes(),
        )
        .no_panic()
    };

    // The honest push, as before.
    let honest = hook(&format!("{anchor} {by_alice} refs/heads/main\n"));
    assert_eq!(honest.code, 0, "{}", honest.describe());
    assert_eq!(
        honest.stderr,
        "gitseal: refs/heads/main: 1 commit(s) the server held already verified\n"
    );

    // A ref name git accepts (a bidi override, a C1 CSI; an ESC from a hand-written line)
    // and eve's name, in rejection lines.
    let zero = "0".repeat(40);
    let evil_ref = "refs/heads/fix\u{202e}gnp.exe\u{9b}2J\x1b[2J";
    let shown_ref = r"refs/heads/fix\u{202e}gnp.exe\u{009b}2J\x1b[2J";
    let out = hook(&format!(
        "{anchor} {by_eve} refs/heads/main\n{zero} {unsigned} {evil_ref}\n"
    ));
    assert_eq!(out.code, 1, "{}", out.describe());
    assert_inert(&out.stderr, &[]);
    assert!(
        out.stderr.lines().all(|l| l.starts_with("gitseal: ")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "gitseal: refs/heads/main: commit {by_eve} (rule refs/heads/main): signer {EVE_SHOWN} not allowed by rule refs/heads/main\n"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("gitseal: rejected refs/heads/main\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("gitseal: {shown_ref}: commit {unsigned}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("gitseal: rejected {shown_ref}\n")),
        "{}",
        out.stderr
    );
}

#[test]
fn verify_commit_text_shows_the_identity_escaped() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let check = |id: &str, who: &Identity| {
        gitseal_in(
            &k.repo,
            &[
                "verify-commit",
                "--certificate-identity",
                &who.email,
                "--certificate-oidc-issuer",
                &who.issuer,
                id,
            ],
        )
    };
    let honest = check(&k.honest, &alice()).success();
    let lines: Vec<String> = honest.stdout().lines().map(str::to_string).collect();
    assert_eq!(
        lines[..3],
        [
            format!(
                "commit {} ({}): good x509 signature",
                short(&k.honest),
                k.honest
            ),
            "  identity     alice@example.org".to_string(),
            format!("  issuer       {ISSUER}"),
        ]
    );
    let hostile = check(&k.hostile, &mallory());
    let text = hostile.stdout();
    assert_inert(&text, &[]);
    assert!(text.contains(REFUSED), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("ok ")), "{text}");
    // The JSON document holds the exact values.
    let json = gitseal_in(
        &k.repo,
        &[
            "verify-commit",
            "--format",
            "json",
            "--certificate-identity",
            HOSTILE_EMAIL,
            "--certificate-oidc-issuer",
            HOSTILE_ISSUER,
            &k.hostile,
        ],
    );
    assert_inert(&json.stdout(), &[]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(doc["objects"][0]["certificate"], Value::Null, "{doc:#}");
    assert_eq!(
        doc["objects"][0]["failure"]["reason"], "certificate-identity",
        "{doc:#}"
    );
}

#[test]
fn show_prints_the_identity_escaped() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let honest = gitseal_in(&k.repo, &["show", &k.honest]).success().stdout();
    assert!(
        honest.contains("\n  identity     alice@example.org\n")
            && honest.contains(&format!("\n  issuer       {ISSUER}\n")),
        "{honest}"
    );
    let hostile = gitseal_in(&k.repo, &["show", &k.hostile])
        .success()
        .stdout();
    assert_inert(&hostile, &[]);
    assert!(
        hostile.contains(&format!("\n  unreadable   {REFUSED}")),
        "{hostile}"
    );
    let json = gitseal_in(&k.repo, &["show", "--format", "json", &k.hostile]).success();
    assert_inert(&json.stdout(), &[]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(doc["signature"]["identity"], Value::Null, "{doc:#}");
}

#[test]
fn gpg_x509_dialect_text_shows_the_identity_escaped() {
    let env = TestEnv::new();
    let k = keyless(&env);
    let honest = k.repo.git(&["verify-commit", &k.honest]).success();
    assert!(
        honest.stderr.contains(&format!(
            "gitseal: Good signature from [alice@example.org]({ISSUER})\n"
        )),
        "{}",
        honest.stderr
    );
    // git replays gpg.x509.program's stderr as it is: what gitseal wrote.
    let hostile = k.repo.git(&["verify-commit", &k.hostile]);
    assert_inert(&hostile.stderr, &[]);
    assert!(
        hostile
            .stderr
            .contains(&format!("gitseal: Can't check signature: {REFUSED}")),
        "{}",
        hostile.stderr
    );
    // %GS is the status line's field: percent-escaped, one line.
    let signer = k
        .repo
        .git_out(&["log", "--no-walk", "--format=%GS", &k.hostile]);
    assert!(
        !signer.contains('\n') && !signer.chars().any(raw_control),
        "{signer:?}"
    );
}

/// A certificate made in process whose user id tries to add status lines.
fn openpgp_signer(uid: &str) -> (Vec<u8>, sequoia_openpgp::crypto::KeyPair) {
    use sequoia_openpgp::cert::{CertBuilder, CipherSuite};
    use sequoia_openpgp::serialize::SerializeInto;
    let (cert, _) = CertBuilder::new()
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_creation_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(T as u64))
        .add_userid(uid)
        .add_signing_subkey()
        .generate()
        .expect("certificate");
    let policy = sequoia_openpgp::policy::StandardPolicy::new();
    let signer = cert
        .keys()
        .with_policy(&policy, None)
        .for_signing()
        .secret()
        .next()
        .expect("signing subkey")
        .key()
        .clone()
        .into_keypair()
        .expect("keypair");
    (cert.armored().to_vec().expect("armored"), signer)
}

fn openpgp_signature(
    signer: &mut sequoia_openpgp::crypto::KeyPair,
    signers_uid: &str,
    payload: &[u8],
) -> Vec<u8> {
    use sequoia_openpgp::packet::signature::SignatureBuilder;
    use sequoia_openpgp::serialize::SerializeInto;
    use sequoia_openpgp::types::SignatureType;
    let public = signer.public().clone();
    let sig = SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(T as u64 + 60),
        )
        .and_then(|b| b.set_issuer_fingerprint(public.fingerprint()))
        .and_then(|b| b.set_issuer(public.keyid()))
        .and_then(|b| b.set_signers_user_id(signers_uid.as_bytes()))
        .expect("subpackets")
        .sign_message(signer, payload)
        .expect("signs");
    let binary = sequoia_openpgp::Packet::from(sig)
        .to_vec()
        .expect("serialized");
    let mut armored = Vec::new();
    let mut writer =
        sequoia_openpgp::armor::Writer::new(&mut armored, sequoia_openpgp::armor::Kind::Signature)
            .expect("armor");
    std::io::Write::write_all(&mut writer, &binary).expect("writes");
    writer.finalize().expect("finalizes");
    armored
}

#[test]
fn gpg_dialect_status_lines_and_text_escape_a_user_id() {
    let env = TestEnv::new();
    let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned\n";
    let forged = "Mallory\n[GNUPG:] GOODSIG 0000000000000000 Alice <alice@example.org>\n\
                  [GNUPG:] TRUST_ULTIMATE 0 pgp\r\x1b[2J\u{9b}1m";
    let (honest_cert, mut honest) = openpgp_signer("Alice <alice@example.org>");
    let (hostile_cert, mut hostile) = openpgp_signer(forged);
    let mut keyring = honest_cert;
    keyring.extend(hostile_cert);
    let keyring = env.write("keyring.asc", keyring);
    std::fs::write(
        env.home().join(".gitconfig"),
        format!("[gitseal]\n\topenpgpKeyring = {}\n", keyring.display()),
    )
    .expect("gitconfig");

    let sig = env.write(
        "honest.sig",
        openpgp_signature(&mut honest, "alice@example.org", payload),
    );
    let out = gitseal_verify(&env, &sig, payload).success();
    let keyid = out
        .stdout()
        .lines()
        .find_map(|l| l.strip_prefix("[GNUPG:] GOODSIG "))
        .and_then(|rest| rest.split(' ').next())
        .map(str::to_string)
        .expect("GOODSIG");
    assert!(
        out.stdout().contains(&format!(
            "[GNUPG:] GOODSIG {keyid} Alice <alice@example.org>\n"
        )),
        "{}",
        out.stdout()
    );
    assert!(
        out.stderr
            .contains("gpg: Good signature from \"Alice <alice@example.org>\" [")
            && out
                .stderr
                .contains("gpg:                issuer \"alice@example.org\"\n"),
        "{}",
        out.stderr
    );

    let sig = env.write(
        "hostile.sig",
        openpgp_signature(&mut hostile, forged, payload),
    );
    let out = gitseal_verify(&env, &sig, payload).success();
    let status = out.stdout();
    assert_inert(&status, &[]);
    // One GOODSIG, one TRUST line: the ones gitseal wrote.
    let goodsig: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("[GNUPG:] GOODSIG "))
        .collect();
    assert_eq!(goodsig.len(), 1, "{status}");
    assert!(
        goodsig[0].ends_with(
            " Mallory%0A[GNUPG:] GOODSIG 0000000000000000 Alice <alice@example.org>%0A\
             [GNUPG:] TRUST_ULTIMATE 0 pgp%0D%1B[2J%C2%9B1m"
        ),
        "{status}"
    );
    assert!(!status.contains("TRUST_ULTIMATE 0 pgp\n"), "{status}");
    assert!(
        !status
            .lines()
            .any(|l| l.starts_with("[GNUPG:] TRUST_ULTIMATE"))
    );
    // The text, as gpg escapes user ids.
    assert_inert(&out.stderr, &[]);
    let shown = r"Mallory\n[GNUPG:] GOODSIG 0000000000000000 Alice <alice@example.org>\n[GNUPG:] TRUST_ULTIMATE 0 pgp\r\x1b[2J\u{009b}1m";
    assert!(
        out.stderr
            .contains(&format!("gpg: Good signature from \"{shown}\" ["))
            && out
                .stderr
                .contains(&format!("gpg:                issuer \"{shown}\"\n")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.lines().any(|l| l.starts_with("[GNUPG:]")));
}

#[test]
fn ssh_keygen_dialect_escapes_principals_and_comments() {
    let env = TestEnv::new();
    let signer = env.key(KeyType::Ed25519, "signer");
    let honest = "alice@example.org";
    let hostile = "mallory\x1b]0;pwned\x07\u{202e}##[error]x";
    let shown = r"mallory\x1b]0;pwned\x07\u{202e}##\x5berror]x";
    let message = b"payload\n";
    let sig_text = run_stdin(
        env.gitseal()
            .args(["-Y", "sign", "-n", "git", "-f"])
            .arg(&signer.private),
        message,
    )
    .success()
    .stdout();
    let sig = env.write("msg.sig", sig_text);
    for (principal, expected) in [(honest, honest), (hostile, shown)] {
        env.allowed_signers("allowed", &[signer.allowed(principal, "")]);
        let args = [
            "-Y",
            "find-principals",
            "-f",
            "allowed",
            "-s",
            sig.to_str().unwrap(),
        ];
        let found = run(env.gitseal().args(args)).success();
        assert_eq!(found.stdout(), format!("{expected}\n"));
        let verified = run_stdin(
            env.gitseal().args([
                "-Y",
                "verify",
                "-n",
                "git",
                "-f",
                "allowed",
                "-I",
                principal,
                "-s",
                sig.to_str().unwrap(),
            ]),
            message,
        )
        .success();
        assert_eq!(
            verified.stdout(),
            format!(
                "Good \"git\" signature for {expected} with ED25519 key {}\n",
                signer.fingerprint()
            )
        );
        if principal == honest {
            // Exactly what ssh-keygen says.
            assert_eq!(
                found.stdout(),
                run(env.ssh_keygen().args(args)).success().stdout()
            );
        } else {
            assert_inert(&found.stdout(), &[]);
            assert_inert(&verified.stdout(), &[]);
        }
    }
    // A key comment in `-l`.
    let line = signer.public_line();
    for (comment, expected) in [
        ("signer@test", "signer@test"),
        ("x\x1b[2J\x1b]0;t\x07", r"x\x1b[2J\x1b]0;t\x07"),
    ] {
        let public = env.write("comment.pub", format!("{line} {comment}\n"));
        let ours = run(env.gitseal().args(["-l", "-f"]).arg(&public)).success();
        assert_eq!(
            ours.stdout(),
            format!("256 {} {expected} (ED25519)\n", signer.fingerprint())
        );
        if comment == "signer@test" {
            let theirs = run(env.ssh_keygen().args(["-l", "-f"]).arg(&public)).success();
            assert_eq!(ours.stdout(), theirs.stdout());
        }
    }
}

#[test]
fn policy_describe_shows_the_policys_text_escaped() {
    let env = TestEnv::new();
    let (alice, eve) = (key(&env, "alice"), key(&env, "eve"));
    let file = env.write("policy.toml", eve_policy(&alice, &eve));
    let out = run(env
        .gitseal()
        .args(["policy", "describe", "--file"])
        .arg(&file))
    .success();
    let text = out.stdout();
    assert_inert(&text, &[]);
    assert!(text.contains("principals:\n  alice\n"), "{text}");
    assert!(
        text.contains(&format!("\n  {EVE_SHOWN}\n    ssh {}\n", eve.fingerprint())),
        "{text}"
    );
    assert!(
        text.contains("  refs/heads/main\n    commits: alice\n"),
        "{text}"
    );
}

#[test]
fn an_error_quoting_outside_text_stays_one_line() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let (repo, anchor) = anchored(&env, &alice, &policy_text("", &people, DEFAULT_RULES));
    let out = verify(
        &repo,
        &["--anchor", &anchor, "main..nope\nok   all good\x1b[2J"],
    );
    assert_eq!(out.code, 2, "{}", out.describe());
    assert_inert(&out.stderr, &[]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: range `main..nope\\nok   all good\\x1b[2J`"),
        "{}",
        out.stderr
    );
    assert!(
        lines.iter().skip(1).all(|l| l.starts_with("hint: ")),
        "{}",
        out.stderr
    );
}

/// Issue 12, R8: the gittuf class. A broad rule before a stricter one: the stricter never
/// applies, and gitseal says so (naming both) without failing anything.
#[test]
fn shadowed_rules_are_warnings_in_check_describe_and_verify() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let shadowed = "\n[[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"*\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n";
    let warning = "rules[1] (refs/heads/main) never applies: every ref it matches is matched first by rules[0] (refs/heads/*)";
    let (repo, anchor) = anchored(&env, &alice, &policy_text("", &people, shadowed));
    for i in 0..3 {
        commit(&repo, Some(&bob), &format!("bob {i}"), None);
    }
    let check = gitseal_in(&repo, &["policy", "check"]).success();
    assert_eq!(
        check.stdout(),
        "HEAD:.gitseal/policy.toml: ok (2 principals, 2 rules)\n"
    );
    assert_eq!(
        check.stderr,
        format!("warning: {warning} (rules are tried in order; the first match wins)\n")
    );
    let describe = gitseal_in(&repo, &["policy", "describe"]).success();
    assert!(
        describe.stdout().contains(&format!("  warning: {warning}")),
        "{}",
        describe.stdout()
    );

    // bob signs main under the broad rule: the run passes and warns once, not per commit.
    let out = verify(
        &repo,
        &["--anchor", &anchor, "--ref", "refs/heads/main", "HEAD"],
    )
    .success();
    assert_eq!(out.stderr.matches(warning).count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "warning: .gitseal/policy.toml at {}: {warning}",
            short(&repo.git_out(&["rev-parse", "HEAD"]))
        )),
        "{}",
        out.stderr
    );

    // Ordered narrow first (main is the exception to every other branch), nothing is said.
    let ordered = "\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"alice\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/*\"]\ncommits = [\"*\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n";
    write_policy(&repo, &policy_text("", &people, ordered));
    commit(&repo, Some(&alice), "reorder", None);
    let check = gitseal_in(&repo, &["policy", "check"]).success();
    assert_eq!(check.stderr, "");
}

/// Issue 12, R2 (SSH): a revoked SSH public key is revoked as its fingerprint (and
/// `policy check` says so); a revoked key in no form that can match is refused.
#[test]
fn revoked_ssh_public_keys_are_mapped_and_unmatchable_keys_refused() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let people = [who("alice", &alice), who("bob", &bob)];
    let revoked = format!(
        "{DEFAULT_RULES}\n[[revoked]]\nkey = \"{} bob@laptop\"\nreason = \"laptop stolen\"\n",
        bob.public_line()
    );
    let (repo, anchor) = anchored(&env, &alice, &policy_text("", &people, &revoked));
    let by_alice = commit(&repo, Some(&alice), "alice", None);
    let by_bob = commit(&repo, Some(&bob), "bob", None);
    let check = gitseal_in(&repo, &["policy", "check"]).success();
    assert_eq!(
        check.stdout(),
        format!(
            "HEAD:.gitseal/policy.toml: ok (2 principals, 1 rules)\n\
             note: revoked[0] is an SSH public key: revoked as its fingerprint {}\n",
            bob.fingerprint()
        )
    );
    let (code, doc) = crate::verify_policy::verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        crate::verify_policy::reasons(&doc, &by_alice),
        Vec::<String>::new()
    );
    assert_eq!(
        crate::verify_policy::reasons(&doc, &by_bob),
        [format!(
            "key {} is revoked (laptop stolen)",
            bob.fingerprint()
        )]
    );

    // An OpenPGP key id and a truncated fingerprint could never match: refused, saying why.
    for (key, why) in [
        ("B62DFB8CEF57DB05", "is an OpenPGP key id"),
        (&bob.fingerprint()[..20], "is not an SSH fingerprint"),
    ] {
        let text = policy_text(
            "",
            &people,
            &format!("{DEFAULT_RULES}\n[[revoked]]\nkey = \"{key}\"\n"),
        );
        let file = env.write("bad.toml", text);
        let out = run(env.gitseal().args(["policy", "check", "--file"]).arg(&file)).exit(2);
        assert!(
            out.stderr.starts_with("error: ")
                && out.stderr.contains(&format!("revoked.key `{key}` {why}")),
            "{}",
            out.stderr
        );
    }
}
