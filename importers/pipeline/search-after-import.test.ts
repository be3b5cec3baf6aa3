// Name search after imports (migration 017): a large import statement into a named layer leaves its names pending
// in its own transaction and search.index_pending writes them after the commit, from the layer's current rows, never
// over an edit made meanwhile; small imports and edits are indexed at once; a rolled back import leaves nothing
// pending; a layer without a name attribute gets nothing; the import worker indexes right after its commit and
// catches up on names a dead worker left pending.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { Database } from '../../server/db/database.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { indexPendingNames } from './commit.ts';
import { handleImportJob } from './job.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const NAMED = 'van_hoa.den_thu';
const UNNAMED = 'van_hoa.coc_thu';
const BIG = 6000;
const here = path.dirname(fileURLToPath(import.meta.url));

let server: ImportTestServer;
let db: Database;
let editor: Session;
let editorId: string;
const children: ChildProcess[] = [];

const attributes = [
  { name: 'ma', type: 'integer' as const, label_vi: 'Mã', label_en: 'Code' },
  { name: 'ten', type: 'text' as const, label_vi: 'Tên', label_en: 'Name' },
];

before(async () => {
  server = await startImportServer({ work: false });
  await createLayer(server.owner, {
    id: NAMED, ownerAgencyCode: 'so_vhttdl', titleVi: 'Đèn thử', titleEn: 'Test lights', geometryFamily: 'point',
    source: 'Sở VHTTDL', nameAttribute: 'ten', attributes,
  });
  await createLayer(server.owner, {
    id: UNNAMED, ownerAgencyCode: 'so_vhttdl', titleVi: 'Cọc thử', titleEn: 'Test posts', geometryFamily: 'point',
    source: 'Sở VHTTDL', attributes,
  });
  editorId = await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(server.url, 'editor.vh', PASSWORD);
  db = new Database(server.database.appUrl, 5);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db?.close();
  await server?.close();
});

function geojson(prefix: string, n: number): { name: string; data: Buffer } {
  const features = Array.from({ length: n }, (_, i) => ({
    type: 'Feature', geometry: { type: 'Point', coordinates: [106.2 + (i % 100) / 1000, 22.6 + Math.floor(i / 100) / 1000] },
    properties: { MA: i + 1, TEN: `${prefix} ${i + 1}` },
  }));
  return { name: 'den.geojson', data: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) };
}

async function runJob(id: string, action: 'preview' | 'commit'): Promise<string> {
  const { rows } = await server.owner.query('select run from imports.imports where id = $1', [id]);
  return handleImportJob({ db, dataDir: server.dataDir }, { importId: id, action, run: rows[0].run, userId: editorId }, { lastAttempt: false });
}

/** Uploads and commits a file into `layer` with this process running the jobs (no worker: nothing indexes after). */
async function importHere(layer: string, file: { name: string; data: Buffer }): Promise<string> {
  const res = await upload(server.url, editor, file, { layer, field_map: { MA: 'ma', TEN: 'ten' } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(await runJob(res.body.id, 'preview'), 'previewed');
  const c = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: {} });
  assert.equal(c.status, 202, JSON.stringify(c.body));
  assert.equal(await runJob(res.body.id, 'commit'), 'committed');
  return res.body.id;
}

async function search(q: string, layer = NAMED): Promise<{ name: string; fid: number; match: string }[]> {
  const res = await api(server.url, 'GET', `/api/search?q=${encodeURIComponent(q)}&layers=${layer}`, { session: editor });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.results;
}

async function pending(layer: string): Promise<{ import_id: string; min_fid: number; max_fid: number }[]> {
  const { rows } = await server.owner.query(
    'select import_id::text, min_fid::int, max_fid::int from search.pending where layer_id = $1 order by id', [layer]);
  return rows;
}

async function entries(layer: string) {
  const { rows } = await server.owner.query(
    `select fid::int, name, folded, core, st_astext(point) as point, west, south, east, north, version
     from search.entries where layer_id = $1 order by fid`, [layer]);
  return rows;
}

