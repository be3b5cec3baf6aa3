// The pure parts of the pipeline: COPY lines, the WKB check, field mapping and the composed validation SQL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { copyLine } from './staging.ts';
import { checkWkb } from './wkb-check.ts';
import { mapFields, proposeAttributes } from './field-mapping.ts';
import { validationSql } from './validation-sql.ts';

const pointWkb = (x: number, y: number) => {
  const b = Buffer.alloc(21);
  b.writeUInt8(1, 0);
  b.writeUInt32LE(1, 1);
  b.writeDoubleLE(x, 5);
  b.writeDoubleLE(y, 13);
  return b;
};

describe('COPY lines', () => {
  test('text is escaped for COPY, NUL padding dropped, Vietnamese stored precomposed', () => {
    const line = copyLine({ index: 7, wkb: pointWkb(1, 2), problems: [], properties: { ten: 'Ba\\ Be\u0000', ghi_chu: 'a\tb\nc', nfd: 'Cao Bă\u0300ng'.normalize('NFD') } });
    const [idx, wkb, props, problems] = line.replace(/\n$/, '').split('\t');
    assert.equal(idx, '7');
    assert.equal(wkb, pointWkb(1, 2).toString('hex'));
    assert.equal(problems, '\\N');
    assert.ok(!line.slice(0, -1).includes('\n') && line.split('\t').length === 4, 'one line, four columns');
    const json = JSON.parse(props!.replace(/\\\\/g, '\\'));
    assert.deepEqual(json, { ten: 'Ba\\ Be', ghi_chu: 'a\tb\nc', nfd: 'Cao Bằng'.normalize('NFC') });
  });

  test('a NaN coordinate becomes a problem of that feature, not a geometry', () => {
    const line = copyLine({ index: 0, wkb: pointWkb(Number.NaN, 22), problems: [], properties: {} });
    const [, wkb, , problems] = line.replace(/\n$/, '').split('\t');
    assert.equal(wkb, '\\N');
    assert.equal(JSON.parse(problems!)[0].code, 'non_finite_coordinates');
  });
});

describe('WKB check', () => {
  test('finite, NaN, infinite, truncated, unknown type', () => {
    assert.deepEqual(checkWkb(pointWkb(106, 22)), { ok: true });
    assert.equal(checkWkb(pointWkb(106, Number.POSITIVE_INFINITY)).ok, false);
    assert.equal((checkWkb(pointWkb(Number.NaN, 22)) as { code: string }).code, 'non_finite_coordinates');
    assert.equal((checkWkb(pointWkb(106, 22).subarray(0, 15)) as { code: string }).code, 'malformed_geometry');
    const odd = pointWkb(1, 2);
    odd.writeUInt32LE(99, 1);
    assert.equal((checkWkb(odd) as { code: string }).code, 'malformed_geometry');
  });
});

describe('field mapping', () => {
  const attributes = [
    { name: 'ten_don_vi_quan_ly', type: 'text' as const, label_vi: 'Đơn vị', label_en: 'Unit', required: false },
    { name: 'ma', type: 'integer' as const, label_vi: 'Mã', label_en: 'Code', required: false },
  ];
  const fields = [
    { name: 'ten_don_vi', sourceName: 'TEN_DON_VI', type: 'text' as const },
    { name: 'ma', sourceName: 'MA', type: 'integer' as const },
    { name: 'ghi_chu', sourceName: 'GHI_CHU', type: 'text' as const },
  ];

  test('same names and the 10-character DBF prefix are found; the rest is left out', () => {
    const { mapping, errors } = mapFields(fields, attributes);
    assert.deepEqual(errors, []);
    assert.deepEqual(mapping.map((m) => [m.sourceName, m.attribute, m.how]), [
      ['TEN_DON_VI', 'ten_don_vi_quan_ly', 'dbf_prefix'], ['MA', 'ma', 'same_name'], ['GHI_CHU', null, 'unmapped'],
    ]);
  });

  test('the editor\'s map wins, and its mistakes are named', () => {
    const chosen = mapFields(fields, attributes, { GHI_CHU: 'ten_don_vi_quan_ly', TEN_DON_VI: null });
    assert.deepEqual(chosen.errors, []);
    assert.deepEqual(chosen.mapping.map((m) => m.attribute), [null, 'ma', 'ten_don_vi_quan_ly']);
    const wrong = mapFields(fields, attributes, { KHONG_CO: 'ma', MA: 'khong_co' });
    assert.equal(wrong.errors.length, 2);
    assert.match(wrong.errors[0]!, /'KHONG_CO', which is not a field/);
    assert.match(wrong.errors[1]!, /'khong_co', which is not an attribute/);
    const taken = mapFields(fields, attributes, { GHI_CHU: 'ma' });
    assert.deepEqual(taken.mapping.map((m) => m.attribute), ['ten_don_vi_quan_ly', null, 'ma'], 'a guess never takes a chosen attribute');
    const twice = mapFields(fields, attributes, { GHI_CHU: 'ma', MA: 'ma' });
    assert.match(twice.errors[0]!, /Both 'MA' and 'GHI_CHU' are mapped to the attribute 'ma'/);
  });

  test('a new layer\'s attributes come from the fields, with valid unique names', () => {
    const proposed = proposeAttributes([
      { name: 'fid', sourceName: 'FID', type: 'integer' }, { name: 'tên', sourceName: 'Tên', type: 'text' }, { name: '1x', sourceName: '1X', type: 'number' },
    ]);
    assert.deepEqual(proposed.map((a) => [a.name, a.type, a.label_vi]), [['fid_1', 'integer', 'FID'], ['ten', 'text', 'Tên'], ['f_1x', 'number', '1X']]);
  });
});

describe('validation SQL', () => {
  test('field names from the file are parameters; column names are quoted identifiers from the layer', () => {
    const q = validationSql({
      rawTable: 'import_staging.r_x', checkedTable: 'import_staging.c_x', srid: 9210, family: 'polygon', safeTransform: false,
      attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name', required: true, max_length: 10 }],
      fieldFor: { ten: "TEN'); drop table x; --" },
    });
    assert.ok(!q.text.includes('drop table'));
    assert.deepEqual(q.values, [9210, "TEN'); drop table x; --"]);
    assert.match(q.text, /st_transform\(st_setsrid\(st_force2d\(r\.wkb\), \$1::integer\), 4326\)/);
    assert.match(q.text, /st_collectionextract\(st_makevalid\(c\._fg\), 3\)/);
    assert.match(q.text, /"ten"/);
    const safe = validationSql({ rawTable: 'r', checkedTable: 'c', srid: 9210, family: 'point', safeTransform: true, attributes: [], fieldFor: {} });
    assert.match(safe.text, /imports\.try_transform/);
  });
});
