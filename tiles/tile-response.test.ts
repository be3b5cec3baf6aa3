// sendTile on a bare fastify instance: which representation a client that takes gzip gets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import zlib from 'node:zlib';
import Fastify from 'fastify';
import type { Layer } from '../server/catalog/catalog.ts';
import { compressPart, digestOf } from './tile-bytes.ts';
import { GZIP_FROM_BYTES, sendTile } from './tile-response.ts';
import type { RenderedPart } from './tile-service.ts';

const layer = { id: 'van_hoa.diem', visibility: 'public' } as Layer;
/** Rendered just now (cache disabled): only the MVT bytes. */
const fresh = (mvt: Buffer): RenderedPart => ({ layer, digest: digestOf(mvt), size: mvt.length, mvt });
/** From the cache: the gzip part only. */
const cached = async (mvt: Buffer): Promise<RenderedPart> => {
  const part = await compressPart(mvt);
  return { layer, digest: part.digest, size: part.size, part };
};

async function answer(part: RenderedPart) {
  const app = Fastify();
  app.get('/t', async (request, reply) => sendTile(request, reply, [part], { cacheControl: 'public, max-age=60' }));
  try {
    return await app.inject({ method: 'GET', url: '/t', headers: { 'accept-encoding': 'gzip' } });
  } finally {
    await app.close();
  }
}

test('a small tile rendered just now goes uncompressed, even to a client that takes gzip', async () => {
  const mvt = randomBytes(GZIP_FROM_BYTES - 1);
  const res = await answer(fresh(mvt));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-encoding'], undefined);
  assert.deepEqual(res.rawPayload, mvt);
  assert.doesNotMatch(String(res.headers.etag), /-gz"$/);
});

test('a tile from this size on is compressed; a cached one is sent as its gzip whatever its size', async () => {
  const large = randomBytes(GZIP_FROM_BYTES);
  const res = await answer(fresh(large));
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.deepEqual(zlib.gunzipSync(res.rawPayload), large);
  assert.match(String(res.headers.etag), /-gz"$/);

  const small = randomBytes(10);
  const fromCache = await answer(await cached(small));
  assert.equal(fromCache.headers['content-encoding'], 'gzip');
  assert.deepEqual(zlib.gunzipSync(fromCache.rawPayload), small);
});
