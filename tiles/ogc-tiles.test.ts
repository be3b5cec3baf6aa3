import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { login } from '../server/testing/http.ts';
import { startTestServer, type TestServer } from '../server/testing/server.ts';

const MARKETS = 'cong_thuong.cho';
const BTS = 'thong_tin.tram_bts';
const TMS = 'WebMercatorQuad';
// x ≠ y, so a swapped order would fetch another tile.
const T = { z: 12, x: 3256, y: 1783 };

describe('OGC API – Tiles', () => {
  let server: TestServer;
  let btsReader: string;
  const get = (url: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip', ...headers } });

  before(async () => {
    server = await startTestServer({ demo: true });
    btsReader = (await login(server.url, 'xem.xaydung', DEMO_PASSWORD)).cookie;
  });

  after(async () => {
    await server?.close();
  });

  test('the tile matrix sets: WebMercatorQuad, as OGC 17-083r4 defines it', async () => {
    const list = (await get('/ogc/tileMatrixSets')).json();
    assert.deepEqual(list.tileMatrixSets.map((t: { id: string }) => t.id), [TMS]);
    assert.match(list.tileMatrixSets[0].links[0].href, /\/ogc\/tileMatrixSets\/WebMercatorQuad$/);
    const res = await get(`/ogc/tileMatrixSets/${TMS}`);
    assert.equal(res.statusCode, 200);
    const tms = res.json();
    assert.equal(tms.uri, 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad');
    assert.equal(tms.crs, 'http://www.opengis.net/def/crs/EPSG/0/3857');
    assert.equal(tms.tileMatrices.length, 25);
    const [m0, m12] = [tms.tileMatrices[0], tms.tileMatrices[12]];
    assert.deepEqual({ ...m0, scaleDenominator: undefined, cellSize: undefined }, {
      id: '0', cornerOfOrigin: 'topLeft', pointOfOrigin: [-20037508.3427892, 20037508.3427892], tileWidth: 256, tileHeight: 256,
      matrixWidth: 1, matrixHeight: 1, scaleDenominator: undefined, cellSize: undefined,
    });
    assert.ok(Math.abs(m0.scaleDenominator - 559082264.028717) < 1e-6);
    assert.ok(Math.abs(m0.cellSize * 256 - 2 * 20037508.3427892) < 1e-3);
    assert.equal(m12.matrixWidth, 4096);
    assert.ok(Math.abs(m12.scaleDenominator - 136494.693366) < 1e-3);
    const other = await get('/ogc/tileMatrixSets/WorldCRS84Quad');
    assert.equal(other.statusCode, 404);
    assert.deepEqual(Object.keys(other.json()).sort(), ['code', 'description']);
    assert.equal(other.json().code, 'tile_matrix_set_not_found');
  });

  test('a collection\'s tilesets and the tileset metadata: limits, layer schema, links', async () => {
    const tilesets = (await get(`/ogc/collections/${MARKETS}/tiles`)).json();
    assert.equal(tilesets.tilesets.length, 1);
    const ts = tilesets.tilesets[0];
    assert.equal(ts.dataType, 'vector');
    assert.equal(ts.tileMatrixSetURI, 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad');
    const item = ts.links.find((l: { rel: string }) => l.rel === 'item');
    assert.equal(item.type, 'application/vnd.mapbox-vector-tile');
    assert.equal(item.templated, true);
    assert.match(item.href, /\/ogc\/collections\/cong_thuong\.cho\/tiles\/WebMercatorQuad\/\{tileMatrix\}\/\{tileRow\}\/\{tileCol\}$/);
    assert.ok(ts.links.some((l: { rel: string; href: string }) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme' && l.href.endsWith(`/ogc/tileMatrixSets/${TMS}`)));

    const meta = (await get(`/ogc/collections/${MARKETS}/tiles/${TMS}`)).json();
    assert.equal(meta.title, 'Chợ');
    assert.match(meta.attribution, /^Sở Công Thương · .* · cập nhật \d\d\/\d\d\/\d{4}$/);
    assert.deepEqual(meta.tileMatrixSetLimits.map((l: { tileMatrix: string }) => l.tileMatrix), Array.from({ length: 14 }, (_, i) => String(i + 9)));
    const z12 = meta.tileMatrixSetLimits.find((l: { tileMatrix: string }) => l.tileMatrix === '12');
    const { rows: [e] } = await server.owner.query(
      `select min(x) as x0, max(x) as x1, min(y) as y0, max(y) as y1 from (
         select floor((st_x(geom) + 180) / 360 * 4096) as x,
                floor((1 - ln(tan(radians(st_y(geom))) + 1 / cos(radians(st_y(geom)))) / pi()) / 2 * 4096) as y
         from cong_thuong.cho) t`);
    // The limits cover every market (the bounds are padded, so they may reach a tile further).
    assert.ok(z12.minTileCol <= e.x0 && z12.maxTileCol >= e.x1 && z12.minTileRow <= e.y0 && z12.maxTileRow >= e.y1, JSON.stringify([z12, e]));
    assert.ok(z12.maxTileCol - z12.minTileCol <= e.x1 - e.x0 + 2);
    const [layer] = meta.layers;
    assert.equal(layer.id, MARKETS);
    assert.equal(layer.geometryDimension, 0);
    assert.equal(layer.minTileMatrix, '9');
    assert.deepEqual(layer.propertiesSchema.properties.ten, { type: 'string', title: 'Tên chợ' });
    assert.deepEqual(layer.propertiesSchema.properties.so_diem_kinh_doanh, { type: 'integer', title: 'Số điểm kinh doanh' });
    assert.equal(layer.propertiesSchema.properties._count.type, 'integer');
    const roads = (await get(`/ogc/collections/giao_thong.quoc_lo/tiles/${TMS}`)).json();
    assert.equal(roads.layers[0].geometryDimension, 1);
  });

  test('a tile is addressed tileMatrix/tileRow/tileCol and is the same tile as /tiles z/x/y', async () => {
    const ogc = await get(`/ogc/collections/${MARKETS}/tiles/${TMS}/${T.z}/${T.y}/${T.x}`);
    assert.equal(ogc.statusCode, 200);
    assert.equal(ogc.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    const xyz = await get(`/tiles/${MARKETS}/${T.z}/${T.x}/${T.y}.mvt`);
    assert.deepEqual(ogc.rawPayload, xyz.rawPayload);
    assert.equal(ogc.headers.etag, xyz.headers.etag);
    const layer = new VectorTile(new PbfReader(zlib.gunzipSync(ogc.rawPayload))).layers[MARKETS]!;
    assert.ok(layer.length > 0);
    const swapped = await get(`/ogc/collections/${MARKETS}/tiles/${TMS}/${T.z}/${T.x}/${T.y}`);
    assert.notDeepEqual(swapped.rawPayload, ogc.rawPayload);
  });

  test('restricted collections: readers only; to others exactly like an unknown one, in OGC exception JSON', async () => {
    const paths = (id: string) => [`/ogc/collections/${id}/tiles`, `/ogc/collections/${id}/tiles/${TMS}`,
      `/ogc/collections/${id}/tiles/${TMS}/${T.z}/${T.y}/${T.x}`, `/ogc/collections/${id}/tiles/Nope/${T.z}/${T.y}/${T.x}`,
      `/ogc/collections/${id}/tiles/${TMS}/99/0/0`];
    const unknown = 'thong_tin.khong_co';
    const secret = paths(BTS);
    const missing = paths(unknown);
    for (let i = 0; i < secret.length; i++) {
      const a = await get(secret[i]!);
      const b = await get(missing[i]!);
      assert.equal(a.statusCode, 404, secret[i]);
      assert.deepEqual(JSON.parse(a.body.replaceAll(BTS, 'X')), JSON.parse(b.body.replaceAll(unknown, 'X')), secret[i]);
      assert.equal(a.json().code, 'layer_not_found');
      assert.ok(!a.body.includes('Trạm'));
    }
    const asReader = await get(secret[2]!, { cookie: btsReader });
    assert.equal(asReader.statusCode, 200);
    assert.equal(asReader.headers['cache-control'], 'private, max-age=0, must-revalidate');
    assert.equal((await get(secret[1]!, { cookie: btsReader })).json().layers[0].id, BTS);
  });

  test('outside the tile matrix set limits\' zooms 404; a bad address 400; an unknown scheme 404', async () => {
    const below = await get(`/ogc/collections/${MARKETS}/tiles/${TMS}/8/111/203`);
    assert.equal(below.statusCode, 404);
    assert.equal(below.json().code, 'tile_not_found');
    const bad = await get(`/ogc/collections/${MARKETS}/tiles/${TMS}/12/4096/0`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_tile');
    assert.equal(typeof bad.json().description, 'string');
    const scheme = await get(`/ogc/collections/${MARKETS}/tiles/WorldCRS84Quad/12/0/0`);
    assert.equal(scheme.statusCode, 404);
    assert.equal(scheme.json().code, 'tile_matrix_set_not_found');
    const empty = await get(`/ogc/collections/${MARKETS}/tiles/${TMS}/12/0/0`);
    assert.equal(empty.statusCode, 204);
  });
});
