#!/usr/bin/env bash
# Benchmark of gitseal's gpg dialect (OpenPGP) against gpg itself, side by side, on the
# same keyring and the same gpg-agent, for each key algorithm of BENCH_ALGOS (default:
# RSA-4096, RSA-2048, Ed25519). Each key is made the way real ones are: a primary key with
# three user ids and three subkeys (encryption, signing, authentication), so that a
# verification checks what a real certificate costs; gpg and gitseal sign with the signing
# subkey, as gpg chooses. For each key:
#   1. signing (`-bsau KEY`, payload on stdin) through the agent: gpg; gitseal with the
#      format from GITSEAL_FORMAT, and from git config (gpg.format) as a user has it;
#   2. one verification (`--verify SIG -`, as git runs it): gpg; gitseal with its
#      signature cache warm (what every run after the first sees), and with no cache at
#      all (GITSEAL_CACHE_DIR unusable: what the first run of all sees);
#   3. `git log --show-signature` over N commits signed with that key, gpg.program=gpg and
#      gpg.program=gitseal, as commits per second;
#   4. `gitseal verify --jobs 1 --no-cache` over the same history (no child process per
#      commit), as commits per second on one core.
#
#   scripts/bench-openpgp.sh
#
# Environment:
#   BENCH_ALGOS       key algorithms, as gpg --quick-gen-key names them
#                     (default "rsa4096 rsa2048 ed25519")
#   BENCH_RUNS        rounds of the signing/verification commands (default 100)
#   BENCH_COMMITS     signed commits in each repository (default 2000)
#   BENCH_GIT_RUNS    rounds of git log --show-signature and gitseal verify (default 3)
#   BENCH_KEYS        other certificates in the keyring, as a real one has (default 20)
#   BENCH_OUT         where the raw figures (JSON) and the tables go
#                     (default <target>/bench-openpgp)
#
# Built for a shared, loaded machine: the commands run interleaved, one round at a time in
# a random order, so that load changes hit all of them alike; the tables give the median
# wall-clock time and the mean CPU time (user + system of the process and the processes it
# waited for, e.g. `git config`; not gpg-agent's, which is the same for both), which load
# disturbs far less. It records the date and the load average; compare the ratios of one
# run, not figures across runs. Instruction counts (callgrind) are steadier still: see
# docs/benchmarks.md for how they were taken.
#
# A benchmark, not a test: it prints figures and exits 0 unless something could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

ALGOS="${BENCH_ALGOS:-rsa4096 rsa2048 ed25519}"
RUNS="${BENCH_RUNS:-100}"
COMMITS="${BENCH_COMMITS:-2000}"
GIT_RUNS="${BENCH_GIT_RUNS:-3}"
KEYS="${BENCH_KEYS:-20}"

need() { command -v "$1" >/dev/null 2>&1 || { echo "$1 not found: apt-get install $2" >&2; exit 2; }; }
need gpg gnupg
need gpgconf gnupg
need git git
need python3 python3

echo "== building gitseal (release)"
cargo build --release --locked
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-bench-pgp.XXXXXX")"
# A copy of the binary, so that another build cannot replace it halfway.
cp "$target_dir/release/gitseal" "$WORK/gitseal"
GITSEAL="$WORK/gitseal"
GPG="$(command -v gpg)"
GIT="$(command -v git)"
OUT="${BENCH_OUT:-$target_dir/bench-openpgp}"
mkdir -p "$OUT"

