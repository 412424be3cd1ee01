//! `gitseal policy init | add-principal | add-rule | diff` on real repositories: the
//! files they write are accepted by `gitseal policy check` and by `gitseal verify` (a
//! commit signed by the principal they add passes), an existing file keeps its comments
//! and order, hostile input is refused with its reason in one line and a hint, leaving
//! the file as it was, and a diff says exactly who gains or loses what.

use crate::openpgp_gnupg::{GnuPg, openpgp_repo};
use crate::support::sigstore_world::{self, World};
use crate::support::{PRINCIPAL, Repo, Run, TestEnv, require, run};
use crate::verify_policy::{
    MAIN, anchored, commit, key, new_repo, policy_text, result, verify, verify_json, who,
};
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openpgp");
/// GitHub's current web-flow key (tests/fixtures/openpgp/README.md).
const WEB_FLOW: &str = "968479A1AFF927E37D1A566BB5690EEEBB952194";
/// Its predecessor, in the same file.
const WEB_FLOW_OLD: &str = "5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23";

/// `gitseal ARGS` run in the repository.
fn gitseal(repo: &Repo<'_>, args: &[&str]) -> Run {
    run(repo.env.gitseal().current_dir(&repo.dir).args(args)).no_panic()
}

fn policy_path(repo: &Repo<'_>) -> PathBuf {
    repo.dir.join(".gitseal/policy.toml")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `gitseal policy check` of the work tree's file must accept it.
#[track_caller]
fn check_accepts(repo: &Repo<'_>) -> String {
    let checked = gitseal(repo, &["policy", "check", "--file", ".gitseal/policy.toml"]).success();
    assert!(
        checked.stdout().contains(": ok ("),
        "{}",
        checked.describe()
    );
    checked.stdout()
}

/// A refusal: exit 2, one `error:` line saying `says`, one `hint:` line, and the files
/// of `.gitseal` as they were (no temporary file left either).
#[track_caller]
fn refused(repo: &Repo<'_>, args: &[&str], says: &str) -> Run {
    let before = snapshot(&repo.dir.join(".gitseal"));
    let out = gitseal(repo, args).exit(2);
    let lines = out.stderr_lines();
    assert_eq!(
        lines.len(),
        2,
        "one error and one hint:\n{}",
        out.describe()
    );
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(says),
        "expected `{says}`:\n{}",
        out.describe()
    );
    assert!(lines[1].starts_with("hint: "), "{}", out.describe());
    assert_eq!(
        snapshot(&repo.dir.join(".gitseal")),
        before,
        "a refused command changed .gitseal"
    );
    out
}

