// The Shapefile reader against the peer fixtures (their expected GeoJSON and an independent reader, the `shapefile`
// package), and against damaged files built here: each damage is a clear ImportFileError or a per-feature problem.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import * as shapefilePackage from 'shapefile';
import { openShapefile } from './shapefile-reader.ts';
import type { ShapefileFiles } from './shapefile-reader.ts';
import { ImportFileError } from './source.ts';
import { buildDbf } from './testing/dbf-writer.ts';
import type { DbfFieldSpec, DbfValue } from './testing/dbf-writer.ts';
import { asMulti, readAll } from './testing/features.ts';
import { scratchDir } from './testing/files.ts';
import { buildShapefile } from './testing/shp-writer.ts';
import type { ShpShape, XY } from './testing/shp-writer.ts';

const SUITE = path.resolve(import.meta.dirname, '../../shared/fixtures/shapefile-suite');
const suiteDir = fs.existsSync(SUITE) ? SUITE : '/work/shared/fixtures/shapefile-suite';

const scratch = scratchDir('shp');
after(() => scratch.remove());

function suiteFiles(base: string): ShapefileFiles {
  const p = (ext: string) => path.join(suiteDir, `${base}.${ext}`);
  return { shp: p('shp'), shx: p('shx'), dbf: p('dbf'), prj: p('prj'), cpg: p('cpg') };
}

async function refuses(promise: Promise<unknown>, code: string, message?: RegExp): Promise<ImportFileError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ImportFileError, `expected ImportFileError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

// --- The peer fixture suite ---------------------------------------------------------------------------------

const COMPLETE = ['boolean-property', 'date-property', 'empty', 'latin1-property', 'mixed-properties', 'multipoints', 'null',
  'number-property', 'points', 'polygons', 'polylines', 'string-property', 'utf8-property'];
const NO_SHX = ['multipointm', 'pointm', 'polygonm', 'polylinem', 'singleton', 'number-null-property', 'ignore-properties'];
const NO_DBF = ['multipointm', 'pointm', 'polygonm', 'polylinem', 'ignore-properties'];

test('the fixture list is what this test expects (every .shp is classified)', () => {
  const all = fs.readdirSync(suiteDir).filter((f) => f.endsWith('.shp')).map((f) => f.slice(0, -4)).sort();
  assert.deepEqual(all, [...new Set([...COMPLETE, ...NO_SHX, 'ne_10m_time_zones'])].sort());
});

/**
 * The expected GeoJSON's properties in our terms: proposed names, ISO dates, and null values absent (as there).
 * The package's own tests read geometry-only fixtures without their .dbf (their expected properties are all {}),
 * so for those the properties are compared with what the package reads from the .dbf instead.
 */
async function compareWithExpected(base: string, fields: { name: string; sourceName: string; type: string }[], got: Awaited<ReturnType<typeof readAll>>) {
  const expected = JSON.parse(fs.readFileSync(path.join(suiteDir, `${base}.json`), 'utf8')) as FeatureCollection;
  const files = suiteFiles(base);
  if (fields.length > 0 && expected.features.every((f) => Object.keys(f.properties ?? {}).length === 0)) {
    const withDbf = await shapefilePackage.read(files.shp, files.dbf);
    expected.features.forEach((f, i) => {
      f.properties = withDbf.features[i]?.properties ?? null;
    });
  }
  assert.equal(got.length, expected.features.length, `${base}: feature count`);
  expected.features.forEach((e: Feature, i) => {
    const f = got[i];
    assert.ok(f);
    assert.deepEqual(f.geometry, asMulti(e.geometry as Geometry | null), `${base} #${i} geometry`);
    const want: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e.properties ?? {})) {
      const field = fields.find((x) => x.sourceName === k);
      assert.ok(field, `${base}: field ${k} is known`);
      want[field.name] = field.type === 'date' && typeof v === 'string' ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}` : v;
    }
    const have = Object.fromEntries(Object.entries(f.properties).filter(([, v]) => v !== null));
    assert.deepEqual(have, want, `${base} #${i} properties`);
  });
}

