// Tile serving, measured side by side in one run (not a test): `npx tsx tiles/bench/tiles.bench.ts [--concurrency N]`
//
// In a scratch copy of the demo database:
//   0. the demo data as it is: every layer's z0–z8 tiles over the province, uncached (slowest, largest);
//   1. the data scaled up (scale-up.ts: 527 285 points, 102 982 lines, 107 866 polygons), the three scaled layers
//      served from z8 on, and a fixed list of tiles covering the province at z8, z10, z12 and z14 (every tile at
//      z8–z12, a regular sample of one in four at z14), each asked of every scaled layer;
//   2. over that list, with the same number of concurrent loops each:
//      - the same SQL as a prepared statement on persistent connections (the limit of an uncached server),
//      - the platform over HTTP with its cache disabled,
//      - the same statement behind a bare Node HTTP server (bare-server.ts: the floor of any Node server, HTTP hop
//        included, platform logic left out),
//      - MapServer 8's MVT output on the same tables (FastCGI behind nginx),
//      - the platform over HTTP with a warm cache,
//      - nginx serving the very bytes the platform sent, from files (the limit for cached bytes).
// Everything runs on this machine's loopback; the load generator is bounded (a fixed count of requests). Each pair
// compared takes turns in slices (load.ts `compare`), so the machine's other load weighs on both sides alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import pg from 'pg';
import { findLayer, type Layer } from '../../server/catalog/catalog.ts';
import { createTestDatabase } from '../../server/testing/database.ts';
import { tileQuery } from '../tile-sql.ts';
import { TILE_QUERY_SETTINGS } from '../tile-service.ts';
import { compare, httpClient, runLoad, type LoadResult } from './load.ts';
import { provinceTiles, startServer, type Tile } from './processes.ts';
import { mapfile, openToNginx, startMapServer, startNginx } from './reference-servers.ts';
import { BENCH_LAYERS, scaleUp } from './scale-up.ts';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
/** Loops for the uncached modes: the database does the work, on this machine's cores. */
const concurrency = option('--concurrency', 4);
/** Loops for the cached modes: enough to keep a server busy while each request waits on the loopback. */
const cachedConcurrency = option('--cached-concurrency', 16);
const ZOOMS = [8, 10, 12, 14];
const Z14_STRIDE = 4;

interface Job { layer: Layer; tile: Tile }