/// Every file under `dir` with its contents, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((
                    path.display().to_string(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn init_names_your_ssh_key_and_verify_accepts_your_commits() {
    let env = TestEnv::new();
    let (alice, mallory) = (key(&env, "alice"), key(&env, "mallory"));
    let repo = new_repo(&env, "work", &alice);
    let init = gitseal(&repo, &["policy", "init"]).success();
    let said = init.stdout();
    assert!(
        said.contains(&format!(
            "principal {PRINCIPAL} (ssh {})",
            alice.fingerprint()
        )),
        "{said}"
    );
    assert!(said.contains("ok (1 principals, 2 rules)"), "{said}");
    assert!(
        said.contains("git config gitseal.anchor"),
        "the next step: {said}"
    );
    let text = read(&policy_path(&repo));
    assert!(text.contains(&alice.public_line()), "{text}");
    check_accepts(&repo);
    let described = gitseal(
        &repo,
        &["policy", "describe", "--file", ".gitseal/policy.toml"],
    )
    .success()
    .stdout();
    assert!(
        described.contains("  refs/heads/main\n    commits: @maintainers (signer@example.com)")
            && described.contains("force push: refused, delete: refused")
            && described.contains("policy changes: signer@example.com"),
        "{described}"
    );

    let anchor = commit(&repo, Some(&alice), "the policy", None);
    let mine = commit(&repo, Some(&alice), "mine", None);
    let theirs = commit(&repo, Some(&mallory), "theirs", None);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(result(&doc, &mine)["ok"], true, "{doc:#}");
    assert_eq!(result(&doc, &mine)["principal"], PRINCIPAL);
    assert_eq!(result(&doc, &theirs)["ok"], false);
    assert!(
        result(&doc, &theirs)["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .starts_with("unknown signer"),
        "{doc:#}"
    );

    // A policy is there now: init refuses to replace it, unless told to.
    let before = read(&policy_path(&repo));
    refused(&repo, &["policy", "init"], "exists already");
    gitseal(&repo, &["policy", "init", "--force", "--name", "alice"]).success();
    assert_ne!(read(&policy_path(&repo)), before);
    check_accepts(&repo);
}

#[test]
fn init_reads_user_signing_key_as_git_does() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let repo = new_repo(&env, "work", &alice);
    // `key::` and the key itself, as git accepts it.
    let literal = format!("key::{} alice@laptop", alice.public_line());
    repo.git(&["config", "user.signingKey", &literal]).success();
    gitseal(&repo, &["policy", "init", "--name", "alice"]).success();
    assert!(read(&policy_path(&repo)).contains(&format!("{} alice@laptop", alice.public_line())));
    check_accepts(&repo);

    // A key that does not parse, a name allowed_signers would misread, no key at all.
    let other = new_repo(&env, "other", &alice);
    other
        .git(&["config", "user.signingKey", "key::ssh-ed25519 AAAAnotakey"])
        .success();
    refused(
        &other,
        &["policy", "init", "--name", "alice"],
        "user.signingKey: not an OpenSSH public key",
    );
    refused(
        &other,
        &["policy", "init", "--name", "alice smith"],
        "has a blank",
    );
    other
        .git(&["config", "--unset", "user.signingKey"])
        .success();
    refused(
        &other,
        &["policy", "init", "--name", "alice"],
        "user.signingKey is not set",
    );
    other.git(&["config", "--unset", "gpg.format"]).success();
    refused(
        &other,
        &["policy", "init", "--name", "alice"],
        "git is not set up to sign",
    );
    assert!(!policy_path(&other).exists());
}

#[test]
fn init_takes_the_openpgp_key_gpg_would_use_and_writes_its_certificate() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let gnupg = GnuPg::main(&env);
    // A certificate with your user id whose secret gpg does not hold is not yours, though
    // it comes first in the keyring.
    let stranger = GnuPg::other(&env, "stranger");
    let theirs = stranger.gen_key(
        &format!("C O Mitter <{PRINCIPAL}> (old laptop)"),
        "ed25519",
        "sign",
        "never",
    );
    gnupg.import(&stranger.export(&theirs));
    // No user.signingKey: git hands gpg the committer's `Name <email>`.
    let uid = format!("C O Mitter <{PRINCIPAL}>");
    gnupg.gen_key(&uid, "ed25519", "sign", "never");
    // (gpg lists both certificates for that user id; the new one is alice's.)
    let alice = gnupg
        .fingerprints(&uid)
        .into_iter()
        .find(|f| *f != theirs)
        .expect("alice's certificate");
    let repo = openpgp_repo(&env, "work", Path::new("gpg"), &alice);
    repo.git(&["config", "--unset", "user.signingKey"])
        .success();
    let said = gitseal(&repo, &["policy", "init", "--name", "alice"])
        .success()
        .stdout();
    assert!(said.contains(&format!("openpgp {alice}")), "{said}");
    assert!(
        !repo
            .dir
            .join(format!(".gitseal/keys/{theirs}.asc"))
            .exists()
    );
    let cert = repo.dir.join(format!(".gitseal/keys/{alice}.asc"));
    let armored = read(&cert);
    assert!(
        armored.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{armored}"
    );
    assert!(
        !armored.contains("PRIVATE"),
        "only the public certificate is published"
    );
    check_accepts(&repo);

    // gpg signs; verify judges by the certificate init wrote.
    repo.git(&["add", "."]).success();
    repo.git(&["commit", "-q", "-S", "-m", "the policy"])
        .success();
    let anchor = repo.git_out(&["rev-parse", "HEAD"]);
    repo.git(&["commit", "-q", "-S", "--allow-empty", "-m", "mine"])
        .success();
    let mine = repo.git_out(&["rev-parse", "HEAD"]);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &mine)["principal"], "alice");
    assert_eq!(result(&doc, &mine)["signature"]["key"], alice.as_str());
}

