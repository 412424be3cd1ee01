#!/usr/bin/env bash
# Benchmark of `gitseal verify` against `git log --show-signature`, on the same generated
# repositories, in the same run (DESIGN.md section 7).
#
#   scripts/bench-verify.sh [N...]          # default: 2000 100000
#
# For each N it builds a repository of N+1 commits: the anchor (the first commit, which adds
# .gitseal/policy.toml; trusted, not checked) and N commits after it, every one signed with
# one Ed25519 key by gitseal's own signer (examples/signed_history.rs), then packed with
# `git repack -adq`. BENCH_FORMAT picks the format: ssh (default; an ssh-keygen key) or
# openpgp (a key made by gpg --quick-gen-key ed25519, its certificate in .gitseal/keys/). It checks the history with `git verify-commit` and with one `gitseal
# verify` run, then measures with hyperfine:
#
#   cold            gitseal verify --anchor FIRST --ref refs/heads/main --no-cache main
#   cold, 1 job     the same with --jobs 1 (the per-core figure)
#   warm cache      the same without --no-cache, the verdict cache already holding all N
#   incremental     warm cache holding all but the last 100 commits (a CI run after a push)
#   git log         git log --show-signature -n G main, with gpg.ssh.program=ssh-keygen and
#                   gpg.ssh.allowedSignersFile (openpgp: gpg.program=gpg, the key in GnuPG's
#                   keyring with ultimate trust) (G = min(N, 2000): on the largest repository
#                   git log is measured on its newest 2,000 commits only, it is too slow
#                   to run over all of them)
#
# and max RSS of each gitseal mode with /usr/bin/time -v. Prints a table: seconds (mean of
# the runs), commits/s (wall clock), commits per CPU-second (user+system, less sensitive to
# other load on the machine), the ratio to git log, and max RSS. Then the verdict on the
# targets: >= 100x git log; >= 10,000 commits/s per core (cold, --jobs 1); < 64 MB max RSS at
# 100,000 commits. Exits 1 when a target is missed: a benchmark verdict, not a test.
#
# Sigstore history is measured by scripts/bench-sigstore.sh (it needs the test instance).
#
# Environment:
#   BENCH_FORMAT     ssh (default) or openpgp
#   BENCH_RUNS       timed runs per gitseal mode (default: 10 up to 10,000 commits, else 3)
#   BENCH_GIT_RUNS   timed runs of git log (default 3)
#   BENCH_GIT_COMMITS  commits git log checks at most (default 2000)
#   BENCH_OUT        where hyperfine JSON, RSS files and table.md go (default <target>/bench-verify)
#   BENCH_KEEP       1: keep the generated repositories (their path is printed)
#   CARGO_TARGET_DIR honoured by the build and when looking for the binaries
#
# On a machine that other work is using, run it as root with `nice -n -10` so that the load
# disturbs it less; the commits per CPU-second column is the figure least moved by load.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(2000 100000)
GIT_RUNS="${BENCH_GIT_RUNS:-3}"
GIT_MAX="${BENCH_GIT_COMMITS:-2000}"
INCREMENT=100
TARGET_RATIO=100
TARGET_PER_CORE=10000
TARGET_RSS_MB=64
TARGET_RSS_AT=100000

die() { echo "bench-verify: $*" >&2; exit 2; }

# --- build -------------------------------------------------------------------------------
echo "== building gitseal and examples/signed_history (release)"
cargo build --release --locked --bin gitseal --example signed_history
target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
  true)"
target_dir="${target_dir:-${CARGO_TARGET_DIR:-target}}"
[ -x "$target_dir/release/gitseal" ] || die "no gitseal binary in $target_dir/release"
[ -x "$target_dir/release/examples/signed_history" ] || die "no signed_history example in $target_dir/release/examples"

# --- tools -------------------------------------------------------------------------------
need_package() { # need_package COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing $2"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    die "$1 is missing: apt-get install $2"
  fi
}
need_package hyperfine hyperfine
need_package /usr/bin/time time
FORMAT="${BENCH_FORMAT:-ssh}"
case "$FORMAT" in ssh | openpgp) ;; *) die "BENCH_FORMAT must be ssh or openpgp: $FORMAT" ;; esac
need_package ssh-keygen openssh-client
[ "$FORMAT" = ssh ] || need_package gpg gnupg
need_package git git
need_package python3 python3
need_package pgrep procps

OUT="${BENCH_OUT:-$target_dir/bench-verify}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/*.json "$OUT"/*.rss "$OUT"/table.md

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-bench-verify.XXXXXX")"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
  echo "== keeping the repositories in $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
