import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { compressPart, crc32Combine, digestOf, EMPTY_PART, gzipOf, plainOf } from './tile-bytes.ts';

// Text-like (compressible) and random (incompressible) pieces, and one over 64 kB (several deflate blocks).
const pieces = [
  Buffer.from('Đèn chiếu sáng công cộng '.repeat(400)),
  randomBytes(5000),
  Buffer.alloc(200_000, 7),
  Buffer.from('x'),
];

test('CRC-32 of a concatenation from the pieces\' CRCs, as zlib computes it', () => {
  for (const [a, b] of [[pieces[0]!, pieces[1]!], [pieces[2]!, pieces[3]!], [pieces[3]!, pieces[0]!]] as const) {
    assert.equal(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length), zlib.crc32(Buffer.concat([a, b])));
  }
  assert.equal(crc32Combine(123, 0, 0), 123);
});

test('parts concatenate into one gzip member of the concatenated bytes', async () => {
  const parts = await Promise.all(pieces.map((p) => compressPart(p)));
  const all = Buffer.concat(pieces);
  const gz = gzipOf(parts);
  assert.deepEqual(zlib.gunzipSync(gz), all);
  // The system's gzip agrees (it checks the CRC and length in the trailer).
  assert.deepEqual(execFileSync('gzip', ['-dc'], { input: gz }), all);
  assert.deepEqual(await plainOf(parts), all);
  // Any subset, in any order.
  assert.deepEqual(zlib.gunzipSync(gzipOf([parts[3]!, parts[0]!])), Buffer.concat([pieces[3]!, pieces[0]!]));
  assert.deepEqual(zlib.gunzipSync(gzipOf([parts[1]!])), pieces[1]);
  assert.ok(parts[0]!.deflated.length < pieces[0]!.length / 5, 'compressed');
  // One part is sent as it is kept: a whole gzip member, with the deflate stream a view into it.
  assert.equal(gzipOf([parts[2]!]), parts[2]!.gzip);
  assert.deepEqual(zlib.gunzipSync(parts[2]!.gzip), pieces[2]);
  assert.equal(parts[2]!.deflated.buffer, parts[2]!.gzip.buffer);
});

test('an empty tile is the empty part; digests follow the bytes', async () => {
  assert.equal(await compressPart(Buffer.alloc(0)), EMPTY_PART);
  assert.equal(digestOf(Buffer.from('a')), digestOf(Buffer.from('a')));
  assert.notEqual(digestOf(Buffer.from('a')), digestOf(Buffer.from('b')));
  assert.equal((await compressPart(pieces[0]!)).digest, digestOf(pieces[0]!));
});
