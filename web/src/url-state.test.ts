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
      opacity: new Map(),
      basemap: 'offline',
    });
  });

  it('keeps the faded layers and the online basemap, and only when they differ from the defaults', () => {
    const view = { zoom: 9, lat: 22.7, lon: 106.1, bearing: 0 };
    const opacity = new Map([['giao_thong.quoc_lo', 40], ['xay_dung.quy_hoach', 0], ['van_hoa.di_san', 100], ['do_thi.den', 62.6]]);
    const hash = formatHash({ view, layers: ['giao_thong.quoc_lo'], opacity, basemap: 'online' });
    assert.equal(hash, '#map=9.00/22.70000/106.10000&layers=giao_thong.quoc_lo&opacity=giao_thong.quoc_lo:40,xay_dung.quy_hoach:0,do_thi.den:63&basemap=online');
    const state = parseHash(hash);
    assert.deepEqual([...state.opacity], [['giao_thong.quoc_lo', 40], ['xay_dung.quy_hoach', 0], ['do_thi.den', 63]]);
    assert.equal(state.basemap, 'online');
    assert.equal(formatHash({ view, layers: [], opacity: new Map([['a.b', 100]]), basemap: 'offline' }), '#map=9.00/22.70000/106.10000&layers=');
  });

  it('leaves out an opacity that is not a whole percentage of a named layer, and a basemap it does not know', () => {
    const state = parseHash('#opacity=a.b:50,c.d:101,e.f:-1,g.h:x,:20,i.j,k.l:7.5,m.n:100,o.p:0&basemap=satellite');
    assert.deepEqual([...state.opacity], [['a.b', 50], ['o.p', 0]]);
    assert.equal(state.basemap, 'offline');
    assert.equal(parseHash('').opacity.size, 0);
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
