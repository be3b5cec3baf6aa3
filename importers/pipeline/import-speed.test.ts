// What migration 012 changed for speed keeps the old guarantees: the bookkeeping columns cannot be chosen on
// insert, an import into a layer without rows builds its GiST indexes after the load (and ends with both of them),
// only an editor of the layer may drop them, only while the layer has no rows, and a large file validated in
// parallel parts has each feature validated exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const EMPTY = 'van_hoa.trong_thu';
const FULL = 'van_hoa.day_thu';

let server: ImportTestServer;
let app: pg.Client;
let editor: Session;
let editorId: string;
let otherId: string;

const attributes = [{ name: 'ten', type: 'text' as const, label_vi: 'Tên', label_en: 'Name' }];

/** The GiST indexes of a layer table, by the column they index. */
async function gistColumns(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ col: string }>(
    `select a.attname as col from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
     where i.indrelid = $1::regclass and am.amname = 'gist' order by 1`, [table]);
  return rows.map((r) => r.col);
}

/** Runs `fn` in a transaction of the server's role acting for `userId`, rolled back afterwards. */
async function asUser<T>(userId: string, fn: () => Promise<T>): Promise<T> {
  await app.query('begin');
  try {
    await app.query("select set_config('cb.user_id', $1, true)", [userId]);
    return await fn();
  } finally {
    await app.query('rollback');
  }
}

before(async () => {
  server = await startImportServer();
  for (const id of [EMPTY, FULL]) {
    await createLayer(server.owner, { id, ownerAgencyCode: 'so_vhttdl', titleVi: 'Thử', titleEn: 'Test', geometryFamily: 'point', source: 'test', attributes });
  }
  const passwordHash = await hashPassword(PASSWORD);
  editorId = await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash });
  otherId = await insertAccount(server.owner, { username: 'editor.gt', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  await server.owner.query(`insert into ${FULL} (geom, ten) values (st_setsrid(st_makepoint(106.25, 22.67), 4326), 'Cao Bằng')`);
  app = new pg.Client({ connectionString: server.database.appUrl });
  await app.connect();
  editor = await login(server.url, 'editor.vh', PASSWORD);
});

after(async () => {
  await app?.end();
  await server?.close();
});

describe('bookkeeping columns on insert', () => {
  test('chosen values are overruled; defaults give the same values the trigger gives', async () => {
    await asUser(editorId, async () => {
      const { rows } = await app.query(
        `insert into ${EMPTY} (geom, ten, version, created_at, created_by, updated_at, updated_by)
         values (st_setsrid(st_makepoint(106.25, 22.67), 4326), 'chọn', 7, '2000-01-01', $1, '2000-01-01', $1),
                (st_setsrid(st_makepoint(106.26, 22.68), 4326), 'mặc định', default, default, default, default, default)
         returning version, created_at = now() as created_now, updated_at = now() as updated_now,
                   created_by::text, updated_by::text`, [otherId]);
      for (const r of rows) {
        assert.deepEqual(r, { version: 1, created_now: true, updated_now: true, created_by: editorId, updated_by: editorId });
      }
    });
  });

  test('a restore continues the version sequence; an update bumps the version and keeps the creation', async () => {
    await asUser(editorId, async () => {
      await app.query("select set_config('cb.restore_version', '5', true)");
      const restored = await app.query(`insert into ${EMPTY} (geom, ten) values (st_setsrid(st_makepoint(106.25, 22.67), 4326), 'khôi phục') returning fid, version`);
      assert.equal(restored.rows[0].version, 5);
      await app.query("select set_config('cb.restore_version', '', true)");
      const updated = await app.query(
        `update ${EMPTY} set ten = 'sửa', version = 1, created_by = $2 where fid = $1 returning version, created_by::text`,
        [restored.rows[0].fid, otherId]);
      assert.deepEqual(updated.rows[0], { version: 6, created_by: editorId });
    });
  });
});

