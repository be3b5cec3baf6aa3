// Fault runs under load. PostgreSQL restarted in the middle of a load run: the node (a real `server/main.ts`
// process) answers 503 while the database is away, never hangs, comes back by itself, and loses no acknowledged
// edit. The upload disk full during an import: a clear 507, no import row, no half-written file, the files already
// stored intact, and the same upload works once there is room again.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { DEMO_PASSWORD } from './demo/accounts.ts';
import { startNode, tail, type ServerNode } from './cluster/nodes.ts';
import { preparePlatformDatabase, type PlatformDatabase } from './cluster/platform-database.ts';
import { startInstance, startPrimary, stopInstance, stopQuietly, type PgInstance } from './cluster/postgres.ts';
import { formatReport, isError, lostEdits, runLoad, type RequestRecord } from './load/load.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createTestDatabase, type TestDatabase } from '../server/testing/database.ts';
import { api, login } from '../server/testing/http.ts';
import { upload, waitForImport } from '../importers/pipeline/testing/import-server.ts';
import { uploadsDir } from '../importers/pipeline/upload-store.ts';

const LAYER = 'giao_thong.duong_dia_phuong';

describe('PostgreSQL restarted during a load run', { timeout: 240_000 }, () => {
  let root: string;
  let primary: PgInstance | undefined;
  let db: PlatformDatabase;
  let node: ServerNode | undefined;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-faults-'));
    primary = await startPrimary(root);
    db = await preparePlatformDatabase(primary);
    node = await startNode({ name: 'node', databaseUrl: db.ownerUrl, dataDir: path.join(root, 'data'), logDir: root });
  });

  after(async () => {
    await node?.kill();
    await stopQuietly(primary);
    if (process.env.KEEP_CLUSTER_LOGS) console.log(`logs kept in ${root}`);
    else if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('requests fail fast with 503 while it is down, the node recovers by itself, no acknowledged edit is lost', async () => {
    const downAfter = 4_000;
    const downFor = 3_000;
    let clock = 0;
    let downAt = Infinity;
    let upAt = Infinity;
    let restart: Promise<void> | null = null;
    const report = await runLoad({
      url: node!.url, seconds: 14, concurrency: 8, verify: false,
      onRecord: (r) => {
        clock = r.at + r.ms;
        if (restart || clock < downAfter) return;
        restart = (async () => {
          downAt = clock;
          await stopInstance(primary!, 'fast');
          await new Promise((resolve) => setTimeout(resolve, downFor));
          await startInstance(primary!);
          upAt = clock;
        })();
      },
    });
    assert.ok(restart, 'PostgreSQL was restarted during the run');
    await restart;
    // The node must live through it: a crash here is the bug this test exists for, so say where it came from.
    assert.equal(node!.child.exitCode, null, `the node died when PostgreSQL restarted:\n${tail(node!.logPath, 40)}`);
    const failed = report.records.filter(isError);
    const outage = failed.map((r) => r.ms).sort((a, b) => a - b);
    const at = (p: number) => outage[Math.min(outage.length - 1, Math.ceil(p * outage.length) - 1)]?.toFixed(1);
    console.log(`\n${formatReport(report)}\n(PostgreSQL stopped at t=${(downAt / 1000).toFixed(1)} s, running again at ` +
      `t=${(upAt / 1000).toFixed(1)} s; failed requests answered in p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms)`);

    // The fault showed, and only as 503 database_unavailable: no 500, no request left hanging or unanswered.
    assert.ok(failed.length > 0, 'requests failed while the database was down');
    const unexpected = failed.filter((r: RequestRecord) => r.status !== 503 || r.code !== 'database_unavailable');
    assert.deepEqual(unexpected, []);
    // The same process serves again, every kind of request, without being restarted.
    assert.equal(node!.child.exitCode, null);
    for (const kind of ['tile', 'features', 'edit'] as const) {
      assert.ok(report.records.some((r) => r.kind === kind && r.at > upAt && !isError(r)), `${kind} requests succeeded after the restart`);
    }
    assert.equal((await api(node!.url, 'GET', `/api/layers/${LAYER}/features?limit=3`)).status, 200);

    assert.ok(report.edits.length > 0);
    assert.deepEqual(await lostEdits(node!.url, await login(node!.url, 'bientap.gtvt', DEMO_PASSWORD), report.edits), []);
    const owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ missing: number }>(
        `select count(*)::int as missing from unnest($1::bigint[], $2::int[], $3::text[]) as a(fid, version, value)
          where not exists (select 1 from history.feature_versions h
                             where h.layer_id = $4 and h.fid = a.fid and h.version = a.version and h.attributes->>'ma_tuyen' = a.value)`,
        [report.edits.map((e) => e.fid), report.edits.map((e) => e.version), report.edits.map((e) => e.value), LAYER]);
      assert.equal(rows[0]!.missing, 0);
    } finally {
      await owner.end();
    }
  });
});

