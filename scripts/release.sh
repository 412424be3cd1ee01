#!/usr/bin/env bash
# Builds gitseal's release files for Linux x86_64, for people without a Rust toolchain
# (docs/install.md):
#
#   scripts/release.sh [--binary PATH] [--out DIR] [--sign]
#
#   DIR/gitseal-VERSION-x86_64-linux.tar.gz         bin/gitseal, man pages (`gitseal man --dir`),
#                                                    bash, zsh and fish completions
#                                                    (`gitseal completion`), LICENSE, README,
#                                                    install.sh, the source digest
#   DIR/gitseal_VERSION_amd64.deb                    the same as a Debian package (dpkg-deb)
#   DIR/<each of them>.sha256                        its SHA-256, as sha256sum writes it
#   DIR/<each of them>.sigstore.json                 with --sign (or GITSEAL_RELEASE_SIGN=1):
#                                                    its Sigstore bundle (`gitseal sign-blob`)
#
# Without --binary it builds with the release profile (cargo build --release --locked,
# about 6 minutes cold); --binary takes a gitseal already built from this source (the
# tests use the debug one: what they check is the layout and the install). DIR defaults
# to dist/ in the checkout. The archives are reproducible: file times are the last
# commit's, owners are root, entries are sorted.
#
# The SHA-256 files catch a damaged download, not a forged one: whoever can replace the
# tarball can replace its .sha256. --sign signs the tarball and the package keyless with
# the gitseal just packed (`gitseal sign-blob`: the login, Fulcio, Rekor and timestamp
# authority commits are signed with; in a GitHub workflow with `id-token: write`, the
# workflow's identity), so install.sh can check who made them.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

fail() {
  printf 'release.sh: %s\nhint: %s\n' "$1" "$2" >&2
  exit 2
}

binary=
out="$root/dist"
sign=${GITSEAL_RELEASE_SIGN:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --binary)
      [ $# -ge 2 ] || fail "--binary needs a path" "scripts/release.sh --binary target/release/gitseal"
      binary=$2
      shift 2
      ;;
    --out)
      [ $# -ge 2 ] || fail "--out needs a directory" "scripts/release.sh --out dist"
      out=$2
      shift 2
      ;;
    --sign)
      sign=1
      shift
      ;;
    *) fail "unknown argument $1" "scripts/release.sh [--binary PATH] [--out DIR] [--sign]" ;;
  esac
done

for tool in dpkg-deb gzip sha256sum tar; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed" "apt-get install dpkg gzip coreutils tar"
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml" "Cargo.toml's [package] needs version = \"X.Y.Z\""
if [ -z "$binary" ]; then
  cargo build --release --locked
  binary="${CARGO_TARGET_DIR:-$root/target}/release/gitseal"
fi
[ -x "$binary" ] || fail "$binary is not an executable" "build it first, or leave out --binary"
said=$("$binary" version)
[ "$said" = "gitseal $version" ] ||
  fail "$binary says \"$said\", not gitseal $version" "build it from this checkout"
case "$(od -An -tx1 -j 18 -N 2 "$binary" | tr -d ' ')" in
  3e00) ;; # ELF e_machine EM_X86_64 (little-endian)
  *) fail "$binary is not an x86_64 program" "build on (or for) x86_64 Linux" ;;
esac
if [ -n "$(git status --porcelain -- Cargo.toml Cargo.lock src 2>/dev/null)" ]; then
  echo "release.sh: warning: Cargo.toml, Cargo.lock or src/ has uncommitted changes; the source digest covers them" >&2
fi

epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$epoch
name="gitseal-$version-x86_64-linux"
deb="gitseal_${version}_amd64.deb"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ------------------------------------------------------------------ the tree

stage="$work/$name"
install -D -m 0755 "$binary" "$stage/bin/gitseal"
if command -v strip >/dev/null 2>&1; then
  strip "$stage/bin/gitseal" # the release profile strips already; a given binary may not be
fi
bin="$stage/bin/gitseal"

# Man pages: `gitseal man --dir` writes gitseal.1 and one page per subcommand
# (gitseal-verify-commit.1, gitseal-policy-check.1, ...).
mandir="$stage/share/man/man1"
mkdir -p "$mandir"
"$bin" man --dir "$mandir" >/dev/null || fail "gitseal man --dir wrote no man pages" "check \`gitseal man --dir DIR\`"
[ -f "$mandir/gitseal.1" ] || fail "gitseal man wrote no gitseal.1" "check \`gitseal man\`"

"$bin" completion bash | install -D -m 0644 /dev/stdin "$stage/share/bash-completion/completions/gitseal"
"$bin" completion zsh | install -D -m 0644 /dev/stdin "$stage/share/zsh/site-functions/_gitseal"
"$bin" completion fish | install -D -m 0644 /dev/stdin "$stage/share/fish/vendor_completions.d/gitseal.fish"
install -D -m 0644 LICENSE "$stage/share/doc/gitseal/LICENSE"
install -D -m 0644 README.md "$stage/share/doc/gitseal/README.md"
install -m 0755 install.sh "$stage/install.sh"
# What ci-install.sh compares with the source of the action or template that fetches this.
scripts/ci-install.sh digest | install -D -m 0644 /dev/stdin "$stage/share/gitseal/source-digest"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/share" -type f -exec chmod 0644 {} +