for (const base of COMPLETE) {
  test(`fixture ${base} reads as its expected GeoJSON says`, async () => {
    const ds = await openShapefile(suiteFiles(base), { name: base });
    const got = await readAll(ds);
    assert.equal(ds.featureCount, got.length);
    await compareWithExpected(base, ds.fields, got);
    for (const f of got) assert.deepEqual(f.codes, [], `${base} #${f.index} has no problems`);
  });
}

for (const base of NO_SHX) {
  test(`fixture ${base} has no .shx: refused, saying which file is missing; read from the .shp alone when allowed`, async () => {
    await refuses(openShapefile(suiteFiles(base), { name: base }), 'missing_shx', new RegExp(`no ${base}\\.shx`));
    const lenient = { name: base, requireShx: false };
    if (NO_DBF.includes(base)) {
      await refuses(openShapefile(suiteFiles(base), lenient), 'missing_dbf', new RegExp(`no ${base}\\.dbf`));
    }
    const ds = await openShapefile(suiteFiles(base), { ...lenient, requireDbf: false });
    assert.ok(ds.problems.some((p) => p.code === 'no_shx'));
    await compareWithExpected(base, ds.fields, await readAll(ds));
  });
}

test('fixture ne_10m_time_zones (no .shx, a record with a garbage header) is refused, where the shapefile package skips ahead silently', async () => {
  const files = suiteFiles('ne_10m_time_zones');
  await refuses(openShapefile(files, { name: 'tz' }), 'missing_shx');
  await refuses(openShapefile(files, { name: 'tz', requireShx: false, requireDbf: false }), 'record_overrun',
    /Record 7 of ne_10m_time_zones\.shp says it is 208,456,576 bytes long, but only [\d,]+ bytes are left/);
  const lenient = await shapefilePackage.read(files.shp);
  assert.ok(lenient.features.length > 7, 'the shapefile package reads on past the damage');
});

test('every readable fixture decodes to the same geometry as the shapefile package reads', async () => {
  for (const base of [...COMPLETE, ...NO_SHX]) {
    const ds = await openShapefile(suiteFiles(base), { name: base, requireShx: false, requireDbf: false });
    const ours = await readAll(ds);
    const theirs = await shapefilePackage.read(suiteFiles(base).shp);
    assert.equal(ours.length, theirs.features.length, base);
    theirs.features.forEach((f, i) => assert.deepEqual(ours[i]?.geometry, asMulti(f.geometry as Geometry | null), `${base} #${i}`));
  }
});

// --- Files built here ----------------------------------------------------------------------------------------

let seq = 0;
interface Built {
  files: ShapefileFiles;
  shp: Buffer;
  shx: Buffer;
  dbf: Buffer;
}
function build(type: number, shapes: ShpShape[], opts: { fields?: DbfFieldSpec[]; records?: DbfValue[][]; prj?: string } = {}): Built {
  const base = `b${seq++}`;
  const { shp, shx } = buildShapefile(type, shapes);
  const fields = opts.fields ?? [{ name: 'ID', type: 'N', length: 9 }];
  const dbf = buildDbf(fields, opts.records ?? shapes.map((_, i) => [i + 1]));
  return {
    shp, shx, dbf,
    files: {
      shp: scratch.write(`${base}.shp`, shp),
      shx: scratch.write(`${base}.shx`, shx),
      dbf: scratch.write(`${base}.dbf`, dbf),
      ...(opts.prj ? { prj: scratch.write(`${base}.prj`, opts.prj) } : {}),
    },
  };
}
const rewrite = (file: string, data: Buffer) => fs.writeFileSync(file, data);
const open = (b: Built, extra: object = {}) => openShapefile(b.files, { name: path.basename(b.files.shp, '.shp'), ...extra });