/** BIG named points written as one import statement, in the transaction the owner connection has open. */
async function insertAsImport(name: string, lon: number): Promise<void> {
  await server.owner.query("select set_config('cb.import_id', gen_random_uuid()::text, true)");
  await server.owner.query(`insert into ${NAMED} (geom, ma, ten)
    select st_setsrid(st_point($1 + g / 1e6, 22.7), 4326), g, $2 || ' ' || g from generate_series(1, ${BIG}) g`, [lon, name]);
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a large import into a named layer', () => {
  test('is indexed after its commit by index_pending, from the current rows, without undoing edits made meanwhile', async () => {
    const id = await importHere(NAMED, geojson('Đèn Bắc', BIG));
    const { rows: fids } = await server.owner.query(`select min(fid)::int as lo, max(fid)::int as hi, count(*)::int as n from ${NAMED}`);
    assert.equal(fids[0].n, BIG);
    // Right after the commit's transaction: the names are pending, none is searchable yet.
    assert.deepEqual(await pending(NAMED), [{ import_id: id, min_fid: fids[0].lo, max_fid: fids[0].hi }]);
    assert.equal((await entries(NAMED)).length, 0);
    assert.deepEqual(await search('den bac 4321'), []);

    // Edits between the commit and the indexing: one renames a feature, one removes another's name. Their own
    // (synchronous) indexing runs now; the deferred one must show them, not the imported names.
    const { rows: [renamed] } = await server.owner.query(`update ${NAMED} set ten = 'Đèn Sửa Rồi' where ma = 10 returning fid::int`);
    const { rows: [unnamed] } = await server.owner.query(`update ${NAMED} set ten = '' where ma = 11 returning fid::int`);
    assert.equal((await search('den sua roi'))[0]?.fid, renamed.fid, 'an edit is found at once');

    // An edit still in flight when the indexing starts: the indexing waits for it and then shows it (reading
    // before it committed, it would write the old names, and nothing would remove the one taken away).
    const inFlight = new pg.Client({ connectionString: server.database.ownerUrl });
    await inFlight.connect();
    let indexed: Promise<number>;
    try {
      await inFlight.query('begin');
      await inFlight.query(`update ${NAMED} set ten = 'Đèn Đang Sửa' where ma = 12`);
      await inFlight.query(`update ${NAMED} set ten = null where ma = 13`);
      indexed = indexPendingNames(db);
      await until('the indexing waiting for the edit', async () => (await server.owner.query(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
           and query ilike '%index_pending%'`)).rows.length > 0);
      await inFlight.query('commit');
    } finally {
      await inFlight.end();
    }
    assert.equal(await indexed, BIG - 4, 'every imported name but the four edited ones');
    assert.equal((await search('den dang sua'))[0]?.name, 'Đèn Đang Sửa');
    assert.ok(!(await search('den bac 12')).some((r) => r.name === 'Đèn Bắc 12'));
    assert.ok(!(await search('den bac 13')).some((r) => r.name === 'Đèn Bắc 13'), 'a name removed in flight stays removed');
    assert.deepEqual(await pending(NAMED), []);
    const found = await search('ĐEN BAC 4321');
    assert.equal(found[0]?.name, 'Đèn Bắc 4321');
    assert.equal(found[0]?.match, 'exact');
    assert.equal((await search('den sua roi'))[0]?.fid, renamed.fid, 'the edit won');
    assert.ok(!(await search('den bac 10')).some((r) => r.name === 'Đèn Bắc 10'), 'the old name is not back');
    const all = await entries(NAMED);
    assert.equal(all.length, BIG - 2);
    assert.equal(all.find((e) => e.fid === renamed.fid)?.name, 'Đèn Sửa Rồi');
    assert.equal(all.find((e) => e.fid === renamed.fid)?.version, 2);
    assert.equal(all.find((e) => e.fid === unnamed.fid), undefined, 'the removed name stays removed');
    assert.deepEqual(all.find((e) => e.name === 'Đèn Bắc 4321'), {
      ...all.find((e) => e.name === 'Đèn Bắc 4321'), folded: 'den bac 4321', core: 'den bac 4321', version: 1,
    });
    assert.equal(await indexPendingNames(db), 0, 'nothing left');

    // Rebuilding from history gives exactly the same entries (values, points and versions).
    await server.owner.query('select search.reindex_layer($1)', [NAMED]);
    assert.deepEqual(await entries(NAMED), all);
    // ... and the same as the expressions that were generated columns before migration 017.
    const { rows: same } = await server.owner.query(
      `select count(*)::int as n from search.entries
       where layer_id = $1 and folded = search.fold(name) and core = search.core_name(search.fold(name))`, [NAMED]);
    assert.equal(same[0].n, all.length);
  });

  test('is indexed a chunk of fids per transaction, so edits of the layer wait for one chunk at most', async () => {
    await server.owner.query('begin');
    try {
      await insertAsImport('Khúc', 106.3);
    } catch (err) {
      await server.owner.query('rollback');
      throw err;
    }
    await server.owner.query('commit');
    const [range] = await pending(NAMED);
    assert.ok(range && range.max_fid - range.min_fid + 1 === BIG, JSON.stringify(range));
    const chunk = Math.ceil(BIG / 3);
    const written: number[] = [];
    for (;;) {
      const { rows } = await server.owner.query('select search.index_pending($1) as n', [chunk]);
      if (rows[0].n === null) break;
      written.push(Number(rows[0].n));
      // Between two chunks the rest of the range is still pending, moved on past what was written.
      const left = await pending(NAMED);
      if (written.reduce((a, b) => a + b, 0) < BIG) assert.equal(left[0]?.min_fid, range.min_fid + written.length * chunk);
    }
    assert.deepEqual(written, [chunk, chunk, BIG - 2 * chunk]);
    assert.deepEqual(await pending(NAMED), []);
    assert.equal((await search('khuc 4321'))[0]?.name, 'Khúc 4321');
  });

  test('that rolls back leaves nothing pending', async () => {
    await server.owner.query('begin');
    try {
      await insertAsImport('Lùi', 106.2);
      assert.equal((await pending(NAMED)).length, 1, 'recorded inside the import\'s transaction');
    } finally {
      await server.owner.query('rollback');
    }
    assert.deepEqual(await pending(NAMED), []);
    assert.equal(await indexPendingNames(db), 0);
    assert.deepEqual(await search('lui 17'), []);
  });
});

describe('a large import whose commit fails', () => {
  test('leaves nothing pending, and its retry leaves its names pending once', async () => {
    const res = await upload(server.url, editor, geojson('Đèn Hỏng', BIG), { layer: NAMED, field_map: { MA: 'ma', TEN: 'ten' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id: string = res.body.id;
    assert.equal(await runJob(id, 'preview'), 'previewed');
    assert.equal((await api(server.url, 'POST', `/api/imports/${id}/commit`, { session: editor, body: {} })).status, 202);
    // The history trigger of the insert updates the layer's catalog row after the search trigger has recorded the
    // pending names (its foreign key only needs a key share lock, which this one lets through): the commit waits
    // there, inside its transaction, and is cancelled.
    const blocker = new pg.Client({ connectionString: server.database.ownerUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from catalog.layers where id = $1 for no key update', [NAMED]);
      const commit = runJob(id, 'commit');
      const { pid } = await until('the commit waiting after its insert', async () => (await server.owner.query(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
           and query ilike 'insert into%'`)).rows[0]);
      await server.owner.query('select pg_cancel_backend($1)', [pid]);
      await assert.rejects(commit, /cancel/);
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    assert.deepEqual(await pending(NAMED), []);
    assert.equal((await server.owner.query('select status from imports.imports where id = $1', [id])).rows[0].status, 'committing');
    assert.deepEqual(await search('den hong 17'), []);
    assert.equal(await runJob(id, 'commit'), 'committed');
    assert.deepEqual((await pending(NAMED)).map((p) => p.import_id), [id]);
    assert.equal(await indexPendingNames(db), BIG);
    assert.equal((await search('den hong 17'))[0]?.name, 'Đèn Hỏng 17');
  });
});

