// Import benchmark (not part of the test suite): `node --import tsx importers/bench/import.bench.ts [points] [polygons]`.
// Builds a ≥ 500 000-point and a ≥ 100 000-polygon Shapefile in EPSG:9210 (ESRI .prj, UTF-8 names) and loads each
// into one fresh database three ways: the platform (npm start's process: upload → preview with validation →
// commit with history), `ogr2ogr -f PostgreSQL --config PG_USE_COPY YES -t_srs EPSG:4326` and
// `shp2pgsql -D -s 9210:4326 | psql`. Prints features per second and peak RSS of each (for the platform: the
// server process, which runs the worker in-process; for the tools: `/usr/bin/time -v`), and the floor of the
// design the issue asks for (designFloor: shp2pgsql as the staging, then the least SQL a merge with history needs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase } from '../../server/testing/database.ts';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login } from '../../server/testing/http.ts';
import { shapefileBytes, zipBytes, ESRI_PRJ_9210, type ShapefileRecord, type Ring } from '../pipeline/testing/shapefile-writer.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POINTS = Number(process.argv[2] ?? 500_000);
const POLYGONS = Number(process.argv[3] ?? 100_000);
const PASSWORD = 'Benchmark-2024';
const NAMES = ['Thác Bản Giốc', 'Động Ngườm Ngao', 'Pác Bó', 'Hồ Thang Hen', 'Đền Kỳ Sầm', 'Núi Mắt Thần', 'Phja Oắc', 'Bảo Lạc', 'Hà Quảng', 'Trùng Khánh'];

interface Measure {
  what: string;
  features: number;
  seconds: number;
  peakRssMb: number;
  note?: string;
}

function writeShapefile(dir: string, base: string, kind: 'point' | 'polygon', n: number): string {
  // Written in slices: one record list for half a million features would itself be the memory hog.
  const records: ShapefileRecord[] = [];
  for (let i = 0; i < n; i++) {
    const x = 470_000 + (i * 7919) % 140_000;
    const y = 2_475_000 + Math.floor((i * 104729) % 80_000);
    const values = { MA: i + 1, TEN: `${NAMES[i % NAMES.length]} ${i + 1}`, DIEN_TICH: (i % 1000) / 10 };
    if (kind === 'point') {
      records.push({ geometry: { type: 'point', coordinates: [x, y] }, values });
    } else {
      const ring: Ring = [];
      for (let k = 0; k < 16; k++) {
        const a = (-2 * Math.PI * k) / 16; // clockwise: an outer ring in Shapefile order
        ring.push([x + 40 * Math.cos(a), y + 40 * Math.sin(a)]);
      }
      ring.push(ring[0]!);
      records.push({ geometry: { type: 'polygon', rings: [ring] }, values });
    }
  }
  const parts = shapefileBytes(kind, [
    { name: 'MA', type: 'N', length: 10 }, { name: 'TEN', type: 'C', length: 60 }, { name: 'DIEN_TICH', type: 'N', length: 12, decimals: 1 },
  ], records);
  const file = path.join(dir, base);
  fs.writeFileSync(`${file}.shp`, parts.shp);
  fs.writeFileSync(`${file}.shx`, parts.shx);
  fs.writeFileSync(`${file}.dbf`, parts.dbf);
  fs.writeFileSync(`${file}.prj`, ESRI_PRJ_9210);
  fs.writeFileSync(`${file}.cpg`, 'UTF-8');
  const zip = zipBytes(['shp', 'shx', 'dbf', 'prj', 'cpg'].map((ext) => ({ name: `${base}.${ext}`, data: fs.readFileSync(`${file}.${ext}`) })));
  fs.writeFileSync(`${file}.zip`, zip);
  return file;
}

