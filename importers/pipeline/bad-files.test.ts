// Bad files each get a clear report and change nothing: broken Shapefiles, zips without one, GeoJSON that is not
// GeoJSON, NaN coordinates. And the peer test Shapefiles (../shared/fixtures/shapefile-suite) read as their own
// expected GeoJSON says, through the whole pipeline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';
import { shapefileBytes, shapefileZip, zipBytes, type ShapefileRecord } from './testing/shapefile-writer.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const LAYER = 'van_hoa.diem_loi';
const SUITE = path.resolve(import.meta.dirname, '../../../shared/fixtures/shapefile-suite');

let server: ImportTestServer;
let editor: Session;

before(async () => {
  server = await startImportServer();
  await createLayer(server.owner, {
    id: LAYER, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm lỗi', titleEn: 'Bad points', geometryFamily: 'point', source: 'Sở VHTTDL',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }, { name: 'ma', type: 'integer', label_vi: 'Mã', label_en: 'Code' }],
  });
  await server.owner.query(`insert into ${LAYER} (geom, ten, ma) values (st_setsrid(st_point(106.25, 22.66), 4326), 'Có sẵn', 1)`);
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(server.url, 'editor.vh', PASSWORD);
});

after(async () => server.close());

async function layerState() {
  const { rows } = await server.owner.query(
    `select (select count(*) from ${LAYER}) as n, (select data_version from catalog.layers where id = $1) as version,
            (select count(*) from history.feature_versions where layer_id = $1) as history`, [LAYER]);
  return rows[0];
}

const points = (n: number): ShapefileRecord[] => Array.from({ length: n }, (_, i) => ({
  geometry: { type: 'point', coordinates: [106.1 + i * 0.01, 22.6 + i * 0.01] },
  values: { TEN: `Điểm ${i + 1}`, MA: i + 1 },
}));
const fields = [{ name: 'TEN', type: 'C' as const, length: 30 }, { name: 'MA', type: 'N' as const, length: 6 }];
const WGS84_PRJ = 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]';
const good = () => shapefileBytes('point', fields, points(5));

/** Uploads, waits for the worker, and checks that a commit is refused and the layer did not change. */
async function importOf(name: string, data: Buffer) {
  const before = await layerState();
  const res = await upload(server.url, editor, { name, data }, { layer: LAYER });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const done = await waitForImport(server.url, editor, res.body.id, ['preview', 'failed']);
  const commit = await api(server.url, 'POST', `/api/imports/${res.body.id}/commit`, { session: editor, body: {} });
  assert.equal(commit.status, 409, `a bad file cannot be committed: ${JSON.stringify(commit.body)}`);
  assert.deepEqual(await layerState(), before, 'the layer is unchanged');
  return done;
}

async function failsWith(name: string, data: Buffer, code: string, message: RegExp) {
  const done = await importOf(name, data);
  assert.equal(done.status, 'failed', `expected a failed import, got ${done.status}: ${JSON.stringify(done.report?.problems)}`);
  assert.equal(done.error.code, code, done.error.message);
  assert.match(done.error.message, message);
  const { rows } = await server.owner.query("select count(*)::int as n from pg_tables where schemaname = 'import_staging' and tablename like $1",
    [`%${done.id.replace(/-/g, '')}`]);
  assert.equal(rows[0].n, 0, 'no staging table is left behind');
  return done;
}

