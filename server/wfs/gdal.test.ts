// GDAL's WFS driver as an independent client of /wfs (GML 3.2, EPSG:4326 latitude first, paging by startIndex):
// it lists every public layer and reads each with SQL's count, attribute values and coordinates; a BBOX filter and
// a -where (sent as Filter Encoding) select what SQL selects; the demo key adds the restricted BTS layer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_API_KEY } from '../../infra/demo/accounts.ts';
import { gdal, readWithGdal, sameFeature, sqlFeatures, type GeoJsonFeature } from '../ogc/gdal-client.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

let server: TestServer;
let source: string;

const fidOf = (f: GeoJsonFeature) => Number(String(f.properties.gml_id).split('.').pop());

before(async () => {
  server = await startTestServer({ demo: true });
  source = `WFS:${server.url}/wfs`;
});
after(async () => {
  await server?.close();
});

test('ogrinfo lists every public feature type and no restricted one', async () => {
  const { stdout } = await gdal('ogrinfo', ['-ro', '-so', source]);
  const listed = [...stdout.matchAll(/^\d+: cb:(\S+) \(title: (.*)\) \(/gm)].map((m) => m[1]);
  const { rows } = await server.owner.query<{ id: string }>("select id from catalog.layers where visibility = 'public' order by id");
  assert.deepEqual(listed.sort(), rows.map((r) => r.id));
  assert.ok(!stdout.includes('tram_bts') && !stdout.includes('quan_trac_moi_truong'));
});

test('every public layer reads completely through paging: count, attribute values and geometry as SQL has them', async () => {
  const { rows } = await server.owner.query<{ id: string; n: number }>("select id, feature_count as n from catalog.layers where visibility = 'public' order by id");
  for (const { id, n } of rows) {
    const info = await gdal('ogrinfo', ['-ro', '-so', source, `cb:${id}`]);
    assert.match(info.stdout, new RegExp(`Feature Count: ${n}\\b`), id);
    const features = await readWithGdal(source, `cb:${id}`);
    const want = await sqlFeatures(server.owner, id);
    assert.equal(features.length, want.size, id);
    assert.equal(new Set(features.map(fidOf)).size, want.size, `${id}: no feature twice`);
    for (const f of features) {
      const w = want.get(fidOf(f));
      assert.ok(w, `${id}: ${String(f.properties.gml_id)} is not in the table`);
      const diff = sameFeature(f, w);
      assert.equal(diff, null, `${id} ${fidOf(f)}: ${diff}`);
    }
  }
});

test('a BBOX and a -where go to the server as Filter Encoding and select what SQL selects', async () => {
  const { stderr } = await gdal('ogrinfo', ['--debug', 'on', '-ro', '-so', source, 'cb:tai_nguyen.song_suoi', '-spat', '105.9', '22.5', '106.4', '22.8']);
  assert.match(stderr, /BBOX|bbox/);
  const inBox = await readWithGdal(source, 'cb:tai_nguyen.song_suoi', { spat: [105.9, 22.5, 106.4, 22.8] });
  const wantBox = await sqlFeatures(server.owner, 'tai_nguyen.song_suoi', 'st_intersects(geom, st_makeenvelope(105.9, 22.5, 106.4, 22.8, 4326))');
  assert.ok(wantBox.size > 0);
  assert.deepEqual(inBox.map(fidOf).sort((a, b) => a - b), [...wantBox.keys()]);

  const where = "cap_duong = 'Đường tỉnh' AND be_rong_m > 5";
  const debug = await gdal('ogrinfo', ['--debug', 'on', '-ro', '-so', source, 'cb:giao_thong.duong_dia_phuong', '-where', where]);
  assert.match(debug.stderr, /FILTER=.*PropertyIsEqualTo/);
  const got = await readWithGdal(source, 'cb:giao_thong.duong_dia_phuong', { where });
  const want = await sqlFeatures(server.owner, 'giao_thong.duong_dia_phuong', "cap_duong = 'Đường tỉnh' and be_rong_m > 5");
  assert.ok(want.size > 0);
  assert.deepEqual(got.map(fidOf).sort((a, b) => a - b), [...want.keys()]);
  for (const f of got) assert.equal(sameFeature(f, want.get(fidOf(f))!), null);
});

test('with the demo API key the restricted BTS layer is listed and read; the other restricted layer is not', async () => {
  const { stdout } = await gdal('ogrinfo', ['-ro', '-so', source], { apiKey: DEMO_API_KEY });
  assert.match(stdout, /cb:thong_tin\.tram_bts/);
  assert.ok(!stdout.includes('quan_trac_moi_truong'));
  const got = await readWithGdal(source, 'cb:thong_tin.tram_bts', { apiKey: DEMO_API_KEY });
  const want = await sqlFeatures(server.owner, 'thong_tin.tram_bts');
  assert.equal(got.length, want.size);
  for (const f of got) assert.equal(sameFeature(f, want.get(fidOf(f))!), null);
});
