// A real Bluesky PDS (@atproto/pds) with a local PLC directory, both on
// 127.0.0.1, for Siar's interoperability test. It creates one account and an
// app password, prints them as one JSON line on stdout, and runs until killed.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

const require = createRequire(import.meta.url);
const pds = require('@atproto/pds');
const plc = require('@did-plc/server');
const { Secp256k1Keypair } = require('@atproto/crypto');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const plcPort = await freePort();
const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort });
await plcServer.start();

const port = await freePort();
const rotation = await Secp256k1Keypair.create({ exportable: true });
const data = mkdtempSync(join(tmpdir(), 'siar-pds-'));
const env = {
  devMode: true,
  port,
  hostname: 'localhost',
  dataDirectory: data,
  blobstoreDiskLocation: join(data, 'blobs'),
  recoveryDidKey: (await Secp256k1Keypair.create()).did(),
  adminPassword: 'admin-pass',
  jwtSecret: randomBytes(16).toString('hex'),
  serviceHandleDomains: ['.test'],
  didPlcUrl: `http://127.0.0.1:${plcPort}`,
  plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotation.export()).toString('hex'),
  inviteRequired: false,
  disableSsrfProtection: true,
  serviceName: 'Siar interop PDS',
};
const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env));
await server.start();
const url = `http://127.0.0.1:${port}`;

async function xrpc(nsid, body, token) {
  const res = await fetch(`${url}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${nsid}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const handle = 'perpus.test';
const account = await xrpc('com.atproto.server.createAccount', {
  handle,
  email: 'perpus@example.test',
  password: 'main-password-not-for-siar',
});
const other = await xrpc('com.atproto.server.createAccount', {
  handle: 'dinas.test',
  email: 'dinas@example.test',
  password: 'another-main-password',
});
const app = await xrpc('com.atproto.server.createAppPassword', { name: 'siar' }, account.accessJwt);
process.stdout.write(JSON.stringify({ url, handle, did: account.did, other_did: other.did, app_password: app.password }) + '\n');

const stop = async () => {
  await server.destroy();
  await plcServer.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
