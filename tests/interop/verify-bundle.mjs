// Verifies a Sigstore bundle with sigstore-js, offline, for scripts/interop.sh:
//
//   node verify-bundle.mjs --prefix NODE_PREFIX --bundle B --artifact A \
//     --trusted-root R --identity I --issuer S
//
// Exit 0 and one line on stdout on success; exit 1 and one line on stderr with
// sigstore-js's reason otherwise (2 for a usage error). NODE_PREFIX is the npm prefix whose node_modules has
// @sigstore/bundle, @sigstore/protobuf-specs and @sigstore/verify (interop.sh pins them).
//
// Nothing here verifies anything itself: @sigstore/bundle parses and validates the bundle
// (per its media type: v0.3 needs an inclusion proof in every log entry and a single
// certificate), @sigstore/protobuf-specs reads the trusted root, and @sigstore/verify's
// Verifier, the one the `sigstore` package uses, checks every timestamp (the log's
// integrated time and any RFC 3161 token against the root's TSAs), the certificate chain
// to a Fulcio CA of the root at those times, an SCT from one of its CT logs, each log
// entry (SET and/or inclusion proof against a checkpoint signed by a log of the root, and
// that the entry's body is this signature and digest), the signature over the artifact,
// and the policy: SAN and OIDC issuer (the Fulcio issuer extension, v2 or v1). This is
// what the `sigstore` package's verify() does, less its TUF fetch of the trusted root.
//
// sigstore-js matches the policy's SAN as a regular expression that is not anchored
// (String.prototype.match), so an identity "a@b.c" would also accept "xa@bxc.evil": the
// identity is passed escaped and anchored, and the SAN is compared exactly once more.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const usage =
  'usage: node verify-bundle.mjs --prefix NODE_PREFIX --bundle B --artifact A --trusted-root R --identity I --issuer S';
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      prefix: { type: 'string' },
      bundle: { type: 'string' },
      artifact: { type: 'string' },
      'trusted-root': { type: 'string' },
      identity: { type: 'string' },
      issuer: { type: 'string' },
    },
    strict: true,
  }));
} catch (e) {
  console.error(`verify-bundle: ${e.message}\n${usage}`);
  process.exit(2);
}
for (const name of ['bundle', 'artifact', 'trusted-root', 'identity', 'issuer']) {
  if (!args[name]) {
    console.error(`verify-bundle: --${name} is required\n${usage}`);
    process.exit(2);
  }
}

const require = createRequire(
  args.prefix ? path.join(path.resolve(args.prefix), 'node_modules', 'noop.js') : import.meta.url,
);
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim();
const reason = (e) => {
  // VerificationError/PolicyError carry a code; ValidationError lists the bad fields.
  const code = e?.code ? `${e.code}: ` : '';
  const fields = Array.isArray(e?.fields) && e.fields.length ? ` (${e.fields.join(', ')})` : '';
  const cause = e?.cause ? `: ${e.cause.message ?? e.cause}` : '';
  return oneLine(`${code}${e?.message ?? e}${fields}${cause}`);
};
const fail = (what, e) => {
  console.error(`sigstore-js: FAIL ${what}: ${reason(e)}`);
  process.exit(1);
};

let bundle, trust, artifact;
try {
  bundle = bundleFromJSON(JSON.parse(fs.readFileSync(args.bundle, 'utf8')));
} catch (e) {
  fail(`bundle ${args.bundle}`, e);
}
try {
  trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(args['trusted-root'], 'utf8'))));
} catch (e) {
  fail(`trusted root ${args['trusted-root']}`, e);
}
try {
  artifact = fs.readFileSync(args.artifact);
} catch (e) {
  fail(`artifact ${args.artifact}`, e);
}

const escaped = args.identity.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
let signer;
try {
  const entity = toSignedEntity(bundle, artifact);
  // The defaults, spelled out: one log entry, one SCT, one verified time.
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  signer = verifier.verify(entity, {
    subjectAlternativeName: new RegExp(`^${escaped}$`),
    extensions: { issuer: args.issuer },
  });
} catch (e) {
  fail('verification', e);
}
const san = signer.identity?.subjectAlternativeName;
const issuer = signer.identity?.extensions?.issuer;
if (san !== args.identity) fail('policy', `the certificate's SAN is ${san}, not ${args.identity}`);
if (issuer !== args.issuer) fail('policy', `the certificate's issuer is ${issuer}, not ${args.issuer}`);
console.log(`sigstore-js: OK ${san} (${issuer}), ${bundle.mediaType}`);
