// Encoding detection on real Cao Bằng names written in each encoding into DBF files built here, .cpg handling, and
// the cases where the reader must say it is unsure instead of returning mojibake.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ENCODING_CONFIDENCE_THRESHOLD, guessEncoding, isDoubleEncoded, isVietnameseSyllable, parseCpg, textDecoder } from './encoding.ts';
import { openShapefile } from './shapefile-reader.ts';
import type { TextEncoding } from './source.ts';
import { buildDbf } from './testing/dbf-writer.ts';
import { encodeText } from './testing/encode-text.ts';
import { scratchDir } from './testing/files.ts';
import { buildShapefile } from './testing/shp-writer.ts';

const NAMES = ['Cao Bằng', 'Đông Khê', 'Bảo Lạc', 'Hà Quảng', 'Nguyên Bình', 'Trùng Khánh', 'Thạch An', 'Hòa An',
  'Quảng Hòa', 'Thác Bản Giốc', 'Phường Sông Hiến', 'Nước Hai', 'Xã Đức Long', 'Thị trấn Nước Hai', 'Hạ Lang'];

const scratch = scratchDir('encoding');
after(() => scratch.remove());

let seq = 0;
/** A point Shapefile whose TEN field holds `values`, already encoded. */
async function dataset(values: Buffer[], cpg?: string) {
  const base = `ds${seq++}`;
  const { shp, shx } = buildShapefile(1, values.map((_, i) => ({ point: [599_000 + i, 2_528_000 + i] })));
  const dbf = buildDbf([{ name: 'TEN', type: 'C', length: 80 }], values.map((v) => [v]));
  const files = {
    shp: scratch.write(`${base}.shp`, shp),
    shx: scratch.write(`${base}.shx`, shx),
    dbf: scratch.write(`${base}.dbf`, dbf),
    ...(cpg !== undefined ? { cpg: scratch.write(`${base}.cpg`, cpg) } : {}),
  };
  return openShapefile(files, { name: base });
}

async function names(ds: Awaited<ReturnType<typeof dataset>>, encoding?: TextEncoding): Promise<string[]> {
  const out: string[] = [];
  for await (const f of ds.features(encoding ? { encoding } : {})) out.push(f.properties.ten as string);
  return out;
}

for (const encoding of ['utf8', 'windows1258', 'tcvn3', 'vni', 'viscii'] as const) {
  test(`names in ${encoding} without a .cpg are detected and decode to the right NFC text`, async () => {
    const ds = await dataset(NAMES.map((n) => encodeText(n, encoding)));
    assert.equal(ds.encoding?.encoding, encoding, ds.encoding?.evidence);
    assert.ok((ds.encoding?.confidence ?? 0) >= ENCODING_CONFIDENCE_THRESHOLD, `${ds.encoding?.confidence}: ${ds.encoding?.evidence}`);
    assert.match(ds.encoding?.evidence ?? '', /No \.cpg; 15 of 15 text values/);
    assert.equal(ds.encoding?.alternatives[0]?.encoding, encoding);
    const read = await names(ds);
    assert.deepEqual(read, NAMES);
    for (const n of read) assert.equal(n, n.normalize('NFC'));
  });
}

test('Windows-1258 text (base letter + combining tone) comes out precomposed', async () => {
  const bytes = encodeText('Trùng Khánh', 'windows1258');
  assert.ok(bytes.includes(0xcc) || bytes.includes(0xec), 'the test data really uses 1258 combining tone marks');
  const decoded = textDecoder('windows1258')(bytes, 0, bytes.length);
  assert.equal(decoded, 'Trùng Khánh'.normalize('NFC'));
  assert.doesNotMatch(decoded, /\p{M}/u);
});

test('a .cpg that agrees with the bytes is honoured and said so', async () => {
  const ds = await dataset(NAMES.map((n) => encodeText(n, 'windows1258')), '1258');
  assert.equal(ds.encoding?.encoding, 'windows1258');
  assert.equal(ds.encoding?.cpg, '1258');
  assert.ok((ds.encoding?.confidence ?? 0) >= 0.9);
  assert.match(ds.encoding?.evidence ?? '', /^\.cpg says 1258; 15 of 15 text values .* valid Vietnamese in Windows-1258/);
  const utf = await dataset(NAMES.map((n) => encodeText(n, 'utf8')), 'UTF-8');
  assert.equal(utf.encoding?.encoding, 'utf8');
  assert.match(utf.encoding?.evidence ?? '', /^\.cpg says UTF-8/);
});

test('a .cpg that the bytes contradict is overruled, with the reason', async () => {
  const ds = await dataset(NAMES.map((n) => encodeText(n, 'tcvn3')), 'UTF-8');
  assert.equal(ds.encoding?.encoding, 'tcvn3');
  assert.match(ds.encoding?.evidence ?? '', /\.cpg says UTF-8, but 15 of 15 text values are not valid UTF-8; detected instead/);
  assert.deepEqual(await names(ds), NAMES);

  const vni = await dataset(NAMES.map((n) => encodeText(n, 'vni')), 'ANSI 1258');
  assert.equal(vni.encoding?.encoding, 'vni');
  assert.match(vni.encoding?.evidence ?? '', /\.cpg says ANSI 1258, but \d+ of 15 text values come out garbled/);
});

