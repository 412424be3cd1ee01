#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests.
# Installs the programs the tests compare gitseal against when they are missing and we may
# (root on Debian); otherwise the tests that need them fail saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-agent >/dev/null 2>&1 || need+=(openssh-client)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# sigstore-python verifies the Sigstore bundles gitseal exports (tests/sigstore_interop.rs),
# in a venv of its own, pinned, outside the clone.
if [ -z "${GITSEAL_SIGSTORE_PYTHON:-}" ]; then
  venv="${GITSEAL_VENV:-${CARGO_TARGET_DIR:-$PWD/target}/sigstore-python-4.5.1}"
  if [ ! -x "$venv/bin/sigstore" ]; then
    echo "installing sigstore-python 4.5.1 in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check sigstore==4.5.1
  fi
  export GITSEAL_SIGSTORE_PYTHON="$venv/bin/sigstore"
fi

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked

# Third-party Sigstore code (npm @sigstore/mock under node 22, an OIDC mock, sigstore-python)
# against what gitseal signs and verifies.
scripts/interop.sh

# git's own signing tests, with stock gpg and ssh-keygen and with gitseal in their place: the
# counts must be equal (DESIGN.md section 4). git is built once from Debian's source package
# into /var/tmp/gitseal-git (about 3 minutes of CPU on 2 cores; the two passes take about 2
# minutes); GIT_SUITE=if-built runs it only when that build is already there.
if [ "${GIT_SUITE:-always}" = if-built ]; then
  scripts/git-suite.sh --if-built
else
  scripts/git-suite.sh
fi

# OpenSSH's own regression scripts for SSHSIG and KRLs (regress/sshsig.sh, regress/krl.sh,
# unmodified) and its fixed signature vectors, with the stock ssh-keygen and with gitseal in
# its place: the counts must be equal, with no failure (issue 14). regress/ comes from Debian's
# openssh source package once per machine (a few hundred kilobytes, cached in
# /var/tmp/gitseal-peer); the runs take about two minutes on 2 cores.
scripts/openssh-suite.sh
