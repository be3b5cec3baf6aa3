// CQL2 text and JSON → the filter tree: what each construct becomes, and the 400 every malformed or hostile
// filter gets (the database is never asked about them; server/ogc/ogc.test.ts checks the HTTP answers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../errors.ts';
import { CRS84, EPSG_9210 } from '../../features/crs.ts';
import { parseCql2Json } from './json-parser.ts';
import { parseCql2Text } from './text-parser.ts';

const text = (s: string) => parseCql2Text(s, CRS84);
const prop = (name: string) => ({ kind: 'property', name });
const lit = (value: string | number | boolean) => ({ kind: 'literal', value });

function refused(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('comparisons, AND/OR precedence and NOT', () => {
  assert.deepEqual(text("ten = 'Bản Giốc' AND nam >= 2010 OR NOT loai <> 'Sông'"), {
    op: 'or',
    args: [
      { op: 'and', args: [
        { op: 'compare', comparison: '=', left: prop('ten'), right: lit('Bản Giốc') },
        { op: 'compare', comparison: '>=', left: prop('nam'), right: lit(2010) },
      ] },
      { op: 'not', arg: { op: 'compare', comparison: '<>', left: prop('loai'), right: lit('Sông') } },
    ],
  });
  assert.deepEqual(text('(a = -1.5e2)'), { op: 'compare', comparison: '=', left: prop('a'), right: lit(-150) });
  assert.deepEqual(text("x='it''s'"), { op: 'compare', comparison: '=', left: prop('x'), right: lit("it's") });
  assert.deepEqual(text('"tên có dấu" = TRUE'), { op: 'compare', comparison: '=', left: prop('tên có dấu'), right: lit(true) });
});

test('LIKE, BETWEEN, IN, IS NULL and their negations; CASEI, ACCENTI, DATE, TIMESTAMP; ILIKE as GDAL sends it', () => {
  assert.deepEqual(text("ten NOT LIKE 'Hồ%'"), { op: 'not', arg: { op: 'like', value: prop('ten'), pattern: lit('Hồ%') } });
  assert.deepEqual(text('n BETWEEN 1 AND 5'), { op: 'between', value: prop('n'), lower: lit(1), upper: lit(5) });
  assert.deepEqual(text("loai IN ('Sông', 'Suối')"), { op: 'in', value: prop('loai'), list: [lit('Sông'), lit('Suối')] });
  assert.deepEqual(text('x IS NOT NULL'), { op: 'not', arg: { op: 'isNull', value: prop('x') } });
  assert.deepEqual(text("CASEI(ten) = casei('HỒ')"), {
    op: 'compare', comparison: '=', left: { kind: 'casei', arg: prop('ten') }, right: { kind: 'casei', arg: lit('HỒ') },
  });
  assert.deepEqual(text("ngay > DATE('2024-01-31') and t < TIMESTAMP('2024-01-31T00:00:00Z')"), {
    op: 'and',
    args: [
      { op: 'compare', comparison: '>', left: prop('ngay'), right: { kind: 'date', value: '2024-01-31' } },
      { op: 'compare', comparison: '<', left: prop('t'), right: { kind: 'timestamp', value: '2024-01-31T00:00:00Z' } },
    ],
  });
  assert.deepEqual(text("ten ILIKE 'bản%'"), {
    op: 'like', value: { kind: 'casei', arg: prop('ten') }, pattern: { kind: 'casei', arg: lit('bản%') },
  });
});

test('spatial functions take WKT and BBOX literals in the filter CRS', () => {
  assert.deepEqual(text('S_INTERSECTS(geometry, BBOX(105.9, 22.5, 106.4, 22.8))'), {
    op: 'spatial', relation: 'intersects', left: prop('geometry'), right: { kind: 'envelope', bbox: [105.9, 22.5, 106.4, 22.8], crs: CRS84 },
  });
  const poly = parseCql2Text('s_within(geometry, POLYGON((500000 2500000, 600000 2500000, 600000 2600000, 500000 2500000)))', EPSG_9210);
  assert.deepEqual(poly, {
    op: 'spatial', relation: 'within', left: prop('geometry'),
    right: { kind: 'geometry', crs: EPSG_9210, geometry: { type: 'Polygon', coordinates: [[[500000, 2500000], [600000, 2500000], [600000, 2600000], [500000, 2500000]]] } },
  });
  assert.deepEqual(text('S_DWITHIN(geometry, POINT(106.72 22.85), 500)'), {
    op: 'dwithin', left: prop('geometry'), right: { kind: 'geometry', crs: CRS84, geometry: { type: 'Point', coordinates: [106.72, 22.85] } }, metres: 500,
  });
  const multi = text('S_INTERSECTS(geometry, MULTIPOINT((1 2), 3 4))') as { right: { geometry: unknown } };
  assert.deepEqual(multi.right.geometry, { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
  const gc = text('S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4)))') as { right: { geometry: unknown } };
  assert.deepEqual(gc.right.geometry, { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[1, 2], [3, 4]] }] });
});

