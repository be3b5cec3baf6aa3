// Query parameters → typed query: what is accepted, what it becomes, and the error each bad input gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attribute } from '../catalog/attributes.ts';
import type { Layer } from '../catalog/catalog.ts';
import { AppError } from '../errors.ts';
import {
  canonicalParameters,
  coerceAttributeValue,
  matchesWholeLayer,
  parseBbox,
  parseFeatureQuery,
  parseFid,
  parseItemQuery,
  parseLimit,
} from './query.ts';

const attr = (name: string, type: Attribute['type']): Attribute => ({ name, type, label_vi: name, label_en: name, required: false });

const layer: Layer = {
  id: 'xay_dung.quy_hoach_dat',
  sector: { code: 'xay_dung', titleVi: 'Xây dựng', titleEn: 'Construction' },
  owner: { id: '00000000-0000-0000-0000-000000000000', code: 'so_xay_dung', nameVi: 'Sở Xây dựng', nameEn: 'Department of Construction' },
  titleVi: 'Quy hoạch sử dụng đất',
  titleEn: 'Land use plan',
  descriptionVi: '',
  descriptionEn: '',
  geometryFamily: 'polygon',
  attributes: [
    attr('loai_dat', 'text'),
    attr('so_thua', 'integer'),
    attr('dien_tich', 'number'),
    attr('da_duyet', 'boolean'),
    attr('ngay_duyet', 'date'),
    attr('cap_nhat', 'datetime'),
    // An attribute named like a reserved parameter: the parameter wins.
    attr('limit', 'integer'),
  ],
  nameAttribute: 'loai_dat',
  visibility: 'public',
  source: 'Sở Xây dựng',
  legalBasis: '',
  licence: 'CC BY 4.0',
  dataUpdatedAt: new Date('2024-05-01T00:00:00Z'),
  dataVersion: 3,
  featureCount: 10,
  minZoom: 0,
  maxZoom: 22,
  style: {},
  sort: 0,
};

const limits = { defaultLimit: 100, maxLimit: 1000 };
const parse = (qs: string) => parseFeatureQuery(layer, new URLSearchParams(qs), limits);

