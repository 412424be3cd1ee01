// Serves third-party Sigstore mocks on loopback for scripts/interop.sh:
// - Fulcio (POST /api/v2/signingCert), Rekor v1 (POST /api/v1/log/entries) and a TSA
//   (POST /api/v1/timestamp) from the npm package @sigstore/mock (sigstore-js), whose
//   handlers we only wrap in node:http servers (the package itself mocks them with nock);
// - an OIDC issuer (discovery, JWKS, authorization code + PKCE, device flow) from
//   @mongodb-js/oidc-mock-provider.
// None of the signing, certificate, SCT, SET, checkpoint or token code here is ours.
//
// The TSA needs a front end: @sigstore/mock's handler takes only the JSON request of
// sigstore/timestamp-authority ({artifactHash, hashAlgorithm, nonce, certificates}), not
// an RFC 3161 TimeStampReq (DER, application/timestamp-query), which is what gitsign and
// gitseal send: it answers those with HTTP 400 ("Unexpected non-whitespace character
// after JSON"). So a DER request is decoded here (pkijs, the mock's own ASN.1 library) and
// handed to the mock TSA's `timestamp()`, which builds and signs the token; a JSON request
// goes to the mock's handler unchanged. Two more adaptations, each with a route that
// leaves the mock alone, so that the script shows what gitseal does with its answer:
// - the mock writes the nonce through a JS number (`new asn1js.Integer({ value: nonce })`),
//   exact only below 2^53; larger nonces come back rounded (2^53 + 1 as 2^53) or as a
//   zero-length INTEGER, which is not DER. gitseal's nonces are 64 random bits. The
//   request's nonce INTEGER goes into the TSTInfo as it came (the mock's encoding:
//   /api/v1/timestamp-number-nonce);
// - the mock's genTime has milliseconds ("20261125031618.123Z"), which RFC 3161 allows
//   and DER encodes so; gitseal's parsers (RustCrypto `der`'s GeneralizedTime, under
//   both `x509-tsp` and `sigstore-tsa`) take only whole seconds. genTime is cut to the
//   second before the mock signs (the mock's time: /api/v1/timestamp-fractional).

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

// A node:http server on 127.0.0.1, a free port, routing POST <path> to a handler: the
// mock's (body string in, {statusCode, response, contentType} out: @sigstore/mock's
// HandlerFn), or one given the raw body and the request's Content-Type.
async function serve(name) {
  const routes = new Map();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const route = req.method === 'POST' ? routes.get(new URL(req.url, 'http://x').pathname) : undefined;
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`${name} mock: no ${req.method} ${req.url}\n`);
      return;
    }
    try {
      const { statusCode, response, contentType } = await route(body, req.headers['content-type'] || '');
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
  return {
    url,
    route: (handler) => routes.set(handler.path, (body) => handler.fn(body.toString('utf8'))),
    routeRaw: (path, fn) => routes.set(path, fn),
  };
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
const tsaJson = mock.tsaHandler(tsa, { strict: true });
// RFC 3161 in front of the mock TSA (see the top of this file). `exactNonce`: the TSTInfo
// gets the request's nonce INTEGER itself instead of the mock's JS-number encoding of it;
// `wholeSeconds`: its genTime is cut to the second. The mock then signs it as always.
const pkijs = require('pkijs');
const mockTstInfo = tsa.tstInfo.bind(tsa);
tsa.tstInfo = (req) => {
  const info = mockTstInfo(req);
  if (req.exactNonce) info.nonce = req.exactNonce;
  if (req.wholeSeconds) info.genTime = new Date(Math.floor(info.genTime.getTime() / 1000) * 1000);
  return info;
};
const rfc3161 = ({ exactNonce, wholeSeconds }) => async (body, contentType) => {
  if (!contentType.startsWith('application/timestamp-query')) return tsaJson.fn(body.toString('utf8'));
  let request;
  try {
    request = pkijs.TimeStampReq.fromBER(new Uint8Array(body));
  } catch (e) {
    return { statusCode: 400, response: `not an RFC 3161 TimeStampReq: ${e.message}` };
  }
  const response = await tsa.timestamp({
    artifactHash: Buffer.from(request.messageImprint.hashedMessage.valueBlock.valueHexView),
    hashAlgorithmOID: request.messageImprint.hashAlgorithm.algorithmId,
    // The mock's own path: a JS number (BigInt to Number rounds above 2^53).
    nonce: request.nonce ? Number(request.nonce.toBigInt()) : 1234567890,
    exactNonce: exactNonce ? request.nonce : undefined,
    wholeSeconds,
    policyOID: request.reqPolicy || '1.3.6.1.4.1.57264.2',
    certReq: request.certReq ?? false,
  });
  return { statusCode: 201, response, contentType: 'application/timestamp-reply' };
};
tsaServer.routeRaw(tsaJson.path, rfc3161({ exactNonce: true, wholeSeconds: true }));
tsaServer.routeRaw(`${tsaJson.path}-number-nonce`, rfc3161({ exactNonce: false, wholeSeconds: true }));
tsaServer.routeRaw(`${tsaJson.path}-fractional`, rfc3161({ exactNonce: true, wholeSeconds: false }));

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