const square = (x: number, y: number, size: number, clockwise = true): XY[] => {
  const cw: XY[] = [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]];
  return clockwise ? cw : [...cw].reverse();
};

test('Z and M variants of every shape type come out 2D', async () => {
  const cases: [number, ShpShape, Geometry][] = [
    [11, { point: [1, 2] }, { type: 'Point', coordinates: [1, 2] }],
    [21, { point: [1, 2] }, { type: 'Point', coordinates: [1, 2] }],
    [18, { points: [[1, 2], [3, 4]] }, { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }],
    [28, { points: [[1, 2], [3, 4]] }, { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }],
    [13, { parts: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 4]]] }, { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 4]]] }],
    [23, { parts: [[[0, 0], [1, 1]]] }, { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]]] }],
    [15, { parts: [square(0, 0, 2)] }, { type: 'MultiPolygon', coordinates: [[square(0, 0, 2)]] }],
    [25, { parts: [square(0, 0, 2)] }, { type: 'MultiPolygon', coordinates: [[square(0, 0, 2)]] }],
  ];
  for (const [type, shape, want] of cases) {
    const ds = await open(build(type, [shape, null]));
    const got = await readAll(ds);
    assert.deepEqual(got.map((f) => f.geometry), [want, null], `type ${type}`);
    assert.deepEqual(got.flatMap((f) => f.codes), []);
  }
});

test('holes go to the outer ring that contains them, whatever order the rings come in', async () => {
  const outerA = square(0, 0, 10);
  const outerB = square(20, 0, 10);
  const holeB = square(22, 2, 3, false);
  const holeA = square(2, 2, 3, false);
  const ds = await open(build(5, [{ parts: [outerA, outerB, holeB, holeA] }]));
  const [f] = await readAll(ds);
  assert.deepEqual(f?.geometry, { type: 'MultiPolygon', coordinates: [[outerA, holeA], [outerB, holeB]] });
  assert.equal(ds.geometryFamily, 'polygon');
  assert.equal(ds.shapeType, 'Polygon');
});

test('an island inside a hole is its own polygon; a hole inside the island belongs to the island', async () => {
  const outer = square(0, 0, 100);
  const hole = square(10, 10, 80, false);
  const island = square(20, 20, 60);
  const lake = square(30, 30, 10, false);
  const [f] = await readAll(await open(build(5, [{ parts: [outer, hole, island, lake] }])));
  assert.deepEqual(f?.geometry, { type: 'MultiPolygon', coordinates: [[outer, hole], [island, lake]] });
});

test('rings against the clockwise rule, unclosed and degenerate rings: repaired with problems', async () => {
  const ds = await open(build(5, [
    { parts: [square(0, 0, 10), square(50, 50, 5, false)] },
    { parts: [[[0, 0], [0, 10], [10, 10], [10, 0]]] },
    { parts: [square(0, 0, 10), [[1, 1], [2, 2], [1, 1]]] },
    { parts: [square(0, 0, 10, false), square(2, 2, 3)] },
    { parts: [square(0, 0, 10, false), square(2, 2, 3, false), square(20, 20, 3, false)] },
  ]));
  const got = await readAll(ds);
  // A counter-clockwise ring outside every outer ring is a polygon of its own.
  assert.deepEqual(got[0]?.geometry, { type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(50, 50, 5, false)]] });
  assert.deepEqual(got[0]?.codes, ['ring_orientation']);
  assert.deepEqual(got[1]?.geometry, { type: 'MultiPolygon', coordinates: [[[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]]] });
  assert.deepEqual(got[1]?.codes, ['ring_not_closed']);
  assert.deepEqual(got[2]?.geometry, { type: 'MultiPolygon', coordinates: [[square(0, 0, 10)]] });
  assert.deepEqual(got[2]?.codes, ['degenerate_ring']);
  // The opposite convention (outer counter-clockwise, hole clockwise) and all rings counter-clockwise: by nesting.
  assert.deepEqual(got[3]?.geometry, { type: 'MultiPolygon', coordinates: [[square(0, 0, 10, false), square(2, 2, 3)]] });
  assert.deepEqual(got[3]?.codes, ['ring_orientation']);
  assert.deepEqual(got[4]?.geometry, { type: 'MultiPolygon', coordinates: [[square(0, 0, 10, false), square(2, 2, 3, false)], [square(20, 20, 3, false)]] });
  assert.deepEqual(got[4]?.codes, ['ring_orientation']);
});