# archive DIR FILE: a reproducible gzip tarball of DIR (relative to its parent).
archive() {
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --format=gnu -C "$(dirname "$1")" -cf - "$(basename "$1")" | gzip -n >"$2"
}

# checksum FILE: FILE.sha256, `<hex>  <name>` (sha256sum -c reads it beside FILE).
checksum() {
  (cd "$(dirname "$1")" && sha256sum "$(basename "$1")" >"$(basename "$1").sha256")
}

archive "$stage" "$out/$name.tar.gz"
checksum "$out/$name.tar.gz"

# ------------------------------------------------------------------ the Debian package

pkg="$work/deb"
install -D -m 0755 "$bin" "$pkg/usr/bin/gitseal"
for page in "$mandir"/*.1; do
  install -D -m 0644 "$page" "$pkg/usr/share/man/man1/$(basename "$page")"
  gzip -9n "$pkg/usr/share/man/man1/$(basename "$page")"
done
install -D -m 0644 "$stage/share/bash-completion/completions/gitseal" "$pkg/usr/share/bash-completion/completions/gitseal"
install -D -m 0644 "$stage/share/zsh/site-functions/_gitseal" "$pkg/usr/share/zsh/vendor-completions/_gitseal"
install -D -m 0644 "$stage/share/fish/vendor_completions.d/gitseal.fish" "$pkg/usr/share/fish/vendor_completions.d/gitseal.fish"
install -D -m 0644 README.md "$pkg/usr/share/doc/gitseal/README.md"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: gitseal"
  echo
  echo "Files: *"
  echo "License: Apache-2.0"
  echo " On Debian systems the full text of the Apache License 2.0 is in"
  echo " /usr/share/common-licenses/Apache-2.0; it is also below."
  echo " ."
  sed -e 's/^$/./' -e 's/^/ /' LICENSE
  echo
  echo "Comment: gitseal links sequoia-openpgp, which is LGPL-2.0-or-later."
} >"$pkg/usr/share/doc/gitseal/copyright"

# The C library the binary needs: the newest GLIBC_ symbol version it names (it links only
# libc and libgcc_s: DESIGN.md section 9).
glibc=$(grep -ao 'GLIBC_[0-9][0-9.]*' "$bin" | sed 's/GLIBC_//' | sort -Vu | tail -n 1)
# Who builds the package maintains it: GITSEAL_MAINTAINER, else git's committer identity.
maintainer=${GITSEAL_MAINTAINER:-$(git var GIT_COMMITTER_IDENT 2>/dev/null | sed 's/> .*/>/')}
[[ $maintainer =~ ^[^\<\>]+\ \<[^\<\>\ ]+@[^\<\>\ ]+\>$ && $maintainer != *[[:cntrl:]]* ]] ||
  fail "the package needs a maintainer, \"Name <e-mail>\"" "set git config user.name and user.email, or GITSEAL_MAINTAINER"
depends="libc6 (>= ${glibc:-2.31}), libgcc-s1"
size=$(du -sk --apparent-size "$pkg/usr" | cut -f 1)
mkdir -p "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: gitseal
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: git
Section: vcs
Priority: optional
Description: sign and verify Git history: SSH, OpenPGP and keyless Sigstore
 gitseal is one program git runs to sign and verify commits and tags: a
 drop-in for ssh-keygen -Y (gpg.ssh.program), for the gpg git uses
 (gpg.program) and for gitsign (gpg.x509.program, keyless Sigstore), plus
 gitseal verify, which checks commit ranges in CI and pushes in a
 pre-receive hook against a signing policy kept in the repository.
CONTROL
find "$pkg" -exec touch -h -d "@$epoch" {} +
dpkg-deb --root-owner-group -Zgzip -z6 --build "$pkg" "$out/$deb" >/dev/null
checksum "$out/$deb"

files=("$name.tar.gz" "$name.tar.gz.sha256" "$deb" "$deb.sha256")
case "$sign" in
  1 | yes | true)
    rm -f "$out/$name.tar.gz.sigstore.json" "$out/$deb.sigstore.json"
    "$bin" sign-blob "$out/$name.tar.gz" "$out/$deb" >/dev/null ||
      fail "gitseal sign-blob could not sign the release files" \
        "sign keyless: SIGSTORE_ID_TOKEN, a GitHub workflow with id-token: write, or \`gitseal login\` first"
    files+=("$name.tar.gz.sigstore.json" "$deb.sigstore.json")
    ;;
  '' | 0 | no | false) ;;
  *) fail "GITSEAL_RELEASE_SIGN is $sign" "set it to 1 to sign, or leave it unset" ;;
esac
echo "release.sh: gitseal $version for Linux x86_64 in $out:"
(cd "$out" && ls -l "${files[@]}")
if [ "${#files[@]}" -eq 4 ]; then
  echo "release.sh: not signed (--sign makes a Sigstore bundle beside each file)"
fi