# Copies of the binaries, so that another build cannot replace them halfway.
mkdir -p "$WORK/bin"
cp "$target_dir/release/gitseal" "$target_dir/release/examples/signed_history" "$WORK/bin/"
GITSEAL="$WORK/bin/gitseal"
GENERATE="$WORK/bin/signed_history"

# No agent, no user or system git config: gitseal and git see the same, minimal world.
unset SSH_AUTH_SOCK SSH_AGENT_PID
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.org

PRINCIPAL=bench@example.org
if [ "$FORMAT" = ssh ]; then
  ssh-keygen -q -t ed25519 -N '' -C "$PRINCIPAL" -f "$WORK/key"
  printf '%s namespaces="git" %s\n' "$PRINCIPAL" "$(cut -d' ' -f1,2 "$WORK/key.pub")" \
    >"$WORK/allowed_signers"
  GIT_VERIFY=(git -c gpg.ssh.program=ssh-keygen -c "gpg.ssh.allowedSignersFile=$WORK/allowed_signers")
  SIGNER=(--key "$WORK/key")
  TOOLS="$(ssh -V 2>&1)"
else
  # gpg makes the key (ultimate trust: git log shows G) and verifies for git log; the
  # generator signs with the exported secret key, in-process, as gpg -bsau would.
  export GNUPGHOME="$WORK/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  # Made before the history starts (signed_history dates commits from 1,700,000,000).
  gpg --batch --quiet --faked-system-time 1690000000 --passphrase "" \
    --quick-gen-key "Bench <$PRINCIPAL>" ed25519 sign never 2>/dev/null
  gpg --batch --quiet --armor --export-secret-keys "$PRINCIPAL" >"$WORK/key.asc"
  GIT_VERIFY=(git -c gpg.program=gpg)
  SIGNER=(--openpgp "$WORK/key.asc")
  TOOLS="$(gpg --version | head -1)"
fi

CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "== machine: $(nproc) cores, ${CPU:-unknown CPU}, $(uname -sr)"
echo "== gitseal $("$GITSEAL" version 2>/dev/null | head -1 || echo '?') at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ modified)'); $(git --version); $TOOLS; hyperfine $(hyperfine --version | cut -d' ' -f2)"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== format: $FORMAT, Ed25519 (Sigstore history: scripts/bench-sigstore.sh)"

# json_stats FILE: "mean stddev user system" of the first command in a hyperfine export.
json_stats() {
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r["stddev"] or 0, r["user"], r["system"])
EOF
}
# rss_mb FILE: max RSS in MB from /usr/bin/time -v output.
rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }

ROWS="$WORK/rows"
: >"$ROWS"
# row SIZE MODE COMMITS JSON [RSS_FILE]
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$ROWS"; }

