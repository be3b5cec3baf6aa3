// End to end, the file an agency really sends: a VN-2000 / TM-3 105°45′ (EPSG:9210) Shapefile, names in TCVN3,
// no .cpg and no .prj. The preview says tcvn3 and 9210 and asks to confirm the CRS; after the confirmation the
// features land at the right place (the 7-parameter shift applied) with the right names, each version in
// history pointing at the import.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import iconv from 'iconv-lite';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';
import { shapefileBytes, shapefileZip, type ShapefileRecord } from './testing/shapefile-writer.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const LAYER = 'van_hoa.thang_canh_thu';

let server: ImportTestServer;
let editor: Session;

before(async () => {
  server = await startImportServer();
  await createLayer(server.owner, {
    id: LAYER, ownerAgencyCode: 'so_vhttdl', titleVi: 'Thắng cảnh', titleEn: 'Scenic sites', geometryFamily: 'point', source: 'Sở VHTTDL',
    attributes: [
      { name: 'ma', type: 'integer', label_vi: 'Mã', label_en: 'Code' },
      { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name', required: true },
      { name: 'huyen', type: 'text', label_vi: 'Huyện', label_en: 'District' },
    ],
  });
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(server.url, 'editor.vh', PASSWORD);
});

after(async () => server.close());

// Bản Giốc's check value (DESIGN.md), and real places of the province in VN-2000 / TM-3 105°45′ metres.
const sites: { e: number; n: number; ten: string; huyen: string }[] = [
  { e: 599_554, n: 2_528_819, ten: 'Thác Bản Giốc', huyen: 'Trùng Khánh' },
  { e: 530_600, n: 2_539_800, ten: 'Khu di tích Pác Bó', huyen: 'Hà Quảng' },
  { e: 560_900, n: 2_508_300, ten: 'Đền Kỳ Sầm', huyen: 'Thành phố Cao Bằng' },
  { e: 571_100, n: 2_479_400, ten: 'Chiến thắng Đông Khê', huyen: 'Thạch An' },
  { e: 498_200, n: 2_545_300, ten: 'Phố cổ Bảo Lạc', huyen: 'Bảo Lạc' },
  { e: 518_400, n: 2_505_700, ten: 'Núi Phja Oắc', huyen: 'Nguyên Bình' },
  { e: 602_000, n: 2_526_100, ten: 'Động Ngườm Ngao', huyen: 'Trùng Khánh' },
  { e: 551_300, n: 2_516_800, ten: 'Hồ Thang Hen', huyen: 'Quảng Hòa' },
];

test('VN-2000 + TCVN3 without .cpg or .prj: preview, confirm, commit; right place, right names, history', async () => {
  const records: ShapefileRecord[] = sites.map((s, i) => ({ geometry: { type: 'point', coordinates: [s.e, s.n] }, values: { MA: i + 1, TEN: s.ten, HUYEN: s.huyen } }));
  const tcvn3 = (text: string) => {
    const bytes = iconv.encode(text.normalize('NFC'), 'tcvn');
    assert.equal(iconv.decode(bytes, 'tcvn'), text.normalize('NFC'), `TCVN3 writes ${text}`);
    return bytes;
  };
  const parts = shapefileBytes('point', [{ name: 'MA', type: 'N', length: 4 }, { name: 'TEN', type: 'C', length: 60 }, { name: 'HUYEN', type: 'C', length: 40 }], records, tcvn3);
  assert.ok(!parts.dbf.includes(Buffer.from('Bản', 'utf8')), 'the DBF really is not UTF-8');

  const res = await upload(server.url, editor, { name: 'thang_canh.zip', data: shapefileZip('thang_canh', parts) }, { layer: LAYER });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const preview = await waitForImport(server.url, editor, res.body.id, ['preview', 'failed']);
  assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
  const r = preview.report;
  assert.equal(r.encoding.detected.encoding, 'tcvn3', JSON.stringify(r.encoding.detected));
  assert.equal(r.encoding.used, 'tcvn3');
  assert.equal(r.crs.detected.srid, 9210, JSON.stringify(r.crs.detected));
  assert.equal(r.crs.detected.needsConfirmation, true);
  assert.ok(r.crs.detected.evidence.length > 0);
  assert.ok(r.blockers.some((b: any) => b.code === 'crs_needs_confirmation'));
  assert.equal(r.featureCount, sites.length);
  assert.equal(r.problems.featuresWithProblems, 0, JSON.stringify(r.problems));
  const sampleNames = preview.sample.features.map((f: any) => f.properties.ten);
  assert.deepEqual(sampleNames, sites.map((s) => s.ten));

  const unconfirmed = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: {} });
  assert.equal(unconfirmed.status, 409);
  assert.equal(unconfirmed.body.code, 'preview_has_blockers');
  assert.equal((await server.owner.query(`select count(*)::int as n from ${LAYER}`)).rows[0].n, 0);

  // Confirming what the preview showed is not a change of choice: it commits.
  const confirm = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: { srid: 9210, encoding: 'tcvn3' } });
  assert.equal(confirm.status, 202, JSON.stringify(confirm.body));
  assert.equal(confirm.body.status, 'committing');
  const done = await waitForImport(server.url, editor, res.body.id, ['committed', 'preview']);
  assert.equal(done.status, 'committed', JSON.stringify(done.error));

  const { rows } = await server.owner.query(
    `select ma, ten, huyen, st_distance(geom::geography, st_setsrid(st_point(106.721998, 22.856402), 4326)::geography) as from_check
     from ${LAYER} order by ma`);
  assert.equal(rows.length, sites.length);
  assert.ok(rows[0].from_check < 1, `Bản Giốc lands ${rows[0].from_check} m from its WGS84 position`);
  rows.forEach((row, i) => {
    assert.equal(row.ten, sites[i]!.ten);
    assert.equal(row.ten, row.ten.normalize('NFC'));
    assert.equal(row.huyen, sites[i]!.huyen);
  });
  const { rows: history } = await server.owner.query(
    'select count(*)::int as n, count(*) filter (where import_id = $2)::int as ours from history.feature_versions where layer_id = $1', [LAYER, res.body.id]);
  assert.deepEqual(history[0], { n: sites.length, ours: sites.length });
});
