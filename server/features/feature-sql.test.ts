// The provider's SQL, exactly: these are the statements the database runs, so a change to them shows up here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attribute } from '../catalog/attributes.ts';
import { countFeaturesSql, featureJsonSql, neighboursSql, quoteIdent, selectFeatureSql, selectFeaturesSql, type SqlLayer } from './feature-sql.ts';
import type { FeatureQuery } from './query.ts';

const attr = (name: string, type: Attribute['type']): Attribute => ({ name, type, label_vi: name, label_en: name, required: false });

const layer: SqlLayer = {
  id: 'xay_dung.quy_hoach_dat',
  attributes: [attr('loai_dat', 'text'), attr('so_thua', 'integer'), attr('dien_tich', 'number'), attr('da_duyet', 'boolean')],
};

const query = (over: Partial<FeatureQuery> = {}): FeatureQuery => ({
  bbox: null,
  filters: [],
  properties: null,
  limit: 100,
  cursor: null,
  ...over,
});

const allProps = `'{"type":"Feature","id":' || t.fid || ',"geometry":' || st_asgeojson(t.geom, 7) || ',"properties":' || (select row_to_json(p) from (select t."loai_dat", t."so_thua", t."dien_tich", t."da_duyet") p)::text || '}'`;

test('a plain page selects every attribute, in fid order, with the limit as a parameter', () => {
  assert.deepEqual(selectFeaturesSql(layer, query()), {
    text: [
      `select t.fid, ${allProps} as feature`,
      'from "xay_dung"."quy_hoach_dat" t',
      'order by t.fid',
      'limit $1',
    ].join('\n'),
    values: [100],
  });
});

test('bbox, attribute filters and the after cursor are parameters, in that order, before the limit', () => {
  const q = query({
    bbox: [105.9, 22.5, 106.4, 22.8],
    filters: [
      { name: 'loai_dat', type: 'text', values: ["Đất ở đô thị' OR 1=1 --"] },
      { name: 'so_thua', type: 'integer', values: ['12', '13'] },
    ],
    cursor: { after: 250 },
    limit: 10,
  });
  assert.deepEqual(selectFeaturesSql(layer, q), {
    text: [
      `select t.fid, ${allProps} as feature`,
      'from "xay_dung"."quy_hoach_dat" t',
      'where st_intersects(t.geom, st_makeenvelope($1, $2, $3, $4, 4326))',
      '  and t."loai_dat" = $5::text',
      '  and t."so_thua" = any($6::bigint[])',
      '  and t.fid > $7',
      'order by t.fid',
      'limit $8',
    ].join('\n'),
    values: [105.9, 22.5, 106.4, 22.8, "Đất ở đô thị' OR 1=1 --", ['12', '13'], 250, 10],
  });
});

test('a backward page reads downwards from its cursor and is put back in fid order', () => {
  const q = query({ cursor: { before: 40 }, limit: 5, properties: ['dien_tich'], filters: [{ name: 'da_duyet', type: 'boolean', values: [true] }] });
  assert.deepEqual(selectFeaturesSql(layer, q), {
    text: [
      'select page.fid, page.feature from (',
      `select t.fid, '{"type":"Feature","id":' || t.fid || ',"geometry":' || st_asgeojson(t.geom, 7) || ',"properties":' || (select row_to_json(p) from (select t."dien_tich") p)::text || '}' as feature`,
      'from "xay_dung"."quy_hoach_dat" t',
      'where t."da_duyet" = $1::boolean',
      '  and t.fid < $2',
      'order by t.fid desc',
      'limit $3',
      ') page',
      'order by page.fid',
    ].join('\n'),
    values: [true, 40, 5],
  });
});

test('a whole-layer read (exports) has no limit', () => {
  const { text, values } = selectFeaturesSql(layer, query({ limit: null }));
  assert.equal(text.endsWith('order by t.fid'), true, text);
  assert.deepEqual(values, []);
});

test('an empty property list gives an empty properties object, not a sub-select of nothing', () => {
  assert.equal(
    featureJsonSql(layer, []),
    `'{"type":"Feature","id":' || t.fid || ',"geometry":' || st_asgeojson(t.geom, 7) || ',"properties":' || '{}' || '}'`,
  );
});

test('an attribute the catalog does not list never becomes an identifier', () => {
  assert.throws(() => featureJsonSql(layer, ['loai_dat', 'x"; drop table t; --']), /no attribute/);
  assert.throws(
    () => selectFeaturesSql(layer, query({ filters: [{ name: 'fid', type: 'integer', values: ['1'] }] })),
    /no attribute 'fid'/,
  );
  assert.equal(quoteIdent('a"b'), '"a""b"');
});

test('neighbour probes reuse the filter parameters and skip a side that is not asked about', () => {
  const q = query({ bbox: [105, 22, 106, 23], filters: [{ name: 'dien_tich', type: 'number', values: [12.5] }] });
  const probe = (cmp: string) =>
    [
      'exists (select 1',
      '  from "xay_dung"."quy_hoach_dat" t',
      '  where st_intersects(t.geom, st_makeenvelope($1, $2, $3, $4, 4326))',
      '    and t."dien_tich" = $5::double precision',
      `    and ${cmp})`,
    ].join('\n');
  assert.deepEqual(neighboursSql(layer, q, { below: 10, above: 20 }), {
    text: `select ${probe('t.fid < $6')} as has_prev,\n${probe('t.fid > $7')} as has_next`,
    values: [105, 22, 106, 23, 12.5, 10, 20],
  });
  assert.deepEqual(neighboursSql(layer, query(), { below: null, above: 7 }), {
    text: 'select false as has_prev,\nexists (select 1\n  from "xay_dung"."quy_hoach_dat" t\n  where t.fid > $1) as has_next',
    values: [7],
  });
});

test('one feature by fid, with its row version and update time', () => {
  assert.deepEqual(selectFeatureSql(layer, 42, ['so_thua', 'loai_dat']), {
    text: [
      `select t.version, t.updated_at, '{"type":"Feature","id":' || t.fid || ',"geometry":' || st_asgeojson(t.geom, 7) || ',"properties":' || (select row_to_json(p) from (select t."so_thua", t."loai_dat") p)::text || '}' as feature`,
      'from "xay_dung"."quy_hoach_dat" t',
      'where t.fid = $1',
    ].join('\n'),
    values: [42],
  });
});

test('a count applies the filters and ignores paging', () => {
  const q = query({ filters: [{ name: 'loai_dat', type: 'text', values: ['a', 'b'] }], cursor: { after: 9 }, limit: 3 });
  assert.deepEqual(countFeaturesSql(layer, q), {
    text: 'select count(*) as n\nfrom "xay_dung"."quy_hoach_dat" t\nwhere t."loai_dat" = any($1::text[])',
    values: [['a', 'b']],
  });
  assert.deepEqual(countFeaturesSql(layer, query()), { text: 'select count(*) as n\nfrom "xay_dung"."quy_hoach_dat" t', values: [] });
});
