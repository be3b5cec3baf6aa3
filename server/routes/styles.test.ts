import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
// MapLibre's own style validator: what the browser would reject, this rejects.
import { validateStyleMin, type LayerSpecification, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { PbfReader } from 'pbf';
import { DEMO_PASSWORD } from '../../infra/demo/accounts.ts';
import { loadConfig } from '../config.ts';
import { login } from '../testing/http.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import type { Catalog } from '../../web/src/catalog.ts';

const BTS = 'thong_tin.tram_bts';

describe('MapLibre styles', () => {
  let server: TestServer;
  let btsReader: string;
  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers });
  const style = async (url: string, headers: Record<string, string> = {}) => {
    const res = await get(url, headers);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return { res, style: res.json() as StyleSpecification };
  };
  const offline = (s: StyleSpecification) => {
    assert.deepEqual(validateStyleMin(s), []);
    assert.equal(s.glyphs, undefined);
    assert.equal(s.sprite, undefined);
    assert.ok(s.layers.every((l) => l.type !== 'symbol' && l.type !== 'raster'));
  };
  const paintOf = (s: StyleSpecification, id: string) => (s.layers.find((l) => l.id === id) as { paint: Record<string, unknown> }).paint;

  before(async () => {
    server = await startTestServer({ demo: true });
    btsReader = (await login(server.url, 'xem.xaydung', DEMO_PASSWORD)).cookie;
  });

  after(async () => {
    await server?.close();
  });

  test('the default style is valid and needs nothing from the internet', async () => {
    offline((await style('/styles/default.json')).style);
    offline((await style('/styles/default.json', { cookie: btsReader })).style);
  });

  test('it draws every layer of the catalog, named after it, at its zooms, with the basemap marked as such', async () => {
    const { style: served } = await style('/styles/default.json');
    const catalog = (await get('/api/layers')).json() as Catalog;
    // Background; 12 public layers: 3 point, 4 line, 5 polygon (fill and outline), the province's land too.
    assert.equal(served.layers.length, 1 + 3 + 4 + 5 * 2 + 1);
    const parts = { point: ['circle'], line: ['line'], polygon: ['fill', 'outline'] };
    const drawn = served.layers.slice(1) as Array<LayerSpecification & { 'source-layer': string; minzoom: number; metadata: Record<string, unknown> }>;
    for (const layer of catalog.layers) {
      const own = drawn.filter((l) => l.metadata['cb:layer'] === layer.id);
      const expected = parts[layer.geometry_family].map((part) => `${layer.id}:${part}`);
      assert.deepEqual(own.map((l) => l.id).filter((id) => !id.endsWith(':land')).sort(), expected.sort(), layer.id);
      for (const l of own) {
        assert.equal(l['source-layer'], layer.id, l.id);
        assert.equal(l.minzoom, layer.min_zoom, l.id);
        assert.equal(l.metadata['cb:base'], ['tai_nguyen.ranh_gioi_tinh', 'tai_nguyen.ranh_gioi_xa', 'tai_nguyen.song_suoi', 'tai_nguyen.ho_ao'].includes(layer.id), l.id);
      }
    }
    assert.equal(drawn.filter((l) => typeof l.metadata['cb:layer'] === 'string').length, drawn.length, 'every drawn layer names its catalog layer');
    // The basemap is under the thematic layers, and points are on top.
    const ids = served.layers.map((l) => l.id);
    assert.deepEqual(ids.slice(0, 4), ['background', 'tai_nguyen.ranh_gioi_tinh:land', 'tai_nguyen.ranh_gioi_tinh:fill', 'tai_nguyen.ranh_gioi_xa:fill']);
    assert.ok(ids.indexOf('tai_nguyen.ranh_gioi_tinh:outline') < ids.indexOf('xay_dung.quy_hoach_su_dung_dat:fill'));
    assert.ok(ids.indexOf('tai_nguyen.ho_ao:fill') < ids.indexOf('nong_nghiep.vung_san_xuat:fill'));
    assert.ok(ids.slice(-3).every((id) => id.endsWith(':circle')), ids.slice(-3).join());
    // Categories become match expressions over the attribute, as text (the catalog's jsonb keeps its own key order).
    const matchOf = (expr: unknown) => {
      const m = expr as unknown[];
      assert.equal(m[0], 'match');
      return { input: m[1], pairs: Object.fromEntries(Array.from({ length: (m.length - 3) / 2 }, (_, i) => [m[2 + 2 * i], m[3 + 2 * i]])), otherwise: m.at(-1) };
    };
    const roadColor = paintOf(served, 'giao_thong.duong_dia_phuong:line')['line-color'] as unknown[];
    assert.deepEqual(roadColor.slice(0, 3), ['case', ['boolean', ['feature-state', 'selected'], false], '#111827']);
    assert.deepEqual(matchOf(roadColor[3]), { input: ['to-string', ['get', 'cap_duong']], otherwise: '#f0a04b',
      pairs: { 'Đường tỉnh': '#e6550d', 'Đường huyện': '#fd8d3c', 'Đường xã': '#fdae6b', 'Đường thôn, xóm': '#bdbdbd' } });
    assert.deepEqual(matchOf(paintOf(served, 'do_thi.den_chieu_sang:circle')['circle-color']), { input: ['to-string', ['get', 'trang_thai']],
      otherwise: '#ffcc00', pairs: { 'Hoạt động': '#ffcc00', 'Hỏng': '#e31a1c', 'Đang bảo trì': '#ff7f00' } });
    // Aggregated points grow with their count.
    const radius = JSON.stringify(paintOf(served, 'do_thi.den_chieu_sang:circle')['circle-radius']);
    assert.match(radius, /\["has","_count"\]/);
    assert.match(radius, /"log10"/);
  });

  test('one composite source for the whole map, listing exactly the layers the caller may read, and it serves them', async () => {
    const { res, style: anonymous } = await style('/styles/default.json');
    assert.deepEqual(Object.keys(anonymous.sources), ['cb']);
    const source = anonymous.sources.cb as { tiles: string[]; minzoom: number; maxzoom: number; bounds: number[]; attribution: string };
    const { rows } = await server.owner.query<{ id: string }>(
      `select l.id from catalog.layers l join catalog.sectors s on s.code = l.sector_code where visibility = 'public' order by s.sort, l.sort, l.id`);
    const listed = new URL(source.tiles[0]!.replace('{z}', '0').replace('{x}', '0').replace('{y}', '0')).searchParams.get('layers')!.split(',');
    assert.deepEqual(listed, rows.map((r) => r.id));
    assert.ok(!res.body.includes(BTS) && !res.body.includes('tai_nguyen.quan_trac_moi_truong'));
    assert.equal(res.headers['cache-control'], 'public, max-age=60');
    assert.match(res.headers.vary as string, /Cookie/);
    assert.equal(source.minzoom, 0);
    assert.match(source.attribution, /Sở Giao thông Vận tải/);
    assert.ok(anonymous.layers.filter((l) => l.type !== 'background').every((l) => (l as { source: string }).source === 'cb'));

    const url = new URL(source.tiles[0]!.replace('{z}', '12').replace('{x}', '3256').replace('{y}', '1783'));
    const tile = await get(url.pathname + url.search, { 'accept-encoding': 'gzip' });
    assert.equal(tile.statusCode, 200);
    const layers = Object.keys(new VectorTile(new PbfReader(zlib.gunzipSync(tile.rawPayload))).layers);
    for (const id of ['tai_nguyen.ranh_gioi_tinh', 'tai_nguyen.ranh_gioi_xa', 'do_thi.duong_do_thi', 'giao_thong.quoc_lo']) assert.ok(layers.includes(id), id);

    const { res: readerRes, style: reader } = await style('/styles/default.json', { cookie: btsReader });
    assert.ok((reader.sources.cb as { tiles: string[] }).tiles[0]!.includes(BTS));
    assert.ok(reader.layers.some((l) => l.id === `${BTS}:circle`));
    assert.equal(readerRes.headers['cache-control'], 'private, max-age=0, must-revalidate');
  });

  test('a layer\'s own style: the layer alone, from its own tiles and its catalog style', async () => {
    const { res, style: s } = await style('/styles/nong_nghiep.vung_san_xuat.json');
    offline(s);
    assert.deepEqual(Object.keys(s.sources), ['nong_nghiep.vung_san_xuat']);
    const source = s.sources['nong_nghiep.vung_san_xuat'] as { tiles: string[]; minzoom: number };
    assert.match(source.tiles[0]!, /\/tiles\/nong_nghiep\.vung_san_xuat\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
    assert.equal(source.minzoom, 8);
    assert.deepEqual(s.layers.map((l) => l.id), ['background', 'nong_nghiep.vung_san_xuat:fill', 'nong_nghiep.vung_san_xuat:outline']);
    assert.equal(paintOf(s, 'nong_nghiep.vung_san_xuat:outline')['line-color'] !== undefined, true);
    const fill = paintOf(s, 'nong_nghiep.vung_san_xuat:fill')['fill-color'] as unknown[];
    assert.deepEqual(fill.slice(0, 2), ['match', ['to-string', ['get', 'loai_cay']]]);
    assert.equal(fill[fill.indexOf('Lúa nước') + 1], '#d9f0a3');
    assert.equal(fill.length, 2 + 10 * 2 + 1);
    assert.equal(res.headers['cache-control'], 'public, max-age=60');

    const secret = await get(`/styles/${BTS}.json`);
    const unknown = await get('/styles/thong_tin.khong_co.json');
    assert.equal(secret.statusCode, 404);
    assert.deepEqual(JSON.parse(secret.body.replaceAll(BTS, 'X')), JSON.parse(unknown.body.replaceAll('thong_tin.khong_co', 'X')));
    const asReader = await style(`/styles/${BTS}.json`, { cookie: btsReader });
    offline(asReader.style);
    assert.equal(asReader.res.headers['cache-control'], 'private, max-age=0, must-revalidate');
  });

  test('a sector\'s style: the basemap from the other sectors, and the sector\'s layers from its composite', async () => {
    const { style: s } = await style('/styles/sector/do_thi.json');
    offline(s);
    assert.equal(s.name, 'Hạ tầng đô thị');
    const sector = s.sources.cb as { tiles: string[] };
    assert.match(sector.tiles[0]!, /\/tiles\/sector\/do_thi\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
    const basemap = s.sources['cb-basemap'] as { tiles: string[] };
    const listed = new URL(basemap.tiles[0]!.replace(/\{[zxy]\}/g, '0')).searchParams.get('layers')!.split(',');
    assert.deepEqual(listed, ['tai_nguyen.ranh_gioi_tinh', 'tai_nguyen.ranh_gioi_xa', 'tai_nguyen.song_suoi', 'tai_nguyen.ho_ao']);
    const ids = s.layers.map((l) => l.id);
    assert.ok(ids.includes('do_thi.den_chieu_sang:circle') && ids.includes('do_thi.duong_do_thi:line'));
    assert.ok(!ids.some((id) => id.startsWith('giao_thong.')));
    assert.ok(ids.indexOf('tai_nguyen.ranh_gioi_xa:outline') < ids.indexOf('do_thi.duong_do_thi:line'));
    // tai_nguyen's own style draws its basemap layers from its sector source, once.
    const { style: tn } = await style('/styles/sector/tai_nguyen.json');
    assert.deepEqual(Object.keys(tn.sources), ['cb']);
    assert.equal(tn.layers.filter((l) => l.id === 'tai_nguyen.ranh_gioi_tinh:land').length, 1);
    for (const bad of ['/styles/sector/khong_co.json', '/styles/sector/X%00.json']) {
      const res = await get(bad);
      assert.equal(res.statusCode, 404, bad);
      assert.equal(res.json().code, 'sector_not_found');
    }
  });

  test('the online basemap: offered hidden, over the land, only when configured', async () => {
    const { style: plain } = await style('/styles/default.json');
    assert.ok(!plain.layers.some((l) => l.type === 'raster') && !Object.values(plain.sources).some((src) => src.type === 'raster'));
    const online = await startTestServer({ demo: true, env: { ONLINE_BASEMAP_URL: 'http://127.0.0.1:9/nen/{z}/{x}/{y}.png', ONLINE_BASEMAP_ATTRIBUTION: '© Nền thử' } });
    try {
      const res = await online.app.inject({ method: 'GET', url: '/styles/default.json' });
      assert.equal(res.statusCode, 200);
      const s = res.json() as StyleSpecification;
      assert.deepEqual(validateStyleMin(s), []);
      assert.deepEqual(s.sources['online-basemap'], { type: 'raster', tiles: ['http://127.0.0.1:9/nen/{z}/{x}/{y}.png'], tileSize: 256, maxzoom: 19, attribution: '© Nền thử' });
      const layer = s.layers.find((l) => l.id === 'online-basemap') as LayerSpecification & { layout: { visibility: string } };
      assert.equal(layer.type, 'raster');
      assert.equal(layer.layout.visibility, 'none');
      assert.equal(s.layers.indexOf(layer), s.layers.findIndex((l) => l.id.endsWith(':land')) + 1);
      // The other styles stay offline.
      const sector = await online.app.inject({ method: 'GET', url: '/styles/sector/tai_nguyen.json' });
      assert.ok(!sector.body.includes('online-basemap'));
    } finally {
      await online.close();
    }
  });
});

describe('the online basemap setting', () => {
  test('is unset by default, and refuses what is not an http(s) tile URL template', () => {
    const env = { ...process.env, ONLINE_BASEMAP_URL: '', ONLINE_BASEMAP_ATTRIBUTION: '' };
    assert.equal(loadConfig(env).ONLINE_BASEMAP_URL, undefined);
    assert.equal(loadConfig({ ...env, ONLINE_BASEMAP_URL: 'https://t.example.vn/{z}/{x}/{y}.png' }).ONLINE_BASEMAP_URL, 'https://t.example.vn/{z}/{x}/{y}.png');
    assert.throws(() => loadConfig({ ...env, ONLINE_BASEMAP_URL: 'https://t.example.vn/{z}/{x}.png' }),
      { message: /ONLINE_BASEMAP_URL: a tile URL template with \{z\}, \{x\} and \{y\}/ });
    assert.throws(() => loadConfig({ ...env, ONLINE_BASEMAP_URL: 'file:///tiles/{z}/{x}/{y}.png' }), { message: /ONLINE_BASEMAP_URL: an http\(s\) URL/ });
  });
});
