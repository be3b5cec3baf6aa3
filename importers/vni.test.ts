// VNI-Windows against its code chart: every Vietnamese letter with every tone, both cases, round-trips, and the
// letters that `vietnamese-conversion` gets wrong (ơ/ư with a tone, ỷ, ỹ) have the chart's bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeVni, encodeVni, VniEncodeError } from './vni.ts';

const VOWELS = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
const TONES = ['', '\u0301', '\u0300', '\u0309', '\u0303', '\u0323'];

const hex = (b: Buffer) => b.toString('hex');

test('every vowel with every tone, lower and upper case, and đ round-trip through VNI', () => {
  const letters: string[] = ['đ', 'Đ'];
  for (const v of VOWELS) {
    for (const t of TONES) {
      const lower = (v + t).normalize('NFC');
      letters.push(lower, lower.toUpperCase());
    }
  }
  assert.equal(letters.length, 2 + VOWELS.length * TONES.length * 2);
  for (const letter of letters) {
    const bytes = encodeVni(letter);
    assert.equal(decodeVni(bytes), letter, `${letter} → ${hex(bytes)}`);
    assert.ok(bytes.length >= 1 && bytes.length <= 2, `${letter} is one or two bytes`);
  }
  // All distinct: no two letters share bytes.
  assert.equal(new Set(letters.map((l) => hex(encodeVni(l)))).size, letters.length);
});

test('the bytes are the VNI-Windows chart: base letter + mark byte, single bytes for ơ ư đ, toned i and ỵ', () => {
  const chart: [string, string][] = [
    ['á', '61f9'], ['à', '61f8'], ['ả', '61fb'], ['ã', '61f5'], ['ạ', '61ef'],
    ['â', '61e2'], ['ấ', '61e1'], ['ầ', '61e0'], ['ẩ', '61e5'], ['ẫ', '61e3'], ['ậ', '61e4'],
    ['ă', '61ea'], ['ắ', '61e9'], ['ằ', '61e8'], ['ẳ', '61fa'], ['ẵ', '61fc'], ['ặ', '61eb'],
    ['ê', '65e2'], ['ế', '65e1'], ['ô', '6fe2'], ['ố', '6fe1'],
    ['ơ', 'f4'], ['ớ', 'f4f9'], ['ờ', 'f4f8'], ['ở', 'f4fb'], ['ỡ', 'f4f5'], ['ợ', 'f4ef'],
    ['ư', 'f6'], ['ứ', 'f6f9'], ['ừ', 'f6f8'], ['ử', 'f6fb'], ['ữ', 'f6f5'], ['ự', 'f6ef'],
    ['í', 'ed'], ['ì', 'ec'], ['ỉ', 'e6'], ['ĩ', 'f3'], ['ị', 'f2'],
    ['ý', '79f9'], ['ỳ', '79f8'], ['ỷ', '79fb'], ['ỹ', '79f5'], ['ỵ', 'ee'],
    ['đ', 'f1'], ['Đ', 'd1'], ['Ơ', 'd4'], ['Ớ', 'd4d9'], ['Ư', 'd6'], ['Ự', 'd6cf'],
    ['Ấ', '41c1'], ['Ằ', '41c8'], ['Ỷ', '59db'], ['Ỹ', '59d5'], ['Ỵ', 'ce'], ['Ị', 'd2'],
  ];
  for (const [letter, bytes] of chart) {
    assert.equal(hex(encodeVni(letter)), bytes, letter);
    assert.equal(decodeVni(Buffer.from(bytes, 'hex')), letter, bytes);
  }
});

test('Cao Bằng place names round-trip, and decode from the bytes VNI fonts write', () => {
  const names = ['Cao Bằng', 'Đông Khê', 'Bảo Lạc', 'Hà Quảng', 'Nguyên Bình', 'Trùng Khánh', 'Thạch An', 'Hòa An',
    'Quảng Hòa', 'Thác Bản Giốc', 'Phường Sông Hiến', 'Nước Hai', 'PHƯỜNG HỢP GIANG', 'Thuở', 'Khuổi Ky'];
  for (const n of names) assert.equal(decodeVni(encodeVni(n)), n);
  assert.equal(encodeVni('Cao Bằng').toString('latin1'), 'Cao Baèng');
  assert.equal(encodeVni('Phường').toString('latin1'), 'Phöôøng');
  assert.equal(decodeVni(Buffer.from('Nöôùc Hai', 'latin1')), 'Nước Hai');
});

test('marks typed in the other case still attach to their letter; a stray mark keeps its Windows-1252 glyph', () => {
  assert.equal(decodeVni(Buffer.from('CAO BAèNG', 'latin1')), 'CAO BẰNG');
  assert.equal(decodeVni(Buffer.from('Baøng', 'latin1')), 'Bàng');
  assert.equal(decodeVni(Buffer.from('Baèng', 'latin1')), 'Bằng');
  assert.equal(decodeVni(Buffer.from('xù', 'latin1')), 'xù');
});

test('characters VNI cannot write are refused, not replaced', () => {
  assert.throws(() => encodeVni('Straße'), VniEncodeError);
  assert.throws(() => encodeVni('ü'), VniEncodeError);
  assert.throws(() => encodeVni('ñ'), VniEncodeError);
});
