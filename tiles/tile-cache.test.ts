import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bbox } from '../server/catalog/extent.ts';
import type { TileAddress } from './tile-address.ts';
import type { TilePart } from './tile-bytes.ts';
import { TileCache, touches } from './tile-cache.ts';

const LAYER = 'van_hoa.a';
const STATEMENT = 'tile_0123456789abcdef_van_hoa.a';
const part = (n: number, fill = 1): TilePart => ({ gzip: Buffer.alloc(n, fill), deflated: Buffer.alloc(n, fill), crc: fill, size: n * 2, digest: `d${fill}-${n}` });
const keyOf = (tile: TileAddress, layer = LAYER) => TileCache.key(layer, STATEMENT, tile);

/** Tile x/y of a WGS84 position, as the tests in tiles.test.ts compute them. */
function tileOf(lon: number, lat: number, z: number): TileAddress {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

const BAN_GIOC = { lon: 106.721998, lat: 22.856402 };
const DONG_KHE = { lon: 106.43, lat: 22.43 };
const aroundBanGioc: Bbox = [106.721, 22.856, 106.723, 22.857];
const at = (p: { lon: number; lat: number }, z: number) => tileOf(p.lon, p.lat, z);

/** A cache holding Bản Giốc's and Đông Khê's tiles at zooms 4–14, rendered at `version`, with `version` applied. */
function warmCache(version: number) {
  const cache = new TileCache(10_000_000);
  // The first notification sets the baseline: from then on changes are applied one by one.
  cache.applyChange({ layer: LAYER, version, bbox: null });
  const tiles: TileAddress[] = [];
  for (let z = 4; z <= 14; z++) tiles.push(at(BAN_GIOC, z), at(DONG_KHE, z));
  for (const t of tiles) assert.ok(cache.set(keyOf(t), LAYER, t, version, part(100, t.z)));
  return { cache, tiles };
}

test('keys differ by layer, statement and tile', () => {
  const tile = { z: 12, x: 3262, y: 1780 };
  const keys = new Set([
    TileCache.key('van_hoa.a', 's1', tile),
    TileCache.key('van_hoa.b', 's1', tile),
    TileCache.key('van_hoa.a', 's2', tile),
    TileCache.key('van_hoa.a', 's1', { ...tile, y: 1781 }),
    TileCache.key('van_hoa.a', 's1', { z: 1, x: 23, y: 1780 }),
  ]);
  assert.equal(keys.size, 5);
});

test('without notifications an entry serves its own data version and nothing newer', () => {
  const cache = new TileCache(1_000_000);
  const tile = at(BAN_GIOC, 12);
  cache.set(keyOf(tile), LAYER, tile, 7, part(100, 7));
  assert.deepEqual(cache.get(keyOf(tile), 7), part(100, 7));
  // A request that read an older version (its snapshot is older) may have the newer bytes.
  assert.deepEqual(cache.get(keyOf(tile), 6), part(100, 7));
  assert.equal(cache.get(keyOf(tile), 8), undefined, 'version 8 exists and no notification said what it changed');
  assert.deepEqual(cache.stats, { hits: 2, misses: 1, invalidated: 0, evicted: 0 });
});

test('a change drops, at every zoom, exactly the tiles its bounding box touches; the others serve the new version', () => {
  const { cache, tiles } = warmCache(5);
  const dropped = cache.applyChange({ layer: LAYER, version: 6, bbox: aroundBanGioc });
  assert.deepEqual(dropped.map((t) => t.z).sort((a, b) => a - b), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  for (const t of tiles) {
    const banGioc = t.x === at(BAN_GIOC, t.z).x && t.y === at(BAN_GIOC, t.z).y;
    if (banGioc) assert.equal(cache.get(keyOf(t), 6), undefined, `${t.z}/${t.x}/${t.y} was touched`);
    else assert.ok(cache.get(keyOf(t), 6), `${t.z}/${t.x}/${t.y} is far from the change`);
  }
  // At low zooms both places are in one tile: dropped once, and the Đông Khê entries there are the same key.
  assert.equal(cache.stats.invalidated, dropped.length);
});

test('an entry is not served for a version whose change has not arrived yet, and is once it has', () => {
  const { cache } = warmCache(5);
  const far = at(DONG_KHE, 14);
  assert.equal(cache.get(keyOf(far), 6), undefined, 'version 6 is committed but its notification is still on its way');
  cache.applyChange({ layer: LAYER, version: 6, bbox: aroundBanGioc });
  assert.ok(cache.get(keyOf(far), 6));
  assert.equal(cache.get(keyOf(far), 7), undefined);
});

test('a change with no bounding box, the first one, or one after a gap drops everything rendered before it', () => {
  const far = at(DONG_KHE, 14);
  const noBox = warmCache(5);
  noBox.cache.applyChange({ layer: LAYER, version: 6, bbox: null });
  assert.equal(noBox.cache.size, 0);

  const gap = warmCache(5);
  // Version 6 was never heard of: it could have touched anything.
  gap.cache.applyChange({ layer: LAYER, version: 7, bbox: aroundBanGioc });
  assert.equal(gap.cache.get(keyOf(far), 7), undefined);
  assert.equal(gap.cache.size, 0);

  const first = new TileCache(1_000_000);
  first.set(keyOf(far), LAYER, far, 3, part(10));
  const fresh = at(BAN_GIOC, 3);
  first.set(keyOf(fresh), LAYER, fresh, 9, part(10));
  first.applyChange({ layer: LAYER, version: 9, bbox: aroundBanGioc });
  assert.equal(first.get(keyOf(far), 9), undefined, 'rendered at 3, before anything was known');
  assert.ok(first.get(keyOf(fresh), 9), 'rendered at 9: it already has that change');
  // Rendered at 12, the version just before a gap-closing 13: it has every change but 13, whose box misses it,
  // so it stays. One rendered at 11 may lack the unannounced 12: it goes.
  const gapped = new TileCache(1_000_000);
  gapped.applyChange({ layer: LAYER, version: 10, bbox: null });
  const mid = at(DONG_KHE, 10);
  gapped.set(keyOf(far), LAYER, far, 12, part(10));
  gapped.set(keyOf(mid), LAYER, mid, 11, part(10));
  gapped.applyChange({ layer: LAYER, version: 13, bbox: aroundBanGioc });
  assert.ok(gapped.get(keyOf(far), 13));
  assert.equal(gapped.get(keyOf(mid), 13), undefined);
  // From here on changes are in sequence again.
  first.set(keyOf(far), LAYER, far, 9, part(10));
  first.applyChange({ layer: LAYER, version: 10, bbox: aroundBanGioc });
  assert.ok(first.get(keyOf(far), 10));
});

test('after the listener lost its connection nothing older than the current version is served', () => {
  const { cache } = warmCache(5);
  const far = at(DONG_KHE, 14);
  cache.applyChange({ layer: LAYER, version: 6, bbox: aroundBanGioc });
  assert.ok(cache.get(keyOf(far), 6));
  cache.forgetChanges();
  assert.ok(cache.get(keyOf(far), 5), 'its own version still holds');
  assert.equal(cache.get(keyOf(far), 6), undefined, 'version 6 may have changed anything while nobody listened');
  // The next notification after reconnecting cannot vouch for the ones missed before it.
  cache.applyChange({ layer: LAYER, version: 8, bbox: aroundBanGioc });
  assert.equal(cache.get(keyOf(far), 8), undefined);
});

test('a tile rendered before a change but stored after it was applied is kept only if the change missed it', () => {
  const { cache } = warmCache(5);
  cache.applyChange({ layer: LAYER, version: 6, bbox: aroundBanGioc });
  cache.applyChange({ layer: LAYER, version: 7, bbox: [106.0, 22.0, 106.01, 22.01] });
  const near = at(BAN_GIOC, 15);
  const far = at(DONG_KHE, 15);
  assert.equal(cache.set(keyOf(near), LAYER, near, 5, part(10)), false, 'version 6 touched it after its query read 5');
  assert.equal(cache.get(keyOf(near), 7), undefined);
  assert.equal(cache.set(keyOf(far), LAYER, far, 5, part(10)), true);
  assert.ok(cache.get(keyOf(far), 7));
  // Older than the remembered changes: nothing proves it untouched.
  const fresh = new TileCache(1_000_000);
  fresh.applyChange({ layer: LAYER, version: 100, bbox: null });
  for (let v = 101; v <= 200; v++) fresh.applyChange({ layer: LAYER, version: v, bbox: aroundBanGioc });
  assert.equal(fresh.set(keyOf(far), LAYER, far, 120, part(10)), false);
  assert.equal(fresh.set(keyOf(far), LAYER, far, 199, part(10)), true);
});

test('changes of one layer leave the other layers alone', () => {
  const { cache } = warmCache(5);
  const other = 'van_hoa.b';
  const tile = at(BAN_GIOC, 12);
  cache.set(keyOf(tile, other), other, tile, 1, part(10));
  cache.applyChange({ layer: LAYER, version: 6, bbox: null });
  assert.ok(cache.get(keyOf(tile, other), 1));
});

test('the buffer counts: a change just outside the tile, within 64/4096 of it, touches it', () => {
  const t = at(BAN_GIOC, 12);
  const n = 2 ** 12;
  const lonOf = (x: number) => (x / n) * 360 - 180;
  const latOf = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
  const lat = latOf(t.y + 0.5);
  const justEast = lonOf(t.x + 1 + 32 / 4096);
  assert.equal(touches([justEast, lat, justEast, lat], t), true);
  const wellEast = lonOf(t.x + 1 + 100 / 4096);
  assert.equal(touches([wellEast, lat, wellEast, lat], t), false);
  const justNorth = latOf(t.y - 40 / 4096);
  assert.equal(touches([lonOf(t.x + 0.5), justNorth, lonOf(t.x + 0.5), justNorth], t), true);
  // A box around the tile touches it although no corner is inside.
  assert.equal(touches([lonOf(t.x - 1), latOf(t.y + 2), lonOf(t.x + 2), latOf(t.y - 1)], t), true);
});

test('stays within its byte budget, evicting the least recently used first', () => {
  const tileAt = (i: number) => ({ z: 12, x: i, y: 0 });
  const probe = new TileCache(1_000_000);
  probe.set(keyOf(tileAt(0)), LAYER, tileAt(0), 1, part(1000));
  const cost = probe.bytes;
  const cache = new TileCache(cost * 3);
  for (const i of [1, 2, 3]) cache.set(keyOf(tileAt(i)), LAYER, tileAt(i), 1, part(1000));
  assert.equal(cache.size, 3);
  // Touch 1: now 2 is the least recently used and goes when 4 arrives.
  assert.ok(cache.get(keyOf(tileAt(1)), 1));
  cache.set(keyOf(tileAt(4)), LAYER, tileAt(4), 1, part(1000));
  assert.equal(cache.size, 3);
  assert.ok(cache.bytes <= cache.capacityBytes);
  assert.equal(cache.get(keyOf(tileAt(2)), 1), undefined);
  for (const i of [1, 3, 4]) assert.ok(cache.get(keyOf(tileAt(i)), 1));
  assert.equal(cache.stats.evicted, 1);
  // Evicted entries leave the layer's index too: a later change finds nothing to drop for them.
  assert.deepEqual(cache.applyChange({ layer: LAYER, version: 2, bbox: null }).map((t) => t.x).sort(), [1, 3, 4]);
});

test('replacing an entry does not count it twice', () => {
  const cache = new TileCache(1_000_000);
  const tile = at(BAN_GIOC, 12);
  cache.set(keyOf(tile), LAYER, tile, 1, part(500));
  const once = cache.bytes;
  cache.set(keyOf(tile), LAYER, tile, 2, part(500, 2));
  assert.equal(cache.bytes, once);
  assert.equal(cache.size, 1);
  assert.deepEqual(cache.get(keyOf(tile), 2), part(500, 2));
});

test('empty tiles cost memory too, so a flood of them is bounded', () => {
  const cache = new TileCache(10_000);
  for (let i = 0; i < 10_000; i++) cache.set(keyOf({ z: 20, x: i, y: 0 }), LAYER, { z: 20, x: i, y: 0 }, 1, part(0));
  assert.ok(cache.size > 0);
  assert.ok(cache.size < 100, `${cache.size} empty entries in a 10 kB cache`);
  assert.ok(cache.bytes <= 10_000);
});

test('a tile larger than the whole budget, or a zero budget, stores nothing', () => {
  const tile = at(BAN_GIOC, 12);
  const small = new TileCache(1000);
  assert.equal(small.set(keyOf(tile), LAYER, tile, 1, part(2000)), false);
  assert.equal(small.size, 0);
  const off = new TileCache(0);
  off.set(keyOf(tile), LAYER, tile, 1, part(1));
  assert.equal(off.get(keyOf(tile), 1), undefined);
  assert.equal(off.bytes, 0);
});
