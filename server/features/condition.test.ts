// The filter tree held against a layer (allowlisted properties, typed literals, limits), and the SQL it becomes:
// every value a parameter with its attribute's cast, every column a quoted catalog name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attribute } from '../catalog/attributes.ts';
import { AppError } from '../errors.ts';
import { checkCondition, type Condition } from './condition.ts';
import { conditionSql, unaccentSql } from './condition-sql.ts';
import { CRS84, EPSG_4326, EPSG_9210 } from './crs.ts';
import { Parameters } from './sql-parts.ts';

const attr = (name: string, type: Attribute['type']): Attribute => ({ name, type, label_vi: name, label_en: name, required: false });
const layer = {
  id: 'van_hoa.di_san',
  attributes: [attr('ten', 'text'), attr('nam', 'integer'), attr('cao', 'number'), attr('mo', 'boolean'), attr('ngay', 'date'), attr('luc', 'datetime')],
};
const opts = { geometryNames: ['geometry'] };
const p = (name: string) => ({ kind: 'property' as const, name });
const v = (value: string | number | boolean) => ({ kind: 'literal' as const, value });

function sql(c: Condition) {
  const params = new Parameters();
  const text = conditionSql(checkCondition(layer, c, opts), params);
  return { text, values: params.values };
}

function refused(c: Condition, code: string, message: RegExp): void {
  assert.throws(() => checkCondition(layer, c, opts), (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 400);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

test('comparisons cast each literal to the attribute it is compared with', () => {
  assert.deepEqual(
    sql({ op: 'and', args: [
      { op: 'compare', comparison: '=', left: p('ten'), right: v("Bản Giốc' or 1=1 --") },
      { op: 'compare', comparison: '>=', left: v(2010), right: p('nam') },
      { op: 'compare', comparison: '<', left: p('luc'), right: v('2024-05-01T08:00:00+07:00') },
      { op: 'compare', comparison: '=', left: p('ngay'), right: { kind: 'date', value: '2024-05-01' } },
      { op: 'compare', comparison: '<>', left: p('mo'), right: v(false) },
    ] }),
    {
      text: '((t."ten" = $1::text) and ($2::bigint >= t."nam") and (t."luc" < $3::timestamptz) and (t."ngay" = $4::date) and (t."mo" <> $5::boolean))',
      values: ["Bản Giốc' or 1=1 --", '2010', '2024-05-01T08:00:00+07:00', '2024-05-01', false],
    },
  );
});

test('LIKE, BETWEEN, IN, IS NULL, NOT; CASEI and ACCENTI fold both sides', () => {
  assert.deepEqual(sql({ op: 'not', arg: { op: 'like', value: { kind: 'casei', arg: p('ten') }, pattern: { kind: 'casei', arg: v('bản%') } } }), {
    text: 'not (lower(t."ten") like lower($1::text))',
    values: ['bản%'],
  });
  assert.deepEqual(sql({ op: 'between', value: p('cao'), lower: v(1), upper: v('2.5') }), { text: '(t."cao" between $1::double precision and $2::double precision)', values: [1, 2.5] });
  assert.deepEqual(sql({ op: 'in', value: p('nam'), list: [v(1), v('2')] }), { text: '(t."nam" = any($1::bigint[]))', values: [['1', '2']] });
  assert.deepEqual(sql({ op: 'in', value: { kind: 'accenti', arg: p('ten') }, list: [v('Ban Gioc')] }), {
    text: `(${unaccentSql('t."ten"')} = any(select ${unaccentSql('v')} from unnest($1::text[]) v))`,
    values: [['Ban Gioc']],
  });
  assert.deepEqual(sql({ op: 'isNull', value: p('ngay') }), { text: '(t."ngay" is null)', values: [] });
  assert.match(unaccentSql('x'), /^translate\(x, 'đĐ.*ệ.*', 'dD.*e.*'\)$/);
});

test('spatial functions read literals from GeoJSON parameters, transformed and swapped into storage order', () => {
  assert.deepEqual(sql({ op: 'spatial', relation: 'intersects', left: p('geometry'), right: { kind: 'envelope', bbox: [105.9, 22.5, 106.4, 22.8], crs: CRS84 } }), {
    text: 'st_intersects(t.geom, st_makeenvelope($1, $2, $3, $4, 4326))',
    values: [105.9, 22.5, 106.4, 22.8],
  });
  // EPSG:4326 is latitude first: the box's numbers are swapped into longitude first.
  assert.deepEqual(sql({ op: 'spatial', relation: 'intersects', left: p('geometry'), right: { kind: 'envelope', bbox: [22.5, 105.9, 22.8, 106.4], crs: EPSG_4326 } }).values, [105.9, 22.5, 106.4, 22.8]);
  assert.deepEqual(
    sql({ op: 'spatial', relation: 'within', left: p('geometry'), right: { kind: 'geometry', crs: EPSG_9210, geometry: { type: 'Point', coordinates: [599554, 2528819] } } }),
    { text: 'st_within(t.geom, st_transform(st_setsrid(st_geomfromgeojson($1::text), 9210), 4326))', values: ['{"type":"Point","coordinates":[599554,2528819]}'] },
  );
  const dwithin = sql({ op: 'dwithin', left: p('geometry'), right: { kind: 'geometry', crs: CRS84, geometry: { type: 'Point', coordinates: [106.72, 22.85] } }, metres: 500 });
  assert.match(dwithin.text, /^\(t\.geom && st_expand\(.*\) and st_dwithin\(\(t\.geom\)::geography, \(.*\)::geography, \$2::float8\)\)$/);
  assert.deepEqual(dwithin.values, ['{"type":"Point","coordinates":[106.72,22.85]}', 500]);
});

test('properties must be queryables; function-like and SQL-like names are unknown properties', () => {
  refused({ op: 'compare', comparison: '=', left: p('password'), right: v('x') }, 'unknown_property', /'password' is not a queryable of van_hoa.di_san. Queryables: ten, nam/);
  refused({ op: 'compare', comparison: '=', left: p('strSubstring(ten,0,1)'), right: v('x') }, 'unknown_property', /not a queryable/);
  refused({ op: 'compare', comparison: '=', left: p('ten"; drop table x; --'), right: v('x') }, 'unknown_property', /not a queryable/);
  refused({ op: 'compare', comparison: '=', left: p('geometry'), right: v('x') }, 'unknown_property', /is the geometry/);
  refused({ op: 'spatial', relation: 'intersects', left: p('ten'), right: { kind: 'envelope', bbox: [0, 0, 1, 1], crs: CRS84 } }, 'invalid_filter', /not a geometry/);
});

test('literals that are not values of the attribute are refused with what was expected', () => {
  refused({ op: 'compare', comparison: '=', left: p('nam'), right: v('hai nghìn') }, 'invalid_filter', /is not a whole number/);
  refused({ op: 'compare', comparison: '=', left: p('nam'), right: v(2010.5) }, 'invalid_filter', /not a whole number/);
  refused({ op: 'compare', comparison: '=', left: p('ten'), right: v(5) }, 'invalid_filter', /is a number; expected text/);
  refused({ op: 'compare', comparison: '<', left: p('mo'), right: v(true) }, 'invalid_filter', /only compared with = or <>/);
  refused({ op: 'compare', comparison: '=', left: p('ngay'), right: { kind: 'timestamp', value: '2024-01-01T00:00:00Z' } }, 'invalid_filter', /is a time/);
  refused({ op: 'compare', comparison: '=', left: p('ten'), right: p('nam') }, 'invalid_filter', /cannot be compared/);
  refused({ op: 'like', value: p('nam'), pattern: v('1%') }, 'invalid_filter', /LIKE compares text/);
  refused({ op: 'spatial', relation: 'intersects', left: p('geometry'), right: { kind: 'geometry', crs: CRS84, geometry: { type: 'Point', coordinates: ['1', 2] } } }, 'invalid_filter', /finite numbers/);
  refused({ op: 'spatial', relation: 'intersects', left: p('geometry'), right: { kind: 'geometry', crs: CRS84, geometry: { type: 'Blob', coordinates: [] } } }, 'invalid_filter', /Unknown geometry type/);
});

test('size and depth limits', () => {
  const eq: Condition = { op: 'compare', comparison: '=', left: p('nam'), right: v(1) };
  refused({ op: 'and', args: Array.from({ length: 2000 }, () => eq) }, 'filter_too_complex', /too large/);
  let deep: Condition = eq;
  for (let i = 0; i < 2000; i++) deep = { op: 'and', args: [deep, eq] };
  refused(deep, 'filter_too_complex', /nested too deeply/);
  refused({ op: 'in', value: p('nam'), list: Array.from({ length: 1001 }, (_, i) => v(i)) }, 'filter_too_complex', /at most 1000 values/);
});
