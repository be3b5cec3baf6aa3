// Composite tiles (a list of layers, a sector) on the demo data: each visible layer is its own MVT layer with
// exactly the features of its own tile; restricted layers only for those who may read them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { login } from '../server/testing/http.ts';
import { startTestServer, type TestServer } from '../server/testing/server.ts';

const CITY_Z12 = { z: 12, x: 3256, y: 1783 };
const PUBLIC_LAYERS = ['tai_nguyen.ranh_gioi_xa', 'do_thi.duong_do_thi', 'tai_nguyen.song_suoi', 'cong_thuong.cho'];
const BTS = 'thong_tin.tram_bts';
const STATIONS = 'tai_nguyen.quan_trac_moi_truong';
const gz = { 'accept-encoding': 'gzip' };
const compositeUrl = (ids: string[], t = CITY_Z12) => `/tiles/composite/${t.z}/${t.x}/${t.y}.mvt?layers=${ids.join(',')}`;

function decode(bytes: Buffer) {
  return new VectorTile(new PbfReader(bytes));
}

/** Every feature of every MVT layer, as comparable data. */
function contents(bytes: Buffer): Record<string, unknown[]> {
  const tile = decode(bytes);
  return Object.fromEntries(Object.entries(tile.layers).map(([id, layer]) => [id, Array.from({ length: layer.length }, (_, i) => {
    const f = layer.feature(i);
    return { id: f.id, type: f.type, properties: { ...f.properties }, geometry: f.loadGeometry().map((ring) => ring.map((p) => [p.x, p.y])) };
  })]));
}

