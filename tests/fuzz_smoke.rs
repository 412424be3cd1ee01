//! The fuzz targets (`gitseal::fuzzing`, docs/fuzzing.md) on the stable toolchain, in the
//! ordinary test run: every committed seed (`fuzz/corpus/<target>`), every seed made from
//! third-party data (`fuzz/make-corpus.sh --shared`, from the shared folder) and crash
//! reproducer (`fuzz/regressions/<target>`) replayed, then a deterministic mutation loop
//! for a fixed time per target. No coverage guidance (that is libFuzzer's, `scripts/fuzz.sh`), but it
//! needs no second, instrumented build, so CI runs it every time.
//!
//! A failure names the target and the input (hex), and keeps the input in
//! `$CARGO_TARGET_TMPDIR/fuzz-smoke/` so that it can be replayed with cargo-fuzz and
//! committed to `fuzz/regressions/<target>/`. Environment:
//! `GITSEAL_FUZZ_SMOKE_MS` (mutation time per target, default 1200),
//! `GITSEAL_FUZZ_SMOKE_SEED` (a number to vary the mutations; default fixed per target).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// No input may take longer than this (debug build), the time its thread waited for a CPU
/// left out: libFuzzer's hang limit in `scripts/fuzz.sh` is 10 s for release builds.
const SLOW: Duration = Duration::from_secs(5);
/// Inputs are kept below libFuzzer's default `-max_len` order of magnitude.
const MAX_LEN: usize = 64 * 1024;

/// splitmix64: small, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// FNV-1a, to give each target its own fixed seed.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Values that break parsers: boundaries of lengths and counts, and the bytes that end or
/// quote things in the formats the targets read.
const INTERESTING_BYTES: &[u8] = &[
    0x00, 0xff, 0x7f, 0x80, 0x01, 0x30, 0x82, 0x84, 0x0a, 0x0d, 0x09, b' ', b'"', b'\\', b'.',
    b'=', b'-', b'%', b'{', b'}', b'[', b']', b',', b':',
];
const INTERESTING_RUNS: &[&[u8]] = &[
    &[0xff, 0xff, 0xff, 0xff],
    &[0x7f, 0xff, 0xff, 0xff],
    &[0x80, 0x00, 0x00, 0x00],
    &[0x00, 0x00, 0x00, 0x00],
    &[0x84, 0x7f, 0xff, 0xff, 0xff],
    b"18446744073709551615",
    b"-9223372036854775808",
    b"9999999999999999999999",
    b"..",
    b"...",
    b"\r\n",
    b"%00",
    b"null",
    b"-----",
];

/// One mutation of `input`, by `rng`, sometimes with another seed spliced in.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(12) {
        // Flip one bit.
        0 if len > 0 => {
            let at = rng.below(len);
            input[at] ^= 1 << rng.below(8);
        }
        // Replace a byte with a random or an interesting one.
        1 if len > 0 => {
            let at = rng.below(len);
            input[at] = rng.byte();
        }
        2 if len > 0 => {
            let at = rng.below(len);
            input[at] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
        }
        // Insert a few bytes.
        3 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            for _ in 0..n {
                input.insert(at, rng.byte());
            }
        }
        // Insert a long run of one byte.
        4 => {
            let at = rng.below(len + 1);
            let byte = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
            let n = [16, 255, 256, 4096, 65_535][rng.below(5)];
            input.splice(at..at, std::iter::repeat_n(byte, n));
        }
        // Delete a range.
        5 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            input.drain(at..at + n);
        }
        // Truncate.
        6 if len > 0 => input.truncate(rng.below(len)),
        // Splice: a prefix of this input, the rest of another seed.
        7 if !seeds.is_empty() => {
            let other = &seeds[rng.below(seeds.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        // Overwrite with an interesting value (lengths, counts, numbers, separators).
        8 => {
            let run = INTERESTING_RUNS[rng.below(INTERESTING_RUNS.len())];
            let at = rng.below(len + 1);
            let end = (at + run.len()).min(len);
            input.splice(at..end, run.iter().copied());
        }
        // Duplicate a chunk in place.
        9 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(256));
            let chunk = input[at..at + n].to_vec();
            let to = rng.below(len + 1);
            input.splice(to..to, chunk);
        }
        // Increment or decrement a byte (lengths off by one).
        10 if len > 0 => {
            let at = rng.below(len);
            input[at] = if rng.below(2) == 0 {
                input[at].wrapping_add(1)
            } else {
                input[at].wrapping_sub(1)
            };
        }
        // Swap two bytes.
        _ if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            input.swap(a, b);
        }
        _ => input.push(rng.byte()),
    }
    input.truncate(MAX_LEN);
}

/// The files of a directory, sorted by name (so replay order is stable); none if missing.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