for N in "${SIZES[@]}"; do
  [[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -gt "$INCREMENT" ] || die "size must be a number > $INCREMENT: $N"
  RUNS="${BENCH_RUNS:-$([ "$N" -le 10000 ] && echo 10 || echo 3)}"
  G=$((N < GIT_MAX ? N : GIT_MAX))
  REPO="$WORK/repo-$N"
  echo
  echo "== repository of $N signed commits (+ the anchor) in $REPO"
  git init -q -b main "$REPO"
  start=$(date +%s%N)
  "$GENERATE" --repo "$REPO" "${SIGNER[@]}" --count $((N + 1)) >"$WORK/ids-$N"
  FIRST="$(awk '$1 == "first" {print $2}' "$WORK/ids-$N")"
  TIP="$(awk '$1 == "tip" {print $2}' "$WORK/ids-$N")"
  git -C "$REPO" update-ref refs/heads/main "$TIP"
  git -C "$REPO" repack -adq
  git -C "$REPO" count-objects -vH | grep -E '^(count|in-pack|size-pack):' | tr '\n' ' '
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  printf '\n   generated and packed in %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))

  # The history is what git itself accepts: git verify-commit on a few commits.
  echo "== checking the history"
  [ "$(git -C "$REPO" rev-list --count main)" = $((N + 1)) ] || die "main does not have $((N + 1)) commits"
  for rev in "$FIRST" main~$((N - 1)) main~$((N / 2)) main~1 main; do
    "${GIT_VERIFY[@]}" -C "$REPO" verify-commit "$rev" 2>/dev/null ||
      die "git verify-commit $rev failed in $REPO"
  done
  [ "$("${GIT_VERIFY[@]}" -C "$REPO" log --format=%G? -n "$G" main | sort -u)" = G ] ||
    die "git log does not show a good signature on every one of the last $G commits"
  if [ "$N" -le 10000 ]; then git -C "$REPO" fsck --strict --no-dangling --no-progress; fi

  VERIFY=("$GITSEAL" verify --anchor "$FIRST" --ref refs/heads/main)
  # One gitseal run that must pass every commit; it also fills the verdict cache.
  summary="$(cd "$REPO" && "${VERIFY[@]}" main 2>/dev/null | tail -1)"
  [ "$summary" = "$N commits, $N passed, 0 failed" ] ||
    die "gitseal verify on $REPO: expected all $N commits to pass, got: $summary"
  echo "   git verify-commit, git log %G? and gitseal verify: all good"
  CACHE="$REPO/.git/gitseal/verdicts"
  cp "$CACHE" "$WORK/cache-full-$N"
  # The cache as it was before the last $INCREMENT commits were pushed.
  rm -f "$CACHE"
  (cd "$REPO" && "${VERIFY[@]}" "main~$INCREMENT" >/dev/null 2>&1)
  cp "$CACHE" "$WORK/cache-partial-$N"
  cp "$WORK/cache-full-$N" "$CACHE"

  hf() { # hf NAME RUNS COMMAND... (in the repository, output discarded)
    local name="$1" runs="$2"
    shift 2
    echo "   load average before $name: $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$REPO" && hyperfine -N --style basic --warmup 1 --runs "$runs" \
      --export-json "$OUT/$N-$name.json" --command-name "$name" "$@")
  }
  # rss NAME COMMAND...: max RSS of one run (/usr/bin/time -v), and the peaks of its
  # anonymous (heap) and file-backed (mapped pack, index, binary) parts, sampled every 20 ms
  # from /proc.
  rss() {
    local name="$1" tpid child a f anon=0 file=0
    shift
    (cd "$REPO" && exec /usr/bin/time -v -o "$OUT/$N-$name.rss" "$@" >/dev/null 2>&1) &
    tpid=$!
    while kill -0 "$tpid" 2>/dev/null; do
      child="$(pgrep -P "$tpid" 2>/dev/null | head -1 || true)"
      if [ -n "$child" ] && read -r a f < <(awk '/^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {print a + 0, f + 0}' "/proc/$child/status" 2>/dev/null); then
        [ "$a" -gt "$anon" ] && anon=$a
        [ "$f" -gt "$file" ] && file=$f
      fi
      sleep 0.02
    done
    wait "$tpid"
    printf 'Sampled peak RssAnon (kbytes): %s\nSampled peak RssFile (kbytes): %s\n' "$anon" "$file" >>"$OUT/$N-$name.rss"
  }

  echo "== measuring ($RUNS runs per gitseal mode, $GIT_RUNS of git log)"
  hf cold "$RUNS" "${VERIFY[*]} --no-cache main"
  rss cold "${VERIFY[@]}" --no-cache main
  row "$N" "gitseal, cold (no cache), $(nproc) jobs" "$N" "$OUT/$N-cold.json" "$OUT/$N-cold.rss"

  hf cold-1 "$RUNS" "${VERIFY[*]} --no-cache --jobs 1 main"
  rss cold-1 "${VERIFY[@]}" --no-cache --jobs 1 main
  row "$N" "gitseal, cold (no cache), 1 job" "$N" "$OUT/$N-cold-1.json" "$OUT/$N-cold-1.rss"

  hf warm "$RUNS" "${VERIFY[*]} main"
  rss warm "${VERIFY[@]}" main
  row "$N" "gitseal, warm cache" "$N" "$OUT/$N-warm.json" "$OUT/$N-warm.rss"

  hf incremental "$RUNS" --prepare "cp $WORK/cache-partial-$N $CACHE" "${VERIFY[*]} main"
  cp "$WORK/cache-partial-$N" "$CACHE"
  rss incremental "${VERIFY[@]}" main
  row "$N" "gitseal, cache warm but for the last $INCREMENT" "$N" "$OUT/$N-incremental.json" "$OUT/$N-incremental.rss"

  hf git-log "$GIT_RUNS" "${GIT_VERIFY[*]} log --show-signature -n $G main"
  row "$N" "git log --show-signature -n $G" "$G" "$OUT/$N-git-log.json"
done

