#!/usr/bin/env bash
# Builds and installs gitseal from this checkout, then shows how to switch git over to it.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null 2>&1; then
  echo "install.sh: cargo is needed (a Rust toolchain, 1.89 or newer)" >&2
  exit 2
fi
cargo install --locked --path . --root "${GITSEAL_INSTALL_ROOT:-$HOME/.cargo}"
bin="${GITSEAL_INSTALL_ROOT:-$HOME/.cargo}/bin/gitseal"
"$bin" version
cat <<MSG

gitseal is installed at $bin.
To sign every commit and tag with your SSH key, run:

  $bin setup --format ssh --global

MSG
