// Benchmark of the feature feeds (not a test): OGC API items throughput for bbox queries (limit 100 and 1000), and
// the time and peak memory to stream a whole layer of 100 000 polygons, each against the same query's raw SQL, and
// against MapServer 8 (WFS 2.0, GeoJSON) on the same table when mapserv is installed.
//
// Items, side by side in turns: the platform asked by Node's fetch (`ours`) and by wrk, a C client (`ours_wrk`);
// a bare node:http server running the same statement, asked by wrk (`bare_wrk`: the floor of any Node server);
// the statement itself on a pool in this process (`raw`) and in psql sessions kept open (`psql`, the issue's
// "ST_AsGeoJSON in psql").
//
//   node --import tsx server/ogc/bench/features.bench.ts [--seconds 15] [--concurrency 8] [--features 100000] [--no-mapserver]
//        [--items-only] [--compare /path/to/another/checkout] [--profile /dir/for/cpu-profiles]
//
// It makes its own database (a copy of the empty template), a polygon layer made the way the platform makes layers,
// and runs the server in a child process so the server's memory is measured apart from the load generator's.
// --compare runs a second server from another checkout of the project (e.g. `git archive HEAD | tar -x -C /tmp/base`,
// with node_modules linked) on the same database, and measures it in the same run, in turns with this one.
// --profile writes the servers' CPU profiles (node --cpu-prof) there when they exit (the bare server's in bare/).
// --items-only skips the whole-layer streams and MapServer.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { buildApp } from '../../app.ts';
import { findLayer } from '../../catalog/catalog.ts';
import { createLayer } from '../../catalog/create-layer.ts';
import { loadConfig } from '../../config.ts';
import { selectFeaturesSql, selectJoinedPageSql } from '../../features/feature-sql.ts';
import { createTestDatabase } from '../../testing/database.ts';

const LAYER = 'xay_dung.bench_thua_dat';
const here = fileURLToPath(import.meta.url);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function argText(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : null;
}

// ---- server mode: the child process -------------------------------------------------------------------------
async function serve(appUrl: string): Promise<void> {
  const config = loadConfig({
    ...process.env, LOG_LEVEL: 'silent', FEATURES_MAX_LIMIT: '100000', FEED_RATE_LIMIT_PER_MINUTE: '0', FEED_KEY_RATE_LIMIT_PER_MINUTE: '0',
  });
  const app = await buildApp({ config, appDatabaseUrl: appUrl, logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

/**
 * The floor of any Node HTTP server for these pages (not the platform): node:http, one route, the provider's own
 * joined-page statement on a pool of the server's role, the body written whole with its length. No catalog
 * lookup under the caller's rights, no hooks, no links, no ETag: what the platform adds to it is its own cost,
 * what it adds to the raw statement is the HTTP hop.
 */
async function serveBare(appUrl: string): Promise<void> {
  const http = await import('node:http');
  const pool = new pg.Pool({ connectionString: appUrl, max: 10 });
  const client = await pool.connect();
  const layer = (await findLayer(client, LAYER))!;
  client.release();
  const server = http.createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const bbox = (q.get('bbox') ?? '').split(',').map(Number) as [number, number, number, number];
    const limit = Number(q.get('limit') ?? 10);
    const page = selectJoinedPageSql(layer, { bbox, filters: [], properties: null, limit, cursor: null });
    pool.query<{ n: number; features: string | null }>(page.text, page.values).then(({ rows: [row] }) => {
      const body = Buffer.from(`{"type":"FeatureCollection","numberReturned":${Math.min(row!.n, limit)},"features":[${row!.features ?? ''}]}`);
      res.writeHead(200, { 'content-type': 'application/geo+json', 'content-length': body.length }).end(body);
    }, (err: Error) => res.writeHead(500).end(err.message));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as { port: number }).port}\n`));
  process.on('SIGTERM', () => server.close(() => void pool.end().finally(() => process.exit(0))));
}

// ---- measurement helpers --------------------------------------------------------------------------------------
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time a process has used (user + system), in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command; in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Samples a process's resident memory every 5 ms while `fn` runs: baseline and peak, in MB. */
async function withMemory<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; baseMb: number; peakMb: number }> {
  const base = rssKb(pid);
  let peak = base;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, rssKb(pid));
      await sleep(5);
    }
  })();
  try {
    const result = await fn();
    return { result, baseMb: base / 1024, peakMb: peak / 1024 };
  } finally {
    running = false;
    await sampler;
  }
}

interface Throughput {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  featuresPerSecond: number;
}

/** Several measurements of the same thing as one (latencies are not kept, so percentiles are the slices' medians). */
function merge(runs: Throughput[]): Throughput {
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const secs = runs.reduce((n, r) => n + r.seconds, 0);
  const mid = (k: 'p50' | 'p95') => [...runs.map((r) => r[k])].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return {
    requests, seconds: secs, perSecond: requests / secs, p50: mid('p50'), p95: mid('p95'),
    featuresPerSecond: runs.reduce((n, r) => n + r.featuresPerSecond * r.seconds, 0) / secs,
  };
}

/** `concurrency` workers call `once` until `seconds` have passed. */
async function load(seconds: number, concurrency: number, once: () => Promise<number>): Promise<Throughput> {
  const latencies: number[] = [];
  let features = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      features += await once();
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p95: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
    featuresPerSecond: features / elapsed,
  };
}

/** Reads a response body to the end without keeping it: bytes, and features counted by their `"type":"Feature"`. */
async function drain(res: Response): Promise<{ bytes: number }> {
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return { bytes };
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1024 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd}: ${err.message}\n${stderr.slice(0, 1000)}`));
      else resolve({ seconds: (performance.now() - t) / 1000, stdout, stderr });
    });
  });
}

