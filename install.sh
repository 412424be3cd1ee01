#!/usr/bin/env bash
# Installs gitseal, then shows how to switch git over to it (docs/install.md):
#
#   ./install.sh                                 builds this checkout (cargo install), or,
#                                                run from an unpacked release, installs it
#   ./install.sh gitseal-VERSION-x86_64-linux.tar.gz
#                                                installs a release tarball (no Rust needed),
#                                                checked against the .sha256 file beside it
#
# GITSEAL_INSTALL_ROOT is where: bin/gitseal, and for a release its man pages and shell
# completions under share/. Default: ~/.cargo for a build (where cargo puts programs),
# ~/.local for a release.
#
# Who made a release tarball: with GITSEAL_RELEASE_IDENTITY (the certificate identity the
# release workflow signs as) and GITSEAL_RELEASE_ISSUER (default: GitHub Actions' issuer),
# the Sigstore bundle beside the tarball (TARBALL.sigstore.json, from `release.sh --sign`)
# must verify with `gitseal verify-blob`, run by a gitseal you already trust:
# GITSEAL_VERIFIER, else the gitseal on PATH (the one in the tarball cannot vouch for
# itself). GITSEAL_RELEASE_TRUSTED_ROOT names a Sigstore trusted root other than the
# verifier's configured one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

fail() {
  printf 'install.sh: %s\nhint: %s\n' "$1" "$2" >&2
  exit "${3:-2}"
}

