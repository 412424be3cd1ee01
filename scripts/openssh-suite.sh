#!/usr/bin/env bash
# OpenSSH's own SSHSIG and KRL regression tests with gitseal in ssh-keygen's place (issue 14,
# DESIGN.md section 4). Each runs twice in the same run: with the stock ssh-keygen, and with
# a PATH-free shim that sends every -Y call to gitseal (key generation, -s certificate signing
# and -k KRL building stay with ssh-keygen). The numbers of checks must be equal and no check
# may fail on either side.
#
#   scripts/openssh-suite.sh [--gitseal PROG] [-v]
#
#   --gitseal PROG  the gitseal binary (default: `cargo build --locked`, debug profile)
#   -v              print each failing check's output
#
# What runs (nothing of OpenSSH's is kept in this repository; regress/ is taken at run time
# from Debian's openssh source package and unpacked, Debian patches applied, into
# $GITSEAL_PEER_CACHE/openssh, default /var/tmp/gitseal-peer/openssh, shared with
# ../shared/peer-suites):
#   regress/sshsig.sh   unmodified, through regress/test-exec.sh: signing with every key type
#                       ssh -Q key-plain lists (DSA included; security-key types only with an
#                       sk provider, which Debian's package does not build), their
#                       certificates, allowed_signers options, verify-time, find-principals,
#                       match-principals, revocation and ssh-agent.
#   regress/krl.sh      unmodified; its `ssh-keygen -Q -f KRL KEY` queries are answered, on the
#                       gitseal side, by signing with KEY (ssh-keygen) and asking
#                       `gitseal -Y verify -r KRL` (OpenSSH runs the same ssh_krl_check_key on
#                       a signature's key): first without -r, which must pass, then with it.
#   the fixed signatures of regress/unittests/sshsig/testdata (every key type incl. -sk and a
#                       real WebAuthn signature): each command is run by ssh-keygen and by
#                       gitseal and must give the same exit code and the same stdout.
#
# How the source is fetched: `apt-get source` needs a deb-src entry, so one is written for the
# download (a copy of the Debian sources with Types: deb-src), `apt-get update` runs, `apt-get
# source --download-only openssh` fetches the .dsc and tarballs (checked against the signed
# Sources index), the entry is removed and `apt-get update` runs again. Once per machine; needs
# root (or sudo). The runs take about two minutes on 2 cores (docs/ssh.md).
set -euo pipefail
cd "$(dirname "$0")/.."

PEER_CACHE=${GITSEAL_PEER_CACHE:-/var/tmp/gitseal-peer}
SRC=$PEER_CACHE/openssh
gitseal="" verbose=0
while [ $# -gt 0 ]; do
	case "$1" in
	--gitseal) gitseal="$2"; shift ;;
	--gitseal=*) gitseal="${1#*=}" ;;
	-v) verbose=1 ;;
	*) echo "openssh-suite: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

say() { printf 'openssh-suite: %s\n' "$*" >&2; }
# shellcheck source=scripts/lib/debsrc.sh
. scripts/lib/debsrc.sh

# --- OpenSSH's regress/ from Debian's source package ------------------------------------------

unpack_source() {
	[ -f "$SRC/.debsrc" ] && return 0
	command -v dpkg-source >/dev/null 2>&1 || {
		say "installing dpkg-dev (dpkg-source)"
		as_root apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq dpkg-dev >/dev/null
	}
	debsrc_download openssh
	local dsc
	dsc=$(ls "$PEER_CACHE/dl/openssh/"*.dsc | head -1)
	(
		flock 9
		[ -f "$SRC/.debsrc" ] && exit 0
		rm -rf "$SRC.part"
		dpkg-source -q --no-copy -x "$dsc" "$SRC.part" >/dev/null 2>"$PEER_CACHE/dl/openssh.unpack.err" ||
			{ say "dpkg-source -x $dsc failed: $(tail -3 "$PEER_CACHE/dl/openssh.unpack.err")"; exit 2; }
		basename "$dsc" >"$SRC.part/.debsrc"
		rm -rf "$SRC"
		mv "$SRC.part" "$SRC"
	) 9>"$PEER_CACHE/.unpack-openssh.lock"
}

unpack_source
REGRESS=$SRC/regress
VECTORS=$REGRESS/unittests/sshsig/testdata
for f in sshsig.sh krl.sh test-exec.sh; do
	[ -f "$REGRESS/$f" ] || { say "$REGRESS/$f is missing: remove $SRC to unpack again"; exit 2; }
