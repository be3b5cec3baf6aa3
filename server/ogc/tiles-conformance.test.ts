// The OGC API - Tiles classes /ogc/conformance declares, each checked against what its requirements ask of the
// served resources (OGC 20-057 and OGC 17-083r4), on the demo data: following the links a client follows, not
// fixed paths, so a broken link fails here.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { FEATURES_CONFORMANCE, TILES_CONFORMANCE } from './conformance.ts';

const PLACES = 'van_hoa.diem_di_san_dia_chat';
const REL_TILING_SCHEME = 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme';
const REL_TILESETS_VECTOR = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector';
const TMS_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';
const MVT = 'application/vnd.mapbox-vector-tile';
const TILES = 'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/';

interface Link { rel: string; href: string; type?: string; templated?: boolean }

let server: TestServer;

async function get(url: string) {
  const res = await fetch(url.startsWith('http') ? url : `${server.url}${url}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, bytes, json: /json/.test(type) ? JSON.parse(bytes.toString('utf8')) : null };
}

const linkOf = (links: Link[], rel: string) => {
  const link = links.find((l) => l.rel === rel);
  assert.ok(link, `a link with rel ${rel} among ${links.map((l) => l.rel).join(', ')}`);
  return link;
};

/** Column and row of the WebMercatorQuad tile holding a point, and the point's position inside it (0…1). */
function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const phi = (lat * Math.PI) / 180;
  const x = ((lon + 180) / 360) * n;
  const y = ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n;
  return { col: Math.floor(x), row: Math.floor(y), fx: x - Math.floor(x), fy: y - Math.floor(y) };
}

const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));

before(async () => {
  server = await startTestServer({ demo: true });
});
after(async () => {
  await server?.close();
});

describe('OGC API - Tiles conformance', () => {
  test('the declaration lists the tiles classes that are served, and none that are not', async () => {
    const r = await get('/ogc/conformance');
    assert.deepEqual(r.json.conformsTo, [...FEATURES_CONFORMANCE, ...TILES_CONFORMANCE]);
    for (const c of ['core', 'tileset', 'tilesets-list', 'geodata-tilesets', 'mvt', 'oas30']) assert.ok(r.json.conformsTo.includes(`${TILES}${c}`), c);
    // No tiles of the whole dataset (/ogc/tiles), no collections= selection, no raster tiles.
    for (const c of ['dataset-tilesets', 'collections-selection', 'geodata-selection', 'datetime', 'png', 'jpeg', 'geojson']) {
      assert.ok(!r.json.conformsTo.includes(`${TILES}${c}`), c);
    }
    assert.equal((await get('/ogc/tiles')).status, 404);
  });

  test('geodata-tilesets: every collection links its tilesets list at its own URI + /tiles, with rel tilesets-vector', async () => {
    const { json } = await get('/ogc/collections');
    assert.ok(json.collections.length > 5);
    for (const c of json.collections as { id: string; links: Link[] }[]) {
      const self = linkOf(c.links, 'self').href;
      const tilesets = linkOf(c.links, REL_TILESETS_VECTOR);
      assert.equal(tilesets.href, `${self}/tiles`);
      const list = await get(tilesets.href);
      assert.equal(list.status, 200, c.id);
      assert.ok(list.json.tilesets.length >= 1, c.id);
    }
  });

  test('tilesets-list: each tileset has dataType, crs, tileMatrixSetURI, a tiling-scheme link and a self link to its full metadata', async () => {
    const list = await get(`/ogc/collections/${PLACES}/tiles`);
    assert.equal(list.status, 200);
    assert.match(list.type, /^application\/json/);
    assert.ok(Array.isArray(list.json.tilesets) && list.json.tilesets.length === 1);
    for (const ts of list.json.tilesets as { dataType: string; crs: string; tileMatrixSetURI: string; links: Link[] }[]) {
      assert.equal(ts.dataType, 'vector');
      assert.equal(ts.crs, 'http://www.opengis.net/def/crs/EPSG/0/3857');
      assert.equal(ts.tileMatrixSetURI, TMS_URI);
      assert.equal((await get(linkOf(ts.links, REL_TILING_SCHEME).href)).json.uri, TMS_URI);
      const full = await get(linkOf(ts.links, 'self').href);
      assert.equal(full.status, 200);
      assert.equal(full.json.dataType, ts.dataType);
      assert.equal(full.json.tileMatrixSetURI, ts.tileMatrixSetURI);
    }
  });

  test('tileset and core: the metadata\'s templated item link, filled in, gives the tile; out of the limits 404, no data 204', async () => {
    const meta = (await get(`/ogc/collections/${PLACES}/tiles/WebMercatorQuad`)).json;
    // TMS 2.0 tileset metadata: dataType and crs required; limits as tileMatrix/min/max rows and columns.
    assert.equal(meta.dataType, 'vector');
    assert.equal(typeof meta.crs, 'string');
    assert.equal(meta.tileMatrixSetURI, TMS_URI);
    for (const l of meta.tileMatrixSetLimits) {
      assert.deepEqual(Object.keys(l).sort(), ['maxTileCol', 'maxTileRow', 'minTileCol', 'minTileRow', 'tileMatrix']);
      assert.ok(l.minTileRow <= l.maxTileRow && l.minTileCol <= l.maxTileCol);
    }
    assert.equal((await get(linkOf(meta.links, REL_TILING_SCHEME).href)).status, 200);
    const item = linkOf(meta.links, 'item');
    assert.equal(item.templated, true);
    assert.equal(item.type, MVT);
    for (const v of ['{tileMatrix}', '{tileRow}', '{tileCol}']) assert.ok(item.href.includes(v), v);

    const { rows: [p] } = await server.owner.query(`select st_x(geom) x, st_y(geom) y from ${PLACES} where ten = 'Thác Bản Giốc'`);
    const z = Number(meta.layers[0].maxTileMatrix);
    const t = tileOf(p.x, p.y, z);
    const limits = meta.tileMatrixSetLimits.find((l: { tileMatrix: string }) => l.tileMatrix === String(z));
    assert.ok(t.row >= limits.minTileRow && t.row <= limits.maxTileRow && t.col >= limits.minTileCol && t.col <= limits.maxTileCol);
    const tile = await get(fill(item.href, { tileMatrix: z, tileRow: t.row, tileCol: t.col }));
    assert.equal(tile.status, 200);
    assert.equal(tile.type, MVT);

    // Out of range: a tile matrix without limits, a row past the matrix.
    const below = Number(meta.layers[0].minTileMatrix) - 1;
    assert.ok([400, 404].includes((await get(fill(item.href, { tileMatrix: below, tileRow: 0, tileCol: 0 }))).status));
    assert.ok([400, 404].includes((await get(fill(item.href, { tileMatrix: z, tileRow: 2 ** z, tileCol: 0 }))).status));
    // Inside the tile matrix set but far from the province (the Pacific): no content.
    const empty = tileOf(-150, 0, z);
    assert.equal((await get(fill(item.href, { tileMatrix: z, tileRow: empty.row, tileCol: empty.col }))).status, 204);
  });

  test('mvt: one tile per response, each feature with a geometry type, its grid mapping linearly onto the tile\'s extent', async () => {
    const meta = (await get(`/ogc/collections/${PLACES}/tiles/WebMercatorQuad`)).json;
    const item = linkOf(meta.links, 'item');
    const { rows: [p] } = await server.owner.query(`select st_x(geom) x, st_y(geom) y from ${PLACES} where ten = 'Thác Bản Giốc'`);
    const z = Number(meta.layers[0].maxTileMatrix);
    const t = tileOf(p.x, p.y, z);
    const tile = await get(fill(item.href, { tileMatrix: z, tileRow: t.row, tileCol: t.col }));
    const body = tile.bytes[0] === 0x1f && tile.bytes[1] === 0x8b ? zlib.gunzipSync(tile.bytes) : tile.bytes;
    const vt = new VectorTile(new PbfReader(body));
    assert.deepEqual(Object.keys(vt.layers), [PLACES]);
    const layer = vt.layers[PLACES]!;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    assert.ok(features.length > 0);
    for (const f of features) assert.equal(f.type, 1, 'points');
    const falls = features.find((f) => f.properties.ten === 'Thác Bản Giốc');
    assert.ok(falls, 'the falls are in their tile');
    const pt = falls.loadGeometry()[0]![0]!;
    // (0, 0) is the tile's top left corner and (extent, extent) its bottom right.
    assert.ok(Math.abs(pt.x - t.fx * layer.extent) <= 1, `${pt.x} vs ${t.fx * layer.extent}`);
    assert.ok(Math.abs(pt.y - t.fy * layer.extent) <= 1, `${pt.y} vs ${t.fy * layer.extent}`);
  });

  test('TMS 2.0 JSON: the tiling scheme the links point to is a complete tile matrix set, as application/json', async () => {
    const list = await get('/ogc/tileMatrixSets');
    const href = linkOf(list.json.tileMatrixSets[0].links, 'self').href;
    const tms = await get(href);
    assert.match(tms.type, /^application\/json/);
    assert.equal(tms.json.uri, TMS_URI);
    assert.equal(tms.json.crs, 'http://www.opengis.net/def/crs/EPSG/0/3857');
    assert.ok(tms.json.tileMatrices.length > 20);
    for (const [i, m] of (tms.json.tileMatrices as Record<string, unknown>[]).entries()) {
      for (const k of ['id', 'scaleDenominator', 'cellSize', 'pointOfOrigin', 'tileWidth', 'tileHeight', 'matrixWidth', 'matrixHeight']) assert.ok(k in m, `${i} ${k}`);
      assert.equal(m.id, String(i));
      assert.equal(m.matrixWidth, 2 ** i);
      assert.equal(m.matrixHeight, 2 ** i);
    }
  });

  test('oas30: the API definition has a path, with its parameters, for the tilesets list, the tileset, the tile and the tiling schemes', async () => {
    const doc = (await get('/ogc/api')).json;
    const paths: Record<string, Record<string, { parameters?: { $ref?: string; name?: string }[] }>> = doc.paths;
    const base = `${server.url}/ogc`;
    const meta = (await get(`/ogc/collections/${PLACES}/tiles/WebMercatorQuad`)).json;
    const linked = [
      `${base}/collections/${PLACES}/tiles`,
      linkOf(meta.links, 'self').href,
      linkOf(meta.links, 'item').href,
      linkOf(meta.links, REL_TILING_SCHEME).href,
      `${base}/tileMatrixSets`,
    ];
    const parameterName = (p: { $ref?: string; name?: string }) => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!].name : p.name);
    for (const href of linked) {
      const rest = href.slice(base.length);
      // The OpenAPI path whose template matches this link (variables in either are any one segment).
      const match = Object.keys(paths).find((path) => {
        const pattern = new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);
        return pattern.test(rest.replace(/\{[^}]+\}/g, 'x'));
      });
      assert.ok(match, `a path for ${rest}`);
      const names = (paths[match]!.get!.parameters ?? []).map(parameterName);
      for (const variable of match.match(/\{[^}]+\}/g) ?? []) assert.ok(names.includes(variable.slice(1, -1)), `${match}: ${variable}`);
    }
    assert.deepEqual(doc.components.parameters.tileMatrixSetId.schema.enum, ['WebMercatorQuad']);
  });
});
