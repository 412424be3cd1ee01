//! Hostile signature files through `-Y verify`, `check-novalidate` and `find-principals`:
//! truncated, bit-flipped, badly armored, oversized, garbage. gitseal must never panic,
//! must exit 255 with "Could not verify signature." where it refuses, and must reach the
//! same verdict as ssh-keygen.

use crate::support::{KeyType, PRINCIPAL, TestEnv, run_stdin, sshsig};

const MESSAGE: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhostile\n";

/// A signer, its allowed_signers file and a valid signature of `MESSAGE` by ssh-keygen.
struct Bench {
    env: TestEnv,
    armored: String,
}

impl Bench {
    fn new() -> Self {
        let env = TestEnv::new();
        let key = env.key(KeyType::Ed25519, "signer");
        env.allowed_signers("allowed_signers", &[key.allowed(PRINCIPAL, "")]);
        let armored = run_stdin(
            env.ssh_keygen()
                .args(["-Y", "sign", "-n", "git", "-f"])
                .arg(&key.private),
            MESSAGE,
        )
        .success()
        .stdout();
        let bench = Self { env, armored };
        // The untouched signature is good in both, or nothing below means anything.
        assert_eq!(bench.verdicts("valid", bench.armored.as_bytes()), [true; 3]);
        bench
    }

    fn blob(&self) -> Vec<u8> {
        sshsig::dearmor(&self.armored)
    }

    /// Judges `sig` with both programs and every verifying command; returns whether gitseal
    /// accepted it with each (verify, check-novalidate, find-principals).
    ///
    /// The verdicts must agree, with one allowance: ssh-keygen's find-principals reads only
    /// the public key at the start of the blob, so it answers for signatures whose rest is
    /// broken. gitseal may refuse those, as long as the signature itself does not check.
    #[track_caller]
    fn verdicts(&self, label: &str, sig: &[u8]) -> [bool; 3] {
        let path = self.env.write("hostile.sig", sig);
        let path = path.to_str().unwrap();
        let commands: [(&str, Vec<&str>); 3] = [
            (
                "verify",
                vec![
                    "-Y",
                    "verify",
                    "-n",
                    "git",
                    "-f",
                    "allowed_signers",
                    "-I",
                    PRINCIPAL,
                    "-s",
                    path,
                ],
            ),
            (
                "check-novalidate",
                vec!["-Y", "check-novalidate", "-n", "git", "-s", path],
            ),
            (
                "find-principals",
                vec!["-Y", "find-principals", "-f", "allowed_signers", "-s", path],
            ),
        ];
        let mut ours_ok = [false; 3];
        let mut theirs_ok = [false; 3];
        for (i, (name, args)) in commands.iter().enumerate() {
            let ours = run_stdin(self.env.gitseal().args(args), MESSAGE);
            let theirs = run_stdin(self.env.ssh_keygen().args(args), MESSAGE);
            let context = || {
                format!(
                    "{label}, {name}\nsignature:\n{}\n--- gitseal\n{}\n--- ssh-keygen\n{}",
                    String::from_utf8_lossy(&sig[..sig.len().min(2000)]),
                    ours.describe(),
                    theirs.describe()
                )
            };
            assert!(!ours.stderr.contains("panicked"), "panic: {}", context());
            assert!(
                ours.code == 0 || ours.code == 255,
                "exit code: {}",
                context()
            );
            if theirs.code != 0 {
                assert_eq!(
                    ours.code,
                    255,
                    "ssh-keygen refuses, gitseal accepts: {}",
                    context()
                );
            }
            if ours.code == 255 && *name != "find-principals" {
                assert_eq!(
                    ours.stdout(),
                    "Could not verify signature.\n",
                    "{}",
                    context()
                );
            }
            if ours.code == 255 && *name == "find-principals" {
                assert!(ours.stdout.is_empty(), "{}", context());
            }
            ours_ok[i] = ours.code == 0;
            theirs_ok[i] = theirs.code == 0;
        }
        let context = format!(
            "{label}: gitseal accepted {ours_ok:?}, ssh-keygen {theirs_ok:?} \
             (verify, check-novalidate, find-principals)\n{}",
            String::from_utf8_lossy(&sig[..sig.len().min(2000)])
        );
        assert_eq!(ours_ok[..2], theirs_ok[..2], "verdicts differ: {context}");
        if theirs_ok[2] && !ours_ok[2] {
            assert!(
                !theirs_ok[1],
                "find-principals refused a good signature: {context}"
            );
        }
        ours_ok
    }

