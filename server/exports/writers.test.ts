// The file writers' own rules, without a database: DBF field names and widths, number formatting, CSV cells, and a
// streamed ZIP that Info-ZIP's unzip checks entry by entry (CRC and sizes from the data descriptors).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { csvCell } from './csv.ts';
import { DbfWriter, dbfField } from './dbf.ts';
import { shortFieldNames } from './field-names.ts';
import { SpoolFile } from './spool-file.ts';
import { zipStream } from './zip.ts';

test('long attribute names become unique 10-character DBF names', () => {
  assert.deepEqual(shortFieldNames(['ten', 'chieu_dai_km', 'chieu_dai_m', 'chieu_dai_x', 'fid'], ['fid']).map((f) => f.field), [
    'ten', 'chieu_dai_', 'chieu_da_1', 'chieu_da_2', 'fid_1',
  ]);
});

test('DBF records: UTF-8 text cut at a character boundary, right-aligned numbers, logicals, dates; the header counts records', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-dbf-'));
  try {
    const file = await SpoolFile.create(path.join(dir, 't.dbf'));
    const dbf = new DbfWriter(file, [dbfField('ten', 'text', 5), dbfField('n', 'integer', 4), dbfField('x', 'number', 0), dbfField('b', 'boolean', 0), dbfField('d', 'date', 0)]);
    await dbf.start();
    await dbf.add(['Bản Giốc', '1999', '7.5', 'true', '2024-05-01']);
    await dbf.add([null, '12345', '1e30', null, null]);
    await dbf.finish();
    await file.close();
    const b = fs.readFileSync(path.join(dir, 't.dbf'));
    assert.equal(b.readUInt32LE(4), 2);
    const headerLength = b.readUInt16LE(8);
    const recordLength = b.readUInt16LE(10);
    assert.equal(recordLength, 1 + 5 + 4 + 24 + 1 + 8);
    const r1 = b.subarray(headerLength, headerLength + recordLength);
    // 'Bản Giốc' is 12 bytes; 5 hold 'Bản' (1 + 3 + 1), and the cut never splits a character.
    assert.equal(r1.subarray(1, 6).toString('utf8'), 'Bản');
    assert.equal(r1.subarray(6, 10).toString(), '1999');
    assert.equal(r1.subarray(10, 34).toString(), '       7.500000000000000');
    assert.equal(r1.subarray(34, 35).toString(), 'T');
    assert.equal(r1.subarray(35, 43).toString(), '20240501');
    const r2 = b.subarray(headerLength + recordLength, headerLength + 2 * recordLength);
    assert.equal(r2.subarray(6, 10).toString(), '    ', 'a number wider than its field is left blank, not cut');
    assert.equal(r2.subarray(10, 34).toString().trim(), '1e+30');
    assert.equal(r2.subarray(34, 35).toString(), '?');
    assert.equal(dbf.truncated, 2, 'the cut name and the blank number');
    assert.equal(b[b.length - 1], 0x1a);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV cells quote what needs quoting and defuse formulas in text', () => {
  assert.equal(csvCell('Cao Bằng', true), 'Cao Bằng');
  assert.equal(csvCell('a,b', true), '"a,b"');
  assert.equal(csvCell('say "hi"', true), '"say ""hi"""');
  assert.equal(csvCell('=1+1', true), "'=1+1");
  assert.equal(csvCell('-5', false), '-5');
  assert.equal(csvCell('+84 912', true), "'+84 912");
  assert.equal(csvCell(null, true), '');
});

test('a streamed ZIP of several entries, deflated and stored, passes unzip -t and unpacks byte for byte', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-zip-'));
  try {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    const chunks: Buffer[] = [];
    for await (const c of zipStream([
      { name: 'dữ liệu.txt', data: async function* () { yield Buffer.from('Xin chào Cao Bằng\n'); yield Buffer.from('second chunk\n'); } },
      { name: 'big.bin', data: () => [big.subarray(0, 1_000_000), big.subarray(1_000_000)] },
      { name: 'stored.bin', data: () => [Buffer.from('stored as is')], store: true },
      { name: 'empty.txt', data: () => [] },
    ])) chunks.push(c);
    const file = path.join(dir, 'a.zip');
    fs.writeFileSync(file, Buffer.concat(chunks));
    execFileSync('unzip', ['-tq', file]);
    execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'dữ liệu.txt'), 'utf8'), 'Xin chào Cao Bằng\nsecond chunk\n');
    assert.ok(fs.readFileSync(path.join(dir, 'out', 'big.bin')).equals(big));
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'stored.bin'), 'utf8'), 'stored as is');
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'empty.txt')).length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
