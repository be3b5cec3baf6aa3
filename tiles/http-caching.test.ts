import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptsGzip, cacheControl, etagMatches, tileEtag } from './http-caching.ts';
import { parseTileAddress } from './tile-address.ts';
import { AppError } from '../server/errors.ts';

test('Accept-Encoding: gzip only when allowed with a quality above zero', () => {
  assert.equal(acceptsGzip('gzip, deflate, br'), true);
  assert.equal(acceptsGzip('br;q=1.0, gzip;q=0.5'), true);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip('x-gzip'), true);
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip(''), false);
  assert.equal(acceptsGzip('identity'), false);
  assert.equal(acceptsGzip('br, deflate'), false);
  assert.equal(acceptsGzip('gzip;q=0'), false);
  assert.equal(acceptsGzip('gzip;q=0, *'), false);
  assert.equal(acceptsGzip('*;q=0'), false);
});

test('ETags are strong, follow the content and differ by coding', () => {
  const base = tileEtag(['abcDEF_-0123456789abcdefghij'], true);
  assert.match(base, /^"[A-Za-z0-9_-]+-gz"$/);
  const others = [tileEtag(['other'], true), tileEtag(['abcDEF_-0123456789abcdefghij'], false),
    tileEtag(['abcDEF_-0123456789abcdefghij', 'other'], true), tileEtag(['van_hoa.a:x', 'van_hoa.b:y'], true),
    tileEtag(['van_hoa.a:x', 'van_hoa.c:y'], true)];
  assert.equal(new Set([base, ...others]).size, 6);
  assert.equal(tileEtag(['abcDEF_-0123456789abcdefghij'], true), base);
  assert.equal(tileEtag(['van_hoa.a:x', 'van_hoa.b:y'], false), tileEtag(['van_hoa.a:x', 'van_hoa.b:y'], false));
});

test('If-None-Match: lists, weak prefixes and *', () => {
  const tag = '"abc-gz"';
  assert.equal(etagMatches('"abc-gz"', tag), true);
  assert.equal(etagMatches('W/"abc-gz"', tag), true);
  assert.equal(etagMatches('"x", "abc-gz"', tag), true);
  assert.equal(etagMatches('*', tag), true);
  assert.equal(etagMatches('"abc"', tag), false);
  assert.equal(etagMatches(undefined, tag), false);
});

test('public layers are shared-cacheable for a minute; restricted ones are private and revalidated', () => {
  assert.equal(cacheControl({ visibility: 'public' }), 'public, max-age=60');
  assert.equal(cacheControl({ visibility: 'restricted' }), 'private, max-age=0, must-revalidate');
});

test('tile addresses: whole numbers inside the pyramid', () => {
  assert.deepEqual(parseTileAddress({ z: '0', x: '0', y: '0' }), { z: 0, x: 0, y: 0 });
  assert.deepEqual(parseTileAddress({ z: '24', x: '16777215', y: '16777215' }), { z: 24, x: 16777215, y: 16777215 });
  const bad = [['25', '0', '0'], ['3', '8', '0'], ['3', '0', '8'], ['abc', '0', '0'], ['3', '-1', '0'], ['3', '1.5', '0'],
    ['3', '1e0', '0'], ['3', '', '0'], ['3', ' 1', '0'], ['3', '0x1', '0'], ['24', '16777216', '0']] as const;
  for (const [z, x, y] of bad) {
    assert.throws(() => parseTileAddress({ z, x, y }), (err) => err instanceof AppError && err.status === 400 && err.code === 'invalid_tile',
      `${z}/${x}/${y}`);
  }
});
