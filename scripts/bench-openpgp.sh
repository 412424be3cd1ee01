#!/usr/bin/env bash
# Benchmark of gitseal's gpg dialect (OpenPGP) against gpg itself, side by side, on the
# same keyring and the same gpg-agent:
#   1. signing (`-bsau KEY`, payload on stdin): gpg through the agent; gitseal through
#      the agent (format from GITSEAL_FORMAT, and from git config as a user who only set
#      gpg.format has it), and gitseal with a secret key file;
#   2. one verification (`--verify SIG -`, as git runs it);
#   3. `git log --show-signature` over N signed commits with gpg.program=gpg and with
#      gpg.program=gitseal, as commits per second.
#
#   scripts/bench-openpgp.sh
#
# Environment:
#   BENCH_RUNS        rounds of the signing/verification commands (default 200)
#   BENCH_COMMITS     signed commits in the verification repository (default 2000)
#   BENCH_GIT_RUNS    rounds of git log --show-signature (default 5)
#   BENCH_KEYS        other certificates in the keyring, as a real one has (default 20)
#   BENCH_OUT         where the raw figures (JSON) and the table go
#                     (default <target>/bench-openpgp)
#
# Built for a shared, loaded machine: the commands run interleaved, one round at a time in
# a random order, so that load changes hit all of them alike; the table gives the median
# wall-clock time and the mean CPU time (user + system of the process and the processes it
# waited for, e.g. `git config`; not gpg-agent's, for either program), which load
# disturbs far less. It records the date and the load average; compare the ratios of one
# run, not figures across runs.
#
# A benchmark, not a test: it prints figures and exits 0 unless something could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${BENCH_RUNS:-200}"
COMMITS="${BENCH_COMMITS:-2000}"
GIT_RUNS="${BENCH_GIT_RUNS:-5}"
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
GITSEAL="$target_dir/release/gitseal"
GPG="$(command -v gpg)"
GIT="$(command -v git)"
OUT="${BENCH_OUT:-$target_dir/bench-openpgp}"
mkdir -p "$OUT"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-bench-pgp.XXXXXX")"
export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
cleanup() { gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A hermetic git: no user or system config but what we write.
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/home/.gitconfig"
mkdir -p "$HOME"
export GITSEAL_FORMAT=openpgp TZ=UTC LC_ALL=C
printf '[gpg]\n\tformat = openpgp\n' >"$GIT_CONFIG_GLOBAL"

gpg --batch --pinentry-mode loopback --passphrase '' \
  --quick-gen-key 'Bench Mark <bench@example.com>' ed25519 sign never 2>/dev/null
FPR="$(gpg --with-colons --list-keys bench@example.com | awk -F: '/^fpr/{print $10; exit}')"
gpg --batch --pinentry-mode loopback --passphrase '' --armor \
  --export-secret-keys "$FPR" >"$WORK/key.asc"
head -c 600 /dev/urandom | base64 >"$WORK/payload"

if [ "$KEYS" -gt 0 ]; then
  echo "== $KEYS other certificates in the keyring"
  OTHER="$WORK/other"
  mkdir -m 700 "$OTHER"
  for i in $(seq 1 "$KEYS"); do
    GNUPGHOME="$OTHER" gpg --batch --pinentry-mode loopback --passphrase '' \
      --quick-gen-key "Other $i <other$i@example.org>" ed25519 sign never 2>/dev/null
  done
  GNUPGHOME="$OTHER" gpg --export | gpg --batch --import 2>/dev/null
  GNUPGHOME="$OTHER" gpgconf --kill all >/dev/null 2>&1 || true
fi

P="$WORK/payload"
gpg --status-fd=2 -bsau "$FPR" <"$P" >"$WORK/payload.sig" 2>/dev/null
# Both must call the signature good, or the timing means nothing.
"$GITSEAL" --keyid-format=long --status-fd=1 --verify "$WORK/payload.sig" - <"$P" 2>/dev/null |
  grep -q '^\[GNUPG:\] GOODSIG ' || { echo "gitseal does not verify gpg's signature" >&2; exit 2; }

echo "== building a repository of $COMMITS signed commits"
REPO="$WORK/repo"
git init -q -b main "$REPO"
git -C "$REPO" config user.name "Bench Mark"
git -C "$REPO" config user.email bench@example.com
git -C "$REPO" config gpg.program "$GITSEAL"
git -C "$REPO" config user.signingKey "$WORK/key.asc"
tree="$(git -C "$REPO" write-tree)"
parent=""
for i in $(seq 1 "$COMMITS"); do
  parent="$(GIT_COMMITTER_DATE="$((1700000000 + i)) +0000" GIT_AUTHOR_DATE="$((1700000000 + i)) +0000" \
    git -C "$REPO" commit-tree -S ${parent:+-p "$parent"} -m "commit $i" "$tree")"
done
git -C "$REPO" update-ref refs/heads/main "$parent"
# Both must judge every commit good, or the timing means nothing.
for prog in "$GPG" "$GITSEAL"; do
  bad="$(git -C "$REPO" -c gpg.program="$prog" log --format=%G? | grep -cv '^G$' || true)"
  [ "$bad" = 0 ] || { echo "$prog judged $bad commits not G" >&2; exit 2; }
done

echo "== signing and verification ($RUNS rounds), git log --show-signature ($GIT_RUNS rounds)"
python3 - "$OUT" "$RUNS" "$GIT_RUNS" "$COMMITS" "$KEYS" "$GPG" "$GITSEAL" "$GIT" "$FPR" \
  "$WORK" <<'EOF' | tee "$OUT/table.txt"
import json, os, random, statistics, sys, time

out, runs, git_runs, commits, keys = sys.argv[1], *map(int, sys.argv[2:6])
gpg, gitseal, git, fpr, work = sys.argv[6:11]
payload, sig, repo = f"{work}/payload", f"{work}/payload.sig", f"{work}/repo"
env = dict(os.environ)
env_config = dict(env, GITSEAL_FORMAT="")  # the format from git config (gpg.format)

def run(argv, stdin, env):
    """Wall-clock and CPU seconds of one run (CPU: the process and its reaped children)."""
    fd_in = os.open(stdin, os.O_RDONLY)
    null = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, fd_in, 0), (os.POSIX_SPAWN_DUP2, null, 1),
               (os.POSIX_SPAWN_DUP2, null, 2)]
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
        for name, (argv, stdin, e) in order:
            t = run(argv, stdin, e)
            if i >= warmup:
                times[name].append(t)
    return times