/** Runs a shell command under /usr/bin/time -v; returns seconds and the peak RSS it reports. */
async function timed(command: string, env: NodeJS.ProcessEnv): Promise<{ seconds: number; peakRssMb: number }> {
  const started = process.hrtime.bigint();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('/usr/bin/time', ['-v', 'sh', '-c', command], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (c) => resolve({ code: c, stderr: err }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${command} failed:\n${stderr.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0);
  return { seconds, peakRssMb: kb / 1024 };
}

async function startPlatform(ownerUrl: string, dataDir: string): Promise<{ url: string; pid: number; stop(): Promise<number> }> {
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
    env: { ...process.env, DEMO: '0', DATABASE_URL: ownerUrl, APP_DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('map:')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`the platform exited (${c}): ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      const hwm = peakRss(child.pid!);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      return hwm;
    },
  };
}

/** VmHWM: the process's peak resident set since it started, in MiB. */
function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function platformImport(url: string, layerId: string, zipPath: string, n: number): Promise<{ seconds: number; stages: string }> {
  const session = await login(url, 'bench.editor', PASSWORD);
  const started = Date.now();
  const form = new FormData();
  form.append('layer', layerId);
  form.append('srid', '9210');
  form.append('file', await fs.openAsBlob(zipPath), path.basename(zipPath));
  const res = await fetch(`${url}/api/imports`, { method: 'POST', body: form, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
  const { id } = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`upload: ${res.status}`);
  const uploaded = Date.now();
  const wait = async (statuses: string[]) => {
    for (;;) {
      const r = await api(url, 'GET', `/api/imports/${id}`, { session });
      if (statuses.includes(r.body.status)) return r.body;
      await new Promise((x) => setTimeout(x, 100));
    }
  };
  const preview = await wait(['preview', 'failed']);
  if (preview.status !== 'preview' || preview.report.featureCount !== n || preview.report.problems.featuresWithProblems !== 0) {
    throw new Error(`preview: ${JSON.stringify({ status: preview.status, error: preview.error, problems: preview.report?.problems?.counts })}`);
  }
  const previewed = Date.now();
  const c = await api(url, 'POST', `/api/imports/${id}/commit`, { session, body: {} });
  if (c.status !== 202) throw new Error(`commit: ${JSON.stringify(c.body)}`);
  const done = await wait(['committed', 'preview']);
  if (done.status !== 'committed') throw new Error(`commit: ${JSON.stringify(done.error)}`);
  const committed = Date.now();
  const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  const pt = preview.report.timings;
  const ct = done.progress.timings;
  return {
    seconds: (committed - started) / 1000,
    stages: `upload ${s(started, uploaded)} s; preview ${s(uploaded, previewed)} s (open ${pt.openSeconds.toFixed(1)} s, read+COPY ${pt.stagingSeconds.toFixed(1)} s, validate ${pt.validationSeconds.toFixed(1)} s); `
      + `commit ${s(previewed, committed)} s (insert with history ${ct.insertWithHistorySeconds.toFixed(1)} s, GiST indexes ${ct.indexSeconds.toFixed(1)} s, transaction ${ct.totalSeconds.toFixed(1)} s)`,
  };
}

/**
 * The floor of the pipeline the issue asks for, built from the fastest parts there are: shp2pgsql's load (its C
 * reader and reprojection, COPY, no index, no history) as the staging, then, in one transaction, the least SQL
 * the design needs after it: one validation scan (validity, emptiness, inside the province), the merge into a
 * copy of the layer's table (same columns, defaults, CHECK and generated 3857 column; no triggers, no row level
 * security, indexes built after the load as the platform does for an empty layer), a history row per feature as
 * the history trigger writes it (attributes by jsonb_build_object), and the two GiST builds. No detection, no preview, no report. Seconds of the
 * transaction (add shp2pgsql's own).
 */
async function designFloor(owner: pg.Client, kind: 'point' | 'polygon', layer: string): Promise<{ seconds: number; steps: string }> {
  const [schema, table] = layer.split('.') as [string, string];
  const staging = `bench.shp_${kind}`;
  const copy = `bench.floor_${kind}`;
  const history = `bench.floor_history_${kind}`;
  const { rows: [geomType] } = await owner.query<{ type: string }>(
    'select type from geometry_columns where f_table_schema = $1 and f_table_name = $2 and f_geometry_column = $3', [schema, table, 'geom']);
  const geom = geomType!.type.startsWith('MULTI') ? 'st_multi(s.geom)' : 's.geom';
  await owner.query(`create table ${copy} (like ${layer} including all)`);
  await owner.query(`create table ${history} (like history.feature_versions including all)`);
  const { rows: indexes } = await owner.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes where schemaname = 'bench' and tablename = $1 and indexdef ilike '%using gist%'`, [`floor_${kind}`]);
  for (const i of indexes) await owner.query(`drop index bench.${i.name}`);
  const started = performance.now();
  const steps = new Map<string, number>();
  const q = async (step: string, text: string, values?: unknown[]) => {
    const t = performance.now();
    await owner.query(text, values);
    steps.set(step, (steps.get(step) ?? 0) + (performance.now() - t) / 1000);
  };
  await owner.query('begin');
  try {
    await q('validation scan', `select count(*) filter (where not st_isvalid(s.geom)) as invalid, count(*) filter (where st_isempty(s.geom)) as empty,
        count(*) filter (where not s.geom && st_makeenvelope(105.2, 22.3, 106.9, 23.2, 4326)) as outside from ${staging} s`);
    await q('layer insert', `insert into ${copy} (geom, ma, ten, dien_tich) select ${geom}, s.ma, s.ten, s.dien_tich from ${staging} s`);
    await q('history', `insert into ${history} (layer_id, fid, version, operation, geom, attributes, changed_at, import_id)
      select $1, n.fid, n.version, 'insert', n.geom, jsonb_build_object('ma', n.ma, 'ten', n.ten, 'dien_tich', n.dien_tich), now(), gen_random_uuid()
      from ${copy} n`, [layer]);
    for (const i of indexes) await q('GiST builds', i.def);
    await owner.query('commit');
  } catch (err) {
    await owner.query('rollback');
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const { rows: [c] } = await owner.query(`select (select count(*) from ${copy}) as layer, (select count(*) from ${history}) as history`);
  if (Number(c.layer) !== Number(c.history)) throw new Error(`floor: ${JSON.stringify(c)}`);
  return { seconds, steps: [...steps].map(([step, t]) => `${step} ${t.toFixed(1)} s`).join(', ') };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-import-bench-'));
  const database = await createTestDatabase({ demo: false });
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  const results: Measure[] = [];
  try {
    console.log(`Building ${POINTS} points and ${POLYGONS} polygons in EPSG:9210 under ${work} …`);
    const files = { point: writeShapefile(work, 'diem', 'point', POINTS), polygon: writeShapefile(work, 'vung', 'polygon', POLYGONS) };
    const attributes = [
      { name: 'ma', type: 'integer' as const, label_vi: 'Mã', label_en: 'Code' },
      { name: 'ten', type: 'text' as const, label_vi: 'Tên', label_en: 'Name' },
      { name: 'dien_tich', type: 'number' as const, label_vi: 'Diện tích', label_en: 'Area' },
    ];
    await createLayer(owner, { id: 'van_hoa.bench_diem', ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm', titleEn: 'Points', geometryFamily: 'point', source: 'bench', attributes });
    await createLayer(owner, { id: 'van_hoa.bench_vung', ownerAgencyCode: 'so_vhttdl', titleVi: 'Vùng', titleEn: 'Polygons', geometryFamily: 'polygon', source: 'bench', attributes });
    await insertAccount(owner, { username: 'bench.editor', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
    await owner.query('create schema bench');

    const u = new URL(database.ownerUrl);
    const pgEnv = { ...process.env, PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGDATABASE: u.pathname.slice(1) };
    const pgConn = `PG:host=${u.hostname} port=${u.port} user=${decodeURIComponent(u.username)} dbname=${u.pathname.slice(1)}`;

    for (const [kind, n, layer] of [['point', POINTS, 'van_hoa.bench_diem'], ['polygon', POLYGONS, 'van_hoa.bench_vung']] as const) {
      const file = files[kind];
      const platform = await startPlatform(database.ownerUrl, path.join(work, `data-${kind}`));
      const p = await platformImport(platform.url, layer, `${file}.zip`, n);
      const rss = await platform.stop();
      results.push({ what: `platform (${kind}s)`, features: n, seconds: p.seconds, peakRssMb: rss, note: p.stages });

      const ogr = await timed(
        `ogr2ogr -f PostgreSQL "${pgConn}" "${file}.shp" --config PG_USE_COPY YES -s_srs EPSG:9210 -t_srs EPSG:4326 -nln bench.ogr_${kind} -lco GEOMETRY_NAME=geom -nlt PROMOTE_TO_MULTI -overwrite`,
        pgEnv);
      results.push({ what: `ogr2ogr (${kind}s)`, features: n, ...ogr });

      const shp = await timed(`shp2pgsql -D -s 9210:4326 "${file}.shp" bench.shp_${kind} | psql -q -v ON_ERROR_STOP=1 > /dev/null`, pgEnv);
      results.push({ what: `shp2pgsql | psql (${kind}s)`, features: n, ...shp });
      const merge = await designFloor(owner, kind, layer);
      results.push({
        what: `floor of the design (${kind}s)`, features: n, seconds: shp.seconds + merge.seconds, peakRssMb: shp.peakRssMb,
        note: `shp2pgsql ${shp.seconds.toFixed(1)} s + one transaction ${merge.seconds.toFixed(1)} s (${merge.steps})`,
      });

      const counts = await owner.query(
        `select (select count(*) from ${layer}) as platform, (select count(*) from bench.ogr_${kind}) as ogr, (select count(*) from bench.shp_${kind}) as shp,
                (select count(*) from history.feature_versions where layer_id = $1) as history`, [layer]);
      const c = counts.rows[0];
      if (![c.platform, c.ogr, c.shp, c.history].every((x: unknown) => Number(x) === n)) throw new Error(`row counts differ: ${JSON.stringify(c)}`);
    }
    const { rows } = await owner.query(`select st_distance(a.geom::geography, b.geom::geography) as m
      from van_hoa.bench_diem a join bench.shp_point b on b.ma = a.ma where a.ma = 1`);
    console.log(`\nSame place from the platform and shp2pgsql (feature 1): ${Number(rows[0]?.m).toFixed(3)} m apart`);
  } finally {
    await owner.end();
    await database.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n| import | features | seconds | features/s | peak RSS (MiB) | notes |\n| --- | ---: | ---: | ---: | ---: | --- |`);
  for (const r of results) {
    console.log(`| ${r.what.replace(/\|/g, '\\|')} | ${r.features} | ${r.seconds.toFixed(1)} | ${Math.round(r.features / r.seconds)} | ${Math.round(r.peakRssMb)} | ${r.note ?? ''} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