function rejects(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('bbox: four finite numbers in range, min before max', () => {
  assert.deepEqual(parseBbox('105.9,22.5,106.4,22.8'), [105.9, 22.5, 106.4, 22.8]);
  assert.deepEqual(parseBbox(' -180 , -90 , 180 , 90 '), [-180, -90, 180, 90]);
  assert.deepEqual(parseBbox('106,22.5,106,22.5'), [106, 22.5, 106, 22.5]);
  rejects(() => parseBbox('105,160,106,23'), 'invalid_bbox', /latitude 160 is outside -90…90/);
  rejects(() => parseBbox('181,22,182,23'), 'invalid_bbox', /longitude 181/);
  rejects(() => parseBbox('106.5,22,105.5,23'), 'invalid_bbox', /minLon 106.5 is greater than maxLon 105.5/);
  rejects(() => parseBbox('105,23,106,22'), 'invalid_bbox', /minLat 23 is greater than maxLat 22/);
  rejects(() => parseBbox('a,b,c,d'), 'invalid_bbox', /'a' is not a finite number/);
  rejects(() => parseBbox('105,22,106'), 'invalid_bbox', /got 3 values/);
  rejects(() => parseBbox('105,22,106,23,1'), 'invalid_bbox', /got 5 values/);
  rejects(() => parseBbox('NaN,22,106,23'), 'invalid_bbox', /'NaN'/);
  rejects(() => parseBbox('105,22,Infinity,23'), 'invalid_bbox', /'Infinity'/);
  rejects(() => parseBbox('105,22,1e400,23'), 'invalid_bbox', /'1e400'/);
  rejects(() => parseBbox('0x10,22,106,23'), 'invalid_bbox');
  rejects(() => parseBbox(''), 'invalid_bbox');
  rejects(() => parse('bbox=105,22,106,23&bbox=105,22,106,23'), 'invalid_bbox', /only once/);
});

test('limit: default, clamped above the maximum, refused when not a positive whole number', () => {
  assert.equal(parseLimit(undefined, limits), 100);
  assert.equal(parseLimit(undefined, { defaultLimit: 5000, maxLimit: 1000 }), 1000);
  assert.equal(parseLimit('7', limits), 7);
  assert.equal(parseLimit('1000', limits), 1000);
  assert.equal(parseLimit('1001', limits), 1000);
  assert.equal(parseLimit('9'.repeat(400), limits), 1000);
  for (const bad of ['-1', '0', '000', 'abc', '1e400', '1e3', '2.5', '', ' ', 'Infinity', '0x10']) {
    rejects(() => parseLimit(bad, limits), 'invalid_limit');
  }
});

test('fid: a whole number, else invalid_fid', () => {
  assert.equal(parseFid('42'), 42);
  assert.equal(parseFid('-3'), -3);
  for (const bad of ['abc', '1.5', '1e3', '', '99999999999999999999', "1' or '1'='1"]) rejects(() => parseFid(bad), 'invalid_fid');
});

test('attribute values are coerced to the attribute type, or refused', () => {
  // NFD in, NFC out: both spellings of a name find the same feature.
  assert.equal(coerceAttributeValue('text', 'Đất ở đô thị'.normalize('NFD')), 'Đất ở đô thị'.normalize('NFC'));
  assert.equal(coerceAttributeValue('text', "' OR 1=1 --"), "' OR 1=1 --");
  assert.equal(coerceAttributeValue('text', 'a\u0000b'), null);
  assert.equal(coerceAttributeValue('integer', '007'), '7');
  assert.equal(coerceAttributeValue('integer', '-9223372036854775808'), '-9223372036854775808');
  assert.equal(coerceAttributeValue('integer', '9223372036854775808'), null);
  assert.equal(coerceAttributeValue('integer', '1; drop table x'), null);
  assert.equal(coerceAttributeValue('integer', '1.5'), null);
  assert.equal(coerceAttributeValue('number', '12.5'), 12.5);
  assert.equal(coerceAttributeValue('number', '1e400'), null);
  assert.equal(coerceAttributeValue('number', 'NaN'), null);
  assert.equal(coerceAttributeValue('boolean', 'TRUE'), true);
  assert.equal(coerceAttributeValue('boolean', '0'), false);
  assert.equal(coerceAttributeValue('boolean', 'yes'), null);
  assert.equal(coerceAttributeValue('date', '2024-02-29'), '2024-02-29');
  assert.equal(coerceAttributeValue('date', '2023-02-29'), null);
  assert.equal(coerceAttributeValue('date', '0000-01-01'), null);
  assert.equal(coerceAttributeValue('date', '2024-1-5'), null);
  assert.equal(coerceAttributeValue('datetime', '2024-05-01T08:00:00+07:00'), '2024-05-01T08:00:00+07:00');
  assert.equal(coerceAttributeValue('datetime', '2024-05-01 08:00z'), '2024-05-01T08:00Z');
  assert.equal(coerceAttributeValue('datetime', '2024-05-01T08:00:00'), null);
  assert.equal(coerceAttributeValue('datetime', '2024-05-01T25:00:00Z'), null);
});

test('a query becomes typed filters; repeated values of one attribute match any of them', () => {
  const q = parse(`loai_dat=${encodeURIComponent('Đất ở đô thị')}&so_thua=13&so_thua=12&so_thua=12&da_duyet=true&limit=5&after=20`);
  assert.deepEqual(q, {
    bbox: null,
    filters: [
      { name: 'loai_dat', type: 'text', values: ['Đất ở đô thị'] },
      { name: 'so_thua', type: 'integer', values: ['12', '13'] },
      { name: 'da_duyet', type: 'boolean', values: [true] },
    ],
    properties: null,
    limit: 5,
    cursor: { after: 20 },
    asOf: null,
  });
  assert.equal(matchesWholeLayer(q), false);
  assert.equal(matchesWholeLayer(parse('limit=3&after=2&properties=so_thua')), true);
  rejects(() => parse('so_thua=abc'), 'invalid_filter', /'so_thua' is a whole number; 'abc' is not/);
  rejects(() => parse('ngay_duyet=2024-13-01'), 'invalid_filter', /date YYYY-MM-DD/);
  // A parameter named like an attribute but reserved is the parameter.
  assert.equal(parse('limit=3').filters.length, 0);
});

test('unknown parameters, SQL-looking names included, are refused with the allowed list', () => {
  rejects(() => parse('offset=10'), 'unknown_parameter', /'offset'.*Allowed: bbox, limit, after, before, properties, as_of;.*loai_dat, so_thua/);
  rejects(() => parse(`${encodeURIComponent("loai_dat' OR 1=1 --")}=x`), 'unknown_parameter');
  rejects(() => parse(`${encodeURIComponent('1; drop table x')}=1`), 'unknown_parameter');
  rejects(() => parse('__proto__=1'), 'unknown_parameter');
  rejects(() => parse('LIMIT=3'), 'unknown_parameter');
  rejects(() => parse('after=1&before=9'), 'invalid_cursor', /either after or before/);
  rejects(() => parse('after=abc'), 'invalid_cursor');
  rejects(() => parse('before=-1'), 'invalid_cursor');
});

test('properties chooses attributes; an unknown one is refused', () => {
  assert.deepEqual(parse('properties=so_thua,loai_dat,so_thua').properties, ['so_thua', 'loai_dat']);
  assert.deepEqual(parse('properties=').properties, []);
  rejects(() => parse('properties=so_thua,geom'), 'unknown_property', /'geom' is not one/);
  assert.deepEqual(parseItemQuery(layer, new URLSearchParams('properties=dien_tich')).properties, ['dien_tich']);
  assert.equal(parseItemQuery(layer, new URLSearchParams('')).properties, null);
  assert.equal(parseItemQuery(layer, new URLSearchParams('as_of=2024-06-30T17:00:00%2B07:00')).asOf?.toISOString(), '2024-06-30T10:00:00.000Z');
  rejects(() => parseItemQuery(layer, new URLSearchParams('as_of=yesterday')), 'invalid_as_of', /ISO 8601/);
  rejects(() => parseItemQuery(layer, new URLSearchParams('loai_dat=x')), 'unknown_parameter', /Allowed: properties, as_of\./);
});

test('canonical parameters do not depend on how the client spelled the query', () => {
  const a = parse('so_thua=2&so_thua=1&bbox=105,22,106,23&limit=0010&properties=loai_dat');
  const b = parse('properties=loai_dat&limit=10&bbox=105.0,22.00,106,23&so_thua=1&so_thua=02');
  assert.deepEqual(canonicalParameters(a), canonicalParameters(b));
  assert.deepEqual(canonicalParameters(a, { before: 9 }), [
    ['bbox', '105,22,106,23'],
    ['limit', '10'],
    ['properties', 'loai_dat'],
    ['so_thua', '1'],
    ['so_thua', '2'],
    ['before', '9'],
  ]);
});
