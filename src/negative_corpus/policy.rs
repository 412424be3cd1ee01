//! The policy: `.gitseal/policy.toml` files with one mistake (each refused with its kind
//! and the line it is on), and signatures the policy must refuse (judged by
//! [`crate::policy::Policy::judge`], whose reasons are sentences: [`classify`] names them).

use super::{ACCEPTED, Area};
use crate::policy::file::parse;
use crate::policy::{ObjectKind, Policy, Subject};
use crate::signature::{Failure, FailureKind, Format, SignatureTime, TimeSource, Trust, Verdict};
use std::sync::Arc;

// Real keys made by ssh-keygen 9.2; fingerprints as `ssh-keygen -lf` printed them.
const ALICE: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2hvmEDEwrRVkMoeIlntco0sr78itPX68SnRPdjkQCI";
const ALICE_FPR: &str = "SHA256:AVbuM9fMKiR1UEbujGStWRNlLOUsU3DBak/ncDKrH+4";
const BOB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1FzRwPn0JeIeXxzqqpLQv2s7JbdpMKy7gMFMzC0BYU";
const BOB_FPR: &str = "SHA256:F7sbA+lOSeOoqFI9UK0tVyLnrOrlQa/q0FSi0z6yUpE";
const CAROL: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEi3f+2IvWsFJfPjlvH7oxr2PvfMhF8IGAyBtJtces5w";
const CAROL_FPR: &str = "SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc";
const STRANGER_FPR: &str = "SHA256:uUy7bD6Ztc1yKQ0WW33pY1ynZ3Ii3iQR3q5HKyuUeCk";
const GH: &str = "https://token.actions.githubusercontent.com";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
/// 2026-01-01T00:00:00Z: inside every window of the policy below.
const INSIDE: i64 = 1_767_225_600;
const YEAR: i64 = 365 * 86_400;

/// The good policy every parse case changes one line of.
fn good_policy() -> String {
    format!(
        r#"version = 1
goodlist = ["{COMMIT}"]

[principals.alice]
ssh = ["{ALICE} alice@laptop"]
valid_after = 2025-01-01T00:00:00Z
valid_before = 2027-01-01T00:00:00Z

[principals.bob]
ssh = ["{BOB}"]

[principals.carol]
ssh = ["{CAROL}"]

[principals.ci]
sigstore = [{{ issuer = "{GH}", subject_regex = '^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*$' }}]

[groups]
maintainers = ["alice", "bob"]

[[rules]]
refs = ["refs/heads/main", "refs/heads/release/*"]
commits = ["@maintainers", "carol"]
merges = ["@maintainers"]

[[rules]]
refs = ["refs/tags/v*"]
tags = ["ci", "@maintainers"]

[policy_changes]
signers = ["alice"]

[[revoked]]
key = "{BOB_FPR}"
after = 2026-06-01T00:00:00Z
reason = "laptop stolen"
"#
    )
}

/// Parses `text`: the error's kind (checked to be on `line`), or [`ACCEPTED`].
fn parse_outcome(text: &str, line: usize) -> String {
    match parse(text, ".gitseal/policy.toml") {
        Ok(_) => ACCEPTED.to_string(),
        Err(e) if e.line != line || e.file != ".gitseal/policy.toml" => {
            format!(
                "{} on {}:{}, not line {line}",
                e.kind.name(),
                e.file,
                e.line
            )
        }
        Err(e) => e.kind.name().to_string(),
    }
}

/// The stable name of one judgement reason. The policy engine's reasons are sentences for
/// people; each starts or ends in fixed words, which this pins.
fn classify(reason: &str) -> String {
    let kind = if reason.starts_with("unknown signer:") {
        "unknown-signer"
    } else if reason.contains(" is not valid before ") {
        "principal-not-yet-valid"
    } else if reason.starts_with("principal ") && reason.contains(" expired at ") {
        "principal-expired"
    } else if reason.starts_with("key ") && reason.contains(" is revoked") {
        "revoked"
    } else if reason.contains(" not allowed by rule ") {
        "not-allowed-by-rule"
    } else if reason.ends_with("is not a policy_changes signer") {
        "not-a-policy-changer"
    } else if reason.ends_with("the policy has no [policy_changes] signers") {
        "no-policy-changers"
    } else {
        return format!("unclassified: {reason}");
    };
    kind.to_string()
}