describe('broken files fail with a clear code and message and change nothing', () => {
  test('a truncated .shp', async () => {
    const p = good();
    await failsWith('cat.zip', shapefileZip('diem', { ...p, shp: p.shp.subarray(0, p.shp.length - 10) }, { prj: WGS84_PRJ }), 'shp_truncated', /240 bytes long, but the file has 230/);
  });

  test('a .shx that disagrees with the .shp', async () => {
    const p = good();
    const shx = Buffer.from(p.shx);
    shx.writeInt32BE(shx.readInt32BE(108) + 3, 108);
    await failsWith('shx.zip', shapefileZip('diem', { ...p, shx }, { prj: WGS84_PRJ }), 'shx_mismatch', /diem\.shx does not match diem\.shp/);
  });

  test('a .dbf with fewer records than the .shp', async () => {
    const p = good();
    const fewer = shapefileBytes('point', fields, points(4)).dbf;
    await failsWith('dbf.zip', shapefileZip('diem', { ...p, dbf: fewer }, { prj: WGS84_PRJ }), 'dbf_record_count_mismatch', /4 records but diem\.shp has 5 shapes/);
  });

  test('a missing .dbf, a missing .shx', async () => {
    const p = good();
    await failsWith('no-dbf.zip', shapefileZip('diem', { shp: p.shp, shx: p.shx }, { prj: WGS84_PRJ }), 'missing_dbf', /no diem\.dbf/);
    await failsWith('no-shx.zip', shapefileZip('diem', { shp: p.shp, dbf: p.dbf }, { prj: WGS84_PRJ }), 'missing_shx', /no diem\.shx/);
  });

  test('an empty zip and a zip of other files', async () => {
    await failsWith('empty.zip', zipBytes([]), 'empty_archive', /empty\.zip is empty/);
    await failsWith('docs.zip', zipBytes([{ name: 'bao-cao.docx', data: Buffer.from('PK not really') }, { name: 'anh.jpg', data: Buffer.from([0xff, 0xd8, 0xff]) }]),
      'no_dataset', /no Shapefile.*bao-cao\.docx, anh\.jpg/);
  });

  test('a GeoJSON that is not GeoJSON', async () => {
    await failsWith('sai.geojson', Buffer.from('{"type": "Topology", "objects": {}}'), 'not_geojson', /"Topology" is not a GeoJSON type/);
    await failsWith('hong.geojson', Buffer.from('{"type": "FeatureCollection", "features": [ {"type": "Feat'), 'not_json', /ends before the JSON is complete/);
  });
});

describe('bad features are reported one by one', () => {
  test('NaN coordinates: the feature is reported, the commit refused', async () => {
    const records = points(3);
    records[1]!.geometry = { type: 'point', coordinates: [Number.NaN, 22.7] };
    const p = shapefileBytes('point', fields, records);
    const done = await importOf('nan.zip', shapefileZip('diem', p, { prj: WGS84_PRJ }));
    assert.equal(done.status, 'preview', JSON.stringify(done.error));
    assert.equal(done.report.featureCount, 3);
    assert.equal(done.report.problems.featuresWithProblems, 1);
    const bad = done.report.problems.sample[0];
    assert.equal(bad.index, 1);
    assert.ok(bad.codes.some((c: string) => /nan|finite/i.test(c)), bad.codes.join(','));
  });
});

describe('the peer test Shapefiles read as their expected GeoJSON says', () => {
  const cases = ['points', 'multipoints', 'polygons', 'null', 'empty', 'boolean-property', 'number-property', 'string-property', 'latin1-property', 'mixed-properties'];
  for (const name of cases) {
    test(name, async () => {
      const expected = JSON.parse(fs.readFileSync(path.join(SUITE, `${name}.json`), 'utf8')) as { features: { geometry: any; properties: Record<string, unknown> }[] };
      const entries = ['shp', 'shx', 'dbf', 'prj', 'cpg']
        .filter((ext) => fs.existsSync(path.join(SUITE, `${name}.${ext}`)))
        .map((ext) => ({ name: `${name}.${ext}`, data: fs.readFileSync(path.join(SUITE, `${name}.${ext}`)) }));
      const res = await upload(server.url, editor, { name: `${name}.zip`, data: zipBytes(entries) },
        { new_layer: { id: `van_hoa.suite_${name.replace(/-/g, '_')}`, title_vi: name, ...(name === 'empty' ? { geometry_family: 'point' } : {}) } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await waitForImport(server.url, editor, res.body.id, ['preview', 'failed']);
      assert.equal(done.status, 'preview', JSON.stringify(done.error));
      const r = done.report;
      assert.equal(r.featureCount, expected.features.length);
      const nulls = expected.features.filter((f) => f.geometry === null).length;
      assert.equal(r.problems.counts.null_geometry ?? 0, nulls);
      // The suite's coordinates are near 0°, 0°: every located feature is outside the province (or, a multipoint of
      // several points, not a point at all), and says so.
      assert.equal((r.problems.counts.outside_province ?? 0) + (r.problems.counts.wrong_geometry_type ?? 0), expected.features.length - nulls);
      const sample = done.sample.features as { id: number; geometry: any; properties: Record<string, unknown> }[];
      const attributeOf = new Map(r.fieldMapping.map((m: any) => [m.sourceName, m.attribute]));
      for (const f of sample) {
        const want = expected.features[f.id]!;
        for (const [k, v] of Object.entries(want.properties)) {
          const got = f.properties[attributeOf.get(k) as string];
          if (v instanceof Object || typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) continue;
          assert.deepEqual(got, v, `${name} feature ${f.id} property ${k}`);
        }
        if (want.geometry?.type === 'Point') assert.deepEqual(f.geometry.coordinates, want.geometry.coordinates);
      }
    });
  }
});