# --- table and verdict ---------------------------------------------------------------------
echo
python3 - "$ROWS" "$OUT/table.md" "$TARGET_RATIO" "$TARGET_PER_CORE" "$TARGET_RSS_MB" "$TARGET_RSS_AT" <<'EOF' || VERDICT=1
import json, os, re, sys
rows_file, table_file = sys.argv[1], sys.argv[2]
target_ratio, target_core, target_rss, rss_at = (float(a) for a in sys.argv[3:7])

def rss(path):
    if not path:
        return None, None, None
    text = open(path).read()
    def kb(pattern):
        m = re.search(pattern + r" \(kbytes\): (\d+)", text)
        return int(m.group(1)) / 1024 if m else None
    return kb("Maximum resident set size"), kb("Sampled peak RssAnon"), kb("Sampled peak RssFile")

rows = []
for line in open(rows_file):
    size, mode, commits, js, rss_file = line.rstrip("\n").split("\t")
    r = json.load(open(js))["results"][0]
    cpu = r["user"] + r["system"]
    rows.append(dict(size=int(size), mode=mode, commits=int(commits), mean=r["mean"],
                     sd=r["stddev"] or 0.0, rate=int(commits) / r["mean"],
                     cpu_rate=int(commits) / cpu if cpu > 0 else float("inf"),
                     rss=rss(rss_file)[0], anon=rss(rss_file)[1], file=rss(rss_file)[2]))
git = {r["size"]: r for r in rows if r["mode"].startswith("git log")}

out = ["| repository | mode | seconds (mean ± sd) | commits/s | commits/CPU-s | vs git log (wall) | vs git log (CPU) | max RSS | of which heap / mapped files |",
       "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    g = git.get(r["size"])
    is_git = r["mode"].startswith("git log")
    ratio = "1" if is_git else (f"{r['rate'] / g['rate']:,.0f}x" if g else "-")
    cpu_ratio = "1" if is_git else (f"{r['cpu_rate'] / g['cpu_rate']:,.0f}x" if g else "-")
    out.append(f"| {r['size']:,} | {r['mode']} | {r['mean']:.3f} ± {r['sd']:.3f} | {r['rate']:,.0f} | "
               f"{r['cpu_rate']:,.0f} | {ratio} | {cpu_ratio} | "
               + (f"{r['rss']:.1f} MB" if r["rss"] is not None else "-") + " | "
               + (f"{r['anon']:.0f} / {r['file']:.0f} MB" if r["anon"] else "-") + " |")
table = f"format: {os.environ.get('BENCH_FORMAT', 'ssh')}, Ed25519\n\n" + "\n".join(out)
print(table)

verdicts, ok = [], True
def check(passed, text):
    global ok
    ok = ok and passed
    verdicts.append(f"- {'met' if passed else 'MISSED'}: {text}")

for size in sorted({r["size"] for r in rows}):
    cold = next(r for r in rows if r["size"] == size and "jobs" in r["mode"])
    one = next(r for r in rows if r["size"] == size and "1 job" in r["mode"])
    g = git[size]
    check(cold["rate"] / g["rate"] >= target_ratio,
          f"{size:,} commits: gitseal cold is {cold['rate'] / g['rate']:,.0f}x git log --show-signature "
          f"(wall clock; {cold['cpu_rate'] / g['cpu_rate']:,.0f}x per CPU-second), target >= {target_ratio:.0f}x")
    check(one["rate"] >= target_core,
          f"{size:,} commits: {one['rate']:,.0f} commits/s on one core (cold, --jobs 1; "
          f"{one['cpu_rate']:,.0f} per CPU-second), target >= {target_core:,.0f}")
    if size >= rss_at:
        worst = max((r for r in rows if r["size"] == size and r["rss"] is not None), key=lambda r: r["rss"])
        check(worst["rss"] < target_rss,
              f"{size:,} commits: max RSS {worst['rss']:.1f} MB ({worst['mode']}; sampled peaks: heap "
              f"{worst['anon'] or 0:.0f} MB, mapped pack/index/binary {worst['file'] or 0:.0f} MB), target < {target_rss:.0f} MB")
if not any(s >= rss_at for s in git):
    verdicts.append(f"- not measured: max RSS at {rss_at:,.0f} commits (no repository that large in this run)")
verdicts.append("- Sigstore history: scripts/bench-sigstore.sh")
print()
print("\n".join(verdicts))
open(table_file, "w").write(table + "\n\n" + "\n".join(verdicts) + "\n")
sys.exit(0 if ok else 1)
EOF
echo
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== table written to $OUT/table.md"
exit "${VERDICT:-0}"