sign = ["--status-fd=2", "-bsau"]
verify = ["--keyid-format=long", "--status-fd=1", "--verify", sig, "-"]
latency = [
    ("gpg -bsau (agent)", ([gpg, *sign, fpr], payload, env)),
    ("gitseal -bsau (agent)", ([gitseal, *sign, fpr], payload, env)),
    ("gitseal -bsau (agent, gpg.format)", ([gitseal, *sign, fpr], payload, env_config)),
    ("gitseal -bsau (key file)", ([gitseal, *sign, f"{work}/key.asc"], payload, env)),
    ("gpg --verify", ([gpg, *verify], payload, env)),
    ("gitseal --verify", ([gitseal, *verify], payload, env)),
]
log = [
    (name, ([git, "-C", repo, "-c", f"gpg.program={prog}", "log", "--show-signature",
             "--format=%G?"], os.devnull, env))
    for name, prog in [("gpg", gpg), ("gitseal", gitseal)]
]
lat = interleaved(latency, runs, 10)
logs = interleaved(log, git_runs, 1)
json.dump({"latency": lat, "log": logs}, open(f"{out}/figures.json", "w"))

def med(ts):
    return statistics.median(w for w, _ in ts)

def cpu(ts):
    return statistics.fmean(c for _, c in ts)

load = " ".join(f"{l:.2f}" for l in os.getloadavg())
print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
      f"load average {load} (after the run), {keys + 1} certificates in the keyring, "
      f"{runs} rounds")
print()
print("| command | median wall (ms) | gpg / this | mean CPU (ms) | gpg / this |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, ts in lat.items():
    ref = lat["gpg -bsau (agent)"] if "-bsau" in name else lat["gpg --verify"]
    print(f"| {name} | {med(ts)*1000:.2f} | {med(ref)/med(ts):.2f} "
          f"| {cpu(ts)*1000:.2f} | {cpu(ref)/cpu(ts):.2f} |")
print()
print(f"| git log --show-signature, {commits} commits | commits/s (median wall) "
      "| this / gpg | CPU ms per commit | gpg / this |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, ts in logs.items():
    ref = logs["gpg"]
    print(f"| {name} | {commits/med(ts):.0f} | {med(ref)/med(ts):.2f} "
          f"| {cpu(ts)*1000/commits:.2f} | {cpu(ref)/cpu(ts):.2f} |")
EOF