    #[track_caller]
    fn rejected(&self, label: &str, sig: &[u8]) {
        let verdicts = self.verdicts(label, sig);
        assert!(
            !verdicts[0] && !verdicts[1],
            "{label}: verify/check-novalidate accepted it: {verdicts:?}"
        );
    }
}

#[test]
fn truncated_armor_at_many_offsets() {
    let bench = Bench::new();
    let text = bench.armored.as_bytes();
    let mut offsets: Vec<usize> = (0..text.len()).step_by(5).collect();
    offsets.extend(text.len().saturating_sub(40)..text.len());
    offsets.sort_unstable();
    offsets.dedup();
    for len in offsets {
        let verdicts = bench.verdicts(&format!("armor truncated to {len}"), &text[..len]);
        // Only the footer's own last bytes may go: "\n-----END SSH SIGNATURE-----" must
        // remain for either program to accept.
        if len < text.len() - 1 {
            assert_eq!(verdicts, [false; 3], "truncated to {len}");
        }
    }
}

#[test]
fn truncated_blobs_at_many_offsets() {
    let bench = Bench::new();
    let blob = bench.blob();
    for len in (0..blob.len()).step_by(3).chain([blob.len() - 1]) {
        bench.rejected(
            &format!("blob truncated to {len}"),
            sshsig::armor(&blob[..len]).as_bytes(),
        );
    }
    // Trailing bytes after the signature are refused too.
    let mut longer = blob.clone();
    longer.extend_from_slice(b"\0\0\0\0");
    bench.rejected("trailing data", sshsig::armor(&longer).as_bytes());
}

#[test]
fn bit_flipped_blobs() {
    let bench = Bench::new();
    let blob = bench.blob();
    for i in (0..blob.len()).step_by(2) {
        let mut flipped = blob.clone();
        flipped[i] ^= 1 << (i % 8);
        bench.rejected(
            &format!("bit {} of byte {i} flipped", i % 8),
            sshsig::armor(&flipped).as_bytes(),
        );
    }
}

#[test]
fn broken_armor() {
    let bench = Bench::new();
    let valid = bench.armored.clone();
    let body: String = valid
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<(&str, String)> = vec![
        ("empty file", String::new()),
        ("only a newline", "\n".into()),
        (
            "PGP header",
            valid.replace("BEGIN SSH SIGNATURE", "BEGIN PGP SIGNATURE"),
        ),
        (
            "misspelt header",
            valid.replace("BEGIN SSH SIGNATURE", "BEGIN SSH SIGNATUR"),
        ),
        ("lowercase header", valid.replace("BEGIN SSH", "begin ssh")),
        ("text before the header", format!("x{valid}")),
        (
            "header not on its own line",
            valid.replacen("-----\n", "----- ", 1),
        ),
        (
            "missing footer",
            valid.replace("-----END SSH SIGNATURE-----\n", ""),
        ),
        (
            "PGP footer",
            valid.replace("END SSH SIGNATURE", "END PGP SIGNATURE"),
        ),
        (
            "no body",
            "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n".into(),
        ),
        ("body only", format!("{body}\n")),
        ("garbage base64", valid.replace("U1NIU0lH", "U1N!U0lH")),
        ("non-base64 bytes", valid.replacen('A', "\u{e9}", 3)),
        (
            "base64 of garbage",
            sshsig::armor_body("////////////////////////////////////////"),
        ),
        ("bad padding", valid.replace("=\n", "==x\n")),
    ];
    for (label, sig) in cases {
        bench.rejected(label, sig.as_bytes());
    }
    // NUL bytes and invalid UTF-8.
    let mut binary = valid.clone().into_bytes();
    binary.splice(40..40, [0u8, 0xff, 0xfe, 0]);
    bench.rejected("binary bytes", &binary);
}

