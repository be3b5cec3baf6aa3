// GDAL's OAPIF driver as an independent client of /ogc: it lists every public layer, reads each one completely
// (paging through next links) with the feature count, every attribute value (Vietnamese text intact) and every
// coordinate SQL has; its -where is pushed to the server as CQL2 text and selects what SQL selects; with the demo
// API key it also sees the restricted BTS layer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_API_KEY } from '../../infra/demo/accounts.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { gdal, readWithGdal, sameFeature, sqlFeatures } from './gdal-client.ts';

let server: TestServer;
let source: string;

before(async () => {
  server = await startTestServer({ demo: true });
  source = `OAPIF:${server.url}/ogc`;
});
after(async () => {
  await server?.close();
});

test('ogrinfo lists every public layer, with its title, and no restricted one', async () => {
  const { stdout } = await gdal('ogrinfo', ['-ro', '-so', source]);
  const listed = [...stdout.matchAll(/^\d+: (\S+) \(title: (.*)\) \(/gm)].map((m) => [m[1], m[2]]);
  const { rows } = await server.owner.query<{ id: string; title_vi: string }>("select id, title_vi from catalog.layers where visibility = 'public' order by id");
  assert.deepEqual(listed.map(([id]) => id).sort(), rows.map((r) => r.id));
  for (const [id, title] of listed) assert.equal(title, rows.find((r) => r.id === id)!.title_vi);
  assert.ok(!stdout.includes('thong_tin.tram_bts') && !stdout.includes('quan_trac_moi_truong'));
});

test('every public layer reads completely: count, attribute values and geometry as SQL has them', async () => {
  const { rows } = await server.owner.query<{ id: string; n: number }>("select id, feature_count as n from catalog.layers where visibility = 'public' order by id");
  for (const { id, n } of rows) {
    const info = await gdal('ogrinfo', ['-ro', '-so', source, id]);
    assert.match(info.stdout, new RegExp(`Feature Count: ${n}\\b`), id);
    const features = await readWithGdal(source, id, { open: ['PAGE_SIZE=10000'] });
    const want = await sqlFeatures(server.owner, id);
    assert.equal(features.length, want.size, id);
    for (const f of features) {
      const w = want.get(Number(f.id));
      assert.ok(w, `${id}: feature ${f.id} is not in the table`);
      const diff = sameFeature(f, w);
      assert.equal(diff, null, `${id} ${f.id}: ${diff}`);
    }
    assert.equal(new Set(features.map((f) => f.id)).size, want.size, `${id}: no feature twice`);
  }
  // Vietnamese text arrives intact (NFC, tone marks and all).
  const places = await readWithGdal(source, 'van_hoa.diem_di_san_dia_chat', { where: "ten = 'Thác Bản Giốc'" });
  assert.equal(places.length, 1);
  assert.equal(places[0]!.properties.ten, 'Thác Bản Giốc');
  assert.equal(places[0]!.properties.xa, 'Xã Đàm Thủy');
});

test('a -where is pushed down as CQL2 text and returns what SQL returns', async () => {
  const where = "cap_duong = 'Đường tỉnh' AND be_rong_m > 5";
  const { stderr } = await gdal('ogrinfo', ['--debug', 'on', '-ro', '-so', source, 'giao_thong.duong_dia_phuong', '-where', where]);
  // GDAL 3.6 sends the filter to the server (it reads filter-lang=cql-text from /ogc/api) instead of filtering itself.
  assert.match(stderr, /CQL text detected/);
  assert.match(stderr, /items\?resultType=hits&filter=\(cap_duong%20%3D%20'.*'\)%20AND%20\(be_rong_m%20%3E%205\)&filter-lang=cql-text/);
  const got = await readWithGdal(source, 'giao_thong.duong_dia_phuong', { where, open: ['PAGE_SIZE=1000'] });
  const want = await sqlFeatures(server.owner, 'giao_thong.duong_dia_phuong', "cap_duong = 'Đường tỉnh' and be_rong_m > 5");
  assert.ok(want.size > 0);
  assert.deepEqual(got.map((f) => Number(f.id)).sort((a, b) => a - b), [...want.keys()]);
  for (const f of got) assert.equal(sameFeature(f, want.get(Number(f.id))!), null);
  const like = await readWithGdal(source, 'van_hoa.diem_di_san_dia_chat', { where: "ten LIKE 'Hang%' AND xep_hang IN ('Quốc gia', 'Cấp tỉnh')" });
  const wantLike = await sqlFeatures(server.owner, 'van_hoa.diem_di_san_dia_chat', "ten like 'Hang%' and xep_hang in ('Quốc gia', 'Cấp tỉnh')");
  assert.deepEqual(like.map((f) => Number(f.id)).sort((a, b) => a - b), [...wantLike.keys()]);
});

test('a spatial filter goes to the server as bbox', async () => {
  const got = await readWithGdal(source, 'tai_nguyen.song_suoi', { spat: [105.9, 22.5, 106.4, 22.8], open: ['PAGE_SIZE=10000'] });
  const want = await sqlFeatures(server.owner, 'tai_nguyen.song_suoi', 'st_intersects(geom, st_makeenvelope(105.9, 22.5, 106.4, 22.8, 4326))');
  assert.deepEqual(got.map((f) => Number(f.id)).sort((a, b) => a - b), [...want.keys()]);
});

test('with the demo API key GDAL lists and reads the restricted BTS layer, and still not the other one', async () => {
  const { stdout } = await gdal('ogrinfo', ['-ro', '-so', source], { apiKey: DEMO_API_KEY });
  assert.match(stdout, /thong_tin\.tram_bts/);
  assert.ok(!stdout.includes('quan_trac_moi_truong'));
  const got = await readWithGdal(source, 'thong_tin.tram_bts', { apiKey: DEMO_API_KEY, open: ['PAGE_SIZE=10000'] });
  const want = await sqlFeatures(server.owner, 'thong_tin.tram_bts');
  assert.equal(got.length, want.size);
  for (const f of got) assert.equal(sameFeature(f, want.get(Number(f.id))!), null, String(f.id));
});