describe('GiST indexes around a load', () => {
  test('only an editor of the layer may suspend them, only on a layer without rows, and ensure brings both back', async () => {
    await asUser(otherId, async () => {
      await assert.rejects(app.query('select imports.suspend_layer_indexes($1)', [EMPTY]), /not allowed to write layer/);
    });
    await asUser(editorId, async () => {
      assert.equal((await app.query('select imports.suspend_layer_indexes($1) as d', [FULL])).rows[0].d, false);
      assert.deepEqual(await gistColumns(app, FULL), ['geom', 'geom_3857']);
      assert.equal((await app.query('select imports.suspend_layer_indexes($1) as d', [EMPTY])).rows[0].d, true);
      assert.deepEqual(await gistColumns(app, EMPTY), []);
      await app.query('select catalog.ensure_layer_indexes($1)', [EMPTY]);
      await app.query('select catalog.ensure_layer_indexes($1)', [EMPTY]);
      assert.deepEqual(await gistColumns(app, EMPTY), ['geom', 'geom_3857'], 'built once each');
    });
    assert.deepEqual(await gistColumns(server.owner, EMPTY), ['geom', 'geom_3857'], 'the rollback kept them too');
  });

  test('an import into an empty layer and one into a new layer end with both indexes and every feature', async () => {
    const features = Array.from({ length: 50 }, (_, i) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [106.2 + i / 1000, 22.6 + i / 1000] }, properties: { TEN: `Điểm ${i}` },
    }));
    const file = { name: 'diem.geojson', data: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) };
    const targets: [string, Record<string, string | object>][] = [
      [EMPTY, { layer: EMPTY }],
      ['van_hoa.moi_thu', { new_layer: { id: 'van_hoa.moi_thu', title_vi: 'Mới', attributes } }],
    ];
    for (const [table, fields] of targets) {
      const res = await upload(server.url, editor, file, { ...fields, field_map: { TEN: 'ten' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const preview = await waitForImport(server.url, editor, res.body.id, ['preview', 'failed']);
      assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
      const c = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: {} });
      assert.equal(c.status, 202, JSON.stringify(c.body));
      const done = await waitForImport(server.url, editor, res.body.id, ['committed', 'preview']);
      assert.equal(done.status, 'committed', JSON.stringify(done.error));
      assert.deepEqual(await gistColumns(server.owner, table), ['geom', 'geom_3857']);
      const { rows } = await server.owner.query(
        `select count(*)::int as n, count(*) filter (where ten like 'Điểm %')::int as named,
                (select count(*)::int from history.feature_versions where layer_id = $1) as history from ${table}`, [table]);
      assert.deepEqual(rows[0], { n: 50, named: 50, history: 50 });
    }
  });
});

describe('validation of a large file in parallel parts', () => {
  test('every feature is validated once, those on either side of the cut included', async () => {
    const n = 20_001;
    const outside = [0, 3, 10_000, 10_001, 20_000];
    const features = Array.from({ length: n }, (_, i) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: outside.includes(i) ? [100.5, 21] : [106.2 + (i % 100) / 1000, 22.6 + (i % 97) / 1000] },
      properties: { TEN: `Điểm ${i}` },
    }));
    const file = { name: 'lon.geojson', data: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) };
    const res = await upload(server.url, editor, file, { layer: FULL, field_map: { TEN: 'ten' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const preview = await waitForImport(server.url, editor, res.body.id, ['preview', 'failed']);
    assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
    assert.equal(preview.report.featureCount, n);
    assert.deepEqual(preview.report.problems.counts, { outside_province: outside.length });
    assert.deepEqual(preview.report.problems.sample.map((p: { index: number }) => p.index), outside);
    const checked = (await server.owner.query("select imports.staging_name($1, 'c') as name", [res.body.id])).rows[0].name;
    const { rows } = await server.owner.query(`select count(*)::int as n, count(distinct _idx)::int as distinct_idx from ${checked}`);
    assert.deepEqual(rows[0], { n, distinct_idx: n });
  });
});
