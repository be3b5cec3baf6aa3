// Where an uncached tile's time goes (not a test): `npx tsx tiles/bench/cpu-per-tile.ts [--concurrency 8] [--zoom 14]`
//
// On a copy of the demo database, the province's tiles at one zoom (one in four), each asked of three layers (street
// lights, land use, local roads), in turns, three rounds: the tile statement on persistent connections (SQL), the
// platform with its cache disabled, and the bare Node HTTP server (bare-server.ts). For each, tiles per second and
// the CPU time each process spent per tile: the whole machine (/proc/stat), the server, every PostgreSQL process,
// and the load generator (this process). Where the tiles are small, the HTTP hop's share shows here: what the
// server and the load generator's HTTP client cost on top of what the database does.
import fs from 'node:fs';
import pg from 'pg';
import { findLayer, type Layer } from '../../server/catalog/catalog.ts';
import { createTestDatabase } from '../../server/testing/database.ts';
import { tileQuery } from '../tile-sql.ts';
import { TILE_QUERY_SETTINGS } from '../tile-service.ts';
import { httpClient, runLoad, type LoadResult, type Outcome } from './load.ts';
import { provinceTiles, startServer, type Tile } from './processes.ts';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
const concurrency = option('--concurrency', 8);
const zoom = option('--zoom', 14);
const LAYERS = ['do_thi.den_chieu_sang', 'xay_dung.quy_hoach_su_dung_dat', 'giao_thong.duong_dia_phuong'];

/** CPU time of a process (user + system), in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Every PostgreSQL process of the machine (the benchmark's cluster is the only busy one). */
function postgresMs(): number {
  let sum = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') sum += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/** Busy and total time of all CPUs, in ms. */
function machineMs(): { busy: number; all: number } {
  const t = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return { busy: (t[0]! + t[1]! + t[2]! + t[5]! + t[6]!) * 10, all: t.slice(0, 8).reduce((a, b) => a + b, 0) * 10 };
}

const database = await createTestDatabase({ demo: true });
try {
  const options = Object.entries(TILE_QUERY_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  const clients: pg.Client[] = [];
  for (let i = 0; i < concurrency; i++) {
    const client = new pg.Client({ connectionString: database.appUrl, options });
    await client.connect();
    clients.push(client);
  }
  const layers: Layer[] = [];
  for (const id of LAYERS) layers.push((await findLayer(clients[0]!, id))!);
  const jobs: Array<{ layer: Layer; tile: Tile }> = provinceTiles(zoom).filter((_, i) => i % 4 === 0)
    .flatMap((tile) => layers.map((layer) => ({ layer, tile })));
  const platform = await startServer('bench-server.ts', { BENCH_APP_URL: database.appUrl, TILE_CACHE_BYTES: '0' });
  const bare = await startServer('bare-server.ts', { BENCH_APP_URL: database.appUrl, BENCH_LAYERS: LAYERS.join(',') });
  const http = httpClient(concurrency);
  const path = (i: number) => {
    const { layer, tile } = jobs[i % jobs.length]!;
    return `/tiles/${layer.id}/${tile.z}/${tile.x}/${tile.y}.mvt`;
  };
  const modes: Record<string, { pid: number | null; request: (i: number, loop: number) => Promise<Outcome> }> = {
    SQL: {
      pid: null,
      request: async (i, loop) => {
        const { layer, tile } = jobs[i % jobs.length]!;
        const { rows: [row] } = await clients[loop]!.query<{ mvt: Buffer | null }>(tileQuery(layer, tile));
        return { status: row?.mvt?.length ? 200 : 204, bytes: row?.mvt?.length ?? 0 };
      },
    },
    platform: { pid: platform.pid, request: (i) => http.get(platform.url + path(i)) },
    bare: { pid: bare.pid, request: (i) => http.get(bare.url + path(i)) },
  };
  try {
    // Warm-up: buffers read, statements prepared, connections open on every side.
    for (const mode of Object.values(modes)) await runLoad(jobs.length, concurrency, mode.request);
    console.log(`z${zoom}, ${jobs.length} requests per round, ${concurrency} loops; CPU ms per tile`);
    console.log('| round | mode | tiles/s | machine | idle | server | PostgreSQL | load generator |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (let round = 1; round <= 3; round++) {
      for (const [name, mode] of Object.entries(modes)) {
        const m0 = machineMs();
        const s0 = mode.pid ? cpuMs(mode.pid) : 0;
        const p0 = postgresMs();
        const l0 = process.cpuUsage();
        const r: LoadResult = await runLoad(jobs.length * 3, concurrency, mode.request);
        const m1 = machineMs();
        const per = (ms: number) => (ms / r.requests).toFixed(3);
        const load = process.cpuUsage(l0);
        console.log(`| ${round} | ${name} | ${r.tilesPerSecond.toFixed(0)} | ${per(m1.busy - m0.busy)} | ${(1 - (m1.busy - m0.busy) / (m1.all - m0.all)).toFixed(2)} | ` +
          `${mode.pid ? per(cpuMs(mode.pid) - s0) : '—'} | ${per(postgresMs() - p0)} | ${per((load.user + load.system) / 1000)} |`);
      }
    }
  } finally {
    http.close();
    await platform.stop();
    await bare.stop();
    for (const client of clients) await client.end();
  }
} finally {
  await database.drop();
}
