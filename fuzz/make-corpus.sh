#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/<target>/ and the fixed keys the targets
# check against (fuzz/keys/). Seeds come from the project's fixtures (tests/fixtures) and
# from real programs: ssh-keygen (-Y sign, -s, -k), gpg, git, openssl ts. Run it only to
# refresh the seeds; the output is committed, and the fuzz runs (scripts/fuzz.sh) never
# write here.
#
#   fuzz/make-corpus.sh              every target
#   fuzz/make-corpus.sh TARGET...    only these, of the targets whose seeds need no fresh
#                                    SSH or OpenPGP keys (those from pre_receive_line on)
#   fuzz/make-corpus.sh --shared DIR the seeds made from third-party data, into DIR/<target>/
#
# Seeds made from other projects' data (real gitsign commits and tags, gitsign's own test
# fixtures, GitHub's web-flow commit) are not committed: that data is not kept in this
# repository. `--shared` makes them from the project's shared folder ($GITSEAL_SHARED, else
# ../shared beside the clone) whenever they are needed: scripts/fuzz.sh and
# tests/fuzz_smoke.rs run it before fuzzing (it needs only python3).
#
# Needs: ssh-keygen, gpg, git, python3, openssl. Keys are made fresh each time, so the seeds
# and fuzz/keys/ change together: commit both.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
ROOT=$(cd .. && pwd)
FIX=$ROOT/tests/fixtures
# Seeds of the targets added with the keyless-signing parsers: real shapes written out
# here, the fixtures' certificates, and timestamps from `openssl ts`. Each function fills
# $C/<target>; they run at the end of a whole run, or alone by name.
seeds_pre_receive_line() {
  local d=$C/pre_receive_line z=0000000000000000000000000000000000000000
  local a=4b825dc642cb6eb9a060e54bf8d69288fbee4904 b=262c0549c0d6c3e7dd5a9d3d3ab3f4f1b52e0a9c
  local s256=6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321
  printf '%s %s refs/heads/main\n' "$a" "$b" > "$d/update"
  printf '%s %s refs/heads/new\n' "$z" "$b" > "$d/create"
  printf '%s %s refs/tags/v1.0\n' "$b" "$z" > "$d/delete"
  printf '%s %s refs/heads/main\n%s %s refs/tags/v2\n%s %s refs/heads/gone\n' \
    "$a" "$b" "$z" "$a" "$b" "$z" > "$d/three"
  printf '%s %s refs/heads/main\n' "$z$z" "$s256" > "$d/sha256"
  printf '%s\t%s\trefs/heads/tabs\r\n' "$a" "$b" > "$d/tabs-crlf"
  printf '%s %s refs/heads/\303\251t\303\251 extra\n' "$a" "$b" > "$d/four-fields"
  printf '%s refs/heads/main\n' "$a" > "$d/two-fields"
  printf 'XYZ %s refs/heads/main\n' "$b" > "$d/not-hex"
}

seeds_range_arg() {
  local d=$C/range_arg n=0 r
  for r in 'main~3..main' 'HEAD' '..HEAD' 'v1.0..' '..' 'origin/main..HEAD^{commit}' \
           'a...b' 'HEAD@{1}..HEAD' ':/fix..main' '4b825dc6..262c0549' 'v1..v2..v3' \
           'refs/heads/release/*' 'main^2~1..@' ''; do
    n=$((n + 1)); printf '%s' "$r" > "$d/$(printf %02d $n)"
  done
}

seeds_verdict_cache() {
  # Line format 2 (src/verify/cache.rs): id, digest of the signed bytes, format, key, time,
  # time source, state, detail; key and detail percent-encoded.
  local d=$C/verdict_cache version
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
  local h="gitseal-verdicts 2 $version" a=4b825dc642cb6eb9a060e54bf8d69288fbee4904
  local b=262c0549c0d6c3e7dd5a9d3d3ab3f4f1b52e0a9c o=0101010101010101010101010101010101010101
  local da=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  local db=60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
  local dx=fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13
  local ssh=SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8
  local fpr=F7173B3C7C685CD9ECC4191B74E445BA0E15C957
  {
    printf '%s\n' "$h"
    printf '%s\t%s\tssh\t%s\t1700000000\tcommitter\tok\t\n' "$a" "$da" "$ssh"
    printf '%s\t%s\topenpgp\t%s\t1700000001\tcommitter\tbad-signature\tBAD%%20signature%%20from%%20alice\n' "$b" "$db" "$fpr"
    printf '%s\t%s\tx509\thttps://accounts.google.com%%20alice@example.org\t1700000002\ttlog\tok\t\n' "$o" "$dx"
    printf '%s\t%s\tx509\thttps://issuer%%20alice@example.org\t1700000003\ttsa\tok\t\n' "$o" "$dx"
  } > "$d/file"
  printf '%s\n%s\t%s\tssh\t-\t5\tcommitter\tmalformed\t' "$h" "$a" "$da" > "$d/cut-short"
  printf 'gitseal-verdicts 2 0.0.0\n%s\t%s\tssh\t%s\t5\tcommitter\tok\t\n' "$a" "$da" "$ssh" > "$d/other-version"
  # The older line format (no digest, key unescaped): never read.
  printf 'gitseal-verdicts %s\n%s\tssh\t%s\t5\tcommitter\tok\t\n' "$version" "$a" "$ssh" > "$d/format-1"
  # A certificate issuer that tried to plant a line (issue 12, V1): encoded, one line.
  printf '%s\n%s\t%s\tx509\thttps://evil%%0A%s%%09ssh%%09%s%%20m@x\t9\ttlog\tok\t\n' \
    "$h" "$o" "$dx" "$a" "$ssh" > "$d/planted"
  # Two lines for one commit that disagree: neither is believed.
  printf '%s\n%s\t%s\tssh\t%s\t5\tcommitter\tok\t\n%s\t%s\tssh\t%s\t5\tcommitter\tok\t\n' \
    "$h" "$a" "$da" "$ssh" "$a" "$db" "$ssh" > "$d/conflict"
  for kind in malformed wrong-namespace bad-signature; do
    printf '%s\n%s\t%s\tssh\t%s\t-9\tcommitter\t%s\tdetail%%0Awith%%09tab\n' "$h" "$a" "$da" "$ssh" "$kind" > "$d/ssh-$kind"
  done
  for kind in unknown-signer not-yet-valid expired revoked; do
    printf '%s\n%s\t%s\topenpgp\t%s\t5\tcommitter\t%s\tdetail\n' "$h" "$b" "$db" "$fpr" "$kind" > "$d/openpgp-$kind"
  done
  for kind in untrusted unlogged; do
    printf '%s\n%s\t%s\tx509\thttps://i%%20s\t5\ttlog\t%s\tdetail\n' "$h" "$o" "$dx" "$kind" > "$d/x509-$kind"
  done
}