#[test]
fn init_takes_a_sigstore_identity_given_or_cached_by_login() {
    // Given: nothing is looked up.
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let repo = new_repo(&env, "work", &alice);
    gitseal(
        &repo,
        &[
            "policy",
            "init",
            "--name",
            "alice",
            "--identity",
            "alice@example.org",
            "--issuer",
            "https://github.com/login/oauth",
        ],
    )
    .success();
    assert!(read(&policy_path(&repo)).contains(
        "sigstore = [{ issuer = \"https://github.com/login/oauth\", subject = \"alice@example.org\" }]"
    ));
    check_accepts(&repo);
    let other = new_repo(&env, "other", &alice);
    refused(
        &other,
        &[
            "policy",
            "init",
            "--name",
            "a",
            "--identity",
            "a b",
            "--issuer",
            "https://i",
        ],
        "is not an e-mail address or URI",
    );
    refused(
        &other,
        &["policy", "init", "--format", "x509", "--name", "alice"],
        "no cached Sigstore certificate",
    );

    // Cached: the certificate `gitseal login` got from the hermetic Fulcio says who you are,
    // and the keyless commits that follow pass verify under the policy written.
    let w = World::new(|_| Vec::new());
    let token = w.token();
    run(w
        .env
        .gitseal()
        .current_dir(&w.dir)
        .env("SIGSTORE_ID_TOKEN", &token)
        .arg("login"))
    .success();
    let repo = w.repo();
    let said = gitseal(&repo, &["policy", "init", "--name", "alice"])
        .success()
        .stdout();
    assert!(
        said.contains(&format!(
            "sigstore alice@example.org from {}",
            sigstore_world::ISSUER
        )),
        "{said}"
    );
    w.git(&["add", ".gitseal"]);
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "the policy")
        .success();
    let anchor = w.head().expect("anchor");
    w.commit(&[("SIGSTORE_ID_TOKEN", &token)], "mine").success();
    let mine = w.head().expect("commit");
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &mine)["principal"], "alice", "{doc:#}");
}

/// A hand-written policy with comments, signed in by alice (the anchor).
fn commented(alice: &crate::support::Key) -> String {
    format!(
        "# Reviewed by the security team: keep this comment.\nversion = 1\n\n\
         [principals.alice]   # the lead\nssh = [\n  \"{}\",\n]\n\n\
         [groups]\nmaintainers = [\"alice\"]   # who may merge\n\n\
         # main is protected\n[[rules]]\nrefs = [\"{MAIN}\"]\ncommits = [\"@maintainers\"]\n\n\
         [policy_changes]\nsigners = [\"alice\"]\n",
        alice.public_line()
    )
}

#[test]
fn add_principal_keeps_the_file_and_the_new_principal_signs_on_main() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let original = commented(&alice);
    let (repo, anchor) = anchored(&env, &alice, &original);
    // Before he is added, bob's commit on main fails (and is dropped again).
    let before = commit(&repo, Some(&bob), "bob before", None);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(
        (code, &result(&doc, &before)["ok"]),
        (1, &serde_json::json!(false))
    );
    repo.git(&["reset", "-q", "--hard", &anchor]).success();

    let bob_pub = bob.public.display().to_string();
    let said = gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "bob",
            "--ssh",
            &bob_pub,
            "--group",
            "maintainers",
        ],
    )
    .success()
    .stdout();
    assert!(
        said.contains(&format!("added principal bob (ssh {})", bob.fingerprint())),
        "{said}"
    );
    let text = read(&policy_path(&repo));
    // Nothing that was there is lost or moved: each line of the original, in order (the
    // group's list aside, which gained bob).
    let mut at = 0;
    for line in original
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("maintainers"))
    {
        let found = text[at..]
            .find(line)
            .unwrap_or_else(|| panic!("lost or moved {line:?}:\n{text}"));
        at += found + line.len();
    }
    assert!(
        text.find("[principals.bob]") < text.find("[groups]"),
        "bob goes with the principals:\n{text}"
    );
    assert!(
        text.contains("maintainers = [\"alice\", \"bob\"]   # who may merge"),
        "{text}"
    );
    check_accepts(&repo);

    commit(&repo, Some(&alice), "add bob", None);
    let after = commit(&repo, Some(&bob), "bob after", None);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &after)["ok"], true, "{doc:#}");
    assert_eq!(result(&doc, &after)["principal"], "bob");

    // A second key for bob joins his list.
    let laptop = key(&env, "bob-laptop");
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "bob",
            "--ssh",
            &laptop.public_line(),
        ],
    )
    .success();
    assert!(read(&policy_path(&repo)).contains(&laptop.public_line()));
    check_accepts(&repo);
}

