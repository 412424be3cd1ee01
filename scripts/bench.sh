#!/usr/bin/env bash
# Benchmark of gitseal's ssh-keygen dialect against ssh-keygen itself, measured side by side.
#
#   scripts/bench.sh
#
# Environment:
#   BENCH_RUNS       timed runs per command in the per-operation benchmarks (default 200)
#   BENCH_WARMUP     warm-up runs per command (default 20)
#   BENCH_GIT_RUNS   timed runs of `git log --show-signature -n 200` (default 10)
#   BENCH_OUT        where the hyperfine JSON files and the table go
#                    (default <cargo target dir>/bench)
#   CARGO_TARGET_DIR honoured by the build and when looking for the binary
#
# Prints a table of ssh-keygen time / gitseal time (> 1 means gitseal is faster) and exits 1
# if gitseal signs more than 5% slower than ssh-keygen for any key type. This is a benchmark
# verdict, not a test: see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${BENCH_RUNS:-200}"
WARMUP="${BENCH_WARMUP:-20}"
GIT_RUNS="${BENCH_GIT_RUNS:-10}"
GIT_COMMITS=200
MIN_SIGN_RATIO=0.95

# --- build -------------------------------------------------------------------------------
echo "== building gitseal (release)"
cargo build --release --locked
target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
  true)"
target_dir="${target_dir:-${CARGO_TARGET_DIR:-target}}"
built="$(cd "$target_dir/release" && pwd)/gitseal"
[ -x "$built" ] || { echo "no gitseal binary at $built" >&2; exit 2; }
# What was built: the commit, and whether the work tree differed from it.
REV="$(git rev-parse --short HEAD 2>/dev/null || true)"
if [ -n "$REV" ] && [ -n "$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
  REV="$REV + uncommitted changes"
fi
SSH_KEYGEN="$(command -v ssh-keygen)" || { echo "ssh-keygen not found: apt-get install openssh-client" >&2; exit 2; }
command -v git >/dev/null || { echo "git not found: apt-get install git" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

# --- hyperfine ---------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing hyperfine"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
  else
    echo "hyperfine is missing: apt-get install hyperfine" >&2
    exit 2
  fi
fi

OUT="${BENCH_OUT:-$target_dir/bench}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/*.json "$OUT"/table.txt "$OUT"/verdict.txt

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A copy of the binary, so that another build into the same target dir cannot swap it mid-run.
GITSEAL="$WORK/gitseal"
cp "$built" "$GITSEAL"

# No agent, no user or system git config: both programs see the same, minimal world.
unset SSH_AUTH_SOCK SSH_AGENT_PID
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.org

# --- the message on stdin ----------------------------------------------------------------
# `hyperfine --input FILE` appeared in hyperfine 1.17. Older ones (Debian 12 ships 1.15) get a
# tiny wrapper, the same for both programs, that opens FILE as stdin and execs the command:
# one extra execve per run, added to both sides equally.
if hyperfine --help 2>/dev/null | grep -q -- '--input'; then
  STDIN_MODE=input
else
  STDIN_MODE=wrapper
  command -v cc >/dev/null || { echo "no C compiler for the stdin wrapper: apt-get install gcc" >&2; exit 2; }
  cat >"$WORK/stdin_from.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
/* stdin_from FILE PROGRAM ARGS...: run PROGRAM with FILE as its standard input. */
int main(int argc, char **argv) {
  if (argc < 3) { fputs("usage: stdin_from FILE PROGRAM [ARGS...]\n", stderr); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0 || dup2(fd, 0) < 0) { perror(argv[1]); return 2; }
  if (fd != 0) close(fd);
  execv(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}
EOF
  cc -O2 -o "$WORK/stdin_from" "$WORK/stdin_from.c"
fi
# with_stdin FILE: sets STDIN_ARGS, extra hyperfine arguments, and PREFIX, the text to put
# before each command line, so that the command reads FILE on stdin.
with_stdin() {
  if [ "$STDIN_MODE" = input ]; then
    STDIN_ARGS=(--input "$1")
    PREFIX=""
  else
    STDIN_ARGS=()
    PREFIX="$WORK/stdin_from $1 "
  fi
}

# --- keys, messages, allowed signers -----------------------------------------------------
echo "== preparing keys and messages in $WORK"
PRINCIPAL=bench@example.org
# ed25519-cert: an Ed25519 key signing through an OpenSSH user certificate (the file
# key-ed25519-cert-cert.pub, issued by the CA key ca), allowed by a cert-authority line.
KEYTYPES=(ed25519 ecdsa-p256 rsa-3072 ed25519-cert)
declare -A KEYGEN_ARGS=([ed25519]="-t ed25519" [ecdsa-p256]="-t ecdsa -b 256" [rsa-3072]="-t rsa -b 3072" [ed25519-cert]="-t ed25519")
: >"$WORK/allowed_signers"
"$SSH_KEYGEN" -q -t ed25519 -N '' -C ca -f "$WORK/ca"
for kt in "${KEYTYPES[@]}"; do
  # shellcheck disable=SC2086
  "$SSH_KEYGEN" -q ${KEYGEN_ARGS[$kt]} -N '' -C "$kt" -f "$WORK/key-$kt"
  case "$kt" in
  *-cert) "$SSH_KEYGEN" -q -s "$WORK/ca" -I bench -n "$PRINCIPAL" "$WORK/key-$kt.pub" ;;
  *) printf '%s namespaces="git" %s\n' "$PRINCIPAL" "$(cat "$WORK/key-$kt.pub")" >>"$WORK/allowed_signers" ;;
  esac
done
printf '%s cert-authority,namespaces="git" %s\n' "$PRINCIPAL" "$(cat "$WORK/ca.pub")" >>"$WORK/allowed_signers"
# What -Y sign -f names: the key, or for a certificate the certificate file.
sign_file() { case "$1" in *-cert) echo "$WORK/key-$1-cert.pub" ;; *) echo "$WORK/key-$1" ;; esac; }
# A typical commit object (~300 bytes) and a 100 KB one.
cat >"$WORK/msg-300B" <<'EOF'
tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
parent 2f1c3a9e0b7d4c5a8e6f1d2b3c4a5e6f7a8b9c0d
author Bench <bench@example.org> 1700000000 +0000
committer Bench <bench@example.org> 1700000000 +0000