test('syntax errors say where', () => {
  refused(() => text("ten = 'unclosed"), 'invalid_filter', /never closed/);
  refused(() => text('ten ='), 'invalid_filter', /expected a property name or a value at character 6/);
  refused(() => text('ten = 1 2'), 'invalid_filter', /AND, OR or the end/);
  refused(() => text('(ten = 1'), 'invalid_filter', /to close the parenthesis/);
  refused(() => text(''), 'invalid_filter', /empty/);
  refused(() => text('ten BETWEEN 1 OR 2'), 'invalid_filter', /AND between/);
  refused(() => text('S_INTERSECTS(geometry, BBOX(1,2,3))'), 'invalid_filter', /4 numbers/);
});

test('injection attempts are not CQL2', () => {
  refused(() => text("ten = 'x'; drop table giao_thong.quoc_lo"), 'invalid_filter', /unexpected character ';'/);
  refused(() => text("ten = 'x' -- comment"), 'invalid_filter', /comments/);
  refused(() => text("ten = 'x' /* c */"), 'invalid_filter', /comments/);
  refused(() => text("ten = 'x' UNION SELECT password FROM auth.users"), 'invalid_filter', /AND, OR or the end/);
  // GeoServer CVE-2024-36401 / CVE-2023-25157: function calls where a property name goes.
  refused(() => text("strSubstring(ten, 0, 1) = 'a'"), 'invalid_filter', /not a function this server knows/);
  refused(() => text("exec(java.lang.Runtime.getRuntime()) = 1"), 'invalid_filter', /not a function/);
  refused(() => text("S_INTERSECTS(strEndsWith(geometry, 'x'), POINT(1 2))"), 'invalid_filter', /not a function/);
  refused(() => text("S_EVIL(geometry, POINT(1 2))"), 'invalid_filter', /not a spatial function/);
  refused(() => text('ten = `x`'), 'invalid_filter', /unexpected character '`'/);
});

test('2 000 nested ANDs, and a filter that nests too deeply, are refused before they exhaust anything', () => {
  // 2 000 nested ANDs are longer than any filter read at all; 1 000 fit in the length and nest too deeply.
  const nested = (n: number) => `${'(a=1 AND '.repeat(n)}a=1${')'.repeat(n)}`;
  refused(() => text(nested(2000)), 'filter_too_complex', /at most 16384 characters/);
  refused(() => text(nested(1000)), 'filter_too_complex', /nested too deeply/);
  const notted = `${'NOT '.repeat(2000)}a = 1`;
  refused(() => text(notted), 'filter_too_complex', /nested too deeply/);
  // A flat chain parses into one wide node (the checker bounds its size, server/features/condition.test.ts).
  const flat = text(Array.from({ length: 1500 }, () => 'a=1').join(' AND ')) as { op: string; args: unknown[] };
  assert.equal(flat.op, 'and');
  assert.equal(flat.args.length, 1500);
  refused(() => text(`a = '${'x'.repeat(20_000)}'`), 'filter_too_complex', /at most 16384 characters/);
});

test('CQL2 JSON reads the same tree', () => {
  const json = (v: unknown) => parseCql2Json(JSON.stringify(v), CRS84);
  assert.deepEqual(
    json({ op: 'and', args: [{ op: '=', args: [{ property: 'ten' }, 'Bản Giốc'] }, { op: 'isNull', args: [{ property: 'x' }] }] }),
    { op: 'and', args: [
      { op: 'compare', comparison: '=', left: prop('ten'), right: lit('Bản Giốc') },
      { op: 'isNull', value: prop('x') },
    ] },
  );
  assert.deepEqual(json({ op: 'in', args: [{ op: 'casei', args: [{ property: 'loai' }] }, ['sông']] }), {
    op: 'in', value: { kind: 'casei', arg: prop('loai') }, list: [lit('sông')],
  });
  assert.deepEqual(json({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [106, 22] }] }), {
    op: 'spatial', relation: 'intersects', left: prop('geometry'), right: { kind: 'geometry', crs: CRS84, geometry: { type: 'Point', coordinates: [106, 22] } },
  });
  assert.deepEqual(json({ op: '>', args: [{ property: 'd' }, { date: '2024-01-01' }] }).op, 'compare');
  assert.deepEqual(json(true), { op: 'boolean', value: true });
  refused(() => parseCql2Json('{"op":', CRS84), 'invalid_filter', /not valid JSON/);
  refused(() => json({ op: 'strSubstring', args: [] }), 'invalid_filter', /not an operator/);
  refused(() => json({ op: '=', args: [{ op: 'exec', args: ['x'] }, 1] }), 'invalid_filter', /not a function/);
  refused(() => json({ op: '=', args: [{ property: 'a' }] }), 'invalid_filter', /takes 2 arguments/);
  let deep: unknown = { op: '=', args: [{ property: 'a' }, 1] };
  for (let i = 0; i < 200; i++) deep = { op: 'and', args: [deep, true] };
  refused(() => json(deep), 'filter_too_complex', /nested too deeply/);
});