seeds_oidc_token() {
  local d=$C/oidc_token
  jwt() { # jwt NAME CLAIMS: a JWT as issuers send them, and the claims alone
    local b64
    b64=$(printf '%s' "$2" | base64 -w0 | tr '+/' '-_' | tr -d '=')
    printf 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enoifQ.%s.c2lnbmF0dXJl' "$b64" > "$d/$1.jwt"
    printf '%s' "$2" > "$d/$1.json"
  }
  jwt google '{"iss":"https://accounts.google.com","sub":"1234567890","aud":"sigstore","exp":4000000000,"iat":1700000000,"email":"alice@example.org","email_verified":true}'
  jwt sigstore-dex '{"iss":"https://oauth2.sigstore.dev/auth","sub":"CgV4eXp6EgZnaXRodWI","aud":["sigstore"],"exp":4000000000,"iat":1700000000,"email":"alice@example.org","email_verified":true,"federated_claims":{"connector_id":"https://github.com/login/oauth","user_id":"42"}}'
  jwt actions '{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/app:ref:refs/heads/main","aud":"sigstore","exp":4000000000,"iat":0,"job_workflow_ref":"acme/app/.github/workflows/release.yml@refs/tags/v1","repository":"acme/app"}'
  jwt expired '{"iss":"https://accounts.google.com","sub":"1","exp":1000000000}'
  jwt huge-exp '{"iss":"i","sub":"s","exp":9223372036854775807}'
  jwt no-exp '{"iss":"i","sub":"s"}'
  printf 'not.a.jwt.at.all' > "$d/five-parts"
  printf 'eyJhbGciOiJub25lIn0.%%%%%%.' > "$d/bad-base64"
}

seeds_oidc_redirect() {
  local d=$C/oidc_redirect
  printf 'GET /auth/callback?code=4%%2F0AfJohXn&state=fuzzstate&scope=email+openid HTTP/1.1\r\n' > "$d/done"
  printf 'GET /auth/callback?state=fuzzstate&error=access_denied&error_description=no HTTP/1.1\r\n' > "$d/denied"
  printf 'GET /auth/callback?code=abc&state=other HTTP/1.1\r\n' > "$d/wrong-state"
  printf 'GET /favicon.ico HTTP/1.1\r\n' > "$d/favicon"
  printf 'GET http://localhost:8080/auth/callback?code=a&state=fuzzstate HTTP/1.1\r\n' > "$d/absolute"
  printf 'GET /auth/../auth/callback?code=%%00&st%%61te=fuzz%%73tate HTTP/1.0\n' > "$d/encoded"
  printf '\r\n' > "$d/empty"
}

