//! Brainpool keys against the real gpg: brainpoolP256r1, P384r1 and P512r1 sign through
//! gpg-agent and verify as gpg does (in gpg's place and under `gitseal verify`), each with
//! a tampered control refused (src/openpgp/brainpool.rs).

use crate::openpgp_gnupg::{GnuPg, openpgp_repo, summary};
use crate::openpgp_gpg_text::same_as_gpg;
use crate::support::{Repo, TestEnv, require, run_stdin};
use crate::verify_policy::{reasons, result, verify_json};
use std::path::Path;

const PAYLOAD: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n";

/// The brainpool curves, with gpg's hash for each (SIG_CREATED's third field).
const CURVES: [(&str, &str); 3] = [
    ("brainpoolP256r1", "8"),
    ("brainpoolP384r1", "9"),
    ("brainpoolP512r1", "10"),
];

/// `gitseal --status-fd=2 -bsau key`, as git runs gpg.program.
fn gitseal_sign(env: &TestEnv, key: &str) -> crate::support::Run {
    run_stdin(
        env.gitseal()
            .env("GITSEAL_FORMAT", "openpgp")
            .args(["--status-fd=2", "-bsau", key]),
        PAYLOAD,
    )
}

/// Binary packets with one bit of the last octet flipped: in a binary signature (or a
/// certificate ending in one) that is the last MPI, ECDSA's `s`, so the packet still
/// parses and the digest prefix still fits.
fn tampered(signature: &[u8]) -> Vec<u8> {
    let mut bytes = signature.to_vec();
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x01;
    }
    bytes
}

#[test]
fn brainpool_keys_sign_through_gpg_agent_and_gpg_verifies() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    for (curve, hash) in CURVES {
        let fpr = g.gen_key(
            &format!("{curve} <{curve}@example.com>"),
            curve,
            "sign",
            "never",
        );
        let theirs = run_stdin(g.gpg().args(["--status-fd=2", "-bsau", &fpr]), PAYLOAD).success();
        let ours = gitseal_sign(&env, &fpr).success();
        let created = |status: &str| -> Option<String> {
            let line = status
                .lines()
                .find(|l| l.starts_with("[GNUPG:] SIG_CREATED "))?;
            let mut fields: Vec<&str> = line.split(' ').collect();
            fields[6] = "T"; // the time
            Some(fields.join(" "))
        };
        assert_eq!(created(&ours.stderr), created(&theirs.stderr), "{curve}");
        assert!(
            created(&ours.stderr).is_some_and(|l| l.contains(&format!(" D 19 {hash} 00 T {fpr}"))),
            "{curve}: {}",
            ours.stderr
        );
        let sig = env.write(&format!("{curve}-ours.sig"), &ours.stdout);
        let check = g.verify(&sig, PAYLOAD);
        assert_eq!(check.code, 0, "{curve}: {}", check.describe());
        assert!(
            check
                .stdout()
                .contains(&format!("[GNUPG:] VALIDSIG {fpr} "))
        );
        // Control: over other data, gpg finds it bad.
        let bad = g.verify(&sig, b"other data");
        assert_eq!(bad.code, 1, "{curve}: {}", bad.describe());
        assert!(bad.stdout().contains("[GNUPG:] BADSIG "), "{curve}");

        // git signs a commit with gitseal; gpg and gitseal both find it good (`%G?` G).
        let gpg = require("gpg", "gnupg");
        let gitseal = crate::openpgp_gnupg::gitseal_path();
        let repo = openpgp_repo(&env, &format!("repo-{curve}"), &gitseal, &fpr);
        let commit = repo.signed_commit("signed with a brainpool key");
        for program in [&gpg, &gitseal] {
            let said = summary(&repo, program, &commit);
            assert!(
                said.starts_with(&format!("G|{curve} <")),
                "{curve} {program:?}: {said}"
            );
            assert!(said.contains(&format!("|{fpr}|")), "{said}");
        }
    }

    // A brainpool key in a key file: sequoia cannot make the signature; gitseal says so
    // and how to sign through the agent instead, and writes nothing.
    let (curve, _) = CURVES[0];
    let file = env.write(
        "brainpool.key",
        g.export_secret(&format!("{curve}@example.com")),
    );
    let refused = gitseal_sign(&env, &file.display().to_string()).exit(2);
    assert!(
        refused
            .stderr
            .contains("holds a brainpool key, which gitseal signs with only through gpg-agent"),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "no signature is written");
}