/// Judges one signature: [`ACCEPTED`], the one reason's name, or all of them when more
/// than one was given (a case must fail for exactly one reason).
fn judge(policy: &Policy, subject: &Subject<'_>, verdict: &Verdict) -> String {
    let finding = policy.judge(subject, verdict);
    if let Err(failure) = &verdict.outcome {
        // A failed verdict is passed through with its own words; name it by its kind.
        return match finding.reasons.as_slice() {
            [one] if *one == failure.detail => failure.kind.name().to_string(),
            other => format!("unexpected: {other:?}"),
        };
    }
    match finding.reasons.as_slice() {
        [] => ACCEPTED.to_string(),
        [one] => classify(one),
        many => many
            .iter()
            .map(|r| classify(r))
            .collect::<Vec<_>>()
            .join("+"),
    }
}

fn verdict(format: Format, key: &str, at: i64) -> Verdict {
    Verdict {
        format,
        key: Some(key.to_string()),
        signer: None,
        time: Some(SignatureTime {
            unix: at,
            source: TimeSource::Committer,
        }),
        outcome: Ok(Trust::Undefined),
        ssh_certificate: None,
    }
}

/// What is judged: a commit, merge or tag, on a ref, changing the policy or not, with
/// a "now" (pre-receive) or without.
#[derive(Clone, Copy)]
struct On {
    refname: &'static str,
    kind: ObjectKind,
    changes_policy: bool,
    now: Option<i64>,
}

const MAIN: On = On {
    refname: "refs/heads/main",
    kind: ObjectKind::Commit,
    changes_policy: false,
    now: None,
};