test('a line part with a single point is left out with a problem; a line of only such parts has no geometry', async () => {
  const got = await readAll(await open(build(3, [{ parts: [[[0, 0], [1, 1]], [[5, 5]]] }, { parts: [[[5, 5]]] }])));
  assert.deepEqual(got[0]?.geometry, { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]]] });
  assert.deepEqual(got[0]?.codes, ['short_line_part']);
  assert.equal(got[1]?.geometry, null);
  assert.deepEqual(got[1]?.codes, ['short_line_part']);
});

test('NaN and infinite coordinates leave that feature without geometry, with a problem; the others read', async () => {
  const got = await readAll(await open(build(1, [{ point: [1, 2] }, { point: [Number.NaN, 2] }, { point: [3, Infinity] }, { point: [5, 6] }])));
  assert.deepEqual(got.map((f) => f.geometry?.type ?? null), ['Point', null, null, 'Point']);
  assert.deepEqual(got.map((f) => f.codes), [[], ['non_finite_coordinates'], ['non_finite_coordinates'], []]);
  assert.match(got[1]?.problems[0]?.message ?? '', /not numbers \(NaN\) or infinite/);
  const poly = await readAll(await open(build(5, [{ parts: [[[0, 0], [0, 1], [-Infinity, 1], [0, 0]]] }])));
  assert.equal(poly[0]?.geometry, null);
  assert.deepEqual(poly[0]?.codes, ['non_finite_coordinates']);
});

test('a record of another shape type than the file declares is reported, not guessed at', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }]);
  const shp = Buffer.from(b.shp);
  shp.writeInt32LE(8, 100 + 28 + 8); // second record's shape type → MultiPoint
  rewrite(b.files.shp, shp);
  const got = await readAll(await open(b));
  assert.deepEqual(got.map((f) => f.codes), [[], ['shape_type_mismatch']]);
});

test('a corrupt part index is reported for that feature', async () => {
  const b = build(3, [{ parts: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] }]);
  const shp = Buffer.from(b.shp);
  shp.writeInt32LE(7, 100 + 8 + 48); // second part starts past the last point
  rewrite(b.files.shp, shp);
  const [f] = await readAll(await open(b));
  assert.equal(f?.geometry, null);
  assert.deepEqual(f?.codes, ['bad_parts']);
});

// --- Damaged files: refused -----------------------------------------------------------------------------------

test('a truncated .shp is refused, saying how long it claims to be and is', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }, { point: [5, 6] }]);
  rewrite(b.files.shp, b.shp.subarray(0, b.shp.length - 10));
  await refuses(open(b), 'shp_truncated', /cut short or damaged: its header says it is 184 bytes long, but the file has 174 bytes/);
});

test('a .shp whose header declares 1 GB is refused at once', async () => {
  const b = build(1, [{ point: [1, 2] }]);
  const shp = Buffer.from(b.shp);
  shp.writeInt32BE(2 ** 30 / 2, 24);
  rewrite(b.files.shp, shp);
  await refuses(open(b), 'shp_truncated', /1,073,741,824 bytes long, but the file has 128 bytes/);
});

test('a .shp with bytes after its declared end is refused', async () => {
  const b = build(1, [{ point: [1, 2] }]);
  rewrite(b.files.shp, Buffer.concat([b.shp, Buffer.alloc(28)]));
  await refuses(open(b), 'shp_length_mismatch', /28 bytes after the end/);
});