const settings = Object.entries(TILE_QUERY_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');

const startPlatform = (appUrl: string, cacheBytes: number) => startServer('bench-server.ts', { BENCH_APP_URL: appUrl, TILE_CACHE_BYTES: String(cacheBytes) });

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rows: string[] = [];
function record(zoom: number, mode: string, r: LoadResult, ratio = '') {
  const line = `| z${zoom} | ${mode.padEnd(28)} | ${fmt(r.requests).padStart(6)} | ${fmt(r.tilesPerSecond, 1).padStart(8)} | ${fmt(r.p50, 2).padStart(7)} | ${fmt(r.p99, 2).padStart(8)} | ${fmt(r.meanBytes).padStart(9)} | ${ratio.padEnd(24)} |`;
  rows.push(line);
  console.log(line, JSON.stringify(r.statuses));
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-tiles-bench-'));
  openToNginx(work);
  const database = await createTestDatabase({ demo: true });
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  const stops: Array<() => Promise<void>> = [];
  try {
    console.log(`Tiles benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ` +
      `concurrency ${concurrency} uncached / ${cachedConcurrency} cached, database ${database.name}`);

    // 0. The demo data as served: every layer, z0–z8 over the province, nothing cached.
    const demoServer = await startPlatform(database.appUrl, 0);
    stops.push(demoServer.stop);
    const client = httpClient(1);
    const { rows: layerIds } = await owner.query<{ id: string }>(`select id from catalog.layers where visibility = 'public' order by id`);
    let slowest = { ms: 0, at: '' };
    let largest = { bytes: 0, at: '' };
    let walked = 0;
    for (const { id } of layerIds) {
      for (let z = 0; z <= 8; z++) {
        for (const t of provinceTiles(z)) {
          const url = `${demoServer.url}/tiles/${id}/${t.z}/${t.x}/${t.y}.mvt`;
          const t0 = performance.now();
          const res = await client.getBody(url);
          const ms = performance.now() - t0;
          // Small uncached tiles come uncompressed (tile-response.ts GZIP_FROM_BYTES).
          const bytes = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(res.body).length : res.body.length;
          walked++;
          if (ms > slowest.ms) slowest = { ms, at: `${id} ${t.z}/${t.x}/${t.y}` };
          if (bytes > largest.bytes) largest = { bytes, at: `${id} ${t.z}/${t.x}/${t.y}` };
        }
      }
    }
    client.close();
    const demoLine = `Demo data, platform, cache disabled, every public layer's z0–z8 tiles over the province (${walked}): ` +
      `slowest ${fmt(slowest.ms, 1)} ms (${slowest.at}), largest ${fmt(largest.bytes)} B MVT (${largest.at})`;
    console.log(demoLine);

    // The same, as SQL on every layer regardless of its minimum zoom: what a layer made visible from z0 would cost.
    const sql = new pg.Client({ connectionString: database.appUrl, options: settings });
    await sql.connect();
    let sqlSlowest = { ms: 0, at: '', bytes: 0 };
    for (const { id } of layerIds) {
      const layer = (await findLayer(sql, id))!;
      for (let z = 0; z <= 8; z++) {
        for (const t of provinceTiles(z)) {
          const t0 = performance.now();
          const { rows: [r] } = await sql.query<{ mvt: Buffer | null }>(tileQuery(layer, t));
          const ms = performance.now() - t0;
          if (ms > sqlSlowest.ms) sqlSlowest = { ms, at: `${id} ${t.z}/${t.x}/${t.y}`, bytes: r?.mvt?.length ?? 0 };
        }
      }
    }
    const demoSqlLine = `Demo data, tile SQL ignoring minimum zooms, same tiles: slowest ${fmt(sqlSlowest.ms, 1)} ms (${sqlSlowest.at}, ${fmt(sqlSlowest.bytes)} B)`;
    console.log(demoSqlLine);
    await demoServer.stop();
    stops.pop();

    // 1. Scaled up, the three layers served from z8.
    const t0 = performance.now();
    const counts = await scaleUp(owner);
    await owner.query('update catalog.layers set min_zoom = 8 where id = any($1)', [Object.values(BENCH_LAYERS)]);
    const dataLine = `Scaled data: ${fmt(counts.points)} points (${BENCH_LAYERS.points}), ${fmt(counts.lines)} lines (${BENCH_LAYERS.lines}), ` +
      `${fmt(counts.polygons)} polygons (${BENCH_LAYERS.polygons}); built in ${fmt((performance.now() - t0) / 1000, 0)} s`;
    console.log(dataLine);
    const layers: Layer[] = [];
    for (const id of Object.values(BENCH_LAYERS)) layers.push((await findLayer(sql, id))!);
    const jobs = new Map<number, Job[]>();
    for (const z of ZOOMS) {
      const tiles = provinceTiles(z).filter((_, i) => z < 14 || i % Z14_STRIDE === 0);
      jobs.set(z, tiles.flatMap((tile) => layers.map((layer) => ({ layer, tile }))));
    }
    console.log(`Tile list: ${ZOOMS.map((z) => `z${z} ${jobs.get(z)!.length}`).join(', ')} (tiles × ${layers.length} layers)`);

    // 2. Uncached: prepared SQL, the platform, MapServer.
    const clients: pg.Client[] = [];
    for (let i = 0; i < concurrency; i++) {
      const c = new pg.Client({ connectionString: database.appUrl, options: settings });
      await c.connect();
      clients.push(c);
    }
    const sqlRequest = (list: Job[]) => async (i: number, loop: number) => {
      const job = list[i % list.length]!;
      const { rows: [r] } = await clients[loop]!.query<{ mvt: Buffer | null }>(tileQuery(job.layer, job.tile));
      return { status: r?.mvt?.length ? 200 : 204, bytes: r?.mvt?.length ?? 0 };
    };
    const runSql = (list: Job[], count: number) => runLoad(count, concurrency, sqlRequest(list));
    // Warm the buffers (and prepare the statements) once, so neither side pays for reading from disk.
    for (const z of ZOOMS) await runSql(jobs.get(z)!, jobs.get(z)!.length);

    const uncached = await startPlatform(database.appUrl, 0);
    stops.push(uncached.stop);
    const bare = await startServer('bare-server.ts', { BENCH_APP_URL: database.appUrl, BENCH_LAYERS: layers.map((l) => l.id).join(',') });
    stops.push(bare.stop);
    const msDir = path.join(work, 'mapserver');
    fs.mkdirSync(msDir);
    const db = new URL(database.appUrl);
    const mapserver = await startMapServer(msDir, mapfile(
      `host=${db.hostname} port=${db.port} dbname=${db.pathname.slice(1)} user=${decodeURIComponent(db.username)}`,
      layers.map((l) => ({
        name: l.id.replace('.', '_'),
        type: l.geometryFamily === 'point' ? 'POINT' : l.geometryFamily === 'line' ? 'LINE' : 'POLYGON',
        table: `${l.id.split('.')[0]}.${l.id.split('.')[1]}`,
        columns: l.attributes.map((a) => a.name),
      })),
    ), concurrency);
    stops.push(mapserver.stop);
    const tilesRoot = path.join(work, 'tiles');
    const nginx = await startNginx(path.join(work, 'nginx'), tilesRoot, mapserver.sockets);
    stops.push(nginx.stop);
    const http = httpClient(concurrency);
    const platformUrl = (base: string, job: Job) => `${base}/tiles/${job.layer.id}/${job.tile.z}/${job.tile.x}/${job.tile.y}.mvt`;
    const mapserverUrl = (job: Job) =>
      `${nginx.mapserver!.url}/?mode=tile&tilemode=gmap&tile=${job.tile.x}+${job.tile.y}+${job.tile.z}&layers=${job.layer.id.replace('.', '_')}`;
    const uncachedCount = (z: number) => Math.max(jobs.get(z)!.length, z === 8 ? 12 : 60);

    for (const z of ZOOMS) {
      const list = jobs.get(z)!;
      const [raw, platform, floor] = await compare(uncachedCount(z), z === 8 ? 2 : 4, concurrency, sqlRequest(list),
        (i) => http.get(platformUrl(uncached.url, list[i % list.length]!)),
        (i) => http.get(platformUrl(bare.url, list[i % list.length]!)));
      record(z, 'SQL, prepared (limit)', raw!);
      record(z, 'platform, uncached', platform!, `${fmt(platform!.tilesPerSecond / raw!.tilesPerSecond, 2)}× SQL, ${fmt(platform!.tilesPerSecond / floor!.tilesPerSecond, 2)}× bare`);
      record(z, 'bare Node HTTP + SQL', floor!, `${fmt(floor!.tilesPerSecond / raw!.tilesPerSecond, 2)}× SQL`);
      // MapServer encodes every feature at every zoom (no aggregation, no simplification): at z8 one pass is plenty.
      const ms = await runLoad(z === 8 ? list.length : uncachedCount(z), concurrency, (i) => http.get(mapserverUrl(list[i % list.length]!)));
      record(z, 'MapServer 8 (FastCGI)', ms, `platform ${fmt(platform!.tilesPerSecond / ms.tilesPerSecond, 2)}× it`);
    }
    for (const server of [uncached, bare]) {
      await server.stop();
      stops.splice(stops.indexOf(server.stop), 1);
    }

    // 3. Cached: the platform with a warm cache, and nginx serving the same bytes from files.
    const cached = await startPlatform(database.appUrl, 1024 * 1024 * 1024);
    stops.push(cached.stop);
    for (const z of ZOOMS) {
      for (const job of jobs.get(z)!) {
        const res = await http.getBody(platformUrl(cached.url, job));
        // The same path as the platform's URL, under nginx's root.
        const file = path.join(tilesRoot, 'tiles', job.layer.id, String(job.tile.z), String(job.tile.x), `${job.tile.y}.mvt`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const gzipped = res.status === 200 && res.headers['content-encoding'] === 'gzip';
        fs.writeFileSync(`${file}.gz`, gzipped ? res.body : zlib.gzipSync(Buffer.alloc(0)));
        fs.writeFileSync(file, gzipped ? zlib.gunzipSync(res.body) : Buffer.alloc(0));
      }
    }
    const cachedHttp = httpClient(cachedConcurrency);
    for (const job of jobs.get(12)!.slice(0, 50)) {
      const [a, b] = await Promise.all([cached.url, nginx.tiles.url].map((base) => cachedHttp.getBody(platformUrl(base, job))));
      const plain = (r: { body: Buffer }) => (r.body.length ? zlib.gunzipSync(r.body) : Buffer.alloc(0));
      if (!plain(a!).equals(plain(b!))) throw new Error(`nginx does not serve the platform's bytes for ${platformUrl('', job)}: ${b!.status}`);
    }
    for (const z of ZOOMS) {
      const list = jobs.get(z)!;
      const warm = await runLoad(list.length, cachedConcurrency, (i) => cachedHttp.get(platformUrl(cached.url, list[i]!)));
      // Enough requests for a steady rate, bounded to about 400 MB of tiles per mode.
      const count = Math.min(20_000, Math.max(list.length, Math.ceil(400e6 / Math.max(1, warm.meanBytes))));
      const [platform, files] = await compare(count, 6, cachedConcurrency,
        (i) => cachedHttp.get(platformUrl(cached.url, list[i % list.length]!)),
        (i) => cachedHttp.get(platformUrl(nginx.tiles.url, list[i % list.length]!)));
      record(z, 'platform, cached', platform!, `${fmt(platform!.tilesPerSecond / files!.tilesPerSecond, 2)}× nginx`);
      record(z, 'nginx, files (limit)', files!);
    }
    cachedHttp.close();
    http.close();
    for (const c of clients) await c.end();
    await sql.end();

    console.log('\n' + [
      `Command: npx tsx tiles/bench/tiles.bench.ts --concurrency ${concurrency} --cached-concurrency ${cachedConcurrency}`,
      demoLine,
      demoSqlLine,
      dataLine,
      `Tile list: ${ZOOMS.map((z) => `z${z} ${jobs.get(z)!.length}`).join(', ')} (tiles × ${layers.length} layers)`,
      '',
      '| zoom | mode                         | requests | tiles/s | p50 ms | p99 ms | mean bytes | ratio |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
      '',
      'Bytes: MVT for SQL; as sent (gzip) over HTTP. MapServer encodes every feature with no aggregation or simplification.',
    ].join('\n'));
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await owner.end();
    await database.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