seeds_oidc_answers() {
  local d=$C/oidc_answers
  cat > "$d/discovery.json" <<'EOF'
{"issuer":"https://oauth2.sigstore.dev/auth","authorization_endpoint":"https://oauth2.sigstore.dev/auth/auth","token_endpoint":"https://oauth2.sigstore.dev/auth/token","jwks_uri":"https://oauth2.sigstore.dev/auth/keys","userinfo_endpoint":"https://oauth2.sigstore.dev/auth/userinfo","device_authorization_endpoint":"https://oauth2.sigstore.dev/auth/device/code","grant_types_supported":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code"],"response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],"code_challenge_methods_supported":["S256","plain"],"scopes_supported":["openid","email","groups","profile","offline_access"],"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"],"claims_supported":["iss","sub","aud","iat","exp","email","email_verified","locale","name","preferred_username","at_hash"]}
EOF
  printf '{"token_endpoint":"https://issuer.example/token"}' > "$d/discovery-minimal.json"
  printf '{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://oauth2.sigstore.dev/auth/device","verification_uri_complete":"https://oauth2.sigstore.dev/auth/device?user_code=WDJB-MJHT","expires_in":1800,"interval":5}' > "$d/device.json"
  printf '{"device_code":"d","user_code":"u","interval":0,"expires_in":18446744073709551615}' > "$d/device-extremes.json"
  printf '{"access_token":"at","token_type":"bearer","expires_in":3600,"id_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}' > "$d/token.json"
  printf '{"error":"authorization_pending"}' > "$d/pending.json"
  printf '{"error":"slow_down","error_description":"too fast"}' > "$d/slow-down.json"
  printf '{"error":"invalid_grant","error_description":"Invalid or expired code parameter."}' > "$d/refused.json"
}

# A TSA (root and timestamping certificate) made with openssl, its chain in fuzz/keys/ for
# the target to believe, and its answers for the signature `fuzz signature\n`.
seeds_timestamp() {
  local d=$C/timestamp t=$WORK/tsa
  mkdir -p "$t" && (
    cd "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
      -subj '/O=gitseal fuzz/CN=fuzz TSA root' -days 36500 -out root.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key \
      -subj '/O=gitseal fuzz/CN=fuzz TSA' -out tsa.csr 2>/dev/null
    printf 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' > ext
    openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 36500 \
      -extfile ext -out tsa.pem 2>/dev/null
    cat > ts.cnf <<'EOF'
[ tsa ]
default_tsa = fuzz
[ fuzz ]
serial = ./serial
signer_cert = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
    printf '01\n' > serial
    printf 'fuzz signature\n' > signature
    openssl ts -query -data signature -sha256 -cert -out cert.tsq 2>/dev/null
    openssl ts -query -data signature -sha512 -no_nonce -out nocert.tsq 2>/dev/null
    openssl ts -query -data root.pem -sha256 -cert -out other.tsq 2>/dev/null
    for q in cert nocert other; do
      openssl ts -reply -config ts.cnf -queryfile $q.tsq -out "$d/$q.tsr" 2>/dev/null
      openssl ts -reply -config ts.cnf -queryfile $q.tsq -token_out -out "$d/$q.token" 2>/dev/null
    done
    # `certs` naming the signer's certificate too puts it in the SET OF twice, which DER
    # forbids (gitseal refuses it as malformed): a shape a misconfigured TSA sends.
    sed 's|^signer_key|certs = ./tsa.pem\nsigner_key|' ts.cnf > ts-dup.cnf
    openssl ts -reply -config ts-dup.cnf -queryfile cert.tsq -out "$d/duplicate-cert.tsr" 2>/dev/null
  )
  cat "$t/tsa.pem" "$t/root.pem" > "$FUZZ/keys/tsa-chain.pem"
  # A refusal (PKIStatus rejection with its text) and a grant without a token.
  printf '\x30\x10\x30\x0e\x02\x01\x02\x30\x09\x0c\x07refused' > "$d/rejection.tsr"
  printf '\x30\x05\x30\x03\x02\x01\x00' > "$d/granted-no-token.tsr"
}

# Fulcio answers as the chain of PEM certificates it lists, leaf first: the public-good
# intermediate and root alone (committed); with a vector's own certificates (made from the
# gitsign vectors: fulcio_pem VECTORS OUT, by --shared), the leaf alone and the leaf
# before the public-good chain.
seeds_fulcio_answer() { fulcio_pem "" "$C/fulcio_answer"; }
fulcio_pem() {
  python3 - "$FIX/sigstore/trusted_root.prod.json" "$1" "$2" <<'EOF'
import base64, glob, json, os, sys
root_file, vectors, out = sys.argv[1], sys.argv[2], sys.argv[3]
def pem(der):
    b = base64.b64encode(der).decode()
    return '-----BEGIN CERTIFICATE-----\n' + '\n'.join(b[i:i + 64] for i in range(0, len(b), 64)) + '\n-----END CERTIFICATE-----\n'
def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80: return n, i
    k = n & 0x7f
    return int.from_bytes(b[i:i + k], 'big'), i + k
def tlv(b, i):
    # (tag, start of contents, end of contents) of the element at i
    n, j = der_len(b, i + 1)
    return b[i], j, j + n
def children(b, start, end):
    out, i = [], start
    while i < end:
        t, s, e = tlv(b, i); out.append((t, i, s, e)); i = e
    return out
def certificates(der):
    # ContentInfo { contentType, [0] { SignedData { version, digestAlgorithms,
    # encapContentInfo, [0] IMPLICIT certificates, ... } } }
    _, s, e = tlv(der, 0)
    info = children(der, s, e)
    _, s, e = tlv(der, info[1][2])
    signed = children(der, s, e)
    for t, start, s, e in signed[3:]:
        if t == 0xa0:
            return [der[i:e2] for _, i, _, e2 in children(der, s, e)]
    return []
root = json.load(open(root_file))
ca = [base64.b64decode(c['rawBytes']) for c in root['certificateAuthorities'][-1]['certChain']['certificates']]
if not vectors:
    open(f'{out}/ca-only', 'w').write(''.join(pem(c) for c in ca))
    sys.exit(0)
seen = 0
for f in sorted(glob.glob(vectors + '/*.commit') + glob.glob(vectors + '/*.tag')):
    raw = open(f, 'rb').read()
    lines = [l.strip().replace(b'gpgsig ', b'') for l in raw.split(b'\n')]
    try:
        i = next(k for k, l in enumerate(lines) if b'BEGIN SIGNED MESSAGE' in l)
        j = next(k for k, l in enumerate(lines) if b'END SIGNED MESSAGE' in l)
    except StopIteration:
        continue
    certs = certificates(base64.b64decode(b''.join(lines[i + 1:j])))
    if not certs or seen >= 6: continue
    seen += 1
    name = os.path.basename(f)[:12]
    open(f'{out}/{name}-leaf', 'w').write(pem(certs[0]))
    open(f'{out}/{name}-chain', 'w').write(''.join(pem(c) for c in certs[:1] + ca))
EOF
}