#[test]
fn gpgs_brainpool_signatures_say_what_gpg_says() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    for (curve, _) in CURVES {
        let fpr = g.gen_key(
            &format!("{curve} <{curve}@example.com>"),
            curve,
            "sign",
            "never",
        );
        for (name, args) in [
            // Binary (no `-a`), so that the last octet is the signature's `s`.
            ("binary", vec!["-bsu", fpr.as_str()]),
            ("text", vec!["--textmode", "-bsu", fpr.as_str()]),
        ] {
            let signed = run_stdin(g.gpg().args(&args), PAYLOAD).success();
            let sig = env.write(&format!("{curve}-{name}.sig"), &signed.stdout);
            let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
            assert_eq!(said.code, 0, "{curve} {name}: {said:?}");
            assert!(
                said.status
                    .iter()
                    .any(|l| l.starts_with("[GNUPG:] GOODSIG ")),
                "{said:?}"
            );
            let said = same_as_gpg(&g, &env, &sig, b"other data");
            assert_eq!(said.code, 1, "{curve} {name}: {said:?}");
            let forged = env.write(
                &format!("{curve}-{name}-forged.sig"),
                tampered(&signed.stdout),
            );
            let said = same_as_gpg(&g, &env, &forged, PAYLOAD);
            assert_eq!(said.code, 1, "{curve} {name}: {said:?}");
            assert!(
                said.status
                    .iter()
                    .any(|l| l.starts_with("[GNUPG:] BADSIG ")),
                "{said:?}"
            );
        }
    }
}

fn policy(principals: &[(&str, &str)]) -> String {
    let mut text = String::from("version = 1\n\n");
    for (name, fpr) in principals {
        text.push_str(&format!("[principals.{name}]\nopenpgp = [\"{fpr}\"]\n\n"));
    }
    let names: Vec<String> = principals.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    text.push_str(&format!(
        "[[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [{0}]\n\n[policy_changes]\nsigners = [{0}]\n",
        names.join(", ")
    ));
    text
}

fn commit(repo: &Repo<'_>, key: &str, message: &str) -> String {
    repo.git(&[
        "-c",
        &format!("user.signingKey={key}"),
        "commit",
        "-q",
        "-S",
        "--allow-empty",
        "-m",
        message,
    ])
    .success();
    repo.git_out(&["rev-parse", "HEAD"])
}

/// The commit `id` with another message and the same signature, made the branch's tip.
fn retold(repo: &Repo<'_>, id: &str) -> String {
    let object = repo.git_out(&["cat-file", "commit", id]);
    let changed = object.replacen("\n\nby ", "\n\nretold by ", 1);
    assert_ne!(changed, object, "the message was changed");
    let new = repo
        .git_stdin(
            &["hash-object", "-t", "commit", "-w", "--stdin"],
            format!("{changed}\n").as_bytes(),
        )
        .success()
        .stdout()
        .trim()
        .to_string();
    repo.git(&["update-ref", "refs/heads/main", &new]).success();
    new
}