done
[ -f "$VECTORS/signed-data" ] || { say "$VECTORS is missing: remove $SRC to unpack again"; exit 2; }

# --- the programs ---------------------------------------------------------------------------

if [ -z "$gitseal" ]; then
	cargo build --locked --quiet --bin gitseal
	target_dir="$(cargo metadata --format-version 1 --no-deps |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
	gitseal="$target_dir/debug/gitseal"
fi
gitseal=$(realpath "$gitseal")
real_keygen=$(command -v ssh-keygen) || { say "ssh-keygen not found: apt-get install openssh-client"; exit 2; }
command -v ssh-agent >/dev/null || { say "ssh-agent not found: apt-get install openssh-client"; exit 2; }

WORK=$(mktemp -d /tmp/gs-openssh.XXXXXX)
chmod 755 "$WORK"
cleanup() {
	# Agents the tests started and did not stop (a test that died half-way).
	if [ -f "$WORK/agents" ]; then
		while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$WORK/agents"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# The ssh-keygen the tests run. GITSEAL_SUITE_SIDE says where -Y goes; every call the side
# under test answers is logged (a run that never reached gitseal cannot pass as equal).
mkdir -p "$WORK/bin"
cat >"$WORK/bin/ssh-keygen" <<EOF
#!/bin/bash
real=$real_keygen
gitseal=$gitseal
log=\${GITSEAL_SUITE_LOG:?}
# ssh-keygen's options that take a value (its getopt string), to find -Y and -Q in clusters.
with_value=CDEFIMNOPRVYZabfgmnrstwz
ymode= query= krl= keys=()
args=("\$@") i=0
while [ \$i -lt \${#args[@]} ]; do
	a=\${args[\$i]}
	case \$a in
	--) keys+=("\${args[@]:\$((i + 1))}"); break ;;
	-?*)
		j=1
		while [ \$j -lt \${#a} ]; do
			c=\${a:\$j:1}
			if [[ \$with_value == *"\$c"* ]]; then
				v=\${a:\$((j + 1))}
				[ -n "\$v" ] || { i=\$((i + 1)); v=\${args[\$i]-}; }
				case \$c in Y) ymode=\$v ;; f) krl=\$v ;; esac
				break
			fi
			[ "\$c" = Q ] && query=1
			j=\$((j + 1))
		done ;;
	*) keys+=("\$a") ;;
	esac
	i=\$((i + 1))
done

if [ -n "\$ymode" ]; then
	if [ "\$GITSEAL_SUITE_SIDE" = gitseal ]; then "\$gitseal" "\$@"; else "\$real" "\$@"; fi
	rc=\$?
	echo "Y \$ymode \$rc" >>"\$log"
	exit \$rc
fi
if [ -n "\$query" ] && [ "\$GITSEAL_SUITE_SIDE" = gitseal ]; then
	# ssh-keygen -Q -f KRL KEY...: 0 when no KEY is revoked. Each KEY signs a payload (its
	# private half lies beside it), gitseal verifies it against an allowed_signers line that
	# names exactly that key or certificate, without and then with -r KRL.
	state=\$GITSEAL_SUITE_STATE
	payload=\$state/payload
	[ -f "\$payload" ] || echo "gitseal KRL query" >"\$payload"
	ret=0
	for key in "\${keys[@]}"; do
		tag=\$(printf '%s' "\$key" | tr / _)
		if [ ! -s "\$state/\$tag.sig" ]; then
			"\$real" -q -Y sign -n krl-query -f "\$key" <"\$payload" >"\$state/\$tag.sig" 2>/dev/null ||
				{ echo "shim: ssh-keygen cannot sign with \$key" >&2; echo "Q-error sign" >>"\$log"; exit 255; }
			printf 'krl-query %s\n' "\$(cat "\$key")" >"\$state/\$tag.allowed"
		fi
		verify=("\$gitseal" -Y verify -n krl-query -I krl-query -f "\$state/\$tag.allowed" -s "\$state/\$tag.sig")
		if ! "\${verify[@]}" <"\$payload" >/dev/null 2>&1; then
			echo "shim: gitseal does not verify \$key even without a KRL" >&2
			echo "Q-error verify" >>"\$log"; exit 255
		fi
		"\${verify[@]}" -r "\$krl" <"\$payload" >/dev/null 2>&1
		rc=\$?
		echo "Q \$rc" >>"\$log"
		if [ \$rc = 0 ]; then echo "\$key: ok"; else echo "\$key: REVOKED"; ret=1; fi
	done
	exit \$ret