/** A small tmpfs of its own: the upload disk, which a test can fill without touching the machine's disks. */
function mountSmallDisk(dir: string, bytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'cb-upload-disk', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`The full-disk test mounts a ${bytes}-byte tmpfs at ${dir} and could not (${r.stderr.trim() || r.error?.message}). ` +
      'It needs root with CAP_SYS_ADMIN (the CI machine runs as root).');
  }
}

/** Writes until the file system says it is full, then frees `leave` bytes. */
function fill(dir: string, leave: number): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - leave));
  return filler;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function roads(count: number, tag: string): { name: string; data: Buffer } {
  const features = Array.from({ length: count }, (_, i) => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [[106.2 + i * 1e-5, 22.66], [106.201 + i * 1e-5, 22.661]] },
    properties: { ma_tuyen: `DAY-${tag}-${i}`, ten: `Đường thử ổ đầy ${i}`, cap_duong: 'Đường xã' },
  }));
  return { name: `${tag}.geojson`, data: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) };
}

describe('the upload disk full during an import', { timeout: 180_000 }, () => {
  let dir: string;
  let disk: string;
  let database: TestDatabase;
  let app: FastifyInstance;
  let url: string;
  let owner: pg.Client;
  let mounted = false;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-disk-full-'));
    disk = path.join(dir, 'data');
    mountSmallDisk(disk, 4 * 1024 * 1024);
    mounted = true;
    database = await createTestDatabase();
    const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: disk });
    app = await buildApp({ config, appDatabaseUrl: database.appUrl, logger: false, jobs: { work: true } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    owner = new pg.Client({ connectionString: database.ownerUrl });
    await owner.connect();
  });

  after(async () => {
    await owner?.end().catch(() => {});
    await app?.close();
    await database?.drop();
    if (mounted) execFileSync('umount', [disk]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a clear 507, nothing half-written, what was stored intact, and the same upload works once there is room', async () => {
    const editor = await login(url, 'bientap.gtvt', DEMO_PASSWORD);
    const first = await upload(url, editor, roads(5, 'truoc'), { layer: LAYER, mode: 'append' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    await waitForImport(url, editor, first.body.id, ['preview']);
    const stored = (await owner.query<{ file_sha256: string; storage_path: string }>(
      'select i.file_sha256, f.storage_path from imports.imports i join imports.files f on f.sha256 = i.file_sha256 where i.id = $1', [first.body.id])).rows[0]!;
    const storedFile = path.join(uploadsDir(disk), stored.storage_path);
    const importsBefore = (await owner.query<{ n: number }>('select count(*)::int as n from imports.imports')).rows[0]!.n;

    const filler = fill(disk, 64 * 1024);
    const big = roads(4_000, 'day'); // ~0.9 MB: more than is left
    assert.ok(big.data.length > 512 * 1024);
    const refused = await upload(url, editor, big, { layer: LAYER, mode: 'append' });
    console.log(`upload on a full disk: ${refused.status} ${JSON.stringify(refused.body)}`);
    assert.equal(refused.status, 507);
    assert.equal(refused.body.code, 'storage_full');
    assert.match(refused.body.message, /storage/);

    // Nothing corrupt: no import row, no temporary file left, the earlier upload's bytes and its import unchanged.
    assert.equal((await owner.query<{ n: number }>('select count(*)::int as n from imports.imports')).rows[0]!.n, importsBefore);
    assert.deepEqual(fs.readdirSync(path.join(uploadsDir(disk), 'tmp')), []);
    assert.equal(sha256(storedFile), stored.file_sha256);
    const earlier = await api(url, 'GET', `/api/imports/${first.body.id}`, { session: editor });
    assert.equal(earlier.body.status, 'preview');
    assert.equal((await api(url, 'GET', '/api/health')).status, 200);

    fs.rmSync(filler);
    const again = await upload(url, editor, big, { layer: LAYER, mode: 'append' });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    const preview = await waitForImport(url, editor, again.body.id, ['preview', 'failed']);
    assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
    const placed = (await owner.query<{ file_sha256: string; storage_path: string }>(
      'select i.file_sha256, f.storage_path from imports.imports i join imports.files f on f.sha256 = i.file_sha256 where i.id = $1', [again.body.id])).rows[0]!;
    assert.equal(sha256(path.join(uploadsDir(disk), placed.storage_path)), createHash('sha256').update(big.data).digest('hex'));
  });
});
