// The GeoJSON reader: the three root shapes, typed fields, CRS from the crs member or the coordinates, and files that
// are not JSON, not GeoJSON, nested too deeply, mixed or broken, each refused with its own code or a per-feature
// problem. A file bigger than the scanner's chunk checks that streaming cuts features (and strings) correctly.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ENCODING_CONFIDENCE_THRESHOLD } from './encoding.ts';
import { openGeoJson } from './geojson-reader.ts';
import { ImportFileError } from './source.ts';
import { readAll } from './testing/features.ts';
import { scratchDir } from './testing/files.ts';

const scratch = scratchDir('geojson');
after(() => scratch.remove());

let seq = 0;
const file = (content: string | Buffer | object) =>
  scratch.write(`g${seq++}.geojson`, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
const open = (content: string | Buffer | object) => openGeoJson(file(content), { name: `g${seq}` });

async function refuses(promise: Promise<unknown>, code: string, message?: RegExp): Promise<ImportFileError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ImportFileError, `expected ImportFileError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

const feature = (geometry: object | null, properties: object | null = {}) => ({ type: 'Feature', geometry, properties });
const fc = (...features: object[]) => ({ type: 'FeatureCollection', features });
const pt = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] });

test('a FeatureCollection: fields typed from their values, values kept, bbox and WGS 84 checked against Cao Bằng', async () => {
  const ds = await open(fc(
    feature(pt(106.25, 22.67), { ten: 'Phường Sông Hiến', dan_so: 12000, dien_tich: 3.5, mo: true, ngay: '2024-01-31', ma: 'A1', ghi_chu: null, the: ['x'] }),
    feature(pt(106.72, 22.86), { ten: 'Thác Bản Giốc', dan_so: 0, dien_tich: 7, mo: false, ngay: '2023-12-01', ma: 7, ghi_chu: null, the: { a: 1 } }),
  ));
  assert.equal(ds.kind, 'geojson');
  assert.equal(ds.featureCount, 2);
  assert.equal(ds.geometryFamily, 'point');
  assert.deepEqual(ds.fields.map((f) => [f.name, f.type]), [
    ['ten', 'text'], ['dan_so', 'integer'], ['dien_tich', 'number'], ['mo', 'boolean'], ['ngay', 'date'], ['ma', 'text'], ['ghi_chu', 'text'], ['the', 'text'],
  ]);
  assert.deepEqual(ds.problems.map((p) => p.code), ['nested_property']);
  assert.deepEqual(ds.bbox, [106.25, 22.67, 106.72, 22.86]);
  assert.deepEqual([ds.crs.srid, ds.crs.source, ds.crs.needsConfirmation], [4326, 'default', false]);
  assert.equal(ds.encoding?.encoding, 'utf8');
  assert.ok((ds.encoding?.confidence ?? 0) >= ENCODING_CONFIDENCE_THRESHOLD);
  const got = await readAll(ds);
  assert.deepEqual(got[0]?.geometry, pt(106.25, 22.67));
  assert.deepEqual(got[0]?.properties, { ten: 'Phường Sông Hiến', dan_so: 12000, dien_tich: 3.5, mo: true, ngay: '2024-01-31', ma: 'A1', ghi_chu: null, the: '["x"]' });
  assert.deepEqual(got[1]?.properties, { ten: 'Thác Bản Giốc', dan_so: 0, dien_tich: 7, mo: false, ngay: '2023-12-01', ma: '7', ghi_chu: null, the: '{"a":1}' });
});

test('a single Feature and a bare geometry are one feature each; lines and polygons come out as Multi*', async () => {
  const one = await open(feature({ type: 'LineString', coordinates: [[106, 22.5], [106.1, 22.6]] }, { ten: 'QL3' }));
  assert.equal(one.featureCount, 1);
  const [f] = await readAll(one);
  assert.deepEqual(f?.geometry, { type: 'MultiLineString', coordinates: [[[106, 22.5], [106.1, 22.6]]] });
  assert.deepEqual(f?.properties, { ten: 'QL3' });

  const bare = await open({ type: 'Polygon', coordinates: [[[106, 22.5], [106, 22.6], [106.1, 22.6], [106, 22.5]]] });
  const [g] = await readAll(bare);
  assert.equal(bare.geometryFamily, 'polygon');
  assert.deepEqual(g?.geometry, { type: 'MultiPolygon', coordinates: [[[[106, 22.5], [106, 22.6], [106.1, 22.6], [106, 22.5]]]] });
});

test('not JSON is refused as such', async () => {
  await refuses(open('{ "type": "FeatureCollection", "features": [ oops ] }'), 'not_geojson');
  await refuses(open('{ "type": "FeatureCollection", "features": [ {"type": "Feature", "geometry": nul} ] }'), 'not_json', /not valid JSON in feature 1/);
  await refuses(open('hello, world'), 'not_json', /does not start with \{/);
  await refuses(open('{"type": "Feature", "geometry": null, "properties": {}} trailing'), 'not_json', /more text after the end/);
  await refuses(open('{"type": "FeatureCollection", "features": [{"type": "Feature"'), 'not_json', /ends before the JSON is complete/);
  await refuses(open(''), 'not_json', /empty/);
  await refuses(open('{"type" "Feature"}'), 'not_json', /expected ':'/);
});

test('JSON that is not GeoJSON is refused as such', async () => {
  await refuses(open({ name: 'Cao Bằng', population: 530_000 }), 'not_geojson', /no "type" member/);
  await refuses(open({ type: 'Topology', objects: {} }), 'not_geojson', /"Topology" is not a GeoJSON type/);
  await refuses(open([pt(1, 2)]), 'not_geojson', /JSON array/);
  await refuses(open({ type: 'FeatureCollection' }), 'not_geojson', /without a "features" array/);
  await refuses(open(fc(feature(pt(1, 2)), pt(3, 4))), 'not_geojson', /feature 2 is not a GeoJSON Feature/);
  await refuses(open(fc(feature(pt(1, 2), [1, 2] as unknown as object))), 'not_geojson', /"properties" of feature 1 are not an object/);
});

test('deeply nested GeometryCollections and absurd nesting are refused', async () => {
  let g: object = pt(106, 22.5);
  for (let i = 0; i < 5; i++) g = { type: 'GeometryCollection', geometries: [g] };
  await refuses(open(fc(feature(g))), 'geometry_too_deep', /feature 1: GeometryCollections are nested more than 3 deep/);
  const deep = `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":${'['.repeat(1000)}${']'.repeat(1000)}}}`;
  await refuses(open(deep), 'too_deeply_nested', /more than 64 levels/);
  let ok: object = pt(106, 22.5);
  for (let i = 0; i < 3; i++) ok = { type: 'GeometryCollection', geometries: [ok, pt(106.1, 22.6)] };
  const [f] = await readAll(await open(fc(feature(ok))));
  assert.deepEqual(f?.geometry, { type: 'MultiPoint', coordinates: [[106, 22.5], [106.1, 22.6], [106.1, 22.6], [106.1, 22.6]] });
});