/** A deterministic sequence of bboxes of `size` degrees inside the data. */
function boxes(size: number, extent: number[], n = 4096): string[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const [x0, y0, x1, y1] = extent as [number, number, number, number];
  return Array.from({ length: n }, () => {
    const x = x0 + rnd() * (x1 - x0 - size);
    const y = y0 + rnd() * (y1 - y0 - size);
    return [x, y, x + size, y + size].map((v) => v.toFixed(5)).join(',');
  });
}

/** The statement as psql would be given it: its values written in as literals (numbers here, from the benchmark). */
function withLiterals(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = values[Number(n) - 1];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`not a number: $${n}`);
    return String(v);
  });
}

/**
 * `n` psql sessions kept open, each taking one statement at a time: the issue's baseline ("ST_AsGeoJSON in psql")
 * on persistent connections. Results go to /dev/null (`-o`); the `\echo` after each statement goes to stdout and
 * says it is done.
 */
function psqlSessions(url: string, n: number) {
  const idle: { write(sql: string): Promise<void>; proc: ChildProcess }[] = [];
  const waiting: ((s: (typeof idle)[number]) => void)[] = [];
  for (let i = 0; i < n; i++) {
    const proc = spawn('psql', [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pending: (() => void) | null = null;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('@done\n')) {
        out = '';
        const p = pending;
        pending = null;
        p?.();
      }
    });
    idle.push({
      proc,
      write: (sql) => new Promise<void>((resolve) => {
        pending = resolve;
        proc.stdin!.write(`${sql};\n\\echo @done\n`);
      }),
    });
  }
  const take = () => new Promise<(typeof idle)[number]>((resolve) => {
    const s = idle.pop();
    if (s) resolve(s);
    else waiting.push(resolve);
  });
  const give = (s: (typeof idle)[number]) => {
    const w = waiting.shift();
    if (w) w(s);
    else idle.push(s);
  };
  return {
    async run(sql: string): Promise<void> {
      const s = await take();
      try {
        await s.write(sql);
      } finally {
        give(s);
      }
    },
    close(): void {
      for (const s of idle) s.proc.stdin!.end();
    },
  };
}

/**
 * The same requests from wrk (a C client, one thread, `concurrency` keep-alive connections), so that the load
 * generator's own HTTP client, on the same two cores, does not weigh on the server's side as Node's fetch does.
 * Every answer must be a 200 (wrk counts the others).
 */