export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
cleanup() { gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A hermetic git: no user or system config but what we write; gitseal's cache in $HOME.
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/home/.gitconfig"
mkdir -p "$HOME"
export GITSEAL_FORMAT=openpgp TZ=UTC LC_ALL=C
printf '[gpg]\n\tformat = openpgp\n' >"$GIT_CONFIG_GLOBAL"
head -c 600 /dev/urandom | base64 >"$WORK/payload"
keygen() { gpg --batch --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }

if [ "$KEYS" -gt 0 ]; then
  echo "== $KEYS other certificates in the keyring"
  OTHER="$WORK/other"
  mkdir -m 700 "$OTHER"
  for i in $(seq 1 "$KEYS"); do
    GNUPGHOME="$OTHER" keygen --quick-gen-key "Other $i <other$i@example.org>" ed25519 sign never
  done
  GNUPGHOME="$OTHER" gpg --export | gpg --batch --import 2>/dev/null
  GNUPGHOME="$OTHER" gpgconf --kill all >/dev/null 2>&1 || true
fi

SPECS="$WORK/specs"
: >"$SPECS"
for ALGO in $ALGOS; do
  case "$ALGO" in
  ed25519) ENCR=cv25519 ;;
  ed448) ENCR=cv448 ;;
  nistp* | brainpool*) ENCR="$ALGO" ;;
  *) ENCR="$ALGO" ;;
  esac
  # A curve name alone makes gpg 2.2 add an ECDH subkey ("Wrong key usage" for signing
  # or authentication): those need "/ecdsa".
  case "$ALGO" in
  nistp* | brainpool*) ECDSA="$ALGO/ecdsa" ;;
  *) ECDSA="$ALGO" ;;
  esac
  MAIL="bench-$ALGO@example.com"
  echo "== $ALGO: a key with 3 user ids and 3 subkeys"
  keygen --quick-gen-key "Bench $ALGO <$MAIL>" "$ALGO" sign,cert never
  FPR="$(gpg --with-colons --list-keys "$MAIL" | awk -F: '/^fpr/{print $10; exit}')"
  keygen --quick-add-uid "$FPR" "Bench Mark <bench-$ALGO@example.org>"
  keygen --quick-add-uid "$FPR" "B. Mark ($ALGO) <b.mark-$ALGO@example.net>"
  keygen --quick-add-key "$FPR" "$ENCR" encr never
  keygen --quick-add-key "$FPR" "$ECDSA" auth never
  sleep 1 # gpg signs with the newest signing subkey: make this one the newest
  keygen --quick-add-key "$FPR" "$ECDSA" sign never
  gpg --batch --check-trustdb >/dev/null 2>&1 || true

  DIR="$WORK/$ALGO"
  mkdir -p "$DIR"
  P="$WORK/payload"
  gpg --status-fd=2 -bsau "$FPR" <"$P" >"$DIR/payload.sig" 2>/dev/null
  # Both must call the signature good, or the timing means nothing.
  for prog in "$GPG" "$GITSEAL"; do
    "$prog" --keyid-format=long --status-fd=1 --verify "$DIR/payload.sig" - <"$P" 2>/dev/null |
      grep -q '^\[GNUPG:\] GOODSIG ' || { echo "$prog does not verify the $ALGO signature" >&2; exit 2; }
  done

  echo "== $ALGO: a repository of $COMMITS signed commits (signed by gitseal through the agent)"
  REPO="$DIR/repo"
  git init -q -b main "$REPO"
  git -C "$REPO" config user.name "Bench Mark"
  git -C "$REPO" config user.email "$MAIL"
  git -C "$REPO" config gpg.program "$GITSEAL"
  git -C "$REPO" config user.signingKey "$FPR"
  # The first commit holds the policy for gitseal verify: this key may sign main.
  mkdir -p "$REPO/.gitseal/keys"
  gpg --armor --export "$FPR" >"$REPO/.gitseal/keys/bench.asc"
  printf 'version = 1\n\n[principals.bench]\nopenpgp = ["%s"]\n\n[[rules]]\nrefs = ["refs/heads/main"]\ncommits = ["bench"]\n\n[policy_changes]\nsigners = ["bench"]\n' \
    "$FPR" >"$REPO/.gitseal/policy.toml"
  git -C "$REPO" add .gitseal
  tree="$(git -C "$REPO" write-tree)"
  first="$(GIT_COMMITTER_DATE="1700000000 +0000" GIT_AUTHOR_DATE="1700000000 +0000" \
    git -C "$REPO" commit-tree -S -m "policy" "$tree")"
  parent="$first"
  for i in $(seq 1 "$COMMITS"); do
    parent="$(GIT_COMMITTER_DATE="$((1700000000 + i)) +0000" GIT_AUTHOR_DATE="$((1700000000 + i)) +0000" \
      git -C "$REPO" commit-tree -S -p "$parent" -m "commit $i" "$tree")"
  done
  git -C "$REPO" update-ref refs/heads/main "$parent"
  git -C "$REPO" repack -adq
  # Both must judge every commit good, or the timing means nothing.
  for prog in "$GPG" "$GITSEAL"; do
    bad="$(git -C "$REPO" -c gpg.program="$prog" log --format=%G? | grep -cv '^G$' || true)"
    [ "$bad" = 0 ] || { echo "$prog judged $bad $ALGO commits not G" >&2; exit 2; }
  done
  summary="$(cd "$REPO" && "$GITSEAL" verify --anchor "$first" --ref refs/heads/main --no-cache main 2>/dev/null | tail -1)"
  [ "$summary" = "$COMMITS commits, $COMMITS passed, 0 failed" ] ||
    { echo "gitseal verify on the $ALGO history: $summary" >&2; exit 2; }
  printf '%s %s %s %s\n' "$ALGO" "$FPR" "$DIR" "$first" >>"$SPECS"
done

echo "== measuring ($RUNS rounds of signing and verification, $GIT_RUNS of each history)"
python3 - "$OUT" "$RUNS" "$GIT_RUNS" "$COMMITS" "$KEYS" "$GPG" "$GITSEAL" "$GIT" "$SPECS" \
  "$WORK" <<'EOF' | tee "$OUT/table.md"
import json, os, random, statistics, sys, time