#[test]
fn gitseal_verify_judges_brainpool_signed_commits() {
    require("gpg", "gnupg");
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    let p256 = g.gen_key(
        "P256 <p256@example.org>",
        "brainpoolP256r1",
        "sign",
        "never",
    );
    let p384 = g.gen_key(
        "P384 <p384@example.org>",
        "brainpoolP384r1",
        "sign",
        "never",
    );
    let forged = g.gen_key(
        "Forged <forged@example.org>",
        "brainpoolP256r1",
        "sign",
        "never",
    );
    let p512 = g.gen_key(
        "P512 <p512@example.org>",
        "brainpoolP512r1",
        "sign",
        "never",
    );
    // gpg signs; the policy's certificates are in the tree.
    let repo = openpgp_repo(&env, "work", Path::new("gpg"), &p256);
    let keys = repo.dir.join(".gitseal/keys");
    std::fs::create_dir_all(&keys).expect("keys directory");
    std::fs::write(keys.join("p256.asc"), g.export_armored(&p256)).expect("write");
    std::fs::write(keys.join("p384.asc"), g.export_armored(&p384)).expect("write");
    std::fs::write(keys.join("p512.asc"), g.export_armored(&p512)).expect("write");
    // A certificate whose user id binding is forged: its last octet (the binding's `s`;
    // a sign-only key is primary key, user id, binding) flipped.
    let exported = g.export(&forged);
    assert!(exported[0] & 0x80 != 0, "a binary export");
    std::fs::write(keys.join("forged.gpg"), tampered(&exported)).expect("write");
    std::fs::write(
        repo.dir.join(".gitseal/policy.toml"),
        policy(&[
            ("p256", &p256),
            ("p384", &p384),
            ("forged", &forged),
            ("p512", &p512),
        ]),
    )
    .expect("write policy");
    repo.git(&["add", "."]).success();
    let anchor = commit(&repo, &p256, "anchor");
    let by_p256 = commit(&repo, &p256, "by p256");
    let by_p384 = commit(&repo, &p384, "by p384");
    let by_p512 = commit(&repo, &p512, "by p512");
    let by_forged = commit(&repo, &forged, "by forged");

    let (_, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    for (id, principal, fpr) in [
        (&by_p256, "p256", &p256),
        (&by_p384, "p384", &p384),
        (&by_p512, "p512", &p512),
    ] {
        let verdict = result(&doc, id);
        assert_eq!(verdict["ok"], true, "{principal}: {doc:#}");
        assert_eq!(verdict["principal"], principal);
        assert_eq!(verdict["signature"]["key"], fpr.as_str());
    }
    let refused = reasons(&doc, &by_forged).join("\n");
    assert_eq!(result(&doc, &by_forged)["ok"], false);
    assert!(
        refused.contains("no certificate for OpenPGP key"),
        "a forged binding binds nothing: {refused}"
    );

    // Control: the p512 commit's signature over another message is bad.
    let tip = retold(&repo, &by_p512);
    let (code, doc) = verify_json(&repo, &anchor, &["HEAD"]);
    assert_ne!(code, 0);
    assert_eq!(result(&doc, &tip)["ok"], false, "{doc:#}");
    let why = reasons(&doc, &tip).join("\n");
    assert!(why.contains("bad signature"), "{why}");
}

#[test]
fn a_brainpool_certification_counts_in_the_web_of_trust_as_in_gpg() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    // The certifier is ultimately trusted (gpg made it here); the target is an Ed25519
    // key nobody else vouches for, valid only through the brainpool certification.
    let certifier = g.gen_key(
        "Cert <cert@example.com>",
        "brainpoolP512r1",
        "sign,cert",
        "never",
    );
    let target = g.gen_key("Target <target@example.com>", "ed25519", "sign", "never");
    g.set_ownertrust(&target, 2);
    g.certify(&certifier, &target);
    let signed = run_stdin(g.gpg().args(["-bsu", &target]), PAYLOAD).success();
    let sig = env.write("target.sig", &signed.stdout);
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    assert!(
        said.status
            .contains(&"[GNUPG:] TRUST_FULLY 0 pgp".to_string()),
        "{said:?}"
    );

    // Control: the same keys in another home, the certification's `s` flipped (the last
    // octet of the target's export: primary key, user id, self-signature, certification).
    let other_env = TestEnv::new();
    let other = GnuPg::main(&other_env);
    std::fs::create_dir_all(&other.home).expect("GNUPGHOME");
    let exported = g.export(&target);
    assert!(exported[0] & 0x80 != 0, "a binary export");
    let keyring = [g.export(&certifier), tampered(&exported)].concat();
    std::fs::write(other.home.join("pubring.gpg"), keyring).expect("write pubring.gpg");
    other.set_ownertrust(&certifier, 6);
    other.set_ownertrust(&target, 2);
    let sig = other_env.write("target.sig", &signed.stdout);
    let said = same_as_gpg(&other, &other_env, &sig, PAYLOAD);
    assert!(
        said.status
            .contains(&"[GNUPG:] TRUST_UNDEFINED 0 pgp".to_string()),
        "a forged certification vouches for nothing: {said:?}"
    );
}

#[test]
fn a_brainpool_signing_subkey_signs_and_verifies_with_its_back_signature() {
    let env = TestEnv::new();
    let g = GnuPg::main(&env);
    // A certification-only brainpool P-256 primary key and a brainpool P-384 signing
    // subkey, whose binding carries the subkey's back-signature ("/ecdsa": a curve name
    // alone makes gpg 2.2 add an ECDH subkey).
    let primary = g.gen_key("Sub <sub@example.com>", "brainpoolP256r1", "cert", "never");
    let subkey = g.add_key(&primary, "brainpoolP384r1/ecdsa", "sign", "never");
    let ours = gitseal_sign(&env, "sub@example.com").success();
    assert!(
        ours.stderr.contains(" D 19 9 00 ") && ours.stderr.contains(&subkey),
        "signed with the subkey: {}",
        ours.stderr
    );
    let sig = env.write("sub-ours.sig", &ours.stdout);
    let check = g.verify(&sig, PAYLOAD);
    assert_eq!(check.code, 0, "{}", check.describe());
    assert!(
        check
            .stdout()
            .contains(&format!("[GNUPG:] VALIDSIG {subkey} "))
    );

    let signed = run_stdin(g.gpg().args(["-bsu", &primary]), PAYLOAD).success();
    let sig = env.write("sub.sig", &signed.stdout);
    let said = same_as_gpg(&g, &env, &sig, PAYLOAD);
    assert_eq!(said.code, 0, "{said:?}");
    let forged = env.write("sub-forged.sig", tampered(&signed.stdout));
    assert_eq!(same_as_gpg(&g, &env, &forged, PAYLOAD).code, 1);
}
