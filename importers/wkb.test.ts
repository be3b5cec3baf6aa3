// WKB both ways, and PostGIS's own word on it: what the readers write parses in PostGIS as the same geometry (as a
// bytea and as the hex text COPY sends), and what PostGIS writes (EWKB with SRID and Z, big-endian) decodes here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Geometry } from 'geojson';
import pg from 'pg';
import { createTestDatabase } from '../server/testing/database.ts';
import type { TestDatabase } from '../server/testing/database.ts';
import { openShapefile } from './shapefile-reader.ts';
import { buildDbf } from './testing/dbf-writer.ts';
import { scratchDir } from './testing/files.ts';
import { buildShapefile } from './testing/shp-writer.ts';
import type { ShpShape } from './testing/shp-writer.ts';
import { geometryToWkb, pointWkb, WkbDecodeError, wkbToGeometry } from './wkb.ts';

const geometries: Geometry[] = [
  { type: 'Point', coordinates: [106.721998, 22.856402] },
  { type: 'LineString', coordinates: [[0, 0], [1, 1], [2, 0]] },
  { type: 'Polygon', coordinates: [[[0, 0], [0, 4], [4, 4], [4, 0], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]] },
  { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
  { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
  { type: 'MultiPolygon', coordinates: [[[[0, 0], [0, 1], [1, 1], [0, 0]]], [[[5, 5], [5, 6], [6, 6], [5, 5]]]] },
  { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] },
];

test('every geometry type survives GeoJSON → WKB → GeoJSON', () => {
  for (const g of geometries) assert.deepEqual(wkbToGeometry(geometryToWkb(g)), g, g.type);
  assert.deepEqual(wkbToGeometry(pointWkb(1.5, -2.25)), { type: 'Point', coordinates: [1.5, -2.25] });
});

test('the encoder drops a third ordinate and can swap X and Y', () => {
  assert.deepEqual(wkbToGeometry(geometryToWkb({ type: 'Point', coordinates: [1, 2, 3] })), { type: 'Point', coordinates: [1, 2] });
  assert.deepEqual(wkbToGeometry(geometryToWkb({ type: 'LineString', coordinates: [[1, 2], [3, 4]] }, true)), { type: 'LineString', coordinates: [[2, 1], [4, 3]] });
});

test('truncated or trailing bytes and unknown types are decode errors', () => {
  const wkb = geometryToWkb({ type: 'LineString', coordinates: [[0, 0], [1, 1]] });
  assert.throws(() => wkbToGeometry(wkb.subarray(0, wkb.length - 3)), WkbDecodeError);
  assert.throws(() => wkbToGeometry(Buffer.concat([wkb, Buffer.from([0])])), WkbDecodeError);
  const bad = Buffer.from(wkb);
  bad.writeUInt32LE(99, 1);
  assert.throws(() => wkbToGeometry(bad), /unsupported WKB geometry type 99/);
});

let db: TestDatabase;
let client: pg.Client;
const scratch = scratchDir('wkb');
before(async () => {
  db = await createTestDatabase({ demo: false });
  client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
});
after(async () => {
  await client?.end();
  await db?.drop();
  scratch.remove();
});

test('PostGIS reads the encoder\'s WKB as the same geometry, as bytea and as hex text', async () => {
  for (const g of geometries) {
    const wkb = geometryToWkb(g);
    const { rows } = await client.query<{ a: string; b: string }>(
      'select st_asgeojson(st_geomfromwkb($1)) a, st_asgeojson($2::text::geometry) b', [wkb, wkb.toString('hex')],
    );
    assert.deepEqual(JSON.parse(rows[0]?.a as string), g, g.type);
    assert.deepEqual(JSON.parse(rows[0]?.b as string), g, g.type);
  }
});

test('PostGIS reads the Shapefile reader\'s WKB, Z/M dropped and rings assembled, as valid geometry', async () => {
  const cases: [number, ShpShape][] = [
    [1, { point: [599_554, 2_528_819] }],
    [11, { point: [599_554, 2_528_819] }],
    [8, { points: [[1, 2], [3, 4]] }],
    [28, { points: [[1, 2], [3, 4]] }],
    [3, { parts: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 5]]] }],
    [13, { parts: [[[0, 0], [1, 1]]] }],
    [5, { parts: [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]], [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]], [[20, 0], [20, 5], [25, 5], [20, 0]]] }],
    [25, { parts: [[[0, 0], [0, 10], [10, 10], [10, 0]]] }],
  ];
  for (const [type, shape] of cases) {
    const { shp, shx } = buildShapefile(type, [shape]);
    const files = {
      shp: scratch.write(`t${type}.shp`, shp), shx: scratch.write(`t${type}.shx`, shx),
      dbf: scratch.write(`t${type}.dbf`, buildDbf([{ name: 'ID', type: 'N', length: 4 }], [[1]])),
    };
    const ds = await openShapefile(files, { name: `t${type}` });
    for await (const f of ds.features()) {
      assert.ok(f.wkb);
      const { rows } = await client.query<{ json: string; valid: boolean; dims: number }>(
        'select st_asgeojson(g) json, st_isvalid(g) valid, st_ndims(g) dims from (select $1::text::geometry g) t', [f.wkb.toString('hex')],
      );
      assert.deepEqual(JSON.parse(rows[0]?.json as string), wkbToGeometry(f.wkb), `type ${type}`);
      assert.equal(rows[0]?.valid, true, `type ${type}`);
      assert.equal(rows[0]?.dims, 2, `type ${type}`);
    }
  }
});

test('PostGIS\'s EWKB (SRID, Z) and big-endian WKB decode here', async () => {
  const { rows } = await client.query<{ ewkb: Buffer; xdr: Buffer }>(
    `select st_asewkb(g) ewkb, st_asbinary(g, 'XDR') xdr
       from (select st_setsrid(st_geomfromtext('MULTIPOLYGON Z (((0 0 1, 0 1 1, 1 1 1, 0 0 1)))'), 9210) g) t`,
  );
  const want = { type: 'MultiPolygon', coordinates: [[[[0, 0], [0, 1], [1, 1], [0, 0]]]] };
  assert.deepEqual(wkbToGeometry(rows[0]?.ewkb as Buffer), want);
  assert.deepEqual(wkbToGeometry(rows[0]?.xdr as Buffer), want);
});