test('non-finite and malformed coordinates are per-feature problems; the feature stays, without geometry', async () => {
  const text = `{"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[106.2,22.7]}},
    {"type":"Feature","properties":{"n":2},"geometry":{"type":"Point","coordinates":[1e999,22.7]}},
    {"type":"Feature","properties":{"n":3},"geometry":{"type":"Point","coordinates":["106","22"]}},
    {"type":"Feature","properties":{"n":4},"geometry":{"type":"Hexagon","coordinates":[]}},
    {"type":"Feature","properties":{"n":5},"geometry":null},
    {"type":"Feature","properties":{"n":6},"geometry":{"type":"MultiPoint","coordinates":[]}}]}`;
  const ds = await open(text);
  const got = await readAll(ds);
  assert.deepEqual(got.map((f) => f.geometry === null), [false, true, true, true, true, true]);
  assert.deepEqual(got.map((f) => f.codes), [[], ['non_finite_coordinates'], ['invalid_geometry'], ['invalid_geometry'], [], ['empty_geometry']]);
  assert.deepEqual(got.map((f) => f.properties.n), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(ds.bbox, [106.2, 22.7, 106.2, 22.7]);
});

test('rings that are not closed are closed, degenerate ones dropped, short lines left out, with problems', async () => {
  const got = await readAll(await open(fc(
    feature({ type: 'Polygon', coordinates: [[[106, 22.5], [106, 22.6], [106.1, 22.6]]] }),
    feature({ type: 'Polygon', coordinates: [[[106, 22.5], [106, 22.6], [106, 22.5]]] }),
  )));
  assert.deepEqual(got[0]?.geometry, { type: 'MultiPolygon', coordinates: [[[[106, 22.5], [106, 22.6], [106.1, 22.6], [106, 22.5]]]] });
  assert.deepEqual(got[0]?.codes, ['ring_not_closed']);
  assert.equal(got[1]?.geometry, null);
  assert.deepEqual(got[1]?.codes, ['degenerate_ring']);
  const lines = await readAll(await open(fc(feature({ type: 'MultiLineString', coordinates: [[[106, 22.5], [106.1, 22.6]], [[106, 22.5]]] }))));
  assert.deepEqual(lines[0]?.geometry, { type: 'MultiLineString', coordinates: [[[106, 22.5], [106.1, 22.6]]] });
  assert.deepEqual(lines[0]?.codes, ['short_line']);
});

test('mixed geometry families are refused with the count of each', async () => {
  const err = await refuses(open(fc(
    feature(pt(106, 22.5)), feature(pt(106.1, 22.6)),
    feature({ type: 'LineString', coordinates: [[106, 22.5], [106.1, 22.6]] }),
    feature({ type: 'GeometryCollection', geometries: [pt(106, 22.5), { type: 'LineString', coordinates: [[106, 22.5], [106.1, 22.6]] }] }),
  )), 'mixed_geometry', /mixes geometry types \(2 point, 1 line, 1 mixed-collection features\)/);
  assert.deepEqual(err.details, { point: 2, line: 1, polygon: 0, mixed: 1 });
});

test('the crs member is honoured (EPSG URN, EPSG:code, CRS84); an unreadable one is reported', async () => {
  const withCrs = (name: string, x: number, y: number) => ({ ...fc(feature(pt(x, y))), crs: { type: 'name', properties: { name } } });
  const tm3 = await open(withCrs('urn:ogc:def:crs:EPSG::9210', 599_554, 2_528_819));
  assert.deepEqual([tm3.crs.srid, tm3.crs.source, tm3.crs.needsConfirmation], [9210, 'prj-epsg', false]);
  const utm = await open(withCrs('EPSG:3405', 650_000, 2_500_000));
  assert.equal(utm.crs.srid, 3405);
  const crs84 = await open(withCrs('urn:ogc:def:crs:OGC:1.3:CRS84', 106.2, 22.7));
  assert.equal(crs84.crs.srid, 4326);
  const odd = await open(withCrs('my-own-crs', 106.2, 22.7));
  assert.deepEqual(odd.problems.map((p) => p.code), ['unknown_crs_member']);
  assert.deepEqual([odd.crs.srid, odd.crs.source], [4326, 'default']);
});

test('metres without a crs member are inferred and need confirmation', async () => {
  const metres = await open(fc(feature(pt(470_000, 2_500_000)), feature(pt(500_000, 2_520_000))));
  assert.deepEqual([metres.crs.srid, metres.crs.source, metres.crs.needsConfirmation], [9210, 'coordinates', true]);
  assert.match(metres.crs.evidence, /^No crs member; the coordinates .* lie inside Cao Bằng in VN-2000 \/ TM-3 105-45/);
});

test('lat/lon order without a crs member is swapped back', async () => {
  const ds = await open(fc(feature(pt(22.7, 106.2)), feature(pt(22.8, 106.3))));
  assert.deepEqual([ds.crs.srid, ds.crs.swapXY, ds.crs.needsConfirmation], [4326, true, true]);
  assert.deepEqual(ds.bbox, [106.2, 22.7, 106.3, 22.8]);
  const got = await readAll(ds);
  assert.deepEqual(got.map((f) => f.geometry), [pt(106.2, 22.7), pt(106.3, 22.8)]);
});

test('a file larger than the read chunk streams every feature intact, strings with escapes across chunk boundaries', async () => {
  const features = Array.from({ length: 6000 }, (_, i) => feature(pt(106 + i / 100_000, 22.5), {
    ten: `Xã \"Đức\" Long\\${i} ${'ư'.repeat(i % 300)}`, so: i, 'khóa dài {[': `}]${i}`,
  }));
  const text = JSON.stringify(fc(...features), null, 1);
  assert.ok(Buffer.byteLength(text) > 3 * 2 ** 20, 'spans several chunks');
  const ds = await open(`\uFEFF${text}`);
  assert.equal(ds.featureCount, 6000);
  assert.deepEqual(ds.fields.map((f) => f.sourceName), ['ten', 'so', 'khóa dài {[']);
  const got = await readAll(ds);
  assert.equal(got.length, 6000);
  got.forEach((f, i) => {
    const want = features[i] as { properties: Record<string, unknown>; geometry: object };
    assert.deepEqual(f.geometry, want.geometry);
    assert.deepEqual(Object.values(f.properties), Object.values(want.properties));
  });
});

test('bytes that are not UTF-8 are refused: GeoJSON is UTF-8', async () => {
  const bytes = Buffer.concat([Buffer.from('{"type":"Feature","geometry":null,"properties":{"ten":"Cao B'), Buffer.from([0xbb]), Buffer.from('ng"}}')]);
  await refuses(open(bytes), 'not_utf8', /Save it again as UTF-8/);
});
