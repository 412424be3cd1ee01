#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/, docs/fuzzing.md) for a short while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 20 seconds each, every target
#
# Installs cargo-fuzz when it is missing, builds all targets (with the stable toolchain:
# RUSTC_BOOTSTRAP=1 lets it take the nightly flags cargo-fuzz passes), runs each target in
# turn from its seed corpus (fuzz/corpus/<target>, never written to: new inputs go to a
# scratch directory) and the reproducers of past crashes (fuzz/regressions/<target>), and
# prints, per target, what libFuzzer's final statistics say.
# Exits non-zero when any target crashes, hangs or fails to run; the input that did it is
# kept under fuzz/artifacts/<target>/.
#
# Environment: CARGO_TARGET_DIR (default /var/tmp/gitseal-fuzz-target), FUZZ_WORK (scratch
# corpora and logs, default a temporary directory), FUZZ_SANITIZER (address; none is faster),
# FUZZ_TIMEOUT (seconds one input may take before it counts as a hang, default 10).
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

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
# The sanitizers and libFuzzer need a C++ compiler (libfuzzer-sys builds libFuzzer).
if ! command -v c++ >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
work=${FUZZ_WORK:-$(mktemp -d)}
mkdir -p "$work"

echo "fuzz: building ${#targets[@]} targets (sanitizer: $sanitizer, target dir: $CARGO_TARGET_DIR)"
build() { nice cargo fuzz build --sanitizer "$sanitizer" "$@" >>"$work/build.log" 2>&1; }
if [ $# -gt 0 ]; then
  for target in "${targets[@]}"; do build "$target" || { tail -40 "$work/build.log" >&2; exit 1; }; done
else
  build || { tail -40 "$work/build.log" >&2; exit 1; }
fi

failed=()
printf '\n%-18s %12s %8s %7s %7s %12s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target"
  log=$work/$target.log
  status=0
  # Inputs that once crashed a target (fuzz/regressions/<target>/) run first, with the seeds.
  extra=()
  [ -d "regressions/$target" ] && extra=("regressions/$target")
  nice cargo fuzz run --sanitizer "$sanitizer" "$target" "$work/corpus/$target" "corpus/$target" \
    "${extra[@]}" -- \
    -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 \
    -close_fd_mask=1 >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse|RELOAD)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
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
    grep -E "ERROR: libFuzzer|ERROR: AddressSanitizer|Test unit written|^ *cargo fuzz run" "$log" \
      | head -6 | sed 's/^ */    /'
    echo "    full log: $log"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