test('a record past the end of the .shp is refused, with or without a .shx', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }]);
  const shp = Buffer.from(b.shp.subarray(0, b.shp.length - 8));
  shp.writeInt32BE(shp.length / 2, 24); // header agrees with the cut file: only the last record overruns
  rewrite(b.files.shp, shp);
  await refuses(open(b), 'shp_truncated', /Record 2 runs past the end of b\d+\.shp/);
  fs.rmSync(b.files.shx as string);
  await refuses(open(b, { requireShx: false }), 'record_overrun', /Record 2 of b\d+\.shp says it is 20 bytes long, but only 12 bytes are left/);
});

test('a record whose content length overruns what the .shx says is refused while reading', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }, { point: [5, 6] }]);
  const shp = Buffer.from(b.shp);
  shp.writeInt32BE(5000, 100 + 28 + 4); // record 2 claims 10 000 bytes
  rewrite(b.files.shp, shp);
  const ds = await open(b);
  await refuses(readAll(ds), 'shx_mismatch', /Record 2 of b\d+\.shp is 10000 bytes long but b\d+\.shx says 20/);
});

test('a .shx that disagrees with the .shp is refused: wrong offset, other file, other shape type', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }, { point: [5, 6] }]);
  const shx = Buffer.from(b.shx);
  shx.writeInt32BE(shx.readInt32BE(108) + 4, 108);
  rewrite(b.files.shx as string, shx);
  await refuses(open(b), 'shx_mismatch', /it puts record 2 at byte 136, but the previous records end at byte 128/);

  const other = build(1, [{ point: [1, 2] }, { point: [3, 4] }]);
  rewrite(b.files.shx as string, other.shx);
  await refuses(open(b), 'shx_mismatch', /indexes 2 records ending at byte 156, but b\d+\.shp has 184 bytes/);

  const lines = build(3, [{ parts: [[[0, 0], [1, 1]]] }]);
  rewrite(b.files.shx as string, lines.shx);
  await refuses(open(b), 'shx_mismatch', /is for PolyLine shapes but b\d+\.shp holds Point shapes/);
});

test('a .dbf with fewer or more records than the .shp has shapes is refused', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }, { point: [5, 6] }]);
  rewrite(b.files.dbf as string, buildDbf([{ name: 'ID', type: 'N', length: 9 }], [[1], [2]]));
  await refuses(open(b), 'dbf_record_count_mismatch', /has 2 records but b\d+\.shp has 3 shapes/);
  rewrite(b.files.dbf as string, buildDbf([{ name: 'ID', type: 'N', length: 9 }], [[1], [2], [3], [4]]));
  await refuses(open(b), 'dbf_record_count_mismatch', /has 4 records but b\d+\.shp has 3 shapes/);
});

test('a .dbf cut short (its header announces more records than it holds) is refused', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }, { point: [5, 6] }]);
  rewrite(b.files.dbf as string, b.dbf.subarray(0, b.dbf.length - 11));
  await refuses(open(b), 'dbf_truncated', /announces 3 records but the file holds only 2/);
});

test('a missing .dbf or .shx is refused, naming the missing file', async () => {
  const b = build(1, [{ point: [1, 2] }]);
  const base = path.basename(b.files.shp, '.shp');
  await refuses(openShapefile({ ...b.files, shx: undefined }, { name: base }), 'missing_shx', new RegExp(`has no ${base}\\.shx \\(its index file\\)`));
  await refuses(openShapefile({ ...b.files, dbf: path.join(scratch.dir, 'nope.dbf') }, { name: base }), 'missing_dbf', new RegExp(`has no ${base}\\.dbf \\(its attribute table\\)`));
});

