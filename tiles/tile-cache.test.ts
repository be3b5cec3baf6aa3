import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TileCache } from './tile-cache.ts';

const tile = { z: 12, x: 3262, y: 1780 };
const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

test('keys differ by layer, data version and tile', () => {
  const keys = new Set([
    TileCache.key('van_hoa.a', 1, tile),
    TileCache.key('van_hoa.b', 1, tile),
    TileCache.key('van_hoa.a', 2, tile),
    TileCache.key('van_hoa.a', 1, { ...tile, y: 1781 }),
    TileCache.key('van_hoa.a', 1, { z: 1, x: 23, y: 1780 }),
  ]);
  assert.equal(keys.size, 5);
});

test('returns what was stored, and nothing for a newer data version', () => {
  const cache = new TileCache(1_000_000);
  cache.set(TileCache.key('van_hoa.a', 7, tile), bytes(100, 7));
  assert.deepEqual(cache.get(TileCache.key('van_hoa.a', 7, tile)), bytes(100, 7));
  assert.equal(cache.get(TileCache.key('van_hoa.a', 8, tile)), undefined);
});

test('stays within its byte budget, evicting the least recently used first', () => {
  const keyOf = (i: number) => TileCache.key('van_hoa.a', 1, { z: 12, x: i, y: 0 });
  const probe = new TileCache(1_000_000);
  probe.set(keyOf(0), bytes(1000));
  const cost = probe.bytes;
  const cache = new TileCache(cost * 3);
  cache.set(keyOf(1), bytes(1000));
  cache.set(keyOf(2), bytes(1000));
  cache.set(keyOf(3), bytes(1000));
  assert.equal(cache.size, 3);
  // Touch 1: now 2 is the least recently used and goes when 4 arrives.
  assert.ok(cache.get(keyOf(1)));
  cache.set(keyOf(4), bytes(1000));
  assert.equal(cache.size, 3);
  assert.ok(cache.bytes <= cache.capacityBytes);
  assert.equal(cache.get(keyOf(2)), undefined);
  assert.ok(cache.get(keyOf(1)));
  assert.ok(cache.get(keyOf(3)));
  assert.ok(cache.get(keyOf(4)));
});

test('replacing an entry does not count it twice', () => {
  const cache = new TileCache(1_000_000);
  const key = TileCache.key('van_hoa.a', 1, tile);
  cache.set(key, bytes(500));
  const once = cache.bytes;
  cache.set(key, bytes(500, 2));
  assert.equal(cache.bytes, once);
  assert.equal(cache.size, 1);
  assert.deepEqual(cache.get(key), bytes(500, 2));
});

test('empty tiles cost memory too, so a flood of them is bounded', () => {
  const cache = new TileCache(10_000);
  for (let i = 0; i < 10_000; i++) cache.set(TileCache.key('van_hoa.a', 1, { z: 20, x: i, y: 0 }), Buffer.alloc(0));
  assert.ok(cache.size > 0);
  assert.ok(cache.size < 100, `${cache.size} empty entries in a 10 kB cache`);
  assert.ok(cache.bytes <= 10_000);
});

test('a tile larger than the whole budget, or a zero budget, stores nothing', () => {
  const small = new TileCache(1000);
  small.set(TileCache.key('van_hoa.a', 1, tile), bytes(2000));
  assert.equal(small.size, 0);
  const off = new TileCache(0);
  off.set(TileCache.key('van_hoa.a', 1, tile), bytes(1));
  assert.equal(off.get(TileCache.key('van_hoa.a', 1, tile)), undefined);
  assert.equal(off.bytes, 0);
});
