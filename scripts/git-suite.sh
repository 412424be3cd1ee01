#!/usr/bin/env bash
# git's own signing tests, with gitseal in the place of gpg and ssh-keygen (DESIGN.md
# sections 4 and 8, issue 13). Every script runs twice in the same run: with the stock gpg
# and ssh-keygen, and with a PATH shim that sends git's signing and verifying calls to
# gitseal and everything else (key generation, --import, gpgconf, -lf, ...) to the real
# programs. gpg.format is left as the tests leave it. The passing counts must be equal.
#
#   scripts/git-suite.sh [--if-built] [--build-only] [--gitseal PROG] [-j N] [-v] [TEST...]
#
#   --if-built      run only if the cached git build exists; otherwise say so and exit 0
#                   (CI: a cold build does not fit in its time; see docs/openpgp.md)
#   --build-only    download and build git, run nothing
#   --gitseal PROG  the gitseal binary (default: `cargo build --locked`, debug profile)
#   -j N            scripts run at once (default: the number of CPUs)
#   -v              keep the test scripts' verbose output in the logs (-v -x)
#   TEST...         test script numbers (t7510 ...); default: every script that signs or
#                   verifies
#
# Where things are (nothing of git's is kept in this repository):
#   GITSEAL_PEER_CACHE  Debian source packages as downloaded (default /var/tmp/gitseal-peer,
#                       shared with shared/peer-suites/debsrc.sh)
#   GITSEAL_GIT_CACHE   the unpacked and built git (default /var/tmp/gitseal-git); keep the
#                       path short: gpg-agent puts its sockets inside the test directories
#                       and a UNIX socket path has at most 108 bytes
#   the trash directories go to a fresh mktemp -d under /tmp for the same reason, and
#   the logs of the last run to $GITSEAL_GIT_CACHE/logs.
#
# How git's sources are fetched: `apt-get source` needs a deb-src entry, so one is written
# for the download (a copy of the Debian sources with Types: deb-src), `apt-get update`
# runs, `apt-get source --download-only git` fetches the .dsc and tarballs (checked against
# the signed Sources index), and the entry is removed and `apt-get update` runs again.
# Needs root (or sudo) and the Debian mirror, once per machine.
set -euo pipefail
cd "$(dirname "$0")/.."

TESTS_DEFAULT=(t7510 t7030 t7004 t4202 t5534 t6200 t6300 t7612 t5573 t3435 t3514 t7528 t7031)
PEER_CACHE=${GITSEAL_PEER_CACHE:-/var/tmp/gitseal-peer}
GIT_CACHE=${GITSEAL_GIT_CACHE:-/var/tmp/gitseal-git}
MAKE_FLAGS=(NO_CURL=1 NO_GETTEXT=1 NO_TCLTK=1 NO_PYTHON=1)

if_built=0 build_only=0 gitseal="" jobs="$(nproc 2>/dev/null || echo 2)" verbose=0 tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--if-built) if_built=1 ;;
	--build-only) build_only=1 ;;
	--gitseal) gitseal="$2"; shift ;;
	--gitseal=*) gitseal="${1#*=}" ;;
	-j) jobs="$2"; shift ;;
	-j*) jobs="${1#-j}" ;;
	-v) verbose=1 ;;
	t[0-9][0-9][0-9][0-9]) tests+=("$1") ;;
	*) echo "git-suite: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ ${#tests[@]} -gt 0 ] || tests=("${TESTS_DEFAULT[@]}")

say() { printf 'git-suite: %s\n' "$*" >&2; }
# shellcheck source=scripts/lib/debsrc.sh
. scripts/lib/debsrc.sh

# --- git's sources: Debian's source package ------------------------------------------------

dsc_file() { ls "$PEER_CACHE/dl/git/"*.dsc 2>/dev/null | head -1; }