test('unknown shape types and MultiPatch are refused; a file that is no Shapefile too', async () => {
  const b = build(1, [{ point: [1, 2] }]);
  for (const [type, code] of [[99, 'unknown_shape_type'], [31, 'unsupported_shape_type']] as const) {
    const shp = Buffer.from(b.shp);
    shp.writeInt32LE(type, 32);
    rewrite(b.files.shp, shp);
    await refuses(open(b), code);
  }
  rewrite(b.files.shp, Buffer.alloc(200, 0x41));
  await refuses(open(b), 'not_a_shapefile');
});

// --- Attributes -----------------------------------------------------------------------------------------------

test('DBF types: text, integer and decimal numbers, logical, dates to ISO; nulls, bad values and memo fields reported', async () => {
  const fields: DbfFieldSpec[] = [
    { name: 'TEN', type: 'C', length: 20 },
    { name: 'MA', type: 'N', length: 9 },
    { name: 'DIEN_TICH', type: 'N', length: 12, decimals: 3 },
    { name: 'TY_LE', type: 'F', length: 10, decimals: 2 },
    { name: 'DA_DUYET', type: 'L', length: 1 },
    { name: 'NGAY', type: 'D', length: 8 },
    { name: 'GHI_CHU', type: 'M', length: 10 },
    { name: 'MA_SO_LON', type: 'N', length: 18 },
    { name: 'LA', type: 'Y', length: 8 },
  ];
  const records: DbfValue[][] = [
    ['Hòa An', 12, 1234.567, 0.25, true, '20240131', '0000000001', 123456789012345, 'x'],
    [null, null, null, null, null, null, null, null, null],
    ['  Bảo Lạc  ', '*********', '12,5', 'abc', '?', '20230230', null, '-7', null],
    ['x', -3, -0.001, 1e-2, 'n', '00000000', null, null, null],
  ];
  const b = build(1, records.map((_, i) => ({ point: [i, i] })), { fields, records });
  const ds = await open(b);
  assert.deepEqual(ds.fields.map((f) => [f.name, f.type]), [
    ['ten', 'text'], ['ma', 'integer'], ['dien_tich', 'number'], ['ty_le', 'number'], ['da_duyet', 'boolean'],
    ['ngay', 'date'], ['ghi_chu', 'text'], ['ma_so_lon', 'number'], ['la', 'text'],
  ]);
  assert.deepEqual(ds.problems.map((p) => p.code).sort(), ['memo_field', 'unusual_field_type']);
  const got = await readAll(ds);
  assert.deepEqual(got[0]?.properties, { ten: 'Hòa An', ma: 12, dien_tich: 1234.567, ty_le: 0.25, da_duyet: true, ngay: '2024-01-31', ghi_chu: null, ma_so_lon: 123456789012345, la: 'x' });
  assert.deepEqual(got[1]?.properties, { ten: null, ma: null, dien_tich: null, ty_le: null, da_duyet: null, ngay: null, ghi_chu: null, ma_so_lon: null, la: null });
  assert.deepEqual(got[2]?.properties, { ten: 'Bảo Lạc', ma: null, dien_tich: 12.5, ty_le: null, da_duyet: null, ngay: null, ghi_chu: null, ma_so_lon: -7, la: null });
  assert.deepEqual(got[2]?.codes, ['bad_number', 'bad_date']);
  assert.deepEqual(got[3]?.properties, { ten: 'x', ma: -3, dien_tich: -0.001, ty_le: 0.01, da_duyet: false, ngay: null, ghi_chu: null, ma_so_lon: null, la: null });
  assert.deepEqual(got.map((f) => f.codes.length), [0, 0, 2, 0]);
});

test('numbers parsed from bytes equal Number() of their text, digit for digit', async () => {
  const values = ['0.1', '1.005', '-2.675', '123456.789012', '999999999999999', '0.000001', '1e5', '12345678901234567', '-0', '+7', '3.'];
  const fields: DbfFieldSpec[] = [{ name: 'V', type: 'N', length: 20, decimals: 6 }];
  const b = build(1, values.map((_, i) => ({ point: [i, i] })), { fields, records: values.map((v) => [Buffer.from(v.padStart(20))]) });
  const got = await readAll(await open(b));
  assert.deepEqual(got.map((f) => f.properties.v), values.map(Number));
});

