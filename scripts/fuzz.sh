#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/, docs/fuzzing.md) for a short while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 20 seconds each, every target
#
# Installs cargo-fuzz when it is missing, builds all targets (with the stable toolchain:
# RUSTC_BOOTSTRAP=1 lets it take the nightly flags cargo-fuzz passes), runs each target in
# turn from its seed corpus (fuzz/corpus/<target>, never written to: new inputs go to a
# scratch directory), the seeds made from third-party data (`fuzz/make-corpus.sh --shared`,
# from the project's shared folder: $GITSEAL_SHARED, else ../shared beside the clone) and
# the reproducers of past crashes (fuzz/regressions/<target>), and prints, per target, what
# libFuzzer's final statistics say.
# Exits non-zero when any target crashes, hangs or fails to run; the input that did it is
# kept under fuzz/artifacts/<target>/.
#
# Environment: CARGO_TARGET_DIR (default /var/tmp/gitseal-fuzz-target), FUZZ_WORK (scratch
# corpora and logs, default a temporary directory), FUZZ_SANITIZER (address; none is faster),
# FUZZ_TIMEOUT (seconds one input may take before it counts as a hang, default 10),
# FUZZ_IF_BUILT (1: fuzz only if CARGO_TARGET_DIR holds a finished build of all targets with
# this sanitizer, else say so and exit 0; for CI, where a cold build, 10-13 minutes, does
# not fit: the build is then incremental, a minute or two after a change to gitseal).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-20}
shift || true
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/gitseal-fuzz-target}
export CARGO_TERM_COLOR=never
CARGO_FUZZ_VERSION=0.13.2
sanitizer=${FUZZ_SANITIZER:-address}
timeout=${FUZZ_TIMEOUT:-10}
# Written after a build of all targets succeeded: which sanitizer that build used. Both
# builds share the target directory, and switching sanitizers rebuilds everything.
stamp=$CARGO_TARGET_DIR/gitseal-fuzz-built

if [ "${FUZZ_IF_BUILT:-0}" = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" != "$sanitizer" ]; then
  echo "fuzz: skipped: no cached build of the fuzz targets (sanitizer $sanitizer) in" \
    "$CARGO_TARGET_DIR; one run of scripts/fuzz.sh with the same settings makes it"
  exit 0
fi

# cargo-fuzz, if not on PATH, is installed beside the build, so that a cached target
# directory brings it along.
tools=$CARGO_TARGET_DIR/cargo-fuzz-$CARGO_FUZZ_VERSION
export PATH=$PATH:$tools/bin
if ! cargo fuzz --version >/dev/null 2>&1; then
  if [ "${FUZZ_IF_BUILT:-0}" = 1 ]; then
    echo "fuzz: skipped: cargo-fuzz is not installed (nor in $tools)"
    exit 0
  fi
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION in $tools"
  cargo install --locked --quiet --root "$tools" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
# The sanitizers and libFuzzer need a C++ compiler (libfuzzer-sys builds libFuzzer; a
# cached build has it already).
if [ ! -f "$stamp" ] && ! command -v c++ >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
work=${FUZZ_WORK:-$(mktemp -d)}
mkdir -p "$work"
# Real gitsign signatures and GitHub's web-flow commit are other projects' data: not in the
# repository, so their seeds are made here, from the shared folder, for every run.
rm -rf "$work/shared-seeds"
./make-corpus.sh --shared "$work/shared-seeds" || exit 1

echo "fuzz: building ${#targets[@]} targets (sanitizer: $sanitizer, target dir: $CARGO_TARGET_DIR)"
build() { nice cargo fuzz build --sanitizer "$sanitizer" "$@" >>"$work/build.log" 2>&1; }
started=$SECONDS
if [ $# -gt 0 ]; then
  # Some targets with another sanitizer leave the others' cached build stale.
  [ "$(cat "$stamp" 2>/dev/null)" = "$sanitizer" ] || rm -f "$stamp"
  for target in "${targets[@]}"; do build "$target" || { tail -40 "$work/build.log" >&2; exit 1; }; done
else
  rm -f "$stamp"
  build || { tail -40 "$work/build.log" >&2; exit 1; }
  echo "$sanitizer" >"$stamp"
fi
echo "fuzz: built in $((SECONDS - started)) s"

# The binaries are run directly, as `cargo fuzz run` would after its build: it would check
# the build again before every target (and rebuild if the tree changed meanwhile).
host=$(rustc -vV | sed -n 's/^host: //p')
if [ "$sanitizer" = address ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0
fi

failed=()
total_execs=0
total_seconds=0
printf '\n%-18s %12s %8s %7s %7s %12s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target"
  log=$work/$target.log
  status=0
  # Inputs that once crashed a target (fuzz/regressions/<target>/) run first, with the seeds.
  extra=()
  for dir in "corpus/$target" "$work/shared-seeds/$target" "regressions/$target"; do
    [ -d "$dir" ] && extra+=("$dir")
  done
  mkdir -p "artifacts/$target"
  nice "$CARGO_TARGET_DIR/$host/release/$target" -artifact_prefix="$PWD/artifacts/$target/" \
    -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 -close_fd_mask=1 \
    "$work/corpus/$target" "${extra[@]}" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse|RELOAD)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
  total_execs=$((total_execs + ${execs:-0}))
  total_seconds=$((total_seconds + seconds))
  if [ "$status" = 0 ]; then
    result=ok
  else
    result="FAILED (exit $status)"
    failed+=("$target")
  fi
  printf '%-18s %12s %8s %7s %7s %12s  %s\n' "$target" "${execs:--}" "${rate:--}" \
    "${cov:--}" "${ft:--}" "${corp:--}" "$result"
  if [ "$status" != 0 ]; then
    # What libFuzzer said about the crash: the panic, the artifact, the reproducer command.
    grep -A1 -E "panicked at" "$log" | head -4 | sed 's/^/    /'
    grep -E "ERROR: libFuzzer|ERROR: AddressSanitizer|Test unit written" "$log" \
      | head -6 | sed 's/^ */    /'
    echo "    replay: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer $sanitizer $target" \
      "artifacts/$target/<file>"
    echo "    full log: $log"
  fi
done

printf '%-18s %12s %8s\n' total "$total_execs" "$((total_execs / (total_seconds > 0 ? total_seconds : 1)))"

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