#[test]
fn add_principal_refuses_what_would_not_work_and_says_why() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let (repo, _) = anchored(&env, &alice, &commented(&alice));
    let bob = key(&env, "bob").public_line();
    let add = |name: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["policy".to_string(), "add-principal".into(), name.into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let no_cert = format!("no certificate {WEB_FLOW}");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            add("bob", &["--ssh", "ssh-ed25519 AAAAnotakey bob"]),
            "--ssh: not an OpenSSH public key",
        ),
        (
            add("bob", &["--ssh", "no-such-file.pub"]),
            "--ssh: cannot read no-such-file.pub",
        ),
        (
            add("bob smith", &["--ssh", &bob]),
            "principal name `bob smith` has a blank",
        ),
        (add("alice,bob", &["--ssh", &bob]), "has `,`"),
        (add("*", &["--ssh", &bob]), "has `*`"),
        (
            add("@admins", &["--ssh", &bob]),
            "must start with a letter or a digit",
        ),
        (
            add("bob", &["--ssh", &bob, "--group", "all staff"]),
            "group name `all staff` has a blank",
        ),
        (
            add("mallory", &["--ssh", &alice.public_line()]),
            "is principal `alice`'s",
        ),
        (
            add("dave", &["--openpgp", "74E445BA0E15C957"]),
            "is not a fingerprint",
        ),
        (add("github", &["--openpgp", WEB_FLOW]), &no_cert),
        (
            add(
                "ci",
                &[
                    "--sigstore-regex",
                    "https://token.actions.githubusercontent.com",
                    "https://github\\.com/acme/.*",
                ],
            ),
            "must be anchored with ^ and $",
        ),
        (
            add("ci", &["--sigstore", "github", "alice@example.org"]),
            "is not a URL",
        ),
    ];
    for (args, says) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&repo, &args, says);
    }
    // Without a policy there is nothing to add to.
    let bare = new_repo(&env, "bare", &alice);
    let none = gitseal(&bare, &["policy", "add-principal", "bob", "--ssh", &bob]).exit(2);
    assert!(
        none.stderr.contains("there is no policy at"),
        "{}",
        none.describe()
    );
    assert!(
        none.stderr
            .contains("hint: start one with: gitseal policy init")
    );
}

#[test]
fn add_principal_publishes_an_openpgp_certificate_and_verify_uses_it() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let gnupg = GnuPg::main(&env);
    let dave = gnupg.gen_key("Dave <dave@example.org>", "ed25519", "sign", "never");
    let dave_sub = gnupg.add_key(&dave, "ed25519", "sign", "never");
    let (repo, anchor) = anchored(&env, &alice, &commented(&alice));

    // A secret key export is given by mistake: only the public certificate is written.
    let secret = env.write("dave-secret.asc", gnupg.export_secret(&dave));
    let secret = secret.display().to_string();
    refused(
        &repo,
        &[
            "policy",
            "add-principal",
            "dave",
            "--openpgp",
            &dave_sub,
            "--cert",
            &secret,
        ],
        &format!("{dave_sub} is a subkey of certificate {dave}"),
    );
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "dave",
            "--openpgp",
            &dave,
            "--cert",
            &secret,
            "--group",
            "maintainers",
        ],
    )
    .success();
    let written = read(&repo.dir.join(format!(".gitseal/keys/{dave}.asc")));
    assert!(written.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    assert!(!written.contains("PRIVATE"), "{written}");
    check_accepts(&repo);
    // The same fingerprint again, now that the certificate is there, is a duplicate.
    refused(
        &repo,
        &["policy", "add-principal", "eve", "--openpgp", &dave],
        "is principal `dave`'s",
    );

    commit(&repo, Some(&alice), "add dave", None);
    repo.git(&["config", "gpg.format", "openpgp"]).success();
    repo.git(&["config", "gpg.program", "gpg"]).success();
    repo.git(&[
        "-c",
        &format!("user.signingKey={dave}"),
        "commit",
        "-q",
        "-S",
        "--allow-empty",
        "-m",
        "by dave",
    ])
    .success();
    let by_dave = repo.git_out(&["rev-parse", "HEAD"]);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(result(&doc, &by_dave)["principal"], "dave");
}