out, runs, git_runs, commits, keys = sys.argv[1], *map(int, sys.argv[2:6])
gpg, gitseal, git, specs, work = sys.argv[6:11]
payload = f"{work}/payload"
env = dict(os.environ)
env_config = dict(env, GITSEAL_FORMAT="")  # the format from git config (gpg.format)
env_nocache = dict(env, GITSEAL_CACHE_DIR="/dev/null/gitseal")  # no cache can be read or made

def run(argv, stdin, env, cwd=None):
    """Wall-clock and CPU seconds of one run (CPU: the process and its reaped children)."""
    fd_in = os.open(stdin, os.O_RDONLY)
    null = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, fd_in, 0), (os.POSIX_SPAWN_DUP2, null, 1),
               (os.POSIX_SPAWN_DUP2, null, 2)]
    if cwd:
        argv = ["/bin/sh", "-c", 'cd "$0" && exec "$@"', cwd, *argv]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(fd_in)
    os.close(null)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime

def interleaved(commands, rounds, warmup):
    """Runs every command once per round, in a random order each round."""
    times = {name: [] for name, _ in commands}
    for i in range(warmup + rounds):
        order = list(commands)
        random.shuffle(order)
        for name, spec in order:
            t = run(*spec)
            if i >= warmup:
                times[name].append(t)
    return times

def med(ts):
    return statistics.median(w for w, _ in ts)

def cpu(ts):
    return statistics.fmean(c for _, c in ts)

sign = ["--status-fd=2", "-bsau"]
figures = {}
tables = []
for line in open(specs):
    algo, fpr, d, first = line.split()
    sig, repo = f"{d}/payload.sig", f"{d}/repo"
    verify = ["--keyid-format=long", "--status-fd=1", "--verify", sig, "-"]
    latency = [
        ("gpg -bsau", ([gpg, *sign, fpr], payload, env)),
        ("gitseal -bsau", ([gitseal, *sign, fpr], payload, env)),
        ("gitseal -bsau (gpg.format)", ([gitseal, *sign, fpr], payload, env_config)),
        ("gpg --verify", ([gpg, *verify], payload, env)),
        ("gitseal --verify", ([gitseal, *verify], payload, env)),
        ("gitseal --verify (no cache)", ([gitseal, *verify], payload, env_nocache)),
    ]
    log = [
        # Exactly what a user runs: a `--format` with %G? would make git verify every
        # signature twice (once for %G?, once for --show-signature).
        (name, ([git, "-C", repo, "-c", f"gpg.program={prog}", "log", "--show-signature"],
                os.devnull, env))
        for name, prog in [("gpg", gpg), ("gitseal", gitseal)]
    ]
    check = [("gitseal verify --jobs 1", ([gitseal, "verify", "--anchor", first, "--ref",
               "refs/heads/main", "--no-cache", "--jobs", "1", "main"], os.devnull, env, repo))]
    lat = interleaved(latency, runs, 5)
    logs = interleaved(log, git_runs, 1)
    checks = interleaved(check, git_runs, 1)
    figures[algo] = {"latency": lat, "log": logs, "verify": checks}
    rows = [f"### {algo}: 3 user ids, 3 subkeys, {keys + 1} certificates in the keyring", "",
            "| command | median wall (ms) | gpg / this | mean CPU (ms) | gpg / this |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for name, ts in lat.items():
        ref = lat["gpg -bsau"] if "-bsau" in name else lat["gpg --verify"]
        rows.append(f"| {name} | {med(ts)*1000:.2f} | {med(ref)/med(ts):.2f} "
                    f"| {cpu(ts)*1000:.2f} | {cpu(ref)/cpu(ts):.2f} |")
    rows += ["", f"| {commits} commits | commits/s (median wall) | this / gpg log "
             "| CPU ms per commit | gpg log / this |", "| --- | ---: | ---: | ---: | ---: |"]
    ref = logs["gpg"]
    for name, ts in [(f"git log --show-signature, {n}", t) for n, t in logs.items()] + \
            list(checks.items()):
        rows.append(f"| {name} | {commits/med(ts):.0f} | {med(ref)/med(ts):.1f} "
                    f"| {cpu(ts)*1000/commits:.3f} | {cpu(ref)/cpu(ts):.1f} |")
    ts = checks["gitseal verify --jobs 1"]
    rows += ["", f"gitseal verify, one core: {commits/cpu(ts):.0f} commits per CPU-second", ""]
    tables.append("\n".join(rows))

json.dump(figures, open(f"{out}/figures.json", "w"))
load = " ".join(f"{l:.2f}" for l in os.getloadavg())
gpg_version = os.popen(f"{gpg} --version").readline().strip()
git_version = os.popen(f"{git} --version").readline().strip()
print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({gpg_version}, "
      f"{git_version}), {os.cpu_count()} CPUs, load average {load} (after the run), "
      f"{runs} rounds, {git_runs} rounds of each history")
print()
print("\n".join(tables))
EOF
