// Serves third-party Sigstore mocks on loopback for scripts/interop.sh:
// - Fulcio (POST /api/v2/signingCert), Rekor v1 (POST /api/v1/log/entries) and a TSA
//   (POST /api/v1/timestamp) from the npm package @sigstore/mock (sigstore-js), whose
//   handlers we only wrap in node:http servers (the package itself mocks them with nock);
// - an OIDC issuer (discovery, JWKS, authorization code + PKCE, device flow) from
//   @mongodb-js/oidc-mock-provider.
// None of the signing, certificate, SCT, SET, checkpoint or token code here is ours.
//
// usage: node sigstore-mock-server.mjs NODE_PREFIX OUT_DIR
//   NODE_PREFIX: where `npm install --prefix` put the packages (outside the clone).
//   OUT_DIR: receives servers.env (URLs, shell syntax), trusted_root.json (the mock
//   instance's CA, CT log, Rekor and TSA keys), signing_config.json (v0.2),
//   trust_config.json (sigstore-python's --trust-config), fulcio-root.pem; then `ready`
//   is written to OUT_DIR/ready. Runs until killed.
//
// Identities: the OIDC mock signs every token with subject SUBJECT (below). Tokens asked
// for with client_id `sigstore-email` also carry an `email` claim, to show what the
// Fulcio mock does with one (it ignores it: its SAN is always the subject, as a URI).
//
// Needs node 22 (the npm package node@22): @sigstore/mock 0.13.0 requires it.

import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const [prefix, outDir] = process.argv.slice(2);
if (!prefix || !outDir) {
  console.error('usage: node sigstore-mock-server.mjs NODE_PREFIX OUT_DIR');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(prefix), 'node_modules', 'noop.js'));
const mock = require('@sigstore/mock');
const { OIDCMockProvider } = require('@mongodb-js/oidc-mock-provider');

const SUBJECT = 'https://gitseal.test/users/alice';
const EMAIL = 'alice@example.org';

// A node:http server on 127.0.0.1, a free port, routing POST <path> to a mock handler
// (body string in, {statusCode, response, contentType} out: @sigstore/mock's HandlerFn).
async function serve(name) {
  const routes = new Map();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const route = req.method === 'POST' ? routes.get(new URL(req.url, 'http://x').pathname) : undefined;
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`${name} mock: no ${req.method} ${req.url}\n`);
      return;
    }
    try {
      const { statusCode, response, contentType } = await route(body);
      res.writeHead(statusCode, { 'Content-Type': contentType || 'text/plain' });
      res.end(response);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e?.stack || e));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, route: (handler) => routes.set(handler.path, handler.fn) };
}

const key = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const b64 = (bytes) => Buffer.from(bytes.buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes).toString('base64');
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest();
const pem = (der) =>
  `-----BEGIN CERTIFICATE-----\n${b64(der).match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;

// Trust material is valid from a minute before the mocks made their keys.
const start = new Date(Date.now() - 60_000).toISOString();

const fulcio = await serve('fulcio');
const ctlog = await mock.initializeCTLog(key());
const ca = await mock.initializeCA(key(), ctlog);
fulcio.route(mock.fulcioHandler(ca, { strict: true }));

const rekor = await serve('rekor');
// The checkpoint's origin is the Rekor URL's host:port.
const tlog = await mock.initializeTLog(rekor.url, key());
rekor.route(mock.rekorHandler(tlog, { strict: true }));

const tsaServer = await serve('tsa');
const tsa = await mock.initializeTSA(key());
tsaServer.route(mock.tsaHandler(tsa, { strict: true }));

const oidc = await OIDCMockProvider.create({
  hostname: '127.0.0.1',
  port: 0,
  getTokenPayload: ({ client_id }) => ({
    expires_in: 3600,
    payload: client_id === 'sigstore-email' ? { sub: SUBJECT, email: EMAIL, email_verified: true } : { sub: SUBJECT },
    // The mock's ID token audience is the client id; Sigstore clients ask for `sigstore`.
    customIdTokenPayload: { aud: 'sigstore' },
  }),
});

const rootDer = Buffer.from(new Uint8Array(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength));
const rekorSpki = Buffer.from(tlog.publicKey);
const ctSpki = Buffer.from(ctlog.publicKey);
const valid = { start };
const trustedRoot = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [
    {
      baseUrl: rekor.url,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: rekorSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: valid },
      logId: { keyId: sha256(rekorSpki).toString('base64') },
    },
  ],
  certificateAuthorities: [
    {
      subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
      uri: fulcio.url,
      certChain: { certificates: [{ rawBytes: rootDer.toString('base64') }] },
      validFor: valid,
    },
  ],
  ctlogs: [
    {
      baseUrl: 'http://ctfe.sigstore.mock',
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: ctSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: valid },
      logId: { keyId: b64(ctlog.logID) },
    },
  ],
  timestampAuthorities: [
    {
      subject: { organization: 'sigstore.mock', commonName: 'tsa' },
      uri: tsaServer.url,
      certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
      validFor: valid,
    },
  ],
};
const service = (url) => ({ url, majorApiVersion: 1, validFor: valid, operator: 'sigstore.mock' });
const signingConfig = {
  mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
  caUrls: [service(fulcio.url)],
  oidcUrls: [service(oidc.issuer)],
  rekorTlogUrls: [service(rekor.url)],
  rekorTlogConfig: { selector: 'ANY' },
  tsaUrls: [{ ...service(`${tsaServer.url}/api/v1/timestamp`) }],
  tsaConfig: { selector: 'ANY' },
};
const trustConfig = {
  mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
  trustedRoot,
  signingConfig,
};

fs.mkdirSync(outDir, { recursive: true });
const write = (name, text) => fs.writeFileSync(path.join(outDir, name), text);
write('trusted_root.json', JSON.stringify(trustedRoot, null, 2));
write('signing_config.json', JSON.stringify(signingConfig, null, 2));
write('trust_config.json', JSON.stringify(trustConfig, null, 2));
write('fulcio-root.pem', pem(rootDer));
write(
  'servers.env',
  [
    `MOCK_FULCIO_URL=${fulcio.url}`,
    `MOCK_REKOR_URL=${rekor.url}`,
    `MOCK_TSA_URL=${tsaServer.url}`,
    `MOCK_OIDC_ISSUER=${oidc.issuer}`,
    `MOCK_SUBJECT=${SUBJECT}`,
    `MOCK_EMAIL=${EMAIL}`,
    `MOCK_NODE_VERSION=${process.version}`,
    '',
  ].join('\n'),
);
write('ready', 'ready\n');
console.log(`sigstore mocks: fulcio ${fulcio.url}, rekor ${rekor.url}, tsa ${tsaServer.url}, oidc ${oidc.issuer} (node ${process.version})`);

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
