#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/<target>/ and the fixed keys the targets
# check against (fuzz/keys/). Seeds come from the project's fixtures (tests/fixtures) and
# from real programs: ssh-keygen (-Y sign, -s, -k), gpg, git. Run it only to refresh the
# seeds; the output is committed, and the fuzz runs (scripts/fuzz.sh) never write here.
#
# Needs: ssh-keygen, gpg, git, python3. Keys are made fresh each time, so the seeds and
# fuzz/keys/ change together: commit both.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
ROOT=$(cd .. && pwd)
FIX=$ROOT/tests/fixtures
for tool in ssh-keygen gpg git python3; do
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
         sigstore_cms sigstore_tlog sigstore_verify openpgp_signature openpgp_keyring; do
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
# The GitHub web-flow commit's signature (non-minimal MPI, github-web-flow.asc).
python3 - "$FIX/openpgp/github-web-flow-262c0549.commit" "$O/web-flow.asc" <<'EOF'
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
cp "$FIX"/sigstore/commits/*.commit "$FIX"/sigstore/commits/*.tag "$G/"
cp "$FIX/openpgp/github-web-flow-262c0549.commit" "$G/openpgp-web-flow.commit"
cp "$FIX/sigstore/upstream/e2e-offline.commit" "$FIX/sigstore/upstream/pkg-git-tag.txt" "$G/"
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

# Sigstore: the signature blocks, the embedded log entries, payload+signature pairs.
python3 - "$FIX/sigstore" "$C" <<'EOF'
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

files = sorted(glob.glob(fix + '/commits/*.commit') + glob.glob(fix + '/commits/*.tag')
               + [fix + '/upstream/e2e-offline.commit', fix + '/upstream/e2e-online.commit',
                  fix + '/upstream/pkg-git-commit.txt', fix + '/upstream/pkg-git-tag.txt',
                  fix + '/upstream/rekor-oid-commit.txt'])
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
print(f'sigstore: {len(files)} objects, {entries} embedded log entries')
EOF

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

echo "seed corpora:"
du -sh --apparent-size "$C" "$FUZZ/keys"
for d in "$C"/*/; do printf '  %-18s %3d files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