describe('what stays synchronous', () => {
  test('a small import and a single edit are found at once', async () => {
    await importHere(NAMED, geojson('Cột Nhỏ', 50));
    assert.deepEqual(await pending(NAMED), []);
    assert.equal((await search('cot nho 37'))[0]?.name, 'Cột Nhỏ 37');
    await server.owner.query(`insert into ${NAMED} (geom, ma, ten) values (st_setsrid(st_point(106.3, 22.7), 4326), 1, 'Đèn Lẻ Một')`);
    assert.equal((await search('den le mot'))[0]?.name, 'Đèn Lẻ Một');
  });

  test('a large statement outside an import is indexed at once', async () => {
    await server.owner.query(`insert into ${NAMED} (geom, ma, ten)
      select st_setsrid(st_point(106.2 + g / 1e6, 22.65), 4326), g, 'Hàng Loạt ' || g from generate_series(1, ${BIG}) g`);
    assert.deepEqual(await pending(NAMED), []);
    assert.equal((await search('hang loat 5555'))[0]?.name, 'Hàng Loạt 5555');
  });

  test('a layer without a name attribute gets neither entries nor pending rows', async () => {
    await importHere(UNNAMED, geojson('Cọc', BIG));
    assert.deepEqual(await pending(UNNAMED), []);
    assert.deepEqual(await entries(UNNAMED), []);
  });
});

describe('the import worker', () => {
  test('catches up on names left pending, and indexes a large import right after its commit', async () => {
    // Left pending: committed here, where nothing indexes after the commit (as if the worker died in between).
    await importHere(NAMED, geojson('Đèn Sót', BIG));
    assert.equal((await pending(NAMED)).length, 1);
    // Recovery at start, then not again for an hour: the second import can only be indexed by the worker's call
    // right after its commit.
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'run-worker.ts'), '--recover-every=3600'], {
      env: { ...process.env, DATABASE_URL: server.database.ownerUrl, DATA_DIR: server.dataDir, APP_DATABASE_URL: '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (d) => process.stderr.write(d));
    children.push(worker);
    await until('the catch-up', async () => (await pending(NAMED)).length === 0);
    assert.equal((await search('den sot 5999'))[0]?.name, 'Đèn Sót 5999');

    const res = await upload(server.url, editor, geojson('Đèn Mới', BIG), { layer: NAMED, field_map: { MA: 'ma', TEN: 'ten' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal((await waitForImport(server.url, editor, res.body.id, ['preview', 'failed'])).status, 'preview');
    const c = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    assert.equal((await waitForImport(server.url, editor, res.body.id, ['committed', 'preview'])).status, 'committed');
    await until('the names of the import', async () => (await search('den moi 5432'))[0]?.name === 'Đèn Mới 5432');
    assert.deepEqual(await pending(NAMED), []);
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  });
});