Fix the frobnicator's handling of empty input

The frobnicator returned an error on an empty buffer; it now returns
an empty result, as the documentation always said.
EOF
python3 -c 'import sys,random; r=random.Random(1); sys.stdout.write("".join(r.choice("abcdefghijklmnopqrstuvwxyz \n") for _ in range(102400)))' >"$WORK/msg-100KB"
MSGS=(300B 100KB)

# Signatures made by ssh-keygen for the verify and find-principals runs (the same files for
# both programs), and a cross-check that each program accepts the other's signatures.
for kt in "${KEYTYPES[@]}"; do
  for m in "${MSGS[@]}"; do
    cp "$WORK/msg-$m" "$WORK/ref-$kt-$m"
    "$SSH_KEYGEN" -q -Y sign -n git -f "$(sign_file "$kt")" "$WORK/ref-$kt-$m" 2>/dev/null
    cp "$WORK/msg-$m" "$WORK/own-$kt-$m"
    "$GITSEAL" -Y sign -n git -f "$(sign_file "$kt")" "$WORK/own-$kt-$m" 2>/dev/null
    "$GITSEAL" -Y verify -n git -f "$WORK/allowed_signers" -I "$PRINCIPAL" \
      -s "$WORK/ref-$kt-$m.sig" <"$WORK/msg-$m" >/dev/null
    "$SSH_KEYGEN" -Y verify -n git -f "$WORK/allowed_signers" -I "$PRINCIPAL" \
      -s "$WORK/own-$kt-$m.sig" <"$WORK/msg-$m" >/dev/null
  done
done

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_START="$(date -u '+%Y-%m-%d %H:%M')"

# --- per-operation benchmarks ------------------------------------------------------------
# hyperfine times all runs of its first command, then all runs of the second. On a shared VM
# the load can change in between, so each pair is measured twice, in both orders (half the
# runs each; ssh-keygen first, then gitseal first), and the table pools the two.
run_pair() { # run_pair NAME RUNS WARMUP ssh-keygen-command gitseal-command [hyperfine args...]
  local name="$1" runs="$2" warmup="$3" sk="$4" gs="$5"
  shift 5
  local half=$(((runs + 1) / 2))
  echo
  echo "== $name"
  hyperfine -N --warmup "$warmup" --runs "$half" --style basic "$@" \
    --export-json "$OUT/$name.1.json" \
    --command-name ssh-keygen "$sk" --command-name gitseal "$gs"
  hyperfine -N --warmup "$warmup" --runs "$half" --style basic "$@" \
    --export-json "$OUT/$name.2.json" \
    --command-name gitseal "$gs" --command-name ssh-keygen "$sk"
}

