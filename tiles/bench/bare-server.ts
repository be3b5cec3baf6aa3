// The floor of any Node HTTP tile server (not the platform, not for use): node:http, one route, the platform's own
// tile statement (tile-sql.ts) on a pool of the server's role with the tiles' settings and size, and the same
// response rules as the platform (204 when empty, gzip level 1 from 1 KiB when asked for). No authorization, no
// cache, no hooks, no ETag. What the benchmark's uncached platform lacks against it is the platform's own cost;
// what this lacks against the bare SQL is the HTTP hop itself.
//   BENCH_APP_URL   the server role's connection (cb_app)
//   BENCH_LAYERS    the layer ids it serves, comma-separated
// Prints its address on the first line of stdout.
import http from 'node:http';
import zlib from 'node:zlib';
import { findLayer, type Layer } from '../../server/catalog/catalog.ts';
import { parseTileAddress } from '../tile-address.ts';
import { tileQuery } from '../tile-sql.ts';
import { createTilePool } from '../tile-pool.ts';
import { COMPRESSION_LEVEL } from '../tile-bytes.ts';
import { GZIP_FROM_BYTES, MVT_CONTENT_TYPE } from '../tile-response.ts';

const url = process.env.BENCH_APP_URL;
if (!url) throw new Error('BENCH_APP_URL is not set');
const pool = createTilePool(url);
const layers = new Map<string, Layer>();
const client = await pool.connect();
for (const id of (process.env.BENCH_LAYERS ?? '').split(',').filter(Boolean)) {
  const layer = await findLayer(client, id);
  if (!layer) throw new Error(`no layer ${id}`);
  layers.set(id, layer);
}
client.release();

const route = /^\/tiles\/([a-z0-9_]+\.[a-z0-9_]+)\/(\d+)\/(\d+)\/(\d+)\.mvt$/;
const server = http.createServer((req, res) => {
  const m = route.exec(req.url ?? '');
  const layer = m ? layers.get(m[1]!) : undefined;
  if (!m || !layer) {
    res.writeHead(404).end();
    return;
  }
  const tile = parseTileAddress({ z: m[2]!, x: m[3]!, y: m[4]! });
  pool.query<{ mvt: Buffer | null }>(tileQuery(layer, tile)).then(({ rows }) => {
    const mvt = rows[0]?.mvt;
    if (!mvt || mvt.length === 0) {
      res.writeHead(204).end();
      return;
    }
    const gzip = mvt.length >= GZIP_FROM_BYTES && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const body = gzip ? zlib.gzipSync(mvt, { level: COMPRESSION_LEVEL }) : mvt;
    res.writeHead(200, { 'content-type': MVT_CONTENT_TYPE, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(body);
  }, (err: Error) => {
    res.writeHead(500).end(err.message);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
const stop = () => server.close(() => void pool.end().finally(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