describe('composite tiles', () => {
  let server: TestServer;
  let btsReader: string;
  let stationsReader: string;

  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers: { ...gz, ...headers } });
  const tileBytes = async (url: string, headers: Record<string, string> = {}) => {
    const res = await get(url, headers);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return zlib.gunzipSync(res.rawPayload);
  };

  before(async () => {
    server = await startTestServer({ demo: true });
    btsReader = (await login(server.url, 'xem.xaydung', DEMO_PASSWORD)).cookie;
    stationsReader = (await login(server.url, 'bientap.tnmt', DEMO_PASSWORD)).cookie;
  });

  after(async () => {
    await server?.close();
  });

  test('each listed layer is its own MVT layer, holding exactly what the layer\'s own tile holds', async () => {
    const composite = contents(await tileBytes(compositeUrl(PUBLIC_LAYERS)));
    assert.deepEqual(Object.keys(composite), PUBLIC_LAYERS, 'in the order asked for');
    for (const id of PUBLIC_LAYERS) {
      const own = contents(await tileBytes(`/tiles/${id}/${CITY_Z12.z}/${CITY_Z12.x}/${CITY_Z12.y}.mvt`));
      assert.ok((own[id] ?? []).length > 0, `${id} has features in the city`);
      assert.deepEqual(composite[id], own[id], id);
    }
    // Vietnamese text intact through the concatenation.
    assert.ok((composite['do_thi.duong_do_thi'] as Array<{ properties: { ten: string } }>).some((f) => /^Đường /.test(f.properties.ten)));
  });

  test('GDAL\'s MVT driver reads a composite: every layer, with its features', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-mvt-'));
    try {
      const file = path.join(dir, 'composite.mvt');
      const bytes = await tileBytes(compositeUrl(PUBLIC_LAYERS));
      fs.writeFileSync(file, bytes);
      const out = execFileSync('/usr/bin/ogrinfo',
        ['-ro', '-so', '-al', '-oo', `X=${CITY_Z12.x}`, '-oo', `Y=${CITY_Z12.y}`, '-oo', `Z=${CITY_Z12.z}`, file], { encoding: 'utf8' });
      const tile = decode(bytes);
      for (const id of PUBLIC_LAYERS) {
        const block = out.split(/\nLayer name: /).find((b) => b.startsWith(`${id}\n`));
        assert.ok(block, `${id} in:\n${out}`);
        assert.match(block, new RegExp(`Feature Count: ${tile.layers[id]!.length}\\n`));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a restricted layer is left out, silently, for those who may not read it, and included for its readers', async () => {
    const ids = ['cong_thuong.cho', BTS];
    const anonymous = await get(compositeUrl(ids));
    assert.equal(anonymous.statusCode, 200);
    assert.deepEqual(Object.keys(decode(zlib.gunzipSync(anonymous.rawPayload)).layers), ['cong_thuong.cho']);
    // Something asked for was left out: the answer depends on who asks, so no shared cache may keep it.
    assert.equal(anonymous.headers['cache-control'], 'private, max-age=0, must-revalidate');
    assert.match(anonymous.headers.vary as string, /Cookie/);

    for (const headers of [{ cookie: btsReader }, { authorization: `Bearer ${DEMO_API_KEY}` }] as Array<Record<string, string>>) {
      const res = await get(compositeUrl(ids), headers);
      assert.equal(res.statusCode, 200);
      const layers = decode(zlib.gunzipSync(res.rawPayload)).layers;
      assert.deepEqual(Object.keys(layers), ['cong_thuong.cho', BTS]);
      assert.ok(layers[BTS]!.length > 0);
      assert.equal(res.headers['cache-control'], 'private, max-age=0, must-revalidate');
      assert.notEqual(res.headers.etag, anonymous.headers.etag);
    }
    // Another agency's editor reads stations, not base stations.
    const other = await get(compositeUrl([BTS, STATIONS, 'cong_thuong.cho'], { z: 10, x: 814, y: 445 }), { cookie: stationsReader });
    assert.deepEqual(Object.keys(decode(zlib.gunzipSync(other.rawPayload)).layers), [STATIONS, 'cong_thuong.cho']);
  });

  test('an unknown layer id is left out exactly like a restricted one: the answers cannot be told apart', async () => {
    const restricted = await get(compositeUrl(['cong_thuong.cho', BTS]));
    const unknown = await get(compositeUrl(['cong_thuong.cho', 'thong_tin.khong_co']));
    assert.equal(unknown.statusCode, restricted.statusCode);
    assert.deepEqual(unknown.rawPayload, restricted.rawPayload);
    for (const h of ['etag', 'cache-control', 'vary', 'content-type', 'content-encoding']) assert.equal(unknown.headers[h], restricted.headers[h], h);

    for (const lonely of [[BTS], ['thong_tin.khong_co'], [BTS, STATIONS]]) {
      const res = await get(compositeUrl(lonely));
      assert.equal(res.statusCode, 404, lonely.join());
      assert.equal(res.json().code, 'layer_not_found');
      assert.ok(!res.body.includes('Trạm') && !res.body.includes('Sở Thông tin'), res.body);
    }
    const [a, b] = await Promise.all([get(compositeUrl([BTS])), get(compositeUrl(['thong_tin.khong_co']))]);
    assert.deepEqual(JSON.parse(a.body.replaceAll(BTS, 'X')), JSON.parse(b.body.replaceAll('thong_tin.khong_co', 'X')));
  });

  test('a malformed list is 400 invalid_layers; a bad address 400 invalid_tile', async () => {
    const many = Array.from({ length: 65 }, (_, i) => `van_hoa.lop_${i}`).join(',');
    for (const q of ['', 'layers=', 'layers=,', 'layers=cho', 'layers=Cong_thuong.cho', 'layers=cong_thuong.cho;drop', `layers=${many}`,
      'layers=cong_thuong.cho%00']) {
      const res = await get(`/tiles/composite/12/3256/1783.mvt?${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.equal(res.json().code, 'invalid_layers', q);
    }
    const bad = await get('/tiles/composite/12/9999/1783.mvt?layers=cong_thuong.cho');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_tile');
    // Repeated ids count once.
    const twice = contents(await tileBytes(compositeUrl(['cong_thuong.cho', 'cong_thuong.cho'])));
    assert.deepEqual(Object.keys(twice), ['cong_thuong.cho']);
  });

  test('each layer starts at its own minimum zoom; a tile where none has anything is 204', async () => {
    // z8: the province outline (from 0) is in, the markets (from 9) are not, though they are there.
    const z8 = { z: 8, x: 203, y: 111 };
    const layers = decode(await tileBytes(compositeUrl(['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho'], z8))).layers;
    assert.deepEqual(Object.keys(layers), ['tai_nguyen.ranh_gioi_tinh']);
    const z9 = decode(await tileBytes(compositeUrl(['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho'], { z: 9, x: 407, y: 222 }))).layers;
    assert.deepEqual(Object.keys(z9), ['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho']);
    const empty = await get(compositeUrl(PUBLIC_LAYERS, { z: 12, x: 0, y: 0 }));
    assert.equal(empty.statusCode, 204);
    assert.equal(empty.rawPayload.length, 0);
  });

  test('plain bytes for clients without gzip, the same tile; ETag and 304', async () => {
    const url = compositeUrl(PUBLIC_LAYERS);
    const zipped = await get(url);
    const plain = await server.app.inject({ method: 'GET', url });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    assert.deepEqual(plain.rawPayload, zlib.gunzipSync(zipped.rawPayload));
    assert.equal(zipped.headers['cache-control'], 'public, max-age=60');
    const again = await get(url, { 'if-none-match': zipped.headers.etag as string });
    assert.equal(again.statusCode, 304);
    // Another list with the same layers in another order is another tile set with another tag.
    const reordered = await get(compositeUrl([...PUBLIC_LAYERS].reverse()));
    assert.notEqual(reordered.headers.etag, zipped.headers.etag);
  });

  test('a sector\'s tiles hold the sector\'s layers the caller may read', async () => {
    const t = { z: 10, x: 814, y: 445 };
    const url = `/tiles/sector/tai_nguyen/${t.z}/${t.x}/${t.y}.mvt`;
    const anonymous = decode(await tileBytes(url)).layers;
    assert.deepEqual(Object.keys(anonymous).sort(), ['tai_nguyen.ho_ao', 'tai_nguyen.ranh_gioi_tinh', 'tai_nguyen.ranh_gioi_xa', 'tai_nguyen.song_suoi']);
    const editor = decode(await tileBytes(url, { cookie: stationsReader })).layers;
    assert.deepEqual(Object.keys(editor).sort(), [...Object.keys(anonymous), STATIONS].sort());
    assert.deepEqual(contents(await tileBytes(url))['tai_nguyen.song_suoi'],
      contents(await tileBytes(`/tiles/tai_nguyen.song_suoi/${t.z}/${t.x}/${t.y}.mvt`))['tai_nguyen.song_suoi']);
    for (const bad of ['/tiles/sector/khong_co/10/814/445.mvt', '/tiles/sector/khong_co.json', '/tiles/sector/X%00/10/814/445.mvt']) {
      const res = await get(bad);
      assert.equal(res.statusCode, 404, bad);
      assert.equal(res.json().code, 'sector_not_found', bad);
    }
  });

  test('TileJSON for a list and for a sector: vector_layers, zoom range, attribution, working tile URLs', async () => {
    const res = await get(`/tiles/composite.json?layers=${['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho', BTS].join(',')}`);
    assert.equal(res.statusCode, 200);
    const tj = res.json();
    assert.equal(tj.tilejson, '3.0.0');
    assert.deepEqual(tj.vector_layers.map((l: { id: string }) => l.id), ['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho'], 'no restricted layer');
    assert.equal(tj.minzoom, 0);
    assert.equal(tj.maxzoom, 22);
    assert.deepEqual(tj.vector_layers[1].fields.ten, 'String');
    assert.equal(tj.vector_layers[1].minzoom, 9);
    assert.match(tj.attribution, /Sở Công Thương · .* · cập nhật \d\d\/\d\d\/\d{4}; |; Sở Công Thương/);
    assert.match(tj.attribution, /Sở Tài nguyên và Môi trường/);
    // The tile URL repeats the list as asked (so one style serves every caller); nothing else tells the
    // restricted id from an unknown one.
    const unknown = await get(`/tiles/composite.json?layers=${['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho', 'thong_tin.khong_co'].join(',')}`);
    assert.deepEqual(JSON.parse(res.body.replaceAll(BTS, 'X')), JSON.parse(unknown.body.replaceAll('thong_tin.khong_co', 'X')));
    assert.ok(!res.body.includes('Trạm thu phát') && !res.body.includes('Thông tin và Truyền thông'));
    assert.equal(res.headers['cache-control'], 'private, max-age=0, must-revalidate');
    const link = new URL((tj.tiles[0] as string).replace('{z}', '9').replace('{x}', '407').replace('{y}', '222'));
    assert.deepEqual(Object.keys(decode(await tileBytes(link.pathname + link.search)).layers), ['tai_nguyen.ranh_gioi_tinh', 'cong_thuong.cho']);
    const [w, s, e, n] = tj.bounds as number[];
    assert.ok(w! < 105.4 && e! > 106.7 && s! < 22.5 && n! > 23, `${tj.bounds}`);

    const sector = (await get('/tiles/sector/do_thi.json')).json();
    assert.deepEqual(sector.vector_layers.map((l: { id: string }) => l.id), ['do_thi.duong_do_thi', 'do_thi.den_chieu_sang']);
    assert.equal(sector.name, 'Hạ tầng đô thị');
    assert.equal(sector.minzoom, 11);
    assert.match(sector.tiles[0], /\/tiles\/sector\/do_thi\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
    assert.equal(sector.vector_layers[1].aggregation.groupedBy, 'trang_thai');
  });
});