# The seeds made from third-party data, into $1/<target>/ (see the top of this file).
seeds_shared() {
  local out=$1 V=${GITSEAL_SHARED:-$ROOT/../shared}/vectors/gitsign-commits t
  if [ ! -d "$V" ]; then
    echo "make-corpus.sh: third-party test data not found: $V (the project's shared folder" \
      "belongs beside the clone as ../shared; set GITSEAL_SHARED to where it is)" >&2
    exit 2
  fi
  for t in git_objects sigstore_cms sigstore_verify sigstore_tlog fulcio_answer openpgp_signature; do
    mkdir -p "$out/$t"
  done
  # Real objects as git stores them: gitsign's commits and tags, two of gitsign's fixtures,
  # and GitHub's web-flow commit (gitsign's pkg/attest/testdata/gpg.in.txt).
  cp "$V"/*.commit "$V"/*.tag "$out/git_objects/"
  cp "$V/testdata/attest-gpg.in.txt" "$out/git_objects/openpgp-web-flow.commit"
  cp "$V/testdata/e2e-offline.commit" "$V/testdata/pkg-git-tag.txt" "$out/git_objects/"
  # The web-flow commit's signature (non-minimal MPI, fixtures/openpgp/github-web-flow.asc).
  python3 - "$V/testdata/attest-gpg.in.txt" "$out/openpgp_signature/web-flow.asc" <<'EOF'
import sys
raw = open(sys.argv[1], 'rb').read()
sig, on = [], False
for line in raw.split(b'\n'):
    if line.startswith(b'gpgsig '):
        on = True; sig.append(line[7:]); continue
    if on and line.startswith(b' '):
        sig.append(line[1:]); continue
    on = False
open(sys.argv[2], 'wb').write(b'\n'.join(sig) + b'\n')
EOF
  # Sigstore: the signature blocks, the embedded log entries, payload+signature pairs.
  python3 - "$V" "$out" <<'EOF'
import base64, glob, os, struct, sys
fix, out = sys.argv[1], sys.argv[2]

def split_commit(raw):
    payload, sig, cur, body = [], None, None, False
    for line in raw.splitlines(keepends=True):
        if body:
            payload.append(line); continue
        if line == b'\n':
            body = True; payload.append(line); continue
        if cur is not None and line.startswith(b' '):
            if cur == 'gpgsig': sig.append(line[1:])
            continue
        cur = None
        for h in (b'gpgsig-sha256', b'gpgsig'):
            if line.startswith(h + b' '):
                cur = h.decode()
                if cur == 'gpgsig': sig = [line[len(h) + 1:]]
                break
        else:
            payload.append(line)
    return (b''.join(payload), b''.join(sig)) if sig else None

def split_tag(raw):
    at = raw.rfind(b'\n-----BEGIN SIGNED MESSAGE-----')
    return (raw[:at + 1], raw[at + 1:]) if at >= 0 else None

def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80: return n, i
    k = n & 0x7f
    return int.from_bytes(b[i:i + k], 'big'), i + k

OID = bytes.fromhex('060a2b0601040183bf300301')
def tlog_entry(der):
    # attribute SEQUENCE { OID 1.3.6.1.4.1.57264.3.1, SET { OCTET STRING entry } }
    i = der.find(OID)
    if i < 0: return None
    i += len(OID)
    if der[i] != 0x31: return None
    _, i = der_len(der, i + 1)
    if der[i] != 0x04: return None
    n, i = der_len(der, i + 1)
    return der[i:i + n]

files = sorted(glob.glob(fix + '/*.commit') + glob.glob(fix + '/*.tag')
               + [fix + '/testdata/e2e-offline.commit', fix + '/testdata/e2e-online.commit',
                  fix + '/testdata/pkg-git-commit.txt', fix + '/testdata/pkg-git-tag.txt',
                  fix + '/testdata/rekor-oid-commit.txt'])
entries = 0
for f in files:
    raw = open(f, 'rb').read()
    name = os.path.basename(f).split('.')[0]
    name = name[:12] if len(name) == 40 else name
    parts = split_tag(raw) if raw.startswith(b'object ') else split_commit(raw)
    if not parts: continue
    payload, sig = parts
    open(f'{out}/sigstore_cms/{name}.pem', 'wb').write(sig)
    open(f'{out}/sigstore_verify/{name}', 'wb').write(struct.pack('<I', len(payload)) + payload + sig)
    pem = b''.join(l for l in sig.splitlines() if not l.startswith(b'-----'))
    der = base64.b64decode(pem)
    if name in ('dc68e8ce155f', '7dc71a2a1280', 'add1e873fdbd'):
        open(f'{out}/sigstore_cms/{name}.der', 'wb').write(der)
    entry = tlog_entry(der)
    if entry:
        open(f'{out}/sigstore_tlog/{name}', 'wb').write(entry); entries += 1
EOF
  fulcio_pem "$V" "$out/fulcio_answer"
}

if [ "${1:-}" = --shared ]; then
  [ $# = 2 ] || { echo "usage: fuzz/make-corpus.sh --shared DIR" >&2; exit 2; }
  command -v python3 >/dev/null || { echo "make-corpus.sh: python3 is needed" >&2; exit 2; }
  seeds_shared "$2"
  exit 0
fi

PARSER_TARGETS="pre_receive_line range_arg verdict_cache oidc_token oidc_redirect oidc_answers timestamp fulcio_answer"

if [ $# -gt 0 ]; then
  # Only the named targets: no fresh SSH or OpenPGP keys, the other seeds stay as they are.
  command -v openssl >/dev/null || { echo "make-corpus.sh: openssl is needed" >&2; exit 2; }
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  C=$FUZZ/corpus
  for t in "$@"; do
    case " $PARSER_TARGETS " in
      *" $t "*) rm -rf "${C:?}/$t" && mkdir -p "$C/$t" && "seeds_$t" ;;
      *) echo "make-corpus.sh: $t needs a whole run (fresh keys)" >&2; exit 2 ;;
    esac
    printf '  %-18s %3d files\n' "$t" "$(ls "$C/$t" | wc -l)"
  done
  exit 0
fi

for tool in ssh-keygen gpg git python3 openssl; do
  command -v "$tool" >/dev/null || { echo "make-corpus.sh: $tool is needed" >&2; exit 2; }
done

WORK=$(mktemp -d)
trap 'gpgconf --homedir "$WORK/gnupg" --kill all >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export HOME=$WORK/home GNUPGHOME=$WORK/gnupg GIT_CONFIG_NOSYSTEM=1 TZ=UTC
mkdir -p "$HOME" "$GNUPGHOME" && chmod 700 "$GNUPGHOME"

C=$FUZZ/corpus
rm -rf "$C" "$FUZZ/keys"
mkdir -p "$FUZZ/keys"
for t in sshsig allowed_signers revocation ssh_certificate policy argv git_objects \
         openpgp_signature openpgp_keyring $PARSER_TARGETS; do
  mkdir -p "$C/$t"
done

# ---------------------------------------------------------------- SSH
S=$WORK/ssh
mkdir -p "$S" && cd "$S"
printf 'fuzz payload\n' > payload
gen() { ssh-keygen -q -N '' -C "$1@example.com" -t "$2" ${3:+-b "$3"} -f "$1"; }
gen ed25519 ed25519
gen ecdsa256 ecdsa 256
gen ecdsa384 ecdsa 384
gen ecdsa521 ecdsa 521
gen rsa rsa 2048
gen ca ed25519
gen caecdsa ecdsa 256
gen carsa rsa 2048
gen certkey ed25519
gen foreverkey ecdsa 256
gen hostkey ed25519
gen rsacertkey rsa 2048

# Certificates: a user certificate with a window, a "forever" one (no -V), a host one,
# one with critical options, one by an ECDSA CA and one by an RSA CA.
ssh-keygen -q -s ca -I alice-id -n alice,bob -z 7 -V 20200101:20400101 certkey.pub
ssh-keygen -q -s caecdsa -I forever -n alice -z 42 foreverkey.pub
ssh-keygen -q -s ca -h -I host -n host.example.com hostkey.pub
ssh-keygen -q -s carsa -I rsa-cert -n carol -z 9 -O force-command=/bin/true \
  -O source-address=10.0.0.0/8 -O no-pty rsacertkey.pub

sign() { # sign NAME KEYFILE NAMESPACE [extra args]
  local name=$1 key=$2 ns=$3; shift 3
  cp payload "m.$name"
  ssh-keygen -q -Y sign -n "$ns" -f "$key" "$@" "m.$name" 2>/dev/null
  cp "m.$name.sig" "$C/sshsig/$name.sig"
}
sign ed25519 ed25519 git
sign ed25519-file ed25519 file
sign ed25519-sha256 ed25519 git -O hashalg=sha256
sign ecdsa256 ecdsa256 git
sign ecdsa384 ecdsa384 git
sign ecdsa521 ecdsa521 git
sign rsa rsa git
sign rsa-sha256 rsa git -O hashalg=sha256
sign cert-ed25519 certkey-cert.pub git
sign cert-forever foreverkey-cert.pub git
sign cert-rsa rsacertkey-cert.pub git
# The blob inside one armor (from_blob), and a CRLF copy of another.
sed '1d;$d' "$C/sshsig/ed25519.sig" | base64 -d > "$C/sshsig/ed25519.blob"
sed 's/$/\r/' "$C/sshsig/ecdsa256.sig" > "$C/sshsig/ecdsa256-crlf.sig"

# allowed_signers files in every shape of the grammar.
key() { cut -d' ' -f1,2 "$1.pub"; }
cat > "$C/allowed_signers/plain" <<EOF
alice@example.com $(key ed25519)
bob@example.com $(key ecdsa256)
carol@example.com $(key rsa)
EOF
cat > "$C/allowed_signers/options" <<EOF
# comment line

alice@example.com,*@corp.example namespaces="git,file" $(key ed25519)
"principal with number 1" valid-after="20200101",valid-before="20400101Z" $(key ecdsa384)
timeboxed valid-after="202001010000",valid-before="20300101000000" $(key ecdsa521) trailing comment
!mallory@example.com,* $(key rsa)
*@example.com cert-authority,namespaces="git" $(key ca)
carol cert-authority,valid-before="20991231235959UTC" $(key carsa)
EOF
printf 'alice@example.com %s\r\nbob@example.com\tnamespaces="git"\t%s\r\n' \
  "$(key ed25519)" "$(key ecdsa256)" > "$C/allowed_signers/crlf-tabs"
cat > "$C/allowed_signers/bad-lines" <<EOF
alice@example.com
bob@example.com namespaces="unterminated $(key ed25519)
carol@example.com valid-after="not-a-date" $(key ecdsa256)
dave@example.com unknown-option $(key rsa)
eve@example.com ssh-ed25519 AAAAnotbase64
EOF
# (The target's input is an identity, NUL, then the file: so the file's NUL comes second.)
{ printf 'bob@example.com\0alice@example.com,"bob@example.com" %s\0 ignored after NUL\n' \
  "$(key ed25519)"; } > "$C/allowed_signers/nul"
# Input form of the target: an identity, NUL, then the file.
{ printf 'alice@corp.example\0'; cat "$C/allowed_signers/options"; } \
  > "$C/allowed_signers/identity-options"

# Revocation lists: KRLs with every section ssh-keygen writes, and plain key lists.
cat > spec <<EOF
serial: 7
serial: 100-200
serial: 1000-1002
id: alice-id
id: forever
EOF
ssh-keygen -q -k -f "$C/revocation/krl-ca-serials-ids" -s ca.pub spec
printf 'serial: 42\nid: other\n' > spec2
ssh-keygen -q -k -f "$C/revocation/krl-ecdsa-ca" -s caecdsa.pub spec2
cat > spec3 <<EOF
key: $(key ed25519)
sha1: $(cat ecdsa256.pub)
sha256: $(cat ecdsa384.pub)
hash: $(ssh-keygen -lf rsa.pub | cut -d' ' -f2)
EOF
ssh-keygen -q -k -f "$C/revocation/krl-keys-hashes" spec3
ssh-keygen -q -k -f "$C/revocation/krl-plain-keys" -z 5 ed25519.pub ecdsa521.pub
ssh-keygen -q -k -f "$C/revocation/krl-cert-file" certkey-cert.pub
ssh-keygen -q -k -f "$C/revocation/krl-empty"
# Any-CA section: "serial"/"id" lines without -s need a CA key; ssh-keygen writes the
# section for "id:" lines given with -s as well, so also update one KRL with -u.
cp "$C/revocation/krl-keys-hashes" "$C/revocation/krl-updated"
ssh-keygen -q -k -u -f "$C/revocation/krl-updated" -s carsa.pub spec2
{ echo '# revoked keys'; cat ed25519.pub; echo; cat rsa.pub; } > "$C/revocation/list-plain"
cat certkey-cert.pub ca.pub > "$C/revocation/list-cert-and-ca"
: > "$C/revocation/list-empty"

# Certificates: raw blobs (SshCertificate::decode) and the -cert.pub lines (parse_line).
for c in certkey foreverkey hostkey rsacertkey; do
  cut -d' ' -f2 "$c-cert.pub" | base64 -d > "$C/ssh_certificate/$c.blob"
  cp "$c-cert.pub" "$C/ssh_certificate/$c-cert.pub"
done
cp ed25519.pub "$C/ssh_certificate/ed25519.pub"
cp ecdsa521.pub "$C/ssh_certificate/ecdsa521.pub"

# The fixed keys the revocation target asks about.
cp ed25519.pub "$FUZZ/keys/ssh-ed25519.pub"
cp ecdsa256.pub "$FUZZ/keys/ssh-ecdsa256.pub"
cp certkey-cert.pub "$FUZZ/keys/ssh-cert.pub"
cp foreverkey-cert.pub "$FUZZ/keys/ssh-forever-cert.pub"

# ---------------------------------------------------------------- OpenPGP
cd "$WORK"
gpgq() { gpg --batch --quiet --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }
gpgq --quick-gen-key 'Alice <alice@example.com>' ed25519 sign 2y
gpgq --quick-gen-key 'Bob <bob@example.com>' rsa2048 sign 2y
gpgq --quick-gen-key 'Carol <carol@example.com>' nistp256 sign 2y
gpgq --quick-gen-key 'Dave <dave@example.com>' ed25519 cert 2y
fpr() { gpg --batch --with-colons --list-keys "$1" | awk -F: '/^fpr/ {print $10; exit}'; }
DAVE=$(fpr dave@example.com)
ALICE=$(fpr alice@example.com)
gpgq --quick-add-key "$DAVE" ed25519 sign 1y
gpgq --quick-add-uid "$DAVE" 'Dave Second <dave2@example.com>'
printf 'fuzz payload\n' > payload
O=$C/openpgp_signature
gpgq -u alice@example.com -o "$O/ed25519.asc" -a -b payload
gpgq -u alice@example.com -o "$O/ed25519.bin" -b payload
gpgq -u bob@example.com -o "$O/rsa.asc" -a -b payload
gpgq -u carol@example.com -o "$O/p256.bin" -b payload
gpgq -u "$DAVE" -o "$O/subkey.asc" -a -b payload
gpgq -u alice@example.com -u bob@example.com -o "$O/two-signers.asc" -a -b payload
gpgq -u alice@example.com --default-sig-expire 1d -o "$O/expiring.asc" -a -b payload
gpgq -u bob@example.com --digest-algo SHA512 -o "$O/rsa-sha512.bin" -b payload
gpgq -u carol@example.com --sig-notation 'fuzz@example.com=value' \
  --sender carol@example.com -o "$O/notation.asc" -a -b payload

K=$C/openpgp_keyring
gpg --batch --export -a alice@example.com bob@example.com carol@example.com "$DAVE" \
  > "$FUZZ/keys/openpgp.asc"
cat "$FIX/openpgp/github-web-flow.asc" >> "$FUZZ/keys/openpgp.asc"
cp "$FIX/openpgp/github-web-flow.asc" "$K/github-web-flow.asc"
gpg --batch --export -a "$DAVE" > "$K/subkey-two-uids.asc"
gpg --batch --export bob@example.com > "$K/rsa.bin"
gpg --batch --export carol@example.com alice@example.com > "$K/two-certs.bin"
gpg --batch --export-options export-minimal --export -a alice@example.com > "$K/minimal.asc"
# gpg writes a revocation certificate for every new key; its armor line is escaped with ':'.
sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$ALICE.rev" > "$K/revocation.asc"
cp "$GNUPGHOME/pubring.kbx" "$K/pubring.kbx"
gpg --batch --export-ownertrust > /dev/null
gpgq --update-trustdb || true
if [ -f "$GNUPGHOME/trustdb.gpg" ]; then
  cp "$GNUPGHOME/trustdb.gpg" "$K/trustdb.gpg" && chmod 644 "$K/trustdb.gpg"
fi

# ---------------------------------------------------------------- git objects
G=$C/git_objects
repo() { # repo DIR [init args]
  git init -q "$@"
  git -C "$1" config user.name 'C O Mitter'
  git -C "$1" config user.email committer@example.com
}
repo r1
cd r1
git config gpg.format ssh && git config user.signingKey "$S/ed25519"
git commit -q --allow-empty -S -m 'ssh signed'
git checkout -q -b side
git commit -q --allow-empty -S -m 'side'
git checkout -q -
git commit -q --allow-empty -S -m 'second'
git merge -q --no-ff -S -m 'merge' side
git cat-file commit HEAD > "$G/ssh-merge.commit"
git cat-file commit HEAD^ > "$G/ssh.commit"
git tag -s -m 'ssh tag' v1
git cat-file tag v1 > "$G/ssh.tag"
git config gpg.format openpgp && git config user.signingKey alice@example.com
git commit -q --allow-empty -S -m 'openpgp signed' -m 'with a body line'
git cat-file commit HEAD > "$G/openpgp.commit"
git tag -s -m 'openpgp tag' v2
git cat-file tag v2 > "$G/openpgp.tag"
git checkout -q side && git merge -q --no-ff -S -m 'merge a signed tag' v2 2>/dev/null || true
git cat-file commit HEAD > "$G/mergetag.commit"
cd "$WORK"
repo r256 --object-format=sha256
cd r256
git config gpg.format ssh && git config user.signingKey "$S/ecdsa256"
git commit -q --allow-empty -S -m 'sha256 repository'
git cat-file commit HEAD > "$G/sha256.commit"
cd "$WORK"

# ---------------------------------------------------------------- policy files
P=$C/policy
sshline() { cut -d' ' -f1,2 "$S/$1.pub"; }
cat > "$P/full.toml" <<EOF
version = 1
goodlist = ["4b825dc642cb6eb9a060e54bf8d69288fbee4904"]

[principals.alice]
ssh = ["$(sshline ed25519) alice@laptop"]
openpgp = ["$ALICE"]
sigstore = [{ issuer = "https://github.com/login/oauth", subject = "alice@example.org" }]
valid_after  = 2025-01-01T00:00:00Z
valid_before = 2027-01-01T00:00:00Z

[principals.bob]
ssh = ["$(sshline ecdsa256)", "$(sshline rsa)"]

[principals.release-ci]
sigstore = [{ issuer = "https://token.actions.githubusercontent.com",
              subject_regex = '^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v.*$' }]

[groups]
maintainers = ["alice", "bob"]

[[rules]]
refs    = ["refs/heads/main", "refs/heads/release/*"]
commits = ["@maintainers", "release-ci"]
merges  = ["@maintainers"]
allow_force_push = false
allow_delete     = false

[[rules]]
refs = ["refs/tags/v*"]
tags = ["release-ci", "@maintainers"]

[[rules]]
refs = ["refs/heads/*"]
commits = ["*"]
allow_force_push = true
allow_delete = true

[policy_changes]
signers = ["@maintainers"]

[[revoked]]
key    = "$(ssh-keygen -lf "$S/rsa.pub" | cut -d' ' -f2)"
after  = 2026-03-01T00:00:00Z
reason = "laptop stolen"

[[revoked]]
key = "alice@example.org"
EOF
cat > "$P/minimal.toml" <<EOF
version = 1

[principals.alice]
ssh = ["$(sshline ed25519)"]
EOF
cat > "$P/inline-tables.toml" <<EOF
version = 1
principals = { carol = { openpgp = ["$ALICE"], valid_before = 2030-06-01T12:00:00+02:00 } }
groups = { all = ["carol"] }
rules = [{ refs = ["refs/*"], commits = ["@all"], tags = ["*"] }]
policy_changes = { signers = ["carol"] }
EOF
# Errors the parser must report with file:line.
printf 'version = 2\n' > "$P/bad-version.toml"
printf 'version = 1\nprincipal = 1\n' > "$P/unknown-key.toml"
printf 'version = 1\n[principals.x]\nssh = ["ssh-ed25519 AAAA"]\n' > "$P/bad-ssh.toml"
printf 'version = 1\n[principals.x]\nsigstore = [{ issuer = "i", subject_regex = "a.*" }]\n' \
  > "$P/unanchored-regex.toml"
printf 'version = 1\n[[rules]]\nrefs = ["refs/heads/main"]\ncommits = ["nobody", "@nogroup"]\n' \
  > "$P/unknown-names.toml"
printf 'version = 1\n[principals.x]\nopenpgp = ["ABC"]\nvalid_after = 2026-01-01\n' \
  > "$P/bad-fpr-date.toml"
printf 'version = 1\n[[revoked]]\nkey = "k"\nafter = 1979-05-27T07:32:00\n' \
  > "$P/local-time.toml"
# The documentation's example as written (placeholder keys: an error).
awk '/^```toml/{on=1; next} /^```/{if(on) exit} on' "$ROOT/docs/policy.md" > "$P/docs-example.toml"

# ---------------------------------------------------------------- argv shapes
# Arguments NUL-separated, from reference/git-argv-shapes.txt (placeholders filled in)
# and the project's own subcommands.
A=$C/argv
n=0
argv() { n=$((n + 1)); printf '%s\0' "$@" | head -c -1 > "$A/$(printf %02d $n)"; }
T=/tmp/.git_vtag_tmpAbC123
argv -Y check-novalidate -n git -s "$T" -Overify-time=20240102030405
argv -Y find-principals -f /keys/allowed_signers -s "$T" ''
argv -Y find-principals -f /keys/allowed_signers -s "$T" -Overify-time=20240102030405
argv -Y sign -n git -f /keys/ed25519 /tmp/.git_signing_buffer_tmpXyZ
argv -Y sign -n git -f /tmp/.git_signing_key_tmpQ -U /tmp/.git_signing_buffer_tmpXyZ
argv -Y verify -n git -f /keys/allowed_signers -I 'principal with number 1' -s "$T" ''
argv -Y verify -n git -f /keys/allowed_signers -I '*@corp.example' -s "$T" -Overify-time=20240102030405 -r /keys/krl
argv -Y verify -n git -f /keys/allowed_signers -I alice@example.com -s "$T" '' -r /keys/revoked
argv -Y match-principals -f /keys/allowed_signers -I alice@example.com
argv -Y sign -n file -f /keys/rsa -O hashalg=sha256 a b
argv -lf ''
argv -lf /keys/ed25519
argv -lf -
argv -l -f /keys/ed25519.pub
argv --keyid-format=long --status-fd=1 --verify "$T" -
argv --status-fd=1 --verify "$T" -
argv --status-fd=2 -bsau 'C O Mitter <committer@example.com>'
argv --status-fd=2 -bsau B7227189
argv --status-fd=2 -bsau ''
argv --status-fd=2 -b -s -a -u DEADBEEF
argv verify --policy p.toml --anchor HEAD~3 --ref refs/heads/main --format json main~3..main
argv verify --pre-receive
argv verify-commit --certificate-identity alice@example.org --certificate-oidc-issuer-regexp 'https://.*' HEAD
argv verify-tag --format json v1
argv policy check --file .gitseal/policy.toml
argv policy describe
argv policy export-allowed-signers
argv show HEAD
argv setup --format ssh --global
argv completion bash
argv --help
argv version

for t in $PARSER_TARGETS; do "seeds_$t"; done

echo "seed corpora:"
du -sh --apparent-size "$C" "$FUZZ/keys"
for d in "$C"/*/; do printf '  %-18s %3d files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