async function wrkLoad(base: string, paths: string[], seconds: number, concurrency: number): Promise<Throughput> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-wrk-'));
  try {
    fs.writeFileSync(path.join(dir, 'paths.txt'), `${paths.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'paths.lua'), `local paths = {}
for line in io.lines("${dir}/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept-Encoding"] = "identity" })
end
`);
    const { stdout } = await run('wrk', ['-t1', `-c${concurrency}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', '-s', path.join(dir, 'paths.lua'), base]);
    if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw errors:\n${stdout}`);
    const m = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout)!;
    const requests = Number(m[1]);
    const secs = Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
    const ms = (label: string) => {
      const l = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
      if (!l) return 0;
      return Number(l[1]) * (l[2] === 'us' ? 0.001 : l[2] === 's' ? 1000 : 1);
    };
    // wrk reports the 50th, 75th, 90th and 99th percentiles: its 90th stands in for the 95th (a lower bound).
    return { requests, seconds: secs, perSecond: requests / secs, p50: ms('50'), p95: ms('90'), featuresPerSecond: 0 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- MapServer ------------------------------------------------------------------------------------------------
function mapfile(db: URL): string {
  return `MAP
  NAME "bench"
  EXTENT 105.25 22.3 106.85 23.15
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "wfs_title" "bench"
      "wfs_onlineresource" "http://127.0.0.1/mapserv?"
      "wfs_srs" "EPSG:4326"
      "wfs_enable_request" "*"
      "wfs_getfeature_formatlist" "geojson"
      "ows_encoding" "UTF-8"
    END
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json; subtype=geojson"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
    FORMATOPTION "LCO:COORDINATE_PRECISION=7"
  END
  LAYER
    NAME "parcels"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "host=${db.hostname} port=${db.port} dbname=${db.pathname.slice(1)} user=${decodeURIComponent(db.username)}"
    DATA "geom from xay_dung.bench_thua_dat using unique fid using srid=4326"
    PROJECTION "init=epsg:4326" END
    METADATA
      "wfs_title" "parcels"
      "gml_include_items" "ma_thua,loai_dat,so_to,dien_tich_m2,chu_su_dung"
      "gml_featureid" "fid"
      "wfs_use_default_extent_for_getfeature" "false"
    END
  END
END
`;
}

/** Python: a Unix socket shared by `n` mapserv processes in FastCGI mode (the socket is their stdin, as FastCGI wants). */
const FCGI_LAUNCHER = `
import os, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(256)
pids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 0)
        os.execvp('mapserv', ['mapserv'])
    pids.append(pid)
print(' '.join(map(str, pids)), flush=True)
for p in pids:
    os.waitpid(p, 0)