for kt in "${KEYTYPES[@]}"; do
  key="$(sign_file "$kt")"
  for m in "${MSGS[@]}"; do
    # sign: the signature goes to MSG.sig. ssh-keygen asks before overwriting one, so it is
    # removed before every run (not timed).
    msg="$WORK/sign-$kt-$m"
    cp "$WORK/msg-$m" "$msg"
    run_pair "sign-$m-$kt" "$RUNS" "$WARMUP" \
      "$SSH_KEYGEN -Y sign -n git -f $key $msg" \
      "$GITSEAL -Y sign -n git -f $key $msg" \
      --prepare "rm -f $msg.sig"

    # verify: the message on stdin, as git passes it.
    with_stdin "$WORK/msg-$m"
    run_pair "verify-$m-$kt" "$RUNS" "$WARMUP" \
      "${PREFIX}$SSH_KEYGEN -Y verify -n git -f $WORK/allowed_signers -I $PRINCIPAL -s $WORK/ref-$kt-$m.sig" \
      "${PREFIX}$GITSEAL -Y verify -n git -f $WORK/allowed_signers -I $PRINCIPAL -s $WORK/ref-$kt-$m.sig" \
      "${STDIN_ARGS[@]}"
  done
  # find-principals reads only the signature: the message size does not matter.
  run_pair "find-principals-$kt" "$RUNS" "$WARMUP" \
    "$SSH_KEYGEN -Y find-principals -f $WORK/allowed_signers -s $WORK/ref-$kt-300B.sig" \
    "$GITSEAL -Y find-principals -f $WORK/allowed_signers -s $WORK/ref-$kt-300B.sig"
done

# --- git log --show-signature over a signed repository ----------------------------------
echo
echo "== building a repository of $GIT_COMMITS commits signed (ed25519) by gitseal"
REPO="$WORK/repo"
git init -q "$REPO"
git -C "$REPO" config gpg.format ssh
git -C "$REPO" config user.signingKey "$WORK/key-ed25519.pub"
git -C "$REPO" config gpg.ssh.allowedSignersFile "$WORK/allowed_signers"
git -C "$REPO" config commit.gpgSign true
for i in $(seq 1 "$GIT_COMMITS"); do
  echo "line $i" >>"$REPO/file.txt"
  git -C "$REPO" add file.txt
  git -C "$REPO" -c gpg.ssh.program="$GITSEAL" commit -q -m "commit $i

Body of commit $i, a line or two as usual."
done
for prog in "$GITSEAL" "$SSH_KEYGEN"; do
  good="$(git -C "$REPO" -c gpg.ssh.program="$prog" log --show-signature -n "$GIT_COMMITS" |
    grep -c '^Good "git" signature for' || true)"
  if [ "$good" != "$GIT_COMMITS" ]; then
    echo "git log --show-signature with $prog: $good good signatures, expected $GIT_COMMITS" >&2
    exit 2
  fi
done
run_pair git-log-show-signature "$GIT_RUNS" 2 \
  "git -C $REPO -c gpg.ssh.program=$SSH_KEYGEN log --show-signature -n $GIT_COMMITS" \
  "git -C $REPO -c gpg.ssh.program=$GITSEAL log --show-signature -n $GIT_COMMITS"