pub(crate) fn corpus() -> Area {
    let mut area = Area::new("policy");
    let text = good_policy();
    {
        let t = text.clone();
        area.base("policy parses", move || parse_outcome(&t, 0));
    }

    let revoked_key = format!("key = \"{BOB_FPR}\"");
    let carol_line = format!("ssh = [\"{CAROL}\"]");
    // Parse: (name, kind, line the error must name, the line changed: (from, to)).
    let edits: Vec<(&str, &str, usize, &str, String)> = vec![
        (
            "unknown top-level key",
            "unknown-key",
            2,
            "goodlist",
            "goodlists".into(),
        ),
        (
            "unknown key in a principal",
            "unknown-key",
            6,
            "valid_after",
            "valid_since".into(),
        ),
        (
            "unknown key in a rule",
            "unknown-key",
            24,
            "merges",
            "mergers".into(),
        ),
        (
            "version a string",
            "wrong-type",
            1,
            "version = 1",
            "version = \"1\"".into(),
        ),
        (
            "version missing",
            "missing-key",
            1,
            "version = 1",
            "# no version".into(),
        ),
        (
            "version 2",
            "version",
            1,
            "version = 1",
            "version = 2".into(),
        ),
        (
            "allow_force_push a string",
            "wrong-type",
            25,
            "merges = [\"@maintainers\"]",
            "merges = [\"@maintainers\"]\nallow_force_push = \"yes\"".into(),
        ),
        (
            "ssh key not a key",
            "ssh-key",
            5,
            &ALICE[20..40],
            "!!!!".into(),
        ),
        (
            "openpgp fingerprint too short",
            "openpgp-fingerprint",
            10,
            "ssh = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1F",
            "openpgp = [\"F7173B3C\"]\nssh = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1F".into(),
        ),
        (
            "subject_regex not anchored",
            "unanchored-regex",
            16,
            "subject_regex = '^",
            "subject_regex = '".into(),
        ),
        (
            "subject_regex does not compile",
            "bad-regex",
            16,
            "refs/tags/v.*$'",
            "refs/tags/v(.*$'".into(),
        ),
        (
            "subject and subject_regex both",
            "sigstore-subject",
            16,
            "subject_regex =",
            "subject = \"x\", subject_regex =".into(),
        ),
        (
            "valid_after without a zone",
            "bad-time",
            6,
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00".into(),
        ),
        (
            "valid_after a date only",
            "bad-time",
            6,
            "valid_after = 2025-01-01T00:00:00Z",
            "valid_after = 2025-01-01".into(),
        ),
        (
            "valid_after a string",
            "wrong-type",
            6,
            "valid_after = 2025-01-01T00:00:00Z",
            "valid_after = \"2025-01-01T00:00:00Z\"".into(),
        ),
        (
            "validity window empty",
            "empty-window",
            7,
            "2027-01-01T00:00:00Z",
            "2024-01-01T00:00:00Z".into(),
        ),
        (
            "rule names a missing principal",
            "unknown-principal",
            23,
            "\"@maintainers\", \"carol\"",
            "\"@maintainers\", \"dave\"".into(),
        ),
        (
            "rule names a missing group",
            "unknown-group",
            24,
            "merges = [\"@maintainers\"]",
            "merges = [\"@admins\"]".into(),
        ),
        (
            "group member not a principal",
            "unknown-principal",
            19,
            "[\"alice\", \"bob\"]",
            "[\"alice\", \"eve\"]".into(),
        ),
        (
            "policy_changes names a missing principal",
            "unknown-principal",
            31,
            "signers = [\"alice\"]",
            "signers = [\"mallory\"]".into(),
        ),
        (
            "principal defined twice",
            "syntax",
            12,
            "[principals.carol]",
            "[principals.bob]".into(),
        ),
        (
            "key given twice",
            "syntax",
            11,
            "ssh = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1F",
            "ssh = []\nssh = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1F".into(),
        ),
        (
            "refs empty",
            "empty-refs",
            22,
            "refs = [\"refs/heads/main\", \"refs/heads/release/*\"]",
            "refs = []".into(),
        ),
        (
            "ref pattern not a full ref",
            "bad-ref-pattern",
            22,
            "\"refs/heads/main\",",
            "\"main\",".into(),
        ),
        (
            "revoked without key",
            "missing-key",
            33,
            "key = \"SHA256:F7sb",
            "# key = \"SHA256:F7sb".into(),
        ),
        (
            "revoked key empty",
            "empty-revoked-key",
            34,
            &revoked_key,
            "key = \"  \"".into(),
        ),
        (
            "ssh_ca without principals",
            "ssh-ca",
            13,
            &carol_line,
            format!("ssh_ca = [{{ key = \"{CAROL}\", principals = [] }}]"),
        ),
        (
            "revoked serial negative",
            "revoked-certificate",
            35,
            "after = 2026-06-01T00:00:00Z",
            "serial = -1".into(),
        ),
        (
            "revoked serial and key_id",
            "revoked-certificate",
            35,
            "after = 2026-06-01T00:00:00Z",
            "serial = 1\nkey_id = \"x\"".into(),
        ),
        (
            "revoked after without a zone",
            "bad-time",
            35,
            "after = 2026-06-01T00:00:00Z",
            "after = 2026-06-01T00:00:00".into(),
        ),
        (
            "goodlist id abbreviated",
            "bad-goodlist-id",
            2,
            COMMIT,
            "0123456".into(),
        ),
        (
            "not TOML",
            "syntax",
            4,
            "\n[principals.alice]",
            "\n[principals.alice".into(),
        ),
    ];
    for (name, kind, line, from, to) in edits {
        assert!(text.contains(from), "{name}: `{from}` is not in the policy");
        let changed = text.replacen(from, &to, 1);
        area.case(name, kind, move || parse_outcome(&changed, line));
    }
    // Judgement.
    let policy = Arc::new(parse(&text, ".gitseal/policy.toml").expect("the good policy"));
    let no_changers = Arc::new(
        parse(
            &text.replace("[policy_changes]\nsigners = [\"alice\"]\n", ""),
            ".gitseal/policy.toml",
        )
        .expect("policy without policy_changes"),
    );
    let ci_subject = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0";
    {
        let p = Arc::clone(&policy);
        area.base("alice commits to main", move || {
            judge(&p, &subject(MAIN), &verdict(Format::Ssh, ALICE_FPR, INSIDE))
        });
        let p = Arc::clone(&policy);
        let key = format!("{GH} {ci_subject}");
        area.base("ci tags a release", move || {
            let on = On {
                refname: "refs/tags/v1.0",
                kind: ObjectKind::Tag,
                ..MAIN
            };
            judge(&p, &subject(on), &verdict(Format::X509, &key, INSIDE))
        });
    }
    let tag = On {
        refname: "refs/tags/v1.0",
        kind: ObjectKind::Tag,
        ..MAIN
    };
    let unsigned = Verdict {
        outcome: Err(Failure {
            kind: FailureKind::Unsigned,
            detail: "unsigned".into(),
        }),
        ..verdict(Format::Ssh, ALICE_FPR, INSIDE)
    };
    let judgements: Vec<(&str, &str, Arc<Policy>, On, Verdict)> = vec![
        (
            "unknown signer",
            "unknown-signer",
            Arc::clone(&policy),
            MAIN,
            verdict(Format::Ssh, STRANGER_FPR, INSIDE),
        ),
        (
            "alice's key as an OpenPGP fingerprint",
            "unknown-signer",
            Arc::clone(&policy),
            MAIN,
            verdict(Format::OpenPgp, ALICE_FPR, INSIDE),
        ),
        (
            "ci identity from another workflow",
            "unknown-signer",
            Arc::clone(&policy),
            tag,
            verdict(
                Format::X509,
                &format!(
                    "{GH} https://github.com/acme/app/.github/workflows/evil.yml@refs/tags/v1.0"
                ),
                INSIDE,
            ),
        ),
        (
            "ci identity from another issuer",
            "unknown-signer",
            Arc::clone(&policy),
            tag,
            verdict(
                Format::X509,
                &format!("https://accounts.google.com {ci_subject}"),
                INSIDE,
            ),
        ),
        (
            "signed before the principal's window",
            "principal-not-yet-valid",
            Arc::clone(&policy),
            MAIN,
            verdict(Format::Ssh, ALICE_FPR, INSIDE - YEAR - 86_400),
        ),
        (
            "signed after the principal's window",
            "principal-expired",
            Arc::clone(&policy),
            MAIN,
            verdict(Format::Ssh, ALICE_FPR, INSIDE + YEAR + 86_400),
        ),
        (
            "pushed after the principal's window",
            "principal-expired",
            Arc::clone(&policy),
            On {
                now: Some(INSIDE + 2 * YEAR),
                ..MAIN
            },
            verdict(Format::Ssh, ALICE_FPR, INSIDE),
        ),
        (
            "signed by a revoked key",
            "revoked",
            Arc::clone(&policy),
            MAIN,
            verdict(Format::Ssh, BOB_FPR, INSIDE + YEAR / 2),
        ),
        (
            "pushed after the key's revocation",
            "revoked",
            Arc::clone(&policy),
            On {
                now: Some(INSIDE + YEAR / 2),
                ..MAIN
            },
            verdict(Format::Ssh, BOB_FPR, INSIDE),
        ),
        (
            "merge by a commits-only signer",
            "not-allowed-by-rule",
            Arc::clone(&policy),
            On {
                kind: ObjectKind::Merge,
                ..MAIN
            },
            verdict(Format::Ssh, CAROL_FPR, INSIDE),
        ),
        (
            "release commit by ci",
            "not-allowed-by-rule",
            Arc::clone(&policy),
            On {
                refname: "refs/heads/release/1.0",
                ..MAIN
            },
            verdict(Format::X509, &format!("{GH} {ci_subject}"), INSIDE),
        ),
        (
            "tag by carol",
            "not-allowed-by-rule",
            Arc::clone(&policy),
            tag,
            verdict(Format::Ssh, CAROL_FPR, INSIDE),
        ),
        (
            "policy change by bob",
            "not-a-policy-changer",
            Arc::clone(&policy),
            On {
                changes_policy: true,
                ..MAIN
            },
            verdict(Format::Ssh, BOB_FPR, INSIDE),
        ),
        (
            "policy change with no policy_changes",
            "no-policy-changers",
            no_changers,
            On {
                changes_policy: true,
                ..MAIN
            },
            verdict(Format::Ssh, ALICE_FPR, INSIDE),
        ),
        (
            "unsigned commit",
            "unsigned",
            Arc::clone(&policy),
            MAIN,
            unsigned,
        ),
    ];
    for (name, expected, policy, on, verdict) in judgements {
        area.case(name, expected, move || {
            judge(&policy, &subject(on), &verdict)
        });
    }
    area
}

fn subject(on: On) -> Subject<'static> {
    Subject {
        id: "89abcdef0123456789abcdef0123456789abcdef",
        refname: Some(on.refname),
        kind: on.kind,
        changes_policy: on.changes_policy,
        now: on.now,
    }
}
