// The import API against the real database and the real worker: who may import and see imports, the preview
// report, the progress events, append / replace / upsert commits with history, choices that re-validate,
// repairs and skips, new layers, the size cap and one commit per layer at a time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const RELICS = 'van_hoa.di_tich_thu';
const ZONES = 'van_hoa.khu_thu';
const ROADS = 'giao_thong.duong_thu';
const SECRET = 'giao_thong.mat_thu';
const CAP = 256 * 1024;

let server: ImportTestServer;
let url: string;
let editor: Session;
let otherEditor: Session;
let scopedEditor: Session;
let viewer: Session;
let agencyAdmin: Session;
let operator: Session;

type Props = Record<string, unknown>;
const point = (lon: number, lat: number, properties: Props) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties });
const geojson = (features: unknown[]) => ({ name: 'du_lieu.geojson', data: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) });

before(async () => {
  server = await startImportServer({ env: { IMPORT_MAX_UPLOAD_BYTES: String(CAP) } });
  url = server.url;
  await createLayer(server.owner, {
    id: RELICS, ownerAgencyCode: 'so_vhttdl', titleVi: 'Di tích thử', titleEn: 'Test relics', geometryFamily: 'point', source: 'Sở VHTTDL',
    attributes: [
      { name: 'ma', type: 'text', label_vi: 'Mã', label_en: 'Code' },
      { name: 'ten_di_tich', type: 'text', label_vi: 'Tên di tích', label_en: 'Name', required: true, max_length: 60 },
      { name: 'nam_xep_hang', type: 'integer', label_vi: 'Năm xếp hạng', label_en: 'Year listed' },
      { name: 'cap', type: 'text', label_vi: 'Cấp', label_en: 'Rank', allowed: ['quốc gia', 'tỉnh'] },
      { name: 'ngay', type: 'date', label_vi: 'Ngày', label_en: 'Date' },
    ],
  });
  await createLayer(server.owner, {
    id: ZONES, ownerAgencyCode: 'so_vhttdl', titleVi: 'Khu thử', titleEn: 'Test zones', geometryFamily: 'polygon', source: 'Sở VHTTDL',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  await createLayer(server.owner, {
    id: ROADS, ownerAgencyCode: 'so_gtvt', titleVi: 'Đường thử', titleEn: 'Test roads', geometryFamily: 'line', source: 'Sở GTVT',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  await createLayer(server.owner, {
    id: SECRET, ownerAgencyCode: 'so_gtvt', titleVi: 'Mật thử', titleEn: 'Restricted', geometryFamily: 'point', source: 'Sở GTVT', visibility: 'restricted',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash });
  await insertAccount(server.owner, { username: 'editor.gt', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'scoped.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash, layers: [ZONES] });
  await insertAccount(server.owner, { username: 'viewer.vh', role: 'viewer', agencyCode: 'so_vhttdl', passwordHash });
  await insertAccount(server.owner, { username: 'admin.vh', role: 'agency_admin', agencyCode: 'so_vhttdl', passwordHash });
  await insertAccount(server.owner, { username: 'vanhanh.thu', role: 'operator_admin', passwordHash });
  editor = await login(url, 'editor.vh', PASSWORD);
  otherEditor = await login(url, 'editor.gt', PASSWORD);
  scopedEditor = await login(url, 'scoped.vh', PASSWORD);
  viewer = await login(url, 'viewer.vh', PASSWORD);
  agencyAdmin = await login(url, 'admin.vh', PASSWORD);
  operator = await login(url, 'vanhanh.thu', PASSWORD);
});

after(async () => server.close());

async function rows(layer: string, order = 'fid'): Promise<any[]> {
  return (await server.owner.query(`select * from ${layer} order by ${order}`)).rows;
}

async function previewOf(file: { name: string; data: Buffer }, fields: Record<string, string | object>, session = editor) {
  const res = await upload(url, session, file, fields);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return waitForImport(url, session, res.body.id, ['preview', 'failed']);
}

async function commit(id: string, body: Record<string, unknown> = {}, session = editor) {
  return api(url, 'POST', `/api/imports/${id}/commit`, { session, body });
}

const relics = () => geojson([
  point(106.721998, 22.856402, { MA: 'DT01', TEN_DI_TICH: 'Thác Bản Giốc', NAM_XEP_HANG: 2012, CAP: 'quốc gia', NGAY: '2012-09-27' }),
  point(106.0545, 22.9536, { MA: 'DT02', TEN_DI_TICH: 'Khu di tích Pác Bó', NAM_XEP_HANG: '2009', CAP: 'quốc gia', NGAY: '20090101' }),
  point(106.2583, 22.6657, { MA: 'DT03', TEN_DI_TICH: 'Đền Kỳ Sầm', NAM_XEP_HANG: 'hai nghìn', CAP: 'huyện', NGAY: '2019-02-30' }),
  point(100.5, 21.0, { MA: 'DT04', TEN_DI_TICH: null }),
  { type: 'Feature', geometry: null, properties: { MA: 'DT05', TEN_DI_TICH: 'Không có vị trí' } },
]);

describe('who may import, and who sees imports', () => {
  test('anonymous callers, viewers, editors of another agency and editors limited to other layers are refused', async () => {
    const file = relics();
    const anon = await fetch(`${url}/api/imports`, { method: 'POST', body: new FormData() });
    assert.equal(anon.status, 401);
    assert.equal((await upload(url, viewer, file, { layer: RELICS })).status, 403);
    assert.equal((await upload(url, agencyAdmin, file, { layer: RELICS })).status, 403);
    assert.equal((await upload(url, otherEditor, file, { layer: RELICS })).status, 403);
    assert.equal((await upload(url, scopedEditor, file, { layer: RELICS })).status, 403);
    const hidden = await upload(url, editor, file, { layer: SECRET });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.code, 'layer_not_found');
    const scopedNew = await upload(url, scopedEditor, file, { new_layer: { id: 'van_hoa.moi_thu', title_vi: 'Mới' } });
    assert.equal(scopedNew.status, 403);
    const { rows: n } = await server.owner.query('select count(*)::int as n from imports.imports');
    assert.equal(n[0].n, 0, 'no refused upload left an import row');
  });

  test('bad requests get a clear 4xx: no file, no layer, both, an unknown mode, an upsert without key, an unknown srid', async () => {
    const file = relics();
    const form = new FormData();
    form.append('layer', RELICS);
    const noFile = await fetch(`${url}/api/imports`, { method: 'POST', body: form, headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf } });
    assert.equal(noFile.status, 400);
    assert.equal(((await noFile.json()) as any).code, 'file_required');
    assert.equal((await upload(url, editor, file, {})).body.code, 'layer_required');
    assert.equal((await upload(url, editor, file, { layer: RELICS, new_layer: { id: 'van_hoa.x_y', title_vi: 'X' } })).body.code, 'layer_or_new_layer');
    assert.equal((await upload(url, editor, file, { layer: RELICS, mode: 'merge' })).body.code, 'invalid_mode');
    assert.equal((await upload(url, editor, file, { layer: RELICS, mode: 'upsert' })).body.code, 'key_required');
    assert.equal((await upload(url, editor, file, { layer: RELICS, mode: 'upsert', key: 'khong_co' })).body.code, 'unknown_key');
    assert.equal((await upload(url, editor, file, { layer: RELICS, srid: '999999' })).body.code, 'unknown_srid');
    assert.equal((await upload(url, editor, file, { layer: RELICS, encoding: 'ebcdic' })).body.code, 'invalid_choice');
    assert.equal((await upload(url, editor, file, { new_layer: { id: 'van_hoa.da_co', title_vi: 'X' }, mode: 'replace' })).body.code, 'invalid_mode');
    assert.equal((await upload(url, editor, file, { new_layer: { id: RELICS, title_vi: 'X' } })).body.code, 'layer_exists');
    assert.equal((await upload(url, editor, file, { new_layer: { id: 'khong_co.lop', title_vi: 'X' } })).body.code, 'unknown_sector');
  });

  test('a file over the size cap is refused with 413 and leaves nothing behind', async () => {
    const big = { name: 'lon.geojson', data: Buffer.alloc(CAP + 1024, 0x20) };
    const res = await upload(url, editor, big, { layer: RELICS });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'file_too_large');
    const { rows: n } = await server.owner.query('select count(*)::int as n from imports.imports');
    assert.equal(n[0].n, 0);
    const fs = await import('node:fs');
    const stored = fs.readdirSync(`${server.dataDir}/uploads`).filter((d) => d !== 'tmp');
    assert.deepEqual(stored, [], 'no stored file');
    assert.deepEqual(fs.readdirSync(`${server.dataDir}/uploads/tmp`), [], 'no temporary file');
  });
});

describe('preview, report and commit', () => {
  let importId: string;

  test('the upload is stored by sha256 with its import row and job; the preview reports every problem and changes nothing', async () => {
    const file = relics();
    const before = await rows(RELICS);
    const res = await upload(url, editor, file, { layer: RELICS });
    assert.equal(res.status, 202);
    importId = res.body.id;
    const { rows: stored } = await server.owner.query(
      `select f.sha256, f.storage_path, f.size_bytes, i.status, (select count(*)::int from pgboss.job j where j.data ->> 'importId' = i.id::text) as jobs
       from imports.imports i join imports.files f on f.sha256 = i.file_sha256 where i.id = $1`, [importId]);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(file.data).digest('hex');
    assert.equal(stored[0].sha256, sha);
    assert.equal(stored[0].storage_path, `${sha.slice(0, 2)}/${sha}`);
    assert.equal(Number(stored[0].size_bytes), file.data.length);
    assert.equal(stored[0].jobs, 1);
    const fs = await import('node:fs');
    assert.ok(fs.readFileSync(`${server.dataDir}/uploads/${stored[0].storage_path}`).equals(file.data));

    const p = await waitForImport(url, editor, importId, ['preview', 'failed']);
    assert.equal(p.status, 'preview', JSON.stringify(p.error));
    const r = p.report;
    assert.equal(r.featureCount, 5);
    assert.equal(r.crs.used.srid, 4326);
    const mapped = Object.fromEntries(r.fieldMapping.map((m: any) => [m.sourceName, m.attribute]));
    assert.deepEqual(mapped, { MA: 'ma', TEN_DI_TICH: 'ten_di_tich', NAM_XEP_HANG: 'nam_xep_hang', CAP: 'cap', NGAY: 'ngay' });
    assert.deepEqual(r.problems.counts, { bad_value: 2, value_not_allowed: 1, outside_province: 1, missing_value: 1, null_geometry: 1 });
    assert.equal(r.problems.featuresWithProblems, 3);
    const byIndex = Object.fromEntries(r.problems.sample.map((s: any) => [s.index, s]));
    assert.deepEqual(byIndex[2].codes.sort(), ['bad_value', 'bad_value', 'value_not_allowed']);
    assert.ok(byIndex[2].reasons.some((x: string) => /nam_xep_hang: "hai nghìn" is not a valid integer/.test(x)), byIndex[2].reasons.join('|'));
    assert.ok(byIndex[2].reasons.some((x: string) => /ngay: "2019-02-30" is not a valid date/.test(x)));
    assert.deepEqual(byIndex[3].codes.sort(), ['missing_value', 'outside_province']);
    assert.deepEqual(byIndex[4].codes, ['null_geometry']);
    assert.equal(r.merge.insert, 2);
    assert.equal(p.sample.type, 'FeatureCollection');
    assert.equal(p.sample.features.length, 4, 'every feature with a geometry (a file this small is sampled whole)');
    assert.deepEqual(p.sample.features[0].geometry.coordinates, [106.721998, 22.856402]);
    assert.equal(p.sample.features[1].properties.nam_xep_hang, 2009);
    assert.equal(p.sample.features[1].properties.ngay, '2009-01-01');
    assert.deepEqual(await rows(RELICS), before, 'nothing is visible before the commit');
  });

  test('the import is visible to its agency\'s editors and admins and the operator, to no one else', async () => {
    for (const s of [editor, scopedEditor, agencyAdmin, operator]) {
      assert.equal((await api(url, 'GET', `/api/imports/${importId}`, { session: s })).status, 200);
      const list = await api(url, 'GET', '/api/imports', { session: s });
      assert.ok(list.body.imports.some((i: any) => i.id === importId));
    }
    for (const s of [otherEditor, viewer]) {
      const res = await api(url, 'GET', `/api/imports/${importId}`, { session: s });
      assert.equal(res.status, 404);
      const list = await api(url, 'GET', '/api/imports', { session: s });
      assert.equal(list.status, 200);
      assert.ok(!list.body.imports.some((i: any) => i.id === importId));
      assert.equal((await fetch(`${url}/api/imports/${importId}/events`, { headers: { cookie: s.cookie } })).status, 404);
    }
    assert.equal((await api(url, 'GET', `/api/imports/${importId}`)).status, 401);
    assert.equal((await commit(importId, { skip_invalid: true }, agencyAdmin)).status, 403, 'an agency admin does not edit sector data');
  });

  test('the commit is refused while features have problems; with skip_invalid the others go in, with history pointing at the import', async () => {
    const refused = await commit(importId);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'features_have_problems');
    const versionBefore = (await server.owner.query('select data_version from catalog.layers where id = $1', [RELICS])).rows[0].data_version;
    const ok = await commit(importId, { skip_invalid: true });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const done = await waitForImport(url, editor, importId, ['committed', 'preview']);
    assert.equal(done.status, 'committed', JSON.stringify(done.error));
    assert.deepEqual(done.result, { inserted: 2, updated: 0, deleted: 0, skipped: 3, repaired: 0 });
    const got = await rows(RELICS);
    assert.deepEqual(got.map((r) => [r.ma, r.ten_di_tich, r.nam_xep_hang, r.cap, r.ngay?.toISOString().slice(0, 10)]), [
      ['DT01', 'Thác Bản Giốc', 2012, 'quốc gia', '2012-09-27'],
      ['DT02', 'Khu di tích Pác Bó', 2009, 'quốc gia', '2009-01-01'],
    ]);
    const { rows: h } = await server.owner.query(
      `select h.operation, h.import_id, u.username from history.feature_versions h join auth.users u on u.id = h.changed_by
       where h.layer_id = $1 order by h.fid`, [RELICS]);
    assert.deepEqual(h.map((x) => [x.operation, x.import_id, x.username]), [['insert', importId, 'editor.vh'], ['insert', importId, 'editor.vh']]);
    const versionAfter = (await server.owner.query('select data_version from catalog.layers where id = $1', [RELICS])).rows[0].data_version;
    assert.equal(versionAfter, versionBefore + 1);
    const again = await commit(importId, { skip_invalid: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'already_committed');
  });

  test('the progress events stream the stages with counts and end at the preview', async () => {
    const res = await upload(url, editor, relics(), { layer: RELICS });
    const events = await fetch(`${url}/api/imports/${res.body.id}/events`, { headers: { cookie: editor.cookie } });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await events.text();
    const parsed = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
    const last = parsed.at(-1)!;
    assert.deepEqual(last, { event: 'end', data: { id: res.body.id, status: 'preview' } });
    const stages = parsed.filter((e) => e.event === 'progress').map((e) => e.data.stage);
    assert.equal(stages.at(-1), 'preview');
    const final = parsed.filter((e) => e.event === 'progress').at(-1)!.data;
    assert.equal(final.done, 5);
    assert.equal(final.total, 5);
    assert.equal(typeof final.rate, 'number');
  });
});

describe('modes, choices and repairs', () => {
  test('replace deletes every feature and inserts the file; upsert updates matching keys and inserts the rest', async () => {
    const first = await previewOf(geojson([
      point(106.1, 22.6, { MA: 'A', TEN_DI_TICH: 'Một' }),
      point(106.2, 22.7, { MA: 'B', TEN_DI_TICH: 'Hai' }),
    ]), { layer: RELICS, mode: 'replace' });
    assert.equal(first.report.merge.delete, 2);
    assert.equal((await commit(first.id)).status, 202);
    const replaced = await waitForImport(url, editor, first.id, ['committed', 'preview']);
    assert.deepEqual(replaced.result, { inserted: 2, updated: 0, deleted: 2, skipped: 0, repaired: 0 });
    assert.deepEqual((await rows(RELICS)).map((r) => r.ma), ['A', 'B']);
    const keepFid = (await rows(RELICS)).find((r) => r.ma === 'B').fid;

    const dup = await previewOf(geojson([
      point(106.3, 22.8, { MA: 'B', TEN_DI_TICH: 'Hai (sửa)' }),
      point(106.4, 22.8, { MA: 'C', TEN_DI_TICH: 'Ba' }),
      point(106.4, 22.9, { MA: 'C', TEN_DI_TICH: 'Ba lần nữa' }),
      point(106.5, 22.9, { MA: null, TEN_DI_TICH: 'Không mã' }),
    ]), { layer: RELICS, mode: 'upsert', key: 'ma' });
    assert.deepEqual(dup.report.problems.counts, { duplicate_key: 2, missing_key: 1 });

    const up = await previewOf(geojson([
      point(106.3, 22.8, { MA: 'B', TEN_DI_TICH: 'Hai (sửa)' }),
      point(106.4, 22.8, { MA: 'C', TEN_DI_TICH: 'Ba' }),
    ]), { layer: RELICS, mode: 'upsert', key: 'ma' });
    assert.equal(up.report.merge.update, 1);
    assert.equal(up.report.merge.insert, 1);
    assert.equal((await commit(up.id)).status, 202);
    const upserted = await waitForImport(url, editor, up.id, ['committed', 'preview']);
    assert.deepEqual(upserted.result, { inserted: 1, updated: 1, deleted: 0, skipped: 0, repaired: 0 });
    const after = await rows(RELICS);
    assert.deepEqual(after.map((r) => [r.ma, r.ten_di_tich, r.version]), [['A', 'Một', 1], ['B', 'Hai (sửa)', 2], ['C', 'Ba', 1]]);
    assert.equal(after.find((r) => r.ma === 'B').fid, keepFid, 'an upsert keeps the feature\'s id and history');
    const { rows: h } = await server.owner.query(
      'select operation, import_id from history.feature_versions where layer_id = $1 and fid = $2 order by version', [RELICS, keepFid]);
    assert.deepEqual(h.map((x) => [x.operation, x.import_id]), [['insert', first.id], ['update', up.id]]);
  });

  test('a field map maps DBF names; a changed choice at commit makes a new preview instead of committing', async () => {
    const p = await previewOf(geojson([point(106.1, 22.6, { MA_SO: 'M1', TEN: 'Tên một' })]), { layer: RELICS });
    assert.ok(p.report.blockers.length === 0);
    assert.equal(p.report.problems.counts.missing_value, 1, 'ten_di_tich is required and nothing maps to it');
    const res = await commit(p.id, { field_map: { TEN: 'ten_di_tich', MA_SO: 'ma' } });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body.revalidating, ['field_map']);
    const again = await waitForImport(url, editor, p.id, ['preview', 'failed']);
    assert.equal(again.report.problems.featuresWithProblems, 0);
    assert.deepEqual(again.report.effective.field_map, { ma_so: 'ma', ten: 'ten_di_tich' });
    assert.equal((await rows(RELICS)).filter((r) => r.ma === 'M1').length, 0, 'the changed choice did not commit');
    const wrongMap = await api(url, 'POST', `/api/imports/${p.id}/preview`, { session: editor, body: { field_map: { TEN: 'khong_co' } } });
    assert.equal(wrongMap.status, 202);
    const bad = await waitForImport(url, editor, p.id, ['preview', 'failed']);
    assert.equal(bad.report.blockers[0].code, 'bad_field_map');
    assert.equal((await commit(p.id)).body.code, 'preview_has_blockers');
  });

  test('an invalid polygon is reported with its reason and what ST_MakeValid makes of it; commit with repair stores the repair', async () => {
    const bowtie = { type: 'Polygon', coordinates: [[[106.1, 22.6], [106.2, 22.7], [106.2, 22.6], [106.1, 22.7], [106.1, 22.6]]] };
    const square = { type: 'Polygon', coordinates: [[[106.3, 22.6], [106.4, 22.6], [106.4, 22.7], [106.3, 22.7], [106.3, 22.6]]] };
    const p = await previewOf(geojson([
      { type: 'Feature', geometry: bowtie, properties: { TEN: 'Nơ' } },
      { type: 'Feature', geometry: square, properties: { TEN: 'Vuông' } },
    ]), { layer: ZONES });
    assert.equal(p.status, 'preview', JSON.stringify(p.error));
    assert.deepEqual(p.report.problems.counts, { invalid_geometry: 1 });
    assert.equal(p.report.problems.repairableOnly, 1);
    const bow = p.report.problems.sample.find((s: any) => s.index === 0);
    assert.match(bow.reasons[0], /Self-intersection.*ST_MakeValid repairs it/);
    const refused = await commit(p.id);
    assert.equal(refused.body.code, 'features_have_problems');
    assert.match(refused.body.message, /repair/);
    assert.equal((await commit(p.id, { repair: true })).status, 202);
    const done = await waitForImport(url, editor, p.id, ['committed', 'preview']);
    assert.deepEqual(done.result, { inserted: 2, updated: 0, deleted: 0, skipped: 0, repaired: 1 });
    const { rows: g } = await server.owner.query(`select ten, st_isvalid(geom) as valid, st_numgeometries(geom) as parts from ${ZONES} order by fid`);
    assert.deepEqual(g, [{ ten: 'Nơ', valid: true, parts: 2 }, { ten: 'Vuông', valid: true, parts: 1 }]);
  });

  test('features of another kind than the layer\'s are reported as such', async () => {
    const p = await previewOf(geojson([point(106.1, 22.6, { TEN: 'Điểm' }), point(106.2, 22.6, { TEN: 'Điểm 2' })]), { layer: ZONES });
    assert.deepEqual(p.report.problems.counts, { wrong_geometry_type: 2 });
    assert.match(p.report.problems.sample[0].reasons[0], /a POINT in a polygon layer/);
  });

  test('an import into a new layer proposes its schema from the fields and creates the layer only at the commit', async () => {
    const id = 'van_hoa.le_hoi_thu';
    const p = await previewOf(geojson([
      point(106.25, 22.66, { TEN_LE_HOI: 'Lễ hội Lồng Tồng', SO_NGAY: 3, CO_DINH: true }),
    ]), { new_layer: { id, title_vi: 'Lễ hội' } });
    assert.equal(p.status, 'preview', JSON.stringify(p.error));
    assert.equal(p.report.layer.exists, false);
    assert.deepEqual(p.report.newLayer.attributes.map((a: any) => [a.name, a.type]), [['ten_le_hoi', 'text'], ['so_ngay', 'integer'], ['co_dinh', 'boolean']]);
    assert.equal((await server.owner.query('select 1 from catalog.layers where id = $1', [id])).rowCount, 0);
    assert.equal((await commit(p.id)).status, 202);
    const done = await waitForImport(url, editor, p.id, ['committed', 'preview']);
    assert.equal(done.status, 'committed', JSON.stringify(done.error));
    const { rows: l } = await server.owner.query('select l.title_vi, l.geometry_family, l.feature_count, a.code from catalog.layers l join catalog.agencies a on a.id = l.owner_agency_id where l.id = $1', [id]);
    assert.deepEqual(l, [{ title_vi: 'Lễ hội', geometry_family: 'point', feature_count: 1, code: 'so_vhttdl' }]);
    assert.deepEqual((await rows(id)).map((r) => [r.ten_le_hoi, r.so_ngay, r.co_dinh]), [['Lễ hội Lồng Tồng', 3, true]]);
    const features = await api(url, 'GET', `/api/layers/${id}/features`);
    assert.equal(features.body.features.length, 1);
  });

  test('two imports into one layer cannot commit at once: the second gets 409 layer_busy until the first is done', async () => {
    const a = await previewOf(geojson([point(106.1, 22.6, { MA: 'X1', TEN_DI_TICH: 'X một' })]), { layer: RELICS });
    const b = await previewOf(geojson([point(106.1, 22.6, { MA: 'X2', TEN_DI_TICH: 'X hai' })]), { layer: RELICS });
    const blocker = new pg.Client({ connectionString: server.database.ownerUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from catalog.layers where id = $1 for update', [RELICS]);
      assert.equal((await commit(a.id)).status, 202);
      const busy = await commit(b.id);
      assert.equal(busy.status, 409);
      assert.equal(busy.body.code, 'layer_busy');
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    assert.equal((await waitForImport(url, editor, a.id, ['committed', 'preview'])).status, 'committed');
    assert.equal((await commit(b.id)).status, 202);
    assert.equal((await waitForImport(url, editor, b.id, ['committed', 'preview'])).status, 'committed');
    assert.deepEqual((await rows(RELICS)).filter((r) => /^X/.test(r.ma)).map((r) => r.ma), ['X1', 'X2']);
  });
});