# install_release DIR: copies an unpacked release (bin/, share/) into the root, file by
# file, taking only regular files from the places a release has them.
install_release() {
  local from=$1 root=${GITSEAL_INSTALL_ROOT:-$HOME/.local}
  [ -f "$from/bin/gitseal" ] && [ ! -L "$from/bin/gitseal" ] ||
    fail "$from holds no bin/gitseal" "give the tarball scripts/release.sh made"
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    fail "this release is for Linux x86_64, not $(uname -s) $(uname -m)" \
      "build from source instead: ./install.sh in a checkout, with a Rust toolchain"
  fi
  install -D -m 0755 "$from/bin/gitseal" "$root/bin/gitseal"
  local file
  for file in "$from"/share/man/man1/*.1 \
    "$from/share/bash-completion/completions/gitseal" \
    "$from/share/zsh/site-functions/_gitseal" \
    "$from/share/fish/vendor_completions.d/gitseal.fish" \
    "$from"/share/doc/gitseal/*; do
    if [ -f "$file" ] && [ ! -L "$file" ]; then
      install -D -m 0644 "$file" "$root/${file#"$from"/}"
    fi
  done
  bin="$root/bin/gitseal"
}

# install_tarball FILE: checks the tarball against FILE.sha256 when it is there, unpacks it
# in a temporary directory and installs what it holds.
install_tarball() {
  local tarball=$1 tmp top
  [ -f "$tarball" ] || fail "$tarball is not a file" "give the path of a gitseal-VERSION-x86_64-linux.tar.gz"
  if [ -f "$tarball.sha256" ]; then
    local expected actual
    expected=$(cut -d ' ' -f 1 <"$tarball.sha256")
    actual=$(sha256sum <"$tarball" | cut -d ' ' -f 1)
    [ "$expected" = "$actual" ] ||
      fail "$tarball does not match $tarball.sha256 (SHA-256 $actual, expected $expected)" \
        "download the tarball again; nothing was installed" 1
    echo "install.sh: $tarball matches $tarball.sha256" >&2
  else
    echo "install.sh: warning: no $tarball.sha256 beside the tarball: its SHA-256 is not checked" >&2
  fi
  check_bundle "$tarball"
  # One top directory, gitseal-VERSION-x86_64-linux/, holding regular files and
  # directories only: nothing outside it, no links, no `..`.
  local names types line
  names=$(tar -tzf "$tarball") && types=$(tar -tvzf "$tarball" | cut -c 1) ||
    fail "$tarball cannot be read as a gzip tarball" "download it again"
  top=${names%%$'\n'*}
  top=${top%%/*}
  [[ $top =~ ^gitseal-[0-9A-Za-z.+~-]+-x86_64-linux$ ]] ||
    fail "$tarball is not a gitseal release (its first entry is not gitseal-VERSION-x86_64-linux/)" \
      "give the tarball scripts/release.sh made"
  while IFS= read -r line; do
    if [[ $line != "$top"/* ]] || [[ /$line/ == */../* ]]; then
      fail "$tarball holds an entry outside $top/" "give the tarball scripts/release.sh made"
    fi
  done <<<"$names"
  while IFS= read -r line; do
    [[ $line == [-d] ]] ||
      fail "$tarball holds something other than files and directories" "give the tarball scripts/release.sh made"
  done <<<"$types"
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # the directory is known now
  trap "rm -rf '$tmp'" EXIT
  tar -xzf "$tarball" -C "$tmp" --no-same-owner --no-same-permissions
  install_release "$tmp/$top"
}

# check_bundle FILE: FILE's Sigstore bundle must name the expected signer, when one is
# expected; a bundle nobody asked about is only mentioned.
check_bundle() {
  local file=$1 bundle="$1.sigstore.json" identity=${GITSEAL_RELEASE_IDENTITY:-}
  if [ -z "$identity" ]; then
    if [ -f "$bundle" ]; then
      echo "install.sh: note: $bundle is not checked: set GITSEAL_RELEASE_IDENTITY to the release workflow's identity (docs/install.md)" >&2
    fi
    return 0
  fi
  [ -f "$bundle" ] ||
    fail "no $bundle beside the tarball, and GITSEAL_RELEASE_IDENTITY asks for one" \
      "download the bundle with the tarball, or unset GITSEAL_RELEASE_IDENTITY; nothing was installed" 1
  local verifier=${GITSEAL_VERIFIER:-}
  if [ -z "$verifier" ]; then
    verifier=$(command -v gitseal 2>/dev/null) ||
      fail "checking $bundle needs a gitseal you already trust (GITSEAL_VERIFIER, or gitseal on PATH)" \
        "install one from source first, or check the bundle with another Sigstore client; nothing was installed"
  fi
  local args=(verify-blob --bundle "$bundle" --certificate-identity "$identity"
    --certificate-oidc-issuer "${GITSEAL_RELEASE_ISSUER:-https://token.actions.githubusercontent.com}")
  if [ -n "${GITSEAL_RELEASE_TRUSTED_ROOT:-}" ]; then
    args+=(--trusted-root "$GITSEAL_RELEASE_TRUSTED_ROOT")
  fi
  "$verifier" "${args[@]}" "$file" >&2 ||
    fail "$file is not signed by $identity (its bundle $bundle does not verify)" \
      "download the release again from its home; nothing was installed" 1
  echo "install.sh: $file is signed by $identity ($bundle)" >&2
}

# install_source: builds this checkout with cargo.
install_source() {
  local root=${GITSEAL_INSTALL_ROOT:-$HOME/.cargo}
  command -v cargo >/dev/null 2>&1 ||
    fail "cargo is needed to build from source (a Rust toolchain, 1.89 or newer)" \
      "or install a release: ./install.sh gitseal-VERSION-x86_64-linux.tar.gz (docs/install.md)"
  # From the checkout, so that its .cargo/config.toml applies (how aws-lc is built).
  (cd "$here" && cargo install --locked --path "$here" --root "$root")
  bin="$root/bin/gitseal"
}

bin=
if [ $# -gt 1 ]; then
  fail "too many arguments" "run ./install.sh, or ./install.sh gitseal-VERSION-x86_64-linux.tar.gz"
elif [ $# -eq 1 ]; then
  install_tarball "$1"
elif [ -f "$here/Cargo.toml" ]; then
  install_source
elif [ -f "$here/bin/gitseal" ]; then
  install_release "$here"
else
  fail "$here is neither a gitseal checkout nor an unpacked release" \
    "run the install.sh of a checkout or of an unpacked release"
fi

"$bin" version
cat <<MSG

gitseal is installed at $bin.
To sign every commit and tag with your SSH key, run:

  $bin setup --format ssh --global

MSG
case ":$PATH:" in
  *":$(dirname "$bin"):"*) ;;
  *) echo "$(dirname "$bin") is not on your PATH: add it to run gitseal by name." ;;
esac