#[test]
fn valid_armor_around_random_bytes() {
    let bench = Bench::new();
    // A fixed xorshift stream: reproducible "random" bytes.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    };
    for size in [0, 1, 5, 6, 10, 11, 40, 100, 1000, 4096] {
        bench.rejected(
            &format!("{size} random bytes"),
            sshsig::armor(&random(size)).as_bytes(),
        );
        let mut magic = b"SSHSIG".to_vec();
        magic.extend(random(size));
        bench.rejected(
            &format!("SSHSIG and {size} random bytes"),
            sshsig::armor(&magic).as_bytes(),
        );
    }
    // Plausible structure with random lengths inside.
    let mut structured = b"SSHSIG\0\0\0\x01".to_vec();
    structured.extend_from_slice(&[0xff, 0xff, 0xff, 0xf0]);
    structured.extend(random(64));
    bench.rejected("huge length field", sshsig::armor(&structured).as_bytes());
    // Version 2.
    let mut blob = bench.blob();
    blob[9] = 2;
    bench.rejected("version 2", sshsig::armor(&blob).as_bytes());
    // Oversized: 96 KiB of random bytes in valid armor.
    bench.rejected(
        "oversized random",
        sshsig::armor(&random(96 * 1024)).as_bytes(),
    );
}

#[test]
fn oversized_armor_is_refused_even_where_ssh_keygen_reads_it() {
    // gitseal caps armored signatures at 64 KiB (a real one is a few kilobytes), so a good
    // signature padded with 70 KiB of line breaks is refused; ssh-keygen 9.2 skips the
    // whitespace and accepts it. A deliberate difference: never a panic, always a clean
    // refusal.
    let bench = Bench::new();
    let padded = bench.armored.replacen(
        "-----BEGIN SSH SIGNATURE-----\n",
        &format!("-----BEGIN SSH SIGNATURE-----\n{}", "\n".repeat(70 * 1024)),
        1,
    );
    let path = bench.env.write("padded.sig", &padded);
    let args = [
        "-Y",
        "check-novalidate",
        "-n",
        "git",
        "-s",
        path.to_str().unwrap(),
    ];
    let ours = run_stdin(bench.env.gitseal().args(args), MESSAGE)
        .exit(255)
        .no_panic();
    assert_eq!(ours.stdout(), "Could not verify signature.\n");
    let theirs = run_stdin(bench.env.ssh_keygen().args(args), MESSAGE);
    assert_eq!(
        theirs.code,
        0,
        "ssh-keygen refuses padded armor now: make this a plain rejection case\n{}",
        theirs.describe()
    );
}

#[test]
fn tolerated_variations_are_tolerated_by_both() {
    let bench = Bench::new();
    let valid = bench.armored.clone();
    for (label, sig) in [
        ("no final newline", valid.trim_end().to_string()),
        ("trailing blank line", format!("{valid}\n")),
        ("text after the footer", format!("{valid}trailing words\n")),
        ("rewrapped at 76", {
            let body: String = valid.lines().filter(|l| !l.starts_with("-----")).collect();
            let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
            for chunk in body.as_bytes().chunks(76) {
                out.push_str(std::str::from_utf8(chunk).unwrap());
                out.push('\n');
            }
            out.push_str("-----END SSH SIGNATURE-----\n");
            out
        }),
    ] {
        assert_eq!(bench.verdicts(label, sig.as_bytes()), [true; 3], "{label}");
    }
}

#[test]
fn non_canonical_key_length_in_a_signature_is_refused() {
    let bench = Bench::new();
    let blob = bench.blob();
    assert_eq!(&blob[29..33], &[0, 0, 0, 32], "layout changed");
    for length in [33u8, 34, 40, 64, 255] {
        let mut edited = blob.clone();
        edited[32] = length;
        bench.rejected(
            &format!("Ed25519 key length {length}"),
            sshsig::armor(&edited).as_bytes(),
        );
    }
}