test('a .cpg naming no known encoding is reported and detection decides', async () => {
  const ds = await dataset(NAMES.map((n) => encodeText(n, 'viscii')), 'EBCDIC-FOO');
  assert.equal(ds.encoding?.encoding, 'viscii');
  assert.match(ds.encoding?.evidence ?? '', /names no encoding we know/);
});

test('one short name is not enough to be sure: the preview must ask', async () => {
  for (const encoding of ['tcvn3', 'vni', 'viscii', 'windows1258'] as const) {
    const ds = await dataset([encodeText('Cao Bằng', encoding)]);
    assert.ok((ds.encoding?.confidence ?? 1) < ENCODING_CONFIDENCE_THRESHOLD, `${encoding}: ${ds.encoding?.confidence}`);
    assert.match(ds.encoding?.evidence ?? '', /Not sure/);
  }
});

test('bytes that read as Vietnamese in no encoding get a low confidence, never a confident guess', async () => {
  const junk = [Buffer.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]), Buffer.from([0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbe])];
  const g = guessEncoding(junk);
  assert.ok(g.confidence < ENCODING_CONFIDENCE_THRESHOLD, `${g.encoding} ${g.confidence}`);
});

test('UTF-8 that was once misread as Windows-1252 (mojibake in the file) is flagged, not trusted', () => {
  const mojibake = NAMES.map((n) => Buffer.from(Buffer.from(n, 'utf8').toString('latin1'), 'utf8'));
  assert.ok(isDoubleEncoded(mojibake[0]?.toString('utf8') ?? ''));
  const g = guessEncoding(mojibake);
  assert.ok(g.confidence < ENCODING_CONFIDENCE_THRESHOLD, `${g.encoding} ${g.confidence}`);
  assert.match(g.evidence, /mojibake|garbled|Not sure/);
  assert.equal(isDoubleEncoded('Cao Bằng'), false);
});

test('plain ASCII text is ascii with full confidence, whatever the .cpg says', async () => {
  const ds = await dataset(['Cao Bang', 'Dong Khe'].map((n) => Buffer.from(n)), 'UTF-8');
  assert.equal(ds.encoding?.encoding, 'ascii');
  assert.equal(ds.encoding?.confidence, 1);
  assert.deepEqual(await names(ds), ['Cao Bang', 'Dong Khe']);
});

test('Western Latin-1 text is read as Latin-1 but not claimed to be sure', () => {
  const g = guessEncoding([Buffer.from('México', 'latin1'), Buffer.from('Zürich', 'latin1')]);
  assert.equal(g.encoding, 'latin1');
  assert.ok(g.confidence < ENCODING_CONFIDENCE_THRESHOLD);
});

test('the user can override the encoding when reading', async () => {
  const ds = await dataset(NAMES.slice(0, 2).map((n) => encodeText(n, 'tcvn3')));
  const asVni = await names(ds, 'vni');
  assert.notDeepEqual(asVni, NAMES.slice(0, 2));
  assert.deepEqual(await names(ds, 'tcvn3'), NAMES.slice(0, 2));
});

test('field names in a legacy encoding are decoded and proposed as ASCII attribute names', async () => {
  const base = `ds${seq++}`;
  const { shp, shx } = buildShapefile(1, [{ point: [599_000, 2_528_000] }]);
  const dbf = buildDbf(
    [{ name: encodeText('TÊN_XÃ', 'tcvn3'), type: 'C', length: 40 }, { name: 'DAN_SO', type: 'N', length: 9 }],
    [[encodeText('Nước Hai', 'tcvn3'), 12000]],
  );
  const ds = await openShapefile({ shp: scratch.write(`${base}.shp`, shp), shx: scratch.write(`${base}.shx`, shx), dbf: scratch.write(`${base}.dbf`, dbf) }, { name: base });
  assert.equal(ds.encoding?.encoding, 'tcvn3');
  assert.deepEqual(ds.fields.map((f) => [f.sourceName, f.name]), [['TÊN_XÃ', 'ten_xa'], ['DAN_SO', 'dan_so']]);
});

test('.cpg spellings from ArcGIS, QGIS and GDAL', () => {
  assert.equal(parseCpg('UTF-8'), 'utf8');
  assert.equal(parseCpg('65001\r\n'), 'utf8');
  assert.equal(parseCpg('1258'), 'windows1258');
  assert.equal(parseCpg('ANSI 1258'), 'windows1258');
  assert.equal(parseCpg('CP1258'), 'windows1258');
  assert.equal(parseCpg('windows-1258'), 'windows1258');
  assert.equal(parseCpg('TCVN3'), 'tcvn3');
  assert.equal(parseCpg('VISCII'), 'viscii');
  assert.equal(parseCpg('88591'), 'latin1');
  assert.equal(parseCpg('ISO-8859-1'), 'latin1');
  assert.equal(parseCpg('1252'), 'latin1');
  assert.equal(parseCpg('SJIS'), null);
});

test('the syllable model accepts Vietnamese and rejects mojibake-shaped words', () => {
  for (const w of ['Bằng', 'nguyễn', 'QUẢNG', 'Giốc', 'khuổi', 'Phường', 'ngoẹo', 'quýt']) assert.ok(isVietnameseSyllable(w), w);
  for (const w of ['Baèng', 'Bóèng', 'México', 'Nöôùc', 'Nguyênn', 'Trắngx']) assert.ok(!isVietnameseSyllable(w), w);
});
