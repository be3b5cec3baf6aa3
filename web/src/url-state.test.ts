import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHash, parseHash } from './url-state.ts';

describe('the URL hash', () => {
  it('round-trips the view and the visible layers', () => {
    const hash = formatHash({ view: { zoom: 11.374, lat: 22.667812, lon: 106.251234, bearing: 0 }, layers: ['giao_thong.quoc_lo', 'tai_nguyen.ranh_gioi_xa'] });
    assert.equal(hash, '#map=11.37/22.66781/106.25123&layers=giao_thong.quoc_lo,tai_nguyen.ranh_gioi_xa');
    assert.deepEqual(parseHash(hash), {
      view: { zoom: 11.37, lat: 22.66781, lon: 106.25123, bearing: 0 },
      layers: ['giao_thong.quoc_lo', 'tai_nguyen.ranh_gioi_xa'],
    });
  });

  it('keeps a rotation, and an empty layer list means "none" while a missing one means "defaults"', () => {
    const hash = formatHash({ view: { zoom: 9, lat: 22.7, lon: 106.1, bearing: -30 }, layers: [] });
    assert.equal(hash, '#map=9.00/22.70000/106.10000/330&layers=');
    assert.deepEqual(parseHash(hash).layers, []);
    assert.equal(parseHash(hash).view?.bearing, 330);
    assert.equal(parseHash('#map=9/22.7/106.1').layers, null);
  });

  it('ignores a view that is not one', () => {
    for (const bad of ['#map=abc', '#map=9/22.7', '#map=30/22.7/106.1', '#map=9/95/106.1', '#map=9/22/106/1/2', '', '#layer-tree']) {
      assert.equal(parseHash(bad).view, null, bad);
    }
  });
});