`;

function fcgiParams(params: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const len = (n: number) => (n < 128 ? Buffer.from([n]) : Buffer.from([((n >>> 24) & 0x7f) | 0x80, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
  for (const [k, v] of Object.entries(params)) {
    const kb = Buffer.from(k);
    const vb = Buffer.from(v);
    parts.push(len(kb.length), len(vb.length), kb, vb);
  }
  return Buffer.concat(parts);
}

function fcgiRecord(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 1;
  h[1] = type;
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(body.length, 4);
  return Buffer.concat([h, body]);
}

/** One FastCGI request to mapserv: the response (headers and body) as text. */
async function fcgiRequest(socketPath: string, query: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const out: Buffer[] = [];
    let pending = Buffer.alloc(0);
    sock.on('connect', () => {
      const begin = Buffer.alloc(8);
      begin.writeUInt16BE(1, 0); // responder
      sock.write(Buffer.concat([
        fcgiRecord(1, begin),
        fcgiRecord(4, fcgiParams({ REQUEST_METHOD: 'GET', QUERY_STRING: query, SERVER_NAME: '127.0.0.1', SERVER_PORT: '80', SCRIPT_NAME: '/mapserv', GATEWAY_INTERFACE: 'CGI/1.1', SERVER_PROTOCOL: 'HTTP/1.1' })),
        fcgiRecord(4, Buffer.alloc(0)),
        fcgiRecord(5, Buffer.alloc(0)),
      ]));
    });
    sock.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 8) {
        const type = pending[1]!;
        const length = pending.readUInt16BE(4);
        const padding = pending[6]!;
        if (pending.length < 8 + length + padding) break;
        if (type === 6) out.push(pending.subarray(8, 8 + length));
        pending = pending.subarray(8 + length + padding);
        if (type === 3) {
          sock.destroy();
          resolve(Buffer.concat(out).toString('utf8'));
          return;
        }
      }
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(out).toString('utf8')));
  });
}

async function mapserverBench(ownerUrl: string, seconds: number, concurrency: number, bboxes100: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-mapserver-'));
  const map = path.join(dir, 'bench.map');
  fs.writeFileSync(map, mapfile(new URL(ownerUrl)));
  const conf = path.join(dir, 'mapserver.conf');
  fs.writeFileSync(conf, `CONFIG\n  ENV\n    MS_MAP_PATTERN "^${dir}/"\n  END\nEND\n`);
  const socketPath = path.join(dir, 'mapserv.sock');
  const query = (q: string) => `map=${map}&SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=parcels&OUTPUTFORMAT=geojson&${q}`;
  const bboxQuery = (b: string) => {
    const [x0, y0, x1, y1] = b.split(',');
    return query(`COUNT=100&BBOX=${y0},${x0},${y1},${x1},urn:ogc:def:crs:EPSG::4326`);
  };
  const launcher = spawn('python3', ['-c', FCGI_LAUNCHER, socketPath, String(concurrency)], {
    env: { ...process.env, MAPSERVER_CONFIG_FILE: conf }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pids: number[] = [];
  try {
    pids = await new Promise<number[]>((resolve, reject) => {
      launcher.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim().split(' ').map(Number)));
      launcher.once('exit', (code) => reject(new Error(`mapserv launcher exited ${code}`)));
    });
    const probe = await fcgiRequest(socketPath, query('COUNT=1'));
    if (!/"type":\s*"FeatureCollection"/.test(probe)) throw new Error(`mapserv answered: ${probe.slice(0, 400)}`);
    const features = (text: string) => (text.match(/"type":\s*"Feature"/g) ?? []).length;
    // The whole layer first, on processes that have served only the probe: their peak memory is this request's.
    const t = performance.now();
    const whole = await fcgiRequest(socketPath, query('COUNT=200000'));
    const wholeSeconds = (performance.now() - t) / 1000;
    const peakKb = Math.max(...pids.map((pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)));
    for (let i = 0; i < 10; i++) await fcgiRequest(socketPath, bboxQuery(bboxes100[i]!));
    let i = 0;
    const items = await load(seconds, concurrency, async () => features(await fcgiRequest(socketPath, bboxQuery(bboxes100[i++ % bboxes100.length]!))));
    // And as a plain CGI (a process per request), the way cgi-mapserver is installed by default.
    let j = 0;
    const cgi = await load(Math.min(seconds, 5), concurrency, async () => {
      const { stdout } = await run('mapserv', [], { MAPSERVER_CONFIG_FILE: conf, REQUEST_METHOD: 'GET', QUERY_STRING: bboxQuery(bboxes100[j++ % bboxes100.length]!) });
      return features(stdout);
    });
    return {
      mode: `FastCGI, ${concurrency} mapserv processes`,
      items,
      cgi_items: cgi,
      whole: { seconds: wholeSeconds, peakMb: peakKb / 1024, features: features(whole), bytes: whole.length },
    };
  } finally {
    // The mapserv processes by their pids (the launcher only waits for them), then the launcher. SIGKILL: a FastCGI
    // mapserv blocked in accept() only looks at SIGTERM after its next request.
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    launcher.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the benchmark --------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const seconds = arg('seconds', 15);
  const concurrency = arg('concurrency', 8);
  const count = arg('features', 100_000);
  const withMapserver = !process.argv.includes('--no-mapserver');
  console.error(`database and ${count} polygons…`);
  const db = await createTestDatabase({ demo: false });
  const owner = new pg.Client({ connectionString: db.ownerUrl });
  await owner.connect();
  let child: ChildProcess | null = null;
  let baselineChild: ChildProcess | null = null;
  let bareChild: ChildProcess | null = null;
  try {
    await createLayer(owner, {
      id: LAYER,
      ownerAgencyCode: 'so_xay_dung',
      titleVi: 'Thửa đất (benchmark)',
      titleEn: 'Land parcels (benchmark)',
      geometryFamily: 'polygon',
      source: 'Sinh tự động cho đo hiệu năng / generated for the benchmark',
      attributes: [
        { name: 'ma_thua', type: 'text', label_vi: 'Mã thửa', label_en: 'Parcel code', required: true },
        { name: 'loai_dat', type: 'text', label_vi: 'Loại đất', label_en: 'Land use', required: false },
        { name: 'so_to', type: 'integer', label_vi: 'Số tờ bản đồ', label_en: 'Map sheet', required: false },
        { name: 'dien_tich_m2', type: 'number', label_vi: 'Diện tích (m²)', label_en: 'Area (m²)', required: false },
        { name: 'chu_su_dung', type: 'text', label_vi: 'Chủ sử dụng', label_en: 'Holder', required: false },
      ],
    });
    await owner.query('select setseed(0.42)');
    // Octagon-like parcels of ~13 vertices, 60–250 m across, spread over the province.
    await owner.query(
      `insert into ${LAYER} (geom, ma_thua, loai_dat, so_to, dien_tich_m2, chu_su_dung)
       select st_multi(st_buffer(st_setsrid(st_makepoint(105.3 + random() * 1.5, 22.4 + random() * 0.7), 4326), 0.0003 + random() * 0.0009, 'quad_segs=3')),
              'TĐ-' || lpad(i::text, 6, '0'),
              (array['Đất ở nông thôn','Đất trồng lúa nước','Đất rừng sản xuất','Đất trồng cây lâu năm','Đất thương mại, dịch vụ'])[1 + (i % 5)],
              1 + i % 120, round((500 + random() * 20000)::numeric, 1)::float8,
              (array['Nông Văn Dền','Hoàng Thị Nhị','Lục Văn Ơn','Bế Thị Xuân','Đàm Quang Trung'])[1 + (i % 5)]
       from generate_series(1, $1) i`,
      [count],
    );
    await owner.query(`vacuum analyze ${LAYER}`);
    const { rows: ext } = await owner.query(`select st_xmin(e) x0, st_ymin(e) y0, st_xmax(e) x1, st_ymax(e) y1 from (select st_extent(geom) e from ${LAYER}) q`);
    const extent = [ext[0].x0, ext[0].y0, ext[0].x1, ext[0].y1] as number[];

    const startServer = async (script: string, nodeArgs: string[] = [], mode = '--serve') => {
      const server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, mode, db.appUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
      const listening = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /LISTENING (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      return { server, url: listening };
    };
    const profileDir = argText('profile');
    const started = await startServer(here, profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);
    child = started.server;
    const url = started.url;
    const pid = child.pid!;
    const items = `${url}/ogc/collections/${LAYER}/items`;
    const compareRoot = argText('compare');
    const baseline = compareRoot ? await startServer(path.join(compareRoot, 'server', 'ogc', 'bench', 'features.bench.ts')) : null;
    if (baseline) baselineChild = baseline.server;
    if (profileDir) fs.mkdirSync(path.join(profileDir, 'bare'), { recursive: true });
    const bare = await startServer(here, profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, 'bare')] : [], '--serve-bare');
    bareChild = bare.server;

    // Raw SQL: the provider's own statement for the same request, on a pool of the server's role.
    const pool = new pg.Pool({ connectionString: db.appUrl, max: concurrency });
    const layerRow = await pool.connect().then(async (c) => {
      try {
        return (await findLayer(c, LAYER))!;
      } finally {
        c.release();
      }
    });
    // Pages up to 1 000 are one statement that returns the page's features joined (selectJoinedPageSql).
    const rawPage = async (bbox: string, limit: number) => {
      const q = selectJoinedPageSql(layerRow, { bbox: bbox.split(',').map(Number) as [number, number, number, number], filters: [], properties: null, limit, cursor: null });
      const { rows } = await pool.query<{ n: number; features: string | null }>(q.text, q.values);
      return rows[0]!.features ? Math.min(rows[0]!.n, limit) : 0;
    };

    const psql = psqlSessions(db.appUrl, concurrency);
    const psqlPage = async (bbox: string, limit: number) => {
      const q = selectJoinedPageSql(layerRow, { bbox: bbox.split(',').map(Number) as [number, number, number, number], filters: [], properties: null, limit, cursor: null });
      await psql.run(withLiterals(q.text, q.values));
      return limit;
    };

    const results: Record<string, unknown> = { features: count, concurrency, seconds, cpus: os.cpus().length, load: os.loadavg()[0] };
    /** Requests to one server's items, a different bbox each time from the fixed list. */
    const itemsLoad = (base: string, list: string[], limit: number) => {
      let i = 0;
      return async () => {
        const res = await fetch(`${base}/ogc/collections/${LAYER}/items?bbox=${list[i++ % list.length]}&limit=${limit}`);
        if (res.status !== 200) throw new Error(`${res.status}`);
        await drain(res);
        return limit;
      };
    };
    /** The sides take turns in three slices each, so the machine's other load weighs on all of them alike. */
    // And the server's CPU time per request: on a machine shared with other work, throughput says how the
    // scheduler treated three processes in a chain; CPU per request says what one request costs the server.
    const serverPids: Record<string, number> = { ours: pid, ours_wrk: pid, bare_wrk: bare.server.pid!, ...(baseline ? { baseline: baseline.server.pid!, baseline_wrk: baseline.server.pid! } : {}) };
    type Side = (() => Promise<number>) | { measure: (secs: number) => Promise<Throughput> };
    const inTurns = async (sides: Record<string, Side>) => {
      const slices: Record<string, Throughput[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
      const cpu: Record<string, number> = {};
      for (let turn = 0; turn < 3; turn++) {
        for (const [name, once] of Object.entries(sides)) {
          const serverPid = serverPids[name];
          const before = serverPid ? cpuMs(serverPid) : 0;
          slices[name]!.push(await ('measure' in once ? once.measure(seconds / 3) : load(seconds / 3, concurrency, once)));
          if (serverPid) cpu[name] = (cpu[name] ?? 0) + cpuMs(serverPid) - before;
        }
      }
      return Object.fromEntries(Object.entries(slices).map(([name, runs]) => {
        const merged = merge(runs);
        return [name, { ...merged, ...(cpu[name] !== undefined ? { serverCpuMsPerRequest: cpu[name]! / merged.requests } : {}) }];
      }));
    };
    for (const [limit, size] of [[100, 0.05], [1000, 0.15]] as const) {
      const list = boxes(size, extent);
      for (const base of [url, ...(baseline ? [baseline.url] : [])]) {
        for (let i = 0; i < 20; i++) await drain(await fetch(`${base}/ogc/collections/${LAYER}/items?bbox=${list[i]}&limit=${limit}`));
      }
      let j = 0;
      let k = 0;
      const paths = list.map((b) => `/ogc/collections/${LAYER}/items?bbox=${b}&limit=${limit}`);
      const sides: Record<string, Side> = {
        ours: itemsLoad(url, list, limit),
        ours_wrk: { measure: (secs) => wrkLoad(url, paths, secs, concurrency) },
        bare_wrk: { measure: (secs) => wrkLoad(bare.url, list.map((b) => `/items?bbox=${b}&limit=${limit}`), secs, concurrency) },
        // The baseline gets the same two loads as ours: a server asked less often is less warmed up by the JIT (with
        // the same code on both sides, a baseline asked only by wrk measured 6–16 % slower).
        ...(baseline ? {
          baseline: itemsLoad(baseline.url, list, limit),
          baseline_wrk: { measure: (secs: number) => wrkLoad(baseline.url, paths, secs, concurrency) },
        } : {}),
        raw: () => rawPage(list[j++ % list.length]!, limit),
        psql: () => psqlPage(list[k++ % list.length]!, limit),
      };
      const measured = await inTurns(sides);
      results[`items_limit_${limit}`] = measured;
      console.error(`limit ${limit}: ${Object.entries(measured).map(([k, v]) => `${k} ${v.perSecond.toFixed(0)} req/s (p50 ${v.p50.toFixed(1)} ms` +
        `${'serverCpuMsPerRequest' in v ? `, server CPU ${(v.serverCpuMsPerRequest as number).toFixed(2)} ms/request` : ''})`).join(', ')}`);
    }
    psql.close();
    if (process.argv.includes('--items-only')) {
      await pool.end();
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return;
    }

    // The whole layer: one items request, and the bare GeoJSON download.
    const whole = async (path: string) => withMemory(pid, async () => {
      const t = performance.now();
      const res = await fetch(path);
      const { bytes } = await drain(res);
      return { seconds: (performance.now() - t) / 1000, bytes, status: res.status };
    });
    // Three runs each, alternating with the raw query so a busy machine hits both alike; the median time counts.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const full = selectFeaturesSql(layerRow, { bbox: null, filters: [], properties: null, limit: null, cursor: null });
    await whole(`${items}?limit=100000`);
    const streams = [];
    const psqlRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      streams.push(await whole(`${items}?limit=100000`));
      psqlRuns.push((await run('sh', ['-c', `psql "${db.appUrl}" -At -c "$SQL" > /dev/null`], { SQL: full.text })).seconds);
    }
    const stream = {
      result: { ...streams[0]!.result, seconds: median(streams.map((x) => x.result.seconds)), runs: streams.map((x) => x.result.seconds) },
      baseMb: Math.min(...streams.map((x) => x.baseMb)),
      peakMb: Math.max(...streams.map((x) => x.peakMb)),
    };
    const psqlProvider = { seconds: median(psqlRuns), runs: psqlRuns };
    const download = await whole(`${url}/api/layers/${LAYER}/download?format=geojson&package=none`);
    const wfsJson = await whole(`${url}/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=cb:${LAYER}&count=100000&outputFormat=application/json`);
    const wfsGml = await whole(`${url}/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=cb:${LAYER}&count=100000`);
    const psqlSimple = await run('sh', ['-c', `psql "${db.appUrl}" -At -c "select st_asgeojson(t.*) from ${LAYER} t" > /dev/null`]);
    const cursorRaw = await (async () => {
      const client = await pool.connect();
      try {
        const t = performance.now();
        const cursor = client.query(new Cursor<{ feature: string }>(full.text, full.values));
        let bytes = 0;
        for (let rows = await cursor.read(500); rows.length > 0; rows = await cursor.read(500)) for (const r of rows) bytes += r.feature.length + 1;
        await cursor.close();
        return { seconds: (performance.now() - t) / 1000, bytes };
      } finally {
        client.release();
      }
    })();
    results.whole_layer = {
      ogc_items: { ...stream.result, serverBaseMb: stream.baseMb, serverPeakMb: stream.peakMb },
      geojson_download: { ...download.result, serverPeakMb: download.peakMb },
      wfs_geojson: { ...wfsJson.result, serverPeakMb: wfsJson.peakMb },
      wfs_gml: { ...wfsGml.result, serverPeakMb: wfsGml.peakMb },
      raw_psql_provider_sql: psqlProvider,
      raw_psql_st_asgeojson: psqlSimple.seconds,
      raw_pg_cursor: cursorRaw,
    };
    console.error(`whole layer: ${stream.result.seconds.toFixed(2)} s, server ${stream.baseMb.toFixed(0)} → ${stream.peakMb.toFixed(0)} MB; psql ${psqlProvider.seconds.toFixed(2)} s`);
    await pool.end();

    if (withMapserver) {
      const hasMapserv = await run('sh', ['-c', 'command -v mapserv']).then(() => true, () => false);
      if (!hasMapserv) results.mapserver = 'mapserv is not installed (apt-get install -y mapserver-bin cgi-mapserver)';
      else {
        try {
          results.mapserver = await mapserverBench(db.ownerUrl, seconds, concurrency, boxes(0.05, extent));
        } catch (err) {
          results.mapserver = `failed: ${(err as Error).message.slice(0, 500)}`;
        }
      }
    }
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    child?.kill('SIGTERM');
    baselineChild?.kill('SIGTERM');
    bareChild?.kill('SIGTERM');
    // The profile is written when the server exits.
    if (child && child.exitCode === null) await new Promise((resolve) => child!.once('exit', resolve));
    await owner.end();
    await db.drop();
  }
}

if (process.argv.includes('--serve')) {
  await serve(process.argv[process.argv.indexOf('--serve') + 1]!);
} else if (process.argv.includes('--serve-bare')) {
  await serveBare(process.argv[process.argv.indexOf('--serve-bare') + 1]!);
} else {
  await main();
}