#[test]
fn github_web_flow_is_added_from_its_published_key() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let (repo, _) = anchored(&env, &alice, &commented(&alice));
    let cert = format!("{FIXTURES}/github-web-flow.asc");
    // The file holds two certificates; one that names neither is refused, listing both.
    refused(
        &repo,
        &[
            "policy",
            "add-principal",
            "github",
            "--openpgp",
            &"AB".repeat(20),
            "--cert",
            &cert,
        ],
        &format!("holds no certificate {} (it holds", "AB".repeat(20)),
    );
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "github",
            "--openpgp",
            WEB_FLOW,
            "--cert",
            &cert,
        ],
    )
    .success();
    assert!(
        repo.dir
            .join(format!(".gitseal/keys/{WEB_FLOW}.asc"))
            .is_file()
    );
    let text = read(&policy_path(&repo));
    assert!(
        text.contains(&format!("[principals.github]\nopenpgp = [\"{WEB_FLOW}\"]")),
        "{text}"
    );
    check_accepts(&repo);
    // The key's predecessor is a credential of the same principal.
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "github",
            "--openpgp",
            WEB_FLOW_OLD,
            "--cert",
            &cert,
        ],
    )
    .success();
    assert!(
        repo.dir
            .join(format!(".gitseal/keys/{WEB_FLOW_OLD}.asc"))
            .is_file()
    );
    // Each file holds only its own certificate.
    let diff = gitseal(&repo, &["policy", "diff", "HEAD", ".gitseal/policy.toml"])
        .success()
        .stdout();
    assert!(
        diff.contains(&format!("+ certificate {WEB_FLOW} in {WEB_FLOW}.asc")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!(
            "+ certificate {WEB_FLOW_OLD} in {WEB_FLOW_OLD}.asc"
        )),
        "{diff}"
    );
}

#[test]
fn a_certificate_file_holding_something_else_is_replaced_only_with_force() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let (repo, _) = anchored(&env, &alice, &commented(&alice));
    let cert = format!("{FIXTURES}/github-web-flow.asc");
    let path = repo.dir.join(format!(".gitseal/keys/{WEB_FLOW}.asc"));
    std::fs::create_dir_all(path.parent().expect("keys")).expect("keys dir");
    std::fs::write(&path, "someone else's certificate").expect("write");
    let args = [
        "policy",
        "add-principal",
        "github",
        "--openpgp",
        WEB_FLOW,
        "--cert",
        &cert,
    ];
    refused(&repo, &args, "holds another certificate text");
    let mut forced = args.to_vec();
    forced.push("--force");
    gitseal(&repo, &forced).success();
    assert!(read(&path).starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    check_accepts(&repo);
}

