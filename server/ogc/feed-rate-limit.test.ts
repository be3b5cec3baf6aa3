// Rate limits of the feeds: per address for anonymous callers and per key for API clients, shared by /ogc and /wfs,
// answered with 429 and Retry-After in each protocol's own error shape. Limits are set low here; defaults are generous.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_API_KEY } from '../../infra/demo/accounts.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ demo: true, env: { FEED_RATE_LIMIT_PER_MINUTE: '5', FEED_KEY_RATE_LIMIT_PER_MINUTE: '8' } });
});
after(async () => {
  await server?.close();
});

const hit = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

test('anonymous: the address has 5 requests a minute across OGC API and WFS, then 429 with Retry-After', async () => {
  for (const path of ['/ogc', '/ogc/collections', '/wfs?service=WFS&request=GetCapabilities', '/ogc/conformance', '/ogc/api']) {
    const r = await hit(path);
    assert.equal(r.status, 200, path);
    await r.arrayBuffer();
  }
  const ogc = await hit('/ogc/collections');
  assert.equal(ogc.status, 429);
  const retry = Number(ogc.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, String(retry));
  const body = await ogc.json() as { code: string; description: string };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'description']);
  assert.equal(body.code, 'rate_limited');
  const wfs = await hit('/wfs?service=WFS&request=GetCapabilities');
  assert.equal(wfs.status, 429);
  assert.ok(Number(wfs.headers.get('retry-after')) >= 1);
  assert.match(await wfs.text(), /<ows:ExceptionReport[\s\S]*Too many requests from this address/);
  // The rest of the platform is not the feeds' budget.
  assert.equal((await hit('/api/health')).status, 200);
});

test('an API key has its own budget, independent of the address', async () => {
  const key = { 'x-api-key': DEMO_API_KEY };
  for (let i = 0; i < 8; i++) {
    const r = await hit('/ogc/collections', key);
    assert.equal(r.status, 200, `request ${i + 1}`);
    await r.arrayBuffer();
  }
  const over = await hit('/wfs?service=WFS&request=GetCapabilities', key);
  assert.equal(over.status, 429);
  assert.match(await over.text(), /Too many requests with this key/);
});
