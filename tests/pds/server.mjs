// The Bluesky reference network for Siar's interoperability tests
// (@atproto/dev-env): a PLC directory, a PDS and the AppView (which keeps its
// index in PostgreSQL and uses Redis), all on 127.0.0.1/localhost. It creates
// the library's account with an app password and a second account (a
// patron), prints them as one JSON line on stdout, and serves a small control
// API for the tests:
//   POST /reply {"parent": at-uri, "text": "..."}  the patron replies to the
//                                                library; → {"uri"}
//   POST /sync                                    the AppView indexes all
// It runs until killed.
import { createServer } from 'node:http';
import { TestNetwork } from '@atproto/dev-env';

const dbPostgresUrl = process.env.DB_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_HOST ??= '127.0.0.1:6379';
// Schemas of letters only (the AppView's rule), new for every run.
const schema = 'siar_bsky_' + Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const net = await TestNetwork.create({ dbPostgresUrl, dbPostgresSchema: schema });
const url = net.pds.url;

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

async function get(nsid, params) {
  const res = await fetch(`${url}/xrpc/${nsid}?${new URLSearchParams(params)}`);
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
await net.processAll();

// The patron's reply to `parent`, in the parent's thread, addressed to the
// library (@perpus.test with its mention facet, as the Bluesky app writes it).
// A reply without the mention produced no notification from this AppView
// version in our runs, so the test does what patrons usually do.
async function reply(parent, body) {
  const mention = '@' + handle;
  const text = `${mention} ${body}`;
  const facets = [{
    index: { byteStart: 0, byteEnd: Buffer.byteLength(mention) },
    features: [{ $type: 'app.bsky.richtext.facet#mention', did: account.did }],
  }];
  const [, , repo, collection, rkey] = parent.split('/');
  const p = await get('com.atproto.repo.getRecord', { repo, collection, rkey });
  const root = p.value.reply?.root ?? { uri: p.uri, cid: p.cid };
  const made = await xrpc('com.atproto.repo.createRecord', {
    repo: other.did,
    collection: 'app.bsky.feed.post',
    record: {
      $type: 'app.bsky.feed.post',
      text,
      facets,
      createdAt: new Date().toISOString(),
      reply: { root, parent: { uri: p.uri, cid: p.cid } },
    },
  }, other.accessJwt);
  await net.processAll();
  return made.uri;
}

const control = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  try {
    let out = {};
    if (req.method === 'POST' && req.url === '/reply') {
      const { parent, text } = JSON.parse(body);
      out = { uri: await reply(parent, text) };
    } else if (req.method === 'POST' && req.url === '/sync') {
      await net.processAll();
    } else {
      res.writeHead(404).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  } catch (e) {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e) }));
  }
});
await new Promise(r => control.listen(0, '127.0.0.1', r));
const controlUrl = `http://127.0.0.1:${control.address().port}`;

process.stdout.write(JSON.stringify({
  url, handle, did: account.did, other_did: other.did, app_password: app.password, control: controlUrl,
}) + '\n');

const stop = async () => {
  control.close();
  await net.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
