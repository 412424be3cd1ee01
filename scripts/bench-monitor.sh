#!/usr/bin/env bash
# Benchmark of `gitseal monitor`'s Rekor v2 tile scan (issue 16 item 7):
#
#   scripts/bench-monitor.sh [ENTRIES]     # default 100000
#
# examples/tile_log.rs serves a local C2SP tile log (the tests' hermetic Rekor v2 log) of
# ENTRIES synthetic hashedrekord 0.0.2 entries, each with a real Fulcio certificate (from
# the sigstore-conformance data in the shared folder); `gitseal monitor --from-index 0`
# then scans all of it, pinned to one core (taskset -c 0, when there is taskset): every
# entry bundle fetched, every entry hashed onto the tree and its certificate parsed and
# matched, the root compared with the signed checkpoint. Prints entries per second (wall)
# and per CPU-second of the monitor. Target: at least 5,000 entries/s; the anchor is
# rekor-monitor's measured ~570/s (no Go toolchain here to run it side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES="${1:-100000}"
die() { echo "bench-monitor: $*" >&2; exit 2; }

echo "== building gitseal and examples/tile_log (release)"
cargo build --locked --release --bin gitseal --example tile_log >/dev/null 2>&1 \
    || cargo build --locked --release --bin gitseal --example tile_log
target="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$target/examples/tile_log" "$ENTRIES" "$work" &
server=$!
for _ in $(seq 1 600); do
    [ -f "$work/ready" ] && break
    kill -0 "$server" 2>/dev/null || die "the tile log did not start"
    sleep 0.2
done
[ -f "$work/ready" ] || die "the tile log was not ready within 120 s"

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); else echo "(no taskset: not pinned)"; fi
git init -q "$work/repo"
cd "$work/repo"
export GITSEAL_TRUSTED_ROOT="$work/trusted_root.json"
TIMEFORMAT='%R %U %S'
times="$( { time "${pin[@]}" "$target/gitseal" monitor \
    --certificate-identity bench@example.org \
    --certificate-oidc-issuer https://issuer.example \
    --from-index 0 --state "$work/state.json" --format json >"$work/report.json"; } 2>&1 )" \
    || die "gitseal monitor failed: $(cat "$work/report.json")"
read -r real user sys <<<"$times"
size="$(grep -o '"tree_size": [0-9]*' "$work/report.json" | head -1 | grep -o '[0-9]*$')"
[ "$size" = "$ENTRIES" ] || die "the monitor reached $size entries, not $ENTRIES"
awk -v n="$ENTRIES" -v r="$real" -v u="$user" -v s="$sys" 'BEGIN {
    printf "gitseal monitor, Rekor v2 tile scan: %d entries in %.2f s: %.0f entries/s (one core), %.0f per CPU-second\n", n, r, n / r, n / (u + s)
}'