# The build directory of that source package: $GIT_CACHE/<version>, built in place (git's
# bin-wrappers hold absolute paths), finished when its .gitseal-built stamp exists.
build_dir() {
	local dsc=$1 version
	version=$(sed -n 's/^Version: //p' "$dsc" | head -1)
	version=${version#*:}
	printf '%s/%s\n' "$GIT_CACHE" "${version//[^A-Za-z0-9.+-]/_}"
}

# What building git needs beyond a C compiler: installed when missing and we may (root).
build_deps() {
	local missing=() p
	for p in make gcc zlib1g-dev libexpat1-dev dpkg-dev; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	say "installing what building git needs: ${missing[*]}"
	as_root apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_git() {
	local dsc=$1 dir=$2 start
	mkdir -p "$GIT_CACHE"
	[ -f "$dir/.gitseal-built" ] || build_deps
	(
		flock 9
		[ -f "$dir/.gitseal-built" ] && exit 0
		rm -rf "$dir"
		say "unpacking $(basename "$dsc") into $dir"
		dpkg-source -q --no-copy -x "$dsc" "$dir" >/dev/null 2>"$GIT_CACHE/unpack.err" ||
			{ say "dpkg-source -x failed: $(tail -3 "$GIT_CACHE/unpack.err")"; exit 2; }
		say "building git (${MAKE_FLAGS[*]}, -j$(nproc)); log: $GIT_CACHE/build.log"
		start=$(date +%s)
		nice make -C "$dir" -j"$(nproc)" "${MAKE_FLAGS[@]}" all >"$GIT_CACHE/build.log" 2>&1 ||
			{ say "building git failed: $(tail -5 "$GIT_CACHE/build.log")"; exit 2; }
		printf 'source %s\nflags %s\nseconds %s\n' "$(basename "$dsc")" "${MAKE_FLAGS[*]}" \
			"$(($(date +%s) - start))" >"$dir/.gitseal-built"
		say "built git in $(($(date +%s) - start)) s"
	) 9>"$GIT_CACHE/.build.lock"
}

dsc=$(dsc_file || true)
if [ "$if_built" = 1 ]; then
	dir=${dsc:+$(build_dir "$dsc")}
	if [ -z "$dsc" ] || [ ! -f "$dir/.gitseal-built" ]; then
		echo "git-suite: SKIPPED: no cached build of Debian's git under $GIT_CACHE."
		echo "git-suite: git's signing tests did NOT run; run scripts/git-suite.sh once to download and build git (about 3 minutes of CPU on 2 cores), after which CI runs them every time."
		exit 0
	fi
else
	[ -n "$dsc" ] || { debsrc_download git; dsc=$(dsc_file); }
	dir=$(build_dir "$dsc")
	build_git "$dsc" "$dir"
fi
[ "$build_only" = 1 ] && { say "git is built in $dir"; exit 0; }

# --- the programs ---------------------------------------------------------------------------

if [ -z "$gitseal" ]; then
	cargo build --locked --quiet --bin gitseal
	target_dir="$(cargo metadata --format-version 1 --no-deps |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
	gitseal="$target_dir/debug/gitseal"
fi
gitseal=$(realpath "$gitseal")
real_gpg=$(command -v gpg) || { say "gpg not found: apt-get install gnupg"; exit 2; }
real_ssh_keygen=$(command -v ssh-keygen) || { say "ssh-keygen not found: apt-get install openssh-client"; exit 2; }

WORK=$(mktemp -d /tmp/gs.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# The shim: git's calls to gitseal, the tests' own calls to the real programs. Every call
# that goes to gitseal is counted, so a run that never reached gitseal cannot pass as equal.
mkdir -p "$WORK/shim"
cat >"$WORK/shim/gpg" <<EOF
#!/bin/sh
# git signs with "--status-fd=2 -bsau KEY" and verifies with "... --status-fd=1 --verify FILE -".
case " \$* " in
*" --status-fd"*" -bsau "*|*" --status-fd"*" --verify "*)
	echo gpg >>"\${GITSEAL_SHIM_LOG:-/dev/null}"
	exec "$gitseal" "\$@" ;;
esac
exec "$real_gpg" "\$@"
EOF
cat >"$WORK/shim/ssh-keygen" <<EOF
#!/bin/sh
# git's calls are "-Y sign|verify|find-principals|check-novalidate ..."; key generation,
# -l and certificate signing stay with ssh-keygen.
for arg in "\$@"; do
	case "\$arg" in
	-Y)
		echo ssh-keygen >>"\${GITSEAL_SHIM_LOG:-/dev/null}"
		exec "$gitseal" "\$@" ;;
	esac
done
exec "$real_ssh_keygen" "\$@"
EOF
chmod +x "$WORK/shim/gpg" "$WORK/shim/ssh-keygen"

# --- the runs -------------------------------------------------------------------------------

LOGS="$GIT_CACHE/logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
test_args=()
[ "$verbose" = 1 ] && test_args=(-v -x)

# One script, one side: its log in $LOGS/<test>.<side>.log.
run_one() {
	local test=$1 side=$2 script path
	script=$(cd "$dir/t" && ls "$test"-*.sh | head -1)
	path=$PATH
	[ "$side" = gitseal ] && path="$WORK/shim:$PATH"
	mkdir -p "$WORK/$side"
	: >"$LOGS/$test.$side.calls"
	(
		cd "$dir/t"
		# A user's environment, not ours: no gitseal settings, no GnuPG home of the caller.
		unset GITSEAL_FORMAT GNUPGHOME SSH_AUTH_SOCK GPG_AGENT_INFO
		PATH="$path" GITSEAL_SHIM_LOG="$LOGS/$test.$side.calls" \
			timeout 1800 "$SHELL_PATH" "./$script" --root="$WORK/$side" "${test_args[@]}"
	) >"$LOGS/$test.$side.log" 2>&1 || true
}
SHELL_PATH=${SHELL_PATH:-/bin/sh}

say "git $(basename "$dir"), gitseal $gitseal, ${#tests[@]} scripts x 2, $jobs at once; logs: $LOGS"
start=$(date +%s)
running=0
for test in "${tests[@]}"; do
	[ -n "$(cd "$dir/t" && ls "$test"-*.sh 2>/dev/null)" ] || { say "no test script $test in $dir/t"; exit 2; }
	for side in stock gitseal; do
		run_one "$test" "$side" &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
	done
done
wait || true
elapsed=$(($(date +%s) - start))

# ok / not ok / skipped counts of one log (TAP lines; "# skip" marks a skipped test).
counts() {
	local log=$1
	local ok skip notok
	ok=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	skip=$(grep -cE '^ok [0-9]+ # skip' "$log" || true)
	notok=$(grep -E '^not ok [0-9]+ ' "$log" | grep -cv '# TODO' || true)
	echo "$((ok - skip)) $notok $skip"
}

status=0
printf '\n%-8s %-32s %18s %18s %8s\n' test script "stock pass/fail/skip" "gitseal pass/fail/skip" calls
for test in "${tests[@]}"; do
	script=$(cd "$dir/t" && ls "$test"-*.sh | head -1)
	read -r sp sf ss <<<"$(counts "$LOGS/$test.stock.log")"
	read -r gp gf gs <<<"$(counts "$LOGS/$test.gitseal.log")"
	calls=$(wc -l <"$LOGS/$test.gitseal.calls")
	verdict=same
	if [ "$sp" != "$gp" ] || [ "$sf" != "$gf" ] || [ "$ss" != "$gs" ]; then
		verdict=DIFFERENT
		status=1
	elif [ "$sp" = 0 ] || ! grep -qE '^# (passed all|failed|still have)' "$LOGS/$test.stock.log"; then
		verdict="NO RESULT"
		status=1
	elif [ "$calls" = 0 ]; then
		verdict="gitseal never called"
		status=1
	fi
	printf '%-8s %-32s %18s %18s %8s  %s\n' "$test" "${script%.sh}" "$sp/$sf/$ss" "$gp/$gf/$gs" "$calls" "$verdict"
	if [ "$verdict" = DIFFERENT ]; then
		diff <(grep -E '^(not )?ok [0-9]+ ' "$LOGS/$test.stock.log") \
			<(grep -E '^(not )?ok [0-9]+ ' "$LOGS/$test.gitseal.log") | grep '^[<>]' | sed 's/^/          /' || true
	fi
done
echo
if [ "$status" = 0 ]; then
	echo "git-suite: every script reached the stock counts ($elapsed s; git $(basename "$dir"))"
else
	echo "git-suite: FAILED: gitseal did not reach the stock counts (logs in $LOGS; $elapsed s)"
fi
exit "$status"
