// Crash safety: the worker runs in a child process and is killed with SIGKILL mid-import and mid-commit. The
// layer stays exactly as it was each time, and the job, retried by the next worker, finishes the import once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';
import { shapefileBytes, shapefileZip, ESRI_PRJ_9210, type ShapefileRecord } from './testing/shapefile-writer.ts';

const LAYER = 'van_hoa.diem_thu';
const PASSWORD = 'Mật-khẩu-thử-2024';
const FEATURES = 150_000;
const here = path.dirname(fileURLToPath(import.meta.url));

let server: ImportTestServer;
let editor: Session;
const children: ChildProcess[] = [];

before(async () => {
  server = await startImportServer({ work: false });
  await createLayer(server.owner, {
    id: LAYER, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm thử', titleEn: 'Test points', geometryFamily: 'point', source: 'Sở VHTTDL',
    attributes: [{ name: 'ma', type: 'integer', label_vi: 'Mã', label_en: 'Code' }, { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  await server.owner.query(`insert into ${LAYER} (geom, ma, ten) values
    (st_setsrid(st_point(106.25, 22.66), 4326), 1, 'Trước 1'), (st_setsrid(st_point(106.3, 22.7), 4326), 2, 'Trước 2')`);
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(server.url, 'editor.vh', PASSWORD);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server.close();
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'run-worker.ts'), '--recover-every=1', '--orphan-grace=1'], {
    env: { ...process.env, DATABASE_URL: server.database.ownerUrl, DATA_DIR: server.dataDir, APP_DATABASE_URL: '', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => process.env.CRASH_DEBUG && process.stderr.write(d));
  child.stderr!.on('data', (d) => process.stderr.write(d));
  children.push(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Everything a reader of the layer could notice: rows and their contents, its data version, its history. */
async function layerState(client: pg.ClientBase) {
  const { rows } = await client.query(
    `select (select count(*) from ${LAYER}) as n,
            (select md5(coalesce(string_agg(fid || ':' || version || ':' || coalesce(ma::text, '') || ':' || coalesce(ten, '') || ':' || st_astext(geom), ',' order by fid), '')) from ${LAYER}) as digest,
            (select data_version from catalog.layers where id = $1) as data_version,
            (select count(*) from history.feature_versions where layer_id = $1) as history`, [LAYER]);
  return rows[0];
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function bigFile(): Buffer {
  const records: ShapefileRecord[] = [];
  for (let i = 0; i < FEATURES; i++) {
    records.push({
      geometry: { type: 'point', coordinates: [560_000 + (i % 400) * 100, 2_500_000 + Math.floor(i / 400) * 100] },
      values: { MA: i + 1, TEN: `Điểm ${i + 1}` },
    });
  }
  const parts = shapefileBytes('point', [{ name: 'MA', type: 'N', length: 10 }, { name: 'TEN', type: 'C', length: 40 }], records);
  return shapefileZip('diem', parts, { prj: ESRI_PRJ_9210, cpg: 'UTF-8' });
}

test('a worker killed mid-import and then mid-commit leaves the layer as it was; the retried jobs finish the import once', async () => {
  const before = await layerState(server.owner);
  const res = await upload(server.url, editor, { name: 'diem.zip', data: bigFile() }, { layer: LAYER, mode: 'replace', srid: '9210' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id: string = res.body.id;
  const importRow = async () => (await server.owner.query('select status, progress from imports.imports where id = $1', [id])).rows[0];

  // 1. Killed mid-import: once the job is reading, this test holds the import row, so the worker's next step
  // (the progress of the staging, or the move to validating) waits for it inside the import.
  let worker = startWorker();
  await until('the import being read', async () => ['reading', 'validating'].includes((await importRow()).status));
  const holder = new pg.Client({ connectionString: server.database.ownerUrl });
  await holder.connect();
  try {
    await holder.query('begin');
    await holder.query('select 1 from imports.imports where id = $1 for update', [id]);
    await until('the worker waiting mid-import', async () => {
      const { rows } = await server.owner.query(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update imports.imports%'`);
      return rows.length > 0;
    });
    await kill(worker);
    await holder.query('rollback');
  } finally {
    await holder.end();
  }
  const killedAt = await importRow();
  assert.ok(['reading', 'validating'].includes(killedAt.status), killedAt.status);
  assert.deepEqual(await layerState(server.owner), before);

  // The next worker takes the orphaned job over and makes the preview from scratch.
  worker = startWorker();
  const preview = await waitForImport(server.url, editor, id, ['preview', 'failed']);
  assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
  assert.equal(preview.report.featureCount, FEATURES);
  assert.equal(preview.report.problems.featuresWithProblems, 0);
  assert.deepEqual(await layerState(server.owner), before, 'a preview changes nothing');
  await kill(worker);

  // 2. Killed in the middle of the commit's transaction: the old features are already deleted in it, and its
  // history trigger waits for the layer's catalog row, which this test holds.
  const blocker = new pg.Client({ connectionString: server.database.ownerUrl });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query('select 1 from catalog.layers where id = $1 for update', [LAYER]);
    worker = startWorker();
    const commit = await api(server.url, 'POST', `/api/imports/${id}/commit`, { session: editor, body: {} });
    assert.equal(commit.status, 202, JSON.stringify(commit.body));
    await until('the commit waiting inside its transaction', async () => {
      const { rows } = await server.owner.query(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
           and query ilike 'delete from%'`);
      return rows.length > 0;
    });
    await kill(worker);
    await blocker.query('rollback');
  } finally {
    await blocker.end();
  }
  // The killed worker's transaction never commits (its backend finds the client gone and rolls back).
  await until('the killed commit to roll back', async () => {
    const { rows } = await server.owner.query(
      `select 1 from pg_stat_activity where datname = current_database() and query ilike 'delete from%' and state <> 'idle'`);
    return rows.length === 0;
  });
  assert.deepEqual(await layerState(server.owner), before);
  assert.equal((await importRow()).status, 'committing');

  // 3. The retried commit job finishes it, once.
  worker = startWorker();
  const done = await waitForImport(server.url, editor, id, ['committed', 'preview']);
  assert.equal(done.status, 'committed', JSON.stringify(done.error));
  assert.deepEqual({ ...done.result }, { inserted: FEATURES, updated: 0, deleted: 2, skipped: 0, repaired: 0 });
  const after = await layerState(server.owner);
  assert.equal(after.n, FEATURES);
  const { rows: history } = await server.owner.query(
    `select operation, count(*)::int as n, count(distinct fid)::int as fids from history.feature_versions
     where layer_id = $1 and import_id = $2 group by operation order by operation`, [LAYER, id]);
  assert.deepEqual(history, [{ operation: 'delete', n: 2, fids: 2 }, { operation: 'insert', n: FEATURES, fids: FEATURES }]);
  const { rows: dupes } = await server.owner.query(`select count(*)::int as n from (select ma from ${LAYER} group by ma having count(*) > 1) d`);
  assert.equal(dupes[0].n, 0, 'no feature was inserted twice');
  const version = (await server.owner.query('select data_version from catalog.layers where id = $1', [LAYER])).rows[0].data_version;
  assert.equal(version, before.data_version + 2, 'one bump for the delete, one for the insert');
  await kill(worker);
});