test('records marked deleted in the .dbf are read and flagged', async () => {
  const b = build(1, [{ point: [1, 2] }, { point: [3, 4] }]);
  rewrite(b.files.dbf as string, buildDbf([{ name: 'ID', type: 'N', length: 9 }], [[1], [2]], { deleted: [1] }));
  const got = await readAll(await open(b));
  assert.deepEqual(got.map((f) => f.codes), [[], ['dbf_deleted']]);
  assert.equal(got[1]?.properties.id, 2);
});

test('DBF names become valid, unique attribute names that avoid the system columns', async () => {
  const names = ['FID', 'GEOM', 'VERSION', 'CREATED_BY', 'TEN', 'ten', 'Tên', '2019_DS', '_X', 'TÊN XÃ'];
  const fields = names.map((n) => ({ name: Buffer.from(n, 'utf8'), type: 'C', length: 5 }));
  const b = build(1, [{ point: [0, 0] }], { fields, records: [names.map(() => 'a')] });
  const ds = await open(b);
  assert.deepEqual(ds.fields.map((f) => f.name), ['fid_src', 'geom_src', 'version_src', 'created_by_src', 'ten', 'ten_2', 'ten_3', 'f_2019_ds', 'x', 'ten_xa']);
  for (const f of ds.fields) assert.match(f.name, /^[a-z][a-z0-9_]{0,62}$/);
});

// --- CRS and axis order -----------------------------------------------------------------------------------------

const PRJ_9210 = 'PROJCS["VN-2000_TM-3_105-45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

test('a VN-2000 ESRI .prj is EPSG:9210; X/Y written northing-first are detected and swapped', async () => {
  const normal = await open(build(1, [{ point: [599_554, 2_528_819] }, { point: [530_000, 2_500_000] }], { prj: PRJ_9210 }));
  assert.equal(normal.crs.srid, 9210);
  assert.equal(normal.crs.needsConfirmation, false);
  assert.equal(normal.crs.swapXY, false);
  assert.deepEqual(normal.bbox, [530_000, 2_500_000, 599_554, 2_528_819]);

  const swapped = await open(build(1, [{ point: [2_528_819, 599_554] }, { point: [2_500_000, 530_000] }], { prj: PRJ_9210 }));
  assert.equal(swapped.crs.srid, 9210);
  assert.equal(swapped.crs.swapXY, true);
  assert.equal(swapped.crs.needsConfirmation, true);
  assert.deepEqual(swapped.bbox, [530_000, 2_500_000, 599_554, 2_528_819]);
  const got = await readAll(swapped);
  assert.deepEqual(got[0]?.geometry, { type: 'Point', coordinates: [599_554, 2_528_819] });
  const raw = await readAll(swapped, { swapXY: false });
  assert.deepEqual(raw[0]?.geometry, { type: 'Point', coordinates: [2_528_819, 599_554] });
});

test('swapping applies to every geometry type', async () => {
  const ds = await open(build(5, [{ parts: [square(0, 0, 10)] }]));
  const [f] = await readAll(ds, { swapXY: true });
  assert.deepEqual(f?.geometry, { type: 'MultiPolygon', coordinates: [[square(0, 0, 10).map(([x, y]) => [y, x])]] });
  const lines = await readAll(await open(build(3, [{ parts: [[[1, 2], [3, 4]]] }])), { swapXY: true });
  assert.deepEqual(lines[0]?.geometry, { type: 'MultiLineString', coordinates: [[[2, 1], [4, 3]]] });
  const mp = await readAll(await open(build(8, [{ points: [[1, 2], [3, 4]] }])), { swapXY: true });
  assert.deepEqual(mp[0]?.geometry, { type: 'MultiPoint', coordinates: [[2, 1], [4, 3]] });
});
