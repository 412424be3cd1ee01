#!/usr/bin/env bash
# Benchmark of gitseal's gpg dialect (OpenPGP) against gpg itself, side by side:
#   1. signing latency (`-bsau KEY`, payload on stdin) through the same gpg-agent, and
#      gitseal with a secret key file;
#   2. `git log --show-signature` over N signed commits with gpg.program=gpg and with
#      gpg.program=gitseal, as commits per second and the ratio.
#
#   scripts/bench-openpgp.sh
#
# Environment:
#   BENCH_RUNS        timed runs per signing command (default 100)
#   BENCH_COMMITS     signed commits in the verification repository (default 2000)
#   BENCH_GIT_RUNS    timed runs of git log --show-signature (default 3)
#   BENCH_OUT         where hyperfine's JSON and the table go (default <target>/bench-openpgp)
#
# A benchmark, not a test: it prints figures and exits 0 unless something could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${BENCH_RUNS:-100}"
COMMITS="${BENCH_COMMITS:-2000}"
GIT_RUNS="${BENCH_GIT_RUNS:-3}"

need() { command -v "$1" >/dev/null 2>&1 || { echo "$1 not found: apt-get install $2" >&2; exit 2; }; }
need gpg gnupg
need gpgconf gnupg
need git git
need hyperfine hyperfine
need python3 python3

echo "== building gitseal (release)"
cargo build --release --locked
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
GITSEAL="$target_dir/release/gitseal"
GPG="$(command -v gpg)"
OUT="${BENCH_OUT:-$target_dir/bench-openpgp}"
mkdir -p "$OUT"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-bench-pgp.XXXXXX")"
export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
cleanup() { gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A hermetic git: no user or system config.
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/home/.gitconfig"
mkdir -p "$HOME"
export GITSEAL_FORMAT=openpgp TZ=UTC LC_ALL=C

gpg --batch --pinentry-mode loopback --passphrase '' \
  --quick-gen-key 'Bench Mark <bench@example.com>' ed25519 sign never 2>/dev/null
FPR="$(gpg --with-colons --list-keys bench@example.com | awk -F: '/^fpr/{print $10; exit}')"
gpg --batch --pinentry-mode loopback --passphrase '' --armor \
  --export-secret-keys "$FPR" >"$WORK/key.asc"
head -c 600 /dev/urandom | base64 >"$WORK/payload"

echo "== signing latency (ed25519, $RUNS runs each)"
# Redirections rather than --input: Debian's hyperfine 1.15 has no --input.
P="$WORK/payload"
hyperfine --style basic --warmup 5 --runs "$RUNS" --export-json "$OUT/sign.json" \
  -n "gpg -bsau (agent)" "$GPG --status-fd=2 -bsau $FPR <$P >/dev/null 2>&1" \
  -n "gitseal -bsau (agent)" "$GITSEAL --status-fd=2 -bsau $FPR <$P >/dev/null 2>&1" \
  -n "gitseal -bsau (key file)" "$GITSEAL --status-fd=2 -bsau $WORK/key.asc <$P >/dev/null 2>&1" \
  >/dev/null

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

echo "== git log --show-signature over $COMMITS commits ($GIT_RUNS runs each)"
hyperfine --style basic --warmup 1 --runs "$GIT_RUNS" --export-json "$OUT/log.json" \
  -n "gpg" "git -C $REPO -c gpg.program=$GPG log --show-signature --format=%G? >/dev/null" \
  -n "gitseal" "git -C $REPO -c gpg.program=$GITSEAL log --show-signature --format=%G? >/dev/null" \
  >/dev/null

# Both must have judged every commit good, or the timing means nothing.
for prog in "$GPG" "$GITSEAL"; do
  bad="$(git -C "$REPO" -c gpg.program="$prog" log --format=%G? | grep -cv '^G$' || true)"
  [ "$bad" = 0 ] || { echo "$prog judged $bad commits not G" >&2; exit 2; }
done

python3 - "$OUT" "$COMMITS" <<'EOF' | tee "$OUT/table.txt"
import json, sys
out, commits = sys.argv[1], int(sys.argv[2])
def means(name):
    return {r["command"]: r["mean"] for r in json.load(open(f"{out}/{name}.json"))["results"]}
sign = means("sign")
gpg = sign["gpg -bsau (agent)"]
print(f"{'signing':32} {'mean ms':>9} {'gpg/this':>9}")
for name, mean in sign.items():
    print(f"{name:32} {mean*1000:9.2f} {gpg/mean:9.2f}")
log = means("log")
print()
print(f"{'git log --show-signature':32} {'commits/s':>9} {'ratio':>9}")
for name, mean in log.items():
    print(f"{name:32} {commits/mean:9.0f} {log['gpg']/mean:9.2f}")
EOF