fi
if [ -n "\$query" ]; then
	"\$real" "\$@"; rc=\$?
	echo "Q \$rc" >>"\$log"
	exit \$rc
fi
exec "\$real" "\$@"
EOF
# test-exec.sh runs "sshd -t" on its configuration although these tests never start sshd.
printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/sshd"
# Agents are remembered so that cleanup can stop them.
cat >"$WORK/bin/ssh-agent" <<EOF
#!/bin/sh
out=\$($(command -v ssh-agent) "\$@") || exit \$?
printf '%s\n' "\$out"
printf '%s\n' "\$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' >>"$WORK/agents"
EOF
# The script handed to test-exec.sh: it runs after test-exec.sh's setup, counts every fail()
# and lets fatal() go on, so that one failure does not hide the checks after it.
cat >"$WORK/driver.sh" <<'EOF'
tid="gitseal openssh-suite"
fail () { echo "$*" >>"$OBJ/failures"; RESULT=1; echo "FAIL: $*"; }
fatal () { printf 'FATAL: '; fail "$@"; }
: >"$OBJ/failures"
. "$GITSEAL_SUITE_SCRIPT"
EOF
chmod +x "$WORK/bin/"*

# One upstream script on one side; prints "checks failures".
run_script() {
	local script=$1 side=$2 obj=$WORK/$1.$2
	mkdir -p "$obj/state"
	: >"$obj/calls"
	(
		cd "$obj"
		unset SSH_AUTH_SOCK SSH_AGENT_PID
		# test-exec.sh calls this small C helper of OpenSSH's tree in its ssh wrapper.
		printf '#!/bin/sh\ndate +%%Y%%m%%d%%H%%M%%S\n' >"$obj/timestamp"
		chmod +x "$obj/timestamp"
		GITSEAL_SUITE_SIDE=$side GITSEAL_SUITE_LOG=$obj/calls GITSEAL_SUITE_STATE=$obj/state \
		GITSEAL_SUITE_SCRIPT=$REGRESS/$script.sh \
		TEST_SSH_SSHKEYGEN=$WORK/bin/ssh-keygen TEST_SSH_SSHAGENT=$WORK/bin/ssh-agent \
		TEST_SSH_SSHD=$WORK/bin/sshd TEST_SSH_UNSAFE_PERMISSIONS=1 TEST_SHELL=/bin/sh \
		TEST_SSH_TRACE=no TEST_SSH_QUIET=yes \
			timeout 1200 /bin/sh "$REGRESS/test-exec.sh" "$obj" "$WORK/driver.sh"
	) >"$obj/log" 2>&1 || true
	local checks failures
	checks=$(grep -c -E '^(Y|Q) ' "$obj/calls" || true)
	failures=$(wc -l <"$obj/failures" 2>/dev/null || echo missing)
	echo "$checks $failures"
}

# --- the fixed vectors ----------------------------------------------------------------------

# One command, run by ssh-keygen and by gitseal: same exit code, same stdout, and the expected
# outcome ("ok" or "refused"). Counts into vec_same / vec_diff.
vec_same=0 vec_diff=0
vector_check() {
	local what=$1 want=$2 input=$3; shift 3
	local rc_s rc_g
	"$real_keygen" "$@" <"$input" >"$WORK/v.stock" 2>"$WORK/v.stock.err" && rc_s=0 || rc_s=$?
	"$gitseal" "$@" <"$input" >"$WORK/v.gitseal" 2>"$WORK/v.gitseal.err" && rc_g=0 || rc_g=$?
	local ok=yes
	[ "$rc_s" = "$rc_g" ] || ok=no
	cmp -s "$WORK/v.stock" "$WORK/v.gitseal" || ok=no
	case $want in
	ok) [ "$rc_s" = 0 ] || ok=no ;;
	refused) [ "$rc_s" != 0 ] || ok=no ;;
	esac
	if [ $ok = yes ]; then
		vec_same=$((vec_same + 1))
	else
		vec_diff=$((vec_diff + 1))
		echo "  vector $what: ssh-keygen exit $rc_s, gitseal exit $rc_g (want $want)"
		if [ "$verbose" = 1 ]; then
			sed 's/^/    ssh-keygen: /' "$WORK/v.stock" "$WORK/v.stock.err"
			sed 's/^/    gitseal:    /' "$WORK/v.gitseal" "$WORK/v.gitseal.err"
		fi
	fi
}

