#!/usr/bin/env bash
# Benchmark of Sigstore verification on real gitsign signatures (third-party data, read from
# the shared folder: $GITSEAL_SHARED, else ../shared beside the clone):
#
#   scripts/bench-sigstore.sh [SECONDS]     # default 10
#
# 1. In-process throughput on one core (examples/sigstore_throughput.rs): the seven vectors
#    with embedded log entries verified fully offline in a loop, as `gitseal verify` checks
#    the commits of a range (the trusted root parsed once). Target (DESIGN.md section 7):
#    at least 2,000 signatures per second per core.
# 2. What git costs per commit with gitseal as gpg.x509.program: `git verify-commit` of one
#    vector, timed by hyperfine (one gitseal process per commit, trusted root parsed each
#    time), beside `git cat-file commit` of the same object (git's own share).
# 3. Signing latency against the hermetic services on loopback (examples/sigstore_services:
#    Fulcio v2 and Rekor v1 of the tests): what git waits for per signature, without the
#    credential cache (a token, a Fulcio certificate, a Rekor entry) and with it (one Rekor
#    round trip). Loopback hides network latency; the figures are gitseal's own work.
# 4. `gitseal verify` over a generated history of 2,000 Sigstore-signed commits (the test
#    instance signs, examples/signed_history.rs --sigstore-root), one job and all, beside
#    `git log --show-signature` over its newest 200 with gitseal as gpg.x509.program (one
#    process per commit, as git runs it), commits per second and the ratio.
#
# gitsign itself (Go) cannot be built on this machine (no Go toolchain), so there is no
# side-by-side ratio against it; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_BUDGET="${1:-10}"
die() { echo "bench-sigstore: $*" >&2; exit 2; }

echo "== building gitseal and examples/sigstore_throughput (release)"
cargo build --release --locked --bin gitseal --example sigstore_throughput --example sigstore_services --example signed_history
target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || true)"
target_dir="${target_dir:-${CARGO_TARGET_DIR:-target}}"
gitseal="$target_dir/release/gitseal"
[ -x "$gitseal" ] || die "no gitseal binary in $target_dir/release"
vectors="${GITSEAL_SHARED:-$PWD/../shared}/vectors/gitsign-commits"
[ -d "$vectors" ] || die "third-party test data not found: $vectors (the project's shared folder belongs beside the clone as ../shared; set GITSEAL_SHARED to where it is)"
command -v hyperfine >/dev/null || die "hyperfine is missing: apt-get install hyperfine"

echo "== in-process, one core, ${SECONDS_BUDGET} s"
"$target_dir/release/examples/sigstore_throughput" "$SECONDS_BUDGET"

work="$(mktemp -d)"
services_pid=
trap 'rm -rf "$work"; [ -z "$services_pid" ] || kill "$services_pid" 2>/dev/null' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/home/.gitconfig"
mkdir -p "$HOME"
git init -q "$work/repo"
cd "$work/repo"
id="$(git hash-object -t commit -w --literally "$vectors/fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit")"
git config gpg.x509.program "$gitseal"
git config gitseal.trustedRoot "$OLDPWD/tests/fixtures/sigstore/trusted_root.prod.json"
git verify-commit "$id" 2>/dev/null || die "the vector does not verify"
echo "== one process per commit (git verify-commit)"
hyperfine -N --warmup 5 --runs 200 \
  "git verify-commit $id" \
  "git cat-file commit $id"

echo "== signing latency against the hermetic services (loopback)"
mkdir -p "$work/services"
"$target_dir/release/examples/sigstore_services" "$work/services" >/dev/null &
services_pid=$!
for _ in $(seq 100); do [ -s "$work/services/env" ] && break; sleep 0.1; done
[ -s "$work/services/env" ] || die "the services did not start"
set -a; . "$work/services/env"; set +a
token="$(cat "$work/services/token")"
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.org> 1700000000 +0000\ncommitter A <a@example.org> 1700000000 +0000\n\nbench\n' > "$work/payload"
export GITSEAL_FORMAT=x509
SIGSTORE_ID_TOKEN="$token" "$gitseal" login >/dev/null
hyperfine -N --warmup 3 --runs 50 \
  -n "no cache (Fulcio + Rekor)" "env GITSEAL_CREDENTIAL_CACHE=false SIGSTORE_ID_TOKEN=$token sh -c '$gitseal --status-fd=2 -bsau x < $work/payload > /dev/null 2>&1'" \
  -n "cached certificate (Rekor only)" "sh -c '$gitseal --status-fd=2 -bsau x < $work/payload > /dev/null 2>&1'"

echo "== gitseal verify over 2,000 Sigstore-signed commits"
unset GITSEAL_FORMAT GITSEAL_FULCIO_URL GITSEAL_REKOR_URL
history="$work/history"
git init -q -b main "$history"
out="$("$target_dir/release/examples/signed_history" --repo "$history" --sigstore-root "$work/history-root.json" --count 2001)"
first="$(echo "$out" | awk '/^first/{print $2}')"
tip="$(echo "$out" | awk '/^tip/{print $2}')"
git -C "$history" update-ref refs/heads/main "$tip"
git -C "$history" repack -adq
export GITSEAL_TRUSTED_ROOT="$work/history-root.json"
verify="$gitseal verify --anchor $first --ref refs/heads/main --no-cache main"
(cd "$history" && $verify >/dev/null) || die "the generated history does not verify"
git -C "$history" config gpg.x509.program "$gitseal"
git -C "$history" config gitseal.trustedRoot "$work/history-root.json"
hyperfine -N --warmup 1 --runs 10 \
  -n "gitseal verify, 2,000 commits, all cores" "sh -c 'cd $history && $verify > /dev/null'" \
  -n "gitseal verify, 2,000 commits, 1 job" "sh -c 'cd $history && $verify --jobs 1 > /dev/null'"
hyperfine -N --runs 3 \
  -n "git log --show-signature -n 200 (gitseal as gpg.x509.program)" "git -C $history log --show-signature -n 200 main"