# --- report ------------------------------------------------------------------------------
{
  echo
  echo "== machine and versions"
  echo "date:       $BENCH_START to $(date -u '+%H:%M UTC')"
  echo "machine:    $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
  echo "gitseal:    $("$GITSEAL" --version 2>&1 | head -1)${REV:+ (built from $REV)}, $(stat -c %s "$GITSEAL") bytes"
  echo "ssh-keygen: $(ssh -V 2>&1 || dpkg-query -W -f='openssh-client ${Version}' openssh-client 2>/dev/null)"
  echo "git:        $(git --version)"
  echo "hyperfine:  $(hyperfine --version) (stdin: $STDIN_MODE)"
  echo "runs:       $RUNS per command, half in each order (+$WARMUP warm-up per half); git log: $GIT_RUNS (+2 warm-up per half)"
  echo "load avg:   $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (1, 5, 15 min; anything well above 0 means other work shared the CPUs)"
  echo
  python3 - "$OUT" "$GIT_COMMITS" "$MIN_SIGN_RATIO" <<'EOF'
import json, os, sys
out, commits, min_ratio = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

def load(name):
    """Pools the runs of both orders: (ssh-keygen, gitseal), each {mean, stddev, n}."""
    times = {"ssh-keygen": [], "gitseal": []}
    cpu = {"ssh-keygen": 0.0, "gitseal": 0.0}  # user + system seconds, summed over runs
    for part in (1, 2):
        with open(os.path.join(out, f"{name}.{part}.json")) as f:
            for r in json.load(f)["results"]:
                times[r["command"]] += r["times"]
                cpu[r["command"]] += (r["user"] + r["system"]) * len(r["times"])
    res = []
    for c in ("ssh-keygen", "gitseal"):
        st = stats(times[c])
        st["cpu"] = cpu[c] / len(times[c])
        res.append(st)
    return tuple(res)

def stats(t):
    m = sum(t) / len(t)
    sd = (sum((x - m) ** 2 for x in t) / (len(t) - 1)) ** 0.5 if len(t) > 1 else 0.0
    return {"mean": m, "stddev": sd, "n": len(t)}

def ms(r):
    return f'{r["mean"]*1e3:7.2f} ± {r["stddev"]*1e3:5.2f} ms'

rows, slow = [], []
for kt in ["ed25519", "ecdsa-p256", "rsa-3072", "ed25519-cert"]:
    for op in ["sign-300B", "sign-100KB", "verify-300B", "verify-100KB", "find-principals"]:
        sk, gs = load(f"{op}-{kt}")
        ratio = sk["mean"] / gs["mean"]
        rows.append((op, kt, ms(sk), ms(gs), ratio, sk["cpu"] / gs["cpu"]))
        if op.startswith("sign") and ratio < min_ratio:
            slow.append(f"{op} {kt}: ratio {ratio:.2f}")
    # What git runs per commit on verify-commit / log --show-signature.
    fp_sk, fp_gs = load(f"find-principals-{kt}")
    v_sk, v_gs = load(f"verify-300B-{kt}")
    a = fp_sk["mean"] + v_sk["mean"]
    b = fp_gs["mean"] + v_gs["mean"]
    cpu = (fp_sk["cpu"] + v_sk["cpu"]) / (fp_gs["cpu"] + v_gs["cpu"])
    rows.append(("find-principals+verify (sum)", kt, f"{a*1e3:7.2f} ms         ", f"{b*1e3:7.2f} ms         ", a / b, cpu))

hdr = ("operation", "key type", "ssh-keygen (mean ± σ)", "gitseal (mean ± σ)", "ratio", "CPU ratio")
w = [max(len(hdr[i]), *(len(r[i]) for r in rows)) for i in range(4)]
line = lambda c: f"| {c[0]:<{w[0]}} | {c[1]:<{w[1]}} | {c[2]:>{w[2]}} | {c[3]:>{w[3]}} | {c[4]:>5} | {c[5]:>9} |"
print(line(hdr))
print("|" + "|".join("-" * (x + 2) for x in w) + "|-------|-----------|")
for r in rows:
    print(line(r[:4] + (f"{r[4]:.2f}", f"{r[5]:.2f}")))

sk, gs = load("git-log-show-signature")
print()
print(f"git log --show-signature -n {commits} (ed25519, {commits} signed commits):")
print(f"  ssh-keygen: {sk['mean']:.3f} ± {sk['stddev']:.3f} s = {commits/sk['mean']:6.0f} commits/s")
print(f"  gitseal:    {gs['mean']:.3f} ± {gs['stddev']:.3f} s = {commits/gs['mean']:6.0f} commits/s")
print(f"  ratio (ssh-keygen time / gitseal time): {sk['mean']/gs['mean']:.2f}; CPU ratio {sk['cpu']/gs['cpu']:.2f}")
print()
print("ratio = ssh-keygen wall time / gitseal wall time; > 1 means gitseal is faster.")
print("CPU ratio = the same for user + system CPU time (waits for the disk are not CPU time).")
with open(os.path.join(out, "verdict.txt"), "w") as f:
    f.write("".join(line + "\n" for line in slow))
EOF
} | tee "$OUT/table.txt"

echo "JSON and table: $OUT"
if [ -s "$OUT/verdict.txt" ]; then
  echo
  echo "VERDICT: gitseal signs slower than ssh-keygen (ratio < $MIN_SIGN_RATIO):"
  sed 's/^/  /' "$OUT/verdict.txt"
  exit 1
fi
echo "VERDICT: gitseal signs no slower than ssh-keygen for every key type (ratio >= $MIN_SIGN_RATIO)."