run_vectors() {
	local ns sig pub v
	ns=$(cat "$VECTORS/namespace")
	printf 'This is a test, this is only a tesT' >"$WORK/tampered"
	for sig in "$VECTORS"/*.sig; do
		v=$(basename "$sig" .sig)
		pub=$VECTORS/$v.pub
		[ -f "$pub" ] || continue
		printf 'vec@example.com %s\n' "$(cat "$pub")" >"$WORK/allowed"
		printf 'other@example.com %s\n' "$(cat "$pub")" >"$WORK/allowed-other"
		printf 'vec@example.com namespaces="git" %s\n' "$(cat "$pub")" >"$WORK/allowed-ns"
		local d=$VECTORS/signed-data
		vector_check "$v check-novalidate" ok "$d" -Y check-novalidate -n "$ns" -s "$sig"
		vector_check "$v check-novalidate -O print-pubkey" ok "$d" -Y check-novalidate -n "$ns" -s "$sig" -O print-pubkey
		vector_check "$v verify" ok "$d" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed" -s "$sig"
		vector_check "$v verify -q -O print-pubkey" ok "$d" -q -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed" -s "$sig" -O print-pubkey
		vector_check "$v verify -O verify-time" ok "$d" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed" -s "$sig" -O verify-time=20200101
		vector_check "$v find-principals" ok "$d" -Y find-principals -f "$WORK/allowed" -s "$sig"
		vector_check "$v verify tampered" refused "$WORK/tampered" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed" -s "$sig"
		vector_check "$v check-novalidate tampered" refused "$WORK/tampered" -Y check-novalidate -n "$ns" -s "$sig"
		vector_check "$v verify wrong namespace" refused "$d" -Y verify -n git -I vec@example.com -f "$WORK/allowed" -s "$sig"
		vector_check "$v verify namespace not allowed" refused "$d" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed-ns" -s "$sig"
		vector_check "$v verify wrong principal" refused "$d" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed-other" -s "$sig"
		vector_check "$v verify revoked" refused "$d" -Y verify -n "$ns" -I vec@example.com -f "$WORK/allowed" -r "$pub" -s "$sig"
	done
}

# --- the runs -------------------------------------------------------------------------------

say "OpenSSH $(cat "$SRC/.debsrc"), $(ssh -V 2>&1 | cut -d, -f1), gitseal $gitseal"
start=$(date +%s)
status=0
printf '\n%-22s %22s %22s  %s\n' "" "ssh-keygen checks/fail" "gitseal checks/fail" verdict
for script in sshsig krl; do
	run_script "$script" stock >"$WORK/$script.stock.counts" &
	run_script "$script" gitseal >"$WORK/$script.gitseal.counts" &
	wait
	read -r sc sf <"$WORK/$script.stock.counts"
	read -r gc gf <"$WORK/$script.gitseal.counts"
	gitseal_calls=$(grep -c -E '^(Y|Q) ' "$WORK/$script.gitseal/calls" || true)
	verdict=same
	if [ "$sc" != "$gc" ] || [ "$sf" != 0 ] || [ "$gf" != 0 ]; then
		verdict=DIFFERENT; status=1
	elif [ "$sc" = 0 ] || [ "$gitseal_calls" = 0 ]; then
		verdict="NO CHECKS RAN"; status=1
	fi
	printf '%-22s %22s %22s  %s\n' "regress/$script.sh" "$sc/$sf" "$gc/$gf" "$verdict"
	if [ "$verdict" != same ]; then
		for side in stock gitseal; do
			[ -s "$WORK/$script.$side/failures" ] && sed "s/^/  $side: /" "$WORK/$script.$side/failures" | head -40
			[ "$verbose" = 1 ] && tail -30 "$WORK/$script.$side/log" | sed "s/^/  $side log: /"
		done
	fi
done
run_vectors
vec_verdict=same
if [ "$vec_diff" != 0 ] || [ "$vec_same" = 0 ]; then vec_verdict=DIFFERENT; status=1; fi
printf '%-22s %22s %22s  %s\n' "unittests/sshsig" "$((vec_same + vec_diff)) commands" "$vec_same same" "$vec_verdict"
elapsed=$(($(date +%s) - start))
echo
if [ "$status" = 0 ]; then
	echo "openssh-suite: gitseal reached ssh-keygen's counts with no failure ($elapsed s)"
else
	echo "openssh-suite: FAILED: gitseal did not reach ssh-keygen's counts ($elapsed s)"
fi
exit "$status"
