#!/usr/bin/env bash
# Installs gitseal for a CI job, from the gitseal source this script sits in: the release
# tarball built from exactly this source when one is published (no Rust toolchain needed),
# else a build of this source with cargo. The job caches GITSEAL_INSTALL_ROOT under the key
# this script prints, so a build happens once per gitseal source. action.yml and
# gitlab/gitseal.gitlab-ci.yml run it; docs/install.md describes the tarball.
#
#   scripts/ci-install.sh key       the cache key: system, version and this source's digest
#   scripts/ci-install.sh digest    the SHA-256 digest of this source (Cargo.toml, Cargo.lock,
#                                   src/), which scripts/release.sh writes into the tarball
#   scripts/ci-install.sh           installs into GITSEAL_INSTALL_ROOT
#
# Environment:
#   GITSEAL_INSTALL_ROOT  where to install (bin/gitseal, share/...); required to install
#   GITSEAL_INSTALL       auto (default): the release built from this source if there is one,
#                         else build; release: the release or fail; source: build
#   GITSEAL_RELEASE_URL   the URL of the directory holding the release's files
#                         (gitseal-VERSION-x86_64-linux.tar.gz and its .sha256). Default on
#                         GitHub, for an action used as OWNER/REPO@REF:
#                         $GITHUB_SERVER_URL/OWNER/REPO/releases/download/vVERSION
#   GITSEAL_RELEASE_IDENTITY  the identity the release workflow signs as: the tarball's
#                         Sigstore bundle (.sigstore.json, there too) must then verify, by
#                         install.sh with GITSEAL_VERIFIER or the gitseal on PATH (and
#                         GITSEAL_RELEASE_ISSUER, GITSEAL_RELEASE_TRUSTED_ROOT)
#
# What a release proves here: its SHA-256 file comes from the same place as the tarball, so
# it catches a damaged download, not a forged one; the tarball's source digest must equal
# this source's, so the binary is the one this source claims. With GITSEAL_RELEASE_IDENTITY
# the release's Sigstore bundle says who made it, which a forger cannot.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"

say() {
  printf 'gitseal: %s\n' "$1" >&2
}

fail() {
  printf 'gitseal: error: %s\nhint: %s\n' "$1" "$2" >&2
  exit 2
}

version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1
}

digest() {
  (cd "$src" && find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d ' ' -f 1
}

case "${1:-install}" in
  digest)
    digest
    exit 0
    ;;
  key)
    printf 'gitseal-%s-%s-%s-%s\n' "$(uname -s)" "$(uname -m)" "$(version)" "$(digest | cut -c 1-24)"
    exit 0
    ;;
  install) ;;
  *) fail "unknown command $1" "run scripts/ci-install.sh, or with key or digest" ;;
esac

root=${GITSEAL_INSTALL_ROOT:-}
[ -n "$root" ] || fail "GITSEAL_INSTALL_ROOT is not set" "set it to the directory the job caches"
mode=${GITSEAL_INSTALL:-auto}
case "$mode" in
  auto | release | source) ;;
  *) fail "GITSEAL_INSTALL is $mode" "use auto, release or source" ;;
esac
ver=$(version)
want=$(digest)
stamp="$root/share/gitseal/installed-from"

if [ -x "$root/bin/gitseal" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "gitseal $ver from the cache ($root)"
  "$root/bin/gitseal" version
  exit 0
fi

# The release's URL: given, or where GitHub publishes the releases of the action's own
# repository. The runner keeps an action used as OWNER/REPO@REF in .../_actions/OWNER/REPO/REF
# (GITHUB_ACTION_REPOSITORY is empty in composite actions); a wrong guess only means a
# download that fails or a digest that differs, and then a build.
release_url=${GITSEAL_RELEASE_URL:-}
if [ -z "$release_url" ] && [[ ${GITHUB_ACTION_PATH:-} =~ /_actions/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/[^/]+$ ]]; then
  release_url="${GITHUB_SERVER_URL:-https://github.com}/${BASH_REMATCH[1]}/${BASH_REMATCH[2]}/releases/download/v$ver"
fi

# from_release: installs the release built from this source; returns 1 (saying why) when
# there is none.
from_release() {
  if [ -z "$release_url" ]; then
    say "no release URL (GITSEAL_RELEASE_URL)"
    return 1
  fi
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    say "releases are built for Linux x86_64, not $(uname -s) $(uname -m)"
    return 1
  fi
  local name="gitseal-$ver-x86_64-linux.tar.gz" dir
  dir=$(mktemp -d)
  # shellcheck disable=SC2064 # the directory is known now
  trap "rm -rf '$dir'" EXIT
  if ! curl -fsSL --proto '=https,file' --proto-redir '=https' --retry 3 -o "$dir/$name" "$release_url/$name" ||
    ! curl -fsSL --proto '=https,file' --proto-redir '=https' --retry 3 -o "$dir/$name.sha256" "$release_url/$name.sha256"; then
    say "no release at $release_url"
    return 1
  fi
  if [ -n "${GITSEAL_RELEASE_IDENTITY:-}" ] &&
    ! curl -fsSL --proto '=https,file' --proto-redir '=https' --retry 3 -o "$dir/$name.sigstore.json" "$release_url/$name.sigstore.json"; then
    fail "no Sigstore bundle $release_url/$name.sigstore.json, and GITSEAL_RELEASE_IDENTITY asks for one" \
      "sign the release (scripts/release.sh --sign), or unset GITSEAL_RELEASE_IDENTITY"
  fi
  (cd "$dir" && sha256sum --quiet --strict -c "$name.sha256") ||
    fail "$release_url/$name does not match its SHA-256 file" "download it again; if it persists, tell gitseal's maintainers"
  local built_from
  built_from=$(tar -xzOf "$dir/$name" "gitseal-$ver-x86_64-linux/share/gitseal/source-digest" 2>/dev/null) || built_from=
  if [ "$built_from" != "$want" ]; then
    say "the release at $release_url was built from other source than this"
    return 1
  fi
  GITSEAL_INSTALL_ROOT="$root" "$src/install.sh" "$dir/$name" >/dev/null ||
    fail "the release at $release_url was refused (above); nothing was installed" \
      "if it persists, tell gitseal's maintainers: someone may have replaced it"
}

installed=
if [ "$mode" != source ]; then
  if from_release; then
    installed="the release at $release_url"
  elif [ "$mode" = release ]; then
    fail "no release of gitseal $ver built from this source" \
      "set GITSEAL_RELEASE_URL to the release's files, or GITSEAL_INSTALL to auto to build"
  fi
fi
if [ -z "$installed" ]; then
  command -v cargo >/dev/null 2>&1 ||
    fail "building gitseal needs cargo (a Rust toolchain, 1.89 or newer)" \
      "install Rust in the job's image, or publish a release (scripts/release.sh)"
  say "building gitseal $ver from $src (once: the result is cached)"
  GITSEAL_INSTALL_ROOT="$root" "$src/install.sh" >&2
  installed="a build of $src"
fi
mkdir -p "$(dirname "$stamp")"
printf '%s\n' "$want" >"$stamp"
say "gitseal $ver installed in $root from $installed"
"$root/bin/gitseal" version