#[test]
fn add_rule_protects_refs_and_verify_honours_it() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, anchor) = anchored(&env, &alice, &commented(&alice));
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "bob",
            "--ssh",
            &bob.public_line(),
        ],
    )
    .success();
    let said = gitseal(
        &repo,
        &[
            "policy",
            "add-rule",
            "--refs",
            "refs/heads/release/*",
            "--commits",
            "bob",
            "--allow-delete",
        ],
    )
    .success()
    .stdout();
    assert!(
        said.contains("added rule rules[1] (refs/heads/release/*)"),
        "{said}"
    );
    let text = read(&policy_path(&repo));
    assert!(
        text.contains("# main is protected\n[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"@maintainers\"]\n\n[[rules]]\nrefs = [\"refs/heads/release/*\"]\ncommits = [\"bob\"]\nallow_delete = true\n"),
        "the new rule comes after the last one:\n{text}"
    );
    check_accepts(&repo);

    commit(&repo, Some(&alice), "release rule", None);
    let by_bob = commit(&repo, Some(&bob), "by bob", None);
    let by_alice = commit(&repo, Some(&alice), "by alice", None);
    let release = "refs/heads/release/1.0";
    let out = verify(
        &repo,
        &[
            "--anchor", &anchor, "--ref", release, "--format", "json", "HEAD",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(result(&doc, &by_bob)["ok"], true, "{doc:#}");
    assert_eq!(result(&doc, &by_alice)["ok"], false);
    assert!(
        result(&doc, &by_alice)["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .contains("signer alice not allowed by rule refs/heads/release/*"),
        "{doc:#}"
    );

    // Refused: a rule the first match would hide, a signer the policy does not know, a ref
    // that is not a ref.
    let out = refused(
        &repo,
        &[
            "policy",
            "add-rule",
            "--refs",
            "refs/heads/release/1.0",
            "--commits",
            "*",
        ],
        "the new rule would never apply: rules[2] (refs/heads/release/1.0) never applies",
    );
    assert!(
        out.stderr.contains("hint: pass --first"),
        "{}",
        out.describe()
    );
    refused(
        &repo,
        &["policy", "add-rule", "--refs", MAIN, "--commits", "carol"],
        "--commits: no principal named `carol`",
    );
    refused(
        &repo,
        &["policy", "add-rule", "--refs", "main", "--commits", "bob"],
        "is not a full ref name",
    );
    // --first puts it before the others: then it decides.
    gitseal(
        &repo,
        &[
            "policy",
            "add-rule",
            "--refs",
            "refs/heads/release/1.0",
            "--commits",
            "*",
            "--first",
        ],
    )
    .success();
    let policy = read(&policy_path(&repo));
    assert!(
        policy.find("refs/heads/release/1.0") < policy.find(MAIN),
        "{policy}"
    );
    check_accepts(&repo);
}

#[test]
fn diff_says_who_gains_or_loses_what() {
    let env = TestEnv::new();
    let (alice, bob) = (key(&env, "alice"), key(&env, "bob"));
    let (repo, _) = anchored(&env, &alice, &commented(&alice));
    let same = gitseal(&repo, &["policy", "diff", "HEAD", ".gitseal/policy.toml"]).success();
    assert_eq!(
        same.stdout(),
        "policy diff HEAD -> .gitseal/policy.toml: no differences\n"
    );
    gitseal(&repo, &["policy", "diff", "--exit-code", "HEAD", "HEAD"]).success();

    // bob joins the maintainers: no rule changes, yet he gains main.
    gitseal(
        &repo,
        &[
            "policy",
            "add-principal",
            "bob",
            "--ssh",
            &bob.public_line(),
            "--group",
            "maintainers",
        ],
    )
    .success();
    commit(&repo, Some(&alice), "bob joins", None);
    let out = gitseal(&repo, &["policy", "diff", "--exit-code", "HEAD~1", "HEAD"]).exit(1);
    assert_eq!(
        out.stdout(),
        format!(
            "policy diff HEAD~1 -> HEAD: 4 differences\n\
             + principal bob (ssh {}): may sign wherever any principal may\n\
             + member bob of @maintainers\n\
             + bob may sign commits on {MAIN} (through @maintainers)\n\
             + bob may sign merges on {MAIN} (through @maintainers)\n",
            bob.fingerprint()
        )
    );
    // The other way round, he loses them.
    let back = gitseal(&repo, &["policy", "diff", "HEAD", "HEAD~1"])
        .success()
        .stdout();
    assert!(
        back.contains(
            "- bob may no longer sign commits on refs/heads/main (was through @maintainers)"
        ),
        "{back}"
    );
    assert!(
        back.contains(&format!("- principal bob (ssh {})", bob.fingerprint())),
        "{back}"
    );

    // A revision before any policy is an empty policy.
    let first = new_repo(&env, "fresh", &alice);
    commit(&first, Some(&alice), "no policy yet", None);
    gitseal(&first, &["policy", "init", "--name", "alice"]).success();
    let from_nothing = gitseal(&first, &["policy", "diff", "HEAD", ".gitseal/policy.toml"])
        .success()
        .stdout();
    assert!(
        from_nothing.contains("+ alice may change .gitseal/ (policy_changes) (by name)"),
        "{from_nothing}"
    );
    assert!(
        from_nothing.contains("+ rule rules[0] refs/heads/main: commits @maintainers"),
        "{from_nothing}"
    );

    // A name that is both a file and a revision is refused; so is one that is neither.
    std::fs::write(repo.dir.join("HEAD"), read(&policy_path(&repo))).expect("write");
    refused(
        &repo,
        &["policy", "diff", "HEAD", "HEAD~1"],
        "`HEAD` is both a file and a revision",
    );
    refused(
        &repo,
        &["policy", "diff", "nothing-here", "HEAD~1"],
        "is neither a policy file nor a revision",
    );
}

/// Issue 12, R1 for diffs: names in a policy are outside text. A name holding a newline,
/// a terminal escape, a bidi override, a CI runner's command or a comma cannot add a line,
/// hide a character, or pass for two names: quoted, escaped, one line per difference.
#[test]
fn diff_shows_hostile_names_exactly() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let old = env.write("old.toml", policy_text("", &[who("alice", &alice)], ""));
    let hostile = [
        "eve\\nok   no differences",
        "bob, mallory",
        "::error::pwned",
        "\\u001b[2Jx",
        "tim\\u202Eeve",
        "@admins",
    ];
    let mut text = policy_text("", &[who("alice", &alice)], "");
    for (i, name) in hostile.iter().enumerate() {
        let k = key(&env, &format!("hostile{i}"));
        text.push_str(&format!(
            "[principals.\"{name}\"]\nssh = [\"{}\"]\n",
            k.public_line()
        ));
    }
    let new = env.write("new.toml", &text);
    let out = run(env.gitseal().args(["policy", "diff"]).arg(&old).arg(&new)).success();
    let shown = out.stdout();
    assert_eq!(
        shown.lines().count(),
        1 + hostile.len(),
        "one line each:\n{shown}"
    );
    assert!(!shown.contains('\x1b') && !shown.contains('\u{202e}') && !shown.contains('\r'));
    assert!(shown.lines().all(|l| !l.starts_with("::")));
    for expected in [
        "+ principal \"eve\\nok   no differences\" (",
        "+ principal \"bob, mallory\" (",
        "+ principal ::error::pwned (",
        "+ principal \"\\u001b[2Jx\" (",
        "+ principal \"tim\\u{202e}eve\" (",
        "+ principal \"@admins\" (",
    ] {
        assert!(shown.contains(expected), "{expected} not in:\n{shown}");
    }
}

/// What a helper of `check_accepts` relies on: the policy a command wrote is also the one
/// `gitseal verify --policy FILE` judges by.
#[test]
fn a_written_policy_judges_as_a_fixed_policy_file() {
    let env = TestEnv::new();
    let alice = key(&env, "alice");
    let repo = new_repo(&env, "work", &alice);
    let file = env.path("elsewhere/policy.toml");
    let file_arg = file.display().to_string();
    gitseal(
        &repo,
        &["policy", "init", "--name", "alice", "--file", &file_arg],
    )
    .success();
    assert!(!policy_path(&repo).exists(), "--file writes only there");
    let c = commit(&repo, Some(&alice), "one", None);
    let out = verify(
        &repo,
        &[
            "--policy", &file_arg, "--ref", MAIN, "--format", "json", "HEAD",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(result(&doc, &c)["principal"], "alice", "{doc:#}");
    assert_eq!(out.code, 0, "{}", out.describe());
}