/// The seeds made from third-party data (real gitsign signatures, GitHub's web-flow
/// commit), by target: `fuzz/make-corpus.sh --shared` writes them from the shared folder
/// (`gitseal::testdata`) once per run; they are not committed. Fails, in one line, when the
/// shared folder is missing.
fn shared_seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    type Seeds = HashMap<String, Vec<(PathBuf, Vec<u8>)>>;
    static SEEDS: OnceLock<Result<Seeds, String>> = OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        let out = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/make-corpus.sh");
        let made = std::process::Command::new("bash")
            .arg(&script)
            .arg("--shared")
            .arg(out.path())
            .output()
            .map_err(|e| format!("bash {}: {e}", script.display()))?;
        if !made.status.success() {
            let said = String::from_utf8_lossy(&made.stderr);
            return Err(said.trim().replace('\n', " "));
        }
        let mut by_target = HashMap::new();
        for entry in std::fs::read_dir(out.path()).map_err(|e| e.to_string())? {
            let dir = entry.map_err(|e| e.to_string())?.path();
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let seeds = files(&dir)
                .into_iter()
                .map(|(path, data)| {
                    let file = path.file_name().unwrap_or_default().to_string_lossy();
                    (PathBuf::from(format!("(shared seed) {name}/{file}")), data)
                })
                .collect();
            by_target.insert(name, seeds);
        }
        Ok(by_target)
    });
    match seeds {
        Ok(by_target) => by_target.get(target).cloned().unwrap_or_default(),
        Err(why) => panic!("{why}"),
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a caught panic said.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

/// How long this thread has been runnable but waiting for a CPU (the scheduler's
/// `/proc/thread-self/schedstat`, second field, in nanoseconds); `None` where the kernel
/// does not say.
fn waited_for_a_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().nth(1)?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Runs `target` on `data`; on a panic or a slow input, keeps the input and fails saying
/// how to replay it.
fn run_one(name: &str, target: gitseal::fuzzing::Target, data: &[u8], origin: &str) {
    let waited_before = waited_for_a_cpu();
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| target(data)));
    let elapsed = started.elapsed();
    // The input's own time (running, or blocked as in a sleep), not the other tests' and
    // programs' on a busy machine: one input that runs 0.7 s once took 3.8 s of wall time
    // on two shared cores, close to `SLOW`.
    let took = match (waited_before, waited_for_a_cpu()) {
        (Some(before), Some(after)) => elapsed.saturating_sub(after.saturating_sub(before)),
        _ => elapsed,
    };
    let problem = match outcome {
        Err(payload) => format!("panicked: {}", panic_text(&*payload)),
        Ok(()) if took > SLOW => format!(
            "took {took:?} (more than {SLOW:?}), besides waiting for a CPU ({elapsed:?} in all)"
        ),
        Ok(()) => return,
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
    let kept = dir.join(format!("{name}-{:016x}", fnv(&hex(data))));
    let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&kept, data));
    panic!(
        "fuzz target `{name}` {problem}\n  input: {origin}, {} bytes, kept in {}\n  \
         replay: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run {name} {}\n  hex: {}",
        data.len(),
        kept.display(),
        kept.display(),
        hex(data)
    );
}

/// Replays the seeds and regressions of `name`, then mutates them for the time budget.
/// Returns (seeds and regressions replayed, mutated inputs run).
fn smoke(name: &str) -> (usize, usize) {
    let target = gitseal::fuzzing::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fuzz target `{name}` in gitseal::fuzzing::TARGETS"))
        .1;
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut seeds = files(&fuzz.join("corpus").join(name));
    seeds.extend(shared_seeds(name));
    assert!(
        !seeds.is_empty(),
        "fuzz target `{name}` has no seeds (fuzz/corpus/{name}, fuzz/make-corpus.sh --shared)"
    );
    let regressions = files(&fuzz.join("regressions").join(name));
    for (path, data) in seeds.iter().chain(&regressions) {
        run_one(name, target, data, &path.display().to_string());
    }
    let pool: Vec<Vec<u8>> = seeds.into_iter().map(|(_, d)| d).collect();
    let budget = std::env::var("GITSEAL_FUZZ_SMOKE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_millis(1200), Duration::from_millis);
    let seed = std::env::var("GITSEAL_FUZZ_SMOKE_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let mut rng = Rng(fnv(name) ^ seed);
    let started = Instant::now();
    let mut runs = 0;
    while started.elapsed() < budget {
        let mut input = pool[rng.below(pool.len())].clone();
        // Stacked mutations reach further from the seeds than single ones.
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut input, &pool);
        }
        run_one(name, target, &input, &format!("mutation {runs}"));
        runs += 1;
    }
    (regressions.len() + pool.len(), runs)
}

/// A test per target, so that a failure names it and targets run in parallel.
macro_rules! smoke_tests {
    ($($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                let (replayed, runs) = smoke(stringify!($name));
                eprintln!("fuzz smoke {}: {replayed} seeds, {runs} mutations", stringify!($name));
            }
        )*

        /// Every target of the library has its test here.
        #[test]
        fn every_target_is_smoked() {
            let here = [$(stringify!($name)),*];
            for (name, _) in gitseal::fuzzing::TARGETS {
                assert!(here.contains(name), "no smoke test for fuzz target `{name}`");
            }
        }
    };
}

smoke_tests! {
    sshsig allowed_signers revocation ssh_certificate policy argv git_objects sigstore_cms
    sigstore_tlog sigstore_verify openpgp_signature openpgp_keyring pre_receive_line
    range_arg verdict_cache oidc_token oidc_redirect oidc_answers timestamp fulcio_answer
}
